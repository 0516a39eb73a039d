"""Issue 12: the spreadsheet parser is untrusted code. Small workbooks that panicked, aborted
or ate gigabytes in python-calamine, each class with the test that covers it (SECURITY.md):
whatever a workbook holds, the outcome is exit 3 with a message naming the file — never a
traceback, an abort, exit 1 or 4.

- refused before parsing, from the file's own metadata (``limits.check_xlsx``/``check_xls``):
  declared shared-string counts, every spelling of a cell reference, ``<dimension>``, the
  cells of all sheets together, BIFF DIMENSIONS, record lengths, NAME records, the SST count,
  the memory a parse needs against the file's size; Parquet row counts from the footer;
- caught after: the parser runs in a child process (``reading.isolated``), whose death — a
  panic, an abort, the memory or time limit — is a DataError;
- fuzzed: seeded mutants of an .xlsx and an .xls (``CCHC_FUZZ_MUTANTS`` per format, 100 by
  default), every one read or refused cleanly; the crashers found are kept in
  ``tests/corpus/hostile/`` and replayed;
- bounded: peak memory under 1 GB for each bomb class, measured in a child process.
"""

from __future__ import annotations

import io
import os
import random
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hostile as h
from cchc_cli.cli import app
from cchc_cli.errors import DataError
from cchc_cli.reading import limits as lim
from cchc_cli.reading import read_table
from cchc_cli.reading.isolated import read_workbook
from cchc_cli.schema.models import DossierRecord

runner = CliRunner()
HOSTILE = Path(__file__).parent / "corpus" / "hostile"
GB = 1 << 30


def cli_refuses(path: Path, *extra: str, words: str = "") -> str:
    r = runner.invoke(app, ["compute", str(path), "--format", "json", *map(str, extra)])
    out = r.stdout + r.stderr
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"uncaught {type(r.exception).__name__}") from r.exception
    assert "Traceback" not in out, out
    assert r.exit_code == 3, (r.exit_code, out[-2000:])
    assert str(path) in r.stderr, r.stderr
    assert words in r.stderr, r.stderr
    return r.stderr


def write(tmp: Path, name: str, data: bytes) -> Path:
    p = tmp / name
    p.write_bytes(data)
    return p


# ------------------------------------------------------------------ the cases, by class

def _sst(count: str) -> bytes:
    return h.xlsx(shared_strings=h.sst(["a"], unique_count=count))


FAR = 'XFD1048576'
CASES: dict[str, tuple[str, bytes, str]] = {
    # name: (file name, bytes, words of the message)
    "sst-2^64-1": ("sst.xlsx", _sst("18446744073709551615"), "khai báo 18.446.744.073.709.551.615 chuỗi dùng chung"),
    "sst-2^63": ("sst.xlsx", _sst(str(2 ** 63)), "chuỗi dùng chung"),
    "sst-2^40": ("sst.xlsx", _sst(str(2 ** 40)), "chuỗi dùng chung"),
    "sst-2^28": ("sst.xlsx", _sst(str(2 ** 28)), "chuỗi dùng chung"),
    "sst-spaces": ("sst.xlsx", h.xlsx(shared_strings=h.sst(["a"]).replace(b'uniqueCount="1"',
                                                                         b"uniqueCount = ' 99999999999'")),
                   "chuỗi dùng chung"),
    "far-double": ("far.xlsx", h.xlsx([h.far_cell(b'r="XFD1048576"')]), "có ô ở tận XFD1048576"),
    "far-single-quotes": ("far.xlsx", h.xlsx([h.far_cell(b"r='XFD1048576'")]), "có ô ở tận XFD1048576"),
    "far-spaces": ("far.xlsx", h.xlsx([h.far_cell(b'r = "XFD1048576"')]), "có ô ở tận XFD1048576"),
    "far-tab-newline": ("far.xlsx", h.xlsx([h.far_cell(b'r\t=\n"XFD1048576"')]), "có ô ở tận XFD1048576"),
    "far-lower-case": ("far.xlsx", h.xlsx([h.far_cell(b'r="xfd1048576"')]), "có ô ở tận XFD1048576"),
    "far-11-digits": ("far.xlsx", h.xlsx([h.far_cell(b'r="XFD00001048576"')]), "có ô ở tận XFD1048576"),
    "far-12-digits": ("far.xlsx", h.xlsx([h.far_cell(b'r="A999999999999"')]), "có ô ở tận A999999999999"),
    "far-AZ2000000": ("far.xlsx", h.xlsx([h.far_cell(b"r='AZ2000000'")]), "có ô ở tận AZ2000000"),
    "far-not-first": ("far.xlsx", h.xlsx([h.far_cell(b's="0" r="XFD1048576"')]), "có ô ở tận XFD1048576"),
    "far-after-gt": ("far.xlsx", h.xlsx([h.far_cell(b's=">" r="XFD1048576"')]), "có ô ở tận XFD1048576"),
    "far-prefixed": ("far.xlsx", h.xlsx([h.sheet_xml(extra=b'<x:row xmlns:x="urn:x"><x:c r="XFD1048576"><x:v>1</x:v>'
                                                          b'</x:c></x:row>')]), "có ô ở tận XFD1048576"),
    "far-no-r": ("far.xlsx", h.xlsx([h.far_cell(b"", row_attr=b' r="1048576"')]), "có ô ở tận A1048576"),
    "far-rows-without-r": ("far.xlsx", h.xlsx([h.sheet_xml(extra=b"<row/>" * 300_000
                                                           + b'<row><c t="n"><v>1</v></c>' + b"<c/>" * 30 + b"</row>")]),
                           "gần như trống"),
    "far-z1900000": ("far.xlsx", h.xlsx([h.far_cell(b'r="Z1900000"')]), "gần như trống"),
    "dimension": ("dim.xlsx", h.xlsx([h.sheet_xml(dimension="A1:XFD1048576")]), "khai báo vùng dữ liệu"),
    "six-sheets": ("six.xlsx", h.xlsx([h.far_cell(b'r="H3000000"')] * 6), "có ô ở tận H3000000"),
    "xls-dimensions-4g": ("dim.xls", h.xls([h.biff_dimensions(0, 0xFFFFFFFF, 0, 8) + h.biff_cells()]),
                          "khai báo vùng dữ liệu không hợp lệ"),
    "xls-dimensions-inverted": ("dim.xls", h.xls([h.biff_dimensions(100, 5, 0, 8) + h.biff_cells()]),
                                "dòng 100 đến 5"),
    "xls-dimensions-columns": ("dim.xls", h.xls([h.biff_dimensions(0, 4, 0, 0xFFFF) + h.biff_cells()]),
                               "khai báo vùng dữ liệu không hợp lệ"),
    "xls-name-truncated": ("name.xls", h.xls(globals_extra=h.biff_name(b"\x00\x00\x00\x05")), "bản ghi hỏng"),
    "xls-name-short": ("name.xls", h.xls(globals_extra=h.biff_name(struct.pack("<HBBHHHBBBB", 0, 0, 10, 0, 0, 0, 0, 0, 0, 0))),
                       "bản ghi hỏng"),
    "xls-record-length": ("len.xls", h.xls(globals_extra=struct.pack("<HH", 0x00E1, 0xFFFF) + b"\x00" * 0xFFFF),
                          "quá độ dài tối đa"),
    "xls-cell-far": ("far.xls", h.xls([h.biff_dimensions(0, 4, 0, 8) + h.biff_cells() + h.biff_number(65535, 255, 1.0)]),
                     "gần như trống"),
    "xls-cell-far-column": ("far.xls", h.xls([h.biff_dimensions(0, 4, 0, 8) + h.biff_cells()
                                              + h.biff_number(3000, 65535, 1.0)]), "có ô ở tận"),
    "xls-sst-count": ("sst.xls", h.xls(globals_extra=h.biff(0x00FC, struct.pack("<II", 5, 0x7FFFFFFF))),
                      "chuỗi dùng chung"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_workbook_is_refused_before_parsing(tmp_path, name):
    filename, data, words = CASES[name]
    path = write(tmp_path, filename, data)
    with pytest.raises(DataError) as e:
        lim.inspect_workbook(path)
    assert e.value.exit_code == 3 and str(path) in e.value.message
    cli_refuses(path, words=words)


def test_the_cells_of_all_sheets_count_together(tmp_path):
    """Six sheets of 2,000 cells each: each within --max-cells 10000, together over it."""
    rows = [h.HEADER] + [h.ROWS[0]] * 249
    path = write(tmp_path, "six.xlsx", h.xlsx([h.sheet_xml(h.sheet_rows(rows))] * 6))
    cli_refuses(path, "--max-cells", "10000", words="6 trang tính cộng lại trải ra 12.000 ô")
    r = runner.invoke(app, ["compute", str(path), "--format", "json", "--max-cells", "12000"])
    assert r.exit_code == 0, r.stderr


def test_memory_bomb_of_tiny_cells_is_refused_by_its_estimate(tmp_path):
    """Many small cells that compress well: the parse would need far more memory than the
    file's size times --max-xlsx-ratio. (The floor below which any file may use memory is
    lowered so that the file stays small; the rule is the same.)"""
    rnd = random.Random(12)
    cells = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d" t="s"><v>%d</v></c>' % (c, r, rnd.randrange(4))
                                                   for c in (b"A", b"B", b"C", b"D", b"E", b"F", b"G", b"H"))
                     + b"</row>" for r in range(1, 40_001))
    path = write(tmp_path, "tiny.xlsx", h.xlsx([h.sheet_xml(cells)], shared_strings=h.sst(["a", "b", "c", "d"])))
    shape = lim.check_xlsx(path)
    assert shape.cells == 320_000 and shape.extent == 320_000
    with lim.using(lim.Limits(memory_floor_mb=16)), pytest.raises(DataError) as e:
        read_table(path, DossierRecord)
    assert e.value.code == "xlsx_memory_bomb" and "--max-xlsx-ratio" in str(e.value)
    with lim.using(lim.Limits(memory_floor_mb=16, max_ratio=10_000)), pytest.raises(DataError) as e:
        read_table(path, DossierRecord)  # read: no dossier header in it
    assert "tiêu đề" in e.value.message


def test_a_stray_far_cell_within_the_limits_is_still_read(tmp_path):
    """A note typed at Z50000 of a small sheet: 1.3 million cells of layout, read."""
    path = write(tmp_path, "z.xlsx", h.xlsx([h.far_cell(b'r="Z50000"')]))
    r = runner.invoke(app, ["compute", str(path), "--format", "json"])
    assert r.exit_code == 0, r.stderr


def test_spellings_of_ordinary_cells_are_read_the_same(tmp_path):
    """The slow, exact scan (any spelling) and the fast one agree on a sound workbook, and
    both read it."""
    plain = h.sheet_rows()
    odd = re.sub(rb'r="([A-Z]+)([0-9]+)"', rb"r = '\1\2'", plain).lower().replace(b"inlinestr", b"inlineStr")
    for rows in (plain, odd):
        path = write(tmp_path, "ok.xlsx", h.xlsx([h.sheet_xml(rows)]))
        shape = lim.check_xlsx(path)
        assert (shape.sheets[0].rows, shape.sheets[0].cols, shape.cells) == (4, 8, 32)
        t = read_table(path, DossierRecord)
        assert len(t.frame) == 3 and list(t.rows) == [2, 3, 4]


@pytest.mark.parametrize("container", ["sectors", "mini-stream"])
def test_xls_is_read_through_the_child(tmp_path, container):
    """A BIFF8 workbook whose stream lives in ordinary sectors or, under 4096 bytes, in the
    OLE2 mini stream: inspected (the same extent calamine lays out) and read."""
    wrap = h.ole2 if container == "sectors" else h.ole2_mini
    path = write(tmp_path, "ok.xls", wrap(h.xls_stream()))
    shape = lim.check_xls(path)
    assert [(s.rows, s.cols, s.cells) for s in shape.sheets] == [(4, 8, 32)]
    t = read_table(path, DossierRecord)
    assert len(t.frame) == 3 and list(t.rows) == [2, 3, 4]
    far = write(tmp_path, "far.xls", wrap(h.xls_stream([h.biff_dimensions(0, 4, 0, 8) + h.biff_cells()
                                                        + h.biff_number(65535, 255, 1.0)])))
    cli_refuses(far, words="gần như trống")


# ------------------------------------------------------------------ the child: its death is a DataError

@pytest.mark.parametrize("name,code", [
    ("sst-2^64-1", "xlsx_parser_panic"),  # pyo3 PanicException (a BaseException) in the child
    ("sst-2^40", "xlsx_parser_memory"),  # calamine aborts: "memory allocation of … failed", SIGABRT
    ("far-single-quotes", "xlsx_parser_memory"),  # the dense range of 17 billion cells: SIGABRT
    ("xls-dimensions-inverted", None),  # abort (or refusal) inside calamine's BIFF reader
    ("xls-name-truncated", "xlsx_parser_panic"),
])
def test_the_parser_crashing_in_its_child_is_a_data_error(tmp_path, name, code):
    """The checks before parsing bypassed: what is left is the child process, whose death
    becomes a DataError naming the file."""
    filename, data, _ = CASES[name]
    path = write(tmp_path, filename, data)
    with pytest.raises(DataError) as e:
        read_workbook(path, lim.Limits().parse_memory_mb * (1 << 20), 60)
    assert e.value.exit_code == 3 and str(path) in e.value.message
    if code:
        assert e.value.code == code, (e.value.code, e.value.message)
    else:
        assert e.value.code.startswith(("xlsx_parser", "xlsx_broken")), e.value.code


def test_the_parser_running_too_long_is_stopped(tmp_path):
    path = write(tmp_path, "ok.xlsx", h.xlsx())
    with pytest.raises(DataError) as e:
        read_workbook(path, GB, 0.001)
    assert e.value.code == "xlsx_parser_timeout" and str(path) in e.value.message


def test_the_child_keeps_cell_types_and_layout(tmp_path):
    """Grids from the child equal python-calamine's own ``to_python(skip_empty_area=False)``:
    rows and columns from A1, dates as dates, numbers as numbers, merged ranges."""
    import python_calamine as cal

    from builders import write_xlsx
    import datetime as dt

    rows = [["", "", ""], ["", "Mã hồ sơ", "Ngày tiếp nhận"], ["", "H1", dt.datetime(2023, 3, 1, 8, 30)],
            ["", "H2", dt.date(2023, 3, 2)], ["", 3.5, True]]
    path = write_xlsx(tmp_path / "t.xlsx", rows, merges=["B1:C1"])
    wb = read_workbook(path, GB, 60)
    ref = cal.CalamineWorkbook.from_path(str(path))
    for n in ref.sheet_names:
        ws = ref.get_sheet_by_name(n)
        assert wb.grids[n] == ws.to_python(skip_empty_area=False)
        assert wb.merged[n] == ws.merged_cell_ranges


# ------------------------------------------------------------------ Parquet: what the footer says

def _parquet(path: Path, columns: dict, names=None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(list(columns.values()), names=names or list(columns))
    pq.write_table(table, path, compression="zstd")
    return path


def test_parquet_rows_are_refused_from_the_footer(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 3_000_000
    path = _parquet(tmp_path / "many.parquet", {"Mã hồ sơ": pa.repeat(pa.scalar("H1"), n),
                                                "Ngày tiếp nhận": pa.repeat(pa.scalar("01/03/2023"), n)})
    assert path.stat().st_size < 200_000

    def no_read(*a, **k):  # pragma: no cover - the point: never called
        raise AssertionError("data read before the row count was checked")

    monkeypatch.setattr(pq.ParquetFile, "read", no_read)
    stderr = cli_refuses(path, words="bảng có 3.000.000 dòng dữ liệu, vượt giới hạn 2.000.000 dòng")
    assert "--max-rows 3000000" in stderr


def test_parquet_with_two_columns_of_one_name_is_a_data_error(tmp_path):
    import pyarrow as pa

    path = _parquet(tmp_path / "dup.parquet", {"a": pa.array(["H1", "H2"]), "b": pa.array(["01/03/2023"] * 2),
                                                "c": pa.array(["x", "y"])},
                    names=["Mã hồ sơ", "Ngày tiếp nhận", "Mã hồ sơ"])
    cli_refuses(path, words="nhiều cột cùng tên ('Mã hồ sơ')")


# ------------------------------------------------------------------ fuzzing .xls and .xlsx

MUTANTS = int(os.environ.get("CCHC_FUZZ_MUTANTS", "100"))
SEED = int(os.environ.get("CCHC_FUZZ_SEED", "12"))
_NUMS = [b"0", b"1", b"65535", b"65536", b"1048576", b"1048577", b"4294967295", b"4294967296",
         b"18446744073709551615", b"99999999999999999999", b"-1", b"XFD", b"ZZZZ", b"\x00", b"1e308"]


def _mutate(data: bytes, rnd: random.Random, ops: int, numeric: bool) -> bytes:
    b = bytearray(data)
    for _ in range(ops):
        n = len(b)
        if not n:
            break
        at = rnd.randrange(n)
        op = rnd.randrange(7 if numeric else 5)
        if op == 0:
            b[at] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[at] = rnd.randrange(256)
        elif op == 2:
            b[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
        elif op == 3:
            del b[at:at + rnd.randint(1, 32)]
        elif op == 4:  # a 16- or 32-bit field set to an extreme (BIFF lengths, rows, columns, counts)
            width = rnd.choice((2, 4))
            if at + width <= n:
                b[at:at + width] = rnd.choice((b"\xff" * width, b"\x00" * width, b"\x7f" + b"\xff" * (width - 1),
                                               (rnd.randrange(1 << (8 * width))).to_bytes(width, "little")))
        else:  # XML: a number (a reference's row, a count, an index) replaced by an extreme one
            digits = [i for i in range(max(0, at - 200), min(n, at + 200)) if 48 <= b[i] <= 57]
            if digits:
                i = rnd.choice(digits)
                j = i
                while j < n and 48 <= b[j] <= 57:
                    j += 1
                b[i:j] = rnd.choice(_NUMS)
    return bytes(b)


def _rezip(base: bytes, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit(info.filename, src.read(info.filename)))
    return out.getvalue()


XLSX_BASE = h.xlsx(shared_strings=h.sst(["Mã hồ sơ", "Ngày tiếp nhận", "H001", "UBND quận Cái Răng"]),
                   sheets=[h.sheet_xml(dimension="A1:H4")])
XLS_BASE = h.xls()


def xlsx_mutant(rnd: random.Random) -> bytes:
    target = rnd.choice(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "*"])
    if target == "*":  # the zip itself
        return _mutate(XLSX_BASE, rnd, rnd.randint(1, 3), numeric=False)
    return _rezip(XLSX_BASE, lambda name, data: _mutate(data, rnd, rnd.randint(1, 4), numeric=True)
                  if name == target else data)


def xls_mutant(rnd: random.Random) -> bytes:
    stream = h.xls_stream()
    if rnd.random() < 0.15:  # the container
        return _mutate(XLS_BASE, rnd, rnd.randint(1, 3), numeric=False)
    return h.ole2(_mutate(stream, rnd, rnd.randint(1, 4), numeric=False))


def outcome(path: Path) -> str:
    """"read", or the DataError's code; anything else fails the test."""
    try:
        read_table(path, DossierRecord)
        return "read"
    except DataError as e:
        assert e.exit_code == 3 and str(path) in e.message, e.message
        return e.code


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_fuzzed_workbooks_are_read_or_refused_cleanly(tmp_path, fmt):
    rnd = random.Random(f"{SEED}-{fmt}")
    make = xlsx_mutant if fmt == "xlsx" else xls_mutant
    seen: dict[str, int] = {}
    for i in range(MUTANTS):
        data = make(rnd)
        path = write(tmp_path, f"m{i}.{fmt}", data)
        try:
            code = outcome(path)
        except BaseException as e:  # keep the crasher for a regression case
            keep = tmp_path.parent / f"crasher-{fmt}-{SEED}-{i}.{fmt}"
            keep.write_bytes(data)
            raise AssertionError(f"mutant {i} ({keep}): {type(e).__name__}: {e}") from e
        seen[code] = seen.get(code, 0) + 1
    assert sum(seen.values()) == MUTANTS
    assert len(seen) > 1, seen  # the mutants reach more than one outcome


def _corpus():
    return sorted(p for p in HOSTILE.glob("*") if p.suffix in (".xls", ".xlsx")) if HOSTILE.exists() else []


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_kept_crashers_are_refused_cleanly(path):
    """Mutants that crashed python-calamine (a panic or an abort) while fuzzing: each is now a
    clean exit 3 naming the file."""
    cli_refuses(path)


# ------------------------------------------------------------------ peak memory of each bomb class

_MEASURE = r"""
import resource, subprocess, sys
r = subprocess.run([sys.executable, "-m", "cchc_cli", "compute", sys.argv[1], "--format", "json"],
                   capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB: cchc or its parser child, the larger
print(r.returncode, peak)
sys.stderr.write(r.stderr)
"""

BOMBS = ["sst-2^40", "far-single-quotes", "far-lower-case", "far-11-digits", "far-AZ2000000", "far-no-r",
         "far-z1900000", "six-sheets", "dimension", "xls-dimensions-4g", "xls-dimensions-inverted",
         "xls-name-truncated", "xls-cell-far"]


def test_peak_memory_of_each_bomb_class_stays_under_a_gigabyte(tmp_path):
    """Each bomb through the real command line in a child process: exit 3, and the largest
    process of the tree (cchc, or its parser child) peaks under 1 GB — a safety bound, not a
    timing. The Parquet bomb is 3 million rows of one value in 60 KB."""
    import pyarrow as pa

    paths = [write(tmp_path, f"{name}-{CASES[name][0]}", CASES[name][1]) for name in BOMBS]
    paths.append(_parquet(tmp_path / "rows.parquet", {"Mã hồ sơ": pa.repeat(pa.scalar("H1"), 3_000_000),
                                                      "Ngày tiếp nhận": pa.repeat(pa.scalar("01/03/2023"), 3_000_000)}))
    for path in paths:
        r = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True,
                           timeout=300, cwd=Path(__file__).parent.parent)
        code, peak_kb = map(int, r.stdout.split())
        assert code == 3, (path.name, r.stderr[-1000:])
        assert str(path) in r.stderr
        assert peak_kb * 1024 < GB, (path.name, peak_kb)


# ------------------------------------------------------------------ the messages, in both languages

def test_errors_are_worded_in_both_languages_with_their_numbers(tmp_path):
    filename, data, _ = CASES["far-double"]
    path = write(tmp_path, filename, data)
    with pytest.raises(DataError) as e:
        lim.inspect_workbook(path)
    vi, en = e.value.text("vi"), e.value.text("en")
    assert "1.048.576 dòng × 16.384 cột" in vi and "1,048,576 rows × 16,384 columns" in en
    assert str(path) in vi and str(path) in en
    assert "--max-cells 17179869184" in e.value.hint_text("en")
    r = runner.invoke(app, ["compute", str(path), "--lang", "en"])
    assert r.exit_code == 3 and r.stderr.startswith("Error: ") and "What to do: " in r.stderr, r.stderr


def test_the_catalogue_block_of_these_errors_is_complete_in_both_languages():
    """The ``# --- errors (spreadsheets, parquet, limits) ---`` block: the same keys in vi.py
    and en.py, in the same order, with the same placeholders."""
    import string

    from cchc_cli.i18n import en, vi

    def block(module):
        text = Path(module.__file__).read_text(encoding="utf-8")
        body = text.split("# --- errors (spreadsheets, parquet, limits) ---", 1)[1]
        body = re.split(r"\n\s*# ---|\n}", body, maxsplit=1)[0]  # up to the next block or the end
        return re.findall(r"^\s+'(error\.[^']+)':", body, flags=re.M)

    keys_vi, keys_en = block(vi), block(en)
    assert keys_vi == keys_en and len(keys_vi) > 50
    for k in keys_vi:
        fields = [{f for _, f, _, _ in string.Formatter().parse(m.MESSAGES[k]) if f} for m in (vi, en)]
        assert fields[0] == fields[1], k
