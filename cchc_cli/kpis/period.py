"""Periods: ``--period 2023-03`` (month), ``2023-Q1`` (quarter), ``2023`` (year),
``--from/--to`` (any span of whole days, local time)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day
    end: dt.date  # last day, inclusive
    inferred: bool = False  # taken from the span of the data

    @property
    def start_ts(self):
        import pandas as pd

        return pd.Timestamp(self.start)

    @property
    def end_ts(self):
        """Exclusive bound: the start of the day after ``end``."""
        import pandas as pd

        return pd.Timestamp(self.end) + pd.Timedelta(days=1)

    def months(self) -> list["Period"]:
        out = []
        y, m = self.start.year, self.start.month
        while dt.date(y, m, 1) <= self.end:
            first = max(dt.date(y, m, 1), self.start)
            last = min(dt.date(y, m, calendar.monthrange(y, m)[1]), self.end)
            out.append(Period(first, last))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def month_key(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

# The years a period may cover: the dates the dossier parsers accept (schema.parsers
# MIN_DATE/MAX_DATE) and the working-day calendar knows (calendar.FIRST_YEAR/LAST_YEAR).
# A period outside them could hold no dossier, and pandas cannot hold year 0 or 9999-12-31.
FIRST_YEAR = 1990
LAST_YEAR = 2100


def _in_range(y: int) -> bool:
    return FIRST_YEAR <= y <= LAST_YEAR


def parse_period(text: str) -> Period:
    s = text.strip()
    y = None
    if m := _MONTH.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12 and _in_range(y):
            return Period(dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1]))
        if not 1 <= mo <= 12:
            y = None
    elif m := _QUARTER.match(s):
        y, q = int(m.group(1)), int(m.group(2))
        last = 3 * q
        if _in_range(y):
            return Period(dt.date(y, last - 2, 1), dt.date(y, last, calendar.monthrange(y, last)[1]))
    elif m := _YEAR.match(s):
        y = int(m.group(1))
        if _in_range(y):
            return Period(dt.date(y, 1, 1), dt.date(y, 12, 31))
    if y is not None:
        raise ConfigError("period_out_of_range", value=text, year=y, first=FIRST_YEAR, last=LAST_YEAR)
    raise ConfigError("period_invalid", value=text)


def parse_day(text: str, option: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            d = dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        if not _in_range(d.year):
            raise ConfigError("day_out_of_range", option=option, value=text, first=FIRST_YEAR, last=LAST_YEAR)
        return d
    raise ConfigError("day_invalid", option=option, value=text)


def resolve_period(period: str | None, start: str | None, end: str | None) -> Period | None:
    if period and (start or end):
        raise ConfigError("period_with_from_to")
    if period:
        return parse_period(period)
    if start or end:
        if not (start and end):
            raise ConfigError("from_to_pair")
        a, b = parse_day(start, "--from"), parse_day(end, "--to")
        if b < a:
            raise ConfigError("to_before_from", start=a.isoformat(), end=b.isoformat())
        return Period(a, b)
    return None
