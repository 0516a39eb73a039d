"""The units file (``--units FILE``): unit, level, parent — one row per unit.

``parent`` is how units pool (a district's communes, a province's departments); ``level``
sets each unit's level (else the dossiers' own level column, else the unit's name).
Read as CSV (UTF-8, with or without BOM) or XLSX; headers in Vietnamese or English.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..schema import vocab
from ..schema.text import fold

HEADERS = {
    "unit": ("Đơn vị", "Tên đơn vị", "Đơn vị tiếp nhận", "Cơ quan", "unit"),
    "level": ("Cấp", "Cấp hành chính", "Cấp thực hiện", "level"),
    "parent": ("Đơn vị cấp trên", "Cấp trên", "Trực thuộc", "Đơn vị chủ quản", "parent"),
}


def _level(v) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
        return None
    canon = vocab.LEVEL.get(fold(str(v)))
    return None if canon is None else str(canon)


@dataclass
class UnitMap:
    level: dict[str, str | None]  # folded unit name -> level
    parent: dict[str, str | None]  # folded unit name -> parent as written
    names: dict[str, str]  # folded -> as written

    def level_of(self, name: str | None) -> str | None:
        if name is None:
            return None
        lv = self.level.get(fold(name))
        return lv if lv is not None else vocab.level_from_unit_name(name)

    def parent_of(self, name: str | None) -> str | None:
        return None if name is None else self.parent.get(fold(name))

    def ancestors(self, name: str | None) -> list[str]:
        """The unit's parent, its parent's parent, … (a loop in the file stops the chain)."""
        out: list[str] = []
        seen = {fold(name)} if name else set()
        p = self.parent_of(name)
        while p and fold(p) not in seen:
            out.append(p)
            seen.add(fold(p))
            p = self.parent_of(p)
        return out

    def pooled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` once under every ancestor of their unit (column ``parent``):
        a province pools its districts' and their communes' dossiers alike, and a parent
        that is itself a unit of the data pools its own dossiers too."""
        unit = frame["unit"] if "unit" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        # a parent that has dossiers of its own pools them with its units'
        parents = {fold(p) for p in self.parent.values() if p}
        chains = {u: ([u] if fold(str(u)) in parents else []) + self.ancestors(u) for u in unit.dropna().unique()}
        depth = max((len(c) for c in chains.values()), default=0)
        parts = []
        for d in range(depth):
            anc = unit.map(lambda u: chains.get(u, [])[d] if u in chains and len(chains[u]) > d else None)
            keep = anc.notna().to_numpy()
            if keep.any():
                parts.append(frame.loc[keep].assign(parent=anc[keep].to_numpy()))
        if not parts:
            return frame.iloc[0:0].assign(parent=pd.Series(dtype=object))
        return pd.concat(parts, ignore_index=True)

    def annotate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Each dossier's unit level and parent; a unit the file does not list keeps its own
        level and has no parent."""
        unit = frame["unit"] if "unit" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        keys = unit.map(lambda u: None if u is None or u != u else fold(str(u)))
        lv = keys.map(lambda k: self.level.get(k) if k is not None else None)
        if "level" in frame.columns:
            lv = lv.where(lv.notna(), frame["level"])
        frame["level"] = lv
        frame["parent"] = keys.map(lambda k: self.parent.get(k) if k is not None else None)
        return frame


def load_units(path: str | Path) -> UnitMap:
    p = Path(path)
    if not p.exists():
        raise ConfigError("index_units_not_found", path=str(p))
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            raw = pd.read_excel(p, dtype=object)
        else:
            raw = pd.read_csv(p, dtype=object, encoding="utf-8-sig", keep_default_na=False)
    except Exception as e:  # noqa: BLE001 — any reading failure is a bad configuration file
        raise ConfigError("index_units_unreadable", path=str(p), reason=type(e).__name__) from None
    cols: dict[str, str] = {}
    for field, spellings in HEADERS.items():
        want = {fold(s) for s in spellings}
        for c in raw.columns:
            if fold(str(c)) in want:
                cols[field] = c
                break
    if "unit" not in cols or ("parent" not in cols and "level" not in cols):
        raise ConfigError("index_units_columns", path=str(p), found=", ".join(map(str, raw.columns)))
    level: dict[str, str | None] = {}
    parent: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for i, row in raw.iterrows():
        name = str(row[cols["unit"]]).strip()
        if not name or name == "nan":
            continue
        k = fold(name)
        names[k] = name
        if "level" in cols:
            lv_raw = row[cols["level"]]
            lv = _level(lv_raw)
            if lv is None and str(lv_raw).strip() not in ("", "nan", "None"):
                raise ConfigError("index_units_bad_level", path=str(p), row=int(i) + 2, value=str(lv_raw),
                                  levels=", ".join(vocab.LEVELS))
            level[k] = lv
        if "parent" in cols:
            par = str(row[cols["parent"]]).strip()
            parent[k] = par if par and par not in ("nan", "None") else None
    return UnitMap(level, parent, names)
