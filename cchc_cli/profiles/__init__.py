"""System profiles: what each one-stop system exports, as data (one TOML file per system).

A profile names the system, the formats it writes, the header signature that recognises
its files, its header names (``[columns]``), value codes (``[values.<table>]``), fields
derived from several columns (``[derive.<field>]``), where a JSON export keeps its records
and how it reduces lists (``[json]``), whether a list without a dossier number is keyed by
file and row (``row_key``), what it cannot give (``cannot``) and the public source of each
fact (``sources``, ``[facts]``).

A file is matched to a profile by its header signature (every signature header present in
its first rows); ``--profile NAME|FILE`` forces one. A ``--columns`` file is a profile
with only ``[columns]`` and ``[values]``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..schema.headers import ColumnMap
from ..schema.text import fold

# how a list of objects becomes one value (e.g. the fee: the sum of DanhSachLePhi[].Gia)
REDUCERS = ("sum", "count", "join", "first", "max", "min")

PROFILE_KEYS = ("name", "title", "system", "formats", "cannot", "sources", "signature", "row_key", "json",
                "derive", "facts", "inverse")


@dataclass
class Profile:
    name: str
    title: str
    system: str
    formats: list[str]
    cannot: str
    sources: list[str]
    signature: list[str]
    data: dict[str, Any] = field(repr=False)
    path: str = ""

    def column_map(self, model=None) -> ColumnMap:
        from ..schema.models import DossierRecord

        return _to_map(self.data, self.path, model or DossierRecord, self.name)

    def matches(self, cells: set[str]) -> bool:
        return bool(self.signature) and all(fold(h) in cells for h in self.signature)


def _to_map(data: dict, path: str, model, name: str | None) -> ColumnMap:
    m = ColumnMap.from_data(data, path, model, extra_keys=PROFILE_KEYS)
    m.profile = name
    m.row_key = bool(data.get("row_key", False))
    js = data.get("json") or {}
    m.json_records = js.get("records")
    reduce = js.get("reduce") or {}

    for spec, how in reduce.items():
        if how not in REDUCERS or "[]." not in spec:
            raise ConfigError("profile_bad_reduce", path=path, spec=spec, how=str(how), allowed=", ".join(REDUCERS))
    m.json_reduce = dict(reduce)
    fields = {f for f in model.model_fields}
    for fname, rule in (data.get("derive") or {}).items():
        if fname not in fields or not isinstance(rule, dict) or not isinstance(rule.get("rules"), list):
            raise ConfigError("profile_bad_derive", path=path, field=fname)
        rules = []
        for r in rule["rules"]:
            cols = r.get("columns")
            cols = [cols] if isinstance(cols, str) else cols
            if not isinstance(cols, list) or "value" not in r:
                raise ConfigError("profile_bad_derive", path=path, field=fname)
            rules.append((str(r["value"]), [fold(c) for c in cols]))
        m.derive[fname] = {"rules": rules, "otherwise": rule.get("otherwise")}
    return m


def _parse(text: str, path: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("columns_file_not_toml", path=path, detail=str(e)) from None


def _profile(data: dict, path: str) -> Profile:
    return Profile(
        name=str(data.get("name") or Path(path).stem), title=str(data.get("title", "")),
        system=str(data.get("system", "")), formats=list(data.get("formats", [])),
        cannot=str(data.get("cannot", "")), sources=list(data.get("sources", [])),
        signature=list(data.get("signature", [])), data=data, path=path,
    )


@cache
def builtin() -> tuple[Profile, ...]:
    """The profiles shipped in the package, by name."""
    out = []
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append(_profile(_parse(entry.read_text(encoding="utf-8"), f"cchc_cli/profiles/{entry.name}"),
                                f"cchc_cli/profiles/{entry.name}"))
    return tuple(out)


def by_name(name: str) -> Profile | None:
    return next((p for p in builtin() if p.name == name), None)


def load(spec: str | Path, model=None) -> ColumnMap:
    """``--profile NAME|FILE``: a built-in profile by name, or a TOML file (a profile, or
    a plain ``--columns`` file). The map it gives is forced: no other profile is matched."""
    from ..schema.models import DossierRecord

    model = model or DossierRecord
    p = by_name(str(spec))
    if p is not None:
        m = p.column_map(model)
    else:
        path = Path(spec)
        if not path.is_file():
            raise ConfigError("profile_not_found", name=str(spec), names=", ".join(x.name for x in builtin()))
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError("columns_file_unreadable", path=str(path), reason=type(e).__name__) from None
        data = _parse(text, str(path))
        m = _to_map(data, str(path), model, str(data.get("name") or path.stem))
    m.forced = True
    return m


def match(grid) -> Profile | None:
    """The built-in profile whose signature the first rows of ``grid`` carry (the one with
    the longest signature when several do)."""
    cells = {fold(v) for row in grid[:40] for v in row if isinstance(v, str) and v.strip()}
    hits = [p for p in builtin() if p.matches(cells)]
    return max(hits, key=lambda p: len(p.signature)) if hits else None


def merged(profile_map: ColumnMap, user: ColumnMap) -> ColumnMap:
    """A matched profile with the user's own ``--columns`` on top (the user's headers first)."""
    if not user.columns and not user.values:
        return profile_map
    out = ColumnMap(path=user.path or profile_map.path)
    for k in set(profile_map.columns) | set(user.columns):
        out.columns[k] = user.columns.get(k, []) + profile_map.columns.get(k, [])
    for k in set(profile_map.values) | set(user.values):
        out.values[k] = {**profile_map.values.get(k, {}), **user.values.get(k, {})}
    out.derive, out.json_records, out.json_reduce = profile_map.derive, profile_map.json_records, profile_map.json_reduce
    out.row_key, out.profile = profile_map.row_key, profile_map.profile
    return out
