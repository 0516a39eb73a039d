"""One file in bounded blocks, for the streaming engine: ``iter_blocks`` yields
``(block index, RawTable)`` for blocks 0, 1, … of a file.

Parquet (row groups), JSON Lines (lines) and CSV are read in blocks; every other format
(XLSX, XLS, JSON, HTML: bounded by their own limits) is one block, ``read_table``'s table,
already through ``trim_tail`` (``RawTable.trimmed``). A streamed block is not: blank, totals
and footer rows are found by the caller across blocks (a "Tổng cộng" row may end the last
block, its footer below it may fill the next).

What ``read_table`` does to a file is done here to each block: the format is told by the
bytes (a "read as" note when the name says otherwise), the file is checked before it is
read, readers' failures become ``DataError``s (``_reader_errors``), each block's cells are
checked (``limits.check_table``, its row count only against a ``--max-rows`` the user set,
counted over the whole file) and fixed (``_after_reading``). File-level notes (the "read
as" note, what the file's folder held and was not read, a header spelled twice) go on
block 0 only; a table with no row is the caller's to say (``no_rows`` is left out of
streamed blocks: only the caller knows what remains after the totals rows).

``only``: just those blocks, as a full iteration gives them (the engine's second pass);
the folder notes are popped by a full iteration only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel

from ..errors import DataError
from ..schema.headers import ColumnMap
from .table import Note, RawTable

BLOCK_ROWS = 250_000
_FILE_NOTES = ("duplicate_header",)  # notes _after_reading derives from the mapping: block 0 only


def iter_blocks(path: Path, model: type[BaseModel], user: ColumnMap | None = None, sheet: str | None = None,
                block_rows: int = BLOCK_ROWS, only: set[int] | None = None,
                rows: dict | None = None) -> Iterator[tuple[int, RawTable]]:
    """``rows``: with ``only``, the row numbers wanted of each block; a format that can
    read single records (CSV) reads just those, the others read the whole block."""
    from . import _after_reading, _folder_lock, _folder_notes, _reader_errors, check_text_head, read_table
    from . import limits as lim
    from .sniff import FORMAT_NAMES, mismatch, sniff

    user = user if user is not None else ColumnMap()
    limits = lim.current()
    ext = path.suffix.lower()
    fmt = sniff(path) if path.is_file() else "text"
    told: list[Note] = []
    if mismatch(path, fmt) and fmt != "text":
        told.append(Note("read_as", {"format": FORMAT_NAMES[fmt], "ext": ext or "-"}))
    blocks = None
    if fmt == "jsonl":
        from .jsonfile import iter_jsonl_blocks

        blocks = iter_jsonl_blocks(path, model, user, block_rows, only)
    elif fmt not in ("json", "html") and ext == ".parquet":
        from .parquet import iter_parquet_blocks

        told = []  # as read_table: only JSON and HTML files carry the note
        lim.check_stream_file(path, limits)
        blocks = iter_parquet_blocks(path, model, user, block_rows, only)
    elif fmt not in ("json", "html") and ext not in (".xlsx", ".xlsm", ".xls"):
        try:
            from .csv import iter_csv_blocks  # type: ignore[attr-defined]
        except ImportError:  # the CSV block reader is not there yet: the file in one block
            iter_csv_blocks = None
        if iter_csv_blocks is not None:
            told = []
            check_text_head(path, lim.check_stream_file(path, limits))
            blocks = iter_csv_blocks(path, model, user, block_rows, only, rows=rows)
    if blocks is None:  # one block, read and trimmed as ever
        if only is None or 0 in only:
            yield 0, read_table(path, model, user, sheet)
        return

    cap = lim.stream_row_cap(limits)
    per_block = replace(limits, max_rows=2**62)  # the row cap is counted over the file, below
    seen = 0
    while True:
        with _reader_errors(path, limits):  # around each step only: nothing held while the caller works
            b, raw = next(blocks, (None, None))
        if raw is None:
            return
        seen += len(raw.frame) + len(raw.bad_rows)
        if cap is not None and only is None and seen > cap:
            raise DataError("table_too_many_rows", path=raw.path, rows=lim.Count(seen), limit=lim.Count(cap),
                            suggest=seen)
        lim.check_table(raw, per_block)
        if b == 0:
            raw.notes[:0] = told
            if only is None:
                with _folder_lock:
                    pending = _folder_notes.pop(str(path), None)
                if pending:
                    raw.notes.extend(pending)
        raw = _after_reading(raw, user)
        raw.notes = [n for n in raw.notes if n.code != "no_rows" and (b == 0 or n.code not in _FILE_NOTES)]
        yield b, raw


__all__ = ["BLOCK_ROWS", "iter_blocks"]
