"""Reports people read (issue 15): terminal tables that never cut a number or a name, the
Biểu 06 form in xlsx, native charts, CSV tables with their scope, and the HTML report —
the last one opened in a real headless Chromium with the network cut off."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_cli import api
from cchc_cli.cli import app
from cchc_cli.kpis.dossiers import COUNT_KEYS
from cchc_cli.render.formats import text as text_format
from cchc_cli.render.model import Pct, Styled

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DOSSIERS = SAMPLES / "dossiers"
TARGETS = SAMPLES / "targets.toml"
OUT = ROOT / "out"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def by_unit():
    return api.compute([DOSSIERS], by="unit", period="2023-03")


@pytest.fixture(scope="module")
def checked():
    return api.check_targets([DOSSIERS], targets=TARGETS, period="2023-03")


# ------------------------------------------------------------------ terminal tables at 80 columns


def _documents():
    """Every document every command draws, on the samples."""
    from cchc_cli.calendar import WorkCalendar
    from cchc_cli.dataset import load_inputs
    from cchc_cli.reading import read_table
    from cchc_cli.render.views import catalogue, check, columns, compute, diff, validate
    from cchc_cli.schema.headers import ColumnMap
    from cchc_cli.schema.models import DossierRecord

    docs = {}
    for by in ("unit", "unit,level", None, "month", "unit,field"):
        r = api.compute([DOSSIERS], by=by, period="2023-03" if by != "month" else None)
        docs[f"compute --by {by}"] = (compute.document(r, "vi"), r.to_json())
    res, rep = api.check_targets([DOSSIERS], targets=TARGETS, period="2023-03")
    docs["check-targets"] = (check.document(res, rep, "vi"), check.to_json(res, rep))
    d = api.diff([DOSSIERS], [DOSSIERS], by="unit", old_period="2023-02", new_period="2023-03")
    docs["diff"] = (diff.document(d, "vi"), d.to_json())
    docs["kpis"] = (catalogue.kpis_document("vi"), None)
    docs["presets"] = (catalogue.presets_document("vi"), None)
    cal = WorkCalendar([str(SAMPLES / "calendar-2023.toml")])
    docs["calendar"] = (catalogue.calendar_document(2023, cal.calendar_days(2023), "vi"), None)
    docs["validate"] = (validate.document(load_inputs([DOSSIERS]), "vi"), None)
    raw = read_table(DOSSIERS / "igate-2023-03.csv", DossierRecord, ColumnMap.load(None, DossierRecord), None)
    docs["columns"] = (columns.document(raw, "vi"), None)
    return docs


@pytest.fixture(scope="module")
def documents():
    return _documents()


def _numbers(js) -> set[str]:
    """What the tables show of a JSON document, as text: every count of the report form,
    the numerator and denominator of every overall KPI and of every check, and the rate of
    every group (the grouped tables show rates)."""
    from cchc_cli.i18n import pct

    out: set[str] = set()
    if js.get("command") != "compute":  # check-targets shows its checks, diff its changes
        js = {k: v for k, v in js.items() if k not in ("counts", "results")}
    for c in js.get("counts", []):
        out |= {_vi(c[k]) for k in COUNT_KEYS if k in c}
    for r in js.get("results", []):
        if not r["group"]:
            out |= {_vi(r["numerator"]), _vi(r["denominator"])}
        if r["value"] is not None:
            out.add(pct(r["value"], lang="vi"))
    for c in js.get("checks", []):
        out |= {_vi(c["numerator"]), _vi(c["denominator"])}
    for c in js.get("kpis", []):  # diff: the changed ones are listed
        if c["change"] != "unchanged":
            out |= {pct(v, lang="vi") for v in (c["old"], c["new"]) if v is not None}
    return out


def _vi(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def test_every_table_of_every_command_at_80_columns_keeps_every_number_and_name(documents):
    for name, (doc, js) in documents.items():
        buf = io.StringIO()
        text_format.render(doc.tables, buf, "vi", doc.header, width=80)
        out = buf.getvalue()
        lines = out.splitlines()
        assert "\x1b[" not in out, name  # no colours when laid out for a width
        tokens = set(re.findall(r"(?<![\d.,])\d[\d.]*(?:,\d+%)?(?![\d,])", out))
        for tb in doc.tables:
            for row in tb.rows:
                for i, v in enumerate(row):
                    s = text_format.cell_text(v, "vi")
                    if i in tb.numeric or isinstance(v, (Pct, int)) and not isinstance(v, bool):
                        # a number, a percentage: whole on one line
                        assert any(s in ln for ln in lines), f"{name} / {tb.key}: {s!r} cut"
                    elif i < tb.keys and not isinstance(v, Styled):
                        # a unit, a field, a KPI: whole on one line
                        assert any(s in ln for ln in lines), f"{name} / {tb.key}: name {s!r} cut"
        for n in _numbers(js) if js else ():
            assert n in tokens, f"{name}: {n} of the JSON is not whole in the table"
        # every block fits in 80 columns, unless it is the group columns and one column only
        # (then it is drawn at its own width, never squeezed)
        for tb in doc.tables:
            for cols, widths in text_format.blocks(tb, 80, "vi"):
                assert sum(w + 3 for w in widths) + 1 <= 80 or len(cols) <= tb.keys + 1, (name, tb.key, cols)


def test_the_late_total_and_the_unit_column_are_readable_at_80_columns(by_unit):
    from cchc_cli.render.views.compute import document

    buf = io.StringIO()
    text_format.render(document(by_unit, "vi").tables, buf, "vi", width=80)
    out = buf.getvalue()
    late = by_unit.count("resolved_late")
    assert late == 49
    assert re.search(r"\b49\b", out)
    for u in ("UBND huyện Phong Điền", "Sở Kế hoạch và Đầu tư", "UBND phường Hưng Phú"):
        assert u in out
    assert "phần 1/" in out  # the counts table is split into stacked blocks
    # every block repeats the unit column
    blocks = [b for b in out.split("Tình hình giải quyết hồ sơ")[1:]]
    assert blocks and all("Đơn vị" in b.split("\n\n")[0] for b in blocks)


def test_piped_output_is_laid_out_at_full_width(by_unit):
    from cchc_cli.render.views.compute import document

    buf = io.StringIO()  # not a terminal
    text_format.render(document(by_unit, "vi").tables, buf, "vi")
    out = buf.getvalue()
    assert "phần 1/" not in out  # one block per table
    assert "Tổng số hồ sơ nhận giải quyết" in out and "Trạng thái không rõ" not in out or "\n" in out


# ------------------------------------------------------------------ CSV


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_counts_table_and_scope_in_both_languages(tmp_path):
    r = invoke("compute", DOSSIERS, "--period", "2023-03", "--by", "unit", "--format", "csv", "--table", "counts")
    assert r.exit_code == 0, r.output
    rows = _csv(r.stdout)
    assert list(rows[0]) == ["unit"] + list(COUNT_KEYS) + ["scope"]
    overall = [x for x in rows if x["scope"] == "overall"]
    assert len(overall) == 1 and overall[0]["unit"] == "(tất cả)" and overall[0]["resolved_late"] == "49"
    assert all(x["unit"] for x in rows) and {x["scope"] for x in rows} == {"overall", "group"}
    r = invoke("compute", DOSSIERS, "--period", "2023-03", "--by", "unit,level", "--format", "csv", "--lang", "en")
    rows = _csv(r.stdout)
    assert list(rows[0]) == ["unit", "level", "kpi", "label", "numerator", "denominator", "value", "excluded", "scope"]
    over = [x for x in rows if x["scope"] == "overall"]
    assert over and all(x["unit"] == "(all)" and x["level"] == "(all)" for x in over)
    assert all(x["unit"] and x["level"] for x in rows)


def test_csv_table_option_is_checked():
    r = invoke("compute", DOSSIERS, "--period", "2023-03", "--format", "csv", "--table", "nope")
    assert r.exit_code == 2


# ------------------------------------------------------------------ xlsx: the form, KPI sheets, charts


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    import openpyxl

    path = tmp_path_factory.mktemp("x") / "report.xlsx"
    r = invoke("compute", DOSSIERS, "--period", "2023-03", "--by", "unit", "--output", path)
    assert r.exit_code == 0, r.output
    return openpyxl.load_workbook(path)


FORM_HEAD = 7  # first header row of the form


def test_form_06_headers_numbering_and_merges(workbook):
    ws = workbook["Biểu 06 - Tổng hợp"]
    assert workbook.sheetnames[0] == "Biểu 06 - Tổng hợp"
    cells = {c.coordinate: c.value for row in ws.iter_rows(min_row=1, max_row=12) for c in row if c.value is not None}
    assert cells["A1"] == "Biểu số 06/VPCP/KSTT"
    assert cells["A4"] == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
    assert cells["A5"] == "Kỳ báo cáo: Từ ngày 01/03/2023 đến ngày 31/03/2023"
    assert "Đơn vị tính: Số hồ sơ TTHC" in cells.values()
    assert any(str(v).startswith("Đơn vị báo cáo:") for v in cells.values())
    assert any(str(v).startswith("Đơn vị nhận báo cáo:") for v in cells.values())
    expect = {"A7": "STT", "B7": "Lĩnh vực, công việc giải quyết theo cấp", "C7": "Số hồ sơ nhận giải quyết",
              "G7": "Số hồ sơ đã giải quyết", "K7": "Số lượng hồ sơ đang giải quyết",
              "C8": "Tổng số", "D8": "Trong đó", "D9": "Trực tuyến", "E9": "Trực tiếp, dịch vụ bưu chính",
              "F9": "Từ kỳ trước", "G8": "Tổng số", "H8": "Trước hạn", "I8": "Đúng hạn", "J8": "Quá hạn",
              "K8": "Tổng số", "L8": "Trong hạn", "M8": "Quá hạn"}
    for coord, v in expect.items():
        assert cells[coord] == v, coord
    numbering = [ws.cell(10, c).value for c in range(1, 14)]
    assert numbering == [f"({i})" for i in range(1, 14)]
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A7:A9", "B7:B9", "C7:F7", "G7:J7", "K7:M7", "C8:C9", "D8:F8", "G8:G9", "J8:J9", "K8:K9", "M8:M9"} <= merged
    # extra columns after (13), under their own title, explained in a note
    assert ws.cell(7, 14).value == "Cột bổ sung (ngoài Biểu 06)" and ws.cell(10, 14).value == "(14)"
    notes = [c.value for row in ws.iter_rows(min_row=11) for c in row if isinstance(c.value, str)]
    assert any("(14)" in n and "Biểu 06" in n for n in notes)
    assert any("trả lại/xin rút" in n and "đúng hạn" in n for n in notes)
    assert "THỦ TRƯỞNG ĐƠN VỊ" in notes and "NGƯỜI LẬP BIỂU" in notes
    # print setup
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$7:$10"


def test_form_06_totals_levels_and_fields_add_up_as_numbers(workbook, by_unit):
    ws = workbook["Biểu 06 - Tổng hợp"]
    total = [ws.cell(11, c).value for c in range(1, 21)]
    assert total[1] == "Tổng số"
    assert all(isinstance(v, int) for v in total[2:])
    c = {k: by_unit.count(k) for k in COUNT_KEYS}
    assert total[2:13] == [c["received"], c["new_online"], c["new"] - c["new_online"], c["carried_over"], c["resolved"],
                           c["resolved_early"], c["resolved_on_day"], c["resolved_late"], c["pending"],
                           c["pending_within_due"], c["pending_overdue"]]
    assert total[9] == 49
    rows = [[ws.cell(r, k).value for k in range(1, 21)] for r in range(12, ws.max_row + 1)]
    rows = [r for r in rows if isinstance(r[2], int)]
    levels = [r for r in rows if r[0] in ("I", "II", "III")]
    fields = [r for r in rows if r[0] not in ("I", "II", "III")]
    assert [r[1] for r in levels] == ["Cấp tỉnh", "Cấp huyện", "Cấp xã"]
    for col in range(2, 20):
        assert sum(r[col] for r in levels) == total[col]
        assert sum(r[col] for r in fields) == total[col]
    assert ws.cell(11, 3).number_format == "#,##0"
    # one form per reporting unit, its totals those of the unit
    for unit in ("Sở Tư pháp", "UBND quận Cái Răng"):
        us = workbook[f"Biểu 06 - {unit}"]
        assert us.cell(11, 3).value == by_unit.count("received", unit=unit)
        assert us.cell(11, 10).value == by_unit.count("resolved_late", unit=unit)


def test_kpi_sheets_numbers_and_percentages(workbook, by_unit):
    ws = workbook["Chỉ tiêu CCHC — Tất cả"]
    hr = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Chỉ tiêu")
    head = [c.value for c in ws[hr]]
    assert "Loại trừ" in head and "Lý do loại trừ" in head
    ex = head.index("Loại trừ") + 1
    vals = [ws.cell(r, ex).value for r in range(hr + 1, ws.max_row + 1) if ws.cell(r, 2).value]
    assert len(vals) == 13 and all(isinstance(v, int) for v in vals)  # no text mixed in
    rate = head.index("Tỷ lệ") + 1
    assert ws.cell(hr + 1, rate).number_format == "0.00%" and isinstance(ws.cell(hr + 1, rate).value, float)
    assert ws.cell(hr + 1, rate).value == pytest.approx(by_unit.value("online_rate"), rel=1e-12)
    counts = workbook["Tình hình giải quyết hồ sơ"]
    hr = next(r for r in range(1, 10) if counts.cell(r, 1).value == "Đơn vị")
    merged = {str(m) for m in counts.merged_cells.ranges}
    assert f"A{hr}:A{hr + 1}" in merged  # "Đơn vị" over both header rows
    assert counts.cell(hr, 2).value == "Tổng số hồ sơ nhận giải quyết" and counts.cell(hr + 1, 2).value == "Tổng số"
    assert f"B{hr}:H{hr}" in merged
    units = [counts.cell(r, 1).value for r in range(hr + 2, counts.max_row + 1)]
    assert "(tất cả)" in units
    total = units.index("(tất cả)") + hr + 2
    assert counts.cell(total, 2).value == 900 and isinstance(counts.cell(total, 2).value, int)


def test_native_charts_reference_their_data(workbook, by_unit):
    charts = workbook["Biểu đồ"]._charts
    data = workbook["Số liệu biểu đồ"]
    assert len(charts) >= 13
    first = charts[0]
    ref = first.series[0].val.numRef.f
    cats = first.series[0].cat.numRef.f if first.series[0].cat.numRef is not None else first.series[0].cat.strRef.f
    m = re.fullmatch(r"'Số liệu biểu đồ'!\$B\$(\d+):\$B\$(\d+)", ref)
    assert m, ref
    lo, hi = int(m.group(1)), int(m.group(2))
    assert cats == f"'Số liệu biểu đồ'!$A${lo}:$A${hi}"
    units = [data.cell(r, 1).value for r in range(lo, hi + 1)]
    assert units == sorted({dict(g)["unit"] for g in by_unit.groups()})
    values = [data.cell(r, 2).value for r in range(lo, hi + 1)]
    assert values == pytest.approx([by_unit.value("online_rate", unit=u) for u in units], rel=1e-12)
    kinds = {type(c).__name__ for c in charts}
    assert "BarChart" in kinds


def test_check_targets_xlsx_highlights_failures_and_draws_target_lines(tmp_path):
    import openpyxl

    path = tmp_path / "check.xlsx"
    r = invoke("check-targets", DOSSIERS, "--period", "2023-03", "--targets", TARGETS, "--output", path)
    assert r.exit_code == 1, r.output
    wb = openpyxl.load_workbook(path)
    ws = wb[wb.sheetnames[0]]
    fills = {ws.cell(row, c).fill.fgColor.rgb for row in range(5, ws.max_row + 1) for c in range(1, 9)
             if ws.cell(row, 7).value == "không đạt"}
    assert any(str(f).endswith("FFC7CE") for f in fills)  # the status cell
    assert any(str(f).endswith("FFF0F2") for f in fills)  # and the rest of the row
    charts = wb["Biểu đồ"]._charts
    with_target = [c for c in charts if getattr(c, "_charts", None) and len(c._charts) > 1]
    assert with_target, "a KPI chart with its target line"


def test_month_trend_chart(tmp_path):
    import openpyxl

    path = tmp_path / "m.xlsx"
    r = invoke("compute", DOSSIERS, "--by", "month", "--output", path)
    assert r.exit_code == 0, r.output
    charts = openpyxl.load_workbook(path)["Biểu đồ"]._charts
    assert any(type(c).__name__ == "LineChart" for c in charts)


# ------------------------------------------------------------------ HTML


@pytest.fixture(scope="module")
def html_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("h") / "report.html"
    r = invoke("compute", DOSSIERS, "--period", "2023-03", "--by", "unit", "--output", path)
    assert r.exit_code == 0, r.output
    return path


def test_html_is_self_contained(html_report):
    s = html_report.read_text(encoding="utf-8")
    assert s.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", s)
    assert "<script" not in s and "@import" not in s
    assert not re.search(r"url\((?!#)", s)  # only references inside the page (SVG clip paths)
    assert s.count('<table class="form06">') == 9 and s.count('<figure class="chart"') >= 13
    assert "@media print" in s and "size: A4 landscape" in s
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC" in s


def test_html_escapes_input_text():
    from cchc_cli.render.formats.html import table_html
    from cchc_cli.render.model import Table

    tb = Table("x", "<b>t</b>", ["<script>"], rows=[["<img src=x onerror=alert(1)>"]])
    out = table_html(tb, "vi")
    assert "<script>" not in out and "<img" not in out and "&lt;img" in out


def test_html_for_check_targets_and_diff(tmp_path):
    r = invoke("check-targets", DOSSIERS, "--period", "2023-03", "--targets", TARGETS, "--format", "html", "--lang", "en")
    assert r.exit_code == 1
    assert "CCHC target checks" in r.stdout and 'data-chart="pass_fail"' in r.stdout and "row-fail" in r.stdout
    path = tmp_path / "d.html"
    r = invoke("diff", DOSSIERS, DOSSIERS, "--by", "unit", "--output", path)
    assert r.exit_code == 0, r.output
    s = path.read_text(encoding="utf-8")
    assert 'data-chart="diff_online_rate"' in s and "So sánh hai kỳ" in s


def test_help_stays_light():
    import subprocess
    import sys

    code = ("import sys, cchc_cli.cli; heavy = [m for m in ('matplotlib', 'openpyxl', 'pandas', 'playwright') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# ------------------------------------------------------------------ in a real browser


def test_html_report_in_headless_chromium(html_report):
    from cchc_cli.render import browser

    why = browser.unavailable()
    if why:
        pytest.skip(why)
    OUT.mkdir(exist_ok=True)
    shot = OUT / "test-report.png"
    t0 = time.monotonic()
    check = browser.open_report(html_report, shot)
    assert check.console_errors == []
    assert check.requests == []  # nothing fetched: the page is whole offline
    assert check.forms == 9 and check.tables >= 4
    assert len(check.charts) >= 13
    for c in check.charts:
        assert c["width"] > 100 and c["height"] > 50 and c["shapes"] > 5, c
    assert shot.exists() and shot.stat().st_size > 10_000
    assert time.monotonic() - t0 < 60


def test_both_csv_tables_are_recognised_as_cchcs_own_reports(tmp_path):
    from cchc_cli.reading import own_report

    for table in ("kpis", "counts"):
        path = tmp_path / f"{table}.csv"
        r = invoke("compute", DOSSIERS, "--period", "2023-03", "--by", "unit", "--table", table, "--output", path)
        assert r.exit_code == 0, r.output
        assert own_report(path) == "CSV", table


def test_hostile_unit_names_in_html_and_charts(tmp_path):
    from builders import write_csv

    head = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái", "Hình thức nộp"]
    names = [r"$\frac{1}{0}$ UBND", "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "UBND $ 1 $$"]
    rows = [head] + [[f"H{i}", n, "01/03/2023", "05/03/2023", "03/03/2023", "Đã trả kết quả", "Trực tuyến"]
                     for i, n in enumerate(names)]
    src = write_csv(tmp_path / "x.csv", rows)
    out = tmp_path / "r.html"
    r = invoke("compute", src, "--period", "2023-03", "--by", "unit", "--output", out)
    assert r.exit_code == 0, r.output
    s = out.read_text(encoding="utf-8")
    assert "<script>" not in s and "&lt;script&gt;" in s
    assert s.count("<svg") >= 2
    r = invoke("compute", src, "--period", "2023-03", "--by", "unit", "--output", tmp_path / "r.xlsx")
    assert r.exit_code == 0, r.output


def test_charts_with_too_many_bars_are_left_to_the_tables():
    from cchc_cli.render.model import Chart
    from cchc_cli.render.views.form import MAX_CATEGORIES, readable

    many = Chart("x", "x", "bar", "unit", [str(i) for i in range(MAX_CATEGORIES + 1)], [("x", [0.5] * (MAX_CATEGORIES + 1))])
    few = Chart("y", "y", "bar", "unit", ["a"], [("y", [0.5])])
    assert readable([many, few]) == [few]
