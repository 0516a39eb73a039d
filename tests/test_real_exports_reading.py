"""Issue 11, the reading side: folders with stray files, unreadable exports, identifiers
that are not, help when no header is found, HTML spans and JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import real_exports as rx
from cchc_cli.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [*map(str, args), "--lang", "en"])


def folder_with_strays(tmp_path: Path) -> Path:
    d = tmp_path / "exports"
    d.mkdir()
    rx.dvcqg_json(rx.make(30, seed=1), d / "sync.json")
    (d / "ghi-chu.txt").write_text("Ghi chú: số liệu tháng 3 gửi lại sau.\nLiên hệ bộ phận một cửa.\n", encoding="utf-8")
    (d / "quyet-dinh.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (d / "bieu-06a.csv").write_text(
        "BIỂU 06a\nĐơn vị,Số mới tiếp nhận,Trước hạn,Đúng hạn,Quá hạn\nUBND xã A,10,3,4,1\n", encoding="utf-8")
    return d


def test_a_folder_skips_and_lists_what_is_no_export(tmp_path):
    d = folder_with_strays(tmp_path)
    res = run("compute", d, "--period", "2023-03", "-f", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    reasons = {Path(i["path"]).name: i.get("reason") for i in doc["inputs"] if i["kind"] == "skipped"}
    assert reasons == {"ghi-chu.txt": "skipped_no_header", "quyet-dinh.pdf": "skipped_not_a_table",
                       "bieu-06a.csv": "skipped_summary"}
    table = run("compute", d, "--period", "2023-03", "-f", "markdown")
    assert "quyet-dinh.pdf" in table.output and "a PDF file, not a table" in table.output


def test_every_unreadable_export_is_reported_at_once(tmp_path):
    d = folder_with_strays(tmp_path)
    (d / "a-broken.csv").write_text('MaHoSo,NgayTiepNhan,TrangThaiHoSo\n"x,20230301000000,4\n', encoding="utf-8")
    rx.us_locale_xlsx(rx.make(20, seed=2), d / "b-resaved.xlsx", provable=False)
    res = run("compute", d, "--period", "2023-03")
    assert res.exit_code == 3
    assert "2 exports cannot be read" in res.output
    assert "a-broken.csv" in res.output and "b-resaved.xlsx" in res.output
    ok = run("compute", d, "--period", "2023-03", "--skip-unreadable", "-f", "json")
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.stdout)
    skipped = {Path(i["path"]).name: i["reason"] for i in doc["inputs"] if i["kind"] == "skipped"}
    assert skipped["a-broken.csv"] == skipped["b-resaved.xlsx"] == "skipped_unreadable"
    md = run("compute", d, "--period", "2023-03", "--skip-unreadable", "-f", "markdown")
    assert "b-resaved.xlsx" in md.output


def test_a_named_file_with_no_header_is_still_an_error(tmp_path):
    p = tmp_path / "ghi-chu.txt"
    p.write_text("Ghi chú\nkhông có bảng\n", encoding="utf-8")
    assert run("compute", p).exit_code == 3


def test_a_date_column_is_never_suggested_as_the_dossier_number(tmp_path):
    """e-par's book read with no profile (forced plain mapping): no dossier number column;
    the hint never names "Ngày ký hồ sơ"."""
    path = rx.epar_xls(rx.make(30, seed=3), tmp_path / "so.xls")
    plain = tmp_path / "plain.toml"
    plain.write_text("[columns]\n", encoding="utf-8")
    res = run("compute", path, "--profile", plain)
    assert res.exit_code == 3
    assert "dossier_id" in res.output
    assert "similar columns: 'Ngày ký hồ sơ'" not in res.output


def test_a_count_column_is_never_suggested_as_the_unit():
    from cchc_cli.schema.headers import nearest_headers
    from cchc_cli.schema.models import DossierRecord, LogbookRecord

    assert "Số lượng đơn vị" not in nearest_headers("unit", ["Số lượng đơn vị", "Tên đơn vị xử lí"], LogbookRecord)
    assert "Ngày ký hồ sơ" not in nearest_headers("dossier_id", ["Ngày ký hồ sơ", "Số hồ sơ gốc"], DossierRecord)


def test_many_disagreeing_same_file_ids_stop_the_run(tmp_path):
    """A column read as the dossier number that is not one: 10 of 40 rows share an id with
    another row and disagree."""
    lines = ["Mã hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái"]
    for i in range(30):
        lines.append(f"HS-{i},0{1 + i % 9}/03/2023,2{i % 9}/03/2023,Đang xử lý")
    for i in range(10):
        lines.append(f"HS-{i},1{i % 9}/03/2023,2{i % 9}/03/2023,Đã trả kết quả")
    p = tmp_path / "x.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("compute", p, "--period", "2023-03")
    assert res.exit_code == 3
    assert "Mã hồ sơ" in res.output and "20 of 40 rows" in res.output


def test_a_few_disagreeing_same_file_ids_are_conflicts(tmp_path):
    lines = ["Mã hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái"]
    for i in range(60):
        lines.append(f"HS-{i},0{1 + i % 9}/03/2023,2{i % 9}/03/2023,Đang xử lý")
    lines.append("HS-1,02/03/2023,21/03/2023,Đã trả kết quả")
    p = tmp_path / "x.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("compute", p, "--period", "2023-03", "-f", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inputs"][0]["duplicates"] == 1


def test_columns_with_no_header_shows_candidate_rows_and_writes_a_starter_profile(tmp_path):
    p = tmp_path / "odd.csv"
    p.write_text("Số phiếu,Thời điểm nộp,Hạn\nP1,01/03/2023,05/03/2023\n", encoding="utf-8")
    prof = tmp_path / "odd.toml"
    res = run("columns", p, "--write-profile", prof)
    assert res.exit_code == 3
    assert "Thời điểm nộp" in res.output and "--write-profile" in res.output
    text = prof.read_text(encoding="utf-8")
    assert 'signature = ["Số phiếu", "Thời điểm nộp", "Hạn"]' in text
    # edited by the user, it reads the file
    text = text.replace('# dossier_id = ["..."]', 'dossier_id = ["Số phiếu"]').replace(
        '# received_at = ["..."]', 'received_at = ["Thời điểm nộp"]')
    prof.write_text(text, encoding="utf-8")
    assert run("compute", p, "--profile", prof).exit_code == 0


def test_validate_lists_reasons_when_no_row_is_usable(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("Mã hồ sơ,Ngày tiếp nhận\nA,2023-13-45\nB,hôm qua\n", encoding="utf-8")
    res = run("validate", p)
    assert res.exit_code == 3
    assert "hôm qua" in res.output or "not a date" in res.output.lower()


def test_html_spans_are_laid_out_and_limited(tmp_path):
    p = tmp_path / "ds.xls"
    p.write_text("<table><tr><td rowspan=2>STT</td><td rowspan=2>Mã hồ sơ</td><td colspan=2>Ngày, tháng, năm</td></tr>"
                 "<tr><td>Nhận hồ sơ</td><td>Hẹn trả kết quả</td></tr>"
                 "<tr><td>1</td><td>A-1</td><td>01/03/2023</td><td>03/03/2023</td></tr></table>", encoding="utf-8")
    res = run("compute", p, "--period", "2023-03", "-f", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inputs"][0]["used"] == 1
    big = tmp_path / "big.html"
    big.write_text("<table><tr><td rowspan=60000 colspan=1000>x</td></tr></table>", encoding="utf-8")
    res = run("compute", big, "--max-cells", "1000000")
    assert res.exit_code == 3
    assert "merged cells" in res.output


@pytest.mark.parametrize("doc", [
    lambda recs: {"data": recs},
    lambda recs: {"total": len(recs), "data": recs},
    lambda recs: {"result": {"items": recs}},
    lambda recs: recs,
])
def test_json_envelopes(doc, tmp_path):
    recs = [{"dossier_id": f"A-{i}", "received_at": "2023-03-0%dT08:00:00+07:00" % (1 + i), "meta": {"unit": "UBND xã A"}}
            for i in range(3)]
    p = tmp_path / "x.json"
    p.write_text(json.dumps(doc(recs)), encoding="utf-8")
    res = run("compute", p, "--period", "2023-03", "-f", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inputs"][0]["used"] == 3


def test_a_json_export_saved_as_txt_is_read_as_json(tmp_path):
    p = tmp_path / "dump.txt"
    rx.opencps_json(rx.make(10, seed=1), p)
    res = run("validate", p, "-f", "markdown")
    assert res.exit_code == 0, res.output
    assert "read as JSON" in res.output


def test_postal_rate_is_not_computable_when_the_channel_is_only_an_online_flag(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("Mã hồ sơ,Ngày tiếp nhận,Trực tuyến\nA,01/03/2023,Có\nB,02/03/2023,Không\n", encoding="utf-8")
    res = run("compute", p, "--period", "2023-03", "-f", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    got = {r["kpi"]: (r["numerator"], r["denominator"]) for r in doc["results"] if not r["group"]}
    assert got["online_rate"] == (1, 2)
    assert "postal_rate" not in got
    assert {"kpi": "postal_rate", "reason": "missing_columns", "columns": ["postal_channel"]} in doc["unavailable"]


def test_a_summary_named_on_the_command_line_is_refused_saying_what_it_is(tmp_path):
    p = tmp_path / "bieu-06a.csv"
    p.write_text("BIỂU 06a\nĐơn vị,Số mới tiếp nhận,Trước hạn,Đúng hạn,Quá hạn\nUBND xã A,10,3,4,1\n", encoding="utf-8")
    res = run("compute", p)
    assert res.exit_code == 3
    assert "summary report of counts" in res.output


def test_diff_reads_json_exports_and_saved_results(tmp_path):
    ds = rx.make(30, seed=9)
    a = rx.dvcqg_json(ds, tmp_path / "a.json")
    b = rx.opencps_json(ds, tmp_path / "b.json")
    res = run("diff", a, b, "--period", "2023-03", "-f", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    changed = [k for k in doc["kpis"] if k.get("change") not in (None, "unchanged", "missing", "new", "gone")] \
        if isinstance(doc.get("kpis"), list) else []
    saved = tmp_path / "r.json"
    assert run("compute", a, "--period", "2023-03", "-o", saved).exit_code == 0
    assert run("diff", saved, b, "--period", "2023-03").exit_code == 0


def test_a_period_with_no_dossier_says_so_with_the_span_of_the_data(tmp_path):
    p = rx.dvcqg_json(rx.make(20, seed=4), tmp_path / "s.json")
    r = run("compute", p, "--period", "2024-05")
    assert r.exit_code == 0
    assert "No dossier received in this period (01/05/2024 – 31/05/2024); the data spans 01/03/2023" in r.stderr
    r = run("check-targets", p, "--period", "2024-05", "--preset", "hanoi-2022")
    assert r.exit_code == 3
    assert "No dossier received in this period" in r.stderr
    assert "No dossier received" not in run("compute", p, "--period", "2023-03").stderr
