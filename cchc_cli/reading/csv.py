"""CSV exports: UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text") or Windows-1258;
comma, semicolon, tab or pipe, sniffed by which one yields the best header.

The fast path hands the bytes after the header to pyarrow's CSV reader, reading only the
mapped columns, as text. Row numbers are those a spreadsheet shows: one per CSV record. If
a record has the wrong number of cells, the file is re-read with Python's csv module so that
the faulty rows are named exactly and rejected, and the rest kept.

Where the data starts is counted in records (a CR line end, or a line break inside a quoted
title cell, is no line to skip by LF bytes). A file with quotes is first read in strict
mode: quotes that cannot be paired with certainty refuse the file, naming the row
(``_check_quotes``), and the strict record count must match what the fast path read.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from .layout import Layout, find_layout
from .table import Note, RawTable, col, kept_positions, trim_tail

HEAD_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")


def detect_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        # a multi-byte sequence cut at the end of a partial read is still UTF-8
        if e.start >= len(data) - 3 and e.reason == "unexpected end of data":
            return "utf-8"
    return "cp1258"


def decode(data: bytes, path: str, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise DataError("csv_encoding", path=shown_path(path), byte=f"0x{data[e.start]:02x}", pos=e.start) from None


def shown_path(path: str | Path) -> str:
    """A path as it can be printed: a file name that is not UTF-8 (a folder copied from an
    old Windows machine) shows its odd bytes as \\xNN instead of breaking the output."""
    s = str(path)
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return os.fsencode(s).decode("utf-8", "backslashreplace")


class _Lines:
    """Physical lines of a text (CR, LF and CRLF each end one, as the csv module and
    spreadsheet programs see them), counting the characters consumed."""

    def __init__(self, source):
        self._it = iter(source)
        self.chars = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._it)
        self.chars += len(line)
        return line


def _head_records(text: str, delimiter: str, limit: int = 60) -> tuple[list[list[str]], list[int]]:
    """First records and, for each, the character offset in ``text`` where it ends (so that
    a CR-only line end, or a line break inside a quoted title cell, never shifts the start
    of the data)."""
    lines = _Lines(io.StringIO(text, newline=""))
    reader = csv.reader(lines, delimiter=delimiter)
    rows, ends = [], []
    try:
        for rec in reader:
            rows.append(rec)
            ends.append(lines.chars)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows, ends


def sniff(text: str, model: type[BaseModel], user: ColumnMap) -> tuple[str, Layout | None, list[int]]:
    best: tuple[str, Layout | None, list[int]] = (",", None, [])
    for d in DELIMITERS:
        rows, ends = _head_records(text, d)
        lay = find_layout(rows, model, user)
        if lay is not None and (best[1] is None or lay.score > best[1].score):
            best = (d, lay, ends)
    return best


def _utf8_path(p: str) -> bool:
    try:
        p.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _read_all(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _blank_file(path: Path, head: bytes) -> bool:
    """Nothing but whitespace in the file (read a chunk at a time past the head)."""
    if head.strip():
        return False
    with open(path, "rb") as fh:
        fh.seek(len(head))
        while chunk := fh.read(16 << 20):
            if re.search(rb"\S", chunk):
                return False
    return True


@dataclass
class _Head:
    """What the head of a CSV says: encoding, delimiter, layout, mapping and where the
    data starts (in records, and in bytes for a UTF-8 file)."""

    p: str
    shown: str
    size: int
    encoding: str
    utf8: bool
    bom: int
    text: str | None  # the whole file decoded (other encodings), else None
    head_text: str
    delimiter: str
    layout: Layout
    mapping: object
    keep: list[int]
    width: int
    notes: list
    skip_records: int
    offset: int  # characters of the decoded text above the data

    @property
    def start(self) -> int:
        """The byte where the data starts (UTF-8 files)."""
        return self.bom + len(self.head_text[:self.offset].encode("utf-8"))


def _open_csv(path: Path, model: type[BaseModel], user: ColumnMap, max_bytes: int | None = None) -> _Head:
    p = str(path)
    shown = shown_path(p)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DataError("csv_too_big", path=shown, size=f"{size:,}", max=f"{max_bytes:,}")
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
        blank = _blank_file(path, head) if not head.strip() else False
    except OSError as e:
        raise DataError("read_unreadable", path=shown, reason=e.strerror or type(e).__name__) from None
    if blank:
        raise DataError("csv_empty", path=shown)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError("csv_nul_bytes", path=shown)
    encoding = detect_encoding(head)
    utf8 = encoding in ("utf-8", "utf-8-sig")
    bom = 3 if encoding == "utf-8-sig" else 0
    if utf8:
        text = None
        head_text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head[bom:])
    else:
        text = decode(_read_all(path), p, encoding)
        if encoding == "cp1258":  # tone marks come as combining characters: compose them
            text = unicodedata.normalize("NFC", text)
        head_text = text[:HEAD_BYTES]
    delimiter, layout, ends = sniff(head_text, model, user)
    if layout is None:
        if '"' in head_text:  # quotes that cannot be paired may be what hides the header
            d = max(DELIMITERS, key=lambda c: head_text[:4096].count(c))
            _check_quotes(head_text, d, 0, 0, shown, complete=len(head) == size)
        raise DataError("csv_no_header", path=shown)
    mapping = map_headers(layout.candidates, model, user)
    keep = kept_positions(mapping)
    width = len(layout.candidates)
    notes = [Note("encoding", {"encoding": encoding})] if not utf8 else []
    skip_records = layout.data_start
    if utf8 and size > len(head) and skip_records >= len(ends) - 1:
        # the head may end inside the records above the data (never in practice): the
        # whole file is decoded to find where the data starts
        head_text = _read_all(path)[bom:].decode("utf-8", errors="replace")
        _, ends = _head_records(head_text, delimiter, skip_records + 2)
    offset = ends[skip_records - 1] if 0 < skip_records <= len(ends) else (len(head_text) if skip_records else 0)
    return _Head(p, shown, size, encoding, utf8, bom, text, head_text, delimiter, layout, mapping, keep, width,
                 notes, skip_records, offset)


def read_csv(path: Path, model: type[BaseModel], user: ColumnMap, max_bytes: int | None = None) -> RawTable:
    """UTF-8 files are never decoded in full in Python: the head is, for sniffing, and the
    rest is streamed to pyarrow, which validates the UTF-8 itself. Other encodings are
    decoded (and NFC-composed) in full, then read the same way.

    Before the rows are trusted, every quote of the data area must pair up with certainty
    (``_check_quotes``): a quoted cell opens at the start of a cell and closes before a
    delimiter or a line end, and no quoted cell holds what reads as whole rows. A file
    that fails is refused, naming the row: cchc never guesses where rows begin."""
    h = _open_csv(path, model, user, max_bytes)
    p, shown, text, delimiter, width, keep, skip_records = (h.p, h.shown, h.text, h.delimiter, h.width, h.keep,
                                                            h.skip_records)
    if h.utf8:
        buf = _Stream(p, h.start)  # streamed from the file: no copy, no mapped pages
        quotes = _has_quote(p, h.bom)
    else:
        buf = pa.py_buffer(text[h.offset:].encode("utf-8"))
        quotes = '"' in text
    expected = None
    if quotes:  # title block, header and data: every quote must pair up with certainty
        expected = _count_records(h)
    t = _read_fast(buf, width, keep, delimiter)
    if t is not None and (expected is None or t[1] == expected):
        frame, n = t
        rows = np.arange(n, dtype=np.int64) + skip_records + 1
        bad: list[tuple[int, str]] = []
    else:  # ragged records (or bytes that are not UTF-8): name them exactly
        if text is None:
            text = decode(_read_all(path), p, h.encoding)
        if quotes:  # a short or long record holding a quote: the strict reading refuses it
            _check_quotes(text, delimiter, width, skip_records, shown)
        frame, rows, bad = _read_slow(text, width, keep, delimiter, skip_records, shown)
    raw = RawTable(p, frame, rows, h.layout, h.mapping, h.notes, encoding=h.encoding, delimiter=delimiter,
                   bad_rows=bad)
    return trim_tail(raw)


def _count_records(h: _Head) -> int:
    """The records below the title block and header, every quote of the file checked: by the
    byte scan when it can vouch for them (``_scan``), else by the strict csv reading."""
    if h.utf8:
        try:
            return sum(b.records for b in _scan(h, None))
        except _Unclean:
            pass
    return _check_quotes(_Stream(h.p, h.bom) if h.utf8 else h.text, h.delimiter, h.width, h.skip_records, h.shown)


def _open_text(buf):
    """The data area as text lines (LF, CR and CRLF line ends kept as they are)."""
    if isinstance(buf, _Stream):
        fh = open(buf.path, "rb")
        fh.seek(buf.offset)
        return io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
    if isinstance(buf, str):
        return io.StringIO(buf, newline="")
    return io.TextIOWrapper(io.BytesIO(buf.to_pybytes()), encoding="utf-8", newline="")


def _check_quotes(buf, delimiter: str, width: int, skip_records: int, path: str, complete: bool = True,
                  row0: int = 0, line0: int = 0) -> int:
    """See ``_strict_records``. A cell over the csv module's field limit (the cell limit)
    is a quote left open or a long cell in a column cchc does not read: the file is read
    again without the limit, and only when its quotes then pair up is it read."""
    try:
        return _strict_records(buf, delimiter, width, skip_records, path, complete, row0, line0)
    except csv.Error as e:
        if "field larger than field limit" not in str(e):
            raise
        saved = csv.field_size_limit(sys.maxsize)
        try:
            return _strict_records(buf, delimiter, width, skip_records, path, complete, row0, line0)
        except DataError:
            raise e from None  # worded by the caller: a quote left open in a large file
        finally:
            csv.field_size_limit(saved)


def _strict_records(buf, delimiter: str, width: int, skip_records: int, path: str, complete: bool = True,
                    row0: int = 0, line0: int = 0) -> int:
    """Read the file with the csv module in strict mode and return the number of records
    below the first ``skip_records`` (title block and header); refuse the file when its
    quotes cannot be paired with certainty:

    - a quote that closes a cell followed by anything but a delimiter or a line end (a
      stray quote at the start of a cell, paired with the next quote of the file: an even
      number of stray quotes passes any parity test and silently merges rows);
    - a quoted cell still open at the end of the file;
    - a data record spanning several physical lines of which two or more, taken alone,
      hold a whole row's cells: the quote that joined them is more likely stray than a
      cell with line breaks, and which reading is right cannot be known;
    - a data record cut short or run long that holds a lone quote (a quoted cell with a
      line break whose quote was closed too early, or opened too late).

    The record and the physical line it starts on are named; no cell is ever quoted.
    ``complete`` is False when ``buf`` is only the head of the file (a record open at its
    end is then not an error). The per-record work is one comparison unless a record
    spans lines or has the wrong number of cells."""
    with _open_text(buf) as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        n = prev = 0
        try:
            for rec in reader:
                n += 1
                ln = reader.line_num
                if (ln - prev != 1 or len(rec) != width) and n > skip_records:
                    _suspect(rec, delimiter, width, path, row0 + n, line0 + prev + 1, line0 + ln)
                prev = ln
        except csv.Error as e:
            if "field larger than field limit" in str(e):
                raise  # worded by the caller: a quote left open in a large file
            unclosed = "unexpected end of data" in str(e)
            if not (unclosed and not complete):
                raise DataError("csv_quote_unclosed" if unclosed else "csv_quote_unpaired", path=path,
                                row=_num(row0 + n + 1), line=_num(line0 + prev + 1),
                                at=_num(line0 + reader.line_num)) from None
    return max(n - skip_records, 0)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _suspect(rec: list[str], delimiter: str, width: int, path: str, row: int, line: int, last: int) -> None:
    """The checks of a data record that spans lines or has the wrong number of cells."""
    if not width:
        return
    ragged = len(rec) < width or any(c.strip() for c in rec[width:])
    if ragged and any('"' in c for c in rec) and any(c.strip() for c in rec):
        raise DataError("csv_quote_unpaired", path=path, row=_num(row), line=_num(line), at=_num(last))
    if last > line:
        # the record's physical lines, as they read with the quotes taken away
        pieces = _LINE_BREAK.split(delimiter.join(rec))
        full = sum(1 for piece in pieces if len(piece.split(delimiter)) >= width)
        if full >= 2:
            raise DataError("csv_quote_ambiguous", path=path, row=_num(row), line=_num(line),
                            lines=last - line + 1)


def _num(n: int) -> str:
    """A count or row number as Vietnamese writes it: 1.234."""
    return f"{n:,}".replace(",", ".")


def _has_quote(path: str, start: int) -> bool:
    with open(path, "rb") as fh:
        fh.seek(start)
        while chunk := fh.read(16 << 20):
            if b'"' in chunk:
                return True
    return False


class _Stream:
    """The file from ``offset`` on, opened when pyarrow reads it."""

    def __init__(self, path: str, offset: int):
        self.path, self.offset = path, offset

    def open(self):
        if _utf8_path(self.path):
            f = pa.OSFile(self.path, "r")
            f.seek(self.offset)
            return f
        fh = open(self.path, "rb")  # pyarrow takes names as UTF-8: hand it the open file
        fh.seek(self.offset)
        return pa.PythonFile(fh, mode="r")


def _read_fast(buf, width: int, keep: list[int], delimiter: str):
    names = [col(i) for i in range(width)]
    ragged = []

    def on_invalid(row):
        ragged.append(row)
        return "skip"

    try:
        source = buf.open() if isinstance(buf, _Stream) else pa.BufferReader(buf)
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[col(i) for i in keep],
                column_types={c: pa.string() for c in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if ragged:
        return None
    frame = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_large_string(t) or pa.types.is_string(t) else None)
    return frame, table.num_rows


def _read_slow(text: str, width: int, keep: list[int], delimiter: str, skip_records: int, path: str = "?"):
    """Record by record, so that a record with more cells than headers is named and
    rejected. Its quotes have been checked (``_check_quotes``) before it gets here: the
    records are those of the strict reading."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: dict[int, list[str]] = {i: [] for i in keep}
    rows: list[int] = []
    bad: list[tuple[int, str]] = []
    for n, rec in enumerate(reader, start=1):
        if n <= skip_records:
            continue
        if len(rec) > width:
            if any(c.strip() for c in rec[width:]):
                # more cells than headers: the values would be shifted, so the row is refused
                bad.append((n, f"{len(rec)}/{width}"))
                continue
            rec = rec[:width]
        elif len(rec) < width:
            # fewer cells (trailing cells left off, a totals line): padded with blanks
            rec = rec + [""] * (width - len(rec))
        for i in keep:
            out[i].append(rec[i])
        rows.append(n)
    frame = pd.DataFrame({col(i): pd.array(out[i], dtype=pd.StringDtype("pyarrow")) for i in keep})
    return frame, np.asarray(rows, dtype=np.int64), bad


# ------------------------------------------------------------------ the byte scan and blocks

SCAN_CHUNK = 32 << 20


class _Unclean(Exception):
    """The byte scan cannot vouch for the file's quotes: the strict csv reading decides."""


@dataclass(frozen=True)
class Block:
    """Whole records of a CSV's data area: bytes [start, end), ``records`` of them, the
    first being record ``row0 + 1`` of the file (title and header records counted) and
    starting on physical line ``line0 + 1``."""

    start: int
    end: int
    records: int
    row0: int
    line0: int


def _scan(h: _Head, target: int | None) -> list[Block]:
    """``_scan_iter`` to the end: every block of the file."""
    return list(_scan_iter(h, target))


def _scan_iter(h: _Head, target: int | None) -> Iterator[Block]:
    """Where the records of a UTF-8 file end, found from its bytes with numpy (no Python
    step per record), cut into blocks of about ``target`` bytes (None: one block).

    The scan vouches for the quotes when every quote of the file obeys the strict reading:
    an opening quote stands at the start of a cell (after a delimiter, a line end, or the
    closing quote of an escaped pair ``""``), a closing quote is followed by a delimiter, a
    line end, a quote (the pair) or the end of the file, and the file ends outside quotes.
    Then counting quotes tells every line end inside a quoted cell from a record's end,
    exactly as the csv module would read it. A record that spans lines is read with the csv
    module and checked as the strict reading checks it (``_suspect``). Anything else — a
    stray quote, a quote left open, a CR-only line end — raises ``_Unclean``, and the
    strict reading decides (refusing the file, naming the row, when it must)."""
    delim = ord(h.delimiter)
    ok = np.zeros(256, dtype=bool)
    ok[[delim, 10, 13, 34]] = True
    start = h.start
    n_blocks = 0
    parity = 0
    prev_byte = 10
    base = h.bom
    held = b""
    lines = 0  # line ends before the chunk
    records = 0  # data records before the chunk
    block_start, block_records, block_row0, block_line0 = start, 0, h.skip_records, None
    last_end = start - 1  # the data's first record starts after the header's line end
    space = bytearray(SCAN_CHUNK + 1)
    view = memoryview(space)
    with open(h.p, "rb") as fh:
        fh.seek(h.bom)
        while True:
            k = len(held)
            space[:k] = held
            got = fh.readinto(view[k:])
            eof = got < SCAN_CHUNK
            buf = view[:k + got]
            if not len(buf):
                break
            proc = len(buf) if eof else len(buf) - 1
            held = b"" if eof else bytes(buf[-1:])
            a = np.frombuffer(buf, dtype=np.uint8)
            body = a[:proc]
            q = np.flatnonzero(body == 34)
            if len(q):
                opening = ((parity + np.arange(len(q))) & 1) == 0
                pb = a[np.maximum(q - 1, 0)]
                if q[0] == 0:
                    pb[0] = prev_byte
                nxt = q + 1
                at_end = nxt >= len(a)
                nb = a[np.minimum(nxt, len(a) - 1)]
                if ((opening & ~ok[pb]) | (~opening & ~(ok[nb] | at_end))).any():
                    raise _Unclean
            cr = np.flatnonzero(body == 13) if space.find(b"\r", 0, proc) >= 0 else ()
            if len(cr):
                nx = cr + 1
                if ((nx >= len(a)) | (a[np.minimum(nx, len(a) - 1)] != 10)).any():
                    raise _Unclean  # a CR-only line end: the strict reading counts those
            lf = np.flatnonzero(body == 10)
            inside = ((parity + np.searchsorted(q, lf)) & 1) == 1
            ends = lf[~inside] + base
            ends = ends[ends >= start]
            lf_all = lf + base
            if block_line0 is None:
                block_line0 = lines + int(np.searchsorted(lf_all, start))
            # records that span lines: read and checked as the strict reading does
            multi = lf[inside] + base
            multi = multi[multi >= start]
            if len(multi):
                at = np.searchsorted(ends, multi)
                firsts = np.unique(at)
                for i in firsts:
                    rec_start = (int(ends[i - 1]) if i > 0 else last_end) + 1
                    line = lines + int(np.searchsorted(lf_all, rec_start)) + 1
                    _check_record(h, rec_start, records + int(i), line)
            parity = (parity + len(q)) & 1
            prev_byte = int(body[-1]) if proc else prev_byte
            lines += len(lf)
            # blocks: cut at the first record end past the target
            consumed = 0
            while target is not None:
                i = int(np.searchsorted(ends, block_start + target))
                if i >= len(ends):
                    break
                block_records += i - consumed + 1
                end = int(ends[i]) + 1
                yield Block(block_start, end, block_records, block_row0, block_line0)
                n_blocks += 1
                block_row0 += block_records
                block_line0 = lines - len(lf) + int(np.searchsorted(lf_all, end))
                block_start, block_records, consumed = end, 0, i + 1
            block_records += len(ends) - consumed
            records += len(ends)
            if len(ends):
                last_end = int(ends[-1])
            base += proc
            if eof:
                break
    if parity:
        raise _Unclean  # a quote left open at the end of the file
    file_end = base
    if last_end + 1 < file_end:  # a last record with no line end
        block_records += 1
    if block_records or not n_blocks:
        yield Block(block_start, file_end, block_records, block_row0, block_line0 or 0)


_SCANS: dict = {}  # the blocks of the files scanned lately (a second pass reads a file again)


def _scan_key(h: _Head, target: int) -> tuple:
    """The file as it is (size, time of change, inode, its ends: against a rewrite within
    one tick of the clock) and the cut asked for."""
    st = os.stat(h.p)
    with open(h.p, "rb") as fh:
        head = fh.read(1 << 16)
        fh.seek(max(st.st_size - (1 << 16), 0))
        tail = fh.read()
    return (h.p, st.st_size, st.st_mtime_ns, st.st_ino, h.start, h.delimiter, target, hash(head), hash(tail))


def _scan_lazy(h: _Head, target: int) -> Iterator[Block]:
    """``_scan_iter``, each block as soon as it is found (the first is read while the scan
    goes on), remembered once the scan ends so that reading some blocks again does not scan
    the file again. A file the scan could not vouch for is remembered too (``_UNCLEAN``)."""
    key = _scan_key(h, target)
    hit = _SCANS.get(key)
    if hit is not None:
        yield from hit
        return
    if key in _UNCLEAN:
        raise _Unclean
    found = []
    try:
        for b in _scan_iter(h, target):
            found.append(b)
            yield b
    except _Unclean:
        if len(_UNCLEAN) >= 64:
            _UNCLEAN.pop()
        _UNCLEAN.add(key)
        raise
    if len(_SCANS) >= 64:
        _SCANS.pop(next(iter(_SCANS)))
    _SCANS[key] = found


_UNCLEAN: set = set()


class ReadAgain(Exception):
    """The byte scan found, past the blocks already given, quotes it cannot vouch for: the
    caller drops what it took from this file and reads it again (whole, the strict way)."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def _check_record(h: _Head, at: int, index: int, line: int) -> None:
    """One data record that spans lines (``index``: its place among the data records),
    read with the csv module and checked as ``_strict_records`` checks it."""
    with open(h.p, "rb") as fh:
        fh.seek(at)
        text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
        reader = csv.reader(text, delimiter=h.delimiter, strict=True)
        try:
            rec = next(reader)
        except (csv.Error, StopIteration):
            raise _Unclean from None
        _suspect(rec, h.delimiter, h.width, h.shown, h.skip_records + index + 1, line, line + reader.line_num - 1)


def iter_csv_blocks(path: Path, model: type[BaseModel], user: ColumnMap, block_rows: int = 200_000,
                    only: set[int] | None = None, rows: dict | None = None) -> Iterator[tuple[int, RawTable]]:
    """A CSV read in blocks of whole records (about ``block_rows`` each), each block a
    ``RawTable`` with the file's layout and mapping and its rows numbered as the whole
    reading numbers them; ``only``: just those blocks. Not trimmed (``trim_tail`` is the
    caller's, across blocks). A file in another encoding than UTF-8, or whose quotes the
    byte scan cannot vouch for, is one block, read whole (``read_csv``)."""
    h = _open_csv(path, model, user)
    blocks = None
    if h.utf8:
        blocks = plan_blocks(h, block_rows)
        try:
            first = next(blocks)
        except _Unclean:
            blocks = None
        else:
            blocks = itertools.chain([first], blocks)
    if blocks is None:
        if only is None or 0 in only:
            raw = read_csv(path, model, user)
            raw.trimmed = True
            yield 0, raw
        return
    i = -1
    try:
        for i, b in enumerate(blocks):
            if only is not None and i not in only:
                continue
            wanted = rows.get(i) if rows else None
            yield i, (_read_records(h, b, wanted) if wanted is not None else _read_block(h, b))
    except _Unclean:
        raise ReadAgain(h.p) from None


def plan_blocks(h: _Head, block_rows: int) -> Iterator[Block]:
    """The blocks of about ``block_rows`` records of a UTF-8 file (``_scan_lazy``): the cut
    depends only on the file and ``block_rows``, so a block can be read again by its index,
    in this process or on a dask worker. Raises ``_Unclean`` as the scan does."""
    data = len(h.head_text[h.offset:].encode("utf-8"))
    below = max(len(_head_records(h.head_text[h.offset:], h.delimiter, 1000)[0]), 1)
    per_row = max(data / below, 1.0)
    return _scan_lazy(h, max(int(block_rows * per_row), 1))


def _read_records(h: _Head, b: Block, wanted) -> RawTable:
    """Just the records ``wanted`` (row numbers) of a block the scan vouched for: found again
    by counting quotes in its bytes, parsed together. The whole block when that fails."""
    with open(h.p, "rb") as fh:
        fh.seek(b.start)
        data = fh.read(b.end - b.start)
    a = np.frombuffer(data, dtype=np.uint8)
    q = np.flatnonzero(a == 34)
    lf = np.flatnonzero(a == 10)
    ends = lf[(np.searchsorted(q, lf) & 1) == 0]
    if len(ends) < b.records:  # the last record of the file, with no line end
        ends = np.append(ends, len(data) - 1)
    starts = np.concatenate([[0], ends[:-1] + 1])
    k = np.asarray(wanted, dtype=np.int64) - b.row0 - 1
    k = k[(k >= 0) & (k < min(len(ends), b.records))]
    if len(ends) != b.records or not len(k):
        return _read_block(h, b)
    buf = b"".join(data[starts[i]:ends[i] + 1] if data[ends[i]:ends[i] + 1] == b"\n"
                   else data[starts[i]:ends[i] + 1] + b"\n" for i in k.tolist())
    t = _read_fast(pa.py_buffer(buf), h.width, h.keep, h.delimiter)
    if t is None or t[1] != len(k):
        return _read_block(h, b)
    return RawTable(h.p, t[0], k + b.row0 + 1, h.layout, h.mapping, [], encoding=h.encoding,
                    delimiter=h.delimiter)


def _read_block(h: _Head, b: Block) -> RawTable:
    with open(h.p, "rb") as fh:
        fh.seek(b.start)
        data = fh.read(b.end - b.start)
    t = _read_fast(pa.py_buffer(data), h.width, h.keep, h.delimiter) if data else (pd.DataFrame(
        {col(i): pd.array([], dtype=pd.StringDtype("pyarrow")) for i in h.keep}), 0)
    if t is not None and t[1] == b.records:
        frame, n = t
        rows = np.arange(n, dtype=np.int64) + b.row0 + 1
        bad: list[tuple[int, str]] = []
    else:  # ragged records or bytes that are not UTF-8: this block the slow, exact way
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DataError("csv_encoding", path=h.shown, byte=f"0x{data[e.start]:02x}", pos=b.start + e.start) from None
        _check_quotes(text, h.delimiter, h.width, 0, h.shown, row0=b.row0, line0=b.line0)
        frame, rows, bad = _read_slow(text, h.width, h.keep, h.delimiter, 0, h.shown)
        rows = rows + b.row0
        bad = [(r + b.row0, s) for r, s in bad]
    notes = list(h.notes) if b.row0 == h.skip_records else []
    return RawTable(h.p, frame, rows, h.layout, h.mapping, notes, encoding=h.encoding, delimiter=h.delimiter,
                    bad_rows=bad)
