"""The compute core's own laws (issue 10): every KPI is complete (measure, words in every
language, needs that name real fields); the one engine adds up — chunks and files — for
every input kind, not only dossiers; typed results round-trip through JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cchc_cli
from builders import write_csv
from cchc_cli.i18n import catalogue
from cchc_cli.kpis.aggregate import aggregate
from cchc_cli.kpis.definitions import KPIS, of_input
from cchc_cli.kpis.kinds import KINDS, BY_NAME
from cchc_cli.kpis.period import parse_period
from cchc_cli.kpis.results import ComputeResult
from cchc_cli.schema.models import INPUT_KINDS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
MARCH = parse_period("2023-03")
Q1 = parse_period("2023-Q1")


@pytest.fixture(scope="module")
def sources():
    from cchc_cli.dataset import load_inputs

    return load_inputs([SAMPLES])


@pytest.fixture(scope="module")
def prepared(sources):
    return {k.name: k.prepare(sources, MARCH, [SAMPLES / "calendar-2023.toml"]) for k in KINDS}


def test_the_samples_have_every_input_kind(sources):
    assert all(getattr(sources, k.name) is not None for k in KINDS)


@pytest.mark.parametrize("kpi", KPIS, ids=[k.code for k in KPIS])
def test_every_kpi_has_a_measure(kpi, prepared):
    kind, prep = BY_NAME[kpi.input], prepared[kpi.input]
    names = kind.measure(prep.frame, MARCH, prep.ctx)
    assert f"{kpi.code}.num" in names and f"{kpi.code}.den" in names


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("kpi", KPIS, ids=[k.code for k in KPIS])
def test_every_kpi_has_its_words_in_every_language(kpi, lang):
    words = catalogue(lang)
    for part in ("label", "short", "action"):
        assert words.get(f"kpi.{kpi.code}.{part}"), f"kpi.{kpi.code}.{part} missing in {lang}"
    assert "{n}" in words[f"kpi.{kpi.code}.action"]


@pytest.mark.parametrize("kpi", KPIS, ids=[k.code for k in KPIS])
def test_every_need_names_a_field_of_a_model(kpi):
    assert kpi.input in INPUT_KINDS
    from cchc_cli.kpis.definitions import DERIVED_FIELDS

    for need in kpi.needs:
        for option in need.split("|"):
            kind, _, name = option.rpartition(".")
            assert name in INPUT_KINDS[kind or kpi.input].model_fields or name in DERIVED_FIELDS, (kpi.code, option)


def test_every_kind_is_registered_once():
    assert [k.name for k in KINDS] == list(INPUT_KINDS)
    assert sum(len(of_input(k.name)) for k in KINDS) == len(KPIS)


SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.data())
@pytest.mark.parametrize("name", [k.name for k in KINDS])
def test_chunks_add_up_to_the_whole_for_every_kind(prepared, name, data):
    """Sums of any split of the rows equal the sums of all of them, by every key the kind
    has (month splits the quarter)."""
    kind, prep = BY_NAME[name], prepared[name]
    frame = prep.frame
    keys = data.draw(st.lists(st.sampled_from(kind.group_keys(frame, list(kind.keys))), unique=True, max_size=2))
    cut = data.draw(st.integers(0, len(frame)))
    period = Q1 if "month" in keys else MARCH
    ctx_whole = prep.ctx
    if name == "dossiers":  # the context holds per-row arrays: split them with the rows
        from dataclasses import replace

        def part(sl):
            c = prep.ctx
            st_ = c.statutory
            return replace(c, full_online=None if c.full_online is None else c.full_online[sl],
                           full_online_unknown=None if c.full_online_unknown is None else c.full_online_unknown[sl],
                           statutory=None if st_ is None else type(st_)(st_.day[sl], st_.limit_known[sl]))
        ca, cb = part(slice(0, cut)), part(slice(cut, None))
    else:
        ca = cb = ctx_whole
    whole = aggregate(kind, frame, period, keys, ctx_whole)
    a = aggregate(kind, frame.iloc[:cut], period, keys, ca)
    b = aggregate(kind, frame.iloc[cut:], period, keys, cb)
    assert a + b == whole


DOC_HEAD = ["Số, ký hiệu văn bản", "Ngày ban hành", "Đơn vị soạn thảo", "Hình thức ký", "Gửi qua trục liên thông"]
doc_rows = st.lists(st.tuples(st.sampled_from(["Sở Tư pháp", "UBND quận Cái Răng"]), st.integers(1, 31),
                              st.sampled_from(["Cá nhân", "Cá nhân và cơ quan", "", "Ký tay?"]),
                              st.sampled_from(["Có", "Không", ""])), min_size=1, max_size=25)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(a=doc_rows, b=doc_rows)
def test_document_files_together_equal_sums_apart(tmp_path_factory, a, b):
    d = tmp_path_factory.mktemp("docs")

    def rows(prefix, rs):
        return [DOC_HEAD] + [[f"{prefix}{i}/VP", f"{day:02d}/03/2023", u, s, ic] for i, (u, day, s, ic) in enumerate(rs)]

    fa, fb = write_csv(d / "a.csv", rows("A", a)), write_csv(d / "b.csv", rows("B", b))
    ra, rb = (cchc_cli.compute([f], period="2023-03", by="unit") for f in (fa, fb))
    both = cchc_cli.compute([fa, fb], period="2023-03", by="unit")
    sums = {}
    for r in ra.results + rb.results:
        n, dd = sums.get(r.key, (0, 0))
        sums[r.key] = (n + r.numerator, dd + r.denominator)
    assert {r.key: (r.numerator, r.denominator) for r in both.results} == sums


def test_logbook_lines_add_up(tmp_path):
    """The logbook's lines (unit, period, count) are additive like any measure."""
    book = write_csv(tmp_path / "so.csv", [["Đơn vị", "Kỳ", "Số hồ sơ tiếp nhận"], ["UBND quận Cái Răng", "2023-03", 10],
                                           ["UBND quận Ninh Kiều", "2023-03", 20]])
    r = cchc_cli.compute([SAMPLES / "dossiers"], logbook=[book], period="2023-03", by="unit")
    per_unit = [x for x in r.results if x.kpi == "software_coverage_rate" and x.group]
    overall = r.entry("software_coverage_rate")
    assert sum(x.denominator for x in per_unit) == overall.denominator == 30
    assert sum(x.numerator for x in per_unit) == overall.numerator


def test_a_result_round_trips_through_json():
    r = cchc_cli.compute([SAMPLES / "dossiers"], period="2023-03", by="unit")
    doc = json.loads(json.dumps(r.to_json()))
    back = ComputeResult.from_json(doc, "r.json")
    assert back.results == r.results and back.counts == r.counts and back.unavailable == r.unavailable
    assert back.to_json() == r.to_json() and back.saved and back.dataset is None


def test_the_library_doors_give_the_cli_numbers(tmp_path):
    import subprocess
    import sys

    r = cchc_cli.compute([SAMPLES / "dossiers"], period="2023-03", by="unit")
    p = subprocess.run([sys.executable, "-m", "cchc_cli.cli", "compute", str(SAMPLES / "dossiers"), "--period",
                        "2023-03", "--by", "unit", "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(p.stdout)["results"] == [x.to_json() for x in r.results]
    d = cchc_cli.diff([SAMPLES / "dossiers"], [SAMPLES / "dossiers"], period="2023-03")
    assert d.summary["regressed"] == 0 and d.dossiers.changed == 0
    _, rep = cchc_cli.check_targets([SAMPLES / "dossiers"], preset="cantho-2023", period="2023-03")
    assert rep.summary["fail"] > 0
