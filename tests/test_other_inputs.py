"""Procedure catalogue, outgoing-document register, paper logbook and the working-day
calendar KPIs (issue 6), with the figures of the inspection reports they come from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cchc_cli
from builders import write_csv, write_xlsx
from cchc_cli.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).parent.parent / "samples"
CAT_HEAD = ["STT", "Mã TTHC", "Tên thủ tục", "Cấp thực hiện", "Mức độ DVCTT", "Đủ điều kiện toàn trình", "Thời hạn giải quyết"]
DOS_HEAD = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Mã thủ tục", "Ngày tiếp nhận", "Hình thức nộp", "Trạng thái"]


@pytest.fixture
def cai_rang(tmp_path):
    """Cái Răng 2023: 281 district procedures, 87 full-online (all of the eligible ones);
    213 ward procedures, 17 full-online; online dossiers for 6 district and 2 ward services."""
    rows = [CAT_HEAD]
    for i in range(281):
        full = i < 87
        rows.append([i + 1, f"H.{i:03d}", f"Thủ tục huyện {i}", "Cấp huyện", "Toàn trình" if full else ("Một phần" if i < 150 else "Mức độ 2"),
                     "Có" if full else "Không", "15 ngày làm việc"])
    for i in range(213):
        full = i < 17
        rows.append([282 + i, f"X.{i:03d}", f"Thủ tục xã {i}", "Cấp xã", "Toàn trình" if full else "Mức độ 2",
                     "Có" if full else "Không", "3 ngày làm việc"])
    cat = write_xlsx(tmp_path / "danh-muc.xlsx", [["DANH MỤC THỦ TỤC HÀNH CHÍNH"], []] + rows)
    d = [DOS_HEAD]
    n = 0
    for code in [f"H.{i:03d}" for i in range(6)]:  # 6 district full-online services used online
        n += 1
        d.append([f"D{n}", "UBND quận Cái Răng", code, "05/03/2023", "Trực tuyến", "Đã trả kết quả"])
    n += 1
    d.append([f"D{n}", "UBND quận Cái Răng", "H.010", "05/03/2023", "Trực tiếp", "Đã trả kết quả"])  # full, not online
    n += 1
    d.append([f"D{n}", "UBND quận Cái Răng", "H.200", "05/03/2023", "Trực tuyến", "Đã trả kết quả"])  # online, not full
    for code in ("X.000", "X.001"):
        n += 1
        d.append([f"D{n}", "UBND phường Lê Bình", code, "06/03/2023", "Trực tuyến", "Đang xử lý"])
    n += 1
    d.append([f"D{n}", "UBND phường Lê Bình", "Z.999", "06/03/2023", "Trực tiếp", "Đang xử lý"])  # not in the catalogue
    dos = write_csv(tmp_path / "ho-so.csv", d)
    return cat, dos


def test_cai_rang_procedure_figures(cai_rang):
    cat, dos = cai_rang
    r = cchc_cli.compute([dos], catalogue=cat, period="2023-03", by="level")
    full = {lv: r.entry("full_online_service_rate", level=lv) for lv in ("Huyện", "Xã")}
    assert (full["Huyện"].numerator, full["Huyện"].denominator) == (87, 281)
    assert round(full["Huyện"].value * 100) == 31
    assert (full["Xã"].numerator, full["Xã"].denominator) == (17, 213)
    assert round(full["Xã"].value * 100) == 8
    assert r.value("full_online_eligible_rate", level="Huyện") == 1.0
    used = r.entry("services_with_online_dossiers_rate", level="Huyện")
    assert (used.numerator, used.denominator) == (6, 87) and round(used.value * 100) == 7
    ward = r.entry("services_with_online_dossiers_rate", level="Xã")
    assert (ward.numerator, ward.denominator) == (2, 17) and round(ward.value * 100) == 12
    assert r.value("online_service_rate", level="Huyện") == pytest.approx(150 / 281)
    # the dossier of a procedure the catalogue does not list is counted and listed
    assert r.notes["catalogue_missing"] == [{"procedure_code": "Z.999", "dossiers": 1}]
    # full_online_dossier_rate from the catalogue's service levels: 6 online of 7 full-online district dossiers,
    # 2 of 2 ward; the Z.999 dossier is excluded (unknown procedure)
    e = r.entry("full_online_dossier_rate")
    assert (e.numerator, e.denominator, dict(e.excluded_by)) == (8, 9, {"service_level": 1})


def test_catalogue_through_cli_json_has_input_kinds(cai_rang):
    cat, dos = cai_rang
    res = runner.invoke(app, ["compute", str(dos), "--catalogue", str(cat), "--period", "2023-03", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert sorted(i["kind"] for i in doc["inputs"]) == ["catalogue", "dossiers"]
    assert any(r["kpi"] == "full_online_service_rate" and r["group"] == {} for r in doc["results"])


def test_o_mon_software_coverage(tmp_path):
    # Ô Môn 2016: 28,634 dossiers in the software of 30,717 in the paper logbook = 93.22 %
    rows = [["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận"]]
    rows += [[f"OM{i}", "UBND quận Ô Môn", f"{1 + i % 28:02d}/{1 + i % 12:02d}/2016"] for i in range(28_634)]
    dos = write_csv(tmp_path / "omon-2016.csv", rows)
    book = write_csv(tmp_path / "so-theo-doi.csv", [["Đơn vị", "Kỳ", "Số hồ sơ tiếp nhận"], ["UBND quận Ô Môn", "2016", "30.717"]])
    r = cchc_cli.compute([dos], logbook=book, period="2016", by="unit")
    e = r.entry("software_coverage_rate", unit="UBND quận Ô Môn")
    assert (e.numerator, e.denominator) == (28_634, 30_717)
    assert round(e.value * 100, 2) == 93.22


def test_documents_register(tmp_path):
    head = ["STT", "Số, ký hiệu văn bản", "Ngày ban hành", "Trích yếu", "Đơn vị soạn thảo", "Hình thức ký", "Gửi qua trục liên thông"]
    rows = [head,
            [1, "12/UBND-VP", "01/03/2023", "V/v a", "UBND quận Cái Răng", "Cá nhân và cơ quan", "Có"],
            [2, "13/UBND-VP", "02/03/2023", "V/v b", "UBND quận Cái Răng", "Cá nhân", "Không"],
            [3, "14/UBND-VP", "03/03/2023", "V/v c", "UBND quận Cái Răng", "", "Có"],  # blank: not signed
            [4, "15/UBND-VP", "04/03/2023", "V/v d", "UBND quận Cái Răng", "Ký tay?", "Có"],  # unreadable signature
            [5, "2/UBND", "10/04/2023", "V/v e", "UBND quận Cái Răng", "2 lớp", "Có"]]  # April: outside the period
    reg = write_csv(tmp_path / "van-ban-di.csv", rows)
    r = cchc_cli.compute([reg], period="2023-03", by="unit")  # recognised by its header
    assert r.inputs[0].kind == "documents"
    s = r.entry("signed_document_rate", unit="UBND quận Cái Răng")
    assert (s.numerator, s.denominator, dict(s.excluded_by)) == (2, 3, {"signature": 1})
    assert (r.entry("two_layer_signed_rate").numerator, r.entry("two_layer_signed_rate").denominator) == (1, 3)
    assert (r.entry("interconnect_sent_rate").numerator, r.entry("interconnect_sent_rate").denominator) == (3, 4)
    v = runner.invoke(app, ["validate", str(reg), "--kind", "documents", "--format", "json"])
    assert v.exit_code == 0, v.output
    probs = json.loads(v.stdout)["problems"]
    assert probs[0]["field"] == "signature" and probs[0]["value"] == "Ký tay?" and probs[0]["rows"] == [5]


def test_documents_by_month(tmp_path):
    head = ["Số ký hiệu", "Ngày ký", "Đơn vị", "Ký số"]
    reg = write_csv(tmp_path / "vb.csv", [head, ["1/A", "01/03/2023", "Sở Tư pháp", "Có"], ["2/A", "01/04/2023", "Sở Tư pháp", "Không"]])
    r = cchc_cli.compute([reg], period="2023-Q2".replace("Q2", "Q1"), by="month")
    assert r.entry("signed_document_rate", month="2023-03").value == 1.0
    r2 = cchc_cli.compute([reg], from_date if False else [reg], by="month") if False else cchc_cli.compute([reg], start="2023-03-01", end="2023-04-30", by="month")
    assert r2.entry("signed_document_rate", month="2023-04").value == 0.0
    assert r2.entry("signed_document_rate").denominator == 2


CAL_HEAD = ["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái", "Thời hạn quy định"]


def test_statutory_kpis_across_tet_2023(tmp_path):
    # received Thursday 19/01/2023, 2 working days: Tết closes 20–26/01, so the 1st working day
    # after receipt is Friday 27/01 and the 2nd Monday 30/01
    rows = [CAL_HEAD,
            ["T1", "19/01/2023", "30/01/2023", "30/01/2023", "Đã trả kết quả", "2"],  # within the law, on time
            ["T2", "19/01/2023", "31/01/2023", "31/01/2023", "Đã trả kết quả", "2"],  # slip later than the law, late by law
            ["T3", "19/01/2023", "20/01/2023", "20/01/2023", "Đã trả kết quả", ""],  # no time limit: excluded
            ["T4", "28/04/2023", "04/05/2023", "", "Đang xử lý", "1 ngày"]]  # 29/4–3/5 off: due Thursday 04/05
    f = write_csv(tmp_path / "tet.csv", rows)
    r = cchc_cli.compute([f], start="2023-01-01", end="2023-05-31")
    a = r.entry("appointment_within_limit_rate")
    assert (a.numerator, a.denominator, dict(a.excluded_by)) == (2, 3, {"time_limit_days": 1})
    s = r.entry("statutory_on_time_rate")
    assert (s.numerator, s.denominator, dict(s.excluded_by)) == (1, 2, {"time_limit_days": 1})


def test_calendar_file_adds_a_working_saturday(tmp_path):
    # Friday 03/03/2023 + 1 working day is Monday 06/03 — unless Saturday 04/03 is worked
    f = write_csv(tmp_path / "s.csv", [CAL_HEAD, ["W1", "03/03/2023", "06/03/2023", "", "Đang xử lý", "1"]])
    assert cchc_cli.compute([f], period="2023-03").value("appointment_within_limit_rate") == 1.0
    cal = tmp_path / "lich-2023.toml"
    cal.write_text('year = 2023\nsource = "thử"\nworking_saturdays = ["2023-03-04"]\n', encoding="utf-8")
    assert cchc_cli.compute([f], period="2023-03", calendar=[cal]).value("appointment_within_limit_rate") == 0.0
    res = runner.invoke(app, ["calendar", "2023", "--calendar", str(cal), "--format", "json"])
    days = {d["date"]: d for d in json.loads(res.stdout)["days"]}
    assert days["2023-03-04"]["working"] is True and days["2023-01-23"]["working"] is False


def test_time_limit_from_the_catalogue(tmp_path):
    cat = write_csv(tmp_path / "cat.csv", [["Mã TTHC", "Cấp thực hiện", "Mức độ", "Thời hạn giải quyết"],
                                           ["1.001", "Cấp huyện", "Một phần", "2 ngày làm việc"]])
    f = write_csv(tmp_path / "d.csv", [["Mã hồ sơ", "Đơn vị tiếp nhận", "Mã thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả"],
                                       ["C1", "UBND quận Cái Răng", "1.001", "19/01/2023", "30/01/2023"]])
    r = cchc_cli.compute([f], catalogue=cat, start="2023-01-01", end="2023-01-31")
    assert r.value("appointment_within_limit_rate") == 1.0


def test_bad_inputs_of_this_issue(tmp_path):
    dos = write_csv(tmp_path / "d.csv", [["Mã hồ sơ", "Ngày tiếp nhận"], ["A", "01/03/2023"]])
    nolevel = write_csv(tmp_path / "cat.csv", [["Mã TTHC", "Tên thủ tục", "Cấp thực hiện"], ["1.001", "X", "Cấp xã"]])
    r = runner.invoke(app, ["compute", str(dos), "--catalogue", str(nolevel)])
    assert r.exit_code == 3 and "service_level" in r.output and "cat.csv" in r.output
    bad_cal = tmp_path / "cal.toml"
    bad_cal.write_text('year = 2023\ndays_off = ["2023-02-30"]\n', encoding="utf-8")
    r = runner.invoke(app, ["compute", str(dos), "--calendar", str(bad_cal)])
    assert r.exit_code == 2, r.output
    assert "2023-02-30" in r.output and "cal.toml" in r.output and "days_off" in r.output


def test_targets_and_diff_on_procedure_kpis(cai_rang, tmp_path):
    cat, dos = cai_rang
    t = tmp_path / "t.toml"
    t.write_text('[[targets]]\nkpi = "full_online_service_rate"\nlevel = "Huyện"\nmin = 0.30\n'
                 '[[targets]]\nkpi = "full_online_service_rate"\nlevel = "Xã"\nmin = 0.10\n', encoding="utf-8")
    _, rep = cchc_cli.check_targets([dos], catalogue=cat, targets=t, period="2023-03", by="level")
    assert {c.group["level"]: c.status for c in rep.checks} == {"Huyện": "pass", "Xã": "fail"}
    assert next(c for c in rep.checks if c.group["level"] == "Xã").needed == 5  # 22 of 213 reach 10 %
    from cchc_cli.compare import diff

    d = diff([dos], [dos], catalogue=[cat], period="2023-03", by="level")
    assert any(c["kpi"] == "full_online_service_rate" for c in d.kpis)
    assert all(c["change"] == "unchanged" for c in d.kpis)


def test_samples_directory_reads_every_kind():
    r = runner.invoke(app, ["compute", str(SAMPLES), "--period", "2023-03", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    kinds = sorted({i["kind"] for i in doc["inputs"]})
    assert kinds == ["catalogue", "documents", "dossiers", "logbook"]
    codes = {x["kpi"] for x in doc["results"]}
    assert {"signed_document_rate", "software_coverage_rate", "services_with_online_dossiers_rate",
            "statutory_on_time_rate"} <= codes
