"""CSV: one row per group and KPI (machine-readable, UTF-8 with BOM so Excel shows the
diacritics). Text cells are neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from ..model import safe_text


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, str):
        return safe_text(v)
    if isinstance(v, bool) or v is None or isinstance(v, (int, float)):
        return v
    return safe_text(str(v))  # anything else as text, neutralised like text


def rows_to_csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_cell(h) for h in header])
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return "\ufeff" + buf.getvalue()


def table_rows(tb) -> tuple[list[str], list[list[Any]]]:
    """A neutral table as CSV rows: percentages as ratios, styled cells as their text."""
    from ..model import Pct, Styled

    def cell(v: Any) -> Any:
        if isinstance(v, Pct):
            return "" if v.value is None else repr(v.value)
        if isinstance(v, Styled):
            return v.text
        return v

    return list(tb.columns), [[cell(v) for v in row] for row in tb.rows]
