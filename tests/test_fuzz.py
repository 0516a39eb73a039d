"""Fuzzing the command line: random bytes, and random mutations of a valid CSV and a valid
XLSX export (bytes flipped, inserted, deleted; the file cut short; lines shuffled,
duplicated, dropped; the sheet's XML edited inside an intact zip), through
``cchc compute`` and ``cchc validate --format json``.

The only acceptable outcomes: exit 0, 2 or 3, with a message on exit 2 and 3 — never an
uncaught exception, a traceback or exit 4 (internal error) — and, on exit 0, every input
reconciles: rows = used + rejected + duplicates.

Bounded for CI (about 20 s, examples derandomised so that a run is reproducible). A
maintainer's longer, randomised run:

    CCHC_FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cchc_cli.cli import app

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
import generate as corpus  # noqa: E402

runner = CliRunner()
LONG = os.environ.get("CCHC_FUZZ_EXAMPLES")


def examples(n: int) -> settings:
    """``n`` examples, derandomised, for CI; CCHC_FUZZ_EXAMPLES examples, random, otherwise."""
    return settings(
        max_examples=int(LONG) if LONG else n,
        derandomize=not LONG,
        deadline=None,
        database=None if not LONG else settings.default.database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


BASE_CSV = corpus.base_csv()
BASE_CP1258 = corpus.encode_cp1258(corpus.csv_text([corpus.BASE_HEADER, *corpus.BASE_ROWS]))
BASE_XLSX = corpus.base_xlsx()
with zipfile.ZipFile(io.BytesIO(BASE_XLSX)) as _z:
    BASE_SHEET = _z.read("xl/worksheets/sheet1.xml")


def check(data: bytes, suffix: str, *options: str, period: bool = False) -> None:
    """Run compute (for March 2023 with ``period``) and validate on ``data`` saved as a
    file with ``suffix``, with ``options``."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"export{suffix}"
        path.write_bytes(data)
        for command in ("compute", "validate"):
            args = [command, str(path), "--format", "json", *options]
            if period and command == "compute":
                args += ["--period", "2023-03"]
            r = runner.invoke(app, args)
            out = r.stdout + r.stderr
            if r.exception is not None and not isinstance(r.exception, SystemExit):
                raise AssertionError(f"uncaught {type(r.exception).__name__} for {args}") from r.exception
            assert "Traceback" not in out, out
            assert r.exit_code in (0, 2, 3), (r.exit_code, out[-2000:])
            if r.exit_code:
                assert r.stderr.startswith("Lỗi: ") and len(r.stderr) > 10, out
                continue
            doc = json.loads(r.stdout)
            for i in doc["inputs"]:
                assert i["rows"] == i["used"] + i["rejected"] + i["duplicates"], i
                assert min(i["rows"], i["used"], i["rejected"], i["duplicates"]) >= 0, i


# ------------------------------------------------------------------ mutations


@st.composite
def mutated(draw, base: bytes, max_ops: int = 4) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "replace", "special"]))
        n = len(data)
        at = draw(st.integers(0, max(n - 1, 0)))
        if op == "flip" and n:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete" and n:
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[at:]
        elif op == "replace" and n:
            data[at] = draw(st.integers(0, 255))
        elif op == "special":  # bytes that mean something to a CSV or XML reader
            data[at:at] = draw(st.sampled_from([b'"', b",", b";", b"\t", b"\r", b"\n", b"\x00", b"\xff\xfe",
                                                b"\xef\xbb\xbf", b"<", b"&", b"]]>", b"\xc3", b"\xe1\xba",
                                                b"=1+1", b"T\xe1\xbb\x95ng c\xe1\xbb\x99ng", b"31/02/2023"]))
    return bytes(data)


@st.composite
def shuffled_lines(draw, base: bytes) -> bytes:
    lines = base.split(b"\r\n")
    op = draw(st.sampled_from(["shuffle", "duplicate", "drop", "swap-cells"]))
    if op == "shuffle":
        lines = draw(st.permutations(lines))
    elif op == "duplicate":
        i = draw(st.integers(0, len(lines) - 1))
        lines = lines[:i] + [lines[i]] * draw(st.integers(2, 4)) + lines[i:]
    elif op == "drop":
        i = draw(st.integers(0, len(lines) - 1))
        lines = lines[:i] + lines[i + 1:]
    else:  # the cells of one line in another order
        i = draw(st.integers(0, len(lines) - 1))
        cells = lines[i].split(b",")
        lines[i] = b",".join(draw(st.permutations(cells)))
    return b"\r\n".join(lines)


def rezip(sheet: bytes, base: bytes = BASE_XLSX) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename))
    return out.getvalue()


@st.composite
def xml_edits(draw) -> bytes:
    """The sheet's XML edited (a valid zip around it): cell values replaced by arbitrary
    text, cell types changed, tags broken."""
    sheet = BASE_SHEET
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["text", "type", "bytes", "cut", "number", "ref"]))
        if op == "text":
            word = draw(st.text(max_size=30)).encode("utf-8", "surrogatepass")
            assume(b"\xed" not in word)  # no lone surrogates in the generated text
            target = draw(st.sampled_from([b"H001", b"H003", b"01/03/2023 08:00", b"Tr\xe1\xbb\xb1c tuy\xe1\xba\xbfn",
                                           b"50.000", b"UBND qu\xe1\xba\xadn C\xc3\xa1i R\xc4\x83ng"]))
            sheet = sheet.replace(target, word.replace(b"<", b"&lt;").replace(b"&", b"&amp;"), 1)
        elif op == "type":
            sheet = sheet.replace(b't="inlineStr"', draw(st.sampled_from([b't="n"', b't="b"', b't="e"', b't="d"',
                                                                           b't="s"', b't="str"', b""])), 1)
        elif op == "number":
            sheet = sheet.replace(b"<v>1</v>", b"<v>" + draw(st.sampled_from([b"1e308", b"-1", b"NaN", b"45000.5",
                                                                             b"99999999999", b"abc"])) + b"</v>", 1)
        elif op == "ref":  # a cell moved anywhere, up to past the last cell of a sheet
            col = draw(st.text(alphabet="ABCXYZ", min_size=1, max_size=4)).encode()
            row = str(draw(st.integers(1, 2 ** 32 + 5))).encode()
            old = draw(st.sampled_from([b'r="B2"', b'r="G3"', b'r="M7"', b'r="4"', b'r="A1"']))
            sheet = sheet.replace(old, b'r="' + (col if old[3:4].isalpha() else b"") + row + b'"', 1)
        elif op == "bytes":
            sheet = draw(mutated(sheet, 2))
        else:
            sheet = sheet[: draw(st.integers(0, len(sheet)))]
    return rezip(sheet)


# ------------------------------------------------------------------ the properties


@examples(25)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".xls"]))
def test_random_bytes(data, suffix):
    check(data, suffix)


@examples(60)
@given(data=st.one_of(mutated(BASE_CSV), mutated(BASE_CP1258), shuffled_lines(BASE_CSV)))
def test_mutated_csv(data):
    check(data, ".csv", period=True)


@examples(25)
@given(data=mutated(BASE_XLSX, 3))
def test_mutated_xlsx_bytes(data):
    check(data, ".xlsx")


@examples(40)
@given(data=xml_edits())
def test_mutated_xlsx_sheet(data):
    # a lower --max-cells keeps each example small: a cell moved to Z299999 is refused
    # rather than laid out (5 million cells, several seconds)
    check(data, ".xlsx", "--max-cells", "2000000", period=True)
