"""JSON exports: an array of records, an envelope (``{"data": [...]}``, OpenCPS's
``{"total": n, "data": [...]}``), one record per line (JSON Lines).

A record's nested objects are flattened with dotted names (``applicant.name``); a list of
scalars becomes one cell ("a; b"); a list of objects is reduced as the profile says
(``[json.reduce] "DanhSachLePhi[].Gia" = "sum"``: the column ``DanhSachLePhi[].Gia``) and
otherwise counted (``DanhSachLePhi[]``). Limits are checked before memory is committed:
the file's bytes, its nesting depth (scanned before parsing), then records and cells.

A JSON document written by cchc itself (``"tool": "cchc"``) is a saved result, read by
``diff`` only; any other JSON is an export.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from .table import Note, RawTable

MAX_DEPTH = 64
ENVELOPE_KEYS = ("data", "items", "records", "rows", "result", "results", "value", "values", "list",
                 "danhSach", "DanhSach", "hoSo", "HoSo", "content")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _depth(data: bytes) -> int:
    """The deepest nesting of the document, brackets inside strings not counted; numpy, so
    that a large file is scanned without a Python loop per byte."""
    bare = _STRING.sub(b'""', data)
    a = np.frombuffer(bare, dtype=np.uint8)
    step = np.zeros(len(a), dtype=np.int32)
    step[(a == ord("{")) | (a == ord("["))] = 1
    step[(a == ord("}")) | (a == ord("]"))] = -1
    return int(np.cumsum(step).max()) if len(a) else 0


def load_records(path: Path, fmt: str, user: ColumnMap) -> tuple[list[dict], list[Note]]:
    from . import limits as lim
    from .csv import shown_path

    p = shown_path(path)
    limits = lim.current()
    lim.check_file_size(path, limits)
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    depth = _depth(data)
    if depth > MAX_DEPTH:
        raise DataError("json_too_deep", path=p, depth=depth, max=MAX_DEPTH)
    notes: list[Note] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("read_encoding", path=p) from None
    if fmt == "jsonl":
        records = []
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                records.append(_parse(line, i, p))
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise DataError("json_malformed", path=p, line=e.lineno) from None
        if isinstance(doc, dict) and doc.get("tool") == "cchc":
            raise DataError("json_own_result", path=p)
        records = _records(doc, user.json_records)
        if records is None:
            raise DataError("json_no_records", path=p)
        if isinstance(doc, dict):
            where = user.json_records or next((k for k in doc if doc[k] is records), None) or next(
                (f"{k}.{j}" for k, v in doc.items() if isinstance(v, dict) for j in v if v[j] is records), "?")
            notes.append(Note("json_envelope", {"key": where, "total": doc.get("total", "")}))
    if len(records) > limits.max_rows:
        raise DataError("json_too_many_records", path=p, n=len(records), max=limits.max_rows)
    return records, notes


def _records(doc: Any, key: str | None) -> list[dict] | None:
    if isinstance(doc, list):
        return doc if all(isinstance(r, dict) for r in doc) else None
    if not isinstance(doc, dict):
        return None
    if key:
        cur: Any = doc
        for part in key.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        return cur if isinstance(cur, list) and all(isinstance(r, dict) for r in cur) else None
    for k in ENVELOPE_KEYS:
        v = doc.get(k)
        if isinstance(v, list) and all(isinstance(r, dict) for r in v):
            return v
        if isinstance(v, dict):  # {"data": {"items": [...]}}
            inner = _records(v, None)
            if inner is not None:
                return inner
    lists = [v for v in doc.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
    return lists[0] if len(lists) == 1 else None


def flatten(rec: dict, reduce: dict[str, str], prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    for k, v in rec.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            flatten(v, reduce, name + ".", out)
        elif isinstance(v, list):
            if all(not isinstance(x, (dict, list)) for x in v):
                out[name] = "; ".join("" if x is None else str(x) for x in v) if v else None
                continue
            objs = [x for x in v if isinstance(x, dict)]
            out[name + "[]"] = len(objs)
            for spec, how in reduce.items():
                head, _, field = spec.partition("[].")
                if head != name:
                    continue
                vals = [o.get(field) for o in objs if o.get(field) not in (None, "")]
                out[spec] = _reduce(vals, how)
        else:
            out[name] = v
    return out


def _reduce(vals: list, how: str):
    if how == "count":
        return len(vals)
    if how == "join":
        return "; ".join(str(v) for v in vals) if vals else None
    if how == "first":
        return vals[0] if vals else None
    nums = []
    for v in vals:
        try:
            nums.append(float(str(v).replace(",", "")) if not isinstance(v, (int, float)) else float(v))
        except ValueError:
            return None  # a part that is no number: the sum is unknown, never a smaller sum
    if how == "sum":
        return sum(nums) if nums else None
    if how == "max":
        return max(nums) if nums else None
    return min(nums) if nums else None


def read_json(path: Path, fmt: str, model: type[BaseModel], user: ColumnMap) -> RawTable:
    from . import limits as lim
    from .csv import shown_path
    from .grid import read_grid

    records, notes = load_records(path, fmt, user)
    flat = [flatten(r, user.json_reduce) for r in records]
    headers: dict[str, None] = {}
    for r in flat:
        for k in r:
            headers.setdefault(k, None)
    names = list(headers)
    limits = lim.current()
    if len(names) * max(len(flat), 1) > limits.max_cells:
        raise DataError("json_too_many_cells", path=shown_path(path), n=len(names) * len(flat), max=limits.max_cells)
    grid = [names] + [[r.get(k) for k in names] for r in flat]
    return read_grid(str(path), grid, model, user, fmt, notes)


def head_grid(path: Path, fmt: str, user: ColumnMap | None = None, n: int = 60) -> list[list]:
    """The header and first records, for kind and profile detection (errors: empty)."""
    try:
        records, _ = load_records(path, fmt, user or ColumnMap())
    except (DataError, OSError, ValueError):
        return []
    flat = [flatten(r, (user or ColumnMap()).json_reduce) for r in records[:n]]
    names: dict[str, None] = {}
    for r in flat:
        for k in r:
            names.setdefault(k, None)
    return [list(names)] + [[r.get(k) for k in names] for r in flat]


# ------------------------------------------------------------------ JSON Lines in blocks

_UTF8_BOM = b"\xef\xbb\xbf"
_scans: dict[tuple, "_Scan"] = {}  # (file version, block size, reductions) → its scan
_scans_lock = threading.Lock()


class _Scan:
    """What one streaming pass over a JSON Lines file learnt: the column names (the union
    of every record's flattened keys, in order of first appearance, as ``read_json`` builds
    its header), the first records (for the header search; never kept in the cache), the
    number of records and where each block's first record is."""

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.head: list[dict] = []
        self.records = 0
        self.starts: list[tuple] | None = []  # (byte offset, line in that segment, line number)


def _lines(path: Path, at: tuple | None = None) -> Iterator[tuple[tuple, str]]:
    """The lines of the file as ``str.splitlines`` of the whole decoded text gives them (a
    UTF-8 BOM dropped), streaming: ``(position, line)`` where ``position`` is
    ``(byte offset of the "\\n"-ended segment, line in that segment, line number)``, and
    ``at`` such a position to start from (UTF-8 only). UTF-16 is decoded as a stream and
    has no byte positions (``position[0]`` is None)."""
    p_shown = _shown(path)
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            import io

            fh.seek(0)
            segments = ((None, s) for s in io.TextIOWrapper(fh, encoding="utf-16", newline="\n"))
        else:
            off = at[0] if at is not None else (3 if head == _UTF8_BOM else 0)
            fh.seek(off)
            segments = _byte_segments(fh, off, p_shown)
        skip, n = (at[1], at[2] - 1) if at is not None else (0, 0)
        for off, seg in segments:
            if seg.endswith("\n"):
                seg = seg[:-1]
            elif not seg:
                break
            for j, line in enumerate(seg.splitlines() or [""]):
                if j < skip:
                    continue
                n += 1
                yield (off, j, n), line
            skip = 0


def _byte_segments(fh, off: int, p: str) -> Iterator[tuple[int, str]]:
    for raw in fh:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError("read_encoding", path=p) from None
        yield off, text
        off += len(raw)


def _shown(path: Path) -> str:
    from .csv import shown_path

    return shown_path(path)


def _parse(line: str, n: int, p: str) -> dict:
    """One record line, its nesting checked before it is parsed (a cheap count first)."""
    if line.count("{") + line.count("[") > MAX_DEPTH:
        depth = _depth(line.encode("utf-8"))
        if depth > MAX_DEPTH:
            raise DataError("json_too_deep", path=p, depth=depth, max=MAX_DEPTH)
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        raise DataError("json_malformed", path=p, line=n) from None
    if not isinstance(obj, dict):
        raise DataError("json_no_records", path=p)
    return obj


def _scan(path: Path, user: ColumnMap, block_rows: int) -> _Scan:
    """One pass over the file (every record parsed, none kept but the first few), cached
    per file version: a second call for some blocks (``only``) goes straight to them."""
    import os

    from .layout import SCAN_ROWS

    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, block_rows, tuple(user.json_reduce.items()))
    with _scans_lock:
        known = _scans.get(key)
    p = _shown(path)
    if known is not None:  # the first records read again: no cell is kept between calls
        sc = _Scan()
        sc.names, sc.records, sc.starts = known.names, known.records, known.starts
        for pos, line in _lines(path):
            if len(sc.head) > SCAN_ROWS:
                break
            if line.strip():
                sc.head.append(flatten(_parse(line, pos[2], p), user.json_reduce))
        return sc
    sc = _Scan()
    names = sc.names
    for pos, line in _lines(path):
        if not line.strip():
            continue
        if sc.records % block_rows == 0:
            if pos[0] is None:
                sc.starts = None
            elif sc.starts is not None:
                sc.starts.append(pos)
        flat = flatten(_parse(line, pos[2], p), user.json_reduce)
        for k in flat:
            if k not in names:
                names[k] = None
        if sc.records < SCAN_ROWS + 1:
            sc.head.append(flat)
        sc.records += 1
    kept = _Scan()
    kept.names, kept.records, kept.starts = sc.names, sc.records, sc.starts
    with _scans_lock:
        if len(_scans) > 64:
            _scans.clear()
        _scans[key] = kept
    return sc


def iter_jsonl_blocks(path: Path, model: type[BaseModel], user: ColumnMap, block_rows: int = 250_000,
                      only: set[int] | None = None) -> Iterator[tuple[int, RawTable]]:
    """A JSON Lines file in blocks of ``block_rows`` records (blank lines are no records):
    ``(index, RawTable)`` for blocks 0, 1, …, or only the blocks in ``only``. Each block has
    the layout, mapping, columns, dtypes and row numbers of ``read_json(path, "jsonl", …)``'s
    table; no ``trim_tail`` (the caller's, across blocks).

    The file is read twice, as a stream: a first pass finds the columns (any record may
    add one) and where each block starts; then each block is parsed and mapped. Limits:
    the file's size and the number of records only when the user set ``--max-file-mb`` /
    ``--max-rows``; nesting depth per line, cells per block."""
    import pandas as pd

    from . import limits as lim
    from .grid import no_header_error
    from .layout import find_layout
    from .table import col, kept_positions

    p = _shown(path)
    limits = lim.current()
    lim.check_stream_file(path, limits)
    sc = _scan(path, user, block_rows)
    cap = lim.stream_row_cap(limits)
    if cap is not None and sc.records > cap:
        raise DataError("json_too_many_records", path=p, n=sc.records, max=cap)
    names = list(sc.names)
    grid = [names] + [[r.get(k) for k in names] for r in sc.head]
    layout = find_layout(grid, model, user)
    if layout is None:
        raise no_header_error(p, grid, model, "jsonl")
    mapping = map_headers(layout.candidates, model, user)
    keep = kept_positions(mapping)
    skip = layout.data_start - 1  # records read as the header (or above it)
    n_blocks = max(1, -(-sc.records // block_rows))
    wanted = sorted(b for b in range(n_blocks) if only is None or b in only)

    def table(b: int, recs: list[dict]) -> RawTable:
        first = b * block_rows
        if first < skip:
            recs = recs[skip - first:]
            first = skip
        if len(names) * max(len(recs), 1) > limits.max_cells:
            raise DataError("json_too_many_cells", path=p, n=len(names) * len(recs), max=limits.max_cells)
        data = {col(i): pd.Series([r.get(names[i]) for r in recs], dtype=object) for i in keep}
        frame = pd.DataFrame(data, index=pd.RangeIndex(len(recs)))
        rows = np.arange(len(recs), dtype=np.int64) + first + 2
        return RawTable(str(path), frame, rows, layout, mapping, [])

    runs: list[list[int]] = []  # consecutive wanted blocks, read from one position
    for b in wanted:
        if runs and runs[-1][-1] == b - 1:
            runs[-1].append(b)
        else:
            runs.append([b])
    if sc.starts is None:  # no byte positions (UTF-16): one pass from the start
        runs = [wanted] if wanted else []
    for run in runs:
        start = sc.starts[run[0]] if sc.starts is not None and sc.records else None
        b = run[0] if start is not None else 0
        want = set(run)
        k, recs = 0, []
        for pos, line in _lines(path, start):
            if not line.strip():
                continue
            if k == block_rows:
                if b in want:
                    yield b, table(b, recs)
                if b >= run[-1]:
                    break
                b, k, recs = b + 1, 0, []
            if b in want:  # lines of other blocks are counted, never parsed
                recs.append(flatten(_parse(line, pos[2], p), user.json_reduce))
            k += 1
        else:
            if b in want:
                yield b, table(b, recs)
