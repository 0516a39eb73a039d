"""What changed between two periods or two snapshots: ``diff(old, new)``.

Each side is exports (files or directories) or a JSON result of ``cchc compute --format
json``. The KPI diff works with either; the dossier diff needs exports on both sides.

- KPI diff, per group: old and new value, numerator and denominator, the delta, and
  ``improved``/``regressed``/``unchanged``/``new``/``gone`` by the KPI's better direction
  (values compared exactly, as fractions). With targets, each side's status and the groups
  that moved between pass and fail.
- Dossier diff, keyed by ``dossier_id`` on each side's de-duplicated set: added, removed,
  changed with the fields that differ; **edits after the fact**: changes to the receipt,
  due or finish date, the status or the channel of a dossier that was already resolved in
  OLD, with what they did to the KPIs.

Swapping the sides swaps added and removed, negates every delta and swaps improved and
regressed; ``diff(A, A)`` is empty.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, DataError
from .kpis.definitions import BY_CODE
from .kpis.results import ComputeResult, KpiResult, envelope, group_key

AFTER_THE_FACT_FIELDS = ("received_at", "due_at", "finished_at", "status", "channel", "unit")
# The life of a dossier goes one way: submitted → processing (waiting) → resolved → returned,
# or it ends refused, withdrawn or stopped. A move along it is an ordinary change; a move
# back, or from one ending to another, rewrites what was final (docs/decisions.md).
STAGE = {"submitted": 0, "processing": 1, "waiting": 1, "resolved": 2, "returned": 3,
         "refused": 2, "withdrawn": 2, "stopped": 2}
OUTCOME = {"resolved": 1, "returned": 1, "refused": 2, "withdrawn": 3, "stopped": 4}
DATES_OF_ENDED = ("received_at", "due_at", "finished_at")  # edited after the fact once the dossier ended
ALWAYS_FIXED = ("channel", "unit")  # set at receipt: any change is an edit
COMPARED_FIELDS = (
    "received_at", "submitted_at", "due_at", "finished_at", "returned_at", "status", "unit", "level", "field",
    "procedure_code", "procedure_name", "channel", "service_level", "fee", "online_payment", "digitised_dossier",
    "digitised_result", "apology_letter", "time_limit_days",
)
MAX_CHANGES = 1000


def _is_json(paths: list[str | Path]) -> bool:
    """One saved result of cchc (``"tool": "cchc"``); any other JSON is an export (issue 11)."""
    if len(paths) != 1 or Path(paths[0]).suffix.lower() != ".json":
        return False
    p = Path(paths[0])
    if not p.is_file():
        return True  # the saved-result reader says what is wrong
    from .reading import own_report
    from .reading.sniff import sniff

    return own_report(p) == "JSON" or sniff(p) not in ("json", "jsonl")


def load_saved(path: str | Path) -> ComputeResult:
    """A result saved by ``cchc compute --format json``, as a ``ComputeResult``."""
    from .reading import limits

    p = Path(path)
    try:
        limits.check_file_size(p)
        doc = json.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError("file_not_found", path=str(p)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError("saved_result_unreadable", path=str(p), detail=str(e)) from None
    return ComputeResult.from_json(doc, str(p))


STREAMING = True  # tests switch it off to get the whole-frame reference


def load_side(paths: list[str | Path], by: list[str] | None, period=None, columns=None, sheet=None,
              catalogue=None, logbook=None, calendar=None) -> ComputeResult:
    if _is_json(paths):
        return load_saved(paths[0])
    from .dataset import load_inputs, plan_inputs
    from .kpis.run import compute_inputs

    plan = plan_inputs(paths, catalogue=catalogue, logbook=logbook, columns=columns, sheet=sheet)
    if STREAMING and plan.streamable():  # the dossiers in blocks, fingerprinted for the dossier diff
        from .engines.stream import compute_stream

        from .engines.stream import CACHE_ROWS
        from .schema.headers import ColumnMap

        # the two sides share one process: each keeps half the cache of a compute run
        return compute_stream(plan.by_kind["dossiers"], plan.maps, user=columns or ColumnMap(), sheet=sheet, keys=list(by or []),
                              per=period, calendar=calendar, origin=", ".join(str(p) for p in paths),
                              skipped=plan.skipped, fingerprints=True, cache_rows=CACHE_ROWS // 2)
    sources = load_inputs(paths, catalogue=catalogue, logbook=logbook, columns=columns, sheet=sheet, plan=plan)
    return compute_inputs(sources, list(by or []), period, calendar, origin=", ".join(str(p) for p in paths))


def _side_json(r: ComputeResult) -> dict[str, Any]:
    per = {"from": r.period.start.isoformat(), "to": r.period.end.isoformat(), "inferred": r.period.inferred}
    return {"source": r.origin, "kind": "json" if r.saved else "exports", "period": per}


# ------------------------------------------------------------------ KPI diff


def _frac(r: KpiResult | None) -> Fraction | None:
    if r is None or not r.denominator:
        return None
    return Fraction(r.numerator, r.denominator)


def kpi_changes(old: list[KpiResult], new: list[KpiResult]) -> list[dict[str, Any]]:
    o = {r.key: r for r in old}
    n = {r.key: r for r in new}
    out = []
    for key in sorted(set(o) | set(n), key=lambda k: (k[0], [str(v) for _, v in k[1]])):
        a, b = o.get(key), n.get(key)
        fa, fb = _frac(a), _frac(b)
        if fa is None and fb is None:
            change, delta = "unchanged", None
        elif fa is None:
            change, delta = "new", None
        elif fb is None:
            change, delta = "gone", None
        else:
            d = fb - fa
            delta = float(d)
            if d == 0:
                change = "unchanged"
            else:
                better = BY_CODE[key[0]].better
                change = "improved" if (d > 0) == (better == "higher") else "regressed"
        src = a or b
        out.append({
            "kpi": key[0], "group": src.group_dict,
            "old": None if fa is None else float(fa), "new": None if fb is None else float(fb),
            "delta": delta, "change": change,
            "old_numerator": a.numerator if a else None, "old_denominator": a.denominator if a else None,
            "new_numerator": b.numerator if b else None, "new_denominator": b.denominator if b else None,
        })
    return out


# ------------------------------------------------------------------ dossier diff


UNREADABLE = "<unreadable>"


def _differs(a: pd.Series, b: pd.Series, pos_a: np.ndarray, pos_b: np.ndarray,
             bad_a: np.ndarray, bad_b: np.ndarray) -> np.ndarray:
    """For the dossiers both sides have (rows ``pos_a`` of A, ``pos_b`` of B): does this
    field differ? Missing equals missing; unreadable equals unreadable; dates compare as
    instants, numbers by value, text and labels as text."""
    if pd.api.types.is_datetime64_any_dtype(a.dtype) and pd.api.types.is_datetime64_any_dtype(b.dtype):
        x = a.to_numpy(dtype="datetime64[ns]").astype(np.int64)[pos_a]
        y = b.to_numpy(dtype="datetime64[ns]").astype(np.int64)[pos_b]
        ne = x != y
    elif pd.api.types.is_float_dtype(a.dtype) and pd.api.types.is_float_dtype(b.dtype):
        x, y = a.to_numpy(dtype=float)[pos_a], b.to_numpy(dtype=float)[pos_b]
        ne = ~((x == y) | (np.isnan(x) & np.isnan(y)))
    elif isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype):
        cats = pd.Index(a.cat.categories, dtype=object).append(pd.Index(b.cat.categories, dtype=object)).unique()
        ia = cats.get_indexer(pd.Index(a.cat.categories, dtype=object))
        ib = cats.get_indexer(pd.Index(b.cat.categories, dtype=object))
        xa, xb = a.cat.codes.to_numpy()[pos_a], b.cat.codes.to_numpy()[pos_b]
        x = np.where(xa >= 0, ia[np.maximum(xa, 0)] if len(ia) else 0, -1)
        y = np.where(xb >= 0, ib[np.maximum(xb, 0)] if len(ib) else 0, -1)
        ne = x != y
    elif a.dtype == bool and b.dtype == bool:
        ne = a.to_numpy()[pos_a] != b.to_numpy()[pos_b]
    elif _arrow_text(a) and _arrow_text(b):
        import pyarrow as pa
        import pyarrow.compute as pc

        x, y = _arrow(a).take(pa.array(pos_a)), _arrow(b).take(pa.array(pos_b))
        one_null = pc.xor(x.is_null(), y.is_null())
        ne = pc.or_(pc.not_equal(x, y).fill_null(False), one_null).to_numpy(zero_copy_only=False)
    else:  # booleans with gaps, mixed
        x = a.astype(object).to_numpy()[pos_a]
        y = b.astype(object).to_numpy()[pos_b]
        xn, yn = pd.isna(x), pd.isna(y)
        ne = np.array([(p != q) if not (pn or qn) else (pn != qn) for p, q, pn, qn in zip(x, y, xn, yn)], dtype=bool)
    ba, bb = bad_a[pos_a], bad_b[pos_b]
    return np.where(ba | bb, ba != bb, ne).astype(bool)


def _arrow_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s.dtype) and s.dtype != object


def _arrow(s: pd.Series):
    import pyarrow as pa

    arr = pa.array(s.array)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.cast(pa.large_string())


def _display(s: pd.Series, i: int, bad: np.ndarray) -> Any:
    """One cell as the diff lists it: ISO dates, plain numbers, None when missing."""
    if bad[i]:
        return UNREADABLE
    v = s.iat[i]
    if v is None or v is pd.NA or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (float, np.floating)):
        return int(v) if float(v).is_integer() else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _bad_mask(frame: pd.DataFrame, name: str) -> np.ndarray:
    c = f"{name}!"
    return frame[c].fillna(False).to_numpy(dtype=bool) if c in frame.columns else np.zeros(len(frame), dtype=bool)


@dataclass
class DossierDiff:
    added: int
    removed: int
    changed: int
    by_field: dict[str, int]
    changes: list[dict[str, Any]]  # first MAX_CHANGES field changes
    after_the_fact: list[dict[str, Any]]  # first MAX_CHANGES edited dossiers
    after_the_fact_count: int
    impact: list[dict[str, Any]]  # per KPI: what the edits after the fact did
    duplicates: dict[str, dict[str, int]]
    added_ids: list[str] = field(default_factory=list)
    removed_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added, "removed": self.removed, "changed": self.changed, "changed_by_field": self.by_field,
            "changes": self.changes, "changes_listed": len(self.changes),
            "added_ids": self.added_ids, "removed_ids": self.removed_ids,
            "after_the_fact": {"count": self.after_the_fact_count, "dossiers": self.after_the_fact, "impact": self.impact},
            "duplicates": self.duplicates,
        }


def dossier_changes(old: ComputeResult, new: ComputeResult, limit: int = MAX_CHANGES) -> DossierDiff:
    """Dossiers added, removed and changed, keyed by ``dossier_id`` on each side's
    de-duplicated set. Rows are aligned with an index lookup and every field compared as
    integer codes; values are formatted only for the changes that are listed."""
    import pyarrow.compute as pc

    fo, fn = old.dataset.frame, new.dataset.frame
    if getattr(old.dataset, "streamed", False) or getattr(new.dataset, "streamed", False):
        old, new = _changed_only(old, new)
        fo, fn = old.dataset.frame, new.dataset.frame
    ao, an = _arrow(fo["dossier_id"].astype("string[pyarrow]")), _arrow(fn["dossier_id"].astype("string[pyarrow]"))
    # row in OLD of each NEW dossier, -1 if added (ids are unique after de-duplication)
    at_o = pc.index_in(an, value_set=ao).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    ids_o = ao.to_numpy(zero_copy_only=False)
    ids_n = an.to_numpy(zero_copy_only=False)
    in_old = at_o >= 0
    pos_n = np.flatnonzero(in_old)  # rows of NEW present in OLD
    pos_o = at_o[in_old]  # … and their rows in OLD
    kept_o = np.zeros(len(fo), dtype=bool)
    kept_o[pos_o] = True
    fields = [c for c in COMPARED_FIELDS if c in fo.columns and c in fn.columns
              and c in old.dataset.available and c in new.dataset.available]
    diff_masks: dict[str, np.ndarray] = {}
    bads: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in fields:
        bo, bn = _bad_mask(fo, c), _bad_mask(fn, c)
        bads[c] = (bo, bn)
        diff_masks[c] = _differs(fo[c], fn[c], pos_o, pos_n, bo, bn)  # aligned on the common dossiers
    any_change = np.zeros(len(pos_n), dtype=bool)
    for v in diff_masks.values():
        any_change |= v
    changed = np.flatnonzero(any_change)
    order = changed[np.argsort(ids_n[pos_n[changed]], kind="stable")]  # listed by dossier id
    changes: list[dict[str, Any]] = []
    for j in order:
        if len(changes) >= limit:
            break
        for c in fields:
            if diff_masks[c][j]:
                changes.append({"dossier_id": ids_n[pos_n[j]], "field": c,
                                "old": _display(fo[c], pos_o[j], bads[c][0]),
                                "new": _display(fn[c], pos_n[j], bads[c][1])})
    atf_ids, atf_rows, impact = _after_the_fact(old, new, pos_o, pos_n, diff_masks, bads, limit)
    added_ids = np.sort(ids_n[~in_old])
    removed_ids = np.sort(ids_o[~kept_o])
    return DossierDiff(
        added=int((~in_old).sum()), removed=int((~kept_o).sum()), changed=int(any_change.sum()),
        by_field={c: int(v.sum()) for c, v in diff_masks.items() if v.any()},
        changes=changes, after_the_fact=atf_rows, after_the_fact_count=len(atf_ids), impact=impact,
        duplicates={"old": _dups(old.dataset), "new": _dups(new.dataset)},
        added_ids=[str(x) for x in added_ids[:limit]], removed_ids=[str(x) for x in removed_ids[:limit]],
    )


def _changed_only(old: ComputeResult, new: ComputeResult):
    """Streamed sides: the dossiers whose fingerprints say they may differ (added, removed,
    changed), read again from both sides — never two whole frames. A side computed whole
    (a catalogue joined), or sides whose compared fields differ, are read whole."""
    from types import SimpleNamespace

    from .engines.stream import changed_hashes

    so, sn = getattr(old.dataset, "stream", None), getattr(new.dataset, "stream", None)
    hashes = changed_hashes(so, sn) if so is not None and sn is not None else None

    def side(r: ComputeResult, st):
        if hashes is not None:
            frame = st.rows_of(hashes)
        elif st is not None:
            frame = st.rows_of(None)
        else:
            frame = r.dataset.frame
        ds = SimpleNamespace(frame=frame, available=r.dataset.available, inputs=r.dataset.inputs,
                             conflict_count=r.dataset.conflict_count)
        return SimpleNamespace(dataset=ds, period=r.period, sums=r.sums, kpis=r.kpis)

    return side(old, so), side(new, sn)


def _dups(ds) -> dict[str, int]:
    return {"rows": int(sum(i.duplicates for i in ds.inputs)), "conflicts": int(ds.conflict_count)}


def _stages(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each dossier's stage in its life (0 submitted … 3 returned) and, once ended, its
    outcome; without a status, a finish date means ended (stage 2)."""
    n = len(frame)
    fin = frame["finished_at"].notna().to_numpy(dtype=bool) if "finished_at" in frame.columns else np.zeros(n, bool)
    if "status" not in frame.columns:
        return np.where(fin, 2, 1), np.where(fin, 1, 0)
    st = frame["status"].astype(object)
    stage = st.map(STAGE).to_numpy(dtype=float)
    stage = np.where(np.isnan(stage), np.where(fin, 2, 1), stage).astype(int)
    outcome = st.map(OUTCOME).fillna(0).to_numpy(dtype=int)
    outcome = np.where((outcome == 0) & (stage >= 2), 1, outcome)
    return stage, outcome


def _after_the_fact(old: ComputeResult, new: ComputeResult, pos_o: np.ndarray, pos_n: np.ndarray,
                    diff_masks: dict[str, np.ndarray], bads: dict, limit: int):
    from .kpis import dossiers as engine

    watched = [c for c in AFTER_THE_FACT_FIELDS if c in diff_masks]
    edited = np.zeros(len(pos_o), dtype=bool)
    for c in watched:
        edited |= diff_masks[c]
    if not edited.any():
        return [], [], []
    fo_all, fn_all = old.dataset.frame, new.dataset.frame
    stage_o, outcome_o = _stages(fo_all)
    stage_n, outcome_n = _stages(fn_all)
    so, sn = stage_o[pos_o], stage_n[pos_n]
    ended_old = so >= 2
    atf = np.zeros(len(pos_o), dtype=bool)
    for c in watched:
        if c in DATES_OF_ENDED:
            atf |= diff_masks[c] & ended_old
        elif c in ALWAYS_FIXED:
            atf |= diff_masks[c]
    if "status" in watched:
        backwards = (sn < so) | (ended_old & (sn >= 2) & (outcome_o[pos_o] != outcome_n[pos_n]))
        atf |= diff_masks["status"] & backwards
    sel = np.flatnonzero(atf)
    if not len(sel):
        return [], [], []
    ro, rn = pos_o[sel], pos_n[sel]
    eo = fo_all.iloc[ro].reset_index(drop=True)
    en = fn_all.iloc[rn].reset_index(drop=True)
    period = old.period
    mo, mn = engine.measures(eo, period), engine.measures(en, period)
    ids = eo["dossier_id"].astype(str).to_numpy(dtype=object)
    rows = []
    for j in np.argsort(ids, kind="stable"):
        if len(rows) >= limit:
            break
        fields = {}
        for c in watched:
            if diff_masks[c][sel[j]]:
                fields[c] = {"old": _display(fo_all[c], ro[j], bads[c][0]), "new": _display(fn_all[c], rn[j], bads[c][1])}
        flags = []
        if stage_n[rn[j]] < stage_o[ro[j]]:
            flags.append("status_backwards")
        if mo["count.resolved_late"][j] and mn["on_time_rate.num"][j]:
            flags.append("late_to_on_time")
        if mo["on_time_rate.num"][j] and mn["count.resolved_late"][j]:
            flags.append("on_time_to_late")
        for name, flag, later in (("finished_at", "finished_earlier", False), ("due_at", "due_later", True),
                                  ("received_at", "received_later", True)):
            v = fields.get(name)
            if v and isinstance(v["old"], str) and isinstance(v["new"], str) and UNREADABLE not in (v["old"], v["new"]):
                if (v["new"] > v["old"]) if later else (v["new"] < v["old"]):
                    flags.append(flag)
        rows.append({"dossier_id": ids[j], "fields": fields, "flags": flags})
    # what the edits did to the KPIs of OLD: its sums with these dossiers as NEW has them
    impact = []
    overall = old.sums["dossiers"].table.iloc[0]
    for code in old.kpis:
        if f"{code}.num" not in mo:  # KPIs that need the catalogue or the calendar
            continue
        dn_num = int(mn[f"{code}.num"].sum()) - int(mo[f"{code}.num"].sum())
        dn_den = int(mn[f"{code}.den"].sum()) - int(mo[f"{code}.den"].sum())
        if dn_num == 0 and dn_den == 0:
            continue
        on, od = int(overall[f"{code}.num"]), int(overall[f"{code}.den"])
        before = Fraction(on, od) if od else None
        after = Fraction(on + dn_num, od + dn_den) if od + dn_den else None
        impact.append({"kpi": code, "numerator_change": dn_num, "denominator_change": dn_den,
                       "value_without_edits": None if before is None else float(before),
                       "value_with_edits": None if after is None else float(after),
                       "delta": None if before is None or after is None else float(after - before)})
    return sorted(ids), rows, impact


# ------------------------------------------------------------------ the whole diff


@dataclass
class DiffResult:
    old: ComputeResult
    new: ComputeResult
    group_by: list[str]
    kpis: list[dict[str, Any]]
    dossiers: DossierDiff | None
    moved: list[dict[str, Any]] = field(default_factory=list)  # pass <-> fail with targets
    targets_name: str | None = None
    fail_on_regression: float | None = None

    @property
    def summary(self) -> dict[str, Any]:
        out = {k: sum(1 for c in self.kpis if c["change"] == k) for k in ("improved", "regressed", "unchanged", "new", "gone")}
        out["fail_to_pass"] = sum(1 for m in self.moved if m["to"] == "pass")
        out["pass_to_fail"] = sum(1 for m in self.moved if m["to"] == "fail")
        if self.dossiers is not None:
            out.update({"dossiers_added": self.dossiers.added, "dossiers_removed": self.dossiers.removed,
                        "dossiers_changed": self.dossiers.changed,
                        "edited_after_the_fact": self.dossiers.after_the_fact_count})
        return out

    def regressions_over(self, pp: float) -> list[dict[str, Any]]:
        return [c for c in self.kpis if c["change"] == "regressed" and c["delta"] is not None
                and abs(Fraction(str(c["delta"])) * 100) > Fraction(str(pp))]

    @property
    def failed(self) -> bool:
        if self.fail_on_regression is None:
            return False
        return bool(self.regressions_over(self.fail_on_regression)) or any(m["to"] == "fail" for m in self.moved)

    def to_json(self) -> dict[str, Any]:
        doc = envelope("diff", old=_side_json(self.old), new=_side_json(self.new), group_by=self.group_by,
                       summary=self.summary, kpis=self.kpis, moved=self.moved)
        if self.targets_name:
            doc["targets"] = self.targets_name
        if self.fail_on_regression is not None:
            doc["fail_on_regression"] = self.fail_on_regression
            doc["failed"] = self.failed
        if self.dossiers is not None:
            doc["dossiers"] = self.dossiers.to_json()
        return doc


def _statuses(side: ComputeResult, tset, groups: list) -> dict[tuple, str]:
    from .targets import evaluate

    rep = evaluate(side.results, side.unavailable, groups, tset)
    return {(c.kpi, group_key(tuple(c.group.items())), repr(c.target.key())): c.status for c in rep.checks}


def diff(
    old: list[str | Path], new: list[str | Path], *, by: str | list[str] | None = None,
    targets: str | Path | None = None, preset: str | None = None, fail_on_regression: float | None = None,
    old_period: str | None = None, new_period: str | None = None, period: str | None = None,
    columns=None, sheet: str | None = None, limit: int = MAX_CHANGES,
    catalogue=None, logbook=None, calendar=None,
) -> DiffResult:
    from .kpis.kinds import parse_by
    from .kpis.period import resolve_period
    from .schema.headers import ColumnMap
    from .schema.models import DossierRecord

    tset = None
    if targets is not None or preset is not None:
        from .targets import resolve

        tset = resolve(targets, preset)
    if fail_on_regression is not None and not (math.isfinite(fail_on_regression) and fail_on_regression >= 0):
        raise ConfigError("fail_on_regression_invalid", value=fail_on_regression)
    keys = parse_by(by) if by is not None else None
    json_sides = [load_saved(p[0]) if _is_json(p) else None for p in (old, new)]
    if keys is None:
        keys = next((s.group_by for s in json_sides if s is not None), ["unit"])
    if tset is not None and "unit" in keys and "level" not in keys and not any(json_sides):
        keys = keys + ["level"]  # each unit against the targets of its level, as check-targets
    for s in json_sides:
        if s is not None and s.group_by != keys:
            raise ConfigError("saved_result_group_by", path=s.origin, saved=",".join(s.group_by) or "—",
                              asked=",".join(keys))
    user = columns if isinstance(columns, ColumnMap) else ColumnMap.load(columns, DossierRecord)
    per_old = resolve_period(old_period or period, None, None)
    per_new = resolve_period(new_period or period, None, None)
    def side(js, paths, per):
        return js if js is not None else load_side(paths, keys, per, user, sheet, catalogue, logbook, calendar)

    # the two sides are read concurrently: pyarrow and numpy do most of the work outside the GIL
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        fo = pool.submit(side, json_sides[0], old, per_old)
        fn = pool.submit(side, json_sides[1], new, per_new)
        o, n = fo.result(), fn.result()
    changes = kpi_changes(o.results, n.results)
    moved: list[dict[str, Any]] = []
    if tset is not None:
        groups = list(dict.fromkeys(r.group for r in o.results + n.results if r.group))
        so, sn = _statuses(o, tset, groups), _statuses(n, tset, groups)
        status_of = {}
        for key in set(so) | set(sn):
            status_of.setdefault((key[0], key[1]), (so.get(key), sn.get(key)))
        for c in changes:
            st = status_of.get((c["kpi"], tuple(sorted(c["group"].items(), key=lambda kv: kv[0]))))
            c["old_status"], c["new_status"] = st if st else (None, None)
            if st and {st[0], st[1]} == {"pass", "fail"}:
                moved.append({"kpi": c["kpi"], "group": c["group"], "from": st[0], "to": st[1],
                              "old": c["old"], "new": c["new"]})
    dd = dossier_changes(o, n, limit) if o.dataset is not None and n.dataset is not None else None
    return DiffResult(o, n, keys, changes, dd, moved, tset.name if tset else None, fail_on_regression)


# ------------------------------------------------------------------ QĐ 766 index points (issue 14)


def _index_points(doc: dict[str, Any], origin: str) -> dict[tuple, dict[str, Any]]:
    """(unit, pooled, code) -> {points, max, rank} from an index JSON document."""
    if not isinstance(doc, dict) or doc.get("tool") != "cchc" or doc.get("command") != "index" \
            or not isinstance(doc.get("units"), list):
        raise DataError("saved_index_not_cchc", path=origin)
    out: dict[tuple, dict[str, Any]] = {}
    try:
        for u in doc["units"]:
            key = (u["unit"], bool(u.get("pooled")))
            for i in u["indicators"]:
                out[key + (f"qd766.{i['code']}",)] = {"points": i["points"], "max": i["max"], "rank": None}
            for g in u["groups"]:
                out[key + (f"qd766.{g['code']}",)] = {"points": g["points"], "max": g["max"], "rank": None}
            out[key + ("qd766.total",)] = {"points": u["total"], "max": u["computable_max"], "rank": u.get("rank")}
    except (KeyError, TypeError):
        raise DataError("saved_index_not_cchc", path=origin) from None
    return out


def _index_side(paths: list[str | Path], period, options: dict[str, Any]) -> tuple[dict[tuple, dict[str, Any]], str]:
    if _is_json(paths):
        p = Path(paths[0])
        try:
            doc = json.loads(p.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise DataError("file_not_found", path=str(p)) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise DataError("saved_result_unreadable", path=str(p), detail=str(e)) from None
        return _index_points(doc, str(p)), str((doc.get("formula") or {}).get("variant"))
    from .index import run

    res = run(paths, period=period, **options)
    return _index_points(res.to_json(), ""), res.formula.variant


@dataclass
class IndexDiff:
    """Points gained or lost and rank moves per unit (and pooled parent), indicator, group
    and total; ``fail_on_regression`` in points."""

    rows: list[dict[str, Any]]
    variants: tuple[str, str]
    fail_on_regression: float | None = None

    def regressions_over(self, points: float) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["delta"] is not None and r["delta"] < -points - 1e-9]

    @property
    def failed(self) -> bool:
        return self.fail_on_regression is not None and bool(self.regressions_over(self.fail_on_regression))

    def to_json(self) -> dict[str, Any]:
        from .kpis.results import envelope

        return envelope("diff", index=True, formula={"old": self.variants[0], "new": self.variants[1]},
                        points=self.rows, fail_on_regression=self.fail_on_regression,
                        regressions=len(self.regressions_over(self.fail_on_regression or 0.0)))


def diff_index(old: list[str | Path], new: list[str | Path], *, fail_on_regression: float | None = None,
               period: str | None = None, old_period: str | None = None, new_period: str | None = None,
               **options: Any) -> IndexDiff:
    """``cchc diff --index``: each side an export (computed with the same options) or a
    JSON document written by ``cchc index --format json``."""
    o, vo = _index_side(old, old_period or period, options)
    n, vn = _index_side(new, new_period or period, options)
    rows = []
    for key in list(dict.fromkeys(list(o) + list(n))):
        a, b = o.get(key), n.get(key)
        pa = a["points"] if a else None
        pb = b["points"] if b else None
        delta = None if pa is None or pb is None else round(pb - pa, 4)
        change = ("new" if a is None else "gone" if b is None else "unchanged" if delta is None or abs(delta) < 1e-9
                  else "improved" if delta > 0 else "regressed")
        ra, rb = (a or {}).get("rank"), (b or {}).get("rank")
        rows.append({"unit": key[0], "pooled": key[1], "code": key[2], "old": pa, "new": pb, "delta": delta,
                     "change": change, "old_rank": ra, "new_rank": rb,
                     "rank_move": None if ra is None or rb is None else ra - rb})
    return IndexDiff(rows, (vo, vn), fail_on_regression)
