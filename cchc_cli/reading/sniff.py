"""What a file really is, from its first bytes — never from its name.

One-stop systems name what they write freely: an HTML table saved as ".xls" (the
"Danh sách hồ sơ" download of provincial DVC systems), a REST dump saved as ".txt", a
workbook renamed ".csv". ``sniff`` looks at the bytes and says which reader fits:

``xlsx`` (a zip with ``xl/``), ``xls`` (an OLE2 compound file: BIFF8), ``parquet``,
``json`` (an object or array), ``jsonl`` (one object per line), ``html`` (a page with
a ``<table>``), ``pdf``, ``image``, ``zip`` (another archive), ``binary`` (NUL bytes that
are not UTF-16) and ``text`` (everything else: the CSV reader's).
"""

from __future__ import annotations

import re
from pathlib import Path

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD = 64 * 1024

# How each format is named to people (the same in every language).
FORMAT_NAMES = {
    "xlsx": "XLSX", "xls": "XLS (BIFF8)", "parquet": "Parquet", "json": "JSON", "jsonl": "JSON Lines",
    "html": "HTML", "pdf": "PDF", "image": "image", "zip": "ZIP", "binary": "binary", "text": "CSV/text",
}
# The formats each extension leads one to expect: when the bytes say otherwise, the run says so.
EXPECTED = {
    ".csv": "text", ".tsv": "text", ".txt": "text", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls",
    ".parquet": "parquet", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".html": "html",
    ".htm": "html",
}
TABLE_FORMATS = ("xlsx", "xls", "parquet", "json", "jsonl", "html", "text")

_HTML = re.compile(rb"<\s*(!doctype\s+html|html|table|head|body|meta)\b", re.IGNORECASE)


def sniff_bytes(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if b"xl/" in head[:HEAD] or b"[Content_Types].xml" in head[:HEAD] else "zip"
    if head.startswith(_OLE2):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head.decode("utf-16")[:4096]
        except UnicodeDecodeError:
            return "text"
        return "html" if _HTML.search(text.encode("utf-8", "replace")) and "<table" in text.lower() else "text"
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if b"\x00" in body[:4096]:
        return "binary"
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        if stripped[:1] == b"{":
            # one object per line (JSON Lines) or one document
            first, _, rest = stripped.partition(b"\n")
            if rest.lstrip()[:1] == b"{" and first.rstrip().endswith(b"}"):
                return "jsonl"
        return "json"
    if stripped[:1] == b"<" and _HTML.search(stripped[:4096]) and re.search(rb"<\s*table\b", body, re.IGNORECASE):
        return "html"
    return "text"


def sniff(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD)
    except OSError:
        return "text"  # the reader proper says why the file cannot be read
    return sniff_bytes(head)


def mismatch(path: Path, fmt: str) -> bool:
    """The extension promised another format than the bytes hold."""
    want = EXPECTED.get(path.suffix.lower())
    return want is not None and want != fmt and not (want == "json" and fmt == "jsonl")
