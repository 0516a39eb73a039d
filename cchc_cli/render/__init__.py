"""Outputs. A view per command (``views/``) turns a result into a neutral ``Document``;
a format (``formats/``) renders the document; ``output.py`` writes it, atomically, to a file
or to stdout. No renderer computes anything, so every format shows the same numbers.

    path → reading → loading → kpis → results → views → formats → output
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable


def emit(doc, fmt: str, output: Path | None, lang: str, inputs: Iterable[Path] = ()) -> None:
    """Render ``doc`` in ``fmt`` and write it; the verdict line (if any) always goes to stderr."""
    from .output import stdout_errors, write

    if fmt == "table" and output is None:  # laid out for the terminal's width when stdout is one
        import io

        from .formats.text import render

        buf = io.StringIO()
        render(doc.tables, buf, lang, doc.header, terminal=sys.stdout.isatty())
        with stdout_errors():  # a reader that went away (| head) ends the output quietly
            sys.stdout.write(buf.getvalue())
            sys.stdout.flush()
    else:
        from .formats import render

        write(render(doc, fmt, lang), output, inputs)
    if doc.verdict:
        sys.stderr.write(doc.verdict + "\n")
