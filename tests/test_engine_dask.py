"""``--engine dask``: the same numbers as the local engine, from a real dask.distributed
cluster (the session's ``dask_scheduler`` fixture: a LocalCluster of 2 worker processes)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from builders import write_csv
from cchc_cli import api
from cchc_cli.cli import app
from strategies import HEADER, export_rows

SAMPLES = Path(__file__).parent.parent / "samples" / "dossiers"
runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def doc(res) -> dict:
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def numbers(d: dict) -> dict:
    """What must not depend on how the rows were split: results, counts, the period."""
    return {k: d[k] for k in ("period", "group_by", "results", "counts", "unavailable", "conflicts")}


@pytest.mark.parametrize("opts", [["--by", "unit", "--period", "2023-03"], ["--by", "month,unit"], [],
                                  ["--by", "level,channel", "--period", "2023-Q1"]])
def test_dask_equals_local_on_the_samples(dask_scheduler, opts):
    local = doc(cli("compute", SAMPLES, *opts, "--format", "json"))
    dask = doc(cli("compute", SAMPLES, *opts, "--format", "json", "--engine", "dask",
                   "--scheduler", dask_scheduler))
    assert dask == local  # inputs (rows, used, rejected, duplicates per file) included


def test_check_targets_on_dask(dask_scheduler):
    args = ["check-targets", SAMPLES, "--preset", "cantho-2023", "--period", "2023-03", "--format", "json"]
    local = cli(*args)
    dask = cli(*args, "--engine", "dask", "--scheduler", dask_scheduler)
    assert dask.exit_code == local.exit_code
    assert json.loads(dask.stdout) == json.loads(local.stdout)


def test_run_says_scheduler_partitions_workers_and_quiet_silences(dask_scheduler):
    res = runner.invoke(app, ["compute", str(SAMPLES), "--format", "json", "--engine", "dask",
                              "--scheduler", dask_scheduler, "--lang", "en"])
    assert res.exit_code == 0
    assert f"scheduler {dask_scheduler}, 3 partitions, 2 workers" in res.stderr
    res = runner.invoke(app, ["compute", str(SAMPLES), "--format", "json", "--engine", "dask",
                              "--scheduler", dask_scheduler, "--quiet"])
    assert res.exit_code == 0 and res.stderr == ""


def test_scheduler_needs_engine_dask():
    res = cli("compute", SAMPLES, "--scheduler", "tcp://127.0.0.1:1", "--lang", "en")
    assert res.exit_code == 2 and "--engine dask" in res.stderr


def test_catalogue_needs_local_engine(dask_scheduler):
    res = cli("compute", SAMPLES, "--catalogue", SAMPLES.parent / "catalogue.xlsx", "--engine", "dask",
              "--scheduler", dask_scheduler, "--lang", "en")
    assert res.exit_code == 2 and "local engine" in res.stderr


def _rows(n: int, seed: int) -> list[list[str]]:
    r = random.Random(seed)
    units = ["UBND quận Cái Răng", "UBND phường Lê Bình", "Sở Tư pháp"]
    out = []
    for i in range(n):
        day = r.randint(1, 28)
        fin = "" if r.random() < 0.3 else f"{min(28, day + r.randint(0, 5)):02d}/03/2023"
        out.append([f"P{i}", r.choice(units), f"{day:02d}/03/2023", f"{min(28, day + 3):02d}/03/2023", fin,
                    r.choice(["Đã trả kết quả", "Đang xử lý"]), r.choice(["Trực tiếp", "Trực tuyến"]),
                    r.choice(["Toàn trình", "Một phần"]), "", "Có", "Không", "Có", ""])
    return out


def test_hive_parquet_dataset_and_file_url(dask_scheduler, tmp_path):
    rows = _rows(300, 1)
    flat = write_csv(tmp_path / "all.csv", [HEADER] + rows)
    root = tmp_path / "ds"
    unit_col = HEADER.index("Đơn vị tiếp nhận")
    for unit in sorted({r[unit_col] for r in rows}):
        for month in ("03",):
            sub = [r for r in rows if r[unit_col] == unit]
            cols = [h for h in HEADER if h != "Đơn vị tiếp nhận"]
            data = {h: [r[HEADER.index(h)] for r in sub] for h in cols}
            d = root / f"unit={unit}" / f"month=2023-{month}"
            d.mkdir(parents=True)
            for k in range(2):  # two parts per folder
                half = {h: v[k::2] for h, v in data.items()}
                pq.write_table(pa.table(half), d / f"part-{k}.parquet")
    local = doc(cli("compute", flat, "--by", "unit", "--period", "2023-03", "--format", "json"))
    res = runner.invoke(app, ["compute", f"file://{root}", "--by", "unit", "--period", "2023-03",
                              "--format", "json", "--engine", "dask", "--scheduler", dask_scheduler,
                              "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "6 partitions" in res.stderr and "partition keys ignored" in res.stderr and "month" in res.stderr
    dask = json.loads(res.stdout)
    assert numbers(dask) == numbers(local)
    assert sum(i["rows"] for i in dask["inputs"]) == 300


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(files=st.lists(export_rows(prefix="D", min_size=1, max_size=25), min_size=1, max_size=3),
       parts=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_dask_equals_local_on_generated_partitions(dask_scheduler, tmp_path_factory, files, parts, seed):
    """Generated exports whose ids repeat across files (prefix "D" in every file), cut into
    random partitions: duplicates land in different partitions and the dask engine keeps
    the same copy as the local engine."""
    tmp = tmp_path_factory.mktemp("gen")
    r = random.Random(seed)
    local_dir, dask_dir = tmp / "local", tmp / "dask"
    local_dir.mkdir()
    dask_dir.mkdir()
    for i, rows in enumerate(files):
        write_csv(local_dir / f"f{i}.csv", [HEADER] + rows)
    # the same rows, every file cut at random points into up to `parts` partition files;
    # the local engine reads these partitions too, so both see the same file order
    k = 0
    for rows in files:
        cuts = sorted(r.sample(range(1, len(rows)), min(parts - 1, len(rows) - 1))) if len(rows) > 1 else []
        for a, b in zip([0] + cuts, cuts + [len(rows)]):
            write_csv(dask_dir / f"p{k:03d}.csv", [HEADER] + rows[a:b])
            k += 1
    for by in (["unit"], ["month", "channel"]):
        try:
            want = api.compute([dask_dir], by=by)
        except Exception as e:  # the local engine refuses (no usable rows …): so must dask
            with pytest.raises(type(e)):
                api.compute([dask_dir], by=by, engine="dask", scheduler=dask_scheduler)
            continue
        got = api.compute([dask_dir], by=by, engine="dask", scheduler=dask_scheduler)
        assert got.to_json() == want.to_json()  # inputs: rows, used, rejected, duplicates per file
        assert got.dataset.conflicts == want.dataset.conflicts
    shutil.rmtree(tmp)


def test_a_reading_error_on_a_worker_is_the_local_error(dask_scheduler, tmp_path):
    write_csv(tmp_path / "a.csv", [["Tên", "Tuổi"], ["x", "1"]])
    local = cli("compute", tmp_path, "--lang", "en")
    dask = cli("compute", tmp_path, "--lang", "en", "--engine", "dask", "--scheduler", dask_scheduler)
    assert local.exit_code == dask.exit_code == 3
    # the same message (files are chosen as the local engine chooses them, before any
    # partition reaches the cluster; a scheduler line, if the run got that far, aside)
    said = [line for line in dask.stderr.splitlines(keepends=True) if not line.startswith("dask:")]
    assert local.stderr == "".join(said)


def test_progress_on_a_terminal_only(tmp_path):
    import io

    from rich.console import Console

    from cchc_cli.engines.progress import FileProgress, progress_for

    class Pipe(io.StringIO):
        def isatty(self):
            return False

    with progress_for([SAMPLES], "en", stream=Pipe()) as on_file:
        assert on_file is None
    with progress_for([SAMPLES], "en", quiet=True, stream=Pipe()) as on_file:
        assert on_file is None
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    with FileProgress([SAMPLES], "en", console=console) as p:
        for f in sorted(SAMPLES.iterdir()):
            p.shown = 0.0  # draw every file here
            p(f)
        assert p.count == 3 and p.done_bytes > 0
    assert "file 3 of 3" in buf.getvalue()


def test_conflict_examples_as_the_local_engine_lists_them(dask_scheduler):
    local = api.compute([SAMPLES], period="2023-03")
    dask = api.compute([SAMPLES], period="2023-03", engine="dask", scheduler=dask_scheduler)
    assert local.dataset.conflicts and dask.dataset.conflicts == local.dataset.conflicts
    assert [p.__dict__ for p in dask.problems] == [p.__dict__ for p in local.problems]


def test_urls_and_engines():
    from cchc_cli.engines.partitions import list_parts, normalise
    from cchc_cli.errors import ConfigError

    assert normalise("s3:/bucket/x") == "s3://bucket/x" and normalise("C:/x") == "C:/x"
    parts, _ = list_parts([f"file://{SAMPLES}"])
    assert [p.name for p in parts] == sorted(f.name for f in SAMPLES.iterdir())
    with pytest.raises(ConfigError):
        api.compute([SAMPLES], engine="spark")


def test_one_large_csv_is_split_at_record_boundaries(dask_scheduler, tmp_path, monkeypatch):
    """A CSV larger than SPLIT_MIN_BYTES becomes partitions of whole records, cut where the
    byte scan finds a record's end (a quoted line break is never a cut); the numbers, the
    duplicates across partitions and the file's report are the default engine's."""
    from cchc_cli.engines import partitions

    monkeypatch.setattr(partitions, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(partitions, "SPLIT_ROWS", 40)
    rows = [[f"D{i % 245}", ["Sở Tư pháp", "UBND phường Lê Bình"][i % 2], f"{1 + i % 28:02d}/03/2023",
             "", f"{1 + i % 28:02d}/03/2023" if i % 3 else "", ["Đã trả kết quả", "Đang xử lý"][i % 2]]
            + [""] * 7 + ["dòng 1\ndòng 2, \"trích\"" if i % 5 == 0 else ""] for i in range(250)]
    path = write_csv(tmp_path / "lon.csv", [HEADER + ["Ghi chú"]] + rows)
    parts, _ = partitions.list_parts([str(path)])
    assert len(parts) > 3 and {p.block for p in parts} == set(range(len(parts)))
    for by in (["unit"], ["month"]):
        want = api.compute([path], by=by, period="2023-03")
        got = api.compute([path], by=by, period="2023-03", engine="dask", scheduler=dask_scheduler)
        assert got.to_json() == want.to_json()
        assert [i.path for i in got.inputs] == [str(path)] and got.inputs[0].duplicates == 5
        assert got.dataset.conflict_count == want.dataset.conflict_count
