"""check-targets: statuses, exit codes, level matching, exact thresholds, every output
format parsed back, and the configuration errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cchc_cli
from builders import write_csv
from cchc_cli.cli import app
from cchc_cli.targets import Target, _status, load_targets

runner = CliRunner()
SAMPLES = Path(__file__).parent.parent / "samples"
HEAD = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày có kết quả", "Trạng thái", "Số hóa kết quả"]


def _unit(prefix: str, unit: str, resolved: int, digitised: int) -> list[list[str]]:
    return [[f"{prefix}{i}", unit, "01/03/2023", "02/03/2023", "Đã trả kết quả", "Có" if i < digitised else "Không"]
            for i in range(resolved)]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    rows = (
        _unit("Q", "UBND quận Cái Răng", 100, 40)  # district at exactly 40 %: meets ≥ 40 %
        + _unit("P", "UBND phường Lê Bình", 100, 34)  # commune at 34 %: misses ≥ 35 % by 1
        + _unit("X", "UBND xã Nhơn Ái", 20, 8)  # commune at 40 %: passes ≥ 35 %, warns below 45 %
        + [["H0", "UBND phường Hưng Phú", "01/03/2023", "", "Đang xử lý", ""]]  # nothing resolved: no data
    )
    return write_csv(tmp_path / "e.csv", [HEAD] + rows)


def targets_file(tmp_path: Path, body: str, name: str = "t.toml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


PLAN = """
name = "Kế hoạch thử"
[[targets]]
kpi = "digitised_result_rate"
level = "Huyện"
min = 0.40
[[targets]]
kpi = "digitised_result_rate"
level = "Xã"
min = 0.35
warn_min = 0.45
"""


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_statuses_and_level_matching(export, tmp_path):
    _, rep = cchc_cli.check_targets([export], targets=targets_file(tmp_path, PLAN), period="2023-03")
    st = {c.group["unit"]: (c.status, c.target.level, c.needed) for c in rep.checks}
    assert st == {
        "UBND quận Cái Răng": ("pass", "Huyện", None),  # 40/100 meets 40 % exactly
        "UBND phường Lê Bình": ("fail", "Xã", 1),  # 34/100: one more digitised result reaches 35 %
        "UBND xã Nhơn Ái": ("warn", "Xã", 1),  # 8/20 = 40 %: 9/20 = 45 %
        "UBND phường Hưng Phú": ("no_data", "Xã", None),
    }
    assert rep.summary == {"pass": 1, "warn": 1, "fail": 1, "no_data": 1}
    assert rep.failed


@pytest.mark.parametrize("num,den,minimum", [(35, 100, 0.35), (3, 10, 0.3), (7, 100, 0.07), (1, 3, 0.3333), (29, 100, 0.29)])
def test_value_equal_to_threshold_meets_it(num, den, minimum):
    status, *_ = _status(Target(kpi="online_rate", min=minimum), num, den)
    assert status == "pass"
    status, need, gap, bound = _status(Target(kpi="online_rate", min=minimum), num - 1, den)
    assert status == "fail" and need == 1 and bound == "min"


def test_max_threshold_needs_fewer():
    status, need, gap, bound = _status(Target(kpi="overdue_pending_rate", max=0.05), 3, 20)  # 15 %
    assert (status, need, bound) == ("fail", 2, "max")  # 1/20 = 5 % meets it
    assert gap == pytest.approx(10.0)
    assert _status(Target(kpi="overdue_pending_rate", max=0.05), 1, 20)[0] == "pass"


@pytest.mark.parametrize("extra,code", [([], 1), (["--fail-on", "warn"], 1), (["--fail-on", "no-data"], 1)])
def test_exit_1_when_missed(export, tmp_path, extra, code):
    r = run("check-targets", export, "--targets", targets_file(tmp_path, PLAN), "--period", "2023-03", *extra)
    assert r.exit_code == code, r.output
    assert "không đạt" in r.stdout and "cần số hóa thêm 1 kết quả" in r.stdout
    # failures first, then warnings, no data, passes
    body = r.stdout
    order = [body.index(u) for u in ("UBND phường Lê Bình", "UBND xã Nhơn Ái", "UBND phường Hưng Phú", "UBND quận Cái Răng")]
    assert order == sorted(order)


def test_exit_0_when_met_and_fail_on_options(tmp_path, export):
    easy = targets_file(tmp_path, '[[targets]]\nkpi = "digitised_result_rate"\nlevel = "Huyện"\nmin = 0.40\n', "easy.toml")
    assert run("check-targets", export, "--targets", easy, "--period", "2023-03").exit_code == 0
    warn = targets_file(tmp_path, '[[targets]]\nkpi = "digitised_result_rate"\nlevel = "Huyện"\nwarn_min = 0.5\n', "w.toml")
    assert run("check-targets", export, "--targets", warn, "--period", "2023-03").exit_code == 0
    assert run("check-targets", export, "--targets", warn, "--period", "2023-03", "--fail-on", "warn").exit_code == 1
    no_data = '[[targets]]\nkpi = "digitised_result_rate"\nunit = "UBND phường Hưng Phú"\nmin = 0.1\n'
    nodata = targets_file(tmp_path, no_data + '[[targets]]\nkpi = "digitised_result_rate"\nlevel = "Huyện"\nmin = 0.40\n', "n.toml")
    assert run("check-targets", export, "--targets", nodata, "--period", "2023-03").exit_code == 0
    assert run("check-targets", export, "--targets", nodata, "--period", "2023-03", "--fail-on", "no-data").exit_code == 1
    # a run in which no target could be evaluated is not a pass (cli.md): exit 3, whatever --fail-on says
    only = targets_file(tmp_path, no_data, "only.toml")
    r = run("check-targets", export, "--targets", only, "--period", "2023-03")
    assert r.exit_code == 3 and "Traceback" not in r.output
    assert run("check-targets", export, "--targets", only, "--period", "2023-03", "--fail-on", "no-data").exit_code == 3


def test_by_level_checks_aggregates(export, tmp_path):
    _, rep = cchc_cli.check_targets([export], targets=targets_file(tmp_path, PLAN), period="2023-03", by="level")
    st = {c.group["level"]: (c.status, c.numerator, c.denominator) for c in rep.checks}
    # communes together: (34 + 8) / (100 + 20) = 35 % — meets the minimum, warns below 45 %
    assert st == {"Huyện": ("pass", 40, 100), "Xã": ("warn", 42, 120)}


def test_json_shape(export, tmp_path):
    r = run("check-targets", export, "--targets", targets_file(tmp_path, PLAN), "--period", "2023-03", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["command"] == "check-targets" and doc["schema_version"] == 1
    assert doc["summary"] == {"pass": 1, "warn": 1, "fail": 1, "no_data": 1}
    assert {"results", "counts", "inputs", "period"} <= set(doc)
    fail = next(c for c in doc["checks"] if c["status"] == "fail")
    assert fail == fail | {"kpi": "digitised_result_rate", "group": {"unit": "UBND phường Lê Bình", "level": "Xã"},
                           "value": 0.34, "numerator": 34, "denominator": 100, "min": 0.35, "max": None,
                           "status": "fail", "needed": 1}
    assert doc["checks"][0]["status"] == "fail"


def test_junit_parses_with_one_testcase_per_check(export, tmp_path):
    out = tmp_path / "report.xml"
    r = run("check-targets", export, "--targets", targets_file(tmp_path, PLAN), "--period", "2023-03", "--output", out)
    assert r.exit_code == 1
    root = ET.parse(out).getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 4 and suite.get("tests") == "4"
    assert suite.get("failures") == "1" and suite.get("skipped") == "1"
    failed = [c for c in cases if c.find("failure") is not None]
    assert failed[0].get("classname") == "digitised_result_rate"
    assert "UBND phường Lê Bình" in failed[0].get("name")
    assert "34,00%" in failed[0].find("failure").get("message")


def test_github_annotations(export, tmp_path):
    r = run("check-targets", export, "--targets", targets_file(tmp_path, PLAN), "--period", "2023-03", "--format", "github")
    lines = r.stdout.splitlines()
    assert sum(ln.startswith("::error ") for ln in lines) == 1
    assert sum(ln.startswith("::warning ") for ln in lines) == 2  # the warning and the no-data check
    err = next(ln for ln in lines if ln.startswith("::error "))
    assert "title=digitised_result_rate — UBND phường Lê Bình · Xã::" in err and "%25" in err


def test_markdown_and_xlsx(export, tmp_path):
    md = run("check-targets", export, "--targets", targets_file(tmp_path, PLAN), "--period", "2023-03", "--format", "markdown")
    assert "| Tỷ lệ số hóa kết quả giải quyết | UBND phường Lê Bình · Xã | 34,00% | 34 | 100 |" in md.stdout
    import openpyxl

    out = tmp_path / "c.xlsx"
    run("check-targets", export, "--targets", targets_file(tmp_path, PLAN), "--period", "2023-03", "--output", out)
    ws = openpyxl.load_workbook(out).worksheets[0]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "không đạt" in values and 0.34 in values


@pytest.mark.parametrize("body,needle", [
    ('[[targets]]\nkpi = "digitised_results_rate"\nmin = 0.4\n', "targets[0].kpi: không có chỉ tiêu 'digitised_results_rate'. Có phải ý bạn là 'digitised_result_rate'?"),
    ('[[targets]]\nkpi = "online_rate"\nmin = 40\n', "targets[0].min"),
    ('[[targets]]\nkpi = "online_rate"\nmin = 0.6\nmax = 0.5\n', "min = 0.6 lớn hơn max = 0.5"),
    ('[[targets]]\nkpi = "online_rate"\nmn = 0.5\n', "targets[0].mn: khóa không hợp lệ 'mn'. Có phải ý bạn là 'min'?"),
    ('[[targets]]\nkpi = "online_rate"\nlevel = "Huyen tinh"\nmin = 0.5\n', "targets[0].level: không có cấp"),
    ('naem = "x"\n[[targets]]\nkpi = "online_rate"\nmin = 0.5\n', "khóa không hợp lệ 'naem'. Có phải ý bạn là 'name'?"),
    ('extends = "cantho-2032"\n', "--preset 'cantho-2032'"),
    ('[[targets]\nkpi = 1\n', "TOML"),
])
def test_configuration_errors_exit_2(export, tmp_path, body, needle):
    f = targets_file(tmp_path, body)
    r = run("check-targets", export, "--targets", f)
    assert r.exit_code == 2, r.output
    assert needle in r.output
    assert str(f) in r.output or "preset" in r.output


def test_unknown_preset_and_both_sources(export, tmp_path):
    r = run("check-targets", export, "--preset", "hanoi-2023")
    assert r.exit_code == 2 and "hanoi-2022" in r.output
    r = run("check-targets", export)
    assert r.exit_code == 2 and "--preset" in r.output


def test_data_error_is_never_a_missed_target(tmp_path):
    r = run("check-targets", tmp_path / "none.csv", "--preset", "cantho-2023")
    assert r.exit_code == 3


def test_extends_a_preset(tmp_path):
    f = targets_file(tmp_path, 'extends = "cantho-2023"\n[[targets]]\nkpi = "digitised_result_rate"\nlevel = "Xã"\nmin = 0.30\n'
                               '[[targets]]\nkpi = "on_time_rate"\nmin = 0.9\n')
    ts = load_targets(f)
    got = sorted((t.kpi, t.level, t.min) for t in ts.targets)
    assert got == [("digitised_result_rate", "Huyện", 0.4), ("digitised_result_rate", "Xã", 0.3),
                   ("full_online_eligible_rate", None, 1.0), ("interconnect_sent_rate", "Tỉnh", 0.9),
                   ("on_time_rate", None, 0.9), ("online_payment_rate", None, 0.3), ("signed_document_rate", "Tỉnh", 1.0)]


def test_samples_show_pass_and_fail():
    r = run("check-targets", SAMPLES / "dossiers", "--preset", "cantho-2023", "--period", "2023-03", "--format", "json")
    assert r.exit_code == 1
    s = json.loads(r.stdout)["summary"]
    assert s["pass"] > 0 and s["fail"] > 0


def test_presets_command():
    r = run("presets", "--format", "json")
    doc = json.loads(r.stdout)
    names = {p["name"]: p for p in doc["presets"]}
    assert set(names) == {"cantho-2023", "hanoi-2022"}
    assert {"kpi": "postal_rate", "min": 0.25, "warn_min": 0.3} in names["hanoi-2022"]["targets"]


def test_targets_on_an_input_not_given_are_listed_not_checked():
    r = run("check-targets", SAMPLES / "dossiers", "--preset", "cantho-2023", "--period", "2023-03", "--format", "json")
    doc = json.loads(r.stdout)
    assert sorted(t["kpi"] for t in doc["not_checked"]) == ["full_online_eligible_rate", "interconnect_sent_rate",
                                                           "signed_document_rate"]
    assert not any(c["kpi"] == "signed_document_rate" for c in doc["checks"])
    # with the register, the document targets are checked on the register's units only
    r = run("check-targets", SAMPLES, "--preset", "cantho-2023", "--period", "2023-03", "--format", "json")
    doc = json.loads(r.stdout)
    signed = [c for c in doc["checks"] if c["kpi"] == "signed_document_rate"]
    assert signed and all(c["group"]["level"] == "Tỉnh" for c in signed) and doc["not_checked"] == []
