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
from .kpis.kinds import GROUP_KEYS
from .kpis.period import resolve_period
from .kpis.results import SCHEMA_VERSION, ComputeResult
from .kpis.run import compute_inputs
from .schema.headers import ColumnMap
from .schema.models import DossierRecord


def parse_by(by: str | list[str] | None) -> list[str]:
    if by is None:
        return []
    keys = [k.strip() for k in (by.split(",") if isinstance(by, str) else by) if k.strip()]
    for k in keys:
        if k not in GROUP_KEYS:
            import difflib

            from .i18n import msg

            near = difflib.get_close_matches(k, GROUP_KEYS, n=1)
            raise ConfigError("unknown_group_key", key=k, keys=", ".join(GROUP_KEYS),
                              suggestion=msg("did_you_mean", choice=near[0]) if near else "")
    return list(dict.fromkeys(keys))


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
    engine: str = "local",
    scheduler: str | None = None,
    say: Callable[..., None] | None = None,
) -> ComputeResult:
    """Read the exports of ``paths`` (files or folders; catalogue and logbook besides) and
    compute every KPI the inputs allow, per group of ``by``, for the period.

    ``engine="dask"`` runs the same reading and measures per partition on a
    ``dask.distributed`` cluster (``scheduler``: its address; none: a local cluster);
    ``say(key, **params)`` receives its notes (scheduler, partitions, workers)."""
    from .dataset import load_inputs

    keys = parse_by(by)
    per = resolve_period(period, start, end)
    user = columns if isinstance(columns, ColumnMap) else ColumnMap.load(columns, DossierRecord)
    if engine not in ("local", "dask"):
        raise ConfigError("unknown_engine", engine=engine)
    if scheduler and engine != "dask":
        raise ConfigError("scheduler_without_dask")
    if engine == "dask":
        from .engines.dask import compute_dask

        return compute_dask([str(p) for p in paths], keys=keys, per=per, user=user, sheet=sheet,
                            calendar=calendar, catalogue=_as_list(catalogue), logbook=_as_list(logbook),
                            kind=kind, scheduler=scheduler, origin=", ".join(str(p) for p in paths), say=say,
                            on_file=on_file)
    sources = load_inputs(paths, catalogue=_as_list(catalogue), logbook=_as_list(logbook), kind=kind,
                          columns=user, sheet=sheet, on_file=on_file)
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


def diff(old, new, **options: Any):
    """What changed between two periods or two snapshots (see ``cchc_cli.compare.diff``)."""
    from .compare import diff as do

    return do(old, new, **options)


__all__ = ["ComputeResult", "SCHEMA_VERSION", "check_targets", "compute", "diff", "parse_by"]
