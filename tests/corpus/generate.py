#!/usr/bin/env python3
"""Hostile and broken inputs, generated (deterministically) rather than committed.

    python tests/corpus/generate.py OUTDIR          # every case
    python tests/corpus/generate.py OUTDIR bomb-*   # some (shell-style patterns)

``build(name, folder)`` writes one case and returns its path; tests/test_corpus.py builds
them once per session in a temporary folder. Every case is the same small export of six
March 2023 dossiers (``BASE_HEADER`` / ``BASE_ROWS``), broken in one way. Applicant names,
ID numbers and phones are fake sentinels (``PERSON``, ``CCCD``, ``PHONE``): they are never
allowed to appear in any output.

No randomness without a seed, no clock: zip entries carry a fixed timestamp, so two runs
write byte-identical files. The decompression bombs are built without holding their
uncompressed content in memory: a compressed block of 1 MiB of one repeated byte, cut off
with a full flush so that it depends on nothing before it, is written again and again.
"""

from __future__ import annotations

import fnmatch
import io
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/builders.py

from builders import csv_text, encode_cp1258, write_csv, write_encrypted_xlsx  # noqa: E402

PERSON = "Lê Thị Bímật"
CCCD = "079912345678"
PHONE = "0909000111"
ADDRESS = "12 Hẻm Riêngtư, Cái Răng"
ZIP_TS = (2023, 4, 3, 8, 0, 0)

BASE_HEADER = ["STT", "Mã hồ sơ", "Họ tên chủ hồ sơ", "Số CCCD", "Số điện thoại", "Đơn vị tiếp nhận",
               "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái", "Hình thức nộp", "Phí, lệ phí",
               "Số hóa kết quả"]
BASE_ROWS = [
    [1, "H001", PERSON, CCCD, PHONE, "UBND quận Cái Răng", "01/03/2023 08:00", "06/03/2023", "03/03/2023 10:00",
     "Đã trả kết quả", "Trực tuyến", "50.000", "Có"],
    [2, "H002", PERSON, CCCD, PHONE, "UBND quận Cái Răng", "02/03/2023 09:30", "07/03/2023", "09/03/2023 15:00",
     "Đã trả kết quả", "Trực tiếp", "", "Không"],
    [3, "H003", PERSON, CCCD, PHONE, "UBND phường Lê Bình", "03/03/2023", "08/03/2023", "08/03/2023",
     "Đã giải quyết", "Bưu chính công ích", "20.000", "Có"],
    [4, "H004", PERSON, CCCD, PHONE, "UBND phường Lê Bình", "06/03/2023", "10/03/2023", "",
     "Đang xử lý", "Trực tuyến", "", ""],
    [5, "H005", PERSON, CCCD, PHONE, "UBND phường Lê Bình", "07/03/2023", "14/03/2023", "13/03/2023",
     "Đã trả kết quả", "Trực tiếp", "", "Có"],
    [6, "H006", PERSON, CCCD, PHONE, "UBND quận Cái Răng", "08/03/2023", "15/03/2023", "",
     "Chờ bổ sung", "Trực tuyến", "", ""],
]
SENTINELS = (PERSON, CCCD, PHONE, ADDRESS)

CASES: dict[str, tuple[str, Callable[[Path], None]]] = {}


def case(name: str, filename: str):
    def register(fn: Callable[[Path], None]):
        CASES[name] = (filename, fn)
        return fn

    return register


def build(name: str, folder: Path) -> Path:
    """Write case ``name`` into ``folder`` (once: an existing file is reused)."""
    filename, fn = CASES[name]
    path = folder / filename
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        fn(tmp)
        tmp.replace(path)
    return path


def base_csv() -> bytes:
    return csv_text([BASE_HEADER, *BASE_ROWS]).encode("utf-8")


def base_xlsx(rows=None, sheet: str = "Hồ sơ") -> bytes:
    """The base export as an XLSX (openpyxl writes strings to xl/sharedStrings.xml), with
    fixed timestamps: byte-reproducible."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows if rows is not None else [BASE_HEADER, *BASE_ROWS]:
        ws.append(list(r))
    wb.properties.creator = wb.properties.lastModifiedBy = "tests/corpus/generate.py"
    wb.properties.created = wb.properties.modified = dt.datetime(2023, 4, 3, 8, 0, 0)
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _rezip(raw.getvalue())


def _rezip(data: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TS)
            zi.compress_type, zi.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(zi, (replace or {}).get(info.filename, src.read(info.filename)))
    return out.getvalue()


# ------------------------------------------------------------------ empty, header only, not text


@case("empty", "empty.csv")
def _empty(p: Path) -> None:
    p.write_bytes(b"")


@case("empty-xlsx", "empty.xlsx")
def _empty_xlsx(p: Path) -> None:
    p.write_bytes(b"")


@case("header-only", "header-only.csv")
def _header_only(p: Path) -> None:
    write_csv(p, [BASE_HEADER])


@case("binary", "binary.csv")
def _binary(p: Path) -> None:
    """A PNG image renamed .csv (signature, then seeded random bytes)."""
    rnd = random.Random(7)
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rnd.getrandbits(8) for _ in range(4096)))


@case("binary-noise", "noise.csv")
def _noise(p: Path) -> None:
    """Random bytes with no known signature."""
    rnd = random.Random(11)
    p.write_bytes(bytes(rnd.getrandbits(8) for _ in range(8192)))


@case("xlsx-as-csv", "xuat-excel.csv")
def _xlsx_as_csv(p: Path) -> None:
    """A workbook whose name was changed to .csv."""
    p.write_bytes(base_xlsx())


# ------------------------------------------------------------------ broken workbooks


@case("truncated-xlsx", "truncated.xlsx")
def _truncated(p: Path) -> None:
    data = base_xlsx()
    p.write_bytes(data[: len(data) * 3 // 5])


@case("password-xlsx", "password.xlsx")
def _password(p: Path) -> None:
    """What Excel writes for a workbook with a password (builders.write_encrypted_xlsx),
    its random stream contents replaced by seeded bytes so that the file is reproducible."""
    write_encrypted_xlsx(p)
    data = bytearray(p.read_bytes())
    data[-8192:] = random.Random(3).randbytes(8192)
    p.write_bytes(bytes(data))


def _deflate_repeated(byte: bytes, n_mib: int) -> bytes:
    """``n_mib`` MiB of one byte, deflated as a sequence of identical, independent blocks
    (not final: a stream is finished by the caller)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(byte * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * n_mib


def _deflate(data: bytes, final: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _write_zip(p: Path, members: list[tuple[str, Callable[[object], None], int, int, int]]) -> None:
    """A zip written member by member: (name, write_compressed(fh), crc, compressed size,
    uncompressed size), every member deflated. Sizes below 4 GiB (no zip64)."""
    central = []
    with open(p, "wb") as fh:
        for name, write, crc, csize, usize in members:
            offset = fh.tell()
            raw = name.encode()
            dos_time = (ZIP_TS[3] << 11) | (ZIP_TS[4] << 5) | (ZIP_TS[5] // 2)
            dos_date = ((ZIP_TS[0] - 1980) << 9) | (ZIP_TS[1] << 5) | ZIP_TS[2]
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dos_time, dos_date, crc, csize, usize, len(raw), 0))
            fh.write(raw)
            start = fh.tell()
            write(fh)
            assert fh.tell() - start == csize, name
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, dos_time, dos_date, crc,
                                       csize, usize, len(raw), 0, 0, 0, 0, 0o644 << 16, offset) + raw)
        cd_start = fh.tell()
        for c in central:
            fh.write(c)
        cd_size = fh.tell() - cd_start
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), cd_size, cd_start, 0))


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _bomb(p: Path, n_mib: int, declared: int | None = None, real_crc: bool = True) -> None:
    """The base workbook plus an xl/sharedStrings.xml (openpyxl writes inline strings, so
    the part, its content type and its relationship are added) holding one string of
    ``n_mib`` MiB of "A" that no cell uses. ``declared``: the uncompressed size written in
    the zip instead of the true one (a lying header)."""
    base = base_xlsx()
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        names = [i.filename for i in z.infolist()]
        contents = {n: z.read(n) for n in names}
    contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}" /></Types>'.encode())
    contents["xl/_rels/workbook.xml.rels"] = contents["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml" /></Relationships>'.encode())
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
    tail = b"</t></si></sst>"
    members = []
    for n in names:
        data = contents[n]
        comp = _deflate(data, final=True)
        members.append((n, (lambda fh, c=comp: fh.write(c)), zlib.crc32(data), len(comp), len(data)))
    a, block, z = _deflate(head, final=False), _deflate_repeated(b"A", 1), _deflate(tail, final=True)
    csize = len(a) + len(block) * n_mib + len(z)
    usize = len(head) + (n_mib << 20) + len(tail)
    crc = 0
    if real_crc:
        crc = zlib.crc32(head)
        mib = b"A" * (1 << 20)
        for _ in range(n_mib):
            crc = zlib.crc32(mib, crc)
        crc = zlib.crc32(tail, crc)

    def write(fh):
        fh.write(a)
        for _ in range(n_mib):
            fh.write(block)
        fh.write(z)

    members.append(("xl/sharedStrings.xml", write, crc, csize, usize if declared is None else declared))
    _write_zip(p, members)


@case("bomb-huge", "bomb-1gb.xlsx")
def _bomb_huge(p: Path) -> None:
    """A real member of more than 1 GiB uncompressed (1,100 MiB from about 1 MiB)."""
    _bomb(p, 1100)


@case("bomb-ratio", "bomb-ratio.xlsx")
def _bomb_ratio(p: Path) -> None:
    """32 MiB from 33 KB: a ratio of about 1,000 to one."""
    _bomb(p, 32)


@case("bomb-lying", "bomb-lying.xlsx")
def _bomb_lying(p: Path) -> None:
    """A shared-strings member that declares 2 KB and expands to 8 MiB."""
    _bomb(p, 8, declared=2048, real_crc=False)


@case("far-cell", "far-cell.xlsx")
def _far_cell(p: Path) -> None:
    """One cell typed at XFD1048576, the last cell of a sheet: 6 KB on disk, but a reader
    that lays the sheet out from A1 asks for 17 billion cells."""
    data = base_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    p.write_bytes(_rezip(data, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", far)}))


# ------------------------------------------------------------------ cells and bytes


@case("long-cell", "long-cell.csv")
def _long_cell(p: Path) -> None:
    """A unit name of one million characters in row 4 (a mapped column)."""
    rows = [list(r) for r in BASE_ROWS]
    rows[2][5] = "UBND phường " + "Lê Bình " * 125_000
    write_csv(p, [BASE_HEADER, *rows])


@case("long-cell-xlsx", "long-cell.xlsx")
def _long_cell_xlsx(p: Path) -> None:
    """openpyxl cuts cells at Excel's 32,767 characters: the sheet's XML is edited."""
    rows = [list(r) for r in BASE_ROWS]
    rows[2][5] = "X" * 40_000
    data = base_xlsx([BASE_HEADER, *rows])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"X" * 32_767) == 1
    p.write_bytes(_rezip(data, {"xl/worksheets/sheet1.xml": sheet.replace(b"X" * 32_767, b"X" * 1_000_000)}))


@case("long-cell-unmapped", "long-cell-unmapped.csv")
def _long_cell_unmapped(p: Path) -> None:
    """One million characters in the applicant-name column, which cchc does not read."""
    rows = [list(r) for r in BASE_ROWS]
    rows[2][2] = PERSON + " " + "x" * 1_000_000
    write_csv(p, [BASE_HEADER, *rows])


@case("unclosed-quote", "unclosed-quote.csv")
def _unclosed_quote(p: Path) -> None:
    """A quote opened in the applicant-name cell of row 3 and never closed: a CSV reader
    takes the rest of the file as that one cell (dossiers H003–H006 would vanish)."""
    text = csv_text([BASE_HEADER, *BASE_ROWS[:1]])
    r = [str(v) for v in BASE_ROWS[1]]
    r[2] = '"' + r[2]
    text += ",".join(r) + "\r\n" + csv_text(BASE_ROWS[2:])
    p.write_bytes(text.encode("utf-8"))


@case("unclosed-quote-big", "unclosed-quote-big.csv")
def _unclosed_quote_big(p: Path) -> None:
    """The same in a file of 3,000 dossiers: the open cell outgrows the cell limit."""
    rows = [[i, f"B{i:05d}", PERSON, CCCD, PHONE, "UBND quận Cái Răng", "01/03/2023", "06/03/2023", "03/03/2023",
             "Đã trả kết quả", "Trực tuyến", "", "Có"] for i in range(1, 3001)]
    rows[9][2] = '"' + PERSON
    text = csv_text([BASE_HEADER, *rows[:9]]) + ",".join(str(v) for v in rows[9]) + "\r\n" + csv_text(rows[10:])
    p.write_bytes(text.encode("utf-8"))


@case("nul-bytes", "nul-bytes.csv")
def _nul(p: Path) -> None:
    """NUL bytes inside the id cell of row 4 (a file damaged in writing)."""
    data = base_csv().replace(b"H003", b"H0\x00\x003")
    p.write_bytes(data)


@case("nul-tail", "nul-tail.csv")
def _nul_tail(p: Path) -> None:
    """A file of 300 KB whose last 4 KB are NUL bytes (a copy cut by a power loss)."""
    rows = [[i, f"T{i:05d}", PERSON, CCCD, PHONE, "UBND quận Cái Răng", "01/03/2023", "06/03/2023", "03/03/2023",
             "Đã trả kết quả", "Trực tuyến", "", "Có"] for i in range(1, 2200)]
    data = csv_text([BASE_HEADER, *rows]).encode("utf-8")
    p.write_bytes(data + b"\x00" * 4096)


@case("mixed-encoding", "mixed-encoding.csv")
def _mixed(p: Path) -> None:
    """Rows 1–4 in UTF-8, rows 5–7 in Windows-1258: two exports pasted together."""
    head = csv_text([BASE_HEADER, *BASE_ROWS[:3]])
    tail = csv_text(BASE_ROWS[3:])
    p.write_bytes(head.encode("utf-8") + encode_cp1258(tail))


@case("mixed-encoding-late", "mixed-encoding-late.csv")
def _mixed_late(p: Path) -> None:
    """A Windows-1258 file of 400 KB with UTF-8 rows appended after the first 256 KB: the
    kind of mix that would be read as garbled letters without an error."""
    rows = [[i, f"M{i:05d}", PERSON, CCCD, PHONE, "UBND phường Lê Bình", "01/03/2023", "06/03/2023", "03/03/2023",
             "Đã trả kết quả", "Trực tuyến", "", "Có"] for i in range(1, 3001)]
    first = encode_cp1258(csv_text([BASE_HEADER, *rows[:2500]]))
    p.write_bytes(first + csv_text(rows[2500:]).encode("utf-8"))


# ------------------------------------------------------------------ headers


@case("duplicate-headers", "duplicate-headers.csv")
def _duplicate_headers(p: Path) -> None:
    """"Ngày tiếp nhận" twice: the second column holds other dates."""
    header = BASE_HEADER + ["Ngày tiếp nhận"]
    rows = [list(r) + ["15/02/2023"] for r in BASE_ROWS]
    write_csv(p, [header, *rows])


@case("two-header-rows", "two-header-rows.csv")
def _two_headers(p: Path) -> None:
    """Two rows that could each be the header: a short one of three recognisable labels
    (Số hồ sơ, Ngày nhận, Tình trạng) above the export's full header."""
    short = ["", "Số hồ sơ", "", "", "", "", "Ngày nhận", "", "", "Tình trạng", "", "", ""]
    write_csv(p, [["BÁO CÁO HỒ SƠ THÁNG 3/2023"], short, BASE_HEADER, *BASE_ROWS])


@case("code-row", "code-row.csv")
def _code_row(p: Path) -> None:
    """Under the header, a row of the system's field codes (not a dossier, not a header)."""
    codes = ["TT", "MA_HS", "", "", "", "DON_VI", "NGAY_NHAN", "NGAY_HEN", "NGAY_KQ", "TRANG_THAI", "KENH", "", ""]
    write_csv(p, [BASE_HEADER, codes, *BASE_ROWS])


@case("repeated-header", "repeated-header.csv")
def _repeated_header(p: Path) -> None:
    """Two exports pasted one after the other, the second with its header."""
    write_csv(p, [BASE_HEADER, *BASE_ROWS[:3], BASE_HEADER, *BASE_ROWS[3:]])


# ------------------------------------------------------------------ values


@case("dates-1900-2099", "dates-1900-2099.csv")
def _dates(p: Path) -> None:
    """H002 received in 1900 (a typo), H003 received in 2099, H005 finished in 2099."""
    rows = [list(r) for r in BASE_ROWS]
    rows[1][6] = "02/03/1900"
    rows[2][6] = "03/03/2099"
    rows[4][8] = "13/03/2099"
    write_csv(p, [BASE_HEADER, *rows])


@case("finished-before-received", "finished-before-received.csv")
def _finished_before(p: Path) -> None:
    """H002 finished on 20/02/2023, before it was received (02/03/2023)."""
    rows = [list(r) for r in BASE_ROWS]
    rows[1][8] = "20/02/2023 15:00"
    write_csv(p, [BASE_HEADER, *rows])


@case("negative-fee", "negative-fee.csv")
def _negative_fee(p: Path) -> None:
    """H001 has a fee of -50.000."""
    rows = [list(r) for r in BASE_ROWS]
    rows[0][11] = "-50.000"
    write_csv(p, [BASE_HEADER, *rows])


@case("subtotal", "subtotal.csv")
def _subtotal(p: Path) -> None:
    """A sub-total row per unit among the dossiers, and a grand total at the bottom."""
    cr = [r for r in BASE_ROWS if r[5] == "UBND quận Cái Răng"]
    lb = [r for r in BASE_ROWS if r[5] == "UBND phường Lê Bình"]
    sub = lambda unit, n, fee: ["", f"Cộng {unit}", "", "", "", "", str(n), "", "", "", "", fee, ""]  # noqa: E731
    write_csv(p, [BASE_HEADER, *cr, sub("UBND quận Cái Răng", 3, "50.000"), *lb, sub("UBND phường Lê Bình", 3, "20.000"),
                  ["", "Tổng cộng", "", "", "", "", "6", "", "", "", "", "70.000", ""]])


HOSTILE_UNITS = [
    '=HYPERLINK("http://example.invalid/x","UBND")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd",
    "\tUBND có tab",
    "UBND [bold red]đỏ[/] [/] <script>alert(1)</script> | *x* `y` # &amp; @admin ![i](http://example.invalid)",
    "UBND \x1b[31mESC\x1b[0m\x07 \x01",
    "＝1+1 UBND",
]


@case("hostile-text", "hostile-text.csv")
def _hostile_text(p: Path) -> None:
    """Unit and procedure names written to attack whatever opens the report: spreadsheet
    formulas, rich markup, HTML, Markdown, terminal escape sequences, control characters."""
    header = BASE_HEADER + ["Tên thủ tục", "Lĩnh vực"]
    rows = []
    for i, unit in enumerate(HOSTILE_UNITS, start=1):
        r = list(BASE_ROWS[i % len(BASE_ROWS)])
        r[0], r[1], r[5] = i, f"X{i:03d}", unit
        rows.append(r + ["=1+2 thủ tục", "-Lĩnh vực|x"])
    rows.append(["", "=2*3", PERSON, CCCD, PHONE, "UBND phường Lê Bình", "09/03/2023", "13/03/2023", "10/03/2023",
                 "Đã trả kết quả", "Trực tuyến", "", "Có", "@thủ tục", "Tư pháp"])
    write_csv(p, [header, *rows])


@case("bad-result-json", "ket-qua-hong.json")
def _bad_json(p: Path) -> None:
    """A "result of cchc compute" for `diff` whose entries are not results."""
    p.write_text('{"schema_version": 1, "tool": "cchc", "command": "compute", "group_by": [], '
                 '"results": [{"kpi": "online_rate"}, 7, null]}', encoding="utf-8")


@case("payroll", "bang-luong.xlsx")
def _payroll(p: Path) -> None:
    """Another kind of export entirely: a payroll sheet."""
    rows = [["BẢNG THANH TOÁN TIỀN LƯƠNG THÁNG 3/2023"], [],
            ["STT", "Họ tên", "Chức vụ", "Hệ số lương", "Lương cơ bản", "Phụ cấp", "Tổng cộng", "Ký nhận"],
            [1, PERSON, "Chuyên viên", 3.33, 5_994_000, 500_000, 6_494_000, ""],
            [2, "Trần Văn Lươngriêng", "Văn thư", 2.34, 4_212_000, 300_000, 4_512_000, ""],
            ["", "Tổng cộng", "", "", 10_206_000, 800_000, 11_006_000, ""]]
    p.write_bytes(base_xlsx(rows, sheet="Lương T3"))


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    out = Path(argv[0])
    patterns = argv[1:] or ["*"]
    for name in CASES:
        if any(fnmatch.fnmatch(name, pat) for pat in patterns):
            print(build(name, out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
