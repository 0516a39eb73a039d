"""The KPI catalogue of kpis.md: stable codes, labels, formulas, direction and sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Kpi:
    code: str
    input: Literal["dossiers", "catalogue", "documents", "logbook"]
    label_vi: str
    label_en: str
    numerator: str  # in English, as kpis.md words it
    denominator: str
    better: Literal["higher", "lower"]
    source: str
    needs: tuple[str, ...] = ()  # canonical fields without which the KPI is unavailable

    def label(self, lang: str = "vi") -> str:
        return self.label_vi if lang == "vi" else self.label_en


KPIS: tuple[Kpi, ...] = (
    Kpi("online_rate", "dossiers", "Tỷ lệ hồ sơ trực tuyến", "Online dossier rate",
        "received, channel online", "received", "higher",
        "QĐ 766 ind. 3.3; Hà Nội target 50%", ("channel",)),
    Kpi("postal_rate", "dossiers", "Tỷ lệ hồ sơ qua dịch vụ BCCI", "Postal (BCCI) dossier rate",
        "received, channel postal", "received", "higher",
        "Hà Nội target 25–30%; Lai Vung/Lấp Vò audit", ("channel",)),
    Kpi("full_online_dossier_rate", "dossiers", "Tỷ lệ hồ sơ trực tuyến toàn trình", "Full-online dossier rate",
        "received online for a procedure offered full-online", "received for procedures offered full-online",
        "higher", "Cái Răng 2023: 47%", ("channel", "service_level")),
    Kpi("on_time_rate", "dossiers", "Tỷ lệ hồ sơ giải quyết đúng hạn", "On-time resolution rate",
        "resolved on time (early included)", "resolved with a known due date", "higher",
        "report form of TT 01/2020; QĐ 766 ind. 2.1", ("due_at",)),
    Kpi("same_day_rate", "dossiers", "Tỷ lệ hồ sơ giải quyết trong ngày", "Same-day resolution rate",
        "resolved same day", "resolved", "higher", "Hà Nội 2022", ()),
    Kpi("overdue_pending_rate", "dossiers", "Tỷ lệ hồ sơ tồn quá hạn", "Overdue pending rate",
        "overdue pending", "pending at end", "lower", "Lai Vung audit (\"hồ sơ treo\")", ("due_at",)),
    Kpi("appointment_slip_rate", "dossiers", "Tỷ lệ hồ sơ có phiếu hẹn trả", "Appointment slip rate",
        "received with a due date", "received", "higher", "Lai Vung audit (no giấy hẹn)", ("due_at",)),
    Kpi("apology_rate", "dossiers", "Tỷ lệ hồ sơ trễ hạn có văn bản xin lỗi", "Apology letter rate (late dossiers)",
        "resolved late with an apology letter", "resolved late", "higher",
        "Lai Vung audit; NĐ 61/2018, NĐ 118/2025", ("due_at", "apology_letter")),
    Kpi("online_payment_rate", "dossiers", "Tỷ lệ hồ sơ thanh toán trực tuyến", "Online payment rate",
        "received, fee > 0, paid online", "received, fee > 0", "higher",
        "Cần Thơ 2023 target 30%; QĐ 766 ind. 3.6", ("fee", "online_payment")),
    Kpi("digitised_dossier_rate", "dossiers", "Tỷ lệ số hóa hồ sơ", "Digitised dossier rate",
        "received, input documents digitised", "received", "higher", "QĐ 766 ind. 4.2; QĐ 468",
        ("digitised_dossier",)),
    Kpi("digitised_result_rate", "dossiers", "Tỷ lệ số hóa kết quả giải quyết", "Digitised result rate",
        "resolved with a digitised (electronic) result", "resolved", "higher",
        "Cần Thơ 2023 targets 40% district, 35% commune; QĐ 766 ind. 4.1", ("digitised_result",)),
    Kpi("online_service_rate", "catalogue", "Tỷ lệ TTHC cung cấp DVCTT", "Procedures offered online",
        "procedures offered online (full or partial)", "procedures", "higher",
        "QĐ 766 ind. 3.1; Hà Nội district 13%"),
    Kpi("full_online_service_rate", "catalogue", "Tỷ lệ TTHC cung cấp DVCTT toàn trình",
        "Procedures offered full-online", "procedures offered full-online", "procedures", "higher",
        "Cái Răng: district 87 = 31%, ward 17 = 8%"),
    Kpi("full_online_eligible_rate", "catalogue", "Tỷ lệ DVCTT toàn trình trên TTHC đủ điều kiện",
        "Full-online among eligible procedures", "eligible procedures offered full-online",
        "procedures eligible for full-online", "higher", "Cái Răng 100%; Cần Thơ Health/Transport 100%"),
    Kpi("services_with_online_dossiers_rate", "catalogue",
        "Tỷ lệ DVCTT toàn trình có phát sinh hồ sơ trực tuyến", "Full-online services with online dossiers",
        "full-online procedures with at least one online dossier received in the period",
        "full-online procedures", "higher", "Cái Răng: 7% district, 12% ward; QĐ 766 ind. 3.2"),
    Kpi("appointment_within_limit_rate", "dossiers", "Tỷ lệ phiếu hẹn đúng thời hạn quy định",
        "Appointment dates within the statutory limit",
        "received with due_at on or before the statutory due date",
        "received with a due date and a known time limit", "higher",
        "inspections: appointment dates set later than the law allows hide late handling",
        ("due_at", "time_limit_days")),
    Kpi("statutory_on_time_rate", "dossiers", "Tỷ lệ hồ sơ giải quyết trong thời hạn quy định",
        "Resolved within the statutory limit", "resolved by the statutory due date",
        "resolved with a known time limit", "higher", "NĐ 61/2018, NĐ 118/2025", ("time_limit_days",)),
    Kpi("software_coverage_rate", "logbook", "Tỷ lệ hồ sơ được cập nhật trên phần mềm",
        "Dossiers entered in the software", "dossiers in the exports",
        "dossiers in the paper logbook counts", "higher", "Ô Môn 2016: 28,634 of 30,717 = 93.22%"),
    Kpi("signed_document_rate", "documents", "Tỷ lệ văn bản đi được ký số", "Digitally signed documents",
        "documents digitally signed (one or two layers)", "outgoing documents", "higher",
        "Cái Răng (low); Cần Thơ 100%; Ô Môn 42.45%"),
    Kpi("two_layer_signed_rate", "documents", "Tỷ lệ văn bản đi ký số 2 lớp", "Two-layer signed documents",
        "documents signed by both the person and the organisation", "outgoing documents", "higher",
        "Cần Thơ Health/Transport"),
    Kpi("interconnect_sent_rate", "documents", "Tỷ lệ văn bản gửi qua trục liên thông",
        "Documents sent over the interconnection axis", "documents sent over the interconnection axis",
        "outgoing documents", "higher", "Cần Thơ 90%"),
)

BY_CODE: dict[str, Kpi] = {k.code: k for k in KPIS}
DOSSIER_KPIS: tuple[str, ...] = tuple(k.code for k in KPIS if k.input == "dossiers")


def get(code: str) -> Kpi:
    return BY_CODE[code]
