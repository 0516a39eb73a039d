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

from .errors import CchcError, ConfigError, DataError
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


PathsArg = typer.Argument(..., help="Tệp (.csv, .xlsx, .xls, .parquet) hoặc thư mục / files or directories.")
ByOpt = typer.Option(None, "--by", help="Nhóm theo / group by: unit,level,field,procedure,channel,month.")
PeriodOpt = typer.Option(None, "--period", help="Kỳ / period: 2023-03, 2023-Q1, 2023.")
FromOpt = typer.Option(None, "--from", help="Từ ngày / from (2023-03-01).")
ToOpt = typer.Option(None, "--to", help="Đến ngày / to (2023-03-31).")
ColumnsOpt = typer.Option(None, "--columns", help="Tệp TOML ánh xạ cột / column mapping file.")
SheetOpt = typer.Option(None, "--sheet", help="Tên hoặc số thứ tự trang tính / sheet name or number.")
FormatOpt = typer.Option(None, "--format", "-f", help="table, json, csv, markdown, xlsx.")
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
LangOpt = typer.Option(Lang(os.environ.get("CCHC_LANG", "vi")) if os.environ.get("CCHC_LANG") in ("vi", "en") else Lang.vi,
                       "--lang", help="Ngôn ngữ / language: vi, en.")


def _fail(e: CchcError, lang: str) -> None:
    prefix = "Lỗi" if lang == "vi" else "Error"
    typer.echo(f"{prefix}: {e.message}", err=True)
    if e.hint:
        typer.echo(("Cách xử lý: " if lang == "vi" else "What to do: ") + e.hint, err=True)
    raise typer.Exit(e.exit_code)


def run(fn, lang: str, limits: dict | None = None):
    """Run a command body; map errors to exit codes, never a traceback. ``limits``: the
    --max-* options of the command, the reading limits in force while it runs."""
    try:
        if limits is None:
            return fn()
        from .reading import limits as lim

        with lim.using(lim.current().with_options(**limits)):
            return fn()
    except CchcError as e:
        _fail(e, lang)
    except KeyboardInterrupt:
        typer.echo("Đã dừng theo yêu cầu (Ctrl-C); không có tệp kết quả nào bị ghi dở." if lang == "vi"
                   else "Interrupted (Ctrl-C); no result file was left half-written.", err=True)
        raise typer.Exit(130)
    except typer.Exit:
        raise
    except MemoryError:
        _fail(DataError("không đủ bộ nhớ để đọc dữ liệu." if lang == "vi" else "out of memory reading the data.",
                        hint="Chia nhỏ tệp đầu vào." if lang == "vi" else "Split the input."), lang)
    except RecursionError:  # a deeply nested input (a JSON result given to diff): a data problem
        _fail(DataError("dữ liệu đầu vào lồng nhau quá sâu, không đọc được." if lang == "vi"
                        else "the input is nested too deeply to be read."), lang)
    except Exception as e:  # a bug: say so plainly, exit with a code no contract uses
        typer.echo(("Lỗi nội bộ của cchc, xin báo lại kèm lệnh đã chạy: " if lang == "vi"
                    else "Internal error in cchc, please report it with the command you ran: ")
                   + _where(e), err=True)
        if os.environ.get("CCHC_DEBUG"):
            import traceback

            traceback.print_exception(e, file=sys.stderr)
        else:
            typer.echo("(CCHC_DEBUG=1 để xem chi tiết)" if lang == "vi" else "(set CCHC_DEBUG=1 for details)", err=True)
        raise typer.Exit(4)


def _where(e: BaseException) -> str:
    """The exception's type and where in cchc it was raised — never its message, which may
    quote a cell of the input (personal data)."""
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if "cchc_cli" in f.filename]
    at = frames[-1] if frames else None
    where = f" ({Path(at.filename).name}:{at.lineno}, {at.name})" if at else ""
    return type(e).__name__ + where


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
        emit.check_output(output, inputs)
    return inputs


def _progress(lang: str):
    """A per-file note on stderr, only on a terminal."""
    if not sys.stderr.isatty():
        return None

    def on_file(path: Path) -> None:
        sys.stderr.write(("Đang đọc " if lang == "vi" else "Reading ") + str(path) + "\n")

    return on_file


@app.command()
def compute(
    paths: List[Path] = PathsArg, by: Optional[str] = ByOpt, period: Optional[str] = PeriodOpt,
    from_: Optional[str] = FromOpt, to: Optional[str] = ToOpt, columns: Optional[Path] = ColumnsOpt,
    sheet: Optional[str] = SheetOpt, catalogue: Optional[List[Path]] = CatalogueOpt,
    logbook: Optional[List[Path]] = LogbookOpt, calendar: Optional[List[Path]] = CalendarOpt,
    kind: Optional[str] = KindOpt, format: Optional[Format] = FormatOpt, output: Optional[Path] = OutputOpt,
    lang: Lang = LangOpt, max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """Tính chỉ tiêu và số liệu báo cáo / compute the KPIs and the report counts."""

    def body():
        from .api import compute as do

        inputs = _check_output(output, paths, catalogue, logbook, calendar, columns)
        result = do([str(p) for p in paths], by=by, period=period, start=from_, end=to, columns=columns,
                    sheet=sheet, catalogue=catalogue, logbook=logbook, calendar=calendar, kind=_kind(kind),
                    on_file=_progress(lang.value))
        emit.compute_result(result, fmt(format, output), output, lang.value, inputs=inputs)

    run(body, lang.value, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"
    junit = "junit"
    github = "github"


@app.command("check-targets")
def check_targets(
    paths: List[Path] = PathsArg,
    targets: Optional[Path] = typer.Option(None, "--targets", help="Tệp chỉ tiêu (TOML) / targets file."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Bộ chỉ tiêu có sẵn / built-in preset (cchc presets)."),
    by: Optional[str] = ByOpt, period: Optional[str] = PeriodOpt, from_: Optional[str] = FromOpt,
    to: Optional[str] = ToOpt, columns: Optional[Path] = ColumnsOpt, sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt, logbook: Optional[List[Path]] = LogbookOpt,
    calendar: Optional[List[Path]] = CalendarOpt, kind: Optional[str] = KindOpt,
    fail_on: Optional[List[str]] = typer.Option(None, "--fail-on", help="fail (mặc định), warn, no-data; ghép được: warn,no-data."),
    format: Optional[CheckFormat] = typer.Option(None, "--format", "-f", help="table, json, csv, markdown, xlsx, junit, github."),
    output: Optional[Path] = OutputOpt, lang: Lang = LangOpt,
    max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """Kiểm tra chỉ tiêu theo kế hoạch, cho CI / check the KPIs against targets (exit 1 when one is missed)."""

    def body():
        from .api import check_targets as do

        inputs = _check_output(output, paths, catalogue, logbook, calendar, columns, targets)
        result, report = do([str(p) for p in paths], targets=targets, preset=preset, by=by, fail_on=fail_on,
                            period=period, start=from_, end=to, columns=columns, sheet=sheet,
                            catalogue=catalogue, logbook=logbook, calendar=calendar, kind=_kind(kind),
                            on_file=_progress(lang.value))
        f = format.value if format is not None else fmt(None, output)
        if format is None and output is not None and output.suffix.lower() == ".xml":
            f = "junit"
        emit.check_report(result, report, f, output, lang.value, inputs=inputs)
        if report.failed:
            raise typer.Exit(1)

    run(body, lang.value, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


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
    columns: Optional[Path] = ColumnsOpt, sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt, logbook: Optional[List[Path]] = LogbookOpt,
    calendar: Optional[List[Path]] = CalendarOpt,
    format: Optional[Format] = FormatOpt, output: Optional[Path] = OutputOpt, lang: Lang = LangOpt,
    max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """So sánh hai kỳ hoặc hai bản xuất / what changed between two periods or two snapshots."""

    def body():
        from .compare import diff as do

        olds = list(old)
        inputs = _check_output(output, olds, [new], catalogue, logbook, calendar, columns, targets)
        # OLD may be several paths; the last positional argument is NEW
        result = do([str(p) for p in olds], [str(new)], by=by, targets=targets, preset=preset,
                    fail_on_regression=fail_on_regression, period=period, old_period=old_period,
                    new_period=new_period, columns=columns, sheet=sheet, catalogue=catalogue, logbook=logbook,
                    calendar=calendar)
        emit.diff_result(result, fmt(format, output), output, lang.value, inputs=inputs)
        if result.failed:
            raise typer.Exit(1)

    run(body, lang.value, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


@app.command()
def presets(format: Optional[Format] = FormatOpt, lang: Lang = LangOpt):
    """Các bộ chỉ tiêu có sẵn và nguồn / built-in target sets and their sources."""
    run(lambda: emit.preset_list(fmt(format, None), lang.value), lang.value)


@app.command()
def validate(
    paths: List[Path] = PathsArg, columns: Optional[Path] = ColumnsOpt, sheet: Optional[str] = SheetOpt,
    catalogue: Optional[List[Path]] = CatalogueOpt, logbook: Optional[List[Path]] = LogbookOpt,
    kind: Optional[str] = KindOpt, format: Optional[Format] = FormatOpt, output: Optional[Path] = OutputOpt,
    strict: bool = typer.Option(False, "--strict", help="Mã thoát 3 nếu có bất kỳ vấn đề nào / exit 3 on any problem."),
    lang: Lang = LangOpt, max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """Những gì sẽ được đọc, ánh xạ, loại bỏ và vì sao / what would be read, mapped, rejected, and why."""

    def body():
        from .dataset import load_inputs

        inputs = _check_output(output, paths, catalogue, logbook, columns)
        from .schema.headers import ColumnMap
        from .schema.models import DossierRecord

        sources = load_inputs([str(p) for p in paths], catalogue=catalogue, logbook=logbook, kind=_kind(kind),
                              columns=ColumnMap.load(columns, DossierRecord), sheet=sheet, on_file=_progress(lang.value))
        emit.validation(sources, fmt(format, output), output, lang.value, inputs=inputs)
        problems = [p for d in sources.all() for p in d.problems]
        if strict and (problems or any(d.conflict_count for d in sources.all())):
            raise typer.Exit(3)

    run(body, lang.value, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


@app.command()
def columns(
    path: Path = typer.Argument(..., help="Một tệp xuất dữ liệu / one export file."),
    columns: Optional[Path] = ColumnsOpt, sheet: Optional[str] = SheetOpt,
    format: Optional[Format] = FormatOpt, lang: Lang = LangOpt,
    max_file_mb: Optional[float] = MaxFileOpt, max_xlsx_mb: Optional[float] = MaxXlsxOpt,
    max_xlsx_ratio: Optional[float] = MaxRatioOpt, max_cell_chars: Optional[int] = MaxCellOpt,
    max_rows: Optional[int] = MaxRowsOpt, max_cells: Optional[int] = MaxCellsOpt,
):
    """Ánh xạ tiêu đề cột → trường chuẩn của một tệp / header → field mapping of one file."""

    def body():
        from .reading import read_table
        from .schema.headers import ColumnMap
        from .schema.models import DossierRecord

        if not path.exists():
            raise DataError(f"{path}: không tìm thấy tệp.")
        if path.is_dir():
            raise DataError(f"{path}: là một thư mục; `cchc columns` đọc một tệp.",
                            hint="Cho đường dẫn của một tệp trong thư mục.")
        raw = read_table(path, DossierRecord, ColumnMap.load(columns, DossierRecord), sheet)
        emit.column_mapping(raw, fmt(format, None), lang.value)

    run(body, lang.value, _limits(max_file_mb, max_xlsx_mb, max_xlsx_ratio, max_cell_chars, max_rows, max_cells))


@app.command()
def kpis(format: Optional[Format] = FormatOpt, lang: Lang = LangOpt):
    """Danh mục chỉ tiêu: mã, tên, công thức, nguồn / the KPI catalogue."""
    run(lambda: emit.kpi_catalogue(fmt(format, None), lang.value), lang.value)


@app.command("calendar")
def calendar_cmd(
    year: int = typer.Argument(..., help="Năm / year."),
    calendar_file: Optional[List[Path]] = typer.Option(None, "--calendar", help="Tệp lịch năm (TOML) / year calendar file."),
    format: Optional[Format] = FormatOpt, lang: Lang = LangOpt,
):
    """Các ngày nghỉ và ngày làm bù trong năm / the working days off (and worked weekend days) of a year."""

    def body():
        from .calendar import WorkCalendar

        cal = WorkCalendar([str(p) for p in calendar_file or []])
        try:
            days = cal.calendar_days(year)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        emit.calendar_days(year, days, fmt(format, None), lang.value)

    run(body, lang.value)


def _kind(kind: Optional[str]) -> Optional[str]:
    if kind is None:
        return None
    from .schema.models import INPUT_KINDS

    if kind not in INPUT_KINDS:
        raise ConfigError(f"--kind '{kind}': không có loại đầu vào này.", hint="Dùng: " + ", ".join(INPUT_KINDS) + ".")
    return kind


def fmt(format: Optional[Format], output: Optional[Path]) -> str:
    if format is not None:
        return format.value
    if output is not None:
        ext = output.suffix.lower().lstrip(".")
        return {"json": "json", "csv": "csv", "md": "markdown", "markdown": "markdown", "xlsx": "xlsx"}.get(ext, "table")
    return "table"


def main() -> None:  # console script
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command body (while starting up)
        sys.stderr.write("Đã dừng theo yêu cầu (Ctrl-C).\n")
        raise SystemExit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
