"""The command line through typer's CliRunner: exit codes of cli.md, JSON shape, each
output format parsed back, messages that name the file and say what to do."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import write_csv
from cchc_cli.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).parent.parent / "samples"
HEAD = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái",
        "Hình thức nộp", "Số hóa kết quả", "Họ tên chủ hồ sơ"]
PERSON = "Trần Văn Riêngtư"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "x.csv", [
        HEAD,
        ["H1", "UBND quận Cái Răng", "01/03/2023", "05/03/2023", "03/03/2023", "Đã trả kết quả", "Trực tuyến", "Có", PERSON],
        ["H2", "UBND phường Lê Bình", "02/03/2023", "31/02/2023", "", "Đang xử lý", "Trực tiếp", "", PERSON],
        ["H3", "UBND phường Lê Bình", "02/03/2023", "06/03/2023", "09/03/2023", "Đang thẩm định", "Qua Zalo", "", PERSON],
        ["", "UBND phường Lê Bình", "02/03/2023", "", "", "Đang xử lý", "Trực tiếp", "", PERSON],
    ])


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_compute_json_shape(export):
    r = invoke("compute", export, "--period", "2023-03", "--by", "unit", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (doc["schema_version"], doc["tool"], doc["command"]) == (1, "cchc", "compute")
    assert doc["period"] == {"from": "2023-03-01", "to": "2023-03-31", "inferred": False}
    assert doc["group_by"] == ["unit"]
    assert doc["inputs"] == [{"path": str(export), "kind": "dossiers", "rows": 4, "used": 3, "rejected": 1, "duplicates": 0}]
    overall = {r["kpi"]: r for r in doc["results"] if r["group"] == {}}
    assert overall["online_rate"]["numerator"] == 1 and overall["online_rate"]["denominator"] == 2
    assert overall["online_rate"]["excluded"] == 1  # "Qua Zalo" is not guessed
    units = {r["group"]["unit"] for r in doc["results"] if r["group"]}
    assert units == {"UBND quận Cái Răng", "UBND phường Lê Bình"}
    assert {u["kpi"] for u in doc["unavailable"]} >= {"online_payment_rate", "apology_rate"}
    assert PERSON not in r.stdout


def test_compute_table_is_vietnamese_and_english(export):
    vi = invoke("compute", export, "--period", "2023-03")
    assert vi.exit_code == 0
    assert "Tỷ lệ hồ sơ trực tuyến" in vi.stdout and "Đối chiếu" in vi.stdout
    en = invoke("compute", export, "--period", "2023-03", "--lang", "en")
    assert "Online dossier rate" in en.stdout and "Reconciliation: 4 rows = 3 used + 1 rejected + 0 duplicates" in en.stdout
    assert PERSON not in vi.stdout + en.stdout


def test_csv_and_markdown_outputs_parse_back(export, tmp_path):
    out = tmp_path / "r.csv"
    r = invoke("compute", export, "--period", "2023-03", "--output", out)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    online = next(x for x in rows if x["kpi"] == "online_rate")
    assert (online["numerator"], online["denominator"], float(online["value"])) == ("1", "2", 0.5)
    md = invoke("compute", export, "--period", "2023-03", "--format", "markdown")
    assert md.exit_code == 0
    assert "| Tỷ lệ hồ sơ trực tuyến | online\\_rate | 1 | 2 | 50,00% |" in md.stdout


def test_xlsx_output_is_a_workbook_with_the_report(export, tmp_path):
    import openpyxl

    out = tmp_path / "report.xlsx"
    r = invoke("compute", export, "--period", "2023-03", "--by", "unit", "--output", out)
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    names = wb.sheetnames
    assert "Tình hình giải quyết hồ sơ" in names and "Dữ liệu đầu vào" in names
    ws = wb["Chỉ tiêu CCHC — Tất cả"] if "Chỉ tiêu CCHC — Tất cả" in names else wb[names[2]]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert "online_rate" in cells
    rate = ws.cell(cells["online_rate"].row, cells["online_rate"].column + 3)
    assert rate.value == 0.5 and rate.number_format == "0.00%"


def test_output_never_overwrites_an_input(export):
    r = invoke("compute", export, "--output", export)
    assert r.exit_code == 2
    assert "trùng với một tệp đầu vào" in r.output
    assert export.read_text(encoding="utf-8").startswith("Mã hồ sơ")


@pytest.mark.parametrize("args,code,text", [
    (["compute", "khong-co.csv"], 3, "không tìm thấy"),
    (["compute", "{export}", "--period", "2023-13"], 2, "--period"),
    (["compute", "{export}", "--by", "unti"], 2, "unit"),
    (["compute", "{export}", "--from", "2023-03-01"], 2, "--to"),
    (["compute", "{export}", "--format", "pdf"], 2, ""),
    (["compute", "{export}", "--columns", "missing.toml"], 2, "missing.toml"),
])
def test_exit_codes(export, args, code, text):
    r = invoke(*[a.format(export=export) for a in args])
    assert r.exit_code == code, r.output
    assert text in r.output
    assert "Traceback" not in r.output


def test_missing_required_column_exit_3_with_headers_and_nearest(tmp_path):
    f = write_csv(tmp_path / "m.csv", [["Mã hồ sơ", "Ngày tiếp nhận hs", "Trạng thái"], ["A", "01/03/2023", "x"]])
    r = invoke("compute", f)
    assert r.exit_code == 3
    assert "received_at" in r.output and "'Ngày tiếp nhận hs'" in r.output  # found headers, nearest match
    assert "--columns" in r.output


def test_columns_file_maps_custom_headers(tmp_path):
    f = write_csv(tmp_path / "c.csv", [["Số phiếu", "Thời điểm nộp", "Kênh"], ["A", "01/03/2023", "Nộp qua Zalo"]])
    m = tmp_path / "map.toml"
    m.write_text('[columns]\ndossier_id = "Số phiếu"\nreceived_at = "Thời điểm nộp"\nchannel = "Kênh"\n'
                 '[values.channel]\n"Nộp qua Zalo" = "online"\n', encoding="utf-8")
    r = invoke("compute", f, "--columns", m, "--format", "json", "--period", "2023-03")
    assert r.exit_code == 0, r.output
    online = next(x for x in json.loads(r.stdout)["results"] if x["kpi"] == "online_rate")
    assert (online["numerator"], online["denominator"]) == (1, 1)
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\ndosier_id = "Số phiếu"\n', encoding="utf-8")
    r = invoke("compute", f, "--columns", bad)
    assert r.exit_code == 2 and "dosier_id" in r.output and "dossier_id" in r.output


def test_validate_lists_problems_with_file_row_column_value(export):
    r = invoke("validate", export, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    probs = {(p["field"], p["code"], p["value"]): p for p in doc["problems"]}
    due = probs[("due_at", "invalid_day", None)]
    assert due["rows"] == [3] and due["examples"] == [{"row": 3, "value": "31/02/2023"}] and due["column"] == "Ngày hẹn trả"
    assert probs[("status", "unknown_value", "Đang thẩm định")]["count"] == 1
    assert probs[("channel", "unknown_value", "Qua Zalo")]["rows"] == [4]
    assert probs[("dossier_id", "required_missing", None)]["rejects"] is True
    assert PERSON not in r.stdout
    strict = invoke("validate", export, "--strict")
    assert strict.exit_code == 3
    assert "Đang thẩm định" in strict.stdout


def test_columns_command_shows_mapping_without_personal_values(export):
    r = invoke("columns", export)
    assert r.exit_code == 0, r.output
    assert "received_at" in r.stdout and "Họ tên chủ hồ sơ" in r.stdout
    assert "01/03/2023" in r.stdout  # sample values of mapped columns
    assert PERSON not in r.stdout  # never the values of unmapped columns


def test_kpis_command_lists_catalogue():
    r = invoke("kpis", "--format", "json")
    doc = json.loads(r.stdout)
    codes = [k["code"] for k in doc["kpis"]]
    assert "digitised_result_rate" in codes and len(codes) == len(set(codes)) == 21


def test_samples_run(tmp_path):
    r = invoke("compute", SAMPLES / "dossiers", "--period", "2023-03", "--by", "unit", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert sum(i["rows"] for i in doc["inputs"]) == sum(i["used"] + i["rejected"] + i["duplicates"] for i in doc["inputs"])
    assert sum(i["duplicates"] for i in doc["inputs"]) == 5


def test_help_is_fast_to_import():
    import subprocess
    import sys

    code = "import sys, cchc_cli.cli; print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'openpyxl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
