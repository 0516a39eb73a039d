"""The QĐ 766 service index per unit and per pooled parent (issue 14): ``cchc index``.

Counts come from the one engine (``kpis.aggregate`` over the ``index`` kind of
``kpis.kinds``): by unit, and by parent — a parent's counts are its units' dossiers pooled,
never an average of its units' points. Points are formed only here, at the end, by the
formula file (``qd766.toml``) and its variant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..kpis import aggregate as engine
from ..kpis.definitions import missing
from ..kpis.index import IndexContext
from ..kpis.index import measures as index_measures
from ..kpis.kinds import INDEX
from ..kpis.period import Period
from ..kpis.results import envelope
from .formula import Formula, Indicator, load
from .units import UnitMap, load_units

__all__ = ["Formula", "IndexResult", "compute_index", "load", "load_units", "points_table"]


@dataclass
class IndicatorScore:
    code: str
    group: str
    numerator: int
    denominator: int
    max: float
    points: float | None
    excluded: int = 0

    @property
    def ratio(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "group": self.group, "numerator": self.numerator, "denominator": self.denominator,
                "ratio": self.ratio, "points": _r(self.points), "max": self.max, "excluded": self.excluded,
                "note": "no_dossiers" if self.denominator == 0 else None}


@dataclass
class Shortfall:
    """Where the points of one indicator went: points lost, how many more dossiers (or
    procedures) would reach full points, and the ones that cost the most."""

    code: str
    lost: float
    needed: int
    counts: str
    items: list[str]
    more_items: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"indicator": self.code, "points_lost": _r(self.lost), "needed": self.needed, "counts": self.counts,
                "items": self.items, "more": self.more_items}


@dataclass
class UnitScore:
    unit: str | None
    level: str | None
    parent: str | None
    pooled: bool
    indicators: list[IndicatorScore]
    groups: dict[str, tuple[float, float]]  # code -> (points, computable max)
    total: float
    computable_max: float
    units: int = 1
    rank: int | None = None
    rank_among: int | None = None
    shortfall: list[Shortfall] = field(default_factory=list)

    def indicator(self, code: str) -> IndicatorScore:
        return next(i for i in self.indicators if i.code == code)

    def points(self, code: str) -> float | None:
        """Points of ``qd766.<indicator>``, ``qd766.<group>`` or ``qd766.total`` (or bare codes)."""
        c = code.removeprefix("qd766.")
        if c == "total":
            return self.total
        if c in self.groups:
            return self.groups[c][0]
        for i in self.indicators:
            if i.code == c:
                return i.points
        return None

    def max_of(self, code: str) -> float | None:
        c = code.removeprefix("qd766.")
        if c == "total":
            return self.computable_max
        if c in self.groups:
            return self.groups[c][1]
        for i in self.indicators:
            if i.code == c:
                return i.max
        return None

    @property
    def key(self) -> tuple[str | None, bool]:
        return (self.unit, self.pooled)

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "level": self.level, "parent": self.parent, "pooled": self.pooled,
                "units": self.units,
                "indicators": [i.to_json() for i in self.indicators],
                "groups": [{"code": g, "points": _r(p), "max": m} for g, (p, m) in self.groups.items()],
                "total": _r(self.total), "computable_max": self.computable_max, "rank": self.rank,
                "rank_among": self.rank_among, "shortfall": [s.to_json() for s in self.shortfall]}


@dataclass
class NotComputed:
    code: str
    group: str
    max: float
    needs: tuple[str, ...] = ()
    needs_data: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"indicator": self.code, "group": self.group, "max": self.max, "fields_needed": list(self.needs),
                "data_needed": self.needs_data}


@dataclass
class IndexResult:
    formula: Formula
    period: Period
    scores: list[UnitScore]
    not_computed: list[NotComputed]
    inputs: list[Any] = field(default_factory=list)
    sums: dict[str, Any] = field(default_factory=dict, repr=False)

    def score(self, unit: str | None, pooled: bool = False) -> UnitScore:
        for s in self.scores:
            if s.unit == unit and s.pooled == pooled:
                return s
        raise KeyError(unit)

    def to_json(self) -> dict[str, Any]:
        return envelope(
            "index",
            formula={"name": self.formula.name, "variant": self.formula.variant, "version": self.formula.version,
                     "zero_denominator": self.formula.zero_denominator, "source": self.formula.variant_source},
            period={"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                    "inferred": self.period.inferred},
            inputs=[i.to_json() for i in self.inputs],
            max=self.formula.total_max,
            units=[s.to_json() for s in self.scores],
            not_computed=[n.to_json() for n in self.not_computed],
        )


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


# ------------------------------------------------------------------ scoring


def score_counts(formula: Formula, indicators: list[Indicator], row: dict[str, int]) -> list[IndicatorScore]:
    """Indicator scores from one group's summed measures (``ix.<measure>.num/.den``)."""
    out = []
    for ind in indicators:
        m = ind.measure
        den = int(row.get(f"ix.{m}.den", 0))
        if m == "satisfaction":
            num = max(0, den - int(row.get("ix.satisfaction.bad", 0)))
        else:
            num = int(row.get(f"ix.{m}.num", 0))
        exc = sum(int(v) for k, v in row.items() if k.startswith(f"ix.{m}.exc."))
        ratio = num / den if den else None
        out.append(IndicatorScore(ind.code, ind.group, num, den, ind.max,
                                  ind.points(ratio, formula.zero_denominator), exc))
    return out


def group_points(formula: Formula, scores: list[IndicatorScore]) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Group points (capped at the group's max) and computable maxima; total and its max."""
    groups: dict[str, tuple[float, float]] = {}
    for g in formula.groups:
        mine = [s for s in scores if s.group == g.code and s.points is not None]
        if not mine:
            continue
        pts = min(g.max, sum(s.points for s in mine))
        mx = min(g.max, sum(s.max for s in mine))
        groups[g.code] = (pts, mx)
    return groups, sum(p for p, _ in groups.values()), sum(m for _, m in groups.values())


def rank(scores: list[UnitScore]) -> None:
    """Rank within each level under the same parent (pooled parents among their peers);
    ties share a rank (1, 2, 2, 4)."""
    buckets: dict[tuple, list[UnitScore]] = {}
    for s in scores:
        buckets.setdefault((s.pooled, s.level, s.parent), []).append(s)
    for group in buckets.values():
        totals = sorted((round(s.total, 6) for s in group), reverse=True)
        for s in group:
            s.rank = totals.index(round(s.total, 6)) + 1
            s.rank_among = len(group)


# ------------------------------------------------------------------ the run


def compute_index(sources, period: Period, formula: Formula, units: UnitMap | None = None,
                  max_dossiers: int = 10) -> IndexResult:
    """The index of every unit of ``sources`` (a ``dataset.Inputs``) and of every parent of
    ``units``, for the period."""
    prep = INDEX.prepare(sources, period, units)
    available: dict[str, set[str]] = {k: set(getattr(sources, k).available)
                                      for k in ("dossiers", "catalogue") if getattr(sources, k, None) is not None}
    computed: list[Indicator] = []
    not_computed: list[NotComputed] = []
    for ind in formula.indicators:
        if not ind.computable:
            not_computed.append(NotComputed(ind.code, ind.group, ind.max, needs_data=ind.needs_data))
            continue
        gone = missing(SimpleNamespace(needs=ind.needs, input="dossiers"), available)
        if gone:
            not_computed.append(NotComputed(ind.code, ind.group, ind.max, tuple(gone)))
        else:
            computed.append(ind)
    scores: list[UnitScore] = []
    sums: dict[str, Any] = {}
    if prep is None:
        return IndexResult(formula, period, scores, not_computed, sources.reports, sums)
    frame = prep.frame
    has_parent = units is not None and frame["parent"].notna().any()
    pools = [("unit", False)] + ([("parent", True)] if units is not None else [])
    pooled_frame = units.pooled(frame) if units is not None else None
    for key, pooled in pools:
        ctx = IndexContext(pool=(key,))
        f = pooled_frame if pooled else frame
        if pooled and f.empty:
            continue
        s = engine.aggregate(INDEX, f, period, [key], ctx)
        sums[key] = s
        t = s.table
        n_units = f.groupby(key, dropna=False)["unit"].nunique(dropna=False) if pooled else None
        for idx, vals in zip(t.index, t.to_dict("records")):
            name = engine._plain(idx[0] if isinstance(idx, tuple) else idx)
            if pooled and name is None:
                continue
            ind_scores = score_counts(formula, computed, vals)
            groups, total, cmax = group_points(formula, ind_scores)
            if pooled:
                level = units.level_of(name)
                parent = units.parent_of(name)
                nu = int(n_units.get(name, 0)) if n_units is not None else 1
            else:
                level = _unit_level(frame, name, units)
                parent = units.parent_of(name) if units is not None else None
                nu = 1
            scores.append(UnitScore(name, level, parent, pooled, ind_scores, groups, total, cmax, nu))
    del has_parent
    rank(scores)
    _shortfalls(scores, frame, pooled_frame, period, formula, computed, max_dossiers)
    return IndexResult(formula, period, scores, not_computed, sources.reports, sums)


def _unit_level(frame: pd.DataFrame, name: str | None, units: UnitMap | None) -> str | None:
    if units is not None and name is not None and units.level_of(name):
        return units.level_of(name)
    if "level" in frame.columns:
        lv = frame.loc[frame["unit"] == name, "level"].dropna() if name is not None else frame.loc[frame["unit"].isna(), "level"].dropna()
        if len(lv):
            return str(lv.iloc[0])
    from ..schema.vocab import level_from_unit_name

    return level_from_unit_name(name) if name else None


def _shortfalls(scores: list[UnitScore], frame: pd.DataFrame, pooled_frame: pd.DataFrame | None, period: Period,
                formula: Formula, computed: list[Indicator], max_items: int) -> None:
    """Per unit (and pooled parent) and indicator below its max: what it would take, and
    which dossiers (or procedures) cost the most — overdue ones first."""
    per_pool = {"unit": (frame, index_measures(frame, period, IndexContext(pool=("unit",))))}
    if pooled_frame is not None and not pooled_frame.empty:
        per_pool["parent"] = (pooled_frame, index_measures(pooled_frame, period, IndexContext(pool=("parent",))))
    end = np.datetime64(period.end_ts.to_datetime64())
    for s in scores:
        key = "parent" if s.pooled else "unit"
        frame, m = per_pool[key]
        ids = frame["dossier_id"].astype(str).to_numpy() if "dossier_id" in frame.columns \
            else np.arange(len(frame)).astype(str)
        procs = frame["ix_procedure"].astype(object).to_numpy()
        due = pd.to_datetime(frame["due_at"]).to_numpy(dtype="datetime64[ns]") if "due_at" in frame.columns else None
        fin = pd.to_datetime(frame["finished_at"]).to_numpy(dtype="datetime64[ns]") \
            if "finished_at" in frame.columns else None
        col = frame[key].astype(object).to_numpy()
        mine = (col == s.unit) if s.unit is not None else pd.isna(frame[key]).to_numpy()
        for ind in computed:
            sc = s.indicator(ind.code)
            if sc.points is None or sc.points >= ind.max - 1e-9 or sc.denominator == 0:
                continue
            lost = ind.max - sc.points
            if ind.measure == "satisfaction":
                bad = sc.denominator - sc.numerator
                allowed = math.floor((1 - ind.full_at) * sc.denominator + 1e-9)
                needed = max(0, bad - allowed)
                miss = mine & (m["ix.satisfaction.bad"] > 0)
            else:
                needed = ind.needed(sc.numerator, sc.denominator)
                miss = mine & m[f"ix.{ind.measure}.den"] & ~m[f"ix.{ind.measure}.num"]
            rows = np.flatnonzero(miss)
            if ind.counts == "procedures":
                items = [str(procs[i]) for i in rows]
                if ind.measure in ("pay_procedures", "fee_data", "online_used", "online_offered"):
                    # a procedure counts as soon as one of its dossiers does: list those with none
                    done = {str(procs[i]) for i in np.flatnonzero(mine & _any_num(m, ind, frame, key, s.unit))}
                    items = [p for p in dict.fromkeys(items) if p not in done]
            else:
                order = _cost_order(rows, m, due, fin, end)
                items = [ids[i] for i in order]
            more = max(0, len(items) - max_items)
            s.shortfall.append(Shortfall(ind.code, lost, needed, ind.counts, items[:max_items], more))


def _any_num(m, ind: Indicator, frame, key, unit) -> np.ndarray:
    return m[f"ix.{ind.measure}.num"]


def _cost_order(rows: np.ndarray, m: dict, due, fin, end) -> np.ndarray:
    """Overdue pending first (longest overdue first), then late ended (latest first), then
    the rest in file order."""
    if len(rows) == 0:
        return rows
    overdue = m["ix.progress.overdue"][rows]
    late = m["ix.progress.late"][rows]
    if due is not None:
        d = due[rows].astype("datetime64[ns]").astype(np.int64)
        f = fin[rows].astype("datetime64[ns]").astype(np.int64) if fin is not None else np.zeros(len(rows), np.int64)
        e = np.int64(end.astype("datetime64[ns]").astype(np.int64))
        lateness = np.where(overdue, e - d, np.where(late, f - d, 0))
    else:
        lateness = np.zeros(len(rows), dtype=np.int64)
    tier = np.where(overdue, 0, np.where(late, 1, 2))
    order = np.lexsort((np.arange(len(rows)), -lateness, tier))
    return rows[order]


def points_table(result: IndexResult) -> list[dict[str, Any]]:
    """Flat rows: one per unit (or pooled parent) and indicator/group/total, for targets and diff."""
    out = []
    for s in result.scores:
        for i in s.indicators:
            out.append({"unit": s.unit, "pooled": s.pooled, "level": s.level, "parent": s.parent,
                        "code": f"qd766.{i.code}", "points": i.points, "max": i.max})
        for g, (p, mx) in s.groups.items():
            out.append({"unit": s.unit, "pooled": s.pooled, "level": s.level, "parent": s.parent,
                        "code": f"qd766.{g}", "points": p, "max": mx})
        out.append({"unit": s.unit, "pooled": s.pooled, "level": s.level, "parent": s.parent,
                    "code": "qd766.total", "points": s.total, "max": s.computable_max, "rank": s.rank})
    return out


def run(
    paths: list,
    *,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    columns=None,
    sheet: str | None = None,
    catalogue=None,
    units=None,
    formula: str | None = None,
    max_dossiers: int = 10,
    kind: str | None = None,
    on_file=None,
):
    """The QĐ 766 index per unit and per pooled parent of ``units`` (``cchc index``)."""
    from ..dataset import load_inputs
    from ..errors import ConfigError
    from ..kpis.period import resolve_period
    from ..kpis.run import data_span
    from ..schema.headers import ColumnMap
    from ..schema.models import DossierRecord

    f = load(formula)  # configuration errors before any data is read
    umap = load_units(units) if units is not None else None
    per = resolve_period(period, start, end)
    user = columns if isinstance(columns, ColumnMap) else ColumnMap.load(columns, DossierRecord)
    cats = None if catalogue is None else (list(catalogue) if isinstance(catalogue, (list, tuple)) else [catalogue])
    sources = load_inputs(paths, catalogue=cats, kind=kind, columns=user, sheet=sheet, on_file=on_file)
    if per is None:
        if sources.dossiers is None:
            raise ConfigError("period_needed_catalogue_only")
        per = data_span(sources.dossiers.frame)
    return compute_index(sources, per, f, umap, max_dossiers)
