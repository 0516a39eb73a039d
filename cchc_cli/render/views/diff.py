"""The view of ``diff``: summary first, then what improved and regressed, groups that moved
between pass and fail, dossiers added/removed/changed, and edits after the fact."""

from __future__ import annotations

from typing import Any

from ...i18n import number, pct, t
from ...kpis.definitions import BY_CODE
from ..model import Chart, Document, Pct, Styled, Table
from .check import group_text

ORDER = {"regressed": 0, "improved": 1, "new": 2, "gone": 3, "unchanged": 4}
SUMMARY = ("improved", "regressed", "unchanged", "new", "gone")
TARGET_MOVES = ("fail_to_pass", "pass_to_fail")
DOSSIER_COUNTS = ("dossiers_added", "dossiers_removed", "dossiers_changed", "edited_after_the_fact")


def _pp(delta, lang: str) -> str:
    if delta is None:
        return "—"
    return t("pp", lang, value=("+" if delta >= 0 else "-") + number(abs(delta) * 100, 2, lang))


def _side_line(key: str, r, lang: str) -> str:
    return t(key, lang, source=r.origin, start=r.period.start.isoformat(), end=r.period.end.isoformat())


def summary_table(d, lang: str) -> Table:
    s = d.summary
    tb = Table("summary", t("title_diff_summary", lang), ["", t("count", lang)], numeric={1})
    keys = list(SUMMARY) + (list(TARGET_MOVES) if d.targets_name else []) + (list(DOSSIER_COUNTS) if d.dossiers is not None else [])
    for key in keys:
        tb.rows.append([t(f"diff.{key}", lang), s[key]])
    tb.notes.append(_side_line("diff_old_side", d.old, lang))
    tb.notes.append(_side_line("diff_new_side", d.new, lang))
    if d.fail_on_regression is not None:
        tb.notes.append(t("diff_regressed_over", lang, pp=d.fail_on_regression, n=len(d.regressions_over(d.fail_on_regression))))
    return tb


def kpi_table(d, lang: str, only_changed: bool = True) -> Table:
    cols = [t("kpi", lang), t("group", lang), t("old", lang), t("new_value", lang), t("delta", lang), t("change", lang)]
    if d.targets_name:
        cols.append(t("target_old_new", lang))
    tb = Table("kpis", t("title_kpi_changes", lang), cols, numeric={2, 3, 4}, keys=2)
    rows = [c for c in d.kpis if not only_changed or c["change"] != "unchanged"]
    rows.sort(key=lambda c: (ORDER[c["change"]], c["kpi"], group_text(c["group"])))
    for c in rows:
        r = [BY_CODE[c["kpi"]].label(lang), group_text(c["group"], lang), Pct(c["old"]), Pct(c["new"]), _pp(c["delta"], lang),
             Styled(t(f"change.{c['change']}", lang), c["change"])]
        if d.targets_name:
            r.append(f"{c.get('old_status') or '—'} → {c.get('new_status') or '—'}")
        tb.rows.append(r)
    return tb


def moved_table(d, lang: str) -> Table:
    tb = Table("moved", t("title_moved", lang),
               [t("kpi", lang), t("group", lang), t("old", lang), t("new_value", lang), t("move", lang)])
    for m in d.moved:
        tb.rows.append([BY_CODE[m["kpi"]].label(lang), group_text(m["group"], lang), Pct(m["old"]), Pct(m["new"]),
                        Styled(f"{m['from']} → {m['to']}", "pass" if m["to"] == "pass" else "fail")])
    return tb


def after_table(d, lang: str) -> Table:
    tb = Table("after_the_fact", t("title_after_the_fact", lang),
               ["dossier_id", t("field_name", lang), t("old", lang), t("new_value", lang), t("effect", lang)])
    for r in d.dossiers.after_the_fact:
        flags = ", ".join(t(f"flag.{f}", lang) for f in r["flags"])
        for i, (f, v) in enumerate(r["fields"].items()):
            tb.rows.append([r["dossier_id"] if i == 0 else "", f, v["old"], v["new"],
                            Styled(flags, "fail") if i == 0 and flags else ""])
    for imp in d.dossiers.impact:
        tb.notes.append(t("impact_line", lang, kpi=BY_CODE[imp["kpi"]].label(lang),
                          before=pct(imp["value_without_edits"], 2, lang), after=pct(imp["value_with_edits"], 2, lang),
                          delta=_pp(imp["delta"], lang), num=f"{imp['numerator_change']:+d}",
                          den=f"{imp['denominator_change']:+d}"))
    return tb


def changes_table(d, lang: str) -> Table:
    dd = d.dossiers
    tb = Table("changes", t("title_dossier_changes", lang),
               ["dossier_id", t("field_name", lang), t("old", lang), t("new_value", lang)])
    for c in dd.changes:
        tb.rows.append([c["dossier_id"], c["field"], c["old"], c["new"]])
    tb.notes.append(t("changes_line", lang, added=dd.added, removed=dd.removed, changed=dd.changed,
                      fields=", ".join(f"{k}: {v}" for k, v in dd.by_field.items())))
    if dd.changed and len(dd.changes) < sum(dd.by_field.values()):
        tb.notes.append(t("changes_first_only", lang, n=len(dd.changes)))
    for side, v in dd.duplicates.items():
        if v["rows"]:
            tb.notes.append(t("changes_duplicates", lang, side=t(f"side.{side}", lang), rows=v["rows"], conflicts=v["conflicts"]))
    return tb


def diff_tables(d, lang: str) -> list[Table]:
    tables = [summary_table(d, lang), kpi_table(d, lang)]
    if d.moved:
        tables.append(moved_table(d, lang))
    if d.dossiers is not None:
        if d.dossiers.after_the_fact:
            tables.append(after_table(d, lang))
        tables.append(changes_table(d, lang))
    return tables


def csv_rows(d) -> tuple[list[str], list[list[Any]]]:
    header = ["kpi"] + list(d.group_by) + ["old", "new", "delta", "change", "old_numerator", "old_denominator",
                                            "new_numerator", "new_denominator", "old_status", "new_status"]
    rows = []
    for c in d.kpis:
        rows.append([c["kpi"]] + [c["group"].get(k) for k in d.group_by] + [
            c["old"], c["new"], c["delta"], c["change"], c["old_numerator"], c["old_denominator"],
            c["new_numerator"], c["new_denominator"], c.get("old_status"), c.get("new_status")])
    return header, rows


def diff_charts(d, lang: str) -> list[Chart]:
    """Each KPI before and after, per group (the overall value included)."""
    charts = []
    for code in dict.fromkeys(c["kpi"] for c in d.kpis):
        rows = sorted((c for c in d.kpis if c["kpi"] == code), key=lambda c: (bool(c["group"]), group_text(c["group"], lang)))
        if all(c["old"] is None and c["new"] is None for c in rows):
            continue
        label = BY_CODE[code].label(lang)
        charts.append(Chart(f"diff_{code}", t("chart.before_after", lang, kpi=label), "bar", t("group", lang),
                            [group_text(c["group"], lang) for c in rows],
                            [(t("old", lang), [c["old"] for c in rows]), (t("new_value", lang), [c["new"] for c in rows])],
                            percent=True, value_title=t("chart.rate", lang)))
    from .form import readable

    return readable(charts)


def document(d, lang: str) -> Document:
    return Document("diff", diff_tables(d, lang), json=d.to_json(), csv=csv_rows(d), title=t("html.report_diff", lang),
                    charts=diff_charts(d, lang))
