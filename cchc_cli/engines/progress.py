"""Progress of a long run on stderr: files read, bytes, rows — a rich progress bar on a
terminal, nothing when stderr is not a terminal or with ``--quiet`` (cli.md: progress and
notes go to stderr, progress bars only on a terminal)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


REFRESH_S = 0.1


class FileProgress:
    """Called with each file as it is read (``on_file`` of ``api.compute``); shows
    "file i of n", the bytes read so far out of the total and the rows when known. Use as
    a context manager: the bar is removed at the end."""

    def __init__(self, paths: list[Any], lang: str, console=None):
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

        self.lang = lang
        self.done_bytes = 0
        self.current: str | None = None
        self.count = 0
        self.shown = 0.0  # when the bar was last drawn
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                 TimeElapsedColumn(), console=console or Console(stderr=True),
                                 transient=True, auto_refresh=False)
        self.task = self.progress.add_task("", total=None)
        self.set_paths(paths)

    def set_paths(self, paths: list[Any]) -> None:
        """The inputs of the run: their files and sizes make the bar's total."""
        from ..reading import expand_paths

        try:
            self.files = [Path(f) for f in expand_paths([p for p in paths if p is not None])] if paths else []
        except Exception:  # the run itself reports a missing path, in its words
            self.files = []
        self.sizes = {str(f): _size(f) for f in self.files}
        self.progress.update(self.task, total=sum(self.sizes.values()) or None)

    def __enter__(self) -> "FileProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def __call__(self, path: Path) -> None:
        from ..i18n import t

        if self.current is not None:
            self.done_bytes += self.sizes.get(self.current, 0)
        self.current = str(path)
        self.count += 1
        total = len(self.files) or self.count
        self.progress.update(self.task, completed=self.done_bytes,
                             description=t("progress.file", self.lang, i=self.count, n=total, name=Path(path).name))
        now = time.monotonic()
        if now - self.shown >= REFRESH_S:  # many small files: a few lines a second, not one per file
            self.shown = now
            self.progress.refresh()

    def rows(self, n: int) -> None:
        from ..i18n import t

        self.progress.update(self.task, description=t("progress.rows", self.lang, rows=n))
        self.progress.refresh()


def _size(f: Path) -> int:
    try:
        return os.stat(f).st_size
    except OSError:
        return 0


class _Silent:
    def __enter__(self):
        return None

    def __exit__(self, *exc) -> None:
        return None


def progress_for(paths: list[Any], lang: str, quiet: bool = False, stream=None):
    """A ``FileProgress`` on a terminal without ``--quiet``; else a context giving None."""
    stream = stream if stream is not None else sys.stderr
    if quiet or not stream.isatty():
        return _Silent()
    return FileProgress(paths, lang)
