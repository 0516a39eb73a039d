"""The child side of ``reading.isolated``: parse one workbook with python-calamine in a
process of its own, so that whatever the file does to the parser (a Rust panic, an abort, an
allocation of gigabytes, a loop) ends this process and never cchc.

Run as ``python -I -S _calamine_child.py SITE_DIR PATH MEMORY_BYTES CPU_SECONDS [SHEET]``:
a fresh interpreter, no user site, no ``site`` at all (``SITE_DIR`` is where python-calamine
is installed), importing nothing of cchc, pandas or pyarrow. It limits its own address space
(``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``) before it opens the file, then writes a
sequence of pickles to stdout:

    ("names", [sheet names])
    ("sheet", name, merged ranges or None)      then, for that sheet,
    ("rows", [row, ...])                        blocks of rows, each a list of cells
    ("end",)                                    all read
    ("error", "password" | "broken" | "panic" | "memory", <exception type name>)

Rows go out in blocks as they are converted, so the parent turns one block into objects
while the child converts the next. Cells keep their Python types (str, float, int, bool,
datetime, date, time, timedelta). No error message is sent: calamine's messages may quote
the sheet's XML (cell text).
"""

import sys

BLOCK = 1024  # rows per pickle: with a 1 MB pipe, the child stays a block or two ahead


def _limit(memory: int, cpu: int) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the parent's timer is the only limit
        return

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file behind
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _send(out, pickle, msg) -> None:
    p = pickle.Pickler(out, protocol=5)
    p.fast = True  # no memo: the cells are a tree, never a cycle
    p.dump(msg)


def _read(path: str, sheet, out, pickle) -> None:
    import itertools

    import python_calamine as cal

    try:
        wb = cal.CalamineWorkbook.from_path(path)
        names = list(wb.sheet_names)
        _send(out, pickle, ("names", names))
        for name in names if sheet is None else [n for n in names if n == sheet]:
            ws = wb.get_sheet_by_name(name)
            try:
                merged = ws.merged_cell_ranges
            except Exception:  # xls without merge info
                merged = None
            _send(out, pickle, ("sheet", name, merged))
            # iter_rows() numbers rows from 1 but columns from the first one used:
            # to_python(skip_empty_area=False) lays the sheet out from A1, and so does this
            start = ws.start
            pad = [""] * start[1] if start else []
            rows = ws.iter_rows()
            while True:
                block = list(itertools.islice(rows, BLOCK))
                if not block:
                    break
                if pad:
                    block = [pad + r for r in block]
                _send(out, pickle, ("rows", block))
            del rows, ws
        _send(out, pickle, ("end",))
    except MemoryError:
        _send(out, pickle, ("error", "memory", "MemoryError"))
    except cal.PasswordError as e:
        _send(out, pickle, ("error", "password", type(e).__name__))
    except Exception as e:  # calamine raises several types for broken files
        _send(out, pickle, ("error", "broken", type(e).__name__))
    except BaseException as e:  # pyo3's PanicException derives from BaseException
        if type(e).__name__ != "PanicException":
            raise
        _send(out, pickle, ("error", "panic", "PanicException"))


def main(argv) -> int:
    site, path, memory, cpu = argv[1], argv[2], int(argv[3]), int(argv[4])
    sheet = argv[5] if len(argv) > 5 else None
    if site:
        sys.path.insert(0, site)
    _limit(memory, cpu)
    import gc
    import pickle

    gc.disable()  # cells and rows never form a cycle: no collector passes over a million of them

    out = sys.stdout.buffer
    _read(path, sheet, out, pickle)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
