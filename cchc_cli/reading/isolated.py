"""python-calamine is untrusted code: it runs in a child process (``_calamine_child.py``).

A workbook can crash a spreadsheet parser in ways Python cannot catch: a Rust panic
(pyo3's ``PanicException`` derives from ``BaseException``), an abort on a failed allocation
(SIGABRT), gigabytes asked for by a cell typed far from A1, a loop. So cchc never parses a
workbook in its own process. ``read_workbook`` starts a fresh interpreter (``python -I -S``,
``subprocess``: fork and exec at once, safe with pyarrow's threads running) that imports
only python-calamine, limits its own address space and CPU time, and streams the sheets
back as pickled blocks of rows, which the parent unpickles — allowing no class but the four
of ``datetime`` — while the child converts the next block. Whatever ends the child early —
a signal, a panic, a MemoryError, the time limit — becomes a ``DataError`` (exit 3) naming
the file. The child's stderr is kept (bounded) only to tell an allocation failure from
another abort; it is never shown, as a parser's message may quote the file.

The limits come from what the file's own metadata says the parse needs (``limits.inspect_
workbook``): an address space of a few times the estimate, at least ``MIN_MEMORY``; a time
of ``limits.parse_seconds`` plus some per MB of file.
"""

from __future__ import annotations

import datetime as _dt
import gc
import io
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError

CHILD = Path(__file__).with_name("_calamine_child.py")
PIPE_SIZE = 1 << 20
MIN_MEMORY = 1 << 30  # address space the child always has: the interpreter, calamine, a small workbook
_ALLOWED = {("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta")}


@dataclass
class Workbook:
    """What the child read: the sheet names in order and, for the sheets read, the grid
    (rows of cells laid out from A1, as ``to_python(skip_empty_area=False)`` gives) and the
    merged ranges."""

    names: list[str]
    grids: dict[str, list[list]] = field(default_factory=dict)
    merged: dict[str, list | None] = field(default_factory=dict)
    # the same cells a column at a time (``columns[name][j]``: column j from row 1), built
    # block by block while the child parses the next; absent when a sheet's rows differ in
    # length (never from calamine, whose rows all span the sheet)
    columns: dict[str, list[list]] = field(default_factory=dict)


class _Cells(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return getattr(_dt, name)
        raise pickle.UnpicklingError(f"{module}.{name} not allowed")


def _site_dir() -> str:
    import importlib.util

    spec = importlib.util.find_spec("python_calamine")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.dirname(list(spec.submodule_search_locations)[0])


def read_workbook(path: Path, memory: int, seconds: float, sheet: str | None = None) -> Workbook:
    """Every sheet of ``path`` (or only ``sheet``), parsed in a child process limited to
    ``memory`` bytes of address space and ``seconds`` of time. Raises ``DataError``."""
    p = str(path)
    memory = max(int(memory), MIN_MEMORY)
    cmd = [sys.executable, "-I", "-S", str(CHILD), _site_dir(), os.path.abspath(p), str(memory),
           str(max(int(seconds), 1))]
    if sheet is not None:
        cmd.append(sheet)
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                    close_fds=True, bufsize=1 << 20)
        except OSError as e:  # pragma: no cover - no interpreter, no processes left
            raise DataError("xlsx_parser_start", path=p, reason=e.strerror or type(e).__name__) from None
        _widen_pipe(proc.stdout)
        timed_out = threading.Event()

        def _kill():
            timed_out.set()
            proc.kill()

        timer = threading.Timer(seconds, _kill)
        timer.daemon = True
        timer.start()
        wb: Workbook | None = None
        error: tuple | None = None
        collecting = gc.isenabled()
        gc.disable()  # unpickled cells form no cycle: no collector passes while they pile up
        try:
            wb, error = _receive(proc.stdout)
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError, IndexError, AttributeError, OSError):
            wb = error = None  # the child died mid-stream, or wrote something else: judged below
        except MemoryError:
            proc.kill()
            wb, error = None, ("memory", "MemoryError")
        except BaseException:
            proc.kill()
            raise
        finally:
            if collecting:
                gc.enable()
            timer.cancel()
            try:
                proc.stdout.close()
            except OSError:  # pragma: no cover
                pass
            try:  # the child has ended or is ending: its output is over
                rc = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # alive with nothing more to say
                proc.kill()
                rc = proc.wait()
        if wb is not None and error is None:  # everything up to "end" arrived: complete, whatever came after
            return wb
        err.seek(0, io.SEEK_END)
        err.seek(max(0, err.tell() - 4096))
        tail = err.read()
    raise _failure(p, rc, error, timed_out.is_set(), tail, memory, seconds)


def _widen_pipe(stream) -> None:
    """A pipe of 1 MB (Linux; 64 KB otherwise): the child converts and pickles the next
    block of rows while this process unpickles the last, instead of waiting for it."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except (ImportError, OSError):
        pass


def _receive(stream) -> tuple[Workbook | None, tuple | None]:
    wb: Workbook | None = None
    rows: list | None = None
    cols: list[list] | None = None
    name = None
    while True:
        msg = _Cells(stream).load()
        kind = msg[0]
        if kind == "rows" and rows is not None:
            block = msg[1]
            rows.extend(block)
            if cols is not None:
                cols = _add_columns(cols, block, len(rows) - len(block))
                if cols is None:
                    del wb.columns[name]
                else:
                    wb.columns[name] = cols
        elif kind == "names" and wb is None:
            wb = Workbook([str(n) for n in msg[1]])
        elif kind == "sheet" and wb is not None:
            name = msg[1]
            rows = wb.grids[name] = []
            cols = wb.columns[name] = []
            wb.merged[name] = msg[2]
        elif kind == "end" and wb is not None:
            return wb, None
        elif kind == "error":
            return None, (str(msg[1]), str(msg[2]))
        else:
            raise pickle.UnpicklingError("unexpected message")


def _add_columns(cols: list[list], block: list, before: int) -> list[list] | None:
    """``cols`` with the rows of ``block`` added a column at a time (``before`` rows came
    earlier); None when the rows are not all of one width (the grid alone is then used)."""
    if not block:
        return cols
    width = len(block[0])
    if any(len(r) != width for r in block) or (before and len(cols) != width):
        return None
    if not before:
        cols = [[] for _ in range(width)]
    for c, values in zip(cols, zip(*block)):
        c.extend(values)
    return cols


def _failure(p: str, rc: int, error: tuple | None, timed_out: bool, stderr: bytes, memory: int,
             seconds: float) -> DataError:
    mb = max(1, memory >> 20)
    if timed_out:
        return DataError("xlsx_parser_timeout", path=p, seconds=int(seconds))
    if error is not None:
        what, typ = error
        if what == "password":
            return DataError("xlsx_password", path=p)
        if what == "memory":
            return DataError("xlsx_parser_memory", path=p, mb=mb)
        if what == "panic":
            return DataError("xlsx_parser_panic", path=p)
        return DataError("xlsx_broken", path=p, type=typ)
    if rc < 0:
        sig = -rc
        if b"memory allocation of" in stderr or b"MemoryError" in stderr or sig == getattr(signal, "SIGKILL", None):
            return DataError("xlsx_parser_memory", path=p, mb=mb)
        if sig == getattr(signal, "SIGXCPU", None):
            return DataError("xlsx_parser_timeout", path=p, seconds=int(seconds))
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return DataError("xlsx_parser_crashed", path=p, signal=name)
    if b"MemoryError" in stderr:
        return DataError("xlsx_parser_memory", path=p, mb=mb)
    return DataError("xlsx_parser_crashed", path=p, signal=f"exit {rc}")
