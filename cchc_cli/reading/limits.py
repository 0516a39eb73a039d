"""Bounded resources: how much cchc agrees to read, checked before anything is read in full.

Every input file has its size checked before it is opened for reading (``check_file_size``),
and only regular files are read (``check_regular_file``). An XLSX is a zip: its members'
declared sizes are read from the central directory and their actual sizes measured by
streaming decompression, with a counter and no buffer kept, the same pass looking for cell
references far from A1, before the workbook is handed to calamine (``check_xlsx``), so that a
decompression bomb is refused rather than expanded. A CSV's first bytes are checked for being
text at all, in one encoding (``check_text_file``). After a table is read, the cells cchc
keeps are checked for length and NUL characters and the rows are counted (``check_table``).

The limits live in a ``Limits`` value. ``DEFAULT`` is what readers use unless told
otherwise; the command line sets it for one command with ``using(Limits(...))``
(``--max-file-mb``, ``--max-xlsx-mb``, ``--max-xlsx-ratio``, ``--max-cells``,
``--max-cell-chars``, ``--max-rows``), and a library caller can do the same.

Each check raises ``DataError`` (exit 3) naming the file, what is over which limit, and the
option that raises it. No message quotes a cell's content.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

from ..errors import DataError
from .layout import column_letter

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 2048  # any input file, as stored on disk
    max_xlsx_mb: float = 1024  # an XLSX's members once decompressed, all together
    max_ratio: float = 100  # compression ratio of one XLSX member ...
    ratio_floor_mb: float = 16  # ... checked for members that decompress to more than this
    max_cell_chars: int = 32_767  # the longest cell Excel itself can hold
    max_rows: int = 2_000_000  # data rows of one table
    max_cells: int = 50_000_000  # a sheet's extent, rows × columns from A1, as the XLSX reader lays it out

    def with_options(self, **options: Any) -> "Limits":
        """A copy with the options that are not None (the CLI passes every option)."""
        given = {k: v for k, v in options.items() if v is not None}
        for k, v in given.items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0 or v != v or v == float("inf"):
                from ..errors import ConfigError

                flag = {"max_ratio": "max-xlsx-ratio"}.get(k, k.replace("_", "-"))
                raise ConfigError(f"--{flag} {v}: cần một số dương.")
        return replace(self, **given)


DEFAULT = Limits()


def current() -> Limits:
    return DEFAULT


@contextlib.contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    """Make ``limits`` the default for the duration of a block (one CLI command)."""
    global DEFAULT
    saved = DEFAULT
    DEFAULT = limits
    try:
        yield limits
    finally:
        DEFAULT = saved


def _n(v: float) -> str:
    """A count the Vietnamese way: 1.048.576."""
    return f"{int(v):,}".replace(",", ".")


def _mb(nbytes: float) -> str:
    v = nbytes / MB
    s = f"{v:,.0f}" if v >= 10 else f"{v:,.1f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# ------------------------------------------------------------------ any file


def check_regular_file(path: Path) -> os.stat_result:
    """The path is an existing regular file (not a folder, device or pipe, whose size is
    unknown or unbounded); its ``stat``."""
    p = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{p}: không tìm thấy tệp (có thể đã bị xóa hoặc di chuyển trong lúc chạy).") from None
    except OSError as e:
        raise DataError(f"{p}: không đọc được tệp ({e.strerror or type(e).__name__}).",
                        hint="Kiểm tra quyền đọc tệp và ổ đĩa chứa tệp.") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"{p}: là một thư mục, không phải tệp (có thể đã bị thay trong lúc chạy).")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{p}: không phải tệp thông thường (thiết bị, đường ống…): không biết trước kích thước nên không đọc.",
                        hint="Lưu dữ liệu ra một tệp rồi chạy lại với tệp đó.")
    return st


def check_file_size(path: Path, limits: Limits | None = None) -> int:
    """The file's size in bytes, refused (exit 3) above ``max_file_mb``. Call before
    reading anything of the file."""
    limits = limits or DEFAULT
    size = check_regular_file(path).st_size
    if size > limits.max_file_mb * MB:
        raise DataError(
            f"{path}: tệp lớn {_mb(size)} MB, vượt giới hạn {_mb(limits.max_file_mb * MB)} MB cho một tệp đầu vào.",
            hint=f"Nếu đây đúng là dữ liệu cần đọc, tăng giới hạn: --max-file-mb {int(size / MB) + 1}; "
            "hoặc chia tệp theo tháng / đơn vị.",
        )
    return size


# ------------------------------------------------------------------ xlsx (zip) before calamine

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_CHUNK = 1 << 20
_checked: dict[tuple, None] = {}  # (path, size, mtime, limits) already inspected and found sound


def check_xlsx(path: Path, limits: Limits | None = None) -> None:
    """Inspect an .xlsx/.xlsm before calamine opens it: a zip whose members, declared and
    actual, decompress to no more than ``max_xlsx_mb`` altogether, with no member of more
    than ``ratio_floor_mb`` compressed more than ``max_ratio`` to one. A password-protected
    workbook (an OLE2 file, not a zip) is named as such. Results are cached per file
    version, so the reader and the kind detector inspect a file once."""
    limits = limits or DEFAULT
    p = str(path)
    size = check_file_size(path, limits)
    st = os.stat(path)
    key = (os.path.abspath(p), size, st.st_mtime_ns, limits)
    if key in _checked:
        return
    with open(path, "rb") as fh:
        magic = fh.read(8)
        if size == 0:
            raise DataError(f"{p}: tệp rỗng (0 byte).", hint="Xuất lại tệp từ phần mềm một cửa.")
        if magic == _OLE2:
            if _is_encrypted_ole2(fh):
                raise DataError(f"{p}: tệp Excel có mật khẩu, không đọc được.",
                                hint="Mở tệp bằng Excel, bỏ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc) và lưu lại rồi chạy lại.")
            raise DataError(f"{p}: tệp là bảng tính Excel 97–2003 (.xls) nhưng mang đuôi {path.suffix}.",
                            hint="Đổi đuôi tệp thành .xls, hoặc mở bằng Excel và lưu lại dưới dạng .xlsx.")
        if not magic.startswith(b"PK"):
            raise DataError(f"{p}: tệp hỏng hoặc không phải tệp XLSX (tệp XLSX là một tệp nén zip; tệp này không phải).",
                            hint=_what_is_it(magic) or "Mở tệp bằng Excel và lưu lại dưới dạng XLSX.")
        try:
            zf = zipfile.ZipFile(fh)
            infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error):
            raise DataError(f"{p}: tệp XLSX bị cắt cụt hoặc hỏng (không đọc được mục lục của tệp nén).",
                            hint="Tệp có thể chưa tải xong hoặc chép bị lỗi: tải hoặc xuất lại tệp.") from None
        limit = limits.max_xlsx_mb * MB
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            raise _too_big(p, declared, limits, declared=True)
        floor = limits.ratio_floor_mb * MB
        for i in infos:
            if i.file_size > floor and i.file_size > limits.max_ratio * max(i.compress_size, 1):
                raise _bomb(p, i.filename, i.file_size, i.compress_size, limits)
        total = 0
        far: list[zipfile.ZipInfo] = []
        for i in infos:
            size, flagged = _actual_size(fh, zf, i, p, limit - total, limits)
            total += size
            if flagged:
                far.append(i)
        for i in far:  # a cell far from A1 somewhere: the sheet's exact extent
            _check_extent(fh, i, p, limits)
    if len(_checked) > 1024:
        _checked.clear()
    _checked[key] = None


def _too_big(p: str, nbytes: float, limits: Limits, declared: bool) -> DataError:
    what = "khai báo giải nén ra" if declared else "giải nén ra hơn"
    return DataError(
        f"{p}: tệp XLSX {what} {_mb(nbytes)} MB, vượt giới hạn {_mb(limits.max_xlsx_mb * MB)} MB "
        "(có thể là tệp \"bom nén\").",
        hint=f"Nếu tệp đúng là một bản xuất rất lớn, tăng giới hạn: --max-xlsx-mb {int(nbytes / MB) + 1}; "
        "hoặc xuất dữ liệu dạng CSV.",
    )


def _bomb(p: str, member: str, usize: int, csize: int, limits: Limits) -> DataError:
    return DataError(
        f"{p}: thành phần '{member}' của tệp XLSX nén {_n(usize // max(csize, 1))} lần "
        f"({_mb(usize)} MB từ {_n(csize)} byte), vượt tỷ lệ {_n(limits.max_ratio)} lần: "
        "đây không phải bảng tính bình thường (\"bom nén\").",
        hint="Mở tệp bằng Excel và lưu lại, hoặc xuất lại từ phần mềm; nếu chắc chắn tệp đúng, "
        f"tăng giới hạn: --max-xlsx-ratio {usize // max(csize, 1) + 1}.",
    )


# Cell references (r="XFD1048576") far enough from A1 to be looked at closely: a column of
# three letters or from CA on, a row from 300,000 on. A sheet without any has an extent of
# at most 299,999 × 78 cells, which is within the default ``max_cells``; a sheet with one is
# measured exactly (``_check_extent``). The reader lays a sheet out as a full grid from A1
# (calamine allocates it before Python sees a cell), so one cell typed at XFD1048576 in a
# file of 6 KB would otherwise ask for 17 billion cells.
_FAST_BOUND = 299_999 * 78  # the extent a sheet without a far reference can have
_FAR_REF = re.compile(rb'r="(?:[A-Z]{3}|[C-Z][A-Z][0-9]|[A-Z]{0,2}+(?:[3-9][0-9]{5}|[1-9][0-9]{6}))')
_REF = re.compile(rb'\sr="([A-Z]{0,4})([0-9]{1,10})"')


def _member_chunks(fh, info: zipfile.ZipInfo, p: str, cap: float) -> Iterator[bytes]:
    """The decompressed content of one member, chunk by chunk, stopping once more than
    ``cap`` bytes came out. Nothing is kept."""
    broken = DataError(f"{p}: tệp XLSX bị hỏng (thành phần '{info.filename}' không giải nén được).",
                       hint="Tải hoặc xuất lại tệp; nếu mở được bằng Excel, lưu lại dưới dạng XLSX.")
    if info.flag_bits & 0x1:
        raise DataError(f"{p}: tệp XLSX có thành phần bị mã hóa, không đọc được.",
                        hint="Bỏ mật khẩu trong Excel và lưu lại.")
    try:
        fh.seek(info.header_offset)
        head = fh.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise broken
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
    except OSError:
        raise broken from None
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        while left > 0:
            chunk = fh.read(min(left, _CHUNK))
            if not chunk:
                raise broken
            left -= len(chunk)
            yield chunk
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise DataError(f"{p}: tệp XLSX dùng kiểu nén không thông dụng ({info.compress_type}).",
                        hint="Mở tệp bằng Excel và lưu lại dưới dạng XLSX.")
    d = zlib.decompressobj(-15)
    out = 0
    try:
        while left > 0 and not d.eof:
            chunk = fh.read(min(left, _CHUNK))
            if not chunk:
                raise broken  # the file ends inside the member: truncated
            left -= len(chunk)
            data = chunk
            while data and not d.eof:
                piece = d.decompress(data, _CHUNK)
                out += len(piece)
                yield piece
                if out > cap:
                    return
                data = d.unconsumed_tail
    except zlib.error:
        raise broken from None
    if not d.eof:
        raise broken


def _actual_size(fh, zf: zipfile.ZipFile, info: zipfile.ZipInfo, p: str, budget: float,
                 limits: Limits) -> tuple[int, bool]:
    """Decompress one member, counting the bytes and keeping none, and stop as soon as it
    exceeds its declared size or the remaining budget: (actual size, a far cell reference
    seen)."""
    cap = min(info.file_size, budget)
    # below the bound the fast filter guarantees, every member is measured exactly
    out, flagged, tail = 0, limits.max_cells < _FAST_BOUND and info.filename.endswith(".xml"), b""
    for piece in _member_chunks(fh, info, p, cap):
        out += len(piece)
        if not flagged:
            flagged = _FAR_REF.search(tail + piece) is not None
            tail = piece[-24:]
        if out > cap:
            break
    if out > budget:
        raise _too_big(p, limits.max_xlsx_mb * MB - budget + out, limits, declared=False)
    if out > info.file_size:
        raise DataError(
            f"{p}: thành phần '{info.filename}' của tệp XLSX giải nén ra nhiều hơn kích thước nó khai báo "
            f"({_n(info.file_size)} byte): tệp bị sửa hoặc hỏng (có thể là \"bom nén\").",
            hint="Không dùng tệp này; xuất lại từ phần mềm một cửa.",
        )
    if out != info.file_size:
        raise DataError(f"{p}: tệp XLSX bị hỏng (thành phần '{info.filename}' không giải nén được).",
                        hint="Tải hoặc xuất lại tệp; nếu mở được bằng Excel, lưu lại dưới dạng XLSX.")
    return out, flagged


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_extent(fh, info: zipfile.ZipInfo, p: str, limits: Limits) -> None:
    """The exact extent (from A1) of the cells of a member with a far reference."""
    rows = cols = 0
    where = b""
    tail = b""
    for piece in _member_chunks(fh, info, p, info.file_size):
        buf = tail + piece
        for m in _REF.finditer(buf):
            r, c = int(m.group(2)), _col_number(m.group(1))
            if r > rows or c > cols:
                rows, cols = max(rows, r), max(cols, c)
                where = m.group(1) + m.group(2)
        tail = buf[-24:]
    if rows * cols > limits.max_cells:
        ref = where.decode("ascii", "replace")
        raise DataError(
            f"{p}: trang tính '{info.filename}' có ô ở tận {ref}: bảng tính trải ra {_n(rows)} dòng × {_n(cols)} cột "
            f"= {_n(rows * cols)} ô, vượt giới hạn {_n(limits.max_cells)} ô (đọc nó cần hàng chục GB bộ nhớ).",
            hint="Mở tệp bằng Excel, nhấn Ctrl+End để đến ô cuối, xóa các dòng và cột thừa rồi lưu lại; "
            f"nếu bảng đúng là lớn như vậy, tăng giới hạn: --max-cells {rows * cols}.",
        )


def _is_encrypted_ole2(fh) -> bool:
    """An OLE2 compound file holding an "EncryptedPackage" stream: a password-protected
    OOXML workbook. The directory names are UTF-16; a look at the first 64 KB suffices."""
    fh.seek(0)
    head = fh.read(64 * 1024)
    return "EncryptedPackage".encode("utf-16-le") in head or "EncryptionInfo".encode("utf-16-le") in head


_MAGIC = (
    (b"PK\x03\x04", "Tệp thực ra là tệp nén zip (có thể là XLSX): đổi đuôi thành .xlsx rồi chạy lại."),
    (_OLE2, "Tệp thực ra là bảng tính Excel 97–2003: đổi đuôi thành .xls rồi chạy lại."),
    (b"\x89PNG", "Tệp thực ra là ảnh PNG, không phải dữ liệu xuất."),
    (b"\xff\xd8\xff", "Tệp thực ra là ảnh JPEG, không phải dữ liệu xuất."),
    (b"%PDF", "Tệp thực ra là tài liệu PDF, không phải dữ liệu xuất: xuất lại dưới dạng XLSX hoặc CSV."),
    (b"PAR1", "Tệp thực ra là tệp Parquet: đổi đuôi thành .parquet rồi chạy lại."),
)


def _what_is_it(magic: bytes) -> str | None:
    for sig, text in _MAGIC:
        if magic.startswith(sig):
            return text
    if magic[:5].lower() in (b"<html", b"<!doc"):
        return "Tệp thực ra là trang web HTML (thường do phần mềm \"xuất Excel\" dạng HTML): mở bằng Excel và lưu lại dưới dạng XLSX."
    return None


# ------------------------------------------------------------------ text files before the CSV reader

_VI_UTF8 = re.compile(rb"[\xc3\xc4\xc6][\x80-\xbf]|\xe1[\xba\xbb][\x80-\xbf]|\xcc[\x80-\xa3]")


def check_text_file(path: Path, head: bytes, size: int) -> None:
    """Refuse, with a message saying what the file is, a .csv that is not text: a binary
    file (an XLSX, XLS, PNG, PDF renamed .csv), NUL bytes in a text file (a file damaged in
    writing), or text that changes encoding part way (UTF-8 rows and Windows-1258 rows
    pasted together, which would otherwise give garbled unit names without an error)."""
    p = str(path)
    if not head.strip():
        return  # empty: the reader says so
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 is full of NUL bytes by design
    what = _what_is_it(head[:8])
    if what is not None and not head.startswith(b"\xef\xbb\xbf"):
        raise DataError(f"{p}: không phải tệp CSV văn bản" + (" (có byte NUL)." if b"\x00" in head else "."), hint=what)
    nul = head.find(b"\x00")
    if nul >= 0:
        lead = head[: min(nul, 256)]
        if nul < 16 or any(c < 9 or 13 < c < 32 for c in lead):
            raise DataError(f"{p}: không phải tệp CSV văn bản (có byte NUL): có vẻ là tệp nhị phân bị đổi đuôi .csv.",
                            hint="Xuất lại dữ liệu từ phần mềm dưới dạng CSV hoặc XLSX.")
        line = head.count(b"\n", 0, nul) + 1
        raise DataError(
            f"{p}: tệp có byte NUL (\\0) ở dòng {_n(line)} (byte thứ {_n(nul + 1)}): tệp bị hỏng khi ghi "
            "(mất điện, ổ đĩa đầy) hoặc phần mềm xuất lỗi.",
            hint="Xuất lại tệp từ phần mềm một cửa; nếu phải dùng tệp này, mở bằng Excel, kiểm tra dòng đó và lưu lại.",
        )
    _check_mixed_encoding(p, head, size, path)


def _utf8_state(line: bytes) -> str:
    """ascii; vi (valid UTF-8 with Vietnamese letters); utf8 (other valid UTF-8); bad (not UTF-8)."""
    if line.isascii():
        return "ascii"
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return "bad"
    return "vi" if _VI_UTF8.search(line) else "utf8"


def _check_mixed_encoding(p: str, head: bytes, size: int, path: Path) -> None:
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    head = head[bom:]
    lines = head.split(b"\n")
    partial = bom + len(head) < size
    if partial:
        lines = lines[:-1]  # the last line of a partial read may be cut in a character
    first: dict[str, int] = {}
    for n, line in enumerate(lines, start=1):
        first.setdefault(_utf8_state(line), n)
    if "vi" in first and "bad" in first:
        raise _mixed(p, first["vi"], first["bad"])
    if "bad" in first and partial:
        # Windows-1258 in the head: UTF-8 Vietnamese further down would be read as
        # Windows-1258 letters without an error, so look for it (streaming, nothing kept)
        start = bom + sum(len(x) + 1 for x in lines)
        line = _find_utf8_line(path, start, len(lines))
        if line is not None:
            raise _mixed(p, line, first["bad"])


def _find_utf8_line(path: Path, start: int, lines_before: int) -> int | None:
    """The number of the first line at or after byte ``start`` that is UTF-8 Vietnamese: a
    regular expression over each chunk first, the lines around a hit checked after."""
    with open(path, "rb") as fh:
        fh.seek(start)
        n = lines_before  # lines before ``buf``
        carry = b""
        while True:
            chunk = fh.read(_CHUNK)
            buf = carry + chunk
            cut = buf.rfind(b"\n") + 1 if chunk else len(buf)
            body, carry = buf[:cut], buf[cut:]
            pos = 0
            while (m := _VI_UTF8.search(body, pos)) is not None:
                lo = body.rfind(b"\n", 0, m.start()) + 1
                hi = body.find(b"\n", m.end())
                hi = len(body) if hi < 0 else hi
                if _utf8_state(body[lo:hi]) == "vi":
                    return n + body.count(b"\n", 0, lo) + 1
                pos = hi + 1
            n += body.count(b"\n")
            if not chunk:
                return None
            if len(carry) > 8 * _CHUNK:  # an absurdly long line: the cell-length check handles it
                carry = b""


def _mixed(p: str, utf8_line: int, other_line: int) -> DataError:
    return DataError(
        f"{p}: tệp đổi bảng mã giữa chừng: dòng {_n(utf8_line)} là UTF-8, dòng {_n(other_line)} không phải UTF-8 "
        "(thường là Windows-1258) — các tệp có bảng mã khác nhau đã bị ghép vào nhau. Đọc tiếp sẽ làm sai chữ "
        "có dấu (tên đơn vị, trạng thái) nên cchc dừng.",
        hint="Mở từng phần bằng Excel và lưu lại cùng một kiểu \"CSV UTF-8\", hoặc ghép lại từ các tệp xuất gốc.",
    )


# ------------------------------------------------------------------ after reading a table


def check_table(raw, limits: Limits | None = None) -> None:
    """The table's kept cells (mapped columns) are no longer than ``max_cell_chars`` and hold
    no NUL character, and it has no more than ``max_rows`` data rows."""
    limits = limits or DEFAULT
    n = len(raw.frame) + len(raw.bad_rows)
    if n > limits.max_rows:
        raise DataError(
            f"{raw.path}: bảng có {_n(n)} dòng dữ liệu, vượt giới hạn {_n(limits.max_rows)} dòng.",
            hint=f"Nếu đúng là dữ liệu cần đọc, tăng giới hạn: --max-rows {n}; hoặc chia tệp theo tháng / đơn vị.",
        )
    sources = {s.column: s for s in raw.mapping.sources}
    for name in raw.frame.columns:
        pos = int(name[1:])
        src = sources.get(pos)
        header = src.header if src is not None else (raw.mapping.headers[pos] if pos < len(raw.mapping.headers)
                                                      else "") or column_letter(pos)
        longest, at, nul_at = _scan_column(raw.frame[name], limits.max_cell_chars,
                                           text=src is None or src.parser.kind == "text")
        if longest > limits.max_cell_chars:
            raise DataError(
                f"{raw.path}: ô ở dòng {_n(raw.rows[at])}, cột '{header}' dài {_n(longest)} ký tự, "
                f"vượt giới hạn {_n(limits.max_cell_chars)} ký tự (một ô Excel chứa tối đa 32.767 ký tự). "
                + ("Tệp không phải do Excel ghi ra hoặc đã bị sửa." if str(raw.path).lower().endswith((".xlsx", ".xlsm", ".xls"))
                   else "Thường do một dấu ngoặc kép (\") không được đóng, làm các dòng sau dồn vào một ô."),
                hint="Mở tệp, sửa ô đó (hoặc xuất lại tệp); nếu ô dài đó là đúng, tăng giới hạn: "
                f"--max-cell-chars {longest}.",
            )
        if nul_at is not None:
            raise DataError(
                f"{raw.path}: ô ở dòng {_n(raw.rows[nul_at])}, cột '{header}' có ký tự NUL (\\0): "
                "tệp bị hỏng khi ghi hoặc phần mềm xuất lỗi.",
                hint="Xuất lại tệp từ phần mềm một cửa, hoặc sửa ô đó rồi lưu lại.",
            )


def _scan_column(s, limit: int, text: bool = True) -> tuple[int, int, int | None]:
    """(longest text length, its position, position of the first NUL or None) — exact
    where it matters, cheap otherwise: an Arrow column is measured in bytes first (a text
    of N characters has at least N bytes) and searched for NUL in its data buffers. A column
    of Python objects (XLSX cells) is scanned only when it is read as text (``text``): in a
    date, number or vocabulary column a long or odd string is refused by the parser and
    shown cut to 60 characters."""
    import numpy as np
    import pandas as pd

    if len(s) == 0:
        return 0, 0, None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = None
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        arr = pa.array(s.array)
    elif not text:
        return 0, 0, None
    elif pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        arr = pa.array(s.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    if arr is not None:
        chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
        longest, at, nul_at = 0, 0, None
        biggest = pc.max(pc.binary_length(arr)).as_py() or 0
        if biggest > limit:
            lengths = pc.utf8_length(arr).fill_null(0).to_numpy(zero_copy_only=False)
            at = int(np.argmax(lengths))
            longest = int(lengths[at])
        if any(c.buffers()[2] is not None and c.buffers()[2].size
               and np.frombuffer(c.buffers()[2], dtype=np.uint8).min() == 0 for c in chunks):
            hit = np.flatnonzero(pc.match_substring(arr, "\x00").fill_null(False).to_numpy(zero_copy_only=False))
            nul_at = int(hit[0]) if len(hit) else None
        return longest, at, nul_at
    values = s.to_numpy(dtype=object)  # mixed cells (text and numbers, dates)
    strs = [v for v in values if v.__class__ is str]
    if not strs:
        return 0, 0, None
    longest = max(map(len, strs))
    nul = "\x00" in "".join(strs)
    if longest <= limit and not nul:
        return longest, 0, None
    at = next(i for i, v in enumerate(values) if v.__class__ is str and len(v) == longest)
    nul_at = next((i for i, v in enumerate(values) if v.__class__ is str and "\x00" in v), None) if nul else None
    return longest, at, nul_at


__all__ = ["DEFAULT", "Limits", "check_file_size", "check_regular_file", "check_table", "check_text_file",
           "unclosed_quote_error",
           "check_xlsx", "current", "using"]


def unclosed_quote_error(path, line: int) -> DataError:
    """For the CSV reader: a quoted cell opened on ``line`` runs to the end of the file, so
    every record after it would vanish into that cell. (csv.reader(strict=True) raises
    csv.Error "unexpected end of data" on it; the reader knows the record's first line.)"""
    return DataError(
        f"{path}: dấu ngoặc kép (\") mở ở dòng {_n(line)} không được đóng: mọi dòng sau đó sẽ dồn vào một ô, "
        "nên cchc không đọc tệp này.",
        hint="Mở tệp bằng trình soạn thảo văn bản, sửa dấu ngoặc kép ở dòng đó (hoặc xuất lại tệp) rồi chạy lại.",
    )
