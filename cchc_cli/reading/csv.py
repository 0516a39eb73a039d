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
    p = str(path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DataError(
                f"{p}: tệp lớn {size:,} byte, vượt giới hạn {max_bytes:,} byte.",
                hint="Tăng giới hạn bằng --max-file-size nếu tệp này đúng là dữ liệu cần đọc.",
            )
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{p}: không đọc được tệp ({e.strerror}).") from None
    if not data.strip():
        raise DataError(f"{p}: tệp rỗng.", hint="Kiểm tra lại tệp xuất từ phần mềm một cửa.")
    if b"\x00" in data[:HEAD_BYTES] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(
            f"{p}: tệp chứa byte NUL, không phải tệp CSV văn bản (có thể là tệp nhị phân bị đổi tên).",
            hint="Xuất lại dữ liệu từ phần mềm dưới dạng CSV hoặc XLSX.",
        )
    encoding = detect_encoding(data)
    text = decode(data, p, encoding)
    if encoding == "cp1258":  # tone marks come as combining characters: compose them
        text = unicodedata.normalize("NFC", text)
    delimiter, layout, lines = sniff(text[:HEAD_BYTES], model, user)
    if layout is None:
        raise DataError(f"{p}: không tìm thấy dòng tiêu đề của bảng hồ sơ.")
    mapping = map_headers(layout.candidates, model, user)
    keep = kept_positions(mapping)
    width = len(layout.candidates)
    notes = [Note("encoding", {"encoding": encoding})] if encoding not in ("utf-8", "utf-8-sig") else []
    skip_records = layout.data_start
    skip_lines = lines[skip_records - 1] if skip_records else 0

    body = text if encoding in ("utf-8", "utf-8-sig") else None
    if body is not None:
        start = _line_offset(data, skip_lines, bom=encoding == "utf-8-sig")
        buf = pa.py_buffer(data)[start:]
    else:
        buf = pa.py_buffer(_drop_lines(text, skip_lines).encode("utf-8"))
    t = _read_fast(buf, width, keep, delimiter)
    if t is not None:
        frame, n = t
        rows = np.arange(n, dtype=np.int64) + skip_records + 1
        bad: list[tuple[int, str]] = []
    else:  # ragged records: name them exactly
        frame, rows, bad = _read_slow(text, width, keep, delimiter, skip_records)
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


def _read_fast(buf, width: int, keep: list[int], delimiter: str):
    names = [col(i) for i in range(width)]
    ragged = []

    def on_invalid(row):
        ragged.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(buf),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[col(i) for i in keep],
                column_types={c: pa.large_string() for c in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if ragged:
        return None
    frame = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_large_string(t) or pa.types.is_string(t) else None)
    return frame, table.num_rows


def _read_slow(text: str, width: int, keep: list[int], delimiter: str, skip_records: int):
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
