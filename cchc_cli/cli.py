"""Command line: parses options, calls the core library, picks a renderer, maps outcomes
to the exit codes of cli.md. Nothing here computes; pandas and friends are imported inside
the commands so that ``cchc --help`` stays fast."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from typer import TyperException

from .errors import CchcError, ConfigError, DataError, Terminated, on_termination_signals
from .render import emit

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="cchc — chỉ tiêu cải cách hành chính từ dữ liệu xuất của Bộ phận Một cửa.\n\n"
    "CCHC indicators from one-stop-shop dossier exports.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class Lang(str, Enum):
    vi = "vi"
    en = "en"


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"
    html = "html"


class CsvTable(str, Enum):
    counts = "counts"
    kpis = "kpis"


PathsArg = typer.Argument(..., help="Tệp (.csv, .xlsx, .xls, .parquet) hoặc thư mục / files or directories.")
ByOpt = typer.Option(None, "--by", help="Nhóm theo / group by: unit,level,field,procedure,channel,month,parent (parent: với --units).")
PeriodOpt = typer.Option(None, "--period", help="Kỳ / period: 2023-03, 2023-Q1, 2023.")
FromOpt = typer.Option(None, "--from", help="Từ ngày / from (2023-03-01).")
ToOpt = typer.Option(None, "--to", help="Đến ngày / to (2023-03-31).")
ColumnsOpt = typer.Option(None, "--columns", help="Tệp TOML ánh xạ cột / column mapping file.")
SkipOpt = typer.Option(False, "--skip-unreadable",
                       help="Bỏ qua tệp xuất không đọc được và liệt kê / carry on past unreadable exports, listing them.")
ProfileOpt = typer.Option(None, "--profile", help="Hồ sơ hệ thống (tên hoặc tệp TOML, xem cchc profiles) / system profile NAME|FILE.")
SheetOpt = typer.Option(None, "--sheet", help="Tên hoặc số thứ tự trang tính / sheet name or number.")
FormatOpt = typer.Option(None, "--format", "-f", help="table, json, csv, markdown, xlsx, html.")
TableOpt = typer.Option(None, "--table", help="Bảng của --format csv / the table --format csv writes: kpis (mặc định), counts.")
OutputOpt = typer.Option(None, "--output", "-o", help="Ghi ra tệp / write to this file.")
CatalogueOpt = typer.Option(None, "--catalogue", help="Danh mục TTHC / procedure catalogue (CSV, XLSX).")
LogbookOpt = typer.Option(None, "--logbook", help="Số liệu sổ theo dõi giấy / paper logbook counts (đơn vị, kỳ, số hồ sơ).")
CalendarOpt = typer.Option(None, "--calendar", help="Tệp lịch năm (TOML): ngày nghỉ, ngày làm bù / year calendar file.")
KindOpt = typer.Option(None, "--kind", help="Loại đầu vào / input kind: dossiers, catalogue, documents, logbook (mặc định: nhận theo tiêu đề).")
MaxFileOpt = typer.Option(None, "--max-file-mb", metavar="MB",
                          help="Giới hạn kích thước một tệp đầu vào (mặc định 2048 MB) / max input file size.")
MaxXlsxOpt = typer.Option(None, "--max-xlsx-mb", metavar="MB",
                          help="Giới hạn dung lượng XLSX sau giải nén (mặc định 1024 MB) / max uncompressed XLSX size.")
MaxRatioOpt = typer.Option(None, "--max-xlsx-ratio", metavar="N",
                           help="Tỷ lệ nén tối đa của một thành phần XLSX lớn (mặc định 100) / max compression ratio.")
MaxCellOpt = typer.Option(None, "--max-cell-chars", metavar="N",
                          help="Độ dài tối đa của một ô (mặc định 32767 ký tự) / max characters in a cell.")
MaxCellsOpt = typer.Option(None, "--max-cells", metavar="N",
                           help="Số ô tối đa của một trang tính XLSX, dòng × cột (mặc định 50000000) / max sheet extent.")
MaxRowsOpt = typer.Option(None, "--max-rows", metavar="N",
                          help="Số dòng tối đa của một bảng (mặc định 2000000) / max data rows of one table.")
class Engine(str, Enum):
    local = "local"
    dask = "dask"


EngineOpt = typer.Option(Engine.local, "--engine", help="local (mặc định) hoặc dask: chạy trên cụm dask.distributed / run on a dask cluster.")
SchedulerOpt = typer.Option(None, "--scheduler", metavar="ADDRESS",
                            help="Địa chỉ bộ điều phối dask (tcp://HOST:8786) / dask scheduler address (--engine dask).")
QuietOpt = typer.Option(False, "--quiet", "-q", help="Không in tiến độ và ghi chú lên stderr / no progress or notes on stderr.")
# None: CCHC_LANG when it names a language cchc speaks, else Vietnamese — read when the
# command runs (not when this module is imported), like every other message.
LangOpt = typer.Option(None, "--lang", help="Ngôn ngữ / language: vi, en (mặc định / default: CCHC_LANG, vi).")


def _lang(lang: Optional[Lang]) -> str:
    from .i18n import default_lang

    return lang.value if lang is not None else default_lang()


def _argv_lang(argv: list[str]) -> str:
    """The language of a command line not parsed (yet): a usage error, Ctrl-C while
    starting up. Its ``--lang``, else CCHC_LANG, else Vietnamese."""
    from .i18n import LANGS, default_lang

    for i, a in enumerate(argv):
        v = argv[i + 1] if a == "--lang" and i + 1 < len(argv) else a[7:] if a.startswith("--lang=") else None
        if v in LANGS:
            return v
    return default_lang()


def _fail(e: CchcError, lang: str) -> None:
    from .i18n import t

    typer.echo(t("cli.error", lang, message=e.text(lang)), err=True)
    hint = e.hint_text(lang)
    if hint:
        typer.echo(t("cli.what_to_do", lang, hint=hint), err=True)
    raise typer.Exit(e.exit_code)


def run(fn, lang: str, limits: dict | None = None):
    """Run a command body; map errors to exit codes, never a traceback. ``limits``: the
    --max-* options of the command, the reading limits in force while it runs."""
    from .i18n import t

    try:
        if limits is None:
            return fn()
        from .reading import limits as lim

        with lim.using(lim.current().with_options(**_check_limits(limits))):
            return fn()
    except CchcError as e:
        _fail(e, lang)
    except KeyboardInterrupt:
        typer.echo(t("cli.interrupted", lang), err=True)
        raise typer.Exit(130)
    except Terminated as e:
        import signal

        typer.echo(t("cli.terminated", lang, signal=signal.Signals(e.signum).name), err=True)
        raise typer.Exit(128 + e.signum)
    except typer.Exit:
        raise
    except MemoryError:
        _fail(DataError("out_of_memory"), lang)
    except RecursionError:  # a deeply nested input (a JSON result given to diff): a data problem
        _fail(DataError("nested_too_deep"), lang)
    except Exception as e:  # a bug: say so plainly, exit with a code no contract uses
        typer.echo(t("cli.internal_error", lang, where=_where(e)), err=True)
        if os.environ.get("CCHC_DEBUG"):
            import traceback

            traceback.print_exception(e, file=sys.stderr)
        else:
            typer.echo(t("cli.debug_hint", lang), err=True)
        raise typer.Exit(4)
    finally:
        _reset_reading_options()


def _where(e: BaseException) -> str:
    """The exception's type and where in cchc it was raised — never its message, which may
    quote a cell of the input (personal data)."""
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if "cchc_cli" in f.filename]
    at = frames[-1] if frames else None
    where = f" ({Path(at.filename).name}:{at.lineno}, {at.name})" if at else ""
    return type(e).__name__ + where


# Ceilings of the --max-* options: far above any real file, low enough that every size
# computed from them (bytes, cells) fits a 64-bit integer.
_LIMIT_FLAGS = {"max_file_mb": "--max-file-mb", "max_xlsx_mb": "--max-xlsx-mb", "max_ratio": "--max-xlsx-ratio",
                "max_cell_chars": "--max-cell-chars", "max_rows": "--max-rows", "max_cells": "--max-cells"}
_LIMIT_CEILING = {"max_file_mb": 2**40, "max_xlsx_mb": 2**40, "max_ratio": 2**40,
                  "max_cell_chars": 2**40, "max_rows": 2**40, "max_cells": 2**50}


def _check_limits(limits: dict) -> dict:
    """The --max-* options, each a positive finite number below its ceiling (exit 2)."""
    import math

    for k, v in limits.items():
        if v is None:
            continue
        if (isinstance(v, float) and not math.isfinite(v)) or v <= 0:
            raise ConfigError("limit_not_positive", option=_LIMIT_FLAGS[k], value=v)
        if v > _LIMIT_CEILING[k]:
            raise ConfigError("limit_too_large", option=_LIMIT_FLAGS[k], value=v, max=_LIMIT_CEILING[k])
    return limits


def _limits(max_file_mb=None, max_xlsx_mb=None, max_xlsx_ratio=None, max_cell_chars=None, max_rows=None,
            max_cells=None) -> dict:
    return dict(max_file_mb=max_file_mb, max_xlsx_mb=max_xlsx_mb, max_ratio=max_xlsx_ratio,
                max_cell_chars=max_cell_chars, max_rows=max_rows, max_cells=max_cells)


def _check_output(output: Optional[Path], *groups) -> list[Path]:
    """Every file the command reads; ``--output`` checked against them before any work."""
    inputs: list[Path] = []
    for g in groups:
        if g is None:
            continue
        inputs.extend(g if isinstance(g, (list, tuple)) else [g])
    if output is not None:
        from .render.output import check_output

        check_output(output, inputs)
    return inputs


def _progress(lang: str, bar: bool = True):
    """What shows the files being read, on stderr and only on a terminal: a progress bar
    (an ``engines.progress.FileProgress``, started by ``_progressing``) or, ``bar=False``,
    a line per file. The commands call it only without --quiet."""
    if not sys.stderr.isatty():
        return None
    if bar:
        from .engines.progress import FileProgress

        return FileProgress([], lang)

    def on_file(path: Path) -> None:
        from .i18n import t

        sys.stderr.write(t("cli.reading", lang, path=str(path)) + "\n")

    return on_file


def _progressing(lang: str, quiet: bool, paths: list):
    """A context giving the ``on_file`` callback of a run (None with --quiet): a progress
    bar over ``paths`` on a terminal, started and removed around the run."""
    import contextlib

    on_file = None if quiet else _progress(lang)
    if hasattr(on_file, "set_paths"):
        on_file.set_paths(paths)
        return on_file
    return contextlib.nullcontext(on_file)


def _say(lang: str, quiet: bool):
    """The engine's notes (scheduler, partitions, workers) on stderr, unless --quiet."""
    def say(key: str, **params) -> None:
        if not quiet:
            from .i18n import t

            sys.stderr.write(t(key, lang, **params) + "\n")

    return say


@app.command()
def compute(
    paths: List[Path] = PathsArg, by: Optional[str] = ByOpt, period: Optional[str] = PeriodOpt,
    from_: Optional[str] = FromOpt, to: Optional[str] = ToOpt, columns: Optional[Path] = ColumnsOpt,
    profile: Optional[str] = ProfileOpt, skip_unreadable: bool = SkipOpt, sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt,
    logbook: Optional[List[Path]] = LogbookOpt, calendar: Optional[List[Path]] = CalendarOpt,
    kind: Optional[str] = KindOpt, format: Optional[Format] = FormatOpt, output: Optional[Path] = OutputOpt,
    lang: Optional[Lang] = LangOpt, max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
    table: Optional[CsvTable] = TableOpt,
    units: Optional[Path] = typer.Option(None, "--units", help="Tệp đơn vị: đơn vị, cấp, đơn vị cấp trên (cho --by parent) / units file."),
    engine: Engine = EngineOpt, scheduler: Optional[str] = SchedulerOpt, quiet: bool = QuietOpt,
):
    """Tính chỉ tiêu và số liệu báo cáo / compute the KPIs and the report counts."""
    lg = _lang(lang)

    def body():
        _skip(skip_unreadable)
        from .api import compute as do

        inputs = _check_output(output, paths, catalogue, logbook, calendar, columns, units)
        with _progressing(lg, quiet, [*paths, *(catalogue or []), *(logbook or [])]) as on_file:
            result = do([str(p) for p in paths], by=by, period=period, start=from_, end=to,
                        columns=_column_map(columns, profile), sheet=sheet, catalogue=catalogue, logbook=logbook,
                        calendar=calendar, kind=_kind(kind), on_file=on_file, units=units, engine=engine.value,
                        scheduler=scheduler, say=_say(lg, quiet))
        _empty_period(result, lg)
        from .render.views.compute import document

        emit(document(result, lg, calendar, table.value if table else "kpis"), fmt(format, output), output, lg,
             inputs=inputs)

    run(body, lg, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"
    html = "html"
    junit = "junit"
    github = "github"


@app.command("check-targets")
def check_targets(
    paths: List[Path] = PathsArg,
    targets: Optional[Path] = typer.Option(None, "--targets", help="Tệp chỉ tiêu (TOML) / targets file."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Bộ chỉ tiêu có sẵn / built-in preset (cchc presets)."),
    by: Optional[str] = ByOpt, period: Optional[str] = PeriodOpt, from_: Optional[str] = FromOpt,
    to: Optional[str] = ToOpt, columns: Optional[Path] = ColumnsOpt, profile: Optional[str] = ProfileOpt,
    skip_unreadable: bool = SkipOpt, sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt, logbook: Optional[List[Path]] = LogbookOpt,
    calendar: Optional[List[Path]] = CalendarOpt, kind: Optional[str] = KindOpt,
    fail_on: Optional[List[str]] = typer.Option(None, "--fail-on", help="fail (mặc định), warn, no-data; ghép được: warn,no-data."),
    index: bool = typer.Option(False, "--index", help="Kiểm tra chỉ tiêu điểm QĐ 766 (index = ...) / check QĐ 766 index points targets."),
    units: Optional[Path] = typer.Option(None, "--units", help="Tệp đơn vị (với --index) / units file (with --index)."),
    formula: Optional[str] = typer.Option(None, "--formula", help="Biến thể công thức (với --index) / formula variant (with --index)."),
    format: Optional[CheckFormat] = typer.Option(None, "--format", "-f", help="table, json, csv, markdown, xlsx, html, junit, github."),
    output: Optional[Path] = OutputOpt, lang: Optional[Lang] = LangOpt,
    max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
    engine: Engine = EngineOpt, scheduler: Optional[str] = SchedulerOpt, quiet: bool = QuietOpt,
):
    """Kiểm tra chỉ tiêu theo kế hoạch, cho CI / check the KPIs against targets (exit 1 when one is missed)."""
    lg = _lang(lang)

    def body():
        _skip(skip_unreadable)
        if index:
            return _check_index(paths, targets, preset, fail_on, period, from_, to, columns, sheet,
                                catalogue, units, formula, kind, format, output, lg)
        from .api import check_targets as do

        inputs = _check_output(output, paths, catalogue, logbook, calendar, columns, targets)
        with _progressing(lg, quiet, [*paths, *(catalogue or []), *(logbook or [])]) as on_file:
            result, report = do([str(p) for p in paths], targets=targets, preset=preset, by=by, fail_on=fail_on,
                                period=period, start=from_, end=to, columns=_column_map(columns, profile), sheet=sheet,
                                catalogue=catalogue, logbook=logbook, calendar=calendar, kind=_kind(kind),
                                on_file=on_file, units=units, engine=engine.value, scheduler=scheduler,
                                say=_say(lg, quiet))
        _empty_period(result, lg)
        f = format.value if format is not None else fmt(None, output)
        if format is None and output is not None and output.suffix.lower() == ".xml":
            f = "junit"
        from .render.views.check import document

        emit(document(result, report, lg, calendar), f, output, lg, inputs=inputs)
        if not report.evaluated:  # a run that checked nothing is no pass (cli.md): exit 3
            from .i18n import msg

            wanted = {c.kpi for c in report.checks}
            cols = sorted({col for u in result.unavailable if u.kpi in wanted for col in u.columns})
            raise DataError("nothing_checked", missing=msg("nothing_checked_missing", columns=", ".join(cols)) if cols else "")
        if report.failed:
            raise typer.Exit(1)

    run(body, lg, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


def _check_index(paths, targets, preset, fail_on, period, from_, to, columns, sheet, catalogue, units, formula,
                 kind, format, output, lg):
    """check-targets --index: the index targets (``index = "qd766.…"``) on the points of
    every unit and pooled parent."""
    from .api import index as do
    from .targets import evaluate_index, parse_fail_on, resolve

    tset = resolve(targets, preset)
    fo = parse_fail_on(fail_on)
    inputs = _check_output(output, paths, catalogue, columns, targets, units)
    result = do([str(p) for p in paths], period=period, start=from_, end=to, columns=columns, sheet=sheet,
                catalogue=catalogue, units=units, formula=formula, kind=_kind(kind), on_file=_progress(lg))
    report = evaluate_index(result, tset, fo)
    from .render.views.index import check_document

    f = format.value if format is not None else fmt(None, output)
    if f in ("junit", "github"):
        f = "json"
    emit(check_document(result, report, lg), f, output, lg, inputs=inputs)
    if not report.evaluated:
        raise DataError("nothing_checked", missing="")
    if report.failed:
        raise typer.Exit(1)


@app.command("diff")
def diff_cmd(
    old: List[Path] = typer.Argument(..., help="Cũ: tệp, thư mục hoặc kết quả JSON / old: exports or a JSON result."),
    new: Path = typer.Argument(..., help="Mới / new: exports or a JSON result."),
    by: Optional[str] = ByOpt,
    targets: Optional[Path] = typer.Option(None, "--targets", help="Tệp chỉ tiêu / targets file."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Bộ chỉ tiêu có sẵn / built-in preset."),
    fail_on_regression: Optional[float] = typer.Option(None, "--fail-on-regression", metavar="PP",
                                                       help="Mã thoát 1 nếu chỉ tiêu giảm quá PP điểm % / exit 1 past PP points."),
    period: Optional[str] = PeriodOpt,
    old_period: Optional[str] = typer.Option(None, "--old-period", help="Kỳ của bên cũ / period of OLD."),
    new_period: Optional[str] = typer.Option(None, "--new-period", help="Kỳ của bên mới / period of NEW."),
    columns: Optional[Path] = ColumnsOpt, profile: Optional[str] = ProfileOpt, skip_unreadable: bool = SkipOpt,
    sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt, logbook: Optional[List[Path]] = LogbookOpt,
    calendar: Optional[List[Path]] = CalendarOpt,
    index: bool = typer.Option(False, "--index", help="So sánh điểm QĐ 766 (tệp xuất hoặc JSON của cchc index) / compare QĐ 766 points."),
    units: Optional[Path] = typer.Option(None, "--units", help="Tệp đơn vị (với --index) / units file (with --index)."),
    formula: Optional[str] = typer.Option(None, "--formula", help="Biến thể công thức (với --index) / formula variant (with --index)."),
    format: Optional[Format] = FormatOpt, output: Optional[Path] = OutputOpt, lang: Optional[Lang] = LangOpt,
    max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """So sánh hai kỳ hoặc hai bản xuất / what changed between two periods or two snapshots."""
    lg = _lang(lang)

    def body():
        _skip(skip_unreadable)
        from .compare import diff as do

        import math

        if fail_on_regression is not None and not (math.isfinite(fail_on_regression) and fail_on_regression >= 0):
            raise ConfigError("fail_on_regression_invalid", value=fail_on_regression)
        olds = list(old)
        inputs = _check_output(output, olds, [new], catalogue, logbook, calendar, columns, targets)
        if index:  # QĐ 766 points: --fail-on-regression in points
            from .compare import diff_index
            from .render.views.index import diff_document

            d = diff_index([str(p) for p in olds], [str(new)], fail_on_regression=fail_on_regression, period=period,
                           old_period=old_period, new_period=new_period, columns=columns, sheet=sheet,
                           catalogue=catalogue, units=units, formula=formula)
            emit(diff_document(d, lg), fmt(format, output), output, lg, inputs=inputs)
            if d.failed:
                raise typer.Exit(1)
            return
        # OLD may be several paths; the last positional argument is NEW
        result = do([str(p) for p in olds], [str(new)], by=by, targets=targets, preset=preset,
                    fail_on_regression=fail_on_regression, period=period, old_period=old_period,
                    new_period=new_period, columns=_column_map(columns, profile), sheet=sheet, catalogue=catalogue, logbook=logbook,
                    calendar=calendar)
        for side in (result.old, result.new):  # a side whose period has no dossier says so
            _empty_period(side, lg)
        from .render.views.diff import document

        emit(document(result, lg), fmt(format, output), output, lg, inputs=inputs)
        if result.failed:
            raise typer.Exit(1)

    run(body, lg, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


UnitsOpt = typer.Option(None, "--units", help="Tệp đơn vị: đơn vị, cấp, đơn vị cấp trên / units file: unit, level, parent.")


@app.command("index")
def index_cmd(
    paths: Optional[List[Path]] = typer.Argument(None, help="Tệp hoặc thư mục / files or directories."),
    period: Optional[str] = PeriodOpt, from_: Optional[str] = FromOpt, to: Optional[str] = ToOpt,
    columns: Optional[Path] = ColumnsOpt, sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt, units: Optional[Path] = UnitsOpt,
    formula: Optional[str] = typer.Option(None, "--formula", help="Biến thể công thức / formula variant (cchc index --explain)."),
    explain: bool = typer.Option(False, "--explain", help="In công thức và nguồn / print each formula with its source."),
    max_dossiers: int = typer.Option(10, "--max-dossiers", metavar="N", help="Số hồ sơ liệt kê tối đa / dossiers listed per indicator."),
    kind: Optional[str] = KindOpt, format: Optional[Format] = FormatOpt, output: Optional[Path] = OutputOpt,
    lang: Optional[Lang] = LangOpt, max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """Chỉ số phục vụ QĐ 766 theo đơn vị và đơn vị cấp trên / the QĐ 766 service index per unit and pooled parent."""
    lg = _lang(lang)

    def body():
        if max_dossiers < 0:
            raise ConfigError("index_max_dossiers", value=max_dossiers)
        if explain:
            from .index import load
            from .render.views.index import explain_document

            emit(explain_document(load(formula), lg), fmt(format, output), output, lg)
            return
        if not paths:
            raise ConfigError("index_no_paths")
        from .api import index as do

        inputs = _check_output(output, list(paths), catalogue, columns, units)
        result = do([str(p) for p in paths], period=period, start=from_, end=to, columns=columns, sheet=sheet,
                    catalogue=catalogue, units=units, formula=formula, max_dossiers=max_dossiers,
                    kind=_kind(kind), on_file=_progress(lg))
        from .render.views.index import document

        emit(document(result, lg), fmt(format, output), output, lg, inputs=inputs)

    run(body, lg, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


@app.command()
def presets(format: Optional[Format] = FormatOpt, lang: Optional[Lang] = LangOpt):
    """Các bộ chỉ tiêu có sẵn và nguồn / built-in target sets and their sources."""
    lg = _lang(lang)
    def body():
        from .render.views.catalogue import presets_document

        emit(presets_document(lg), fmt(format, None), None, lg)

    run(body, lg)


@app.command()
def validate(
    paths: List[Path] = PathsArg, columns: Optional[Path] = ColumnsOpt, profile: Optional[str] = ProfileOpt,
    skip_unreadable: bool = SkipOpt, sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt, logbook: Optional[List[Path]] = LogbookOpt,
    kind: Optional[str] = KindOpt, format: Optional[Format] = FormatOpt, output: Optional[Path] = OutputOpt,
    strict: bool = typer.Option(False, "--strict", help="Mã thoát 3 nếu có bất kỳ vấn đề nào / exit 3 on any problem."),
    lang: Optional[Lang] = LangOpt, max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """Những gì sẽ được đọc, ánh xạ, loại bỏ và vì sao / what would be read, mapped, rejected, and why."""
    lg = _lang(lang)

    def body():
        _skip(skip_unreadable)
        from . import dataset
        from .dataset import load_inputs

        dataset.ALLOW_EMPTY = True

        inputs = _check_output(output, paths, catalogue, logbook, columns)
        from .schema.headers import ColumnMap
        from .schema.models import DossierRecord

        with _progressing(lg, False, [*paths, *(catalogue or []), *(logbook or [])]) as on_file:
            sources = load_inputs([str(p) for p in paths], catalogue=catalogue, logbook=logbook, kind=_kind(kind),
                                  columns=_column_map(columns, profile) or ColumnMap.load(None, DossierRecord),
                                  sheet=sheet, on_file=on_file)
        from .render.views.validate import document

        emit(document(sources, lg), fmt(format, output), output, lg, inputs=inputs)
        problems = [p for d in sources.all() for p in d.problems]
        empty = [d for d in sources.all() if len(d.frame) == 0]
        if empty:  # no usable row: the reasons are listed above, the error says so
            raise DataError("no_usable_rows", files=", ".join(i.path for d in empty for i in d.inputs
                                                              if i.kind != "skipped"))
        if strict and (problems or any(d.conflict_count for d in sources.all())):
            raise typer.Exit(3)

    run(body, lg, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


@app.command()
def columns(
    path: Path = typer.Argument(..., help="Một tệp xuất dữ liệu / one export file."),
    columns: Optional[Path] = ColumnsOpt, profile: Optional[str] = ProfileOpt, sheet: Optional[str] = SheetOpt,
    write_profile: Optional[Path] = typer.Option(None, "--write-profile",
                                                 help="Ghi hồ sơ hệ thống mẫu (TOML) / write a starter profile."),
    format: Optional[Format] = FormatOpt, lang: Optional[Lang] = LangOpt,
    max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """Ánh xạ tiêu đề cột → trường chuẩn của một tệp / header → field mapping of one file."""
    lg = _lang(lang)

    def body():
        from .reading import read_table
        from .schema.headers import ColumnMap
        from .schema.models import DossierRecord

        if not path.exists():
            raise DataError("columns_input_not_found", path=str(path))
        if path.is_dir():
            raise DataError("columns_input_is_dir", path=str(path))
        from .reading.kind import profile_for

        user = _column_map(columns, profile) or ColumnMap.load(None, DossierRecord)
        user = profile_for(path, user, sheet) or user
        from .reading.candidates import candidate_rows, starter_profile

        if write_profile is not None:
            from .render.output import check_output

            check_output(write_profile, [path])
            write_profile.write_text(starter_profile(path, candidate_rows(path, sheet)), encoding="utf-8")
        try:
            raw = read_table(path, DossierRecord, user, sheet)
        except DataError as e:
            rows = candidate_rows(path, sheet)
            if not rows:
                raise
            # no header found: what cchc saw, row by row, instead of a bare refusal
            from .render.views.columns import candidates_document

            typer.echo(e.text(lg), err=True)
            emit(candidates_document(str(path), rows, lg), fmt(format, None), None, lg)
            raise typer.Exit(3)
        from .render.views.columns import document

        emit(document(raw, lg), fmt(format, None), None, lg)

    run(body, lg, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


@app.command()
def profiles(format: Optional[Format] = FormatOpt, lang: Optional[Lang] = LangOpt):
    """Các hệ thống cchc đọc được và nguồn / the system profiles cchc reads, with their sources."""
    lg = _lang(lang)

    def body():
        from .render.views.profiles import profiles_document

        emit(profiles_document(lg), fmt(format, None), None, lg)

    run(body, lg)


def _empty_period(result, lang: str) -> None:
    """A period the user asked for with no dossier in it: said on stderr, with the span of
    the data, so that a typo in --period never passes for a quiet month."""
    ds = getattr(result, "dataset", None)
    if ds is None or result.period.inferred:
        return
    overall = next((c for c in result.counts if not c.group), None)
    if overall is None or overall.values.get("new", 0):
        return
    span = ds.received_range()
    if span is None:
        return
    first, last = span
    from .i18n import t

    typer.echo(t("reading.empty_period", lang, start=result.period.start.strftime("%d/%m/%Y"),
                 end=result.period.end.strftime("%d/%m/%Y"), first=first.strftime("%d/%m/%Y"),
                 last=last.strftime("%d/%m/%Y")), err=True)


def _skip(on: bool) -> None:
    """The reading options of this command (every command sets both, and ``run`` puts them
    back when it ends: neither a later command nor a library call of the same process
    inherits them)."""
    from . import dataset

    dataset.SKIP_UNREADABLE = bool(on)
    dataset.ALLOW_EMPTY = False


def _reset_reading_options() -> None:
    from . import dataset

    dataset.SKIP_UNREADABLE = False
    dataset.ALLOW_EMPTY = False


def _column_map(columns: Optional[Path], profile: Optional[str]):
    """``--columns`` and ``--profile`` as one column map (None when neither is given): the
    profile forced, the user's own headers on top."""
    if profile is None and columns is None:
        return None
    from .schema.headers import ColumnMap
    from .schema.models import DossierRecord

    user = ColumnMap.load(columns, DossierRecord)
    if profile is None:
        return user
    from .profiles import load, merged

    m = merged(load(profile), user)
    m.forced = True
    return m


@app.command()
def kpis(format: Optional[Format] = FormatOpt, lang: Optional[Lang] = LangOpt):
    """Danh mục chỉ tiêu: mã, tên, công thức, nguồn / the KPI catalogue."""
    lg = _lang(lang)
    def body():
        from .render.views.catalogue import kpis_document

        emit(kpis_document(lg), fmt(format, None), None, lg)

    run(body, lg)


@app.command("calendar")
def calendar_cmd(
    year: int = typer.Argument(..., help="Năm / year."),
    calendar_file: Optional[List[Path]] = typer.Option(None, "--calendar", help="Tệp lịch năm (TOML) / year calendar file."),
    format: Optional[Format] = FormatOpt, lang: Optional[Lang] = LangOpt,
):
    """Các ngày nghỉ và ngày làm bù trong năm / the working days off (and worked weekend days) of a year."""
    lg = _lang(lang)

    def body():
        from .calendar import WorkCalendar

        from .calendar import FIRST_YEAR, LAST_YEAR

        cal = WorkCalendar([str(p) for p in calendar_file or []])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ConfigError("calendar_year_out_of_range", year=year, first=FIRST_YEAR, last=LAST_YEAR)
        days = cal.calendar_days(year)
        from .render.views.catalogue import calendar_document

        emit(calendar_document(year, days, lg), fmt(format, None), None, lg)

    run(body, lg)


def _kind(kind: Optional[str]) -> Optional[str]:
    if kind is None:
        return None
    from .schema.models import INPUT_KINDS

    if kind not in INPUT_KINDS:
        raise ConfigError("unknown_kind", value=kind, kinds=", ".join(INPUT_KINDS))
    return kind


def fmt(format: Optional[Format], output: Optional[Path]) -> str:
    if format is not None:
        return format.value
    if output is not None:
        ext = output.suffix.lower().lstrip(".")
        return {"json": "json", "csv": "csv", "md": "markdown", "markdown": "markdown", "xlsx": "xlsx",
                "html": "html", "htm": "html"}.get(ext, "table")
    return "table"


def main() -> None:  # console script
    """Run the app; a usage error click finds while parsing the command line (an unknown
    option, a missing argument, a value of the wrong type) is worded here, in the language
    of the command line's ``--lang`` (else CCHC_LANG, else Vietnamese)."""
    on_termination_signals()
    try:
        rv = app(standalone_mode=False)
    except Terminated as e:  # outside a command body (while starting up)
        raise SystemExit(128 + e.signum)
    except KeyboardInterrupt:  # Ctrl-C outside a command body (while starting up)
        from .i18n import t

        sys.stderr.write(t("cli.interrupted_startup", _argv_lang(sys.argv[1:])) + "\n")
        raise SystemExit(130)
    except typer.Abort:  # end of input while click was reading the command line
        from .i18n import t

        sys.stderr.write(t("cli.interrupted_startup", _argv_lang(sys.argv[1:])) + "\n")
        raise SystemExit(1)
    except TyperException as e:  # usage errors (click's exceptions)
        raise SystemExit(_usage_error(e, _argv_lang(sys.argv[1:])))
    raise SystemExit(rv if isinstance(rv, int) else 0)


def _usage_error(e: TyperException, lang: str) -> int:
    """Show a usage error as click would, worded from the catalogue; the exit code."""
    from .i18n import msg, t

    name = type(e).__name__
    ctx = getattr(e, "ctx", None)
    if name == "NoArgsIsHelpError" or not hasattr(e, "format_message"):  # `cchc` alone: the help
        e.show()
        return getattr(e, "exit_code", 2)
    param = getattr(e, "param", None)
    hint = getattr(e, "param_hint", None)
    try:
        if hint is None and param is not None:
            try:
                hint = param.get_error_hint(ctx)
            except TypeError:  # typer's parameters take no context
                hint = param.get_error_hint()
        elif isinstance(hint, (list, tuple)):
            hint = " / ".join(f"'{h}'" for h in hint)
    except Exception:
        hint = None
    if name == "NoSuchOption":
        options = sorted(getattr(e, "possibilities", None) or [])
        text = t("cli.usage.no_such_option", lang, option=e.option_name,
                 suggestion=msg("cli.usage.possible_options", options=", ".join(options)) if options else "")
    elif name == "MissingParameter" and hint:
        kind = getattr(e, "param_type", None) or getattr(param, "param_type_name", None)
        text = t("cli.usage.missing_argument" if kind == "argument" else "cli.usage.missing_option", lang, param=hint)
    elif name == "BadParameter" and hint:
        text = t("cli.usage.bad_value", lang, param=hint, detail=e.message)
    else:
        text = e.format_message()
    if ctx is not None:
        usage = ctx.get_usage()
        if usage.startswith("Usage:"):
            usage = t("cli.usage", lang) + usage[len("Usage:"):]
        typer.echo(usage, err=True)
        cmd = ctx.command_path
        typer.echo(t("cli.usage.try_help", lang, command=cmd), err=True)
        typer.echo("", err=True)
    typer.echo(t("cli.error", lang, message=text), err=True)
    return e.exit_code


if __name__ == "__main__":  # pragma: no cover
    main()
