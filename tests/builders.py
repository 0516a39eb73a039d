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


def ole2_entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    """One 128-byte directory entry of an OLE2 compound file (storage 5, stream 2, empty 0)."""
    import struct

    e = bytearray(128)
    raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
    e[0 : len(raw)] = raw
    struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
    struct.pack_into("<III", e, 68, left, right, child)
    struct.pack_into("<IQ", e, 116, start, size)
    return bytes(e)


def write_encrypted_xlsx(path: Path) -> Path:
    """What Excel writes for a password-protected workbook: not a zip but an OLE2 compound
    file (MS-CFB, version 3, 512-byte sectors) holding the "EncryptionInfo" and
    "EncryptedPackage" streams of MS-OFFCRYPTO. The stream contents are random-looking
    bytes: no reader can open the workbook without the password, which is the point."""
    import os
    import struct

    sector = 512
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    stream_len = 4096  # >= the mini-stream cutoff: both streams live in ordinary sectors
    per_stream = stream_len // sector
    info_start, pkg_start = 2, 2 + per_stream
    n_sectors = 2 + 2 * per_stream

    fat = [fat_sect, end]  # sector 0: the FAT, sector 1: the directory
    for start in (info_start, pkg_start):
        fat += [start + i + 1 for i in range(per_stream - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))

    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 76, *difat)

    directory = (
        ole2_entry("Root Entry", 5, nostream, nostream, 1, end, 0)
        + ole2_entry("EncryptionInfo", 2, nostream, 2, nostream, info_start, stream_len)
        + ole2_entry("EncryptedPackage", 2, nostream, nostream, nostream, pkg_start, stream_len)
        + ole2_entry("", 0, nostream, nostream, nostream, 0, 0)
    )
    body = struct.pack(f"<{sector // 4}I", *fat) + directory
    body += os.urandom(2 * stream_len)
    assert len(body) == n_sectors * sector
    path.write_bytes(bytes(header) + body)
    return path
