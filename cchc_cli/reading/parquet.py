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
    table = pf.read(columns=[names[i] for i in keep])
    frame = pd.DataFrame({col(i): table.column(names[i]).to_pandas() for i in keep})
    for c in frame.columns:  # text columns as pyarrow-backed strings, like CSV
        if frame[c].dtype == object and frame[c].map(lambda v: v is None or isinstance(v, str)).all():
            frame[c] = frame[c].astype(pd.StringDtype("pyarrow"))
    layout = Layout(0, 1, cands, 1, False, len(mapping.fields))
    rows = np.arange(len(frame), dtype=np.int64) + 2
    return trim_tail(RawTable(p, frame, rows, layout, mapping))
