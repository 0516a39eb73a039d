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
import io
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
from ..i18n import Msg, default_lang
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
    max_cells: int = 50_000_000  # a workbook's extent, rows × columns from A1 of every sheet, as the reader lays it out
    memory_floor_mb: float = 512  # a workbook may need this much memory to parse whatever its size; above, at most
    # max_ratio times its size on disk (a few-KB file that needs gigabytes is a bomb)
    parse_memory_mb: float = 1024  # the least address space the parser's child process gets
    parse_seconds: float = 120  # the parser's child process: this long, plus 5 s per MB of file
    explicit: frozenset[str] = frozenset()  # the options given by the user (``with_options``)

    def with_options(self, **options: Any) -> "Limits":
        """A copy with the options that are not None (the CLI passes every option); those
        are recorded in ``explicit``."""
        given = {k: v for k, v in options.items() if v is not None}
        for k, v in given.items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0 or v != v or v == float("inf"):
                from ..errors import ConfigError

                flag = {"max_ratio": "max-xlsx-ratio"}.get(k, k.replace("_", "-"))
                raise ConfigError("limit_option_not_positive", option=f"--{flag}", value=v)
        return replace(self, **given, explicit=self.explicit | frozenset(given))


DEFAULT = Limits()


def _given(limits: Limits, name: str) -> bool:
    """The option was set by the user: through ``with_options``, or a value other than the
    default in a ``Limits`` built by a library caller."""
    return name in limits.explicit or getattr(limits, name) != getattr(Limits, name)


def stream_row_cap(limits: Limits | None = None) -> int | None:
    """For a file read in blocks: ``max_rows`` when the user set it (``--max-rows``), else
    None. The default row cap guards the memory of a whole-file read; streaming is bounded."""
    limits = limits or DEFAULT
    return int(limits.max_rows) if _given(limits, "max_rows") else None


def stream_file_cap(limits: Limits | None = None) -> int | None:
    """For a file read in blocks: ``max_file_mb`` in bytes when the user set it
    (``--max-file-mb``), else None."""
    limits = limits or DEFAULT
    return int(limits.max_file_mb * MB) if _given(limits, "max_file_mb") else None


def check_stream_file(path: Path, limits: Limits | None = None) -> int:
    """``check_file_size`` for a file read in blocks: the size is checked only against a
    ``max_file_mb`` the user set. The file's size in bytes."""
    limits = limits or DEFAULT
    if stream_file_cap(limits) is not None:
        return check_file_size(path, limits)
    return check_regular_file(path).st_size


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


class Count(Msg):
    """A count in an error's parameters, worded in the message's language: 1.048.576 in
    Vietnamese, 1,048,576 in English."""

    def __init__(self, value: float):
        super().__init__("count", {"value": int(value)})

    def text(self, lang: str | None = None) -> str:
        s = f"{self.params['value']:,}"
        return s.replace(",", ".") if (lang or default_lang()) == "vi" else s

    def __int__(self) -> int:
        return self.params["value"]


class Mb(Msg):
    """Megabytes in an error's parameters: "1.100" or "1,5" in Vietnamese, "1,100" or "1.5"
    in English."""

    def __init__(self, nbytes: float):
        super().__init__("mb", {"bytes": nbytes})

    def text(self, lang: str | None = None) -> str:
        s = _mb(self.params["bytes"])
        if (lang or default_lang()) == "vi":
            return s
        return s.replace(".", "\x00").replace(",", ".").replace("\x00", ",")


# ------------------------------------------------------------------ any file


def check_regular_file(path: Path) -> os.stat_result:
    """The path is an existing regular file (not a folder, device or pipe, whose size is
    unknown or unbounded); its ``stat``."""
    p = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError("file_vanished", path=p) from None
    except OSError as e:
        raise DataError("file_unreadable_os", path=p, reason=e.strerror or type(e).__name__) from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError("path_is_directory", path=p)
    if not stat.S_ISREG(st.st_mode):
        raise DataError("path_not_regular", path=p)
    return st


def check_file_size(path: Path, limits: Limits | None = None) -> int:
    """The file's size in bytes, refused (exit 3) above ``max_file_mb``. Call before
    reading anything of the file."""
    limits = limits or DEFAULT
    size = check_regular_file(path).st_size
    if size > limits.max_file_mb * MB:
        raise DataError("file_too_large", path=str(path), mb=Mb(size), limit=Mb(limits.max_file_mb * MB),
                        suggest=int(size / MB) + 1)
    return size


# ------------------------------------------------------------------ xlsx (zip) before calamine

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_CHUNK = 1 << 20
_checked: dict[tuple, Any] = {}  # (path, size, mtime, limits) already inspected: its Shape


def _version(path: Path, limits: Limits) -> tuple[int, tuple]:
    """The file's size (checked against the limit) and the key its checks are cached under:
    the same file, size, modification time and limits are inspected once."""
    size = check_file_size(path, limits)
    st = os.stat(path)
    return size, (os.path.abspath(str(path)), size, st.st_mtime_ns, limits)


def check_xlsx(path: Path, limits: Limits | None = None):
    """Inspect an .xlsx/.xlsm before calamine opens it: a zip whose members, declared and
    actual, decompress to no more than ``max_xlsx_mb`` altogether, with no member of more
    than ``ratio_floor_mb`` compressed more than ``max_ratio`` to one; then what the members
    say about the parse (``check_shape``): every cell reference of every sheet, the declared
    dimensions, the shared strings declared and present. A password-protected workbook (an
    OLE2 file, not a zip) is named as such. Results are cached per file version, so the
    reader and the kind detector inspect a file once. Returns the workbook's ``Shape``."""
    from .shape import Shape, XmlScan, exact_scan

    limits = limits or DEFAULT
    p = str(path)
    size, key = _version(path, limits)
    if key in _checked:
        return _checked[key]
    with open(path, "rb") as fh:
        magic = fh.read(8)
        if size == 0:
            raise DataError("xlsx_empty", path=p)
        if magic == _OLE2:
            if _is_encrypted_ole2(fh):
                raise DataError("xlsx_password", path=p)
            raise DataError("xlsx_is_xls", path=p, suffix=path.suffix)
        if not magic.startswith(b"PK"):
            raise DataError("xlsx_not_zip", path=p, hint=_what_is_it(magic) or "xlsx_not_zip")
        try:
            zf = zipfile.ZipFile(fh)
            infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
                NotImplementedError):  # "zip file version 25.5" of a damaged central directory
            raise DataError("xlsx_truncated", path=p) from None
        limit = limits.max_xlsx_mb * MB
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            raise _too_big(p, declared, limits, declared=True)
        floor = limits.ratio_floor_mb * MB
        for i in infos:
            if i.file_size > floor and i.file_size > limits.max_ratio * max(i.compress_size, 1):
                raise _bomb(p, i.filename, i.file_size, i.compress_size, limits)
        total = 0
        shape = Shape(size)
        again: list[zipfile.ZipInfo] = []
        scans = []
        for i in infos:
            scan = XmlScan(i.filename) if i.filename.lower().endswith(".xml") else None
            out = _actual_size(fh, i, p, limit - total, limits, scan)
            total += out
            if scan is not None:
                if scan.slow:
                    again.append(i)
                else:
                    scans.append(scan)
        for i in again:  # an uncommon spelling somewhere: that member element by element
            scans.append(exact_scan(i.filename, _member_chunks(fh, i, p, i.file_size), p))
        sizes = {i.filename: i.file_size for i in infos}
        for scan in scans:
            if scan.declared_strings is not None or scan.strings:
                shape.strings += scan.strings
                shape.string_bytes += sizes.get(scan.member, 0)
                if scan.declared_strings is not None and scan.declared_strings > scan.strings + 1024:
                    raise DataError("xlsx_shared_strings_count", path=p, member=scan.member,
                                    declared=Count(scan.declared_strings), present=Count(scan.strings))
            if scan.sheet.cells or scan.sheet.declared:
                shape.sheets.append(scan.sheet)
    check_shape(p, shape, limits)
    if len(_checked) > 1024:
        _checked.clear()
    _checked[key] = shape
    return shape


# A sheet is laid out as a full grid from A1: one whose extent is more than SPARSE_RATIO
# times the cells it holds, and more than SPARSE_FLOOR cells (4 million: the Z50000 of a
# sheet with a stray note is fine), is a few cells typed far apart — seconds and hundreds of
# MB to lay out nothing.
SPARSE_FLOOR = 4_000_000
SPARSE_RATIO = 16


def check_shape(p: str, shape, limits: Limits | None = None) -> None:
    """What the parse of a workbook would lay out, across all its sheets, within the limits:
    each sheet's declared dimensions and its extent from A1 (the last row × the last column
    with a cell) within ``max_cells``, no sheet mostly empty space (``SPARSE_RATIO``), all
    sheets together within ``max_cells``, and the
    memory the parse needs (``Shape.estimate``) within ``max_ratio`` times the file's size
    (above a floor of ``memory_floor_mb``): a small file that needs gigabytes is a bomb."""
    limits = limits or DEFAULT
    for s in shape.sheets:
        if s.declared is not None and s.declared[0] * s.declared[1] > limits.max_cells:
            rows, cols = s.declared
            raise DataError("xlsx_dimension", path=p, sheet=s.member, rows=Count(rows), cols=Count(cols),
                            cells=Count(rows * cols), limit=Count(limits.max_cells), suggest=rows * cols)
    for s in shape.sheets:
        if s.extent > limits.max_cells:
            raise DataError("xlsx_far_cell", path=p, sheet=s.member, ref=s.where, rows=Count(s.rows),
                            cols=Count(s.cols), cells=Count(s.extent), limit=Count(limits.max_cells),
                            suggest=s.extent)
    for s in shape.sheets:  # a few cells typed far apart: the layout is nearly all empty
        if s.extent > SPARSE_FLOOR and s.extent > SPARSE_RATIO * s.cells:
            raise DataError("xlsx_sparse", path=p, sheet=s.member, ref=s.where, present=Count(s.cells),
                            rows=Count(s.rows), cols=Count(s.cols), cells=Count(s.extent))
    if shape.extent > limits.max_cells:
        raise DataError("xlsx_cells_total", path=p, sheets=len(shape.sheets), cells=Count(shape.extent),
                        limit=Count(limits.max_cells), suggest=shape.extent)
    need = shape.estimate()
    ratio = need / max(shape.file_bytes, 1)
    if need > limits.memory_floor_mb * MB and ratio > limits.max_ratio:
        raise DataError("xlsx_memory_bomb", path=p, need=Mb(need), size=Mb(shape.file_bytes), ratio=Count(ratio),
                        cells=Count(shape.extent), strings=Count(shape.strings), max_ratio=Count(limits.max_ratio),
                        suggest=int(ratio) + 1)


def check_xls(path: Path, limits: Limits | None = None):
    """Inspect a BIFF .xls before calamine opens it: its OLE2 container's sector chains,
    every record's length, each sheet's DIMENSIONS (first row not after the last, within
    Excel 97's 65,536 rows and 256 columns), the row and column of every cell record, the
    SST's declared count, NAME records — then ``check_shape`` across all sheets. A file that
    is not an OLE2 container (an HTML or XLSX file named .xls) is left to the reader, which
    says what it is. Returns the ``Shape``."""
    from .shape import Shape, biff_shape, ole2_stream

    limits = limits or DEFAULT
    p = str(path)
    size, key = _version(path, limits)
    if key in _checked:
        return _checked[key]
    shape = Shape(size, known=False)
    with open(path, "rb") as fh:
        magic = fh.read(8)
        if magic == _OLE2:
            fh.seek(0)
            data = fh.read()
            if _is_encrypted_ole2(io.BytesIO(data)):
                raise DataError("xlsx_password", path=p)
            try:  # whatever the bytes, a DataError: a slip of these walkers is no crash either
                stream = ole2_stream(data, p)
                del data
                if stream is not None:
                    sheets, unique, sst_bytes = biff_shape(stream, p)
                    shape = Shape(size, sheets, unique, sst_bytes)
            except (struct.error, IndexError, ValueError, OverflowError, KeyError, UnicodeError):
                raise DataError("xls_container_broken", path=p) from None
    if shape.known:
        check_shape(p, shape, limits)
    if len(_checked) > 1024:
        _checked.clear()
    _checked[key] = shape
    return shape


def inspect_workbook(path: Path, limits: Limits | None = None):
    """The ``Shape`` of a workbook, whatever its name says, by its first bytes: a zip is
    inspected as an XLSX, an OLE2 file as a BIFF .xls; anything else has an unknown shape."""
    from .shape import Shape

    limits = limits or DEFAULT
    check_file_size(path, limits)
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK"):
        return check_xlsx(path, limits)
    if magic == _OLE2:
        return check_xls(path, limits)
    return Shape(os.stat(path).st_size, known=False)


def parse_budget(shape, limits: Limits | None = None) -> tuple[int, float]:
    """(address space in bytes, seconds) for the child that parses a workbook of ``shape``:
    a few times the estimate, never less than a gigabyte; ``parse_seconds`` plus 5 s per MB
    of file."""
    limits = limits or DEFAULT
    memory = max(int(limits.parse_memory_mb * MB), 3 * shape.estimate() + 512 * MB)
    seconds = limits.parse_seconds + 5 * shape.file_bytes / MB
    return memory, seconds


def _too_big(p: str, nbytes: float, limits: Limits, declared: bool) -> DataError:
    return DataError("xlsx_too_big_declared" if declared else "xlsx_too_big", path=p, mb=Mb(nbytes),
                     limit=Mb(limits.max_xlsx_mb * MB), suggest=int(nbytes / MB) + 1)


def _bomb(p: str, member: str, usize: int, csize: int, limits: Limits) -> DataError:
    return DataError("xlsx_ratio", path=p, member=member, ratio=Count(usize // max(csize, 1)), mb=Mb(usize),
                     compressed=Count(csize), max_ratio=Count(limits.max_ratio), suggest=usize // max(csize, 1) + 1)


def _member_chunks(fh, info: zipfile.ZipInfo, p: str, cap: float) -> Iterator[bytes]:
    """The decompressed content of one member, chunk by chunk, stopping once more than
    ``cap`` bytes came out. Nothing is kept."""
    broken = DataError("xlsx_member_broken", path=p, member=info.filename)
    if info.flag_bits & 0x1:
        raise DataError("xlsx_member_encrypted", path=p)
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
        raise DataError("xlsx_compression", path=p, method=info.compress_type)
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


def _actual_size(fh, info: zipfile.ZipInfo, p: str, budget: float, limits: Limits, scan) -> int:
    """Decompress one member, counting the bytes and keeping none, and stop as soon as it
    exceeds its declared size or the remaining budget; ``scan`` (an ``XmlScan``) is fed
    every chunk. The actual size."""
    cap = min(info.file_size, budget)
    out = 0
    for piece in _member_chunks(fh, info, p, cap):
        out += len(piece)
        if scan is not None:
            scan.feed(piece)
        if out > cap:
            break
    if out > budget:
        raise _too_big(p, limits.max_xlsx_mb * MB - budget + out, limits, declared=False)
    if out > info.file_size:
        raise DataError("xlsx_member_lying", path=p, member=info.filename, declared=Count(info.file_size))
    if out != info.file_size:
        raise DataError("xlsx_member_broken", path=p, member=info.filename)
    if scan is not None:
        scan.finish()
    return out


def _is_encrypted_ole2(fh) -> bool:
    """An OLE2 compound file holding an "EncryptedPackage" stream: a password-protected
    OOXML workbook. The directory names are UTF-16; a look at the first 64 KB suffices."""
    fh.seek(0)
    head = fh.read(64 * 1024)
    return "EncryptedPackage".encode("utf-16-le") in head or "EncryptionInfo".encode("utf-16-le") in head


_MAGIC = (  # (signature, the catalogue code whose hint says what the file really is)
    (b"PK\x03\x04", "file_kind_zip"),
    (_OLE2, "file_kind_xls"),
    (b"\x89PNG", "file_kind_png"),
    (b"\xff\xd8\xff", "file_kind_jpeg"),
    (b"%PDF", "file_kind_pdf"),
    (b"PAR1", "file_kind_parquet"),
)


def _what_is_it(magic: bytes) -> str | None:
    """The catalogue code (``error.<code>.hint``) saying what a file with these first bytes
    really is, or None."""
    for sig, code in _MAGIC:
        if magic.startswith(sig):
            return code
    if magic[:5].lower() in (b"<html", b"<!doc"):
        return "file_kind_html"
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
        raise DataError("csv_not_text_nul" if b"\x00" in head else "csv_not_text", path=p, hint=what)
    nul = head.find(b"\x00")
    if nul >= 0:
        lead = head[: min(nul, 256)]
        if nul < 16 or any(c < 9 or 13 < c < 32 for c in lead):
            raise DataError("csv_binary", path=p)
        line = head.count(b"\n", 0, nul) + 1
        raise DataError("csv_nul", path=p, line=Count(line), byte=Count(nul + 1))
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
    return DataError("csv_mixed_encoding", path=p, utf8_line=Count(utf8_line), other_line=Count(other_line))


# ------------------------------------------------------------------ after reading a table


def check_table(raw, limits: Limits | None = None) -> None:
    """The table's kept cells (mapped columns) are no longer than ``max_cell_chars`` and hold
    no NUL character, and it has no more than ``max_rows`` data rows."""
    limits = limits or DEFAULT
    n = len(raw.frame) + len(raw.bad_rows)
    if n > limits.max_rows:
        raise DataError("table_too_many_rows", path=str(raw.path), rows=Count(n), limit=Count(limits.max_rows),
                        suggest=n)
    sources = {s.column: s for s in raw.mapping.sources}
    for name in raw.frame.columns:
        pos = int(name[1:])
        src = sources.get(pos)
        header = src.header if src is not None else (raw.mapping.headers[pos] if pos < len(raw.mapping.headers)
                                                      else "") or column_letter(pos)
        longest, at, nul_at = _scan_column(raw.frame[name], limits.max_cell_chars,
                                           text=src is None or src.parser.kind == "text")
        if longest > limits.max_cell_chars:
            xlsx = str(raw.path).lower().endswith((".xlsx", ".xlsm", ".xls"))
            raise DataError("cell_too_long_xlsx" if xlsx else "cell_too_long_csv", path=str(raw.path),
                            row=Count(raw.rows[at]), header=header, length=Count(longest),
                            limit=Count(limits.max_cell_chars), suggest=longest, hint="cell_too_long")
        if nul_at is not None:
            raise DataError("cell_nul", path=str(raw.path), row=Count(raw.rows[nul_at]), header=header)


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


__all__ = ["DEFAULT", "Count", "Limits", "Mb", "check_file_size", "check_regular_file", "check_shape",
           "check_stream_file", "check_table", "check_text_file", "check_xls", "check_xlsx", "current",
           "inspect_workbook", "parse_budget", "stream_file_cap", "stream_row_cap", "unclosed_quote_error", "using"]


def unclosed_quote_error(path, line: int) -> DataError:
    """For the CSV reader: a quoted cell opened on ``line`` runs to the end of the file, so
    every record after it would vanish into that cell. (csv.reader(strict=True) raises
    csv.Error "unexpected end of data" on it; the reader knows the record's first line.)"""
    return DataError("csv_unclosed_quote", path=str(path), line=Count(line))
