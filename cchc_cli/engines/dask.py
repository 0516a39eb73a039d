"""``--engine dask``: the same reading, validation, de-duplication rule and measures, run
per partition on a ``dask.distributed`` cluster; the partitions' ``Sums`` are added.

The graph, all in ``client.map``/``client.submit`` tasks (frames stay on the workers):

1. **read** — one task per partition (a file, a Parquet part of a hive dataset, an fsspec
   URL): ``read_table`` + ``validate_table`` exactly as the local engine reads a file; it
   keeps the canonical frame on the worker and sends back the file's report (rows,
   rejected, mapping, problems).
2. **shuffle** — each frame is split into ``B`` buckets by a hash of its ``dossier_id``,
   so every copy of one dossier lands in the same bucket whatever partition it came from.
3. **dedupe** — one task per bucket stacks its pieces and applies ``dataset._dedupe``, the
   local engine's "most advanced copy" rule itself (finished over open, more fields
   filled, first in file order), and counts the duplicates per file and the conflicts.
4. **measure** — one task per bucket: the kind's ``prepare`` and ``aggregate`` (the kinds'
   ``measure`` code) give ``Sums``; the client adds them and ``finish`` forms the ratios.

Without ``--period`` the period is the data's span, the min/max of the de-duplicated
buckets, known between steps 3 and 4.
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .partitions import HIVE_FIELDS, Part, fetch_local, list_parts


@dataclass
class PartMeta:
    report: Any  # dataset.InputReport
    columns: dict[str, str]  # column -> dtype of the canonical frame
    problems: list = field(default_factory=list)
    ignored_hive: list[str] = field(default_factory=list)
    empty: bool = False


# ------------------------------------------------------------------ tasks (on the workers)


def _read_part(index: int, part: Part, user, sheet, limits) -> tuple[pd.DataFrame, PartMeta]:
    from ..dataset import _fill_context, read_one
    from ..reading import limits as lim
    from ..reading.kind import profile_for
    from ..schema.models import DossierRecord, field_specs

    model = DossierRecord
    if part.block is not None:  # one block of a large CSV, as the streaming engine reads it
        return _read_block_part(index, part, user, sheet, limits)
    path, temporary = fetch_local(part)
    try:
        with lim.using(limits):  # the same reading as the local engine: the file's profile, if any
            fmap = profile_for(Path(path), user, sheet)
            vt, rep = read_one(Path(path), model, fmap or user, sheet, "dossiers",
                               shown=part.location if temporary else None)
    finally:
        if temporary:
            os.unlink(path)
    fields = set(rep.mapped)
    names = {f.name for f in field_specs(model)}
    ignored = []
    fr = vt.frame
    for k, v in part.hive:
        if k in HIVE_FIELDS and k not in fields:
            fr[k] = pd.Series([v] * len(fr), index=fr.index, dtype=object)
            fields.add(k)
            rep.mapped[k] = f"{k}=…"
        elif k not in names or k not in HIVE_FIELDS:
            ignored.append(k)
    view = SimpleNamespace(frame=fr, raw=SimpleNamespace(mapping=SimpleNamespace(fields=fields)))
    _fill_context(view, rep, path if not temporary else Path(part.name), "dossiers")
    fr["_file"] = np.int32(index)
    meta = PartMeta(rep, {c: str(t) for c, t in fr.dtypes.items()}, list(vt.problems), ignored, fr.empty)
    return fr, meta


def _read_block_part(index: int, part: Part, user, sheet, limits) -> tuple[pd.DataFrame, PartMeta]:
    """A partition that is one block of whole records of a large local CSV: read, trimmed,
    validated and given its context as the streaming engine does (``stream._validated``).
    The file's rows are split over its partitions; their reports are merged by the client."""
    from ..dataset import _same_file_ids_frame
    from ..reading import limits as lim
    from ..reading.blocks import iter_blocks
    from ..reading.kind import profile_for
    from ..reading.table import trim_tail
    from ..schema.models import DossierRecord
    from .stream import _validated

    path = Path(part.location)
    with lim.using(limits):
        fmap = profile_for(path, user, sheet) or user
        got = list(iter_blocks(path, DossierRecord, fmap, sheet, part.block_rows, only={part.block}))
    if len(got) != 1:  # the file changed since it was planned
        raise DataError("read_file_vanished", path=part.location)
    raw = got[0][1]
    if not getattr(raw, "trimmed", False):
        raw = trim_tail(raw)
    frame, problems, rep, _, _ = _validated(raw, path, DossierRecord, fmap, "dossiers", part.block == 0)
    _same_file_ids_frame(frame, len(frame), rep, raw.mapping)
    frame["_file"] = np.int32(index)
    meta = PartMeta(rep, {c: str(t) for c, t in frame.dtypes.items()}, list(problems), [], frame.empty)
    return frame, meta


def _merge_split(parts: list[Part], inputs: list, problems_of: list[list]) -> tuple[list, list]:
    """The reports (and problems) of a CSV's partitions as one file's, in file order."""
    from .stream import _final_notes, _merge_report, merge_problems

    out, probs = [], []
    for part, rep, pr in zip(parts, inputs, problems_of):
        if part.block is not None and part.block > 0 and out and out[-1].path == rep.path:
            _merge_report(out[-1], rep)
            out[-1].used += rep.used
            out[-1].duplicates += rep.duplicates
            probs[-1] = merge_problems(probs[-1], pr)
        else:
            out.append(rep)
            probs.append(list(pr))
    for rep in out:
        rep.notes = _final_notes(rep.notes)
    return out, [p for ps in probs for p in ps]


def _id_hash(frame: pd.DataFrame) -> np.ndarray:
    ids = frame["dossier_id"]
    return pd.util.hash_array(ids.astype(object).where(ids.notna(), "\x00<na>").to_numpy(dtype=object),
                              categorize=True).astype(np.uint64)


def _split(frame: pd.DataFrame, buckets: int, available: set[str]) -> tuple[pd.DataFrame, ...]:
    from ..validate import invalid_col

    frame = frame.copy(deep=False)
    for name in available:  # a field some files have and this one lacks: unknown, not "no"
        if name not in frame.columns and name not in ("status", "unit", "level"):
            frame[invalid_col(name)] = True
    if frame.empty:
        return tuple(frame.iloc[:0] for _ in range(buckets))
    b = (_id_hash(frame) % np.uint64(buckets)).astype(np.int64)
    order = np.argsort(b, kind="stable")
    bounds = np.searchsorted(b[order], np.arange(buckets + 1))
    return tuple(frame.iloc[order[bounds[j]:bounds[j + 1]]] for j in range(buckets))


def _dedupe_bucket(inputs, templates: dict[str, str], *pieces: pd.DataFrame):
    from ..dataset import KEYS, _dedupe

    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return None, (0, {}, [], None, None)
    frame = pd.concat(pieces, ignore_index=True, sort=False)
    for c, dt in templates.items():  # columns of files with no row in this bucket
        if c not in frame.columns:
            frame[c] = pd.Series(np.nan, index=frame.index, dtype=object).astype(
                dt if dt not in ("bool", "string", "str") else object)
    for c in [c for c in frame.columns if c.endswith("!")]:
        frame[c] = frame[c].fillna(False).astype(bool)
    frame = frame.sort_values(["_file", "_row"], kind="stable").reset_index(drop=True)
    whole = frame
    frame, conflicts, n_conflicts, dup_per_file = _dedupe(frame, inputs, KEYS["dossiers"])
    if conflicts:  # the local engine lists them in the order their first copy was read
        ids = whole["dossier_id"].astype(str)  # ``whole`` is in (file, row) order: its first copy
        first = whole.loc[~ids.duplicated(), ["_file", "_row"]].set_axis(ids[~ids.duplicated()].to_numpy())
        conflicts = [((int(first.at[c.dossier_id, "_file"]), int(first.at[c.dossier_id, "_row"])), c)
                     for c in conflicts]
    span = _span(frame)
    return frame, (n_conflicts, dup_per_file, conflicts, *span)


def _span(frame: pd.DataFrame):
    if frame.empty:
        return None, None
    rec = frame["received_at"]
    ends = [rec.max()]
    if "finished_at" in frame.columns:
        ends.append(frame["finished_at"].max())
    ends = [t for t in ends if not pd.isna(t)]
    return rec.min(), (max(ends) if ends else None)


def _measure_bucket(frame: pd.DataFrame | None, per, keys: list[str], calendar, catalogue, available):
    from ..kpis import aggregate as engine
    from ..kpis import kinds as K

    if frame is None or frame.empty:
        return None
    ds = SimpleNamespace(frame=frame, available=available)
    sources = SimpleNamespace(dossiers=ds, catalogue=catalogue, documents=None, logbook=None)
    prep = K._prepare_dossiers(sources, per, calendar)
    known = prep.ctx.statutory is not None
    if not known:  # no limit known in this bucket; another bucket may know some
        prep.ctx.statutory = K._statutory(frame, np.full(len(frame), np.nan), calendar)
    kind = K.BY_NAME["dossiers"]
    gk = kind.group_keys(prep.frame, keys)
    grouped = engine.aggregate(kind, prep.frame, per, gk, prep.ctx) if gk else None
    overall = engine.aggregate(kind, prep.frame, per, [], prep.ctx) if (not gk or "month" in gk) else None
    return grouped, overall, known


# ------------------------------------------------------------------ the client side


def _client(scheduler: str | None):
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise ConfigError("scheduler_unreachable", address=scheduler, error=type(e).__name__) from None
        return client, None
    import logging

    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)  # their notes are not the run's
    n = max(1, min(os.cpu_count() or 1, 8))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def compute_dask(paths: list[str], *, keys: list[str], per, user, sheet=None, calendar=None,
                 catalogue=None, logbook=None, kind: str | None = None, scheduler: str | None = None,
                 buckets: int | None = None, origin: str | None = None,
                 say: Callable[..., None] | None = None, on_file: Callable[[Path], None] | None = None):
    """``compute`` on a dask cluster; the same ``ComputeResult`` as the local engine."""
    from ..dataset import CONFLICT_EXAMPLES, Dataset, InputReport, Inputs
    from ..kpis.kinds import BY_NAME
    from ..kpis.period import Period
    from ..kpis.run import dossier_result
    from ..reading import limits as lim

    say = say or (lambda key, **params: None)
    if kind not in (None, "dossiers") or logbook:
        raise ConfigError("engine_dask_dossiers_only")
    if calendar:  # a broken calendar file is a configuration error, needed or not
        from ..calendar import WorkCalendar

        WorkCalendar([str(p) for p in calendar])
    if catalogue:  # the catalogue's own KPIs need the run's dossiers in one place
        raise ConfigError("engine_dask_dossiers_only")
    cat = None
    parts, _skipped = list_parts([str(p) for p in paths], user, sheet, kind)
    if not parts:
        raise DataError("no_input_of_any_kind")
    client, cluster = _client(scheduler)
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        say("engine.dask_run", scheduler=client.scheduler.address, partitions=len(parts), workers=workers)
        limits = lim.current()
        read = client.map(_read_part, range(len(parts)), parts, user=user, sheet=sheet, limits=limits, pure=False)
        from distributed import as_completed

        meta_futs = client.map(operator.getitem, read, [1] * len(read), pure=False)
        at = {f.key: i for i, f in enumerate(meta_futs)}
        metas: list[PartMeta] = [None] * len(meta_futs)  # type: ignore[list-item]
        for fut in as_completed(meta_futs):
            i = at[fut.key]
            metas[i] = fut.result()  # a reading error is raised here, as the local engine raises it
            if on_file is not None:
                on_file(Path(parts[i].location))
        del meta_futs
        ignored = sorted({k for m in metas for k in m.ignored_hive})
        if ignored:
            say("engine.hive_ignored", keys=", ".join(ignored))
        inputs: list[InputReport] = [m.report for m in metas]
        from ..dataset import available_fields

        available = available_fields(inputs)
        templates: dict[str, str] = {}
        for m in metas:
            for c, dt in m.columns.items():
                templates.setdefault(c, dt)
        nb = buckets or max(1, min(len(parts), 64))
        frames = client.map(operator.getitem, read, [0] * len(read), pure=False)
        splits = client.map(_split, frames, buckets=nb, available=available, pure=False)
        del frames, read
        stubs = [InputReport(i.path, i.kind, mapped=dict(i.mapped)) for i in inputs]
        deduped = []
        for j in range(nb):
            pieces = [client.submit(operator.getitem, s, j, pure=False) for s in splits]
            deduped.append(client.submit(_dedupe_bucket, stubs, templates, *pieces, pure=False))
        del splits
        info = client.gather(client.map(operator.getitem, deduped, [1] * nb, pure=False))
        dframes = client.map(operator.getitem, deduped, [0] * nb, pure=False)
        del deduped
        n_conflicts = sum(i[0] for i in info)
        dup: dict[int, int] = {}
        for i in info:
            for f, n in i[1].items():
                dup[int(f)] = dup.get(int(f), 0) + int(n)
        for i, rep in enumerate(inputs):
            rep.duplicates = dup.get(i, 0)
            rep.used = rep.rows - rep.rejected - rep.duplicates
        if sum(r.used for r in inputs) == 0:
            raise DataError("no_usable_rows", files=", ".join(i.path for i in inputs))
        conflicts = [c for _, c in sorted((c for i in info for c in i[2]), key=lambda fc: fc[0])][:CONFLICT_EXAMPLES]
        if per is None:
            starts = [i[3] for i in info if i[3] is not None]
            ends = [i[4] for i in info if i[4] is not None]
            per = Period(min(starts).date(), max(ends).date(), inferred=True)
        out = client.gather(client.map(_measure_bucket, dframes, per=per, keys=keys, calendar=calendar,
                                       catalogue=cat, available=available, pure=False))
        del dframes
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    out = [o for o in out if o is not None]
    kind_ = BY_NAME["dossiers"]
    gk = kind_.group_keys(pd.DataFrame(), keys)
    grouped = _total([o[0] for o in out]) if gk else None
    overall = _total([o[1] for o in out]) if (not gk or "month" in gk) else grouped.overall()
    avail = {"dossiers": set(available)}
    if not any(o[2] for o in out):
        avail = {"dossiers": set(available) - {"time_limit_days"}, "catalogue": set()}
    inputs, problems = _merge_split(parts, inputs, [m.problems for m in metas])
    ds = Dataset(pd.DataFrame(), inputs, problems, conflicts, n_conflicts, [], set(available))
    sources = Inputs(dossiers=ds)
    return dossier_result(per, keys, grouped, overall, avail, sources, n_conflicts, origin)


def _total(sums: list):
    total = None
    for s in sums:
        if s is None:
            continue
        total = s if total is None else total + s
    return total
