"""Reading exports: files and directories in, ``RawTable`` out (mapped columns only)."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap
from .table import Note, RawTable

EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".json", ".jsonl", ".ndjson",
              ".html", ".htm")
# never read as exports, but looked at so that cchc's own reports in a folder are listed,
# and documents beside the exports (a PDF, a Word note) listed as skipped with the reason
_REPORT_EXTENSIONS = (".md", ".pdf", ".doc", ".docx", ".png", ".jpg", ".jpeg")


class Expanded(list):
    """The files of ``expand_paths``, with what a folder held that is not read and why:
    ``skipped`` is a list of ``Note``s (``skipped_own_report``, ``skipped_link_loop``,
    ``skipped_broken_link``)."""

    def __init__(self, files=(), skipped=(), in_folder=()):
        super().__init__(files)
        self.skipped: list[Note] = list(skipped)
        # files found by walking a folder (not named on the command line): a file there
        # that holds no table cchc knows is skipped and listed, never an error
        self.in_folder: set[Path] = set(in_folder)


# Notes on what a folder held and was not read, waiting for the first file of that folder
# to be read (they are reported with it, in the reading report).
_folder_notes: dict[str, list[Note]] = {}
_folder_lock = threading.Lock()


def expand_paths(paths: list[str | Path]) -> Expanded:
    """Files as given; a directory gives every export file in it and its sub-folders,
    sorted by path (temporary Excel lock files "~$…" and hidden files skipped).

    A symlinked sub-folder is followed once; a link back to a folder already walked (a
    loop) and a broken link are listed as skipped, with the reason. cchc's own reports
    written into the input folder (a JSON result, its CSV, Markdown or XLSX output, even
    saved as .csv or .txt) are skipped and listed. File names need not be UTF-8."""
    out: list[Path] = []
    skipped: list[Note] = []
    in_folder: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found, skip = _walk(p)
            exports = []
            from .sniff import FORMAT_NAMES, TABLE_FORMATS, sniff

            for f in sorted(found, key=os.fsencode):
                what = own_report(f)
                if what:
                    skip.append(Note("skipped_own_report", {"path": _shown(f), "what": what}))
                    continue
                fmt = sniff(f)
                if fmt not in TABLE_FORMATS:
                    skip.append(Note("skipped_not_a_table", {"path": _shown(f), "format": FORMAT_NAMES[fmt]}))
                elif f.suffix.lower() in EXTENSIONS:
                    exports.append(f)
                    in_folder.add(f)
            found = exports
            if not found:
                raise DataError("folder_empty", path=_shown(p))
            if skip:
                skipped.extend(skip)
            out.extend(found)
        elif p.is_file():
            out.append(p)
        elif p.exists() or p.is_symlink():
            from .limits import check_regular_file

            check_regular_file(p)  # a device, a pipe, a broken link: says which
            out.append(p)
        else:
            raise DataError("path_not_found", path=_shown(p))
    seen: set[Path] = set()
    unique = []
    for f in out:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return Expanded(unique, skipped, in_folder)


def _shown(p) -> str:
    from .csv import shown_path

    return shown_path(p)


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def _walk(root: Path) -> tuple[list[Path], list[Note]]:
    """Export files under ``root``, following symlinked folders once: each real folder
    (device, inode) is walked at most once, so a link loop ends, and is listed."""
    files: list[Path] = []
    skipped: list[Note] = []
    try:
        st = root.stat()
    except OSError:
        return files, skipped
    seen = {(st.st_dev, st.st_ino)}
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: os.fsencode(e.name))
        except OSError:
            skipped.append(Note("skipped_unreadable_folder", {"path": _shown(d)}))
            continue
        for e in entries:
            if _hidden(e.name):
                continue
            path = Path(e.path)
            try:
                is_dir = e.is_dir(follow_symlinks=True)
                is_file = e.is_file(follow_symlinks=True)
            except OSError:
                is_dir = is_file = False
            if is_dir:
                try:
                    st = os.stat(e.path)
                except OSError:
                    continue
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    if e.is_symlink():
                        skipped.append(Note("skipped_link_loop", {"path": _shown(path)}))
                    continue
                seen.add(key)
                stack.append(path)
            elif is_file:
                if path.suffix.lower() in EXTENSIONS + _REPORT_EXTENSIONS:
                    files.append(path)
            elif e.is_symlink():
                skipped.append(Note("skipped_broken_link", {"path": _shown(path)}))
    return files, skipped


def _own_titles() -> tuple[set[str], set[str]]:
    """Titles of the tables cchc writes (Markdown "### " headings, XLSX sheet names), in
    every language, and the CSV headers it writes."""
    from ..i18n import LANGS, t

    keys = ("title_inputs", "title_counts", "title_kpis", "title_problems", "title_conflicts")
    titles = {t(k, lang) for k in keys for lang in LANGS}
    titles |= {"Kiểm tra chỉ tiêu", "Target checks", "Tóm tắt thay đổi", "Summary of changes"}
    sheets = {x[:31] for x in titles}
    return titles, sheets


_RESULTS_CSV_TAIL = ["kpi", "label", "numerator", "denominator", "value", "excluded"]
_CHECK_CSV = ["kpi", "group", "value", "numerator", "denominator", "min", "max", "warn_min", "warn_max",
              "status", "needed", "gap_pp", "target"]
_DIFF_CSV_TAIL = ["old", "new", "delta", "change", "old_numerator", "old_denominator",
                  "new_numerator", "new_denominator", "old_status", "new_status"]


def own_report(path: Path) -> str | None:
    """What cchc report ``path`` is ("JSON", "CSV", "Markdown", "XLSX"), recognised by what
    cchc writes, or None: ``"tool": "cchc"`` in JSON, the header row of its CSVs, a
    "### " title of its Markdown, the sheet names (or a "cchc" creator/title) of its
    workbooks."""
    import re
    import zipfile

    try:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                # members read only so far (never decompressed in full: the size limits
                # of the file are checked later, when it is read)
                if "docProps/core.xml" in names:
                    with z.open("docProps/core.xml") as m:
                        core = m.read(65536).decode("utf-8", "replace")
                    if re.search(r"<dc:(creator|title)>\s*cchc\b", core):
                        return "XLSX"
                if "xl/workbook.xml" not in names:
                    return None
                with z.open("xl/workbook.xml") as m:
                    wb = m.read(1 << 20).decode("utf-8", "replace")
        except Exception:  # a broken or encrypted zip: the reader proper says what is wrong
            return None
        import html

        sheets = {html.unescape(m) for m in re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', wb)}
        titles, sheet_titles = _own_titles()
        ours = {s for s in sheets if s in sheet_titles or any(s.startswith(x[:25]) for x in titles)}
        return "XLSX" if len(ours) >= 2 or (ours and len(sheets) == len(ours)) else None
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith("{") and re.search(r'"tool"\s*:\s*"cchc"', text[:4096]):
        return "JSON"
    first = text.split("\n", 1)[0].rstrip("\r")
    cells = [c.strip().strip('"') for c in first.split(",")]
    if cells[-1:] == ["scope"]:  # compute's CSV tables end with their scope (--table kpis|counts)
        from ..kpis.dossiers import COUNT_KEYS

        cells = cells[:-1]
        if cells[-len(COUNT_KEYS):] == list(COUNT_KEYS):
            return "CSV"
    if (cells[-6:] == _RESULTS_CSV_TAIL or cells == _CHECK_CSV
            or (cells[:1] == ["kpi"] and cells[-10:] == _DIFF_CSV_TAIL)):
        return "CSV"
    titles, _ = _own_titles()
    for line in text.splitlines()[:60]:
        if line.startswith("### ") and any(line[4:].startswith(x) for x in titles):
            return "Markdown"
    return None


def read_table(path: Path, model: type[BaseModel], user: ColumnMap | None = None, sheet: str | None = None) -> RawTable:
    """Read one file into a ``RawTable``. The file's size (and, for an XLSX, the size of its
    zip members once decompressed) is checked against ``limits.current()`` before the file is
    read; the table's kept cells and rows after. Errors of the underlying readers (csv,
    pyarrow, zip) become ``DataError``s naming the file, never echoing a cell."""
    from . import limits as lim

    user = user if user is not None else ColumnMap()
    limits = lim.current()
    ext = path.suffix.lower()
    from .sniff import FORMAT_NAMES, mismatch, sniff

    fmt = sniff(path) if path.is_file() else "text"
    told: list[Note] = []
    if fmt in ("json", "jsonl", "html") or (fmt != "text" and mismatch(path, fmt)):
        if mismatch(path, fmt):  # the bytes, not the name, say what the file is
            told.append(Note("read_as", {"format": FORMAT_NAMES[fmt], "ext": ext or "-"}))
        if fmt in ("json", "jsonl", "html"):
            raw = _read_other(path, fmt, model, user, limits)
            raw.notes[:0] = told
            return _finish(raw, path, user, limits)
    if ext in (".xlsx", ".xlsm"):
        lim.check_xlsx(path, limits)
    elif ext in (".xls", ".parquet"):
        lim.check_file_size(path, limits)
    else:
        check_text_head(path, lim.check_file_size(path, limits))
    with _reader_errors(path, limits):
        if ext in (".xlsx", ".xlsm", ".xls"):
            from .excel import read_excel

            raw = read_excel(path, model, user, sheet)
        elif ext == ".parquet":
            from .parquet import read_parquet

            raw = read_parquet(path, model, user)
        else:
            from .csv import read_csv

            raw = read_csv(path, model, user)
    return _finish(raw, path, user, limits)


def check_text_head(path: Path, size: int) -> None:
    """A text export's head checked before it is read (``limits.check_text_file``)."""
    from . import limits as lim
    from .csv import HEAD_BYTES

    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as e:
        raise DataError("read_unreadable", path=_shown(path), reason=e.strerror or type(e).__name__) from None
    lim.check_text_file(path, head, size)


def _finish(raw, path: Path, user, limits):
    """Every reader's last steps: the table's limits, the notes waiting for the first file
    read from its folder (what the folder held and was not read), the after-reading fixes."""
    from . import limits as lim

    lim.check_table(raw, limits)
    with _folder_lock:
        pending = _folder_notes.pop(str(path), None)
    if pending:
        raw.notes.extend(pending)
    return _after_reading(raw, user)


def _read_other(path: Path, fmt: str, model, user: ColumnMap, limits) -> RawTable:
    """JSON, JSON Lines and HTML tables, with the same error mapping as the other readers."""
    with _reader_errors(path, limits):
        if fmt == "html":
            from .html import read_html

            return read_html(path, model, user)
        from .jsonfile import read_json

        return read_json(path, fmt, model, user)


_csv_lock = threading.Lock()
_csv_readers = 0
_csv_saved = 0


@contextlib.contextmanager
def _csv_field_limit(n: int):
    """The csv module's field limit (process-wide) at ``n`` while any file is being read,
    restored when the last read ends (``diff`` reads its two sides in threads)."""
    global _csv_readers, _csv_saved
    import csv

    with _csv_lock:
        if _csv_readers == 0:
            _csv_saved = csv.field_size_limit(n)
        else:
            csv.field_size_limit(max(n, csv.field_size_limit()))
        _csv_readers += 1
    try:
        yield
    finally:
        with _csv_lock:
            _csv_readers -= 1
            if _csv_readers == 0:
                csv.field_size_limit(_csv_saved)


@contextlib.contextmanager
def _reader_errors(path: Path, limits):
    """Known failures of the readers as DataError; the csv module's field limit set to the
    cell limit, so that a quote left open cannot swallow the rest of a large file."""
    import csv

    p = _shown(path)
    try:
        with _csv_field_limit(max(int(limits.max_cell_chars), 1)):
            yield
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            n = f"{int(limits.max_cell_chars):,}".replace(",", ".")
            raise DataError("csv_cell_too_long", path=p, n=n) from None
        raise DataError("csv_malformed", path=p) from None
    except UnicodeError:
        raise DataError("read_encoding", path=p) from None
    except MemoryError:
        raise DataError("read_out_of_memory", path=p) from None
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise DataError("read_file_vanished", path=p) from None
        raise DataError("read_unreadable", path=p, reason=e.strerror or type(e).__name__) from None
    except DataError:
        raise
    except Exception as e:
        if _is_arrow_error(e):  # pyarrow's messages quote the rows: never shown
            raise DataError("read_corrupt", path=p, kind=type(e).__name__) from None
        raise


def _after_reading(raw: RawTable, user: ColumnMap) -> RawTable:
    """What the readers leave to say: a header spelled twice (the first column is used),
    header rows repeated among the data (files pasted one after another: dropped, like a
    totals row, and reported), a table with no data row."""
    from ..schema.text import fold
    from .layout import column_letter

    m = raw.mapping
    by_field = {s.field: s for s in m.sources}
    twice: dict[int, list[int]] = {}
    for pos, field in m.shadowed:
        src = by_field.get(field)
        if src is not None and fold(m.headers[pos]) == fold(src.header):
            twice.setdefault(src.column, []).append(pos)
    for used, others in twice.items():
        raw.notes.append(Note("duplicate_header", {"header": m.headers[used], "used": column_letter(used),
                                                   "others": ", ".join(column_letter(o) for o in others)}))
    _clean_keys(raw)
    repeated = _repeated_headers(raw, user)
    if repeated is not None and repeated.any():
        raw.notes.append(Note("repeated_header", {"rows": ", ".join(str(int(r)) for r in raw.rows[repeated][:10])
                                                  + (" …" if repeated.sum() > 10 else ""), "n": int(repeated.sum())}))
        keep = ~repeated
        raw.frame = raw.frame.loc[keep].reset_index(drop=True)
        raw.rows = raw.rows[keep]
    if len(raw.frame) == 0 and not raw.bad_rows:
        raw.notes.append(Note("no_rows"))
    return raw


# Values used for grouping and matching: ids, units, fields, procedures, levels.
KEY_FIELDS = ("dossier_id", "document_id", "procedure_code", "procedure_name", "unit", "field", "level")


def _clean_keys(raw: RawTable) -> None:
    """Invisible and bidi control characters (zero-width space and joiners, BOM, LRM/RLM,
    LRE…PDF, LRI…PDI, soft hyphen…) removed from the key columns, so that two spellings of
    one unit that differ only by them group together; NFC follows in the text parser. The
    removal is counted and reported as a note on the file."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..schema.text import INVISIBLE_CLASS, strip_invisible

    f = raw.frame
    if f.empty:
        return
    chars = cells = 0
    fields = []
    for src in raw.mapping.sources:
        name = f"c{src.column}"
        if src.field not in KEY_FIELDS or name not in f.columns:
            continue
        s = f[name]
        if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            arr = pa.array(s.array)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arr = arr.cast(pa.large_string())
            if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
                continue
            if len(arr) > 1000:  # names repeat: look at each distinct value once
                words = arr.dictionary_encode().dictionary
                if len(words) * 2 < len(arr) and \
                        not pc.any(pc.match_substring_regex(words, INVISIBLE_CLASS)).as_py():
                    continue
            hit = pc.match_substring_regex(arr, INVISIBLE_CLASS).fill_null(False)
            k = pc.sum(hit).as_py() or 0
            if not k:
                continue
            clean = pc.replace_substring_regex(arr, INVISIBLE_CLASS, "")
            chars += int(pc.sum(pc.subtract(pc.utf8_length(arr), pc.utf8_length(clean))).as_py() or 0)
            cells += int(k)
            f[name] = pd.Series(pd.array(clean, dtype=pd.StringDtype("pyarrow")), index=s.index)
        else:
            vals = s.to_numpy(dtype=object).copy()
            k = 0
            for i, v in enumerate(vals):
                if isinstance(v, str) and not v.isascii():
                    out, n = strip_invisible(v)
                    if n:
                        vals[i] = out
                        chars += n
                        k += 1
            if not k:
                continue
            cells += k
            f[name] = pd.Series(vals, index=s.index, dtype=s.dtype if s.dtype == object else object)
        fields.append(src.header)
    if cells:
        raw.notes.append(Note("invisible_chars", {"chars": chars, "cells": cells, "fields": ", ".join(fields)}))


def _repeated_headers(raw: RawTable, user: ColumnMap):
    """Rows whose cells are header labels: the id cell is a spelling of the id field (a fast
    vectorised look-up), and at least two mapped cells of the row name their own field."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..schema.headers import match_label
    from ..schema.models import field_specs
    from ..schema.text import nfc, squeeze

    f = raw.frame
    if f.empty:
        return None
    model = raw.mapping.model
    id_field = next((s.name for s in field_specs(model) if s.required), None)
    id_src = next((s for s in raw.mapping.sources if s.field == id_field), None)
    if id_src is None:
        return None
    spec = next(s for s in field_specs(model) if s.name == id_field)
    words = {squeeze(nfc(w)).lower() for w in [id_src.header, *spec.headers.spellings]}
    s = f[f"c{id_src.column}"]
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        arr = pa.array(s.array)
    else:
        arr = pa.array([v if isinstance(v, str) else None for v in s.to_numpy(dtype=object)], type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    low = pc.utf8_lower(pc.utf8_trim_whitespace(arr.cast(pa.large_string())))
    cand = np.flatnonzero(pc.is_in(low, value_set=pa.array(sorted(words), pa.large_string())).fill_null(False)
                          .to_numpy(zero_copy_only=False))
    out = np.zeros(len(f), dtype=bool)
    for i in cand:
        named = {src.field for src in raw.mapping.sources
                 if isinstance(v := f[f"c{src.column}"].iat[i], str)
                 and (hit := match_label(v, model, user)) is not None and hit[0].name == src.field}
        out[i] = len(named) >= 2
    return out


def _is_arrow_error(e: BaseException) -> bool:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover
        return False
    return isinstance(e, pa.ArrowException)


__all__ = ["EXTENSIONS", "Note", "RawTable", "expand_paths", "read_table"]
