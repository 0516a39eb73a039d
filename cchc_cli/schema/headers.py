"""Header → canonical field mapping, derived from the input models.

Headers are compared by ``fold()`` (NFC, case, diacritics, spaces and punctuation
insensitive). A ``--columns`` TOML file adds the user's own headers and value spellings.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import ConfigError
from . import vocab
from .models import AltSource, FieldSpec, field_specs
from .parsers import Parser
from .text import fold

# Columns that are recognised but carry nothing to compute: row numbers.
IGNORED_HEADERS = frozenset(fold(h) for h in ("STT", "TT", "Số TT", "Số thứ tự", "No"))

_VALUE_TABLES: dict[str, tuple[str, ...]] = {
    "channel": ("direct", "online", "postal"),
    "status": vocab.STATES,
    "service_level": ("full", "partial", "none"),
    "level": vocab.LEVELS,
    "boolean": ("true", "false"),
    "payment_method": ("true", "false"),
}


@dataclass(frozen=True)
class Source:
    """Where a field comes from: one column of the table."""

    field: str
    column: int  # position in the table
    header: str  # as the export spells it
    parser: Parser
    alt: str | None = None  # AltSource name, None for the field's own column
    combine: str = "first"


@dataclass
class ColumnMap:
    """User additions from a --columns file."""

    columns: dict[str, list[str]] = field(default_factory=dict)  # field -> folded headers
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # vocab -> folded -> value
    path: str | None = None
    _idx: dict = field(default_factory=dict, repr=False, compare=False)
    # what a system profile adds (cchc_cli/profiles): a field derived from several columns,
    # where a JSON export keeps its records and how it reduces lists, the documented key of
    # a list with no dossier number, the profile's name
    derive: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {"rules": [(value, [folded])], "otherwise": v}
    json_records: str | None = None
    json_reduce: dict[str, str] = field(default_factory=dict)
    row_key: bool = False
    profile: str | None = None
    forced: bool = False  # --profile: no other profile is matched

    @classmethod
    def load(cls, path: str | Path | None, model: type[BaseModel]) -> "ColumnMap":
        if path is None:
            return cls()
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise ConfigError("columns_file_not_found", path=str(p)) from None
        except IsADirectoryError:
            raise ConfigError("columns_file_is_dir", path=str(p)) from None
        except UnicodeDecodeError:
            raise ConfigError("columns_file_not_utf8", path=str(p)) from None
        except OSError as e:
            raise ConfigError("columns_file_unreadable", path=str(p), reason=e.strerror or type(e).__name__) from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError("columns_file_not_toml", path=str(p), detail=str(e)) from None
        return cls.from_data(data, str(p), model)

    @classmethod
    def from_data(cls, data: dict, p: str, model: type[BaseModel], extra_keys: tuple[str, ...] = ()) -> "ColumnMap":
        fields = [f.name for f in field_specs(model)]
        out = cls(path=str(p))
        for key in data:
            if key not in ("columns", "values", *extra_keys):
                raise ConfigError("columns_file_unknown_key", path=str(p), key=key,
                                  suggestion=_did_you_mean(key, ["columns", "values"]))
        columns = data.get("columns") or {}
        if not isinstance(columns, dict):
            raise ConfigError("columns_file_columns_not_table", path=str(p), value=_show(columns))
        for name, headers in columns.items():
            if name not in fields:
                raise ConfigError("columns_file_unknown_field", path=str(p), name=name,
                                  suggestion=_did_you_mean(name, fields), fields=", ".join(fields))
            hs = [headers] if isinstance(headers, str) else headers
            if not isinstance(hs, list) or not all(isinstance(h, str) for h in hs):
                raise ConfigError("columns_file_bad_headers", path=str(p), name=name, value=_show(headers))
            out.columns[name] = out.columns.get(name, []) + [fold(h) for h in hs]
        values = data.get("values") or {}
        if not isinstance(values, dict):
            raise ConfigError("columns_file_values_not_table", path=str(p), value=_show(values))
        for table, pairs in values.items():
            if table not in _VALUE_TABLES:
                raise ConfigError("columns_file_unknown_values_table", path=str(p), table=table,
                                  suggestion=_did_you_mean(table, list(_VALUE_TABLES)),
                                  tables=", ".join(_VALUE_TABLES))
            if not isinstance(pairs or {}, dict):
                raise ConfigError("columns_file_values_table_not_table", path=str(p), table=table, value=_show(pairs))
            allowed = _VALUE_TABLES[table]
            t: dict[str, Any] = {}
            for spelling, value in (pairs or {}).items():
                v = str(value)
                if not isinstance(value, str) or v not in allowed:
                    raise ConfigError("columns_file_bad_value", path=str(p), table=table, spelling=spelling,
                                      value=_show(value), allowed=", ".join(allowed),
                                      suggestion=_did_you_mean(v, list(allowed)))
                t[fold(spelling)] = (v == "true") if table in ("boolean", "payment_method") else v
            out.values[table] = t
        return out


def _did_you_mean(word: str, choices: list[str]):
    """" Did you mean 'x'?" as a message not yet worded, or "" when nothing is close."""
    from ..i18n import msg

    m = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return msg("did_you_mean", choice=m[0]) if m else ""


def _show(value: Any) -> str:
    """A TOML value as the user wrote it (roughly), for messages: strings quoted."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class _Derived:
    """A column a profile combines with others into one field (``[derive.<field>]``)."""

    alt: Any
    value: str
    index: int


@dataclass
class Mapping:
    sources: list[Source]
    headers: list[str]  # every header of the table, by position
    unmapped: list[int]  # positions of headers that map to nothing
    ignored: list[int]  # STT-like columns
    shadowed: list[tuple[int, str]]  # (position, field) matched but another column won
    model: type[BaseModel]

    def by_field(self) -> dict[str, list[Source]]:
        out: dict[str, list[Source]] = {}
        for s in self.sources:
            out.setdefault(s.field, []).append(s)
        return out

    @property
    def fields(self) -> set[str]:
        return {s.field for s in self.sources}

    def missing_required(self) -> list[str]:
        have = self.fields
        return [f.name for f in field_specs(self.model) if f.required and f.name not in have]


def _index(model: type[BaseModel], user: ColumnMap) -> dict[str, tuple[FieldSpec, AltSource | None, int]]:
    """folded spelling -> (field spec, alt source or None, priority)."""
    if model in user._idx:
        return user._idx[model]
    idx: dict[str, tuple[FieldSpec, AltSource | None, int]] = {}
    for spec in field_specs(model):
        for i, h in enumerate(user.columns.get(spec.name, ())):
            idx[h] = (spec, None, -1000 + i)
        for i, h in enumerate(spec.headers.spellings):
            idx.setdefault(fold(h), (spec, None, i))
        # the canonical name itself ("dossier_id", "received_at", "unit", "count") is a
        # header in every input kind
        idx.setdefault(fold(spec.name), (spec, None, 50))
        for alt in spec.alts:
            for i, h in enumerate(alt.spellings):
                idx.setdefault(fold(h), (spec, alt, 100 + i))
        rule = user.derive.get(spec.name)
        if rule:
            from .models import AltSource
            from .parsers import Boolean

            flag = Boolean(name="boolean", table=vocab.BOOLEAN, blank_false=True)
            for n, (value, headers) in enumerate(rule["rules"]):
                alt = AltSource(f"derive{n}", tuple(headers), flag, combine="first")
                for h in headers:
                    idx[h] = (spec, _Derived(alt, value, n), -500 + n)
    user._idx[model] = idx
    return idx


def excluded_spellings(model: type[BaseModel], user: ColumnMap | None = None) -> set[str]:
    """Look-alike headers never matched, unless the user's --columns file names them."""
    out = {fold(h) for spec in field_specs(model) for h in spec.headers.exclude}
    if user is not None:
        out -= {h for hs in user.columns.values() for h in hs}
    return out


def match_label(label: str, model: type[BaseModel], user: ColumnMap):
    """(spec, alt, priority) for one header label, or None."""
    return _index(model, user).get(fold(label))


def map_headers(
    candidates: list[list[str]], model: type[BaseModel], user: ColumnMap | None = None
) -> Mapping:
    """Map a table's columns. ``candidates[i]`` lists the labels to try for column i, most
    specific last-resort last (e.g. ["Có kết quả", "Ngày, tháng, năm Có kết quả"])."""
    user = user if user is not None else ColumnMap()
    idx = _index(model, user)
    excluded = excluded_spellings(model, user)
    best: dict[str, tuple[int, int, Source]] = {}  # field -> (priority, position, source)
    sums: dict[str, list[Source]] = {}
    unmapped, ignored, shadowed = [], [], []
    headers = [next((c for c in cands if c), "") for cands in candidates]
    for pos, cands in enumerate(candidates):
        hit = None
        for label in cands:
            key = fold(label)
            if not key or key in excluded:
                continue
            if key in idx:
                hit = idx[key]
                break
        if hit is None:
            if any(fold(c) in IGNORED_HEADERS for c in cands):
                ignored.append(pos)
            elif headers[pos]:
                unmapped.append(pos)
            continue
        spec, alt, prio = hit
        if isinstance(alt, _Derived):
            src = Source(spec.name, pos, headers[pos], alt.alt.parser, f"derive:{alt.index}:{alt.value}", "derive")
            sums.setdefault(spec.name, []).append(src)
            continue
        parser = alt.parser if alt else spec.parser
        src = Source(spec.name, pos, headers[pos], parser, alt.name if alt else None,
                     alt.combine if alt else "first")
        if alt is not None and alt.combine == "sum":
            sums.setdefault(spec.name, []).append(src)
            continue
        cur = best.get(spec.name)
        if cur is None or (prio, pos) < (cur[0], cur[1]):
            if cur is not None:
                shadowed.append((cur[1], spec.name))
            best[spec.name] = (prio, pos, src)
        else:
            shadowed.append((pos, spec.name))
    sources = [b[2] for b in best.values()]
    for name, parts in sums.items():
        derived = [p for p in parts if p.combine == "derive"]
        if derived:  # a field a profile derives from several columns wins over its own column
            if name in best:
                shadowed.append((best[name][1], name))
                sources.remove(best[name][2])
            sources.extend(derived)
            continue
        if name in best:  # a total column wins over the parts
            shadowed.extend((p.column, name) for p in parts)
        else:
            sources.extend(parts)
    sources.sort(key=lambda s: s.column)
    return Mapping(sources, headers, unmapped, ignored, sorted(shadowed), model)


# Columns of personal data (inputs.md): never offered as "the column you meant", so that a
# hint never nudges anyone to map a phone number as a dossier id.
PERSONAL_HEADERS = frozenset(fold(h) for h in (
    "Chủ hồ sơ", "Họ tên chủ hồ sơ", "Người nộp", "Người nộp hồ sơ", "Tên cá nhân, tổ chức", "Tên cá nhân",
    "Số CCCD", "CCCD", "Số CMND", "CMND", "Số định danh", "Số điện thoại", "Điện thoại", "Địa chỉ", "Thư điện tử",
    "Email", "Họ tên", "Họ và tên", "Ngày sinh",
))
NEAREST_CUTOFF = 0.6


# Words of a date, an amount or a count: a column so named is never offered as an
# identifier (a dossier number borrowed from "Ngày ký hồ sơ" collapses every dossier signed
# the same day into one), and a count column never as a unit.
_NOT_AN_ID = __import__("re").compile(
    r"\b(ngay|date|time|thoi gian|thang|nam sinh|so luong|count|tong|phi|le phi|tien|gia|amount|total|qty)\b")
_NOT_A_UNIT = __import__("re").compile(r"\b(so luong|count|tong|so ho so|number|qty|total)\b")
_ID_FIELDS = ("dossier_id", "document_id", "procedure_code")


def unsuitable(field_name: str, header: str, model: type[BaseModel]) -> bool:
    """A column that must never be suggested for ``field_name``: personal data; for an
    identifier, a column of dates, amounts or counts (by its words, or because it is a
    known spelling of such a field); for a unit, a count column."""
    k = fold(header)
    if not k or k in PERSONAL_HEADERS:
        return True
    if field_name in _ID_FIELDS:
        hit = _index(model, ColumnMap()).get(k)
        if hit is not None and hit[0].name != field_name and hit[0].parser.kind in ("date", "money", "days"):
            return True
        return bool(_NOT_AN_ID.search(k))
    if field_name == "unit":
        return bool(_NOT_A_UNIT.search(k))
    return False


def nearest_headers(field_name: str, headers: list[str], model: type[BaseModel], n: int = 3) -> list[str]:
    """Headers of the table that look most like the spellings of ``field_name`` (never a
    column of personal data, never a date, amount or count column for an identifier, never
    a count column for a unit)."""
    spec = next(f for f in field_specs(model) if f.name == field_name)
    spellings = [fold(h) for h in spec.headers.spellings]
    scored = []
    for h in headers:
        k = fold(h)
        if unsuitable(field_name, h, model):
            continue
        score = max((difflib.SequenceMatcher(None, k, s).ratio() for s in spellings), default=0)
        scored.append((score, h))
    scored.sort(key=lambda t: -t[0])
    return [h for score, h in scored[:n] if score >= NEAREST_CUTOFF]


def score_labels(candidates: list[list[str]], model: type[BaseModel], user: ColumnMap) -> int:
    """How many distinct fields a header candidate maps: the header detector's score."""
    idx = _index(model, user)
    excluded = excluded_spellings(model, user)
    found = set()
    for cands in candidates:
        for label in cands:
            key = fold(label)
            if key and key not in excluded and key in idx:
                found.add(idx[key][0].name)
                break
    return len(found)
