"""The corpus of hostile and broken inputs (tests/corpus/generate.py), each through the real
command line, with the outcome decided for it (docs/decisions.md, "Hostile and broken
inputs"): the exit code, the message (the file named, what to do), which rows were counted
and which rejected — and, for every case, no traceback and no personal value in any output.

The files are generated once per session into a temporary folder; nothing binary is
committed."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_cli.cli import app

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
import generate as corpus  # noqa: E402

runner = CliRunner()
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@pytest.fixture
def case(corpus_dir):
    return lambda name: corpus.build(name, corpus_dir)


def cli(*args):
    r = runner.invoke(app, [str(a) for a in args])
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out
    assert r.exit_code != 4, out
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    for s in corpus.SENTINELS:  # personal values never reach an output, error or not
        assert s not in out, (s, out[:2000])
    return r


def compute_json(path, *extra):
    r = cli("compute", path, "--period", "2023-03", "--format", "json", *extra)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    for i in doc["inputs"]:  # every input reconciles
        assert i["rows"] == i["used"] + i["rejected"] + i["duplicates"], i
    return doc


def validate_json(path, *extra):
    r = cli("validate", path, "--format", "json", *extra)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def overall(doc, kpi):
    return next(r for r in doc["results"] if r["kpi"] == kpi and r["group"] == {})


# ------------------------------------------------------------------ refused files: exit 3, named, what to do

REFUSED = {
    # case: (words in the message, words in the hint)
    "empty": ("tệp rỗng", "Kiểm tra lại tệp xuất"),
    "empty-xlsx": ("tệp rỗng", "Xuất lại tệp"),
    "binary": ("không phải tệp CSV văn bản", "ảnh PNG"),
    "binary-noise": ("tệp nhị phân", "Xuất lại dữ liệu"),
    "xlsx-as-csv": ("không phải tệp CSV văn bản", "đổi đuôi thành .xlsx"),
    "truncated-xlsx": ("bị cắt cụt hoặc hỏng", "tải hoặc xuất lại"),
    "password-xlsx": ("có mật khẩu", "bỏ mật khẩu"),
    "bomb-huge": ("khai báo giải nén ra 1.100 MB, vượt giới hạn 1.024 MB", "--max-xlsx-mb 1101"),
    "bomb-ratio": ("nén 1.005 lần", "--max-xlsx-ratio 1006"),
    "bomb-lying": ("giải nén ra nhiều hơn kích thước nó khai báo", "xuất lại"),
    "far-cell": ("có ô ở tận XFD1048576: bảng tính trải ra 1.048.576 dòng × 16.384 cột", "Ctrl+End"),
    "long-cell": ("ô ở dòng 4, cột 'Đơn vị tiếp nhận' dài 1.000.012 ký tự, vượt giới hạn 32.767", "--max-cell-chars 1000012"),
    "long-cell-xlsx": ("ô ở dòng 4, cột 'Đơn vị tiếp nhận' dài 1.000.000 ký tự", "--max-cell-chars 1000000"),
    "unclosed-quote-big": ("có ô dài hơn 32.767 ký tự", "dấu ngoặc kép"),
    "nul-bytes": ("byte NUL (\\0) ở dòng 4", "Xuất lại tệp"),
    "nul-tail": ("ô ở dòng 2.201, cột 'STT' có ký tự NUL", "Xuất lại tệp"),
    "mixed-encoding": ("đổi bảng mã giữa chừng: dòng 1 là UTF-8, dòng 5 không phải UTF-8", "CSV UTF-8"),
    "mixed-encoding-late": ("đổi bảng mã giữa chừng: dòng 2.502 là UTF-8", "CSV UTF-8"),
    "payroll": ("không tìm thấy dòng tiêu đề của bảng trong các trang tính (Lương T3)", "'Mã hồ sơ', 'Ngày tiếp nhận'"),
}


@pytest.mark.parametrize("command", ["compute", "validate"])
@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_with_a_message_that_names_the_file_and_says_what_to_do(case, name, command):
    path = case(name)
    words, hint = REFUSED[name]
    start = time.perf_counter()
    r = cli(command, path, "--format", "json")
    assert r.exit_code == 3, r.stderr
    assert r.stdout == ""
    assert r.stderr.startswith(f"Lỗi: {path}: "), r.stderr
    assert words in r.stderr, r.stderr
    assert "Cách xử lý: " in r.stderr and hint in r.stderr.split("Cách xử lý: ", 1)[1], r.stderr
    assert time.perf_counter() - start < 10  # refused before anything is expanded or read in full


def test_header_only_counts_nothing_and_is_said(case, tmp_path):
    path = case("header-only")
    r = cli("compute", path, "--period", "2023-03")
    assert r.exit_code == 3
    assert f"Không có dòng dữ liệu nào dùng được trong các tệp đầu vào ({path})" in r.stderr
    assert "cchc validate" in r.stderr
    # beside a good export: zero rows, reconciled, and the note says why
    good = corpus.build("negative-fee", tmp_path)
    doc = compute_json(path, good)
    assert doc["inputs"][0] == {"path": str(path), "kind": "dossiers", "rows": 0, "used": 0, "rejected": 0, "duplicates": 0}
    v = validate_json(path, good)
    assert "không có dòng dữ liệu nào dưới tiêu đề" in v["inputs"][0]["notes"]


# ------------------------------------------------------------------ limits are options: raised, the file reads


def test_bomb_ratio_is_refused_by_size_when_the_limit_is_lowered_and_read_when_raised(case):
    path = case("bomb-ratio")
    r = cli("compute", path, "--max-xlsx-mb", "16")
    assert r.exit_code == 3
    assert "khai báo giải nén ra 32 MB, vượt giới hạn 16 MB" in r.stderr and "--max-xlsx-mb 33" in r.stderr
    # the unused 32 MiB string is harmless once the user vouches for the file
    doc = compute_json(path, "--max-xlsx-ratio", "2000")
    assert doc["inputs"][0]["rows"] == 6 and doc["inputs"][0]["used"] == 6


def test_bomb_huge_is_a_real_member_of_more_than_a_gigabyte(case):
    import zipfile

    path = case("bomb-huge")
    assert path.stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/sharedStrings.xml")
        assert info.file_size > 1024 ** 3
        with z.open(info) as fh:  # it really expands: the first 8 MiB are there
            head = fh.read(8 << 20)
    assert len(head) == 8 << 20 and head.endswith(b"A" * 1000)


def test_far_cell_within_the_limit_is_read(case, tmp_path):
    """A cell at Z50000 (1.3 million cells from A1) is within the default limit: read,
    with its blank rows skipped; lowering --max-cells refuses it before calamine runs."""
    import io
    import zipfile

    data = corpus.base_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    far = b'<row r="50000"><c r="Z50000" t="inlineStr"><is><t>ghi chu</t></is></c></row></sheetData>'
    path = tmp_path / "z50000.xlsx"
    path.write_bytes(corpus._rezip(data, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", far)}))
    doc = compute_json(path)
    assert doc["inputs"][0]["used"] == 6
    r = cli("compute", path, "--max-cells", "1000000")
    assert r.exit_code == 3 and "có ô ở tận Z50000" in r.stderr and "--max-cells 1300000" in r.stderr


def test_long_cell_is_read_when_the_limit_is_raised_and_then_flagged_as_too_long(case):
    path = case("long-cell")
    doc = compute_json(path, "--max-cell-chars", "2000000")
    assert doc["inputs"][0] == {"path": str(path), "kind": "dossiers", "rows": 6, "used": 6, "rejected": 0, "duplicates": 0}
    v = validate_json(path, "--max-cell-chars", "2000000")
    (p,) = [p for p in v["problems"] if p["column"] == "Đơn vị tiếp nhận"]
    assert p["code"] == "too_long" and p["rows"] == [4] and len(p["examples"][0]["value"]) <= 60


def test_a_long_cell_in_a_column_cchc_does_not_read_is_not_read(case):
    path = case("long-cell-unmapped")
    doc = compute_json(path)
    assert doc["inputs"][0]["rows"] == 6 and doc["inputs"][0]["used"] == 6


def test_max_rows(case):
    path = case("negative-fee")
    r = cli("compute", path, "--max-rows", "5")
    assert r.exit_code == 3
    assert f"{path}: bảng có 6 dòng dữ liệu, vượt giới hạn 5 dòng." in r.stderr and "--max-rows 6" in r.stderr
    assert compute_json(path, "--max-rows", "6")["inputs"][0]["used"] == 6


def test_max_file_mb(case):
    path = case("long-cell-unmapped")  # about 1 MB
    r = cli("validate", path, "--max-file-mb", "0.5")
    assert r.exit_code == 3
    assert f"{path}: tệp lớn 1,0 MB, vượt giới hạn 0,5 MB" in r.stderr and "--max-file-mb 1" in r.stderr


@pytest.mark.parametrize("value", ["0", "-1", "nan", "abc"])
def test_a_limit_that_is_not_a_positive_number_is_a_usage_error(case, value):
    r = cli("compute", case("negative-fee"), "--max-rows" if value == "abc" else "--max-xlsx-mb", value)
    assert r.exit_code == 2


# ------------------------------------------------------------------ read, with what was wrong said


def test_unclosed_quote_is_refused_naming_the_line(case):
    path = case("unclosed-quote")
    r = cli("compute", path, "--period", "2023-03")
    assert r.exit_code == 3
    assert "dấu ngoặc kép" in r.stderr and "dòng 3" in r.stderr


def test_duplicate_headers_use_the_first_column_and_say_so(case):
    path = case("duplicate-headers")
    doc = compute_json(path)
    assert doc["inputs"][0]["used"] == 6
    assert overall(doc, "on_time_rate")["denominator"] == 4  # the March dates of column G, not February's of N
    v = validate_json(path)
    assert "cột 'Ngày tiếp nhận' có nhiều lần (cột G, N): dùng cột G" in v["inputs"][0]["notes"]
    cols = json.loads(cli("columns", path, "--format", "json").stdout)
    assert [c["field"] for c in cols["columns"] if c["header"] == "Ngày tiếp nhận"] == ["received_at", None]


def test_two_candidate_header_rows_the_fuller_one_wins(case):
    path = case("two-header-rows")
    v = validate_json(path)
    assert v["inputs"][0]["header_row"] == 3
    assert (v["inputs"][0]["rows"], v["inputs"][0]["used"]) == (6, 6)
    assert v["problems"] == []


def test_a_row_of_field_codes_under_the_header_is_a_rejected_row_with_its_reason(case):
    path = case("code-row")
    v = validate_json(path)
    assert (v["inputs"][0]["rows"], v["inputs"][0]["used"], v["inputs"][0]["rejected"]) == (7, 6, 1)
    (p,) = [p for p in v["problems"] if p["rejects"]]
    assert p["column"] == "Ngày tiếp nhận" and p["rows"] == [2]


def test_a_repeated_header_is_dropped_like_a_totals_row_and_reported(case):
    path = case("repeated-header")
    doc = compute_json(path)
    assert doc["inputs"][0] == {"path": str(path), "kind": "dossiers", "rows": 6, "used": 6, "rejected": 0, "duplicates": 0}
    v = validate_json(path)
    assert "1 dòng lặp lại tiêu đề bỏ qua (dòng 5)" in v["inputs"][0]["notes"]
    assert v["problems"] == []


def test_dates_of_1900_are_rejected_and_2099_outside_the_period(case):
    path = case("dates-1900-2099")
    doc = compute_json(path)
    # H002 received in 1900 (out of range) and H003 received in 2099 (after the day of the
    # run) are rejected; H005's finish "in 2099" is unknown, so it stays resolved (its
    # status says so) with unknown timing
    assert doc["inputs"][0] == {"path": str(path), "kind": "dossiers", "rows": 6, "used": 4, "rejected": 2, "duplicates": 0}
    counts = next(c for c in doc["counts"] if c["group"] == {})
    assert counts["new"] == 4
    assert counts["pending"] == 2 and counts["resolved"] == 2 and counts["resolved_no_due"] == 1  # H004, H006 / H001, H005
    v = validate_json(path)
    p = next(p for p in v["problems"] if p["code"] == "date_out_of_range")
    assert (p["column"], p["code"], p["rows"], p["rejects"]) == ("Ngày tiếp nhận", "date_out_of_range", [3], True)
    assert p["examples"] == [{"row": 3, "value": "02/03/1900"}]


def test_dates_in_the_future_are_flagged(case):
    v = validate_json(case("dates-1900-2099"))
    codes = {(p["column"], p["code"]) for p in v["problems"]}
    assert ("Ngày tiếp nhận", "future_date") in codes and ("Ngày có kết quả", "future_date") in codes


def test_finished_before_received_is_a_problem_and_leaves_the_timing_kpis(case):
    path = case("finished-before-received")
    v = validate_json(path)
    assert any(p["code"] == "finished_before_received" and p["rows"] == [3] for p in v["problems"])
    doc = compute_json(path)
    assert overall(doc, "on_time_rate")["excluded"] == 1


def test_a_broken_json_result_given_to_diff_is_a_data_error(case):
    path = case("bad-result-json")
    r = runner.invoke(app, ["diff", str(path), str(path)])
    assert r.exit_code == 3 and str(path) in r.stderr


def test_negative_fee_is_a_problem_and_only_leaves_the_payment_kpi(case):
    path = case("negative-fee")
    doc = compute_json(path)
    assert doc["inputs"][0]["used"] == 6  # not rejected
    v = validate_json(path)
    (p,) = v["problems"]
    assert (p["column"], p["code"], p["rows"], p["rejects"]) == ("Phí, lệ phí", "negative", [2], False)
    assert p["examples"] == [{"row": 2, "value": "-50.000"}]


def test_subtotal_rows_are_not_dossiers(case):
    path = case("subtotal")
    doc = compute_json(path)
    assert doc["inputs"][0] == {"path": str(path), "kind": "dossiers", "rows": 6, "used": 6, "rejected": 0, "duplicates": 0}
    counts = next(c for c in doc["counts"] if c["group"] == {})
    assert counts["new"] == 6
    v = validate_json(path)
    assert v["inputs"][0]["totals_rows"] == [5, 9, 10]
    assert v["problems"] == []


# ------------------------------------------------------------------ hostile text reaching the outputs


def _cells_csv(text: str):
    return [row for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]


def _assert_no_formula(cell: str):
    assert not (cell and (cell[0] in FORMULA_START or cell.lstrip(" ")[:1] in FORMULA_START)) or \
        cell.replace(".", "", 1).replace("-", "", 1).isdigit(), repr(cell)


def _assert_safe_xlsx(path: Path):
    import openpyxl

    wb = openpyxl.load_workbook(path)
    numbers = 0
    for ws in wb.worksheets:
        assert not ws.title.startswith("'") and not ws.title.endswith("'")
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    _assert_no_formula(c.value)
                    assert "\x1b" not in c.value
                elif isinstance(c.value, (int, float)):
                    numbers += 1
    assert numbers > 0  # numbers stay numbers


def test_hostile_text_in_every_output(case, tmp_path):
    path = case("hostile-text")
    # CSV: nothing a spreadsheet would run; numbers unquoted numbers
    r = cli("compute", path, "--period", "2023-03", "--by", "unit,procedure,field", "--format", "csv")
    assert r.exit_code == 0
    rows = _cells_csv(r.stdout)
    for row in rows:
        for cell in row:
            _assert_no_formula(cell)
    units = {row[0] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://example.invalid/x\",\"UBND\")" in units and "'@SUM(1+1)*cmd" in units
    assert all(row[5].isdigit() and row[6].isdigit() for row in rows[1:])  # numerator, denominator
    # XLSX of compute, validate, check-targets and diff
    for args in (["compute", path, "--period", "2023-03", "--by", "unit,procedure"],
                 ["validate", path],
                 ["check-targets", path, "--period", "2023-03", "--preset", "cantho-2023"],
                 ["diff", path, corpus.build("negative-fee", tmp_path), "--period", "2023-03"]):
        out = tmp_path / f"{args[0]}.xlsx"
        r = cli(*args, "--output", out)
        assert r.exit_code in (0, 1), r.stderr
        _assert_safe_xlsx(out)
    # CSV of check-targets and diff
    for args in (["check-targets", path, "--period", "2023-03", "--preset", "cantho-2023", "--format", "csv"],
                 ["diff", path, corpus.build("negative-fee", tmp_path), "--period", "2023-03", "--format", "csv"]):
        r = cli(*args)
        for row in _cells_csv(r.stdout):
            for cell in row:
                _assert_no_formula(cell)
    # Markdown: every table row keeps its columns, no raw HTML, no escape sequence
    r = cli("compute", path, "--period", "2023-03", "--by", "unit", "--format", "markdown")
    assert "<script>" not in r.stdout and "\x1b" not in r.stdout and "\\<script\\>" in r.stdout
    for table in r.stdout.split("### ")[1:]:
        lines = [ln for ln in table.splitlines() if ln.startswith("|")]
        widths = {len(_unescaped_pipes(ln)) for ln in lines}
        assert len(widths) == 1, table
    # rich tables: markup printed as text, never interpreted, never crashing
    r = cli("compute", path, "--period", "2023-03", "--by", "unit")
    assert "[bold red]đỏ[/] [/]" in r.stdout and "\x1b" not in r.stdout and "\x07" not in r.stdout
    # JUnit parses, GitHub annotations stay one line each
    r = cli("check-targets", path, "--period", "2023-03", "--preset", "cantho-2023", "--format", "junit")
    suite = ET.fromstring(r.stdout.encode("utf-8"))
    assert len(suite.findall(".//testcase")) > 0
    assert any("<script>" in (tc.get("name") or "") for tc in suite.iter("testcase"))  # kept, as escaped XML
    r = cli("check-targets", path, "--period", "2023-03", "--preset", "cantho-2023", "--format", "github")
    assert all(ln.startswith("::") for ln in r.stdout.splitlines()) and "\x1b" not in r.stdout
    # JSON keeps the text exactly (it is data), control characters escaped
    doc = compute_json(path, "--by", "unit")
    assert "UBND \x1b[31mESC\x1b[0m\x07 \x01" in {r["group"]["unit"] for r in doc["results"] if r["group"]}
    assert "\x1b" not in cli("compute", path, "--period", "2023-03", "--format", "json").stdout


def _unescaped_pipes(line: str) -> list[int]:
    out, i = [], 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == "|":
            out.append(i)
        i += 1
    return out


def test_corpus_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    names = [n for n in corpus.CASES if n not in ("bomb-huge",)]
    for n in names:
        assert corpus.build(n, a).read_bytes() == corpus.build(n, b).read_bytes(), n
