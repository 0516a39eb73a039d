"""check-targets outputs: tables (failures first), JSON, JUnit XML, GitHub annotations."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _quoteattr

from ..i18n import pct, t
from ..kpis.definitions import BY_CODE
from .model import Pct, Styled, Table, clean_controls, xml_text


def xml_escape(s: str) -> str:
    """Element text: escaped, and only characters XML 1.0 allows (a unit name with a
    control character must not make the report unreadable)."""
    return _xml_escape(xml_text(s))


def quoteattr(s: str) -> str:
    """An attribute value: quoted, escaped, XML 1.0 characters only, line breaks and tabs
    as character references (an attribute keeps them only so)."""
    return _quoteattr(xml_text(s), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})

STATUS_LABEL = {"pass": ("đạt", "pass"), "warn": ("cảnh báo", "warn"), "fail": ("không đạt", "fail"),
                "no_data": ("không có dữ liệu", "no data")}


def status_label(s: str, lang: str) -> str:
    return STATUS_LABEL[s][0 if lang == "vi" else 1]


def action(c, lang: str) -> str:
    if c.needed is None:
        return ""
    text = BY_CODE[c.kpi].action(c.needed, lang)
    gap = f"{c.gap_pp:.2f}".replace(".", ",") if lang == "vi" else f"{c.gap_pp:.2f}"
    over = bool(c.bound and c.bound.endswith("max"))
    word = ("vượt" if over else "thiếu") if lang == "vi" else ("over by" if over else "short by")
    return f"{text} ({word} {gap} {'điểm %' if lang == 'vi' else 'pp'})"


def threshold(tg, lang: str) -> str:
    """A target's thresholds as a person reads them: "≥ 40%, cảnh báo < 45%"."""
    parts = []
    if tg.min is not None:
        parts.append(f"≥ {pct(tg.min, 0, lang)}")
    if tg.max is not None:
        parts.append(f"≤ {pct(tg.max, 0, lang)}")
    if tg.warn_min is not None:
        parts.append(("cảnh báo < " if lang == "vi" else "warn < ") + pct(tg.warn_min, 0, lang))
    if tg.warn_max is not None:
        parts.append(("cảnh báo > " if lang == "vi" else "warn > ") + pct(tg.warn_max, 0, lang))
    return ", ".join(parts)


def group_text(g: dict[str, Any], lang: str = "vi") -> str:
    if not g:
        return t("all", lang)
    return " · ".join("—" if v is None else str(v) for v in g.values())


def summary_line(report, lang: str) -> str:
    s = report.summary
    if lang == "vi":
        text = f"{s['pass']} đạt, {s['warn']} cảnh báo, {s['fail']} không đạt, {s['no_data']} không có dữ liệu"
        verdict = "KHÔNG ĐẠT" if report.failed else "ĐẠT"
        return f"Kết quả: {verdict} — {text} ({report.targets.name})"
    text = f"{s['pass']} pass, {s['warn']} warn, {s['fail']} fail, {s['no_data']} no data"
    return f"Result: {'FAILED' if report.failed else 'PASSED'} — {text} ({report.targets.name})"


def checks_table(report, lang: str) -> Table:
    cols = [t("kpi", lang), "Nhóm" if lang == "vi" else "Group", t("value", lang), t("numerator", lang),
            t("denominator", lang), "Chỉ tiêu" if lang == "vi" else "Target", "Kết quả" if lang == "vi" else "Status",
            "Cần làm" if lang == "vi" else "To meet it"]
    tb = Table("checks", ("Kiểm tra chỉ tiêu" if lang == "vi" else "Target checks") + f" — {report.targets.name}",
               cols, numeric={2, 3, 4})
    for c in report.ordered():
        tb.rows.append([BY_CODE[c.kpi].label(lang), group_text(c.group), Pct(c.value), c.numerator, c.denominator,
                        threshold(c.target, lang), Styled(status_label(c.status, lang), c.status),
                        action(c, lang) or c.reason_text(lang)])
    tb.notes.append(summary_line(report, lang))
    if report.targets.source:
        tb.notes.append(("Nguồn: " if lang == "vi" else "Source: ") + report.targets.source)
    if report.not_checked:
        names = ", ".join(sorted({tg.kpi for tg in report.not_checked}))
        tb.notes.append((f"Không kiểm tra (thiếu đầu vào tương ứng): {names}" if lang == "vi"
                         else f"Not checked (their input was not given): {names}"))
    return tb


def to_json(result, report, lang: str | None = None) -> dict[str, Any]:
    doc = result.to_json("check-targets")
    doc["targets"] = {"name": report.targets.name, "source": report.targets.source, "origin": report.targets.origin}
    doc["summary"] = report.summary
    doc["passed"] = not report.failed
    doc["checks"] = [c.to_json(lang) for c in report.ordered()]
    doc["not_checked"] = [t.model_dump(exclude_none=True) for t in report.not_checked]
    return doc


def junit(report, lang: str) -> str:
    """One testcase per check; a failing check is a <failure>, no data a <skipped> (or a
    failure under --fail-on no-data), a warning passes with its message in <system-out>
    (or fails under --fail-on warn)."""
    checks = report.ordered()
    failures = sum(1 for c in checks if report.is_failure(c))
    skipped = sum(1 for c in checks if c.status == "no_data" and not report.is_failure(c))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="cchc check-targets" tests="{len(checks)}" failures="{failures}" errors="0" skipped="{skipped}">',
           f'  <testsuite name={quoteattr("cchc check-targets: " + report.targets.name)} tests="{len(checks)}" '
           f'failures="{failures}" errors="0" skipped="{skipped}">']
    for c in checks:
        name = f"{group_text(c.group)}"
        msg = f"{BY_CODE[c.kpi].label(lang)}: {pct(c.value, 2, lang)} ({c.numerator}/{c.denominator}), {threshold(c.target, lang)}"
        out.append(f'    <testcase classname={quoteattr(c.kpi)} name={quoteattr(name)}>')
        if report.is_failure(c):
            detail = action(c, lang) or c.reason_text(lang)
            out.append(f'      <failure type={quoteattr(c.status)} message={quoteattr(msg)}>{xml_escape(detail)}</failure>')
        elif c.status == "no_data":
            out.append(f'      <skipped message={quoteattr(msg + " — " + status_label("no_data", lang))}/>')
        elif c.status == "warn":
            out.append(f'      <system-out>{xml_escape(msg + " — " + action(c, lang))}</system-out>')
        out.append("    </testcase>")
    out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def _gh_escape(s: str, prop: bool = False) -> str:
    s = clean_controls(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def github(report, lang: str) -> str:
    """GitHub Actions workflow commands: ::error for failures, ::warning for warnings."""
    lines = []
    for c in report.ordered():
        if c.status == "pass":
            continue
        level = "error" if report.is_failure(c) else "warning"
        title = f"{c.kpi} — {group_text(c.group)}"
        msg = (f"{BY_CODE[c.kpi].label(lang)}: {pct(c.value, 2, lang)} ({c.numerator}/{c.denominator}), "
               f"{threshold(c.target, lang)}. {action(c, lang) or c.reason_text(lang)}").strip()
        lines.append(f"::{level} title={_gh_escape(title, prop=True)}::{_gh_escape(msg)}")
    lines.append(f"::notice title=cchc check-targets::{_gh_escape(summary_line(report, lang))}")
    return "\n".join(lines) + "\n"
