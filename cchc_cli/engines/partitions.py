"""The partitions of a run: files, folders, Parquet datasets (hive ``key=value`` folders)
and fsspec URLs, each one unit of work for an engine."""

from __future__ import annotations

from ..errors import ConfigError

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# hive keys that set a field when the file itself lacks it; their values are taken as
# they are written (text fields whose validation keeps the text)
HIVE_FIELDS = ("unit", "field", "procedure_code", "procedure_name")


SPLIT_ROWS = 500_000  # records per partition of a large local CSV
SPLIT_MIN_BYTES = 32 << 20  # a local CSV this large is split into partitions of whole records


@dataclass(frozen=True)
class Part:
    location: str  # a local path or an fsspec URL
    hive: tuple[tuple[str, str], ...] = field(default=())  # key=value folders under the root
    block: int | None = None  # a block of a CSV split at record boundaries (``reading.csv``)
    block_rows: int = 0  # the records per block the file was cut by

    @property
    def name(self) -> str:
        return self.location.rsplit("/", 1)[-1]


def normalise(p: str) -> str:
    """An fsspec URL as given on a command line that made it a path (``s3:/bucket/x``:
    a path collapses the double slash) gets its ``://`` back."""
    import re

    return re.sub(r"^([a-zA-Z][\w+.-]+):/(?!/)", r"\1://", p) if not p.startswith("file:") else p


def is_url(p: str) -> bool:
    return "://" in p or p.startswith("file:")


def local_of(p: str) -> str | None:
    """The local path of a ``file://`` URL (also ``file:/x``, as a shell Path collapses it)."""
    if p.startswith("file://"):
        return p[7:] or "/"
    if p.startswith("file:"):
        return p[5:]
    return None


def _hive(rel_parts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for d in rel_parts[:-1]:  # folders only, never the file name
        if "=" in d:
            k, v = d.split("=", 1)
            from urllib.parse import unquote

            out.append((k, unquote(v)))
    return tuple(out)


def list_parts(paths: list[str], user=None, sheet=None, kind=None) -> tuple[list[Part], list]:
    """Every partition of ``paths``, in a stable order; and the notes on what a folder held
    that is not read (``reading.expand_paths``, and ``dataset.classify``: a local file is
    chosen exactly as the local engine chooses it)."""
    from ..dataset import classify
    from ..reading import expand_paths
    from ..schema.headers import ColumnMap

    user = user if user is not None else ColumnMap()

    parts: list[Part] = []
    skipped: list = []
    for raw in paths:
        p = normalise(str(raw))
        loc = local_of(p)
        if loc is not None or not is_url(p):
            local = Path(loc if loc is not None else p)
            files = expand_paths([local])
            skipped += list(getattr(files, "skipped", []))
            for f in files:
                k, _, note = classify(f, f in files.in_folder, kind, user, sheet)
                if note is not None:
                    skipped.append(note)
                    continue
                if k != "dossiers":  # the catalogue, documents, logbook: the local engine's
                    raise ConfigError("engine_dask_dossiers_only")
                rel = f.relative_to(local).parts if local.is_dir() else (f.name,)
                hive = _hive(rel)
                n = _csv_blocks(f, user, sheet) if not hive else 1
                parts += [Part(str(f), hive)] if n == 1 else [Part(str(f), hive, i, SPLIT_ROWS) for i in range(n)]
        else:  # another fsspec protocol: list it with fsspec
            import fsspec

            fs, root = fsspec.core.url_to_fs(p)
            proto = p.split("://", 1)[0]
            if fs.isdir(root):
                from ..reading import EXTENSIONS

                found = sorted(f for f in fs.find(root) if f.lower().endswith(EXTENSIONS)
                               and not Path(f).name.startswith((".", "~$")))
                for f in found:
                    rel = tuple(Path(f).relative_to(root).parts)
                    parts.append(Part(f"{proto}://{f}", _hive(rel)))
            else:
                parts.append(Part(p))
    seen: set[tuple] = set()
    unique = []
    for part in parts:
        if (part.location, part.block) not in seen:
            seen.add((part.location, part.block))
            unique.append(part)
    return unique, skipped


def _csv_blocks(f: Path, user, sheet) -> int:
    """How many partitions a local CSV makes: one per ``SPLIT_ROWS`` records, cut where a
    record ends as the byte scan finds it (quotes counted: a quoted line break is never a
    cut; never a blind byte split). A file the scan cannot vouch for, or not UTF-8, or a
    small one, is one partition, read whole."""
    from ..reading import csv as rcsv
    from ..reading.kind import profile_for
    from ..reading.sniff import sniff
    from ..schema.models import DossierRecord

    if f.suffix.lower() not in (".csv", ".tsv", ".txt") or sniff(f) != "text":
        return 1
    try:
        if f.stat().st_size < SPLIT_MIN_BYTES:
            return 1
        h = rcsv._open_csv(f, DossierRecord, profile_for(f, user, sheet) or user)
        if not h.utf8:
            return 1
        return sum(1 for _ in rcsv.plan_blocks(h, SPLIT_ROWS))
    except Exception:  # noqa: BLE001 — the worker reads the file whole and says what is wrong
        return 1


def fetch_local(part: Part) -> tuple[Path, bool]:
    """A local path for ``part``: itself, or a temporary copy of a remote file (True: the
    caller removes it once read)."""
    loc = local_of(part.location)
    if loc is not None or not is_url(part.location):
        return Path(loc if loc is not None else part.location), False
    import fsspec

    suffix = Path(part.name).suffix
    fd, tmp = tempfile.mkstemp(suffix=suffix, prefix="cchc-part-")
    with os.fdopen(fd, "wb") as out, fsspec.open(part.location, "rb") as src:
        while True:
            b = src.read(1 << 22)
            if not b:
                break
            out.write(b)
    return Path(tmp), True
