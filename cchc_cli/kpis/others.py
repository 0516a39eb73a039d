"""KPIs of the other inputs, as sums of per-row measures like the dossier engine:
procedures (a catalogue, joined with the period's dossiers), outgoing documents, and the
paper logbook counts behind ``software_coverage_rate``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..schema.text import fold
from .dossiers import unknown as _bad
from .period import Period, parse_period

PROCEDURE_KPIS = ("online_service_rate", "full_online_service_rate", "full_online_eligible_rate",
                  "services_with_online_dossiers_rate")
DOCUMENT_KPIS = ("signed_document_rate", "two_layer_signed_rate", "interconnect_sent_rate")
PROCEDURE_KEYS = ("level", "unit", "field")
DOCUMENT_KEYS = ("unit", "level", "month")
COVERAGE_KEYS = ("unit", "level")


def _folded(s: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(s)
    f = np.array([fold(u) for u in uniques] + [""], dtype=object)
    return f[codes]


# ------------------------------------------------------------------ procedures


def online_procedures(dossiers: pd.DataFrame | None, period: Period) -> dict[str, set]:
    """Keys of procedures with at least one online dossier received in the period."""
    out: dict[str, set] = {"code": set(), "code_level": set(), "code_unit": set()}
    if dossiers is None or "procedure_code" not in dossiers.columns or "channel" not in dossiers.columns:
        return out
    rec = dossiers["received_at"]
    m = (rec >= period.start_ts) & (rec < period.end_ts) & (dossiers["channel"] == "online") & dossiers["procedure_code"].notna()
    sub = dossiers.loc[m]
    codes = sub["procedure_code"].astype(str).to_numpy()
    out["code"] = set(codes)
    if "level" in sub.columns:
        out["code_level"] = set(zip(codes, sub["level"].astype(object).to_numpy()))
    if "unit" in sub.columns:
        out["code_unit"] = set(zip(codes, _folded(sub["unit"])))
    return out


def procedure_measures(cat: pd.DataFrame, used: dict[str, set]) -> dict[str, np.ndarray]:
    sl = cat["service_level"]
    full = (sl == "full").to_numpy(dtype=bool)
    online = sl.isin(["full", "partial"]).to_numpy(dtype=bool)
    known = sl.notna().to_numpy(dtype=bool)
    m: dict[str, np.ndarray] = {}
    m["online_service_rate.num"] = online
    m["online_service_rate.den"] = known
    m["full_online_service_rate.num"] = full
    m["full_online_service_rate.den"] = known
    elig_bad = _bad(cat, "eligible_full_online")
    elig = cat["eligible_full_online"].fillna(False).astype(bool).to_numpy() if "eligible_full_online" in cat.columns else np.zeros(len(cat), bool)
    m["full_online_eligible_rate.num"] = elig & full & ~elig_bad
    m["full_online_eligible_rate.den"] = elig & ~elig_bad
    m["full_online_eligible_rate.exc.eligible_full_online"] = elig_bad
    codes = cat["procedure_code"].astype(str).to_numpy()
    has_unit = cat["unit"].notna().to_numpy(dtype=bool) if "unit" in cat.columns else np.zeros(len(cat), bool)
    units = _folded(cat["unit"]) if "unit" in cat.columns else np.array([""] * len(cat), dtype=object)
    levels = cat["level"].astype(object).to_numpy()
    hit = np.array([
        ((c, u) in used["code_unit"]) if hu else ((c, lv) in used["code_level"] if used["code_level"] else c in used["code"])
        for c, u, hu, lv in zip(codes, units, has_unit, levels)
    ], dtype=bool)
    m["services_with_online_dossiers_rate.num"] = full & hit
    m["services_with_online_dossiers_rate.den"] = full
    return m


def missing_from_catalogue(dossiers: pd.DataFrame, cat: pd.DataFrame, period: Period) -> list[dict[str, Any]]:
    """Procedure codes of the period's dossiers that the catalogue does not list, with counts."""
    if "procedure_code" not in dossiers.columns:
        return []
    rec = dossiers["received_at"]
    m = (rec >= period.start_ts) & (rec < period.end_ts) & dossiers["procedure_code"].notna()
    known = set(cat["procedure_code"].astype(str))
    codes = dossiers.loc[m, "procedure_code"].astype(str)
    missing = codes[~codes.isin(known)]
    counts = missing.value_counts()
    return [{"procedure_code": k, "dossiers": int(v)} for k, v in counts.items()]


def catalogue_lookup(dossiers: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    """The catalogue's service level and time limit for each dossier (by procedure code and,
    where both sides have one, level), as columns ``cat_service_level`` / ``cat_time_limit_days``."""
    out = pd.DataFrame(index=dossiers.index)
    if "procedure_code" not in dossiers.columns:
        out["cat_service_level"] = None
        out["cat_time_limit_days"] = np.nan
        return out
    c = cat[["procedure_code", "level", "service_level"] + (["time_limit_days"] if "time_limit_days" in cat.columns else [])].copy()
    c["procedure_code"] = c["procedure_code"].astype(str)
    by_code = c.drop_duplicates("procedure_code").set_index("procedure_code")
    by_code_level = c.drop_duplicates(["procedure_code", "level"]).set_index(["procedure_code", "level"])
    codes = dossiers["procedure_code"].astype(object).where(dossiers["procedure_code"].notna(), None)
    codes = codes.map(lambda v: None if v is None else str(v))
    levels = dossiers["level"] if "level" in dossiers.columns else pd.Series(None, index=dossiers.index)
    idx = pd.MultiIndex.from_arrays([codes, levels.astype(object)])
    sl = by_code_level["service_level"].reindex(idx).to_numpy(dtype=object)
    sl_code = by_code["service_level"].reindex(codes).to_numpy(dtype=object)
    sl = np.where(pd.isna(sl), sl_code, sl)
    out["cat_service_level"] = sl
    if "time_limit_days" in c.columns:
        tl = by_code_level["time_limit_days"].reindex(idx).to_numpy(dtype=float)
        tl_code = by_code["time_limit_days"].reindex(codes).to_numpy(dtype=float)
        out["cat_time_limit_days"] = np.where(np.isnan(tl), tl_code, tl)
    else:
        out["cat_time_limit_days"] = np.nan
    return out


# ------------------------------------------------------------------ documents


def document_measures(doc: pd.DataFrame, period: Period) -> dict[str, np.ndarray]:
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
    m["count.documents"] = inp
    return m


# ------------------------------------------------------------------ logbook coverage


def coverage_measures(book: pd.DataFrame, dossiers: pd.DataFrame | None, run: Period) -> tuple[pd.DataFrame, list[dict]]:
    """One row per logbook line inside the run period: the unit, the dossiers the exports
    have for it in that line's period (numerator) and the logbook count (denominator)."""
    rows, skipped = [], []
    units = _folded(dossiers["unit"]) if dossiers is not None and "unit" in dossiers.columns else None
    rec = dossiers["received_at"] if dossiers is not None else None
    for _, r in book.iterrows():
        try:
            p = parse_period(str(r["period"]))
        except Exception:  # a period the logbook spells differently: reported, not guessed
            skipped.append({"unit": r["unit"], "period": r["period"], "reason": "period"})
            continue
        if p.start < run.start or p.end > run.end:
            continue
        n = 0
        if units is not None:
            n = int(((units == fold(r["unit"])) & (rec >= p.start_ts).to_numpy() & (rec < p.end_ts).to_numpy()).sum())
        rows.append({"unit": r["unit"], "level": r.get("level"), "month": p.month_key(),
                     "software_coverage_rate.num": n, "software_coverage_rate.den": int(r["count"])})
    return pd.DataFrame(rows), skipped


def sum_groups(measures: dict[str, np.ndarray] | pd.DataFrame, keycols: dict[str, Any], keys: list[str]) -> pd.DataFrame:
    t = pd.DataFrame({k: np.asarray(v).astype(np.int64) for k, v in measures.items()}) if isinstance(measures, dict) else measures.copy()
    for k in keys:
        t[k] = np.asarray(keycols[k], dtype=object) if not isinstance(measures, pd.DataFrame) else t[k]
    if keys:
        return t.groupby(keys, dropna=False, sort=True).sum(numeric_only=True)
    return t.drop(columns=[c for c in t.columns if not c.endswith((".num", ".den")) and ".exc." not in c and not c.startswith("count.")],
                  errors="ignore").sum().to_frame().T
