"""A workbook a person sends upward: one sheet per table, the report form with its
two-level header, readable widths, percentages as percentages. Text cells are neutralised
against formula injection."""

from __future__ import annotations

from typing import Any

from ..model import Pct, Styled, Table, clean_controls, safe_text, xml_text

FILLS = {"pass": "C6EFCE", "ok": "C6EFCE", "warn": "FFEB9C", "fail": "FFC7CE", "improved": "C6EFCE", "regressed": "FFC7CE"}


def _sheet_name(title: str, used: set[str]) -> str:
    """A title Excel accepts: no []:*?/\\ or control character, no apostrophe at either end,
    at most 31 characters, not the reserved "History", unique in the workbook."""
    name = "".join(ch for ch in xml_text(clean_controls(title)) if ch not in '[]:*?/\\\ufffd')
    name = name.strip().strip("'").strip()[:31].strip("'").strip() or "Sheet"
    if name.lower() == "history":
        name = "History (1)"
    base, i = name, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)].rstrip("'") + suffix
        i += 1
    used.add(name)
    return name


def render(tables: list[Table], path_or_buffer, lang: str = "vi", header: list[str] | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "cchc"  # how a folder run recognises (and skips) cchc's own reports
    wb.properties.title = tables[0].title if tables else "cchc"
    used: set[str] = set()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for tb in tables:
        ws = wb.create_sheet(_sheet_name(tb.title if len(tb.title) <= 31 else tb.key, used))
        r = 1
        _text(ws.cell(r, 1), tb.title).font = Font(bold=True, size=13)
        r += 1
        for line in header or []:
            _text(ws.cell(r, 1), line)
            r += 1
        r += 1
        if tb.groups:
            c = 1
            for title, span in tb.groups:
                if span <= 0:
                    continue
                cell = _text(ws.cell(r, c), title)
                cell.font, cell.alignment = bold, wrap
                if span > 1:
                    ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + span - 1)
                c += span
            r += 1
        for i, name in enumerate(tb.columns, start=1):
            cell = _text(ws.cell(r, i), name)
            cell.font, cell.alignment = bold, wrap
        ws.freeze_panes = ws.cell(r + 1, 1)
        r += 1
        widths = [len(str(c)) for c in tb.columns]
        for row in tb.rows:
            for i, v in enumerate(row, start=1):
                cell = ws.cell(r, i)
                _put(cell, v)
                widths[i - 1] = max(widths[i - 1], min(60, len(str(cell.value or ""))))
            r += 1
        for n in tb.notes:
            r += 1
            _text(ws.cell(r, 1), n).font = Font(italic=True)
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(8, min(60, w + 2))
    wb.save(path_or_buffer)


def _text(cell, s: str):
    """A text cell that stays text: neutralised (formula prefixes, control characters) and
    typed as a string, so that openpyxl never reads it as a formula or an error code."""
    cell.value = xml_text(safe_text(s))
    cell.data_type = "s"
    return cell


def _put(cell, v: Any) -> None:
    from openpyxl.styles import PatternFill

    if isinstance(v, Pct):
        cell.value = v.value
        cell.number_format = "0.00%"
    elif isinstance(v, Styled):
        _text(cell, v.text)
        if v.style in FILLS:
            cell.fill = PatternFill("solid", fgColor=FILLS[v.style])
    elif isinstance(v, str):
        _text(cell, v)
    elif v is None or isinstance(v, (bool, int, float)):
        cell.value = v  # numbers stay numbers
    else:
        _text(cell, str(v))
