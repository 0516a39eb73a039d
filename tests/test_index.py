"""The QĐ 766 index (issue 14): the portal's published figures reproduced from dossier data
built to match them, each variant on hand-computed cases (zero denominators, ties), pooled
parents, where the points went, and the command line.

Published figures: ChippedTopaz/qd766 tests/fixtures (Phú Thọ, month, captured 2026-09-26):
``dvc-progress-tree/month-all.json`` (totalReceived, totalOnTime, score) and
``formality-online-payment-tree/month-all.json`` (the payment counts and totalScore).
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from builders import write_csv
from cchc_cli.cli import app
from cchc_cli.index import compute_index, load
from cchc_cli.index.units import UnitMap
from cchc_cli.kpis.period import Period
from cchc_cli.schema.text import fold

PERIOD = Period(dt.date(2026, 8, 1), dt.date(2026, 8, 31))
REC = pd.Timestamp("2026-08-03")
DUE = pd.Timestamp("2026-08-20")


# ------------------------------------------------------------------ building data


class Builder:
    """Canonical dossier rows (what ``dataset.load_inputs`` produces), built by counts."""

    def __init__(self):
        self.rows: list[dict] = []
        self.n = 0

    def add(self, unit: str, count: int, **fields) -> None:
        for _ in range(count):
            self.n += 1
            row = {"dossier_id": f"D{self.n:07d}", "unit": unit, "received_at": REC, "due_at": DUE,
                   "finished_at": pd.NaT, "status": "processing"}
            row.update(fields)
            self.rows.append(row)

    def progress(self, unit: str, received: int, on_time: int) -> None:
        """``received`` dossiers handled in August, ``on_time`` of them early or on time —
        a mix of every state the portal counts: resolved, refused, pending."""
        late = received - on_time
        a = on_time // 3
        self.add(unit, a, status="resolved", finished_at=pd.Timestamp("2026-08-10"))
        self.add(unit, a // 2, status="refused", finished_at=pd.Timestamp("2026-08-19"))
        self.add(unit, on_time - a - a // 2, due_at=pd.Timestamp("2026-09-10"))  # pending within due
        self.add(unit, late // 2, status="resolved", finished_at=pd.Timestamp("2026-08-25"))
        self.add(unit, late - late // 2, due_at=pd.Timestamp("2026-08-28"))  # pending overdue at the end

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows)
        for c in ("received_at", "due_at", "finished_at"):
            df[c] = pd.to_datetime(df[c])
        return df


def sources(df: pd.DataFrame, catalogue: pd.DataFrame | None = None):
    ds = SimpleNamespace(frame=df, available=set(df.columns))
    cat = None if catalogue is None else SimpleNamespace(frame=catalogue, available=set(catalogue.columns))
    return SimpleNamespace(dossiers=ds, catalogue=cat, reports=[])


def payment(b: Builder, unit: str, a_num: int, a_den: int, b_num: int, b_den: int, c_num: int,
            procs: list[str]) -> None:
    """Payment counts of the portal for one unit: A = a_num / a_den dossiers, B = b_num /
    b_den fee-bearing procedures with an online payment, C = c_num / b_den procedures with a
    fee amount on their dossiers. ``procs``: the unit's b_den fee-bearing procedure codes."""
    assert len(procs) == b_den
    # every fee-bearing procedure has a dossier in the period: an exempt one (fee 0) unless
    # it is among the paying ones below
    paid_left, unpaid_left = a_num, a_den - a_num
    for i, p in enumerate(procs):
        if i < b_num:  # procedures with an online payment
            k = 1 if i < b_num - 1 else paid_left
            k = min(k, paid_left)
            fee = 50000.0 if i < c_num else np.nan
            b.add(unit, k, procedure_code=p, fee=fee, online_payment=True)
            paid_left -= k
        elif i < max(b_num, c_num) and i < c_num:
            k = min(1, unpaid_left)
            b.add(unit, k, procedure_code=p, fee=50000.0, online_payment=False)
            unpaid_left -= k
            if k == 0:
                b.add(unit, 1, procedure_code=p, fee=0.0, online_payment=False)
        else:
            b.add(unit, 1, procedure_code=p, fee=0.0, online_payment=False)
    assert paid_left == 0
    if unpaid_left:  # the rest unpaid, on a procedure without a fee amount (C unchanged)
        b.add(unit, unpaid_left, procedure_code=procs[-1] if b_num < b_den else procs[0], fee=np.nan,
              online_payment=False)


def catalogue(codes) -> pd.DataFrame:
    return pd.DataFrame({"procedure_code": list(codes), "level": "Xã", "service_level": "partial",
                         "fee_bearing": True})


# ------------------------------------------------------------------ published figures: 2.1

PROGRESS = [  # unit, totalReceived, totalOnTime, published score (dvc-progress-tree/month-all.json)
    ("Ban quản lý các khu công nghiệp - Tỉnh Phú Thọ", 588, 486, 16.53),
    ("Sở Công Thương - Tỉnh Phú Thọ", 482, 332, 13.78),
    ("Sở Giáo dục và Đào tạo - Tỉnh Phú Thọ", 326, 207, 12.7),
    ("UBND Phường Việt Trì", 2971, 2348, 15.81),
    ("UBND xã Hy Cương", 1270, 854, 13.45),
    ("UBND xã Bản Nguyên", 1610, 1511, 18.77),
    ("Sở Ngoại vụ - Tỉnh Phú Thọ", 2, 0, 0.0),
]


def test_progress_reproduces_published_unit_scores():
    b = Builder()
    for unit, received, on_time, _ in PROGRESS:
        b.progress(unit, received, on_time)
    res = compute_index(sources(b.frame()), PERIOD, load("portal-m0"))
    for unit, received, on_time, published in PROGRESS:
        s = res.score(unit).indicator("2.1")
        assert (s.numerator, s.denominator) == (on_time, received)
        assert round(s.points, 2) == published, unit


def test_progress_zero_dossiers_is_zero_points_on_the_portal():
    # "Văn phòng UBND Tỉnh - Tỉnh Phú Thọ": totalReceived 0, score 0
    b = Builder()
    b.progress("A", 10, 9)
    b.add("Văn phòng UBND Tỉnh - Tỉnh Phú Thọ", 3, status="resolved", received_at=pd.Timestamp("2026-06-01"),
          finished_at=pd.Timestamp("2026-06-05"))  # ended before the period: not counted
    res = compute_index(sources(b.frame()), PERIOD, load("portal-m0"))
    s = res.score("Văn phòng UBND Tỉnh - Tỉnh Phú Thọ").indicator("2.1")
    assert (s.numerator, s.denominator, s.ratio, s.points) == (0, 0, None, 0.0)
    assert s.to_json()["note"] == "no_dossiers"
    # the "maximums" variant leaves it unscored, out of the computable maximum
    res2 = compute_index(sources(b.frame()), PERIOD, load("maximums"))
    s2 = res2.score("Văn phòng UBND Tỉnh - Tỉnh Phú Thọ")
    assert s2.indicator("2.1").points is None and "progress" not in s2.groups


def test_progress_parent_from_pooled_counts_reproduces_published_province_score():
    # UBND tỉnh Phú Thọ: totalReceived 184513, totalOnTime 144625, score 15.68 — split over
    # three units whose own scores differ; the parent pools their dossiers.
    b = Builder()
    split = [("Sở A", 4513, 4000), ("UBND xã B", 100000, 90000), ("UBND xã C", 80000, 50625)]
    for unit, r, o in split:
        b.progress(unit, r, o)
    units = UnitMap({fold(u): ("Tỉnh" if u.startswith("Sở") else "Xã") for u, _, _ in split} | {fold("UBND tỉnh Phú Thọ"): "Tỉnh"},
                    {fold(u): "UBND tỉnh Phú Thọ" for u, _, _ in split}, {})
    res = compute_index(sources(b.frame()), PERIOD, load(), units)
    p = res.score("UBND tỉnh Phú Thọ", pooled=True)
    s = p.indicator("2.1")
    assert (s.numerator, s.denominator) == (144625, 184513)
    assert round(s.points, 2) == 15.68
    mean = np.mean([res.score(u).indicator("2.1").points for u, _, _ in split])
    assert abs(mean - s.points) > 0.4  # not an average of the units' points
    assert p.units == 3


# ------------------------------------------------------------------ published figures: payment

PAYMENT = [  # unit, A num, A den, B num, B den (= totalFeeFormality), C num, published totalScore
    ("Ban quản lý các khu công nghiệp - Tỉnh Phú Thọ", 7, 7, 2, 3, 0, 7.67),
    ("Sở Công Thương - Tỉnh Phú Thọ", 44, 44, 7, 8, 0, 8.0),
    ("UBND Phường Việt Trì", 1516, 1707, 12, 35, 7, 6.69),
    ("UBND Phường Nông Trang", 851, 938, 9, 35, 4, 6.37),
    ("UBND xã Bản Nguyên", 1310, 1429, 18, 37, 11, 7.46),
    ("Văn phòng UBND Tỉnh - Tỉnh Phú Thọ", 0, 0, 0, 1, 0, 0.0),
]


def test_payment_reproduces_published_unit_scores():
    b = Builder()
    codes = []
    for k, (unit, an, ad, bn, bd, cn, _) in enumerate(PAYMENT):
        procs = [f"P{k}.{i}" for i in range(bd)]
        codes += procs
        payment(b, unit, an, ad, bn, bd, cn, procs)
    res = compute_index(sources(b.frame(), catalogue(codes)), PERIOD, load("portal-m0"))
    for unit, an, ad, bn, bd, cn, published in PAYMENT:
        s = res.score(unit)
        a, bb, c = s.indicator("3.6"), s.indicator("3.5b"), s.indicator("3.5")
        assert (a.numerator, a.denominator) == (an, ad), unit
        assert (bb.numerator, bb.denominator) == (bn, bd), unit
        assert (c.numerator, c.denominator) == (cn, bd), unit
        assert round(s.groups["payment"][0], 2) == published, unit


def test_payment_parent_pools_distinct_procedures_and_reproduces_the_province():
    # UBND tỉnh Phú Thọ: A 82913/98459, B 93/310, C 56/310, totalScore 6.25. Two units
    # share 60 procedures (P140–P199): the parent counts each procedure once (310, not 370).
    b = Builder()
    procs1 = [f"P{i}" for i in range(0, 200)]
    procs2 = [f"P{i}" for i in range(140, 310)]
    payment(b, "Huyện 1", 40000, 50000, 60, 200, 30, procs1)  # pays on P0–P59, fee data on P0–P29
    payment(b, "Huyện 2", 42913, 48459, 33, 170, 26, procs2)  # pays on P140–P172, fee data on P140–P165
    units = UnitMap({}, {fold("Huyện 1"): "UBND tỉnh Phú Thọ", fold("Huyện 2"): "UBND tỉnh Phú Thọ"}, {})
    res = compute_index(sources(b.frame(), catalogue([f"P{i}" for i in range(310)])), PERIOD, load(), units)
    p = res.score("UBND tỉnh Phú Thọ", pooled=True)
    a, bb, c = p.indicator("3.6"), p.indicator("3.5b"), p.indicator("3.5")
    assert (a.numerator, a.denominator) == (82913, 98459)
    assert (bb.numerator, bb.denominator) == (93, 310)
    assert (c.numerator, c.denominator) == (56, 310)
    assert round(p.groups["payment"][0], 2) == 6.25
    # the units' own denominators add up to more than the parent's: procedures are not summed
    assert res.score("Huyện 1").indicator("3.5b").denominator + res.score("Huyện 2").indicator("3.5b").denominator == 370


def test_payment_without_catalogue_counts_fee_dossiers_and_leaves_b_c_out():
    b = Builder()
    b.add("U", 3, fee=10000.0, online_payment=True)
    b.add("U", 1, fee=10000.0, online_payment=False)
    b.add("U", 5, fee=0.0, online_payment=False)  # no fee: not fee-bearing without a catalogue
    df = b.frame().assign(procedure_code="X")
    res = compute_index(sources(df), PERIOD, load())
    a = res.score("U").indicator("3.6")
    assert (a.numerator, a.denominator, a.points) == (3, 4, 4.5)
    missing = {n.code: n.needs for n in res.not_computed}
    assert "catalogue.fee_bearing" in missing["3.5b"] and "catalogue.fee_bearing" in missing["3.5"]


# ------------------------------------------------------------------ variants by hand


def _pay_case():
    b = Builder()
    b.add("U", 1, procedure_code="P1", fee=1000.0, online_payment=True)
    b.add("U", 1, procedure_code="P1", fee=1000.0, online_payment=False)
    b.add("Z", 1, procedure_code="P2", fee=0.0, online_payment=False)  # fee-bearing procedure, exempt dossier
    return sources(b.frame(), catalogue(["P1", "P2"]))


def test_variant_portal_payment_by_hand():
    res = compute_index(_pay_case(), PERIOD, load("portal-m0"))
    u = res.score("U")
    # A = 1/2 → 3; B = 1/1 → min(2, 2.5) = 2; C = 1/1 → 2.5 (not capped); group capped at 10
    assert [u.indicator(c).points for c in ("3.6", "3.5b", "3.5")] == [3.0, 2.0, 2.5]
    assert u.groups["payment"] == (7.5, 10.0)
    z = res.score("Z")
    # A has no dossier (exempt): the portal gives 0 and keeps its 6 points in the maximum
    assert z.indicator("3.6").denominator == 0 and z.indicator("3.6").points == 0.0
    assert z.groups["payment"][1] == 10.0


def test_variant_maximums_payment_by_hand():
    res = compute_index(_pay_case(), PERIOD, load("maximums"))
    u = res.score("U")
    assert [u.indicator(c).points for c in ("3.6", "3.5b", "3.5")] == [3.0, 2.0, 2.0]  # C capped at 2
    assert u.groups["payment"] == (7.0, 10.0)
    z = res.score("Z")
    assert z.indicator("3.6").points is None
    assert z.groups["payment"] == (0.0, 4.0)  # B 0/1 and C 0/1 scored; A out of the maximum
    assert res.formula.variant == "maximums" and res.to_json()["formula"]["variant"] == "maximums"


def test_online_group_split_and_thresholds_by_hand():
    b = Builder()
    # 5 procedures: 4 offered online (80 % → full 3.1), 2 full-online of which 1 used
    for i, sl in enumerate(["full", "full", "partial", "partial", "none"]):
        b.add("U", 1, procedure_code=f"P{i}", service_level=sl, channel="direct")
    b.add("U", 1, procedure_code="P0", service_level="full", channel="online")
    res = compute_index(sources(b.frame()), PERIOD, load("portal-m0"))
    u = res.score("U")
    assert (u.indicator("3.1").numerator, u.indicator("3.1").denominator, u.indicator("3.1").points) == (4, 5, 4.0)
    assert (u.indicator("3.2").numerator, u.indicator("3.2").denominator, u.indicator("3.2").points) == (1, 2, 2.0)
    # 3.3: 1 online of 6 → 4 × (1/6) / 0.5
    assert u.indicator("3.3").points == pytest.approx(4 * (1 / 6) / 0.5)
    res2 = compute_index(sources(b.frame()), PERIOD, load("maximums"))
    u2 = res2.score("U")
    assert {i.code for i in u2.indicators if i.group == "online"} == {"3.0"}
    assert u2.indicator("3.0").points == pytest.approx(12 * 1 / 3)  # 1 online of 3 full-online dossiers


def test_satisfaction_by_hand():
    b = Builder()
    b.add("U", 8, status="resolved", finished_at=pd.Timestamp("2026-08-10"), complaint=False)
    b.add("U", 1, status="resolved", finished_at=pd.Timestamp("2026-08-10"), complaint=True)
    b.add("U", 1, status="resolved", finished_at=pd.Timestamp("2026-08-25"), complaint=True)  # late + complaint
    res = compute_index(sources(b.frame()), PERIOD, load())
    s = res.score("U").indicator("5.4")
    # r = 1 − (1/10 overdue + 2/10 complaints) = 0.7 → min(6, 6 × 0.7 / 0.9)
    assert (s.numerator, s.denominator) == (7, 10)
    assert s.points == pytest.approx(6 * 0.7 / 0.9)


def test_ties_share_a_rank_within_level_and_parent():
    b = Builder()
    for u in ("X1", "X2"):
        b.progress(u, 10, 8)
    b.progress("X3", 10, 9)
    b.progress("X4", 10, 5)
    b.progress("T1", 10, 1)  # another level: its own ranking
    units = UnitMap({fold(u): "Xã" for u in ("X1", "X2", "X3", "X4")} | {fold("T1"): "Tỉnh"},
                    {fold(u): "H" for u in ("X1", "X2", "X3", "X4", "T1")}, {})
    res = compute_index(sources(b.frame()), PERIOD, load(), units)
    ranks = {s.unit: (s.rank, s.rank_among) for s in res.scores if not s.pooled}
    assert ranks == {"X3": (1, 4), "X1": (2, 4), "X2": (2, 4), "X4": (4, 4), "T1": (1, 1)}


# ------------------------------------------------------------------ where the points went


def test_shortfall_lists_overdue_first_and_is_capped():
    b = Builder()
    b.add("U", 6, status="resolved", finished_at=pd.Timestamp("2026-08-10"))
    b.add("U", 1, status="resolved", finished_at=pd.Timestamp("2026-08-22"))  # 2 days late
    b.add("U", 1, due_at=pd.Timestamp("2026-08-05"))  # pending, overdue since the 5th
    b.add("U", 1, due_at=pd.Timestamp("2026-08-25"))  # pending, overdue since the 25th
    df = b.frame()
    res = compute_index(sources(df), PERIOD, load(), max_dossiers=2)
    sf = next(f for f in res.score("U").shortfall if f.code == "2.1")
    assert sf.needed == 3 and sf.counts == "dossiers"
    assert sf.items == ["D0000008", "D0000009"] and sf.more_items == 1  # the longest overdue first
    assert sf.lost == pytest.approx(20 - 20 * 6 / 9)


# ------------------------------------------------------------------ pooled, not averaged


@settings(max_examples=30, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate])
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 4)), min_size=2, max_size=4))
def test_parent_points_come_from_pooled_counts(units):
    b = Builder()
    procs: set[str] = set()
    for k, (ok, late, nproc) in enumerate(units):
        b.add(f"U{k}", 1, status="resolved", finished_at=pd.Timestamp("2026-08-10"))  # every unit has data
        b.progress(f"U{k}", ok + late, ok)
        for p in range(nproc):  # procedures shared between units: P0, P1, …
            b.add(f"U{k}", 1, procedure_code=f"P{p}", fee=1000.0, online_payment=(p + k) % 2 == 0)
            procs.add(f"P{p}")
    df = b.frame()
    if "procedure_code" not in df.columns:
        df["procedure_code"] = None
    for c, v in (("fee", np.nan), ("online_payment", False)):
        if c not in df.columns:
            df[c] = v
    umap = UnitMap({}, {fold(f"U{k}"): "P" for k in range(len(units))}, {})
    res = compute_index(sources(df, catalogue(sorted(procs) or ["none"])), PERIOD, load(), umap)
    parent = res.score("P", pooled=True)
    kids = [res.score(f"U{k}") for k in range(len(units))]
    for code in ("2.1", "3.6"):
        num = sum(u.indicator(code).numerator for u in kids)
        den = sum(u.indicator(code).denominator for u in kids)
        s = parent.indicator(code)
        assert (s.numerator, s.denominator) == (num, den)
        ind = res.formula.indicator(code)
        assert s.points == pytest.approx(ind.points(num / den if den else None, "zero"))
    assert parent.indicator("3.5b").denominator == len(procs)  # distinct procedures, pooled


# ------------------------------------------------------------------ the command line

HEAD = ["Mã hồ sơ", "Mã thủ tục", "Đơn vị tiếp nhận", "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả",
        "Ngày có kết quả", "Trạng thái", "Phí, lệ phí", "Thanh toán trực tuyến", "Đồng bộ Cổng DVCQG"]


def _export(tmp_path):
    rows = [HEAD]
    n = 0

    def add(unit, k, proc, fin, status, fee, paid, due="20/08/2026"):
        nonlocal n
        for _ in range(k):
            n += 1
            rows.append([f"H{n:05d}", proc, unit, "Trực tuyến", "03/08/2026", due, fin, status, fee, paid, "Có"])

    # Ban quản lý: A 7/7 (no fee amount: C 0/3), B 2/3 → 7.67 (published)
    add("Ban quản lý KCN", 6, "1.001", "10/08/2026", "Đã trả kết quả", "", "Có")
    add("Ban quản lý KCN", 1, "1.002", "10/08/2026", "Đã trả kết quả", "", "Có")
    add("Ban quản lý KCN", 1, "1.003", "10/08/2026", "Đã trả kết quả", "0", "Không")
    # Sở Ngoại vụ: 2 received, 0 on time → 0 (published)
    add("Sở Ngoại vụ", 2, "2.001", "", "Đang xử lý", "0", "Không", due="10/08/2026")
    write_csv(tmp_path / "hoso.csv", rows)
    write_csv(tmp_path / "danhmuc.csv", [["Mã thủ tục", "Tên thủ tục", "Cấp thực hiện", "Mức độ", "Có phí, lệ phí"],
                                         ["1.001", "A", "Tỉnh", "Toàn trình", "Có"],
                                         ["1.002", "B", "Tỉnh", "Toàn trình", "Có"],
                                         ["1.003", "C", "Tỉnh", "Một phần", "Có"],
                                         ["2.001", "D", "Tỉnh", "Một phần", "Có"]])
    write_csv(tmp_path / "donvi.csv", [["Đơn vị", "Cấp", "Đơn vị cấp trên"],
                                       ["Ban quản lý KCN", "Tỉnh", "UBND tỉnh"],
                                       ["Sở Ngoại vụ", "Tỉnh", "UBND tỉnh"]])
    return tmp_path


def test_cli_index_json(tmp_path):
    d = _export(tmp_path)
    r = CliRunner().invoke(app, ["index", str(d / "hoso.csv"), "--catalogue", str(d / "danhmuc.csv"),
                                 "--units", str(d / "donvi.csv"), "--period", "2026-08", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["command"] == "index" and doc["tool"] == "cchc" and doc["schema_version"] == 1
    assert doc["formula"]["variant"] == "portal-m0" and doc["formula"]["version"]
    units = {(u["unit"], u["pooled"]): u for u in doc["units"]}
    bq = units[("Ban quản lý KCN", False)]
    pay = next(g for g in bq["groups"] if g["code"] == "payment")
    assert round(pay["points"], 2) == 7.67
    nv = units[("Sở Ngoại vụ", False)]
    prog = next(i for i in nv["indicators"] if i["code"] == "2.1")
    assert (prog["numerator"], prog["denominator"], prog["points"]) == (0, 2, 0.0)
    sync = next(i for i in nv["indicators"] if i["code"] == "1.4")
    assert sync["points"] == 6.0
    parent = units[("UBND tỉnh", True)]
    assert parent["level"] is None or parent["level"] == "Tỉnh"
    assert {n["indicator"] for n in doc["not_computed"]} >= {"1.1", "5.2", "4.1"}
    assert all("max" in n for n in doc["not_computed"])
    assert {u["rank"] for u in doc["units"] if not u["pooled"]} == {1, 2}


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_cli_index_formats(tmp_path, fmt):
    d = _export(tmp_path)
    r = CliRunner().invoke(app, ["index", str(d / "hoso.csv"), "--catalogue", str(d / "danhmuc.csv"),
                                 "--period", "2026-08", "--format", fmt, "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "2.1" in r.stdout


def test_cli_index_xlsx(tmp_path):
    d = _export(tmp_path)
    out = tmp_path / "index.xlsx"
    r = CliRunner().invoke(app, ["index", str(d / "hoso.csv"), "--period", "2026-08", "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0


def test_cli_explain_and_unknown_variant():
    r = CliRunner().invoke(app, ["index", "--explain", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "SCORING_ANALYSIS_M0" in r.stdout and "2.1" in r.stdout
    r = CliRunner().invoke(app, ["index", "--explain", "--formula", "maximums", "--format", "json"])
    doc = json.loads(r.stdout)
    assert doc["formula"]["variant"] == "maximums"
    r = CliRunner().invoke(app, ["index", "--explain", "--formula", "portal"])
    assert r.exit_code == 2


# ------------------------------------------------------------------ targets and diff


def _targets(tmp_path, body: str):
    p = tmp_path / "t.toml"
    p.write_text('name = "t"\n' + body, encoding="utf-8")
    return p


def test_index_targets_validate(tmp_path):
    from cchc_cli.errors import ConfigError
    from cchc_cli.targets import load_targets

    ok = load_targets(_targets(tmp_path, '[[targets]]\nindex = "qd766.progress"\nmin_points = 15\n'))
    assert ok.targets[0].index == "qd766.progress" and ok.targets[0].kpi is None
    for bad in ('[[targets]]\nindex = "qd766.progres"\nmin_points = 15\n',
                '[[targets]]\nindex = "qd766.total"\nmin = 0.5\n',
                '[[targets]]\nkpi = "online_rate"\nmin_points = 5\n',
                '[[targets]]\nindex = "qd766.total"\n'):
        with pytest.raises(ConfigError):
            load_targets(_targets(tmp_path, bad))


def test_check_targets_index_statuses_and_exit_codes(tmp_path):
    d = _export(tmp_path)
    base = ["check-targets", str(d / "hoso.csv"), "--catalogue", str(d / "danhmuc.csv"), "--units", str(d / "donvi.csv"),
            "--period", "2026-08", "--index", "--format", "json"]
    t = _targets(tmp_path, '[[targets]]\nindex = "qd766.progress"\nmin_points = 10\nwarn_min_points = 20\n')
    r = CliRunner().invoke(app, base + ["--targets", str(t)])
    assert r.exit_code == 1, r.output  # Sở Ngoại vụ: 0 points < 10
    doc = json.loads(r.stdout)
    st = {(c["group"]["unit"], c["group"].get("pooled", False)): c["status"] for c in doc["checks"]}
    assert st[("Sở Ngoại vụ", False)] == "fail"
    assert st[("Ban quản lý KCN", False)] == "pass"  # 20 points: equal to warn_min_points meets it
    assert doc["summary"]["fail"] >= 1
    t2 = _targets(tmp_path, '[[targets]]\nindex = "qd766.total"\nunit = "Ban quản lý KCN"\nmin_points = 1\n')
    r = CliRunner().invoke(app, base + ["--targets", str(t2)])
    assert r.exit_code == 0, r.output
    t3 = _targets(tmp_path, '[[targets]]\nkpi = "online_rate"\nmin = 0.5\n')
    r = CliRunner().invoke(app, base + ["--targets", str(t3)])
    assert r.exit_code == 2


def test_diff_index_points_and_rank_moves(tmp_path):
    d = _export(tmp_path)
    old = tmp_path / "old.json"
    r = CliRunner().invoke(app, ["index", str(d / "hoso.csv"), "--catalogue", str(d / "danhmuc.csv"),
                                 "--period", "2026-08", "--format", "json", "--output", str(old)])
    assert r.exit_code == 0, r.output
    doc = json.loads(old.read_text(encoding="utf-8"))
    for u in doc["units"]:  # the old side had 3 more points of progress everywhere
        for g in u["groups"]:
            if g["code"] == "progress":
                g["points"] += 3
        u["total"] += 3
    old.write_text(json.dumps(doc), encoding="utf-8")
    args = ["diff", "--index", str(old), str(d / "hoso.csv"), "--catalogue", str(d / "danhmuc.csv"),
            "--period", "2026-08", "--format", "json"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    tot = next(x for x in out["points"] if x["code"] == "qd766.total" and x["unit"] == "Sở Ngoại vụ")
    assert tot["delta"] == -3 and tot["change"] == "regressed" and tot["old_rank"] == tot["new_rank"]
    assert CliRunner().invoke(app, args + ["--fail-on-regression", "2"]).exit_code == 1
    assert CliRunner().invoke(app, args + ["--fail-on-regression", "3"]).exit_code == 0


def test_a_province_pools_every_descendant_and_a_parent_its_own_dossiers():
    b = Builder()
    b.progress("Xã 1", 10, 10)
    b.progress("Xã 2", 10, 0)
    b.progress("Huyện A", 10, 5)  # the district's own dossiers
    b.progress("Sở B", 10, 10)
    units = UnitMap({fold("Xã 1"): "Xã", fold("Xã 2"): "Xã", fold("Huyện A"): "Huyện", fold("Sở B"): "Tỉnh",
                     fold("Tỉnh T"): "Tỉnh"},
                    {fold("Xã 1"): "Huyện A", fold("Xã 2"): "Huyện A", fold("Huyện A"): "Tỉnh T", fold("Sở B"): "Tỉnh T"},
                    {})
    res = compute_index(sources(b.frame()), PERIOD, load(), units)
    district = res.score("Huyện A", pooled=True)
    assert (district.indicator("2.1").numerator, district.indicator("2.1").denominator) == (15, 30)
    assert district.units == 3 and district.parent == "Tỉnh T" and district.level == "Huyện"
    province = res.score("Tỉnh T", pooled=True)
    assert (province.indicator("2.1").numerator, province.indicator("2.1").denominator) == (25, 40)
    assert province.units == 4


def test_compute_by_parent_needs_units(tmp_path):
    d = _export(tmp_path)
    base = ["compute", str(d / "hoso.csv"), "--period", "2026-08", "--by", "parent", "--format", "json"]
    assert CliRunner().invoke(app, base).exit_code == 2
    r = CliRunner().invoke(app, base + ["--units", str(d / "donvi.csv")])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert {c["group"]["parent"] for c in doc["counts"] if c["group"]} == {"UBND tỉnh"}


def test_missing_field_in_some_files_is_excluded_not_silent():
    b = Builder()
    b.add("U", 4, digitised_dossier=True)
    df = b.frame()
    df["digitised_dossier!"] = [False, False, True, True]  # unreadable in two rows
    res = compute_index(sources(df), PERIOD, load())
    s = res.score("U").indicator("4.2")
    assert (s.numerator, s.denominator, s.excluded) == (2, 2, 2)


def test_new_fields_read_from_real_headers(tmp_path):
    head = ["Mã hồ sơ", "Mã thủ tục", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả",
            "Trạng thái", "Số hóa kết quả", "Số hóa hồ sơ", "Mức độ hài lòng", "Phản ánh, kiến nghị"]
    rows = [head]
    for i, (sat, pakn, eres) in enumerate([("Hài lòng", "Không", "Có"), ("Không hài lòng", "Không", "Không"),
                                           ("Bình thường", "Có", "Có"), ("Rất hài lòng", "", "Có")]):
        rows.append([f"H{i}", "1.001", "UBND xã A", "03/08/2026", "20/08/2026", "10/08/2026", "Đã trả kết quả",
                     eres, "Có", sat, pakn])
    write_csv(tmp_path / "hoso.csv", rows)
    write_csv(tmp_path / "dm.csv", [["Mã thủ tục", "Tên thủ tục", "Cấp thực hiện", "Mức độ", "Kết quả là giấy tờ"],
                                    ["1.001", "A", "Xã", "Một phần", "Có"]])
    r = CliRunner().invoke(app, ["index", str(tmp_path / "hoso.csv"), "--catalogue", str(tmp_path / "dm.csv"),
                                 "--period", "2026-08", "--format", "json"])
    assert r.exit_code == 0, r.output
    u = json.loads(r.stdout)["units"][0]
    ind = {i["code"]: i for i in u["indicators"]}
    assert (ind["5.4"]["numerator"], ind["5.4"]["denominator"]) == (2, 4)  # one dissatisfied, one complaint
    assert (ind["4.1"]["numerator"], ind["4.1"]["denominator"]) == (3, 4)
    assert (ind["4.2"]["numerator"], ind["4.2"]["denominator"]) == (3, 4)  # paper result: needs the e-result too
