"""A small BIFF8 (.xls, Excel 97–2003) writer for the tests: an OLE2 compound file holding
one "Workbook" stream with one sheet of text and number cells — what e-par's report book
download is. No library writes BIFF8 any more (xlwt is unmaintained and not a dependency);
the records used are those of [MS-XLS]: BOF, CODEPAGE, BOUNDSHEET8, LABEL, NUMBER, EOF,
and the container follows [MS-CFB] version 3 (512-byte sectors)."""

from __future__ import annotations

import struct

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def _rec(rtype: int, data: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _bof(dt: int) -> bytes:
    # BIFF8 version 0x0600, dt 0x0005 globals / 0x0010 worksheet, build, year, flags
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x0206))


def _ustr(text: str, length_bytes: int = 2) -> bytes:
    raw = text.encode("utf-16-le")
    n = len(text.encode("utf-16-le")) // 2
    head = struct.pack("<H", n) if length_bytes == 2 else struct.pack("<B", n)
    return head + b"\x01" + raw


def _xf(font: int = 0, fmt: int = 0, style: bool = False) -> bytes:
    flags = 0xFFF5 if style else 0x0001
    return _rec(0x00E0, struct.pack("<HHHBBBBIIH", font, fmt, flags, 0x20, 0, 0, 0, 0, 0, 0x20C0))


def workbook_stream(rows: list[list], sheet: str = "Sheet1") -> bytes:
    globals_ = [_bof(0x0005), _rec(0x0042, struct.pack("<H", 1200))]
    # a font and the 16 XF records every reader expects (15 style XFs + 1 cell XF)
    font = _rec(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _ustr("Arial", 1))
    globals_ += [font] * 5
    globals_ += [_xf(style=True) for _ in range(15)] + [_xf()]
    cells = []
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(_rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v))))
            else:
                cells.append(_rec(0x0204, struct.pack("<HHH", r, c, 15) + _ustr(str(v))))
    ncols = max((len(r) for r in rows), default=0)
    dims = _rec(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, ncols, 0))
    sheet_stream = _bof(0x0010) + dims + b"".join(cells) + _rec(0x000A, b"")
    boundsheet_len = 4 + 4 + 2 + len(_ustr(sheet, 1))
    glob_len = sum(len(x) for x in globals_) + boundsheet_len + 4  # + EOF
    boundsheet = _rec(0x0085, struct.pack("<IBB", glob_len, 0, 0) + _ustr(sheet, 1))
    return b"".join(globals_) + boundsheet + _rec(0x000A, b"") + sheet_stream


def compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    if len(stream) < 4096:  # below the mini-stream cutoff a stream would live in the mini stream
        stream = stream + b"\x00" * (4096 - len(stream))
    if len(stream) % 512:
        stream = stream + b"\x00" * (512 - len(stream) % 512)
    n_stream = len(stream) // 512
    n_fat = 1
    while True:
        total = n_stream + 1 + n_fat  # stream, one directory sector, the FAT
        if total <= n_fat * 128:
            break
        n_fat += 1
    assert n_fat <= 109
    fat = [FREESECT] * (n_fat * 128)
    for i in range(n_stream):
        fat[i] = i + 1 if i < n_stream - 1 else ENDOFCHAIN
    dir_sid = n_stream
    fat[dir_sid] = ENDOFCHAIN
    for k in range(n_fat):
        fat[dir_sid + 1 + k] = FATSECT
    difat = [dir_sid + 1 + k for k in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_sid, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == 512

    def entry(ename: str, etype: int, child: int, start: int, size: int) -> bytes:
        raw = (ename + "\x00").encode("utf-16-le")
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), etype, 1)
                + struct.pack("<III", NOSTREAM, NOSTREAM, child) + b"\x00" * 16 + b"\x00" * 4
                + b"\x00" * 16 + struct.pack("<IQ", start, size))

    root = entry("Root Entry", 5, 1, ENDOFCHAIN, 0)
    wb = entry(name, 2, NOSTREAM, 0, len(stream))
    empty = b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + b"\x00" * 48
    directory = root + wb + empty + empty
    assert len(directory) == 512
    return header + stream + directory + struct.pack(f"<{len(fat)}I", *fat)


def write_xls(path, rows: list[list], sheet: str = "Sheet1") -> None:
    with open(path, "wb") as fh:
        fh.write(compound_file(workbook_stream(rows, sheet)))
