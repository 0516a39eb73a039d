"""Vietnamese working-day calendar and statutory due dates (kpis.md, "Calendar KPIs").

Core library: imports numpy, pydantic and ``holidays`` only (pandas lazily, when a pandas
object is passed), never typer or rich.

Where the days come from
========================

Weekly rest days are Saturday and Sunday (civil servants work Monday to Friday).

From the ``holidays`` package (``holidays.country_holidays("VN", language="vi")``, checked
against version 0.109; names are the package's Vietnamese names):

* New Year 1/1 ("Tết Dương lịch");
* lunar New Year: 5 days (lunar New Year's Eve to the 4th day), a day falling on Saturday
  moved to the previous working day and one falling on Sunday to the next (since 2014)
  ("29 Tết", "Giao thừa Tết Nguyên Đán", "Tết Nguyên Đán", "Mùng hai/ba/bốn/năm ..."). Checked: 20-26 Jan 2023, 8-14 Feb 2024 and
  25 Jan-2 Feb 2025 give exactly the official weekdays off (20, 23-26 Jan 2023;
  8, 9, 12-14 Feb 2024; 27-31 Jan 2025);
* Hùng Kings' day 10/3 lunar ("Ngày Giỗ Tổ Hùng Vương", since 2007);
* 30/4 ("Ngày Chiến thắng"), 1/5 ("Ngày Quốc tế Lao động");
* National Day 2/9 plus the adjacent day 1/9 or 3/9 chosen by the package's rule (since
  2021) ("Quốc khánh"): 1/9+2/9/2023, 2/9+3/9/2024, 1/9+2/9/2025;
* compensatory days (Labour Code 2019, art. 112(3)): a holiday falling on Saturday or
  Sunday gives the next working day off, named "... (nghỉ bù)": 2/1/2023, 2/5+3/5/2023
  (Hùng Kings on Sat 29/4, 30/4 on Sunday), 4/9/2023 (2/9 on Saturday);
* swaps decided by the government that the package knows (its ``special_public_holidays``
  table), e.g. 29/4/2024 off against Saturday 4/5/2024, 2/5/2025 off against Saturday
  26/4/2025, 31/8/2026 against 22/8/2026. The day off comes as a holiday named
  "Ngày nghỉ (thay cho ngày dd/mm/yyyy)"; the Saturday worked instead comes from the
  package's ``weekend_workdays`` and is made a working day here ("Làm bù (thứ Bảy) ...");
* from 2026 the package also has 24/11 ("Ngày Văn hóa Việt Nam").

Note: 30/4-1/5/2023 needed no swap: the official schedule is 29/4-3/5 off with 2/5 and 3/5
as compensatory days (Hùng Kings' day on Saturday, 30/4 on Sunday) and no Saturday worked in
exchange, which is exactly what the package gives.

What this module adds:

* the weekend rule (a package holiday on Saturday/Sunday is not a *working* day lost);
* the package's ``weekend_workdays`` as working days (the package itself only lists holidays);
* year calendar files (below) for days off and working weekend days that the government
  decides for a year and the package does not (yet) have;
* the supported range: years FIRST_YEAR..LAST_YEAR (1990-2100, the date range accepted
  by the dossier parsers); the package has no lunar data outside it.

Calendar file (TOML, one per year, several may be given)
========================================================

::

    year = 2023
    source = "Thông báo số .../TB-LĐTBXH"        # optional, shown next to the days
    days_off = ["2023-05-04", {date = "2023-05-05", reason = "Nghỉ hoán đổi"}]
    working_saturdays = ["2023-05-13"]
    working_days = ["2023-05-14"]                 # alias of working_saturdays

* ``days_off``: weekdays (Mon-Fri) that are not working days in that year, in addition to
  the package's. A weekend day is refused (it is already a day off).
* ``working_saturdays`` and ``working_days`` mean the same thing and may both be used (their
  union is taken): Saturdays *or Sundays* that are working days (make-up days). A weekday
  is refused (it is already a working day).
* Dates are "YYYY-MM-DD" strings or TOML dates, or ``{date = ..., reason = "..."}`` tables
  to give the reason shown by ``cchc calendar YEAR``. Every date must lie in ``year``;
  a date may not be both a day off and a working day; unknown keys are refused; two files
  for the same year are refused. A file only adds to the package: it cannot turn a package
  holiday back into a working day.
* Errors raise ``ConfigError`` (exit code 2) whose message names the file, the key and the
  value and says how to fix it.

Statutory due date
==================

``statutory_due_date(received, limit)``: with N = ceil(limit) (half days round up), the
N-th working day strictly after the day of receipt (the day of receipt is not counted,
even when it is a working day; a dossier received on Saturday with N = 1 is due Monday).
N = 0 (limit 0): the day of receipt when it is a working day, else the next working day,
so a due date is always a working day. Times of day are ignored (a datetime is taken at
its date; the due moment is the end of the due date).

Invalid input (negative, NaN or infinite limit, a limit above MAX_LIMIT_DAYS, a date outside
the supported range or a due date beyond it) raises ``ValueError`` in the scalar version
and gives NaT in the vectorised ``statutory_due_dates``; the two agree exactly otherwise.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Iterable, NamedTuple

import holidays
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError

from .errors import ConfigError
from .i18n import Msg, joined, msg

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_LIMIT_DAYS",
    "CalendarDay",
    "CalendarYear",
    "DayEntry",
    "WorkCalendar",
    "load_calendar_file",
    "parse_calendar_data",
]

FIRST_YEAR = 1990
LAST_YEAR = 2100
#: Largest statutory time limit accepted, in working days (about 40 years): anything
#: larger is a data error, not a time limit.
MAX_LIMIT_DAYS = 10_000

_FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
_LAST_DAY = dt.date(LAST_YEAR, 12, 31)
_EPOCH = dt.date(1970, 1, 1)
_ONE_DAY = dt.timedelta(days=1)

WEEKDAY_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

_PACKAGE_SOURCE = f"holidays {getattr(holidays, '__version__', '?')}"


# --------------------------------------------------------------------------------------
# Days from the holidays package
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _package_days() -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    """Weekdays off and working weekend days from the holidays package, whole range.

    Built once for every supported year (about 30 ms): the package's ``weekend_workdays``
    of a swap may lie in another year than its day off (27/12/2014 for 2/1/2015).
    """
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    try:
        hol = holidays.country_holidays("VN", years=years, language="vi")
    except (NotImplementedError, ValueError, KeyError):  # pragma: no cover - old versions
        hol = holidays.country_holidays("VN", years=years)

    off = {d: str(name) for d, name in hol.items() if d.weekday() < 5}
    work: dict[dt.date, str] = {}
    for w in sorted(getattr(hol, "weekend_workdays", ()) or ()):
        if not (FIRST_YEAR <= w.year <= LAST_YEAR) or w.weekday() < 5 or w in hol:
            continue
        reason = f"Làm bù ({WEEKDAY_VI[w.weekday()]})"
        # The day off it pays for carries "(thay cho ngày dd/mm/yyyy)" in its name.
        stamp = w.strftime("%d/%m/%Y")
        paired = [d for d, name in off.items() if stamp in name and abs((d - w).days) < 400]
        if paired:
            reason += " cho ngày nghỉ " + ", ".join(d.strftime("%d/%m/%Y") for d in sorted(paired))
        work[w] = reason
    return off, work


# --------------------------------------------------------------------------------------
# Calendar files
# --------------------------------------------------------------------------------------


class DayEntry(NamedTuple):
    """One date of a calendar file, with the optional reason the file gives."""

    date: dt.date
    reason: str | None = None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_FIX = "calendar.fix.date"


class _EntryError(ValueError):
    """What is wrong with one entry and how to fix it: catalogue keys, worded at the edge."""

    def __init__(self, problem: Msg, fix: str):
        super().__init__(problem.key)
        self.problem = problem
        self.fix = msg(fix)


def _parse_day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _EntryError(msg("calendar.entry.datetime"), _DATE_FIX)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        s = value.strip()
        if not _ISO_DATE.fullmatch(s):
            raise _EntryError(msg("calendar.entry.not_iso"), _DATE_FIX)
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            raise _EntryError(msg("calendar.entry.not_real"), _DATE_FIX) from None
    kind = {bool: "calendar.kind.bool", int: "calendar.kind.number", float: "calendar.kind.number",
            list: "calendar.kind.list", dict: "calendar.kind.table"}.get(type(value))
    raise _EntryError(msg("calendar.entry.wrong_type", kind=msg(kind) if kind else type(value).__name__), _DATE_FIX)


def _parse_entry(value: Any) -> DayEntry:
    if isinstance(value, DayEntry):
        return value
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"date", "reason"})
        if unknown:
            raise _EntryError(msg("calendar.entry.unknown_fields", fields=", ".join(map(repr, unknown))),
                              "calendar.fix.only_date_reason")
        if "date" not in value:
            raise _EntryError(msg("calendar.entry.no_date"), "calendar.fix.table")
        reason = value.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise _EntryError(msg("calendar.entry.reason_not_text"), "calendar.fix.reason")
        return DayEntry(_parse_day(value["date"]), (reason or "").strip() or None)
    return DayEntry(_parse_day(value))


_Entry = Annotated[DayEntry, PlainValidator(_parse_entry)]


class _CalendarFileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Annotated[int, Field(strict=True)]
    source: Annotated[str, Field(strict=True)] = ""
    days_off: list[_Entry] = []
    working_saturdays: list[_Entry] = []
    working_days: list[_Entry] = []


_KEYS = tuple(_CalendarFileModel.model_fields)
_EXAMPLE = "calendar_invalid"  # the hint of every calendar-file error: what a calendar file looks like


@dataclass(frozen=True)
class CalendarYear:
    """The content of one calendar file, validated."""

    year: int
    source: str = ""
    days_off: tuple[DayEntry, ...] = ()
    #: Saturdays or Sundays that are working days (``working_saturdays`` + ``working_days``).
    working_days: tuple[DayEntry, ...] = ()
    path: str = "<memory>"

    def describe(self) -> str:
        return f"{self.path} ({self.source})" if self.source else self.path


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        inner = ", ".join(_show(v) for v in value[:5])
        return "[" + inner + (", ..." if len(value) > 5 else "") + "]"
    return repr(value)


def _key_name(loc: tuple) -> str:
    key = str(loc[0]) if loc else "?"
    if len(loc) > 1 and isinstance(loc[1], int):
        key += f"[{loc[1]}]"
    return key


def _problems_from_pydantic(err: ValidationError) -> list[Msg]:
    out = []
    for e in err.errors():
        loc, kind, value = e["loc"], e["type"], e.get("input")
        key = _key_name(loc)
        if kind == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[0]), _KEYS, n=1)
            out.append(msg("calendar.unknown_key", key=str(loc[0]), value=_show(value), keys=", ".join(_KEYS),
                           suggestion=msg("calendar.did_you_mean", choice=close[0]) if close else ""))
        elif kind == "missing":
            out.append(msg("calendar.missing_key", key=key))
        elif loc and loc[0] == "year":
            out.append(msg("calendar.year_not_int", value=_show(value)))
        elif loc and loc[0] == "source":
            out.append(msg("calendar.source_not_text", value=_show(value)))
        elif kind == "list_type":
            out.append(msg("calendar.not_a_list", key=key, value=_show(value)))
        else:
            cause = (e.get("ctx") or {}).get("error")
            if isinstance(cause, _EntryError):
                out.append(msg("calendar.bad_entry", key=key, value=_show(value), problem=cause.problem, fix=cause.fix))
            else:  # pragma: no cover - any other pydantic complaint (pydantic's English text)
                out.append(msg("calendar.other", key=key, value=_show(value), text=e["msg"]))
    return out


def _weekday(d: dt.date) -> Msg:
    return msg(f"calendar.weekday.{d.weekday()}")


def parse_calendar_data(data: dict, path: str | os.PathLike = "<memory>") -> CalendarYear:
    """Validate the (TOML-decoded) content of a calendar file; ``path`` is for messages."""
    where = str(path)
    try:
        model = _CalendarFileModel.model_validate(data)
    except ValidationError as e:
        _raise(where, _problems_from_pydantic(e))

    problems: list[Msg] = []
    year = model.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problems.append(msg("calendar.year_out_of_range", year=year, first=FIRST_YEAR, last=LAST_YEAR))

    def check(key: str, entries: list[DayEntry], want_weekend: bool) -> None:
        for i, (d, _) in enumerate(entries):
            at = dict(key=f"{key}[{i}]", value=d.isoformat())
            if d.year != year:
                problems.append(msg("calendar.not_in_year", **at, year=year, other_year=d.year))
            elif want_weekend and d.weekday() < 5:
                problems.append(msg("calendar.weekday_as_working", **at, weekday=_weekday(d), list_key=key))
            elif not want_weekend and d.weekday() >= 5:
                problems.append(msg("calendar.weekend_as_off", **at, weekday=_weekday(d)))

    check("days_off", model.days_off, want_weekend=False)
    check("working_saturdays", model.working_saturdays, want_weekend=True)
    check("working_days", model.working_days, want_weekend=True)

    working: dict[dt.date, DayEntry] = {}
    for e in (*model.working_saturdays, *model.working_days):
        working.setdefault(e.date, e)
    off: dict[dt.date, DayEntry] = {}
    for e in model.days_off:
        off.setdefault(e.date, e)
    for d in sorted(set(off) & set(working)):
        problems.append(msg("calendar.off_and_working", value=d.isoformat()))
    if problems:
        _raise(where, problems)

    return CalendarYear(
        year=year,
        source=model.source.strip(),
        days_off=tuple(sorted(off.values())),
        working_days=tuple(sorted(working.values())),
        path=where,
    )


def _raise(where: str, problems: list[Msg]) -> None:
    raise ConfigError("calendar_invalid", path=where, problems=joined(problems, "\n  - "))


def load_calendar_file(path: str | os.PathLike) -> CalendarYear:
    """Read and validate one calendar file (TOML). Raises ``ConfigError``."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError("calendar_file_not_found", path=str(p)) from None
    except IsADirectoryError:
        raise ConfigError("calendar_file_is_dir", path=str(p)) from None
    except OSError as e:
        raise ConfigError("calendar_file_unreadable", path=str(p), reason=e.strerror or type(e).__name__) from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError("calendar_file_not_utf8", path=str(p)) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("calendar_file_not_toml", hint=_EXAMPLE, path=str(p), detail=str(e)) from None
    return parse_calendar_data(data, p)


# --------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------


class CalendarDay(NamedTuple):
    """A day that departs from the Monday-to-Friday rule."""

    date: dt.date
    working: bool  # True: a working Saturday/Sunday; False: a weekday off
    reason: str  # Vietnamese, e.g. "Tết Nguyên Đán", "Làm bù (thứ Bảy)"
    source: str  # "holidays 0.109" or the calendar file (and its 'source')


def _as_date(d: dt.date | dt.datetime) -> dt.date:
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"expected a date, got {type(d).__name__}")


def _check_range(d: dt.date) -> None:
    if not _FIRST_DAY <= d <= _LAST_DAY:
        raise ValueError(f"{d.isoformat()} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}")


class WorkCalendar:
    """Vietnamese working days: Monday-Friday, less the package's holidays, plus the
    package's make-up weekend days, adjusted by calendar files (see the module docstring).

    ``WorkCalendar()`` uses the package only; ``WorkCalendar(["lich-2023.toml"])`` adds
    files; ``years=[CalendarYear(...)]`` adds already validated content. Raises
    ``ConfigError`` for an invalid file or two files for the same year.
    """

    def __init__(
        self,
        files: Iterable[str | os.PathLike] = (),
        *,
        years: Iterable[CalendarYear] = (),
    ) -> None:
        loaded = [load_calendar_file(f) for f in files]
        loaded += list(years)
        self.years: tuple[CalendarYear, ...] = tuple(loaded)
        self._workdays: np.ndarray | None = None

        by_year: dict[int, CalendarYear] = {}
        for cy in loaded:
            if cy.year in by_year:
                other = by_year[cy.year]
                raise ConfigError("calendar_two_files_one_year", year=cy.year, first=other.path, second=cy.path)
            by_year[cy.year] = cy
        self._file_years = by_year

        pkg_off, pkg_work = _package_days()
        self._off = {d: CalendarDay(d, False, n, _PACKAGE_SOURCE) for d, n in pkg_off.items()}
        self._work = {d: CalendarDay(d, True, r, _PACKAGE_SOURCE) for d, r in pkg_work.items()}
        for cy in by_year.values():
            for d, reason in cy.days_off:
                if reason is None and d in self._off:
                    continue  # already a package holiday: keep its name
                default = f"Ngày nghỉ theo lịch năm {cy.year}"
                self._off[d] = CalendarDay(d, False, reason or default, cy.describe())
            for d, reason in cy.working_days:
                default = f"Làm bù ({WEEKDAY_VI[d.weekday()]})"
                self._work[d] = CalendarDay(d, True, reason or default, cy.describe())

    def __repr__(self) -> str:
        return f"WorkCalendar(files={[cy.path for cy in self.years]!r})"

    # -- days -----------------------------------------------------------------------

    @property
    def file_years(self) -> dict[int, str]:
        """Years that have a calendar file, with the file's description."""
        return {y: cy.describe() for y, cy in sorted(self._file_years.items())}

    def is_working_day(self, d: dt.date | dt.datetime) -> bool:
        """True when ``d`` is a working day. Raises ValueError outside FIRST_YEAR..LAST_YEAR."""
        d = _as_date(d)
        _check_range(d)
        if d.weekday() >= 5:
            return d in self._work
        return d not in self._off

    def calendar_days(self, year: int) -> list[CalendarDay]:
        """Every weekday off and every working weekend day of ``year``, by date."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"year {year} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
        days = [c for c in self._off.values() if c.date.year == year]
        days += [c for c in self._work.values() if c.date.year == year]
        return sorted(days)

    def working_days_off(self, year: int) -> list[tuple[dt.date, str]]:
        """``(date, reason)`` for every non-working weekday and every working weekend day
        of ``year`` (what ``cchc calendar YEAR`` prints)."""
        return [(c.date, c.reason) for c in self.calendar_days(year)]

    # -- due dates: scalar ------------------------------------------------------------

    def statutory_due_date(self, received: dt.date | dt.datetime, limit_days: float) -> dt.date:
        """The N-th working day after the day of receipt, N = ceil(limit_days); N = 0 gives
        the day of receipt if it is a working day, else the next working day.

        Raises ValueError for a negative, NaN, infinite or too large limit and for dates
        outside the supported years (where ``statutory_due_dates`` gives NaT).
        """
        d = _as_date(received)
        _check_range(d)
        n = _limit_to_n(limit_days)
        if n == 0:
            while not self.is_working_day(d):
                d = self._step(d)
            return d
        counted = 0
        while counted < n:
            d = self._step(d)
            if self.is_working_day(d):
                counted += 1
        return d

    @staticmethod
    def _step(d: dt.date) -> dt.date:
        if d >= _LAST_DAY:
            raise ValueError(f"the due date falls after {_LAST_DAY.isoformat()}, outside the supported years")
        return d + _ONE_DAY

    # -- due dates: vectorised -------------------------------------------------------

    def working_day_array(self) -> np.ndarray:
        """Sorted int64 day numbers (days since 1970-01-01) of every working day in the
        supported range; built once."""
        if self._workdays is None:
            start = (_FIRST_DAY - _EPOCH).days
            stop = (_LAST_DAY - _EPOCH).days + 1
            days = np.arange(start, stop, dtype=np.int64)
            weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
            working = weekday < 5
            off = np.fromiter(((d - _EPOCH).days for d in self._off), dtype=np.int64)
            work = np.fromiter(((d - _EPOCH).days for d in self._work), dtype=np.int64)
            working &= ~np.isin(days, off)
            working |= np.isin(days, work)
            self._workdays = days[working]
        return self._workdays

    def statutory_due_dates(self, received: Any, limits: Any) -> np.ndarray:
        """Vectorised ``statutory_due_date``: ``datetime64[D]`` array, NaT where the
        receipt is NaT, the limit NaN/negative/infinite/too large, or a date outside the
        supported years.

        ``received``: numpy datetime64 array (any unit; times of day are dropped), pandas
        Series/Index of datetimes (tz-aware ones are taken at their local date), or a
        sequence of dates/None. ``limits``: float array-like (or one number), pandas
        nullable floats allowed. Both broadcast together. No Python loop over rows.
        """
        r = _to_day_numbers(received)
        lim = _to_float_array(limits)
        r, lim = np.broadcast_arrays(r, lim)

        start = (_FIRST_DAY - _EPOCH).days
        stop = (_LAST_DAY - _EPOCH).days
        nat = np.iinfo(np.int64).min
        with np.errstate(invalid="ignore"):
            valid = (
                (r != nat) & (r >= start) & (r <= stop)
                & np.isfinite(lim) & (lim >= 0) & (lim <= MAX_LIMIT_DAYS)
            )
        n = np.zeros(r.shape, dtype=np.int64)
        n[valid] = np.ceil(lim[valid]).astype(np.int64)

        w = self.working_day_array()
        rv = np.where(valid, r, start)
        # n == 0: first working day >= receipt; n >= 1: n-th working day > receipt.
        first_on_or_after = np.searchsorted(w, rv, side="left")
        first_after = np.searchsorted(w, rv, side="right")
        idx = np.where(n == 0, first_on_or_after, first_after + n - 1)
        valid &= idx < len(w)

        out = np.full(r.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        out[valid] = w[idx[valid]].astype("datetime64[D]")
        return out


def _limit_to_n(limit_days: float) -> int:
    try:
        x = float(limit_days)
    except (TypeError, ValueError):
        raise ValueError(f"time limit {limit_days!r} is not a number") from None
    if math.isnan(x) or math.isinf(x) or x < 0:
        raise ValueError(f"time limit {limit_days!r} must be a number of days >= 0")
    if x > MAX_LIMIT_DAYS:
        raise ValueError(f"time limit {limit_days!r} is larger than {MAX_LIMIT_DAYS} working days")
    return math.ceil(x)


def _to_day_numbers(received: Any) -> np.ndarray:
    """int64 days since 1970-01-01, NaT as int64 min."""
    if _is_pandas(received):
        import pandas as pd

        s = received if isinstance(received, pd.Series) else pd.Series(received)
        if not pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = pd.to_datetime(s, errors="coerce", format="ISO8601")
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)  # local wall time
        arr = s.to_numpy(dtype="datetime64[ns]")
    else:
        arr = np.asarray(received)
        if arr.dtype.kind != "M":
            arr = arr.astype("datetime64[D]")
    # Casting to days floors (also before 1970); NaT stays NaT.
    return arr.astype("datetime64[D]").astype(np.int64)


def _to_float_array(limits: Any) -> np.ndarray:
    if _is_pandas(limits):
        return limits.to_numpy(dtype="float64", na_value=np.nan)
    arr = np.asarray(limits)
    if arr.dtype == object:
        arr = np.array([np.nan if v is None else v for v in arr.ravel()], dtype="float64").reshape(arr.shape)
    return arr.astype("float64")


def _is_pandas(x: Any) -> bool:
    return type(x).__module__.startswith("pandas")
