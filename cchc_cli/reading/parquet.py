"""Parquet extracts: the column names are the header; row numbers count from 2, as if the
table were opened in a spreadsheet with its header on row 1.

What the footer says is checked before any data is read: the number of rows against
``--max-rows`` (a file of a few hundred KB can hold millions of rows of one repeated value),
and column names spelt twice (which column would be read is anyone's guess)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from .layout import MIN_SCORE, Layout
from .table import RawTable, col, kept_positions, trim_tail


def read_parquet(path: Path, model: type[BaseModel], user: ColumnMap) -> RawTable:
    import pyarrow.parquet as pq

    from .limits import Count, current

    p = str(path)
    try:
        pf = pq.ParquetFile(p)
        names = list(pf.schema_arrow.names)
        meta = pf.metadata
        n_rows = max(meta.num_rows, sum(meta.row_group(i).num_rows for i in range(meta.num_row_groups)))
    except Exception as e:  # the footer cannot be read: pyarrow's message names the problem, not a value
        raise DataError("parquet_unreadable", path=p, type=type(e).__name__, reason=str(e)[:200]) from None
    limits = current()
    if n_rows > limits.max_rows:  # from the footer, before a single value is read
        raise DataError("table_too_many_rows", path=p, rows=Count(n_rows), limit=Count(limits.max_rows),
                        suggest=n_rows)
    from collections import Counter

    twice = sorted(n for n, k in Counter(names).items() if k > 1)
    if twice:
        raise DataError("parquet_duplicate_columns", path=p, names=", ".join(f"'{n}'" for n in twice[:10]))
    cands = [[n] for n in names]
    mapping = map_headers(cands, model, user)
    if len(mapping.fields) < MIN_SCORE:
        raise DataError("parquet_no_columns", path=p)
    keep = kept_positions(mapping)
    try:
        table = pf.read(columns=[names[i] for i in keep])
    except Exception as e:  # pyarrow's messages may quote values: only the type is shown
        raise DataError("parquet_broken", path=p, type=type(e).__name__) from None
    frame = pd.DataFrame({col(i): _plain(table.column(names[i]), p, names[i]).to_pandas() for i in keep})
    for c in frame.columns:  # text columns as pyarrow-backed strings, like CSV
        if frame[c].dtype == object and frame[c].map(lambda v: v is None or isinstance(v, str)).all():
            frame[c] = frame[c].astype(pd.StringDtype("pyarrow"))
    layout = Layout(0, 1, cands, 1, False, len(mapping.fields))
    rows = np.arange(len(frame), dtype=np.int64) + 2
    return trim_tail(RawTable(p, frame, rows, layout, mapping))


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
