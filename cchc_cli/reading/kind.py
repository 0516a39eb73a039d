"""Which input a file is: a dossier export, a procedure catalogue, an outgoing-document
register or paper logbook counts — recognised by its header (the kind whose required
fields all map, with the best-scoring header, wins; dossiers on a tie)."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from ..schema.models import INPUT_KINDS
from .layout import find_layout

HEAD_ROWS = 60


def _grids(path: Path, sheet: str | None, user: ColumnMap | None = None):
    ext = path.suffix.lower()
    from .sniff import sniff

    fmt = sniff(path) if path.is_file() else "text"
    if fmt in ("json", "jsonl"):
        from .jsonfile import head_grid

        yield head_grid(path, fmt, user), None
        return
    if fmt == "html":
        from .html import tables_of

        try:
            tables = tables_of(path)
        except Exception:  # the reader proper says what is wrong
            return
        for grid, merged in tables:
            yield grid[:HEAD_ROWS], merged
        return
    if ext in (".xlsx", ".xlsm", ".xls"):
        from .excel import open_workbook, sheet_of

        try:  # the reader proper reports a file that fails the checks or cannot be opened
            entry = open_workbook(path)
        except Exception:
            return
        try:
            wb = entry["wb"]
            names = [sheet] if sheet and sheet in wb.sheet_names else wb.sheet_names
            for n in names:
                ws = sheet_of(entry, n)
                try:
                    merged = ws.merged_cell_ranges
                except Exception:
                    merged = None
                yield ws.to_python(skip_empty_area=False, nrows=HEAD_ROWS), merged
        except Exception:
            return  # the reader proper reports what is wrong with the file
    elif ext == ".parquet":
        from .limits import check_file_size

        try:
            check_file_size(path)
            import pyarrow.parquet as pq

            yield [list(pq.ParquetFile(str(path)).schema_arrow.names)], None
        except Exception:
            return
    else:
        from .csv import DELIMITERS, HEAD_BYTES, _head_records, decode, detect_encoding

        from .limits import check_regular_file

        try:
            check_regular_file(path)  # never open a pipe or a device: it could block
            with open(path, "rb") as fh:
                data = fh.read(HEAD_BYTES)
        except (OSError, DataError):
            return
        if not data.strip() or b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return
        try:
            text = decode(data, str(path), detect_encoding(data))
        except DataError:
            return
        import unicodedata

        text = unicodedata.normalize("NFC", text)
        for d in DELIMITERS:
            rows, _ = _head_records(text, d, HEAD_ROWS)
            yield rows, None


def detect_kind(path: Path, user: ColumnMap | None = None, sheet: str | None = None) -> str:
    user = user if user is not None else ColumnMap()
    best: tuple[int, int, str] | None = None
    order = {k: i for i, k in enumerate(INPUT_KINDS)}
    for grid, merged in _grids(path, sheet, user):
        for kind, model in INPUT_KINDS.items():
            lay = find_layout(grid, model, user, merged)
            if lay is None:
                continue
            if map_headers(lay.candidates, model, user).missing_required():
                continue
            cand = (lay.score, -order[kind], kind)
            if best is None or cand > best:
                best = cand
    return best[2] if best else "dossiers"


def profile_for(path: Path, user: ColumnMap | None = None, sheet: str | None = None) -> ColumnMap | None:
    """The built-in profile whose header signature the file carries, merged with the user's
    own ``--columns``; None when no profile matches or one is forced (``--profile``)."""
    from ..profiles import match, merged

    user = user if user is not None else ColumnMap()
    if user.forced:
        return None
    for grid, _ in _grids(path, sheet, user):
        p = match(grid)
        if p is not None:
            return merged(p.column_map(), user)
    return None


_SUMMARY_WORDS = ("so moi tiep nhan", "so ho so nhan giai quyet", "tong so ho so nhan giai quyet",
                  "so ho so da giai quyet", "so ho so dang giai quyet", "ky truoc chuyen qua")


def what_table(path: Path, user: ColumnMap | None = None, sheet: str | None = None) -> str | None:
    """``"table"`` when a header of a known input (or a profile's signature) is found in the
    first rows; ``"summary"`` for a report of counts (Biểu 06a: "Số hồ sơ nhận giải quyết",
    "Trước hạn", "Đúng hạn", "Quá hạn"), which holds no dossier; None otherwise."""
    from ..profiles import match
    from ..schema.text import fold

    user = user if user is not None else ColumnMap()
    summary = False
    for grid, merged in _grids(path, sheet, user):
        if match(grid) is not None:
            return "table"
        for model in INPUT_KINDS.values():
            lay = find_layout(grid, model, user, merged)
            if lay is not None and not map_headers(lay.candidates, model, user).missing_required():
                return "table"
        cells = {fold(v) for row in grid[:40] for v in row if isinstance(v, str)}
        if any(w in cells for w in _SUMMARY_WORDS) or {"truoc han", "dung han", "qua han"} <= cells:
            summary = True
    return "summary" if summary else None
