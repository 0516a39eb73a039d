"""What every reader returns: the mapped columns of one table, with row numbers as the
user sees them in a spreadsheet, and notes on what was skipped and how the file was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..schema.headers import Mapping
from ..schema.models import field_specs
from ..schema.text import WS_CLASS
from .layout import Layout, is_totals_label


@dataclass
class Note:
    """Something the run says about a file: ``code`` keys the wording in i18n."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawTable:
    path: str
    frame: pd.DataFrame  # one column per mapped (or STT) position, named "c<position>"
    rows: np.ndarray  # spreadsheet row number of each frame row
    layout: Layout
    mapping: Mapping
    notes: list[Note] = field(default_factory=list)
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    blank_rows: int = 0
    totals_rows: list[int] = field(default_factory=list)
    footer_rows: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, reason) rejected by shape
    trimmed: bool = False  # trim_tail has run (blank, totals and footer rows dropped)

    def column(self, position: int) -> pd.Series:
        return self.frame[f"c{position}"]


_TOTALS_RX = r"(?i)^\s*(t[ổôo]ng|c[ộôo]ng|total|grand)"


def col(position: int) -> str:
    return f"c{position}"


def kept_positions(mapping: Mapping) -> list[int]:
    """Columns worth keeping: mapped ones and STT-like ones (never personal data)."""
    return sorted({s.column for s in mapping.sources} | set(mapping.ignored))


def _id_of(t: RawTable) -> tuple[str | None, list[int]]:
    """The row's id: the model's first required field (dossier_id, procedure_code of a
    catalogue, document_id), never the procedure code column of a dossier export; and the
    positions of the columns mapped to it."""
    id_field = next((s.name for s in field_specs(t.mapping.model) if s.required), None)
    return id_field, [s.column for s in t.mapping.sources if s.field == id_field]


def row_marks(t: RawTable) -> tuple[np.ndarray, np.ndarray]:
    """Which rows are blank and which are totals rows ("Tổng cộng": the first non-blank
    cell reads as a totals label). Only rows whose id cell is blank or reads like "Tổng …"
    (or whose first cell does) can be either, so the whole-row checks run on those few."""
    f = t.frame
    n = len(f)
    _, id_positions = _id_of(t)
    if id_positions:
        ids = f[col(id_positions[0])]
        cand = _matches(ids, _BLANK_RX, null=True) | _matches(ids, _TOTALS_RX)
        if f.columns[0] != col(id_positions[0]):  # "Tổng cộng" in the STT column
            cand |= _matches(f[f.columns[0]], _TOTALS_RX)
    else:
        cand = np.ones(n, dtype=bool)
    idx = np.flatnonzero(cand)
    blank = np.zeros(n, dtype=bool)
    totals = np.zeros(n, dtype=bool)
    if len(idx):
        cells = f.iloc[idx].to_numpy(dtype=object)
        blank[idx] = np.array([all(_blank(v) for v in row) for row in cells], dtype=bool)
        first = [next((v for v in row if not _blank(v)), None) for row in cells]
        totals[idx] = np.array([v is not None and is_totals_label(v) for v in first], dtype=bool)
    return blank, totals


def trim_tail(t: RawTable, after_totals: bool = False, marks: tuple | None = None) -> RawTable:
    """Drop blank rows (counted), totals rows ("Tổng cộng") and the footer below the last
    one (signatures, "Người lập biểu", place and date), which are not dossiers; each is
    reported.

    Blank and totals rows are found by ``row_marks``. Below the last totals row, a row is
    footer when its id cell is blank or when every other required field is blank (a
    signature line written in the id column); a row there that still looks like a dossier
    is kept, so a totals row printed above the details cannot swallow them.

    ``after_totals``: the table is the part of a file read in blocks that follows a totals
    row of an earlier block (and no totals row of its own): every row of it is below it.
    ``marks``: ``row_marks(t)`` when the caller has them already."""
    t.trimmed = True
    f = t.frame
    if f.empty:
        return t
    specs = field_specs(t.mapping.model)
    _, id_positions = _id_of(t)
    n = len(f)
    blank, totals = row_marks(t) if marks is None else (marks[0].copy(), marks[1])
    footer = np.zeros(n, dtype=bool)
    if totals.any() or after_totals:
        last_total = int(np.flatnonzero(totals)[-1]) if totals.any() else -1
        below = slice(last_total + 1, n)
        cell_blank = _blank_cells(f.iloc[below])
        row_blank = cell_blank.all(axis=1) if cell_blank.shape[1] else np.ones(cell_blank.shape[0], dtype=bool)
        if id_positions:
            id_at = f.columns.get_loc(col(id_positions[0]))
            required = {s.name for s in specs if s.required}
            others = [f.columns.get_loc(col(s.column)) for s in t.mapping.sources
                      if s.field in required and s.column != id_positions[0]]
            no_id = cell_blank[:, id_at]
            no_other = cell_blank[:, others].all(axis=1) if others else np.ones(len(no_id), dtype=bool)
            not_dossier = no_id | no_other
        else:
            not_dossier = np.ones(cell_blank.shape[0], dtype=bool)
        blank[below] = row_blank
        footer[below] = ~row_blank & ~totals[below] & not_dossier
    drop = blank | totals | footer
    t.blank_rows = int(blank.sum())
    t.totals_rows = [int(r) for r in t.rows[totals]]
    t.footer_rows = int(footer.sum())
    if drop.any():
        keep = ~drop
        t.frame = f.loc[keep].reset_index(drop=True)
        t.rows = t.rows[keep]
    return t


_BLANK_RX = "^" + WS_CLASS + "*$"


def _matches(s: pd.Series, pattern: str, null: bool = False) -> np.ndarray:
    """RE2 match over a column, in pyarrow (case-insensitive); nulls give ``null``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        arr = pa.array(s.array)
    else:
        arr = pa.array([v if isinstance(v, str) else (None if _blank(v) else str(v)) for v in s.to_numpy(dtype=object)],
                       type=pa.large_string())
    hit = pc.match_substring_regex(arr, pattern, ignore_case=True)
    return hit.fill_null(null).to_numpy(zero_copy_only=False).astype(bool)


def _blank_cells(f: pd.DataFrame) -> np.ndarray:
    """(rows, columns) mask of blank cells, a column at a time."""
    out = np.zeros(f.shape, dtype=bool)
    for j, c in enumerate(f.columns):
        s = f[c]
        if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            out[:, j] = (s.isna() | s.str.strip().eq("")).to_numpy(dtype=bool, na_value=True)
        else:
            out[:, j] = np.fromiter((_blank(v) for v in s.to_numpy(dtype=object)), dtype=bool, count=len(s))
    return out


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, float):
        return v != v
    return v is pd.NA or v is pd.NaT
