"""Several files as one data set: de-duplication, conflicts, reconciliation, and the laws
that make KPIs additive (files read together = sums read apart; chunks = whole)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cchc_cli
from builders import write_csv, write_xlsx
from cchc_cli.kpis.aggregate import aggregate
from cchc_cli.kpis.kinds import BY_NAME
from cchc_cli.kpis.period import parse_period
from strategies import HEADER, export_rows

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MARCH = parse_period("2023-03")


def _sums(result) -> dict[tuple, tuple[int, int]]:
    return {(r.kpi, tuple(sorted(r.group))): (r.numerator, r.denominator) for r in result.results}


def test_duplicates_across_files_counted_once_and_conflicts_reported(tmp_path: Path):
    head = ["Mã hồ sơ", "Ngày tiếp nhận", "Ngày có kết quả", "Trạng thái", "Hình thức nộp"]
    a = write_csv(tmp_path / "a.csv", [head, ["X1", "01/03/2023", "02/03/2023", "Đã trả kết quả", "Trực tuyến"],
                                       ["X2", "01/03/2023", "", "Đang xử lý", "Trực tiếp"]])
    b = write_xlsx(tmp_path / "b.xlsx", [head, ["X1", "01/03/2023", "02/03/2023", "Đã trả kết quả", "Trực tuyến"],
                                         ["X2", "01/03/2023", "05/03/2023", "Đã trả kết quả", "Trực tiếp"],
                                         ["X3", "03/03/2023", "", "Đang xử lý", "Trực tiếp"]])
    r = cchc_cli.compute([a, b], period="2023-03")
    assert r.count("new") == 3
    ins = {Path(i.path).name: (i.rows, i.used, i.rejected, i.duplicates) for i in r.inputs}
    # X1 is identical: the first file's copy is kept. X2: the resolved copy (b) is more
    # advanced than the pending one (a) and is kept.
    assert ins == {"a.csv": (2, 1, 0, 1), "b.xlsx": (3, 2, 0, 1)}
    assert r.count("resolved") == 2 and r.count("pending") == 1
    ds = r.dataset
    assert ds.conflict_count == 1
    c = ds.conflicts[0]
    assert c.dossier_id == "X2" and set(c.fields) == {"finished_at", "status"}
    assert c.kept[0].endswith("b.xlsx")


def test_directory_reads_every_export(tmp_path: Path):
    d = tmp_path / "exports"
    d.mkdir()
    head = ["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"]
    write_csv(d / "u1.csv", [head, ["A", "01/03/2023", "Đang xử lý"]])
    write_csv(d / "u2.csv", [head, ["B", "01/03/2023", "Đang xử lý"]])
    (d / "~$u2.xlsx").write_bytes(b"lock")
    (d / "notes.txt.bak").write_text("x")
    (d / ".hidden").mkdir()
    write_csv(d / ".hidden" / "u3.csv", [head, ["C", "01/03/2023", "Đang xử lý"]])
    r = cchc_cli.compute([d], period="2023-03", by="unit")
    assert [Path(i.path).name for i in r.inputs] == ["u1.csv", "u2.csv"]
    # no unit column: the unit is the file's name, and the run says so
    assert r.count("new", unit="u1") == 1
    assert any(n.code == "unit_from_filename" for n in r.inputs[0].notes)


@SETTINGS
@given(rows=export_rows())
def test_rows_reconcile(tmp_path_factory, rows):
    f = write_csv(tmp_path_factory.mktemp("r") / "e.csv", [HEADER] + rows)
    try:
        r = cchc_cli.compute([f], period="2023-03")
    except cchc_cli.DataError:
        return  # nothing usable: exit 3 territory, covered elsewhere
    for i in r.inputs:
        assert i.rows == i.used + i.rejected + i.duplicates
    assert r.inputs[0].rows == len(rows)
    c = next(c for c in r.counts if c.group == ())
    assert c["carried_over"] + c["new"] == c["resolved"] + c["pending"] + c["withdrawn_stopped_refused"] + c["unknown_state"]
    assert c["resolved"] == c["resolved_early"] + c["resolved_on_day"] + c["resolved_late"] + c["resolved_no_due"]
    assert c["pending"] == c["pending_within_due"] + c["pending_overdue"] + c["pending_no_due"]
    assert c["new"] == c["new_direct"] + c["new_online"] + c["new_postal"] + c["new_other_channel"]
    for e in r.results:
        assert 0 <= e.numerator <= e.denominator or e.denominator == 0 == e.numerator
        assert (e.value is None) == (e.denominator == 0)


@SETTINGS
@given(a=export_rows(prefix="A"), b=export_rows(prefix="B"), copies=st.integers(0, 5))
def test_files_together_equal_sums_apart(tmp_path_factory, a, b, copies):
    d = tmp_path_factory.mktemp("ab")
    # B also carries identical copies of some of A's dossiers: counted once together
    fa = write_csv(d / "a.csv", [HEADER] + a)
    fb = write_csv(d / "b.csv", [HEADER] + b + a[:copies])
    fb_alone = write_csv(d / "b_alone.csv", [HEADER] + b)
    try:
        ra = cchc_cli.compute([fa], period="2023-03", by="unit")
        rb = cchc_cli.compute([fb_alone], period="2023-03", by="unit")
    except cchc_cli.DataError:
        return
    both = cchc_cli.compute([fa, fb], period="2023-03", by="unit")
    sa, sb, st_ = _sums(ra), _sums(rb), _sums(both)
    for key in set(sa) | set(sb):
        if key[0] in {u.kpi for u in both.unavailable}:
            continue
        na, da = sa.get(key, (0, 0))
        nb, db = sb.get(key, (0, 0))
        assert st_.get(key, (0, 0)) == (na + nb, da + db), key
    assert sum(i.duplicates for i in both.inputs) == sum(1 for r in a[:copies] if r[0] and r[2] != "32/13/2023")


@SETTINGS
@given(rows=export_rows(max_size=60), cut=st.integers(0, 60))
def test_chunks_add_up_to_the_whole(tmp_path_factory, rows, cut):
    f = write_csv(tmp_path_factory.mktemp("c") / "e.csv", [HEADER] + rows)
    try:
        ds = cchc_cli.load([f])
    except cchc_cli.DataError:
        return
    frame = ds.frame
    kind = BY_NAME["dossiers"]
    whole = aggregate(kind, frame, MARCH, ["unit"])
    parts = aggregate(kind, frame.iloc[:cut], MARCH, ["unit"]) + aggregate(kind, frame.iloc[cut:], MARCH, ["unit"])
    pd.testing.assert_frame_equal(whole.table.sort_index(), parts.table.sort_index()[whole.table.columns], check_dtype=False)
    assert whole == parts


def test_no_usable_rows_is_a_data_error(tmp_path: Path):
    f = write_csv(tmp_path / "bad.csv", [["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"], ["", "01/03/2023", "x"],
                                         ["A", "31/02/2023", "Đang xử lý"]])
    with pytest.raises(cchc_cli.DataError) as e:
        cchc_cli.compute([f])
    assert e.value.exit_code == 3
    assert "cchc validate" in (e.value.hint or "")
