"""CSV exports: UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text") or Windows-1258;
comma, semicolon, tab or pipe, sniffed by which one yields the best header.

The fast path hands the bytes after the header to pyarrow's CSV reader, reading only the
mapped columns, as text. Row numbers are those a spreadsheet shows: one per CSV record. If
a record has the wrong number of cells, the file is re-read with Python's csv module so that
the faulty rows are named exactly and rejected, and the rest kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from pathlib import Path

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
        raise DataError(
            f"{path}: không đọc được bảng mã của tệp (byte 0x{data[e.start]:02x} ở vị trí {e.start}); "
            "tệp không phải UTF-8 hay Windows-1258.",
            hint="Mở tệp bằng Excel và lưu lại dưới dạng CSV UTF-8.",
        ) from None


def _head_records(text: str, delimiter: str, limit: int = 60) -> tuple[list[list[str]], list[int]]:
    """First records and, for each, the number of physical lines consumed after it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines = [], []
    try:
        for rec in reader:
            rows.append(rec)
            lines.append(reader.line_num)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows, lines


def sniff(text: str, model: type[BaseModel], user: ColumnMap) -> tuple[str, Layout | None, list[int]]:
    best: tuple[str, Layout | None, list[int]] = (",", None, [])
    for d in DELIMITERS:
        rows, lines = _head_records(text, d)
        lay = find_layout(rows, model, user)
        if lay is not None and (best[1] is None or lay.score > best[1].score):
            best = (d, lay, lines)
    return best


def read_csv(path: Path, model: type[BaseModel], user: ColumnMap, max_bytes: int | None = None) -> RawTable:
    """UTF-8 files are never decoded in Python: the head is, for sniffing, and the rest is
    memory-mapped and handed to pyarrow, which validates the UTF-8 itself. Other encodings
    are decoded (and NFC-composed) in full, then read the same way."""
    p = str(path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DataError(
                f"{p}: tệp lớn {size:,} byte, vượt giới hạn {max_bytes:,} byte.",
                hint="Tăng giới hạn bằng --max-file-mb nếu tệp này đúng là dữ liệu cần đọc.",
            )
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
        data = pa.memory_map(p, "r").read_buffer() if size else pa.py_buffer(b"")
    except OSError as e:
        raise DataError(f"{p}: không đọc được tệp ({e.strerror}).") from None
    if not head.strip() and (len(head) < HEAD_BYTES or not re.search(rb"\S", memoryview(data))):
        raise DataError(f"{p}: tệp rỗng.", hint="Kiểm tra lại tệp xuất từ phần mềm một cửa.")
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(
            f"{p}: tệp chứa byte NUL, không phải tệp CSV văn bản (có thể là tệp nhị phân bị đổi tên).",
            hint="Xuất lại dữ liệu từ phần mềm dưới dạng CSV hoặc XLSX.",
        )
    encoding = detect_encoding(head)
    utf8 = encoding in ("utf-8", "utf-8-sig")
    if utf8:
        text = None
        head_text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head)
        if encoding == "utf-8-sig":
            head_text = head_text.lstrip("\ufeff")
    else:
        text = decode(data.to_pybytes(), p, encoding)
        if encoding == "cp1258":  # tone marks come as combining characters: compose them
            text = unicodedata.normalize("NFC", text)
        head_text = text[:HEAD_BYTES]
    delimiter, layout, lines = sniff(head_text, model, user)
    if layout is None:
        raise DataError(f"{p}: không tìm thấy dòng tiêu đề của bảng hồ sơ.")
    mapping = map_headers(layout.candidates, model, user)
    keep = kept_positions(mapping)
    width = len(layout.candidates)
    notes = [Note("encoding", {"encoding": encoding})] if not utf8 else []
    skip_records = layout.data_start
    skip_lines = lines[skip_records - 1] if skip_records else 0

    if utf8:
        start = _line_offset(head, skip_lines, bom=encoding == "utf-8-sig")
        if start >= len(head) and size > len(head):  # a header beyond the head (never in practice)
            start = _line_offset(data.to_pybytes(), skip_lines, bom=encoding == "utf-8-sig")
        buf = _Stream(p, start)  # streamed from the file: no copy, no mapped pages
    else:
        buf = pa.py_buffer(_drop_lines(text, skip_lines).encode("utf-8"))
    # an odd number of quote characters may be a quoted cell left open, which pyarrow would
    # silently run to the end of the file: the Python reader then finds and names it
    odd_quotes = (_count_quotes(p) if utf8 else text.count('"')) % 2 == 1
    t = None if odd_quotes else _read_fast(buf, width, keep, delimiter)
    if t is not None:
        frame, n = t
        rows = np.arange(n, dtype=np.int64) + skip_records + 1
        bad: list[tuple[int, str]] = []
    else:  # ragged records (or bytes that are not UTF-8): name them exactly
        if text is None:
            text = decode(data.to_pybytes(), p, encoding)
        frame, rows, bad = _read_slow(text, width, keep, delimiter, skip_records, p)
    raw = RawTable(p, frame, rows, layout, mapping, notes, encoding=encoding, delimiter=delimiter, bad_rows=bad)
    return trim_tail(raw)


def _line_offset(data: bytes, n_lines: int, bom: bool) -> int:
    pos = 3 if bom else 0
    for _ in range(n_lines):
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        pos = nl + 1
    return pos


def _drop_lines(text: str, n_lines: int) -> str:
    pos = 0
    for _ in range(n_lines):
        nl = text.find("\n", pos)
        if nl < 0:
            return ""
        pos = nl + 1
    return text[pos:]


class _Stream:
    """The file from ``offset`` on, opened when pyarrow reads it."""

    def __init__(self, path: str, offset: int):
        self.path, self.offset = path, offset

    def open(self):
        f = pa.OSFile(self.path, "r")
        f.seek(self.offset)
        return f


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


def _count_quotes(path: str) -> int:
    """Quote characters in the file, read 16 MB at a time (a memory map would keep every
    page it touched resident)."""
    n = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(16 << 20):
            n += chunk.count(b'"')
    return n


def _read_slow(text: str, width: int, keep: list[int], delimiter: str, skip_records: int, path: str = "?"):
    from . import limits

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: dict[int, list[str]] = {i: [] for i in keep}
    rows: list[int] = []
    bad: list[tuple[int, str]] = []
    last_start, last_has_newline = 0, False
    for n, rec in enumerate(_with_starts(reader), start=1):
        start_line, rec = rec
        last_start, last_has_newline = start_line, any("\n" in c or "\r" in c for c in rec)
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
    if last_has_newline and text.count('"') % 2 == 1:
        # the last record swallowed line breaks and the quotes do not pair up: a quoted cell
        # opened in it was never closed, and every line after it vanished into that cell
        raise limits.unclosed_quote_error(path, last_start)
    frame = pd.DataFrame({col(i): pd.array(out[i], dtype=pd.StringDtype("pyarrow")) for i in keep})
    return frame, np.asarray(rows, dtype=np.int64), bad


def _with_starts(reader):
    """Each record with the physical line it starts on."""
    while True:
        start = reader.line_num + 1
        try:
            rec = next(reader)
        except StopIteration:
            return
        yield start, rec
