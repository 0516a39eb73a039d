"""Build real export files for tests: CSVs in the encodings real systems write, xlsx
workbooks with title rows and merged headers (written with openpyxl)."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path
from typing import Any, Sequence

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # marks cp1258 encodes as combining


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Excel writes it: letters cp1258 has precomposed (â, ê, ơ, ư, đ …)
    stay whole; tone marks become combining characters after them."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in d if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES))
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",", newline: str = "\r\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8",
              delimiter: str = ",", newline: str = "\r\n") -> Path:
    text = csv_text(rows, delimiter, newline)
    if encoding == "cp1258":
        data = encode_cp1258(text)
    elif encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    else:
        data = text.encode(encoding)
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], *, merges: Sequence[str] = (),
               sheet: str = "Hồ sơ", before: Sequence[str] = (), number_formats: dict[int, str] | None = None) -> Path:
    """One data sheet (``rows`` from A1, None = empty cell), optional merged ranges
    ("A4:A5"), optional empty-of-tables sheets placed before it."""
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    for i, name in enumerate(before):
        ws = first if i == 0 else wb.create_sheet(name)
        ws.title = name
        ws["A1"] = "Ghi chú: trang này không có bảng."
    ws = wb.create_sheet(sheet) if before else first
    ws.title = sheet
    for r in rows:
        ws.append(list(r))
    for m in merges:
        ws.merge_cells(m)
    if number_formats:
        for col_idx, fmt in number_formats.items():
            for row in ws.iter_rows(min_col=col_idx, max_col=col_idx):
                for c in row:
                    c.number_format = fmt
    wb.save(path)
    return path
