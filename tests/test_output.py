"""Where results go: devices and FIFOs are streamed and never replaced, a write that fails
or is interrupted leaves no temporary file and the old report intact, a reader that goes
away ends the output quietly with the exit code of the outcome (issue 12)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cchc_cli.errors import OutputError, Terminated
from cchc_cli.render import output

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "dossiers"
CCHC = [sys.executable, "-m", "cchc_cli.cli"]


def cchc(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*CCHC, *args], cwd=ROOT, capture_output=True, text=True, **kw)


def test_dev_null_is_written_not_replaced():
    before = os.stat("/dev/null")
    r = cchc("compute", str(SAMPLES), "--period", "2023-03", "--format", "json", "--output", "/dev/null")
    assert r.returncode == 0, r.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert not list(Path("/dev").glob(".cchc-*"))


def test_fifo_is_streamed(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = cchc("compute", str(SAMPLES), "--period", "2023-03", "--format", "json", "--output", str(fifo))
    reader.join(timeout=30)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert b'"tool": "cchc"' in got[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.fifo"]


def test_dev_stdout_through_a_pipe():
    r = subprocess.run([*CCHC, "compute", str(SAMPLES), "--period", "2023-03", "--format", "json",
                        "--output", "/dev/stdout"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    assert b'"command": "compute"' in r.stdout


def test_a_long_name_is_written_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / ("b" * 245 + ".json")
    r = cchc("compute", str(SAMPLES), "--period", "2023-03", "--format", "json", "--output", str(target))
    assert r.returncode == 0, r.stderr
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_an_unwritable_folder_is_exit_2_and_nothing_is_left(tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError) as e:
        output.write("x", tmp_path / "r.json")
    assert e.value.exit_code == 2 and "Permission denied" in e.value.text("en")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [15, 1])
def test_a_termination_signal_while_writing_leaves_the_old_report(tmp_path, monkeypatch, signum):
    target = tmp_path / "r.json"
    target.write_text("old")

    def killed(fd):
        raise Terminated(signum)

    monkeypatch.setattr(output.os, "fsync", killed)
    with pytest.raises(Terminated):
        output.write("new", target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_sigterm_before_the_command_runs_ends_as_143(tmp_path):
    """A real SIGTERM delivered to a running cchc: exit 128 + 15, no traceback."""
    code = ("import os, signal, sys\n"
            "from cchc_cli import cli\n"
            "cli.on_termination_signals()\n"
            "import cchc_cli.api as api\n"
            "real = api.compute\n"
            "def slow(*a, **k):\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    return real(*a, **k)\n"
            "api.compute = slow\n"
            "sys.argv = ['cchc', 'compute', sys.argv[1], '--period', '2023-03', '--format', 'json', '--output', sys.argv[2]]\n"
            "cli.main()\n")
    target = tmp_path / "r.json"
    r = subprocess.run([sys.executable, "-c", code, str(SAMPLES), str(target)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 143, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and "SIGTERM" in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args,code", [
    (["kpis"], 0),
    (["compute", str(SAMPLES), "--period", "2023-03", "--by", "unit"], 0),
    (["check-targets", str(SAMPLES), "--period", "2023-03", "--preset", "cantho-2023"], 1),
])
def test_a_closed_pipe_keeps_the_outcome_exit_code(args, code):
    """`cchc kpis | head -1`: the reader is gone; the exit code is still the outcome's
    (0, or 1 for a missed target), never the 1 of a broken pipe."""
    rd, wr = os.pipe()
    os.close(rd)  # every write to stdout meets EPIPE
    try:
        r = subprocess.run([*CCHC, *args], cwd=ROOT, stdout=wr, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(wr)
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr
