"""Column-at-a-time form of ``parsers.Date`` (a property test holds the two together).

Strings are dictionary-encoded first (exports repeat dates a lot), each distinct string is
matched against the same patterns as the scalar form with RE2 through pyarrow, the
components are checked (no 31/02, no 25:00) and composed with numpy, and the result is
taken back to the rows. Spreadsheet cells that are already dates or numbers are handled
without going through text.
"""

from __future__ import annotations

import datetime as dt
import numbers

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .dateforms import (
    _EXCEL_EPOCH, _SERIAL_MAX, _SERIAL_MIN, DATE_PATTERNS, EPOCH_MS_PATTERN, MAX_DATE, MIN_DATE, SERIAL_PATTERN,
    VN_OFFSET_MINUTES, ParseError, _datetime64_to_datetime, special_number, tz_minutes,
)
from .text import WS_CLASS

NAT = np.iinfo(np.int64).min
_MIN_NS = np.int64(pd.Timestamp(MIN_DATE).value)
_MAX_NS = np.int64(pd.Timestamp(MAX_DATE).value)
_EPOCH_NS = np.int64(pd.Timestamp(_EXCEL_EPOCH).value)
_MDAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_EDGES = "^" + WS_CLASS + "+|" + WS_CLASS + "+$"


def parse_dates(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    n = len(s)
    out = np.full(n, NAT, dtype=np.int64)
    invalid = np.zeros(n, dtype=bool)
    if n == 0:
        return _series(out, s.index), invalid

    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:  # wall-clock time, as the scalar form
            s = s.dt.tz_localize(None)
        # to the second first: a sentinel like 9999-12-31 must not overflow nanoseconds
        secs = s.to_numpy(dtype="datetime64[s]").astype(np.int64)
        present = secs != NAT
        ok = present & (secs >= _MIN_NS // 1_000_000_000) & (secs <= _MAX_NS // 1_000_000_000)
        ns = np.where(ok, secs * 1_000_000_000, NAT)
        invalid = present & ~ok
        return _series(ns, s.index), invalid

    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        ns, bad = _parse_strings(pa.array(s.array))
        return _series(ns, s.index), bad

    # object column from a spreadsheet: split by the Python type of each cell, with the
    # same rules as the scalar form (numpy numbers are numbers, NaT/NA/NaN are blank). The
    # common exact types (str, float, int, naive datetime, date, None) are sorted out with
    # numpy; anything else (subclasses, numpy scalars, aware datetimes…) cell by cell.
    values = s.to_numpy(dtype=object)
    types = np.fromiter(map(type, values), dtype=object, count=n)
    is_str = types == str
    is_float = types == float
    is_int = types == int
    is_dt = types == dt.datetime
    is_date = types == dt.date
    if is_dt.any():  # an aware datetime keeps its wall-clock time: cell by cell, as the scalar form
        at = np.flatnonzero(is_dt)
        aware = np.fromiter((v.tzinfo is not None for v in values[at]), dtype=bool, count=len(at))
        is_dt[at[aware]] = False
    other = np.flatnonzero(~(is_str | is_float | is_int | is_dt | is_date | (types == type(None))))
    str_idx, num_idx, dt_idx, bad_idx = [], [], [], []
    for i in other:
        v = values[i]
        if v is pd.NaT or v is pd.NA:
            continue
        if isinstance(v, str):
            str_idx.append(i)
        elif isinstance(v, bool) or isinstance(v, np.bool_):
            bad_idx.append(i)
        elif isinstance(v, np.datetime64):
            if np.isnat(v):
                continue
            dt_idx.append(i)
        elif isinstance(v, (dt.datetime, dt.date)):
            dt_idx.append(i)
        elif isinstance(v, numbers.Real):
            if v != v:  # numpy NaN
                continue
            num_idx.append(i)
        else:
            bad_idx.append(i)
    if is_str.any() or str_idx:
        idx = np.flatnonzero(is_str)
        if str_idx:  # str subclasses: as text
            idx = np.concatenate([idx, np.asarray(str_idx, dtype=np.int64)])
            texts = np.asarray([str(v) for v in values[idx]], dtype=object)
        else:
            texts = values[idx]
        ns, bad = _parse_strings(texts)
        out[idx] = ns
        invalid[idx] = bad
    if is_float.any():
        idx = np.flatnonzero(is_float)
        x = values[idx].astype(np.float64)
        idx, x = idx[x == x], x[x == x]  # NaN is blank
        ns, bad = _from_serials(x)
        out[idx] = ns
        invalid[idx] = bad
    if is_int.any() or num_idx:
        idx = np.concatenate([np.flatnonzero(is_int), np.asarray(num_idx, dtype=np.int64)])
        ns, bad = _from_serials(np.asarray([float(v) for v in values[idx]], dtype=np.float64))
        out[idx] = ns
        invalid[idx] = bad
    for mask, typ in ((is_dt, pa.timestamp("us")), (is_date, pa.date32())):
        if mask.any():  # wall-clock time through Arrow; micro- and nanoseconds dropped, as the scalar form
            idx = np.flatnonzero(mask)
            secs = pa.array(values[idx], type=typ).to_numpy(zero_copy_only=False).astype("datetime64[s]").astype(np.int64)
            ok = (secs >= _MIN_NS // 1_000_000_000) & (secs <= _MAX_NS // 1_000_000_000)
            out[idx] = np.where(ok, secs * 1_000_000_000, NAT)
            invalid[idx] = ~ok
    for i in dt_idx:
        v = values[i]
        if isinstance(v, np.datetime64):
            try:
                v = _datetime64_to_datetime(v)
            except ParseError:
                invalid[i] = True
                continue
        if isinstance(v, dt.datetime):  # tz, micro- and nanoseconds dropped, as the scalar form
            v = dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second)
        else:
            v = dt.datetime(v.year, v.month, v.day)
        if MIN_DATE <= v <= MAX_DATE:
            out[i] = pd.Timestamp(v).value
        else:
            invalid[i] = True
    if bad_idx:
        invalid[np.asarray(bad_idx)] = True
    return _series(out, s.index), invalid


def _series(ns: np.ndarray, index) -> pd.Series:
    return pd.Series(ns.view("datetime64[ns]"), index=index)


_COMMON = r"^[0-9]{2}/[0-9]{2}/[0-9]{4}(?: [0-9]{2}:[0-9]{2})?$"


def _parse_strings(values) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        arr = arr.cast(pa.large_string())
    else:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    enc = arr.dictionary_encode(null_encoding="mask")
    words = pc.replace_substring_regex(enc.dictionary, _EDGES, "")
    k = len(words)
    ns = np.full(k, NAT, dtype=np.int64)
    bad = np.zeros(k, dtype=bool)
    done = np.zeros(k, dtype=bool)
    blank = pc.equal(words, "").to_numpy(zero_copy_only=False)
    done |= blank


    # the common form (dd/mm/yyyy, with HH:MM or not) by position: what the first of
    # DATE_PATTERNS reads from it, without building its match structs
    fast = pc.match_substring_regex(words, _COMMON).to_numpy(zero_copy_only=False) & ~done
    if fast.any():
        sub = pc.filter(words, pa.array(fast))

        def part(a: int, b: int) -> np.ndarray:
            x = pc.utf8_slice_codeunits(sub, a, b)
            return pc.cast(pc.if_else(pc.equal(x, ""), "0", x), pa.int64()).to_numpy(zero_copy_only=False)

        f_ns, f_bad = _compose(part(6, 10), part(3, 5), part(0, 2), part(11, 13), part(14, 16),
                               np.zeros(len(sub), dtype=np.int64))
        ns[fast] = f_ns
        bad[fast] = f_bad
        done |= fast

    serial = pc.match_substring_regex(words, SERIAL_PATTERN).to_numpy(zero_copy_only=False) & ~done
    if serial.any():
        sub = pc.filter(words, pa.array(serial))
        x = pc.cast(sub, pa.float64()).to_numpy(zero_copy_only=False)
        s_ns, s_bad = _from_serials(x)
        ns[serial] = s_ns
        bad[serial] = s_bad
        done |= serial

    epoch = pc.match_substring_regex(words, EPOCH_MS_PATTERN).to_numpy(zero_copy_only=False) & ~done
    if epoch.any():
        sub = pc.filter(words, pa.array(epoch))
        ms = pc.cast(sub, pa.int64()).to_numpy(zero_copy_only=False)
        e_ns = (np.round(ms / 1000).astype(np.int64) + VN_OFFSET_MINUTES * 60) * 1_000_000_000
        ok = (e_ns >= _MIN_NS) & (e_ns <= _MAX_NS)
        ns[epoch] = np.where(ok, e_ns, NAT)
        bad[epoch] = ~ok
        done |= epoch

    for pattern in DATE_PATTERNS:
        if done.all():
            break
        todo = np.flatnonzero(~done)
        sub = words.take(pa.array(todo))
        st = pc.extract_regex(sub, pattern)
        matched = st.is_valid().to_numpy(zero_copy_only=False)
        if not matched.any():
            continue
        st = st.filter(pa.array(matched))
        rows = todo[matched]

        def comp(name: str) -> np.ndarray:
            try:
                f = st.field(name)
            except KeyError:
                return np.zeros(len(rows), dtype=np.int64)
            f = pc.if_else(pc.equal(f, ""), "0", f)
            return pc.cast(f, pa.int64()).to_numpy(zero_copy_only=False)

        c_ns, c_bad = _compose(comp("y"), comp("m"), comp("d"), comp("H"), comp("M"), comp("S"))
        if "?P<tz>" in pattern:  # an instant with an offset: to Vietnam time
            tzs = st.field("tz").to_pylist()
            shift = np.array([0 if not t else (VN_OFFSET_MINUTES - tz_minutes(t)) for t in tzs], dtype=np.int64)
            c_ns = np.where(c_ns != NAT, c_ns + shift * 60 * 1_000_000_000, NAT)
        ns[rows] = c_ns
        bad[rows] = c_bad
        done[rows] = True

    bad |= ~done  # matched nothing
    idx = enc.indices
    valid_rows = idx.is_valid().to_numpy(zero_copy_only=False)
    pos = idx.fill_null(0).to_numpy(zero_copy_only=False)
    out = np.where(valid_rows, ns[pos] if k else NAT, NAT)
    invalid = np.where(valid_rows, bad[pos] if k else False, False)
    return out.astype(np.int64), invalid.astype(bool)


def _from_serials(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(x) & (x >= _SERIAL_MIN) & (x < _SERIAL_MAX)
    secs = np.round(np.where(ok, x, 0.0) * 86400.0).astype(np.int64)
    ns = np.where(ok, _EPOCH_NS + secs * 1_000_000_000, NAT)
    # epoch milliseconds, yyyyMMddHHmmss, yyyyMMdd as numbers (JSON): as the scalar form
    for i in np.flatnonzero(~ok & np.isfinite(x) & (x >= 19900101)):
        try:
            v = special_number(float(x[i]))
        except ParseError:
            v = None
        if v is not None and MIN_DATE <= v <= MAX_DATE:  # beyond: unreadable, as the scalar form
            ns[i] = pd.Timestamp(v).value
            ok[i] = True
    bad = ~ok
    # after rounding, the range check of the scalar form
    out_of_range = ok & ((ns < _MIN_NS) | (ns > _MAX_NS))
    ns = np.where(out_of_range, NAT, ns)
    return ns, bad | out_of_range


def _compose(y, m, d, H, M, S) -> tuple[np.ndarray, np.ndarray]:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    mi = np.clip(m - 1, 0, 11)
    dim = _MDAYS[mi] + ((m == 2) & leap)
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= dim) & (H <= 23) & (M <= 59) & (S <= 59)
    # years far outside the accepted range are refused before datetime64[ns] could overflow
    far = ok & ((y < MIN_DATE.year) | (y > MAX_DATE.year))
    ok &= ~far
    ys = np.where(ok, y, 1970)
    months = ((ys - 1970) * 12 + np.where(ok, m - 1, 0)).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ns = days.astype("datetime64[ns]").astype(np.int64) + (H * 3600 + M * 60 + S) * 1_000_000_000
    ns = np.where(ok, ns, NAT)
    out_of_range = ok & ((ns < _MIN_NS) | (ns > _MAX_NS))
    ns = np.where(out_of_range, NAT, ns)
    return ns, ~ok | far | out_of_range
