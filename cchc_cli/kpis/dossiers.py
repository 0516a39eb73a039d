"""Dossier KPIs and the monthly report counts, as sums of per-dossier boolean measures.

``measures(frame, period)`` turns every dossier into 0/1 columns: for each KPI its
numerator (``<code>.num``), denominator (``<code>.den``) and exclusions with their reason
(``<code>.exc.<field>``), and the counts of the report form. The one engine
(``kpis.aggregate``) sums them per group; a ratio is only formed at the very end.

State rules (kpis.md "Period and dossier states"), with the decisions the spec leaves open
(docs/decisions.md):
- the state comes from ``status``; without one (no column, or a blank cell) a dossier with
  a finish date is resolved and one without is being processed;
- an unknown status label makes the state unknown: the dossier stays in the received-based
  KPIs and leaves the state-based ones, counted as excluded;
- a dossier that ended (resolved, returned, withdrawn, stopped, refused) without a finish
  date is taken to have ended in the period it was received in, so it counts once whatever
  the periods asked;
- comparisons use the time of day only when both dates carry one (00:00 = no time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from ..schema.vocab import ENDED_UNRESOLVED_STATES, RESOLVED_STATES
from ..validate import invalid_col
from .period import Period

COUNT_KEYS: tuple[str, ...] = (
    "received", "carried_over", "new", "new_direct", "new_online", "new_postal", "new_other_channel",
    "resolved", "resolved_early", "resolved_on_day", "resolved_late", "resolved_no_due",
    "pending", "pending_within_due", "pending_overdue", "pending_no_due",
    "withdrawn_stopped_refused", "unknown_state",
)

# measured only when the dossiers' time limits are known (see ``Statutory``)
CALENDAR_KPIS = ("appointment_within_limit_rate", "statutory_on_time_rate")


def unknown(df: pd.DataFrame, name: str) -> np.ndarray:
    """Rows whose ``name`` is unknown: unreadable, or a column their file does not have."""
    c = invalid_col(name)
    if c in df.columns:
        return df[c].fillna(True).to_numpy(dtype=bool)
    if name not in df.columns:
        return np.ones(len(df), dtype=bool)
    return np.zeros(len(df), dtype=bool)


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _dates(df: pd.DataFrame, name: str) -> np.ndarray:
    """datetime64[ns] as int64 nanoseconds, NaT as the minimum int."""
    if name not in df.columns:
        return np.full(len(df), np.iinfo(np.int64).min, dtype=np.int64)
    s = df[name]
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s)
    return s.to_numpy(dtype="datetime64[ns]").astype(np.int64)


_NAT = np.iinfo(np.int64).min
_DAY = 86_400_000_000_000


def _bool(df: pd.DataFrame, name: str) -> np.ndarray:
    s = _col(df, name)
    return s.fillna(False).astype(bool).to_numpy()


def _isin(s: pd.Series, values: Iterable[str]) -> np.ndarray:
    return s.isin(list(values)).to_numpy(dtype=bool)


@dataclass
class Statutory:
    """Each dossier's statutory due date (days since 1970-01-01; -1 when unknown) and
    whether its time limit is known: computed once per data set by the calendar."""

    day: np.ndarray
    limit_known: np.ndarray


@dataclass
class States:
    """Each dossier's state for a period (kpis.md "Period and dossier states"): the masks
    every measure set (the KPIs here, the QĐ 766 index in ``kpis.index``) is drawn from."""

    rec: np.ndarray  # received in the period
    in_run: np.ndarray
    resolved: np.ndarray  # resolved in the period
    ended_unres: np.ndarray  # refused, withdrawn or stopped in the period
    pending: np.ndarray  # still pending at the end of the period
    state_unknown: np.ndarray
    fin: np.ndarray
    due: np.ndarray
    fin_known: np.ndarray
    due_known: np.ndarray
    due_bad: np.ndarray
    fin_day: np.ndarray
    due_day: np.ndarray
    rec_day: np.ndarray
    both_time: np.ndarray
    timed: np.ndarray
    late: np.ndarray
    on_time: np.ndarray
    early: np.ndarray
    on_day: np.ndarray
    overdue: np.ndarray  # pending past its due date at the end of the period
    rec_at: np.ndarray
    F: np.int64
    T: np.int64


def states(df: pd.DataFrame, period: Period) -> States:
    """The state masks of every dossier of ``df`` for ``period``."""
    n = len(df)
    F = np.int64(period.start_ts.value)
    T = np.int64(period.end_ts.value)

    rec_at = _dates(df, "received_at")
    fin = _dates(df, "finished_at")
    due = _dates(df, "due_at")
    fin_known = (fin != _NAT) & ~unknown(df, "finished_at")
    due_known = (due != _NAT) & ~unknown(df, "due_at")
    due_bad = unknown(df, "due_at")

    rec = (rec_at >= F) & (rec_at < T)
    before_T = rec_at < T

    status = _col(df, "status")
    status_known = status.notna().to_numpy(dtype=bool)
    # an unknown label (never an absent column or a blank cell: those are inferred)
    sc = invalid_col("status")
    state_unknown = df[sc].fillna(False).to_numpy(dtype=bool) if sc in df.columns else np.zeros(n, dtype=bool)
    # without a status, the finish date tells resolved from pending
    is_res = np.where(status_known, _isin(status, RESOLVED_STATES), fin_known & ~state_unknown)
    is_endun = status_known & _isin(status, ENDED_UNRESOLVED_STATES)
    terminal = is_res | is_endun

    end_after = fin_known & (fin >= T)
    end_before = ~rec & before_T & ((fin_known & (fin < F)) | ~fin_known)
    end_in = terminal & ~end_after & ~end_before & before_T

    unknown_in = state_unknown & (rec | ((rec_at < F) & (~fin_known | (fin >= F))))
    in_run = before_T & ~state_unknown & ~(terminal & end_before) | unknown_in
    resolved = in_run & is_res & end_in
    ended_unres = in_run & is_endun & end_in
    pending = in_run & ~state_unknown & ~(terminal & end_in)

    # timeliness: times of day count only when both dates carry one
    fin_day = np.where(fin_known, fin // _DAY, 0)
    due_day = np.where(due_known, due // _DAY, 0)
    rec_day = rec_at // _DAY
    both_time = (fin % _DAY != 0) & (due % _DAY != 0)
    timed = resolved & fin_known & due_known
    late = timed & np.where(both_time, fin > due, fin_day > due_day)
    on_time = timed & ~late
    early = on_time & (fin_day < due_day)
    on_day = on_time & (fin_day == due_day)
    overdue = pending & due_known & (due < T)

    return States(rec, in_run, resolved, ended_unres, pending, state_unknown, fin, due, fin_known, due_known,
                  due_bad, fin_day, due_day, rec_day, both_time, timed, late, on_time, early, on_day, overdue,
                  rec_at, F, T)


def measures(df: pd.DataFrame, period: Period, full_online: np.ndarray | None = None,
             full_online_unknown: np.ndarray | None = None, statutory: Statutory | None = None) -> dict[str, np.ndarray]:
    """Per-dossier 0/1 measures for ``period``. ``full_online`` (and its unknown mask) may
    come from a procedure catalogue; otherwise from the dossier's own ``service_level``.
    With ``statutory``, the two calendar KPIs are measured too."""
    st = states(df, period)
    n = len(df)
    F, T = st.F, st.T
    rec, in_run, resolved, ended_unres, pending, state_unknown = (
        st.rec, st.in_run, st.resolved, st.ended_unres, st.pending, st.state_unknown)
    fin, due, fin_known, due_known, due_bad = st.fin, st.due, st.fin_known, st.due_known, st.due_bad
    fin_day, due_day, rec_day, timed, late, on_time, early, on_day, overdue = (
        st.fin_day, st.due_day, st.rec_day, st.timed, st.late, st.on_time, st.early, st.on_day, st.overdue)
    rec_at = st.rec_at

    m: dict[str, np.ndarray] = {}

    def kpi(code: str, num, den, **exc):
        m[f"{code}.num"] = num & den
        m[f"{code}.den"] = den
        for reason, mask in exc.items():
            m[f"{code}.exc.{reason}"] = mask

    channel = _col(df, "channel")
    ch_bad = unknown(df, "channel") | channel.isna().to_numpy(dtype=bool)
    online = (channel == "online").to_numpy(dtype=bool)
    postal = (channel == "postal").to_numpy(dtype=bool)
    offline = (channel == "offline").to_numpy(dtype=bool)
    kpi("online_rate", rec & online, rec & ~ch_bad, channel=rec & ch_bad)
    kpi("postal_rate", rec & postal, rec & ~ch_bad & ~offline, channel=rec & (ch_bad | offline))

    if full_online is None:
        sl = _col(df, "service_level")
        full_online = (sl == "full").to_numpy(dtype=bool)
        full_online_unknown = unknown(df, "service_level") | sl.isna().to_numpy(dtype=bool)
    assert full_online_unknown is not None
    kpi("full_online_dossier_rate", rec & online, rec & full_online & ~full_online_unknown & ~ch_bad,
        service_level=rec & full_online_unknown, channel=rec & full_online & ~full_online_unknown & ch_bad)

    kpi("on_time_rate", on_time, timed,
        finished_at=resolved & ~fin_known, due_at=resolved & fin_known & ~due_known)
    kpi("same_day_rate", resolved & fin_known & (fin_day == rec_day), resolved & fin_known,
        finished_at=resolved & ~fin_known)
    kpi("overdue_pending_rate", overdue, pending & due_known, due_at=pending & ~due_known)
    kpi("appointment_slip_rate", rec & due_known, rec & ~due_bad, due_at=rec & due_bad)

    apo_bad = unknown(df, "apology_letter")
    kpi("apology_rate", late & _bool(df, "apology_letter"), late & ~apo_bad, apology_letter=late & apo_bad)

    fee_bad = unknown(df, "fee")
    fee = pd.to_numeric(_col(df, "fee"), errors="coerce").fillna(0).to_numpy(dtype=float)
    paid_fee = rec & ~fee_bad & (fee > 0)
    pay_bad = unknown(df, "online_payment")
    kpi("online_payment_rate", paid_fee & _bool(df, "online_payment"), paid_fee & ~pay_bad,
        fee=rec & fee_bad, online_payment=paid_fee & pay_bad)

    dd_bad = unknown(df, "digitised_dossier")
    kpi("digitised_dossier_rate", rec & _bool(df, "digitised_dossier"), rec & ~dd_bad, digitised_dossier=rec & dd_bad)
    dr_bad = unknown(df, "digitised_result")
    kpi("digitised_result_rate", resolved & _bool(df, "digitised_result"), resolved & ~dr_bad,
        digitised_result=resolved & dr_bad)

    if statutory is not None:
        lk = statutory.limit_known
        sday = statutory.day
        kpi("appointment_within_limit_rate", rec & due_known & lk & (due_day <= sday), rec & due_known & lk,
            time_limit_days=rec & due_known & ~lk, due_at=rec & due_bad)
        kpi("statutory_on_time_rate", resolved & fin_known & lk & (fin_day <= sday), resolved & fin_known & lk,
            time_limit_days=resolved & ~lk, finished_at=resolved & lk & ~fin_known)

    # the monthly report form
    new = rec
    m["count.received"] = in_run
    m["count.carried_over"] = in_run & (rec_at < F)
    m["count.new"] = new
    m["count.new_direct"] = new & (channel == "direct").to_numpy(dtype=bool)
    m["count.new_online"] = new & online
    m["count.new_postal"] = new & postal
    m["count.new_other_channel"] = new & ~online & ~postal & ~(channel == "direct").to_numpy(dtype=bool)
    m["count.resolved"] = resolved
    m["count.resolved_early"] = early
    m["count.resolved_on_day"] = on_day
    m["count.resolved_late"] = late
    m["count.resolved_no_due"] = resolved & ~timed
    m["count.pending"] = pending
    m["count.pending_within_due"] = pending & due_known & ~overdue
    m["count.pending_overdue"] = overdue
    m["count.pending_no_due"] = pending & ~due_known
    m["count.withdrawn_stopped_refused"] = ended_unres
    m["count.unknown_state"] = in_run & state_unknown
    return m
