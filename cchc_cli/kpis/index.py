"""Measures of the QĐ 766 service index (issue 14), per dossier, summed by the one engine.

Each indicator's counts are measures ``ix.<measure>.num`` / ``ix.<measure>.den`` (0/1 per
dossier; ``ix.satisfaction.bad`` is 0–2). Counts of *procedures* (payment B and C, online
services 3.1/3.2) mark one dossier per procedure and pool group — the first dossier of that
procedure in the group — so that their sums are distinct-procedure counts of the group: a
pooled parent counts a procedure once however many of its units have it, as the portal does.
Points are formed only at the end, by ``cchc_cli.index``.

The state of a dossier (ended, pending, overdue…) comes from ``dossiers.states``, the same
rules as every other KPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dossiers import _bool, _col, states, unknown
from .period import Period

MEASURES = ("synced", "progress", "online_offered", "online_used", "online_share", "online_full",
            "pay_dossiers", "pay_procedures", "fee_data", "e_result", "digitised", "satisfaction")


@dataclass
class IndexContext:
    """What the index measures need besides the rows: the pool group (the ``--by`` keys of
    this aggregation), which distinct-procedure counts are taken in."""

    pool: tuple[str, ...] = ()
    has_catalogue_fee: bool = False
    has_paper_flag: bool = False
    extra: dict = field(default_factory=dict)


def _first_per_pool(frame: pd.DataFrame, mask: np.ndarray, pool: tuple[str, ...]) -> np.ndarray:
    """One True per (pool group, procedure) among the rows of ``mask``: its first row."""
    out = np.zeros(len(frame), dtype=bool)
    if not mask.any():
        return out
    keys = [k for k in pool if k in frame.columns] + ["ix_procedure"]
    sub = frame.loc[mask, keys].astype(object).where(frame.loc[mask, keys].notna(), "\x00none")
    first = ~sub.duplicated(keep="first").to_numpy()
    idx = np.flatnonzero(mask)
    out[idx[first]] = True
    return out


def fee_bearing(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Whether each dossier's procedure bears a fee, and the dossier's fee when known:
    the catalogue's flag (column ``ix_fee_bearing``) where there is one, else fee > 0."""
    fee_bad = unknown(df, "fee")
    fee = pd.to_numeric(_col(df, "fee"), errors="coerce").to_numpy(dtype=float)
    fee_known = ~fee_bad & ~np.isnan(fee)
    if "ix_fee_bearing" in df.columns:
        fb = df["ix_fee_bearing"].fillna(False).astype(bool).to_numpy()
    else:
        fb = fee_known & (np.nan_to_num(fee) > 0)
    return fb, np.where(fee_known, fee, np.nan)


def measures(df: pd.DataFrame, period: Period, ctx: IndexContext | None = None) -> dict[str, np.ndarray]:
    ctx = ctx or IndexContext()
    st = states(df, period)
    rec = st.rec
    m: dict[str, np.ndarray] = {}

    def put(name: str, num, den, distinct: bool = False, **exc):
        # a distinct-procedure numerator marks its own first row, not necessarily the den's
        m[f"ix.{name}.num"] = num if distinct else num & den
        m[f"ix.{name}.den"] = den
        for reason, mask in exc.items():
            m[f"ix.{name}.exc.{reason}"] = mask

    # 1.4 synced to the national portal: dossiers received
    sync_bad = unknown(df, "synced_national")
    put("synced", rec & _bool(df, "synced_national"), rec & ~sync_bad, synced_national=rec & sync_bad)

    # 2.1 handled early or on time: ended in the period (resolved, or refused / withdrawn /
    # stopped: the clock ends like a result) + pending at its end
    ended = st.resolved | st.ended_unres
    ended_timed = ended & st.fin_known & st.due_known
    ended_late = ended_timed & np.where(st.both_time, st.fin > st.due, st.fin_day > st.due_day)
    ended_ok = ended_timed & ~ended_late
    pend_timed = st.pending & st.due_known
    pend_ok = pend_timed & ~st.overdue
    put("progress", ended_ok | pend_ok, ended_timed | pend_timed,
        due_at=(ended | st.pending) & ~st.due_known, finished_at=ended & st.due_known & ~st.fin_known)
    m["ix.progress.late"] = ended_late
    m["ix.progress.overdue"] = st.overdue

    # online services
    channel = _col(df, "channel")
    ch_bad = unknown(df, "channel") | channel.isna().to_numpy(dtype=bool)
    online = (channel == "online").to_numpy(dtype=bool)
    sl = df["ix_service_level"] if "ix_service_level" in df.columns else pd.Series(None, index=df.index, dtype=object)
    sl_known = sl.notna().to_numpy(dtype=bool)
    offered = sl.isin(["full", "partial"]).to_numpy(dtype=bool)
    full = (sl == "full").to_numpy(dtype=bool)
    proc_known = df["ix_procedure"].notna().to_numpy(dtype=bool) if "ix_procedure" in df.columns \
        else np.zeros(len(df), dtype=bool)
    base = rec & proc_known & sl_known
    put("online_offered", _first_per_pool(df, base & offered, ctx.pool), _first_per_pool(df, base, ctx.pool),
        distinct=True)
    put("online_used", _first_per_pool(df, base & full & online & ~ch_bad, ctx.pool),
        _first_per_pool(df, base & full, ctx.pool), distinct=True)
    put("online_share", rec & online, rec & ~ch_bad, channel=rec & ch_bad)
    put("online_full", rec & full & online, rec & full & ~ch_bad, channel=rec & full & ch_bad)

    # online payment: A dossiers, B and C fee-bearing procedures
    fb, fee = fee_bearing(df)
    zero_fee = ~np.isnan(fee) & (np.nan_to_num(fee) == 0)
    paid = _bool(df, "online_payment")
    pay_bad = unknown(df, "online_payment")
    a_den = rec & fb & ~zero_fee
    put("pay_dossiers", a_den & paid, a_den & ~pay_bad, online_payment=a_den & pay_bad)
    fee_proc = rec & fb & proc_known
    put("pay_procedures", _first_per_pool(df, fee_proc & paid, ctx.pool), _first_per_pool(df, fee_proc, ctx.pool),
        distinct=True)
    has_fee = ~np.isnan(fee) & (np.nan_to_num(fee) > 0)
    put("fee_data", _first_per_pool(df, fee_proc & has_fee, ctx.pool), _first_per_pool(df, fee_proc, ctx.pool),
        distinct=True)

    # digitisation: 4.1 e-results of paper-result procedures (resolved in the period);
    # 4.2 digitised dossiers (received), with an e-result too for a paper-result procedure
    paper = df["ix_paper_result"].fillna(False).astype(bool).to_numpy() if "ix_paper_result" in df.columns \
        else np.zeros(len(df), dtype=bool)
    e_res = _bool(df, "digitised_result")
    er_bad = unknown(df, "digitised_result")
    put("e_result", st.resolved & paper & e_res, st.resolved & paper & ~er_bad,
        digitised_result=st.resolved & paper & er_bad)
    dig = _bool(df, "digitised_dossier")
    dig_ok = dig & (~paper | e_res)
    dd_bad = unknown(df, "digitised_dossier")
    put("digitised", rec & dig_ok, rec & ~dd_bad, digitised_dossier=rec & dd_bad)

    # 5.4: r = 1 − (overdue share + share with complaints or dissatisfied), over the dossiers
    # of 2.1 (ended in the period or pending at its end, with a due date)
    den = ended_timed | pend_timed
    sat = _col(df, "satisfaction")
    unhappy = _bool(df, "complaint") | (sat == "dissatisfied").to_numpy(dtype=bool)
    m["ix.satisfaction.den"] = den
    m["ix.satisfaction.bad"] = (den & (ended_late | st.overdue)).astype(np.int64) + (den & unhappy).astype(np.int64)
    return m
