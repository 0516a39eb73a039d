"""The default engine for dossier exports: every file read in bounded blocks, each block
mapped, validated and reduced to ``Sums``, then dropped — memory does not grow with the
rows, only a compact index of the dossiers does (8 bytes per row).

One pass when ``--period`` is given:

1. **read** — each file is read in blocks (``reading.blocks``: CSV byte blocks of whole
   records, Parquet row groups, JSON Lines; other formats one block). A block goes through
   the same steps as a whole file (after-reading fixes, ``validate_table``, the context of
   ``dataset._fill_context``), is measured with the kinds' own measure code
   (``kpis.aggregate``) and its ``Sums`` added to its file's. The index keeps a 64-bit hash
   of every row's dossier number.
2. **duplicates** — the hashes that occur more than once name the candidate rows. Only the
   blocks that hold a candidate are read again (or taken from a small cache of the last
   blocks); their candidate rows go through ``dataset._dedupe`` itself — the documented
   "most advanced copy" rule, the conflicts and the per-file duplicate counts exactly as a
   whole-file run — and the measures of the copies it drops are subtracted: sums add, so
   a better copy found later replaces an earlier one exactly. A hash shared by two
   different numbers is told apart there, by the numbers themselves.

Without ``--period`` the period is the span of the kept dossiers, known only at the end:
the index then also keeps each row's receipt and end day (8 bytes more per row) and the
blocks are measured in a second pass (from the cache when the data fits in it).

A file that cannot be read is dropped whole (its sums, index and cache) and reported as
the local engine reports it (``--skip-unreadable``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from ..errors import DataError

BLOCK_ROWS = 100_000
CACHE_ROWS = 400_000  # validated rows kept in memory, so that a small data set is read once


@dataclass
class Piece:
    """The rows of one file measured together: from raw blocks ``blocks`` of the file, its
    rows ``lo``..``hi`` (spreadsheet numbering) but for ``gaps`` (trimmed or rejected)."""

    file: int
    blocks: tuple[int, ...]
    lo: int
    hi: int
    gaps: np.ndarray
    h: np.ndarray  # uint64 hash of each row's dossier number
    days: tuple[np.ndarray, np.ndarray] | None = None  # receipt day, end day (no --period)
    frame: pd.DataFrame | None = None  # cached
    fp: np.ndarray | None = None  # ``diff``: fingerprint of each row's compared fields
    fields: frozenset = frozenset()  # … the compared fields the piece has

    def row_numbers(self) -> np.ndarray:
        """The spreadsheet row number of each of the piece's rows."""
        span = np.arange(self.lo, self.hi + 1, dtype=np.int64)
        return np.setdiff1d(span, self.gaps, assume_unique=True) if len(self.gaps) else span

    def select(self, frame: pd.DataFrame) -> pd.DataFrame:
        r = frame["_row"].to_numpy()
        keep = (r >= self.lo) & (r <= self.hi)
        if len(self.gaps):
            keep &= ~np.isin(r, self.gaps)
        return frame.loc[keep].reset_index(drop=True)


@dataclass
class FileState:
    index: int
    path: Path
    report: Any = None  # dataset.InputReport
    problems: list = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    grouped: Any = None
    overall: Any = None
    known: bool = False  # some dossier of the file has a known time limit
    received: tuple | None = None  # first and last receipt (every copy)
    mapping: Any = None
    user: Any = None


def id_hash(ids: pd.Series) -> np.ndarray:
    """64-bit hash of each dossier number (missing numbers hash alike: they never are)."""
    return pd.util.hash_array(ids.astype(object).where(ids.notna(), "\x00<na>").to_numpy(dtype=object),
                              categorize=False).astype(np.uint64)


class _Measure:
    """The dossiers' measures of one frame for the run's period and keys (grouped and overall
    ``Sums``), with the working-day calendar built once."""

    def __init__(self, per, keys: list[str], calendar, umap):
        from ..kpis.kinds import BY_NAME

        self.per, self.calendar, self.umap = per, calendar, umap
        self.kind = BY_NAME["dossiers"]
        self.gk = self.kind.group_keys(pd.DataFrame(), keys)
        self._cal = None

    def __call__(self, frame: pd.DataFrame):
        from ..kpis import aggregate as engine
        from ..kpis import kinds as K

        if self.umap is not None:
            frame = self.umap.annotate(frame.copy())
        limits = pd.to_numeric(frame["time_limit_days"], errors="coerce").to_numpy(dtype=float) \
            if "time_limit_days" in frame.columns else np.full(len(frame), np.nan)
        known = not np.isnan(limits).all()
        if known and self._cal is None:  # the working-day calendar, built once for the run
            from ..calendar import WorkCalendar

            self._cal = WorkCalendar([str(p) for p in self.calendar or []])
        stat = K._statutory(frame, limits, self.calendar, self._cal)
        ctx = K.DossierContext(statutory=stat)
        grouped = engine.aggregate(self.kind, frame, self.per, self.gk, ctx, count_rows=True) if self.gk else None
        if grouped is not None and "month" not in self.gk:
            overall = grouped.overall()
        else:
            overall = engine.aggregate(self.kind, frame, self.per, [], ctx)
        return grouped, overall, known


def _add(a, b):
    return b if a is None else (a if b is None else a + b)


def _iter_blocks(path: Path, model, user, sheet, block_rows: int, only: set[int] | None = None,
                 rows: dict[int, np.ndarray] | None = None) -> Iterator[tuple[int, Any]]:
    from ..reading.blocks import iter_blocks

    return iter_blocks(path, model, user, sheet, block_rows, only=only, rows=rows)


def _pieces_of(path: Path, model, user, sheet, block_rows: int) -> Iterator[tuple[tuple[int, ...], Any, bool]]:
    """The file's raw blocks, trimmed as the whole file would be (``trim_tail``). The rows
    below a block's last totals row ("Tổng cộng") are carried into the next block, so that
    the footer below the last totals row of the file (signatures, "Người lập biểu") is
    recognised wherever the blocks were cut. A carry that outgrows a block is let go,
    trimmed as if that totals row were the file's last (documented: only a junk row between
    two totals rows more than a block apart can then count as footer instead of rejected).
    Each row's blank and totals marks (``row_marks``) are found once, carried with it."""
    from ..reading.table import row_marks, trim_tail

    pending = None  # (blocks, RawTable, marks) carried below a totals row
    after = False  # a totals row was seen and nothing since but what ``pending`` holds
    for i, raw in prefetch(_iter_blocks(path, model, user, sheet, block_rows)):
        if getattr(raw, "trimmed", False):
            yield (i,), raw, True
            continue
        blocks, marks = (i,), row_marks(raw)
        if pending is not None:
            blocks = pending[0] + blocks
            raw = _stack(pending[1], raw)
            marks = tuple(np.concatenate([a, b]) for a, b in zip(pending[2], marks))
            pending = None
        found = np.flatnonzero(marks[1])
        if len(found):
            k = int(found[-1]) + 1
            head, tail = _cut(raw, k)
            yield blocks, trim_tail(head, marks=(marks[0][:k], marks[1][:k])), False
            rest = (marks[0][k:], marks[1][k:])
            pending, after = ((blocks[-1:], tail, rest) if len(tail.frame) or tail.bad_rows else None), True
        elif after and len(raw.frame) <= block_rows:
            pending = (blocks, raw, marks)
        else:
            yield blocks, trim_tail(raw, after_totals=after, marks=marks), False
    if pending is not None:
        yield pending[0], trim_tail(pending[1], after_totals=after, marks=pending[2]), False


def prefetch(blocks: Iterator) -> Iterator:
    """``blocks`` read one step ahead in a thread: the next block is parsed (pyarrow, numpy:
    outside the GIL) while this one is validated and measured — never more than that one
    block ahead. Errors come out where the block would have; a consumer that stops early
    stops the reader before its next block."""
    import queue
    import threading

    q: queue.Queue = queue.Queue()
    turn = threading.Semaphore(1)  # the reader's permission to read one more block
    stop = threading.Event()

    def run() -> None:
        try:
            while True:
                turn.acquire()
                if stop.is_set():
                    return
                b = next(blocks, None)
                if b is None:
                    q.put(("end", None))
                    return
                q.put(("block", b))
        except BaseException as e:  # noqa: BLE001 — handed to the consumer, raised there
            q.put(("error", e))

    t = threading.Thread(target=run, name="cchc-read-ahead", daemon=True)
    t.start()
    try:
        while True:
            what, b = q.get()
            if what == "block":
                turn.release()  # read the next one while this one is measured
                yield b
                del b
            elif what == "end":
                return
            else:
                raise b
    finally:
        stop.set()
        turn.release()


def _stack(a, b):
    from ..reading.table import RawTable

    return RawTable(b.path, pd.concat([a.frame, b.frame], ignore_index=True), np.concatenate([a.rows, b.rows]),
                    b.layout, b.mapping, a.notes + b.notes, b.sheet, b.encoding, b.delimiter,
                    bad_rows=a.bad_rows + b.bad_rows)


def _cut(raw, k: int):
    """The first ``k`` rows of a block and the rest (bad rows go with the part they were in)."""
    from ..reading.table import RawTable

    at = raw.rows[k - 1]
    tail = RawTable(raw.path, raw.frame.iloc[k:].reset_index(drop=True), raw.rows[k:], raw.layout, raw.mapping, [],
                    raw.sheet, raw.encoding, raw.delimiter, bad_rows=[b for b in raw.bad_rows if b[0] > at])
    raw.bad_rows = [b for b in raw.bad_rows if b[0] <= at]
    raw.frame = raw.frame.iloc[:k].reset_index(drop=True)
    raw.rows = raw.rows[:k]
    return raw, tail


def _validated(raw, f: Path, model, user, kind: str, first: bool):
    """A trimmed block as ``dataset.read_one`` turns a whole file: its key, the required
    columns, validation, the file's context. Returns (frame, problems, report part)."""
    from ..dataset import InputReport, _fill_context, _require, _row_key
    from ..reading.csv import shown_path
    from ..reading.table import Note
    from ..validate import validate_table

    if user.row_key:
        _row_key(raw, model)
    _require(raw, model)
    if user.profile and first:
        raw.notes.insert(0, Note("profile_used", {"profile": user.profile}))
    vt = validate_table(raw, model, user, consume=True)
    rep = InputReport(
        shown_path(f), kind, rows=len(vt.frame) + len(vt.rejected_rows), rejected=len(vt.rejected_rows),
        sheet=raw.sheet, encoding=raw.encoding, delimiter=raw.delimiter,
        header_row=raw.layout.row + 1, blank_rows=raw.blank_rows, totals_rows=list(raw.totals_rows),
        footer_rows=raw.footer_rows, notes=list(raw.notes),
        mapped={s.field: s.header for s in raw.mapping.sources},
    )
    if any(s.field == "channel" and (s.alt is None or s.alt.endswith(":postal")) for s in raw.mapping.sources):
        rep.derived.add("postal_channel")
    _fill_context(vt, rep, f, kind, names=True)
    return vt.frame, vt.problems, rep, raw.rows, vt.rejected_rows


def _merge_report(into, part) -> None:
    into.rows += part.rows
    into.rejected += part.rejected
    into.blank_rows += part.blank_rows
    into.totals_rows += part.totals_rows
    into.footer_rows += part.footer_rows
    into.notes = merge_notes(into.notes, part.notes)


def merge_notes(a: list, b: list) -> list:
    """The notes of two blocks of one file as the whole file would have them: counts added,
    unit names united, the rest said once."""
    from ..reading.table import Note

    out = [Note(n.code, dict(n.params)) for n in a]
    at = {n.code: n for n in out}
    for n in b:
        have = at.get(n.code)
        if have is None:
            m = Note(n.code, dict(n.params))
            out.append(m)
            at[n.code] = m
        elif n.code == "invisible_chars":
            for k in ("chars", "cells"):
                have.params[k] += n.params[k]
            fields = list(dict.fromkeys(have.params["fields"].split(", ") + n.params["fields"].split(", ")))
            have.params["fields"] = ", ".join(fields)
        elif n.code == "repeated_header":
            have.params["_rows"] = have.params.get("_rows", [have.params["rows"]]) + [n.params["rows"]]
            have.params["n"] += n.params["n"]
        elif n.code in ("level_inferred", "level_unknown"):
            names = list(dict.fromkeys(have.params.get("_names", []) + n.params.get("_names", [])))
            have.params["_names"] = names
            if n.code == "level_inferred":
                have.params["units"] = len(names)
            else:
                have.params["units"], have.params["count"] = names[:10], len(names)
    return out


def _final_notes(notes: list) -> list:
    for n in notes:
        if "_rows" in n.params:
            rows = ", ".join(r.replace(" …", "") for r in n.params.pop("_rows")).split(", ")
            n.params["rows"] = ", ".join(rows[:10]) + (" …" if n.params["n"] > 10 else "")
        n.params.pop("_names", None)
    return notes


_DATE_ORDER = {("received_at", "future_date"): 0, ("finished_at", "future_date"): 1,
               ("finished_at", "finished_before_received"): 2}


def _problem_order(mapping, model):
    """The order ``validate_table`` lists a whole file's problems in: field by field (each
    column's problems by the first row they occur on, then the missing required values),
    then the dates no export can hold, then the rows of the wrong shape."""
    from ..schema.models import field_specs

    fields = {s.name: i for i, s in enumerate(field_specs(model))}
    columns = {(s.field, s.header): i for i, s in enumerate(mapping.sources)}

    def key(p):
        first = p.rows[0] if p.rows else 0
        if p.code == "bad_shape":
            return (2, 0, 0, 0, first)
        if (p.field, p.code) in _DATE_ORDER:
            return (1, _DATE_ORDER[(p.field, p.code)], 0, 0, first)
        return (0, fields.get(p.field, 999), columns.get((p.field, p.column), 0), p.code == "required_missing", first)

    return key


def merge_problems(a: list, b: list) -> list:
    """Problems of two blocks of one file as the whole file would group them."""
    from ..validate import EXAMPLES_PER_PROBLEM

    out = list(a)
    at = {(p.field, p.column, p.code, p.value): p for p in out}
    for p in b:
        have = at.get((p.field, p.column, p.code, p.value))
        if have is None:
            out.append(p)
            at[(p.field, p.column, p.code, p.value)] = p
            continue
        have.count += p.count
        have.rows = (have.rows + p.rows)[:EXAMPLES_PER_PROBLEM]
        have.examples = (have.examples + p.examples)[:EXAMPLES_PER_PROBLEM]
        have.rejects = have.rejects or p.rejects
    return out


def compute_stream(files: list[Path], maps: dict, *, user, sheet, keys: list[str], per, calendar=None,
                   umap=None, on_file: Callable[[Path], None] | None = None, origin: str | None = None,
                   skipped: list | None = None, block_rows: int | None = None, cache_rows: int | None = None,
                   fingerprints: bool = False):
    """Every dossier KPI of ``files`` (all dossier exports; ``maps``: each file's profile map)
    for the period (None: the data's span), streamed; the same ``ComputeResult`` as the
    whole-frame path. ``fingerprints``: each row's compared fields are fingerprinted too, for
    ``diff`` (``Streamed.kept``)."""
    from .. import dataset as D
    from ..kpis.run import dossier_result
    from ..schema.models import DossierRecord

    block_rows = block_rows or BLOCK_ROWS
    cache_rows = CACHE_ROWS if cache_rows is None else cache_rows
    if calendar:  # a broken calendar file is a configuration error, needed or not
        from ..calendar import WorkCalendar

        WorkCalendar([str(p) for p in calendar])
    model = DossierRecord
    measure = _Measure(per, keys, calendar, umap) if per is not None else None
    states: list[FileState] = []
    failed: list[tuple[Path, DataError]] = []
    cached = 0
    for f in files:
        if on_file:
            on_file(f)
        fuser = maps.get(f, user)
        st, cached = _read_file(f, len(states), fuser, model, sheet, block_rows, measure, per, fingerprints,
                                cache_rows, cached, failed)
        if st is None:
            continue
        if st.report is not None:
            st.report.notes = _final_notes(st.report.notes)
            st.problems.sort(key=_problem_order(st.mapping, model))
            if st.report.rows == st.report.rejected == 0 and not any(n.code == "no_rows" for n in st.report.notes):
                from ..reading.table import Note

                st.report.notes.append(Note("no_rows"))
            states.append(st)
    skipped = list(skipped or [])
    D._unreadable(failed, skipped)
    if not states:
        raise DataError("no_usable_rows", files=", ".join(str(f) for f in files))
    inputs = [s.report for s in states]
    if sum(r.rows - r.rejected for r in inputs) == 0 and not (D.ALLOW_EMPTY and inputs):
        raise DataError("no_usable_rows", files=", ".join(str(f) for f in files))

    # ---- duplicates: only the rows whose hash occurs twice
    try:
        conflicts, n_conflicts, dropped = _duplicates(states, inputs, model, sheet, block_rows)
    except _Refused as r:
        D._unreadable(r.failed, skipped)  # raises, unless --skip-unreadable: then without them
        gone = {f for f, _ in r.failed} | {f for f, _ in failed}
        return compute_stream([f for f in files if f not in gone], maps, user=user, sheet=sheet, keys=keys, per=per,
                              calendar=calendar, umap=umap, origin=origin, skipped=skipped, block_rows=block_rows,
                              cache_rows=cache_rows, fingerprints=fingerprints)
    for s in states:
        s.report.used = s.report.rows - s.report.rejected - s.report.duplicates

    if per is None:
        per = _span(states, dropped)
        measure = _Measure(per, keys, calendar, umap)
        for s in states:  # the second pass: every piece, from the cache or read again
            for piece, frame in _frames(s, model, sheet, block_rows, [p for p in s.pieces]):
                drop = dropped.get((s.index, id(piece)))
                if drop is not None:
                    keep = np.ones(len(frame), dtype=bool)
                    keep[drop] = False
                    frame = frame.loc[keep].reset_index(drop=True)
                if len(frame):
                    g, o, known = measure(frame)
                    s.grouped, s.overall = _add(s.grouped, g), _add(s.overall, o)
                    s.known |= known
    else:
        for s in states:  # the copies dropped: their measures taken back out
            sub = [p for p in s.pieces if (s.index, id(p)) in dropped]
            want = {id(p): dropped[(s.index, id(p))] for p in sub}
            for piece, frame in _frames(s, model, sheet, block_rows, sub, want):
                g, o, _ = measure(frame)
                s.grouped = _add(s.grouped, None if g is None else -g)
                s.overall = _add(s.overall, -o)

    grouped = overall = None
    for s in states:
        grouped, overall = _add(grouped, s.grouped), _add(overall, s.overall)
    if grouped is not None:
        grouped = grouped.drop_empty()
    if overall is None:
        overall = measure(_empty_frame())[1]
    available = D.available_fields(inputs)
    avail = {"dossiers": set(available)}
    if not any(s.known for s in states):
        avail = {"dossiers": set(available) - {"time_limit_days"}, "catalogue": set()}
    problems = [p for s in states for p in s.problems]
    ds = D.Dataset(pd.DataFrame(), inputs, problems, conflicts, n_conflicts, [], set(available))
    recs = [s.received for s in states if s.received is not None]
    ds.streamed = True
    ds.stream = Streamed(states, dropped, model, sheet, block_rows, set(available))
    ds.rerun = lambda by: compute_stream(files, maps, user=user, sheet=sheet, keys=by, per=per, calendar=calendar,
                                         umap=umap, origin=origin, skipped=skipped, block_rows=block_rows,
                                         cache_rows=cache_rows)
    ds.received_span = (min(r[0] for r in recs), max(r[1] for r in recs)) if recs else None
    sources = D.Inputs(dossiers=ds)
    D._list_skipped(ds, skipped)
    return dossier_result(per, keys, grouped, overall, avail, sources, n_conflicts, origin)


def _read_file(f: Path, index: int, fuser, model, sheet, block_rows: int, measure, per, fingerprints: bool,
               cache_rows: int, cached: int, failed: list) -> tuple[FileState | None, int]:
    """The first reading of one file: its blocks validated, measured and indexed. A file that
    cannot be read leaves nothing (its error in ``failed``); one whose byte scan finds, past
    the first blocks, quotes it cannot vouch for is read again whole (``ReadAgain``)."""
    from ..reading.csv import ReadAgain

    for _attempt in range(2):
        st = FileState(index, f, user=fuser)
        took = 0
        try:
            for blocks, raw, whole in _pieces_of(f, model, fuser, sheet, block_rows):
                first = st.report is None
                frame, problems, rep, raw_rows, rejected = _validated(raw, f, model, fuser, "dossiers", first)
                if first:
                    st.report, st.problems, st.mapping = rep, problems, raw.mapping
                else:
                    _merge_report(st.report, rep)
                    st.problems = merge_problems(st.problems, problems)
                frame["_file"] = np.int32(st.index)
                if len(frame):
                    rec = frame["received_at"]
                    lo, hi = rec.min(), rec.max()
                    if not pd.isna(lo):
                        st.received = (lo, hi) if st.received is None else (min(st.received[0], lo),
                                                                            max(st.received[1], hi))
                piece = _piece(st.index, blocks, frame, raw_rows, per is None)
                if fingerprints:
                    piece.fp, piece.fields = fingerprint(frame)
                if measure is not None and len(frame):
                    g, o, known = measure(frame)
                    st.grouped, st.overall = _add(st.grouped, g), _add(st.overall, o)
                    st.known |= known
                if cached + took + len(frame) <= cache_rows:
                    piece.frame = frame
                    took += len(frame)
                st.pieces.append(piece)
                del frame, raw
        except ReadAgain:
            continue
        except DataError as e:  # every unreadable export is reported at once
            failed.append((f, e))
            return None, cached
        return st, cached + took
    raise AssertionError(f"{f}: read again twice")  # pragma: no cover - the second reading is whole


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({"received_at": pd.Series([], dtype="datetime64[ns]"), "_row": np.array([], np.int64)})


def _piece(file: int, blocks: tuple[int, ...], frame: pd.DataFrame, raw_rows: np.ndarray, days: bool) -> Piece:
    rows = frame["_row"].to_numpy()
    lo = int(raw_rows.min()) if len(raw_rows) else 0
    hi = int(raw_rows.max()) if len(raw_rows) else -1
    span = np.arange(lo, hi + 1, dtype=np.int64)
    gaps = np.setdiff1d(span, rows, assume_unique=True) if len(span) != len(rows) else np.empty(0, np.int64)
    p = Piece(file, blocks, lo, hi, gaps, id_hash(frame["dossier_id"]) if len(frame) else np.empty(0, np.uint64))
    if days:
        p.days = _days(frame)
    return p


_NO_DAY = np.iinfo(np.int32).min


def _days(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    rec = frame["received_at"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    end = rec
    if "finished_at" in frame.columns:
        fin = frame["finished_at"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        end = np.where(np.isnat(fin) | (fin < rec), rec, fin) if len(fin) else rec
        end = np.where(np.isnat(rec), fin, end)
    r = rec.astype(np.int64)
    e = end.astype(np.int64)
    nat = np.iinfo(np.int64).min
    return (np.where(r == nat, _NO_DAY, r).astype(np.int32), np.where(e == nat, _NO_DAY, e).astype(np.int32))


def _span(states: list[FileState], dropped: dict):
    """The kept dossiers' span: first receipt to the last receipt or finish (``data_span``)."""
    import datetime as dt

    from ..kpis.period import Period

    lo, hi = None, None
    for s in states:
        for p in s.pieces:
            r, e = p.days
            drop = dropped.get((s.index, id(p)))
            if drop is not None:
                keep = np.ones(len(r), dtype=bool)
                keep[drop] = False
                r, e = r[keep], e[keep]
            r = r[r != _NO_DAY]
            e = e[e != _NO_DAY]
            if len(r):
                lo = int(r.min()) if lo is None else min(lo, int(r.min()))
            if len(e):
                hi = int(e.max()) if hi is None else max(hi, int(e.max()))
    epoch = dt.date(1970, 1, 1)
    return Period(epoch + dt.timedelta(days=lo), epoch + dt.timedelta(days=hi), inferred=True)


def _frames(s: FileState, model, sheet, block_rows: int, pieces: list[Piece],
            want: dict[int, np.ndarray] | None = None) -> Iterator[tuple[Piece, pd.DataFrame]]:
    """The validated frames of ``pieces`` of one file: from the cache, or the raw blocks they
    were read from read again, validated and narrowed to the piece's rows. ``want``: per
    piece (``id``), the positions of the rows wanted (sorted) — then only those rows are
    read again and validated where the format allows (a CSV: the records themselves)."""
    need = [p for p in pieces if p.frame is None]
    raws: dict[int, list[pd.DataFrame]] = {}
    if need:
        wanted = {b for p in need for b in p.blocks}
        rows = None
        if want is not None:
            rows = {}
            for p in need:
                r = p.row_numbers()[want[id(p)]]
                for blk in p.blocks:
                    rows.setdefault(blk, []).append(r)
            rows = {blk: np.unique(np.concatenate(v)) for blk, v in rows.items()}
        for i, raw in _iter_blocks(s.path, model, s.user, sheet, block_rows, only=wanted, rows=rows):
            frame, *_ = _validated(raw, s.path, model, s.user, "dossiers", False)
            frame["_file"] = np.int32(s.index)
            raws.setdefault(i, []).append(frame)
    for p in pieces:
        if p.frame is not None:
            yield p, (p.frame if want is None else p.frame.iloc[want[id(p)]].reset_index(drop=True))
            continue
        parts = [f for blk in p.blocks for f in raws.get(blk, [])]
        frame = pd.concat(parts, ignore_index=True, sort=False) if len(parts) > 1 else parts[0]
        if want is None:
            yield p, p.select(frame)
        else:
            r = p.row_numbers()[want[id(p)]]
            sel = frame.loc[np.isin(frame["_row"].to_numpy(), r)]
            sel = sel.drop_duplicates("_row") if len(sel) != len(r) else sel
            if len(sel) != len(r):  # cannot happen: the rows were read and kept before
                raise AssertionError(f"{s.path}: {len(r)} rows wanted, {len(sel)} read again")
            yield p, sel.reset_index(drop=True)


class _Refused(Exception):
    """Files whose dossier numbers are not (``dataset.same_file_verdict``), found once every
    file was read: reported with the unreadable exports, or left out with --skip-unreadable."""

    def __init__(self, failed: list):
        self.failed = failed


SPILL_ROWS = 500_000  # candidate copies held at once; more are spilled to disk in buckets


def _duplicates(states: list[FileState], inputs: list, model, sheet, block_rows: int):
    """Resolve the copies of one dossier across blocks and files with ``dataset._dedupe``
    itself. Returns (conflicts, conflict count, {(file, piece id): positions dropped}).

    The candidates are the rows whose id hash occurs more than once. Up to ``SPILL_ROWS`` of
    them are resolved together in memory; more are split by hash into buckets written to a
    temporary folder (every copy of a dossier lands in the same bucket) and resolved one
    bucket at a time, so memory stays bounded however many copies the exports hold."""
    allh = [p.h for s in states for p in s.pieces]
    if not allh:
        return [], 0, {}
    h = np.concatenate(allh)
    h.sort()
    same = h[1:] == h[:-1]
    dupvals = np.unique(h[1:][same]) if same.any() else np.empty(0, np.uint64)
    del h, same
    if not len(dupvals):
        return [], 0, {}
    total = sum(int(_hits(p.h, dupvals).sum()) for s in states for p in s.pieces if len(p.h))
    nb = max(1, -(-total // SPILL_ROWS))
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cchc-dups-") as tmp:
        buckets: list[list] = [[] for _ in range(nb)]
        for s in states:
            want = {id(p): np.flatnonzero(_hits(p.h, dupvals)) for p in s.pieces if len(p.h)}
            hit_pieces = [p for p in s.pieces if len(p.h) and len(want[id(p)])]
            for p, frame in _frames(s, model, sheet, block_rows, hit_pieces, want):
                pos = want[id(p)]
                sub = frame.copy()
                sub["_piece"] = np.int64(id(p))
                sub["_pos"] = pos
                if nb == 1:
                    buckets[0].append(sub)
                    continue
                b = (p.h[pos] % np.uint64(nb)).astype(np.int64)
                for j in np.unique(b):
                    f = Path(tmp) / f"{j}-{len(buckets[j])}.pkl"
                    sub.loc[b == j].to_pickle(f)
                    buckets[j].append(f)
        return _resolve(buckets, states, inputs)


def _resolve(buckets: list[list], states: list[FileState], inputs: list):
    from .. import dataset as D

    stats: dict[int, list] = {}
    conflicts: list = []
    n_conflicts = 0
    dup_per_file: dict[int, int] = {}
    dropped: dict[tuple[int, int], list[int]] = {}
    for parts in buckets:
        if not parts:
            continue
        frames = [pd.read_pickle(x) if isinstance(x, Path) else x for x in parts]
        cand = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]
        del frames
        cand = cand.sort_values(["_file", "_row"], kind="stable").reset_index(drop=True)
        files = cand["_file"].to_numpy()
        for s in states:  # >5 % of a file's rows sharing their number and disagreeing: stop
            sub = cand.loc[files == s.index]
            if len(sub):
                stats.setdefault(s.index, []).append(
                    D.same_file_stats(sub.drop(columns=["_piece", "_pos"]), s.report.rows - s.report.rejected))
        kept, cf, n, dpf = D._dedupe(cand, inputs, D.KEYS["dossiers"])
        if cf:  # listed in the order their first copy was read, as on the whole frame
            ids = cand["dossier_id"].astype(str)
            first = ~ids.duplicated().to_numpy()
            at = dict(zip(ids.to_numpy()[first], zip(cand["_file"].to_numpy()[first], cand["_row"].to_numpy()[first])))
            conflicts += [((int(at[c.dossier_id][0]), int(at[c.dossier_id][1])), c) for c in cf]
        n_conflicts += n
        for f, k in dpf.items():
            dup_per_file[int(f)] = dup_per_file.get(int(f), 0) + int(k)
        kept_keys = set(zip(kept["_piece"].to_numpy().tolist(), kept["_pos"].to_numpy().tolist()))
        for f, pc, pos in zip(files, cand["_piece"].to_numpy(), cand["_pos"].to_numpy()):
            if (int(pc), int(pos)) not in kept_keys:
                dropped.setdefault((int(f), int(pc)), []).append(int(pos))
        del cand, kept
    refused = []
    for s in states:
        if s.index in stats:
            try:
                D.same_file_verdict(stats[s.index], s.report.rows - s.report.rejected, s.report, s.mapping)
            except DataError as e:
                refused.append((s.path, e))
    if refused:
        raise _Refused(refused)
    for i, rep in enumerate(inputs):
        rep.duplicates = int(dup_per_file.get(i, 0))
    conflicts = [c for _, c in sorted(conflicts, key=lambda fc: fc[0])][:D.CONFLICT_EXAMPLES]
    return conflicts, n_conflicts, {k: np.asarray(sorted(v), dtype=np.int64) for k, v in dropped.items()}


def _hits(h: np.ndarray, dupvals: np.ndarray | None) -> np.ndarray:
    """Which of ``h`` are in the sorted ``dupvals`` (None: all)."""
    if dupvals is None:
        return np.ones(len(h), dtype=bool)
    if not len(dupvals):
        return np.zeros(len(h), dtype=bool)
    i = np.searchsorted(dupvals, h)
    i[i == len(dupvals)] = 0
    return dupvals[i] == h


# ------------------------------------------------------------------ diff: fingerprints first


def _compared() -> tuple[str, ...]:
    from ..compare import COMPARED_FIELDS

    return COMPARED_FIELDS


# one odd multiplier per compared field (multiples of the golden ratio's 64-bit constant)
_SALT = np.array([((i + 1) * 0x9E3779B97F4A7C15 & (2**64 - 1)) | 1 for i in range(64)], dtype=np.uint64)
_BAD = np.uint64(0x5BD1E9955BD1E995)
_NA = np.uint64(0x27BB2EE687B0B0FD)


def _field_hash(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Each row's value of a compared field as 64 bits, tagged by its kind, so that two
    rows hash alike only when ``compare._differs`` finds them equal: missing equals
    missing, unreadable equals unreadable, dates as instants, numbers by value, labels and
    text as text. (Values of different kinds never hash alike: such a field is then
    compared row by row, exactly, in the second pass.)"""
    from ..compare import _arrow, _arrow_text, _bad_mask

    s = frame[name]
    n = len(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        x = s.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        h = pd.util.hash_array(x) ^ np.uint64(1)
        h[x == np.iinfo(np.int64).min] = _NA
    elif pd.api.types.is_float_dtype(s.dtype):
        x = s.to_numpy(dtype=float)
        h = pd.util.hash_array(np.where(np.isnan(x), 0.0, x)) ^ np.uint64(2)
        h[np.isnan(x)] = _NA
    elif isinstance(s.dtype, pd.CategoricalDtype):
        cats = pd.util.hash_array(np.asarray([str(c) for c in s.cat.categories], dtype=object)) ^ np.uint64(3) \
            if len(s.cat.categories) else np.zeros(1, np.uint64)
        codes = s.cat.codes.to_numpy()
        h = np.where(codes >= 0, cats[np.maximum(codes, 0)], _NA).astype(np.uint64)
    elif s.dtype == bool:
        h = np.where(s.to_numpy(), np.uint64(0x51), np.uint64(0x52)).astype(np.uint64)
    elif _arrow_text(s):
        enc = _arrow(s).dictionary_encode()  # each distinct text hashed once
        words = enc.dictionary.to_numpy(zero_copy_only=False).astype(object)
        hw = pd.util.hash_array(words) ^ np.uint64(3) if len(words) else np.zeros(1, np.uint64)
        idx = enc.indices
        h = np.where(idx.is_valid().to_numpy(zero_copy_only=False),
                     hw[idx.fill_null(0).to_numpy(zero_copy_only=False)], _NA).astype(np.uint64)
    else:
        codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
        tagged = np.asarray([f"{type(v).__name__}:{v}" for v in uniques], dtype=object)
        hu = pd.util.hash_array(tagged) ^ np.uint64(4) if len(tagged) else np.zeros(1, np.uint64)
        h = np.where(codes >= 0, hu[np.maximum(codes, 0)], _NA).astype(np.uint64)
    h = np.asarray(h, dtype=np.uint64)
    h[_bad_mask(frame, name)] = _BAD
    assert len(h) == n
    return h


def fingerprint(frame: pd.DataFrame) -> tuple[np.ndarray, frozenset]:
    """Each row's compared fields in 64 bits (``_field_hash`` of each, salted by the field),
    and which compared fields the frame has."""
    fp = np.zeros(len(frame), dtype=np.uint64)
    have = []
    for i, name in enumerate(_compared()):
        if name in frame.columns:
            have.append(name)
            with np.errstate(over="ignore"):
                fp ^= _field_hash(frame, name) * _SALT[i]
    return fp, frozenset(have)


@dataclass
class Streamed:
    """What a streamed run keeps of its dossiers: the pieces (hash index, fingerprints),
    the copies de-duplication dropped, and how to read a piece again."""

    states: list[FileState]
    dropped: dict
    model: Any
    sheet: Any
    block_rows: int
    available: set[str]

    def fields(self) -> frozenset:
        """The compared fields of the data set (as the whole frame would have them)."""
        have = set().union(*(p.fields for s in self.states for p in s.pieces)) if self.states else set()
        return frozenset(f for f in _compared() if f in have and f in self.available)

    def kept(self, fields: frozenset) -> tuple[np.ndarray, np.ndarray]:
        """Id hash and fingerprint over ``fields`` of every kept dossier; a field a piece's
        file lacks counts as unreadable there (``dataset.load``), or missing (status)."""
        hs, fps = [], []
        for s in self.states:
            for p in s.pieces:
                fp = p.fp.copy()
                for i, name in enumerate(_compared()):
                    if name in fields and name not in p.fields:
                        const = _NA if name in ("status", "unit", "level") else _BAD
                        with np.errstate(over="ignore"):
                            fp ^= const * _SALT[i]
                keep = self._keep(s, p)
                hs.append(p.h[keep])
                fps.append(fp[keep])
        if not hs:
            return np.empty(0, np.uint64), np.empty(0, np.uint64)
        return np.concatenate(hs), np.concatenate(fps)

    def _keep(self, s: FileState, p: Piece) -> np.ndarray:
        keep = np.ones(len(p.h), dtype=bool)
        drop = self.dropped.get((s.index, id(p)))
        if drop is not None:
            keep[drop] = False
        return keep

    def rows_of(self, hashes: np.ndarray | None) -> pd.DataFrame:
        """The kept rows whose id hash is in ``hashes`` (sorted; None: all), read again where not cached,
        stacked as ``dataset.load`` stacks files."""
        from ..validate import invalid_col

        parts = []
        for s in self.states:
            want = {id(p): np.flatnonzero(_hits(p.h, hashes) & self._keep(s, p)) for p in s.pieces if len(p.h)}
            pieces = [p for p in s.pieces if len(p.h) and len(want[id(p)])]
            for p, frame in _frames(s, self.model, self.sheet, self.block_rows, pieces,
                                    None if hashes is None else want):
                sub = frame.copy() if hashes is not None else frame.loc[self._keep(s, p)].copy()
                for name in self.available:  # a field other files have: unknown for this file's rows
                    if name not in sub.columns and name not in ("status", "unit", "level"):
                        sub[invalid_col(name)] = True
                parts.append(sub)
        if not parts:
            return pd.DataFrame({"dossier_id": pd.Series([], dtype=object)})
        frame = pd.concat(parts, ignore_index=True, sort=False)
        for c in [c for c in frame.columns if c.endswith("!")]:
            frame[c] = frame[c].fillna(False).astype(bool)
        return frame


def changed_hashes(old: Streamed, new: Streamed) -> np.ndarray | None:
    """The id hashes of the dossiers ``diff`` must look at (sorted): added, removed, and
    those whose fingerprints differ — every other dossier is the same on both sides. None
    when the two sides do not have the same compared fields (the whole frames decide)."""
    fields = old.fields()
    if fields != new.fields():
        return None
    ho, fo = old.kept(fields)
    hn, fn = new.kept(fields)
    oo, on = np.argsort(ho, kind="stable"), np.argsort(hn, kind="stable")
    ho, fo, hn, fn = ho[oo], fo[oo], hn[on], fn[on]
    del oo, on
    uo, un = _single(ho), _single(hn)  # a hash one dossier has alone on its side
    at = np.searchsorted(ho, hn)
    at[at == len(ho)] = 0
    found = (ho[at] == hn) if len(ho) else np.zeros(len(hn), dtype=bool)
    same_n = found & un & uo[at] & (fo[at] == fn) if len(ho) else found
    same_o = np.zeros(len(ho), dtype=bool)
    same_o[at[same_n]] = True
    return np.union1d(ho[~same_o], hn[~same_n])


def _single(h: np.ndarray) -> np.ndarray:
    """For a sorted array: which values occur once."""
    if not len(h):
        return np.zeros(0, dtype=bool)
    eq = h[1:] == h[:-1]
    out = np.ones(len(h), dtype=bool)
    out[1:] &= ~eq
    out[:-1] &= ~eq
    return out
