"""cchc diff: KPI changes between periods, dossier changes between snapshots, edits after
the fact, targets moving, --fail-on-regression, and the laws (A vs A is empty, swapping
sides is antisymmetric, deltas are the difference of two compute runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

import cchc_cli
from builders import write_csv
from cchc_cli.cli import app
from cchc_cli.compare import diff
from strategies import HEADER, export_rows

runner = CliRunner()
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEAD = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái", "Hình thức nộp",
        "Số hóa kết quả"]
CR, LB = "UBND quận Cái Răng", "UBND phường Lê Bình"


def snapshot(path: Path, rows) -> Path:
    return write_csv(path, [HEAD] + rows)


@pytest.fixture
def pair(tmp_path):
    """Two exports of March 2023 taken on 5 April and on 20 April."""
    first = [
        ["S1", CR, "01/03/2023", "05/03/2023", "09/03/2023", "Đã trả kết quả", "Trực tiếp", "Không"],  # late
        ["S2", CR, "02/03/2023", "06/03/2023", "04/03/2023", "Đã trả kết quả", "Trực tuyến", "Có"],
        ["S3", CR, "03/03/2023", "07/03/2023", "", "Đang xử lý", "Trực tiếp", ""],
        ["S4", LB, "03/03/2023", "07/03/2023", "06/03/2023", "Đã trả kết quả", "Trực tiếp", "Không"],
    ]
    second = [
        # S1 was late; its finish date has been moved before the due date after the fact
        ["S1", CR, "01/03/2023", "05/03/2023", "04/03/2023", "Đã trả kết quả", "Trực tiếp", "Không"],
        ["S2", CR, "02/03/2023", "06/03/2023", "04/03/2023", "Đã trả kết quả", "Trực tuyến", "Có"],
        ["S3", CR, "03/03/2023", "07/03/2023", "10/03/2023", "Đã trả kết quả", "Trực tiếp", "Có"],  # resolved since
        ["S5", LB, "20/03/2023", "25/03/2023", "22/03/2023", "Đã trả kết quả", "Trực tuyến", "Có"],  # added; S4 removed
    ]
    return snapshot(tmp_path / "2023-04-05.csv", first), snapshot(tmp_path / "2023-04-20.csv", second)


def test_edit_after_the_fact_is_flagged_with_its_effect(pair):
    old, new = pair
    d = diff([old], [new], period="2023-03")
    dd = d.dossiers
    assert (dd.added, dd.removed, dd.changed) == (1, 1, 2)  # S5 / S4 / S1, S3
    assert dd.added_ids == ["S5"] and dd.removed_ids == ["S4"]
    assert dd.after_the_fact_count == 1  # S3 was not resolved in OLD: its change is ordinary progress
    s1 = dd.after_the_fact[0]
    assert s1["dossier_id"] == "S1"
    assert s1["fields"] == {"finished_at": {"old": "2023-03-09T00:00:00", "new": "2023-03-04T00:00:00"}}
    assert set(s1["flags"]) == {"late_to_on_time", "finished_earlier"}
    on_time = next(i for i in dd.impact if i["kpi"] == "on_time_rate")
    # OLD: S2, S4 on time of S1, S2, S4 = 2/3; with the edit S1 is on time too: 3/3
    assert (on_time["numerator_change"], on_time["denominator_change"]) == (1, 0)
    assert on_time["value_without_edits"] == pytest.approx(2 / 3) and on_time["value_with_edits"] == 1.0
    changes = {(c["dossier_id"], c["field"]) for c in dd.changes}
    assert changes == {("S1", "finished_at"), ("S3", "finished_at"), ("S3", "status"), ("S3", "digitised_result")}


def test_kpi_changes_by_better_direction(pair):
    old, new = pair
    d = diff([old], [new], period="2023-03")
    ch = {(c["kpi"], c["group"].get("unit")): c for c in d.kpis}
    assert ch[("on_time_rate", CR)]["change"] == "improved"
    assert ch[("overdue_pending_rate", None)]["old"] == 1.0  # S3 pending and overdue at the end of March
    assert ch[("overdue_pending_rate", None)]["new"] is None and ch[("overdue_pending_rate", None)]["change"] == "gone"
    c = ch[("online_rate", LB)]
    assert (c["old"], c["new"], c["delta"], c["change"]) == (0.0, 1.0, 1.0, "improved")


def test_diff_of_identical_inputs_is_empty(tmp_path, pair):
    old, _ = pair
    d = diff([old], [old], period="2023-03")
    s = d.summary
    assert s["improved"] == s["regressed"] == s["new"] == s["gone"] == 0
    assert (s["dossiers_added"], s["dossiers_removed"], s["dossiers_changed"], s["edited_after_the_fact"]) == (0, 0, 0, 0)


@SETTINGS
@given(a=export_rows(prefix="A", max_size=25))
def test_diff_a_a_is_empty_property(tmp_path_factory, a):
    f = write_csv(tmp_path_factory.mktemp("aa") / "a.csv", [HEADER] + a)
    try:
        d = diff([f], [f], period="2023-03")
    except cchc_cli.DataError:
        return
    assert all(c["change"] == "unchanged" for c in d.kpis)
    assert all(c["delta"] in (None, 0.0) for c in d.kpis)
    assert (d.dossiers.added, d.dossiers.removed, d.dossiers.changed) == (0, 0, 0)


@SETTINGS
@given(a=export_rows(prefix="D", max_size=25), b=export_rows(prefix="D", max_size=25))
def test_diff_is_antisymmetric_and_matches_two_computes(tmp_path_factory, a, b):
    d_ = tmp_path_factory.mktemp("ab")
    fa, fb = write_csv(d_ / "a.csv", [HEADER] + a), write_csv(d_ / "b.csv", [HEADER] + b)
    try:
        ab = diff([fa], [fb], period="2023-03")
        ra = cchc_cli.compute([fa], period="2023-03", by="unit")
        rb = cchc_cli.compute([fb], period="2023-03", by="unit")
    except cchc_cli.DataError:
        return
    ba = diff([fb], [fa], period="2023-03")
    flip = {"improved": "regressed", "regressed": "improved", "new": "gone", "gone": "new", "unchanged": "unchanged"}
    x = {(c["kpi"], tuple(c["group"].items())): c for c in ab.kpis}
    y = {(c["kpi"], tuple(c["group"].items())): c for c in ba.kpis}
    assert set(x) == set(y)
    for k, c in x.items():
        assert y[k]["change"] == flip[c["change"]]
        if c["delta"] is not None:
            assert y[k]["delta"] == pytest.approx(-c["delta"])
            # the delta is the difference of two compute runs
            old_v = ra.value(k[0], **dict(k[1]))
            new_v = rb.value(k[0], **dict(k[1]))
            assert c["delta"] == pytest.approx(new_v - old_v)
    assert (ab.dossiers.added, ab.dossiers.removed) == (ba.dossiers.removed, ba.dossiers.added)
    assert ab.dossiers.changed == ba.dossiers.changed


def test_json_side_gives_kpi_level_only(pair, tmp_path):
    old, new = pair
    saved = tmp_path / "q1.json"
    r = runner.invoke(app, ["compute", str(old), "--period", "2023-03", "--by", "unit", "--output", str(saved)])
    assert r.exit_code == 0, r.output
    d = diff([saved], [new], period="2023-03")
    assert d.dossiers is None
    direct = diff([old], [new], period="2023-03")
    assert [(c["kpi"], c["group"], c["change"]) for c in d.kpis] == [(c["kpi"], c["group"], c["change"]) for c in direct.kpis]
    # a JSON computed with another grouping cannot be compared silently
    with pytest.raises(cchc_cli.ConfigError):
        diff([saved], [new], by="level")


def test_targets_show_units_moving_between_pass_and_fail(tmp_path):
    rows_old = [[f"A{i}", CR, "01/03/2023", "05/03/2023", "03/03/2023", "Đã trả kết quả", "Trực tiếp", "Có" if i < 3 else "Không"]
                for i in range(10)]  # 30 %: fails ≥ 40 % (district)
    rows_new = [[f"B{i}", CR, "01/06/2023", "05/06/2023", "03/06/2023", "Đã trả kết quả", "Trực tiếp", "Có" if i < 5 else "Không"]
                for i in range(10)]  # 50 %: passes
    old, new = snapshot(tmp_path / "q1.csv", rows_old), snapshot(tmp_path / "q2.csv", rows_new)
    d = diff([old], [new], preset="cantho-2023")
    assert d.moved == [{"kpi": "digitised_result_rate", "group": {"unit": CR, "level": "Huyện"}, "from": "fail", "to": "pass",
                        "old": 0.3, "new": 0.5}]
    assert d.summary["fail_to_pass"] == 1
    back = diff([new], [old], preset="cantho-2023", fail_on_regression=50)
    assert back.summary["pass_to_fail"] == 1 and back.failed  # pass → fail fails whatever the tolerance


def test_fail_on_regression_cli(pair):
    old, new = pair
    # swapped: on_time_rate for Cái Răng falls from 100 % to 50 %
    r = runner.invoke(app, ["diff", str(new), str(old), "--period", "2023-03", "--fail-on-regression", "10"])
    assert r.exit_code == 1, r.output
    r = runner.invoke(app, ["diff", str(new), str(old), "--period", "2023-03", "--fail-on-regression", "100"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["diff", str(old), str(new), "--period", "2023-03"])
    assert r.exit_code == 0 and "Tóm tắt thay đổi" in r.stdout and "trễ hạn → đúng hạn" in r.stdout


def test_outputs(pair, tmp_path):
    old, new = pair
    r = runner.invoke(app, ["diff", str(old), str(new), "--period", "2023-03", "--format", "json"])
    doc = json.loads(r.stdout)
    assert (doc["schema_version"], doc["tool"], doc["command"]) == (1, "cchc", "diff")
    k = doc["kpis"][0]
    assert {"kpi", "group", "old", "new", "delta", "change"} <= set(k)
    assert {"added", "removed", "changed", "changes"} <= set(doc["dossiers"])
    assert doc["dossiers"]["changes"][0] == {"dossier_id": "S1", "field": "finished_at",
                                              "old": "2023-03-09T00:00:00", "new": "2023-03-04T00:00:00"}
    md = runner.invoke(app, ["diff", str(old), str(new), "--period", "2023-03", "--format", "markdown"]).stdout
    assert "### Tóm tắt thay đổi" in md and "S1" in md
    out = tmp_path / "d.csv"
    assert runner.invoke(app, ["diff", str(old), str(new), "--period", "2023-03", "--output", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("kpi,unit,old,new,delta,change")
    xl = tmp_path / "d.xlsx"
    assert runner.invoke(app, ["diff", str(old), str(new), "--period", "2023-03", "--output", str(xl)]).exit_code == 0
    import openpyxl

    assert openpyxl.load_workbook(xl).sheetnames[0] == "Tóm tắt thay đổi"


def test_duplicate_keys_reported_not_collapsed_silently(tmp_path):
    rows = [["K1", CR, "01/03/2023", "05/03/2023", "03/03/2023", "Đã trả kết quả", "Trực tiếp", "Có"],
            ["K1", CR, "01/03/2023", "05/03/2023", "04/03/2023", "Đã trả kết quả", "Trực tiếp", "Có"]]
    a = snapshot(tmp_path / "a.csv", rows)
    b = snapshot(tmp_path / "b.csv", rows[:1])
    d = diff([a], [b], period="2023-03")
    assert d.dossiers.duplicates["old"] == {"rows": 1, "conflicts": 1}
    md = runner.invoke(app, ["diff", str(a), str(b), "--period", "2023-03"]).stdout
    assert "1 dòng trùng mã hồ sơ, 1 có dữ liệu khác nhau" in md
