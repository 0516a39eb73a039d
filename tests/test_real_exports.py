"""Issue 11: what the real one-stop systems export, read with no option and no hand-written
mapping; every KPI's numerator and denominator checked against the counts the generator
recorded (tests/real_exports.py, which cites each system's public source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import real_exports as rx
from cchc_cli.cli import app

runner = CliRunner()

# the KPIs each system cannot give (README "Which systems cchc reads")
NOT_GIVEN = {
    "dvcqg_json": set(),
    "dvcqg_jsonl": set(),
    "opencps_json": {"online_payment_rate", "digitised_dossier_rate"},
    "opencps_csv": {"online_payment_rate", "digitised_dossier_rate"},
    "dvc_tinh_html": {"online_rate", "postal_rate", "full_online_dossier_rate", "online_payment_rate",
                      "digitised_dossier_rate"},
    "us_locale_xlsx": {"online_rate", "postal_rate", "full_online_dossier_rate", "online_payment_rate",
                       "digitised_dossier_rate"},
    "epar_xls": {"online_rate", "postal_rate", "full_online_dossier_rate", "online_payment_rate",
                 "digitised_dossier_rate"},
    "epar_csv": {"online_rate", "postal_rate", "full_online_dossier_rate", "online_payment_rate",
                 "digitised_dossier_rate"},
    "mau06_xlsx": {"online_rate", "postal_rate", "full_online_dossier_rate", "online_payment_rate",
                   "digitised_dossier_rate"},
}
NAMES = {"dvcqg_json": "sync.json", "dvcqg_jsonl": "sync.jsonl", "opencps_json": "opencps.json",
         "opencps_csv": "opencps.csv", "dvc_tinh_html": "danh-sach-ho-so.xls", "us_locale_xlsx": "danh-sach.xlsx",
         "epar_xls": "so-bao-cao.xls", "epar_csv": "so-bao-cao.csv", "mau06_xlsx": "so-theo-doi.xlsx"}
PROFILE = {"dvcqg_json": "dvcqg-sync", "dvcqg_jsonl": "dvcqg-sync", "opencps_json": "opencps-v2",
           "opencps_csv": "opencps-v2", "dvc_tinh_html": "dvc-tinh-danh-sach", "us_locale_xlsx": "dvc-tinh-danh-sach",
           "epar_xls": "epar-so-bao-cao", "epar_csv": "epar-so-bao-cao", "mau06_xlsx": "mau-06-so-theo-doi"}


def run_json(*args):
    res = runner.invoke(app, [*map(str, args), "-f", "json", "--lang", "en"])
    return res


def overall(doc) -> dict[str, tuple[int, int]]:
    return {r["kpi"]: (r["numerator"], r["denominator"]) for r in doc["results"] if not r["group"]}


@pytest.mark.parametrize("shape", list(NAMES))
def test_each_system_read_with_no_option_gives_the_generated_counts(shape, tmp_path):
    ds = rx.make(120, seed=11)
    path = getattr(rx, shape)(ds, tmp_path / NAMES[shape])
    res = run_json("compute", path, "--period", "2023-03")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    want = rx.expected(ds).kpis
    got = overall(doc)
    for kpi, (num, den) in want.items():
        if kpi in NOT_GIVEN[shape]:
            assert kpi not in got
            assert kpi in {u["kpi"] for u in doc["unavailable"]}
        else:
            assert got[kpi] == (num, den), kpi
    notes = " ".join(str(x) for x in doc["inputs"])
    assert doc["inputs"][0]["rows"] == len(ds)
    assert doc["inputs"][0]["used"] == len(ds)


@pytest.mark.parametrize("shape", list(NAMES))
def test_the_run_says_which_profile_it_used(shape, tmp_path):
    path = getattr(rx, shape)(rx.make(20, seed=3), tmp_path / NAMES[shape])
    res = runner.invoke(app, ["validate", str(path), "--lang", "en", "-f", "markdown"])
    assert res.exit_code == 0, res.output
    assert f"profile {PROFILE[shape]}" in res.output


def test_an_html_table_named_xls_is_said_to_be_html(tmp_path):
    path = rx.dvc_tinh_html(rx.make(10, seed=1), tmp_path / "ds.xls")
    res = runner.invoke(app, ["validate", str(path), "--lang", "en", "-f", "markdown"])
    assert res.exit_code == 0, res.output
    assert "read as HTML" in res.output


def test_opencps_postal_flag_in_its_own_column_gives_the_postal_rate(tmp_path):
    ds = rx.make(50, seed=5)
    path = rx.opencps_csv(ds, tmp_path / "o.csv")
    doc = json.loads(run_json("compute", path, "--period", "2023-03").stdout)
    n_postal = sum(d.channel == "postal" for d in ds)
    assert n_postal > 0
    assert overall(doc)["postal_rate"] == (n_postal, len(ds))


def test_dvcqg_fee_is_the_sum_of_the_charges_list(tmp_path):
    ds = rx.make(40, seed=8)
    path = rx.dvcqg_json(ds, tmp_path / "s.json")
    doc = json.loads(run_json("compute", path, "--period", "2023-03").stdout)
    assert overall(doc)["online_payment_rate"] == rx.expected(ds).kpis["online_payment_rate"]


def test_excel_us_locale_swap_is_repaired_and_reported(tmp_path):
    ds = rx.make(60, seed=12)
    path = rx.us_locale_xlsx(ds, tmp_path / "us.xlsx")
    res = run_json("compute", path, "--period", "2023-03")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert overall(doc)["on_time_rate"] == rx.expected(ds).kpis["on_time_rate"]
    val = runner.invoke(app, ["validate", str(path), "--lang", "en", "-f", "markdown"])
    assert "swapped back to day-first" in val.output


def test_excel_locale_swap_that_cannot_be_proven_stops_with_exit_3(tmp_path):
    path = rx.us_locale_xlsx(rx.make(60, seed=12), tmp_path / "us.xlsx", provable=False)
    res = runner.invoke(app, ["compute", str(path), "--lang", "en"])
    assert res.exit_code == 3
    assert "us.xlsx" in res.output and "Ngày nhận" in res.output


def test_epar_rows_are_keyed_by_file_and_row_never_by_a_date_column(tmp_path):
    ds = rx.make(344, seed=2)
    path = rx.epar_xls(ds, tmp_path / "so.xls")
    doc = json.loads(run_json("compute", path, "--period", "2023-03").stdout)
    assert doc["inputs"][0]["duplicates"] == 0
    assert doc["inputs"][0]["used"] == 344


def test_mau06_without_its_profile_has_no_timing_kpi(tmp_path):
    """Forced to read with no profile (a plain --columns file), the logbook has no finish
    date or status: on-time, same-day and overdue-pending are not computable."""
    ds = rx.make(30, seed=4)
    path = rx.mau06_xlsx(ds, tmp_path / "m.xlsx")
    cols = tmp_path / "c.toml"
    cols.write_text("[columns]\n", encoding="utf-8")
    res = run_json("compute", path, "--profile", str(cols), "--period", "2023-03")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    missing = {u["kpi"] for u in doc["unavailable"]}
    assert {"on_time_rate", "same_day_rate", "overdue_pending_rate"} <= missing


def test_profiles_command_lists_every_profile_with_its_sources():
    res = runner.invoke(app, ["profiles", "-f", "json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    names = {p["name"] for p in doc["profiles"]}
    assert names >= {"dvcqg-sync", "opencps-v2", "dvc-tinh-danh-sach", "epar-so-bao-cao", "mau-06-so-theo-doi"}
    assert all(p["sources"] for p in doc["profiles"])


def test_forced_profile_by_name_and_unknown_profile(tmp_path):
    path = rx.opencps_csv(rx.make(10, seed=1), tmp_path / "o.csv")
    assert runner.invoke(app, ["compute", str(path), "--profile", "opencps-v2"]).exit_code == 0
    res = runner.invoke(app, ["compute", str(path), "--profile", "no-such-system", "--lang", "en"])
    assert res.exit_code == 2
    assert "opencps-v2" in res.output


def test_a_cchc_json_result_is_not_read_as_an_export(tmp_path):
    path = rx.dvcqg_json(rx.make(10, seed=1), tmp_path / "s.json")
    out = tmp_path / "r.json"
    assert runner.invoke(app, ["compute", str(path), "-o", str(out)]).exit_code == 0
    res = runner.invoke(app, ["compute", str(out), "--lang", "en"])
    assert res.exit_code == 3
    assert "saved by cchc" in res.output


def test_json_too_deep_is_refused_before_parsing(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 200 + "]" * 200, encoding="utf-8")
    res = runner.invoke(app, ["compute", str(p), "--lang", "en"])
    assert res.exit_code == 3
    assert "nested" in res.output


def test_json_header_not_found_lists_what_was_seen(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps([{"foo": 1, "bar": 2}, {"foo": 3, "bar": 4}]), encoding="utf-8")
    res = runner.invoke(app, ["compute", str(p), "--lang", "en"])
    assert res.exit_code == 3
    assert "foo | bar" in res.output


def test_canonical_names_are_headers_for_every_input_kind(tmp_path):
    ds = rx.make(20, seed=6)
    exports = rx.canonical_csv(ds, tmp_path / "c.csv")
    log = tmp_path / "log.csv"
    log.write_text("unit,period,count\nUBND phường An Hòa,2023-03,25\n", encoding="utf-8")
    res = run_json("compute", exports, "--logbook", log, "--period", "2023-03")
    assert res.exit_code == 0, res.output
    got = overall(json.loads(res.stdout))
    assert got["software_coverage_rate"] == (20, 25)


@pytest.mark.parametrize("text,want", [
    ("20230314083000", "2023-03-14 08:30:00"),
    ("20230314", "2023-03-14 00:00:00"),
    ("2023-03-14T01:30:00Z", "2023-03-14 08:30:00"),
    ("2023-03-14T08:30:00+07:00", "2023-03-14 08:30:00"),
    ("2023-03-13T20:00:00-05:00", "2023-03-14 08:00:00"),
    ("1678757400000", "2023-03-14 08:30:00"),
    ("14-03-2023", "2023-03-14 00:00:00"),
])
def test_system_date_forms_scalar_and_vector_agree(text, want):
    import pandas as pd

    from cchc_cli.schema.parsers import Date

    assert str(Date().scalar(text)) == want
    vals, bad = Date().vector(pd.Series([text], dtype=pd.StringDtype("pyarrow")))
    assert not bad.any() and str(vals.iloc[0]) == want
    vals, bad = Date().vector(pd.Series([text], dtype=object))
    assert not bad.any() and str(vals.iloc[0]) == want


def test_epoch_and_compact_numbers_from_json():
    import pandas as pd

    from cchc_cli.schema.parsers import Date

    assert str(Date().scalar(20230314083000)) == "2023-03-14 08:30:00"
    assert str(Date().scalar(1678757400000)) == "2023-03-14 08:30:00"
    vals, bad = Date().vector(pd.Series([20230314083000, 1678757400000, 45000.5], dtype=object))
    assert not bad.any()
    assert [str(v) for v in vals] == ["2023-03-14 08:30:00", "2023-03-14 08:30:00", "2023-03-15 12:00:00"]


INVERSES = ["dvcqg_json", "opencps_json", "opencps_csv", "dvc_tinh_html"]


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(5, 60), shape=st.sampled_from(INVERSES))
def test_a_profile_inverse_reads_back_to_the_same_kpis(tmp_path_factory, seed, n, shape):
    """Canonical dossiers written by a profile's inverse (canonical → system shape) read
    back to the KPIs of the same dossiers under canonical headers."""
    from cchc_cli.api import compute

    d = tmp_path_factory.mktemp("inv")
    ds = rx.make(n, seed)
    ref = compute([str(rx.canonical_csv(ds, d / "c.csv"))], period="2023-03")
    got = compute([str(getattr(rx, shape)(ds, d / NAMES[shape]))], period="2023-03")

    def counts(r):
        return {(x.kpi): (x.numerator, x.denominator) for x in r.results if not x.group}

    a, b = counts(ref), counts(got)
    for kpi in b:
        assert a[kpi] == b[kpi], kpi
    assert set(b) == set(a) - NOT_GIVEN[shape]
