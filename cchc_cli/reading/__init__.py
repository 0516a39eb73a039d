"""Reading exports: files and directories in, ``RawTable`` out (mapped columns only)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap
from .table import Note, RawTable

EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given; a directory gives every export file in it and its sub-folders,
    sorted by path (temporary Excel lock files "~$…" and hidden files skipped)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in EXTENSIONS and not f.name.startswith(("~$", "."))
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise DataError(f"{p}: thư mục không có tệp xuất dữ liệu nào (.csv, .xlsx, .xls, .parquet).")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        elif p.exists() or p.is_symlink():
            from .limits import check_regular_file

            check_regular_file(p)  # a device, a pipe, a broken link: says which
            out.append(p)
        else:
            raise DataError(f"{p}: không tìm thấy tệp hoặc thư mục.")
    seen: set[Path] = set()
    unique = []
    for f in out:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def read_table(path: Path, model: type[BaseModel], user: ColumnMap | None = None, sheet: str | None = None) -> RawTable:
    """Read one file into a ``RawTable``. The file's size (and, for an XLSX, the size of its
    zip members once decompressed) is checked against ``limits.current()`` before the file is
    read; the table's kept cells and rows after. Errors of the underlying readers (csv,
    pyarrow, zip) become ``DataError``s naming the file, never echoing a cell."""
    from . import limits as lim

    user = user if user is not None else ColumnMap()
    limits = lim.current()
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        lim.check_xlsx(path, limits)
    elif ext in (".xls", ".parquet"):
        lim.check_file_size(path, limits)
    else:
        size = lim.check_file_size(path, limits)
        from .csv import HEAD_BYTES

        try:
            with open(path, "rb") as fh:
                head = fh.read(HEAD_BYTES)
        except OSError as e:
            raise DataError(f"{path}: không đọc được tệp ({e.strerror or type(e).__name__}).") from None
        lim.check_text_file(path, head, size)
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
    lim.check_table(raw, limits)
    return _after_reading(raw, user)


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

    p = str(path)
    try:
        with _csv_field_limit(max(int(limits.max_cell_chars), 1)):
            yield
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            n = f"{int(limits.max_cell_chars):,}".replace(",", ".")
            raise DataError(
                f"{p}: có ô dài hơn {n} ký tự (một ô Excel chứa tối đa 32.767 ký tự). Thường do một dấu ngoặc "
                "kép (\") không được đóng, làm các dòng sau dồn vào một ô.",
                hint="Mở tệp, tìm ô có dấu ngoặc kép thừa và sửa (hoặc xuất lại tệp); nếu ô dài đó là đúng, "
                "tăng giới hạn bằng --max-cell-chars.",
            ) from None
        raise DataError(f"{p}: tệp CSV sai định dạng (dấu ngoặc kép hoặc dấu phân cách không hợp lệ).",
                        hint="Mở tệp bằng Excel và lưu lại dưới dạng CSV UTF-8.") from None
    except UnicodeError:
        raise DataError(f"{p}: không đọc được bảng mã của tệp (không phải UTF-8, UTF-16 hay Windows-1258).",
                        hint="Mở tệp bằng Excel và lưu lại dưới dạng CSV UTF-8.") from None
    except MemoryError:
        raise DataError(f"{p}: không đủ bộ nhớ để đọc tệp.",
                        hint="Chia tệp theo tháng hoặc đơn vị, hoặc dùng máy có nhiều bộ nhớ hơn.") from None
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise DataError(f"{p}: không tìm thấy tệp (có thể đã bị xóa hoặc di chuyển trong lúc chạy).") from None
        raise DataError(f"{p}: không đọc được tệp ({e.strerror or type(e).__name__}).",
                        hint="Kiểm tra quyền đọc tệp và ổ đĩa chứa tệp.") from None
    except DataError:
        raise
    except Exception as e:
        if _is_arrow_error(e):  # pyarrow's messages quote the rows: never shown
            raise DataError(f"{p}: tệp bị hỏng hoặc sai định dạng, không đọc được ({type(e).__name__}).",
                            hint="Xuất lại tệp từ phần mềm một cửa.") from None
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
