"""Parquet extracts: the column names are the header; row numbers count from 2, as if the
table were opened in a spreadsheet with its header on row 1.

What the footer says is checked before any data is read: the number of rows against
``--max-rows`` (a file of a few hundred KB can hold millions of rows of one repeated value),
and column names spelt twice (which column would be read is anyone's guess)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from .layout import MIN_SCORE, Layout
from .table import RawTable, col, kept_positions, trim_tail


MIN_BYTES_PER_ROW = 1  # streamed files beyond the default row cap (see ``_open``)


def read_parquet(path: Path, model: type[BaseModel], user: ColumnMap) -> RawTable:
    from .limits import current

    p, pf, names, n_rows, layout, mapping, keep = _open(path, model, user, current().max_rows)
    try:
        table = pf.read(columns=[names[i] for i in keep])
    except Exception as e:  # pyarrow's messages may quote values: only the type is shown
        raise DataError("parquet_broken", path=p, type=type(e).__name__) from None
    frame = pd.DataFrame({col(i): _plain(table.column(names[i]), p, names[i]).to_pandas() for i in keep})
    for c in frame.columns:  # text columns as pyarrow-backed strings, like CSV
        if frame[c].dtype == object and frame[c].map(lambda v: v is None or isinstance(v, str)).all():
            frame[c] = frame[c].astype(pd.StringDtype("pyarrow"))
    rows = np.arange(len(frame), dtype=np.int64) + 2
    return trim_tail(RawTable(p, frame, rows, layout, mapping))


def _open(path: Path, model: type[BaseModel], user: ColumnMap, cap: int | None):
    """What the footer says, checked before any data is read: the file, its row count
    against ``cap`` (None: no cap), its column names; the header mapping."""
    import pyarrow.parquet as pq

    from .limits import Count

    p = str(path)
    try:
        pf = pq.ParquetFile(p)
        names = list(pf.schema_arrow.names)
        meta = pf.metadata
        n_rows = max(meta.num_rows, sum(meta.row_group(i).num_rows for i in range(meta.num_row_groups)))
    except Exception as e:  # the footer cannot be read: pyarrow's message names the problem, not a value
        raise DataError("parquet_unreadable", path=p, type=type(e).__name__, reason=str(e)[:200]) from None
    if cap is None:
        # streamed without --max-rows: rows cost no memory, but a file of a few hundred KB
        # declaring millions of rows (one value repeated: every row a copy of one dossier)
        # is a bomb for the de-duplication; beyond the default cap, a row must take a byte
        from .limits import current

        default = int(current().max_rows)
        if n_rows > default and path.stat().st_size < n_rows * MIN_BYTES_PER_ROW:
            cap = default
    if cap is not None and n_rows > cap:  # from the footer, before a single value is read
        raise DataError("table_too_many_rows", path=p, rows=Count(n_rows), limit=Count(cap), suggest=n_rows)
    from collections import Counter

    twice = sorted(n for n, k in Counter(names).items() if k > 1)
    if twice:
        raise DataError("parquet_duplicate_columns", path=p, names=", ".join(f"'{n}'" for n in twice[:10]))
    cands = [[n] for n in names]
    mapping = map_headers(cands, model, user)
    if len(mapping.fields) < MIN_SCORE:
        raise DataError("parquet_no_columns", path=p)
    layout = Layout(0, 1, cands, 1, False, len(mapping.fields))
    return p, pf, names, n_rows, layout, mapping, kept_positions(mapping)


def iter_parquet_blocks(path: Path, model: type[BaseModel], user: ColumnMap, block_rows: int = 250_000,
                        only: set[int] | None = None) -> Iterator[tuple[int, RawTable]]:
    """The file in blocks of whole row groups (grouped until a block has ``block_rows`` rows;
    a group of no rows joins the block before it): ``(index, RawTable)`` for blocks 0, 1, …,
    or only the blocks in ``only``. Each block has the layout, mapping, columns and dtypes of
    ``read_parquet``'s table and its row numbers; no ``trim_tail`` (the caller's, across
    blocks). The row count is checked against ``--max-rows`` only when the user set it."""
    import pyarrow as pa

    from .limits import current, stream_row_cap

    p, pf, names, n_rows, layout, mapping, keep = _open(path, model, user, stream_row_cap(current()))
    schema = pf.schema_arrow
    for i in keep:  # a nested or binary column is refused before any block is read
        _plain(pa.chunked_array([], type=schema.field(names[i]).type), p, names[i])
    meta = pf.metadata
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    blocks: list[list[int]] = [[]]
    rows_in = 0
    for g, n in enumerate(sizes):
        if rows_in >= block_rows and n > 0:
            blocks.append([])
            rows_in = 0
        blocks[-1].append(g)
        rows_in += n
    nulls = _null_counts(pf, [names[i] for i in keep], p)
    total = sum(sizes)
    first = 2
    for b, groups in enumerate(blocks):
        n = sum(sizes[g] for g in groups)
        if only is None or b in only:
            try:
                table = pf.read_row_groups(groups, columns=[names[i] for i in keep]) if groups \
                    else schema.empty_table().select([names[i] for i in keep])
            except Exception as e:  # pyarrow's messages may quote values: only the type is shown
                raise DataError("parquet_broken", path=p, type=type(e).__name__) from None
            frame = pd.DataFrame({col(i): _block_column(_plain(table.column(names[i]), p, names[i]),
                                                        nulls[names[i]], total) for i in keep})
            yield b, RawTable(p, frame, np.arange(n, dtype=np.int64) + first, layout, mapping)
        first += n


def _null_counts(pf, columns: list[str], p: str) -> dict[str, int]:
    """Nulls per column in the whole file, from the row groups' statistics (a column of a
    group without them is read alone): they decide a column's dtype as the whole reader
    gives it (integers with a null anywhere are floats, booleans objects; a column with no
    value at all is text)."""
    meta = pf.metadata
    out = dict.fromkeys(columns, 0)
    if not meta.num_row_groups:
        return out
    paths: dict[str, int | None] = {}
    rg0 = meta.row_group(0)
    for j in range(rg0.num_columns):
        path = rg0.column(j).path_in_schema
        paths[path] = None if path in paths else j
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        for name in columns:
            j = paths.get(name)
            st = rg.column(j).statistics if j is not None else None
            if st is not None and st.has_null_count:
                out[name] += st.null_count
            else:
                try:
                    out[name] += pf.read_row_group(g, columns=[name]).column(0).null_count
                except Exception as e:
                    raise DataError("parquet_broken", path=p, type=type(e).__name__) from None
    return out


def _block_column(column, nulls: int, n_rows: int) -> pd.Series:
    """One column of a block, with the dtype the whole file's column has in ``read_parquet``."""
    import pyarrow as pa

    s = column.to_pandas()
    t = column.type
    if s.dtype == object and (pa.types.is_string(t) or pa.types.is_large_string(t) or nulls == n_rows):
        # read_parquet's text columns: objects that are all text or None over the whole file
        # (a text column; a column with no value at all, which every block is too)
        s = s.astype(pd.StringDtype("pyarrow"))
    elif nulls:
        if pa.types.is_integer(t) and s.dtype != np.float64:
            s = s.astype(np.float64)
        elif pa.types.is_boolean(t) and s.dtype != object:
            s = s.astype(object)
    return s


def _plain(column, p: str, name: str):
    """A column as text, numbers, booleans or dates: dictionary-encoded columns decoded;
    nested (list, struct, map) and binary columns refused, naming the column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = column.type
    if pa.types.is_dictionary(t):
        column = pc.cast(column, t.value_type)
        t = t.value_type
    if pa.types.is_decimal(t):
        return pc.cast(column, pa.float64())
    if pa.types.is_large_string(t) or pa.types.is_string(t) or pa.types.is_integer(t) or pa.types.is_floating(t) \
            or pa.types.is_boolean(t) or pa.types.is_temporal(t) or pa.types.is_null(t):
        return column
    raise DataError("parquet_column_type", path=p, column=name, type=str(t))
