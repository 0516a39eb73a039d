"""The neutral table every renderer draws."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable


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
    # how many leading columns name a row (unit, field, KPI…): never wrapped, repeated in
    # every block when a terminal table is split
    keys: int = 1


# Spreadsheet formula injection: a text cell whose first character (after any spaces) is one
# of these is neutralised in CSV and XLSX outputs by a leading apostrophe, whatever input it
# came from. The full-width forms are included: some spreadsheet locales read them as the
# ASCII ones. A text that is only a number ("-5", "+84 90", no: only "-5", "1,5") cannot
# run anything and is left as it is.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?%?")
# C0 and C1 control characters other than tab and line breaks: never written to an output
# (terminal escape sequences, characters XML 1.0 forbids). Shown as U+FFFD.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_text(s: str) -> str:
    if not s:
        return s
    s = _CONTROLS.sub("\ufffd", s)
    first = s.lstrip(" \u00a0")[:1]
    if (s[0] in FORMULA_PREFIXES or first in FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(s.strip()):
        return "'" + s
    return s


def clean_controls(s: str) -> str:
    """Control characters (escape sequences, bells, NUL) replaced by U+FFFD; tabs and line
    breaks kept."""
    return _CONTROLS.sub("\ufffd", s)


def xml_text(s: str) -> str:
    """Text XML 1.0 can hold: forbidden characters (most C0 controls, lone surrogates)
    replaced by U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", clean_controls(s))


@dataclass
class FormRow:
    """One row of the Biểu 06 form: the totals row, a level (cấp) with its subtotal, or a
    field (lĩnh vực) of that level. ``values`` are the report counts (``COUNT_KEYS``)."""

    kind: str  # total | level | field
    stt: str
    label: str
    values: dict[str, int]


@dataclass
class Form:
    """Biểu số 06/VPCP/KSTT of one reporting unit (``unit``), or of the whole input
    (``unit`` None)."""

    sheet: str
    unit: str | None
    unit_label: str
    start: Any
    end: Any
    rows: list[FormRow]
    source: str = ""


@dataclass
class Chart:
    """A chart drawn from numbers a view already has: ``kind`` is bar (a value per
    category), line (a trend), stacked (parts of a whole per category) or pie. ``target``
    (optional) is a threshold per category, drawn as a line."""

    key: str
    title: str
    kind: str
    category_title: str
    categories: list[str]
    series: list[tuple[str, list[float | int | None]]]
    percent: bool = False
    target: list[float | None] | None = None
    target_title: str = ""
    value_title: str = ""
    colours: list[str] | None = None  # one per series (status charts: green, amber, red, grey)


@dataclass
class Document:
    """What a command shows, before any format: the neutral tables (with header lines), the
    JSON document, the machine-readable CSV rows, what the view was built from (``source``:
    the formats only one command has — junit and github for check-targets — render it), and
    the verdict line that always reaches stderr."""

    command: str
    tables: list[Table]
    header: list[str] = field(default_factory=list)
    json: dict[str, Any] | None = None
    csv: tuple[list[str], list[list[Any]]] | None = None
    source: Any = None  # the result the view was built from (a CheckReport for junit/github)
    verdict: str | None = None
    title: str = ""  # the report's title (HTML page, workbook)
    # Biểu 06 (compute), for xlsx and html: a callable giving the forms, run only by the
    # formats that show them (it computes counts by unit, level and field)
    forms: Callable[[], list[Form]] | None = None
    charts: list[Chart] = field(default_factory=list)  # xlsx (native charts) and html (SVG)


def doc_forms(doc: Document) -> list[Form]:
    return list(doc.forms()) if doc.forms is not None else []
