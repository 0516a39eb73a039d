#!/usr/bin/env python3
"""Deterministic generator of the sample exports in samples/ (March 2023, Cần Thơ city).

    python samples/generate.py

Stdlib + openpyxl only. No network and no clock: a fixed seed, fixed workbook properties and
fixed zip entry timestamps, so two runs give byte-identical files. Every applicant name,
phone, ID number and address is fake ("Nguyễn Văn Mẫu 0042", "0000000042", ...).

Hand-edited defects put in on purpose (also listed in samples/README.md):
  1. dossiers/motcua-phongdien-2023-03.csv: one "Hẹn trả kết quả" reads "31/02/2023", an
     impossible date (a dossier of UBND huyện Phong Điền carried over from February).
  2. dossiers/motcua-phongdien-2023-03.csv: the status "Đang thẩm định", which is not in the
     status vocabulary, on 2 rows (pending dossiers, no "Ngày hoàn thành").
Deliberate quirks that are not defects are listed in README.md: cp1258, title rows and a
"Tổng cộng" row in the motcua CSV; a notes sheet first, a two-row merged header and Excel
serial numbers in the dvc-capxa workbook; 5 dossiers of UBND phường Lê Bình present in both
the workbook and the iGate CSV, one of them with a different "Ngày có kết quả" (a conflict).
"""
from __future__ import annotations

import csv
import io
import random
import unicodedata
import zipfile
from collections import namedtuple
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

SEED = 20230331
OUT = Path(__file__).resolve().parent
FIXED_TS = datetime(2023, 4, 3, 8, 0, 0)      # xlsx core properties created/modified
ZIP_TS = (2023, 4, 3, 8, 0, 0)                # timestamp of every xlsx zip entry
FIRST, LAST = date(2023, 3, 1), date(2023, 3, 31)
EXCEL_EPOCH = datetime(1899, 12, 30)

Unit = namedtuple("Unit", "level kind n online pay dres ddos late cover prefix")
# kind: procedure pool (T Sở Tư pháp, K Sở KH&ĐT, H district, X commune). online: share of
# online-capable dossiers submitted online; pay: share of fee-paying dossiers received in March
# paid online; dres: share of dossiers resolved in March with a digitised result; ddos: share
# with digitised input documents; late: chance a dossier is handled late; cover: dossiers
# received in March in the exports / paper logbook count; prefix: dossier-number prefix.
UNITS = {
    "Sở Tư pháp":            Unit("Tỉnh", "T", 85, .55, .42, .66, .85, .05, .94, "000.00.16.H13"),
    "Sở Kế hoạch và Đầu tư": Unit("Tỉnh", "K", 125, .65, .20, .72, .90, .04, .97, "000.00.12.H13"),
    "UBND quận Cái Răng":    Unit("Huyện", "H", 150, .55, .36, .52, .70, .08, .91, "000.00.23.H13"),
    "UBND quận Ninh Kiều":   Unit("Huyện", "H", 160, .45, .22, .42, .75, .06, .93, "000.00.21.H13"),
    "UBND huyện Phong Điền": Unit("Huyện", "H", 115, .40, .12, .28, .45, .12, .88, "PD"),
    "UBND phường Lê Bình":   Unit("Xã", "X", 95, .40, .36, .31, .60, .10, .89, "000.05.23.H13"),
    "UBND phường Hưng Phú":  Unit("Xã", "X", 105, .50, .26, .44, .65, .07, .95, "000.03.23.H13"),
    "UBND xã Nhơn Ái":       Unit("Xã", "X", 65, .38, .10, .20, .40, .14, .86, "NA"),
}
LEVEL_LABEL = {"Tỉnh": "Cấp tỉnh", "Huyện": "Cấp huyện", "Xã": "Cấp xã"}

Proc = namedtuple("Proc", "code name field service limit fee kinds weight eligible")
F_DN, F_HKD = "Thành lập và hoạt động của doanh nghiệp", "Thành lập và hoạt động của hộ kinh doanh"
FREE_ONLINE = {F_DN, F_HKD}   # registration fees waived for online submissions
CT = "Chứng thực"
# fee: VND per dossier, -2000 = 2,000 VND per page (1-10 pages). weight: relative frequency in
# the unit's pool; 0 = catalogue only (no dossier). eligible: eligible for full-online service.
PROCS = [
    Proc("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam", "Lý lịch tư pháp", "Toàn trình", 10, 200000, "T", 8, True),
    Proc("1.002032", "Đăng ký hành nghề luật sư với tư cách cá nhân", "Luật sư", "Một phần", 7, 0, "T", 1, True),
    Proc("2.001122", "Đăng ký hoạt động Văn phòng công chứng", "Công chứng", "Một phần", 10, 1000000, "T", 1, False),
    Proc("2.001125", "Thay đổi nội dung đăng ký hoạt động của Văn phòng công chứng", "Công chứng", "Một phần", 10, 500000, "T", 0, True),
    Proc("2.001132", "Đăng ký tập sự hành nghề công chứng", "Công chứng", "Toàn trình", 5, 0, "T", 0, True),
    Proc("2.001610", "Đăng ký thành lập công ty TNHH một thành viên", F_DN, "Toàn trình", 3, 50000, "K", 5, True),
    Proc("2.002033", "Đăng ký thành lập doanh nghiệp tư nhân", F_DN, "Toàn trình", 3, 50000, "K", 2, True),
    Proc("1.005384", "Đăng ký thay đổi người đại diện theo pháp luật của công ty trách nhiệm hữu hạn, công ty cổ phần", F_DN, "Toàn trình", 3, 50000, "K", 3, True),
    Proc("2.001583", "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo", F_DN, "Toàn trình", 3, 0, "K", 2, True),
    Proc("1.009645", "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư", "Đầu tư tại Việt Nam", "Một phần", 15, 0, "K", 1, False),
    Proc("2.002036", "Đăng ký thành lập công ty cổ phần", F_DN, "Toàn trình", 3, 50000, "K", 0, True),
    Proc("2.002035", "Đăng ký thành lập công ty TNHH hai thành viên trở lên", F_DN, "Toàn trình", 3, 50000, "K", 0, True),
    Proc("2.001253", "Giải thể doanh nghiệp", F_DN, "Một phần", 5, 0, "K", 0, True),
    Proc("1.001612", "Đăng ký thành lập hộ kinh doanh", F_HKD, "Toàn trình", 3, 100000, "H", 5, True),
    Proc("2.000720", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", F_HKD, "Toàn trình", 3, 50000, "H", 3, True),
    Proc("2.000644", "Tạm ngừng kinh doanh hộ kinh doanh", F_HKD, "Toàn trình", 3, 0, "H", 0, True),
    Proc("2.000575", "Chấm dứt hoạt động hộ kinh doanh", F_HKD, "Toàn trình", 3, 0, "H", 0, True),
    Proc("1.010007", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "Xây dựng", "Một phần", 15, 75000, "H", 3, True),
    Proc("1.010008", "Cấp giấy phép sửa chữa, cải tạo đối với nhà ở riêng lẻ", "Xây dựng", "Một phần", 15, 75000, "H", 0, True),
    Proc("1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do thay đổi thông tin", "Đất đai", "Một phần", 10, 0, "H", 3, False),
    Proc("1.004203", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với hộ gia đình, cá nhân", "Đất đai", "Mức độ 2", 15, 0, "H", 2, False),
    Proc("1.000688", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", "Một phần", 15, 1000000, "H", 1, False),
    Proc("2.000633", "Cấp Giấy phép bán lẻ rượu", "Lưu thông hàng hóa trong nước", "Toàn trình", 10, 0, "H", 1, True),
    Proc("2.000635", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", "Toàn trình", 1, 8000, "HX", 2, True),
    Proc("2.000815", "Cấp bản sao từ sổ gốc", CT, "Một phần", 1, 0, "HX", 2, True),
    Proc("2.000908", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận", CT, "Toàn trình", 1, -2000, "HX", 9, True),
    Proc("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", CT, "Mức độ 2", 1, 10000, "HX", 3, False),
    Proc("2.001035", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở", CT, "Mức độ 2", 2, 50000, "HX", 2, False),
    Proc("2.000927", "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch", CT, "Mức độ 2", 2, 30000, "X", 0, False),
    Proc("1.001193", "Đăng ký khai sinh", "Hộ tịch", "Toàn trình", 1, 0, "X", 5, True),
    Proc("1.000894", "Đăng ký kết hôn", "Hộ tịch", "Một phần", 5, 0, "X", 2, False),
    Proc("1.000656", "Đăng ký khai tử", "Hộ tịch", "Toàn trình", 1, 0, "X", 2, True),
    Proc("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", "Toàn trình", 3, 0, "X", 2, True),
    Proc("1.001022", "Đăng ký nhận cha, mẹ, con", "Hộ tịch", "Một phần", 3, 0, "X", 1, True),
    Proc("1.001669", "Đăng ký giám hộ", "Hộ tịch", "Một phần", 3, 0, "X", 0, True),
    Proc("1.003583", "Đăng ký khai sinh lưu động", "Hộ tịch", "Mức độ 2", 5, 0, "X", 0, False),
]
MISSING_FROM_CATALOGUE = {"2.001583", "2.000633"}   # used in the iGate CSV, absent from catalogue
KIND_LEVEL = {"T": "Cấp tỉnh", "K": "Cấp tỉnh", "H": "Cấp huyện", "X": "Cấp xã"}
KIND_AGENCY = {"T": "Sở Tư pháp", "K": "Sở Kế hoạch và Đầu tư", "H": "UBND cấp huyện", "X": "UBND cấp xã"}

# Status labels per exporting system; the dossier's random draw `sub` picks one.
LABELS = {
    "igate": {"returned": ["Đã trả kết quả"], "resolved": ["Đã xử lý xong"],
              "pending": ["Đang xử lý"] * 3 + ["Chờ bổ sung"], "withdrawn": ["Công dân rút"], "refused": ["Từ chối"]},
    "motcua": {"returned": ["Hoàn thành"], "resolved": ["Đã giải quyết"],
               "pending": ["Đang giải quyết"] * 2 + ["Yêu cầu bổ sung giấy tờ"], "withdrawn": ["Rút hồ sơ"],
               "refused": ["Từ chối xử lý"]},
    "dvc": {"returned": ["Đã trả kết quả"], "resolved": ["Chờ trả kết quả"],
            "pending": ["Đang xử lý"] * 2 + ["Yêu cầu bổ sung"], "withdrawn": ["Công dân yêu cầu rút hồ sơ"],
            "refused": ["Không được tiếp nhận"]},
}
CHANNELS = {"igate": {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"},
            "motcua": {"direct": "Tại quầy", "online": "Qua mạng", "postal": "BCCI"},
            "dvc": {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Qua bưu chính công ích"}}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng"]
WARDS = ["phường Lê Bình", "phường Hưng Phú", "phường An Khánh", "phường Xuân Khánh", "xã Nhơn Ái",
         "thị trấn Phong Điền"]


# ---------------------------------------------------------------- calendar helpers
def is_workday(d: date) -> bool:
    assert date(2023, 2, 13) <= d < date(2023, 4, 29), d   # no public holiday in this span
    return d.weekday() < 5


def add_workdays(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        n -= is_workday(d)
    return d


def prev_workday(d: date) -> date:
    d -= timedelta(days=1)
    return d if is_workday(d) else prev_workday(d)


def workdays(a: date, b: date) -> list[date]:
    return [a + timedelta(i) for i in range((b - a).days + 1) if is_workday(a + timedelta(i))]


def at(d: date, minute: int) -> datetime:
    return datetime.combine(d, time(minute // 60, minute % 60))


def office_minute(rng: random.Random) -> int:
    """A minute of office hours: 07:30-11:30 or 13:30-17:00."""
    return rng.randint(450, 690) if rng.random() < .6 else rng.randint(810, 1020)


# ---------------------------------------------------------------- dossiers
def gen_unit(rng, name: str, u: Unit, person: list[int]) -> list[SimpleNamespace]:
    pool = [p for p in PROCS if u.kind in p.kinds and p.weight]
    plan = []
    for i in range(u.n):
        p = rng.choices(pool, weights=[q.weight for q in pool])[0]
        if i < max(2, round(u.n * .04)):   # carried over from February, still open on 1 March
            day = rng.choice([d for d in workdays(date(2023, 2, 13), date(2023, 2, 28))
                              if add_workdays(d, p.limit) >= FIRST][-8:])
        else:
            day = rng.choice(workdays(FIRST, LAST))
        plan.append((at(day, office_minute(rng)), p))
    plan.sort(key=lambda t: (t[0], t[1].code))
    out, seq = [], {}
    for recv, p in plan:
        if u.prefix.endswith("H13"):   # portal style: agency code-yymmdd-sequence of the day
            key = recv.date()
            did = f"{u.prefix}-{recv:%y%m%d}-{seq.setdefault(key, 0) + 1:04d}"
        else:                          # receipt book style: sequence of the month
            key = recv.month
            did = f"{u.prefix}-{recv:%y%m}-{seq.setdefault(key, 140 if key == 2 else 0) + 1:04d}"
        seq[key] += 1
        out.append(simulate(rng, name, u, p, recv, did, person))
    return out


def simulate(rng, name, u, p, recv, did, person) -> SimpleNamespace:
    r = rng.random()
    channel = "online" if p.service != "Mức độ 2" and r < u.online else "postal" if r > .94 else "direct"
    fee = p.fee if p.fee >= 0 else -p.fee * rng.randint(1, 10)
    if channel == "online" and p.field in FREE_ONLINE:
        fee = 0
    person[0] += 1
    k = person[0]
    d = SimpleNamespace(
        id=did, unit=name, u=u, proc=p, channel=channel, recv=recv, fee=fee, sub=rng.random(),
        name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} Mẫu {k:04d}", phone=f"{k:010d}", cccd=f"{k:012d}",
        addr=f"Số {rng.randint(1, 199)}, đường Mẫu {rng.randint(1, 30)}, {rng.choice(WARDS)}, TP. Cần Thơ",
        ddos=rng.random() < u.ddos, dres=False, paid_online=False, apology=False, state="pending",
        fin=None, ret=None, dup=False, igate_fin=None, bad_due=False, bad_status=False)
    due = add_workdays(recv.date(), p.limit)
    if rng.random() < .03:   # appointment set later than the statutory limit allows
        due = add_workdays(due, rng.randint(1, 3))
    d.due = at(due, 17 * 60)
    r = rng.random()
    if r < .03:
        d.state = "withdrawn" if r < .015 else "refused"
        return d
    if rng.random() < u.late:
        fin = add_workdays(due, rng.choice([1, 1, 1, 2, 2, 3, 5, 8, 12]))
    elif p.limit == 1:
        fin = recv.date() if rng.random() < .7 else due
    else:
        days = workdays(add_workdays(recv.date(), 1), due)
        fin = due if rng.random() < .35 else rng.choice(days[:-1] or days)
    if fin == recv.date() and recv.hour >= 16:
        fin = add_workdays(fin, 1)
    fin = max(fin, FIRST)
    if fin > LAST:
        return d   # still pending at the end of March
    lo = recv.hour * 60 + recv.minute + 20 if fin == recv.date() else 450
    d.fin, d.state = at(fin, rng.randint(lo, 990)), "resolved"
    ret = add_workdays(fin, rng.choice([0, 0, 0, 1, 2]))
    if ret <= LAST:
        m = d.fin.hour * 60 + d.fin.minute
        d.ret = at(ret, min(m + rng.randint(10, 90), 1020) if ret == fin else office_minute(rng))
    return d


def is_late(d) -> bool:
    return d.state == "resolved" and d.due is not None and d.fin.date() > d.due.date()


def assign_exact(rng, items, share, attr, weight=lambda d: 1.0) -> None:
    """Set `attr` True on exactly round(share * len(items)) items (weighted, no replacement)."""
    keys = [rng.random() ** (1 / weight(d)) for d in items]
    top = set(sorted(range(len(items)), key=lambda i: -keys[i])[:round(share * len(items))])
    for i, d in enumerate(items):
        setattr(d, attr, i in top)


def build_dossiers(rng: random.Random) -> dict[str, list]:
    person, by_unit = [0], {}
    for name, u in UNITS.items():
        ds = by_unit[name] = gen_unit(rng, name, u, person)
        assign_exact(rng, [d for d in ds if d.state == "resolved"], u.dres, "dres")
        assign_exact(rng, [d for d in ds if d.fee > 0 and d.recv.date() >= FIRST], u.pay,
                     "paid_online", weight=lambda d: 3.0 if d.channel == "online" else 1.0)
        for d in ds:
            if d.fee > 0 and d.recv.date() < FIRST:
                d.paid_online = rng.random() < u.pay
            d.apology = is_late(d) and rng.random() < .5
    # 5 dossiers of Lê Bình are also in the iGate CSV; the first one's finish date differs there
    # (one working day earlier, still after the day of receipt and before the due date).
    dups = rng.sample([d for d in by_unit["UBND phường Lê Bình"] if d.state == "resolved" and d.ret
                       and d.channel != "postal" and not is_late(d) and d.recv.date() >= FIRST
                       and prev_workday(d.fin.date()) > d.recv.date()], 5)
    for d in dups:
        d.dup = True
    dups[0].igate_fin = at(prev_workday(dups[0].fin.date()), 630)
    # The two hand-edited defects of the motcua CSV.
    pd = by_unit["UBND huyện Phong Điền"] + by_unit["UBND xã Nhơn Ái"]
    rng.choice([d for d in pd if d.unit == "UBND huyện Phong Điền" and d.recv.date() < FIRST
                and d.state == "resolved"]).bad_due = True
    for d in rng.sample([d for d in pd if d.state == "pending"], 2):
        d.bad_status = True
    # Nhơn Ái gave no appointment slip for 3 same-day certifications (blank due date).
    for d in rng.sample([d for d in by_unit["UBND xã Nhơn Ái"] if d.proc.limit == 1
                         and d.state == "resolved" and not is_late(d)], 3):
        d.due = None
    return by_unit


def label(d, system: str) -> str:
    if d.bad_status:
        return "Đang thẩm định"
    opts = LABELS[system]["returned" if d.state == "resolved" and d.ret else d.state]
    return opts[int(d.sub * len(opts))]


def vnd(n: int, sep: str = ".") -> str:
    return f"{n:,}".replace(",", sep)


def dmy(v, with_time=True) -> str:
    return "" if v is None else v.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def serial(v: datetime | None) -> float | None:
    return None if v is None else (v - EXCEL_EPOCH) / timedelta(days=1)


# ---------------------------------------------------------------- writers
def write_bytes(name: str, data: bytes) -> None:
    (OUT / name).parent.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_bytes(data)


def csv_text(rows, delimiter=",", newline="\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


def save_xlsx(wb: Workbook, name: str) -> None:
    """Save with fixed core properties and fixed zip entry timestamps (byte-reproducible)."""
    wb.properties.creator = wb.properties.lastModifiedBy = "samples/generate.py"
    wb.properties.created = wb.properties.modified = FIXED_TS
    raw, out = io.BytesIO(), io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()   # no "modified = now"
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TS)
            zi.compress_type, zi.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    write_bytes(name, out.getvalue())


def write_igate(by_unit) -> int:
    """Clean UTF-8 CSV from a provincial iGate-style portal (plus the 5 Lê Bình duplicates)."""
    header = ["Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Đơn vị tiếp nhận", "Cấp thực hiện",
              "Hình thức nộp", "Mức độ", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả",
              "Ngày trả kết quả", "Trạng thái", "Phí lệ phí", "Thanh toán trực tuyến", "Số hóa hồ sơ",
              "Số hóa kết quả", "Văn bản xin lỗi", "Thời hạn quy định", "Chủ hồ sơ", "Số điện thoại",
              "Địa chỉ"]
    units = ["Sở Tư pháp", "Sở Kế hoạch và Đầu tư", "UBND quận Cái Răng", "UBND quận Ninh Kiều"]
    ds = [d for n in units for d in by_unit[n]] + [d for d in by_unit["UBND phường Lê Bình"] if d.dup]
    yn = {True: "Có", False: "Không"}
    rows = [header]
    for d in sorted(ds, key=lambda d: (d.recv, d.id)):
        p = d.proc
        rows.append([d.id, p.code, p.name, p.field, d.unit, LEVEL_LABEL[d.u.level],
                     CHANNELS["igate"][d.channel], p.service, dmy(d.recv), dmy(d.due),
                     dmy(d.igate_fin or d.fin), dmy(d.ret), label(d, "igate"), vnd(d.fee) if d.fee else "",
                     yn[d.paid_online], yn[d.ddos], yn[d.dres], "Có" if d.apology else "", p.limit,
                     d.name, d.phone, d.addr])
    write_bytes("dossiers/igate-2023-03.csv", csv_text(rows).encode("utf-8"))
    return len(rows) - 1


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258: a letter cp1258 lacks becomes base letter + combining tone mark.

    Plain NFD is not enough: cp1258 has no combining circumflex, breve or horn, so "ệ" must
    become "ê" + U+0323 (not "e" + U+0323 + U+0302)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += (base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258")
    assert unicodedata.normalize("NFC", out.decode("cp1258")) == unicodedata.normalize("NFC", text)
    return bytes(out)


def write_motcua(by_unit) -> int:
    """Windows-1258, ';', CRLF, title rows, receipt-book headers, date-only values, total row."""
    header = ["STT", "Số biên nhận", "Thủ tục hành chính", "Lĩnh vực", "Đơn vị xử lý", "Ngày nhận hồ sơ",
              "Hẹn trả kết quả", "Ngày hoàn thành", "Tình trạng", "Kênh nộp", "Họ tên chủ hồ sơ", "Số CCCD",
              "Số hóa kết quả", "Phí, lệ phí", "Hình thức thanh toán"]
    ds = sorted(by_unit["UBND huyện Phong Điền"] + by_unit["UBND xã Nhơn Ái"], key=lambda d: (d.recv, d.id))
    pad = [""] * (len(header) - 1)   # Excel's "Save as CSV" pads every row to the sheet's width
    rows = [[t] + pad for t in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
                                "SỔ THEO DÕI HỒ SƠ TIẾP NHẬN VÀ TRẢ KẾT QUẢ", "Tháng 03 năm 2023"]]
    rows.append(header)
    for i, d in enumerate(ds, 1):
        online = "VNPT PAY" if d.sub < .5 else "Thanh toán qua Cổng Quốc gia"
        rows.append([i, d.id, d.proc.name, d.proc.field, d.unit, dmy(d.recv, False),
                     "31/02/2023" if d.bad_due else dmy(d.due, False), dmy(d.fin, False),
                     label(d, "motcua"), CHANNELS["motcua"][d.channel], d.name, d.cccd,
                     "x" if d.dres else "", f"{vnd(d.fee, ',')} đ" if d.fee else "",
                     "" if not d.fee else online if d.paid_online else "Tiền mặt"])
    rows.append(["Tổng cộng", len(ds)] + pad[1:])
    write_bytes("dossiers/motcua-phongdien-2023-03.csv", to_cp1258(csv_text(rows, ";", "\r\n")))
    return len(ds)


def write_dvc(by_unit) -> int:
    """Commune-level report workbook: notes sheet first, then titles and a two-row merged header."""
    wb = Workbook()
    notes = wb.active
    notes.title = "Hướng dẫn"
    for line in ["HƯỚNG DẪN SỬ DỤNG BÁO CÁO",
                 "1. Báo cáo trích xuất từ Hệ thống thông tin giải quyết TTHC thành phố Cần Thơ.",
                 "2. Gồm hồ sơ tiếp nhận từ 01/03/2023 đến 31/03/2023 và hồ sơ kỳ trước chuyển sang.",
                 "3. Chi tiết hồ sơ xem tại trang tính \"Hồ sơ\".",
                 "4. Thông tin người nộp hồ sơ chỉ sử dụng cho công tác kiểm tra, không công bố."]:
        notes.append([line])
    ws = wb.create_sheet("Hồ sơ")
    top = ["STT", "Mã số\nhồ sơ", "Tên TTHC ", "Lĩnh vực", "Tên đơn vị", "Hình thức\ntiếp nhận", "Loại DVC",
           "Ngày, tháng, năm", None, None, None, "Trạng thái\nhồ sơ", "Số hoá\nhồ sơ", "Kết quả\nđiện tử ",
           "Người nộp\nhồ sơ"]
    width = len(top)
    for r, title in enumerate(["UBND THÀNH PHỐ CẦN THƠ", "BÁO CÁO CHI TIẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH CẤP XÃ",
                               "Từ ngày 01/03/2023 đến ngày 31/03/2023"], 1):
        ws.cell(r, 1, title).font = Font(bold=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    for c, v in enumerate(top, 1):
        ws.cell(4, c, v)
        ws.cell(6, c, f"({c})")   # the row of column numbers under the header
        if v != "Ngày, tháng, năm" and v is not None:
            ws.merge_cells(start_row=4, start_column=c, end_row=5, end_column=c)
    for c, v in enumerate(["Nhận hồ sơ", "Hẹn trả\nkết quả", "Có kết quả", "Trả kết quả "], 8):
        ws.cell(5, c, v)
    ws.merge_cells(start_row=4, start_column=8, end_row=4, end_column=11)
    for row in ws.iter_rows(min_row=4, max_row=6):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    ds = sorted(by_unit["UBND phường Lê Bình"] + by_unit["UBND phường Hưng Phú"],
                key=lambda d: (d.unit, d.recv, d.id))
    for i, d in enumerate(ds, 1):
        ws.append([i, d.id, d.proc.name, d.proc.field, d.unit, CHANNELS["dvc"][d.channel], d.proc.service,
                   d.recv, d.due, serial(d.fin), serial(d.ret), label(d, "dvc"),
                   "Đã số hóa" if d.ddos else "Chưa số hóa", "Có" if d.dres else None, d.name])
        for c in (8, 9):   # native datetimes; columns 10-11 stay plain serial numbers
            ws.cell(6 + i, c).number_format = "dd/mm/yyyy hh:mm"
    ws.append(["Tổng cộng", len(ds)])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    for col, w in zip("ABCDEFGHIJKLMNO", [6, 26, 50, 18, 24, 14, 12, 16, 16, 12, 12, 18, 12, 10, 24]):
        ws.column_dimensions[col].width = w
    save_xlsx(wb, "dossiers/dvc-capxa-2023-03.xlsx")
    return len(ds)


def write_catalogue() -> int:
    rows = sorted(((k, p) for p in PROCS for k in p.kinds if p.code not in MISSING_FROM_CATALOGUE),
                  key=lambda t: ("TKHX".index(t[0]), t[1].field, t[1].code))
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục TTHC"
    ws.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH TRÊN ĐỊA BÀN THÀNH PHỐ CẦN THƠ (TRÍCH, MẪU)"])
    ws.append(["STT", "Mã TTHC", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Mức độ DVCTT",
               "Đủ điều kiện toàn trình", "Thời hạn giải quyết", "Cơ quan thực hiện"])
    for i, (k, p) in enumerate(rows, 1):
        ws.append([i, p.code, p.name, p.field, KIND_LEVEL[k], p.service, "Có" if p.eligible else "Không",
                   f"{p.limit:02d} ngày làm việc", KIND_AGENCY[k]])
    for col, w in zip("ABCDEFGHI", [6, 12, 60, 30, 14, 14, 12, 20, 22]):
        ws.column_dimensions[col].width = w
    save_xlsx(wb, "catalogue.xlsx")
    return len(rows)


# unit, abbreviation, documents, first number in March, signature weights (Không, Cá nhân,
# Cơ quan, Cá nhân và cơ quan), share sent over the interconnection axis
DOC_UNITS = [("Sở Tư pháp", "STP", 62, 381, (2, 5, 8, 85), .95),
             ("Sở Kế hoạch và Đầu tư", "SKHĐT", 58, 512, (1, 4, 5, 90), .92),
             ("UBND quận Cái Răng", "UBND", 55, 610, (25, 30, 20, 25), .70),
             ("UBND quận Ninh Kiều", "UBND", 50, 905, (8, 12, 15, 65), .88),
             ("UBND huyện Phong Điền", "UBND", 40, 402, (30, 25, 20, 25), .60),
             ("UBND phường Lê Bình", "UBND", 35, 95, (45, 25, 15, 15), .45)]
DOC_TYPES = [("{n}/{a}-VP", "V/v ", 55), ("{n}/QĐ-{a}", "Về việc ", 15), ("{n}/BC-{a}", "Báo cáo ", 12),
             ("{n}/KH-{a}", "Kế hoạch ", 8), ("{n}/TB-{a}", "Thông báo ", 10)]
TOPICS = ["kết quả giải quyết thủ tục hành chính tháng 02/2023", "triển khai Kế hoạch cải cách hành chính năm 2023",
          "số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "thanh toán trực tuyến phí, lệ phí",
          "kiện toàn Bộ phận Một cửa", "kiểm tra công tác cải cách hành chính năm 2023",
          "rà soát, đơn giản hóa thủ tục hành chính năm 2023", "thực hiện Đề án 06 năm 2023",
          "công tác văn thư, lưu trữ", "tiếp công dân định kỳ tháng 3/2023", "quản lý trật tự xây dựng trên địa bàn"]
SIGNATURES = ["Không", "Cá nhân", "Cơ quan", "Cá nhân và cơ quan"]


def write_documents(rng: random.Random) -> int:
    rows = [["STT", "Số, ký hiệu văn bản", "Ngày ban hành", "Trích yếu", "Đơn vị soạn thảo", "Hình thức ký",
             "Gửi qua trục liên thông"]]
    for unit, abbr, n, first, sig_w, inter in DOC_UNITS:
        for i, day in enumerate(sorted(rng.choice(workdays(FIRST, LAST)) for _ in range(n))):
            fmt, prefix, _ = rng.choices(DOC_TYPES, weights=[t[2] for t in DOC_TYPES])[0]
            rows.append([len(rows), fmt.format(n=first + i, a=abbr), day.strftime("%d/%m/%Y"),
                         prefix + rng.choice(TOPICS), unit, rng.choices(SIGNATURES, weights=sig_w)[0],
                         "Có" if rng.random() < inter else "Không"])
    assert len({r[1] for r in rows}) == len(rows), "document numbers must be unique"
    write_bytes("documents.csv", csv_text(rows, newline="\r\n").encode("utf-8-sig"))
    return len(rows) - 1


def write_logbook(by_unit) -> dict[str, int]:
    book = {n: round(sum(d.recv.date() >= FIRST for d in by_unit[n]) / u.cover) for n, u in UNITS.items()}
    rows = [["Đơn vị", "Kỳ", "Số hồ sơ tiếp nhận"]] + [[n, "2023-03", c] for n, c in book.items()]
    write_bytes("logbook.csv", csv_text(rows).encode("utf-8"))
    return book


TARGETS = '''# Sample province plan: cchc check-targets samples/dossiers --targets samples/targets.toml
name = "Kế hoạch CCHC thành phố Cần Thơ năm 2023 (mẫu)"
source = "Mẫu minh họa, không phải văn bản chính thức; chỉ tiêu số hóa kết quả và thanh toán trực tuyến theo kết quả kiểm tra CCHC quận Cái Răng năm 2023 (preset cantho-2023)"

[[targets]]
kpi = "digitised_result_rate"
level = "Huyện"
min = 0.40
warn_min = 0.45

[[targets]]
kpi = "digitised_result_rate"
level = "Xã"
min = 0.35

[[targets]]
kpi = "online_payment_rate"
min = 0.30

[[targets]]
kpi = "on_time_rate"
min = 0.95
warn_min = 0.98

[[targets]]
kpi = "overdue_pending_rate"
max = 0.05
'''

CALENDAR = '''# Days off and working Saturdays of 2023 for state agencies (cán bộ, công chức, viên chức),
# applied on top of the weekly Saturday/Sunday rest and the Labour Code's public holidays.
year = 2023
source = "Thông báo 6150/TB-LĐTBXH (nghỉ Tết Âm lịch và Quốc khánh năm 2023); ngày nghỉ bù theo Điều 111, 112 Bộ luật Lao động 2019"

days_off = [
    "2023-01-02",  # Mon: compensatory day, New Year's Day 01/01 fell on a Sunday
    "2023-01-20",  # Fri: Tết, 29 tháng Chạp
    "2023-01-23",  # Mon: Tết, mùng 2
    "2023-01-24",  # Tue: Tết, mùng 3
    "2023-01-25",  # Wed: Tết, mùng 4
    "2023-01-26",  # Thu: Tết, mùng 5 (compensatory: 30 Tết and mùng 1 fell on Sat/Sun)
    "2023-05-02",  # Tue: compensatory day, Hùng Kings' day (10/3 âm lịch) fell on Sat 29/04
    "2023-05-03",  # Wed: compensatory day, Reunification Day fell on Sun 30/04
    "2023-09-01",  # Fri: National Day holiday, the day before 02/09
    "2023-09-04",  # Mon: compensatory day, National Day 02/09 fell on a Saturday
]

# No working day was swapped in 2023: the 29/04-03/05 break came from compensatory days. A year
# with a swap lists the Saturdays worked, e.g. working_saturdays = ["2024-05-04"] in 2024.
working_saturdays = []
'''


# ---------------------------------------------------------------- main
def main() -> None:
    rng = random.Random(SEED)
    by_unit = build_dossiers(rng)
    rows = {"dossiers/igate-2023-03.csv": write_igate(by_unit),
            "dossiers/motcua-phongdien-2023-03.csv": write_motcua(by_unit),
            "dossiers/dvc-capxa-2023-03.xlsx": write_dvc(by_unit),
            "catalogue.xlsx": write_catalogue(), "documents.csv": write_documents(rng)}
    book = write_logbook(by_unit)
    write_bytes("targets.toml", TARGETS.encode("utf-8"))
    write_bytes("calendar-2023.toml", CALENDAR.encode("utf-8"))
    for name, n in rows.items():
        print(f"{name:40} {n:4} data rows")
    print(f"\n{'unit':22} {'all':>4} {'Mar':>4} {'res':>4} {'late':>4} {'pend':>4} {'ovd':>4} {'w/r':>4} "
          f"{'onl':>4} {'fee':>4} {'digitised_result':>16} {'online_payment':>15} {'book':>5}")
    for name, ds in by_unit.items():
        march = [d for d in ds if d.recv.date() >= FIRST]
        res, pend = [d for d in ds if d.state == "resolved"], [d for d in ds if d.state == "pending"]
        ovd = sum(d.due is not None and d.due.date() <= LAST for d in pend)
        fee = [d for d in march if d.fee > 0]
        dres, paid = sum(d.dres for d in res), sum(d.paid_online for d in fee)
        onl = sum(d.channel == "online" for d in march) / len(march)
        print(f"{name[:22]:22} {len(ds):4} {len(march):4} {len(res):4} {sum(map(is_late, res)):4} "
              f"{len(pend):4} {ovd:4} {len(ds) - len(res) - len(pend):4} {onl:4.0%} {len(fee) / len(march):4.0%} "
              f"{dres:3}/{len(res):3} = {dres / len(res):.3f} {paid:3}/{len(fee):3} = {paid / len(fee):.3f} "
              f"{book[name]:5}")


if __name__ == "__main__":
    main()
