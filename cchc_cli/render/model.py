"""The neutral table every renderer draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pct:
    """A ratio shown as a percentage (None = no data)."""

    value: float | None


@dataclass(frozen=True)
class Styled:
    """A cell with a status style: ok, warn, fail, muted."""

    text: str
    style: str


@dataclass
class Table:
    key: str  # short id, used as sheet name
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # optional two-level header: list of (group title, span) covering all columns
    groups: list[tuple[str, int]] | None = None
    numeric: set[int] = field(default_factory=set)  # right-aligned columns


# Spreadsheet formula injection: text cells starting with these are neutralised in CSV and
# XLSX outputs (a leading apostrophe), whatever input they came from.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(s: str) -> str:
    if s and s[0] in FORMULA_PREFIXES:
        return "'" + s
    return s
