"""One self-contained HTML page: the Biểu 06 forms, the charts (inline SVG drawn by
matplotlib), the KPI tables and the checks. Nothing is fetched — no script, no font, no
stylesheet from the network — so the page opens offline, and its print stylesheet makes
"Print → Save as PDF" give an A4 landscape report. Every text from the inputs is escaped.
"""

from __future__ import annotations

import html
from typing import Any

from ...i18n import t
from ..model import Chart, Form, Pct, Styled, Table, doc_forms, xml_text
from .text import cell_text

CSS = """
:root { --ink:#1d2430; --muted:#5b6472; --line:#c9ced6; --head:#eef1f5; --pass:#c6efce; --warn:#ffeb9c;
        --fail:#ffc7ce; --accent:#1f5fa8; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink); margin: 0;
       font-size: 14px; line-height: 1.4; background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; color: var(--accent); }
h2 { font-size: 17px; margin: 32px 0 10px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
.meta { color: var(--muted); margin: 2px 0; }
nav ul { columns: 2; padding-left: 18px; margin: 8px 0; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; vertical-align: middle; }
th { background: var(--head); font-weight: 600; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.key { white-space: nowrap; }
table.form06 td:nth-child(2) { min-width: 210px; }
tr.total td, tr.level td { font-weight: 700; }
tr.total td { background: #f7f8fa; }
tr.numbering td { text-align: center; font-style: italic; color: var(--muted); }
.extra { background: #f4f4f4; color: #444; }
.pass, .ok, .improved { background: var(--pass); }
.warn { background: var(--warn); }
.fail, .regressed { background: var(--fail); }
.no_data, .muted, .unchanged { color: var(--muted); }
tr.row-fail td { background: #fff0f2; }
.note { color: var(--muted); font-style: italic; font-size: 12.5px; margin: 2px 0; }
.form { margin-bottom: 28px; }
.form-top { display: flex; justify-content: space-between; gap: 24px; font-size: 13px; }
.form-title { text-align: center; font-weight: 700; font-size: 15px; margin: 12px 0 2px; }
.form-period { text-align: center; font-style: italic; margin: 0 0 4px; }
.form-measure { text-align: right; font-style: italic; font-size: 12.5px; }
.sign { display: flex; justify-content: space-between; margin: 16px 40px 0; text-align: center; }
.sign small { display: block; font-style: italic; font-weight: 400; }
.scroll { overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 14px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; display: block; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  .form { break-after: page; }
  .scroll { overflow: visible; }
  table { font-size: 9.5px; }
  thead { display: table-header-group; }
  tr, figure.chart { break-inside: avoid; }
  .charts { display: block; }
  figure.chart { width: 80%; margin: 0 auto 10px; }
}
"""


def esc(s: Any) -> str:
    return html.escape(xml_text(str(s)), quote=True)


def render(doc, lang: str = "vi") -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("cchc")
    except PackageNotFoundError:
        ver = ""
    title = doc.title or (doc.tables[0].title if doc.tables else "cchc")
    forms = doc_forms(doc)
    parts = [f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f'<meta name="generator" content="cchc">\n<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n',
             f"<h1>{esc(title)}</h1>\n"]
    for line in doc.header:
        parts.append(f'<p class="meta">{esc(line)}</p>\n')
    # the whole input's form first, then the charts and the tables; the forms of each unit
    # come last (one per reporting unit, long)
    head_forms, unit_forms = forms[:1], forms[1:]
    if doc.command == "check-targets":  # the checks lead; the forms follow the tables
        head_forms, unit_forms = [], forms
    toc = []
    if head_forms:
        toc.append(("forms", t("html.forms", lang)))
    if doc.charts:
        toc.append(("charts", t("title_charts", lang)))
    for tb in doc.tables:
        toc.append((f"t-{tb.key}", tb.title))
    for i, f in enumerate(unit_forms):
        toc.append((f"form-{i + 1}", f.sheet))
    parts.append(f'<nav><h3>{esc(t("html.contents", lang))}</h3><ul>'
                 + "".join(f'<li><a href="#{esc(a)}">{esc(b)}</a></li>' for a, b in toc) + "</ul></nav>\n")
    if head_forms:
        parts.append(f'<h2 id="forms">{esc(t("html.forms", lang))}</h2>\n')
        parts.append(form_html(head_forms[0], lang))
    if doc.charts:
        from .svg import render as svg

        parts.append(f'<h2 id="charts">{esc(t("title_charts", lang))}</h2>\n<div class="charts">\n')
        for ch in doc.charts:
            parts.append(f'<figure class="chart" data-chart="{esc(ch.key)}">{svg(ch, lang)}</figure>\n')
        parts.append("</div>\n")
    for tb in doc.tables:
        parts.append(table_html(tb, lang))
    for i, f in enumerate(unit_forms):
        parts.append(f'<h2 id="form-{i + 1}">{esc(f.sheet)}</h2>\n')
        parts.append(form_html(f, lang, heading=False))
    parts.append(f'<footer>{esc(t("html.generated", lang, version=ver))}</footer>\n</main>\n</body>\n</html>\n')
    return "".join(parts)


def table_html(tb: Table, lang: str) -> str:
    out = [f'<h2 id="t-{esc(tb.key)}">{esc(tb.title)}</h2>\n<div class="scroll"><table class="data">\n<thead>\n']
    if tb.groups:
        out.append("<tr>")
        c = 0
        for title, span in tb.groups:
            if span <= 0:
                continue
            if title:
                out.append(f'<th colspan="{span}">{esc(title)}</th>')
            else:
                out.extend(f'<th rowspan="2">{esc(tb.columns[j])}</th>' for j in range(c, c + span))
            c += span
        out.append("</tr>\n<tr>")
        c = 0
        for title, span in tb.groups:
            if span <= 0:
                continue
            if title:
                out.extend(f"<th>{esc(t('form.total', lang) if tb.columns[j] == title else tb.columns[j])}</th>"
                           for j in range(c, c + span))
            c += span
        out.append("</tr>\n")
    else:
        out.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in tb.columns) + "</tr>\n")
    out.append("</thead>\n<tbody>\n")
    for row in tb.rows:
        failing = any(isinstance(v, Styled) and v.style == "fail" for v in row)
        cells = []
        for i, v in enumerate(row):
            cls = []
            if i in tb.numeric or isinstance(v, (Pct, int, float)) and not isinstance(v, bool):
                cls.append("num")
            elif i < tb.keys:
                cls.append("key")
            if isinstance(v, Styled):
                cls.append(esc(v.style))
            cells.append(f'<td class="{" ".join(cls)}">{esc(cell_text(v, lang))}</td>' if cls else f"<td>{esc(cell_text(v, lang))}</td>")
        out.append(("<tr class='row-fail'>" if failing else "<tr>") + "".join(cells) + "</tr>\n")
    out.append("</tbody></table></div>\n")
    for n in tb.notes:
        out.append(f'<p class="note">{esc(n)}</p>\n')
    return "".join(out)


def form_html(f: Form, lang: str, heading: bool = True) -> str:
    from ..views.form import EXTRA_KEYS, FORM_COLUMNS, form_values

    ncol = 2 + len(FORM_COLUMNS)
    last = ncol + len(EXTRA_KEYS)
    tt = lambda k, **p: esc(t(k, lang, **p))  # noqa: E731
    out = [f'<section class="form" data-unit="{esc(f.unit_label)}">\n' + (f"<h3>{esc(f.sheet)}</h3>\n" if heading else "")
           + '<div class="form-top">'
           f'<div><b>{tt("form.code")}</b><br><i>{tt("form.circular")}</i></div>'
           f'<div>{tt("form.reporting_unit", unit=f.unit_label)}<br>'
           f'{tt("form.receiving_unit", unit=t("form.receiving_unknown", lang))}</div></div>\n'
           f'<p class="form-title">{tt("form.title")}</p>\n'
           f'<p class="form-period">{tt("form.period", start=f"{f.start:%d/%m/%Y}", end=f"{f.end:%d/%m/%Y}")}</p>\n'
           f'<p class="form-measure">{tt("form.measure")}</p>\n<div class="scroll"><table class="form06">\n<thead>\n']
    out.append(f'<tr><th rowspan="3">{tt("form.stt")}</th><th rowspan="3">{tt("form.field")}</th>'
               f'<th colspan="4">{tt("form.received")}</th><th colspan="4">{tt("form.resolved")}</th>'
               f'<th colspan="3">{tt("form.pending")}</th><th colspan="{len(EXTRA_KEYS)}" class="extra">{tt("form.extra")}</th></tr>\n')
    out.append(f'<tr><th rowspan="2">{tt("form.total")}</th><th colspan="3"><i>{tt("form.in_which")}</i></th>'
               + "".join(f'<th rowspan="2">{tt(k)}</th>' for _, k, _ in FORM_COLUMNS[4:])
               + "".join(f'<th rowspan="2" class="extra">{tt(k)}</th>' for k in EXTRA_KEYS) + "</tr>\n")
    out.append("<tr>" + "".join(f"<th>{tt(k)}</th>" for _, k, _ in FORM_COLUMNS[1:4]) + "</tr>\n")
    out.append('<tr class="numbering">' + "".join(("<td class='extra'>" if c > ncol else "<td>") + f"({c})</td>"
                                                    for c in range(1, last + 1)) + "</tr>\n</thead>\n<tbody>\n")
    for r in f.rows:
        vals = form_values(r.values)
        cells = "".join(f'<td class="num{" extra" if i + 3 > ncol else ""}">{esc(cell_text(v, lang))}</td>'
                        for i, v in enumerate(vals))
        out.append(f'<tr class="{r.kind}"><td class="num">{esc(r.stt)}</td><td>{esc(r.label)}</td>{cells}</tr>\n')
    out.append("</tbody></table></div>\n")
    for k in ("form.note_extra", "form.note_reading"):
        out.append(f'<p class="note">{tt(k)}</p>\n')
    if f.source:
        out.append(f'<p class="note">{tt("form.note_source", source=f.source)}</p>\n')
    out.append(f'<div class="sign"><div><b>{tt("form.preparer")}</b><small>{tt("form.sign")}</small></div>'
               f'<div><i>{tt("form.place_date")}</i><br><b>{tt("form.head")}</b><small>{tt("form.sign_seal")}</small></div></div>\n'
               "</section>\n")
    return "".join(out)
