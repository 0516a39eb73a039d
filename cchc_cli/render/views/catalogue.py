"""The views of the reference commands: ``kpis`` (the KPI catalogue), ``presets`` (the
built-in target sets) and ``calendar`` (days off and worked weekend days of a year)."""

from __future__ import annotations

from ...i18n import t
from ...kpis.results import envelope
from ..model import Document, Table


def kpis_document(lang: str) -> Document:
    from ...kpis.definitions import KPIS

    doc = envelope("kpis", kpis=[{"code": k.code, "input": k.input, "label": k.label(lang), "label_vi": k.label_vi,
                                  "label_en": k.label_en, "numerator": k.numerator, "denominator": k.denominator,
                                  "better": k.better, "source": k.source, "needs": list(k.needs)} for k in KPIS])
    tb = Table("kpis", t("title_kpis", lang), [t("code", lang), t("label", lang), t("formula", lang), t("better", lang), t("source", lang)])
    for k in KPIS:
        tb.rows.append([k.code, k.label(lang), k.formula, t(k.better, lang), k.source])
    # issue 14: the QĐ 766 index — its formulas, sources, variants and what exports lack
    from ...index.formula import load, variants
    from .index import explain_document

    ix = explain_document(load(), lang)
    tb.notes.append(t("index.kpis_note", lang))
    doc["index"] = {"variants": variants(), **{k: ix.json[k] for k in ("formula", "groups", "indicators")}}
    return Document("kpis", [tb] + ix.tables, header=ix.header, json=doc)


def presets_document(lang: str) -> Document:
    from ...targets import load_preset, preset_names
    from .check import threshold

    sets = [load_preset(n) for n in preset_names()]
    doc = envelope("presets", presets=[{"name": s.origin, "title": s.name, "source": s.source,
                                        "targets": [tg.model_dump(exclude_none=True) for tg in s.targets]} for s in sets])
    tb = Table("presets", t("title_presets", lang),
               ["--preset", t("kpi", lang), t("level", lang), t("threshold", lang), t("source", lang)])
    for s in sets:
        for tg in s.targets:
            tb.rows.append([s.origin, tg.kpi, tg.level or t("all_levels", lang), threshold(tg, lang), s.source or ""])
    return Document("presets", [tb], json=doc)


def calendar_document(year: int, days, lang: str) -> Document:
    doc = envelope("calendar", year=year, days=[{"date": d.date.isoformat(), "working": d.working, "reason": d.reason,
                                                 "source": d.source} for d in days])
    tb = Table("calendar", t("title_calendar", lang, year=year),
               [t("date", lang), t("weekday", lang), t("working", lang), t("reason", lang), t("source", lang)])
    for d in days:
        tb.rows.append([d.date.strftime("%d/%m/%Y"), t(f"calendar.weekday.{d.date.weekday()}", lang),
                        t("working_yes", lang) if d.working else t("working_off", lang), d.reason, d.source])
    return Document("calendar", [tb], json=doc)
