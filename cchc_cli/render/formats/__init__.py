"""Output formats. Each one renders a ``Document`` (render/model.py) — the neutral tables,
the JSON document or the CSV rows a view built — so every format shows the same numbers.
A format only one command has (junit, github: check-targets) renders the result the view was
built from (``Document.source``) and is listed in ``ONLY_FOR``. Adding a format: a module here
and one line in ``FORMATS``.
"""

from __future__ import annotations

import io
import json
from typing import Any, Callable

COMMON = ("table", "json", "csv", "markdown", "xlsx", "html")


def _table(doc, lang: str) -> str:
    from .text import render

    buf = io.StringIO()
    render(doc.tables, buf, lang, doc.header)
    return buf.getvalue()


def _json(doc, lang: str) -> str:
    return json.dumps(doc.json, ensure_ascii=False, indent=2, default=str) + "\n"


def _csv(doc, lang: str) -> str:
    from .csv import rows_to_csv, table_rows

    return rows_to_csv(*(doc.csv if doc.csv is not None else table_rows(doc.tables[0])))


def _markdown(doc, lang: str) -> str:
    from .markdown import render

    return render(doc.tables, lang, doc.header)


def _xlsx(doc, lang: str) -> bytes:
    from .xlsx import render

    buf = io.BytesIO()
    render(doc.tables, buf, lang, doc.header, doc=doc)
    return buf.getvalue()


def _html(doc, lang: str) -> str:
    from .html import render

    return render(doc, lang)


def _junit(doc, lang: str) -> str:
    from .junit import render

    return render(doc.source, lang)


def _github(doc, lang: str) -> str:
    from .github import render

    return render(doc.source, lang)


ONLY_FOR = {"junit": ("check-targets",), "github": ("check-targets",)}

FORMATS: dict[str, Callable[[Any, str], str | bytes]] = {
    "junit": _junit, "github": _github,
    "table": _table, "json": _json, "csv": _csv, "markdown": _markdown, "xlsx": _xlsx, "html": _html,
}


def render(doc, fmt: str, lang: str) -> str | bytes:
    if fmt in ONLY_FOR and doc.command not in ONLY_FOR[fmt]:
        raise ValueError(f"format {fmt} is only for {', '.join(ONLY_FOR[fmt])}, not {doc.command}")
    return FORMATS[fmt](doc, lang)
