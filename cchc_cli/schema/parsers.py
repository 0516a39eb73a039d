"""Value parsers: one scalar form and one vectorised form of each rule.

A pydantic model field carries its parser (``Parse(parser)``): the scalar form is the
model's before-validator, so a row validated by pydantic and a column validated by
``parser.vector`` follow the same rule. Vocabulary-like parsers vectorise by parsing the
distinct values with the scalar form (exports have few distinct statuses or channels), so
the two cannot disagree; dates, which have many distinct values, have their own
column-at-a-time implementation, and a property test holds it to the scalar form.

Blank cells (None, NaN, empty or whitespace) are missing values, never errors. A value that
is present but unreadable raises ``ParseError`` (scalar) or is flagged in the ``invalid``
mask (vector).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import GetCoreSchemaHandler, ValidationInfo
from pydantic_core import core_schema

from .dateforms import (
    ParseError, MIN_DATE, MAX_DATE, _EPOCH_MS_RE, _DATE_RES, _SERIAL_RE,
    from_epoch_ms, _from_serial, _is_datetime64, _datetime64_to_datetime, _build,
)
from .text import WS_CLASS, WS_OTHER_CLASS, fold, nfc, squeeze, trim

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def today() -> dt.date:
    """The day of the run: no export holds a receipt or a finish after it."""
    return dt.date.today()


def finished_before(fin: dt.datetime, rec: dt.datetime) -> bool:
    """A finish before the receipt; times of day count only when both carry one."""
    timed = (fin.hour, fin.minute, fin.second) != (0, 0, 0) and (rec.hour, rec.minute, rec.second) != (0, 0, 0)
    return fin < rec if timed else fin.date() < rec.date()


def is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str):
        return not trim(v)
    try:  # pandas NA / NaT
        import pandas as pd

        return bool(pd.isna(v)) if not isinstance(v, (str, bytes, list, tuple, dict)) else False
    except (TypeError, ValueError, ImportError):  # pragma: no cover
        return False


def _number_text(v: Any) -> str:
    """How a spreadsheet number reads as text: 12.0 -> "12"."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def factorize(s: "pd.Series"):
    """(codes, uniques) like ``pd.factorize`` (-1 for missing), through pyarrow's hash
    table for Arrow-backed text, which is several times faster on a million rows."""
    import numpy as np
    import pandas as pd

    if _is_string_series(s):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        enc = pc.dictionary_encode(arr, null_encoding="mask")
        codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return codes, np.asarray(enc.dictionary.to_pylist(), dtype=object)
    return pd.factorize(s, use_na_sentinel=True)


class Parser:
    """Base: subclasses implement ``scalar`` and may override ``vector``."""

    kind: ClassVar[str] = "value"

    def scalar(self, v: Any, extra: dict[str, Any] | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def vector(self, s: "pd.Series", extra: dict[str, Any] | None = None):
        """(values, invalid): values aligned with ``s`` (missing where blank or invalid),
        invalid a boolean numpy array. Default: parse each distinct value once."""
        import numpy as np
        import pandas as pd

        codes, uniques = factorize(s)
        parsed: list[Any] = []
        bad = np.zeros(len(uniques) + 1, dtype=bool)
        for i, u in enumerate(uniques):
            try:
                parsed.append(self.scalar(u, extra))
            except ParseError:
                parsed.append(None)
                bad[i] = True
        try:  # slot for the NA sentinel (-1): a blank cell, as the scalar form reads it
            parsed.append(self.scalar(None, extra))
        except ParseError:  # pragma: no cover - blank is never an error
            parsed.append(None)
        invalid = bad[codes]
        present = [v for v in parsed if v is not None]
        if present and all(isinstance(v, str) for v in present):
            # canonical labels ("online", "resolved", …): a categorical column, so that
            # comparisons in the KPI engine are integer comparisons
            cats = list(dict.fromkeys(present))
            pos = {c: i for i, c in enumerate(cats)}
            ucode = np.array([pos[v] if v is not None else -1 for v in parsed], dtype=np.int64)
            return pd.Series(pd.Categorical.from_codes(ucode[codes], categories=cats), index=s.index), invalid
        if present and all(isinstance(v, bool) for v in present):
            lookup = np.array([bool(v) for v in parsed], dtype=bool)
            if len(present) == len(parsed):  # no missing value possible: plain numpy booleans
                return pd.Series(lookup[codes], index=s.index), invalid
            mask = np.array([v is None for v in parsed], dtype=bool)
            return pd.Series(pd.arrays.BooleanArray(lookup[codes], mask[codes]), index=s.index), invalid
        lookup = np.empty(len(parsed), dtype=object)
        lookup[:] = parsed
        return self.to_series(lookup[codes], s.index), invalid

    def to_series(self, values, index):
        import pandas as pd

        return pd.Series(values, index=index, dtype=object)


@dataclass(frozen=True)
class Text(Parser):
    """Free text (names, codes): trimmed, NFC, inner whitespace collapsed; numbers from
    spreadsheets read as they display ("12", not "12.0")."""

    kind: ClassVar[str] = "text"
    max_length: int = 1000
    repeats: bool = True  # False for identifiers: nearly every value distinct, no categorical

    def scalar(self, v: Any, extra: dict[str, Any] | None = None) -> str | None:
        if is_blank(v):
            return None
        s = v if isinstance(v, str) else _number_text(v)
        s = squeeze(nfc(s))
        if len(s) > self.max_length:
            raise ParseError("too_long", length=len(s), max=self.max_length)
        return s

    def vector(self, s: "pd.Series", extra: dict[str, Any] | None = None):
        """Text columns repeat a few values (units, fields, procedures): the distinct values
        are cleaned once and the column comes back categorical. Nearly unique columns (ids)
        are cleaned in place, skipping NFC when all ASCII and the whitespace pass when there
        is nothing to squeeze, and stay Arrow-backed strings."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        if not _is_string_series(s):
            return super().vector(s, extra)
        n = len(s)
        if not self.repeats:  # identifiers: clean the column in place, no factorize
            arr = pa.array(s.array)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            clean, too_long = self._clean(arr.cast(pa.large_string()))
            return pd.Series(pd.array(clean, dtype=pd.StringDtype("pyarrow")), index=s.index), too_long
        codes, uniques = factorize(s)
        words = pa.array(list(uniques), type=pa.large_string()) if len(uniques) else pa.array([], pa.large_string())
        clean, too_long_u = self._clean(words)
        if len(uniques) <= max(1000, n // 4):
            # cleaning can make two distinct raw values equal ("A " and "A"): factorize again
            ccodes, cats = pd.factorize(np.asarray(clean.to_pylist(), dtype=object), use_na_sentinel=True)
            final = np.where(codes >= 0, ccodes[np.maximum(codes, 0)] if len(ccodes) else -1, -1)
            values = pd.Series(pd.Categorical.from_codes(final, categories=pd.Index(cats, dtype=object)), index=s.index)
        else:
            taken = clean.take(pa.array(np.where(codes >= 0, codes, 0))) if len(clean) else pa.nulls(n, pa.large_string())
            taken = pc.if_else(pa.array(codes < 0), pa.scalar(None, pa.large_string()), taken)
            values = pd.Series(pd.array(taken, dtype=pd.StringDtype("pyarrow")), index=s.index)
        invalid = np.where(codes >= 0, too_long_u[np.maximum(codes, 0)] if len(too_long_u) else False, False)
        return values, invalid.astype(bool)

    def _clean(self, words):
        """Arrow strings: NFC, whitespace squeezed, blank -> null, too long -> null + flag."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if len(words) == 0:
            return words, np.zeros(0, dtype=bool)
        if not pc.all(pc.string_is_ascii(words)).as_py():
            words = pc.utf8_normalize(words, form="NFC")
        if pc.any(pc.match_substring_regex(words, _NEEDS_SQUEEZE)).as_py():
            words = pc.replace_substring_regex(words, WS_CLASS + "+", " ")
            words = pc.utf8_trim(words, " ")
        lengths = pc.utf8_length(words).to_numpy(zero_copy_only=False)
        too_long = np.nan_to_num(lengths.astype(float), nan=0) > self.max_length
        words = pc.if_else(pc.equal(words, ""), pa.scalar(None, words.type), words)
        if too_long.any():
            words = pc.if_else(pa.array(too_long), pa.scalar(None, words.type), words)
        return words, too_long


# a value needs squeezing when it has any whitespace other than single inner spaces
_NEEDS_SQUEEZE = "^ | $|  |" + WS_OTHER_CLASS


def _is_string_series(s: "pd.Series") -> bool:
    import pandas as pd

    return pd.api.types.is_string_dtype(s.dtype) and s.dtype != object


@dataclass(frozen=True)
class Vocab(Parser):
    """A closed vocabulary (inputs.md "Values"); ``extra`` adds a run's own spellings
    (``[values.<name>]`` of a --columns file, already folded)."""

    kind: ClassVar[str] = "vocab"
    name: str = ""
    table: dict = field(default_factory=dict, hash=False, compare=False)

    def scalar(self, v: Any, extra: dict[str, Any] | None = None) -> Any:
        if is_blank(v):
            return None
        key = fold(_number_text(v) if not isinstance(v, str) else v)
        if extra and self.name in extra and key in extra[self.name]:
            return extra[self.name][key]
        if key in self.table:
            return self.table[key]
        raise ParseError("unknown_value", vocab=self.name)


@dataclass(frozen=True)
class Boolean(Vocab):
    """Yes/no cells: "Có", "x", "1", "Đã số hóa" … / "Không", "0", "Chưa" …; blank is
    missing. ``blank_false`` makes blank mean no, as in a column of ticks."""

    kind: ClassVar[str] = "boolean"
    blank_false: bool = False

    def scalar(self, v: Any, extra: dict[str, Any] | None = None) -> Any:
        if is_blank(v):
            return False if self.blank_false else None
        if isinstance(v, bool):
            return v
        return super().scalar(v, extra)


_MONEY = re.compile(r"^(?P<int>\d{1,3}(?:[.,  ]\d{3})+|\d+)(?:[.,](?P<dec>\d{1,2}))?$")
_MONEY_UNIT = re.compile(r"\s*(vnđ|vnd|đồng|dong|đ|d)\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class Money(Parser):
    """Amounts in VND: "50.000", "50,000 đ", "1.234.567 VNĐ", spreadsheet numbers.
    A separator followed by exactly three digits is a thousands separator; one or two
    digits after the last separator are decimals. Negative amounts are errors."""

    kind: ClassVar[str] = "money"

    def scalar(self, v: Any, extra: dict[str, Any] | None = None) -> float | None:
        if is_blank(v):
            return None
        if isinstance(v, bool):
            raise ParseError("not_a_number")
        if isinstance(v, (int, float)):
            if isinstance(v, float) and not math.isfinite(v):
                raise ParseError("not_a_number")
            if v < 0:
                raise ParseError("negative")
            return float(v)
        s = trim(_MONEY_UNIT.sub("", trim(nfc(str(v)))))
        if s.startswith("-"):
            raise ParseError("negative")
        m = _MONEY.match(s)
        if not m:
            raise ParseError("not_a_number")
        whole = re.sub(r"[.,  ]", "", m.group("int"))
        dec = m.group("dec") or "0"
        return float(f"{whole}.{dec}")


_DAYS = re.compile(r"^(?P<n>[0-9]+(?:[.,][0-9]+)?)\s*(?:ngày làm việc|ngày lv|ngày|nlv)?\.?$")


@dataclass(frozen=True)
class WorkingDays(Parser):
    """A time limit in working days: 15, "15", "15 ngày", "15 ngày làm việc", "0,5"."""

    kind: ClassVar[str] = "days"

    def scalar(self, v: Any, extra: dict[str, Any] | None = None) -> float | None:
        if is_blank(v):
            return None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if not math.isfinite(v) or v < 0:
                raise ParseError("not_a_number")
            return float(v)
        m = _DAYS.match(trim(nfc(str(v))).lower())
        if not m:
            raise ParseError("not_a_number")
        return float(m.group("n").replace(",", "."))


# ---------------------------------------------------------------- dates



@dataclass(frozen=True)
class Date(Parser):
    """Dates and date-times as Vietnamese exports write them (inputs.md "Dates"): day-first
    "23/03/2023", "23/03/2023 14:05[:10]", "23-03-2023", "14:05 23/03/2023"; ISO
    "2023-03-23[T14:05:00]"; Excel serial numbers and native spreadsheet dates. Month-first
    is never tried; an impossible date (31/02) is an error, never rolled over. Dates outside
    1990–2100 are errors (a serial like 15 is not a date). A value at exactly 00:00 is a
    date without a time of day."""

    kind: ClassVar[str] = "date"

    def scalar(self, v: Any, extra: dict[str, Any] | None = None) -> dt.datetime | None:
        if is_blank(v):
            return None
        if _is_datetime64(v):
            v = _datetime64_to_datetime(v)
        if isinstance(v, dt.datetime):  # also pandas Timestamp: tz, micro- and nanoseconds dropped
            out = dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second)
        elif isinstance(v, dt.date):
            out = dt.datetime(v.year, v.month, v.day)
        elif _is_bool(v):
            raise ParseError("not_a_date")
        elif isinstance(v, numbers.Real):  # int, float and numpy numbers alike
            x = float(v)
            if not math.isfinite(x):
                raise ParseError("not_a_date")
            out = _from_serial(x)
        else:
            s = trim(str(v))
            if not s:
                return None
            if _SERIAL_RE.match(s):
                out = _from_serial(float(s))
            elif _EPOCH_MS_RE.match(s):
                out = from_epoch_ms(float(s))
            else:
                for rx in _DATE_RES:
                    m = rx.match(s)
                    if m:
                        out = _build(m.groupdict())
                        break
                else:
                    raise ParseError("not_a_date")
        if not (MIN_DATE <= out <= MAX_DATE):
            raise ParseError("date_out_of_range")
        return out

    def to_series(self, values, index):
        import pandas as pd

        return pd.Series(pd.to_datetime(values), index=index)

    def vector(self, s: "pd.Series", extra: dict[str, Any] | None = None):
        from ._dates import parse_dates

        return parse_dates(s)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool) or type(v).__name__ in ("bool", "bool_") and type(v).__module__ == "numpy"


# ---------------------------------------------------------------- pydantic glue


@dataclass(frozen=True)
class Parse:
    """Annotation marker: ``Annotated[datetime | None, Parse(Date())]``. The parser's scalar
    form becomes the field's before-validator; ``extra`` vocabularies come from the
    validation context (``context={"extra": {...}}``)."""

    parser: Parser

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler):
        parser = self.parser

        def before(v: Any, info: ValidationInfo) -> Any:
            extra = (info.context or {}).get("extra") if info.context else None
            return parser.scalar(v, extra)

        return core_schema.with_info_before_validator_function(before, handler(source))
