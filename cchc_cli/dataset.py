"""Several exports read as one data set.

Every file is read, mapped and validated on its own; then the frames are stacked and
de-duplicated on ``dossier_id``. Of the copies of one dossier the run keeps the most
advanced (a finished state over an open one, then the copy with more fields filled in,
then the first in file order) and reports the copies that disagree as conflicts. Every
file reconciles: rows = used + rejected + duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from pydantic import BaseModel

from .errors import DataError
from .reading import expand_paths, read_table
from .reading.csv import shown_path
from .reading.table import Note
from .schema.headers import ColumnMap, nearest_headers
from .schema.models import INPUT_KINDS, DossierRecord, field_specs
from .schema.vocab import ENDED_UNRESOLVED_STATES, RESOLVED_STATES, level_from_unit_name
from .validate import Problem, ValidatedTable, invalid_col, validate_table

CONFLICT_EXAMPLES = 50
# The key that makes two rows the same record, per input kind.
KEYS = {"dossiers": ("dossier_id",), "catalogue": ("procedure_code", "level", "unit"),
        "documents": ("document_id", "issued_at", "unit"), "logbook": ("unit", "period")}


@dataclass
class InputReport:
    path: str
    kind: str
    rows: int = 0
    used: int = 0
    rejected: int = 0
    duplicates: int = 0
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    blank_rows: int = 0
    totals_rows: list[int] = field(default_factory=list)
    footer_rows: int = 0
    mapped: dict[str, str] = field(default_factory=dict)  # field -> header
    notes: list[Note] = field(default_factory=list)
    derived: set[str] = field(default_factory=set)  # facts of definitions.DERIVED_FIELDS the file gives

    def to_json(self) -> dict[str, Any]:
        out = {"path": self.path, "kind": self.kind, "rows": self.rows, "used": self.used,
               "rejected": self.rejected, "duplicates": self.duplicates}
        if self.kind == "skipped" and self.notes:  # why the file was not read
            out["reason"] = self.notes[0].code
        return out


@dataclass
class Conflict:
    dossier_id: str
    fields: list[str]
    kept: tuple[str, int]  # (file, row)
    others: list[tuple[str, int]]


@dataclass
class Dataset:
    frame: pd.DataFrame  # canonical, de-duplicated; "_file" indexes ``inputs``, "_row" the row
    inputs: list[InputReport]
    problems: list[Problem]
    conflicts: list[Conflict]
    conflict_count: int
    notes: list[Note]
    available: set[str]  # fields present in at least one file
    model: type[BaseModel] = DossierRecord
    received_span: tuple | None = None  # first and last receipt, when ``frame`` is not kept (streaming)
    streamed: bool = False  # computed by the streaming engine: ``frame`` is empty
    rerun: Any = None  # streaming: ``rerun(keys)`` computes the same inputs by other keys

    def received_range(self) -> tuple | None:
        """First and last receipt of the data set's dossiers (None: none)."""
        if self.streamed:
            return self.received_span
        if "received_at" not in self.frame.columns:
            return None
        rec = self.frame["received_at"].dropna()
        return None if rec.empty else (rec.min(), rec.max())

    @property
    def rows(self) -> int:
        return sum(i.rows for i in self.inputs)


def load(
    paths: list[str | Path],
    *,
    model: type[BaseModel] = DossierRecord,
    kind: str | None = None,
    columns: ColumnMap | None = None,
    sheet: str | None = None,
    on_file: Callable[[Path], None] | None = None,
    maps: dict[Path, ColumnMap] | None = None,
    failed: list | None = None,
) -> Dataset:
    """``maps``: the column map of each file a profile was matched for (else ``columns``)."""
    base = columns if columns is not None else ColumnMap()
    maps = maps or {}
    if kind is None:
        kind = next((k for k, m in INPUT_KINDS.items() if m is model), "dossiers")
    model = INPUT_KINDS[kind]
    exp = expand_paths(paths) if not isinstance(paths, _Files) else None
    files = list(exp) if exp is not None else list(paths)
    own_failed = failed is None
    failed = [] if failed is None else failed
    tables: list[ValidatedTable] = []
    inputs: list[InputReport] = []
    notes: list[Note] = []
    for f in files:
        if on_file:
            on_file(f)
        try:
            vt, rep = read_one(f, model, maps.get(f, base), sheet, kind)
        except DataError as e:  # every unreadable export is reported at once
            failed.append((f, e))
            continue
        _fill_context(vt, rep, f, kind)
        vt.raw.frame = vt.raw.frame.iloc[:0]  # the raw text is no longer needed: free it
        tables.append(vt)
        inputs.append(rep)

    available = available_fields(inputs)
    frames = []
    for i, vt in enumerate(tables):
        fr = vt.frame
        fr["_file"] = np.int32(i)
        # a field some files have and this one lacks is unknown for its rows, not "no"
        for name in available:
            if name not in fr.columns and name not in ("status", "unit", "level"):
                fr[invalid_col(name)] = True
        frames.append(fr)
    frame = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
    for c in [c for c in frame.columns if c.endswith("!")]:
        frame[c] = frame[c].fillna(False).astype(bool)

    problems = [p for vt in tables for p in vt.problems]
    frame, conflicts, n_conflicts, dup_per_file = _dedupe(frame, inputs, KEYS[kind])
    for i, rep in enumerate(inputs):
        rep.duplicates = int(dup_per_file.get(i, 0))
        rep.used = rep.rows - rep.rejected - rep.duplicates
    if own_failed:
        skipped = list(exp.skipped) if exp is not None else []
        _unreadable(failed, skipped)
    if (frame.empty or len(frame) == 0) and not (ALLOW_EMPTY and inputs):
        raise DataError("no_usable_rows", files=", ".join(str(f) for f in files))
    out = Dataset(frame, inputs, problems, conflicts, n_conflicts, notes, available, model)
    if own_failed:
        _list_skipped(out, skipped)
    return out


SAME_FILE_SHARE = 0.05
SAME_FILE_MIN_ROWS = 10  # a couple of copies in a small file are conflicts, as before


def _same_file_ids(vt: ValidatedTable, rep: InputReport) -> None:
    """More than 5 % of a file's rows sharing their dossier number with another row of the
    same file, and disagreeing: the column read as the dossier number is not one (a date, a
    procedure code). Stop (exit 3) rather than collapse them; fewer are conflicts."""
    _same_file_ids_frame(vt.frame, len(vt.frame), rep, vt.raw.mapping)


def _same_file_ids_frame(fr: pd.DataFrame, n_rows: int, rep: InputReport, mapping) -> None:
    """``_same_file_ids`` on ``fr``: the file's rows, or (streaming) only those of its rows
    whose number occurs more than once; ``n_rows``: the file's rows."""
    same_file_verdict([same_file_stats(fr, n_rows)], n_rows, rep, mapping)


def same_file_stats(fr: pd.DataFrame, n_rows: int) -> tuple[int, int, str | None, int]:
    """Of a file's rows (or a share of its dossier numbers): the rows sharing their number,
    the rows of the numbers whose copies disagree, the first such number and its row."""
    if "dossier_id" not in fr.columns or len(fr) == 0:
        return 0, 0, None, 0
    ids = fr["dossier_id"]
    dup = ids.duplicated(keep=False).to_numpy()
    n_dup = int(dup.sum())
    if n_dup <= SAME_FILE_SHARE * n_rows:  # not enough to matter: spare the comparison
        return n_dup, 0, None, 0
    cols = [c for c in fr.columns if not c.startswith("_") and not c.endswith("!") and c != "dossier_id"]
    sub = fr.loc[dup, cols].astype(object)
    sub = sub.where(sub.notna(), None)
    sub["_key"] = ids[dup].to_numpy()
    nun = sub.groupby("_key", sort=False).nunique(dropna=False)
    bad = nun.index[(nun > 1).any(axis=1)] if len(cols) else nun.index[:0]
    hit = ids.isin(list(bad)).to_numpy()
    if not hit.any():
        return n_dup, 0, None, 0
    first = int(fr["_row"].to_numpy()[np.flatnonzero(hit)[0]]) if "_row" in fr.columns else 0
    return n_dup, int(hit.sum()), str(bad[0]), first


def same_file_verdict(stats: list[tuple[int, int, str | None, int]], n_rows: int, rep: InputReport, mapping) -> None:
    """More than 5 % of the file's rows sharing their number and disagreeing: exit 3.
    ``stats``: ``same_file_stats`` of the file's rows, whole or by share of numbers."""
    n_dup = sum(s[0] for s in stats)
    if n_dup <= SAME_FILE_SHARE * n_rows:
        return
    n = sum(s[1] for s in stats)
    if n > SAME_FILE_SHARE * n_rows and n >= SAME_FILE_MIN_ROWS:
        from .i18n import pct

        example = min((s for s in stats if s[2] is not None), key=lambda s: s[3])[2]
        col = mapping.by_field().get("dossier_id", [None])[0]
        raise DataError("duplicate_ids_in_file", path=rep.path, n=n, rows=n_rows, share=pct(n / n_rows, 1, "en"),
                        example=example[:40], column=col.header if col else "dossier_id")


def _row_key(raw, model) -> None:
    """A list with no dossier number, read with a profile that says so (``row_key``): each
    row is keyed by its file and row ("so-bao-cao.xls#12"), documented, never a column
    borrowed from another field; a dossier listed twice is then counted twice."""
    if model is not DossierRecord:
        return
    from .schema.headers import Source
    from .schema.models import spec_of

    label = "#"
    have = next((s for s in raw.mapping.sources if s.field == "dossier_id"), None)
    if have is not None and have.header != label:
        return
    stem = Path(raw.path).name
    if have is None:  # the first block of the file (blocks share the file's mapping)
        pos = max(len(raw.mapping.headers), *(s.column + 1 for s in raw.mapping.sources)) + 1000
        raw.mapping.sources.append(Source("dossier_id", pos, label, spec_of(model, "dossier_id").parser))
        raw.notes.append(Note("row_key", {"file": stem}))
    else:
        pos = have.column
    raw.frame[f"c{pos}"] = pd.Series([f"{stem}#{int(r)}" for r in raw.rows], index=raw.frame.index, dtype=object)


def _require(raw, model) -> None:
    missing = raw.mapping.missing_required()
    if "received_at" in missing and "submitted_at" in raw.mapping.fields:
        missing.remove("received_at")
    if not missing:
        return
    headers = [h for h in raw.mapping.headers if h]
    from .i18n import joined, msg

    lines = []
    for name in missing:
        near = nearest_headers(name, headers, model)
        spellings = ", ".join(next(f for f in field_specs(model) if f.name == name).headers.spellings[:4])
        lines.append(msg("dataset.missing_field_near", field=name, examples=spellings,
                         near=", ".join(repr(h) for h in near)) if near
                     else msg("dataset.missing_field", field=name, examples=spellings))
    first_near = nearest_headers(missing[0], headers, model)
    raise DataError("missing_required_columns", path=raw.path, fields=joined(lines), row=raw.layout.row + 1,
                    headers=", ".join(repr(h) for h in headers), field=missing[0],
                    header=first_near[0] if first_near else msg("dataset.header_placeholder"))


def read_one(f: Path, model: type[BaseModel], user: ColumnMap, sheet: str | None, kind: str,
             shown: str | None = None) -> tuple[ValidatedTable, InputReport]:
    """One file read, mapped (``user``: its profile's map or the user's) and validated, with
    its reading report — the same for every engine. Raises DataError when it cannot be read."""
    raw = read_table(f, model, user, sheet)
    if user.row_key:
        _row_key(raw, model)
    _require(raw, model)
    if user.profile:
        raw.notes.insert(0, Note("profile_used", {"profile": user.profile}))
    vt = validate_table(raw, model, user, consume=True)
    rep = InputReport(
        shown or shown_path(f), kind, rows=len(raw.frame) + len(raw.bad_rows), rejected=len(vt.rejected_rows),
        sheet=raw.sheet, encoding=raw.encoding, delimiter=raw.delimiter,
        header_row=raw.layout.row + 1, blank_rows=raw.blank_rows, totals_rows=raw.totals_rows,
        footer_rows=raw.footer_rows, notes=list(raw.notes),
        mapped={s.field: s.header for s in raw.mapping.sources},
    )
    # a channel that can tell postal from direct: its own column, or a profile's derivation
    # with a postal rule — never a yes/no "Trực tuyến" flag alone (online or "offline")
    if any(s.field == "channel" and (s.alt is None or s.alt.endswith(":postal")) for s in raw.mapping.sources):
        rep.derived.add("postal_channel")
    if kind == "dossiers":
        _same_file_ids(vt, rep)
    return vt, rep


def available_fields(inputs: list[InputReport]) -> set[str]:
    """The fields a data set has: those mapped in at least one of its files, the derived
    facts their mappings give, the receipt date when only a submission date is there, and
    the unit and level (from the file name and the unit's name when no column has them).
    Every engine decides "not computable" from this one set."""
    available = set().union(*(set(i.mapped) | set(i.derived) for i in inputs)) if inputs else set()
    if "received_at" not in available and "submitted_at" in available:
        available.add("received_at")
    return available | {"unit", "level"}


class _Files(list):
    """Files already expanded and sorted by kind (see ``load_inputs``)."""


def _fill_context(vt: ValidatedTable, rep: InputReport, path: Path, kind: str = "dossiers",
                  names: bool = False) -> None:
    """The unit (from the file name when no column has it), the level (from the unit's
    name), the receipt date from the submission date. ``names``: the level notes carry the
    unit names (``_names``) so that the notes of a file's blocks can be united."""
    fr = vt.frame
    m = vt.raw.mapping.fields
    if kind == "catalogue":
        return
    if "received_at" not in m and "submitted_at" in m:
        fr["received_at"] = fr["submitted_at"]
        rep.notes.append(Note("received_from_submitted"))
    if "unit" not in m:
        fr["unit"] = path.stem
        rep.notes.append(Note("unit_from_filename", {"unit": path.stem}))
    if "level" not in m or fr["level"].isna().any():
        units = fr["unit"]
        codes, uniques = pd.factorize(units)
        inferred = np.array([level_from_unit_name(u) for u in uniques] + [None], dtype=object)
        guess = pd.Series(inferred[codes], index=fr.index)
        if "level" in m:
            fr["level"] = fr["level"].where(fr["level"].notna(), guess)
        else:
            fr["level"] = guess
        names_ = [str(u) for u, lv in zip(uniques, inferred) if lv is not None]
        unknown = [str(u) for u, lv in zip(uniques, inferred) if lv is None]
        if names_:
            rep.notes.append(Note("level_inferred", {"units": len(names_), **({"_names": names_} if names else {})}))
        if unknown:
            rep.notes.append(Note("level_unknown", {"units": unknown[:10], "count": len(unknown),
                                                    **({"_names": unknown} if names else {})}))


def _dedupe(frame: pd.DataFrame, inputs: list[InputReport], key: tuple[str, ...] = ("dossier_id",)):
    if frame.empty:
        return frame, [], 0, {}
    if key == ("dossier_id",):
        ids = frame["dossier_id"]
    else:  # a composite key as one text column
        parts = [frame[k].astype("string").fillna("") if k in frame.columns else pd.Series("", index=frame.index) for k in key]
        ids = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]
    dup_mask = ids.duplicated(keep=False).to_numpy()
    if not dup_mask.any():
        return frame, [], 0, {}
    sub = frame.loc[dup_mask]
    data_cols = [c for c in sub.columns if not c.startswith("_") and not c.endswith("!")]
    status = sub["status"] if "status" in sub.columns else pd.Series(None, index=sub.index)
    ended = status.isin(list(RESOLVED_STATES | ENDED_UNRESOLVED_STATES)).to_numpy()
    filled = sub[data_cols].notna().sum(axis=1).to_numpy()
    order = pd.DataFrame({
        "id": ids[dup_mask].to_numpy(), "ended": ~ended, "filled": -filled,
        "file": sub["_file"].to_numpy(), "row": sub["_row"].to_numpy(), "pos": np.flatnonzero(dup_mask),
    }).sort_values(["id", "ended", "filled", "file", "row"], kind="stable")
    first = ~order["id"].duplicated(keep="first").to_numpy()
    drop_pos = order["pos"].to_numpy()[~first]
    dup_per_file = pd.Series(frame["_file"].to_numpy()[drop_pos]).value_counts().to_dict()

    # conflicts: copies that disagree on a field every export carries (a unit taken from a
    # file name, or a column one system lacks, is not a disagreement)
    common = set.intersection(*(set(i.mapped) for i in inputs)) if inputs else set()
    compare = [c for c in data_cols if c not in key and c in common]
    conflicts: list[Conflict] = []
    n_conflicts = 0
    grouped = sub[compare].astype(object).where(sub[compare].notna(), None)
    grouped["_key"] = ids[dup_mask].to_numpy()
    nun = grouped.groupby("_key", sort=False).nunique(dropna=False)
    differing = nun[(nun > 1).any(axis=1)]
    n_conflicts = len(differing)
    kept_pos = dict(zip(order["id"].to_numpy()[first], order["pos"].to_numpy()[first]))
    for did, row in differing.head(CONFLICT_EXAMPLES).iterrows():
        fields = [c for c in compare if row[c] > 1]
        members = order.loc[order["id"] == did]
        kp = kept_pos[did]
        kept = (inputs[int(frame["_file"].iat[kp])].path, int(frame["_row"].iat[kp]))
        others = [(inputs[int(f)].path, int(r)) for f, r, p in zip(members["file"], members["row"], members["pos"]) if p != kp]
        conflicts.append(Conflict(str(did).replace("\x1f", " · "), fields, kept, others))
    keep = np.ones(len(frame), dtype=bool)
    keep[drop_pos] = False
    return frame.loc[keep].reset_index(drop=True), conflicts, n_conflicts, dup_per_file


@dataclass
class Inputs:
    """Every input of a run, by kind."""

    dossiers: Dataset | None = None
    catalogue: Dataset | None = None
    documents: Dataset | None = None
    logbook: Dataset | None = None

    def all(self) -> list[Dataset]:
        return [d for d in (self.dossiers, self.catalogue, self.documents, self.logbook) if d is not None]

    @property
    def reports(self) -> list[InputReport]:
        return [i for d in self.all() for i in d.inputs]


def classify(f: Path, in_folder: bool, kind: str | None, user: ColumnMap, sheet: str | None):
    """What one file of the inputs is, the same for every engine: (input kind, the column map
    of its profile or None, None) — or (None, None, a Note) for a file found in a folder that
    holds no table cchc knows (listed, not read). A summary form named on its own is refused."""
    from .reading.kind import detect_kind, profile_for, what_table

    fmap = profile_for(f, user, sheet)
    if fmap is None and kind is None:
        if not in_folder and what_table(f, user, sheet) == "summary":
            raise DataError("summary_not_input", path=shown_path(f))
        if in_folder:
            what = what_table(f, user, sheet)
            if what != "table":
                return None, None, Note("skipped_summary" if what == "summary" else "skipped_no_header",
                                        {"path": shown_path(f)})
    return kind or detect_kind(f, fmap or user, sheet), fmap, None


@dataclass
class Plan:
    """Which files a run reads, by kind, with each file's profile map and what is skipped."""

    by_kind: dict[str, list[Path]]
    maps: dict[Path, ColumnMap]
    skipped: list[Note]

    def streamable(self) -> bool:
        """Dossier exports alone (no catalogue, register or logbook to join): the streaming
        engine computes them in bounded memory."""
        return bool(self.by_kind["dossiers"]) and not any(v for k, v in self.by_kind.items() if k != "dossiers")


def plan_inputs(
    paths: list[str | Path], *, catalogue: list[str | Path] | None = None, logbook: list[str | Path] | None = None,
    kind: str | None = None, columns: ColumnMap | None = None, sheet: str | None = None,
) -> Plan:
    """PATHs (each file's kind recognised by its header unless ``kind`` says), plus an
    explicit catalogue and logbook, sorted by kind; nothing is read yet."""
    user = columns if columns is not None else ColumnMap()
    by_kind: dict[str, list[Path]] = {k: [] for k in INPUT_KINDS}
    maps: dict[Path, ColumnMap] = {}
    seen: set[Path] = set()
    skipped: list[Note] = []
    for extra, k in ((catalogue, "catalogue"), (logbook, "logbook")):
        exp = expand_paths(extra) if extra else []
        skipped.extend(getattr(exp, "skipped", []))
        for f in exp:
            seen.add(f.resolve())
            by_kind[k].append(f)
    exp = expand_paths(paths)
    skipped.extend(exp.skipped)
    for f in exp:
        if f.resolve() in seen:  # given twice (in a directory and by option): read once
            continue
        seen.add(f.resolve())
        k, fmap, note = classify(f, f in exp.in_folder, kind, user, sheet)
        if note is not None:
            skipped.append(note)
            continue
        if fmap is not None:
            maps[f] = fmap
        by_kind[k].append(f)
    return Plan(by_kind, maps, skipped)


def load_inputs(
    paths: list[str | Path], *, catalogue: list[str | Path] | None = None, logbook: list[str | Path] | None = None,
    kind: str | None = None, columns: ColumnMap | None = None, sheet: str | None = None,
    on_file: Callable[[Path], None] | None = None, plan: Plan | None = None,
) -> Inputs:
    """Read PATHs (each file's kind recognised by its header unless ``kind`` says), plus an
    explicit catalogue and logbook. Files of one kind form one data set."""
    user = columns if columns is not None else ColumnMap()
    if plan is None:
        plan = plan_inputs(paths, catalogue=catalogue, logbook=logbook, kind=kind, columns=user, sheet=sheet)
    skipped = list(plan.skipped)
    out = Inputs()
    failed: list[tuple[Path, DataError]] = []
    for k, files in plan.by_kind.items():
        if files:
            try:
                setattr(out, k, load(_Files(files), kind=k, columns=user, sheet=sheet, on_file=on_file,
                                     maps=plan.maps, failed=failed))
            except DataError as e:
                if e.code != "no_usable_rows" or not failed:
                    raise
    _unreadable(failed, skipped)
    if out.dossiers is None and out.catalogue is None and out.documents is None:
        raise DataError("no_input_of_any_kind")
    _list_skipped(out.all()[0], skipped)
    return out


# --skip-unreadable: set for the run by the command line (a plain flag, not a context
# variable, so that diff's reading threads see it too)
SKIP_UNREADABLE = False
# `cchc validate`: a file whose every row is rejected still gives its per-row reasons
ALLOW_EMPTY = False


def _unreadable(failed: list[tuple[Path, DataError]], skipped: list[Note]) -> None:
    """Exports that could not be read: every one reported at once (exit 3), or, with
    --skip-unreadable, listed as skipped inputs with the reason."""
    if not failed:
        return
    from .i18n import joined, msg

    if SKIP_UNREADABLE:
        for f, e in failed:
            skipped.append(Note("skipped_unreadable", {"path": shown_path(f), "reason": msg(f"error.{e.code}", **e.params)}))
        return
    if len(failed) == 1:
        raise failed[0][1]
    raise DataError("unreadable_exports", n=len(failed),
                    files=joined([msg("unreadable_one", reason=msg(f"error.{e.code}", **e.params)) for _, e in failed]))


def _list_skipped(ds: Dataset, skipped: list[Note]) -> None:
    """Each file not read, as an input of its own (kind "skipped", no row) whose note says
    why: every output format lists the inputs."""
    first = ds.inputs[0] if ds.inputs else None
    for n in skipped:
        if n.code in _FOLDER_NOTES and first is not None:  # as before issue 11: a note of the run
            first.notes.append(n)
        else:
            ds.inputs.append(InputReport(str(n.params.get("path", "")), "skipped", notes=[n]))
        ds.notes.append(n)


# what a folder walk says of files that are no input at all (cchc's own reports, links):
# notes on the first file read; a file that could have been an export is a skipped input
_FOLDER_NOTES = ("skipped_own_report", "skipped_link_loop", "skipped_broken_link", "skipped_unreadable_folder")
