"""The view of ``cchc index``: points per unit and pooled parent, each indicator's counts,
what was not computed, where the points went; and ``--explain`` (the formulas with sources)."""

from __future__ import annotations

from typing import Any

from ...i18n import t
from ..model import Document, Pct, Styled, Table
from .compute import inputs_table


def _name(s, lang: str) -> str:
    name = "—" if s.unit is None else s.unit
    return f"{name} ({t('index.pooled', lang, n=s.units)})" if s.pooled else name


def _pts(x: float | None) -> Any:
    return "—" if x is None else round(x, 2)


def summary_table(result, lang: str) -> Table:
    groups = [g.code for g in result.formula.groups]
    cols = [t("unit", lang), t("level", lang), t("parent", lang), t("index.rank", lang)] + \
        [t(f"index.group.{g}", lang) + f" ({g_max:g})" for g, g_max in ((g.code, g.max) for g in result.formula.groups)] + \
        [t("index.total", lang), t("index.computable_max", lang)]
    tb = Table("index", t("index.title", lang), cols, numeric=set(range(3, len(cols))))
    order = sorted(result.scores, key=lambda s: (not s.pooled, s.level or "", s.parent or "", s.rank or 0, s.unit or ""))
    for s in order:
        row = [_name(s, lang), s.level or "—", s.parent or "—", f"{s.rank}/{s.rank_among}" if s.rank else "—"]
        row += [_pts(s.groups[g][0]) if g in s.groups else "—" for g in groups]
        row += [_pts(s.total), round(s.computable_max, 2)]
        tb.rows.append(row)
    tb.notes.append(t("index.variant_line", lang, variant=result.formula.variant, version=result.formula.version,
                      source=result.formula.variant_source))
    return tb


def indicators_table(result, lang: str) -> Table:
    cols = [t("unit", lang), t("index.indicator", lang), t("numerator", lang), t("denominator", lang),
            t("value", lang), t("index.points", lang), t("index.max", lang)]
    tb = Table("indicators", t("index.title_indicators", lang), cols, numeric={2, 3, 4, 5, 6})
    for s in result.scores:
        for i in s.indicators:
            pts = _pts(i.points)
            if i.denominator == 0:
                pts = f"{pts} ({t('index.no_dossiers', lang)})"
            if i.excluded:
                pts = f"{pts}; {t('index.excluded', lang, n=i.excluded)}"
            tb.rows.append([_name(s, lang), f"{i.code} {t(f'index.ind.{i.code}', lang)}", i.numerator, i.denominator,
                            Pct(i.ratio), pts, f"{i.max:g}"])
    return tb


def not_computed_table(result, lang: str) -> Table:
    tb = Table("not_computed", t("index.title_not_computed", lang),
               [t("index.indicator", lang), t("index.max", lang), t("index.why", lang)], numeric={1})
    for n in result.not_computed:
        why = t("index.needs_fields", lang, fields=", ".join(n.needs)) if n.needs else t("index.needs_other_data", lang)
        tb.rows.append([f"{n.code} {t(f'index.ind.{n.code}', lang)}", f"{n.max:g}", why])
    lost = sum(n.max for n in result.not_computed)
    tb.notes.append(t("index.not_computed_note", lang, points=f"{lost:g}"))
    return tb


def shortfall_table(result, lang: str) -> Table:
    tb = Table("shortfall", t("index.title_shortfall", lang),
               [t("unit", lang), t("index.indicator", lang), t("index.points_lost", lang), t("index.needed", lang),
                t("index.costliest", lang)], numeric={2, 3})
    for s in result.scores:
        for f in s.shortfall:
            what = t(f"index.counts.{f.counts}", lang, n=f.needed)
            items = ", ".join(f.items) + (f" (+{f.more_items})" if f.more_items else "")
            tb.rows.append([_name(s, lang), f"{f.code} {t(f'index.ind.{f.code}', lang)}", round(f.lost, 2), what, items])
    return tb


def rows(result, lang: str) -> tuple[list[str], list[list[Any]]]:
    header = ["unit", "pooled", "level", "parent", "indicator", "label", "numerator", "denominator", "ratio",
              "points", "max", "variant"]
    out = []
    for s in result.scores:
        for i in s.indicators:
            out.append([s.unit, s.pooled, s.level, s.parent, i.code, t(f"index.ind.{i.code}", lang), i.numerator,
                        i.denominator, "" if i.ratio is None else repr(i.ratio),
                        "" if i.points is None else round(i.points, 4), i.max, result.formula.variant])
        out.append([s.unit, s.pooled, s.level, s.parent, "total", t("index.total", lang), "", "", "",
                    round(s.total, 4), s.computable_max, result.formula.variant])
    return header, out


def document(result, lang: str) -> Document:
    tables = [inputs_table(result.inputs, 0, lang), summary_table(result, lang), indicators_table(result, lang),
              not_computed_table(result, lang)]
    if any(s.shortfall for s in result.scores):
        tables.append(shortfall_table(result, lang))
    header = [f"{t('period', lang)}: {result.period.start:%d/%m/%Y} – {result.period.end:%d/%m/%Y}",
              t("index.variant_line", lang, variant=result.formula.variant, version=result.formula.version,
                source=result.formula.variant_source)]
    return Document("index", tables, header, result.to_json(), rows(result, lang))


def explain_document(formula, lang: str) -> Document:
    tb = Table("formulas", t("index.title_explain", lang),
               [t("index.indicator", lang), t("index.group", lang), t("index.max", lang), t("index.formula", lang),
                t("index.inputs_needed", lang), t("source", lang)], numeric={2})
    for i in formula.indicators:
        if i.computable:
            if i.measure == "satisfaction":
                f = t("index.formula_satisfaction", lang, max=f"{i.max:g}", full=f"{i.full_at:g}")
            elif i.full_at != 1.0:
                f = t("index.formula_capped", lang, max=f"{i.max:g}", full=f"{i.full_at:g}")
            else:
                f = t("index.formula_linear", lang, max=f"{i.max:g}")
            f = t(f"index.ratio.{i.measure}", lang) + "; " + f
            needs = ", ".join(i.needs)
        else:
            f = t("index.not_from_exports", lang)
            needs = i.needs_data or ""
        tb.rows.append([f"{i.code} {t(f'index.ind.{i.code}', lang)}", t(f"index.group.{i.group}", lang),
                        f"{i.max:g}", f, needs, i.source])
    zero = t(f"index.zero.{formula.zero_denominator}", lang)
    header = [t("index.variant_line", lang, variant=formula.variant, version=formula.version,
                source=formula.variant_source), zero, formula.source]
    doc = {"formula": {"name": formula.name, "variant": formula.variant, "version": formula.version,
                       "zero_denominator": formula.zero_denominator, "source": formula.variant_source},
           "groups": [{"code": g.code, "max": g.max, "source": g.source} for g in formula.groups],
           "indicators": [{"code": i.code, "group": i.group, "max": i.max, "full_at": i.full_at,
                           "counts": i.counts, "measure": i.measure, "needs": list(i.needs),
                           "data_needed": i.needs_data, "source": i.source} for i in formula.indicators]}
    from ...kpis.results import envelope

    return Document("index", [tb], header, envelope("index", explain=True, **doc),
                    (["indicator", "group", "max", "source"],
                     [[i.code, i.group, i.max, i.source] for i in formula.indicators]))


def check_document(result, report, lang: str) -> Document:
    """check-targets --index: one row per unit (or pooled parent) and index target."""
    from .check import group_text

    tb = Table("checks", t("index.title_checks", lang),
               [t("index.indicator", lang), t("unit", lang), t("index.points", lang), t("index.min_points", lang),
                t("status", lang)], numeric={2, 3})
    for c in report.ordered():
        tb.rows.append([c.kpi, group_text(c.group), _pts(c.value), c.target.min_points if c.target.min_points is not None
                        else c.target.warn_min_points, Styled(t(f"status.{c.status}", lang), _STYLE[c.status])])
    summary = report.summary
    doc = result.to_json() | {"command": "check-targets", "summary": summary,
                              "checks": [c.to_json(lang) for c in report.checks]}
    rows = (["index", "group", "points", "min_points", "warn_min_points", "status"],
            [[c.kpi, group_text(c.group), "" if c.value is None else c.value, c.target.min_points,
              c.target.warn_min_points, c.status] for c in report.checks])
    return Document("check-targets", [tb], [t("index.variant_line", lang, variant=result.formula.variant,
                                                 version=result.formula.version, source=result.formula.variant_source)],
                    doc, rows)


_STYLE = {"pass": "ok", "warn": "warn", "fail": "fail", "no_data": "muted"}


def diff_document(d, lang: str) -> Document:
    """diff --index: groups and totals per unit in the table; every indicator in JSON and CSV."""
    tb = Table("index_diff", t("index.title_diff", lang),
               [t("unit", lang), t("index.indicator", lang), t("index.old", lang), t("index.new", lang),
                t("index.delta", lang), t("index.rank_move", lang)], numeric={2, 3, 4})
    styles = {"improved": "ok", "regressed": "fail", "unchanged": "muted", "new": "muted", "gone": "muted"}
    for r in d.rows:
        code = r["code"].removeprefix("qd766.")
        if "." in code or code[:1].isdigit():
            continue  # indicators: JSON and CSV only
        name = ("—" if r["unit"] is None else r["unit"]) + (" (Σ)" if r["pooled"] else "")
        label = t("index.total", lang) if code == "total" else t(f"index.group.{code}", lang)
        move = "" if r["rank_move"] is None else (f"{r['old_rank']} → {r['new_rank']}")
        delta = "—" if r["delta"] is None else f"{r['delta']:+.2f}"
        tb.rows.append([name, label, _pts(r["old"]), _pts(r["new"]), Styled(delta, styles[r["change"]]), move])
    verdict = None
    if d.fail_on_regression is not None and d.failed:
        verdict = t("index.regressions", lang, n=len(d.regressions_over(d.fail_on_regression)),
                    points=f"{d.fail_on_regression:g}")
    rows = (["unit", "pooled", "code", "old", "new", "delta", "change", "old_rank", "new_rank"],
            [[r["unit"], r["pooled"], r["code"], r["old"], r["new"], r["delta"], r["change"], r["old_rank"],
              r["new_rank"]] for r in d.rows])
    return Document("diff", [tb], [], d.to_json(), rows, verdict=verdict)
