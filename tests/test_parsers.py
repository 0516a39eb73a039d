"""Value parsers (inputs.md "Values" and "Dates"), their vectorised forms, and the promise
that a column validated at once says what pydantic says of each row.

The property tests at the bottom hold ``Date.vector`` to ``Date.scalar`` over generated
strings and spreadsheet-like object columns, ``Text.vector`` to ``Text.scalar``, and the
whole read-and-validate pipeline (a real CSV through ``read_table`` and ``validate_table``)
to ``DossierRecord.model_validate`` row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from builders import write_csv
from cchc_cli.reading import read_table
from cchc_cli.schema.headers import ColumnMap
from cchc_cli.schema.models import DossierRecord, field_specs, spec_of
from cchc_cli.schema.parsers import Date, Money, ParseError, Text, WorkingDays
from cchc_cli.validate import invalid_col, validate_table

DATE = Date()
T = pd.Timestamp


def vector_one(parser, v, dtype=object):
    values, invalid = parser.vector(pd.Series([v], dtype=dtype))
    return values.iloc[0], bool(invalid[0])


# ---------------------------------------------------------------- dates

VALID_DATES = {
    "23/03/2023": T(2023, 3, 23),
    "23/03/2023 14:05": T(2023, 3, 23, 14, 5),
    "23/03/2023 14:05:10": T(2023, 3, 23, 14, 5, 10),
    "23-03-2023": T(2023, 3, 23),
    "23.03.2023": T(2023, 3, 23),
    "3/1/2023": T(2023, 1, 3),  # day first, unpadded
    "14:05 23/03/2023": T(2023, 3, 23, 14, 5),
    "14:05:10 23/03/2023": T(2023, 3, 23, 14, 5, 10),
    "2023-03-23": T(2023, 3, 23),
    "2023-03-23T14:05:00": T(2023, 3, 23, 14, 5),
    "2023-03-23 14:05:00": T(2023, 3, 23, 14, 5),
    "45008": T(2023, 3, 23),  # Excel serial as text
    "45008.5": T(2023, 3, 23, 12),
    "  23/03/2023\u00a0": T(2023, 3, 23),
    "29/02/2024": T(2024, 2, 29),
    "29/02/2000": T(2000, 2, 29),
    "01/01/1990": T(1990, 1, 1),
    "31/12/2100 23:59:59": T(2100, 12, 31, 23, 59, 59),
}


@pytest.mark.parametrize("text", list(VALID_DATES))
def test_date_forms(text):
    expected = VALID_DATES[text]
    assert DATE.scalar(text) == expected
    for dtype in (object, pd.StringDtype("pyarrow")):
        got, bad = vector_one(DATE, text, dtype)
        assert not bad and got == expected


INVALID_DATES = {
    "31/02/2023": "invalid_day",  # never 3 March
    "30/02/2024": "invalid_day",
    "29/02/2023": "invalid_day",
    "29/02/2100": "invalid_day",  # 2100 is not a leap year
    "31/04/2023": "invalid_day",
    "00/03/2023": "invalid_day",
    "03/23/2023": "invalid_month",  # month first is never tried
    "12/13/2023": "invalid_month",
    "23/03/2023 24:00": "invalid_time",
    "23/03/2023 14:60": "invalid_time",
    "31/12/1989": "date_out_of_range",
    "01/01/2101": "date_out_of_range",
    "1899-12-31": "date_out_of_range",
    "15": "date_out_of_range",  # a small number is not a serial date
    "9999999": "date_out_of_range",
    "2023/03/23": "not_a_date",
    "23/03/23": "not_a_date",
    "23 tháng 3 năm 2023": "not_a_date",
    "-45008": "not_a_date",
    "hôm nay": "not_a_date",
}


@pytest.mark.parametrize("text", list(INVALID_DATES))
def test_impossible_or_unreadable_dates_are_errors(text):
    with pytest.raises(ParseError) as e:
        DATE.scalar(text)
    assert e.value.code == INVALID_DATES[text]
    for dtype in (object, pd.StringDtype("pyarrow")):
        got, bad = vector_one(DATE, text, dtype)
        assert bad and pd.isna(got)


def test_31_february_is_never_rolled_over_in_a_column():
    s = pd.Series(["28/02/2023", "31/02/2023", "01/03/2023", "31/02/2023"], dtype=pd.StringDtype("pyarrow"))
    values, invalid = DATE.vector(s)
    assert invalid.tolist() == [False, True, False, True]
    assert values.tolist()[0] == T(2023, 2, 28) and values.tolist()[2] == T(2023, 3, 1)
    assert values.isna().tolist() == [False, True, False, True]
    assert not (values == T(2023, 3, 3)).any()


def test_invalid_day_names_the_parts():
    with pytest.raises(ParseError) as e:
        DATE.scalar("31/02/2023")
    assert e.value.params == {"day": 31, "month": 2, "year": 2023}


NATIVE = [
    (dt.datetime(2023, 3, 23, 14, 5, 10, 999_999), T(2023, 3, 23, 14, 5, 10)),  # to the second
    (dt.date(2023, 3, 23), T(2023, 3, 23)),
    (T("2023-03-23 14:05:07.999999999"), T(2023, 3, 23, 14, 5, 7)),
    (T("2023-03-23 14:05", tz="Asia/Ho_Chi_Minh"), T(2023, 3, 23, 14, 5)),  # wall-clock time
    (45008, T(2023, 3, 23)),
    (45008.75, T(2023, 3, 23, 18)),
    (np.int64(45008), T(2023, 3, 23)),
    (np.float64(45008.5), T(2023, 3, 23, 12)),
    (np.datetime64("2023-03-23T14:05:07.5"), T(2023, 3, 23, 14, 5, 7)),
]


@pytest.mark.parametrize("value,expected", NATIVE, ids=[type(v).__name__ + str(i) for i, (v, _) in enumerate(NATIVE)])
def test_native_dates_and_serials(value, expected):
    assert DATE.scalar(value) == expected
    got, bad = vector_one(DATE, value)
    assert not bad and got == expected


@pytest.mark.parametrize("value", [True, 15, -1.0, float("inf"), dt.datetime(1989, 12, 31), dt.time(14, 5),
                                   np.datetime64("9999-12-31")])
def test_native_values_that_are_not_dates(value):
    with pytest.raises(ParseError):
        DATE.scalar(value)
    got, bad = vector_one(DATE, value)
    assert bad and pd.isna(got)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000\t", float("nan"), pd.NaT, pd.NA, np.datetime64("NaT")])
def test_blank_dates_are_missing_not_errors(value):
    assert DATE.scalar(value) is None
    got, bad = vector_one(DATE, value)
    assert not bad and pd.isna(got)


def test_datetime_column_with_far_future_sentinel():
    s = pd.Series(np.array(["2023-03-23T14:05:07.9", "9999-12-31", "NaT", "1989-12-31"], dtype="datetime64[us]"))
    values, invalid = DATE.vector(s)
    assert values.iloc[0] == T(2023, 3, 23, 14, 5, 7)
    assert invalid.tolist() == [False, True, False, True]


# ---------------------------------------------------------------- money and working days

MONEY = {
    "50.000": 50000.0,
    "50,000 đ": 50000.0,
    "50.000đ": 50000.0,
    "1.234.567 VNĐ": 1234567.0,
    "1,234,567 VND": 1234567.0,
    "100.000 đồng": 100000.0,
    "50 000": 50000.0,
    "0": 0.0,
    "12,5": 12.5,
    50000: 50000.0,
    50000.0: 50000.0,
}


@pytest.mark.parametrize("value", list(MONEY))
def test_money(value):
    assert Money().scalar(value) == MONEY[value]


@pytest.mark.parametrize("value,code", [("-50.000", "negative"), ("-5", "negative"), (-1.0, "negative"),
                                        ("năm mươi nghìn", "not_a_number"), ("50.00.0", "not_a_number"),
                                        (float("inf"), "not_a_number"), (True, "not_a_number")])
def test_money_errors(value, code):
    with pytest.raises(ParseError) as e:
        Money().scalar(value)
    assert e.value.code == code


@pytest.mark.parametrize("value,expected", [("15 ngày làm việc", 15.0), ("15 NGÀY LÀM VIỆC", 15.0), ("15 ngày", 15.0),
                                            ("15", 15.0), (15, 15.0), ("0,5", 0.5), ("  3 ngày lv ", 3.0), ("", None)])
def test_working_days(value, expected):
    assert WorkingDays().scalar(value) == expected


@pytest.mark.parametrize("value", ["mười lăm ngày", "-3", -3, "15 tuần"])
def test_working_days_errors(value):
    with pytest.raises(ParseError):
        WorkingDays().scalar(value)


# ---------------------------------------------------------------- vocabularies

def parser_of(field: str):
    return spec_of(DossierRecord, field).parser


def alt_parser(field: str, name: str):
    return next(a.parser for a in spec_of(DossierRecord, field).alts if a.name == name)


# inputs.md status table: code, labels, state ("processing (waiting for the applicant)" is
# its own state, "waiting", which the KPIs count as still being processed)
STATUS_TABLE = [
    (1, ["Mới đăng ký"], "submitted"),
    (2, ["Được tiếp nhận", "Đã tiếp nhận"], "processing"),
    (3, ["Không được tiếp nhận", "Từ chối", "Từ chối xử lý"], "refused"),
    (4, ["Đang xử lý", "Đang giải quyết", "Chờ xử lý"], "processing"),
    (5, ["Yêu cầu bổ sung", "Yêu cầu bổ sung giấy tờ", "Chờ bổ sung"], "waiting"),
    (6, ["Yêu cầu thực hiện nghĩa vụ tài chính"], "processing"),
    (7, ["Rút hồ sơ", "Công dân rút", "Công dân yêu cầu rút hồ sơ"], "withdrawn"),
    (8, ["Dừng xử lý"], "stopped"),
    (9, ["Đã xử lý xong", "Đã giải quyết", "Chờ trả kết quả"], "resolved"),
    (10, ["Đã trả kết quả", "Hoàn thành"], "returned"),
]
STATUS_CASES = [(str(code), state) for code, _, state in STATUS_TABLE] + [
    (code, state) for code, _, state in STATUS_TABLE] + [
    (label, state) for _, labels, state in STATUS_TABLE for label in labels]


@pytest.mark.parametrize("value,state", STATUS_CASES)
def test_status_labels_and_codes(value, state):
    p = parser_of("status")
    assert p.scalar(value) == state
    if isinstance(value, str):
        assert p.scalar(value.upper()) == state
        assert p.scalar("  " + value + " ") == state


CHANNEL_CASES = {
    "direct": ["Trực tiếp", "Tại quầy", "Nộp trực tiếp", "1", 1, 1.0],
    "online": ["Trực tuyến", "Nộp trực tuyến", "Qua mạng", "Dịch vụ công trực tuyến", "DVCTT", "Cổng DVC", "2", 2],
    "postal": ["Bưu chính", "Bưu chính công ích", "Qua bưu chính công ích", "BCCI", "Qua bưu điện",
               "Dịch vụ bưu chính", "3", 3.0],
}


@pytest.mark.parametrize("value,expected", [(v, k) for k, vs in CHANNEL_CASES.items() for v in vs])
def test_channels(value, expected):
    assert parser_of("channel").scalar(value) == expected


BOOL_TRUE = ["Có", "x", "X", "1", 1, "Đã", "Đã số hóa", "Được số hóa", "Tái sử dụng",
             "Tái sử dụng từ kết quả hồ sơ khác", "Đã thanh toán", "Yes", "True", True]
BOOL_FALSE = ["Không", "", "  ", None, "0", 0, "Chưa", "Chưa số hóa", "No", "False", False]


@pytest.mark.parametrize("value,expected", [(v, True) for v in BOOL_TRUE] + [(v, False) for v in BOOL_FALSE])
def test_booleans(value, expected):
    for field in ("digitised_dossier", "digitised_result", "apology_letter", "online_payment"):
        assert parser_of(field).scalar(value) is expected


@pytest.mark.parametrize("value,expected", [("Trực tuyến", True), ("DVCQG", True), ("Thanh toán qua Cổng Quốc gia", True),
                                            ("VNPT PAY", True), ("VNPTPay", True), ("Tiền mặt", False),
                                            ("Chuyển khoản", False), ("", False)])
def test_payment_method(value, expected):
    assert alt_parser("online_payment", "payment_method").scalar(value) is expected


@pytest.mark.parametrize("value,expected", [("Toàn trình", "full"), ("Toàn bộ", "full"), ("Mức độ 4", "full"),
                                            ("MỨC ĐỘ 4", "full"), ("Một phần", "partial"), ("Mức độ 3", "partial"),
                                            ("Mức độ 1", "none"), ("Mức độ 2", "none"), ("Không", "none"),
                                            ("Dịch vụ cung cấp thông tin trực tuyến", "none")])
def test_service_levels(value, expected):
    assert parser_of("service_level").scalar(value) == expected


@pytest.mark.parametrize("value,expected", [("Bộ", "Bộ"), ("Tỉnh", "Tỉnh"), ("Cấp tỉnh", "Tỉnh"), ("Sở", "Tỉnh"),
                                            ("Huyện", "Huyện"), ("Cấp huyện", "Huyện"), ("Quận", "Huyện"),
                                            ("Thị xã", "Huyện"), ("Xã", "Xã"), ("Cấp xã", "Xã"), ("Phường", "Xã"),
                                            ("Thị trấn", "Xã"), ("Đặc khu", "Xã"), ("CẤP XÃ", "Xã")])
def test_levels(value, expected):
    assert parser_of("level").scalar(value) == expected


@pytest.mark.parametrize("field,value", [("status", "Đã duyệt"), ("status", "11"), ("channel", "Nộp qua Zalo"),
                                         ("channel", 4), ("service_level", "Mức độ 5"), ("level", "Thôn"),
                                         ("digitised_result", "Có lẽ"), ("apology_letter", "2")])
def test_unknown_labels_are_errors_not_guesses(field, value):
    p = parser_of(field)
    with pytest.raises(ParseError) as e:
        p.scalar(value)
    assert e.value.code == "unknown_value"
    values, invalid = p.vector(pd.Series(["", value, value], dtype=object))
    assert invalid.tolist() == [False, True, True]
    assert pd.isna(values.iloc[1])  # an unreadable value is missing, never guessed


def test_blank_tick_cells_read_as_no_in_the_vectorised_form_too():
    # exports leave ticks blank for "no": pydantic reads blank as False, and so must the
    # column, whether the blank is an empty string or a null (parquet, xlsx)
    p = parser_of("digitised_result")
    for s in (pd.Series(["x", "", None], dtype=object), pd.Series(["x", "", None], dtype=pd.StringDtype("pyarrow"))):
        values, invalid = p.vector(s)
        assert values.tolist() == [True, False, False]
        assert not invalid.any()


def test_extra_vocabulary_from_a_columns_file(tmp_path):
    f = tmp_path / "map.toml"
    f.write_text('[values.channel]\n"Nộp qua Zalo" = "online"\n"Nhận qua BĐ" = "postal"\n'
                 '[values.status]\n"Đã duyệt" = "resolved"\n[values.boolean]\n"Đã scan" = "true"\n',
                 encoding="utf-8")
    user = ColumnMap.load(f, DossierRecord)
    extra = user.values
    assert parser_of("channel").scalar("NỘP QUA ZALO", extra) == "online"
    assert parser_of("channel").scalar("nhan qua bd", extra) == "postal"
    assert parser_of("channel").scalar("Trực tiếp", extra) == "direct"  # built-ins stay
    assert parser_of("status").scalar("Đã duyệt", extra) == "resolved"
    assert parser_of("digitised_dossier").scalar("đã scan", extra) is True
    with pytest.raises(ParseError):
        parser_of("status").scalar("Đã duyệt")  # only with the file
    # and through a real file, read and validated
    p = write_csv(tmp_path / "x.csv", [["Mã hồ sơ", "Ngày tiếp nhận", "Hình thức nộp", "Trạng thái"],
                                       ["H1", "23/03/2023", "Nộp qua Zalo", "Đã duyệt"],
                                       ["H2", "23/03/2023", "Nộp qua Viber", "Hoàn thành"]])
    v = validate_table(read_table(p, DossierRecord, user), DossierRecord, user)
    assert [None if pd.isna(x) else x for x in v.frame["channel"]] == ["online", None]
    assert v.frame["status"].tolist() == ["resolved", "returned"]
    (problem,) = v.problems
    assert (problem.field, problem.code, problem.value, problem.rows) == ("channel", "unknown_value", "Nộp qua Viber", [3])


# ---------------------------------------------------------------- property tests: Date

WS = [" ", "\t", "\u00a0", "\u2003", "\u202f", "\u3000", "\ufeff", "\n", "\u200b", ""]
ws = st.sampled_from(WS)


def _fmt(d: dt.datetime, kind: int) -> str:
    return [
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}/{d.month}/{d.year}",
        f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour:02d}:{d.minute:02d}",
        f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
        f"{d.day:02d}-{d.month:02d}-{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.hour:02d}:{d.minute:02d} {d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.hour}h{d.minute:02d}, {d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.year}-{d.month:02d}-{d.day:02d}",
        f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}",
        f"{d.year}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}.{d.microsecond:06d}",
        f"{d.month:02d}/{d.day:02d}/{d.year}",  # month first: invalid or another day, never guessed
        f"{d.year}/{d.month:02d}/{d.day:02d}",
    ][kind]


valid_date_text = st.builds(_fmt, st.datetimes(dt.datetime(1985, 1, 1), dt.datetime(2105, 12, 31)),
                            st.integers(0, 12))
impossible_date_text = st.builds(
    lambda d, m, y, H, M, sep, time: f"{d:02d}{sep}{m:02d}{sep}{y}" + (f" {H:02d}:{M:02d}" if time else ""),
    st.integers(0, 35), st.integers(0, 14), st.integers(1985, 2105), st.integers(0, 26), st.integers(0, 62),
    st.sampled_from("/-."), st.booleans())
number_text = st.one_of(
    st.integers(-10, 10**8).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(30000, 80000).map(lambda x: f"{x:.6f}"),
    st.decimals(30000, 80000, places=3).map(str),
)
date_text = st.one_of(valid_date_text, impossible_date_text, number_text, st.text(max_size=20))
padded_date_text = st.builds(lambda a, s, b: a + s + b, ws, date_text, ws)


def assert_date_forms_agree(values: list, series: pd.Series) -> None:
    got, invalid = DATE.vector(series)
    assert len(got) == len(values) and len(invalid) == len(values)
    assert pd.api.types.is_datetime64_dtype(got.dtype)
    for i, v in enumerate(values):
        try:
            expected, error = DATE.scalar(v), False
        except ParseError:
            expected, error = None, True
        assert bool(invalid[i]) == error, (v, expected)
        if expected is None:
            assert pd.isna(got.iloc[i]), (v, got.iloc[i])
        else:
            assert got.iloc[i] == T(expected), (v, got.iloc[i], expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(padded_date_text, min_size=1, max_size=20))
def test_vectorised_dates_equal_scalar_over_strings(values):
    for dtype in (pd.StringDtype("pyarrow"), object, "str"):
        assert_date_forms_agree(values, pd.Series(values, dtype=dtype))


spreadsheet_cell = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(pd.NaT),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 12, 31)),
    st.datetimes(dt.datetime(1985, 1, 1), dt.datetime(2105, 1, 1), timezones=st.just(dt.timezone.utc)),
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(30000, 80000),
    st.integers(-10**12, 10**12),
    st.integers(30000, 80000),
    st.integers(30000, 80000).map(np.int64),
    st.floats(30000, 80000).map(np.float64),
    st.booleans(),
    padded_date_text,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(spreadsheet_cell, min_size=1, max_size=20))
def test_vectorised_dates_equal_scalar_over_object_columns(values):
    s = pd.Series(values, dtype=object)
    assert_date_forms_agree(values, s)


# ---------------------------------------------------------------- property tests: Text

text_cell = st.builds(lambda a, s, b: a + s + b, ws,
                      st.text(st.sampled_from(list("abcđêơưÀỆ0123 -_/.\u0301\u0323\u00a0\t")), max_size=30), ws)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(text_cell, st.none(), st.just("x" * 12)), min_size=1, max_size=15))
def test_vectorised_text_equals_scalar(values):
    p = Text(max_length=10)
    got, invalid = p.vector(pd.Series(values, dtype=pd.StringDtype("pyarrow")))
    for i, v in enumerate(values):
        try:
            expected, error = p.scalar(v), False
        except ParseError:
            expected, error = None, True
        assert bool(invalid[i]) == error
        assert (got.iloc[i] if isinstance(got.iloc[i], str) else None) == expected


# ---------------------------------------------------------------- property test: whole pipeline

# The file's header: one spelling per field, in model order (dossier_id first).
FIELDS = [f.name for f in field_specs(DossierRecord)]
HEADERS = [spec_of(DossierRecord, f).headers.spellings[0] for f in FIELDS]

# Random text never starts like "Tổng"/"Cộng"/"Total"/"Grand" (a totals row is no dossier)
SAFE = list("abdehiklmnpqrsuvxyzABDHKLMNPQRSUVXYZ0123456789 ./:-ăâđêôơưàáạệộờ\u00a0")
free_text = st.text(st.sampled_from(SAFE), max_size=12)


def padded(s):
    return st.builds(lambda a, v, b: a + v + b, st.sampled_from(["", "", " ", "\u00a0", "\u3000", "\t"]), s,
                     st.sampled_from(["", "", " ", "\u00a0", "\ufeff"]))


def vocab_cells(*labels: str):
    return padded(st.one_of(st.sampled_from(labels), st.sampled_from([s.upper() for s in labels]), free_text))


CELL = {
    "text": padded(st.one_of(st.just(""), free_text, st.just("z" * 1001))),
    "id": padded(st.one_of(st.just(""), st.just(" "), st.from_regex(r"HS-[0-9]{1,4}", fullmatch=True), free_text,
                           st.just("H" * 201))),
    "date": padded(st.one_of(st.just(""), valid_date_text, impossible_date_text, number_text.filter(lambda s: "," not in s))),
    "status": vocab_cells("Mới đăng ký", "Đang xử lý", "Chờ bổ sung", "Hoàn thành", "Đã duyệt", "7", "10", "11", ""),
    "level": vocab_cells("Cấp xã", "Quận", "Sở", "Bộ", "Thôn", ""),
    "channel": vocab_cells("Trực tiếp", "Trực tuyến", "BCCI", "1", "2", "3", "4", "Zalo", ""),
    "service_level": vocab_cells("Toàn trình", "Mức độ 3", "Mức độ 2", "Mức độ 5", ""),
    "money": padded(st.one_of(st.sampled_from(["", "50.000", "50,000 đ", "1.234.567 VNĐ", "-5", "abc", "0", "12,5"]),
                              st.integers(0, 10**7).map(lambda n: f"{n:,}".replace(",", ".")))),
    "bool": vocab_cells("Có", "x", "Không", "Chưa", "Đã số hóa", "Có lẽ", "1", "0", "", ""),
    "days": padded(st.sampled_from(["", "15", "15 ngày làm việc", "0,5", "-3", "mười", "7 ngày"])),
}
KIND = {
    "dossier_id": "id", "procedure_code": "id", "unit": "text", "field": "text", "procedure_name": "text",
    "status": "status", "level": "level", "channel": "channel", "service_level": "service_level",
    "fee": "money", "online_payment": "bool", "digitised_dossier": "bool", "digitised_result": "bool",
    "apology_letter": "bool", "time_limit_days": "days",
}
for _f in FIELDS:
    KIND.setdefault(_f, "date")
assert set(KIND) == set(FIELDS)

row_strategy = st.fixed_dictionaries({f: CELL[KIND[f]] for f in FIELDS})
# a first row that is surely a dossier: no generated row can pass for the "(1) (2) …" row
FIRST_ROW = dict.fromkeys(FIELDS, "")
FIRST_ROW.update(dossier_id="HS-FIRST", received_at="01/03/2023")


def _pydantic_errors(row: dict) -> set[str]:
    try:
        DossierRecord.model_validate(row)
    except ValidationError as e:
        return {err["loc"][0] for err in e.errors()}
    return set()


def _plain(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.bool_):
        return bool(v)
    return v


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(row_strategy, min_size=1, max_size=8))
def test_vectorised_validation_agrees_with_pydantic_row_by_row(tmp_path_factory, rows):
    rows = [FIRST_ROW] + rows
    path: Path = tmp_path_factory.mktemp("prop") / "export.csv"
    write_csv(path, [HEADERS] + [[r[f] for f in FIELDS] for r in rows])
    # the CSV round trip keeps every cell as written
    with open(path, newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh))[1:] == [[r[f] for f in FIELDS] for r in rows]

    raw = read_table(path, DossierRecord)
    assert raw.mapping.fields == set(FIELDS)
    v = validate_table(raw, DossierRecord)
    kept = {int(r): i for i, r in enumerate(v.frame["_row"].tolist())}
    rejected = set(v.rejected_rows.tolist())
    assert not kept.keys() & rejected

    for n, row in enumerate(rows, start=2):  # header on row 1
        if all(not c.strip() for c in row.values()):  # an empty line is no dossier
            assert n not in kept and n not in rejected
            continue
        errors = _pydantic_errors(row)
        if errors & {"dossier_id", "received_at"}:
            assert n in rejected, (n, row, errors)
            continue
        assert n in kept, (n, row, errors)
        i = kept[n]
        model = DossierRecord.model_validate({f: c for f, c in row.items() if f not in errors})
        for f in FIELDS:
            mask = v.frame[invalid_col(f)].iloc[i] if invalid_col(f) in v.frame else False
            assert bool(mask) == (f in errors), (f, row[f])
            got = _plain(v.frame[f].iloc[i])
            expected = getattr(model, f)
            assert got == expected, (f, row[f], got, expected)
