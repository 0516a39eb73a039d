"""The view of ``columns``: the header → field mapping of one file, with sample values of
the mapped columns only (never of a column cchc does not use)."""

from __future__ import annotations

from ...i18n import t
from ...kpis.results import envelope
from ..model import Document, Table


def document(raw, lang: str) -> Document:
    from ...reading.layout import column_letter

    m = raw.mapping
    by_pos = {s.column: s for s in m.sources}
    shadow = dict(m.shadowed)
    tb = Table("columns", f"{raw.path}" + (f" — {raw.sheet}" if raw.sheet else ""),
               [t("column", lang), t("header", lang), t("field_name", lang), t("samples", lang)])
    doc_cols = []
    for pos, header in enumerate(m.headers):
        if not header:
            continue
        src = by_pos.get(pos)
        if src is not None:
            field = src.field + (f" ({src.alt})" if src.alt else "")
            s = raw.column(pos)
            vals = [str(v) for v in s.dropna().astype(str).str.strip().loc[lambda x: x != ""].unique()[:3]]
        elif pos in m.ignored:
            field, vals = t("ignored", lang), []
        elif pos in shadow:
            field, vals = f"{shadow[pos]}: {t('shadowed', lang)}", []
        else:
            field, vals = "—", []
        tb.rows.append([column_letter(pos), header, field, ", ".join(vals)])
        doc_cols.append({"position": pos, "header": header, "field": src.field if src else None, "samples": vals})
    missing = m.missing_required()
    unmapped = [m.headers[i] for i in m.unmapped]
    tb.notes.append(t("header_row", lang, row=raw.layout.row + 1) + (t("header_two_rows", lang) if raw.layout.height == 2 else ""))
    if unmapped:
        tb.notes.append(t("unmapped", lang) + ": " + ", ".join(unmapped))
    if missing:
        tb.notes.append(t("required_fields_missing", lang, fields=", ".join(missing)))
    doc = envelope("columns", path=raw.path, sheet=raw.sheet, header_row=raw.layout.row + 1,
                   header_rows=raw.layout.height, columns=doc_cols, unmapped=unmapped, missing_required=missing)
    return Document("columns", [tb], json=doc)


def candidates_document(path: str, rows: list[list[str]], lang: str) -> Document:
    """`cchc columns` when no header was found: the first rows as cchc saw them."""
    width = max(len(r) for r in rows)
    cols = [t("row", lang)] + [chr(65 + i) if i < 26 else str(i + 1) for i in range(width - 1)]
    tb = Table("columns", f"{path}", cols)
    tb.rows = [r + [""] * (width - len(r)) for r in rows]
    tb.notes.append(t("columns.candidates", lang))
    doc = envelope("columns", path=path, header_row=None, candidates=rows)
    return Document("columns", [tb], json=doc)
