"""A table already in memory as rows of Python values (JSON records, an HTML table) to a
``RawTable``: the same header detection, title rows, totals and footer rows as the
spreadsheet readers, the same notes."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from .layout import cell_text, find_layout
from .table import Note, RawTable, col, kept_positions, trim_tail

PREVIEW_ROWS = 5
PREVIEW_CELLS = 8
PREVIEW_CHARS = 24


def read_grid(path: str, grid: Sequence[Sequence[Any]], model: type[BaseModel], user: ColumnMap,
              fmt: str, notes: list[Note] | None = None, merged=None, first_row: int = 1) -> RawTable:
    """``first_row``: the number people see for ``grid[0]`` (1 for a sheet or an HTML table;
    JSON records are numbered from 2, under a header on row 1)."""
    from .csv import shown_path

    layout = find_layout(grid, model, user, merged)
    if layout is None:
        raise no_header_error(shown_path(path), grid, model, fmt)
    mapping = map_headers(layout.candidates, model, user)
    keep = kept_positions(mapping)
    body = grid[layout.data_start:]
    data = {col(i): pd.Series([r[i] if i < len(r) else None for r in body], dtype=object) for i in keep}
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(body)))
    rows = np.arange(len(body), dtype=np.int64) + layout.data_start + first_row
    raw = RawTable(str(path), frame, rows, layout, mapping, list(notes or []))
    return trim_tail(raw)


def masked(cells: list[str]) -> list[str]:
    """A row as it may be shown: a row that reads like a header (no digit in any cell) as it
    is; a row of data with every cell masked by its shape (personal data never shown)."""
    if not any(ch.isdigit() for c in cells for ch in c):
        return cells
    return ["▒" * min(len(c), 8) if c else "" for c in cells]


def preview(grid: Sequence[Sequence[Any]]) -> list[str]:
    """The first non-empty rows, each cell cut short, for a "header not found" message:
    what cchc saw where it looked for the header (rows of data masked)."""
    out = []
    for row in grid[:40]:
        cells = masked([cell_text(v) for v in row])
        if not any(cells):
            continue
        shown = []
        for c in cells[:PREVIEW_CELLS]:
            c = c.replace("\n", " ")
            shown.append(c if len(c) <= PREVIEW_CHARS else c[: PREVIEW_CHARS - 1] + "…")
        if len(cells) > PREVIEW_CELLS:
            shown.append("…")
        out.append(" | ".join(shown))
        if len(out) >= PREVIEW_ROWS:
            break
    return out


def nearest_labels(grid: Sequence[Sequence[Any]], model: type[BaseModel]) -> list[str]:
    """Known header spellings that the labels of the first rows come close to."""
    import difflib

    from ..schema.models import field_specs
    from ..schema.text import fold

    known = {fold(h): h for s in field_specs(model) for h in (s.name, *s.headers.spellings)}
    seen: list[str] = []
    for row in grid[:10]:
        for v in row:
            k = fold(cell_text(v))
            if not k or len(k) > 60:
                continue
            for m in difflib.get_close_matches(k, list(known), n=1, cutoff=0.7):
                label = f"'{cell_text(v)}' ≈ '{known[m]}'"
                if label not in seen:
                    seen.append(label)
    return seen[:6]


def no_header_error(path: str, grid, model, fmt: str) -> DataError:
    from ..i18n import msg
    from .sniff import FORMAT_NAMES

    rows = preview(grid)
    near = nearest_labels(grid, model)
    return DataError("header_not_found", path=path, format=FORMAT_NAMES.get(fmt, fmt),
                     rows="\n".join(f"    {r}" for r in rows) or msg("reading.nothing_seen"),
                     near=", ".join(near) or msg("reading.no_near_header"))
