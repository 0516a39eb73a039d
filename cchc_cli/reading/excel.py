"""XLSX/XLS through python-calamine: cells keep their types (native dates stay dates,
numbers stay numbers), merged header cells are known, row numbers are the sheet's own.

python-calamine never runs in this process (``isolated``): the workbook is inspected first
(``limits.inspect_workbook``: what its own metadata says the parse will lay out, across all
its sheets), then parsed once, whole, in a child process with a memory and a time limit,
and its sheets come back as grids of Python cells."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from .layout import find_layout, no_header_hint
from .table import Note, RawTable, col, kept_positions, trim_tail


# The workbooks most recently read (kind detection reads one, the reader uses it next, in
# whatever thread: the streaming engine reads ahead in a thread of its own): the last two,
# so that diff's two sides each keep theirs, memory stays bounded, and each is dropped once
# read. A file that failed keeps its error, so it is not parsed twice.
_LAST: dict[tuple, dict] = {}
_LAST_LOCK = threading.Lock()
_KEEP = 2


def _remember(k: tuple, entry: dict) -> None:
    with _LAST_LOCK:
        _LAST.pop(k, None)
        while len(_LAST) >= _KEEP:
            _LAST.pop(next(iter(_LAST)))
        _LAST[k] = entry


def _recall(k: tuple) -> dict | None:
    with _LAST_LOCK:
        return _LAST.get(k)


def _key(path: Path) -> tuple:
    from . import limits

    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size, limits.current())


class _Book:
    """The sheet names of a parsed workbook (what kind detection asks of it)."""

    def __init__(self, names: list[str]):
        self.sheet_names = names


class _Sheet:
    """One parsed sheet: its grid laid out from A1 and its merged ranges, with the two
    methods of a calamine sheet the readers use."""

    def __init__(self, grid: list[list], merged, columns: list[list] | None = None):
        self.grid = grid
        self.merged_cell_ranges = merged
        self.columns = columns  # the grid a column at a time, when the child's rows were even

    def to_python(self, skip_empty_area: bool = False, nrows: int | None = None) -> list[list]:
        return self.grid if nrows is None else self.grid[:nrows]


def open_workbook(path: Path) -> dict:
    """The checked, parsed workbook of ``path`` (checks and parse run once per file):
    ``{"wb": <sheet_names>, "sheets": {name: <sheet>}}``. Raises ``DataError``."""
    from . import limits
    from .isolated import read_workbook

    k = _key(path)
    entry = _recall(k)
    if entry is None:
        try:
            shape = limits.inspect_workbook(path)
            memory, seconds = limits.parse_budget(shape)
            wb = read_workbook(path, memory, seconds)
            entry = {"wb": _Book(wb.names),
                     "sheets": {n: _Sheet(wb.grids[n], wb.merged.get(n), wb.columns.get(n))
                                for n in wb.names if n in wb.grids}}
        except DataError as e:
            entry = {"error": e}
        except FileNotFoundError:
            entry = {"error": DataError("file_vanished", path=str(path))}
        except OSError as e:
            entry = {"error": DataError("file_unreadable_os", path=str(path), reason=e.strerror or type(e).__name__)}
        _remember(k, entry)
    if "error" in entry:
        raise entry["error"]
    return entry


def sheet_of(entry: dict, name: str):
    ws = entry["sheets"].get(name)
    if ws is None:  # pragma: no cover - every listed sheet is read
        ws = entry["sheets"][name] = _Sheet([], None)
    return ws


def forget(path: Path) -> None:
    name = str(path.resolve())
    with _LAST_LOCK:
        for k in [k for k in _LAST if k[0] == name]:
            del _LAST[k]


def _object_series(cells: list, start: int) -> pd.Series:
    """The cells of one column below ``start``, as Python objects (no inference)."""
    values = np.empty(max(len(cells) - start, 0), dtype=object)
    values[:] = cells[start:]
    return pd.Series(values, dtype=object, copy=False)


def _text_as_arrow(raw: RawTable) -> RawTable:
    """A column read as text (ids, units, procedures) whose every cell is a Python ``str``
    becomes Arrow-backed text, as a CSV's: the steps after reading (invisible characters,
    limits, the text parser) then run in pyarrow, not cell by cell. Columns of mixed cells
    (a number among the ids, a date) stay Python objects and are read as before."""
    import pyarrow as pa

    kinds: dict[int, set] = {}
    for s in raw.mapping.sources:
        kinds.setdefault(s.column, set()).add(s.parser.kind)
    for pos, k in kinds.items():
        name = col(pos)
        if k != {"text"} or name not in raw.frame.columns:
            continue
        s = raw.frame[name]
        if s.dtype != object or s.empty:
            continue
        vals = s.to_numpy(dtype=object)
        if not (np.fromiter(map(type, vals), dtype=object, count=len(vals)) == str).all():
            continue
        arr = pa.array(vals, type=pa.large_string())
        raw.frame[name] = pd.Series(pd.array(arr, dtype=pd.StringDtype("pyarrow")), index=s.index)
    return raw


def read_excel(path: Path, model: type[BaseModel], user: ColumnMap, sheet: str | None = None) -> RawTable:
    p = str(path)
    try:
        entry = open_workbook(path)
    except FileNotFoundError:
        raise DataError("file_vanished", path=p) from None
    wb = entry["wb"]
    names = wb.sheet_names
    if sheet is not None:
        chosen = [sheet] if sheet in names else (
            [names[int(sheet) - 1]] if sheet.isdigit() and 0 < int(sheet) <= len(names) else None
        )
        if not chosen:
            raise DataError("sheet_missing", path=p, sheet=sheet, names=", ".join(names))
    else:
        chosen = names
    for name in chosen:
        ws = sheet_of(entry, name)
        grid = ws.to_python(skip_empty_area=False)
        if not grid:
            continue
        merged = ws.merged_cell_ranges
        layout = find_layout(grid, model, user, merged)
        if layout is None:
            continue
        mapping = map_headers(layout.candidates, model, user)
        keep = kept_positions(mapping)
        start = layout.data_start
        n = max(len(grid) - start, 0)
        columns = ws.columns
        data = {}
        for i in keep:
            if columns is not None and i < len(columns):
                data[col(i)] = _object_series(columns[i], start)
            elif columns is not None:  # past the sheet's last column: blank
                data[col(i)] = pd.Series([None] * n, dtype=object)
            else:
                data[col(i)] = pd.Series([r[i] if i < len(r) else None for r in grid[start:]], dtype=object)
        frame = pd.DataFrame(data)
        rows = np.arange(n, dtype=np.int64) + start + 1
        notes = [Note("sheet", {"sheet": name})] if len(names) > 1 else []
        raw = RawTable(p, frame, rows, layout, mapping, notes, sheet=name)
        forget(path)  # the parsed workbook is no longer needed
        return _text_as_arrow(trim_tail(raw))
    if sheet:
        raise DataError("sheet_no_header", path=p, sheet=sheet, hint=no_header_hint(model))
    raise DataError("sheets_no_header", path=p, names=", ".join(names), hint=no_header_hint(model))
