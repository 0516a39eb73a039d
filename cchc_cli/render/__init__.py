"""Output renderers. ``report.py`` turns results into neutral ``Table``s; each format
(rich terminal tables, Markdown, CSV, XLSX, JSON) renders those, so every format shows
the same numbers. No renderer computes anything."""
