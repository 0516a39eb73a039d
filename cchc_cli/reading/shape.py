"""What a workbook's own bytes say it will cost to parse, read before any parser sees it.

``XmlScan`` is fed the decompressed bytes of one XLSX member, chunk by chunk (the same pass
that measures its size, ``limits.check_xlsx``), and finds every cell reference in every legal
spelling: ``r="A1"``, ``r='A1'``, ``r = "A1"``, lower-case letters, any number of digits, and
cells or rows without ``r`` at all (placed after the previous one, as a reader does). The
common spelling that every spreadsheet program writes (``<c r="A1"`` with ``r`` first,
upper case, at most 7 digits) is counted with regular expressions over the whole chunk;
when any ``<c>`` or ``<row>`` tag of a member is spelt otherwise, the member is read again
with expat, element by element (slower, exact). It also reads ``<dimension ref=…>`` and,
for a shared-strings part, the declared ``uniqueCount`` against the ``<si>`` items present.

``biff_shape`` walks the records of a BIFF ``.xls`` (the ``Workbook`` stream of its OLE2
container): record lengths, DIMENSIONS, the row and column of every cell record, the SST's
declared count, NAME records.

``Shape`` sums it up across every sheet and estimates the memory a parse needs.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

from ..errors import DataError

# bytes of memory a parse costs, measured on python-calamine 0.9 (benchmarks/isolation.py):
# each cell of a sheet's extent from A1 (calamine's dense range + the grid's list slot),
# each cell present (its Python object), each shared string, plus the interpreter
PER_EXTENT = 48
PER_CELL = 100
PER_STRING = 64
BASE = 64 << 20


@dataclass
class SheetShape:
    member: str  # the zip member, or "#N" for the Nth sheet of a BIFF workbook
    rows: int = 0  # the last row with a cell (1-based), i.e. the rows from A1
    cols: int = 0  # the last column with a cell (1-based)
    cells: int = 0  # cells present
    where: str = ""  # the reference of the cell furthest out
    declared: tuple[int, int] | None = None  # <dimension ref> or DIMENSIONS: (rows, cols) from A1

    @property
    def extent(self) -> int:
        return self.rows * self.cols


@dataclass
class Shape:
    file_bytes: int
    sheets: list[SheetShape] = field(default_factory=list)
    strings: int = 0  # shared strings present
    string_bytes: int = 0
    known: bool = True  # False: a file no inspection understood (the parser will refuse it)

    @property
    def extent(self) -> int:
        return sum(s.extent for s in self.sheets)

    @property
    def cells(self) -> int:
        return sum(s.cells for s in self.sheets)

    def estimate(self) -> int:
        """Bytes of memory a parse of the whole workbook needs, roughly."""
        return BASE + PER_EXTENT * self.extent + PER_CELL * self.cells + PER_STRING * self.strings \
            + self.string_bytes


# ------------------------------------------------------------------ xlsx members

_P = rb'(?:[^\s<>/:="\']+:)?'  # any namespace prefix
# the spelling every spreadsheet program writes: r first, double quotes, upper case, 1-7 digits
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_CELL_COL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_OTHER_CELL = re.compile(rb"<c[>/\t\n\r]")  # a cell tag without r (or with r not next)
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")  # <x:c …>, <x:row …> (or the same letters in text: the slow path)
_SI = re.compile(rb"<" + _P + rb"si(?=[\s/>])")
_SST = re.compile(rb"<" + _P + rb"sst(?=[\s/>])([^>]*)>")
_UNIQUE = re.compile(rb"""\suniqueCount\s*=\s*["']\s*([0-9]*)""")
_DIM = re.compile(rb"<" + _P + rb"""dimension(?=[\s/>])[^>]*?\sref\s*=\s*["']([^"']*)["']""")
_SHEET_DATA = re.compile(rb"<" + _P + rb"sheetData[\s/>]")
_REF = re.compile(r"\$?([A-Za-z]*)\$?([0-9]*)")
_HEAD = 1 << 20  # the dimension and the <sst> header are looked for in the first 2 MB
MAX_TAG = 1 << 20


def col_number(letters: str | bytes) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def _max_row(digits) -> int:
    return max(map(int, set(digits)), default=0)


def _max_col(letters) -> tuple[int, bytes]:
    best, at = 0, b""
    for s in set(letters):
        n = col_number(s)
        if n > best:
            best, at = n, s
    return best, at


class XmlScan:
    """Feed the chunks of one member; ``result()`` after the last. ``slow`` when the member
    must be read again with ``exact_scan`` (a tag in an uncommon spelling)."""

    def __init__(self, member: str):
        self.member = member
        self.sheet = SheetShape(member)
        self.strings = 0
        self.declared_strings: int | None = None
        self.slow = False
        self._carry = b""
        self._first = True
        self._dim_done = False
        self._sst_done = False
        self._is_sst = False
        self._head = True  # still at the start of the member
        self._head_bytes = 0

    def feed(self, piece: bytes) -> None:
        if self._first:
            self._first = False
            if piece[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in piece[:64]:
                self.slow = True  # UTF-16: expat decodes it
        if self.slow:
            return
        buf = self._carry + piece
        lt = buf.rfind(b"<")
        if lt >= 0 and buf.find(b">", lt) < 0:  # a tag cut by the chunk: kept for the next one
            cut = lt
        else:
            cut = len(buf)
        self._carry = buf[cut:]
        if len(self._carry) > MAX_TAG:
            self.slow = True  # one tag of more than a megabyte: expat judges it
            return
        self._scan(buf[:cut])

    def _scan(self, buf: bytes) -> None:
        """One chunk of whole tags. Cells: every ``<c`` tag must be in the common spelling
        (counted exactly, their references' maxima taken over distinct values, in C), else
        the member is read again with expat. Rows do not matter here: a cell with ``r`` is
        placed by it. The dimension and the shared-strings header are looked for at the
        start of the member only."""
        if not buf:
            return
        s = self.sheet
        if self._head:
            self._head_bytes += len(buf)
            if not self._dim_done:
                m = _DIM.search(buf)
                if m:
                    self._dim_done = True
                    s.declared = _dimension(m.group(1).decode("latin-1"))
                elif _SHEET_DATA.search(buf):
                    self._dim_done = True
            if not self._sst_done:
                m = _SST.search(buf)
                if m:
                    self._sst_done = self._is_sst = True
                    u = _UNIQUE.search(m.group(1))
                    if u and u.group(1):
                        self.declared_strings = int(u.group(1))
            if self._head_bytes > 2 * _HEAD:
                self._head = False
        if self._is_sst:
            self.strings += len(_SI.findall(buf))
            return
        digits = _CELL_ROW.findall(buf)
        if buf.count(b"<c ") != len(digits) or _OTHER_CELL.search(buf) or _PREFIXED.search(buf):
            self.slow = True
            return
        if digits:
            r = _max_row(digits)
            c, at = _max_col(_CELL_COL.findall(buf))
            s.cells += len(digits)
            if r > s.rows or c > s.cols:
                s.rows, s.cols = max(s.rows, r), max(s.cols, c)
                s.where = f"{(at or b'').decode()}{r}"

    def finish(self) -> None:
        if not self.slow and self._carry:
            self._scan(self._carry + b">")  # a truncated last tag: counted as if closed
            self._carry = b""


def _dimension(ref: str) -> tuple[int, int] | None:
    """(rows, cols) from A1 of a ``<dimension ref="A1:M7">``; None when it is not a reference."""
    last = ref.split(":")[-1].strip()
    m = _REF.fullmatch(last)
    if not m or not m.group(2):
        return None
    return int(m.group(2)), col_number(m.group(1)) if m.group(1) else 0


def exact_scan(member: str, chunks, p: str) -> XmlScan:
    """The member read element by element with expat: every attribute spelling, cells and
    rows without ``r`` placed after the previous one, UTF-16, one tag cut across chunks."""
    import xml.parsers.expat as expat

    scan = XmlScan(member)
    s = scan.sheet
    state = {"row": 0, "col": 0}

    def start(name, attrs):
        local = name.rsplit(":", 1)[-1]
        if local == "c":
            r = attrs.get("r")
            if r is not None:
                m = _REF.fullmatch(r.strip())
                if not m or not m.group(1) or not m.group(2):
                    raise DataError("xlsx_bad_reference", path=p, member=member)
                row, col = int(m.group(2)), col_number(m.group(1))
            else:
                row, col = max(state["row"], 1), state["col"] + 1
            state["row"], state["col"] = row, col
            s.cells += 1
            if row > s.rows or col > s.cols:
                s.rows, s.cols = max(s.rows, row), max(s.cols, col)
                s.where = f"{_letters(col)}{row}"
        elif local == "row":
            r = attrs.get("r")
            if r is not None:
                if not r.strip().isdigit():
                    raise DataError("xlsx_bad_reference", path=p, member=member)
                state["row"] = int(r.strip())
            else:
                state["row"] += 1
            state["col"] = 0
        elif local == "dimension" and s.declared is None and "ref" in attrs:
            s.declared = _dimension(attrs["ref"])
        elif local == "sst":
            u = attrs.get("uniqueCount", "").strip()
            if u.isdigit():
                scan.declared_strings = int(u)
        elif local == "si":
            scan.strings += 1

    def no_dtd(*args):  # no DTD, no entity declarations: an XLSX part never has one
        raise DataError("xlsx_member_xml", path=p, member=member)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        for piece in chunks:
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, LookupError, UnicodeError):  # LookupError: encoding="UTF-99999…"
        raise DataError("xlsx_member_xml", path=p, member=member) from None
    except (ValueError, OverflowError):
        raise DataError("xlsx_bad_reference", path=p, member=member) from None
    return scan


def _letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# ------------------------------------------------------------------ BIFF (.xls)

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_CELL_RECORDS = {0x0203, 0x0204, 0x00FD, 0x027E, 0x0201, 0x0205, 0x0006, 0x00D6, 0x0406, 0x0007}
_MUL = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column
MAX_RECORD = 8224  # BIFF8: the longest record body
# the shortest body of records a reader parses field by field (BIFF5 and BIFF8 alike): a
# shorter one is sliced past its end (calamine panics, "range end index 2 out of range")
_MIN_LENGTH = {0x0809: 4, 0x0085: 8, 0x0200: 10, 0x0203: 14, 0x027E: 10, 0x00FD: 10, 0x0201: 6, 0x0205: 8,
               0x0204: 8, 0x0006: 20, 0x00BD: 12, 0x00BE: 8, 0x00FC: 8, 0x0042: 2, 0x00E0: 16, 0x041E: 3,
               0x0022: 2, 0x0018: 14}


def ole2_stream(data: bytes, p: str, names=("Workbook", "Book", "WORKBOOK", "BOOK")) -> bytes | None:
    """The contents of the first stream named in ``names`` of an OLE2 compound file (MS-CFB),
    or None when there is none. Every sector chain is followed with a bound on its length
    (a loop in a chain is refused)."""
    broken = DataError("xls_container_broken", path=p)
    if len(data) < 512 or data[:8] != _OLE2:
        return None
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if not 7 <= shift <= 16 or not 2 <= mini_shift < shift:
        raise broken
    ss, ms = 1 << shift, 1 << mini_shift
    n_fat, first_dir, _, cutoff, first_mini, n_mini, first_difat, n_difat = struct.unpack_from("<IIIIIIII", data, 44)
    n_sectors = (len(data) - 512 + ss - 1) // ss + 1

    def sector(i: int) -> bytes:
        off = 512 + i * ss if shift == 9 else ss * (i + 1)
        if i >= n_sectors or off >= len(data):
            raise broken
        return data[off:off + ss]

    difat = list(struct.unpack_from("<109I", data, 76))
    nxt, seen = first_difat, 0
    while nxt not in (_FREE, _END) and seen <= n_sectors:
        vals = struct.unpack(f"<{ss // 4}I", sector(nxt))
        difat.extend(vals[:-1])
        nxt, seen = vals[-1], seen + 1
    if seen > n_sectors or n_fat > n_sectors:
        raise broken
    fat: list[int] = []
    for i in difat[:n_fat]:
        if i in (_FREE, _END):
            raise broken
        fat.extend(struct.unpack(f"<{ss // 4}I", sector(i)))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        out = []
        while start not in (_FREE, _END):
            if start >= len(table) or len(out) > limit:
                raise broken
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(i) for i in chain(first_dir, fat, n_sectors))
    entries = []
    for off in range(0, len(directory) - 127, 128):
        e = directory[off:off + 128]
        nlen = struct.unpack_from("<H", e, 64)[0]
        name = e[:max(0, min(nlen, 64) - 2)].decode("utf-16-le", "replace")
        kind = e[66]
        start, size = struct.unpack_from("<IQ", e, 116)
        if shift == 9:
            size &= 0xFFFFFFFF
        entries.append((name, kind, start, size))
    if not entries:
        raise broken
    for want in names:
        hit = next((e for e in entries if e[1] == 2 and e[0] == want), None)
        if hit is None:
            continue
        _, _, start, size = hit
        if size > len(data) * 2:
            raise broken
        if size >= cutoff:
            out = b"".join(sector(i) for i in chain(start, fat, n_sectors))
        else:
            root = entries[0]
            ministream = b"".join(sector(i) for i in chain(root[2], fat, n_sectors))
            minifat: list[int] = []
            for i in chain(first_mini, fat, n_sectors)[:max(n_mini, 0) or n_sectors]:
                minifat.extend(struct.unpack(f"<{ss // 4}I", sector(i)))
            out = b"".join(ministream[i * ms:(i + 1) * ms] for i in chain(start, minifat, len(ministream) // ms + 1))
        if len(out) < size:
            raise broken
        return out[:size]
    return None


def biff_shape(stream: bytes, p: str, follow: bool = True) -> tuple[list[SheetShape], int, int]:
    """(sheets, shared strings declared, bytes of the SST) of a BIFF workbook stream.
    Record lengths, DIMENSIONS and NAME records are checked on the way (``DataError``)."""
    n = len(stream)
    pos = 0
    sheets: list[SheetShape] = []
    current: SheetShape | None = None
    depth = 0
    sst_unique = sst_bytes = 0
    bounds: list[int] = []
    starts: dict[int, SheetShape] = {}
    unpack = struct.unpack_from
    while pos + 4 <= n:
        rtype, rlen = unpack("<HH", stream, pos)
        body = pos + 4
        end = body + rlen
        if rtype == 0 and rlen == 0 and depth == 0:
            break  # padding after the last substream
        if rlen > MAX_RECORD:
            raise DataError("xls_record_length", path=p, offset=pos, length=rlen)
        if end > n:
            raise DataError("xls_truncated", path=p)
        if rlen < _MIN_LENGTH.get(rtype, 0):
            raise DataError("xls_record_broken", path=p, offset=pos)
        if rtype == 0x0809:  # BOF: the first opens the globals, any other a sheet (whatever type it says)
            depth += 1
            if pos > 0 or not follow:
                current = SheetShape(f"#{len(sheets) + 1}")
                sheets.append(current)
                starts[pos] = current
            else:
                current = None
        elif rtype == 0x000A:  # EOF
            depth = max(0, depth - 1)
            current = None
            if depth == 0 and (not follow or (bounds and pos >= max(bounds))):
                break  # the last substream ended: what follows (padding, a writer's junk) is never read
        elif current is not None and rtype in _CELL_RECORDS and rlen >= 4:
            row, col = unpack("<HH", stream, body)
            _extend(current, row + 1, col + 1)
        elif current is not None and rtype in _MUL and rlen >= 6:
            row, first = unpack("<HH", stream, body)
            last = unpack("<H", stream, end - 2)[0]
            if last < first:
                raise DataError("xls_record_broken", path=p, offset=pos)
            current.cells += last - first  # _extend counts one
            _extend(current, row + 1, last + 1)
        elif rtype == 0x0200:  # DIMENSIONS, wherever it is
            if rlen >= 14:
                r0, r1, c0, c1 = unpack("<IIHH", stream, body)
            elif rlen >= 10:
                r0, r1, c0, c1 = unpack("<HHHH", stream, body)
            else:
                raise DataError("xls_record_broken", path=p, offset=pos)
            if r1 < r0 or c1 < c0 or r1 > 65536 or c1 > 256:
                raise DataError("xls_dimensions", path=p, sheet=current.member if current else "#0", first_row=r0,
                                last_row=r1, first_col=c0, last_col=c1)
            if current is not None:
                current.declared = (r1, c1)
        elif rtype == 0x00FC and rlen >= 8:  # SST: total, unique
            sst_unique = unpack("<I", stream, body + 4)[0]
            sst_bytes += rlen
            nxt = end
            while nxt + 4 <= n and unpack("<H", stream, nxt)[0] == 0x003C:  # CONTINUE
                clen = unpack("<H", stream, nxt + 2)[0]
                sst_bytes += clen
                nxt += 4 + clen
            if sst_unique > sst_bytes // 3 + 1:  # a string takes at least 3 bytes
                raise DataError("xls_shared_strings", path=p, declared=sst_unique, size=sst_bytes)
        elif rtype == 0x0018:  # NAME
            continued = end + 4 <= n and unpack("<H", stream, end)[0] == 0x003C
            if not continued:
                if rlen < 15:
                    raise DataError("xls_record_broken", path=p, offset=pos)
                cch, cce = stream[body + 3], unpack("<H", stream, body + 4)[0]
                if rlen < 14 + cch + cce:  # BIFF8 adds a flags byte before the name; BIFF5 does not
                    raise DataError("xls_record_broken", path=p, offset=pos)
        elif rtype == 0x0085 and rlen >= 4 and follow:  # BOUNDSHEET: where a sheet starts
            at = unpack("<I", stream, body)[0]
            if at + 4 > n:  # past the end of the stream: calamine slices there and panics
                raise DataError("xls_record_broken", path=p, offset=pos)
            bounds.append(at)
        pos = end
    # a sheet listed twice, or at an offset inside another sheet, is read again by a reader:
    # count what each BOUNDSHEET points at
    listed = [starts[b] for b in bounds if b in starts]
    extra = [b for b in bounds if b not in starts]
    for b in extra[:256]:
        if 0 < b and b + 4 <= n:
            sub, _, _ = biff_shape(stream[b:], p, follow=False)
            listed.extend(sub[:1])
    return (listed if bounds else sheets), sst_unique, sst_bytes


def _extend(s: SheetShape, row: int, col: int) -> None:
    s.cells += 1
    if row > s.rows or col > s.cols:
        s.rows, s.cols = max(s.rows, row), max(s.cols, col)
        s.where = f"{_letters(col)}{row}"
