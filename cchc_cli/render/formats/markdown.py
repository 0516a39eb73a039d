"""Markdown tables (job summaries, PR comments, reports pasted into documents)."""

from __future__ import annotations

from typing import Any

from ...i18n import pct
from ..model import Pct, Styled, Table, clean_controls


def escape(s: str) -> str:
    """Cell text that cannot break the table or inject markup: backslash-escaped Markdown
    punctuation (emphasis, code, links, HTML, headings, entities, @mentions), line breaks
    and tabs as spaces, control characters (terminal escapes) replaced."""
    s = clean_controls(s).replace("\\", "\\\\").replace("|", "\\|")
    s = s.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    for ch in "*_`[]<>#&@~!":
        s = s.replace(ch, "\\" + ch)
    return s


def _cell(v: Any, lang: str) -> str:
    if isinstance(v, Pct):
        return pct(v.value, lang=lang)
    if isinstance(v, Styled):
        return escape(v.text)
    if v is None:
        return "—"
    return escape(str(v))


def render(tables: list[Table], lang: str = "vi", header: list[str] | None = None) -> str:
    out: list[str] = []
    for line in header or []:
        out.append(escape(line) + "  ")
    if header:
        out.append("")
    for tb in tables:
        out.append(f"### {escape(tb.title)}")
        out.append("")
        out.append("| " + " | ".join(escape(c) for c in tb.columns) + " |")
        out.append("|" + "|".join("---:" if i in tb.numeric else "---" for i in range(len(tb.columns))) + "|")
        for row in tb.rows:
            out.append("| " + " | ".join(_cell(v, lang) for v in row) + " |")
        for n in tb.notes:
            out.append("")
            out.append(f"_{escape(n)}_")
        out.append("")
    return "\n".join(out)
