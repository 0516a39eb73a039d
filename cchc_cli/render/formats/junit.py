"""JUnit XML of ``check-targets``: one testcase per check, for CI test reports."""

from __future__ import annotations

from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _quoteattr

from ...i18n import pct, t
from ...kpis.definitions import BY_CODE
from ..model import xml_text


def xml_escape(s: str) -> str:
    """Element text: escaped, and only characters XML 1.0 allows (a unit name with a
    control character must not make the report unreadable)."""
    return _xml_escape(xml_text(s))


def quoteattr(s: str) -> str:
    """An attribute value: quoted, escaped, XML 1.0 characters only, line breaks and tabs
    as character references (an attribute keeps them only so)."""
    return _quoteattr(xml_text(s), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def render(report, lang: str) -> str:
    """A failing check is a <failure>, no data a <skipped> (or a failure under --fail-on
    no-data), a warning passes with its message in <system-out> (or fails under --fail-on
    warn)."""
    from ..views.check import action, group_text, status_label, threshold

    checks = report.ordered()
    failures = sum(1 for c in checks if report.is_failure(c))
    skipped = sum(1 for c in checks if c.status == "no_data" and not report.is_failure(c))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="cchc check-targets" tests="{len(checks)}" failures="{failures}" errors="0" skipped="{skipped}">',
           f'  <testsuite name={quoteattr("cchc check-targets: " + report.targets.name)} tests="{len(checks)}" '
           f'failures="{failures}" errors="0" skipped="{skipped}">']
    for c in checks:
        name = group_text(c.group, lang)
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
