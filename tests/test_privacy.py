"""Personal data never leaves the input: sentinel values (an applicant's name, ID number,
phone, address, e-mail, and the names of officials in the catalogue and the document
register) are planted in the columns cchc does not map, in every input format, and must
appear in no output of any command, in any format — stdout, stderr, and written files
(an XLSX opened with openpyxl) — nor in any error message.

Some sentinels are planted as numbers in the XLSX (a phone stored as a number reads back
as 909123456): the digits are searched too."""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import write_csv, write_xlsx
from cchc_cli.cli import app

runner = CliRunner()

NAME = "Phạm Thị Bímật"
CCCD = "092188001234"
PHONE = "0909123456"
PHONE_NUMBER = 909123457  # as a spreadsheet number
ADDRESS = "47 Hẻm Kínđáo, phường An Bình"
EMAIL = "bimat.pham@example.invalid"
OFFICIAL = "Cán bộ Giấuten"
SIGNER = "Ông Kýtên Riêngtư"
SUMMARY = "V/v hồ sơ của bà Phạm Thị Bímật"
SENTINELS = [NAME, CCCD, PHONE, str(PHONE_NUMBER), ADDRESS, EMAIL, OFFICIAL, SIGNER, SUMMARY,
             "Bímật", "Kínđáo", "Giấuten", "Riêngtư", "092188001234", "909123457"]

HEAD = ["STT", "Mã hồ sơ", "Họ tên chủ hồ sơ", "Số CCCD", "Số điện thoại", "Địa chỉ", "Thư điện tử", "Người nộp hồ sơ",
        "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái", "Hình thức nộp",
        "Mã thủ tục", "Phí, lệ phí", "Số hóa kết quả"]


def dossier_rows(prefix: str, finish: str = "08/03/2023") -> list[list]:
    p = [NAME, CCCD, PHONE, ADDRESS, EMAIL, NAME]
    return [
        HEAD,
        [1, f"{prefix}1", *p, "UBND quận Cái Răng", "01/03/2023", "06/03/2023", "03/03/2023", "Đã trả kết quả",
         "Trực tuyến", "1.000001", "50.000", "Có"],
        [2, f"{prefix}2", *p, "UBND phường Lê Bình", "02/03/2023", "07/03/2023", finish, "Đã trả kết quả",
         "Trực tiếp", "1.000002", "", "Không"],
        # problems in mapped columns: examples are shown, the personal cells of the row never
        [3, f"{prefix}3", *p, "UBND phường Lê Bình", "31/02/2023", "07/03/2023", "", "Đang thẩm định",
         "Qua Zalo", "1.000003", "-5", "Chưa"],
        [4, "", *p, "UBND phường Lê Bình", "", "", "", "Đang xử lý", "Trực tiếp", "", "", ""],  # rejected
        [5, f"{prefix}5", *p, "UBND quận Cái Răng", "05/03/2023", "10/03/2023", "", "Đang xử lý", "Trực tuyến",
         "1.000001", "", "", "thừa"],  # one cell too many: rejected by shape
        ["Tổng cộng", "", NAME, "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["", "", f"Người lập biểu: {NAME}", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("privacy")
    exports = d / "exports"
    exports.mkdir()
    write_csv(exports / "a-utf8.csv", dossier_rows("U"))
    write_csv(exports / "b-cp1258.csv", dossier_rows("W"), encoding="cp1258")
    xrows = dossier_rows("X")
    for r in xrows[1:4]:
        r[4] = PHONE_NUMBER  # the phone as a number
    write_xlsx(exports / "c.xlsx", [["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"], *[r[:17] for r in xrows]])
    _parquet(exports / "d.parquet")
    write_csv(exports / "e-documents.csv", [
        ["STT", "Số, ký hiệu văn bản", "Ngày ban hành", "Trích yếu", "Người ký", "Đơn vị soạn thảo", "Hình thức ký",
         "Gửi qua trục liên thông"],
        [1, "12/UBND-VP", "01/03/2023", SUMMARY, SIGNER, "UBND quận Cái Răng", "Cá nhân và cơ quan", "Có"],
        [2, "13/UBND-VP", "32/03/2023", SUMMARY, SIGNER, "UBND quận Cái Răng", "Không", "Không"],
    ])
    catalogue = write_xlsx(d / "catalogue.xlsx", [
        ["Mã thủ tục", "Tên thủ tục", "Cấp thực hiện", "Mức độ", "Cán bộ đầu mối", "Điện thoại đầu mối"],
        ["1.000001", "Đăng ký khai sinh", "Cấp xã", "Toàn trình", OFFICIAL, PHONE],
        ["1.000002", "Chứng thực bản sao", "Cấp huyện", "Một phần", OFFICIAL, PHONE],
        ["1.000009", "Thủ tục lạ", "Cấp xyz", "Mức độ 9", OFFICIAL, PHONE],
    ])
    logbook = write_csv(d / "logbook.csv", [["Đơn vị", "Kỳ", "Số hồ sơ tiếp nhận", "Người ghi sổ"],
                                            ["UBND quận Cái Răng", "2023-03", "3", OFFICIAL]])
    newer = d / "newer"
    newer.mkdir()
    write_csv(newer / "a-utf8.csv", [[c if c != NAME else "Người Khác" for c in r] for r in dossier_rows("U", "09/03/2023")])
    headerless = write_csv(d / "no-header.csv", [r[1:] for r in dossier_rows("N")[1:3]])
    no_id = write_csv(d / "no-id.csv", [["Họ tên", "Ngày tiếp nhận", "Trạng thái", "Số CCCD"],
                                        [NAME, "01/03/2023", "Đã trả kết quả", CCCD]])
    return {"exports": exports, "catalogue": catalogue, "logbook": logbook, "newer": newer, "dir": d,
            "headerless": headerless, "no_id": no_id, "xlsx": exports / "c.xlsx", "csv": exports / "a-utf8.csv",
            "parquet": exports / "d.parquet", "cp1258": exports / "b-cp1258.csv"}


def _parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = dossier_rows("P")[1:4]
    cols = {h: [str(r[i]) for r in rows] for i, h in enumerate(HEAD)}
    cols["Số điện thoại"] = [PHONE_NUMBER] * len(rows)
    pq.write_table(pa.table(cols), path)


def _text_of(data: bytes) -> str:
    """What a person could read in an output: text, or every cell and title of a workbook."""
    if data[:2] == b"PK":
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data))
        parts = []
        for ws in wb.worksheets:
            parts.append(ws.title)
            for row in ws.iter_rows(values_only=True):
                parts.extend(str(v) for v in row if v is not None)
        return "\n".join(parts)
    return data.decode("utf-8", errors="replace")


def assert_private(*texts: str) -> None:
    blob = "\n".join(texts)
    forms = {unicodedata.normalize(f, blob) for f in ("NFC", "NFD")}
    for s in SENTINELS:
        for form in forms:
            for needle in {unicodedata.normalize("NFC", s), unicodedata.normalize("NFD", s), s.casefold()}:
                assert needle not in form and needle not in form.casefold(), (s, blob[max(0, form.find(needle) - 200):][:400])
    assert "Người Khác" not in blob  # the personal value changed between snapshots (diff)


def run(*args, output: Path | None = None) -> tuple[int, str]:
    r = runner.invoke(app, [str(a) for a in args] + (["--output", str(output)] if output else []))
    assert r.exit_code != 4 and "Traceback" not in r.stderr, r.stderr
    texts = [_text_of(r.stdout_bytes), r.stderr]
    if output is not None and output.exists():
        texts.append(_text_of(output.read_bytes()))
    assert_private(*texts)
    return r.exit_code, texts[0]


FORMATS = ["table", "json", "csv", "markdown", "xlsx"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_compute(inputs, fmt, tmp_path):
    out = tmp_path / f"r.{fmt}" if fmt == "xlsx" else None
    code, stdout = run("compute", inputs["exports"], "--catalogue", inputs["catalogue"], "--logbook", inputs["logbook"],
                       "--period", "2023-03", "--by", "unit,procedure,field,channel,month", "--format", fmt, output=out)
    assert code == 0
    if fmt == "json":  # every input was read: the test covers them all
        doc = json.loads(stdout)
        assert {Path(i["path"]).name for i in doc["inputs"]} == {
            "a-utf8.csv", "b-cp1258.csv", "c.xlsx", "d.parquet", "e-documents.csv", "catalogue.xlsx", "logbook.csv"}
        assert all(i["rejected"] >= 1 for i in doc["inputs"] if i["kind"] == "dossiers" and "parquet" not in i["path"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_validate(inputs, fmt, tmp_path):
    out = tmp_path / "v.xlsx" if fmt == "xlsx" else None
    code, stdout = run("validate", inputs["exports"], "--catalogue", inputs["catalogue"], "--logbook", inputs["logbook"],
                       "--format", fmt, output=out)
    assert code == 0
    if fmt == "json":
        doc = json.loads(stdout)
        assert doc["problems"], "the inputs carry problems, whose examples are shown"
        assert any(e["value"] == "31/02/2023" for p in doc["problems"] for e in p["examples"])
        code, _ = run("validate", inputs["exports"], "--strict", "--format", fmt)
        assert code == 3


@pytest.mark.parametrize("which, fmt", [(w, f) for w in ("csv", "cp1258", "xlsx", "parquet") for f in ("json", "table")]
                         + [("xlsx", f) for f in ("csv", "markdown", "xlsx")])
def test_columns(inputs, fmt, which):
    code, stdout = run("columns", inputs[which], "--format", fmt)
    assert code == 0
    if fmt == "json":
        doc = json.loads(stdout)
        # the personal headers are listed (a header is not a value), their values never
        assert "Họ tên chủ hồ sơ" in doc["unmapped"]
        assert all(not c["samples"] for c in doc["columns"] if c["field"] is None)


@pytest.mark.parametrize("fmt", ["table", "json", "junit", "github", "markdown", "csv", "xlsx"])
def test_check_targets(inputs, fmt, tmp_path):
    out = tmp_path / "t.xlsx" if fmt == "xlsx" else None
    code, _ = run("check-targets", inputs["exports"], "--catalogue", inputs["catalogue"], "--period", "2023-03",
                  "--preset", "cantho-2023", "--format", fmt, output=out)
    assert code in (0, 1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_diff(inputs, fmt, tmp_path):
    out = tmp_path / "d.xlsx" if fmt == "xlsx" else None
    code, stdout = run("diff", inputs["exports"] / "a-utf8.csv", inputs["newer"] / "a-utf8.csv", "--period", "2023-03",
                       "--format", fmt, output=out)
    assert code == 0
    if fmt == "json":  # the dossier diff ran and saw the finish date change, not the name change
        doc = json.loads(stdout)
        assert {c["field"] for c in doc["dossiers"]["changes"]} == {"finished_at"}


def test_diff_against_a_json_result(inputs, tmp_path):
    old = tmp_path / "old.json"
    code, _ = run("compute", inputs["exports"], "--period", "2023-03", "--by", "unit", output=old)
    assert code == 0
    code, _ = run("diff", old, inputs["newer"], "--period", "2023-03", "--by", "unit", "--format", "markdown")
    assert code == 0


# ------------------------------------------------------------------ error paths


@pytest.mark.parametrize("which", ["headerless", "no_id"])
@pytest.mark.parametrize("command", ["compute", "validate", "columns", "check-targets"])
def test_errors_never_quote_personal_cells(inputs, which, command):
    extra = ["--preset", "cantho-2023"] if command == "check-targets" else []
    code, _ = run(command, inputs[which], *extra)
    # `columns` shows a table without its required field (and says it is missing)
    assert code == (0 if command == "columns" and which == "no_id" else 3)


def test_an_internal_error_never_quotes_its_message(inputs, monkeypatch):
    """A bug whose exception message carries a cell (as a pandas or pyarrow error would):
    exit 4, the type and place are named, the message is not."""
    from cchc_cli.kpis import dossiers

    def boom(*a, **k):
        raise ValueError(f"could not convert string to float: '{NAME}'")

    monkeypatch.setattr(dossiers, "measures", boom)
    r = runner.invoke(app, ["compute", str(inputs["csv"]), "--period", "2023-03"])
    assert r.exit_code == 4
    assert "ValueError" in r.stderr and "Lỗi nội bộ" in r.stderr and NAME not in r.stderr + r.stdout
    assert "CCHC_DEBUG=1" in r.stderr


def test_an_internal_error_with_cchc_debug_shows_the_traceback(inputs, monkeypatch):
    from cchc_cli.kpis import dossiers

    monkeypatch.setattr(dossiers, "measures", lambda *a, **k: 1 / 0)
    monkeypatch.setenv("CCHC_DEBUG", "1")
    r = runner.invoke(app, ["compute", str(inputs["csv"]), "--period", "2023-03"])
    assert r.exit_code == 4 and "Traceback" in r.stderr and "ZeroDivisionError" in r.stderr


def test_broken_workbook_messages_never_quote_the_xml(tmp_path):
    """calamine's own messages can quote the sheet's XML (cell text): only the type shows."""
    import zipfile

    p = write_xlsx(tmp_path / "x.xlsx", [HEAD[:3], ["H1", "1", NAME]])
    data = {}
    with zipfile.ZipFile(p) as z:
        for n in z.namelist():
            data[n] = z.read(n)
    sheet = data["xl/worksheets/sheet1.xml"]
    data["xl/worksheets/sheet1.xml"] = sheet.replace(b"</sheetData>", f"<row r='3'><c r='A3' t='n'><v>{NAME}</v></c>"
                                                     "</row><unclosed>".encode())
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in data.items():
            z.writestr(n, b)
    for command in ("compute", "validate", "columns"):
        code, _ = run(command, bad)
        assert code == 3
