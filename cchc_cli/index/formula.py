"""The formula file of the QĐ 766 index (``qd766.toml``), read into typed objects.

Points of an indicator: ``min(max, max × ratio / full_at)``; a group's points are the sum of
its indicators' points, never above the group's maximum. A variant names the choices where
the public sources disagree (see the file's header and README "QĐ 766 index").
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from ..errors import ConfigError


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    max: float
    source: str
    measure: str | None = None  # None: not computable from exports
    counts: Literal["dossiers", "procedures"] = "dossiers"
    full_at: float = 1.0
    needs: tuple[str, ...] = ()
    needs_data: str | None = None
    variants: tuple[str, ...] = ()

    @property
    def computable(self) -> bool:
        return self.measure is not None

    def points(self, ratio: float | None, zero_denominator: str) -> float | None:
        """Points for ``ratio`` (None: no dossiers) under the variant's zero-denominator rule."""
        if ratio is None:
            return 0.0 if zero_denominator == "zero" else None
        return min(self.max, self.max * ratio / self.full_at)

    def needed(self, num: int, den: int) -> int:
        """How many more counted items (dossiers, procedures) in the numerator reach full points."""
        if den <= 0:
            return 0
        return max(0, min(den - num, math.ceil(self.full_at * den - 1e-9) - num))


@dataclass(frozen=True)
class Group:
    code: str
    max: float
    source: str


@dataclass(frozen=True)
class Formula:
    name: str
    version: str
    variant: str
    variant_source: str
    zero_denominator: str  # "zero": 0 points (the portal); "skip": not scored
    source: str
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]

    @property
    def total_max(self) -> float:
        return sum(g.max for g in self.groups)

    def group(self, code: str) -> Group:
        return next(g for g in self.groups if g.code == code)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def codes(self) -> list[str]:
        """Every code a target may name: ``qd766.<indicator>``, ``qd766.<group>``, ``qd766.total``."""
        return ([f"qd766.{i.code}" for i in self.indicators] + [f"qd766.{g.code}" for g in self.groups]
                + ["qd766.total"])


@cache
def _raw() -> dict:
    return tomllib.loads(resources.files("cchc_cli.index").joinpath("qd766.toml").read_text(encoding="utf-8"))


def variants() -> list[str]:
    return list(_raw()["variants"])


def default_variant() -> str:
    return _raw()["default"]


def load(variant: str | None = None) -> Formula:
    raw = _raw()
    name = variant or raw["default"]
    if name not in raw["variants"]:
        import difflib

        from ..i18n import msg

        near = difflib.get_close_matches(name, list(raw["variants"]), n=1)
        raise ConfigError("index_unknown_formula", name=name, variants=", ".join(raw["variants"]),
                          suggestion=msg("did_you_mean", choice=near[0]) if near else "")
    v = raw["variants"][name]
    inds = []
    for d in raw["indicators"]:
        vs = tuple(d.get("variants", ()))
        if vs and name not in vs:
            continue
        inds.append(Indicator(d["code"], d["group"], float(d["max"]), d["source"], d.get("measure"),
                              d.get("counts", "dossiers"), float(d.get("full_at", 1.0)), tuple(d.get("needs", ())),
                              d.get("needs_data"), vs))
    groups = tuple(Group(g["code"], float(g["max"]), g["source"]) for g in raw["groups"])
    return Formula(raw["name"], raw["version"], name, v["source"], v["zero_denominator"], raw["source"], groups,
                   tuple(inds))
