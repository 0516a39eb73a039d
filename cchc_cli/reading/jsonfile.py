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
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap
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
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise DataError("json_malformed", path=p, line=i) from None
            if not isinstance(obj, dict):
                raise DataError("json_no_records", path=p)
            records.append(obj)
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
