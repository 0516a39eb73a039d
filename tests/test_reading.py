"""Reading real export files: every quirk of inputs.md, on files written to disk.

Each test builds the file the way the exporting system (or Excel) writes it, reads it with
``read_table`` and, where row numbers or values matter, validates it with
``validate_table``. Nothing is mocked.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from builders import encode_cp1258, write_csv, write_encrypted_xlsx, write_xlsx
from cchc_cli.errors import DataError
from cchc_cli.reading import RawTable, expand_paths, read_table
from cchc_cli.schema.models import DossierRecord
from cchc_cli.validate import validate_table

TITLE = [
    ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["Độc lập - Tự do - Hạnh phúc"],
    ["BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"],
    ["Kỳ báo cáo: từ ngày 01/03/2023 đến ngày 31/03/2023"],
]
# Personal data that must never reach the table: each sentinel is unique and searchable.
NAME = "ZZNAME Nguyễn Thị Ánh Tuyết"
CCCD = "ZZCCCD-092301004567"
PHONE = "ZZPHONE-0912 345 678"
SENTINELS = (NAME, CCCD, PHONE)


def read(path: Path, **kw) -> RawTable:
    return read_table(path, DossierRecord, **kw)


def field_values(t: RawTable, field: str) -> list:
    src = t.mapping.by_field()[field]
    assert len(src) == 1, src
    return t.column(src[0].column).tolist()


def field_column(t: RawTable, field: str) -> int:
    return t.mapping.by_field()[field][0].column


def assert_no_personal_data(t: RawTable) -> None:
    for name, series in t.frame.items():
        for v in series.tolist():
            text = "" if v is None else str(v)
            for s in SENTINELS:
                assert s not in text, f"personal value {s!r} leaked into column {name}"
    personal = {i for i, h in enumerate(t.mapping.headers) if h in ("Chủ hồ sơ", "Số CCCD", "Số điện thoại")}
    assert personal, "the test file should have personal columns"
    assert not personal & {int(c[1:]) for c in t.frame.columns}


def export_rows() -> list[list]:
    """A typical export: title rows, an empty line, STT, personal columns, a totals row."""
    return TITLE + [
        [],
        ["STT", "Mã hồ sơ", "Chủ hồ sơ", "Số CCCD", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái",
         "Đơn vị tiếp nhận", "Số điện thoại"],
        ["1", "000.00.21.H13-230323-0001", NAME, CCCD, "23/03/2023 08:15", "30/03/2023", "Đang xử lý",
         "UBND phường Hưng Lợi", PHONE],
        ["2", "000.00.21.H13-230323-0002", NAME + " 2", CCCD + "2", "24/03/2023", "31/03/2023", "Hoàn thành",
         "UBND quận Ninh Kiều", PHONE + "2"],
        ["Tổng cộng", "", "", "", "", "", "", "", ""],
    ]


# ---------------------------------------------------------------- encodings and separators

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1258"]
DELIMITERS = [",", ";", "\t"]


@pytest.mark.parametrize("delimiter", DELIMITERS, ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_csv_encoding_and_separator_are_detected(tmp_path, encoding, delimiter):
    p = write_csv(tmp_path / "export.csv", export_rows(), encoding=encoding, delimiter=delimiter)
    t = read(p)
    assert t.encoding == encoding
    assert t.delimiter == delimiter
    assert t.mapping.headers[1] == "Mã hồ sơ"
    assert t.mapping.headers[7] == "Đơn vị tiếp nhận"
    assert field_values(t, "unit") == ["UBND phường Hưng Lợi", "UBND quận Ninh Kiều"]
    assert field_values(t, "dossier_id") == ["000.00.21.H13-230323-0001", "000.00.21.H13-230323-0002"]
    # 4 title rows, 1 empty line, the header on row 6: dossiers on rows 7 and 8
    assert t.rows.tolist() == [7, 8]
    assert t.totals_rows == [9]
    assert_no_personal_data(t)


def test_cp1258_text_comes_back_nfc(tmp_path):
    rows = [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Đơn vị tiếp nhận", "Lĩnh vực", "Tên thủ tục"],
        ["H1", "23/03/2023", "Ủy ban nhân dân phường Hưng Lợi", "Hộ tịch", "Đăng ký khai sinh kết hợp nhận cha, mẹ, con"],
    ]
    raw = encode_cp1258(rows[1][2])
    # Windows-1258 writes tone marks as combining characters: the file is not NFC text
    assert not unicodedata.is_normalized("NFC", raw.decode("cp1258"))
    p = write_csv(tmp_path / "cp.csv", rows, encoding="cp1258", delimiter=";")
    t = read(p)
    assert t.encoding == "cp1258"
    assert any(n.code == "encoding" and n.params["encoding"] == "cp1258" for n in t.notes)
    for h in t.mapping.headers:
        assert unicodedata.is_normalized("NFC", h)
    assert t.mapping.headers == [unicodedata.normalize("NFC", h) for h in rows[0]]
    for field, expected in (("unit", rows[1][2]), ("field", rows[1][3]), ("procedure_name", rows[1][4])):
        (got,) = field_values(t, field)
        assert unicodedata.is_normalized("NFC", got)
        assert got == unicodedata.normalize("NFC", expected)
    v = validate_table(t, DossierRecord)
    assert v.frame["unit"].tolist() == ["Ủy ban nhân dân phường Hưng Lợi"]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"], ["H1", "23/03/2023"]]
    p = write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    t = read(p)
    assert t.mapping.headers[0] == "Mã hồ sơ"
    assert field_column(t, "dossier_id") == 0


def test_semicolon_file_with_commas_inside_headers_and_values(tmp_path):
    rows = [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái, kết quả giải quyết TTHC", "Phí, lệ phí", "Tên thủ tục"],
        ["H1", "23/03/2023", "Đã trả kết quả", "50,000 đ", "Cấp giấy phép xây dựng, sửa chữa"],
        ["H2", "24/03/2023", "Đang xử lý", "1.234.567 VNĐ", "Đăng ký hộ kinh doanh"],
    ]
    t = read(write_csv(tmp_path / "semi.csv", rows, delimiter=";"))
    assert t.delimiter == ";"
    assert set(t.mapping.fields) == {"dossier_id", "received_at", "status", "fee", "procedure_name"}
    v = validate_table(t, DossierRecord)
    assert v.frame["fee"].tolist() == [50000.0, 1234567.0]
    assert v.frame["procedure_name"].tolist() == ["Cấp giấy phép xây dựng, sửa chữa", "Đăng ký hộ kinh doanh"]


# ---------------------------------------------------------------- where the table is


def test_header_found_below_title_rows(tmp_path):
    t = read(write_csv(tmp_path / "t.csv", export_rows()))
    assert t.layout.row == 5  # 0-based: title rows 0-3, empty line 4
    assert t.layout.height == 1
    # no title text became a dossier
    ids = field_values(t, "dossier_id")
    assert not any("CỘNG HÒA" in str(i) or "BÁO CÁO" in str(i) for i in ids)


def merged_header_rows(group_cols: list[str] | None = None) -> list[list]:
    group_cols = group_cols or ["Nhận hồ sơ", "Hẹn trả kết quả"]
    top = ["STT", "Mã hồ sơ", "Chủ hồ sơ", "Ngày, tháng, năm"] + [None] * (len(group_cols) - 1) + ["Trạng thái"]
    low = [None, None, None] + group_cols + [None]
    numbers = [f"({i})" for i in range(1, len(top) + 1)]
    return TITLE + [top, low, numbers]


def test_xlsx_two_row_merged_header(tmp_path):
    body = [
        [1, "H1", NAME, dt.datetime(2023, 3, 23, 14, 5), dt.datetime(2023, 3, 30), "Đang xử lý"],
        [2, "H2", NAME, dt.datetime(2023, 3, 24), dt.datetime(2023, 3, 31), "Đã trả kết quả"],
    ]
    # header rows are sheet rows 5 and 6: A, B, C and F merged down, D:E under a group title
    p = write_xlsx(tmp_path / "m.xlsx", merged_header_rows() + body,
                   merges=["A5:A6", "B5:B6", "C5:C6", "D5:E5", "F5:F6"])
    t = read(p)
    assert t.layout.row == 4 and t.layout.height == 2 and t.layout.number_row
    assert field_column(t, "dossier_id") == 1
    assert field_column(t, "received_at") == 3
    assert field_column(t, "due_at") == 4
    assert field_column(t, "status") == 5
    assert t.mapping.headers[3] == "Nhận hồ sơ"
    assert 0 in t.mapping.ignored  # STT
    assert t.rows.tolist() == [8, 9]
    v = validate_table(t, DossierRecord)
    assert v.frame["received_at"].tolist() == [pd.Timestamp(2023, 3, 23, 14, 5), pd.Timestamp(2023, 3, 24)]
    assert v.frame["due_at"].tolist() == [pd.Timestamp(2023, 3, 30), pd.Timestamp(2023, 3, 31)]


def test_csv_two_row_header_without_merge_info(tmp_path):
    body = [["1", "H1", NAME, "23/03/2023", "30/03/2023", "Đang xử lý"],
            ["2", "H2", NAME, "24/03/2023", "31/03/2023", "Chờ bổ sung"]]
    t = read(write_csv(tmp_path / "m.csv", merged_header_rows() + body))
    assert t.layout.height == 2 and t.layout.number_row
    assert field_column(t, "received_at") == 3
    assert field_column(t, "due_at") == 4
    assert field_column(t, "status") == 5
    assert t.rows.tolist() == [8, 9]
    assert field_values(t, "received_at") == ["23/03/2023", "24/03/2023"]


def test_group_title_is_tried_when_the_lower_cell_alone_is_ambiguous(tmp_path):
    # "Có kết quả" maps nothing alone; "Ngày, tháng, năm Có kết quả" is finished_at
    rows = merged_header_rows(["Nhận hồ sơ", "Hẹn trả kết quả", "Có kết quả"]) + [
        [1, "H1", NAME, "23/03/2023", "30/03/2023", "29/03/2023", "Đã giải quyết"],
    ]
    p = write_xlsx(tmp_path / "g.xlsx", rows, merges=["A5:A6", "B5:B6", "C5:C6", "D5:F5", "G5:G6"])
    t = read(p)
    assert field_column(t, "finished_at") == 5
    assert field_values(t, "finished_at") == ["29/03/2023"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_column_number_row_is_skipped(tmp_path, kind):
    header = ["STT", "Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"]
    if kind == "csv":
        numbers: list = ["(1)", "(2)", "(3)", "(4)"]
        p = write_csv(tmp_path / "n.csv", [header, numbers, ["1", "H1", "23/03/2023", "Mới đăng ký"]])
    else:
        numbers = [1, 2, 3, 4]  # spreadsheets often number the columns with plain numbers
        p = write_xlsx(tmp_path / "n.xlsx", [header, numbers, [1, "H1", "23/03/2023", "Mới đăng ký"]])
    t = read(p)
    assert t.layout.number_row
    assert t.rows.tolist() == [3]
    assert field_values(t, "dossier_id") == ["H1"]
    v = validate_table(t, DossierRecord)
    assert not v.problems


def test_totals_row_and_footer_are_not_dossiers(tmp_path):
    rows = [
        ["STT", "Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"],
        ["1", "H1", "23/03/2023", "Đang xử lý"],
        ["2", "H2", "24/03/2023", "Đang xử lý"],
        ["Tổng cộng", "", "", "2"],
        [],
        ["", "", "Cần Thơ, ngày 31 tháng 3 năm 2023", ""],
        ["", "Người lập biểu", "", "Thủ trưởng đơn vị"],  # signature line in the id column
        ["", "(Ký, ghi rõ họ tên)", "", "(Ký tên, đóng dấu)"],
    ]
    t = read(write_csv(tmp_path / "f.csv", rows))
    assert t.rows.tolist() == [2, 3]
    assert t.totals_rows == [4]
    assert t.footer_rows == 3
    v = validate_table(t, DossierRecord)
    assert not v.problems
    assert v.frame["dossier_id"].tolist() == ["H1", "H2"]


def test_totals_row_in_the_id_column_of_an_xlsx(tmp_path):
    rows = TITLE + [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"],
        ["H1", dt.datetime(2023, 3, 23), "Đang xử lý"],
        ["Tổng cộng: 1 hồ sơ", None, None],
        [None, "Người lập biểu", None],
    ]
    t = read(write_xlsx(tmp_path / "f.xlsx", rows))
    assert t.rows.tolist() == [6]
    assert t.totals_rows == [7]
    assert t.footer_rows == 1
    assert not validate_table(t, DossierRecord).problems


def test_dossier_rows_below_a_totals_row_are_kept(tmp_path):
    # some reports print the totals first, right under the header
    rows = [
        ["STT", "Mã hồ sơ", "Ngày tiếp nhận"],
        ["Tổng số", "", ""],
        ["1", "H1", "23/03/2023"],
        ["2", "H2", "24/03/2023"],
    ]
    t = read(write_csv(tmp_path / "top.csv", rows))
    assert t.totals_rows == [2]
    assert t.rows.tolist() == [3, 4]
    assert t.footer_rows == 0


def test_the_dossier_id_not_the_procedure_code_tells_dossiers_from_footer(tmp_path):
    rows = [
        ["STT", "Mã thủ tục", "Mã hồ sơ", "Ngày tiếp nhận"],
        ["Tổng số", "", "", ""],
        ["1", "", "H1", "23/03/2023"],  # no procedure code: still a dossier
        ["2", "1.001193", "H2", "24/03/2023"],
        ["", "", "Người lập biểu", ""],
    ]
    t = read(write_csv(tmp_path / "pc.csv", rows))
    assert t.totals_rows == [2]
    assert t.rows.tolist() == [3, 4]
    assert t.footer_rows == 1


def test_stt_column_is_ignored(tmp_path):
    rows = [["STT", "Mã hồ sơ", "Ngày tiếp nhận", "TT"], ["1", "H1", "23/03/2023", "1"]]
    t = read(write_csv(tmp_path / "stt.csv", rows))
    assert t.mapping.ignored == [0, 3]
    assert all(s.column not in (0, 3) for s in t.mapping.sources)
    v = validate_table(t, DossierRecord)
    assert list(v.frame.columns) == ["dossier_id", "received_at", "_row"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_header_cells_with_line_breaks_spaces_and_capitals(tmp_path, kind):
    header = ["  MÃ HỒ SƠ  ", "Ngày\ntiếp nhận", "Ngày hẹn trả\r\nkết quả ", "TRẠNG   THÁI", "Đơn vị\n tiếp nhận"]
    body = ["H1", "23/03/2023", "30/03/2023", "Đang xử lý", "UBND xã Mỹ Khánh"]
    if kind == "csv":
        p = write_csv(tmp_path / "h.csv", [["Báo cáo"], header, body])
    else:
        p = write_xlsx(tmp_path / "h.xlsx", [["Báo cáo"], header, body])
    t = read(p)
    assert [field_column(t, f) for f in ("dossier_id", "received_at", "due_at", "status", "unit")] == [0, 1, 2, 3, 4]
    assert t.mapping.headers[1] == "Ngày tiếp nhận"
    # a header cell spread over lines is still one spreadsheet row
    assert t.rows.tolist() == [3]


# ---------------------------------------------------------------- sheets


def sheet_rows() -> list[list]:
    return [["Mã hồ sơ", "Ngày tiếp nhận", "Đơn vị"], ["H1", dt.datetime(2023, 3, 23), "UBND phường An Hòa"]]


def test_first_sheet_with_a_dossier_header_is_chosen(tmp_path):
    p = write_xlsx(tmp_path / "s.xlsx", sheet_rows(), sheet="Danh sách hồ sơ", before=["Ghi chú", "Hướng dẫn"])
    t = read(p)
    assert t.sheet == "Danh sách hồ sơ"
    assert any(n.code == "sheet" and n.params["sheet"] == "Danh sách hồ sơ" for n in t.notes)
    assert field_values(t, "unit") == ["UBND phường An Hòa"]


@pytest.mark.parametrize("sheet", ["Danh sách hồ sơ", "2"])
def test_sheet_chosen_by_name_or_number(tmp_path, sheet):
    p = write_xlsx(tmp_path / "s.xlsx", sheet_rows(), sheet="Danh sách hồ sơ", before=["Ghi chú"])
    assert read(p, sheet=sheet).sheet == "Danh sách hồ sơ"


@pytest.mark.parametrize("sheet", ["Không có", "0", "3"])
def test_missing_sheet_is_a_data_error(tmp_path, sheet):
    p = write_xlsx(tmp_path / "s.xlsx", sheet_rows(), sheet="Danh sách hồ sơ", before=["Ghi chú"])
    with pytest.raises(DataError) as e:
        read(p, sheet=sheet)
    assert e.value.exit_code == 3
    assert sheet in e.value.message and "Danh sách hồ sơ" in e.value.message


def test_sheet_without_a_header_when_asked_for_is_a_data_error(tmp_path):
    p = write_xlsx(tmp_path / "s.xlsx", sheet_rows(), sheet="Danh sách hồ sơ", before=["Ghi chú"])
    with pytest.raises(DataError) as e:
        read(p, sheet="1")
    assert e.value.exit_code == 3


# ---------------------------------------------------------------- dates in spreadsheets


def test_xlsx_native_dates_and_serial_numbers(tmp_path):
    rows = [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"],
        ["H1", dt.datetime(2023, 3, 23, 14, 5, 10), 45016, 45016.75],
        ["H2", dt.date(2023, 3, 24), 45017.5, "01/04/2023 16:30"],
    ]
    # column D formatted as a date: calamine hands those cells back as dates, not numbers
    p = write_xlsx(tmp_path / "d.xlsx", rows, number_formats={4: "dd/mm/yyyy hh:mm"})
    t = read(p)
    due = field_values(t, "due_at")
    assert due == [45016, 45017.5]  # a General-formatted serial stays a number
    v = validate_table(t, DossierRecord)
    assert not v.problems
    assert v.frame["received_at"].tolist() == [pd.Timestamp(2023, 3, 23, 14, 5, 10), pd.Timestamp(2023, 3, 24)]
    assert v.frame["due_at"].tolist() == [pd.Timestamp(2023, 3, 31), pd.Timestamp(2023, 4, 1, 12)]
    assert v.frame["finished_at"].tolist() == [pd.Timestamp(2023, 3, 31, 18), pd.Timestamp(2023, 4, 1, 16, 30)]


def test_csv_serial_numbers_as_text(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả"], ["H1", "45008", "45016.5"], ["H2", "45009.25", "15"]]
    v = validate_table(read(write_csv(tmp_path / "s.csv", rows)), DossierRecord)
    assert v.frame["received_at"].tolist() == [pd.Timestamp(2023, 3, 23), pd.Timestamp(2023, 3, 24, 6)]
    assert v.frame["due_at"].iloc[0] == pd.Timestamp(2023, 3, 31, 12)
    assert pd.isna(v.frame["due_at"].iloc[1])  # 15 is no date
    (p,) = v.problems
    assert (p.field, p.code, p.rows) == ("due_at", "date_out_of_range", [3])


# ---------------------------------------------------------------- row numbers


def test_csv_row_numbers_with_title_rows_blank_lines_and_multiline_cells(tmp_path):
    rows = [
        ["Báo cáo hồ sơ\ntháng 3/2023"],  # row 1 (two physical lines)
        [],  # row 2
        ["Mã hồ sơ", "Ghi chú", "Ngày tiếp nhận", "Ngày hẹn trả"],  # row 3
        ["H1", "dòng 1\ndòng 2\ndòng 3", "23/03/2023", "30/03/2023"],  # row 4
        [],  # row 5
        ["H2", "", "không rõ", "31/03/2023"],  # row 6: unreadable receipt date
        ["H3", "a\r\nb", "24/03/2023", "31/02/2023"],  # row 7: impossible due date
        ["", "", "25/03/2023", ""],  # row 8: no id
        ["H5", "", "26/03/2023", "hôm qua"],  # row 9
    ]
    t = read(write_csv(tmp_path / "r.csv", rows))
    assert t.rows.tolist() == [4, 6, 7, 8, 9]
    assert t.blank_rows == 1
    v = validate_table(t, DossierRecord)
    by_code = {(p.field, p.code): p for p in v.problems}
    assert by_code[("received_at", "not_a_date")].rows == [6]
    assert by_code[("received_at", "not_a_date")].examples == [(6, "không rõ")]
    assert by_code[("due_at", "invalid_day")].rows == [7]
    assert by_code[("due_at", "not_a_date")].examples == [(9, "hôm qua")]
    assert by_code[("dossier_id", "required_missing")].rows == [8]
    assert sorted(v.rejected_rows.tolist()) == [6, 8]
    assert v.frame["_row"].tolist() == [4, 7, 9]
    assert v.frame["due_at!"].tolist() == [False, True, True]


def test_xlsx_row_numbers_are_the_sheets_own(tmp_path):
    rows = TITLE + [
        [],  # row 5
        ["Mã hồ sơ", "Ngày tiếp nhận"],  # row 6
        ["H1", dt.datetime(2023, 3, 23)],  # row 7
        [None, None],  # row 8
        ["H2", "31/02/2023"],  # row 9
        ["H3", 12.0],  # row 10
    ]
    t = read(write_xlsx(tmp_path / "r.xlsx", rows))
    assert t.rows.tolist() == [7, 9, 10]
    v = validate_table(t, DossierRecord)
    by_code = {p.code: p for p in v.problems}
    assert by_code["invalid_day"].examples == [(9, "31/02/2023")]
    assert by_code["date_out_of_range"].examples == [(10, "12")]
    assert sorted(v.rejected_rows.tolist()) == [9, 10]


def test_xlsx_leading_empty_rows_and_columns_keep_sheet_numbering(tmp_path):
    rows = [[], [], [None, None, "Mã hồ sơ", "Ngày tiếp nhận"], [None, None, "H1", "bad"]]
    t = read(write_xlsx(tmp_path / "e.xlsx", rows))
    assert field_column(t, "dossier_id") == 2
    assert t.rows.tolist() == [4]
    (p,) = validate_table(t, DossierRecord).problems
    assert p.rows == [4]


def test_csv_record_with_too_many_cells_is_rejected_by_row(tmp_path):
    rows = [
        ["Báo cáo"],
        ["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"],
        ["H1", "23/03/2023", "Đang xử lý"],
        ["H2", "24/03/2023", "Đang xử lý", "lệch cột"],  # row 4: a stray cell
        ["H3", "25/03/2023"],  # row 5: trailing cell left off: padded
        ["H4", "26/03/2023", "Hoàn thành", "", ""],  # row 6: empty extra cells are harmless
    ]
    t = read(write_csv(tmp_path / "bad.csv", rows))
    assert t.bad_rows == [(4, "4/3")]
    assert t.rows.tolist() == [3, 5, 6]
    v = validate_table(t, DossierRecord)
    assert v.frame["dossier_id"].tolist() == ["H1", "H3", "H4"]
    shape = [p for p in v.problems if p.code == "bad_shape"]
    assert [p.rows for p in shape] == [[4]] and shape[0].rejects
    assert 4 in v.rejected_rows.tolist()


# ---------------------------------------------------------------- parquet and directories


def test_parquet_is_read_with_native_types(tmp_path):
    df = pd.DataFrame({
        "Mã hồ sơ": ["H1", "H2", "H3"],
        "Chủ hồ sơ": [NAME, NAME, NAME],
        "Ngày tiếp nhận": [pd.Timestamp(2023, 3, 23, 8), pd.Timestamp(2023, 3, 24), pd.NaT],
        "Số CCCD": [CCCD, CCCD, CCCD],
        "Phí, lệ phí": [50000.0, None, 0.0],
        "Số hóa hồ sơ": ["Có", None, "Không"],
        "Số điện thoại": [PHONE, PHONE, PHONE],
    })
    p = tmp_path / "big.parquet"
    df.to_parquet(p)
    t = read(p)
    assert t.rows.tolist() == [2, 3, 4]
    assert_no_personal_data(t)
    v = validate_table(t, DossierRecord)
    assert v.frame["received_at"].tolist() == [pd.Timestamp(2023, 3, 23, 8), pd.Timestamp(2023, 3, 24)]
    assert v.frame["fee"].iloc[0] == 50000.0 and pd.isna(v.frame["fee"].iloc[1])
    # a blank tick cell is "no", as pydantic reads it (also when parquet stores a null)
    assert v.frame["digitised_dossier"].tolist() == [True, False]
    (p_,) = v.problems
    assert (p_.field, p_.code, p_.rows) == ("received_at", "required_missing", [4])


def test_parquet_far_future_sentinel_date_is_an_error_not_a_crash(tmp_path):
    df = pd.DataFrame({"Mã hồ sơ": ["H1", "H2"], "Ngày tiếp nhận": [pd.Timestamp(2023, 3, 23)] * 2,
                       "Ngày hẹn trả": np.array(["2023-03-30", "9999-12-31"], dtype="datetime64[us]")})
    p = tmp_path / "s.parquet"
    df.to_parquet(p)
    v = validate_table(read(p), DossierRecord)
    assert v.frame["due_at"].iloc[0] == pd.Timestamp(2023, 3, 30)
    assert v.frame["due_at!"].tolist() == [False, True]
    assert [(p.code, p.rows) for p in v.problems] == [("date_out_of_range", [3])]


def test_directory_expansion(tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    for name in ("b_quan.xlsx", "a_phuong.csv", "c.parquet", "~$b_quan.xlsx", ".~lock.csv", "ghichu.docx", "D.CSV"):
        (d / name).write_bytes(b"x")
    (d / "sub").mkdir()
    got = expand_paths([d])
    assert [p.name for p in got] == ["D.CSV", "a_phuong.csv", "b_quan.xlsx", "c.parquet"]
    # a file given twice (directly and through its directory) is read once
    again = expand_paths([d / "a_phuong.csv", d])
    assert [p.name for p in again] == ["a_phuong.csv", "D.CSV", "b_quan.xlsx", "c.parquet"]


def test_directory_without_exports_and_missing_path_are_data_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "~$lock.xlsx").write_bytes(b"x")
    for target in (tmp_path / "empty", tmp_path / "nowhere"):
        with pytest.raises(DataError) as e:
            expand_paths([target])
        assert e.value.exit_code == 3 and str(target) in e.value.message


# ---------------------------------------------------------------- unreadable files


def _empty(tmp: Path) -> Path:
    (tmp / "empty.csv").write_bytes(b"")
    return tmp / "empty.csv"


def _blank_lines(tmp: Path) -> Path:
    (tmp / "blank.csv").write_bytes(b"\r\n   \r\n\r\n")
    return tmp / "blank.csv"


def _binary(tmp: Path) -> Path:
    # a zip (an xlsx) renamed to .csv: NUL bytes in the first bytes
    p = write_xlsx(tmp / "real.xlsx", sheet_rows())
    (tmp / "renamed.csv").write_bytes(p.read_bytes())
    return tmp / "renamed.csv"


def _no_header_csv(tmp: Path) -> Path:
    return write_csv(tmp / "nohdr.csv", [["Họ tên", "Địa chỉ"], ["A", "B"]])


def _no_header_xlsx(tmp: Path) -> Path:
    return write_xlsx(tmp / "nohdr.xlsx", [["Họ tên", "Địa chỉ"], ["A", "B"]], before=["Ghi chú"])


def _garbage_xlsx(tmp: Path) -> Path:
    (tmp / "broken.xlsx").write_bytes(b"this is not a workbook\x00\x01\x02" * 50)
    return tmp / "broken.xlsx"


def _truncated_xlsx(tmp: Path) -> Path:
    data = write_xlsx(tmp / "whole.xlsx", sheet_rows()).read_bytes()
    (tmp / "cut.xlsx").write_bytes(data[: len(data) // 2])
    return tmp / "cut.xlsx"


def _encrypted_xlsx(tmp: Path) -> Path:
    return write_encrypted_xlsx(tmp / "locked.xlsx")


def _garbage_parquet(tmp: Path) -> Path:
    (tmp / "broken.parquet").write_bytes(b"PAR1 not really")
    return tmp / "broken.parquet"


UNREADABLE = {
    "empty": (_empty, "rỗng"),
    "blank-lines": (_blank_lines, "rỗng"),
    "binary-named-csv": (_binary, "NUL"),
    "no-header-csv": (_no_header_csv, "tiêu đề"),
    "no-header-xlsx": (_no_header_xlsx, "tiêu đề"),
    "missing-csv": (lambda tmp: tmp / "nope.csv", ""),
    "missing-xlsx": (lambda tmp: tmp / "nope.xlsx", "không tìm thấy"),
    "missing-parquet": (lambda tmp: tmp / "nope.parquet", ""),
    "garbage-xlsx": (_garbage_xlsx, "hỏng"),
    "truncated-xlsx": (_truncated_xlsx, "hỏng"),
    "password-xlsx": (_encrypted_xlsx, "mật khẩu"),
    "garbage-parquet": (_garbage_parquet, "Parquet"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_files_are_data_errors(tmp_path, case):
    make, words = UNREADABLE[case]
    p = make(tmp_path)
    with pytest.raises(DataError) as e:
        read(p)
    assert e.value.exit_code == 3
    assert str(p) in e.value.message
    assert words in e.value.message


# ---------------------------------------------------------------- personal data


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_personal_columns_never_reach_the_table(tmp_path, kind):
    rows = export_rows()
    p = write_csv(tmp_path / "p.csv", rows) if kind == "csv" else write_xlsx(tmp_path / "p.xlsx", rows)
    t = read(p)
    assert_no_personal_data(t)
    v = validate_table(t, DossierRecord)
    assert not any(s in str(x) for s in SENTINELS for x in v.frame.to_numpy().ravel())


def test_personal_columns_never_reach_the_table_on_the_slow_path(tmp_path):
    rows = export_rows()
    rows.insert(7, ["3", "H3", NAME, CCCD, "25/03/2023", "", "", "", PHONE, "lệch"])  # ragged: slow reader
    t = read(write_csv(tmp_path / "p.csv", rows))
    assert t.bad_rows == [(8, "10/9")]
    assert_no_personal_data(t)
