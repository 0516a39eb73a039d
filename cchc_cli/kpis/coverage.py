"""``software_coverage_rate``: the paper logbook's counts (unit, period, count) against the
dossiers the exports hold for the same unit and period (Ô Môn 2016: 28,634 of 30,717).

``lines`` turns the logbook into one row per line with its period's bounds, the dossiers
of the exports for it (numerator) and the logbook's count (denominator); ``measures``
takes the lines that fall inside a period. A line whose period cannot be read is reported
(``logbook_skipped``), never guessed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..schema.text import fold
from ..schema.vocab import level_from_unit_name
from .period import Period, parse_period
from .procedures import folded


def lines(book: pd.DataFrame, dossiers: pd.DataFrame | None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    rows, skipped = [], []
    units = folded(dossiers["unit"]) if dossiers is not None and "unit" in dossiers.columns else None
    rec = dossiers["received_at"] if dossiers is not None else None
    for _, r in book.iterrows():
        try:
            p = parse_period(str(r["period"]))
        except Exception:  # a period the logbook spells differently: reported, not guessed
            skipped.append({"unit": r["unit"], "period": r["period"], "reason": "period"})
            continue
        n = 0
        if units is not None:
            n = int(((units == fold(r["unit"])) & (rec >= p.start_ts).to_numpy() & (rec < p.end_ts).to_numpy()).sum())
        lv = r.get("level")
        rows.append({"unit": r["unit"], "level": lv if isinstance(lv, str) else level_from_unit_name(r["unit"]),
                     "start": p.start_ts, "end": p.end_ts, "in_exports": n, "in_logbook": int(r["count"])})
    cols = ["unit", "level", "start", "end", "in_exports", "in_logbook"]
    return pd.DataFrame(rows, columns=cols), skipped


def measures(frame: pd.DataFrame, period: Period) -> dict[str, np.ndarray]:
    inside = ((frame["start"] >= period.start_ts) & (frame["end"] <= period.end_ts)).to_numpy(dtype=bool)
    return {"software_coverage_rate.num": np.where(inside, frame["in_exports"].to_numpy(dtype=np.int64), 0),
            "software_coverage_rate.den": np.where(inside, frame["in_logbook"].to_numpy(dtype=np.int64), 0)}


def inside(frame: pd.DataFrame, period: Period) -> np.ndarray:
    return ((frame["start"] >= period.start_ts) & (frame["end"] <= period.end_ts)).to_numpy(dtype=bool)
