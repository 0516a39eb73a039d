"""The input kinds the engine knows, each registered with its ``--by`` keys, its measures
and how it prepares a run (joins with the other inputs, the working-day calendar).

A new input kind is one ``Kind`` here, a module of measures beside this one, its KPIs in
``definitions.py`` and its pydantic model in ``schema/models.py``; the engine
(``aggregate.py``) and the loop (``run.py``) do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from . import coverage, documents, dossiers, procedures
from .period import Period

GROUP_KEYS = ("unit", "level", "field", "procedure", "channel", "month", "parent")  # parent: with --units


@dataclass
class Prepared:
    """One kind, ready to be measured: its frame (the input's, or one derived from it),
    what ``measure`` needs besides the rows, and the fields the run really has."""

    frame: pd.DataFrame
    ctx: Any = None
    available: dict[str, set[str]] = field(default_factory=dict)  # kind -> fields (overrides)
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    name: str
    keys: tuple[str, ...]  # the --by keys it can be grouped by
    measure: Callable[[pd.DataFrame, Period, Any], dict[str, np.ndarray]]
    prepare: Callable[[Any, Period, list | None], Prepared | None]
    count_keys: tuple[str, ...] = ()  # report-form counts (dossiers)
    key_always: bool = False  # group by a key even when the input lacks its column (one "—" group)

    def group_keys(self, frame: pd.DataFrame, keys: list[str]) -> list[str]:
        return [k for k in keys if k in self.keys and (k == "month" or self.key_always or k in frame.columns)]

    def group_columns(self, frame: pd.DataFrame, keys: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in keys:
            if k == "procedure":
                code, name = _col(frame, "procedure_code"), _col(frame, "procedure_name")
                out[k] = code.where(code.notna(), name)
            elif self.key_always:
                out[k] = _col(frame, k)
            else:
                out[k] = frame[k].to_numpy(dtype=object)
        return out


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series([None] * len(df), index=df.index, dtype=object)


# ------------------------------------------------------------------ dossiers


@dataclass
class DossierContext:
    full_online: np.ndarray | None = None
    full_online_unknown: np.ndarray | None = None
    statutory: dossiers.Statutory | None = None


def _prepare_dossiers(sources, period: Period, calendar_files) -> Prepared | None:
    ds = sources.dossiers
    if ds is None:
        return None
    frame = ds.frame
    ctx = DossierContext()
    notes: dict[str, Any] = {}
    limits = pd.to_numeric(frame["time_limit_days"], errors="coerce").to_numpy(dtype=float) \
        if "time_limit_days" in frame.columns else np.full(len(frame), np.nan)
    cat = sources.catalogue
    if cat is not None:
        look = procedures.catalogue_lookup(frame, cat.frame)
        own = frame["service_level"] if "service_level" in frame.columns else pd.Series(None, index=frame.index)
        own_bad = frame["service_level!"].to_numpy(dtype=bool) if "service_level!" in frame.columns else np.zeros(len(frame), bool)
        sl = own.astype(object).where(own.notna(), look["cat_service_level"])
        ctx.full_online = (sl == "full").to_numpy(dtype=bool)
        ctx.full_online_unknown = sl.isna().to_numpy(dtype=bool) | (own_bad & own.isna().to_numpy())
        limits = np.where(np.isnan(limits), look["cat_time_limit_days"].to_numpy(dtype=float), limits)
        notes["catalogue_missing"] = procedures.missing_from_catalogue(frame, cat.frame, period)
    available: dict[str, set[str]] = {}
    if np.isnan(limits).all():  # no dossier has a known time limit, from its own column or the catalogue
        available = {"dossiers": set(ds.available) - {"time_limit_days"},
                     "catalogue": set(cat.available) - {"time_limit_days"} if cat is not None else set()}
    else:
        ctx.statutory = _statutory(frame, limits, calendar_files)
    return Prepared(frame, ctx, available, notes)


def _statutory(frame: pd.DataFrame, limits: np.ndarray, calendar_files, cal=None) -> dossiers.Statutory:
    """Each dossier's statutory due date from its time limit, in working days of the
    calendar (``cal``, or one built from ``calendar_files``); no limit known: none known."""
    if np.isnan(limits).all():
        return dossiers.Statutory(np.full(len(frame), -1, dtype=np.int64), np.zeros(len(frame), dtype=bool))
    if cal is None:
        from ..calendar import WorkCalendar

        cal = WorkCalendar([str(p) for p in calendar_files or []])
    received = frame["received_at"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    due = cal.statutory_due_dates(received, limits)
    day = due.astype("datetime64[D]").astype(np.int64)
    known = ~np.isnat(due)
    return dossiers.Statutory(np.where(known, day, -1), known)


def _measure_dossiers(frame: pd.DataFrame, period: Period, ctx: DossierContext | None) -> dict[str, np.ndarray]:
    ctx = ctx or DossierContext()
    return dossiers.measures(frame, period, full_online=ctx.full_online,
                             full_online_unknown=ctx.full_online_unknown, statutory=ctx.statutory)


# ------------------------------------------------------------------ the others


def _prepare_catalogue(sources, period: Period, calendar_files) -> Prepared | None:
    if sources.catalogue is None:
        return None
    return Prepared(sources.catalogue.frame, sources.dossiers.frame if sources.dossiers is not None else None)


def _prepare_documents(sources, period: Period, calendar_files) -> Prepared | None:
    return None if sources.documents is None else Prepared(sources.documents.frame)


def _prepare_logbook(sources, period: Period, calendar_files) -> Prepared | None:
    if sources.logbook is None:
        return None
    lines, skipped = coverage.lines(sources.logbook.frame, sources.dossiers.frame if sources.dossiers is not None else None)
    lines = lines.loc[coverage.inside(lines, period)].reset_index(drop=True)
    return Prepared(lines, notes={"logbook_skipped": skipped} if skipped else {})


KINDS: tuple[Kind, ...] = (
    Kind("dossiers", GROUP_KEYS, _measure_dossiers, _prepare_dossiers, dossiers.COUNT_KEYS, key_always=True),
    Kind("catalogue", ("level", "unit", "field"), lambda f, p, ctx: procedures.measures(f, p, ctx), _prepare_catalogue),
    Kind("documents", ("unit", "level", "month"), lambda f, p, ctx: documents.measures(f, p), _prepare_documents),
    Kind("logbook", ("unit", "level", "month"), lambda f, p, ctx: coverage.measures(f, p), _prepare_logbook),
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}


# ------------------------------------------------------------------ the QĐ 766 index (issue 14)
# Not one of KINDS: ``compute`` does not loop over it; ``cchc index`` aggregates it with the
# same engine, by unit and by pooled parent (``cchc_cli.index``).

INDEX_KEYS = ("unit", "level", "parent")


def _measure_index(frame: pd.DataFrame, period: Period, ctx) -> dict[str, np.ndarray]:
    from . import index

    return index.measures(frame, period, ctx)


def _prepare_index(sources, period: Period, units) -> Prepared | None:
    """The dossiers with what the index needs joined on: the catalogue's flags (fee-bearing,
    paper result, service level), each dossier's procedure key, and its unit's level and
    parent from ``units`` (an ``index.units.UnitMap`` or None)."""
    ds = sources.dossiers
    if ds is None:
        return None
    frame = ds.frame.copy()
    n = len(frame)
    code = _col(frame, "procedure_code")
    frame["ix_procedure"] = code.astype(object).where(code.notna(), _col(frame, "procedure_name"))
    own_sl = _col(frame, "service_level").astype(object)
    cat = sources.catalogue
    if cat is not None and "procedure_code" in frame.columns:
        look = procedures.catalogue_lookup(frame, cat.frame)
        frame["ix_service_level"] = own_sl.where(own_sl.notna(), look["cat_service_level"])
        c = cat.frame
        codes = frame["procedure_code"].astype(object).map(lambda v: None if pd.isna(v) else str(v))
        for flag in ("fee_bearing", "paper_result"):
            if flag in c.columns and flag in cat.available:
                by_code = c.assign(procedure_code=c["procedure_code"].astype(str)).drop_duplicates("procedure_code") \
                    .set_index("procedure_code")[flag]
                frame[f"ix_{flag}"] = by_code.reindex(codes).to_numpy(dtype=object)
    else:
        frame["ix_service_level"] = own_sl
    if units is not None:
        frame = units.annotate(frame)
    else:
        if "unit" not in frame.columns:
            frame["unit"] = None
        frame["parent"] = None
    assert len(frame) == n
    return Prepared(frame)


INDEX = Kind("index", INDEX_KEYS, _measure_index, _prepare_index, key_always=True)


def parse_by(by: str | list[str] | None) -> list[str]:
    """The ``--by`` keys, checked: an unknown key is a configuration error (with the nearest)."""
    if by is None:
        return []
    keys = [k.strip() for k in (by.split(",") if isinstance(by, str) else by) if k.strip()]
    for k in keys:
        if k not in GROUP_KEYS:
            import difflib

            from ..errors import ConfigError
            from ..i18n import msg

            near = difflib.get_close_matches(k, GROUP_KEYS, n=1)
            raise ConfigError("unknown_group_key", key=k, keys=", ".join(GROUP_KEYS),
                              suggestion=msg("did_you_mean", choice=near[0]) if near else "")
    return list(dict.fromkeys(keys))
