"""Help when no header is found (``cchc columns``): the first rows of a file, masked, and a
starter profile to edit."""

from __future__ import annotations

from pathlib import Path

from .grid import masked
from .kind import _grids
from .layout import cell_text


def candidate_rows(path, sheet=None, n: int = 12) -> list[list[str]]:
    """The first non-empty rows of a file as text (each cell cut short), for `cchc columns`
    when no header is found."""
    for grid, _ in _grids(Path(path), sheet):
        rows = []
        for i, row in enumerate(grid[:40]):
            cells = masked([cell_text(v).replace("\n", " ") for v in row])
            if any(cells):
                rows.append([str(i + 1)] + [c if len(c) <= 40 else c[:39] + "…" for c in cells])
            if len(rows) >= n:
                break
        if rows:
            return rows
    return []


def starter_profile(path, rows: list[list[str]]) -> str:
    """A profile to edit: the row with the most text cells as the signature, and for each
    canonical dossier field the header that comes closest (never a personal, date or count
    column for an identifier), commented out where nothing is close."""
    import difflib
    from pathlib import Path

    from ..schema.headers import unsuitable
    from ..schema.models import DossierRecord, field_specs
    from ..schema.text import fold

    best = max(rows, key=lambda r: sum(1 for c in r[1:] if c and not c.replace(".", "").isdigit()), default=["", ""])
    headers = [c for c in best[1:] if c]
    name = Path(path).stem
    out = [f'# Starter profile written by `cchc columns {Path(path).name} --write-profile`: edit, then run',
           f'# cchc compute FILE --profile {name}.toml',
           f'name = "{name}"', f'title = "{name}"', 'system = ""', 'formats = []', 'cannot = ""',
           'sources = []  # the public source of each fact', "",
           "signature = [" + ", ".join(f'"{h}"' for h in headers[:3]) + "]", "", "[columns]"]
    for spec in field_specs(DossierRecord):
        spellings = [fold(x) for x in (spec.name, *spec.headers.spellings)]
        scored = sorted(((max(difflib.SequenceMatcher(None, fold(h), s).ratio() for s in spellings), h)
                         for h in headers if not unsuitable(spec.name, h, DossierRecord)), reverse=True)
        if scored and scored[0][0] >= 0.8:
            out.append(f'{spec.name} = ["{scored[0][1]}"]')
        else:
            out.append(f'# {spec.name} = ["..."]')
    out += ["", "# [values.status]", '# "label in the export" = "resolved"', ""]
    return "\n".join(out)
