"""Labels and messages, Vietnamese by default, English with ``--lang en``."""

from __future__ import annotations

from typing import Any

LANGS = ("vi", "en")

_T: dict[str, tuple[str, str]] = {
    # counts of the monthly report form
    "received": ("Tổng số hồ sơ nhận giải quyết", "Dossiers to handle"),
    "carried_over": ("Kỳ trước chuyển qua", "Carried over"),
    "new": ("Mới tiếp nhận", "Newly received"),
    "new_direct": ("Trực tiếp", "Direct"),
    "new_online": ("Trực tuyến", "Online"),
    "new_postal": ("Qua BCCI", "Postal (BCCI)"),
    "new_other_channel": ("Không rõ hình thức", "Channel unknown"),
    "resolved": ("Đã giải quyết", "Resolved"),
    "resolved_early": ("Trước hạn", "Early"),
    "resolved_on_day": ("Đúng hạn (trong ngày hẹn)", "On the due day"),
    "resolved_late": ("Quá hạn", "Late"),
    "resolved_no_due": ("Không xác định hạn", "Timing unknown"),
    "pending": ("Đang giải quyết", "Pending"),
    "pending_within_due": ("Trong hạn", "Within due"),
    "pending_overdue": ("Quá hạn", "Overdue"),
    "pending_no_due": ("Không có hạn", "No due date"),
    "withdrawn_stopped_refused": ("Rút, dừng, từ chối", "Withdrawn, stopped, refused"),
    "unknown_state": ("Trạng thái không rõ", "Unknown status"),
    # group keys
    "unit": ("Đơn vị", "Unit"),
    "level": ("Cấp", "Level"),
    "field": ("Lĩnh vực", "Field"),
    "procedure": ("Thủ tục", "Procedure"),
    "channel": ("Hình thức nộp", "Channel"),
    "month": ("Tháng", "Month"),
    # table headings
    "kpi": ("Chỉ tiêu", "KPI"),
    "code": ("Mã", "Code"),
    "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"),
    "value": ("Tỷ lệ", "Rate"),
    "excluded": ("Loại trừ", "Excluded"),
    "file": ("Tệp", "File"),
    "rows": ("Số dòng", "Rows"),
    "used": ("Dùng", "Used"),
    "rejected": ("Loại", "Rejected"),
    "duplicates": ("Trùng", "Duplicates"),
    "notes": ("Ghi chú", "Notes"),
    "row": ("Dòng", "Row"),
    "column": ("Cột", "Column"),
    "problem": ("Vấn đề", "Problem"),
    "count": ("Số lượng", "Count"),
    "examples": ("Ví dụ", "Examples"),
    "all": ("Tất cả", "All"),
    "no_data": ("không có dữ liệu", "no data"),
    "title_inputs": ("Dữ liệu đầu vào", "Inputs"),
    "title_counts": ("Tình hình giải quyết hồ sơ", "Dossier handling (report form)"),
    "title_kpis": ("Chỉ tiêu CCHC", "CCHC indicators"),
    "title_problems": ("Vấn đề dữ liệu", "Data problems"),
    "title_conflicts": ("Hồ sơ trùng có dữ liệu khác nhau", "Duplicate dossiers that disagree"),
    "period": ("Kỳ báo cáo", "Period"),
    "period_inferred": ("theo khoảng ngày có trong dữ liệu", "the span of the data"),
    "unavailable": ("Không tính được", "Not computable"),
    "missing_columns": ("thiếu cột", "missing columns"),
    "label": ("Tên chỉ tiêu", "Label"),
    "formula": ("Công thức", "Formula"),
    "source": ("Nguồn", "Source"),
    "better": ("Hướng tốt", "Better"),
    "higher": ("cao hơn", "higher"),
    "lower": ("thấp hơn", "lower"),
    "field_name": ("Trường chuẩn", "Field"),
    "header": ("Tiêu đề cột", "Header"),
    "samples": ("Giá trị mẫu", "Sample values"),
    "unmapped": ("Cột không dùng (không bao giờ được in ra)", "Unused columns (never printed)"),
    "ignored": ("bỏ qua (số thứ tự)", "ignored (row number)"),
    "shadowed": ("trùng trường, không dùng", "same field, not used"),
    # problem codes
    "not_a_date": ("không phải ngày tháng", "not a date"),
    "invalid_day": ("ngày không tồn tại", "no such day"),
    "invalid_month": ("tháng không hợp lệ", "invalid month"),
    "invalid_time": ("giờ không hợp lệ", "invalid time"),
    "date_out_of_range": ("ngày ngoài khoảng 1990–2100", "date outside 1990–2100"),
    "unknown_value": ("giá trị không có trong danh mục", "value not in the vocabulary"),
    "not_a_number": ("không phải số", "not a number"),
    "negative": ("số âm", "negative"),
    "too_long": ("chuỗi quá dài", "text too long"),
    "future_date": ("ngày trong tương lai", "date in the future"),
    "finished_before_received": ("ngày có kết quả trước ngày tiếp nhận", "finished before received"),
    "required_missing": ("thiếu giá trị bắt buộc — dòng bị loại", "required value missing — row rejected"),
    "bad_shape": ("số ô của dòng khác số cột tiêu đề — dòng bị loại", "cell count differs from the header — row rejected"),
    "invalid": ("giá trị không hợp lệ", "invalid value"),
    "rejects": ("dòng bị loại", "row rejected"),
    # notes
    "encoding": ("đọc theo bảng mã {encoding}", "read as {encoding}"),
    "sheet": ("trang tính '{sheet}'", "sheet '{sheet}'"),
    "received_from_submitted": ("không có cột ngày tiếp nhận: dùng ngày nộp", "no receipt date column: submission date used"),
    "unit_from_filename": ("không có cột đơn vị: lấy tên tệp '{unit}'", "no unit column: file name '{unit}' used"),
    "level_inferred": ("cấp suy ra từ tên đơn vị ({units} đơn vị)", "level inferred from unit names ({units} units)"),
    "level_unknown": ("không suy ra được cấp của {count} đơn vị: {units}", "level unknown for {count} units: {units}"),
    "totals_row": ("dòng tổng cộng {rows} bỏ qua", "totals row {rows} skipped"),
    "blank_rows": ("{n} dòng trống bỏ qua", "{n} blank rows skipped"),
    "footer_rows": ("{n} dòng chân trang bỏ qua", "{n} footer rows skipped"),
    "header_row": ("tiêu đề ở dòng {row}", "header on row {row}"),
    "duplicate_header": ("cột '{header}' có nhiều lần (cột {used}, {others}): dùng cột {used}",
                         "header '{header}' appears more than once (columns {used}, {others}): column {used} used"),
    "repeated_header": ("{n} dòng lặp lại tiêu đề bỏ qua (dòng {rows})", "{n} repeated header rows skipped (rows {rows})"),
    "no_rows": ("không có dòng dữ liệu nào dưới tiêu đề", "no data row below the header"),
    "conflicts": ("{n} hồ sơ trùng có dữ liệu khác nhau", "{n} duplicate dossiers disagree"),
    "kept": ("giữ", "kept"),
    "reconcile": ("Đối chiếu: {rows} dòng = {used} dùng + {rejected} loại + {duplicates} trùng",
                  "Reconciliation: {rows} rows = {used} used + {rejected} rejected + {duplicates} duplicates"),
}


def t(key: str, lang: str = "vi", **params: Any) -> str:
    pair = _T.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "vi" else pair[1]
    return text.format(**params) if params else text


def note_text(code: str, params: dict, lang: str) -> str:
    try:
        return t(code, lang, **params)
    except (KeyError, IndexError):
        return t(code, lang)


def pct(value: float | None, digits: int = 2, lang: str = "vi") -> str:
    if value is None:
        return "—"
    s = f"{value * 100:.{digits}f}%"
    return s.replace(".", ",") if lang == "vi" else s
