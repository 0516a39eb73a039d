"""Writing a result: to stdout, or to ``--output``.

A regular file is written atomically: a temporary file in the same folder, then a rename,
so a reader never sees half a report and an interrupted run (Ctrl-C, SIGTERM, SIGHUP, a
full disk) leaves the old file as it was and no temporary file behind. A device, a FIFO or
a socket (``/dev/null``, ``/dev/stdout``, a named pipe) is written as a stream and never
replaced. ``--output`` is never one of the inputs.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from ..errors import CchcError, ConfigError, OutputError


def write(data: str | bytes, output: Path | None, inputs: Iterable[Path] = ()) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is None:
        if isinstance(data, bytes) and sys.stdout.isatty():
            raise ConfigError("binary_to_terminal")
        with stdout_errors():
            sys.stdout.buffer.write(raw)
            sys.stdout.flush()
        return
    if _is_stream(Path(output)):  # /dev/null, /dev/stdout, a FIFO: streamed, never replaced
        _write_stream(raw, Path(output), output)
        return
    target = check_output(output, inputs)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".cchc-", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise OutputError("output_unwritable", path=str(output), reason=e.strerror or type(e).__name__) from None
    finally:  # an error, Ctrl-C or a termination signal: the temporary file goes, the target is untouched
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _is_stream(target: Path) -> bool:
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_stream(raw: bytes, target: Path, output: Path) -> None:
    try:
        with open(target, "wb") as fh:
            fh.write(raw)
    except BrokenPipeError:
        return  # the reader went away: nothing more to say
    except OSError as e:
        raise OutputError("output_unwritable", path=str(output), reason=e.strerror or type(e).__name__) from None


def check_output(output: Path, inputs: Iterable[Path] = ()) -> Path:
    """The resolved target of ``--output``, refused (exit 2) when it is one of the inputs —
    by name, through a symbolic link, a hard link, or inside an input folder — or a folder,
    or in a folder that does not exist. Checked before anything is computed, and again
    before writing."""
    if _is_stream(Path(output)):  # a device or a FIFO is written as a stream: never an input
        return Path(output)
    try:
        target = Path(os.path.abspath(output)).resolve()
    except (OSError, RuntimeError) as e:
        raise OutputError("output_unwritable", path=str(output), reason=getattr(e, "strerror", None) or type(e).__name__) from None
    same = _same_file(target)
    for p in inputs:
        p = Path(p)
        if p.is_dir():  # the files a run would read there (cchc's own reports are not among them)
            from ..reading import expand_paths

            try:
                hit = any(same(f) for f in expand_paths([p]))
            except CchcError:  # nothing readable in it: nothing to overwrite
                hit = False
        else:
            hit = same(p)
        if hit:
            raise OutputError("output_is_input", path=str(output), input=str(p))
    if target.is_dir():
        raise OutputError("output_is_folder", path=str(output))
    if not target.parent.is_dir():
        raise OutputError("output_folder_missing", path=str(output), folder=str(target.parent))
    return target


def _same_file(target: Path):
    try:
        st = target.stat()
        key = (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None
    except OSError:
        key = None

    def same(p: Path) -> bool:
        try:
            if p.resolve() == target:
                return True
            if key is None:
                return False
            s = p.stat()
            return (s.st_dev, s.st_ino) == key
        except OSError:
            return False

    return same


def _mode(target: Path) -> int:
    """The mode of the file being replaced, or what the umask gives a new file (mkstemp
    creates 0600)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def stdout_errors():
    """Writing to stdout: a reader that went away (``| head``) ends the output quietly and
    the command keeps its exit code; a full disk or an I/O error is an OutputError."""
    try:
        yield
    except BrokenPipeError:
        stdout_gone()
    except OSError as e:
        stdout_gone()
        raise OutputError("stdout_unwritable", reason=e.strerror or type(e).__name__) from None


def stdout_gone() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to do
        pass
