"""``compute``: exports in, KPI results and report counts out — the library's main entry.

    >>> import cchc_cli
    >>> result = cchc_cli.compute(["samples/dossiers"], by=["unit"], period="2023-03")
    >>> result.value("online_rate", unit="UBND quận Cái Răng")

The command line renders exactly this object, so another program gets the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .dataset import Dataset, load
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
    dataset: Dataset
    results: list[dict[str, Any]]
    counts: list[dict[str, Any]]
    unavailable: list[dict[str, str]]
    kpis: list[str]
    sums: engine.Sums | None = field(default=None, repr=False)

    @property
    def inputs(self):
        return self.dataset.inputs

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
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": "cchc",
            "command": command,
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                       "inferred": self.period.inferred},
            "group_by": self.group_by,
            "inputs": [i.to_json() for i in self.dataset.inputs],
            "results": self.results,
            "counts": self.counts,
            "unavailable": self.unavailable,
            "conflicts": self.dataset.conflict_count,
        }


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


def data_span(frame: pd.DataFrame) -> Period:
    """The span of the data: first receipt to the last receipt or finish date."""
    rec = frame["received_at"]
    ends = [rec.max()]
    if "finished_at" in frame.columns:
        ends.append(frame["finished_at"].max())
    last = max(t for t in ends if not pd.isna(t))
    return Period(rec.min().date(), last.date(), inferred=True)


def unavailable_kpis(available: set[str], catalogue: bool = False) -> list[dict[str, str]]:
    out = []
    for code in engine.ENGINE_KPIS:
        k = BY_CODE[code]
        missing = [f for f in k.needs if f not in available]
        if code == "full_online_dossier_rate" and catalogue:
            missing = [f for f in missing if f != "service_level"]
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
    dataset: Dataset | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> ComputeResult:
    keys = parse_by(by)
    per = resolve_period(period, start, end)
    user = columns if isinstance(columns, ColumnMap) else ColumnMap.load(columns, DossierRecord)
    ds = dataset if dataset is not None else load(paths, columns=user, sheet=sheet, on_file=on_file)
    return compute_dataset(ds, keys, per)


def compute_dataset(ds: Dataset, keys: list[str], per: Period | None) -> ComputeResult:
    per = per or data_span(ds.frame)
    unavailable = unavailable_kpis(ds.available)
    gone = {u["kpi"] for u in unavailable}
    codes = [c for c in engine.ENGINE_KPIS if c not in gone]
    overall = engine.aggregate(ds.frame, per, [])
    results, counts = engine.finish(overall, codes)
    sums = overall
    if keys:
        grouped = engine.aggregate(ds.frame, per, keys)
        r2, c2 = engine.finish(grouped, codes)
        results = r2 + results
        counts = c2 + counts
        sums = grouped
    return ComputeResult(per, keys, ds, results, counts, unavailable, codes, sums)


def today() -> dt.date:  # pragma: no cover - seam for tests
    return dt.date.today()


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
    groups = []
    seen = set()
    for r in result.results:
        k = tuple(r["group"].items())
        if r["group"] and k not in seen:
            seen.add(k)
            groups.append(r["group"])
    for c in result.counts:  # groups with counts but no computable KPI still get checked
        k = tuple(c["group"].items())
        if c["group"] and k not in seen:
            seen.add(k)
            groups.append(c["group"])
    return result, evaluate(result.results, result.unavailable, groups, tset, fo)
