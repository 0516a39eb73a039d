"""cchc — CCHC (administrative-reform) indicators from one-stop-shop dossier exports.

The library behind the ``cchc`` command:

    import cchc_cli
    result = cchc_cli.compute(["samples/dossiers"], by="unit", period="2023-03")
    result.value("online_rate", unit="UBND quận Cái Răng")
    result.to_json()                       # the JSON of `cchc compute --format json`

Heavy modules (pandas, pyarrow) load on first use, so importing the package is cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "compute": ("cchc_cli.api", "compute"),
    "ComputeResult": ("cchc_cli.kpis.results", "ComputeResult"),
    "KpiResult": ("cchc_cli.kpis.results", "KpiResult"),
    "check_targets": ("cchc_cli.api", "check_targets"),
    "diff": ("cchc_cli.api", "diff"),
    "load": ("cchc_cli.dataset", "load"),
    "Dataset": ("cchc_cli.dataset", "Dataset"),
    "Period": ("cchc_cli.kpis.period", "Period"),
    "KPIS": ("cchc_cli.kpis.definitions", "KPIS"),
    "DossierRecord": ("cchc_cli.schema.models", "DossierRecord"),
    "WorkCalendar": ("cchc_cli.calendar", "WorkCalendar"),
}

from .errors import CchcError, ConfigError, DataError  # noqa: E402  (light: no third-party imports)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        mod, attr = _LAZY[name]
        return getattr(import_module(mod), attr)
    raise AttributeError(f"module 'cchc_cli' has no attribute {name!r}")


__all__ = ["CchcError", "ConfigError", "DataError", "__version__", *_LAZY]
