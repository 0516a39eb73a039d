"""The view of ``cchc profiles``: the system profiles shipped with cchc and their sources."""

from __future__ import annotations

from ...i18n import t
from ...kpis.results import envelope
from ..model import Document, Table


def profiles_document(lang: str) -> Document:
    from ...profiles import builtin

    ps = builtin()
    doc = envelope("profiles", profiles=[{"name": p.name, "title": p.title, "system": p.system, "formats": p.formats,
                                          "signature": p.signature, "cannot": p.cannot, "sources": p.sources}
                                         for p in ps])
    tb = Table("profiles", t("profiles.title", lang),
               ["--profile", t("profiles.system", lang), t("profiles.formats", lang), t("profiles.signature", lang),
                t("profiles.cannot", lang), t("source", lang)])
    for p in ps:
        tb.rows.append([p.name, p.title, ", ".join(p.formats), ", ".join(p.signature), p.cannot, " · ".join(p.sources)])
    return Document("profiles", [tb], json=doc)
