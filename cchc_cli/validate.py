"""From a ``RawTable`` to the canonical frame of its input model, a column at a time.

Each mapped column goes through its field's vectorised parser (``Parser.vector``). Cells
that fail are gathered into ``Problem`` groups; the wording of each group comes from
validating its distinct failing values with pydantic against the model's own field
(``TypeAdapter``), so the messages say exactly what the model says. Rows whose required
fields are missing or unreadable are rejected; any other unreadable value is kept as
"unknown" and only leaves the KPIs that need it (the ``<field>!`` mask columns say which).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError

from .schema.headers import ColumnMap, Source
from .schema.models import field_specs
from .schema.parsers import Parse, ParseError, Parser, today
from .reading.table import RawTable, col

EXAMPLES_PER_PROBLEM = 5


@dataclass
class Problem:
    """One kind of problem in one column of one file, with its count and a few examples."""

    file: str
    field: str
    column: str  # header as the export spells it
    code: str  # i18n key: not_a_date, invalid_day, unknown_value, required_missing, ...
    count: int
    rows: list[int]  # first rows (spreadsheet numbering)
    value: str | None = None  # the offending value, for vocabulary problems (grouped by value)
    examples: list[tuple[int, str]] = field(default_factory=list)  # (row, value)
    params: dict[str, Any] = field(default_factory=dict)
    rejects: bool = False  # the rows were rejected (required field)


@dataclass
class ValidatedTable:
    raw: RawTable
    frame: pd.DataFrame  # canonical fields (+ "<field>!" invalid masks, "_row")
    rejected_rows: np.ndarray  # spreadsheet rows rejected
    problems: list[Problem]
    notes: list[tuple[str, dict]]


def invalid_col(name: str) -> str:
    return f"{name}!"


@cache
def _adapter(parser: Parser, annotation: Any) -> TypeAdapter:
    return TypeAdapter(Annotated[annotation, Parse(parser)])


def _word(parser: Parser, annotation: Any, value: Any, extra: dict | None) -> tuple[str, dict]:
    """Why pydantic refuses ``value`` for this field: (code, params)."""
    try:
        _adapter(parser, annotation).validate_python(value, context={"extra": extra})
    except ValidationError as e:
        err = e.errors()[0]
        exc = (err.get("ctx") or {}).get("error")
        if isinstance(exc, ParseError):
            return exc.code, exc.params
        return "invalid", {"detail": err.get("msg", "")}
    return "invalid", {}


def _parse_source(raw: RawTable, src: Source, extra: dict | None):
    return src.parser.vector(raw.column(src.column), extra)


def validate_table(raw: RawTable, model: type[BaseModel], user: ColumnMap | None = None,
                   consume: bool = False) -> ValidatedTable:
    """``consume=True`` drops each raw column once it is parsed (a loader that keeps only
    the canonical frame needs half the memory on a million rows)."""
    user = user if user is not None else ColumnMap()
    extra = user.values or None
    n = len(raw.frame)
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    notes: list[tuple[str, dict]] = []
    reject = np.zeros(n, dtype=bool)
    by_field = raw.mapping.by_field()
    annotations = {name: info.annotation for name, info in model.model_fields.items()}

    for spec in field_specs(model):
        sources = by_field.get(spec.name, [])
        if not sources:
            continue
        bad_total = np.zeros(n, dtype=bool)
        values = None
        if sources[0].combine == "derive":  # a field a profile derives from several columns
            values, bad_total = _derive(raw, spec.name, sources, user, extra, problems, annotations[spec.name],
                                        consume)
            out[spec.name] = values
            if bad_total.any():
                out[invalid_col(spec.name)] = bad_total
            continue
        for src in sources:
            if src.parser.kind == "date":
                _locale_swap(raw, src)
            vals, bad = _parse_source(raw, src, extra)
            if bad.any():
                problems.extend(_problems(raw, src, bad, annotations[spec.name], extra))
            if consume:
                raw.frame.pop(col(src.column))  # in place: no copy of the others
            bad_total |= bad
            if values is None:
                values = vals
            else:  # combine="sum": fee + charge
                a = pd.to_numeric(values, errors="coerce")
                b = pd.to_numeric(vals, errors="coerce")
                values = a.fillna(0) + b.fillna(0)
                values[a.isna() & b.isna()] = np.nan
        if len(sources) > 1 and bad_total.any():  # a sum with an unreadable part is unknown
            values = values.astype(float)
            values[bad_total] = np.nan
        out[spec.name] = values
        if bad_total.any():
            out[invalid_col(spec.name)] = bad_total
        if spec.required:
            missing = pd.isna(values).to_numpy() & ~bad_total
            if missing.any():
                problems.append(_missing(raw, sources[0], missing))
            reject |= missing | bad_total

    if "received_at" in out or "finished_at" in out:
        reject |= _date_order(raw, out, by_field, problems)
    frame = pd.DataFrame(out)
    frame["_row"] = raw.rows
    for row, shape in raw.bad_rows:
        problems.append(Problem(raw.path, "", "", "bad_shape", 1, [row], None, [(row, shape)],
                                {"cells": shape}, rejects=True))
    for p in problems:
        if p.field in {s.name for s in field_specs(model) if s.required}:
            p.rejects = True
    rejected_rows = np.concatenate([raw.rows[reject], np.asarray([r for r, _ in raw.bad_rows], dtype=np.int64)])
    frame = frame.loc[~reject].reset_index(drop=True)
    return ValidatedTable(raw, frame, rejected_rows, problems, notes)


_TEXT_DATE = re.compile(r"^\s*([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})\b")


def _valid_day(d: int, m: int, y: int) -> bool:
    """A real day-first date: only such text is evidence of how the column was saved."""
    import calendar

    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1] if 1 <= y <= 9999 else False


def _locale_swap(raw: RawTable, src: Source) -> None:
    """A date column of a workbook re-saved by Excel under a month-first locale (English,
    US): every date whose day was 12 or less became a native date with day and month
    swapped, the others stayed dd/mm/yyyy text. So: a text date with a day of 12 or less
    means no such re-save (it would have been converted), and the column is read as it is;
    when every text date has a day above 12 (the column is provably day-first) and no
    native date has a day above 12, the native dates are swapped back and the repair
    reported; otherwise (a native date with a day above 12 among them) which cells were
    swapped cannot be proven, and the file is refused (exit 3) naming the column."""
    import datetime as dt

    s = raw.column(src.column)
    if s.dtype != object or s.empty:
        return
    vals = s.to_numpy(dtype=object)
    # the cells' exact types sorted with numpy; subclasses (pandas Timestamp…) one by one
    types = np.fromiter(map(type, vals), dtype=object, count=len(vals))
    is_native = (types == dt.datetime) | (types == dt.date)
    is_str = types == str
    for i in np.flatnonzero(~(is_native | is_str | (types == float) | (types == type(None)))):
        v = vals[i]
        is_native[i] = isinstance(v, (dt.datetime, dt.date))
        is_str[i] = isinstance(v, str)
    native = np.flatnonzero(is_native)
    if not len(native):
        return
    texts = vals[is_str]
    texts = texts[texts != ""]  # a blank cell is no date
    text_days = [int(m.group(1)) for v in texts if (m := _TEXT_DATE.match(v))
                 and _valid_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))]
    if not text_days:
        return
    from .errors import DataError
    from .reading.csv import shown_path
    from .reading.table import Note

    if min(text_days) <= 12:
        # a month-first locale converts every text date it can read ("05/03/2023" becomes
        # 3 May): a day-first text date of 12 or less left as text shows the column was not
        # re-saved that way — a column typed half as dates, half as text, read as it is
        return
    if all(vals[i].day <= 12 for i in native):
        out = vals.copy()
        for i in native:
            v = vals[i]
            out[i] = v.replace(month=v.day, day=v.month)
        raw.frame[col(src.column)] = pd.Series(out, index=s.index, dtype=object)
        raw.notes.append(Note("locale_swap_repaired", {"column": src.header, "n": len(native), "text": len(text_days)}))
        return
    raise DataError("locale_swap", path=shown_path(raw.path), column=src.header, native=len(native), text=len(text_days))


def _derive(raw: RawTable, name: str, sources: list[Source], user: ColumnMap, extra, problems, annotation,
            consume: bool):
    """``[derive.<field>]`` of a profile: the value of the first rule whose yes/no column
    says yes (channel: online if the online flag, else postal if a postal flag), else the
    profile's ``otherwise``. A flag that cannot be read makes the field unknown."""
    n = len(raw.frame)
    rule = user.derive.get(name, {})
    otherwise = rule.get("otherwise")
    result = np.full(n, otherwise, dtype=object)
    decided = np.zeros(n, dtype=bool)
    bad_total = np.zeros(n, dtype=bool)
    for src in sorted(sources, key=lambda s: int(s.alt.split(":")[1])):
        value = src.alt.split(":", 2)[2]
        vals, bad = src.parser.vector(raw.column(src.column), extra)
        if bad.any():
            problems.extend(_problems(raw, src, bad, bool | None, extra))
        if consume:
            raw.frame.pop(col(src.column))  # in place: no copy of the others
        yes = pd.Series(vals).fillna(False).astype(bool).to_numpy() & ~bad
        hit = yes & ~decided
        result[hit] = value
        decided |= hit
        bad_total |= bad & ~decided
    result[bad_total] = None
    cats = list(dict.fromkeys(v for v in result if v is not None))
    return pd.Series(pd.Categorical(result, categories=cats)), bad_total


def _date_order(raw: RawTable, out: dict[str, Any], by_field: dict, problems: list[Problem]) -> np.ndarray:
    """Dates no export can hold (the column-at-a-time twin of DossierRecord's validators):
    a receipt or a finish after the day of the run, and a finish before the receipt. A future receipt rejects the row; a future finish date, or
    one before the receipt, becomes unknown (the dossier leaves the timing KPIs, counted
    as excluded). Returns the rows to reject."""
    n = len(raw.rows)
    reject = np.zeros(n, dtype=bool)
    end_of_today = pd.Timestamp(today()) + pd.Timedelta(days=1)

    def flag(name: str, mask: np.ndarray, code: str, rejects: bool) -> None:
        if not mask.any():
            return
        src = by_field[name][0]
        rows = raw.rows[mask]
        vals = pd.to_datetime(out[name])[mask].iloc[:EXAMPLES_PER_PROBLEM]
        shown = [v.strftime("%d/%m/%Y %H:%M") if (v.hour or v.minute) else v.strftime("%d/%m/%Y") for v in vals]
        problems.append(Problem(raw.path, name, src.header, code, int(mask.sum()),
                                [int(r) for r in rows[:EXAMPLES_PER_PROBLEM]], None,
                                [(int(r), v) for r, v in zip(rows[:EXAMPLES_PER_PROBLEM], shown)], {}, rejects=rejects))

    rec = out.get("received_at")
    fin = out.get("finished_at")
    if rec is not None:
        r = pd.to_datetime(rec).to_numpy(dtype="datetime64[ns]")
        future = ~np.isnat(r) & (r >= end_of_today.to_datetime64())
        flag("received_at", future, "future_date", True)
        reject |= future
    if fin is not None:
        f = pd.to_datetime(fin).to_numpy(dtype="datetime64[ns]")
        known = ~np.isnat(f)
        future = known & (f >= end_of_today.to_datetime64())
        flag("finished_at", future, "future_date", False)
        unknown = future
        if rec is not None:
            r = pd.to_datetime(rec).to_numpy(dtype="datetime64[ns]")
            both = known & ~np.isnat(r) & ~future
            # times of day count only when both carry one (00:00 is a date alone)
            timed = both & (f.astype("datetime64[D]") != f) & (r.astype("datetime64[D]") != r)
            before = both & np.where(timed, f < r, f.astype("datetime64[D]") < r.astype("datetime64[D]"))
            flag("finished_at", before, "finished_before_received", False)
            unknown |= before
        if unknown.any():
            out["finished_at"] = pd.Series(np.where(unknown, np.datetime64("NaT", "ns"), f), index=fin.index)
            prev = out.get(invalid_col("finished_at"))
            out[invalid_col("finished_at")] = unknown if prev is None else (np.asarray(prev) | unknown)
    return reject


def _problems(raw: RawTable, src: Source, bad: np.ndarray, annotation: Any, extra: dict | None) -> list[Problem]:
    """Group the failing cells of one column by (reason, value for vocabularies)."""
    cells = raw.column(src.column)[bad]
    rows = raw.rows[bad]
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    by_reason: dict[tuple[str, str | None], list[int]] = {}
    params_of: dict[tuple[str, str | None], dict] = {}
    vocab_like = src.parser.kind in ("vocab", "boolean")
    for i, u in enumerate(uniques):
        code, params = _word(src.parser, annotation, u, extra)
        key = (code, _show(u) if vocab_like else None)
        by_reason.setdefault(key, []).append(i)
        params_of.setdefault(key, params)
    out = []
    for key, members in by_reason.items():
        mask = np.isin(codes, members)
        idx = np.flatnonzero(mask)
        ex = [(int(rows[j]), _show(cells.iloc[j])) for j in idx[:EXAMPLES_PER_PROBLEM]]
        out.append(Problem(raw.path, src.field, src.header, key[0], int(mask.sum()),
                           [int(r) for r in rows[idx[:EXAMPLES_PER_PROBLEM]]], key[1], ex, params_of[key]))
    return out


def _missing(raw: RawTable, src: Source, missing: np.ndarray) -> Problem:
    rows = raw.rows[missing]
    return Problem(raw.path, src.field, src.header, "required_missing", int(missing.sum()),
                   [int(r) for r in rows[:EXAMPLES_PER_PROBLEM]], None,
                   [(int(r), "") for r in rows[:EXAMPLES_PER_PROBLEM]], {}, rejects=True)


def _show(v: Any, limit: int = 60) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


__all__ = ["Problem", "ValidatedTable", "validate_table", "invalid_col", "col"]
