"""Text normalisation shared by header matching and value vocabularies."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: object) -> str:
    """Matching key: NFC, case-folded, diacritics removed (đ → d), spaces and punctuation
    collapsed. "Ngày tiếp nhận", "NGÀY TIẾP NHẬN" and "ngay_tiep_nhan" give the same key."""
    if text is None:
        return ""
    return _fold(text if isinstance(text, str) else str(text))


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    s = unicodedata.normalize("NFD", _INVISIBLE.sub("", text).casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("đ", "d").replace("ð", "d")
    return _NON_ALNUM.sub(" ", s).strip()


# Whitespace as both Python's re and RE2 (pyarrow) see it: a character class built from
# literal characters (RE2 has no \u escapes), so scalar and vector forms agree.
_WS_CHARS = (
    " \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
WS_CLASS = "[" + _WS_CHARS + "]"
_WS_RUN = re.compile(WS_CLASS + "+")
_WS_EDGES = re.compile("^" + WS_CLASS + "+|" + WS_CLASS + "+$")


def squeeze(s: str) -> str:
    """Runs of whitespace to one space, trimmed."""
    return _WS_RUN.sub(" ", s).strip(" ")


def trim(s: str) -> str:
    return _WS_EDGES.sub("", s)
# whitespace other than the plain space, for "does this value need squeezing at all?"
WS_OTHER_CLASS = "[" + _WS_CHARS.replace(" ", "") + "]"


# Characters that print as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen,
# bidi marks and embeddings/overrides/isolates (LRM, RLM, ALM, LRE…PDF, LRI…PDI), invisible
# operators, the combining grapheme joiner, interlinear annotation marks. Two unit names
# that differ only by these are the same unit: they are removed from keys and ids (and the
# removal is counted and reported). Listed as literal characters, so that Python's re and
# RE2 (pyarrow) read the same class.
INVISIBLE_CHARS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    + "".join(chr(c) for c in range(0x200B, 0x2010))  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    + "".join(chr(c) for c in range(0x202A, 0x202F))  # LRE, RLE, PDF, LRO, RLO
    + "".join(chr(c) for c in range(0x2060, 0x2065))  # WJ, invisible operators
    + "".join(chr(c) for c in range(0x2066, 0x2070))  # LRI, RLI, FSI, PDI, deprecated formats
    + "\u3164\ufeff\uffa0\ufff9\ufffa\ufffb"
)
INVISIBLE_CLASS = "[" + INVISIBLE_CHARS + "]"
_INVISIBLE = re.compile(INVISIBLE_CLASS)


def strip_invisible(text: str) -> tuple[str, int]:
    """``text`` without invisible and bidi control characters, and how many were removed."""
    out, n = _INVISIBLE.subn("", text)
    return out, n


def clean_key(text: str) -> tuple[str, int]:
    """A value used for grouping and matching (unit, field, procedure, level, id): NFC with
    invisible characters removed; the count of removed characters with it."""
    out, n = strip_invisible(text)
    return nfc(out), n
