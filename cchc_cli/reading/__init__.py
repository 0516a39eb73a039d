"""Reading exports: files and directories in, ``RawTable`` out (mapped columns only)."""

from __future__ import annotations

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
        elif p.exists():
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
    user = user if user is not None else ColumnMap()
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm", ".xls"):
        from .excel import read_excel

        return read_excel(path, model, user, sheet)
    if ext == ".parquet":
        from .parquet import read_parquet

        return read_parquet(path, model, user)
    from .csv import read_csv

    return read_csv(path, model, user)


__all__ = ["EXTENSIONS", "Note", "RawTable", "expand_paths", "read_table"]
