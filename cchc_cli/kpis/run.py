"""``compute`` is a loop over input kinds: prepare each kind, decide which of its KPIs the
run can compute (``definitions.missing``), sum its measures per group with the one engine,
and finish the sums into typed results."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import ConfigError
from . import aggregate as engine
from .definitions import missing, of_input
from .kinds import KINDS
from .period import Period
from .results import ComputeResult, Unavailable


def data_span(frame: pd.DataFrame, column: str = "received_at") -> Period:
    """The span of the data: first receipt to the last receipt or finish date."""
    rec = frame[column]
    ends = [rec.max()]
    if "finished_at" in frame.columns:
        ends.append(frame["finished_at"].max())
    last = max(t for t in ends if not pd.isna(t))
    return Period(rec.min().date(), last.date(), inferred=True)


def compute_inputs(sources, keys: list[str], per: Period | None, calendar_files=None,
                   origin: str | None = None) -> ComputeResult:
    """Every KPI of every input of ``sources`` (a ``dataset.Inputs``) for the period."""
    if calendar_files:  # a broken calendar file is a configuration error, needed or not
        from ..calendar import WorkCalendar

        WorkCalendar([str(p) for p in calendar_files])
    if per is None:
        if sources.dossiers is not None:
            per = data_span(sources.dossiers.frame)
        elif sources.documents is not None:
            per = data_span(sources.documents.frame, "issued_at")
        else:
            raise ConfigError("period_needed_catalogue_only")
    prepared = {k.name: k.prepare(sources, per, calendar_files) for k in KINDS}
    available: dict[str, set[str]] = {k.name: set(getattr(sources, k.name).available)
                                      for k in KINDS if getattr(sources, k.name) is not None}
    notes: dict[str, Any] = {}
    for p in prepared.values():
        if p is not None:
            available.update(p.available)
            notes.update(p.notes)
    results, counts, unavailable, sums = [], [], [], {}
    for kind in KINDS:
        prep = prepared[kind.name]
        if prep is None:
            continue
        codes = []
        for k in of_input(kind.name):
            gone = missing(k, available)
            if gone:
                unavailable.append(Unavailable(k.code, tuple(gone)))
            else:
                codes.append(k.code)
        if prep.frame.empty and not kind.count_keys:
            continue
        gk = kind.group_keys(prep.frame, keys)
        grouped, overall = engine.grouped_and_overall(kind, prep.frame, per, gk, prep.ctx)
        sums[kind.name] = overall
        res, cnt = engine.finish(overall, codes, kind.count_keys)
        if grouped is not None:
            r2, c2 = engine.finish(grouped, codes, kind.count_keys)
            res, cnt = r2 + res, c2 + cnt
        results += res
        counts += cnt
    conflicts = sources.dossiers.conflict_count if sources.dossiers is not None else 0
    return ComputeResult(per, list(keys), results, counts, unavailable, sources.reports, conflicts, notes,
                         origin, False, sources, sums)


def dossier_result(per: Period, keys: list[str], grouped, overall, available: dict[str, set[str]], sources,
                   conflicts: int, origin: str | None) -> ComputeResult:
    """The dossier KPIs of engines that sum their own ``Sums`` (streaming, dask): which KPIs
    the fields allow (``definitions.missing``), and the ratios formed from the sums."""
    from .kinds import BY_NAME

    kind = BY_NAME["dossiers"]
    codes, unavailable = [], []
    for k in of_input("dossiers"):
        gone = missing(k, available)
        if gone:
            unavailable.append(Unavailable(k.code, tuple(gone)))
        else:
            codes.append(k.code)
    results, counts = engine.finish(overall, codes, kind.count_keys)
    if grouped is not None:
        r2, c2 = engine.finish(grouped, codes, kind.count_keys)
        results, counts = r2 + results, c2 + counts
    return ComputeResult(per, list(keys), results, counts, unavailable, sources.reports, conflicts, {},
                         origin, False, sources, {"dossiers": overall})
