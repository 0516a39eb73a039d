"""Generators of what real one-stop systems export, built from their public sources, with
the counts each KPI must give recorded as the rows are made (never by re-reading the file
with cchc's own logic).

Every shape is written from one list of canonical dossiers by a profile's inverse
(canonical → system shape):

- ``dvcqg_json``: the national portal's sync payload (HoSoDongBoDVC) — HuanVu201/
  DichVuCong_KhoaLuan_PASETO (DichVuCongApi: HoSo model, DongBoDVC push): MaHoSo,
  NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, KenhThucHien 1/2/3, TrangThaiHoSo
  codes, MucDo 2/3/4, DuocThanhToanTrucTuyen, HoSoCoThanhPhanSoHoa, dates yyyyMMddHHmmss.
- ``opencps_json`` / ``opencps_csv``: OpenCPS v2 — VietOpenCPS/opencps-v2
  modules/backend-statistic-rest/.../DossierConstants.java and .../dto/DossierData.java:
  dossierNo, receiveDate, dueDate, releaseDate, dossierStatus, online, viaPostal,
  govAgencyName; REST envelope {"total", "data"}; dates dd/MM/yyyy HH:mm:ss.
- ``dvc_tinh_html``: the "Danh sách hồ sơ" download of a provincial DVC system
  (HuanVu201/DichVuCong_KhoaLuan_PASETO): an HTML table with a BOM, named ".xls".
- ``epar_xls``: e-par's report book (tamviettech/e-par): BIFF8, title with line breaks in
  A1, header on row 2, no dossier number.
- ``mau06_xlsx``: Mẫu số 06 "Sổ theo dõi hồ sơ", Thông tư 01/2018/TT-VPCP.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

YEAR, MONTH = 2023, 3


@dataclass
class Dossier:
    id: str
    received: dt.datetime
    due: dt.datetime
    finished: dt.datetime | None
    channel: str  # direct, online, postal
    level: str  # full, partial, none
    fee: float
    paid_online: bool
    digitised: bool
    unit: str = "UBND phường An Hòa"
    procedure: str = "Cấp bản sao trích lục hộ tịch"


@dataclass
class Expected:
    """numerator, denominator of each KPI, counted while the dossiers were made."""

    kpis: dict[str, tuple[int, int]] = field(default_factory=dict)


def make(n: int, seed: int) -> list[Dossier]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        day = rnd.randint(1, 25)
        rec = dt.datetime(YEAR, MONTH, day, rnd.randint(7, 10), rnd.choice([0, 15, 30, 45]))
        due = rec + dt.timedelta(days=rnd.randint(2, 6))
        due = due.replace(hour=17, minute=0)
        kind = rnd.random()
        if kind < 0.15:  # pending: its due date well before the end of March, or in April
            fin = None
            due = due if rnd.random() < 0.5 else due + dt.timedelta(days=30)
            if dt.date(YEAR, 3, 26) <= due.date() <= dt.date(YEAR, 4, 1):
                due = due - dt.timedelta(days=7)
        elif kind < 0.3:  # same day
            fin = rec + dt.timedelta(hours=3)
        else:  # a day other than the due day: early or late, never on the due day
            delta = rnd.choice([-1, -2, 1, 2])
            fin = (due + dt.timedelta(days=delta)).replace(hour=10)
            if fin.date() <= rec.date():
                fin = (rec + dt.timedelta(days=1)).replace(hour=10)
                if fin.date() == due.date():
                    fin = fin + dt.timedelta(days=2)
            if fin.date() > dt.date(YEAR, 3, 31):
                fin = dt.datetime(YEAR, 3, 31, 10, 0) if due.date() != dt.date(YEAR, 3, 31) else dt.datetime(YEAR, 3, 30, 10)
        fee = rnd.choice([0.0, 0.0, 20000.0, 50000.0])
        out.append(Dossier(
            id=f"000.00.31.H10-230{MONTH}{day:02d}-{i:04d}", received=rec, due=due, finished=fin,
            channel=rnd.choice(["direct", "online", "online", "postal"]),
            level=rnd.choice(["full", "partial", "none"]), fee=fee,
            paid_online=fee > 0 and rnd.random() < 0.5, digitised=rnd.random() < 0.4,
        ))
    return out


def expected(ds: list[Dossier], *, finish_is_return: bool = False) -> Expected:
    """The counts, from the dossiers as generated (not from any file)."""
    e = Expected()
    n = len(ds)
    resolved = [d for d in ds if d.finished is not None]
    pending = [d for d in ds if d.finished is None]
    end = dt.datetime(YEAR, 3, 31, 23, 59, 59)
    e.kpis["online_rate"] = (sum(d.channel == "online" for d in ds), n)
    e.kpis["postal_rate"] = (sum(d.channel == "postal" for d in ds), n)
    full = [d for d in ds if d.level == "full"]
    e.kpis["full_online_dossier_rate"] = (sum(d.channel == "online" for d in full), len(full))
    e.kpis["on_time_rate"] = (sum(d.finished.date() < d.due.date() for d in resolved), len(resolved))
    e.kpis["same_day_rate"] = (sum(d.finished.date() == d.received.date() for d in resolved), len(resolved))
    e.kpis["overdue_pending_rate"] = (sum(d.due < end for d in pending), len(pending))
    e.kpis["appointment_slip_rate"] = (n, n)
    feed = [d for d in ds if d.fee > 0]
    e.kpis["online_payment_rate"] = (sum(d.paid_online for d in feed), len(feed))
    e.kpis["digitised_dossier_rate"] = (sum(d.digitised for d in ds), n)
    return e


# ------------------------------------------------------------------ profile inverses

_DVCQG_CHANNEL = {"direct": "1", "online": "2", "postal": "3"}
_DVCQG_LEVEL = {"full": "4", "partial": "3", "none": "2"}


def _compact(t: dt.datetime | None) -> str:
    return t.strftime("%Y%m%d%H%M%S") if t else ""


def dvcqg_records(ds: list[Dossier]) -> list[dict]:
    out = []
    for d in ds:
        r = {"MaHoSo": d.id, "NgayTiepNhan": _compact(d.received), "NgayHenTra": _compact(d.due),
             "KenhThucHien": _DVCQG_CHANNEL[d.channel], "TrangThaiHoSo": "10" if d.finished else "4",
             "MucDo": _DVCQG_LEVEL[d.level], "DuocThanhToanTrucTuyen": "1" if d.paid_online else "0",
             "HoSoCoThanhPhanSoHoa": "1" if d.digitised else "0", "DonViXuLy": d.unit, "TenTTHC": d.procedure,
             "ChuHoSo": "Nguyễn Văn A"}
        if d.finished:
            r["NgayKetThucXuLy"] = _compact(d.finished)
            r["NgayTra"] = _compact(d.finished + dt.timedelta(hours=1))
        # the fee as the payload carries it: a list of charges, summed by the profile
        r["DanhSachLePhi"] = ([{"TenPhiLePhi": "Lệ phí", "Gia": d.fee - 10000}, {"TenPhiLePhi": "Phí", "Gia": 10000}]
                              if d.fee > 0 else [])
        out.append(r)
    return out


def dvcqg_json(ds, path: Path) -> Path:
    path.write_text(json.dumps(dvcqg_records(ds), ensure_ascii=False), encoding="utf-8")
    return path


def dvcqg_jsonl(ds, path: Path) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in dvcqg_records(ds)) + "\n", encoding="utf-8")
    return path


_OPENCPS_LEVEL = {"full": 4, "partial": 3, "none": 2}


def _dmy(t: dt.datetime | None) -> str:
    return t.strftime("%d/%m/%Y %H:%M:%S") if t else ""


def opencps_records(ds) -> list[dict]:
    out = []
    for d in ds:
        out.append({
            "dossierId": 1000 + len(out), "dossierNo": d.id, "receiveDate": _dmy(d.received), "dueDate": _dmy(d.due),
            "finishDate": _dmy(d.finished), "releaseDate": _dmy(d.finished + dt.timedelta(hours=1)) if d.finished else "",
            "dossierStatus": "done" if d.finished else "processing", "online": d.channel == "online",
            "viaPostal": len(out) % 3 == 0, "fromViaPostal": 1 if d.channel == "postal" else 0,
            "serviceLevel": _OPENCPS_LEVEL[d.level], "govAgencyName": d.unit, "serviceName": d.procedure,
            "applicant": {"applicantName": "Trần Thị B", "cityName": "Cần Thơ"},
        })
    return out


def opencps_json(ds, path: Path) -> Path:
    recs = opencps_records(ds)
    path.write_text(json.dumps({"total": len(recs), "data": recs}, ensure_ascii=False), encoding="utf-8")
    return path


def opencps_csv(ds, path: Path) -> Path:
    recs = opencps_records(ds)
    flat = []
    for r in recs:
        r = dict(r)
        app = r.pop("applicant")
        r["online"] = "true" if r["online"] else "false"
        r.update({f"applicant.{k}": v for k, v in app.items()})
        flat.append(r)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(flat[0]))
        w.writeheader()
        w.writerows(flat)
    return path


_VI_CHANNEL = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}


def _dmy_hm(t: dt.datetime | None) -> str:
    return t.strftime("%d/%m/%Y %H:%M:%S") if t else ""


def dvc_tinh_rows(ds) -> list[list]:
    """Headers as ExcelXuatDanhSachHoSoTheoDoiModal.tsx writes them (no channel column)."""
    head = ["STT", "Đơn vị tiếp nhận", "Tên thủ tục hành chính", "Mã hồ sơ", "Trạng thái", "Địa chỉ", "Người nộp",
            "Chủ hồ sơ", "Ngày nộp hồ sơ", "Ngày nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý"]
    rows = [head]
    for i, d in enumerate(ds, 1):
        rows.append([i, d.unit, d.procedure, d.id, "Đã trả kết quả" if d.finished else "Đang xử lý",
                     "Cần Thơ", "Lê Văn C", "Lê Văn C", d.received, d.received, d.due, d.finished])
    return rows


def dvc_tinh_html(ds, path: Path) -> Path:
    import html

    rows = dvc_tinh_rows(ds)
    parts = ['<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>',
             '<table id="danhSachHoSoTable"><thead><tr><td colspan="9"><br/></td></tr>'
             '<tr><td colspan="8"><strong></strong></td></tr>']
    parts.append("<tr>" + "".join(f"<td><strong>{html.escape(h)}</strong></td>" for h in rows[0]) + "</tr></thead><tbody>")
    for r in rows[1:]:
        cells = [_dmy_hm(v) if isinstance(v, dt.datetime) else ("" if v is None else str(v)) for v in r]
        parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    parts.append("</tbody></table></body></html>")
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(parts).encode("utf-8"))
    return path


def us_locale_xlsx(ds, path: Path, provable: bool = True) -> Path:
    """The same list opened and re-saved by Excel under an English (US) locale: each date
    whose day is 12 or less became a native date read month-first (day and month swapped),
    the rest stayed dd/mm/yyyy text. ``provable=False`` leaves no text date with a day above
    12 ... and one native date with a day above 12: nothing proves which cells swapped."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    rows = dvc_tinh_rows(ds)
    ws.append(rows[0])
    for r in rows[1:]:
        out = []
        for v in r:
            if isinstance(v, dt.datetime):
                if v.day <= 12:
                    out.append(v.replace(day=v.month, month=v.day))  # what Excel stored
                else:
                    out.append(_dmy_hm(v))
            else:
                out.append(v)
        ws.append(out)
    if not provable:
        ws.cell(row=2, column=10).value = dt.datetime(YEAR, 3, 20, 8, 0)  # "Ngày nhận": a native date, day 20
    wb.save(path)
    return path


def epar_rows(ds) -> list[list]:
    rows = [["SỔ THEO DÕI HỒ SƠ\nBỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ\nTháng 3 năm 2023"],
            ["TT", "Tên thủ tục", "Người nộp", "Ngày nhận", "Ngày hẹn trả", "Ngày ký hồ sơ", "Ngày trả kết quả",
             "Đơn vị"]]

    def dmy(t):  # e-par's d-m-Y
        return f"{t.day}-{t.month}-{t.year}" if t else ""

    for i, d in enumerate(ds, 1):
        rows.append([i, d.procedure, "Phạm Thị D", dmy(d.received), dmy(d.due), dmy(d.finished), dmy(d.finished),
                     d.unit])
    return rows


def epar_xls(ds, path: Path) -> Path:
    from biff8 import write_xls

    write_xls(path, epar_rows(ds), sheet="SoBaoCao")
    return path


def epar_csv(ds, path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        for r in epar_rows(ds):
            w.writerow(r)
    return path


def mau06_xlsx(ds, path: Path) -> Path:
    """Form 06 as an office keeps it in Excel: title block, a two-row header with "Ngày,
    tháng, năm" merged over the date columns, a (1)…(13) row, Tổng cộng and signatures."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["UBND PHƯỜNG AN HÒA"])
    ws.append(["BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"])
    ws.append(["SỔ THEO DÕI HỒ SƠ"])
    ws.append([])
    top = ["STT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại",
           "Cơ quan chủ trì giải quyết", "Ngày, tháng, năm", None, None, None, None, "Ghi chú"]
    low = [None] * 7 + ["Nhận hồ sơ", "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan có thẩm quyền",
                        "Nhận kết quả từ cơ quan có thẩm quyền", "Trả kết quả", None]
    ws.append(top)
    ws.append(low)
    ws.merge_cells(start_row=5, start_column=8, end_row=5, end_column=12)
    for c in (1, 2, 3, 4, 5, 6, 7, 13):
        ws.merge_cells(start_row=5, start_column=c, end_row=6, end_column=c)
    ws.append([f"({i})" for i in range(1, 14)])
    for i, d in enumerate(ds, 1):
        ws.append([i, d.id, d.procedure, 1, "Võ Văn E", "Cần Thơ, 0900000000", d.unit,
                   d.received.strftime("%d/%m/%Y"), d.due.strftime("%d/%m/%Y"), "", "",
                   d.finished.strftime("%d/%m/%Y") if d.finished else "", ""])
    ws.append(["Tổng cộng", None, None, len(ds)])
    ws.append([])
    ws.append([None, "Người lập sổ", None, None, None, None, "Trưởng bộ phận"])
    wb.save(path)
    return path


def canonical_csv(ds, path: Path) -> Path:
    """The same dossiers with cchc's canonical field names as headers."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["dossier_id", "received_at", "due_at", "finished_at", "status", "channel", "service_level", "fee",
                    "online_payment", "digitised_dossier", "unit"])
        for d in ds:
            w.writerow([d.id, d.received.strftime("%d/%m/%Y %H:%M"), d.due.strftime("%d/%m/%Y %H:%M"),
                        d.finished.strftime("%d/%m/%Y %H:%M") if d.finished else "",
                        "Đã trả kết quả" if d.finished else "Đang xử lý",
                        {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính"}[d.channel],
                        {"full": "Toàn trình", "partial": "Một phần", "none": "Mức độ 2"}[d.level],
                        int(d.fee), "Có" if d.paid_online else "Không", "Có" if d.digitised else "Không", d.unit])
    return path
