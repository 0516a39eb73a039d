"""The one additive engine: per-row measures summed per group, ratios only at the end.

Every input kind (``kpis.kinds``) turns its rows into measures — 0/1 (or count) columns
named ``<kpi>.num``, ``<kpi>.den``, ``<kpi>.exc.<reason>`` and ``count.<name>`` — and this
module sums them per group of the ``--by`` keys, splitting the period into months when
``month`` is a key. ``Sums`` adds (``a + b``): files, chunks and cluster partitions combine
by addition, and a ratio is formed only by ``finish``.

"Overall" is the sum over groups when the groups split the rows (every row in exactly one
group); split by month it is measured on the whole period instead, because a stock such as
"pending at the end" does not add over months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd

from .period import Period
from .results import Counts, KpiResult

if TYPE_CHECKING:
    from .kinds import Kind


@dataclass(frozen=True)
class Sums:
    """Summed measures per group: ``table`` is indexed by the values of ``keys`` (one row,
    index 0, when there are none) and has one int64 column per measure."""

    keys: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)

    def __add__(self, other: "Sums") -> "Sums":
        if self.keys != other.keys:
            raise ValueError(f"cannot add sums by {self.keys} and by {other.keys}")
        both = pd.concat([self.table, other.table]).fillna(0)
        if self.keys:
            t = both.groupby(level=list(range(len(self.keys))), dropna=False, sort=True).sum()
        else:
            t = both.sum().to_frame().T
        return Sums(self.keys, t.astype(np.int64))

    def __neg__(self) -> "Sums":
        return Sums(self.keys, -self.table)

    def overall(self) -> "Sums":
        """All groups together: valid when the groups split the rows (not by month)."""
        t = self.table.drop(columns=[ROWS], errors="ignore")
        return Sums((), t.sum().to_frame().T.astype(np.int64))

    def drop_empty(self) -> "Sums":
        """Without the groups no row is left in (``ROWS`` counted by ``aggregate``), as if the
        rows taken back out had never been added; the count itself dropped."""
        if ROWS not in self.table.columns:
            return self
        t = self.table
        return Sums(self.keys, t.loc[t[ROWS].to_numpy() > 0].drop(columns=[ROWS]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sums) or self.keys != other.keys:
            return False
        a, b = self.table, other.table
        cols = sorted(set(a.columns) | set(b.columns))
        return a.reindex(columns=cols, fill_value=0).equals(b.reindex(columns=cols, fill_value=0))

    __hash__ = None  # type: ignore[assignment]


def _group_codes(columns: dict[str, Any], keys: list[str], n: int) -> tuple[np.ndarray, pd.Index]:
    """Integer group code of every row and the group labels (sorted, missing values kept)."""
    frame = pd.DataFrame({k: (v.to_numpy() if hasattr(v, "to_numpy") else v) for k, v in columns.items()},
                         index=pd.RangeIndex(n))
    g = frame.groupby(keys, dropna=False, sort=True, observed=True)
    return g.ngroup().to_numpy(), g.size().index


ROWS = "_rows"  # the rows of each group (``count_rows``): a group that sums to no row is no group


def aggregate(kind: "Kind", frame: pd.DataFrame, period: Period, keys: list[str], ctx: Any = None,
              count_rows: bool = False) -> Sums:
    """Sum the measures of ``frame`` per group of ``keys`` (``month`` splits the period):
    one ``np.bincount`` per measure over integer group codes. ``count_rows``: with the rows
    of each group (``ROWS``), so that sums from which rows are taken back out can drop the
    groups left empty (``Sums.drop_empty``)."""
    other = [k for k in keys if k != "month"]
    if other:
        codes, labels = _group_codes(kind.group_columns(frame, other), other, len(frame))
        k = len(labels)
    parts = []
    periods = period.months() if "month" in keys else [period]
    for p in periods:
        m = kind.measure(frame, p, ctx)
        if other:
            data = {name: np.bincount(codes[v], minlength=k) if v.dtype == bool
                    else np.bincount(codes, weights=v, minlength=k).round().astype(np.int64) for name, v in m.items()}
            if count_rows:
                data[ROWS] = np.bincount(codes, minlength=k)
            t = pd.DataFrame(data, index=labels)
        else:
            t = pd.DataFrame({name: [int(np.count_nonzero(v) if v.dtype == bool else v.sum())] for name, v in m.items()})
        if "month" in keys:
            mk = p.month_key()
            if other:
                idx = labels.to_frame(index=False)
                idx["month"] = mk
                t.index = pd.MultiIndex.from_frame(idx[keys])
            else:
                t.index = pd.Index([mk], name="month")
        parts.append(t)
    table = pd.concat(parts) if len(parts) > 1 else parts[0]
    if "month" in keys and other:
        table = table.sort_index()
    return Sums(tuple(keys), table.astype(np.int64))


def grouped_and_overall(kind: "Kind", frame: pd.DataFrame, period: Period, keys: list[str],
                        ctx: Any = None) -> tuple[Sums | None, Sums]:
    grouped = aggregate(kind, frame, period, keys, ctx) if keys else None
    if grouped is not None and "month" not in keys:
        return grouped, grouped.overall()
    return grouped, aggregate(kind, frame, period, [], ctx)


def finish(sums: Sums, kpi_codes: Iterable[str], count_keys: Iterable[str] = ()) -> tuple[list[KpiResult], list[Counts]]:
    """Typed results (and report-form counts) from summed measures: the ratio at the end."""
    results: list[KpiResult] = []
    counts: list[Counts] = []
    codes = list(kpi_codes)
    ckeys = list(count_keys)
    t = sums.table
    cols = list(t.columns)
    exc = {code: [c for c in cols if c.startswith(f"{code}.exc.")] for code in codes}
    values = t.to_numpy()
    at = {c: i for i, c in enumerate(cols)}
    for i, idx in enumerate(t.index):
        row = values[i]
        if sums.keys:
            vals = idx if isinstance(idx, tuple) else (idx,)
            group = tuple((k, _plain(v)) for k, v in zip(sums.keys, vals))
        else:
            group = ()
        for code in codes:
            num = int(row[at[f"{code}.num"]]) if f"{code}.num" in at else 0
            den = int(row[at[f"{code}.den"]]) if f"{code}.den" in at else 0
            reasons = tuple((c.rsplit(".", 1)[1], int(row[at[c]])) for c in exc[code] if row[at[c]])
            results.append(KpiResult(code, group, num, den, reasons))
        if ckeys:
            counts.append(Counts(group, {k: int(row[at[f"count.{k}"]]) if f"count.{k}" in at else 0 for k in ckeys}))
    return results, counts


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v
