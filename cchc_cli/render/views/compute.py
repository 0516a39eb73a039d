"""The view of ``compute``: inputs, the report form counts, KPIs overall and per group,
problems and conflicts, as neutral tables; the JSON document and the CSV rows."""

from __future__ import annotations

from typing import Any

from ...i18n import note_text, t
from ...kpis.definitions import BY_CODE
from ...kpis.dossiers import COUNT_KEYS
from ..model import Document, Pct, Table

def inputs_table(reports, conflict_count: int, lang: str) -> Table:
    tb = Table("inputs", t("title_inputs", lang),
               [t("file", lang), t("rows", lang), t("used", lang), t("rejected", lang), t("duplicates", lang), t("notes", lang)],
               numeric={1, 2, 3, 4})
    for rep in reports:
        notes = [t("header_row", lang, row=rep.header_row)] if rep.header_row else []
        notes += [note_text(n.code, n.params, lang) for n in rep.notes]
        if rep.totals_rows:
            notes.append(t("totals_row", lang, rows=", ".join(map(str, rep.totals_rows))))
        if rep.blank_rows:
            notes.append(t("blank_rows", lang, n=rep.blank_rows))
        if rep.footer_rows:
            notes.append(t("footer_rows", lang, n=rep.footer_rows))
        tb.rows.append([rep.path, rep.rows, rep.used, rep.rejected, rep.duplicates, "; ".join(notes)])
        if rep.kind != "dossiers":
            tb.rows[-1][0] = f"{rep.path} [{rep.kind}]"
    tot = [sum(getattr(r, k) for r in reports) for k in ("rows", "used", "rejected", "duplicates")]
    tb.notes.append(t("reconcile", lang, rows=tot[0], used=tot[1], rejected=tot[2], duplicates=tot[3]))
    if conflict_count:
        tb.notes.append(t("conflicts", lang, n=conflict_count))
    return tb


def counts_table(result, lang: str) -> Table:
    keys = result.group_by
    head = [t(k, lang) for k in keys] or [t("unit", lang)]
    cols = head + [t(k, lang) for k in COUNT_KEYS if k != "unknown_state"]
    if any(c["unknown_state"] for c in result.counts):
        cols.append(t("unknown_state", lang))
    n = len(head)
    groups = [("", n), (t("received", lang), 7), (t("resolved", lang), 5), (t("pending", lang), 4), ("", len(cols) - n - 16)]
    tb = Table("counts", t("title_counts", lang), cols, groups=groups, numeric=set(range(n, len(cols))), keys=n)
    for c in result.counts:
        g = c.group_dict
        label = [("—" if g.get(k) is None else g.get(k)) for k in keys] if g else [t("all_scope", lang)] * n
        vals = [c[k] for k in COUNT_KEYS if k != "unknown_state"]
        if len(cols) > n + len(vals):
            vals.append(c["unknown_state"])
        tb.rows.append(label + vals)
    return tb


def kpi_table(result, lang: str) -> Table:
    tb = Table("kpis", t("title_kpis", lang) + " — " + t("all", lang),
               [t("kpi", lang), t("code", lang), t("numerator", lang), t("denominator", lang), t("value", lang), t("excluded", lang),
                t("excluded_why", lang)],
               numeric={2, 3, 4, 5})
    for r in result.results:
        if r.group:
            continue
        k = BY_CODE[r.kpi]
        why = ", ".join(f"{f}: {n}" for f, n in r.excluded_by)
        tb.rows.append([k.label(lang), k.code, r.numerator, r.denominator, Pct(r.value), r.excluded, why])
    for u in result.unavailable:
        k = BY_CODE[u.kpi]
        tb.notes.append(f"{k.label(lang)} ({k.code}): {t('unavailable', lang).lower()} — "
                        f"{t('missing_columns', lang)} {', '.join(u.columns)}")
    return tb


def grouped_kpi_table(result, lang: str) -> Table | None:
    keys = result.group_by
    if not keys:
        return None
    codes = list(dict.fromkeys(r.kpi for r in result.results if r.group))
    tb = Table("by_" + "_".join(keys), t("title_kpis", lang) + " — " + ", ".join(t(k, lang) for k in keys),
               [t(k, lang) for k in keys] + [BY_CODE[c].short(lang) for c in codes],
               numeric=set(range(len(keys), len(keys) + len(codes))), keys=len(keys))
    rows: dict[tuple, dict[str, Any]] = {}
    for r in result.results:
        if not r.group:
            continue
        g = r.group_dict
        key = tuple(g.get(k) for k in keys)
        rows.setdefault(key, {})[r.kpi] = r.value
    for key, vals in rows.items():
        tb.rows.append([("—" if v is None else v) for v in key] + [Pct(vals.get(c)) for c in codes])
    tb.notes.append(", ".join(f"{BY_CODE[c].short(lang)} = {BY_CODE[c].label(lang)}" for c in codes))
    return tb


def problems_table(problems, lang: str, limit: int = 200) -> Table:
    tb = Table("problems", t("title_problems", lang),
               [t("file", lang), t("column", lang), t("problem", lang), t("count", lang), t("examples", lang)], numeric={3})
    for p in problems[:limit]:
        what = t(p.code, lang)
        if p.value is not None:
            what += f": '{p.value}'"
        ex = ", ".join(f"{t('row', lang).lower()} {r}" + (f" '{v}'" if v and p.value is None else "") for r, v in p.examples)
        tb.rows.append([p.file, p.column or "—", what, p.count, ex])
    return tb


def conflicts_rows(conflicts) -> list[list[Any]]:
    return [[c.dossier_id, ", ".join(c.fields), f"{c.kept[0]}:{c.kept[1]}", "; ".join(f"{f}:{r}" for f, r in c.others)]
            for c in conflicts]


def conflicts_table(result, lang: str) -> Table:
    tb = Table("conflicts", t("title_conflicts", lang), ["dossier_id", t("field_name", lang), t("kept", lang), t("file", lang)])
    tb.rows = conflicts_rows(result.dataset.conflicts)
    return tb


def compute_tables(result, lang: str) -> list[Table]:
    tables = [inputs_table(result.inputs, result.conflicts, lang), counts_table(result, lang), kpi_table(result, lang)]
    g = grouped_kpi_table(result, lang)
    if g:
        tables.append(g)
    if result.problems:
        tables.append(problems_table(result.problems, lang, limit=20))
    if result.dataset is not None and result.dataset.conflicts:
        tables.append(conflicts_table(result, lang))
    missing = result.notes.get("catalogue_missing")
    if missing:
        tb = Table("catalogue_missing", t("title_catalogue_missing", lang), ["procedure_code", t("count", lang)], numeric={1})
        tb.rows = [[m["procedure_code"], m["dossiers"]] for m in missing]
        tables.append(tb)
    return tables


def period_line(result, lang: str) -> str:
    line = f"{t('period', lang)}: {result.period.start:%d/%m/%Y} – {result.period.end:%d/%m/%Y}"
    if result.period.inferred:
        line += f" ({t('period_inferred', lang)})"
    return line


def _group_cells(g: dict[str, Any], keys: list[str], lang: str) -> list[Any]:
    """The group columns of a CSV row: an overall row says so in every group column (never
    an empty cell); a group's blank value is "—"."""
    if not g:
        return [t("all_scope", lang)] * len(keys)
    return [("—" if g.get(k) is None else g.get(k)) for k in keys]


def _scope(g: dict[str, Any]) -> str:
    """The last column of a CSV row: ``overall`` or ``group`` (last, so that the columns
    readers already take by position keep their place)."""
    return "group" if g else "overall"


def results_rows(result, lang: str) -> tuple[list[str], list[list[Any]]]:
    """One CSV row per group and KPI (``--table kpis``, the default)."""
    keys = list(result.group_by)
    header = keys + ["kpi", "label", "numerator", "denominator", "value", "excluded", "scope"]
    rows = []
    for r in result.results:
        rows.append(_group_cells(r.group_dict, keys, lang) + [r.kpi, BY_CODE[r.kpi].label(lang), r.numerator,
                    r.denominator, "" if r.value is None else repr(r.value), r.excluded, _scope(r.group_dict)])
    return header, rows


def counts_rows(result, lang: str) -> tuple[list[str], list[list[Any]]]:
    """One CSV row per group with the report counts (``--table counts``)."""
    keys = list(result.group_by)
    header = keys + list(COUNT_KEYS) + ["scope"]
    rows = [_group_cells(c.group_dict, keys, lang) + [c.values.get(k, 0) for k in COUNT_KEYS] + [_scope(c.group_dict)]
            for c in result.counts]
    return header, rows


def document(result, lang: str, calendar=None, table: str = "kpis") -> Document:
    """``table``: what ``--format csv`` writes, ``kpis`` (one row per group and KPI) or
    ``counts`` (one row per group with the report counts)."""
    from .form import compute_charts, forms

    csv = counts_rows(result, lang) if table == "counts" else results_rows(result, lang)
    return Document("compute", compute_tables(result, lang), [period_line(result, lang)],
                    result.to_json(), csv, title=t("html.report_compute", lang),
                    forms=lambda: forms(result, lang, calendar), charts=compute_charts(result, lang),
                    )
