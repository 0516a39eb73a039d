"""The README cannot drift: every `cchc` command it shows runs, on the samples.

Commands are taken from the README's ```sh blocks (lines that start with `cchc `; `make`
lines and `$ ` transcripts of broken exports are not run). They run in a scratch folder
holding the samples, where the README's placeholder paths (`exports/`, `old/`, `new/`,
`exports-2023-q1/`, `snapshot-….csv`, `plan.toml`, …) are copies of the samples. A command
fails the test when it errors (usage error 2, internal error 4, a traceback, or exit 3 where
the README does not promise it) or when its JSON no longer has the common envelope.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def readme_commands() -> list[str]:
    out, in_sh = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_sh = line.strip() in ("```sh", "```bash", "```shell") and not in_sh
            continue
        if in_sh and line.startswith("cchc "):
            out.append(re.sub(r"\s+#.*$", "", line).strip())
    return out


# exit codes a command may end with as an outcome the README describes (not an error)
OUTCOMES = {"check-targets": {0, 1}, "diff": {0, 1}}


def allowed(cmd: str) -> set[int]:
    name = cmd.split()[1]
    codes = set(OUTCOMES.get(name, {0}))
    if "--strict" in cmd:
        codes.add(3)  # "exit 3 when anything at all is wrong"
    return codes


CAN_THO = "UBND thành phố Cần Thơ"
UNITS = [("Sở Tư pháp", "Tỉnh", CAN_THO), ("Sở Kế hoạch và Đầu tư", "Tỉnh", CAN_THO),
         ("UBND quận Cái Răng", "Huyện", CAN_THO), ("UBND quận Ninh Kiều", "Huyện", CAN_THO),
         ("UBND huyện Phong Điền", "Huyện", CAN_THO), ("UBND phường Lê Bình", "Xã", "UBND quận Cái Răng"),
         ("UBND phường Hưng Phú", "Xã", "UBND quận Cái Răng"), ("UBND xã Nhơn Ái", "Xã", "UBND huyện Phong Điền")]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "samples", ws / "samples")
    dossiers = ws / "samples" / "dossiers"
    for name in ("exports", "exports-2023-q1", "exports-2023-q3", "old", "new"):
        shutil.copytree(dossiers, ws / name)
    csv = next(dossiers.glob("*.csv"))
    for name in ("snapshot-04-05.csv", "snapshot-04-20.csv"):
        shutil.copy(csv, ws / name)
    shutil.copy(ws / "samples" / "targets.toml", ws / "plan.toml")
    shutil.copy(ws / "samples" / "catalogue.xlsx", ws / "danhmuc.xlsx")
    (ws / "donvi.csv").write_text(  # the units file of the index examples: unit, level, parent
        "Đơn vị,Cấp,Đơn vị cấp trên\n" + "".join(f"{u},{lv},{p}\n" for u, lv, p in UNITS), encoding="utf-8")
    (ws / "plan-index.toml").write_text('name = "Điểm QĐ 766"\n[[targets]]\nindex = "qd766.progress"\nmin_points = 18\n'
                                        '[[targets]]\nindex = "qd766.total"\nlevel = "Xã"\nmin_points = 30\n',
                                        encoding="utf-8")
    bin_ = ws / "bin"
    bin_.mkdir()
    wrapper = bin_ / "cchc"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cchc_cli.cli "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return ws


def test_the_readme_shows_commands():
    cmds = readme_commands()
    assert len(cmds) >= 15
    assert cmds[0] == "cchc compute samples/dossiers --period 2023-03 --by unit"


@pytest.mark.parametrize("cmd", readme_commands())
def test_readme_command_runs(workspace, cmd):
    env = dict(os.environ, PATH=f"{workspace / 'bin'}:{os.environ.get('PATH', '')}",
               PYTHONPATH=str(ROOT), CCHC_LANG="vi")
    p = subprocess.run(["bash", "-c", cmd], cwd=workspace, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode in allowed(cmd), f"{cmd}\nexit {p.returncode}\n{p.stderr[-2000:]}"
    assert "Traceback" not in p.stderr
    outputs = re.findall(r"(?:--output|-o) (\S+)", cmd)
    for out in outputs:
        assert (workspace / out).stat().st_size > 0, out
    if "--format json" in cmd:
        text = (workspace / outputs[0]).read_text(encoding="utf-8") if outputs else p.stdout
        doc = json.loads(text)
        assert doc["tool"] == "cchc" and doc["schema_version"] == 1 and doc["command"] == cmd.split()[1]


def python_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("code", python_blocks(), ids=lambda c: c.strip().splitlines()[0][:40])
def test_readme_python_runs(code, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = code.replace("\"exports/\"", "\"samples/dossiers\"")  # the placeholder folder, as for commands
    exec(compile(code, "README.md", "exec"), {})
