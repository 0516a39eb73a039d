"""The KPIs of kpis.md, each one object: stable code, input, formula, better direction,
source, and the fields it needs. Its words (label, short label, target action) live in the
message catalogue under ``kpi.<code>.label`` / ``.short`` / ``.action``, in every language.

Whether a KPI can be computed from the inputs of a run is decided in one place,
``missing(kpi, available)``, from ``needs``: a KPI whose defining fields no input has is
*not computable*, with the fields it needs — never computed from defaults.

A need is a field of the KPI's own input (``"due_at"``), a field of another input
(``"dossiers.channel"``), or alternatives separated by ``|`` (``"service_level|
catalogue.service_level"``: the dossier's own column, or the procedure catalogue's).

Adding a KPI: its definition here, its measure in the module of its input kind
(``kpis/measures/``), and its three entries in each language of ``i18n``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

InputKind = Literal["dossiers", "catalogue", "documents", "logbook"]


@dataclass(frozen=True)
class Kpi:
    code: str
    input: InputKind
    numerator: str  # in English, as kpis.md words it
    denominator: str
    better: Literal["higher", "lower"]
    source: str
    needs: tuple[str, ...] = ()

    def label(self, lang: str | None = None) -> str:
        from ..i18n import t

        return t(f"kpi.{self.code}.label", lang)

    def short(self, lang: str | None = None) -> str:
        from ..i18n import t

        return t(f"kpi.{self.code}.short", lang)

    def action(self, n: int, lang: str | None = None) -> str:
        """What meeting the target takes, with ``n`` dossiers (or procedures, documents)."""
        from ..i18n import t

        return t(f"kpi.{self.code}.action", lang, n=n)

    @property
    def label_vi(self) -> str:
        return self.label("vi")

    @property
    def label_en(self) -> str:
        return self.label("en")

    @property
    def formula(self) -> str:
        return f"{self.numerator} / {self.denominator}"


# Facts a run can have that are no column of their own, and what provides them
# (dataset.load adds them to the fields a data set has).
DERIVED_FIELDS = {
    "postal_channel": "a channel column that tells postal from direct (a yes/no online flag alone cannot)",
}

_LIMIT = "time_limit_days|catalogue.time_limit_days"  # the dossier's own limit, or its procedure's
_ENDED = "finished_at|status"  # what tells an ended dossier from a pending one

KPIS: tuple[Kpi, ...] = (
    # ---------------------------------------------------------------- dossiers
    Kpi("online_rate", "dossiers", "received, channel online", "received", "higher",
        "QĐ 766 ind. 3.3; Hà Nội target 50%", ("channel",)),
    Kpi("postal_rate", "dossiers", "received, channel postal", "received", "higher",
        "Hà Nội target 25–30%; Lai Vung/Lấp Vò audit", ("postal_channel",)),
    Kpi("full_online_dossier_rate", "dossiers", "received online for a procedure offered full-online",
        "received for procedures offered full-online", "higher", "Cái Răng 2023: 47%",
        ("channel", "service_level|catalogue.service_level")),
    Kpi("on_time_rate", "dossiers", "resolved on time (early included)", "resolved with a known due date",
        "higher", "report form of TT 01/2020; QĐ 766 ind. 2.1", ("due_at", _ENDED)),
    Kpi("same_day_rate", "dossiers", "resolved same day", "resolved", "higher", "Hà Nội 2022", (_ENDED,)),
    Kpi("overdue_pending_rate", "dossiers", "overdue pending", "pending at end", "lower",
        "Lai Vung audit (\"hồ sơ treo\")", ("due_at", _ENDED)),
    Kpi("appointment_slip_rate", "dossiers", "received with a due date", "received", "higher",
        "Lai Vung audit (no giấy hẹn)", ("due_at",)),
    Kpi("apology_rate", "dossiers", "resolved late with an apology letter", "resolved late", "higher",
        "Lai Vung audit; NĐ 61/2018, NĐ 118/2025", ("due_at", "apology_letter", _ENDED)),
    Kpi("online_payment_rate", "dossiers", "received, fee > 0, paid online", "received, fee > 0", "higher",
        "Cần Thơ 2023 target 30%; QĐ 766 ind. 3.6", ("fee", "online_payment")),
    Kpi("digitised_dossier_rate", "dossiers", "received, input documents digitised", "received", "higher",
        "QĐ 766 ind. 4.2; QĐ 468", ("digitised_dossier",)),
    Kpi("digitised_result_rate", "dossiers", "resolved with a digitised (electronic) result", "resolved", "higher",
        "Cần Thơ 2023 targets 40% district, 35% commune; QĐ 766 ind. 4.1", ("digitised_result", _ENDED)),
    Kpi("appointment_within_limit_rate", "dossiers", "received with due_at on or before the statutory due date",
        "received with a due date and a known time limit", "higher",
        "inspections: appointment dates set later than the law allows hide late handling", ("due_at", _LIMIT)),
    Kpi("statutory_on_time_rate", "dossiers", "resolved by the statutory due date",
        "resolved with a known time limit", "higher", "NĐ 61/2018, NĐ 118/2025", (_LIMIT, _ENDED)),
    # ---------------------------------------------------------------- procedures
    Kpi("online_service_rate", "catalogue", "procedures offered online (full or partial)", "procedures", "higher",
        "QĐ 766 ind. 3.1; Hà Nội district 13%", ("service_level",)),
    Kpi("full_online_service_rate", "catalogue", "procedures offered full-online", "procedures", "higher",
        "Cái Răng: district 87 = 31%, ward 17 = 8%", ("service_level",)),
    Kpi("full_online_eligible_rate", "catalogue", "eligible procedures offered full-online",
        "procedures eligible for full-online", "higher", "Cái Răng 100%; Cần Thơ Health/Transport 100%",
        ("service_level", "eligible_full_online")),
    Kpi("services_with_online_dossiers_rate", "catalogue",
        "full-online procedures with at least one online dossier received in the period",
        "full-online procedures", "higher", "Cái Răng: 7% district, 12% ward; QĐ 766 ind. 3.2",
        ("service_level", "dossiers.procedure_code", "dossiers.channel")),
    # ---------------------------------------------------------------- paper logbook
    Kpi("software_coverage_rate", "logbook", "dossiers in the exports",
        "dossiers in the paper logbook counts", "higher", "Ô Môn 2016: 28,634 of 30,717 = 93.22%",
        ("count", "dossiers.received_at")),
    # ---------------------------------------------------------------- outgoing documents
    Kpi("signed_document_rate", "documents", "documents digitally signed (one or two layers)", "outgoing documents",
        "higher", "Cái Răng (low); Cần Thơ 100%; Ô Môn 42.45%", ("signature",)),
    Kpi("two_layer_signed_rate", "documents", "documents signed by both the person and the organisation",
        "outgoing documents", "higher", "Cần Thơ Health/Transport", ("signature",)),
    Kpi("interconnect_sent_rate", "documents", "documents sent over the interconnection axis", "outgoing documents",
        "higher", "Cần Thơ 90%", ("interconnect",)),
)

BY_CODE: dict[str, Kpi] = {k.code: k for k in KPIS}


def of_input(kind: str) -> tuple[Kpi, ...]:
    return tuple(k for k in KPIS if k.input == kind)


def missing(kpi: Kpi, available: Mapping[str, set[str]]) -> list[str]:
    """The needs of ``kpi`` that no input of the run meets (empty: computable).
    ``available``: for each input kind read, the canonical fields its files have."""
    out = []
    for need in kpi.needs:
        options = need.split("|")
        if not any(_has(opt, kpi.input, available) for opt in options):
            out.append(options[0] if "." not in options[0] else options[0])
    return out


def _has(need: str, own: str, available: Mapping[str, set[str]]) -> bool:
    kind, _, name = need.rpartition(".")
    return name in available.get(kind or own, ())


def get(code: str) -> Kpi:
    return BY_CODE[code]
