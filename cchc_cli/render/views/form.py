"""Biểu số 06/VPCP/KSTT (Thông tư 01/2020/TT-VPCP) and the charts of a report.

The form's 13 columns, then the extra columns cchc counts and the form has no place for.
Its rows are the fields (lĩnh vực) of each level (cấp), as column (2) asks, under a totals
row. The counts come from the library: ``compute_inputs`` grouped by unit, level and field
(the one engine); a level's or a unit's row is the sum of its fields' counts, which the
engine's counts allow (every dossier is in exactly one group, no month split). Nothing is
counted from rows here.
"""

from __future__ import annotations

from typing import Any, Callable

from ...i18n import t
from ...kpis.definitions import BY_CODE
from ...kpis.dossiers import COUNT_KEYS
from ..model import Chart, Form, FormRow

# (number, catalogue key of the header, value from the counts)
FORM_COLUMNS: list[tuple[int, str, Callable[[dict[str, int]], int]]] = [
    (3, "form.total", lambda c: c["received"]),
    (4, "form.online", lambda c: c["new_online"]),
    (5, "form.direct_postal", lambda c: c["new"] - c["new_online"]),
    (6, "form.carried", lambda c: c["carried_over"]),
    (7, "form.total", lambda c: c["resolved"]),
    (8, "form.early", lambda c: c["resolved_early"]),
    (9, "form.on_time", lambda c: c["resolved_on_day"]),
    (10, "form.late", lambda c: c["resolved_late"]),
    (11, "form.total", lambda c: c["pending"]),
    (12, "form.within", lambda c: c["pending_within_due"]),
    (13, "form.overdue", lambda c: c["pending_overdue"]),
]
# counts the form has no column for: after column (13), explained in a note
EXTRA_KEYS = ("new_direct", "new_postal", "new_other_channel", "resolved_no_due", "pending_no_due",
              "withdrawn_stopped_refused", "unknown_state")
LEVEL_ORDER = ("Tỉnh", "Huyện", "Xã")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def form_values(values: dict[str, int]) -> list[int]:
    """Columns (3)…(13), then the extra columns, of one row."""
    return [f(values) for _, _, f in FORM_COLUMNS] + [int(values.get(k, 0)) for k in EXTRA_KEYS]


def _add(a: dict[str, int], b: Any) -> dict[str, int]:
    return {k: a.get(k, 0) + int(b[k]) for k in COUNT_KEYS}


def _level_key(v: Any) -> tuple:
    if v is None:
        return (2, "")
    return (0, LEVEL_ORDER.index(v), "") if v in LEVEL_ORDER else (1, str(v))


def _level_label(v: Any, lang: str) -> str:
    if v is None:
        return t("form.level_unknown", lang)
    s = str(v)
    if s.lower().startswith(("cấp", "level")):
        return s
    return f"{t('level', lang)} {s[:1].lower() + s[1:] if lang == 'vi' else s}"  # "Cấp huyện"


def _rows(counts: list[tuple[Any, Any, Any]], lang: str) -> list[FormRow]:
    """Rows of one form from (level, field, counts) triples: totals, then per level its
    subtotal and its fields."""
    total: dict[str, int] = {}
    levels: dict[Any, dict[Any, dict[str, int]]] = {}
    for level, fld, c in counts:
        total = _add(total, c)
        fields = levels.setdefault(level, {})
        fields[fld] = _add(fields.get(fld, {}), c)
    rows = [FormRow("total", "", t("form.total", lang), total or {k: 0 for k in COUNT_KEYS})]
    for i, level in enumerate(sorted(levels, key=_level_key)):
        fields = levels[level]
        sub: dict[str, int] = {}
        for c in fields.values():
            sub = _add(sub, c)
        rows.append(FormRow("level", ROMAN[i] if i < len(ROMAN) else str(i + 1), _level_label(level, lang), sub))
        for j, fld in enumerate(sorted(fields, key=lambda f: (f is None, str(f or ""))), start=1):
            rows.append(FormRow("field", str(j), t("form.field_unknown", lang) if fld is None else str(fld), fields[fld]))
    return rows


def forms(result, lang: str, calendar=None) -> list[Form]:
    """One form per reporting unit and one for the whole input; none for a result read
    back from JSON (no data behind it to break down by field)."""
    if result.sources is None or getattr(result.sources, "dossiers", None) is None:
        return []
    from ...kpis.run import compute_inputs

    ds = result.sources.dossiers
    if ds.streamed:  # no frame kept: the same inputs read again, by unit, level and field
        by = ds.rerun(["unit", "level", "field"])
    else:
        by = compute_inputs(result.sources, ["unit", "level", "field"], result.period, calendar)
    grouped = [(c.group_dict, c) for c in by.counts if c.group]
    units = sorted({g.get("unit") for g, _ in grouped}, key=lambda u: (u is None, str(u or "")))
    src = result.origin or ""
    out = [Form(t("form.sheet_all", lang), None, t("form.whole_input", lang, n=len(units)), result.period.start,
                result.period.end, _rows([(g.get("level"), g.get("field"), c) for g, c in grouped], lang), src)]
    for u in units:
        name = "—" if u is None else str(u)
        out.append(Form(t("form.sheet", lang, unit=name), u, name, result.period.start, result.period.end,
                        _rows([(g.get("level"), g.get("field"), c) for g, c in grouped if g.get("unit") == u], lang), src))
    return out


# ------------------------------------------------------------------ charts

# a chart with more bars than this is not drawn (nobody reads it): the tables have the numbers
MAX_CATEGORIES = 60


def readable(charts: list[Chart]) -> list[Chart]:
    return [c for c in charts if len(c.categories) <= MAX_CATEGORIES]


def group_label(g: dict[str, Any], keys: list[str]) -> str:
    return " · ".join("—" if g.get(k) is None else str(g.get(k)) for k in keys)


def compute_charts(result, lang: str, targets: dict[str, list[float | None]] | None = None) -> list[Chart]:
    """Each KPI per group (bars, with the target line where targets are known), the
    channel mix of new dossiers, and the trend of each KPI when grouped by month."""
    keys = [k for k in result.group_by]
    charts: list[Chart] = []
    grouped = [r for r in result.results if r.group]
    channel = [("new_online", "form.online"), ("new_direct", "new_direct"), ("new_postal", "new_postal"),
               ("new_other_channel", "new_other_channel")]
    if "month" in keys:
        others = [k for k in keys if k != "month"]
        months = sorted({r.group_dict.get("month") for r in grouped}, key=lambda m: str(m))
        cats = [str(m) for m in months]
        for code in dict.fromkeys(r.kpi for r in grouped):
            series: dict[str, dict[str, float | None]] = {}
            for r in grouped:
                if r.kpi != code:
                    continue
                g = r.group_dict
                name = group_label(g, others) if others else BY_CODE[code].short(lang)
                series.setdefault(name, {})[str(g.get("month"))] = r.value
            if len(series) > 10:
                continue  # too many lines to read: the KPI tables have them
            charts.append(Chart(f"trend_{code}", f"{t('chart.trend', lang)} — {BY_CODE[code].label(lang)}", "line",
                                t("month", lang), cats, [(n, [v.get(m) for m in cats]) for n, v in series.items()],
                                percent=True, value_title=t("chart.rate", lang)))
    elif keys:
        groups = list(dict.fromkeys(r.group for r in grouped))
        cats = [group_label(dict(g), keys) for g in groups]
        title_key = "chart.kpi_by_unit" if keys == ["unit"] else "chart.kpi_by_group"
        for code in dict.fromkeys(r.kpi for r in grouped):
            vals = {r.group: r.value for r in grouped if r.kpi == code}
            if all(v is None for v in vals.values()):
                continue
            label = BY_CODE[code].label(lang)
            charts.append(Chart(f"kpi_{code}", t(title_key, lang, kpi=label, keys=", ".join(t(k, lang) for k in keys)),
                                "bar", ", ".join(t(k, lang) for k in keys), cats, [(label, [vals.get(g) for g in groups])],
                                percent=True, target=(targets or {}).get(code), target_title=t("chart.target", lang),
                                value_title=t("chart.rate", lang)))
        counted = [c for c in result.counts if c.group]
        if counted:
            charts.append(Chart("channel_mix", t("chart.channel_mix", lang), "stacked", ", ".join(t(k, lang) for k in keys),
                                [group_label(c.group_dict, keys) for c in counted],
                                [(t(lab, lang), [c[k] for c in counted]) for k, lab in channel],
                                value_title=t("chart.dossiers", lang)))
    if not keys or "month" in keys:
        overall = next((c for c in result.counts if not c.group), None)
        if overall is not None and overall["new"]:
            charts.append(Chart("channel_mix", t("chart.channel_mix", lang), "pie", t("chart.channel_mix", lang),
                                [t(lab, lang) for _, lab in channel], [(t("chart.dossiers", lang), [overall[k] for k, _ in channel])]))
    return readable(charts)
