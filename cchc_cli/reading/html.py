"""HTML tables, most often saved with an ".xls" name: the "Xuất Excel" of many one-stop
systems writes an HTML page (often with a BOM) that Excel opens with a warning.

Every ``<table>`` of the page is a candidate sheet; rowspan and colspan are expanded as a
browser lays them out (a merged header cell is known as merged, like a spreadsheet's).
Limits: the file's bytes before it is read; a span is capped as browsers cap it; the
cells after expansion are counted before they are allocated.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap
from .table import RawTable

MAX_COLSPAN = 1000  # as browsers cap it
MAX_ROWSPAN = 65534


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._stack: list[list] = []
        self._row: list | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append([])
        elif not self._stack:
            return
        elif tag == "tr":
            self._end_cell()
            self._row = []
            self._stack[-1].append(self._row)
        elif tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._row = []
                self._stack[-1].append(self._row)
            a = dict(attrs)
            self._span = (_int(a.get("rowspan"), MAX_ROWSPAN), _int(a.get("colspan"), MAX_COLSPAN))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if not self._stack:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_cell()
            self._row = None
        elif tag == "table":
            self._end_cell()
            self._row = None
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self):
        if self._cell is not None and self._row is not None:
            text = "".join(self._cell)
            text = "\n".join(re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n")).strip()
            self._row.append((text, *self._span))
        self._cell = None


def _int(v, cap: int) -> int:
    try:
        n = int(str(v).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(n, 1), cap)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", data[:4096])
    enc = m.group(1).decode("ascii").lower() if m else "utf-8"
    try:
        return data.decode(enc)
    except (LookupError, UnicodeDecodeError):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1258", "replace")


def expand(table, path: str, max_cells: int) -> tuple[list[list[str]], list]:
    """The grid of one table with its spans laid out, and the merged ranges
    ``((r0, c0), (r1, c1))``; the expanded size is computed (and refused past the limit)
    before any cell is placed."""
    width = 0
    total = 0
    pending: dict[int, int] = {}  # rough width estimate: sum of colspans per row
    for r in table:
        w = sum(c[2] for c in r)
        width = max(width, w)
        total += w
    height = len(table) + max((c[1] for r in table for c in r), default=1) - 1
    if height * max(width, 1) > max_cells:
        raise DataError("html_too_many_cells", path=path, n=height * max(width, 1), max=max_cells)
    grid: list[list[str]] = [[] for _ in range(height)]
    taken: list[set[int]] = [set() for _ in range(height)]
    merged = []
    for i, row in enumerate(table):
        c = 0
        for text, rs, cs in row:
            while c in taken[i]:
                c += 1
            rs = min(rs, height - i)
            for rr in range(i, i + rs):
                g = grid[rr]
                if len(g) < c + cs:
                    g.extend([""] * (c + cs - len(g)))
                for cc in range(c, c + cs):
                    g[cc] = text if (rr == i and cc == c) else ""
                    taken[rr].add(cc)
            if rs > 1 or cs > 1:
                merged.append(((i, c), (i + rs - 1, c + cs - 1)))
            c += cs
    del pending
    while grid and not any(grid[-1]):
        grid.pop()
    return grid, merged


def tables_of(path: Path) -> list[tuple[list[list[str]], list]]:
    from . import limits as lim
    from .csv import shown_path

    limits = lim.current()
    lim.check_file_size(path, limits)
    parser = _Tables()
    parser.feed(_decode(path.read_bytes()))
    parser.close()
    p = shown_path(path)
    return [expand(t, p, int(limits.max_cells)) for t in parser.tables if t]


def read_html(path: Path, model: type[BaseModel], user: ColumnMap) -> RawTable:
    from .csv import shown_path
    from .grid import no_header_error, read_grid
    from .layout import find_layout

    tables = tables_of(path)
    for grid, merged in tables:
        if find_layout(grid, model, user, merged) is not None:
            return read_grid(str(path), grid, model, user, "html", merged=merged)
    raise no_header_error(shown_path(path), tables[0][0] if tables else [], model, "html")
