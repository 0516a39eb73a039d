#!/usr/bin/env python3
"""Whole-process benchmarks of ``cchc compute`` against reference readers.

    .venv/bin/python benchmarks/run.py                  # full run, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --rows 100000 --xlsx-rows 10000   # quick run
    .venv/bin/python benchmarks/run.py --only help      # one group: csv, xlsx or help

In one run it
1. generates (seeded, vectorised; skipped when the files already exist with the right row
   count) a dossier CSV export and an XLSX export with 3 title rows into benchmarks/data/
   (git-ignored);
2. times whole processes (wall clock, best of N after one warm-up, peak RSS of the child
   from ``os.wait4``):
     a. ``cchc compute <csv> --period 2023 --by unit --format json -o <tmp>`` (and without
        ``--by``), against
     b. DuckDB computing the same counts from the same CSV (all columns VARCHAR, day-first
        strptime, grouped by unit and overall) in a ``python -c`` subprocess;
     c. ``cchc compute <xlsx> --format json -o <tmp>`` against a raw python-calamine read of
        the same workbook;
     d. ``cchc --help``;
3. cross-checks cchc's counts against DuckDB's (overall and per unit) and writes
   RESULTS.md with the machine, the figures, the ratios and the goals (MET / NOT MET).

A run with non-default sizes or ``--only`` writes benchmarks/data/RESULTS-quick.md instead of
RESULTS.md (unless ``--results`` says otherwise), so a quick run never replaces the committed
figures. Sections of RESULTS.md other than the one this script owns ("## compute") are kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "RESULTS.md"
QUICK_RESULTS = DATA / "RESULTS-quick.md"

SEED = 20230101
GEN_VERSION = 1  # bump when the generator changes: cached files are then regenerated
DEFAULT_ROWS = 1_000_000
DEFAULT_XLSX_ROWS = 100_000

GOAL_DUCKDB_RATIO = 2.0
GOAL_CALAMINE_RATIO = 1.5
GOAL_RSS_MB = 1024.0
GOAL_HELP_S = 0.3

# ---------------------------------------------------------------------------- the data

HEADERS = (
    "Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Đơn vị tiếp nhận", "Cấp thực hiện",
    "Hình thức nộp", "Mức độ", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái",
    "Phí lệ phí", "Thanh toán trực tuyến", "Số hóa hồ sơ", "Số hóa kết quả", "Văn bản xin lỗi",
    "Chủ hồ sơ", "Số điện thoại",
)
XLSX_TITLE_ROWS = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH",
    "Năm 2023",
)

LEVEL_LABELS = ("Cấp tỉnh", "Cấp huyện", "Cấp xã")
_SO = (
    "Sở Tư pháp", "Sở Kế hoạch và Đầu tư", "Sở Tài nguyên và Môi trường", "Sở Xây dựng",
    "Sở Giao thông vận tải", "Sở Y tế", "Sở Giáo dục và Đào tạo",
    "Sở Lao động - Thương binh và Xã hội", "Sở Công Thương",
    "Sở Nông nghiệp và Phát triển nông thôn", "Sở Văn hóa, Thể thao và Du lịch", "Sở Nội vụ",
    "Sở Tài chính", "Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ",
)
_HUYEN = (
    "UBND quận Ninh Kiều", "UBND quận Cái Răng", "UBND quận Bình Thủy", "UBND quận Ô Môn",
    "UBND quận Thốt Nốt", "UBND huyện Phong Điền", "UBND huyện Cờ Đỏ", "UBND huyện Thới Lai",
    "UBND huyện Vĩnh Thạnh",
)
_XA = tuple(f"UBND phường {w}" for w in (
    "An Hòa", "An Khánh", "An Nghiệp", "An Cư", "Cái Khế", "Hưng Lợi", "Tân An", "Thới Bình",
    "Xuân Khánh", "Lê Bình", "Hưng Phú", "Hưng Thạnh", "Ba Láng", "Thường Thạnh", "Phú Thứ",
    "Tân Phú", "Bình Thủy", "Trà An", "Trà Nóc", "Thới An Đông", "An Thới", "Bùi Hữu Nghĩa",
    "Long Hòa", "Long Tuyền",
)) + tuple(f"UBND xã {w}" for w in (
    "Nhơn Ái", "Nhơn Nghĩa", "Giai Xuân", "Tân Thới", "Mỹ Khánh", "Trường Long", "Thới Hưng",
    "Trung An",
)) + tuple(f"UBND thị trấn {w}" for w in ("Phong Điền", "Cờ Đỏ", "Thới Lai", "Vĩnh Thạnh"))
UNITS = tuple((u, 0) for u in _SO) + tuple((u, 1) for u in _HUYEN) + tuple((u, 2) for u in _XA)

# (code, name, field, service level label, time limit in working days, fee in VND)
SERVICE_LEVELS = ("Toàn trình", "Một phần", "Mức độ 2")
PROCEDURES = {
    0: (
        ("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
         "Lý lịch tư pháp", 0, 10, 200_000),
        ("2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", "Thành lập và hoạt động doanh nghiệp", 0, 3, 50_000),
        ("2.001583", "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo",
         "Thành lập và hoạt động doanh nghiệp", 0, 3, 0),
        ("1.004227", "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II",
         "Hoạt động xây dựng", 1, 20, 150_000),
        ("1.002804", "Cấp giấy phép lái xe", "Đường bộ", 1, 10, 135_000),
        ("1.003039", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "Khám bệnh, chữa bệnh", 1, 15, 360_000),
        ("1.005092", "Công nhận tốt nghiệp, cấp bản sao văn bằng, chứng chỉ", "Văn bằng, chứng chỉ", 0, 5, 0),
        ("1.000105", "Cấp giấy phép lao động cho người lao động nước ngoài", "Việc làm", 1, 5, 600_000),
        ("2.000620", "Cấp Giấy phép bán buôn rượu", "Lưu thông hàng hóa trong nước", 2, 15, 1_200_000),
        ("1.003596", "Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm", "An toàn thực phẩm", 2, 20, 700_000),
    ),
    1: (
        ("1.004203", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với hộ gia đình, cá nhân",
         "Đất đai", 2, 15, 0),
        ("1.000688", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", 1, 15, 1_000_000),
        ("2.000633", "Cấp Giấy phép bán lẻ rượu", "Lưu thông hàng hóa trong nước", 1, 10, 1_200_000),
        ("2.000720", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", 0, 3, 100_000),
        ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Hoạt động xây dựng", 1, 15, 75_000),
        ("2.000908", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", 2, 1, 2_000),
        ("1.001612", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai", 2, 20, 100_000),
        ("1.003005", "Cấp lại giấy chứng nhận đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", 0, 3, 50_000),
    ),
    2: (
        ("1.001193", "Đăng ký khai sinh", "Hộ tịch", 0, 1, 0),
        ("1.000656", "Đăng ký khai tử", "Hộ tịch", 0, 1, 0),
        ("1.001022", "Đăng ký kết hôn", "Hộ tịch", 1, 1, 0),
        ("2.000635", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", 0, 1, 8_000),
        ("2.000815", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", 2, 1, 10_000),
        ("1.004873", "Xác nhận thông tin hộ tịch", "Hộ tịch", 0, 3, 15_000),
        ("2.000884", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất",
         "Chứng thực", 2, 2, 50_000),
        ("1.003583", "Đăng ký thường trú", "Đăng ký, quản lý cư trú", 1, 7, 20_000),
    ),
}
PROC_LIST = tuple(p for lv in (0, 1, 2) for p in PROCEDURES[lv])
PROC_OFFSET = np.array([0, len(PROCEDURES[0]), len(PROCEDURES[0]) + len(PROCEDURES[1])])
PROC_COUNT = np.array([len(PROCEDURES[lv]) for lv in (0, 1, 2)])

CHANNELS = ("Trực tiếp", "Trực tuyến", "Bưu chính công ích")
# P(direct), P(online) by service level (postal is the rest)
CHANNEL_P = np.array([[0.25, 0.70], [0.52, 0.40], [0.90, 0.00]])

# (label, probability, resolved?)
STATUSES = (
    ("Đã trả kết quả", 0.60, True), ("Đã xử lý xong", 0.12, True), ("Chờ trả kết quả", 0.02, True),
    ("Đang xử lý", 0.12, False), ("Yêu cầu bổ sung", 0.04, False), ("Được tiếp nhận", 0.02, False),
    ("Công dân rút", 0.03, False), ("Từ chối", 0.03, False), ("Dừng xử lý", 0.02, False),
)
RESOLVED_LABELS = ("Đã xử lý xong", "Đã giải quyết", "Chờ trả kết quả", "Đã trả kết quả", "Hoàn thành")

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng")
MIDDLE = ("Văn", "Thị", "Hoàng", "Ngọc", "Minh", "Thanh", "Hữu", "Kim")


def synth(n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` dossiers received on working days of 2023, sorted by receipt, as numpy columns
    (indices into the tables above, datetime64[s] with NaT for blanks, booleans)."""
    rng = np.random.default_rng(seed)
    # unit sizes vary: a Sở or a district sees more dossiers than a commune
    weight = np.array([[3.0, 4.0, 1.0][lv] for _, lv in UNITS]) * rng.uniform(0.5, 1.5, len(UNITS))
    unit = rng.choice(len(UNITS), size=n, p=weight / weight.sum()).astype(np.int16)
    level = np.array([lv for _, lv in UNITS], dtype=np.int8)[unit]
    proc = (PROC_OFFSET[level] + rng.integers(0, 1 << 30, n) % PROC_COUNT[level]).astype(np.int16)
    svc = np.array([p[3] for p in PROC_LIST], dtype=np.int8)[proc]
    limit = np.array([p[4] for p in PROC_LIST], dtype=np.int64)[proc]
    fee_amount = np.array([p[5] for p in PROC_LIST], dtype=np.int64)[proc]

    u = rng.random(n)
    channel = np.where(u < CHANNEL_P[svc, 0], 0, np.where(u < CHANNEL_P[svc, 0] + CHANNEL_P[svc, 1], 1, 2)).astype(np.int8)

    days = np.arange(np.datetime64("2023-01-01"), np.datetime64("2024-01-01"), dtype="datetime64[D]")
    workdays = days[np.is_busday(days)]
    rec_day = np.sort(rng.choice(workdays, n))  # the export is in order of receipt
    rec_min = rng.integers(7 * 60, 17 * 60, n)  # 07:00-16:59, never 00:00 (= "no time of day")
    rec = rec_day.astype("datetime64[s]") + (rec_min * 60).astype("timedelta64[s]")

    due_day = np.busday_offset(rec_day, limit, roll="forward")
    due = due_day.astype("datetime64[s]") + np.timedelta64(17 * 3600, "s")
    due[rng.random(n) < 0.01] = np.datetime64("NaT")  # 1% without an appointment slip

    p = np.array([s[1] for s in STATUSES])
    status = rng.choice(len(STATUSES), size=n, p=p / p.sum()).astype(np.int8)
    resolved = np.array([s[2] for s in STATUSES])[status]
    # working days taken: mostly within the limit, a few percent late
    took = np.floor(limit * rng.uniform(0.0, 1.1, n)).astype(np.int64)
    fin_day = np.busday_offset(rec_day, took, roll="forward")
    same_day = fin_day == rec_day
    fin_min = np.where(same_day, np.minimum(rec_min + rng.integers(15, 300, n), 23 * 60), rng.integers(7 * 60, 18 * 60, n))
    fin = fin_day.astype("datetime64[s]") + (fin_min * 60).astype("timedelta64[s]")
    fin[~resolved] = np.datetime64("NaT")
    late = resolved & (due != np.datetime64("NaT")) & (fin > due)

    has_fee = fee_amount > 0
    paid_online = has_fee & (rng.random(n) < np.where(channel == 1, 0.45, 0.05))
    return {
        "unit": unit, "level": level, "proc": proc, "svc": svc, "channel": channel, "status": status,
        "rec": rec, "due": due, "fin": fin, "fee": fee_amount,
        "paid_online": paid_online,
        "digitised_dossier": rng.random(n) < 0.8,
        "digitised_result": resolved & (rng.random(n) < 0.55),
        "apology": late & (rng.random(n) < 0.3),
        "family": rng.integers(0, len(FAMILY), n).astype(np.int8),
        "middle": rng.integers(0, len(MIDDLE), n).astype(np.int8),
    }


def _money(v: int) -> str:
    return f"{v:,}".replace(",", ".")


def _csv_quote(words):
    """Quote a pyarrow string array the way a CSV writer does when needed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pa.array(words, type=pa.string()) if not isinstance(words, pa.Array) else words
    need = pc.match_substring_regex(words, r'[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(words, '"', '""'), '"', "")
    return pc.if_else(need, quoted, words)


def _pick(table, idx: np.ndarray):
    """Vectorised lookup of CSV-ready words: the small dictionary is quoted once."""
    import pyarrow as pa

    return _csv_quote(pa.array(list(table), type=pa.string())).take(pa.array(idx.astype(np.int32)))


def _ids(d: dict[str, np.ndarray]):
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(d["unit"])
    prefix = [f"000.{lv:02d}.{i:02d}.H13" for i, (_, lv) in enumerate(UNITS)]
    ymd = pc.strftime(pa.array(d["rec"]), format="%y%m%d")
    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), 7, "0")
    return pc.binary_join_element_wise(_pick(prefix, d["unit"]), ymd, seq, "-")


def write_csv(path: Path, d: dict[str, np.ndarray]) -> None:
    """UTF-8, comma, LF, one header row, dd/mm/yyyy HH:MM dates; one pass of pyarrow
    compute kernels, no Python loop per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(d["unit"])
    seq = np.arange(1, n + 1)

    def date(a):
        return pc.strftime(pa.array(a), format="%d/%m/%Y %H:%M")

    yes_no = ("Không", "Có")
    fees = np.unique(d["fee"])
    fee_words = ["" if v == 0 else _money(int(v)) for v in fees]
    cols = [
        _ids(d),
        _pick([p[0] for p in PROC_LIST], d["proc"]),
        _pick([p[1] for p in PROC_LIST], d["proc"]),
        _pick([p[2] for p in PROC_LIST], d["proc"]),
        _pick([u for u, _ in UNITS], d["unit"]),
        _pick(LEVEL_LABELS, d["level"]),
        _pick(CHANNELS, d["channel"]),
        _pick(SERVICE_LEVELS, d["svc"]),
        date(d["rec"]), date(d["due"]), date(d["fin"]),
        _pick([s[0] for s in STATUSES], d["status"]),
        _pick(fee_words, np.searchsorted(fees, d["fee"])),
        _pick(yes_no, d["paid_online"].astype(np.int8)),
        _pick(yes_no, d["digitised_dossier"].astype(np.int8)),
        _pick(yes_no, d["digitised_result"].astype(np.int8)),
        _pick(("", "Có"), d["apology"].astype(np.int8)),
        pc.binary_join_element_wise(
            _pick(FAMILY, d["family"]), _pick(MIDDLE, d["middle"]), "Mẫu",
            pc.utf8_lpad(pc.cast(pa.array(seq % 10000), pa.string()), 4, "0"), " "),
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 10, "0"),
    ]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write((",".join(HEADERS) + "\n").encode("utf-8"))
        step = 250_000  # lines are joined a slice at a time: bounded memory, 32-bit offsets suffice
        for lo in range(0, n, step):
            part = [c.slice(lo, step) for c in cols]
            line = pc.binary_join_element_wise(*part, ",", null_handling="replace", null_replacement="")
            line = pc.binary_join_element_wise(line, "", "\n").cast(pa.large_string())
            k = len(line)
            offsets = np.frombuffer(line.buffers()[1], dtype=np.int64)[line.offset: line.offset + k + 1]
            fh.write(memoryview(line.buffers()[2])[offsets[0]: offsets[-1]])
    tmp.replace(path)


def write_xlsx(path: Path, d: dict[str, np.ndarray]) -> None:
    """Three title rows, the header, then the rows; dates as native datetimes and the fee
    as a number (blank when free), written with openpyxl in write-only mode."""
    from openpyxl import Workbook

    n = len(d["unit"])
    wb = Workbook(write_only=True)
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 1, 2, 8, 0, 0)
    ws = wb.create_sheet("Hồ sơ")
    width = len(HEADERS)
    for title in XLSX_TITLE_ROWS:
        ws.append([title] + [None] * (width - 1))
    ws.append(list(HEADERS))

    def words(table, idx):
        return np.array(list(table), dtype=object)[idx].tolist()

    def dates(a):
        return a.astype("datetime64[s]").astype(object).tolist()  # NaT -> None

    yes_no = np.array(["Không", "Có"], dtype=object)
    seq = np.arange(1, n + 1)
    prefix = np.array([f"000.{lv:02d}.{i:02d}.H13" for i, (_, lv) in enumerate(UNITS)], dtype=object)
    rec_days = d["rec"].astype("datetime64[D]").astype(object)
    cols = [
        [f"{p}-{day:%y%m%d}-{s:07d}" for p, day, s in zip(prefix[d["unit"]], rec_days, seq)],
        words([p[0] for p in PROC_LIST], d["proc"]),
        words([p[1] for p in PROC_LIST], d["proc"]),
        words([p[2] for p in PROC_LIST], d["proc"]),
        words([u for u, _ in UNITS], d["unit"]),
        words(LEVEL_LABELS, d["level"]),
        words(CHANNELS, d["channel"]),
        words(SERVICE_LEVELS, d["svc"]),
        dates(d["rec"]), dates(d["due"]), dates(d["fin"]),
        words([s[0] for s in STATUSES], d["status"]),
        [int(v) if v else None for v in d["fee"].tolist()],
        yes_no[d["paid_online"].astype(np.int8)].tolist(),
        yes_no[d["digitised_dossier"].astype(np.int8)].tolist(),
        yes_no[d["digitised_result"].astype(np.int8)].tolist(),
        np.where(d["apology"], "Có", None).tolist(),
        [f"{FAMILY[a]} {MIDDLE[b]} Mẫu {s % 10000:04d}" for a, b, s in zip(d["family"], d["middle"], seq)],
        [f"{s:010d}" for s in seq],
    ]
    for row in zip(*cols):
        ws.append(row)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _csv_rows(path: Path) -> int:
    """Data rows of a generated CSV (no line breaks inside cells): lines minus the header."""
    lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(16 << 20):
            lines += chunk.count(b"\n")
    return lines - 1


def ensure_data(kind: str, rows: int, log) -> Path:
    """The generated file for ``kind`` ("csv" or "xlsx") with ``rows`` data rows: reused
    when it exists with that row count (and the same seed and generator version)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"dossiers-{_size_name(rows)}.{kind}"
    meta = {"rows": rows, "seed": SEED + (1 if kind == "xlsx" else 0), "version": GEN_VERSION}
    mp = _meta_path(path)
    if path.exists() and mp.exists():
        try:
            old = json.loads(mp.read_text())
        except ValueError:
            old = {}
        same = {k: old.get(k) for k in meta} == meta and old.get("bytes") == path.stat().st_size
        if same and (kind == "xlsx" or _csv_rows(path) == rows):
            log(f"data: {path.relative_to(ROOT)} exists with {rows:,} rows, kept")
            return path
    t0 = time.perf_counter()
    d = synth(rows, meta["seed"])
    (write_csv if kind == "csv" else write_xlsx)(path, d)
    meta["bytes"] = path.stat().st_size
    mp.write_text(json.dumps(meta) + "\n")
    log(f"data: wrote {path.relative_to(ROOT)} ({rows:,} rows, {meta['bytes'] / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t0:.1f} s")
    return path


def _size_name(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


# ---------------------------------------------------------------------------- timing


@dataclass
class Measure:
    key: str
    label: str
    command: str
    runs: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    error: str | None = None
    stdout: Path | None = None

    @property
    def best(self) -> float | None:
        return min(self.runs) if self.runs else None

    @property
    def rss_mb(self) -> float | None:
        # peak over the timed runs (they differ by a few MB at most)
        return max(self.rss_kb) / 1024 if self.rss_kb else None


def run_child(cmd: list[str], stdout: Path, stderr: Path) -> tuple[float, int, int]:
    """Run ``cmd`` to completion: (wall seconds, peak RSS of the child in KiB, exit code).
    ``os.wait4`` gives the rusage of exactly this child, not a max over all children."""
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, int(usage.ru_maxrss), p.returncode


def measure(key: str, label: str, cmd: list[str], repeats: int, tmp: Path, log, warmup: int = 1) -> Measure:
    shown = " ".join(_show_arg(a) for a in cmd)
    m = Measure(key, label, shown, stdout=tmp / f"{key}.out")
    err = tmp / f"{key}.err"
    for i in range(warmup + repeats):
        wall, rss, rc = run_child(cmd, m.stdout, err)
        if rc != 0:
            msg = err.read_text(errors="replace").strip().splitlines()
            m.error = f"exit {rc}: " + (msg[-1] if msg else "")
            log(f"  {label}: FAILED ({m.error})")
            return m
        if i >= warmup:
            m.runs.append(wall)
            m.rss_kb.append(rss)
    log(f"  {label}: best {m.best:.3f} s of {', '.join(f'{r:.3f}' for r in m.runs)}; peak RSS {m.rss_mb:.0f} MB")
    return m


def _show_arg(a: str) -> str:
    for base, name in ((str(ROOT) + "/", ""), (tempfile.gettempdir() + "/", "$TMP/")):
        if a.startswith(base):
            a = name + a[len(base):]
    a = re.sub(r"\$TMP/cchc-bench-[^/]+/", "$TMP/", a)
    if a.startswith(".venv/bin/"):
        a = a[len(".venv/bin/"):]
    return a if re.fullmatch(r"[\w./$:=-]+", a) else "'" + a.replace("'", "'\\''") + "'"


def cchc_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "cchc"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cchc_cli"]


DUCKDB_SCRIPT = r'''
import json, sys
import duckdb
path = sys.argv[1]
resolved = ", ".join("'" + s + "'" for s in sys.argv[2].split("|"))
fmt = "%d/%m/%Y %H:%M"
con = duckdb.connect()
rows = con.execute(f"""
WITH t AS (
  SELECT "Đơn vị tiếp nhận" AS unit,
         try_strptime("Ngày tiếp nhận", '{fmt}') AS rec,
         try_strptime("Ngày hẹn trả", '{fmt}') AS due,
         try_strptime("Ngày có kết quả", '{fmt}') AS fin,
         "Hình thức nộp" AS channel,
         "Trạng thái" AS status,
         TRY_CAST(replace("Phí lệ phí", '.', '') AS BIGINT) AS fee,
         "Thanh toán trực tuyến" = 'Có' AS paid_online,
         "Số hóa kết quả" = 'Có' AS dres
  FROM read_csv(?, header = true, all_varchar = true, delim = ',', quote = '"')
), m AS (
  SELECT unit,
         rec >= TIMESTAMP '2023-01-01' AND rec < TIMESTAMP '2024-01-01' AS recv,
         status IN ({resolved}) AND fin >= TIMESTAMP '2023-01-01' AND fin < TIMESTAMP '2024-01-01' AS res,
         channel, fee, paid_online, dres, fin, due
  FROM t
)
SELECT unit,
       count(*) FILTER (WHERE recv) AS received,
       count(*) FILTER (WHERE recv AND channel = 'Trực tuyến') AS online,
       count(*) FILTER (WHERE recv AND channel = 'Bưu chính công ích') AS postal,
       count(*) FILTER (WHERE res) AS resolved,
       count(*) FILTER (WHERE res AND fin <= due) AS on_time,
       count(*) FILTER (WHERE res AND dres) AS digitised_result,
       count(*) FILTER (WHERE recv AND fee > 0 AND paid_online) AS fee_paid_online
FROM m
GROUP BY GROUPING SETS ((unit), ())
ORDER BY unit NULLS FIRST
""", [path]).fetchall()
cols = ["unit", "received", "online", "postal", "resolved", "on_time", "digitised_result", "fee_paid_online"]
json.dump([dict(zip(cols, r)) for r in rows], sys.stdout, ensure_ascii=False)
'''

CALAMINE_SCRIPT = r'''
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
print(len(rows), len(rows[-1]) if rows else 0)
'''

# cchc's figure for each DuckDB column: (counts key) or (kpi code, "numerator")
CROSS = {
    "received": ("count", "received"),
    "received (new)": ("count", "new"),
    "online": ("count", "new_online"),
    "postal": ("count", "new_postal"),
    "resolved": ("count", "resolved"),
    "on_time": ("kpi", "on_time_rate"),
    "digitised_result": ("kpi", "digitised_result_rate"),
    "fee_paid_online": ("kpi", "online_payment_rate"),
}


def cchc_figures(doc: dict) -> dict[str | None, dict[str, int]]:
    """unit (None = overall) -> {DuckDB column: cchc's count}."""
    out: dict[str | None, dict[str, int]] = {}
    for c in doc.get("counts", []):
        out.setdefault(c["group"].get("unit"), {}).update(
            {k: c[src] for k, (kind, src) in CROSS.items() if kind == "count"})
    for r in doc.get("results", []):
        for k, (kind, src) in CROSS.items():
            if kind == "kpi" and r["kpi"] == src:
                out.setdefault(r["group"].get("unit"), {})[k] = r["numerator"]
    return out


def cross_check(cchc_doc: dict, duck_rows: list[dict]) -> tuple[list[tuple], list[str], bool]:
    """(overall rows (measure, cchc, duckdb, ok), per-unit mismatch lines, received ok)."""
    ours = cchc_figures(cchc_doc)
    theirs = {r["unit"]: r for r in duck_rows}
    overall = []
    for k in CROSS:
        dk = "received" if k == "received (new)" else k
        a, b = ours.get(None, {}).get(k), theirs.get(None, {}).get(dk)
        overall.append((k, a, b, a == b))
    bad_units = []
    for unit, row in theirs.items():
        if unit is None or unit not in ours:
            continue
        diffs = [f"{k} {ours[unit].get(k)} vs {row[k]}" for k in row if k != "unit" and ours[unit].get(k) != row[k]]
        if diffs:
            bad_units.append(f"{unit}: " + "; ".join(diffs))
    received_ok = overall[0][3]
    return overall, bad_units, received_ok


# ---------------------------------------------------------------------------- report


LOAD = {"start": "?", "end": "?"}  # other work on the machine skews wall-clock figures


def _loadavg() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover
        return "?"


def _ncpu() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 0


def machine_info() -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ncpu = _ncpu()
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass

    def version(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "not installed"

    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "cchc_cli")
    rows = [
        ("nproc", str(ncpu)), ("CPU", cpu), ("memory", mem),
        ("load average (1 min) at start / end", LOAD["start"] + " / " + LOAD["end"]),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
    ]
    rows += [(p, version(p)) for p in ("cchc", "pandas", "pyarrow", "numpy", "duckdb", "python-calamine", "openpyxl")]
    if commit:
        rows.append(("cchc commit", commit + (" + local changes in cchc_cli/" if dirty else "")))
    return rows


def _git(*args: str) -> str:
    """Read-only git queries, for the record; empty when git is unavailable."""
    if not shutil.which("git"):
        return ""
    try:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def _fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _fmt_mb(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f}"


def _status(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**MET**" if ok else "**NOT MET**")


def _ratio(a: Measure | None, b: Measure | None) -> float | None:
    if a is None or b is None or a.best is None or b.best is None:
        return None
    return a.best / b.best


def render_compute(args, ms: dict[str, Measure], check, gen_notes: list[str], started: dt.datetime) -> str:
    out = [f"## compute", ""]
    out.append(f"Run of `benchmarks/run.py{_args_text(args)}`, {started:%Y-%m-%d %H:%M} "
               f"(local time). Wall clock of the whole process (interpreter start-up, imports, "
               f"reading, computing, writing the JSON), best of {args.repeats} runs after one "
               f"warm-up; `cchc --help` best of {args.help_repeats}. Peak RSS is the child's "
               "`ru_maxrss` from `os.wait4`, the highest of the timed runs.")
    try:
        busy = float(LOAD["start"]) >= 0.5 or float(LOAD["end"]) >= 0.5
    except ValueError:
        busy = False
    if busy:
        out.append("")
        out.append(f"The machine was not idle (1-minute load average {LOAD['start']} at the start, "
                   f"{LOAD['end']} at the end, on {_ncpu()} CPUs): other processes shared the cores, "
                   "so these wall-clock figures are higher and noisier than on a quiet machine.")
    out.append("")
    out.append("Data (generated by `benchmarks/run.py`, seeded; not in git):")
    out += [f"- {n}" for n in gen_notes]
    out.append("")
    out.append("| # | measurement | command | seconds (best) | runs | peak RSS (MB) |")
    out.append("|---|---|---|---:|---|---:|")
    for m in ms.values():
        runs = ", ".join(f"{r:.2f}" for r in m.runs) if m.runs else (m.error or "—")
        out.append(f"| {m.key} | {m.label} | `{m.command}` | {_fmt_s(m.best)} | {runs} | {_fmt_mb(m.rss_mb)} |")
    out.append("")

    a, a0, b = ms.get("a"), ms.get("a0"), ms.get("b")
    c, c_ref, d = ms.get("c"), ms.get("c-ref"), ms.get("d")
    r_duck = _ratio(a, b)
    r_duck0 = _ratio(a0, b)
    r_cal = _ratio(c, c_ref)
    out.append("Ratios:")
    out.append("")
    out.append("| ratio | value |")
    out.append("|---|---:|")
    out.append(f"| cchc / DuckDB, CSV, by unit (a / b) | {'—' if r_duck is None else f'{r_duck:.2f}x'} |")
    out.append(f"| cchc / DuckDB, CSV, overall only (a0 / b) | {'—' if r_duck0 is None else f'{r_duck0:.2f}x'} |")
    out.append(f"| cchc / calamine, XLSX (c / c-ref) | {'—' if r_cal is None else f'{r_cal:.2f}x'} |")
    out.append("")

    rss_1m = [m.rss_mb for m in (a, a0) if m is not None and m.rss_mb is not None]
    out.append("Goals (from the performance issue):")
    out.append("")
    out.append("| goal | measured | status |")
    out.append("|---|---|---|")
    out.append(f"| cchc within {GOAL_DUCKDB_RATIO:.1f}x of DuckDB's whole-process time on the CSV "
               f"(a / b) | {'—' if r_duck is None else f'{r_duck:.2f}x'} | "
               f"{_status(None if r_duck is None else r_duck <= GOAL_DUCKDB_RATIO)} |")
    out.append(f"| cchc within {GOAL_CALAMINE_RATIO:.1f}x of the raw calamine read on the XLSX "
               f"(c / c-ref) | {'—' if r_cal is None else f'{r_cal:.2f}x'} | "
               f"{_status(None if r_cal is None else r_cal <= GOAL_CALAMINE_RATIO)} |")
    mem_label = f"peak memory under {GOAL_RSS_MB / 1024:.0f} GB for the {args.rows:,}-row CSV (a, a0)"
    if args.rows != DEFAULT_ROWS:
        mem_label += f" (goal stated for {DEFAULT_ROWS:,} rows)"
    out.append(f"| {mem_label} | {'—' if not rss_1m else f'{max(rss_1m):.0f} MB'} | "
               f"{_status(None if not rss_1m else max(rss_1m) < GOAL_RSS_MB)} |")
    out.append(f"| `cchc --help` under {GOAL_HELP_S} s (d) | {_fmt_s(d.best if d else None)} s | "
               f"{_status(None if d is None or d.best is None else d.best < GOAL_HELP_S)} |")
    out.append("")

    if check is not None:
        overall, bad_units, received_ok = check
        out.append("Cross-check of cchc's counts (run a) against DuckDB's (run b), period 2023:")
        out.append("")
        out.append("| count | cchc | DuckDB | |")
        out.append("|---|---:|---:|---|")
        for k, x, y, ok in overall:
            out.append(f"| {k} | {x if x is not None else '—'} | {y if y is not None else '—'} | {'same' if ok else '**DIFFERENT**'} |")
        out.append("")
        if bad_units:
            out.append(f"**{len(bad_units)} units differ:**")
            out.append("")
            out += [f"- {u}" for u in bad_units[:20]]
        else:
            out.append("Every unit's counts agree as well.")
        out.append("")
        out.append("cchc columns: `received` is `counts.received` (dossiers in the run: carried over + "
                   "new), `received (new)` is `counts.new`; online/postal are `counts.new_online` / "
                   "`new_postal`; resolved is `counts.resolved`; on_time, digitised_result and "
                   "fee_paid_online are the numerators of `on_time_rate`, `digitised_result_rate` and "
                   "`online_payment_rate`. Every generated dossier is received on a working day of "
                   "2023, so nothing is carried over and `received` = `new` = rows.")
        out.append("")
    return "\n".join(out)


def _args_text(args) -> str:
    parts = []
    if args.rows != DEFAULT_ROWS:
        parts.append(f"--rows {args.rows}")
    if args.xlsx_rows != DEFAULT_XLSX_ROWS:
        parts.append(f"--xlsx-rows {args.xlsx_rows}")
    if args.only:
        parts.append(f"--only {args.only}")
    return (" " + " ".join(parts)) if parts else ""


PLACEHOLDER = "(not measured yet)"


def write_results(path: Path, header: str, compute: str) -> None:
    """Replace the preamble and "## compute" of ``path``; keep every other "## " section
    (check-targets and diff timings are added by others); add those two if absent."""
    sections: list[tuple[str, str]] = []
    if path.exists():
        text = path.read_text(encoding="utf-8")
        parts = re.split(r"(?m)^(?=## )", text)
        for part in parts[1:]:
            title = part.splitlines()[0][3:].strip()
            sections.append((title, part.rstrip() + "\n"))
    kept = [(t, body) for t, body in sections if t != "compute"]
    titles = {t for t, _ in kept}
    for t in ("check-targets", "diff"):
        if t not in titles:
            kept.append((t, f"## {t}\n\n{PLACEHOLDER}\n"))
    # compute first, then the others in their order (check-targets and diff at the end)
    doc = header.rstrip() + "\n\n" + compute.rstrip() + "\n\n" + "\n".join(body for _, body in kept)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc.rstrip() + "\n", encoding="utf-8")


def render_header(started: dt.datetime) -> str:
    lines = ["# Benchmarks", "",
             f"Date: {started:%Y-%m-%d}. Written by `benchmarks/run.py` (see benchmarks/README.md); "
             "regenerate with `make bench`.", "", "Machine:", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine_info()]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the CSV (default 1,000,000)")
    ap.add_argument("--xlsx-rows", type=int, default=DEFAULT_XLSX_ROWS, help="rows of the XLSX (default 100,000)")
    ap.add_argument("--only", choices=("csv", "xlsx", "help"), help="run one group of measurements")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (default 3)")
    ap.add_argument("--help-repeats", type=int, default=5, help="timed runs of `cchc --help` (default 5)")
    ap.add_argument("--results", type=Path, default=None,
                    help="where to write the report (default RESULTS.md for a full default run, "
                         "benchmarks/data/RESULTS-quick.md otherwise)")
    args = ap.parse_args(argv)
    if args.rows < 1 or args.xlsx_rows < 1 or args.repeats < 1 or args.help_repeats < 1:
        ap.error("sizes and repeats must be positive")
    quick = args.only is not None or args.rows != DEFAULT_ROWS or args.xlsx_rows != DEFAULT_XLSX_ROWS
    results_path = args.results or (QUICK_RESULTS if quick else RESULTS)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = dt.datetime.now()
    LOAD["start"] = _loadavg()
    t_start = time.perf_counter()
    cchc = cchc_cmd()
    py = sys.executable
    ms: dict[str, Measure] = {}
    gen_notes: list[str] = []
    check = None
    ok = True
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as td:
        tmp = Path(td)
        if args.only in (None, "csv"):
            csv_path = ensure_data("csv", args.rows, log)
            rel = csv_path.relative_to(ROOT)
            gen_notes.append(f"`{rel}`: {args.rows:,} dossiers, {csv_path.stat().st_size / 1e6:.0f} MB, "
                             f"{len(HEADERS)} columns, UTF-8, comma, dates `dd/mm/yyyy HH:MM` over the "
                             f"working days of 2023, {len(UNITS)} units (Tỉnh/Huyện/Xã)")
            log("csv:")
            out_json = tmp / "a.json"
            ms["a"] = measure("a", f"cchc compute, CSV {_size_name(args.rows)}, --by unit",
                              cchc + ["compute", str(csv_path), "--period", "2023", "--by", "unit",
                                      "--format", "json", "--output", str(out_json)], args.repeats, tmp, log)
            doc_a = json.loads(out_json.read_text()) if ms["a"].error is None else None
            ms["a0"] = measure("a0", f"cchc compute, CSV {_size_name(args.rows)}, overall only",
                               cchc + ["compute", str(csv_path), "--period", "2023",
                                       "--format", "json", "--output", str(tmp / "a0.json")], args.repeats, tmp, log)
            try:
                import duckdb  # noqa: F401  (only to know whether the reference can run)
                have_duckdb = True
            except ImportError:
                have_duckdb = False
            if have_duckdb:
                ms["b"] = measure("b", f"DuckDB reference, same CSV and counts",
                                  [py, "-c", DUCKDB_SCRIPT, str(csv_path), "|".join(RESOLVED_LABELS)],
                                  args.repeats, tmp, log)
                ms["b"].command = f"python -c <DuckDB script> {rel}"
                if ms["b"].error is None and doc_a is not None:
                    duck = json.loads(ms["b"].stdout.read_text())
                    check = cross_check(doc_a, duck)
                    overall, bad_units, received_ok = check
                    for k, x, y, same in overall:
                        log(f"  check {k:>16}: cchc {x}  duckdb {y}  {'ok' if same else 'DIFFERENT'}")
                    if not received_ok:
                        log("!" * 72)
                        log(f"!! MISMATCH: cchc received = {overall[0][1]}, DuckDB received = {overall[0][2]}")
                        log("!! one of the two is wrong: see the cross-check in " + str(results_path))
                        log("!" * 72)
                        ok = False
                    if bad_units:
                        log(f"  {len(bad_units)} units differ, e.g. {bad_units[0]}")
            else:
                log("  duckdb is not installed: `pip install -e '.[bench]'` for the reference")
        if args.only in (None, "xlsx"):
            xlsx_path = ensure_data("xlsx", args.xlsx_rows, log)
            rel = xlsx_path.relative_to(ROOT)
            gen_notes.append(f"`{rel}`: {args.xlsx_rows:,} dossiers, {xlsx_path.stat().st_size / 1e6:.0f} MB, "
                             "same columns, 3 title rows above the header, native datetimes, fee as a number")
            log("xlsx:")
            ms["c"] = measure("c", f"cchc compute, XLSX {_size_name(args.xlsx_rows)}",
                              cchc + ["compute", str(xlsx_path), "--format", "json", "--output", str(tmp / "c.json")],
                              args.repeats, tmp, log)
            ms["c-ref"] = measure("c-ref", "raw python-calamine read, same XLSX",
                                  [py, "-c", CALAMINE_SCRIPT, str(xlsx_path)], args.repeats, tmp, log)
            ms["c-ref"].command = f"python -c <calamine to_python()> {rel}"
        if args.only in (None, "help"):
            log("help:")
            ms["d"] = measure("d", "cchc --help", cchc + ["--help"], args.help_repeats, tmp, log)
        for m in ms.values():
            m.command = m.command.replace(str(tmp) + "/", "$TMP/")
            ok &= m.error is None

    LOAD["end"] = _loadavg()
    compute_md = render_compute(args, ms, check, gen_notes, started)
    write_results(results_path, render_header(started), compute_md)
    log(f"wrote {results_path.relative_to(ROOT) if results_path.is_relative_to(ROOT) else results_path} "
        f"in {time.perf_counter() - t_start:.0f} s")
    print(compute_md)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
