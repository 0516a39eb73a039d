"""A workbook a person sends upward.

For ``compute``: Biểu số 06/VPCP/KSTT first — one sheet for the whole input and one per
reporting unit, the 13 numbered columns exactly as Thông tư 01/2020/TT-VPCP has them, then
the extra columns cchc counts, explained in a note — then a sheet per table (the KPI sheet
of each grouping), then native Excel charts over a sheet of their data. For every command:
numbers as numbers, percentages as percentages, header rows repeated on every printed page,
landscape A4 fitted to the width. Text cells are neutralised against formula injection.
"""

from __future__ import annotations

from typing import Any

from ...i18n import t
from ..model import Chart, Form, Pct, Styled, Table, clean_controls, doc_forms, safe_text, xml_text

FILLS = {"pass": "C6EFCE", "ok": "C6EFCE", "warn": "FFEB9C", "fail": "FFC7CE", "improved": "C6EFCE", "regressed": "FFC7CE"}
INT_FORMAT = "#,##0"
PCT_FORMAT = "0.00%"


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


def _print_setup(ws, title_rows: str | None = None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title_rows:
        ws.print_title_rows = title_rows


def render(tables: list[Table], path_or_buffer, lang: str = "vi", header: list[str] | None = None, doc=None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "cchc"  # how a folder run recognises (and skips) cchc's own reports
    wb.properties.title = (doc.title if doc is not None and doc.title else None) or (tables[0].title if tables else "cchc")
    used: set[str] = set()
    first = tables[:1] if doc is not None and doc.command == "check-targets" else []  # the checks lead
    for tb in first:
        table_sheet(wb, tb, used, lang, header)
    if doc is not None:
        for form in doc_forms(doc):
            form_sheet(wb, form, used, lang)
    for tb in tables[len(first):]:
        table_sheet(wb, tb, used, lang, header)
    if doc is not None and doc.charts:
        chart_sheets(wb, doc.charts, used, lang)
    wb.save(path_or_buffer)


# ------------------------------------------------------------------ a neutral table


def table_sheet(wb, tb: Table, used: set[str], lang: str, header: list[str] | None = None):
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_sheet_name(tb.title if len(tb.title) <= 31 else tb.key, used))
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    r = 1
    _text(ws.cell(r, 1), tb.title).font = Font(bold=True, size=13)
    r += 1
    for line in header or []:
        _text(ws.cell(r, 1), line)
        r += 1
    r += 1
    first_head = r
    if tb.groups:
        c = 1
        for title, span in tb.groups:
            if span <= 0:
                continue
            if title:
                cell = _text(ws.cell(r, c), title)
                cell.font, cell.alignment = bold, wrap
                if span > 1:
                    ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + span - 1)
            else:  # a column without a group title: its header spans both header rows
                for j in range(c, c + span):
                    ws.merge_cells(start_row=r, start_column=j, end_row=r + 1, end_column=j)
            c += span
        r += 1
    group_of = _group_titles(tb)
    for i, name in enumerate(tb.columns, start=1):
        # under a group title, the column that repeats it is the group's total
        shown = t("form.total", lang) if group_of.get(i - 1) == name and name else name
        row = first_head if tb.groups and not group_of.get(i - 1) else r
        cell = _text(ws.cell(row, i), shown)
        cell.font, cell.alignment = bold, wrap
    for row in ws.iter_rows(min_row=first_head, max_row=r, max_col=len(tb.columns)):
        for cell in row:
            cell.border = box
    ws.freeze_panes = ws.cell(r + 1, 1)
    _print_setup(ws, f"{first_head}:{r}")
    r += 1
    widths = [len(str(c)) for c in tb.columns]
    from openpyxl.styles import PatternFill

    failing = PatternFill("solid", fgColor="FFF0F2")
    for row in tb.rows:
        failed = any(isinstance(v, Styled) and v.style == "fail" for v in row)
        for i, v in enumerate(row, start=1):
            cell = ws.cell(r, i)
            if failed:  # a failing check stands out across its whole row
                cell.fill = failing
            _put(cell, v)
            widths[i - 1] = max(widths[i - 1], min(60, len(_shown(cell.value))))
        r += 1
    for n in tb.notes:
        r += 1
        _text(ws.cell(r, 1), n).font = Font(italic=True)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, min(60, w + 2))
    return ws


def _shown(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2%}"
    return "" if v is None else str(v)


def _group_titles(tb: Table) -> dict[int, str]:
    out: dict[int, str] = {}
    if not tb.groups:
        return out
    c = 0
    for title, span in tb.groups:
        for j in range(c, c + max(span, 0)):
            out[j] = title
        c += max(span, 0)
    return out


# ------------------------------------------------------------------ Biểu 06


def form_sheet(wb, form: Form, used: set[str], lang: str):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from ..views.form import EXTRA_KEYS, FORM_COLUMNS, form_values

    ws = wb.create_sheet(_sheet_name(form.sheet, used))
    ncol = 2 + len(FORM_COLUMNS)  # 13
    last = ncol + len(EXTRA_KEYS)
    bold = Font(bold=True)
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def merged(r1, c1, r2, c2, text, font=None, align=center):
        cell = _text(ws.cell(r1, c1), text)
        cell.alignment = align
        if font is not None:
            cell.font = font
        if (r1, c1) != (r2, c2):
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        return cell

    left = Alignment(horizontal="left", vertical="center", wrap_text=False)
    merged(1, 1, 1, 4, t("form.code", lang), bold, left)
    merged(2, 1, 2, 6, t("form.circular", lang), Font(italic=True, size=9), left)
    merged(1, 8, 1, ncol, t("form.reporting_unit", lang, unit=form.unit_label), None, left)
    merged(2, 8, 2, ncol, t("form.receiving_unit", lang, unit=t("form.receiving_unknown", lang)), None, left)
    merged(4, 1, 4, ncol, t("form.title", lang), Font(bold=True, size=13))
    merged(5, 1, 5, ncol, t("form.period", lang, start=f"{form.start:%d/%m/%Y}", end=f"{form.end:%d/%m/%Y}"),
           Font(italic=True))
    merged(6, 10, 6, ncol, t("form.measure", lang), Font(italic=True), Alignment(horizontal="right"))
    ws.row_dimensions[4].height = 34

    h1, h2, h3, num = 7, 8, 9, 10
    merged(h1, 1, h3, 1, t("form.stt", lang), bold)
    merged(h1, 2, h3, 2, t("form.field", lang), bold)
    merged(h1, 3, h1, 6, t("form.received", lang), bold)
    merged(h1, 7, h1, 10, t("form.resolved", lang), bold)
    merged(h1, 11, h1, 13, t("form.pending", lang), bold)
    merged(h2, 3, h3, 3, t("form.total", lang), bold)
    merged(h2, 4, h2, 6, t("form.in_which", lang), Font(italic=True))
    for c, (_, key, _) in enumerate(FORM_COLUMNS[1:4], start=4):
        merged(h3, c, h3, c, t(key, lang), bold)
    for c, (_, key, _) in enumerate(FORM_COLUMNS[4:], start=7):
        merged(h2, c, h3, c, t(key, lang), bold)
    merged(h1, ncol + 1, h1, last, t("form.extra", lang), Font(bold=True, color="555555"))
    for c, key in enumerate(EXTRA_KEYS, start=ncol + 1):
        merged(h2, c, h3, c, t(key, lang), Font(color="555555"))
    for c in range(1, last + 1):
        cell = ws.cell(num, c)
        cell.value = f"({c})"
        cell.alignment = center
        cell.font = Font(italic=True)
    extra_fill = PatternFill("solid", fgColor="F2F2F2")
    for row in ws.iter_rows(min_row=h1, max_row=num, max_col=last):
        for cell in row:
            cell.border = box
            if cell.column > ncol:
                cell.fill = extra_fill
    r = num + 1
    for fr in form.rows:
        font = Font(bold=True) if fr.kind in ("total", "level") else None
        c1 = ws.cell(r, 1)
        if fr.stt:
            _text(c1, fr.stt)
        c1.alignment = Alignment(horizontal="center")
        c2 = _text(ws.cell(r, 2), fr.label)
        c2.alignment = Alignment(wrap_text=True, vertical="center", indent=1 if fr.kind == "field" else 0)
        for c, v in enumerate(form_values(fr.values), start=3):
            cell = ws.cell(r, c)
            cell.value = int(v)
            cell.number_format = INT_FORMAT
            if c > ncol:
                cell.fill = extra_fill
        for c in range(1, last + 1):
            ws.cell(r, c).border = box
            if font is not None:
                ws.cell(r, c).font = font
        r += 1
    r += 1
    for key in ("form.note_extra", "form.note_reading"):
        merged(r, 1, r, last, t(key, lang), Font(italic=True, size=9), Alignment(wrap_text=True, vertical="top"))
        ws.row_dimensions[r].height = 30
        r += 1
    if form.source:
        merged(r, 1, r, last, t("form.note_source", lang, source=form.source), Font(italic=True, size=9),
               Alignment(wrap_text=True, vertical="top"))
        r += 1
    r += 1
    merged(r, 9, r, ncol, t("form.place_date", lang), Font(italic=True))
    r += 1
    merged(r, 1, r, 5, t("form.preparer", lang), bold)
    merged(r, 9, r, ncol, t("form.head", lang), bold)
    r += 1
    merged(r, 1, r, 5, t("form.sign", lang), Font(italic=True))
    merged(r, 9, r, ncol, t("form.sign_seal", lang), Font(italic=True))

    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 38
    for c in range(3, last + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11 if c <= ncol else 13
    ws.row_dimensions[h3].height = 45
    ws.freeze_panes = ws.cell(num + 1, 3)
    _print_setup(ws, f"{h1}:{num}")
    return ws


# ------------------------------------------------------------------ charts


def chart_sheets(wb, charts: list[Chart], used: set[str], lang: str) -> None:
    """A sheet of the charts' numbers, and a sheet of native Excel charts drawn from it."""
    from openpyxl.chart import BarChart, LineChart, PieChart, Reference

    data = wb.create_sheet(_sheet_name(t("title_chart_data", lang), used))
    sheet = wb.create_sheet(_sheet_name(t("title_charts", lang), used))
    _print_setup(sheet)
    r = 1
    for n, ch in enumerate(charts):
        _text(data.cell(r, 1), ch.title).font = _bold()
        r += 1
        head = r
        _text(data.cell(head, 1), ch.category_title)
        for j, (name, _) in enumerate(ch.series, start=2):
            _text(data.cell(head, j), name)
        tcol = None
        if ch.target is not None and any(v is not None for v in ch.target):
            tcol = len(ch.series) + 2
            _text(data.cell(head, tcol), ch.target_title)
        for i, cat in enumerate(ch.categories, start=1):
            _text(data.cell(head + i, 1), cat)
            for j, (_, vals) in enumerate(ch.series, start=2):
                cell = data.cell(head + i, j)
                cell.value = vals[i - 1]
                cell.number_format = PCT_FORMAT if ch.percent else INT_FORMAT
            if tcol:
                cell = data.cell(head + i, tcol)
                cell.value = ch.target[i - 1]
                cell.number_format = PCT_FORMAT
        end = head + len(ch.categories)
        cats = Reference(data, min_col=1, min_row=head + 1, max_row=end)
        vals = Reference(data, min_col=2, max_col=len(ch.series) + 1, min_row=head, max_row=end)
        if ch.kind == "pie":
            c = PieChart()
        elif ch.kind == "line":
            c = LineChart()
        else:
            c = BarChart()
            c.type = "bar" if len(ch.categories) > 6 else "col"
            if ch.kind == "stacked":
                c.grouping = "stacked"
                c.overlap = 100
        c.title = ch.title
        c.add_data(vals, titles_from_data=True)
        c.set_categories(cats)
        if ch.kind != "pie":
            c.y_axis.title = ch.value_title
            c.y_axis.numFmt = "0%" if ch.percent else "#,##0"
            c.y_axis.majorGridlines = None if ch.kind == "stacked" else c.y_axis.majorGridlines
            c.y_axis.delete = False
            c.x_axis.delete = False
            if ch.percent:
                c.y_axis.scaling.min = 0
                c.y_axis.scaling.max = 1
        if ch.colours and ch.kind != "pie":
            for sr, colour in zip(c.series, ch.colours):
                sr.graphicalProperties.solidFill = colour.lstrip("#")
                sr.graphicalProperties.line.solidFill = colour.lstrip("#")
        if tcol:
            line = LineChart()
            line.add_data(Reference(data, min_col=tcol, min_row=head, max_row=end), titles_from_data=True)
            line.set_categories(cats)
            line.series[0].graphicalProperties.line.solidFill = "C00000"
            line.series[0].graphicalProperties.line.dashStyle = "dash"
            line.series[0].smooth = False
            c += line
        c.width, c.height = 17, 9
        sheet.add_chart(c, f"{'A' if n % 2 == 0 else 'L'}{1 + (n // 2) * 19}")
        r = end + 2
    data.column_dimensions["A"].width = 34


def _bold():
    from openpyxl.styles import Font

    return Font(bold=True)


# ------------------------------------------------------------------ cells


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
        cell.number_format = PCT_FORMAT
    elif isinstance(v, Styled):
        _text(cell, v.text)
        if v.style in FILLS:
            cell.fill = PatternFill("solid", fgColor=FILLS[v.style])
    elif isinstance(v, str):
        _text(cell, v)
    elif isinstance(v, bool) or v is None:
        cell.value = v
    elif isinstance(v, int):
        cell.value = v  # numbers stay numbers
        cell.number_format = INT_FORMAT
    elif isinstance(v, float):
        cell.value = v
    else:
        _text(cell, str(v))
