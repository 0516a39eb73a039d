"""The date forms cchc reads, one value at a time: day-first dates with an optional time,
ISO 8601 (with an offset: an instant, shown in Vietnam time), yyyyMMddHHmmss, Excel serials,
epoch milliseconds. ``parsers.Date`` (scalar) and ``_dates`` (vectorised) both build on
these patterns and bounds; this module imports neither, so the two never import each other.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

class ParseError(ValueError):
    """A present value that cannot be read. ``code`` keys the message in i18n."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params




_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MIN_DATE = dt.datetime(1990, 1, 1)
MAX_DATE = dt.datetime(2100, 12, 31, 23, 59, 59)
_SERIAL_MIN = (MIN_DATE - _EXCEL_EPOCH).days
_SERIAL_MAX = (MAX_DATE - _EXCEL_EPOCH).days + 1

# Day-first forms and ISO. Named groups: y m d, and optional H M S.
# ASCII digits only ([0-9], not \\d): the same patterns run in Python's re (scalar) and in
# RE2 through pyarrow (vector), and must match the same strings.
_TIME = r"(?P<H>[0-9]{1,2})[:hH](?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.[0-9]{1,6})?)?"
DATE_PATTERNS: tuple[str, ...] = (
    r"^(?P<d>[0-9]{1,2})[/.\-](?P<m>[0-9]{1,2})[/.\-](?P<y>[0-9]{4})(?:[ T,]+" + _TIME + r")?$",
    r"^" + _TIME + r"[ ,]+(?P<d>[0-9]{1,2})[/.\-](?P<m>[0-9]{1,2})[/.\-](?P<y>[0-9]{4})$",
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})(?:[ T]" + _TIME
    + r"(?: ?(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?))?)?$",
    # the national portal's sync payload: yyyyMMddHHmmss (and yyyyMMdd)
    r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?:(?P<H>[0-9]{2})(?P<M>[0-9]{2})(?P<S>[0-9]{2}))?$",
)
# Epoch milliseconds (REST APIs): 13 digits, 2001-09-09 to 2286; an instant, shown in
# Vietnam time (UTC+7) like an ISO date with an offset.
EPOCH_MS_PATTERN = r"^[0-9]{13}$"
_EPOCH_MS_RE = re.compile(EPOCH_MS_PATTERN)
VN_OFFSET_MINUTES = 7 * 60
_DATE_RES = tuple(re.compile(p) for p in DATE_PATTERNS)
SERIAL_PATTERN = r"^[0-9]{1,7}(?:\.[0-9]+)?$"
_SERIAL_RE = re.compile(SERIAL_PATTERN)



def tz_minutes(tz: str | None) -> int | None:
    """An ISO offset ("Z", "+07:00", "+0700", "-05") in minutes east of UTC; None if absent."""
    if not tz:
        return None
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0))


def from_epoch_ms(ms: float) -> dt.datetime:
    """An instant in epoch milliseconds as Vietnam wall-clock time, to the second."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=round(ms / 1000) + VN_OFFSET_MINUTES * 60)


def special_number(x: float) -> dt.datetime | None:
    """A number that is no spreadsheet serial but a date all the same: epoch milliseconds
    (13 digits), yyyyMMddHHmmss (14 digits) or yyyyMMdd (8 digits); None otherwise."""
    if not float(x).is_integer():
        return None
    if 1e12 <= x < 1e13:
        return from_epoch_ms(x)
    t = str(int(x))
    for rx in (_DATE_RES[-1],):
        m = rx.match(t) if len(t) in (8, 14) else None
        if m:
            return _build(m.groupdict())
    return None


def _from_serial(x: float) -> dt.datetime:
    if not (_SERIAL_MIN <= x < _SERIAL_MAX):
        special = special_number(x)
        if special is not None:
            return special
        raise ParseError("date_out_of_range")
    # rounded to the second, as Excel displays it
    return _EXCEL_EPOCH + dt.timedelta(seconds=round(x * 86400))


def _is_datetime64(v: Any) -> bool:
    return type(v).__name__ == "datetime64" and type(v).__module__ == "numpy"


def _datetime64_to_datetime(v: Any) -> dt.datetime:
    """A numpy datetime64 (not NaT) as a Python datetime, to the second."""
    import numpy as np

    secs = int(v.astype("datetime64[s]").astype(np.int64))
    try:
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=secs)
    except OverflowError:
        raise ParseError("date_out_of_range") from None


def _build(g: dict[str, str | None]) -> dt.datetime:
    y, m, d = int(g["y"]), int(g["m"]), int(g["d"])
    H = int(g.get("H") or 0)
    M = int(g.get("M") or 0)
    S = int(g.get("S") or 0)
    if not (1 <= m <= 12):
        raise ParseError("invalid_month", month=m)
    try:
        day = dt.date(y, m, d)
    except ValueError:
        raise ParseError("invalid_day", day=d, month=m, year=y) from None
    if H > 23 or M > 59 or S > 59:
        raise ParseError("invalid_time")
    out = dt.datetime(day.year, day.month, day.day, H, M, S)
    tz = tz_minutes(g.get("tz"))
    if tz is not None:  # an instant: to Vietnam time before the whole-day rules apply
        out += dt.timedelta(minutes=VN_OFFSET_MINUTES - tz)
    return out
