"""Every dossier KPI and report count against hand-computed expectations.

The fixture is one real CSV file of 15 dossiers around March 2023, each chosen to land in
one state of kpis.md; the comments beside each row say where it must land.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cchc_cli
from builders import write_csv

HEADER = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái",
          "Hình thức nộp", "Mức độ", "Phí lệ phí", "Thanh toán trực tuyến", "Số hóa hồ sơ", "Số hóa kết quả",
          "Văn bản xin lỗi", "Chủ hồ sơ"]
CR = "UBND quận Cái Răng"
LB = "UBND phường Lê Bình"
ROWS = [
    # id    unit received            due                 finished            status            channel       level        fee       paid   dd     dr     apology
    ["A1", CR, "01/03/2023 08:00", "03/03/2023", "02/03/2023 10:00", "Đã trả kết quả", "Trực tuyến", "Toàn trình", "50.000", "Có", "Có", "Có", ""],  # early
    ["A2", CR, "01/03/2023 09:00", "01/03/2023", "01/03/2023 15:00", "Hoàn thành", "Trực tiếp", "Một phần", "", "Không", "Có", "Không", ""],  # on the day, same day
    ["A3", CR, "02/03/2023 08:00", "06/03/2023", "08/03/2023 09:00", "Đã xử lý xong", "Bưu chính công ích", "Toàn trình", "20.000", "Không", "Không", "Có", "Có"],  # late, apology
    ["A4", CR, "02/03/2023 10:00", "07/03/2023 17:00", "07/03/2023 16:00", "Đã trả kết quả", "Trực tuyến", "Toàn trình", "0", "", "", "Có", ""],  # on the day (times)
    ["A5", CR, "03/03/2023 08:00", "08/03/2023 08:00", "08/03/2023 09:00", "Đã trả kết quả", "Trực tiếp", "Mức độ 2", "", "", "", "", ""],  # late (times)
    ["A6", CR, "05/03/2023", "10/03/2023", "", "Đang xử lý", "Trực tuyến", "Toàn trình", "100.000", "Có", "Có", "", ""],  # pending, overdue
    ["A7", CR, "28/03/2023", "05/04/2023", "", "Chờ bổ sung", "Trực tiếp", "", "", "", "", "", ""],  # pending within due
    ["A8", CR, "20/02/2023", "25/02/2023", "02/03/2023", "Đã trả kết quả", "Trực tiếp", "Một phần", "", "", "", "", ""],  # carried over, late
    ["A9", CR, "15/02/2023", "20/02/2023", "20/02/2023", "Đã trả kết quả", "Trực tiếp", "Một phần", "", "", "", "", ""],  # ended before the period
    ["A10", CR, "10/03/2023", "15/03/2023", "", "Công dân rút", "Trực tiếp", "Một phần", "", "", "", "", ""],  # withdrawn
    ["A11", CR, "12/03/2023", "15/03/2023", "", "Đã trả kết quả", "Trực tuyến", "Toàn trình", "", "", "", "Có", ""],  # resolved, timing unknown
    ["A12", CR, "15/03/2023", "20/03/2023", "25/04/2023", "Đã trả kết quả", "Trực tiếp", "Mức độ 2", "", "", "", "", ""],  # finished after: pending, overdue
    ["A13", CR, "16/03/2023", "20/03/2023", "", "Đang thẩm định", "", "Toàn trình", "", "", "x", "", ""],  # unknown status, unknown channel
    ["A14", LB, "17/03/2023", "", "18/03/2023", "Đã trả kết quả", "Trực tiếp", "Một phần", "", "", "", "", ""],  # resolved, no due date
    ["A15", CR, "01/04/2023", "05/04/2023", "", "Đang xử lý", "Trực tiếp", "Một phần", "", "", "", "", ""],  # after the period
]
SENTINEL = "Nguyễn Thị Bí Mật 0987654321"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "cairang-2023-03.csv", [HEADER] + [r + [SENTINEL] for r in ROWS])


@pytest.fixture
def march(export):
    return cchc_cli.compute([export], period="2023-03", by="unit")


# (kpi, numerator, denominator, excluded, reasons): worked out row by row above
EXPECTED = [
    # received in March: A1–A7, A10–A14 = 12; A13 has no channel
    ("online_rate", 4, 11, 1, {"channel": 1}),  # A1 A4 A6 A11
    ("postal_rate", 1, 11, 1, {"channel": 1}),  # A3
    # full-online procedures received: A1 A3 A4 A6 A11 (A13: channel unknown; A7: level unknown)
    ("full_online_dossier_rate", 4, 5, 2, {"service_level": 1, "channel": 1}),
    # resolved in March: A1 A2 A3 A4 A5 A8 A11 A14; timed: A1 A2 A3 A4 A5 A8; on time: A1 A2 A4
    ("on_time_rate", 3, 6, 2, {"finished_at": 1, "due_at": 1}),  # A11 no finish date, A14 no due
    ("same_day_rate", 1, 7, 1, {"finished_at": 1}),  # A2
    # pending at the end of March: A6 A7 A12; overdue: A6 (10/03), A12 (20/03)
    ("overdue_pending_rate", 2, 3, 0, {}),
    ("appointment_slip_rate", 11, 12, 0, {}),  # A14 has none
    ("apology_rate", 1, 3, 0, {}),  # late: A3 (apology) A5 A8
    ("online_payment_rate", 2, 3, 0, {}),  # fee > 0: A1 (paid online) A3 A6 (paid online)
    ("digitised_dossier_rate", 4, 12, 0, {}),  # A1 A2 A6 A13
    ("digitised_result_rate", 4, 8, 0, {}),  # A1 A3 A4 A11
]


@pytest.mark.parametrize("kpi,num,den,excluded,reasons", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_overall_kpi(march, kpi, num, den, excluded, reasons):
    e = march.entry(kpi)
    assert (e.numerator, e.denominator, e.excluded) == (num, den, excluded)
    assert dict(e.excluded_by) == reasons
    assert e.value == pytest.approx(num / den)


def test_report_counts(march):
    c = next(c for c in march.counts if c.group == ())
    expected = {
        "received": 13, "carried_over": 1, "new": 12,  # A8 carried over; A9 ended in February
        "new_direct": 6, "new_online": 4, "new_postal": 1, "new_other_channel": 1,
        "resolved": 8, "resolved_early": 1, "resolved_on_day": 2, "resolved_late": 3, "resolved_no_due": 2,
        "pending": 3, "pending_within_due": 1, "pending_overdue": 2, "pending_no_due": 0,
        "withdrawn_stopped_refused": 1, "unknown_state": 1,
    }
    assert {k: c[k] for k in expected} == expected
    # the form reconciles: carried over + new = resolved + pending + withdrawn (+ unknown)
    assert c["carried_over"] + c["new"] == c["resolved"] + c["pending"] + c["withdrawn_stopped_refused"] + c["unknown_state"]
    assert c["resolved"] == c["resolved_early"] + c["resolved_on_day"] + c["resolved_late"] + c["resolved_no_due"]


def test_groups_by_unit_and_level_inferred(march, export):
    lb = march.entry("on_time_rate", unit=LB)
    assert (lb.numerator, lb.denominator, dict(lb.excluded_by)) == (0, 0, {"due_at": 1})
    assert lb.value is None  # no data, never 0 and never 100%
    assert march.count("resolved", unit=LB) == 1
    by_level = cchc_cli.compute([export], period="2023-03", by="level")
    assert by_level.count("new", level="Xã") == 1
    assert by_level.count("new", level="Huyện") == 11
    notes = [n.code for n in by_level.inputs[0].notes]
    assert "level_inferred" in notes


def test_groups_add_up_to_overall(march):
    for kpi, *_ in EXPECTED:
        groups = [r for r in march.results if r.kpi == kpi and r.group]
        overall = march.entry(kpi)
        assert sum(g.numerator for g in groups) == overall.numerator
        assert sum(g.denominator for g in groups) == overall.denominator


def test_by_month_splits_the_period(export):
    q1 = cchc_cli.compute([export], period="2023-Q1", by="month")
    # February: A8 and A9 received; A9 resolved on 20/02; A8 still open at the end of February and overdue
    assert q1.count("new", month="2023-02") == 2
    assert q1.count("resolved", month="2023-02") == 1
    assert q1.count("pending_overdue", month="2023-02") == 1
    # March: A8 is carried over from February
    assert q1.count("carried_over", month="2023-03") == 1
    assert q1.count("new", month="2023-03") == 12
    # flows add up over the months, to the quarter
    assert q1.count("new") == 14
    assert q1.count("resolved") == q1.count("resolved", month="2023-02") + q1.count("resolved", month="2023-03")


def test_without_period_covers_the_span_of_the_data(export):
    r = cchc_cli.compute([export])
    assert r.period.inferred
    assert (r.period.start.isoformat(), r.period.end.isoformat()) == ("2023-02-15", "2023-04-25")
    assert r.count("new") == 15


def test_unavailable_kpis_are_listed_with_reason(tmp_path):
    f = write_csv(tmp_path / "a.csv", [["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"], ["X1", "01/03/2023", "Đang xử lý"]])
    r = cchc_cli.compute([f], period="2023-03")
    missing = {u.kpi: list(u.columns) for u in r.unavailable}
    assert missing["online_payment_rate"] == ["fee", "online_payment"]
    assert missing["online_rate"] == ["channel"]
    assert not any(x.kpi == "online_payment_rate" for x in r.results)
    assert missing["appointment_slip_rate"] == ["due_at"]
    assert r.entry("same_day_rate").denominator == 0  # needs no extra column: computed, no data


def test_without_status_column_finish_date_decides(tmp_path):
    f = write_csv(tmp_path / "u.csv", [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"],
        ["B1", "01/03/2023", "05/03/2023", "04/03/2023"],
        ["B2", "02/03/2023", "05/03/2023", ""],
    ])
    r = cchc_cli.compute([f], period="2023-03")
    assert (r.count("resolved"), r.count("pending")) == (1, 1)
    assert r.entry("on_time_rate").value == 1.0


def test_split_fee_columns_and_payment_method(tmp_path):
    f = write_csv(tmp_path / "fees.csv", [
        ["Số biên nhận", "Ngày nhận hồ sơ", "Phí (VNĐ)", "Lệ phí (VNĐ)", "Hình thức thanh toán"],
        ["C1", "01/03/2023", "0", "0", "Tiền mặt"],  # free: not in the denominator
        ["C2", "01/03/2023", "10.000", "", "VNPT PAY"],  # fee 10,000, online
        ["C3", "01/03/2023", "", "5.000", ""],  # charge only, blank method = not online
    ])
    e = cchc_cli.compute([f], period="2023-03").entry("online_payment_rate")
    assert (e.numerator, e.denominator) == (1, 2)


def test_json_document_has_the_cli_md_shape(march):
    doc = march.to_json()
    assert doc["schema_version"] == 1 and doc["tool"] == "cchc" and doc["command"] == "compute"
    assert doc["period"]["from"] == "2023-03-01" and doc["period"]["to"] == "2023-03-31"
    assert doc["group_by"] == ["unit"]
    assert doc["inputs"][0] | {"path": None} == {"path": None, "kind": "dossiers", "rows": 15, "used": 15,
                                                 "rejected": 0, "duplicates": 0}
    for r in doc["results"]:
        assert set(r) >= {"group", "kpi", "numerator", "denominator", "value", "excluded"}
    assert any(r["group"] == {} for r in doc["results"])
    assert all(set(c) >= {"group", "received"} for c in doc["counts"])
    import json

    assert SENTINEL not in json.dumps(doc, ensure_ascii=False)
