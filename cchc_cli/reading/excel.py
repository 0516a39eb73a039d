"""XLSX/XLS through python-calamine: cells keep their types (native dates stay dates,
numbers stay numbers), merged header cells are known, row numbers are the sheet's own."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap, map_headers
from .layout import find_layout, no_header_hint
from .table import Note, RawTable, col, kept_positions, trim_tail


# The workbook most recently opened (kind detection opens it, the reader reads it next):
# one entry per thread, so memory stays bounded and diff's two reading threads never
# share a calamine workbook (which refuses concurrent use); dropped once read.
_LOCAL = threading.local()


def _last() -> dict[tuple, dict]:
    if not hasattr(_LOCAL, "last"):
        _LOCAL.last = {}
    return _LOCAL.last


def _key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def open_workbook(path: Path) -> dict:
    """The checked, opened workbook of ``path`` (safety checks run once per file):
    ``{"wb": CalamineWorkbook, "sheets": {name: CalamineSheet}}``."""
    import python_calamine as cal

    from .limits import check_file_size, check_xlsx

    k = _key(path)
    last = _last()
    entry = last.get(k)
    if entry is None:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            check_xlsx(path)  # a zip bomb never reaches calamine
        else:
            check_file_size(path)
        entry = {"wb": cal.CalamineWorkbook.from_path(str(path)), "sheets": {}}
        last.clear()
        last[k] = entry
    return entry


def sheet_of(entry: dict, name: str):
    ws = entry["sheets"].get(name)
    if ws is None:
        ws = entry["sheets"][name] = entry["wb"].get_sheet_by_name(name)
    return ws


def forget(path: Path) -> None:
    _last().clear()


def read_excel(path: Path, model: type[BaseModel], user: ColumnMap, sheet: str | None = None) -> RawTable:
    import python_calamine as cal

    p = str(path)
    try:
        entry = open_workbook(path)
        wb = entry["wb"]
    except DataError:  # the safety checks' own message (size, bomb, cell references)
        raise
    except cal.PasswordError:
        raise DataError(f"{p}: tệp Excel có mật khẩu, không đọc được.",
                        hint="Mở tệp, bỏ mật khẩu và lưu lại rồi chạy lại.") from None
    except FileNotFoundError:
        raise DataError(f"{p}: không tìm thấy tệp.") from None
    except Exception as e:  # calamine raises several types for broken files; its messages
        # may quote the sheet's XML (cell text), so only the type is shown
        raise DataError(f"{p}: tệp Excel bị hỏng hoặc không đúng định dạng ({type(e).__name__}).",
                        hint="Mở tệp bằng Excel và lưu lại dưới dạng XLSX.") from None
    names = wb.sheet_names
    if sheet is not None:
        chosen = [sheet] if sheet in names else (
            [names[int(sheet) - 1]] if sheet.isdigit() and 0 < int(sheet) <= len(names) else None
        )
        if not chosen:
            raise DataError(f"{p}: không có trang tính '{sheet}'. Các trang: {', '.join(names)}.",
                            hint="Dùng --sheet với tên hoặc số thứ tự (1, 2, …) của trang tính có bảng hồ sơ.")
    else:
        chosen = names
    for name in chosen:
        try:
            ws = sheet_of(entry, name)
            grid = ws.to_python(skip_empty_area=False)
        except Exception as e:
            raise DataError(f"{p}: không đọc được trang tính '{name}' ({type(e).__name__}): tệp bị hỏng.",
                            hint="Mở tệp bằng Excel và lưu lại dưới dạng XLSX.") from None
        if not grid:
            continue
        try:
            merged = ws.merged_cell_ranges
        except Exception:  # pragma: no cover - xls without merge info
            merged = None
        layout = find_layout(grid, model, user, merged)
        if layout is None:
            continue
        mapping = map_headers(layout.candidates, model, user)
        keep = kept_positions(mapping)
        body = grid[layout.data_start :]
        data = {}
        for i in keep:
            data[col(i)] = pd.Series([r[i] if i < len(r) else None for r in body], dtype=object)
        frame = pd.DataFrame(data)
        rows = np.arange(len(body), dtype=np.int64) + layout.data_start + 1
        notes = [Note("sheet", {"sheet": name})] if len(names) > 1 else []
        raw = RawTable(p, frame, rows, layout, mapping, notes, sheet=name)
        forget(path)  # the parsed sheet is no longer needed
        return trim_tail(raw)
    where = f"trang tính '{sheet}'" if sheet else f"các trang tính ({', '.join(names)})"
    raise DataError(f"{p}: không tìm thấy dòng tiêu đề của bảng trong {where}.", hint=no_header_hint(model))
