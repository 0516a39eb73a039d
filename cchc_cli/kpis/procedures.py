"""Procedure KPIs: per-procedure 0/1 measures of a procedure catalogue, joined with the
period's dossiers for ``services_with_online_dossiers_rate``; and the catalogue's facts
(service level, time limit) looked up for each dossier."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..schema.text import fold
from .dossiers import unknown as _bad
from .period import Period


def folded(s: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(s)
    f = np.array([fold(u) for u in uniques] + [""], dtype=object)
    return f[codes]


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
        out["code_unit"] = set(zip(codes, folded(sub["unit"])))
    return out


def measures(cat: pd.DataFrame, period: Period, dossiers: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Per-procedure 0/1 measures; ``dossiers`` (the run's, or None) tell which full-online
    procedures had an online dossier received in ``period``."""
    used = online_procedures(dossiers, period)
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
    units = folded(cat["unit"]) if "unit" in cat.columns else np.array([""] * len(cat), dtype=object)
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
