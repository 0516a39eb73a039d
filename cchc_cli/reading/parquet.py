"""Parquet extracts: the column names are the header; row numbers count from 2, as if the
table were opened in a spreadsheet with its header on row 1."""

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

    p = str(path)
    try:
        pf = pq.ParquetFile(p)
    except Exception as e:
        raise DataError(f"{p}: không đọc được tệp Parquet ({type(e).__name__}: {e}).") from None
    names = list(pf.schema_arrow.names)
    cands = [[n] for n in names]
    mapping = map_headers(cands, model, user)
    if len(mapping.fields) < MIN_SCORE:
        raise DataError(f"{p}: không nhận ra cột nào của bảng hồ sơ trong tệp Parquet.")
    keep = kept_positions(mapping)
    try:
        table = pf.read(columns=[names[i] for i in keep])
    except Exception as e:  # pyarrow's messages may quote values: only the type is shown
        raise DataError(f"{p}: tệp Parquet bị hỏng, không đọc được ({type(e).__name__}).",
                        hint="Xuất lại tệp.") from None
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
    raise DataError(f"{p}: cột '{name}' có kiểu dữ liệu {t} — cchc chỉ đọc được chữ, số, ngày tháng và đúng/sai.",
                    hint="Xuất lại tệp với cột này ở dạng chữ hoặc ngày tháng.")
