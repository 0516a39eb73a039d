"""Outgoing-document KPIs (văn bản đi): per-document 0/1 measures for a period."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dossiers import unknown as _bad
from .period import Period


def measures(doc: pd.DataFrame, period: Period) -> dict[str, np.ndarray]:
    at = doc["issued_at"]
    inp = ((at >= period.start_ts) & (at < period.end_ts)).to_numpy(dtype=bool)
    m: dict[str, np.ndarray] = {}
    sig_bad = _bad(doc, "signature")
    # a blank signature cell is "none": neither signed nor two layers
    sig = doc["signature"] if "signature" in doc.columns else pd.Series(None, index=doc.index, dtype=object)
    signed = sig.isin(["one", "two"]).to_numpy(dtype=bool)
    two = (sig == "two").to_numpy(dtype=bool)
    for code, num in (("signed_document_rate", signed), ("two_layer_signed_rate", two)):
        m[f"{code}.num"] = inp & num & ~sig_bad
        m[f"{code}.den"] = inp & ~sig_bad
        m[f"{code}.exc.signature"] = inp & sig_bad
    ic_bad = _bad(doc, "interconnect")
    ic = doc["interconnect"].fillna(False).astype(bool).to_numpy() if "interconnect" in doc.columns else np.zeros(len(doc), bool)
    m["interconnect_sent_rate.num"] = inp & ic & ~ic_bad
    m["interconnect_sent_rate.den"] = inp & ~ic_bad
    m["interconnect_sent_rate.exc.interconnect"] = inp & ic_bad
    return m
