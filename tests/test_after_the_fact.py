"""Which changes between two snapshots of one period are edits after the fact (issue 12).

A dossier's life goes one way — submitted → processing (waiting) → resolved → returned, or
it ends refused, withdrawn or stopped. Moving along it is an ordinary change and is never
listed under ``after_the_fact``. Rewriting what was already final is: a date of a dossier
that had ended, a status going backwards or from one ending to another, the channel or the
unit (set at receipt). docs/decisions.md gives the reasons."""

from __future__ import annotations

import pytest

from builders import write_csv
from cchc_cli.compare import diff

HEAD = ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái", "Hình thức nộp"]
UNIT = "UBND phường An Bình"
BASE = {"unit": UNIT, "rec": "01/03/2023", "due": "10/03/2023", "fin": "", "status": "Đang xử lý", "channel": "Trực tiếp"}
ENDED = BASE | {"fin": "08/03/2023", "status": "Đã giải quyết"}


def row(i: str, d: dict) -> list[str]:
    return [i, d["unit"], d["rec"], d["due"], d["fin"], d["status"], d["channel"]]


CASES = [
    # (name, old, new, edited after the fact?, flag expected)
    ("resolved_to_returned", ENDED, ENDED | {"status": "Đã trả kết quả"}, False, None),
    ("processing_to_resolved", BASE, ENDED, False, None),
    ("submitted_to_processing", BASE | {"status": "Mới nộp"}, BASE, False, None),
    ("pending_to_refused", BASE, BASE | {"status": "Từ chối", "fin": "05/03/2023"}, False, None),
    ("due_extended_while_pending", BASE, BASE | {"due": "20/03/2023"}, False, None),
    ("returned_back_to_processing", ENDED | {"status": "Đã trả kết quả"}, BASE, True, "status_backwards"),
    ("resolved_to_refused", ENDED, ENDED | {"status": "Từ chối"}, True, None),
    ("finish_moved_earlier", ENDED, ENDED | {"fin": "05/03/2023"}, True, "finished_earlier"),
    ("due_moved_later_once_ended", ENDED | {"fin": "12/03/2023"}, ENDED | {"fin": "12/03/2023", "due": "15/03/2023"},
     True, "late_to_on_time"),
    ("receipt_moved_once_ended", ENDED, ENDED | {"rec": "02/03/2023"}, True, "received_later"),
    ("channel_changed_while_pending", BASE, BASE | {"channel": "Trực tuyến"}, True, None),
    ("unit_changed_while_pending", BASE, BASE | {"unit": "UBND phường Bình Thủy"}, True, None),
]


@pytest.mark.parametrize("name,old,new,edited,flag", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_move(tmp_path, name, old, new, edited, flag):
    # a second dossier that does not change keeps both snapshots from being trivial
    still = row("KEEP", ENDED)
    a = write_csv(tmp_path / "old.csv", [HEAD, row("X1", old), still])
    b = write_csv(tmp_path / "new.csv", [HEAD, row("X1", new), still])
    d = diff([a], [b], period="2023-03")
    assert d.dossiers.changed == 1  # every case is a change
    listed = [r["dossier_id"] for r in d.dossiers.after_the_fact]
    assert (listed == ["X1"]) is edited, (name, d.dossiers.after_the_fact)
    assert d.dossiers.after_the_fact_count == (1 if edited else 0)
    if flag:
        assert flag in d.dossiers.after_the_fact[0]["flags"]


def test_ordinary_progress_of_many_dossiers_raises_no_alarm(tmp_path):
    """Five dossiers going from resolved to returned — the ordinary next step — are changes,
    with no effect on any KPI, and no edit after the fact."""
    old = [row(f"R{i}", ENDED) for i in range(5)]
    new = [row(f"R{i}", ENDED | {"status": "Đã trả kết quả"}) for i in range(5)]
    d = diff([write_csv(tmp_path / "a.csv", [HEAD] + old)], [write_csv(tmp_path / "b.csv", [HEAD] + new)], period="2023-03")
    assert d.dossiers.changed == 5 and d.dossiers.after_the_fact_count == 0
    assert d.summary["edited_after_the_fact"] == 0
    assert all(c["change"] == "unchanged" for c in d.kpis)


def test_a_diff_side_with_no_dossier_in_its_period_says_so():
    """The empty-period message reaches diff too (issue 11): a typo in --old-period never
    passes for a quiet month; the diff still exits 0."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-m", "cchc_cli.cli", "diff", "samples/dossiers", "samples/dossiers",
                        "--old-period", "2021-03", "--new-period", "2023-03", "--format", "json"],
                       cwd=root, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "01/03/2021" in p.stderr and "Traceback" not in p.stderr
