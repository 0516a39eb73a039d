"""``compute``: exports in, KPI results and report counts out — the library's main entry.

    >>> import cchc_cli
    >>> result = cchc_cli.compute(["samples/dossiers"], by=["unit"], period="2023-03")
    >>> result.value("online_rate", unit="UBND quận Cái Răng")

The command line renders exactly this object, so another program gets the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import ConfigError
from .kpis import dossiers as engine
from .kpis.catalogue import BY_CODE
from .kpis.period import Period, resolve_period
from .schema.headers import ColumnMap
from .schema.models import DossierRecord

SCHEMA_VERSION = 1


@dataclass
class ComputeResult:
    period: Period
    group_by: list[str]
    dataset: Dataset | None  # the dossiers
    results: list[dict[str, Any]]
    counts: list[dict[str, Any]]
    unavailable: list[dict[str, str]]
    kpis: list[str]  # dossier KPI codes computed
    sums: engine.Sums | None = field(default=None, repr=False)
    sources: Any = None  # dataset.Inputs: every input by kind
    notes: dict[str, Any] = field(default_factory=dict)  # catalogue_missing, logbook_skipped …

    @property
    def inputs(self):
        return self.sources.reports if self.sources is not None else self.dataset.inputs

    @property
    def problems(self):
        return [p for d in (self.sources.all() if self.sources else [self.dataset]) for p in d.problems]

    def value(self, kpi: str, **group: Any) -> float | None:
        return self.entry(kpi, **group)["value"]

    def entry(self, kpi: str, **group: Any) -> dict[str, Any]:
        for r in self.results:
            if r["kpi"] == kpi and r["group"] == group:
                return r
        raise KeyError(f"{kpi} {group}")

    def count(self, key: str, **group: Any) -> int:
        for c in self.counts:
            if c["group"] == group:
                return c[key]
        raise KeyError(f"{key} {group}")

    def to_json(self, command: str = "compute") -> dict[str, Any]:
        doc = {
            "schema_version": SCHEMA_VERSION,
            "tool": "cchc",
            "command": command,
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                       "inferred": self.period.inferred},
            "group_by": self.group_by,
            "inputs": [i.to_json() for i in self.inputs],
            "results": self.results,
            "counts": self.counts,
            "unavailable": self.unavailable,
            "conflicts": self.dataset.conflict_count if self.dataset is not None else 0,
        }
        doc.update(self.notes)
        return doc


def parse_by(by: str | list[str] | None) -> list[str]:
    if by is None:
        return []
    keys = [k.strip() for k in (by.split(",") if isinstance(by, str) else by) if k.strip()]
    for k in keys:
        if k not in engine.GROUP_KEYS:
            import difflib

            near = difflib.get_close_matches(k, engine.GROUP_KEYS, n=1)
            raise ConfigError(
                f"--by '{k}': không có cách nhóm này." + (f" Có phải ý bạn là '{near[0]}'?" if near else ""),
                hint="Nhóm theo: " + ", ".join(engine.GROUP_KEYS) + ".",
            )
    return list(dict.fromkeys(keys))


def data_span(frame: pd.DataFrame, column: str = "received_at") -> Period:
    """The span of the data: first receipt to the last receipt or finish date."""
    rec = frame[column]
    ends = [rec.max()]
    if "finished_at" in frame.columns:
        ends.append(frame["finished_at"].max())
    last = max(t for t in ends if not pd.isna(t))
    return Period(rec.min().date(), last.date(), inferred=True)


CALENDAR_KPIS = ("appointment_within_limit_rate", "statutory_on_time_rate")


def unavailable_kpis(available: set[str], catalogue: Dataset | None = None) -> list[dict[str, Any]]:
    out = []
    cat_fields = catalogue.available if catalogue is not None else set()
    for code in engine.ENGINE_KPIS + CALENDAR_KPIS:
        k = BY_CODE[code]
        missing = [f for f in k.needs if f not in available]
        if "service_level" in missing and "service_level" in cat_fields:
            missing.remove("service_level")
        if "time_limit_days" in missing and "time_limit_days" in cat_fields:
            missing.remove("time_limit_days")
        if missing:
            out.append({"kpi": code, "reason": "missing_columns", "columns": missing})
    return out


def compute(
    paths: list[str | Path],
    *,
    by: str | list[str] | None = None,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    columns: str | Path | ColumnMap | None = None,
    sheet: str | None = None,
    catalogue: str | Path | list | None = None,
    logbook: str | Path | list | None = None,
    calendar: list[str | Path] | None = None,
    kind: str | None = None,
    dataset: Dataset | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> ComputeResult:
    from .dataset import Inputs, load_inputs

    keys = parse_by(by)
    per = resolve_period(period, start, end)
    user = columns if isinstance(columns, ColumnMap) else ColumnMap.load(columns, DossierRecord)
    if dataset is not None:
        sources = Inputs(dossiers=dataset)
    else:
        as_list = lambda x: None if x is None else (list(x) if isinstance(x, (list, tuple)) else [x])  # noqa: E731
        sources = load_inputs(paths, catalogue=as_list(catalogue), logbook=as_list(logbook), kind=kind,
                              columns=user, sheet=sheet, on_file=on_file)
    return compute_inputs(sources, keys, per, calendar)


def compute_dataset(ds: Dataset, keys: list[str], per: Period | None) -> ComputeResult:
    from .dataset import Inputs

    return compute_inputs(Inputs(dossiers=ds), keys, per)


def _statutory(frame: pd.DataFrame, limits: np.ndarray, calendar_files) -> engine.Statutory:
    from .calendar import WorkCalendar

    cal = WorkCalendar([str(p) for p in calendar_files or []])
    received = frame["received_at"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    due = cal.statutory_due_dates(received, limits)
    day = due.astype("datetime64[D]").astype(np.int64)
    known = ~np.isnat(due)
    return engine.Statutory(np.where(known, day, -1), known)


def compute_inputs(sources, keys: list[str], per: Period | None, calendar_files=None) -> ComputeResult:
    from .kpis import others

    ds = sources.dossiers
    if calendar_files:  # a broken calendar file is a configuration error, needed or not
        from .calendar import WorkCalendar

        WorkCalendar([str(p) for p in calendar_files])
    if per is None:
        if ds is not None:
            per = data_span(ds.frame)
        elif sources.documents is not None:
            per = data_span(sources.documents.frame, "issued_at")
        else:
            from .errors import ConfigError

            raise ConfigError("Chỉ có danh mục TTHC: cần --period để biết kỳ tính.",
                              hint="Ví dụ: --period 2023 hoặc thêm tệp hồ sơ của kỳ.")
    results: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    unavailable: list[dict[str, Any]] = []
    notes: dict[str, Any] = {}
    codes: list[str] = []
    sums = None
    if ds is not None:
        frame = ds.frame
        kw: dict[str, Any] = {}
        cat = sources.catalogue
        limits = pd.to_numeric(frame["time_limit_days"], errors="coerce").to_numpy(dtype=float) \
            if "time_limit_days" in frame.columns else np.full(len(frame), np.nan)
        if cat is not None:
            look = others.catalogue_lookup(frame, cat.frame)
            own = frame["service_level"] if "service_level" in frame.columns else pd.Series(None, index=frame.index)
            own_bad = frame["service_level!"].to_numpy(dtype=bool) if "service_level!" in frame.columns else np.zeros(len(frame), bool)
            sl = own.astype(object).where(own.notna(), look["cat_service_level"])
            kw["full_online"] = (sl == "full").to_numpy(dtype=bool)
            kw["full_online_unknown"] = sl.isna().to_numpy(dtype=bool) | (own_bad & own.isna().to_numpy())
            limits = np.where(np.isnan(limits), look["cat_time_limit_days"].to_numpy(dtype=float), limits)
            notes["catalogue_missing"] = others.missing_from_catalogue(frame, cat.frame, per)
        unavailable = unavailable_kpis(ds.available, cat)
        gone = {u["kpi"] for u in unavailable}
        if not np.isnan(limits).all() and not gone.issuperset(CALENDAR_KPIS):
            kw["statutory"] = _statutory(frame, limits, calendar_files)
        codes = [c for c in engine.ENGINE_KPIS + (CALENDAR_KPIS if "statutory" in kw else ()) if c not in gone]
        if "statutory" not in kw:
            unavailable += [{"kpi": c, "reason": "missing_columns", "columns": ["time_limit_days"]}
                            for c in CALENDAR_KPIS if c not in gone]
        grouped = engine.aggregate(frame, per, keys, **kw) if keys else None
        # counts add up over groups, but not over months (a stock such as "pending at the end")
        overall = engine.overall_from(grouped) if grouped is not None and "month" not in keys \
            else engine.aggregate(frame, per, [], **kw)
        results, counts = engine.finish(overall, codes)
        sums = overall
        if grouped is not None:
            r2, c2 = engine.finish(grouped, codes)
            results, counts, sums = r2 + results, c2 + counts, grouped
    if sources.catalogue is not None:
        cf = sources.catalogue.frame
        used = others.online_procedures(ds.frame if ds is not None else None, per)
        m = others.procedure_measures(cf, used)
        pc = list(others.PROCEDURE_KPIS)
        if "eligible_full_online" not in sources.catalogue.available:
            pc.remove("full_online_eligible_rate")
            unavailable.append({"kpi": "full_online_eligible_rate", "reason": "missing_columns",
                                "columns": ["eligible_full_online"]})
        if ds is None:
            pc.remove("services_with_online_dossiers_rate")
            unavailable.append({"kpi": "services_with_online_dossiers_rate", "reason": "no_dossiers", "columns": []})
        results += _other_results(m, cf, keys, others.PROCEDURE_KEYS, pc)
    if sources.documents is not None:
        df = sources.documents.frame
        dk = [k for k in keys if k in others.DOCUMENT_KEYS]
        months = per.months() if "month" in dk else [per]
        parts = []
        for p in months:
            m = others.document_measures(df, p)
            cols = {k: df[k].to_numpy(dtype=object) for k in dk if k != "month"}
            if "month" in dk:
                cols["month"] = np.full(len(df), p.month_key(), dtype=object)
            parts.append((m, cols))
        dc = [c for c in others.DOCUMENT_KPIS if not (c == "interconnect_sent_rate" and "interconnect" not in sources.documents.available)
              and not (c != "interconnect_sent_rate" and "signature" not in sources.documents.available)]
        for c in set(others.DOCUMENT_KPIS) - set(dc):
            unavailable.append({"kpi": c, "reason": "missing_columns",
                                "columns": ["interconnect" if c == "interconnect_sent_rate" else "signature"]})
        results += _document_results(parts, dk, dc)
    if sources.logbook is not None:
        cov, skipped = others.coverage_measures(sources.logbook.frame, ds.frame if ds is not None else None, per)
        if skipped:
            notes["logbook_skipped"] = skipped
        if not cov.empty:
            results += _coverage_results(cov, keys)
    return ComputeResult(per, keys, ds, results, counts, unavailable, codes, sums, sources, notes)


def _finish_table(table: pd.DataFrame, keys: list[str], codes: list[str]) -> list[dict[str, Any]]:
    res, _ = engine.finish(engine.Sums(keys, table), codes)
    return res


def _other_results(m: dict[str, np.ndarray], frame: pd.DataFrame, keys: list[str], allowed, codes) -> list[dict]:
    from .kpis.others import sum_groups

    gk = [k for k in keys if k in allowed and k in frame.columns]
    out = []
    if gk:
        out += _finish_table(sum_groups(m, {k: frame[k].to_numpy(dtype=object) for k in gk}, gk), gk, codes)
    out += _finish_table(sum_groups(m, {}, []), [], codes)
    return out


def _document_results(parts, keys: list[str], codes) -> list[dict]:
    from .kpis.others import sum_groups

    out = []
    if keys:
        tables = [sum_groups(m, cols, keys) for m, cols in parts]
        t = pd.concat(tables).groupby(level=list(range(len(keys))), dropna=False).sum() if len(tables) > 1 else tables[0]
        out += _finish_table(t, keys, codes)
    total = sum(sum_groups(m, {}, []).iloc[0] for m, _ in parts[:1])  # the whole period once
    if len(parts) > 1:  # by month: the overall is the sum of the months
        total = sum(sum_groups(m, {}, []).iloc[0] for m, _ in parts)
    out += _finish_table(total.to_frame().T, [], codes)
    return out


def _coverage_results(cov: pd.DataFrame, keys: list[str]) -> list[dict]:
    from .schema.vocab import level_from_unit_name

    cov = cov.copy()
    cov["level"] = [lv if isinstance(lv, str) else level_from_unit_name(u) for u, lv in zip(cov["unit"], cov["level"])]
    gk = [k for k in keys if k in ("unit", "level", "month")]
    vals = cov[["software_coverage_rate.num", "software_coverage_rate.den"]]
    out = []
    if gk:
        t = pd.concat([cov[gk], vals], axis=1).groupby(gk, dropna=False).sum()
        out += _finish_table(t, gk, ["software_coverage_rate"])
    out += _finish_table(vals.sum().to_frame().T, [], ["software_coverage_rate"])
    return out


__all__ = ["ComputeResult", "check_targets", "compute", "compute_dataset", "parse_by", "SCHEMA_VERSION"]


def check_targets(
    paths: list[str | Path],
    *,
    targets: str | Path | None = None,
    preset: str | None = None,
    by: str | list[str] | None = None,
    fail_on: list[str] | set[str] | None = None,
    **compute_options: Any,
):
    """Compute exactly as ``compute`` does and check the KPIs against a targets file or a
    preset. Returns (ComputeResult, CheckReport). By default every unit is checked against
    the targets of its level."""
    from .targets import evaluate, parse_fail_on, resolve

    tset = resolve(targets, preset)  # configuration errors before any data is read
    fo = parse_fail_on(list(fail_on) if fail_on else None)
    keys = parse_by(by) if by else ["unit", "level"]
    if "unit" in keys and "level" not in keys:
        keys.append("level")
    result = compute(paths, by=keys, **compute_options)
    # the dossiers' groups (from the report counts): checked even where no dossier KPI is
    # computable; the groups of the other inputs come with their results
    groups = [c["group"] for c in result.counts if c["group"]]
    kinds = {k for k in ("dossiers", "catalogue", "documents", "logbook") if getattr(result.sources, k, None) is not None}
    if "dossiers" in kinds and "logbook" not in kinds:
        kinds.discard("logbook")
    return result, evaluate(result.results, result.unavailable, groups, tset, fo, kinds)
