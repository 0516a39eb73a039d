#!/usr/bin/env python3
"""Scale benchmarks (issue 13): a large CSV and the same rows as a Parquet dataset in
partitions, cchc's default engine and ``--engine dask`` beside DuckDB, in one run.

    .venv/bin/python benchmarks/scale.py                          # 1M and 10M rows, 20 partitions
    .venv/bin/python benchmarks/scale.py --rows 1000000 --small 0 # one size only

Data (git-ignored, under benchmarks/data/, reused when present): the generator of
``run.py`` (same seed, same columns) writes ``dossiers-<N>.csv``; its rows are copied, as
text columns, into ``dossiers-<N>-parquet/part-XX.parquet`` (``--partitions`` files).

Timed (whole processes, wall clock, peak RSS of the child from ``os.wait4``; best of
``--repeats`` after no warm-up, the machine being shared):
  csv-local   cchc compute CSV --period 2023 --by unit --format json (default engine)
  csv-duck    DuckDB, the same counts from the same CSV (run.py's script)
  pq-local    cchc compute <parquet dir> (default engine: every part read in one process)
  pq-dask     cchc compute <parquet dir> --engine dask --scheduler <LocalCluster address>
              (2 worker processes of 1 thread, started by this script; the workers' peak
              RSS is read from the workers themselves after the runs)
  pq-duck     DuckDB on the Parquet parts
The figures are printed and written to benchmarks/data/SCALE-<date>.md; copy them into
RESULTS.md by hand (the "## scale" section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as base  # noqa: E402  (the generator, the timing and DuckDB's script)


def log(s: str) -> None:
    print(s, flush=True)


def run_child(cmd, stdout, stderr, env=None, cwd=base.ROOT):
    """``run.run_child`` with the peak RSS read from /proc/<pid>/status (VmHWM, polled):
    the rusage of a child forked from this process (which holds a LocalCluster client and
    the generated data) would report this process's own peak for every child."""
    import os
    import subprocess

    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        hwm = 0
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            hwm = max(hwm, int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.05)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, hwm, p.returncode


base.run_child = run_child


def ensure_parquet(csv_path: Path, rows: int, parts: int) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    out = base.DATA / f"{csv_path.stem}-parquet{parts}"
    done = out / "_done"
    if done.exists() and done.read_text().strip() == str(rows):
        log(f"data: {out.relative_to(base.ROOT)} exists, kept")
        return out
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob("*.parquet"):
        f.unlink()
    t0 = time.perf_counter()
    types = {h: pa.string() for h in base.HEADERS}
    reader = pcsv.open_csv(csv_path, read_options=pcsv.ReadOptions(block_size=1 << 24),
                           convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                               quoted_strings_can_be_null=False))
    per = -(-rows // parts)
    k, writer, in_part = 0, None, 0
    for batch in reader:
        while batch.num_rows:
            if writer is None:
                writer = pq.ParquetWriter(out / f"part-{k:02d}.parquet", batch.schema)
            take = min(per - in_part, batch.num_rows)
            writer.write_table(pa.Table.from_batches([batch.slice(0, take)]))
            batch = batch.slice(take)
            in_part += take
            if in_part == per:
                writer.close()
                writer, in_part, k = None, 0, k + 1
    if writer is not None:
        writer.close()
    done.write_text(f"{rows}\n")
    log(f"data: wrote {out.relative_to(base.ROOT)} ({parts} parts) in {time.perf_counter() - t0:.1f} s")
    return out


def worker_peaks(client) -> dict[str, tuple[float, float]]:
    """Each worker's (peak RSS in MB, CPU seconds) since the cluster started."""
    def peak():
        import resource

        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_maxrss / 1024, u.ru_utime + u.ru_stime

    return client.run(peak)


def one_size(rows: int, parts: int, repeats: int, scheduler: str, client, tmp: Path,
             only: list[str] | None = None) -> list[str]:
    csv_path = base.ensure_data("csv", rows, log)
    pq_dir = ensure_parquet(csv_path, rows, parts)
    cchc = base.cchc_cmd()
    size = base._size_name(rows)
    # the 10M CSV (3.2 GB, 19 columns) is above the default 2 GB and 2M-row limits
    mb = int(csv_path.stat().st_size / 2**20) + 1
    common = ["--period", "2023", "--by", "unit", "--format", "json", "--max-rows", str(rows * 2),
              "--max-file-mb", str(max(mb, 2048))]
    duck_pq = base.DUCKDB_SCRIPT.replace(
        "read_csv(?, header = true, all_varchar = true, delim = ',', quote = '\"')", "read_parquet(?)")
    jobs = [
        base.Job("csv-local", f"cchc, CSV {size}, default engine",
                 cchc + ["compute", str(csv_path), *common, "--output", str(tmp / f"csv-local-{size}.json")]),
        base.Job("csv-duck", f"DuckDB, CSV {size}",
                 [sys.executable, "-c", base.DUCKDB_SCRIPT, str(csv_path), "|".join(base.RESOLVED_LABELS)]),
        base.Job("pq-local", f"cchc, Parquet {size} in {parts} parts, default engine",
                 cchc + ["compute", str(pq_dir), *common, "--output", str(tmp / f"pq-local-{size}.json")]),
        base.Job("pq-dask", f"cchc, Parquet {size} in {parts} parts, --engine dask (2 workers)",
                 cchc + ["compute", str(pq_dir), *common, "--engine", "dask", "--scheduler", scheduler,
                         "--output", str(tmp / f"pq-dask-{size}.json")]),
        base.Job("pq-duck", f"DuckDB, Parquet {size} in {parts} parts",
                 [sys.executable, "-c", duck_pq, str(pq_dir / "*.parquet"), "|".join(base.RESOLVED_LABELS)]),
    ]
    if only:
        jobs = [j for j in jobs if j.key in only]
    ms = base.measure(jobs, repeats, tmp, log, warmup=0)
    peaks = worker_peaks(client)
    same = {}
    docs = {}
    for k in ("csv-local", "pq-local", "pq-dask"):
        p = tmp / f"{k}-{size}.json"
        if p.exists():
            d = json.loads(p.read_text())
            docs[k] = {x: d[x] for x in ("results", "counts")}
    if "csv-local" in docs:
        same = {k: docs[k] == docs["csv-local"] for k in docs}
    lines = [f"### {rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB CSV; {parts} Parquet parts)", "",
             "| run | best wall (s) | CPU (s) | peak RSS (MB) | vs DuckDB (same input) |", "|---|---:|---:|---:|---:|"]
    for k, m in ms.items():
        ref = ms.get("csv-duck" if k.startswith("csv") else "pq-duck")
        ratio = base._ratio(m, ref) if not k.endswith("duck") else None
        lines.append(f"| {m.label} | {base._fmt_s(m.best)} | {m.best_cpu or 0:.1f} | {base._fmt_mb(m.rss_mb)} | "
                     f"{'' if ratio is None else f'{ratio:.2f}×'} |" + (f" FAILED: {m.error}" if m.error else ""))
    lines += ["", "dask workers' peak RSS (MB, since the cluster started): "
              + ", ".join(f"{v[0]:.0f}" for v in peaks.values())
              + "; their CPU (s, cumulative): " + ", ".join(f"{v[1]:.1f}" for v in peaks.values()),
              "", "same results and counts as the CSV on the default engine: "
              + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in same.items()), ""]
    for line in lines:
        log(line)
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--small", type=int, default=1_000_000, help="a smaller size run first (0: none)")
    ap.add_argument("--partitions", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--only", nargs="*", help="run only these jobs (csv-local csv-duck pq-local pq-dask pq-duck)")
    args = ap.parse_args(argv)
    from distributed import Client, LocalCluster

    started = dt.datetime.now(dt.timezone.utc)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                           memory_limit="8GiB", silence_logs=logging.ERROR)
    client = Client(cluster)
    out = [f"## scale ({started:%Y-%m-%d %H:%M} UTC, load {base._loadavg()}, "
           f"{base._ncpu()} CPUs)", ""]
    try:
        with tempfile.TemporaryDirectory(prefix="cchc-scale-") as t:
            for rows in [r for r in (args.small, args.rows) if r]:
                out += one_size(rows, args.partitions, args.repeats, cluster.scheduler_address, client, Path(t),
                                args.only)
    finally:
        client.close()
        cluster.close()
    path = base.DATA / f"SCALE-{started:%Y%m%d-%H%M}.md"
    path.write_text("\n".join(out) + "\n")
    log(f"written: {path.relative_to(base.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
