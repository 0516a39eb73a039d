"""The message catalogue: every text shown to people, one module per language.

``vi.py`` (the default) and ``en.py`` map the same keys to their wording; a test fails
when a key or a placeholder is missing from either. Keys are grouped by prefix:

- ``error.<code>`` / ``error.<code>.hint``: errors the core raises (``errors.CchcError``
  carries the code and its parameters; the CLI words it here, in the chosen language);
- ``kpi.<code>.label`` / ``.short`` / ``.action``: a KPI's names and target action;
- plain keys: table headings, notes, problem codes, counts of the report form.

``Msg`` is a message not yet worded (a code and parameters); a parameter that is itself a
``Msg`` is worded in the same language first, so "did you mean …" parts nest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any

LANGS = ("vi", "en")


def default_lang() -> str:
    """``CCHC_LANG`` when it names a language cchc speaks, else Vietnamese."""
    lang = os.environ.get("CCHC_LANG", "vi")
    return lang if lang in LANGS else "vi"


@cache
def catalogue(lang: str) -> dict[str, str]:
    return import_module(f"{__name__}.{lang if lang in LANGS else 'vi'}").MESSAGES


@dataclass(frozen=True)
class Msg:
    """A message to be worded at the edge: a catalogue key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)


def msg(key: str, /, **params: Any) -> Msg:
    return Msg(key, params)


@dataclass(frozen=True)
class Joined:
    """Several parts (``Msg`` or plain values) worded in one language and joined by
    ``sep``: the list of problems of one file, one per line."""

    parts: tuple
    sep: str = "\n"

    def text(self, lang: str | None = None) -> str:
        return self.sep.join(p.text(lang) if isinstance(p, (Msg, Joined)) else str(p) for p in self.parts)


def joined(parts, sep: str = "\n") -> Joined:
    return Joined(tuple(parts), sep)


def has(key: str, lang: str = "vi") -> bool:
    return key in catalogue(lang)


def t(key: str, lang: str | None = None, /, **params: Any) -> str:
    """The wording of ``key`` in ``lang`` with ``params`` filled in. A missing key is
    returned as it is (the catalogue test makes that a failing test, never a silent gap)."""
    lang = lang or default_lang()
    text = catalogue(lang).get(key)
    if text is None:
        return key
    if not params and "{" not in text:
        return text
    words = {k: (v.text(lang) if isinstance(v, (Msg, Joined)) else v) for k, v in params.items()}
    try:
        return text.format(**words)
    except (KeyError, IndexError):
        return text


def note_text(code: str, params: dict, lang: str) -> str:
    return t(code, lang, **params)


def pct(value: float | None, digits: int = 2, lang: str = "vi") -> str:
    if value is None:
        return "—"
    s = f"{value * 100:.{digits}f}%"
    return s.replace(".", ",") if lang == "vi" else s


def number(value: float, digits: int = 2, lang: str = "vi") -> str:
    s = f"{value:.{digits}f}"
    return s.replace(".", ",") if lang == "vi" else s


def integer(value: int, lang: str = "vi") -> str:
    """A count with thousands grouped as the language writes them: 28.634 / 28,634."""
    s = f"{value:,}"
    return s.replace(",", ".") if lang == "vi" else s
