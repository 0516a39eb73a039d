"""Text normalisation for grouping and matching (issue 12): invisible and bidi control
characters removed (and counted), NFC; header matching ignores them too."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cchc_cli.schema.text import INVISIBLE_CHARS, clean_key, fold, strip_invisible

NAMED = {
    "\u200b": "zero-width space", "\u200c": "zero-width non-joiner", "\u200d": "zero-width joiner",
    "\u2060": "word joiner", "\ufeff": "BOM", "\u00ad": "soft hyphen", "\u200e": "LRM", "\u200f": "RLM",
    "\u061c": "ALM", "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
}


@pytest.mark.parametrize("ch", list(NAMED), ids=list(NAMED.values()))
def test_each_invisible_character_is_removed_and_counted(ch):
    assert ch in INVISIBLE_CHARS
    assert strip_invisible(f"UBND{ch} phường{ch}{ch} Lê Bình") == ("UBND phường Lê Bình", 3)


def test_clean_key_composes_after_removing():
    decomposed = unicodedata.normalize("NFD", "Sở Tư pháp")
    assert clean_key("\u200b" + decomposed) == ("Sở Tư pháp", 1)


def test_visible_text_is_left_alone():
    for s in ["UBND quận Cái Răng", "Công an phường An Khánh", "A-B/C (1)", "Hộ tịch – Chứng thực", ""]:
        assert strip_invisible(s) == (s, 0)


def test_header_matching_ignores_invisible_characters():
    assert fold("Mã\u200b hồ\u00ad sơ\u200e") == fold("Mã hồ sơ")
    assert fold("Ngày tiếp\u2060nhận") in (fold("Ngày tiếpnhận"), fold("Ngày tiếp nhận"))


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(st.text(st.sampled_from("ABCabcđĐăâêôơưàáạ ,.-") | st.sampled_from(list(INVISIBLE_CHARS)), max_size=30))
def test_removal_leaves_no_invisible_character_and_is_idempotent(s):
    out, n = strip_invisible(s)
    assert not any(c in INVISIBLE_CHARS for c in out)
    assert n == sum(c in INVISIBLE_CHARS for c in s)
    assert strip_invisible(out) == (out, 0)


def test_reading_messages_are_worded_in_both_languages_with_the_same_placeholders():
    """The catalogue block "reading: csv, layout, folders, text" (issue 12)."""
    import string

    from cchc_cli.i18n import en, vi

    def block(mod) -> dict[str, str]:
        src = open(mod.__file__, encoding="utf-8").read()
        start = src.index("# --- reading: csv, layout, folders, text ---")
        end = src.find("    # --- ", start + 10)  # the next block of the catalogue, if any
        part = src[start:end if end > 0 else None]
        keys = [k for k in mod.MESSAGES if f"'{k}'" in part or f'"{k}"' in part]
        return {k: mod.MESSAGES[k] for k in keys}

    v, e = block(vi), block(en)
    assert v.keys() == e.keys() and len(v) >= 30

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f}

    for k in v:
        assert fields(v[k]) == fields(e[k]), k
        if k.endswith(".hint"):
            assert fields(v[k]) <= fields(v[k[: -len(".hint")]]), k
