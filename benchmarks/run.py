#!/usr/bin/env python3
"""Whole-process benchmarks of ``cchc compute``, ``check-targets`` and ``diff`` against
reference tools.

    .venv/bin/python benchmarks/run.py                  # full run, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --rows 100000 --xlsx-rows 10000   # quick run
    .venv/bin/python benchmarks/run.py --only diff      # one group: csv, xlsx, help, targets, diff

In one run it
1. generates (seeded, vectorised; skipped when the files already exist with the right row
   count) into benchmarks/data/ (git-ignored) a dossier CSV export (A), a later snapshot of
   it (B: dossiers removed, added and changed, rows shuffled) and an XLSX export with 3
   title rows;
2. copies cchc_cli/ (the working tree's, or HEAD's with ``--code head``) for every cchc run
   to import, so that edits made while it runs cannot mix two versions;
3. times whole processes (wall clock, best of N after one warm-up round, the commands that
   are compared with one another run in turn; CPU time and peak RSS of the child from
   ``os.wait4``):
     a. ``cchc compute A --period 2023 --by unit --format json -o <tmp>`` (and without
        ``--by``), against
     b. DuckDB computing the same counts from the same CSV (all columns VARCHAR, day-first
        strptime, grouped by unit and overall) in a ``python -c`` subprocess;
     c. ``cchc compute <xlsx> --format json -o <tmp>`` against a raw python-calamine read of
        the same workbook;
     d. ``cchc --help``;
     t. ``cchc check-targets A --period 2023 --preset cantho-2023`` against t0, the
        comparable ``cchc compute A --by unit,level``;
     e. ``cchc diff A B --period 2023`` against f, DuckDB's FULL OUTER JOIN of A and B on
        the dossier id counting added, removed and changed dossiers;
4. cross-checks cchc's counts against DuckDB's (and, for the diff, against the counts B
   was generated with) and writes RESULTS.md with the machine, the code measured, the
   figures, the ratios and the goals (MET / NOT MET).

A run with non-default sizes or ``--only`` writes benchmarks/data/RESULTS-quick.md instead of
RESULTS.md (unless ``--results`` says otherwise), so a quick run never replaces the committed
figures. The sections measured in a run ("## compute", "## check-targets", "## diff") are
replaced; any other section of the file is kept.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

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
GROUPS = ("csv", "xlsx", "help", "targets", "diff")  # --only

GOAL_DUCKDB_RATIO = 2.0
GOAL_CALAMINE_RATIO = 1.5
GOAL_RSS_MB = 1024.0
GOAL_HELP_S = 0.3
GOAL_TARGETS_OVERHEAD = 0.10  # "no noticeable time" (issue 4), as a share of the compute run
GOAL_DIFF_RATIO = 3.0

TARGETS_PRESET = "cantho-2023"

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


def _seq(d: dict[str, np.ndarray]) -> np.ndarray:
    """The dossiers' sequence numbers (1..n unless ``d`` carries its own "seq", as the
    second snapshot of the diff benchmark does): they make the ids and the fake names."""
    return d["seq"] if "seq" in d else np.arange(1, len(d["unit"]) + 1)


def _ids(d: dict[str, np.ndarray]):
    import pyarrow as pa
    import pyarrow.compute as pc

    prefix = [f"000.{lv:02d}.{i:02d}.H13" for i, (_, lv) in enumerate(UNITS)]
    ymd = pc.strftime(pa.array(d["rec"]), format="%y%m%d")
    seq = pc.utf8_lpad(pc.cast(pa.array(_seq(d)), pa.string()), 7, "0")
    return pc.binary_join_element_wise(_pick(prefix, d["unit"]), ymd, seq, "-")


def write_csv(path: Path, d: dict[str, np.ndarray]) -> None:
    """UTF-8, comma, LF, one header row, dd/mm/yyyy HH:MM dates; one pass of pyarrow
    compute kernels, no Python loop per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(d["unit"])
    seq = _seq(d)

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


def _cached_meta(path: Path, meta: dict, count_lines: bool) -> dict | None:
    """The recorded meta of ``path`` when the file can be reused: it exists, its meta
    matches ``meta`` (and records its size), and, for a CSV, it has ``meta["rows"]`` rows."""
    mp = _meta_path(path)
    if not (path.exists() and mp.exists()):
        return None
    try:
        old = json.loads(mp.read_text())
    except ValueError:
        return None
    same = {k: old.get(k) for k in meta} == meta and old.get("bytes") == path.stat().st_size
    if not same or (count_lines and _csv_rows(path) != old.get("rows")):
        return None
    return old


def ensure_data(kind: str, rows: int, log) -> Path:
    """The generated file for ``kind`` ("csv" or "xlsx") with ``rows`` data rows: reused
    when it exists with that row count (and the same seed and generator version)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"dossiers-{_size_name(rows)}.{kind}"
    meta = {"rows": rows, "seed": SEED + (1 if kind == "xlsx" else 0), "version": GEN_VERSION}
    if _cached_meta(path, meta, count_lines=kind == "csv") is not None:
        log(f"data: {path.relative_to(ROOT)} exists with {rows:,} rows, kept")
        return path
    t0 = time.perf_counter()
    d = synth(rows, meta["seed"])
    (write_csv if kind == "csv" else write_xlsx)(path, d)
    meta["bytes"] = path.stat().st_size
    _meta_path(path).write_text(json.dumps(meta) + "\n")
    log(f"data: wrote {path.relative_to(ROOT)} ({rows:,} rows, {meta['bytes'] / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t0:.1f} s")
    return path


# ---------------------------------------------------------------------------- the second snapshot

# `cchc diff A B` compares the CSV above (A) with a later export of the same dossiers (B),
# derived from A's generated columns (the same ``synth(rows, SEED)``):
DIFF_VERSION = 2  # bump when derive_snapshot changes: a cached B is then regenerated
DIFF_REMOVED = 0.01  # share of A's dossiers missing from B
DIFF_ADDED = 0.01  # new dossiers in B (new ids), as a share of A's rows
DIFF_CHANGED = 0.02  # share of A's dossiers with exactly one field changed in B
DIFF_BLOCK = 1000  # B's rows are shuffled in blocks of this many rows

# The edits, and the column each one changes.
EDIT_COLUMNS = {"status": "Trạng thái", "finish date": "Ngày có kết quả", "due date": "Ngày hẹn trả",
                "channel": "Hình thức nộp"}
# A status edit goes to a label of another cchc state: cchc compares canonical states, so
# e.g. "Đang xử lý" -> "Được tiếp nhận" (both "processing") would be a change to a text
# comparison but not to cchc. Resolved stays resolved and open stays open, so every
# finish date still goes with a resolved status.
STATUS_EDIT = {
    "Đã trả kết quả": "Đã xử lý xong",  # returned -> resolved
    "Đã xử lý xong": "Đã trả kết quả",  # resolved -> returned
    "Chờ trả kết quả": "Đã trả kết quả",  # resolved -> returned
    "Đang xử lý": "Yêu cầu bổ sung",  # processing -> waiting
    "Yêu cầu bổ sung": "Đang xử lý",  # waiting -> processing
    "Được tiếp nhận": "Yêu cầu bổ sung",  # processing -> waiting
    "Công dân rút": "Dừng xử lý",  # withdrawn -> stopped
    "Từ chối": "Dừng xử lý",  # refused -> stopped
    "Dừng xử lý": "Công dân rút",  # stopped -> withdrawn
}


ENDED_IN_A = {"Đã trả kết quả": True, "Đã xử lý xong": True, "Chờ trả kết quả": True, "Đang xử lý": False,
              "Yêu cầu bổ sung": False, "Được tiếp nhận": False, "Công dân rút": True, "Từ chối": True,
              "Dừng xử lý": True}
STATUS_AFTER_THE_FACT = ("Đã trả kết quả", "Công dân rút", "Từ chối", "Dừng xử lý")  # see STATUS_EDIT


def derive_snapshot(a: dict[str, np.ndarray], seed: int) -> tuple[dict[str, np.ndarray], dict]:
    """Snapshot B from A's columns (as ``synth`` returns them): some dossiers removed, new
    ones added, some with one field changed by a real amount (so that a comparison of parsed
    values and one of the text agree), the rows shuffled in blocks. Returns B's columns
    (with "seq", so kept dossiers keep their ids) and the counts B was built with."""
    rng = np.random.default_rng(seed)
    n = len(a["unit"])
    n_removed, n_added, n_changed = round(n * DIFF_REMOVED), round(n * DIFF_ADDED), round(n * DIFF_CHANGED)
    kept = np.ones(n, dtype=bool)
    kept[rng.choice(n, n_removed, replace=False)] = False

    b = {k: v.copy() for k, v in a.items()}
    b["seq"] = np.arange(1, n + 1)
    edited = rng.choice(np.flatnonzero(kept), n_changed, replace=False)
    kind = rng.integers(0, len(EDIT_COLUMNS), n_changed)  # index into EDIT_COLUMNS
    kind[(kind == 1) & np.isnat(a["fin"][edited])] = 2  # no finish date (open): move the due date
    kind[(kind == 2) & np.isnat(a["due"][edited])] = 3  # no due date either: change the channel
    labels = [s[0] for s in STATUSES]
    status_to = np.array([labels.index(STATUS_EDIT[s]) for s in labels], dtype=np.int8)
    day = np.timedelta64(86400, "s")
    e = edited[kind == 0]
    b["status"][e] = status_to[a["status"][e]]
    e = edited[kind == 1]
    b["fin"][e] += rng.integers(1, 6, len(e)) * day  # finished 1-5 days later, same time of day
    e = edited[kind == 2]
    b["due"][e] += rng.integers(1, 11, len(e)) * day  # due 1-10 days later (an extension)
    e = edited[kind == 3]
    b["channel"][e] = (a["channel"][e] + rng.integers(1, len(CHANNELS), len(e))) % len(CHANNELS)

    new = synth(n_added, seed + 1)  # received in 2023 like the others
    new["seq"] = np.arange(n + 1, n + n_added + 1)  # ids A never had
    out = {k: np.concatenate([b[k][kept], new[k]]) for k in b}
    m = len(out["unit"])
    row = np.arange(m)
    block_rank = rng.permutation(-(-m // DIFF_BLOCK))
    order = np.lexsort((row, block_rank[row // DIFF_BLOCK]))  # blocks in random order, rows kept within
    out = {k: v[order] for k, v in out.items()}
    # edits after the fact as docs/decisions.md defines them (issue 12): a date of a dossier
    # that had ended in A, any change of channel, a status moved back or from one ending to
    # another (returned -> resolved, withdrawn/refused/stopped -> another ending)
    ended = np.array([ENDED_IN_A[st[0]] for st in STATUSES])
    back = np.array([st[0] in STATUS_AFTER_THE_FACT for st in STATUSES])
    s_a = a["status"][edited]
    atf = np.where(kind == 0, back[s_a], np.where(kind == 3, True, ended[s_a]))
    truth = {"removed": n_removed, "added": n_added, "changed": n_changed,
             "by_column": {col: int((kind == i).sum()) for i, col in enumerate(EDIT_COLUMNS.values())},
             "edited_resolved": int(atf.sum())}
    return out, truth


def ensure_snapshot(rows: int, log) -> tuple[Path, dict]:
    """B for the A of ``rows`` rows (see ``derive_snapshot``), and the counts it was built
    with; reused when it exists for the same A and the same derivation."""
    path = DATA / f"dossiers-{_size_name(rows)}-b.csv"
    meta = {"from_rows": rows, "seed": SEED, "version": GEN_VERSION, "diff_version": DIFF_VERSION,
            "removed": DIFF_REMOVED, "added": DIFF_ADDED, "changed": DIFF_CHANGED, "block": DIFF_BLOCK}
    old = _cached_meta(path, meta, count_lines=True)
    if old is not None:
        log(f"data: {path.relative_to(ROOT)} exists with {old['rows']:,} rows, kept")
        return path, old["truth"]
    t0 = time.perf_counter()
    b, truth = derive_snapshot(synth(rows, SEED), SEED + 2)
    write_csv(path, b)
    meta.update(rows=len(b["unit"]), truth=truth, bytes=path.stat().st_size)
    _meta_path(path).write_text(json.dumps(meta, ensure_ascii=False) + "\n")
    log(f"data: wrote {path.relative_to(ROOT)} ({meta['rows']:,} rows, {meta['bytes'] / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t0:.1f} s")
    return path, truth


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
    exit_codes: list[int] = field(default_factory=list)  # of the timed runs
    cpu: list[float] = field(default_factory=list)  # user + system CPU seconds of the timed runs
    load: tuple[str, str] = ("?", "?")  # 1-minute load average before / after the runs

    @property
    def best(self) -> float | None:
        return min(self.runs) if self.runs else None

    @property
    def best_cpu(self) -> float | None:
        return min(self.cpu) if self.cpu else None

    @property
    def rss_mb(self) -> float | None:
        # peak over the timed runs (they differ by a few MB at most)
        return max(self.rss_kb) / 1024 if self.rss_kb else None


def run_child(cmd: list[str], stdout: Path, stderr: Path, env: dict[str, str] | None = None,
              cwd: Path = ROOT) -> tuple[float, float, int, int]:
    """Run ``cmd`` to completion: (wall seconds, CPU seconds (user + system), peak RSS of the
    child in KiB, exit code). ``os.wait4`` gives the rusage of exactly this child, not a max
    over all children."""
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, int(usage.ru_maxrss), p.returncode


@dataclass
class Job:
    """One command to time."""
    key: str
    label: str
    cmd: list[str]
    ok_codes: tuple[int, ...] = (0,)  # check-targets exits 1 when a target is missed
    shown: str | None = None  # how RESULTS.md shows the command (default: the command itself)


def measure(jobs: list[Job], repeats: int, tmp: Path, log, warmup: int = 1,
            env: dict[str, str] | None = None, cwd: Path = ROOT) -> dict[str, Measure]:
    """Time a group of commands that are compared with one another: ``warmup`` untimed rounds,
    then ``repeats`` timed ones, each round running every command once, in turn, so that
    the load of other work on the machine falls on all of them alike. An exit code outside
    a job's ``ok_codes`` is a failure: that command is dropped from the later rounds."""
    ms = {j.key: Measure(j.key, j.label, j.shown or " ".join(_show_arg(a) for a in j.cmd),
                         stdout=tmp / f"{j.key}.out") for j in jobs}
    load_before = _loadavg()
    for i in range(warmup + repeats):
        for j in jobs:
            m = ms[j.key]
            if m.error is not None:
                continue
            err = tmp / f"{j.key}.err"
            wall, cpu, rss, rc = run_child(j.cmd, m.stdout, err, env, cwd)
            if rc not in j.ok_codes:
                msg = err.read_text(errors="replace").strip().splitlines()
                m.error = f"exit {rc}: " + (msg[-1] if msg else "")
                log(f"  {j.label}: FAILED ({m.error})")
            elif i >= warmup:
                m.runs.append(wall)
                m.cpu.append(cpu)
                m.rss_kb.append(rss)
                m.exit_codes.append(rc)
    load = (load_before, _loadavg())
    for m in ms.values():
        m.load = load
        if m.error is None:
            log(f"  {m.label}: best {m.best:.3f} s of {', '.join(f'{r:.3f}' for r in m.runs)}; "
                f"CPU {m.best_cpu:.2f} s; peak RSS {m.rss_mb:.0f} MB; exit {'/'.join(map(str, sorted(set(m.exit_codes))))}; "
                f"load {load[0]} -> {load[1]}")
    return ms


def _show_arg(a: str) -> str:
    for base, name in ((str(ROOT) + "/", ""), (tempfile.gettempdir() + "/", "$TMP/")):
        if a.startswith(base):
            a = name + a[len(base):]
    a = re.sub(r"\$TMP/cchc-bench-[^/]+/", "$TMP/", a)
    if a.startswith(".venv/bin/"):
        a = a[len(".venv/bin/"):]
    return a if re.fullmatch(r"[\w./$:=,-]+", a) else "'" + a.replace("'", "'\\''") + "'"


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
con.execute("SET enable_progress_bar = false")  # it would print to stdout after 2 s
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


DUCKDB_DIFF_SCRIPT = r'''
import json, sys
import duckdb
old, new, key = sys.argv[1], sys.argv[2], sys.argv[3]
cols = json.loads(sys.argv[4])
def q(c):
    return '"' + c.replace('"', '""') + '"'
both = f"o.{q(key)} IS NOT NULL AND n.{q(key)} IS NOT NULL"
differs = [f"o.{q(c)} IS DISTINCT FROM n.{q(c)}" for c in cols]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # it would print to stdout after 2 s
row = con.execute(f"""
SELECT count(*) FILTER (WHERE o.{q(key)} IS NULL) AS added,
       count(*) FILTER (WHERE n.{q(key)} IS NULL) AS removed,
       count(*) FILTER (WHERE {both} AND ({" OR ".join(differs)})) AS changed,
       {", ".join(f"count(*) FILTER (WHERE {both} AND {d})" for d in differs)}
FROM read_csv(?, header = true, all_varchar = true, delim = ',', quote = '"') AS o
FULL OUTER JOIN read_csv(?, header = true, all_varchar = true, delim = ',', quote = '"') AS n
  ON o.{q(key)} = n.{q(key)}
""", [old, new]).fetchone()
out = {"added": row[0], "removed": row[1], "changed": row[2], "by_column": dict(zip(cols, row[3:]))}
json.dump(out, sys.stdout, ensure_ascii=False)
'''

DIFF_KEY = "Mã hồ sơ"
# The columns both sides compare: cchc's field for each header of the generated CSV (the
# personal columns are never read by cchc, the key is what the rows are joined on).
DIFF_FIELDS = {
    "Mã thủ tục": "procedure_code", "Tên thủ tục": "procedure_name", "Lĩnh vực": "field",
    "Đơn vị tiếp nhận": "unit", "Cấp thực hiện": "level", "Hình thức nộp": "channel",
    "Mức độ": "service_level", "Ngày tiếp nhận": "received_at", "Ngày hẹn trả": "due_at",
    "Ngày có kết quả": "finished_at", "Trạng thái": "status", "Phí lệ phí": "fee",
    "Thanh toán trực tuyến": "online_payment", "Số hóa hồ sơ": "digitised_dossier",
    "Số hóa kết quả": "digitised_result", "Văn bản xin lỗi": "apology_letter",
}


def diff_check(cchc_doc: dict, duck: dict, truth: dict) -> list[tuple[str, int | None, int | None, int | None, bool]]:
    """(count, as generated, DuckDB, cchc, all three agree) for added, removed, changed and
    each compared column (a column nobody saw change is left out)."""
    d = cchc_doc.get("dossiers") or {}
    by_field = d.get("changed_by_field", {})
    rows = [(k, truth.get(k), duck.get(k), d.get(k)) for k in ("added", "removed", "changed")]
    for col, fld in DIFF_FIELDS.items():
        g, x, y = truth["by_column"].get(col, 0), duck["by_column"].get(col, 0), by_field.get(fld, 0)
        if g or x or y:
            rows.append((f"changed: {col} (`{fld}`)", g, x, y))
    out = [(k, g, x, y, g == x == y) for k, g, x, y in rows]
    # not a DuckDB count: the edits to dossiers resolved in A, as generated and as cchc lists them
    g, y = truth.get("edited_resolved"), (d.get("after_the_fact") or {}).get("count")
    out.append(("edited after the fact (resolved in A)", g, None, y, g == y))
    return out


def _result_keys(doc: dict) -> set[tuple]:
    return {(r["kpi"], tuple(sorted(r["group"].items())), r.get("numerator"), r.get("denominator"))
            for r in doc.get("results", [])}


def targets_check(compute_doc: dict, targets_doc: dict) -> dict:
    """What check-targets found, and whether its KPI results are the compute run's (so the
    two runs did the same computing and the difference is the checking)."""
    a, b = _result_keys(compute_doc), _result_keys(targets_doc)
    return {"same_results": a == b, "results": len(b), "only_compute": len(a - b), "only_targets": len(b - a),
            "summary": targets_doc.get("summary", {}), "checks": len(targets_doc.get("checks", [])),
            "targets": (targets_doc.get("targets") or {}).get("name")}


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

    rows = [
        ("nproc", str(ncpu)), ("CPU", cpu), ("memory", mem),
        ("load average (1 min) at start / end", LOAD["start"] + " / " + LOAD["end"]),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
    ]
    rows += [(p, version(p)) for p in ("cchc", "pandas", "pyarrow", "numpy", "duckdb", "python-calamine", "openpyxl")]
    if CODE.get("commit"):
        rows.append(("commit (`git rev-parse --short HEAD`) at the start", CODE["commit"]))
        rows.append(("working tree at the start", CODE["dirty"]))
    if CODE.get("measured"):
        rows.append(("code measured", CODE["measured"]))
    if CODE.get("end_note"):
        rows.append(("during the run", CODE["end_note"]))
    return rows


CODE: dict[str, str] = {}  # the code the figures come from (see freeze_code)


def _fingerprint(package: Path) -> str:
    """sha256 (12 hex digits) of the names and bytes of the files of a package directory."""
    h = hashlib.sha256()
    for f in sorted(package.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(package)).encode() + b"\0")
            try:
                h.update(f.read_bytes())
            except OSError:  # deleted while we looked
                pass
    return h.hexdigest()[:12]


def _worktree_state() -> str:
    """What is uncommitted, by top-level directory; cchc_cli/'s files are named, as the
    figures depend on them."""
    lines = [x for x in _git("status", "--porcelain", "--untracked-files=all", strip=False).splitlines() if x]
    if not lines:
        return "clean"
    by_dir: dict[str, list[str]] = {}
    for line in lines:
        path = line[3:].split(" -> ")[-1].strip('"')
        by_dir.setdefault(path.split("/", 1)[0], []).append(("untracked " if line.startswith("??") else "") + path)
    parts = []
    for d, files in sorted(by_dir.items()):
        if d == "cchc_cli":
            parts.append("cchc_cli/: " + ", ".join(f.replace("cchc_cli/", "") for f in files))
        else:
            parts.append(f"{d}{'/' if (ROOT / d).is_dir() else ''}: {len(files)} file(s)")
    return "dirty (uncommitted: " + "; ".join(parts) + ")"


def freeze_code(mode: str, dest: Path) -> Path:
    """A copy of the cchc_cli package for every measured command to import (through
    PYTHONPATH, ahead of the editable install), so that edits made in the working tree
    while the benchmark runs cannot mix two versions into one set of figures. ``mode``
    "tree": the working tree's cchc_cli/ as it is now; "head": cchc_cli/ of the commit
    HEAD (``git archive``). Records what was copied in CODE."""
    CODE["commit"] = _git("rev-parse", "--short", "HEAD")
    CODE["dirty"] = _worktree_state()
    dest.mkdir(parents=True)
    if mode == "head":
        tar = subprocess.run(["git", "archive", "--format=tar", "HEAD", "cchc_cli"], cwd=ROOT,
                             capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            tf.extractall(dest, filter="data")
        what = f"`cchc_cli/` of commit {CODE['commit']} (`git archive HEAD`)"
    else:
        shutil.copytree(ROOT / "cchc_cli", dest / "cchc_cli", ignore=shutil.ignore_patterns("__pycache__"))
        what = "`cchc_cli/` of the working tree at the start of the run"
    # byte-compiled here: with PYTHONDONTWRITEBYTECODE set, the children would otherwise
    # compile every module on every run
    if not compileall.compile_dir(dest / "cchc_cli", quiet=1):
        raise SystemExit(f"cchc_cli/ ({mode}) does not compile")
    CODE["fingerprint"] = _fingerprint(dest / "cchc_cli")
    CODE["live_start"] = _fingerprint(ROOT / "cchc_cli")
    CODE["measured"] = (f"{what}, copied (sha256 {CODE['fingerprint']}) and imported by every cchc run: "
                        "edits made in the working tree during the run do not reach the figures")
    return dest


def note_code_end() -> str | None:
    """What changed in the repository while the benchmark ran (None: nothing)."""
    commit, live = _git("rev-parse", "--short", "HEAD"), _fingerprint(ROOT / "cchc_cli")
    notes = []
    if commit != CODE.get("commit"):
        notes.append(f"HEAD moved to {commit}")
    if live != CODE.get("live_start"):
        notes.append(f"`cchc_cli/` changed in the working tree (sha256 {live} at the end)")
    if not notes:
        return None
    CODE["end_note"] = "; ".join(notes) + " (not measured: the figures come from the copy taken at the start)"
    return CODE["end_note"]


def _git(*args: str, strip: bool = True) -> str:
    """Read-only git queries, for the record; empty when git is unavailable."""
    if not shutil.which("git"):
        return ""
    try:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    if r.returncode != 0:
        return ""
    return r.stdout.strip() if strip else r.stdout


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


def _measure_table(ms: dict[str, Measure], exit_codes: bool = False) -> list[str]:
    head = "| # | measurement | command | seconds (best) | runs | CPU s (best) |" + (" exit |" if exit_codes else "")
    head += " peak RSS (MB) | load before → after |"
    out = [head, "|---|---|---|---:|---|---:|" + ("---|" if exit_codes else "") + "---:|---|"]
    for m in ms.values():
        runs = ", ".join(f"{r:.2f}" for r in m.runs) if m.runs else (m.error or "—")
        codes = f" {'/'.join(map(str, sorted(set(m.exit_codes)))) or '—'} |" if exit_codes else ""
        out.append(f"| {m.key} | {m.label} | `{m.command}` | {_fmt_s(m.best)} | {runs} | "
                   f"{'—' if m.best_cpu is None else f'{m.best_cpu:.2f}'} |{codes} "
                   f"{_fmt_mb(m.rss_mb)} | {m.load[0]} → {m.load[1]} |")
    return out


def _run_line(args, started: dt.datetime) -> str:
    return (f"Run of `benchmarks/run.py{_args_text(args)}`, {started:%Y-%m-%d %H:%M} (local time), "
            f"commit {CODE.get('commit') or '?'}, `cchc_cli/` sha256 {CODE.get('fingerprint') or '?'} "
            "(what was measured: see the table at the top).")


def render_compute(args, ms: dict[str, Measure], check, gen_notes: list[str], started: dt.datetime) -> str:
    out = ["## compute", ""]
    out.append(_run_line(args, started) + " Wall clock of the whole process (interpreter start-up, "
               f"imports, reading, computing, writing the JSON), best of {args.repeats} runs after one "
               f"warm-up; `cchc --help` best of {args.help_repeats}. CPU is the child's user + "
               "system time and peak RSS its `ru_maxrss`, from `os.wait4` (CPU the lowest, RSS the highest of "
               "the timed runs); the load is the 1-minute "
               "load average before the warm-up and after the last run of the group. The commands of a "
               "group (a, a0, b; c, c-ref) run in turn, round after round.")
    out.append("")
    out.append("Data (generated by `benchmarks/run.py`, seeded; not in git):")
    out += [f"- {n}" for n in gen_notes]
    out.append("")
    out += _measure_table(ms)
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


def render_targets(args, ms: dict[str, Measure], tcheck: dict | None, started: dt.datetime) -> str:
    t0, t = ms.get("t0"), ms.get("t")
    out = ["## check-targets", ""]
    out.append(_run_line(args, started) + f" Whole processes, best of {args.repeats} runs after one "
               "warm-up, t0 and t in turn, round after round; CPU and peak RSS as in `## compute`. "
               "`check-targets` groups by unit and level by default, so the comparable compute run is "
               "`--by unit,level` (t0); exit code 1 of `check-targets` means that targets were missed, "
               "a normal outcome here.")
    out.append("")
    out += _measure_table(ms, exit_codes=True)
    out.append("")
    wall = cpu = None
    if _ratio(t, t0) is not None:
        wall = (t.best - t0.best, t.best / t0.best - 1)
        cpu = (t.best_cpu - t0.best_cpu, t.best_cpu / t0.best_cpu - 1)
        rounds = [y - x for x, y in zip(t0.runs, t.runs)]  # t0 and t of one round ran one after the other
        spread = max(max(m.runs) / min(m.runs) - 1 for m in (t0, t))
        out.append(f"Overhead of checking the targets (t − t0): wall clock {wall[0]:+.3f} s ({wall[1]:+.1%}) best "
                   f"against best, {float(np.median(rounds)):+.3f} s median of the {len(rounds)} rounds; CPU time "
                   f"{cpu[0]:+.3f} s ({cpu[1]:+.1%}) best against best. The timed runs of one command "
                   f"differed by up to {spread:.0%} in wall clock during this run, so a wall-clock "
                   "difference smaller than that is noise; CPU time, which waiting for a busy core does "
                   "not inflate, is the steadier measure of the work check-targets adds.")
        out.append("")
    out.append("Goal (issue 4): checking targets adds no noticeable time over compute on the "
               f"{DEFAULT_ROWS:,}-row benchmark, read here as an overhead of at most "
               f"{GOAL_TARGETS_OVERHEAD:.0%} of the comparable compute run.")
    out.append("")
    out.append("| goal | measured | status |")
    out.append("|---|---|---|")
    for what, x in (("wall clock", wall), ("CPU time", cpu)):
        out.append(f"| check-targets within {GOAL_TARGETS_OVERHEAD:.0%} of compute --by unit,level, {what} "
                   f"(t / t0 − 1, best of {args.repeats}) | {'—' if x is None else f'{x[1]:+.1%} ({x[0]:+.3f} s)'} | "
                   f"{_status(None if x is None else x[1] <= GOAL_TARGETS_OVERHEAD)} |")
    out.append("")
    if tcheck is not None:
        sm = tcheck["summary"]
        out.append(f"What check-targets found (preset `{TARGETS_PRESET}`, {tcheck['targets'] or '?'}): "
                   f"{tcheck['checks']} checks, " + ", ".join(f"{k} {v}" for k, v in sm.items())
                   + f"; exit code {'/'.join(map(str, sorted(set(t.exit_codes))))}. Its {tcheck['results']} "
                   "KPI results (KPI, group, numerator, denominator) are "
                   + ("the same as those of the compute run t0." if tcheck["same_results"] else
                      f"**not** those of the compute run t0 ({tcheck['only_compute']} only in compute, "
                      f"{tcheck['only_targets']} only in check-targets)."))
        out.append("")
    return "\n".join(out)


def render_diff(args, ms: dict[str, Measure], dcheck: list[tuple] | None, snap_note: str | None,
                started: dt.datetime) -> str:
    e, f = ms.get("e"), ms.get("f")
    out = ["## diff", ""]
    out.append(_run_line(args, started) + f" Whole processes, best of {args.repeats} runs after one "
               "warm-up, e and f in turn, round after round; peak RSS as in `## compute`. The reference (f) is DuckDB in `python -c`: both "
               "CSVs read with `all_varchar`, a FULL OUTER JOIN on the dossier id (`Mã hồ sơ`), and "
               "the counts of added, removed and changed dossiers (any compared column `IS DISTINCT "
               f"FROM`) and of changes per column, over the {len(DIFF_FIELDS)} columns cchc reads "
               "besides the id.")
    out.append("")
    if snap_note:
        out.append("Data: " + snap_note)
        out.append("")
    out += _measure_table(ms)
    out.append("")
    r = _ratio(e, f)
    if r is not None:
        med = float(np.median([x / y for x, y in zip(e.runs, f.runs)]))
        out.append(f"Ratio e / f: **{r:.2f}x** best against best; median of the {len(e.runs)} rounds "
                   f"(e and f run in turn): {med:.2f}x.")
        out.append("")
    out.append("Goal (issue 5): diff of two 1,000,000-row exports within "
               f"{GOAL_DIFF_RATIO:.1f}x of DuckDB doing the same full outer join on the same files.")
    out.append("")
    out.append("| goal | measured | status |")
    out.append("|---|---|---|")
    out.append(f"| cchc diff within {GOAL_DIFF_RATIO:.1f}x of DuckDB (e / f) | {'—' if r is None else f'{r:.2f}x'} | "
               f"{_status(None if r is None else r <= GOAL_DIFF_RATIO)} |")
    rss = e.rss_mb if e is not None else None
    out.append(f"| (for the record) peak memory of cchc diff, two {args.rows:,}-row files | "
               f"{'—' if rss is None else f'{rss:.0f} MB'} | — |")
    out.append("")
    if dcheck is not None:
        out.append("Cross-check: the counts B was generated with, DuckDB's (run f) and cchc's "
                   "(run e: `dossiers.added`, `removed`, `changed`, `changed_by_field`, `after_the_fact.count`):")
        out.append("")
        out.append("| count | as generated | DuckDB | cchc | |")
        out.append("|---|---:|---:|---:|---|")
        for k, g, x, y, same in dcheck:
            out.append(f"| {k} | {_fmt_n(g)} | {_fmt_n(x)} | {_fmt_n(y)} | {'same' if same else '**DIFFERENT**'} |")
        out.append("")
        out.append("DuckDB compares the text of the cells; cchc compares parsed, canonical values (dates "
                   "as dates, statuses as states). B changes values by real amounts (dates by whole days, "
                   "statuses to a label of another state, the channel to another channel) and keeps the "
                   "format of every untouched cell, so the two comparisons must agree.")
        out.append("")
    return "\n".join(out)


def _fmt_n(x: int | None) -> str:
    return "—" if x is None else f"{x:,}"


def _args_text(args) -> str:
    parts = []
    if args.rows != DEFAULT_ROWS:
        parts.append(f"--rows {args.rows}")
    if args.xlsx_rows != DEFAULT_XLSX_ROWS:
        parts.append(f"--xlsx-rows {args.xlsx_rows}")
    if args.only:
        parts.append(f"--only {args.only}")
    if args.code != "tree":
        parts.append(f"--code {args.code}")
    return (" " + " ".join(parts)) if parts else ""


PLACEHOLDER = "(not measured yet)"


SECTIONS = ("compute", "check-targets", "diff")


def write_results(path: Path, header: str, measured: dict[str, str]) -> None:
    """Replace the preamble and the sections ``measured`` (title -> text) in ``path``; keep
    every other "## " section as it is; add a placeholder for any of SECTIONS still absent.
    SECTIONS come first, in their order, then the others in theirs."""
    sections: dict[str, str] = {}
    if path.exists():
        parts = re.split(r"(?m)^(?=## )", path.read_text(encoding="utf-8"))
        for part in parts[1:]:
            sections[part.splitlines()[0][3:].strip()] = part.rstrip() + "\n"
    for title, text in measured.items():
        sections[title] = text.rstrip() + "\n"
    for title in SECTIONS:
        sections.setdefault(title, f"## {title}\n\n{PLACEHOLDER}\n")
    order = list(SECTIONS) + [t for t in sections if t not in SECTIONS]
    doc = header.rstrip() + "\n\n" + "\n".join(sections[t] for t in order)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc.rstrip() + "\n", encoding="utf-8")


def render_header(started: dt.datetime) -> str:
    lines = ["# Benchmarks", "",
             f"Date: {started:%Y-%m-%d}. Written by `benchmarks/run.py` (see benchmarks/README.md); "
             "regenerate with `make bench`.", "", "Machine:", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine_info()]
    try:
        busy = float(LOAD["start"]) >= 0.5 or float(LOAD["end"]) >= 0.5
    except ValueError:
        busy = False
    if busy:
        lines += ["", f"The machine was not idle (1-minute load average {LOAD['start']} at the start, "
                      f"{LOAD['end']} at the end, on {_ncpu()} CPUs; each table gives it around each "
                      "group of measurements): other processes shared the cores, so the wall-clock "
                      "figures are higher and noisier than on a quiet machine. The commands compared "
                      "with one another run in turn, round after round, so that such load falls on "
                      "them alike."]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main


@dataclass
class Run:
    """What every group of measurements needs."""
    args: argparse.Namespace
    tmp: Path
    log: Any
    cchc: list[str] = field(default_factory=cchc_cmd)
    py: str = sys.executable
    env: dict[str, str] | None = None  # of every child: PYTHONPATH to the frozen cchc_cli
    # every child runs in the temporary directory: from the repository's root, `python -c`
    # and `python -m` would import the live cchc_cli/ ahead of PYTHONPATH
    ok: bool = True  # False when a command failed or a cross-check found a difference

    def check_import(self, code: Path) -> None:
        """Make sure the children import the frozen copy, not the editable install."""
        got = subprocess.run([self.py, "-c", "import cchc_cli; print(cchc_cli.__file__)"], env=self.env,
                             capture_output=True, text=True, cwd=self.tmp).stdout.strip()
        if not got.startswith(str(code)):
            raise SystemExit(f"children import cchc_cli from {got!r}, not from the copy in {code}")

    def measure(self, jobs: list[Job], repeats: int | None = None) -> dict[str, Measure]:
        ms = measure(jobs, repeats or self.args.repeats, self.tmp, self.log, env=self.env, cwd=self.tmp)
        for m in ms.values():
            m.command = m.command.replace(str(self.tmp) + "/", "$TMP/")
            self.ok &= m.error is None
        return ms

    def out(self, name: str) -> str:
        return str(self.tmp / name)

    def mismatch(self, lines: list[str]) -> None:
        self.log("!" * 72)
        for line in lines:
            self.log("!! " + line)
        self.log("!" * 72)
        self.ok = False


def _have_duckdb() -> bool:
    try:
        import duckdb  # noqa: F401  (only to know whether the reference can run)
        return True
    except ImportError:
        return False


def run_compute(r: Run, started: dt.datetime) -> str:
    """Groups csv, xlsx and help: the "## compute" section."""
    args, log = r.args, r.log
    ms: dict[str, Measure] = {}
    gen_notes: list[str] = []
    check = None
    if args.only in (None, "csv"):
        csv_path = ensure_data("csv", args.rows, log)
        rel = csv_path.relative_to(ROOT)
        gen_notes.append(f"`{rel}`: {args.rows:,} dossiers, {csv_path.stat().st_size / 1e6:.0f} MB, "
                         f"{len(HEADERS)} columns, UTF-8, comma, dates `dd/mm/yyyy HH:MM` over the "
                         f"working days of 2023, {len(UNITS)} units (Tỉnh/Huyện/Xã)")
        log("csv:")
        size = _size_name(args.rows)
        jobs = [Job("a", f"cchc compute, CSV {size}, --by unit",
                    r.cchc + ["compute", str(csv_path), "--period", "2023", "--by", "unit",
                              "--format", "json", "--output", r.out("a.json")]),
                Job("a0", f"cchc compute, CSV {size}, overall only",
                    r.cchc + ["compute", str(csv_path), "--period", "2023",
                              "--format", "json", "--output", r.out("a0.json")])]
        if _have_duckdb():
            jobs.append(Job("b", "DuckDB reference, same CSV and counts",
                            [r.py, "-c", DUCKDB_SCRIPT, str(csv_path), "|".join(RESOLVED_LABELS)],
                            shown=f"python -c <DuckDB script> {rel}"))
        else:
            log("  duckdb is not installed: `pip install -e '.[bench]'` for the reference")
        ms.update(r.measure(jobs))
        doc_a = json.loads(Path(r.out("a.json")).read_text()) if ms["a"].error is None else None
        if "b" in ms and ms["b"].error is None and doc_a is not None:
            check = cross_check(doc_a, json.loads(ms["b"].stdout.read_text()))
            overall, bad_units, received_ok = check
            for k, x, y, same in overall:
                log(f"  check {k:>16}: cchc {x}  duckdb {y}  {'ok' if same else 'DIFFERENT'}")
            if not received_ok:
                r.mismatch([f"MISMATCH: cchc received = {overall[0][1]}, DuckDB received = {overall[0][2]}",
                            "one of the two is wrong: see the cross-check in the results"])
            if bad_units:
                log(f"  {len(bad_units)} units differ, e.g. {bad_units[0]}")
    if args.only in (None, "xlsx"):
        xlsx_path = ensure_data("xlsx", args.xlsx_rows, log)
        rel = xlsx_path.relative_to(ROOT)
        gen_notes.append(f"`{rel}`: {args.xlsx_rows:,} dossiers, {xlsx_path.stat().st_size / 1e6:.0f} MB, "
                         "same columns, 3 title rows above the header, native datetimes, fee as a number")
        log("xlsx:")
        ms.update(r.measure([
            Job("c", f"cchc compute, XLSX {_size_name(args.xlsx_rows)}",
                r.cchc + ["compute", str(xlsx_path), "--format", "json", "--output", r.out("c.json")]),
            Job("c-ref", "raw python-calamine read, same XLSX", [r.py, "-c", CALAMINE_SCRIPT, str(xlsx_path)],
                shown=f"python -c <calamine to_python()> {rel}"),
        ]))
    if args.only in (None, "help"):
        log("help:")
        ms.update(r.measure([Job("d", "cchc --help", r.cchc + ["--help"])], repeats=args.help_repeats))
    return render_compute(args, ms, check, gen_notes, started)


def run_targets(r: Run, started: dt.datetime) -> str:
    """Group targets: check-targets against the comparable compute run."""
    args, log = r.args, r.log
    csv_path = ensure_data("csv", args.rows, log)
    size = _size_name(args.rows)
    log("check-targets:")
    ms = r.measure([
        Job("t0", f"cchc compute, CSV {size}, --by unit,level",
            r.cchc + ["compute", str(csv_path), "--period", "2023", "--by", "unit,level",
                      "--format", "json", "--output", r.out("t0.json")]),
        Job("t", f"cchc check-targets, CSV {size}, --preset {TARGETS_PRESET}",
            r.cchc + ["check-targets", str(csv_path), "--period", "2023", "--preset", TARGETS_PRESET,
                      "--format", "json", "--output", r.out("t.json")], ok_codes=(0, 1)),
    ])
    tcheck = None
    if all(m.error is None for m in ms.values()):
        tcheck = targets_check(json.loads(Path(r.out("t0.json")).read_text()),
                               json.loads(Path(r.out("t.json")).read_text()))
        log(f"  check-targets: {tcheck['summary']}; same KPI results as compute: {tcheck['same_results']}")
        if not tcheck["same_results"]:
            r.mismatch(["check-targets' KPI results differ from compute --by unit,level's"])
    return render_targets(args, ms, tcheck, started)


def run_diff(r: Run, started: dt.datetime) -> str:
    """Group diff: cchc diff of A and its second snapshot B against a DuckDB full outer join."""
    args, log = r.args, r.log
    a_path = ensure_data("csv", args.rows, log)
    b_path, truth = ensure_snapshot(args.rows, log)
    a_rel, b_rel = a_path.relative_to(ROOT), b_path.relative_to(ROOT)
    edits = ", ".join(f"{k} {truth['by_column'][c]:,}" for k, c in EDIT_COLUMNS.items())
    note = (f"A = `{a_rel}`; B = `{b_rel}`: {_csv_rows(b_path):,} dossiers, {b_path.stat().st_size / 1e6:.0f} MB, "
            f"derived from A's generated columns (seeded, `derive_snapshot`): {truth['removed']:,} of A's "
            f"dossiers removed, {truth['added']:,} new ones (ids A never had, received in 2023), "
            f"{truth['changed']:,} with one field changed by a real amount ({edits}: the status to a "
            "label of another state, the finish date 1-5 days later, the due date 1-10 days later, "
            f"another channel), the rows shuffled in blocks of {DIFF_BLOCK:,}; same header and cell formats.")
    log("diff:")
    jobs = [Job("e", f"cchc diff, CSV {_size_name(args.rows)} A vs B",
                r.cchc + ["diff", str(a_path), str(b_path), "--period", "2023",
                          "--format", "json", "--output", r.out("e.json")])]
    if _have_duckdb():
        jobs.append(Job("f", "DuckDB full outer join, same files",
                        [r.py, "-c", DUCKDB_DIFF_SCRIPT, str(a_path), str(b_path), DIFF_KEY,
                         json.dumps(list(DIFF_FIELDS), ensure_ascii=False)],
                        shown=f"python -c <DuckDB diff script> {a_rel} {b_rel}"))
    else:
        log("  duckdb is not installed: `pip install -e '.[bench]'` for the reference")
    ms = r.measure(jobs)
    dcheck = None
    if "f" in ms and all(m.error is None for m in ms.values()):
        dcheck = diff_check(json.loads(Path(r.out("e.json")).read_text()),
                            json.loads(ms["f"].stdout.read_text()), truth)
        for k, g, x, y, same in dcheck:
            log(f"  check {k}: generated {g}  duckdb {x}  cchc {y}  {'ok' if same else 'DIFFERENT'}")
        bad = [k for k, *_, same in dcheck if not same]
        if bad:
            r.mismatch([f"diff counts differ: {', '.join(bad)}", "see the cross-check in the results"])
    return render_diff(args, ms, dcheck, note, started)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the CSV (default 1,000,000)")
    ap.add_argument("--xlsx-rows", type=int, default=DEFAULT_XLSX_ROWS, help="rows of the XLSX (default 100,000)")
    ap.add_argument("--only", choices=GROUPS, help="run one group of measurements")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (default 3)")
    ap.add_argument("--help-repeats", type=int, default=5, help="timed runs of `cchc --help` (default 5)")
    ap.add_argument("--code", choices=("tree", "head"), default="tree",
                    help="the cchc_cli/ to measure, copied at the start: the working tree's (default) "
                         "or the committed HEAD's")
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
    sections: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as td:
        code = freeze_code(args.code, Path(td) / "code")
        log(f"code: {CODE['commit']}, {CODE['dirty']}; measuring {args.code} "
            f"(cchc_cli/ {CODE['fingerprint']}); load {LOAD['start']}")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(code)] + [x for x in [os.environ.get("PYTHONPATH")] if x]))
        r = Run(args, Path(td), log, env=env)
        r.check_import(code)
        if args.only in (None, "csv", "xlsx", "help"):
            sections["compute"] = run_compute(r, started)
        if args.only in (None, "targets"):
            sections["check-targets"] = run_targets(r, started)
        if args.only in (None, "diff"):
            sections["diff"] = run_diff(r, started)

    LOAD["end"] = _loadavg()
    end_note = note_code_end()
    if end_note:
        log("note: " + end_note)
    write_results(results_path, render_header(started), sections)
    log(f"wrote {results_path.relative_to(ROOT) if results_path.is_relative_to(ROOT) else results_path} "
        f"in {time.perf_counter() - t_start:.0f} s")
    print("\n\n".join(sections.values()))
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
