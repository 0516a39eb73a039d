"""GitHub Actions workflow commands of ``check-targets``: ::error for failures, ::warning
for warnings, a ::notice with the verdict."""

from __future__ import annotations

from ...i18n import pct
from ...kpis.definitions import BY_CODE
from ..model import clean_controls


def _escape(s: str, prop: bool = False) -> str:
    s = clean_controls(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def render(report, lang: str) -> str:
    from ..views.check import action, group_text, summary_line, threshold

    lines = []
    for c in report.ordered():
        if c.status == "pass":
            continue
        level = "error" if report.is_failure(c) else "warning"
        title = f"{c.kpi} — {group_text(c.group, lang)}"
        msg = (f"{BY_CODE[c.kpi].label(lang)}: {pct(c.value, 2, lang)} ({c.numerator}/{c.denominator}), "
               f"{threshold(c.target, lang)}. {action(c, lang) or c.reason_text(lang)}").strip()
        lines.append(f"::{level} title={_escape(title, prop=True)}::{_escape(msg)}")
    lines.append(f"::notice title=cchc check-targets::{_escape(summary_line(report, lang))}")
    return "\n".join(lines) + "\n"
