"""CSV: one row per group and KPI (machine-readable, UTF-8 with BOM so Excel shows the
diacritics). Text cells are neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from .model import safe_text


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


def results_csv(results: list[dict], group_by: list[str], labels: dict[str, str]) -> str:
    header = list(group_by) + ["kpi", "label", "numerator", "denominator", "value", "excluded"]
    rows = []
    for r in results:
        g = r["group"]
        rows.append([g.get(k) for k in group_by] + [r["kpi"], labels.get(r["kpi"], ""), r["numerator"],
                     r["denominator"], "" if r["value"] is None else repr(r["value"]), r["excluded"]])
    return rows_to_csv(header, rows)
