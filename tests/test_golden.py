"""The safety net of the compute core: today's JSON of compute, check-targets and diff on
the samples against golden files written before the one-core refactor (issue 10).

Compared on keys, numbers, codes and statuses; message text (``reason``) may change. A key
of the golden document must still be there (cli.md: keys are added, never renamed or
removed); a key added since is allowed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden.make import CASES, run

HERE = Path(__file__).resolve().parent / "golden"
MESSAGE_KEYS = {"reason"}  # worded for people: may change with the message catalogue


def compare(old, new, path: str = "$") -> list[str]:
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{path}: was an object, now {type(new).__name__}"]
        out = []
        for k, v in old.items():
            if k not in new:
                out.append(f"{path}.{k}: missing")
            elif k in MESSAGE_KEYS:
                if (v is None) != (new[k] is None):
                    out.append(f"{path}.{k}: {v!r} -> {new[k]!r}")
            else:
                out += compare(v, new[k], f"{path}.{k}")
        return out
    if isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            return [f"{path}: list of {len(old)} -> {len(new) if isinstance(new, list) else type(new).__name__}"]
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += compare(a, b, f"{path}[{i}]")
        return out
    if isinstance(old, float) and isinstance(new, (int, float)) and not isinstance(new, bool):
        return [] if old == new else [f"{path}: {old!r} -> {new!r}"]
    if old != new or type(old) is not type(new):
        return [f"{path}: {old!r} -> {new!r}"]
    return []


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    gold = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    code, doc = run(gold["args"])
    assert code == gold["exit_code"]
    problems = compare(gold["document"], doc)
    assert not problems, "\n".join(problems[:30])


def test_compare_sees_a_changed_number() -> None:
    gold = {"results": [{"kpi": "online_rate", "numerator": 3, "reason": "x"}]}
    assert compare(gold, {"results": [{"kpi": "online_rate", "numerator": 3, "reason": "y", "new": 1}]}) == []
    assert compare(gold, {"results": [{"kpi": "online_rate", "numerator": 4, "reason": "x"}]})
    assert compare(gold, {"results": [{"kpi": "on_time_rate", "numerator": 3, "reason": "x"}]})
    assert compare(gold, {"results": [{"kpi": "online_rate", "reason": "x"}]})
