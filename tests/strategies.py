"""Hypothesis strategies for dossier export rows (as a one-stop system would write them)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

HEADER = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái",
          "Hình thức nộp", "Mức độ", "Phí lệ phí", "Thanh toán trực tuyến", "Số hóa hồ sơ", "Số hóa kết quả",
          "Văn bản xin lỗi"]
UNITS = ["UBND quận Cái Răng", "UBND phường Lê Bình", "Sở Tư pháp"]
STATUSES = ["Đã trả kết quả", "Đang xử lý", "Đã xử lý xong", "Chờ bổ sung", "Công dân rút", "Từ chối",
            "Dừng xử lý", "Hoàn thành", "Mới đăng ký", "", "Đang thẩm định"]
CHANNELS = ["Trực tiếp", "Trực tuyến", "Bưu chính công ích", "BCCI", "", "2"]
LEVELS = ["Toàn trình", "Một phần", "Mức độ 2", "", "Mức độ 4"]
BOOLS = ["Có", "Không", "", "x", "Chưa"]
FEES = ["", "0", "50.000", "20,000 đ", "abc"]

day = st.dates(min_value=dt.date(2023, 1, 20), max_value=dt.date(2023, 5, 10))
moment = st.builds(lambda d, h, m: dt.datetime(d.year, d.month, d.day, h, m), day,
                   st.integers(0, 23), st.sampled_from([0, 30, 59]))


def fmt(v: dt.datetime | None, with_time: bool) -> str:
    if v is None:
        return ""
    return v.strftime("%d/%m/%Y %H:%M") if with_time else v.strftime("%d/%m/%Y")


@st.composite
def dossier_row(draw, ident: str) -> list[str]:
    rec = draw(moment)
    due = draw(st.none() | st.builds(lambda d: rec + dt.timedelta(days=d), st.integers(0, 20)))
    fin = draw(st.none() | st.builds(lambda d: rec + dt.timedelta(hours=d), st.integers(0, 24 * 30)))
    bad_due = draw(st.sampled_from([None, None, None, None, "31/02/2023", "hôm nay"]))
    return [
        ident, draw(st.sampled_from(UNITS)),
        fmt(rec, draw(st.booleans())),
        bad_due or fmt(due, draw(st.booleans())),
        fmt(fin, draw(st.booleans())),
        draw(st.sampled_from(STATUSES)), draw(st.sampled_from(CHANNELS)), draw(st.sampled_from(LEVELS)),
        draw(st.sampled_from(FEES)), draw(st.sampled_from(BOOLS)), draw(st.sampled_from(BOOLS)),
        draw(st.sampled_from(BOOLS)), draw(st.sampled_from(BOOLS)),
    ]


@st.composite
def export_rows(draw, prefix: str = "D", min_size: int = 1, max_size: int = 40) -> list[list[str]]:
    n = draw(st.integers(min_size, max_size))
    rows = [draw(dossier_row(f"{prefix}{i}")) for i in range(n)]
    # a few rows without a usable id or receipt date: rejected
    for _ in range(draw(st.integers(0, 2))):
        r = draw(dossier_row(""))
        if draw(st.booleans()):
            r[0], r[2] = f"{prefix}x{len(rows)}", "32/13/2023"
        rows.append(r)
    return rows
