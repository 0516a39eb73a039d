"""Pick the renderer for a format and write the result: to stdout, or atomically to
``--output`` (a temporary file in the same folder, then a rename), never over an input."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError, OutputError
from ..i18n import note_text, t


def write(data: str | bytes, output: Path | None, inputs: Iterable[Path] = ()) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is None:
        if isinstance(data, bytes) and sys.stdout.isatty():
            raise ConfigError("không in tệp nhị phân (xlsx) ra màn hình.", hint="Dùng --output TỆP.xlsx.")
        with stdout_errors():
            sys.stdout.buffer.write(raw)
            sys.stdout.flush()
        return
    target = check_output(output, inputs)
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except BaseException as e:  # an error, or Ctrl-C: the temporary file goes, the target is untouched
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OutputError(f"--output {output}: không ghi được ({e.strerror or type(e).__name__}); "
                              "không có tệp nào bị ghi dở, tệp cũ (nếu có) vẫn còn nguyên.",
                              hint="Kiểm tra chỗ trống và quyền ghi của thư mục, hoặc chọn nơi ghi khác.") from None
        raise


def check_output(output: Path, inputs: Iterable[Path] = ()) -> Path:
    """The resolved target of ``--output``, refused (exit 2) when it is one of the inputs —
    by name, through a symbolic link, a hard link, or inside an input folder — or a folder,
    or in a folder that does not exist. Checked before anything is computed, and again
    before writing."""
    target = Path(os.path.abspath(output)).resolve()
    same = _same_file(target)
    for p in inputs:
        p = Path(p)
        if p.is_dir():
            from ..reading import EXTENSIONS

            hit = any(same(f) for f in p.rglob("*") if f.suffix.lower() in EXTENSIONS and f.is_file())
        else:
            hit = same(p)
        if hit:
            raise OutputError(f"--output {output}: trùng với một tệp đầu vào ({p}), sẽ không ghi đè.",
                              hint="Chọn tên tệp kết quả khác.")
    if target.is_dir():
        raise OutputError(f"--output {output}: là một thư mục.", hint="Cho tên tệp, ví dụ ketqua.xlsx.")
    if not target.parent.is_dir():
        raise OutputError(f"--output {output}: thư mục {target.parent} không tồn tại.")
    return target


def _same_file(target: Path):
    try:
        st = target.stat()
        key = (st.st_dev, st.st_ino)
    except OSError:
        key = None

    def same(p: Path) -> bool:
        try:
            if p.resolve() == target:
                return True
            if key is None:
                return False
            s = p.stat()
            return (s.st_dev, s.st_ino) == key
        except OSError:
            return False

    return same


def _mode(target: Path) -> int:
    """The mode of the file being replaced, or what the umask gives a new file (mkstemp
    creates 0600)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def stdout_errors():
    """Writing to stdout: a reader that went away (``| head``) ends the output quietly and
    the command keeps its exit code; a full disk or an I/O error is an OutputError."""
    try:
        yield
    except BrokenPipeError:
        _stdout_gone()
    except OSError as e:
        _stdout_gone()
        raise OutputError(f"không ghi được kết quả ra đầu ra chuẩn ({e.strerror or type(e).__name__}).",
                          hint="Kiểm tra chỗ trống của ổ đĩa, hoặc ghi ra tệp bằng --output.") from None


def _stdout_gone() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to do
        pass


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"


def _tables_out(tables, fmt: str, output, lang: str, inputs, header: list[str] | None = None) -> None:
    if fmt == "markdown":
        from .markdown import render

        write(render(tables, lang, header), output, inputs)
    elif fmt == "xlsx":
        import io

        from .xlsx import render

        buf = io.BytesIO()
        render(tables, buf, lang, header)
        write(buf.getvalue(), output, inputs)
    else:
        from .text import render

        if output is None:
            with stdout_errors():
                render(tables, sys.stdout, lang, header)
                sys.stdout.flush()
        else:
            import io

            buf = io.StringIO()
            render(tables, buf, lang, header)
            write(buf.getvalue(), output, inputs)


def _period_line(result, lang: str) -> str:
    line = f"{t('period', lang)}: {result.period.start:%d/%m/%Y} – {result.period.end:%d/%m/%Y}"
    if result.period.inferred:
        line += f" ({t('period_inferred', lang)})"
    return line


def compute_result(result, fmt: str, output, lang: str, inputs=()) -> None:
    if fmt == "json":
        write(_json(result.to_json()), output, inputs)
        return
    if fmt == "csv":
        from ..kpis.definitions import BY_CODE
        from .csv import results_csv

        labels = {c: BY_CODE[c].label(lang) for c in BY_CODE}
        write(results_csv([r.to_json() for r in result.results], result.group_by, labels), output, inputs)
        return
    from .report import compute_tables

    _tables_out(compute_tables(result, lang), fmt, output, lang, inputs, [_period_line(result, lang)])


def validation(sources, fmt: str, output, lang: str, inputs=()) -> None:
    """``sources``: a dataset.Inputs (every input by kind) or a single Dataset."""
    from .report import conflicts_rows, inputs_table, problems_table

    datasets = sources.all() if hasattr(sources, "all") else [sources]
    reports = [i for d in datasets for i in d.inputs]
    problems = [p for d in datasets for p in d.problems]
    conflicts = [c for d in datasets for c in d.conflicts]
    n_conflicts = sum(d.conflict_count for d in datasets)
    if fmt == "json":
        doc = {
            "schema_version": 1, "tool": "cchc", "command": "validate",
            "inputs": [dict(i.to_json(), header_row=i.header_row, sheet=i.sheet, encoding=i.encoding,
                            totals_rows=i.totals_rows, blank_rows=i.blank_rows, footer_rows=i.footer_rows,
                            mapped=i.mapped, notes=[note_text(n.code, n.params, lang) for n in i.notes])
                       for i in reports],
            "problems": [{"file": p.file, "field": p.field, "column": p.column, "code": p.code,
                          "message": t(p.code, lang), "count": p.count, "value": p.value, "rows": p.rows,
                          "examples": [{"row": r, "value": v} for r, v in p.examples], "rejects": p.rejects}
                         for p in problems],
            "conflicts": {"count": n_conflicts,
                          "examples": [{"dossier_id": c.dossier_id, "fields": c.fields,
                                        "kept": {"file": c.kept[0], "row": c.kept[1]},
                                        "others": [{"file": f, "row": r} for f, r in c.others]}
                                       for c in conflicts]},
        }
        write(_json(doc), output, inputs)
        return

    tables = [inputs_table(reports, n_conflicts, lang), problems_table(problems, lang, limit=10_000)]
    if conflicts:
        from .model import Table

        ct = Table("conflicts", t("title_conflicts", lang), ["dossier_id", t("field_name", lang), t("kept", lang), t("file", lang)])
        ct.rows = conflicts_rows(conflicts)
        tables.append(ct)
    _tables_out(tables, fmt, output, lang, inputs)


def column_mapping(raw, fmt: str, lang: str) -> None:
    from ..reading.layout import column_letter
    from .model import Table

    m = raw.mapping
    by_pos = {s.column: s for s in m.sources}
    shadow = dict(m.shadowed)
    tb = Table("columns", f"{raw.path}" + (f" — {raw.sheet}" if raw.sheet else ""),
               [t("column", lang), t("header", lang), t("field_name", lang), t("samples", lang)])
    doc_cols = []
    for pos, header in enumerate(m.headers):
        if not header:
            continue
        src = by_pos.get(pos)
        if src is not None:
            field = src.field + (f" ({src.alt})" if src.alt else "")
            s = raw.column(pos)
            vals = [str(v) for v in s.dropna().astype(str).str.strip().loc[lambda x: x != ""].unique()[:3]]
        elif pos in m.ignored:
            field, vals = t("ignored", lang), []
        elif pos in shadow:
            field, vals = f"{shadow[pos]}: {t('shadowed', lang)}", []
        else:
            field, vals = "—", []
        tb.rows.append([column_letter(pos), header, field, ", ".join(vals)])
        doc_cols.append({"position": pos, "header": header, "field": src.field if src else None,
                         "samples": vals})
    missing = m.missing_required()
    unmapped = [m.headers[i] for i in m.unmapped]
    tb.notes.append(f"{t('header_row', lang, row=raw.layout.row + 1)}" + (" (2 dòng)" if raw.layout.height == 2 else ""))
    if unmapped:
        tb.notes.append(t("unmapped", lang) + ": " + ", ".join(unmapped))
    if missing:
        tb.notes.append(("Thiếu trường bắt buộc: " if lang == "vi" else "Required fields missing: ") + ", ".join(missing))
    if fmt == "json":
        write(_json({"schema_version": 1, "tool": "cchc", "command": "columns", "path": raw.path, "sheet": raw.sheet,
                     "header_row": raw.layout.row + 1, "header_rows": raw.layout.height, "columns": doc_cols,
                     "unmapped": unmapped, "missing_required": missing}), None)
        return
    _tables_out([tb], fmt, None, lang, ())


def kpi_catalogue(fmt: str, lang: str) -> None:
    from ..kpis.definitions import KPIS
    from .model import Table

    if fmt == "json":
        write(_json({"schema_version": 1, "tool": "cchc", "command": "kpis",
                     "kpis": [{"code": k.code, "input": k.input, "label": k.label(lang), "label_vi": k.label_vi,
                               "label_en": k.label_en, "numerator": k.numerator, "denominator": k.denominator,
                               "better": k.better, "source": k.source} for k in KPIS]}), None)
        return
    tb = Table("kpis", t("title_kpis", lang), [t("code", lang), t("label", lang), t("formula", lang), t("better", lang), t("source", lang)])
    for k in KPIS:
        tb.rows.append([k.code, k.label(lang), f"{k.numerator} / {k.denominator}", t(k.better, lang), k.source])
    _tables_out([tb], fmt, None, lang, ())


def calendar_days(year: int, days, fmt: str, lang: str) -> None:
    from .model import Table

    if fmt == "json":
        write(_json({"schema_version": 1, "tool": "cchc", "command": "calendar", "year": year,
                     "days": [{"date": d.date.isoformat(), "working": d.working, "reason": d.reason, "source": d.source}
                              for d in days]}), None)
        return
    wd = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"] if lang == "vi" else \
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    title = (f"Ngày nghỉ và ngày làm bù năm {year}" if lang == "vi" else f"Days off and worked weekend days, {year}")
    tb = Table("calendar", title, ["Ngày" if lang == "vi" else "Date", "Thứ" if lang == "vi" else "Day",
                                   "Làm việc" if lang == "vi" else "Working", "Lý do" if lang == "vi" else "Reason",
                                   t("source", lang)])
    for d in days:
        tb.rows.append([d.date.strftime("%d/%m/%Y"), wd[d.date.weekday()],
                        ("có" if lang == "vi" else "yes") if d.working else ("nghỉ" if lang == "vi" else "off"),
                        d.reason, d.source])
    _tables_out([tb], fmt, None, lang, ())


def check_report(result, report, fmt: str, output, lang: str, inputs=()) -> None:
    from . import targets as rt

    if fmt == "json":
        write(_json(rt.to_json(result, report, lang)), output, inputs)
    elif fmt == "junit":
        write(rt.junit(report, lang), output, inputs)
    elif fmt == "github":
        write(rt.github(report, lang), output, inputs)
    elif fmt == "csv":
        from .csv import rows_to_csv

        header = ["kpi", "group", "value", "numerator", "denominator", "min", "max", "warn_min", "warn_max",
                  "status", "needed", "gap_pp", "target"]
        rows = [[c.kpi, rt.group_text(c.group), "" if c.value is None else repr(c.value), c.numerator, c.denominator,
                 c.target.min, c.target.max, c.target.warn_min, c.target.warn_max, c.status, c.needed,
                 None if c.gap_pp is None else round(c.gap_pp, 4), c.origin] for c in report.ordered()]
        write(rows_to_csv(header, rows), output, inputs)
    else:
        from .report import inputs_table

        tables = [rt.checks_table(report, lang), inputs_table(result.inputs, result.conflicts, lang)]
        _tables_out(tables, fmt, output, lang, inputs, [_period_line(result, lang)])
    if fmt not in ("table",) or output is not None:
        # the verdict always reaches the terminal, whatever the data format
        sys.stderr.write(rt.summary_line(report, lang) + "\n")


def preset_list(fmt: str, lang: str) -> None:
    from ..targets import load_preset, preset_names
    from .model import Table
    from .targets import threshold

    sets = [load_preset(n) for n in preset_names()]
    if fmt == "json":
        write(_json({"schema_version": 1, "tool": "cchc", "command": "presets",
                     "presets": [{"name": s.origin, "title": s.name, "source": s.source,
                                  "targets": [tg.model_dump(exclude_none=True) for tg in s.targets]} for s in sets]}), None)
        return
    tb = Table("presets", "Bộ chỉ tiêu có sẵn" if lang == "vi" else "Built-in target sets",
               ["--preset", t("kpi", lang), t("level", lang), "Ngưỡng" if lang == "vi" else "Threshold", t("source", lang)])

    for s in sets:
        for tg in s.targets:
            tb.rows.append([s.origin, tg.kpi, tg.level or ("mọi cấp" if lang == "vi" else "all"),
                            threshold(tg, lang), s.source or ""])
    _tables_out([tb], fmt, None, lang, ())


def diff_result(d, fmt: str, output, lang: str, inputs=()) -> None:
    from . import diff as rd

    if fmt == "json":
        write(_json(d.to_json()), output, inputs)
        return
    if fmt == "csv":
        from .csv import rows_to_csv

        header, rows = rd.diff_csv_rows(d)
        write(rows_to_csv(header, rows), output, inputs)
        return
    _tables_out(rd.diff_tables(d, lang), fmt, output, lang, inputs)
