"""The library's doors: ``compute``, ``check_targets`` and ``diff`` — exactly what the
command line runs, so another program gets the same numbers.

    >>> import cchc_cli
    >>> result = cchc_cli.compute(["samples/dossiers"], by=["unit"], period="2023-03")
    >>> result.value("online_rate", unit="UBND quận Cái Răng")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError
from .kpis.kinds import parse_by  # noqa: F401  (part of the library's API)
from .kpis.period import resolve_period
from .kpis.results import SCHEMA_VERSION, ComputeResult
from .kpis.run import compute_inputs
from .schema.headers import ColumnMap
from .schema.models import DossierRecord


def _as_list(x):
    return None if x is None else (list(x) if isinstance(x, (list, tuple)) else [x])


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
    on_file: Callable[[Path], None] | None = None,
    units: str | Path | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    say: Callable[..., None] | None = None,
) -> ComputeResult:
    """Read the exports of ``paths`` (files or folders; catalogue and logbook besides) and
    compute every KPI the inputs allow, per group of ``by``, for the period. ``units``: a
    units file (unit, level, parent) setting each unit's level and its parent (``--by parent``).

    ``engine="dask"`` runs the same reading and measures per partition on a
    ``dask.distributed`` cluster (``scheduler``: its address; none: a local cluster);
    ``say(key, **params)`` receives its notes (scheduler, partitions, workers)."""
    from .dataset import load_inputs

    keys = parse_by(by)
    umap = None
    if units is not None:
        from .index.units import load_units

        umap = load_units(units)
    elif "parent" in keys:
        raise ConfigError("by_parent_needs_units")
    per = resolve_period(period, start, end)
    user = columns if isinstance(columns, ColumnMap) else ColumnMap.load(columns, DossierRecord)
    if engine not in ("local", "dask"):
        raise ConfigError("unknown_engine", engine=engine)
    if scheduler and engine != "dask":
        raise ConfigError("scheduler_without_dask")
    if engine == "dask":
        if umap is not None:  # the units' pooling is the local engine's (as the catalogue and logbook)
            raise ConfigError("engine_dask_dossiers_only")
        from .engines.dask import compute_dask

        return compute_dask([str(p) for p in paths], keys=keys, per=per, user=user, sheet=sheet,
                            calendar=calendar, catalogue=_as_list(catalogue), logbook=_as_list(logbook),
                            kind=kind, scheduler=scheduler, origin=", ".join(str(p) for p in paths), say=say,
                            on_file=on_file)
    from .dataset import plan_inputs

    plan = plan_inputs(paths, catalogue=_as_list(catalogue), logbook=_as_list(logbook), kind=kind, columns=user,
                       sheet=sheet)
    if plan.streamable():
        from .engines.stream import compute_stream

        return compute_stream(plan.by_kind["dossiers"], plan.maps, user=user, sheet=sheet, keys=keys, per=per,
                              calendar=calendar, umap=umap, on_file=on_file,
                              origin=", ".join(str(p) for p in paths), skipped=plan.skipped)
    sources = load_inputs(paths, catalogue=_as_list(catalogue), logbook=_as_list(logbook), kind=kind,
                          columns=user, sheet=sheet, on_file=on_file, plan=plan)
    if umap is not None and sources.dossiers is not None:
        sources.dossiers.frame = umap.annotate(sources.dossiers.frame.copy())
    return compute_inputs(sources, keys, per, calendar, origin=", ".join(str(p) for p in paths))


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
    kinds = {k for k in ("dossiers", "catalogue", "documents", "logbook") if getattr(result.sources, k, None) is not None}
    if "dossiers" in kinds and "logbook" not in kinds:
        kinds.discard("logbook")
    # the dossiers' groups (from the report counts) are checked even where no dossier KPI
    # is computable; the groups of the other inputs come with their results
    return result, evaluate(result.results, result.unavailable, [c.group for c in result.counts if c.group],
                            tset, fo, kinds)


def index(
    paths: list[str | Path],
    *,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    columns: str | Path | ColumnMap | None = None,
    sheet: str | None = None,
    catalogue: str | Path | list | None = None,
    units: str | Path | None = None,
    formula: str | None = None,
    max_dossiers: int = 10,
    kind: str | None = None,
    on_file: Callable[[Path], None] | None = None,
):
    """The QĐ 766 index per unit and per pooled parent of ``units`` (``cchc index``)."""
    from .index import run

    return run(paths, period=period, start=start, end=end, columns=columns, sheet=sheet, catalogue=catalogue,
               units=units, formula=formula, max_dossiers=max_dossiers, kind=kind, on_file=on_file)


def diff(old, new, **options: Any):
    """What changed between two periods or two snapshots (see ``cchc_cli.compare.diff``)."""
    from .compare import diff as do

    return do(old, new, **options)


__all__ = ["ComputeResult", "SCHEMA_VERSION", "check_targets", "compute", "diff", "index", "parse_by"]
