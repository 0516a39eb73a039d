"""Rich tables for a terminal (plain text when piped)."""

from __future__ import annotations

from typing import IO, Any

from ...i18n import integer, pct
from ..model import Pct, Styled, Table, clean_controls


def _plain(s: str):
    """Input text as rich text: never parsed as rich markup ("[red]", "[/]" in a unit name
    is printed as it is), control characters (terminal escapes) replaced."""
    from rich.text import Text

    return Text(clean_controls(s))


STYLES = {"ok": "green", "pass": "green", "warn": "yellow", "fail": "bold red", "no_data": "dim", "muted": "dim",
          "improved": "green", "regressed": "red", "unchanged": "dim"}


def _cell(v: Any, lang: str) -> Any:
    from rich.text import Text

    if isinstance(v, Pct):
        return pct(v.value, lang=lang)
    if isinstance(v, Styled):
        return Text(clean_controls(v.text), style=STYLES.get(v.style, ""))
    if v is None:
        return "—"
    if isinstance(v, int) and not isinstance(v, bool):
        return integer(v, lang)
    return _plain(str(v))


def render(tables: list[Table], out: IO[str], lang: str = "vi", header: list[str] | None = None,
           terminal: bool | None = None) -> None:
    """``terminal``: lay out (and colour) for the terminal ``out`` stands for, even when
    ``out`` is a buffer (the caller writes the buffer to the terminal)."""
    import shutil

    from rich.console import Console
    from rich.table import Table as RTable

    tty = out.isatty() if terminal is None else terminal
    console = Console(file=out, soft_wrap=False, width=shutil.get_terminal_size().columns if tty else 200,
                      force_terminal=tty or None, color_system="auto" if tty else None)
    for line in header or []:
        console.print(_plain(line), highlight=False)
    for tb in tables:
        rt = RTable(title=_plain(tb.title), title_justify="left", show_lines=False, header_style="bold")
        for i, c in enumerate(tb.columns):
            rt.add_column(_plain(c), justify="right" if i in tb.numeric else "left", overflow="fold", no_wrap=i in tb.numeric)
        for row in tb.rows:
            rt.add_row(*[_cell(v, lang) for v in row])
        console.print(rt)
        for n in tb.notes:
            console.print(_plain(f"  {n}"), style="dim", highlight=False)
        console.print()
