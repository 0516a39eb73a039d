"""The view of ``validate``: what was read, mapped and rejected, and why."""

from __future__ import annotations

from ...i18n import note_text, t
from ...kpis.results import envelope
from ..model import Document, Table
from .compute import conflicts_rows, inputs_table, problems_table


def document(sources, lang: str) -> Document:
    """``sources``: a dataset.Inputs (every input by kind) or a single Dataset."""
    datasets = sources.all() if hasattr(sources, "all") else [sources]
    reports = [i for d in datasets for i in d.inputs]
    problems = [p for d in datasets for p in d.problems]
    conflicts = [c for d in datasets for c in d.conflicts]
    n_conflicts = sum(d.conflict_count for d in datasets)
    doc = envelope(
        "validate",
        inputs=[dict(i.to_json(), header_row=i.header_row, sheet=i.sheet, encoding=i.encoding,
                     totals_rows=i.totals_rows, blank_rows=i.blank_rows, footer_rows=i.footer_rows,
                     mapped=i.mapped, notes=[note_text(n.code, n.params, lang) for n in i.notes])
                for i in reports],
        problems=[{"file": p.file, "field": p.field, "column": p.column, "code": p.code,
                   "message": t(p.code, lang), "count": p.count, "value": p.value, "rows": p.rows,
                   "examples": [{"row": r, "value": v} for r, v in p.examples], "rejects": p.rejects}
                  for p in problems],
        conflicts={"count": n_conflicts,
                   "examples": [{"dossier_id": c.dossier_id, "fields": c.fields,
                                 "kept": {"file": c.kept[0], "row": c.kept[1]},
                                 "others": [{"file": f, "row": r} for f, r in c.others]}
                                for c in conflicts]},
    )
    tables = [inputs_table(reports, n_conflicts, lang), problems_table(problems, lang, limit=10_000)]
    if conflicts:
        ct = Table("conflicts", t("title_conflicts", lang), ["dossier_id", t("field_name", lang), t("kept", lang), t("file", lang)])
        ct.rows = conflicts_rows(conflicts)
        tables.append(ct)
    return Document("validate", tables, json=doc)
