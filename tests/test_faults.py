"""Faults of the world around a run: inputs that vanish or change while it runs, cannot be
read, are not files; an --output that is an input (by name, symbolic or hard link, inside
an input folder, a catalogue, a diff side); a full disk; a reader that closes the pipe;
Ctrl-C. Each gives a clear message, the right exit code, and no half-written output.

Real conditions wherever the machine allows them: a tmpfs of a few KB for the full disk
(mounting needs root; otherwise the write is made to fail with ENOSPC), /dev/full for
stdout, a FIFO, a real SIGINT to a real process. The only hook is the per-file progress
callback (a seam the CLI has anyway) to act between the listing of a folder and the
reading of a file."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import write_csv
from cchc_cli import cli as cli_module
from cchc_cli.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CCHC = [sys.executable, "-m", "cchc_cli"]
HEAD = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái"]


def export(path: Path, n: int = 3, prefix: str = "F") -> Path:
    return write_csv(path, [HEAD] + [[f"{prefix}{i}", "UBND quận Cái Răng", "01/03/2023", "05/03/2023", "03/03/2023",
                                      "Đã trả kết quả"] for i in range(n)])


def invoke(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in r.stdout + r.stderr and r.exit_code != 4, r.stdout + r.stderr
    return r


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ------------------------------------------------------------------ inputs that change under the run


def _on_reading(monkeypatch, name: str, action):
    """Act on a file just before cchc reads it (after the folder was listed and the kinds
    detected): the CLI's progress callback, installed as if stderr were a terminal."""
    def progress(lang):
        def on_file(path: Path):
            if path.name == name:
                action(path)
        return on_file

    monkeypatch.setattr(cli_module, "_progress", progress)


def test_an_input_deleted_while_the_run_reads_the_folder(tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    export(folder / "a.csv", prefix="A")
    export(folder / "b.csv", prefix="B")
    _on_reading(monkeypatch, "b.csv", lambda p: p.unlink())
    r = invoke("compute", folder, "--period", "2023-03", "--output", tmp_path / "r.json")
    assert r.exit_code == 3
    assert f"{folder / 'b.csv'}: không tìm thấy tệp (có thể đã bị xóa hoặc di chuyển trong lúc chạy)" in r.stderr
    assert not (tmp_path / "r.json").exists() and leftovers(tmp_path) == []


def test_an_input_replaced_by_a_folder_while_the_run_reads(tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    export(folder / "a.csv", prefix="A")
    export(folder / "b.csv", prefix="B")

    def swap(p: Path):
        p.unlink()
        p.mkdir()

    _on_reading(monkeypatch, "b.csv", swap)
    r = invoke("validate", folder)
    assert r.exit_code == 3
    assert f"{folder / 'b.csv'}: là một thư mục, không phải tệp" in r.stderr


def test_an_input_truncated_while_the_run_reads(tmp_path, monkeypatch):
    """The export being rewritten by another program: emptied between listing and reading."""
    folder = tmp_path / "exports"
    folder.mkdir()
    export(folder / "a.csv", prefix="A")
    export(folder / "b.csv", prefix="B")
    _on_reading(monkeypatch, "b.csv", lambda p: p.write_bytes(b""))
    r = invoke("compute", folder, "--period", "2023-03")
    assert r.exit_code == 3 and f"{folder / 'b.csv'}: tệp rỗng" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_input(tmp_path):
    p = export(tmp_path / "locked.csv")
    p.chmod(0)
    try:
        r = invoke("compute", p)
    finally:
        p.chmod(0o644)
    assert r.exit_code == 3 and f"{p}: không đọc được tệp" in r.stderr


def test_inputs_that_are_not_files(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    r = invoke("compute", fifo)  # never opened: it would block
    assert r.exit_code == 3 and f"{fifo}: không phải tệp thông thường" in r.stderr
    link = tmp_path / "gone.csv"
    link.symlink_to(tmp_path / "nowhere.csv")
    r = invoke("validate", link)
    assert r.exit_code == 3 and str(link) in r.stderr and "không tìm thấy" in r.stderr
    r = invoke("columns", tmp_path)
    assert r.exit_code == 3 and "là một thư mục" in r.stderr
    r = invoke("compute", "/dev/null")
    assert r.exit_code == 3 and "không phải tệp thông thường" in r.stderr


# ------------------------------------------------------------------ --output never overwrites an input


def _output_cases(tmp_path: Path):
    folder = tmp_path / "exports"
    (folder / "sub").mkdir(parents=True)
    a = export(folder / "a.csv", prefix="A")
    nested = export(folder / "sub" / "b.csv", prefix="B")
    link = tmp_path / "link.csv"
    link.symlink_to(a)
    hard = tmp_path / "hard.csv"
    os.link(a, hard)
    cat = SAMPLES / "catalogue.xlsx"
    return folder, a, nested, link, hard, cat


def test_output_is_never_an_input(tmp_path):
    folder, a, nested, link, hard, cat = _output_cases(tmp_path)
    before = {p: p.read_bytes() for p in (a, nested)}
    cases = [
        ("compute", a, "--output", a),  # by name
        ("compute", a, "--output", link),  # a symbolic link to it
        ("compute", a, "--output", hard),  # a hard link to it
        ("compute", folder, "--output", nested),  # in a sub-folder of an input folder
        ("compute", folder, "--output", tmp_path / "exports" / "sub" / ".." / "a.csv"),
        ("validate", folder, "--output", a),
        ("check-targets", a, "--preset", "cantho-2023", "--output", link),
        ("diff", a, folder, "--output", nested),  # NEW of diff
        ("diff", folder, a, "--output", a),  # OLD of diff
    ]
    for args in cases:
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.stderr)
        assert "trùng với một tệp đầu vào" in r.stderr and "sẽ không ghi đè" in r.stderr, r.stderr
    assert {p: p.read_bytes() for p in (a, nested)} == before
    assert leftovers(folder) == [] and leftovers(tmp_path) == []


def test_output_over_the_catalogue_or_a_json_diff_side_is_refused(tmp_path):
    import shutil

    cat = shutil.copy(SAMPLES / "catalogue.xlsx", tmp_path / "catalogue.xlsx")
    before = Path(cat).read_bytes()
    r = invoke("compute", SAMPLES / "dossiers", "--catalogue", cat, "--output", cat)
    assert r.exit_code == 2 and Path(cat).read_bytes() == before
    old = tmp_path / "q1.json"
    assert invoke("compute", SAMPLES / "dossiers", "--period", "2023-03", "--output", old).exit_code == 0
    before = old.read_bytes()
    r = invoke("diff", old, SAMPLES / "dossiers", "--period", "2023-03", "--output", old)
    assert r.exit_code == 2 and old.read_bytes() == before


def test_a_bad_output_is_refused_before_any_work(tmp_path, monkeypatch):
    from cchc_cli import dataset

    def never(*a, **k):
        raise AssertionError("read the inputs before checking --output")

    monkeypatch.setattr(dataset, "load_inputs", never)
    r = invoke("compute", SAMPLES / "dossiers", "--output", tmp_path / "missing" / "r.json")
    assert r.exit_code == 2 and "không tồn tại" in r.stderr
    r = invoke("compute", SAMPLES / "dossiers", "--output", tmp_path)
    assert r.exit_code == 2 and "là một thư mục" in r.stderr


def test_output_is_replaced_whole_and_keeps_its_mode(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old report")
    out.chmod(0o640)
    r = invoke("compute", SAMPLES / "dossiers", "--period", "2023-03", "--output", out)
    assert r.exit_code == 0
    assert json.loads(out.read_text())["tool"] == "cchc"
    assert out.stat().st_mode & 0o777 == 0o640 and leftovers(tmp_path) == []
    new = tmp_path / "new.json"
    invoke("compute", SAMPLES / "dossiers", "--period", "2023-03", "--output", new)
    umask = os.umask(0)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


# ------------------------------------------------------------------ a full disk


def _tiny_tmpfs(path: Path) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(path)], capture_output=True)
    return r.returncode == 0


def test_full_disk_on_output(tmp_path, monkeypatch):
    disk = tmp_path / "disk"
    mounted = _tiny_tmpfs(disk)
    try:
        if not mounted:  # the last resort: the write itself fails as on a full disk
            real = os.fsync

            def full(fd):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            monkeypatch.setattr(os, "fsync", full)
            del real
        old = disk / "r.json"
        old.write_text('{"previous": "report"}')
        r = invoke("compute", SAMPLES / "dossiers", "--period", "2023-03", "--by", "unit,procedure",
                   "--format", "json", "--output", old)
        assert r.exit_code == 2, r.stderr
        assert f"--output {old}: không ghi được ({os.strerror(errno.ENOSPC)})" in r.stderr
        assert "không có tệp nào bị ghi dở" in r.stderr
        assert old.read_text() == '{"previous": "report"}'  # the previous report is intact
        assert leftovers(disk) == []
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_full_disk_on_stdout():
    with open("/dev/full", "wb") as full:
        r = subprocess.run(CCHC + ["compute", str(SAMPLES / "dossiers"), "--period", "2023-03", "--format", "json"],
                           stdout=full, stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert "không ghi được kết quả ra đầu ra chuẩn" in err and "Traceback" not in err


def test_a_closed_pipe_keeps_the_exit_code():
    """`cchc check-targets … | head`: the reader goes away; no traceback, and a missed
    target still exits 1 (the JSON of the samples is larger than a pipe's buffer)."""
    p = subprocess.Popen(CCHC + ["check-targets", str(SAMPLES / "dossiers"), "--period", "2023-03", "--by", "unit,procedure",
                                 "--preset", "cantho-2023", "--format", "json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert p.stdout.read(10).startswith(b"{")
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 1, err
    assert "Traceback" not in err and "Kết quả: KHÔNG ĐẠT" in err


# ------------------------------------------------------------------ Ctrl-C


def test_ctrl_c_while_writing_leaves_the_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"previous")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    r = invoke("compute", SAMPLES / "dossiers", "--period", "2023-03", "--output", out)
    assert r.exit_code == 130
    assert "Đã dừng theo yêu cầu (Ctrl-C); không có tệp kết quả nào bị ghi dở." in r.stderr
    assert out.read_bytes() == b"previous" and leftovers(tmp_path) == []


@pytest.mark.skipif(sys.platform != "linux", reason="a pty and signals")
def test_ctrl_c_during_a_long_run(tmp_path):
    """A real SIGINT to a real process reading 300 files, sent once it has said it is
    reading (progress shows on a terminal: stderr is a pty)."""
    import pty
    import select

    folder = tmp_path / "exports"
    folder.mkdir()
    for i in range(300):
        export(folder / f"e{i:03d}.csv", n=5, prefix=f"E{i}-")
    out = tmp_path / "r.json"
    master, slave = pty.openpty()
    # a shell's background job (`make test &`) starts with SIGINT ignored and its children
    # inherit that; Ctrl-C reaches cchc with its default disposition, as from a terminal
    p = subprocess.Popen(CCHC + ["compute", str(folder), "--period", "2023-03", "--output", str(out)],
                         stdout=subprocess.PIPE, stderr=slave, cwd=ROOT,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 120
    try:
        while seen.count("Đang đọc".encode()) < 3 and time.monotonic() < deadline:
            if select.select([master], [], [], 1)[0]:
                seen += os.read(master, 4096)
        assert seen.count("Đang đọc".encode()) >= 3, seen
        p.send_signal(signal.SIGINT)
        code = p.wait(timeout=60)
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if p.poll() is None:
            p.kill()
        os.close(master)
    text = seen.decode("utf-8", "replace")
    assert code == 130, text[-1000:]
    assert "Đã dừng theo yêu cầu" in text and "Traceback" not in text
    assert not out.exists() and leftovers(tmp_path) == []
