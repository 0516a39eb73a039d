"""The view of ``check-targets``: the checks (failures first) with what meeting each target
takes, the inputs, the JSON document, CSV rows, and the verdict line for stderr. JUnit and
GitHub annotations are formats of this view's report (``formats/junit.py``, ``formats/github.py``
render ``Document.source``)."""

from __future__ import annotations

from typing import Any

from ...i18n import number, pct, t
from ...kpis.definitions import BY_CODE
from ..model import Chart, Document, Pct, Styled, Table
from .compute import inputs_table, period_line


def status_label(s: str, lang: str) -> str:
    return t(f"status.{s}", lang)


def action(c, lang: str) -> str:
    """What meeting the failing threshold takes: "cần số hóa thêm 4 kết quả (thiếu 3,89 điểm %)"."""
    if c.needed is None:
        return ""
    over = bool(c.bound and c.bound.endswith("max"))
    gap = t("gap_over" if over else "gap_short", lang, pp=number(c.gap_pp, 2, lang))
    return f"{BY_CODE[c.kpi].action(c.needed, lang)} ({gap})"


def threshold(tg, lang: str) -> str:
    """A target's thresholds as a person reads them: "≥ 40%, cảnh báo < 45%"."""
    parts = []
    if tg.min is not None:
        parts.append(f"≥ {pct(tg.min, 0, lang)}")
    if tg.max is not None:
        parts.append(f"≤ {pct(tg.max, 0, lang)}")
    if tg.warn_min is not None:
        parts.append(t("warn_below", lang, value=pct(tg.warn_min, 0, lang)))
    if tg.warn_max is not None:
        parts.append(t("warn_above", lang, value=pct(tg.warn_max, 0, lang)))
    return ", ".join(parts)


def group_text(g: dict[str, Any], lang: str = "vi") -> str:
    if not g:
        return t("all", lang)
    return " · ".join("—" if v is None else str(v) for v in g.values())


def summary_line(report, lang: str) -> str:
    s = report.summary
    verdict = t("verdict_failed" if report.failed else "verdict_passed", lang)
    if not report.evaluated:
        verdict = t("verdict_nothing_checked", lang)
    return t("verdict_line", lang, verdict=verdict, passed=s["pass"], warned=s["warn"], failed=s["fail"],
             no_data=s["no_data"], name=report.targets.name)


def checks_table(report, lang: str) -> Table:
    cols = [t("kpi", lang), t("group", lang), t("value", lang), t("numerator", lang), t("denominator", lang),
            t("target", lang), t("status", lang), t("to_meet_it", lang)]
    tb = Table("checks", t("title_checks", lang, name=report.targets.name), cols, numeric={2, 3, 4}, keys=2)
    for c in report.ordered():
        tb.rows.append([BY_CODE[c.kpi].label(lang), group_text(c.group), Pct(c.value), c.numerator, c.denominator,
                        threshold(c.target, lang), Styled(status_label(c.status, lang), c.status),
                        action(c, lang) or c.reason_text(lang)])
    if report.targets.source:
        tb.notes.append(t("source_line", lang, source=report.targets.source))
    if report.not_checked:
        tb.notes.append(t("not_checked_line", lang, kpis=", ".join(sorted({tg.kpi for tg in report.not_checked}))))
    return tb


def to_json(result, report, lang: str | None = None) -> dict[str, Any]:
    doc = result.to_json("check-targets")
    doc["targets"] = {"name": report.targets.name, "source": report.targets.source, "origin": report.targets.origin}
    doc["summary"] = report.summary
    doc["passed"] = not report.failed and report.evaluated
    doc["evaluated"] = report.evaluated
    doc["checks"] = [c.to_json(lang) for c in report.ordered()]
    doc["not_checked"] = [tg.model_dump(exclude_none=True) for tg in report.not_checked]
    return doc


def csv_rows(report) -> tuple[list[str], list[list[Any]]]:
    header = ["kpi", "group", "value", "numerator", "denominator", "min", "max", "warn_min", "warn_max",
              "status", "needed", "gap_pp", "target"]
    rows = [[c.kpi, group_text(c.group), "" if c.value is None else repr(c.value), c.numerator, c.denominator,
             c.target.min, c.target.max, c.target.warn_min, c.target.warn_max, c.status, c.needed,
             None if c.gap_pp is None else round(c.gap_pp, 4), c.origin] for c in report.ordered()]
    return header, rows


def check_charts(report, lang: str) -> list[Chart]:
    """Each KPI checked, per group, with its threshold drawn as a line; and the checks'
    results (pass, warning, fail, no data) per group."""
    checks = report.ordered()
    charts = []
    for code in dict.fromkeys(c.kpi for c in sorted(checks, key=lambda c: c.kpi)):
        mine = sorted((c for c in checks if c.kpi == code), key=lambda c: group_text(c.group, lang))
        if not mine or all(c.value is None for c in mine):
            continue
        label = BY_CODE[code].label(lang)
        charts.append(Chart(f"check_{code}", t("chart.kpi_by_unit", lang, kpi=label), "bar", t("group", lang),
                            [group_text(c.group, lang) for c in mine], [(label, [c.value for c in mine])], percent=True,
                            target=[c.target.min if c.target.min is not None else c.target.max for c in mine],
                            target_title=t("chart.target", lang), value_title=t("chart.rate", lang)))
    groups = list(dict.fromkeys(group_text(c.group, lang) for c in sorted(checks, key=lambda c: group_text(c.group, lang))))
    if groups:
        statuses = ("pass", "warn", "fail", "no_data")
        series = [(status_label(st, lang), [sum(1 for c in checks if c.status == st and group_text(c.group, lang) == g)
                                            for g in groups]) for st in statuses]
        charts.append(Chart("pass_fail", t("chart.pass_fail", lang), "stacked", t("group", lang), groups, series,
                            value_title=t("chart.checks", lang), colours=["#4e9a45", "#e0a81e", "#c0392b", "#9aa0a8"]))
    from .form import readable

    return readable(charts)


def document(result, report, lang: str, calendar=None) -> Document:
    """The checks first; the xlsx and html also carry the Biểu 06 forms of the data checked."""
    from .form import forms

    return Document(
        "check-targets", [checks_table(report, lang), inputs_table(result.inputs, result.conflicts, lang)],
        [period_line(result, lang)], to_json(result, report, lang), csv_rows(report),
        source=report,
        verdict=summary_line(report, lang), title=t("html.report_check", lang), charts=check_charts(report, lang),
        forms=lambda: forms(result, lang, calendar),
    )
