"""Vietnamese working-day calendar (cchc_cli.calendar): package days, calendar files,
statutory due dates (scalar and vectorised)."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc_cli.calendar import (
    MAX_LIMIT_DAYS,
    CalendarYear,
    DayEntry,
    WorkCalendar,
    load_calendar_file,
    parse_calendar_data,
)
from cchc_cli.errors import ConfigError

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def span(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def off_weekdays(cal: WorkCalendar, a: dt.date, b: dt.date) -> list[dt.date]:
    return [d for d in span(a, b) if d.weekday() < 5 and not cal.is_working_day(d)]


def working_weekend(cal: WorkCalendar, a: dt.date, b: dt.date) -> list[dt.date]:
    return [d for d in span(a, b) if d.weekday() >= 5 and cal.is_working_day(d)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------------------
# Days that come from the holidays package (no calendar file)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, last, weekdays_off",
    [
        # Tết 2023: official break Fri 20 - Thu 26 Jan (7 days).
        (D(2023, 1, 20), D(2023, 1, 26), [D(2023, 1, 20), *span(D(2023, 1, 23), D(2023, 1, 26))]),
        # Tết 2024: official break Thu 8 - Wed 14 Feb (7 days).
        (D(2024, 2, 8), D(2024, 2, 14), [D(2024, 2, 8), D(2024, 2, 9), *span(D(2024, 2, 12), D(2024, 2, 14))]),
        # Tết 2025: official break Sat 25 Jan - Sun 2 Feb (9 days).
        (D(2025, 1, 25), D(2025, 2, 2), span(D(2025, 1, 27), D(2025, 1, 31))),
    ],
)
def test_tet_spans(cal, first, last, weekdays_off):
    assert off_weekdays(cal, first, last) == weekdays_off
    assert working_weekend(cal, first, last) == []
    # the whole span is off, and the days around it are working days
    assert not any(cal.is_working_day(d) for d in span(first, last))
    before = first - dt.timedelta(days=1)
    while before.weekday() >= 5:
        before -= dt.timedelta(days=1)
    after = last + dt.timedelta(days=1)
    while after.weekday() >= 5:
        after += dt.timedelta(days=1)
    assert cal.is_working_day(before) and cal.is_working_day(after)
    reasons = dict(cal.working_days_off(first.year))
    assert all("Tết" in reasons[d] for d in weekdays_off)


def test_2023_new_year_compensatory_day(cal):
    # 1/1/2023 is a Sunday: Monday 2/1 is the compensatory day.
    assert not cal.is_working_day(D(2023, 1, 2))
    assert "nghỉ bù" in dict(cal.working_days_off(2023))[D(2023, 1, 2)]


def test_2023_reunification_labour_day(cal):
    # Hùng Kings' day (10/3 lunar) is Sat 29/4, 30/4 a Sunday, 1/5 a Monday: the official
    # break is 29/4 - 3/5, 2/5 and 3/5 being compensatory days (Labour Code art. 112(3)),
    # with no Saturday worked in exchange.
    assert off_weekdays(cal, D(2023, 4, 24), D(2023, 5, 14)) == [D(2023, 5, 1), D(2023, 5, 2), D(2023, 5, 3)]
    assert cal.is_working_day(D(2023, 4, 28)) and cal.is_working_day(D(2023, 5, 4))
    assert not cal.is_working_day(D(2023, 5, 6)) and not cal.is_working_day(D(2023, 5, 13))
    reasons = dict(cal.working_days_off(2023))
    assert "Giỗ Tổ Hùng Vương" in reasons[D(2023, 5, 2)] and "nghỉ bù" in reasons[D(2023, 5, 2)]
    assert "nghỉ bù" in reasons[D(2023, 5, 3)]


def test_2023_national_day(cal):
    # 2/9/2023 is a Saturday: 1/9 (Fri) is the second National Day, 4/9 (Mon) compensatory.
    assert off_weekdays(cal, D(2023, 8, 28), D(2023, 9, 8)) == [D(2023, 9, 1), D(2023, 9, 4)]
    assert "Quốc khánh" in dict(cal.working_days_off(2023))[D(2023, 9, 4)]


def test_2024_holidays_and_package_swap(cal):
    assert off_weekdays(cal, D(2024, 4, 15), D(2024, 4, 19)) == [D(2024, 4, 18)]  # Hùng Kings
    # 30/4 Tue, 1/5 Wed; Mon 29/4 off swapped against Saturday 4/5 (VPCP 2450/VPCP-KGVX).
    assert off_weekdays(cal, D(2024, 4, 22), D(2024, 5, 10)) == [D(2024, 4, 29), D(2024, 4, 30), D(2024, 5, 1)]
    assert working_weekend(cal, D(2024, 1, 1), D(2024, 12, 31)) == [D(2024, 5, 4)]
    assert dict(cal.working_days_off(2024))[D(2024, 5, 4)].startswith("Làm bù (thứ Bảy)")
    assert off_weekdays(cal, D(2024, 8, 26), D(2024, 9, 6)) == [D(2024, 9, 2), D(2024, 9, 3)]


def test_2025_holidays_and_package_swap(cal):
    assert off_weekdays(cal, D(2025, 4, 7), D(2025, 4, 11)) == [D(2025, 4, 7)]  # Hùng Kings
    # 30/4 Wed, 1/5 Thu; Fri 2/5 off swapped against Saturday 26/4.
    assert off_weekdays(cal, D(2025, 4, 21), D(2025, 5, 9)) == [D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2)]
    assert working_weekend(cal, D(2025, 1, 1), D(2025, 12, 31)) == [D(2025, 4, 26)]
    assert off_weekdays(cal, D(2025, 8, 25), D(2025, 9, 5)) == [D(2025, 9, 1), D(2025, 9, 2)]


def test_working_days_off_lists_weekdays_off_and_working_weekends(cal):
    rows = cal.working_days_off(2024)
    assert rows == sorted(rows)
    assert all(isinstance(r, str) and r for _, r in rows)
    for d, _ in rows:
        assert (d.weekday() >= 5) == cal.is_working_day(d)
    # every weekday off of the year is listed
    listed = {d for d, _ in rows}
    assert set(off_weekdays(cal, D(2024, 1, 1), D(2024, 12, 31))) <= listed
    assert len([d for d in listed if d.weekday() < 5]) == 12  # 11 statutory days + 1 swap


# --------------------------------------------------------------------------------------
# Calendar files
# --------------------------------------------------------------------------------------

# Synthetic decision used below: the government moves Thursday 4 and Friday 5 May 2023 off
# and makes Saturday 13 and Sunday 14 May working days (not a real decision).
GOOD_2023 = """\
year = 2023
source = "Quyết định thử nghiệm (test)"
days_off = ["2023-05-04", {date = 2023-05-05, reason = "Nghỉ hoán đổi"}]
working_saturdays = ["2023-05-13"]
working_days = ["2023-05-14"]
"""


def test_file_adds_days_off_and_working_weekend_days(tmp_path):
    path = write(tmp_path, "lich-2023.toml", GOOD_2023)
    cal = WorkCalendar([path])
    assert not cal.is_working_day(D(2023, 5, 4)) and not cal.is_working_day(D(2023, 5, 5))
    assert cal.is_working_day(D(2023, 5, 13)) and cal.is_working_day(D(2023, 5, 14))
    days = {c.date: c for c in cal.calendar_days(2023)}
    assert days[D(2023, 5, 4)].reason == "Ngày nghỉ theo lịch năm 2023"
    assert days[D(2023, 5, 5)].reason == "Nghỉ hoán đổi"
    assert days[D(2023, 5, 13)].reason == "Làm bù (thứ Bảy)"
    assert days[D(2023, 5, 14)].reason == "Làm bù (Chủ nhật)"
    assert str(path) in days[D(2023, 5, 13)].source
    # package days are still there, with their source
    assert days[D(2023, 5, 2)].source.startswith("holidays")
    assert cal.file_years == {2023: f"{path} (Quyết định thử nghiệm (test))"}


def test_working_saturday_from_file_shifts_due_date(tmp_path):
    path = write(tmp_path, "sat.toml", 'year = 2023\nworking_saturdays = ["2023-05-06"]\n')
    plain, with_file = WorkCalendar(), WorkCalendar([path])
    # received Friday 5 May 2023, 1 working day
    assert plain.statutory_due_date(D(2023, 5, 5), 1) == D(2023, 5, 8)
    assert with_file.statutory_due_date(D(2023, 5, 5), 1) == D(2023, 5, 6)
    assert with_file.statutory_due_date(D(2023, 5, 5), 2) == D(2023, 5, 8)
    got = with_file.statutory_due_dates(np.array(["2023-05-05"], dtype="datetime64[D]"), [1.0])
    assert got[0] == np.datetime64("2023-05-06")


def test_several_files_one_per_year(tmp_path):
    a = write(tmp_path, "a.toml", 'year = 2023\nworking_saturdays = ["2023-05-06"]\n')
    b = write(tmp_path, "b.toml", 'year = 2022\ndays_off = ["2022-12-30"]\n')
    cal = WorkCalendar([a, b])
    assert cal.is_working_day(D(2023, 5, 6)) and not cal.is_working_day(D(2022, 12, 30))
    c = write(tmp_path, "c.toml", 'year = 2023\n')
    with pytest.raises(ConfigError) as e:
        WorkCalendar([a, c])
    assert "a.toml" in str(e.value) and "c.toml" in str(e.value) and "2023" in str(e.value)


@pytest.mark.parametrize(
    "text, key, value, advice",
    [
        ('year = 2023\ndays_off = ["2023-02-30"]\n', "days_off[0]", '"2023-02-30"', "YYYY-MM-DD"),
        ('year = 2023\ndays_off = ["2023-05-02", "2024-01-02"]\n', "days_off[1]", "2024-01-02", "calendar file for 2024"),
        ('year = 2023\ndayz_off = ["2023-05-02"]\n', "dayz_off", '"2023-05-02"', "did you mean 'days_off'"),
        ('year = 2023\nworking_saturdays = ["2023-05-05"]\n', "working_saturdays[0]", "2023-05-05", "Saturdays or Sundays"),
        ('year = 2023\nworking_days = ["2023-05-08"]\n', "working_days[0]", "2023-05-08", "Saturdays or Sundays"),
        ('year = 2023\ndays_off = ["2023-05-06"]\n', "days_off[0]", "2023-05-06", "only weekdays"),
        ('year = 2023\ndays_off = ["2/5/2023"]\n', "days_off[0]", '"2/5/2023"', "YYYY-MM-DD"),
        ('year = 2023\ndays_off = [2023-05-02T08:00:00]\n', "days_off[0]", "2023-05-02T08:00:00", "YYYY-MM-DD"),
        ('year = "2023"\n', "year", '"2023"', "whole number"),
        ('days_off = ["2023-05-02"]\n', "year", "", "add it"),
        ('year = 2023\ndays_off = ["2023-05-04"]\nworking_days = ["2023-05-04"]\n', "days_off", "2023-05-04", "remove it"),
        ('year = 2023\ndays_off = [{date = "2023-05-04", why = "x"}]\n', "days_off[0]", "why", "reason"),
    ],
)
def test_invalid_file_message_names_file_key_value(tmp_path, monkeypatch, text, key, value, advice):
    monkeypatch.setenv("CCHC_LANG", "en")  # the English wording (Vietnamese is the default)
    path = write(tmp_path, "lich-sai.toml", text)
    with pytest.raises(ConfigError) as e:
        load_calendar_file(path)
    msg = str(e.value)
    assert e.value.exit_code == 2
    assert "lich-sai.toml" in msg
    assert f"'{key}'" in msg
    assert value in msg
    assert advice in msg


def test_invalid_file_via_workcalendar_and_unreadable_files(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_LANG", "en")  # the English wording (Vietnamese is the default)
    bad = write(tmp_path, "bad.toml", 'year = 2023\ndays_off = ["2023-02-30"]\n')
    with pytest.raises(ConfigError, match="bad.toml"):
        WorkCalendar([bad])
    with pytest.raises(ConfigError, match="not found"):
        WorkCalendar([tmp_path / "missing.toml"])
    broken = write(tmp_path, "broken.toml", "year = 2023\n[x\n")
    with pytest.raises(ConfigError, match="broken.toml.*not valid TOML"):
        load_calendar_file(broken)


def test_parse_calendar_data_in_memory():
    cy = parse_calendar_data({"year": 2024, "working_days": ["2024-05-05"]}, "mem.toml")
    assert cy == CalendarYear(2024, "", (), (DayEntry(D(2024, 5, 5)),), "mem.toml")
    assert WorkCalendar(years=[cy]).is_working_day(D(2024, 5, 5))


# --------------------------------------------------------------------------------------
# Statutory due dates
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "received, limit, due",
    [
        (D(2023, 3, 6), 1, D(2023, 3, 7)),  # Monday + 1 -> Tuesday (receipt day not counted)
        (D(2023, 3, 10), 1, D(2023, 3, 13)),  # Friday + 1 -> Monday
        (D(2023, 3, 11), 1, D(2023, 3, 13)),  # Saturday + 1 -> Monday
        (D(2023, 3, 6), 0.5, D(2023, 3, 7)),  # half a day rounds up to one
        (D(2023, 3, 6), 2.5, D(2023, 3, 9)),
        (D(2023, 3, 6), 0, D(2023, 3, 6)),  # limit 0 on a working day: the same day
        (D(2023, 3, 11), 0, D(2023, 3, 13)),  # limit 0 on Saturday: next working day
        (dt.datetime(2023, 3, 6, 16, 30), 1, D(2023, 3, 7)),  # time of day ignored
        (D(2023, 1, 19), 1, D(2023, 1, 27)),  # across Tết 2023
        (D(2023, 4, 28), 3, D(2023, 5, 8)),  # across 29/4 - 3/5/2023
        (D(2024, 4, 26), 1, D(2024, 5, 2)),  # 29/4 swapped, 30/4 and 1/5 off
        (D(2024, 5, 3), 1, D(2024, 5, 4)),  # working Saturday 4/5/2024
        (D(2023, 1, 2), 10, D(2023, 1, 16)),
    ],
)
def test_statutory_due_date_examples(cal, received, limit, due):
    assert cal.statutory_due_date(received, limit) == due
    got = cal.statutory_due_dates(np.array([np.datetime64(received, "D")]), np.array([float(limit)]))
    assert got[0] == np.datetime64(due)


@pytest.mark.parametrize("limit", [-1, float("nan"), float("inf"), MAX_LIMIT_DAYS + 1])
def test_invalid_limits(cal, limit):
    with pytest.raises(ValueError):
        cal.statutory_due_date(D(2023, 3, 6), limit)
    assert np.isnat(cal.statutory_due_dates(np.array(["2023-03-06"], dtype="datetime64[D]"), [limit])[0])


def test_out_of_range_dates(cal):
    with pytest.raises(ValueError):
        cal.statutory_due_date(D(1989, 12, 29), 1)
    with pytest.raises(ValueError):
        cal.statutory_due_date(D(2100, 12, 30), 5)  # due date beyond 2100
    got = cal.statutory_due_dates(np.array(["1989-12-29", "2100-12-30", "2100-12-20"], dtype="datetime64[D]"), [1, 5, 1])
    assert np.isnat(got[0]) and np.isnat(got[1]) and got[2] == np.datetime64(cal.statutory_due_date(D(2100, 12, 20), 1))


def test_vectorised_accepts_pandas_and_times(cal):
    received = pd.Series(pd.to_datetime(["2023-03-10 23:59", None, "2023-03-11 08:00", "1969-12-31 23:00"]))
    limits = pd.Series([1.0, 1.0, None, 0.0], dtype="Float64")
    got = cal.statutory_due_dates(received, limits)
    assert got.dtype == np.dtype("datetime64[D]")
    assert got[0] == np.datetime64("2023-03-13")
    assert np.isnat(got[1]) and np.isnat(got[2]) and np.isnat(got[3])  # NaT, NA limit, before 1990
    tz = pd.Series(pd.to_datetime(["2023-03-10 23:30"]).tz_localize("Asia/Ho_Chi_Minh"))
    assert cal.statutory_due_dates(tz, 1)[0] == np.datetime64("2023-03-13")  # local date kept
    objs = np.array([D(2023, 3, 10), None], dtype=object)
    assert list(cal.statutory_due_dates(objs, [1, 1]).astype(str)) == ["2023-03-13", "NaT"]


def test_vectorised_million_rows(cal):
    rng = np.random.default_rng(0)
    n = 1_000_000
    received = np.datetime64("2020-01-01") + rng.integers(0, 6 * 365, n).astype("timedelta64[D]")
    limits = rng.integers(0, 120, n) / 2
    got = cal.statutory_due_dates(received, limits)
    for i in rng.integers(0, n, 30):
        assert got[i] == np.datetime64(cal.statutory_due_date(received[i].item(), limits[i]))


def test_core_module_does_not_import_cli_libraries():
    code = "import sys, cchc_cli.calendar; print('typer' in sys.modules or 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

receipts = st.dates(min_value=D(2019, 12, 1), max_value=D(2026, 12, 31))
limits = st.one_of(st.integers(0, 60).map(float), st.integers(0, 120).map(lambda x: x / 2), st.floats(0, 60))
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(received=receipts, limit=limits)
def test_due_date_is_a_working_day_not_before_receipt_plus_n(cal, received, limit):
    n = math.ceil(limit)
    due = cal.statutory_due_date(received, limit)
    assert cal.is_working_day(due)
    assert due >= received + dt.timedelta(days=n)
    if n >= 1:
        # exactly n working days in (received, due]
        assert sum(cal.is_working_day(d) for d in span(received + dt.timedelta(days=1), due)) == n


@FAST
@given(received=receipts, n=st.integers(0, 60))
def test_one_more_working_day_moves_to_next_working_day(cal, received, n):
    due = cal.statutory_due_date(received, n)
    nxt = cal.statutory_due_date(received, n + 1)
    if n == 0 and not cal.is_working_day(received):
        # limit 0 on a day off already waits for the first working day
        assert nxt == due
        return
    expected = due + dt.timedelta(days=1)
    while not cal.is_working_day(expected):
        expected += dt.timedelta(days=1)
    assert nxt == expected


@FAST
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.dates(min_value=D(1989, 12, 1), max_value=D(2027, 12, 31))),
            st.one_of(st.none(), st.just(math.nan), st.just(math.inf), st.floats(-5, 80), st.integers(-3, 80).map(float)),
        ),
        min_size=0,
        max_size=40,
    )
)
def test_vectorised_equals_scalar(cal, rows):
    received = np.array([np.datetime64(r, "D") if r else np.datetime64("NaT", "D") for r, _ in rows], dtype="datetime64[D]")
    lim = np.array([np.nan if x is None else x for _, x in rows], dtype=float)
    got = cal.statutory_due_dates(received, lim)
    assert got.shape == (len(rows),)
    for (r, x), g in zip(rows, got):
        try:
            want = None if r is None or x is None else cal.statutory_due_date(r, x)
        except ValueError:
            want = None
        if want is None:
            assert np.isnat(g)
        else:
            assert g == np.datetime64(want)


@pytest.fixture(scope="module")
def cal_with_file(tmp_path_factory) -> WorkCalendar:
    return WorkCalendar([write(tmp_path_factory.mktemp("cal"), "lich-2023.toml", GOOD_2023)])


@FAST
@given(received=st.dates(min_value=D(2023, 4, 1), max_value=D(2023, 6, 30)), n=st.integers(0, 30))
def test_file_days_are_used_by_both_versions(cal_with_file, received, n):
    want = cal_with_file.statutory_due_date(received, n)
    got = cal_with_file.statutory_due_dates(np.array([received], dtype="datetime64[D]"), [n])
    assert got[0] == np.datetime64(want)
