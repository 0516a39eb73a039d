"""Builders of hostile workbooks (issue 12): small files that crash, abort or exhaust a
spreadsheet parser. Each returns bytes; everything is deterministic (no randomness here,
the fuzz tests seed their own).

- ``xlsx(...)``: an OOXML workbook of one or more sheets, each sheet's XML given raw, with an
  optional ``xl/sharedStrings.xml`` given raw — any spelling of a cell reference, any
  declared count;
- ``xls(...)``: a BIFF8 workbook (the ``Workbook`` stream of an OLE2 compound file), each
  sheet's records given raw, with optional extra records in the globals (a NAME record);
- ``biff_*``: one BIFF record.
"""

from __future__ import annotations

import io
import struct
import zipfile

from builders import ole2_entry

ZIP_TS = (2023, 4, 3, 8, 0, 0)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ["STT", "Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả",
          "Trạng thái", "Hình thức nộp"]
ROWS = [
    [1, "H001", "UBND quận Cái Răng", "01/03/2023 08:00", "05/03/2023 17:00", "03/03/2023 10:00",
     "Đã trả kết quả", "Trực tuyến"],
    [2, "H002", "UBND quận Cái Răng", "02/03/2023 09:00", "06/03/2023 17:00", "", "Đang xử lý", "Trực tiếp"],
    [3, "H003", "UBND phường Lê Bình", "03/03/2023 14:00", "08/03/2023 17:00", "07/03/2023 09:00",
     "Đã trả kết quả", "Trực tuyến"],
]


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_rows(rows=None) -> bytes:
    """``<row>`` elements of inline-string and number cells (no shared strings)."""
    out = []
    for i, row in enumerate(rows if rows is not None else [HEADER, *ROWS], start=1):
        cells = []
        for j, v in enumerate(row, start=1):
            ref = f"{_letters(j)}{i}"
            if isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_esc(str(v))}</t></is></c>')
        out.append(f'<row r="{i}">{"".join(cells)}</row>')
    return "".join(out).encode()


def sheet_xml(rows: bytes | None = None, extra: bytes = b"", dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<worksheet xmlns="{MAIN}">'.encode() + dim + b"<sheetData>"
            + (sheet_rows() if rows is None else rows) + extra + b"</sheetData></worksheet>")


def xlsx(sheets: list[bytes] | None = None, shared_strings: bytes | None = None,
         extra_members: dict[str, bytes] | None = None) -> bytes:
    """A workbook of ``sheets`` (raw worksheet XML; default: one dossier sheet)."""
    sheets = sheets if sheets is not None else [sheet_xml()]
    ct = ['<?xml version="1.0" encoding="UTF-8"?>',
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
          '<Default Extension="xml" ContentType="application/xml"/>',
          '<Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
    rels = [f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)]
    for i in range(1, len(sheets) + 1):
        ct.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    if shared_strings is not None:
        ct.append('<Override PartName="/xl/sharedStrings.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    ct.append("</Types>")
    names = "".join(f'<sheet name="Sheet{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(sheets) + 1))
    members = {
        "[Content_Types].xml": "".join(ct).encode(),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                        f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                        'Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
                            f"<sheets>{names}</sheets></workbook>").encode(),
        "xl/_rels/workbook.xml.rels": ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                                       'openxmlformats.org/package/2006/relationships">' + "".join(rels)
                                       + "</Relationships>").encode(),
    }
    for i, s in enumerate(sheets, start=1):
        members[f"xl/worksheets/sheet{i}.xml"] = s
    if shared_strings is not None:
        members["xl/sharedStrings.xml"] = shared_strings
    members.update(extra_members or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            zi = zipfile.ZipInfo(name, date_time=ZIP_TS)
            zi.compress_type, zi.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(zi, data)
    return out.getvalue()


def sst(strings: list[str], unique_count: str | None = None, count: str | None = None) -> bytes:
    uc = str(len(strings)) if unique_count is None else unique_count
    c = str(len(strings)) if count is None else count
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{c}" uniqueCount="{uc}">'
            + "".join(f"<si><t>{_esc(s)}</t></si>" for s in strings) + "</sst>").encode()


def far_cell(ref_attr: bytes, row_attr: bytes = b"") -> bytes:
    """The dossier sheet plus one cell spelled ``<c {ref_attr} t="inlineStr">``."""
    return sheet_xml(extra=b"<row" + row_attr + b"><c " + ref_attr + b' t="inlineStr"><is><t>x</t></is></c></row>')


# ------------------------------------------------------------------ BIFF8 (.xls)


def biff(rtype: int, data: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def biff_bof(sheet: bool) -> bytes:
    return biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010 if sheet else 0x0005, 0x0DBB, 0x07CC, 0, 0x06))


def biff_dimensions(first_row: int, last_row_plus_1: int, first_col: int, last_col_plus_1: int) -> bytes:
    return biff(0x0200, struct.pack("<IIHHH", first_row, last_row_plus_1, first_col, last_col_plus_1, 0))


def biff_label(row: int, col: int, text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return biff(0x0204, struct.pack("<HHHHB", row, col, 0x0F, len(text), 1) + raw)


def biff_number(row: int, col: int, value: float) -> bytes:
    return biff(0x0203, struct.pack("<HHHd", row, col, 0x0F, value))


def biff_name(data: bytes) -> bytes:
    return biff(0x0018, data)


def biff_cells(rows=None) -> bytes:
    out = b""
    for i, row in enumerate(rows if rows is not None else [HEADER, *ROWS]):
        for j, v in enumerate(row):
            out += biff_number(i, j, float(v)) if isinstance(v, (int, float)) else biff_label(i, j, str(v))
    return out


def xls_stream(sheets: list[bytes] | None = None, globals_extra: bytes = b"") -> bytes:
    """A BIFF8 Workbook stream: globals (BOF, CODEPAGE, ``globals_extra``, BOUNDSHEETs, EOF)
    then each sheet substream (BOF, the records given, EOF). Default: one dossier sheet
    with a true DIMENSIONS record."""
    if sheets is None:
        sheets = [biff_dimensions(0, len(ROWS) + 1, 0, len(HEADER)) + biff_cells()]
    names = [f"Sheet{i}" for i in range(1, len(sheets) + 1)]

    def boundsheets(offsets):
        return b"".join(biff(0x0085, struct.pack("<IBBBB", off, 0, 0, len(n), 0) + n.encode("latin-1"))
                        for off, n in zip(offsets, names))

    head = biff_bof(False) + biff(0x0042, struct.pack("<H", 1200)) + globals_extra
    tail = biff(0x000A, b"")
    size = len(head) + len(boundsheets([0] * len(sheets))) + len(tail)
    offsets, bodies = [], []
    for s in sheets:
        offsets.append(size)
        body = biff_bof(True) + s + biff(0x000A, b"")
        bodies.append(body)
        size += len(body)
    return head + boundsheets(offsets) + tail + b"".join(bodies)


def ole2(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding one stream, padded to at
    least 4096 bytes so that it lives in ordinary sectors (no mini stream)."""
    sector = 512
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    data = stream + b"\x00" * max(0, 4096 - len(stream))
    data += b"\x00" * (-len(data) % sector)
    n_data = len(data) // sector
    # sectors: FAT sectors first, then the directory, then the stream
    n_fat = 1
    while (n_fat + 1 + n_data) > n_fat * (sector // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("stream too large for this builder")
    dir_sect = n_fat
    start = n_fat + 1
    fat = [fat_sect] * n_fat + [end] + [start + i + 1 for i in range(n_data - 1)] + [end]
    fat += [free] * (n_fat * sector // 4 - len(fat))
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, n_fat, dir_sect, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, *(list(range(n_fat)) + [free] * (109 - n_fat)))

    directory = (ole2_entry("Root Entry", 5, nostream, nostream, 1, end, 0)
                 + ole2_entry(name, 2, nostream, nostream, nostream, start, max(len(stream), 4096))
                 + ole2_entry("", 0, nostream, nostream, nostream, 0, 0) * 2)
    return bytes(header) + struct.pack(f"<{len(fat)}I", *fat) + directory + data


def xls(sheets: list[bytes] | None = None, globals_extra: bytes = b"") -> bytes:
    return ole2(xls_stream(sheets, globals_extra))


def ole2_mini(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file whose one stream, under 4096 bytes, lives in the mini stream
    (64-byte sectors inside the root entry's stream), as small files from some writers."""
    assert len(stream) < 4096
    sector, mini = 512, 64
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    padded = stream + b"\x00" * (-len(stream) % mini)
    n_mini = len(padded) // mini
    ministream = padded + b"\x00" * (-len(padded) % sector)
    n_ms = len(ministream) // sector
    # sectors: 0 FAT, 1 directory, 2 mini FAT, 3.. the mini stream (the root entry's stream)
    fat = [fat_sect, end, end] + [3 + i + 1 for i in range(n_ms - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))
    minifat = [i + 1 for i in range(n_mini - 1)] + [end]
    minifat += [free] * (sector // 4 - len(minifat))
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, 2, 1, end, 0)
    struct.pack_into("<109I", header, 76, *([0] + [free] * 108))

    directory = (ole2_entry("Root Entry", 5, nostream, nostream, 1, 3, len(ministream))
                 + ole2_entry(name, 2, nostream, nostream, nostream, 0, len(stream))
                 + ole2_entry("", 0, nostream, nostream, nostream, 0, 0) * 2)
    return (bytes(header) + struct.pack(f"<{len(fat)}I", *fat) + directory
            + struct.pack(f"<{len(minifat)}I", *minifat) + ministream)
