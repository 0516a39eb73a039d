"""The message catalogue and the coded errors of the core.

(a) vi.py and en.py have the same keys, each with the same ``{placeholders}``, and no key
    twice in one file (a merge of two blocks must not hide one);
(b) every ``CchcError``/``ConfigError``/``DataError``/``OutputError`` the package constructs
    passes a snake_case code, as a string literal, that both catalogues word;
(c) the error paths of every command, through the real CLI, in both languages: the exit
    code of cli.md, no traceback, English output free of Vietnamese letters (other than
    the data values and file names given), Vietnamese output in Vietnamese.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import write_csv
from cchc_cli.cli import app
from cchc_cli.i18n import catalogue, en, vi
from cchc_cli.schema import vocab
from cchc_cli.schema.models import DossierRecord, field_specs

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "cchc_cli"
SAMPLES = ROOT / "samples"
DOSSIERS = SAMPLES / "dossiers"

ERROR_CLASSES = {"CchcError", "ConfigError", "DataError", "OutputError"}
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

# Files other engineers are converting to coded errors at the same time: their raise
# sites still pass a worded (Vietnamese) sentence. Remove each from this set as it lands;
# at the merge of every branch this set must be empty.
NOT_YET_CONVERTED = {
    "reading/excel.py", "reading/limits.py", "reading/parquet.py", "reading/csv.py", "reading/layout.py",
    "reading/__init__.py",
    "schema/text.py",
}

# Letters only Vietnamese uses (with their capitals): none may appear in English output
# except inside the data values and file names a test passed.
VI_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
VI_RX = re.compile("[" + VI_LETTERS + VI_LETTERS.upper() + "]")


# ------------------------------------------------------------------ (a) the catalogues


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_vi_and_en_have_the_same_keys():
    assert set(vi.MESSAGES) - set(en.MESSAGES) == set(), "keys only in vi.py"
    assert set(en.MESSAGES) - set(vi.MESSAGES) == set(), "keys only in en.py"


@pytest.mark.parametrize("key", sorted(vi.MESSAGES))
def test_vi_and_en_have_the_same_placeholders(key):
    assert placeholders(vi.MESSAGES[key]) == placeholders(en.MESSAGES.get(key, vi.MESSAGES[key])), key


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_key_twice_in_a_catalogue_file(lang):
    tree = ast.parse((PACKAGE / "i18n" / f"{lang}.py").read_text(encoding="utf-8"))
    keys = [k.value for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys
            if isinstance(k, ast.Constant)]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []


def test_english_wording_has_no_vietnamese_letters():
    """The English wording of the core's messages (examples included) is plain English."""
    bad = {k: v for k, v in en.MESSAGES.items() if VI_RX.search(v)
           and (k.startswith(("error.", "cli.", "calendar.", "targets.", "dataset.")) or k == "did_you_mean")}
    assert bad == {}


# ------------------------------------------------------------------ (b) the raise sites


def _error_calls():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name in ERROR_CLASSES:
                yield rel, node


def test_the_scan_finds_the_raise_sites():
    files = {rel for rel, _ in _error_calls()}
    assert {"cli.py", "targets.py", "calendar.py", "kpis/period.py", "schema/headers.py", "dataset.py"} <= files


def test_every_error_is_constructed_with_a_catalogued_code():
    problems = []
    for rel, node in _error_calls():
        if rel in NOT_YET_CONVERTED or rel == "errors.py":
            continue
        where = f"{rel}:{node.lineno}"
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            problems.append(f"{where}: the code is not a string literal")
            continue
        code = first.value
        if not CODE.match(code):
            problems.append(f"{where}: {code!r} is not a snake_case code")
            continue
        for lang in ("vi", "en"):
            if f"error.{code}" not in catalogue(lang):
                problems.append(f"{where}: error.{code} missing from {lang}.py")
        for kw in node.keywords:
            if kw.arg == "hint" and isinstance(kw.value, ast.Constant):
                for lang in ("vi", "en"):
                    if f"error.{kw.value.value}.hint" not in catalogue(lang):
                        problems.append(f"{where}: error.{kw.value.value}.hint missing from {lang}.py")
    assert problems == []


def test_not_yet_converted_lists_only_existing_files():
    assert {p for p in NOT_YET_CONVERTED if not (PACKAGE / p).exists()} == set()


# ------------------------------------------------------------------ (c) the CLI, both languages

runner = CliRunner()


@dataclass
class Case:
    """One error path: the command line (``{tmp}`` is the test's folder), the files to
    write there first, the exit code, the catalogue key whose wording must show (None for
    a message not yet converted: then only the exit code, the localised prefix and no
    traceback are checked) and the data values the output may quote."""

    id: str
    args: list[str]
    code: int
    key: str | None
    files: dict[str, str | bytes] = field(default_factory=dict)
    data: list[str] = field(default_factory=list)
    click: bool = False  # a usage error click reports itself (its wording, English)


D = str(DOSSIERS)
# Values of the data vocabulary a message may list for the user to write (the levels, the
# headers cchc recognises): Vietnamese in every language.
LEVELS = list(vocab.LEVELS)
HEADERS = sorted({h for spec in field_specs(DossierRecord) for h in spec.headers.spellings}, key=len, reverse=True)
TARGETS_OK = '[[targets]]\nkpi = "online_rate"\nmin = 0.5\n'

CASES = [
    # --period, --from/--to (kpis/period.py)
    Case("period-13", ["compute", D, "--period", "2023-13"], 2, "error.period_invalid"),
    Case("period-word", ["compute", D, "--period", "last month"], 2, "error.period_invalid"),
    Case("period-0000", ["compute", D, "--period", "0000"], 2, "error.period_out_of_range"),
    Case("period-9999-12", ["compute", D, "--period", "9999-12"], 2, "error.period_out_of_range"),
    Case("period-quarter-far", ["compute", D, "--period", "3000-Q1"], 2, "error.period_out_of_range"),
    Case("from-1000", ["compute", D, "--from", "1000-01-01", "--to", "2023-03-31"], 2, "error.day_out_of_range"),
    Case("to-9999", ["compute", D, "--from", "2023-03-01", "--to", "31/12/9999"], 2, "error.day_out_of_range"),
    Case("from-alone", ["compute", D, "--from", "2023-03-01"], 2, "error.from_to_pair"),
    Case("to-alone", ["compute", D, "--to", "2023-03-01"], 2, "error.from_to_pair"),
    Case("period-and-from", ["compute", D, "--period", "2023-03", "--from", "2023-03-01", "--to", "2023-03-31"], 2,
         "error.period_with_from_to"),
    Case("to-before-from", ["compute", D, "--from", "2023-03-31", "--to", "2023-03-01"], 2, "error.to_before_from"),
    Case("from-not-a-day", ["compute", D, "--from", "2023-02-30", "--to", "2023-03-31"], 2, "error.day_invalid"),
    Case("check-period", ["check-targets", D, "--preset", "cantho-2023", "--period", "2023-13"], 2, "error.period_invalid"),
    Case("diff-period", ["diff", D, D, "--period", "0000"], 2, "error.period_out_of_range"),
    # --kind (cli.py)
    Case("kind", ["compute", D, "--kind", "hoso"], 2, "error.unknown_kind"),
    Case("validate-kind", ["validate", D, "--kind", "hoso"], 2, "error.unknown_kind"),
    # --max-* (cli.py)
    Case("max-cell-chars-huge", ["compute", D, "--max-cell-chars", str(2**70)], 2, "error.limit_too_large"),
    Case("max-cells-huge", ["validate", D, "--max-cells", str(2**64)], 2, "error.limit_too_large"),
    Case("max-rows-negative", ["compute", D, "--max-rows", "-5"], 2, "error.limit_not_positive"),
    Case("max-rows-zero", ["columns", str(DOSSIERS / "igate-2023-03.csv"), "--max-rows", "0"], 2, "error.limit_not_positive"),
    Case("max-file-mb-nan", ["compute", D, "--max-file-mb", "nan"], 2, "error.limit_not_positive"),
    Case("max-xlsx-mb-inf", ["diff", D, D, "--max-xlsx-mb", "inf"], 2, "error.limit_not_positive"),
    Case("max-ratio-huge", ["check-targets", D, "--preset", "cantho-2023", "--max-xlsx-ratio", "1e300"], 2,
         "error.limit_too_large"),
    # --fail-on-regression (cli.py)
    Case("regression-nan", ["diff", D, D, "--fail-on-regression", "nan"], 2, "error.fail_on_regression_invalid"),
    Case("regression-inf", ["diff", D, D, "--fail-on-regression", "inf"], 2, "error.fail_on_regression_invalid"),
    Case("regression-negative", ["diff", D, D, "--fail-on-regression", "-1"], 2, "error.fail_on_regression_invalid"),
    # --columns files (schema/headers.py)
    Case("columns-missing", ["compute", D, "--columns", "{tmp}/none.toml"], 2, "error.columns_file_not_found"),
    Case("columns-folder", ["validate", D, "--columns", "{tmp}"], 2, "error.columns_file_is_dir"),
    Case("columns-toml", ["compute", D, "--columns", "{tmp}/m.toml"], 2, "error.columns_file_not_toml",
         {"m.toml": "[columns\n"}),
    Case("columns-not-utf8", ["compute", D, "--columns", "{tmp}/m.toml"], 2, "error.columns_file_not_utf8",
         {"m.toml": "[columns]\ndossier_id = \"S\xf4 phi\xeau\"\n".encode("latin-1")}),
    Case("columns-values-str", ["compute", D, "--columns", "{tmp}/m.toml"], 2, "error.columns_file_values_not_table",
         {"m.toml": 'values = "x"\n'}),
    Case("columns-columns-int", ["validate", D, "--columns", "{tmp}/m.toml"], 2, "error.columns_file_columns_not_table",
         {"m.toml": "columns = 5\n"}),
    Case("columns-values-table-str", ["compute", D, "--columns", "{tmp}/m.toml"], 2,
         "error.columns_file_values_table_not_table", {"m.toml": '[values]\nchannel = "x"\n'}),
    Case("columns-header-int", ["columns", str(DOSSIERS / "igate-2023-03.csv"), "--columns", "{tmp}/m.toml"], 2,
         "error.columns_file_bad_headers", {"m.toml": "[columns]\ndossier_id = 5\n"}),
    Case("columns-unknown-key", ["compute", D, "--columns", "{tmp}/m.toml"], 2, "error.columns_file_unknown_key",
         {"m.toml": '[colums]\ndossier_id = "x"\n'}),
    Case("columns-unknown-field", ["compute", D, "--columns", "{tmp}/m.toml"], 2, "error.columns_file_unknown_field",
         {"m.toml": '[columns]\ndosier_id = "x"\n'}),
    Case("columns-unknown-table", ["compute", D, "--columns", "{tmp}/m.toml"], 2,
         "error.columns_file_unknown_values_table", {"m.toml": '[values.chanel]\n"x" = "online"\n'}),
    Case("columns-bad-value", ["compute", D, "--columns", "{tmp}/m.toml"], 2, "error.columns_file_bad_value",
         {"m.toml": '[values.channel]\n"Qua Zalo" = "onlin"\n'}, ["Qua Zalo"]),
    # targets and presets (targets.py)
    Case("no-targets", ["check-targets", D], 2, "error.targets_or_preset"),
    Case("targets-and-preset", ["check-targets", D, "--preset", "cantho-2023", "--targets", "{tmp}/t.toml"], 2,
         "error.targets_or_preset", {"t.toml": TARGETS_OK}),
    Case("preset-unknown", ["check-targets", D, "--preset", "cantho-2032"], 2, "error.preset_unknown"),
    Case("diff-preset-unknown", ["diff", D, D, "--preset", "hanoi"], 2, "error.preset_unknown"),
    Case("targets-missing", ["check-targets", D, "--targets", "{tmp}/none.toml"], 2, "error.targets_file_not_found"),
    Case("targets-folder", ["check-targets", D, "--targets", "{tmp}"], 2, "error.targets_file_is_dir"),
    Case("targets-toml", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "error.targets_file_not_toml",
         {"t.toml": "[[targets]\nkpi = 1\n"}),
    Case("targets-empty", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "error.targets_file_empty",
         {"t.toml": 'name = "x"\n'}),
    Case("targets-min-true", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.threshold_bool",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nmin = true\n'}),
    Case("targets-min-40", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.threshold_out_of_range",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nmin = 40\n'}),
    Case("targets-min-nan", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.threshold_out_of_range",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nmin = nan\n'}),
    Case("targets-min-text", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.need_number",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nmin = "abc"\n'}),
    Case("targets-kpi", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.unknown_kpi",
         {"t.toml": '[[targets]]\nkpi = "online_rates"\nmin = 0.5\n'}),
    Case("targets-level", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.unknown_level",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nlevel = "Vung"\nmin = 0.5\n'}, LEVELS),
    Case("targets-key", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.unknown_key",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nmn = 0.5\n'}),
    Case("targets-no-threshold", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.no_threshold",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\n'}),
    Case("targets-min-max", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.min_above_max",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nmin = 0.6\nmax = 0.5\n'}),
    Case("targets-warn-min", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.warn_min_below_min",
         {"t.toml": '[[targets]]\nkpi = "online_rate"\nmin = 0.6\nwarn_min = 0.5\n'}),
    Case("targets-warn-max", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "targets.warn_max_above_max",
         {"t.toml": '[[targets]]\nkpi = "overdue_pending_rate"\nmax = 0.05\nwarn_max = 0.1\n'}),
    Case("targets-extends", ["check-targets", D, "--targets", "{tmp}/t.toml"], 2, "error.preset_unknown",
         {"t.toml": 'extends = "cantho-2032"\n'}),
    Case("fail-on", ["check-targets", D, "--preset", "cantho-2023", "--fail-on", "warning"], 2, "error.fail_on_invalid"),
    # calendar files (calendar.py) and the calendar command
    Case("calendar-missing", ["compute", D, "--calendar", "{tmp}/none.toml"], 2, "error.calendar_file_not_found"),
    Case("calendar-folder", ["calendar", "2023", "--calendar", "{tmp}"], 2, "error.calendar_file_is_dir"),
    Case("calendar-toml", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "error.calendar_file_not_toml",
         {"c.toml": "year = 2023\n[x\n"}),
    Case("calendar-not-utf8", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "error.calendar_file_not_utf8",
         {"c.toml": b"year = 2023\nsource = \"\xff\xfe\"\n"}),
    Case("calendar-bad-day", ["compute", D, "--calendar", "{tmp}/c.toml"], 2, "calendar.entry.not_real",
         {"c.toml": 'year = 2023\ndays_off = ["2023-02-30"]\n'}),
    Case("calendar-not-iso", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.entry.not_iso",
         {"c.toml": 'year = 2023\ndays_off = ["2/5/2023"]\n'}),
    Case("calendar-number", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.kind.number",
         {"c.toml": "year = 2023\ndays_off = [20230502]\n"}),
    Case("calendar-unknown-key", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.unknown_key",
         {"c.toml": 'year = 2023\ndayz_off = ["2023-05-02"]\n'}),
    Case("calendar-year-text", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.year_not_int",
         {"c.toml": 'year = "2023"\n'}),
    Case("calendar-no-year", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.missing_key",
         {"c.toml": 'days_off = ["2023-05-02"]\n'}),
    Case("calendar-year-far", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.year_out_of_range",
         {"c.toml": "year = 1800\n"}),
    Case("calendar-other-year", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.not_in_year",
         {"c.toml": 'year = 2023\ndays_off = ["2024-01-02"]\n'}),
    Case("calendar-weekend-off", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.weekend_as_off",
         {"c.toml": 'year = 2023\ndays_off = ["2023-05-06"]\n'}),
    Case("calendar-weekday-working", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2,
         "calendar.weekday_as_working", {"c.toml": 'year = 2023\nworking_saturdays = ["2023-05-05"]\n'}),
    Case("calendar-both", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.off_and_working",
         {"c.toml": 'year = 2023\ndays_off = ["2023-05-04"]\nworking_days = ["2023-05-04"]\n'}),
    Case("calendar-entry-field", ["calendar", "2023", "--calendar", "{tmp}/c.toml"], 2, "calendar.entry.unknown_fields",
         {"c.toml": 'year = 2023\ndays_off = [{date = "2023-05-04", why = "x"}]\n'}),
    Case("calendar-two-files", ["calendar", "2023", "--calendar", "{tmp}/a.toml", "--calendar", "{tmp}/b.toml"], 2,
         "error.calendar_two_files_one_year", {"a.toml": "year = 2023\n", "b.toml": "year = 2023\n"}),
    Case("calendar-year", ["calendar", "1800"], 2, "error.calendar_year_out_of_range"),
    # the columns command (cli.py)
    Case("columns-no-file", ["columns", "{tmp}/none.csv"], 3, "error.columns_input_not_found"),
    Case("columns-a-folder", ["columns", "{tmp}"], 3, "error.columns_input_is_dir"),
    # the data set (dataset.py)
    Case("missing-column", ["compute", "{tmp}/m.csv"], 3, "error.missing_required_columns",
         {"m.csv": "Mã hồ sơ,Trạng thái\nA1,Đã trả kết quả\n"}, ["Mã hồ sơ", "Trạng thái", *HEADERS]),
    Case("no-usable-row", ["compute", "{tmp}/m.csv"], 3, "error.no_usable_rows",
         {"m.csv": "Mã hồ sơ,Ngày tiếp nhận,Trạng thái\n,01/03/2023,Đang xử lý\n"}),
    # raised by files other engineers are converting: exit code, prefix, no traceback
    Case("missing-input", ["compute", "{tmp}/khong-co.csv"], 3, None),
    Case("folder-without-export", ["compute", "{tmp}/empty"], 3, None, {"empty/readme.txt": "x"}),
    Case("by-unknown", ["compute", D, "--by", "unti"], 2, None),
    Case("validate-missing", ["validate", "{tmp}/khong-co.csv"], 3, None),
    # usage errors click reports itself
    Case("kpis-format", ["kpis", "--format", "pdf"], 2, None, click=True),
    Case("presets-format", ["presets", "--format", "pdf"], 2, None, click=True),
    Case("compute-no-path", ["compute"], 2, None, click=True),
    Case("calendar-not-a-year", ["calendar", "MMXXIII"], 2, None, click=True),
]


def _literal_parts(text: str) -> list[str]:
    """The wording of a catalogue entry around its placeholders, longest first."""
    parts = [lit.strip() for lit, _, _, _ in string.Formatter().parse(text)]
    return sorted((p for p in parts if len(p) >= 4), key=len, reverse=True)


def _run(case: Case, tmp_path: Path, lang: str, via_env: bool = False):
    for name, content in case.files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        (p.write_bytes if isinstance(content, bytes) else lambda c: p.write_text(c, encoding="utf-8"))(content)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    env = {"CCHC_LANG": lang if via_env else None, "CCHC_DEBUG": None}
    if not via_env:
        args += ["--lang", lang]
    return runner.invoke(app, args, env=env)


def _check(case: Case, r, lang: str, tmp_path: Path) -> None:
    out = r.output
    assert r.exit_code == case.code, out
    assert "Traceback" not in out
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    if case.click:
        return
    prefix = catalogue(lang)["cli.error"].split("{")[0]
    assert out.startswith(prefix), out
    if lang == "en":
        visible = out.replace(str(tmp_path), "")
        for value in case.data + list(case.files.values()):
            if isinstance(value, str):
                visible = visible.replace(value, "")
        if case.key is not None:
            assert not VI_RX.search(visible), out
    if case.key is not None:
        text = catalogue(lang)[case.key]
        parts = _literal_parts(text)
        assert parts and parts[0] in out, (case.key, out)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_error_paths_in_both_languages(case, lang, tmp_path):
    _check(case, _run(case, tmp_path, lang), lang, tmp_path)


@pytest.mark.parametrize("case", [c for c in CASES if c.id in (
    "period-13", "max-cell-chars-huge", "targets-min-true", "calendar-bad-day", "regression-nan", "missing-column")],
    ids=lambda c: c.id)
def test_cchc_lang_chooses_the_language_too(case, tmp_path):
    _check(case, _run(case, tmp_path, "en", via_env=True), "en", tmp_path)


def test_the_vietnamese_and_english_wording_of_one_error(tmp_path):
    """The example of the task: an unreadable period, in each language."""
    vi_out = runner.invoke(app, ["compute", D, "--period", "2023-13"], env={"CCHC_LANG": None}).output
    en_out = runner.invoke(app, ["compute", D, "--period", "2023-13", "--lang", "en"]).output
    assert vi_out.splitlines()[0] == "Lỗi: --period '2023-13': không hiểu kỳ báo cáo."
    assert vi_out.splitlines()[1].startswith("Cách xử lý: Dùng tháng 2023-03")
    assert en_out.splitlines()[0] == "Error: --period '2023-13': not a reporting period."
    assert en_out.splitlines()[1].startswith("What to do: Use a month 2023-03")


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("exc, code, key", [
    (KeyboardInterrupt(), 130, "cli.interrupted"),
    (MemoryError(), 3, "error.out_of_memory"),
    (RecursionError(), 3, "error.nested_too_deep"),
    (ZeroDivisionError(), 4, "cli.internal_error"),
], ids=["ctrl-c", "memory", "nesting", "internal"])
def test_cli_fixed_strings_come_from_the_catalogue(exc, code, key, lang, capsys, monkeypatch):
    import typer

    from cchc_cli.cli import run

    monkeypatch.delenv("CCHC_DEBUG", raising=False)

    def fn():
        raise exc

    with pytest.raises(typer.Exit) as e:
        run(fn, lang)
    assert e.value.exit_code == code
    err = capsys.readouterr().err
    assert _literal_parts(catalogue(lang)[key])[0] in err, err
    assert "Traceback" not in err
    if lang == "en":
        assert not VI_RX.search(err), err


def test_argv_lang():
    from cchc_cli.cli import _argv_lang

    assert _argv_lang(["compute", "x", "--lang", "en"]) == "en"
    assert _argv_lang(["compute", "--lang=en", "x"]) == "en"


def test_errors_word_nested_messages_in_the_chosen_language():
    from cchc_cli.errors import ConfigError
    from cchc_cli.i18n import joined, msg

    e = ConfigError("preset_unknown", name="hanoi", suggestion=msg("did_you_mean", choice="hanoi-2022"),
                    names="cantho-2023, hanoi-2022")
    assert e.text("en") == "--preset 'hanoi': there is no such target set. Did you mean 'hanoi-2022'?"
    assert e.text("vi") == "--preset 'hanoi': không có bộ chỉ tiêu này. Có phải ý bạn là 'hanoi-2022'?"
    assert e.hint_text("en") == "The built-in sets: cantho-2023, hanoi-2022 (see `cchc presets`)."
    e = ConfigError("calendar_invalid", path="x.toml",
                    problems=joined([msg("calendar.missing_key", key="year"), msg("calendar.source_not_text", value="1")],
                                    "\n  - "))
    assert e.text("en").splitlines() == ["Invalid calendar file x.toml:", "  - key 'year' is missing: add it, e.g. year "
                                         "= 2023 (the year the file describes).",
                                         "  - key 'source' has value 1: it must be text in quotes."]
    assert "Tệp lịch x.toml không hợp lệ" in e.text("vi")


def test_a_missing_column_names_file_row_and_headers_in_english(tmp_path):
    f = write_csv(tmp_path / "m.csv", [["Mã hồ sơ", "Ngày tiếp nhận hs", "Trạng thái"], ["A", "01/03/2023", "x"]])
    r = runner.invoke(app, ["compute", str(f), "--lang", "en"])
    assert r.exit_code == 3
    assert f"{f}: required columns missing:" in r.output
    assert "Headers found (row 1): 'Mã hồ sơ', 'Ngày tiếp nhận hs', 'Trạng thái'" in r.output
    assert "received_at" in r.output and "--columns" in r.output


# ------------------------------------------------------------------ usage errors (the console script)


def _cchc(*args: str, lang_env: str | None = None):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("CCHC_LANG", "CCHC_DEBUG")}
    if lang_env:
        env["CCHC_LANG"] = lang_env
    return subprocess.run([sys.executable, "-m", "cchc_cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


@pytest.mark.parametrize("args, vi_text, en_text", [
    (["compute", "--perod", "2023"], "Lỗi: không có tùy chọn --perod.", "Error: No such option: --perod."),
    (["compute"], "Lỗi: thiếu tham số 'paths'.", "Error: Missing argument 'paths'."),
    (["compute", D, "--max-rows", "many"], "Lỗi: giá trị không hợp lệ cho '--max-rows'", "Error: Invalid value for '--max-rows'"),
    (["calendar", "2023", "--max-rows", "3"], "Lỗi: không có tùy chọn --max-rows.", "Error: No such option: --max-rows."),
], ids=["unknown-option", "missing-argument", "bad-number", "option-of-another-command"])
def test_usage_errors_are_worded_in_the_language_of_the_command_line(args, vi_text, en_text):
    vi_run = _cchc(*args)
    assert vi_run.returncode == 2 and vi_text in vi_run.stderr and "Cách dùng: " in vi_run.stderr, vi_run.stderr
    for en_run in (_cchc(*args, "--lang", "en"), _cchc(*args, lang_env="en")):
        assert en_run.returncode == 2 and en_text in en_run.stderr and "Usage: " in en_run.stderr, en_run.stderr
        assert "Traceback" not in en_run.stderr
        assert not VI_RX.search(en_run.stderr.replace(D, "")), en_run.stderr


def test_console_script_exit_codes_unchanged():
    assert _cchc("--help").returncode == 0
    bare = _cchc()
    assert bare.returncode == 2 and "compute" in bare.stdout + bare.stderr
    ok = _cchc("kpis", "--format", "json")
    assert ok.returncode == 0 and ok.stdout.lstrip().startswith(("[", "{"))
    bad = _cchc("compute", D, "--period", "2023-13", "--lang", "en")
    assert bad.returncode == 2
    assert bad.stderr.splitlines()[0] == "Error: --period '2023-13': not a reporting period."
