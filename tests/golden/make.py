"""Write the golden JSON results of the samples: `python tests/golden/make.py`.

They were written before the one-core refactor (issue 10) and are the safety net of every
later change to the compute core: test_golden.py compares today's output with them on keys,
numbers, codes and statuses (message text may change). Regenerate them only when a change
to a number is intended, and say why in the commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# name -> cchc arguments (run from the project root); every run is JSON on stdout
CASES: dict[str, list[str]] = {
    "compute-by-unit": ["compute", "samples/dossiers", "--period", "2023-03", "--by", "unit"],
    "compute-overall-span": ["compute", "samples/dossiers"],
    "compute-unit-month": ["compute", "samples/dossiers", "--period", "2023-Q1", "--by", "unit,month"],
    "compute-all-inputs-level": ["compute", "samples/", "--period", "2023-03", "--by", "level"],
    "compute-catalogue-calendar": ["compute", "samples/dossiers", "--catalogue", "samples/catalogue.xlsx",
                                   "--calendar", "samples/calendar-2023.toml", "--period", "2023-03",
                                   "--by", "unit,field"],
    "compute-documents-month": ["compute", "samples/documents.csv", "--period", "2023-Q1", "--by", "unit,month"],
    "compute-logbook": ["compute", "samples/dossiers", "--logbook", "samples/logbook.csv", "--period", "2023-03",
                        "--by", "unit"],
    "check-cantho": ["check-targets", "samples/dossiers", "--period", "2023-03", "--preset", "cantho-2023"],
    "check-samples-targets": ["check-targets", "samples/", "--period", "2023-03", "--targets", "samples/targets.toml"],
    "diff-periods": ["diff", "samples/dossiers", "samples/dossiers", "--old-period", "2023-02",
                     "--new-period", "2023-03", "--preset", "cantho-2023"],
    "diff-same": ["diff", "samples/dossiers", "samples/dossiers", "--period", "2023-03"],
}


def run(args: list[str]) -> tuple[int, dict]:
    p = subprocess.run([sys.executable, "-m", "cchc_cli.cli", *args, "--format", "json"], cwd=ROOT,
                       capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "CCHC_LANG": "vi"})
    return p.returncode, json.loads(p.stdout)


def main() -> None:
    for name, args in CASES.items():
        code, doc = run(args)
        (HERE / f"{name}.json").write_text(json.dumps({"args": args, "exit_code": code, "document": doc},
                                                     ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                          encoding="utf-8")
        print(name, code)


if __name__ == "__main__":
    main()
