"""Rich tables for a terminal (plain text when piped).

A number or a name is never cut. Every column gets at least the width of its widest cell
(numbers and the group columns — unit, field, … — never wrap; long free text such as notes
may wrap between words, and a header may wrap between its words). A table wider than the
terminal is split into stacked blocks, each repeating the group columns; a block that is
still wider than the terminal (one very long name) is drawn at its own width and left to
the terminal to wrap, never squeezed. When the output is not a terminal, every table is
laid out at its full width.
"""

from __future__ import annotations

from typing import IO, Any

from ...i18n import integer, pct, t
from ..model import Pct, Styled, Table, clean_controls

# a free-text column (notes, examples) may wrap; it keeps at least this many characters
TEXT_MIN = 30
# what a column costs beyond its text: one space of padding each side and a border
_COLUMN_COST = 3


def _plain(s: str):
    """Input text as rich text: never parsed as rich markup ("[red]", "[/]" in a unit name
    is printed as it is), control characters (terminal escapes) replaced."""
    from rich.text import Text

    return Text(clean_controls(s))


STYLES = {"ok": "green", "pass": "green", "warn": "yellow", "fail": "bold red", "no_data": "dim", "muted": "dim",
          "improved": "green", "regressed": "red", "unchanged": "dim"}


def cell_text(v: Any, lang: str) -> str:
    """What a cell shows, as text."""
    if isinstance(v, Pct):
        return pct(v.value, lang=lang)
    if isinstance(v, Styled):
        return clean_controls(v.text)
    if v is None:
        return "—"
    if isinstance(v, int) and not isinstance(v, bool):
        return integer(v, lang)
    return clean_controls(str(v))


def _cell(v: Any, lang: str) -> Any:
    from rich.text import Text

    if isinstance(v, Styled):
        return Text(clean_controls(v.text), style=STYLES.get(v.style, ""))
    return Text(cell_text(v, lang))


def _len(s: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in s.splitlines()), default=0)


def _longest_word(s: str) -> int:
    return max((_len(w) for w in s.split()), default=0)


def column_widths(tb: Table, lang: str) -> tuple[list[int], list[int], list[bool], list[int]]:
    """Per column: its natural width (header on one line), its least width (the widest
    cell whole; the header may wrap between words), whether its cells may wrap, and the
    width under which a wrapping column cannot go (its longest word)."""
    natural, least, wraps, floor = [], [], [], []
    keys = min(tb.keys, len(tb.columns))
    for i, name in enumerate(tb.columns):
        texts = [cell_text(row[i], lang) for row in tb.rows if i < len(row)]
        widest = max((_len(s) for s in texts), default=0)
        free = i >= keys and i not in tb.numeric and widest > TEXT_MIN
        word = max(max((_longest_word(s) for s in texts), default=0), _longest_word(clean_controls(name)), 1)
        natural.append(max(widest, _len(clean_controls(name)), 1))
        least.append(max(TEXT_MIN, word) if free else max(widest, word))
        wraps.append(free)
        floor.append(max(word, 8) if free else least[-1])
    return natural, least, wraps, floor


def _table_width(widths: list[int]) -> int:
    return sum(w + _COLUMN_COST for w in widths) + 1


def _fit(cols: list[int], width: int, natural: list[int], least: list[int], floor: list[int]) -> list[int]:
    """Widths of a block's columns for ``width``: wrapping columns narrowed (never under
    their longest word) when the block is too wide, spare room given back to headers
    that would otherwise wrap."""
    widths = [least[i] for i in cols]
    over = _table_width(widths) - width
    for j, i in enumerate(cols):
        if over <= 0:
            break
        cut = min(over, widths[j] - floor[i])
        if cut > 0:
            widths[j] -= cut
            over -= cut
    spare = width - _table_width(widths)
    for j in sorted(range(len(cols)), key=lambda j: natural[cols[j]] - widths[j]):
        if spare <= 0:
            break
        add = min(spare, max(0, natural[cols[j]] - widths[j]))
        widths[j] += add
        spare -= add
    return widths


def blocks(tb: Table, width: int | None, lang: str) -> list[tuple[list[int], list[int]]]:
    """The column blocks a table is drawn in, with the width of each column: one block when
    it fits (or when there is no width limit), else stacked blocks each starting with the
    group columns."""
    natural, least, _, floor = column_widths(tb, lang)
    cols = list(range(len(tb.columns)))
    if width is None or _table_width(natural) <= width:
        return [(cols, natural)]
    if _table_width([floor[i] for i in cols]) <= width:
        return [(cols, _fit(cols, width, natural, least, floor))]
    keys = list(range(min(tb.keys, len(cols))))
    rest = [i for i in cols if i not in keys]
    groups: list[list[int]] = []
    current: list[int] = []
    for i in rest:
        if current and _table_width([floor[j] for j in keys + current + [i]]) > width:
            groups.append(keys + current)
            current = []
        current.append(i)
    if current or not groups:
        groups.append(keys + current)
    return [(g, _fit(g, width, natural, least, floor)) for g in groups]


def render(tables: list[Table], out: IO[str], lang: str = "vi", header: list[str] | None = None,
           terminal: bool | None = None, width: int | None = None) -> None:
    """``terminal``: lay out (and colour) for the terminal ``out`` stands for, even when
    ``out`` is a buffer (the caller writes the buffer to the terminal). ``width``: lay out
    for that many columns (no colours) — what the tests use."""
    import shutil

    from rich.table import Table as RTable

    tty = out.isatty() if terminal is None else terminal
    colour = tty and width is None
    if width is None and tty:
        width = shutil.get_terminal_size().columns
    for line in header or []:
        _console(out, max(width or 0, _len(line)), colour).print(_plain(line), highlight=False)
    for tb in tables:
        parts = blocks(tb, width, lang)
        for n, (cols, widths) in enumerate(parts, start=1):
            title = tb.title if len(parts) == 1 else f"{tb.title} ({t('text_block', lang, n=n, of=len(parts))})"
            rt = RTable(title=_plain(title), title_justify="left", show_lines=False, header_style="bold")
            for i, w in zip(cols, widths):
                # every column is at least as wide as its widest cell (a wrapping one as its
                # longest word): only a header or free text wraps, between words
                rt.add_column(_plain(tb.columns[i]), justify="right" if i in tb.numeric else "left",
                              overflow="fold", width=w)
            for row in tb.rows:
                rt.add_row(*[_cell(row[i], lang) if i < len(row) else "" for i in cols])
            need = max(_table_width(widths), _len(title))
            _console(out, max(width or 0, need), colour).print(rt)
        for note in tb.notes:
            _console(out, width or max(80, _len(note) + 2), colour).print(_plain(f"  {note}"), style="dim", highlight=False)
        _console(out, width or 80, colour).print()


def _console(out: IO[str], width: int, colour: bool):
    from rich.console import Console

    return Console(file=out, soft_wrap=False, width=width, force_terminal=colour or None,
                   color_system="auto" if colour else None, no_color=not colour, highlight=False)
