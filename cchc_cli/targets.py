"""Targets as code: a TOML targets file or a built-in preset, checked against computed KPIs.

A target applies to a group when every filter it has (``level``, ``unit``, ``field``) is a
key of the group with the same value. By default groups are units with their level, so
each unit is held to the targets of its level. Thresholds are compared exactly, as
fractions (35 of 100 meets 35 %), and a value equal to a threshold meets it.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .i18n import Msg, joined, msg
from .kpis.definitions import BY_CODE
from .schema import vocab
from .schema.text import fold

Status = Literal["pass", "warn", "fail", "no_data"]
STATUS_ORDER = {"fail": 0, "warn": 1, "no_data": 2, "pass": 3}
FAIL_ON = ("fail", "warn", "no-data")


def _suggest(word: str, choices: list[str]) -> Msg | str:
    """" Did you mean 'x'?" as a message not yet worded, or "" when nothing is close."""
    m = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return msg("did_you_mean", choice=m[0]) if m else ""


class TargetProblem(ValueError):
    """A validator's complaint about one target, as a message not yet worded; pydantic
    hands it to ``_explain`` (``ctx["error"]``)."""

    def __init__(self, key: str, /, **params: Any):
        self.msg = msg(key, **params)
        super().__init__(self.msg.text())


class Target(BaseModel):
    """One target: a KPI, optional filters, and thresholds (shares 0–1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kpi: str | None = None
    # issue 14: a target on QĐ 766 index points (``index = "qd766.total"``, min_points)
    index: str | None = None
    min_points: float | None = None
    warn_min_points: float | None = None
    level: str | None = None
    unit: str | None = None
    field: str | None = None
    min: float | None = None
    max: float | None = None
    warn_min: float | None = None
    warn_max: float | None = None
    note: str | None = None

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, v: str | None) -> str | None:
        if v is not None and v not in BY_CODE:
            raise TargetProblem("targets.unknown_kpi", kpi=v, suggestion=_suggest(v, list(BY_CODE)))
        return v

    @field_validator("level")
    @classmethod
    def _known_level(cls, v: str | None) -> str | None:
        if v is None:
            return v
        canon = vocab.LEVEL.get(fold(v))
        if canon is None:
            raise TargetProblem("targets.unknown_level", level=v, suggestion=_suggest(v, list(vocab.LEVELS)),
                                levels=", ".join(vocab.LEVELS))
        return str(canon)

    @field_validator("min", "max", "warn_min", "warn_max", mode="before")
    @classmethod
    def _not_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):  # true would read as 1.0 (100 %): refused, never guessed
            raise TargetProblem("targets.threshold_bool", value="true" if v else "false")
        return v

    @field_validator("min", "max", "warn_min", "warn_max")
    @classmethod
    def _share(cls, v: float | None) -> float | None:
        if v is not None and not (0.0 <= v <= 1.0):
            raise TargetProblem("targets.threshold_out_of_range", value=v)
        return v

    @field_validator("index")
    @classmethod
    def _known_index(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from .index.formula import load, variants

        codes = sorted({c for name in variants() for c in load(name).codes()})
        if v not in codes:
            raise TargetProblem("targets.index_unknown", code=v, suggestion=_suggest(v, codes))
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Target":
        if (self.kpi is None) == (self.index is None):
            raise TargetProblem("targets.index_mixed")
        if self.index is not None:
            if any(x is not None for x in (self.min, self.max, self.warn_min, self.warn_max)):
                raise TargetProblem("targets.index_mixed")
            if self.min_points is None and self.warn_min_points is None:
                raise TargetProblem("targets.index_no_threshold")
            return self
        if self.min_points is not None or self.warn_min_points is not None:
            raise TargetProblem("targets.index_mixed")
        if all(x is None for x in (self.min, self.max, self.warn_min, self.warn_max)):
            raise TargetProblem("targets.no_threshold")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise TargetProblem("targets.min_above_max", min=self.min, max=self.max)
        if self.warn_min is not None and self.min is not None and self.warn_min < self.min:
            raise TargetProblem("targets.warn_min_below_min", warn_min=self.warn_min, min=self.min)
        if self.warn_max is not None and self.max is not None and self.warn_max > self.max:
            raise TargetProblem("targets.warn_max_above_max", warn_max=self.warn_max, max=self.max)
        return self

    def filters(self) -> dict[str, str]:
        return {k: v for k, v in (("level", self.level), ("unit", self.unit), ("field", self.field)) if v is not None}

    def key(self) -> tuple:
        return (self.kpi or self.index, self.level, fold(self.unit) if self.unit else None, fold(self.field) if self.field else None)


class TargetsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    source: str | None = None
    extends: str | None = None
    targets: list[Target] = []


@dataclass
class TargetSet:
    name: str
    source: str | None
    targets: list[Target]
    origin: str  # preset name or file path


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("cchc_cli.presets").iterdir() if p.name.endswith(".toml"))


def _parse(text: str, origin: str) -> TargetsFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("targets_file_not_toml", path=origin, detail=str(e)) from None
    try:
        return TargetsFile.model_validate(data)
    except ValidationError as e:
        raise ConfigError("targets_file_invalid", problems=joined(_explain(e, origin, data))) from None


# pydantic's error types worded by the catalogue (any other: pydantic's own English text)
_TYPE_PROBLEMS = {
    "float_type": "targets.need_number", "float_parsing": "targets.need_number",
    "finite_number": "targets.need_number", "string_type": "targets.need_text",
    "list_type": "targets.need_list", "model_type": "targets.need_table", "dict_type": "targets.need_table",
    "model_attributes_type": "targets.need_table",
}


def _explain(e: ValidationError, origin: str, data: dict) -> list[Msg]:
    """One message per problem, each naming the file, the key and the value."""
    lines = []
    for err in e.errors():
        loc = err["loc"]
        path = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = list(Target.model_fields) if len(loc) > 1 else list(TargetsFile.model_fields)
            detail: Msg = msg("targets.unknown_key", key=key, suggestion=_suggest(key, allowed))
            lines.append(msg("targets.problem", path=origin, where=path, detail=detail))
        elif err["type"] in ("value_error", "assertion_error"):
            cause = err.get("ctx", {}).get("error")
            detail = cause.msg if isinstance(cause, TargetProblem) else msg("targets.other", text=str(cause or err["msg"]))
            lines.append(msg("targets.problem", path=origin, where=path or "targets", detail=detail))
        else:
            key = _TYPE_PROBLEMS.get(err["type"])
            detail = msg(key) if key else msg("targets.other", text=err["msg"])
            lines.append(msg("targets.problem_value", path=origin, where=path, detail=detail,
                             value=repr(err.get("input"))))
    return lines


def load_preset(name: str) -> TargetSet:
    names = preset_names()
    if name not in names:
        raise ConfigError("preset_unknown", name=name, suggestion=_suggest(name, names), names=", ".join(names))
    text = resources.files("cchc_cli.presets").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    tf = _parse(text, f"preset {name}")
    return TargetSet(tf.name or name, tf.source, list(tf.targets), name)


def load_targets(path: str | Path) -> TargetSet:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("targets_file_not_found", path=str(p)) from None
    except IsADirectoryError:
        raise ConfigError("targets_file_is_dir", path=str(p)) from None
    except UnicodeDecodeError:
        raise ConfigError("targets_file_not_utf8", path=str(p)) from None
    except OSError as e:
        raise ConfigError("targets_file_unreadable", path=str(p), reason=e.strerror or type(e).__name__) from None
    tf = _parse(text, str(p))
    targets = list(tf.targets)
    if tf.extends:
        base = load_preset(tf.extends)
        own = {t.key() for t in targets}
        # the file's own targets replace the preset's for the same KPI and filters
        targets = [t for t in base.targets if t.key() not in own] + targets
    if not targets:
        raise ConfigError("targets_file_empty", path=str(p))
    return TargetSet(tf.name or p.stem, tf.source, targets, str(p))


def resolve(targets: str | Path | None, preset: str | None) -> TargetSet:
    if (targets is None) == (preset is None):
        raise ConfigError("targets_or_preset")
    return load_targets(targets) if targets is not None else load_preset(str(preset))


# ------------------------------------------------------------------ evaluation


def exact(x: float) -> Fraction:
    """A threshold as the decimal the user wrote (0.35 is 35/100, not the nearest double)."""
    return Fraction(Decimal(repr(x)))


@dataclass
class Check:
    kpi: str
    group: dict[str, Any]
    value: float | None
    numerator: int
    denominator: int
    target: Target
    status: Status
    origin: str
    needed: int | None = None  # dossiers more (min) or fewer (max) to meet the failing threshold
    gap_pp: float | None = None  # percentage points to the failing threshold
    reason: Any = None  # for no_data: an i18n.Msg, worded at the edge
    bound: str | None = None  # which threshold the status comes from: min, warn_min, max, warn_max

    def reason_text(self, lang: str | None = None) -> str:
        return self.reason.text(lang) if self.reason is not None else ""

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        t = self.target
        return {
            "kpi": self.kpi, "group": self.group, "value": self.value, "numerator": self.numerator,
            "denominator": self.denominator, "min": t.min, "max": t.max, "warn_min": t.warn_min,
            "warn_max": t.warn_max, "status": self.status, "target": self.origin, "needed": self.needed,
            "gap_pp": self.gap_pp, "reason": self.reason_text(lang) if self.reason is not None else None,
            "reason_code": self.reason.key if self.reason is not None else None, "bound": self.bound,
        } | ({"index": t.index, "points": self.value, "min_points": t.min_points,
              "warn_min_points": t.warn_min_points} if t.index is not None else {})


def _applies(t: Target, group: dict[str, Any]) -> bool:
    for k, v in t.filters().items():
        if k not in group or group[k] is None:
            return False
        if k == "level":
            if group[k] != v:
                return False
        elif fold(group[k]) != fold(v):
            return False
    return True


def _status(t: Target, num: int, den: int) -> tuple[Status, int | None, float | None, str | None]:
    """(status, dossiers needed, gap in percentage points, threshold name). Failing
    thresholds are checked before warning ones."""
    if den == 0:
        return "no_data", None, None, None
    v = Fraction(num, den)
    for name, kind in (("min", "fail"), ("max", "fail"), ("warn_min", "warn"), ("warn_max", "warn")):
        bound = getattr(t, name)
        if bound is None:
            continue
        b = exact(bound)
        if name.endswith("min") and v < b:
            return kind, math.ceil(b * den - num), float((b - v) * 100), name
        if name.endswith("max") and v > b:
            return kind, math.ceil(num - b * den), float((v - b) * 100), name
    return "pass", None, None, None


@dataclass
class CheckReport:
    checks: list[Check]
    targets: TargetSet
    fail_on: set[str] = field(default_factory=lambda: {"fail"})
    # targets on KPIs whose input (catalogue, documents, logbook) the run did not have
    not_checked: list[Target] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        out = {"pass": 0, "warn": 0, "fail": 0, "no_data": 0}
        for c in self.checks:
            out[c.status] += 1
        return out

    @property
    def failed(self) -> bool:
        s = self.summary
        return bool(s["fail"] or ("warn" in self.fail_on and s["warn"]) or ("no-data" in self.fail_on and s["no_data"]))

    @property
    def evaluated(self) -> bool:
        """Whether any check could be evaluated (a run that checked nothing is no pass)."""
        return any(c.status != "no_data" for c in self.checks)

    def is_failure(self, c: Check) -> bool:
        return c.status == "fail" or (c.status == "warn" and "warn" in self.fail_on) or (
            c.status == "no_data" and "no-data" in self.fail_on)

    def ordered(self) -> list[Check]:
        return sorted(self.checks, key=lambda c: (STATUS_ORDER[c.status], c.kpi, [str(v) for v in c.group.values()]))


def evaluate(results, unavailable, groups, targets: TargetSet, fail_on: set[str] | None = None,
             inputs: set[str] | None = None) -> CheckReport:
    """Check every group of ``results`` (``KpiResult``s) against every target that applies
    to it. ``unavailable``: the KPIs the run could not compute; ``groups``: the dossiers'
    groups (checked even where no dossier KPI is computable). ``inputs``: the kinds of input
    the run read; targets on KPIs of another kind of input are not checked (listed in
    ``not_checked``), rather than reported as "no data" for every group. A target naming a
    unit that no group has is ``no_data`` for that unit, never a silent pass."""
    from .kpis.results import group_key

    # index targets (``index = …``) are checked by ``evaluate_index`` (check-targets --index)
    targets = TargetSet(targets.name, targets.source, [t for t in targets.targets if t.kpi is not None], targets.origin)
    skipped = [t for t in targets.targets if inputs is not None and BY_CODE[t.kpi].input not in inputs]
    targets = TargetSet(targets.name, targets.source, [t for t in targets.targets if t not in skipped], targets.origin)
    by_key = {r.key: r for r in results if r.group}
    missing = {u.kpi: u for u in unavailable}
    # the groups of each kind of input: a dossier target is checked on the dossiers' groups,
    # a document target on the register's, never on groups another input brought
    kind_groups: dict[str, dict] = {}
    for r in results:
        if r.group:
            kind_groups.setdefault(BY_CODE[r.kpi].input, {})[r.group] = None
    for g in groups:
        if g:
            kind_groups.setdefault("dossiers", {})[g] = None
    checks: list[Check] = []
    for t in targets.targets:
        matched = False
        for g in kind_groups.get(BY_CODE[t.kpi].input, {}):
            gd = dict(g)
            if not _applies(t, gd):
                continue
            matched = True
            r = by_key.get((t.kpi, group_key(g)))
            if r is None:
                cols = ", ".join(missing[t.kpi].columns) if t.kpi in missing else ""
                checks.append(Check(t.kpi, gd, None, 0, 0, t, "no_data", targets.origin,
                                    reason=msg("reason_unavailable", columns=cols)))
                continue
            status, need, gap, bound = _status(t, r.numerator, r.denominator)
            reason = None
            if status == "no_data":
                why = ", ".join(f"{f}: {n}" for f, n in r.excluded_by)
                reason = msg("reason_denominator_zero", excluded=r.excluded, why=f" ({why})" if why else "")
            checks.append(Check(t.kpi, gd, r.value, r.numerator, r.denominator, t, status, targets.origin,
                                need, gap, reason, bound))
        if not matched and t.unit is not None:
            g = {"unit": t.unit} | ({"level": t.level} if t.level else {})
            checks.append(Check(t.kpi, g, None, 0, 0, t, "no_data", targets.origin,
                                reason=msg("reason_unit_absent", unit=t.unit)))
    return CheckReport(checks, targets, set(fail_on or {"fail"}), skipped)


def parse_fail_on(values: list[str] | None) -> set[str]:
    out = {"fail"}
    for v in values or []:
        for part in v.split(","):
            p = part.strip().replace("_", "-")
            if not p:
                continue
            if p not in FAIL_ON:
                raise ConfigError("fail_on_invalid", value=part, suggestion=_suggest(p, list(FAIL_ON)))
            out.add(p)
    return out


# ------------------------------------------------------------------ QĐ 766 index points (issue 14)


def evaluate_index(result, targets: TargetSet, fail_on: set[str] | None = None) -> CheckReport:
    """Check the points of every unit and pooled parent of ``result`` (an
    ``index.IndexResult``) against the index targets (``index = "qd766.…"``, ``min_points``,
    ``warn_min_points``). A value equal to a threshold meets it; points that could not be
    computed are ``no_data``."""
    wanted = [t for t in targets.targets if t.index is not None]
    if not wanted:
        raise ConfigError("index_targets_none")
    checks: list[Check] = []
    for t in wanted:
        matched = False
        for s in result.scores:
            g = {"unit": s.unit, "level": s.level, "parent": s.parent} | ({"pooled": True} if s.pooled else {})
            if not _applies(t, g):
                continue
            matched = True
            pts = s.points(t.index)
            if pts is None:
                code = t.index.removeprefix("qd766.")
                gone = next((n for n in result.not_computed if n.code == code), None)
                cols = ", ".join(gone.needs) if gone is not None else ""
                checks.append(Check(t.index, g, None, 0, 0, t, "no_data", targets.origin,
                                    reason=msg("reason_unavailable", columns=cols)))
                continue
            pts = round(pts, 6)
            status: Status = "pass"
            bound = None
            if t.min_points is not None and pts < t.min_points:
                status, bound = "fail", "min_points"
            elif t.warn_min_points is not None and pts < t.warn_min_points:
                status, bound = "warn", "warn_min_points"
            gap = (t.min_points if status == "fail" else t.warn_min_points if status == "warn" else None)
            checks.append(Check(t.index, g, pts, 0, 0, t, status, targets.origin, None,
                                None if gap is None else round(gap - pts, 4), None, bound))
        if not matched and t.unit is not None:
            checks.append(Check(t.index, {"unit": t.unit}, None, 0, 0, t, "no_data", targets.origin,
                                reason=msg("reason_unit_absent", unit=t.unit)))
    return CheckReport(checks, TargetSet(targets.name, targets.source, wanted, targets.origin), set(fail_on or {"fail"}))
