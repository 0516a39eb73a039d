"""Typed results: what ``compute`` returns and what every output is drawn from.

``KpiResult`` is one KPI for one group (numerator, denominator, exclusions with their
reasons; the value only as a property). ``ComputeResult`` is a whole run; it round-trips
through JSON (``to_json`` / ``from_json``), so a result saved with ``compute --format
json`` and one computed from exports are the same type (both sides of ``diff``).
Every JSON document cchc writes starts with ``envelope``: ``schema_version`` lives here only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..errors import DataError
from .period import Period

SCHEMA_VERSION = 1
TOOL = "cchc"

Group = tuple[tuple[str, Any], ...]  # (key, value) pairs in the order of --by; () = overall


def envelope(command: str, **fields: Any) -> dict[str, Any]:
    """The common head of every JSON document cchc writes."""
    return {"schema_version": SCHEMA_VERSION, "tool": TOOL, "command": command, **fields}


def group_of(d: Mapping[str, Any]) -> Group:
    return tuple(d.items())


def group_key(g: Group) -> Group:
    """A group as a key that does not depend on the order of its keys."""
    return tuple(sorted(g, key=lambda kv: kv[0]))


@dataclass(frozen=True)
class KpiResult:
    kpi: str
    group: Group
    numerator: int
    denominator: int
    excluded_by: tuple[tuple[str, int], ...] = ()

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def excluded(self) -> int:
        return sum(n for _, n in self.excluded_by)

    @property
    def group_dict(self) -> dict[str, Any]:
        return dict(self.group)

    @property
    def key(self) -> tuple[str, Group]:
        return self.kpi, group_key(self.group)

    def to_json(self) -> dict[str, Any]:
        return {"group": dict(self.group), "kpi": self.kpi, "numerator": self.numerator,
                "denominator": self.denominator, "value": self.value, "excluded": self.excluded,
                "excluded_by": dict(self.excluded_by)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "KpiResult":
        return cls(d["kpi"], group_of(d["group"]), int(d["numerator"]), int(d["denominator"]),
                   tuple((str(k), int(v)) for k, v in (d.get("excluded_by") or {}).items()))


@dataclass(frozen=True)
class Counts:
    """The report-form counts of one group (received, resolved early/on the day/late, …)."""

    group: Group
    values: Mapping[str, int]

    def __getitem__(self, key: str) -> int:
        return self.values[key]

    @property
    def group_dict(self) -> dict[str, Any]:
        return dict(self.group)

    def to_json(self) -> dict[str, Any]:
        return {"group": dict(self.group), **self.values}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Counts":
        return cls(group_of(d["group"]), {k: v for k, v in d.items() if k != "group"})


@dataclass(frozen=True)
class Unavailable:
    """A KPI the run could not compute, and the fields it needs."""

    kpi: str
    columns: tuple[str, ...]
    reason: str = "missing_columns"

    def to_json(self) -> dict[str, Any]:
        return {"kpi": self.kpi, "reason": self.reason, "columns": list(self.columns)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Unavailable":
        return cls(d["kpi"], tuple(d.get("columns") or ()), d.get("reason", "missing_columns"))


@dataclass
class ComputeResult:
    period: Period
    group_by: list[str]
    results: list[KpiResult]
    counts: list[Counts]
    unavailable: list[Unavailable]
    inputs: list[Any]  # dataset.InputReport, one per file read
    conflicts: int = 0
    notes: dict[str, Any] = field(default_factory=dict)  # catalogue_missing, logbook_skipped …
    origin: str | None = None  # where it came from: the paths, or the saved JSON file
    saved: bool = False  # read back from a JSON document (no data set behind it)
    sources: Any = field(default=None, repr=False)  # dataset.Inputs: the data behind it
    sums: dict[str, Any] = field(default_factory=dict, repr=False)  # kind -> grouped Sums

    # ------------------------------------------------------------ lookups
    @property
    def dataset(self):
        """The de-duplicated dossiers behind the result (None when read from JSON)."""
        return self.sources.dossiers if self.sources is not None else None

    @property
    def problems(self) -> list[Any]:
        return [p for d in self.sources.all() for p in d.problems] if self.sources is not None else []

    @property
    def kpis(self) -> list[str]:
        return list(dict.fromkeys(r.kpi for r in self.results))

    def entry(self, kpi: str, **group: Any) -> KpiResult:
        want = group_key(tuple(group.items()))
        for r in self.results:
            if r.kpi == kpi and group_key(r.group) == want:
                return r
        raise KeyError(f"{kpi} {group}")

    def value(self, kpi: str, **group: Any) -> float | None:
        return self.entry(kpi, **group).value

    def count(self, key: str, **group: Any) -> int:
        want = group_key(tuple(group.items()))
        for c in self.counts:
            if group_key(c.group) == want:
                return c[key]
        raise KeyError(f"{key} {group}")

    def groups(self) -> list[Group]:
        """Every group of the run (with counts or with results), overall excluded."""
        seen = dict.fromkeys([c.group for c in self.counts if c.group] + [r.group for r in self.results if r.group])
        return list(seen)

    # ------------------------------------------------------------ JSON
    def to_json(self, command: str = "compute") -> dict[str, Any]:
        doc = envelope(
            command,
            period={"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                    "inferred": self.period.inferred},
            group_by=list(self.group_by),
            inputs=[i.to_json() for i in self.inputs],
            results=[r.to_json() for r in self.results],
            counts=[c.to_json() for c in self.counts],
            unavailable=[u.to_json() for u in self.unavailable],
            conflicts=self.conflicts,
        )
        doc.update(self.notes)
        return doc

    @classmethod
    def from_json(cls, doc: Any, origin: str = "") -> "ComputeResult":
        """A result saved by ``compute --format json``; refuses (DataError, exit 3) a
        document cchc did not write or that was edited out of shape."""
        import datetime as dt

        from ..dataset import InputReport

        if not isinstance(doc, dict) or doc.get("tool") != TOOL or "results" not in doc:
            raise DataError("saved_result_not_cchc", path=origin)
        if doc.get("schema_version") != SCHEMA_VERSION:
            raise DataError("saved_result_version", path=origin, version=repr(doc.get("schema_version")),
                            supported=SCHEMA_VERSION)
        results = doc["results"]
        if not isinstance(results, list):
            raise DataError("saved_result_shape", path=origin, where="results")
        for i, r in enumerate(results):
            ok = (isinstance(r, dict) and isinstance(r.get("kpi"), str) and isinstance(r.get("group"), dict)
                  and all(isinstance(r.get(k), int) and not isinstance(r.get(k), bool) and r.get(k) >= 0
                          for k in ("numerator", "denominator")))
            if not ok:
                raise DataError("saved_result_shape", path=origin, where=f"results[{i}]")
        try:
            per = doc.get("period") or {}
            period = Period(dt.date.fromisoformat(per["from"]), dt.date.fromisoformat(per["to"]),
                            bool(per.get("inferred", False)))
            known = set(InputReport.__dataclass_fields__)
            inputs = [InputReport(**{k: v for k, v in i.items() if k in known}) for i in doc.get("inputs", [])]
            counts = [Counts.from_json(c) for c in doc.get("counts", [])]
            unavailable = [Unavailable.from_json(u) for u in doc.get("unavailable", [])]
            parsed = [KpiResult.from_json(r) for r in results]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise DataError("saved_result_shape", path=origin, where="period/inputs/counts") from None
        notes = {k: doc[k] for k in ("catalogue_missing", "logbook_skipped") if k in doc}
        return cls(period, list(doc.get("group_by", [])), parsed, counts, unavailable, inputs,
                   int(doc.get("conflicts") or 0), notes, origin, True)


def by_key(results: Iterable[KpiResult]) -> dict[tuple[str, Group], KpiResult]:
    return {r.key: r for r in results}
