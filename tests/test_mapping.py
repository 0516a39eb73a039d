"""Header → field mapping (inputs.md "Dossier export" and "Column mapping file"), on real
CSV files read with ``read_table``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from builders import write_csv
from cchc_cli.errors import ConfigError
from cchc_cli.reading import RawTable, read_table
from cchc_cli.schema.headers import ColumnMap
from cchc_cli.schema.models import DossierRecord
from cchc_cli.schema.text import fold
from cchc_cli.validate import validate_table


def read(path: Path, user: ColumnMap | None = None) -> RawTable:
    return read_table(path, DossierRecord, user)


def columns_of(t: RawTable, field: str) -> list[int]:
    return [s.column for s in t.mapping.by_field().get(field, [])]


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize("variant", ["Ngày tiếp nhận", "NGÀY TIẾP NHẬN", "ngay_tiep_nhan", "ngày  tiếp\nnhận ",
                                     "Ngay-tiep-nhan:", "Nga\u0300y tiê\u0301p nhâ\u0323n"])
def test_header_matching_ignores_case_diacritics_spaces_and_punctuation(tmp_path, variant):
    assert fold(variant) == fold("Ngày tiếp nhận") == "ngay tiep nhan"
    t = read(write_csv(tmp_path / "v.csv", [["Mã hồ sơ", variant], ["H1", "23/03/2023"]]))
    assert columns_of(t, "received_at") == [1]
    v = validate_table(t, DossierRecord)
    assert v.frame["received_at"].tolist() == [pd.Timestamp(2023, 3, 23)]


# ---------------------------------------------------------------- every spelling of inputs.md

SPELLINGS = {
    "dossier_id": ["Mã hồ sơ", "Mã hồ sơ hành chính", "Số hồ sơ", "Mã số hồ sơ", "Số biên nhận"],
    "received_at": ["Ngày tiếp nhận", "Ngày tiếp nhận hồ sơ", "Ngày giờ tiếp nhận", "Thời gian tiếp nhận",
                    "Ngày nhận", "Ngày nhận hồ sơ", "Nhận hồ sơ"],
    "submitted_at": ["Ngày nộp", "Ngày nộp hồ sơ", "Ngày gửi"],
    "due_at": ["Ngày hẹn trả", "Ngày hẹn trả kết quả", "Hẹn trả kết quả", "Ngày hẹn trả hồ sơ", "Ngày giờ hẹn trả",
               "Hạn xử lý", "Hạn giải quyết"],
    "finished_at": ["Ngày có kết quả", "Ngày kết thúc xử lý", "Ngày hoàn thành", "Ngày giải quyết xong",
                    "Ngày ký hồ sơ"],
    "returned_at": ["Ngày trả kết quả", "Ngày trả", "Ngày trả công dân", "Ngày trả thực tế", "Trả kết quả"],
    "status": ["Trạng thái", "Tình trạng", "Trạng thái hồ sơ", "Trạng thái, kết quả giải quyết TTHC"],
    "unit": ["Đơn vị tiếp nhận", "Đơn vị giải quyết", "Cơ quan giải quyết", "Cơ quan thụ lý",
             "Cơ quan chủ trì giải quyết", "Đơn vị xử lý", "Tên đơn vị", "Tên đơn vị xử lý",
             "Đơn vị/ cá nhân giải quyết", "Đơn vị"],
    "level": ["Cấp", "Cấp thực hiện", "Cấp hành chính"],
    "field": ["Lĩnh vực"],
    "procedure_code": ["Mã thủ tục", "Mã TTHC", "Mã thủ tục hành chính"],
    "procedure_name": ["Tên thủ tục", "Tên TTHC", "Tên thủ tục hành chính", "Thủ tục", "Thủ tục hành chính"],
    "channel": ["Hình thức nộp", "Hình thức nộp hồ sơ", "Kênh nộp", "Hình thức tiếp nhận", "Loại tiếp nhận",
                "Nguồn hồ sơ"],
    "service_level": ["Mức độ", "Mức độ DVC", "Mức độ dịch vụ công", "Mức độ cung cấp dịch vụ công trực tuyến",
                      "Loại DVC", "DVC toàn trình"],
    "fee": ["Phí, lệ phí", "Phí lệ phí", "Tổng phí, lệ phí đã nộp", "Thu phí, lệ phí (VNĐ)", "Số tiền"],
    "online_payment": ["Thanh toán trực tuyến", "Đã thanh toán trực tuyến", "TT trực tuyến"],
    "digitised_dossier": ["Số hóa hồ sơ", "Số hoá hồ sơ", "Đã số hóa hồ sơ", "Số hóa thành phần hồ sơ"],
    "digitised_result": ["Số hóa kết quả", "Số hóa kết quả giải quyết", "Kết quả điện tử", "Đã số hóa kết quả"],
    "apology_letter": ["Văn bản xin lỗi", "Phiếu xin lỗi", "Thư xin lỗi"],
    "time_limit_days": ["Thời hạn quy định", "Số ngày QĐ", "Thời hạn giải quyết", "Thời hạn xử lý"],
}
SAMPLE = {
    "dossier_id": "H1", "received_at": "23/03/2023", "submitted_at": "22/03/2023", "due_at": "30/03/2023",
    "finished_at": "29/03/2023", "returned_at": "30/03/2023", "status": "Đã trả kết quả", "unit": "UBND xã Mỹ Khánh",
    "level": "Cấp xã", "field": "Hộ tịch", "procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh",
    "channel": "Trực tuyến", "service_level": "Toàn trình", "fee": "50.000", "online_payment": "Có",
    "digitised_dossier": "x", "digitised_result": "Không", "apology_letter": "", "time_limit_days": "15 ngày làm việc",
}
CANONICAL = {
    "dossier_id": "H1", "received_at": pd.Timestamp(2023, 3, 23), "submitted_at": pd.Timestamp(2023, 3, 22),
    "due_at": pd.Timestamp(2023, 3, 30), "finished_at": pd.Timestamp(2023, 3, 29),
    "returned_at": pd.Timestamp(2023, 3, 30), "status": "returned", "unit": "UBND xã Mỹ Khánh", "level": "Xã",
    "field": "Hộ tịch", "procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "channel": "online",
    "service_level": "full", "fee": 50000.0, "online_payment": True, "digitised_dossier": True,
    "digitised_result": False, "apology_letter": False, "time_limit_days": 15.0,
}


@pytest.mark.parametrize("field,spelling", [(f, s) for f, ss in SPELLINGS.items() for s in ss])
def test_each_spelling_of_the_spec_maps_to_its_field(tmp_path, field, spelling):
    base = {"dossier_id": "Mã hồ sơ", "received_at": "Ngày tiếp nhận"}
    base[field] = spelling
    header = list(base.values()) if field in ("dossier_id", "received_at") else [*base.values(), spelling]
    fields = list(base) if field in ("dossier_id", "received_at") else [*base, field]
    t = read(write_csv(tmp_path / "s.csv", [header, [SAMPLE[f] for f in fields]]))
    pos = header.index(spelling)
    assert columns_of(t, field) == [pos]
    assert t.mapping.by_field()[field][0].header == spelling
    assert not t.mapping.unmapped
    v = validate_table(t, DossierRecord)
    assert not v.problems
    assert v.frame[field].tolist() == [CANONICAL[field]]


# ---------------------------------------------------------------- look-alikes


def test_original_dossier_number_is_not_the_dossier_id(tmp_path):
    t = read(write_csv(tmp_path / "g.csv", [["Mã hồ sơ gốc", "Ngày tiếp nhận", "Trạng thái"],
                                            ["H0", "23/03/2023", "Đang xử lý"]]))
    assert "dossier_id" not in t.mapping.fields
    assert t.mapping.missing_required() == ["dossier_id"]
    assert 0 in t.mapping.unmapped
    t = read(write_csv(tmp_path / "g2.csv", [["MÃ HỒ SƠ GỐC", "Mã hồ sơ", "Ngày tiếp nhận"],
                                             ["H0", "H1", "23/03/2023"]]))
    assert columns_of(t, "dossier_id") == [1]
    assert validate_table(t, DossierRecord).frame["dossier_id"].tolist() == ["H1"]


@pytest.mark.parametrize("look_alike,field", [("Ngày gia hạn", "due_at"), ("Số ngày quá hạn", "time_limit_days"),
                                              ("ngay_gia_han", "due_at")])
def test_look_alike_headers_do_not_map(tmp_path, look_alike, field):
    t = read(write_csv(tmp_path / "l.csv", [["Mã hồ sơ", "Ngày tiếp nhận", look_alike], ["H1", "23/03/2023", "5"]]))
    assert field not in t.mapping.fields
    assert t.mapping.unmapped == [2]
    assert "c2" not in t.frame.columns


def test_look_alike_next_to_the_real_column(tmp_path):
    t = read(write_csv(tmp_path / "l.csv", [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Ngày gia hạn", "Ngày hẹn trả", "Số ngày quá hạn", "Thời hạn giải quyết"],
        ["H1", "23/03/2023", "10/04/2023", "30/03/2023", "3", "5"]]))
    assert columns_of(t, "due_at") == [3]
    assert columns_of(t, "time_limit_days") == [5]
    v = validate_table(t, DossierRecord)
    assert v.frame["due_at"].tolist() == [pd.Timestamp(2023, 3, 30)]
    assert v.frame["time_limit_days"].tolist() == [5.0]


# ---------------------------------------------------------------- alternative sources


def test_separate_fee_and_charge_columns_are_summed(tmp_path):
    t = read(write_csv(tmp_path / "fee.csv", [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Phí (VNĐ)", "Lệ phí (VNĐ)"],
        ["H1", "23/03/2023", "50.000", "20.000"],
        ["H2", "23/03/2023", "", "15,000 đ"],
        ["H3", "23/03/2023", "", ""],
        ["H4", "23/03/2023", "10.000", "mười nghìn"],
    ]))
    srcs = t.mapping.by_field()["fee"]
    assert [(s.column, s.combine) for s in srcs] == [(2, "sum"), (3, "sum")]
    v = validate_table(t, DossierRecord)
    fee = v.frame["fee"].tolist()
    assert fee[:2] == [70000.0, 15000.0]
    assert pd.isna(fee[2])
    assert pd.isna(fee[3])  # a sum with an unreadable part is unknown, not 10.000
    assert v.frame["fee!"].tolist() == [False, False, False, True]
    (p,) = v.problems
    assert (p.field, p.column, p.code, p.rows) == ("fee", "Lệ phí (VNĐ)", "not_a_number", [5])
    assert not p.rejects


def test_a_total_fee_column_wins_over_its_parts(tmp_path):
    t = read(write_csv(tmp_path / "fee.csv", [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Phí (VNĐ)", "Lệ phí (VNĐ)", "Tổng phí, lệ phí đã nộp"],
        ["H1", "23/03/2023", "50.000", "20.000", "70.000"],
    ]))
    assert columns_of(t, "fee") == [4]
    assert (2, "fee") in t.mapping.shadowed and (3, "fee") in t.mapping.shadowed
    assert validate_table(t, DossierRecord).frame["fee"].tolist() == [70000.0]


def test_yes_no_online_column_gives_the_channel(tmp_path):
    t = read(write_csv(tmp_path / "tt.csv", [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Trực tuyến"],
        ["H1", "23/03/2023", "x"], ["H2", "23/03/2023", ""], ["H3", "23/03/2023", "Có"],
        ["H4", "23/03/2023", "Không"], ["H5", "23/03/2023", "1"], ["H6", "23/03/2023", "có lẽ"],
    ]))
    (src,) = t.mapping.by_field()["channel"]
    assert (src.column, src.alt) == (2, "online_flag")
    v = validate_table(t, DossierRecord)
    got = [None if pd.isna(x) else x for x in v.frame["channel"]]
    assert got == ["online", "offline", "online", "offline", "online", None]
    (p,) = v.problems
    assert (p.code, p.value, p.rows) == ("unknown_value", "có lẽ", [7])


def test_a_channel_column_wins_over_the_yes_no_column(tmp_path):
    t = read(write_csv(tmp_path / "tt.csv", [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Trực tuyến", "Hình thức nộp"],
        ["H1", "23/03/2023", "", "Bưu chính công ích"],
    ]))
    assert columns_of(t, "channel") == [3]
    assert validate_table(t, DossierRecord).frame["channel"].tolist() == ["postal"]


def test_payment_method_gives_online_payment(tmp_path):
    t = read(write_csv(tmp_path / "pm.csv", [
        ["Mã hồ sơ", "Ngày tiếp nhận", "Hình thức thanh toán"],
        ["H1", "23/03/2023", "VNPT PAY"], ["H2", "23/03/2023", "Tiền mặt"], ["H3", "23/03/2023", ""],
        ["H4", "23/03/2023", "Thanh toán qua Cổng Quốc gia"], ["H5", "23/03/2023", "Chuyển khoản"],
        ["H6", "23/03/2023", "Tiền ảo"],
    ]))
    (src,) = t.mapping.by_field()["online_payment"]
    assert (src.column, src.alt) == (2, "payment_method")
    v = validate_table(t, DossierRecord)
    assert [None if pd.isna(x) else x for x in v.frame["online_payment"]] == [True, False, False, True, False, None]
    (p,) = v.problems
    assert (p.code, p.value, p.rows) == ("unknown_value", "Tiền ảo", [7])


# ---------------------------------------------------------------- --columns file


def mapping_file(tmp_path: Path, text: str, name: str = "cot.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_columns_file_maps_custom_headers_and_adds_value_spellings(tmp_path):
    f = mapping_file(tmp_path, """
[columns]                 # canonical field = header as it appears in the export
dossier_id = "Số phiếu"
received_at = ["Thời điểm nộp", "Ngày vào sổ"]
due_at = "Ngày gia hạn"   # the user may take even a look-alike

[values.channel]
"Nộp qua Zalo" = "online"

[values.status]
"Đã duyệt" = "resolved"
""")
    user = ColumnMap.load(f, DossierRecord)
    assert user.path == str(f)
    p = write_csv(tmp_path / "x.csv", [
        ["Mã hồ sơ", "Số phiếu", "THỜI ĐIỂM NỘP", "Ngày gia hạn", "Hình thức nộp", "Trạng thái"],
        ["old-1", "SP-1", "23/03/2023", "30/03/2023", "Nộp qua Zalo", "Đã duyệt"],
        ["old-2", "SP-2", "24/03/2023", "", "Trực tiếp", "Hoàn thành"],
    ])
    t = read(p, user)
    assert columns_of(t, "dossier_id") == [1]  # the user's header wins over a built-in one
    assert (0, "dossier_id") in t.mapping.shadowed
    assert columns_of(t, "received_at") == [2]
    assert columns_of(t, "due_at") == [3]
    v = validate_table(t, DossierRecord, user)
    assert not v.problems
    assert v.frame["dossier_id"].tolist() == ["SP-1", "SP-2"]
    assert v.frame["channel"].tolist() == ["online", "direct"]
    assert v.frame["status"].tolist() == ["resolved", "returned"]
    # the second spelling of a list works too
    t2 = read(write_csv(tmp_path / "y.csv", [["Số phiếu", "Ngày vào sổ"], ["SP-3", "25/03/2023"]]), user)
    assert columns_of(t2, "received_at") == [1]
    # without the file, those headers mean nothing
    plain = read(p)
    assert columns_of(plain, "dossier_id") == [0]
    assert plain.mapping.missing_required() == ["received_at"]
    assert {1, 2, 3} <= set(plain.mapping.unmapped)


def test_columns_file_is_none_gives_an_empty_map():
    user = ColumnMap.load(None, DossierRecord)
    assert user.columns == {} and user.values == {}


BAD_FILES = {
    "unknown-field": ('[columns]\nrecieved_at = "Thời điểm nộp"\n', ["[columns].recieved_at", "'received_at'"]),
    "bad-value": ('[values.channel]\n"Nộp qua Zalo" = "onlin"\n', ["[values.channel]", "Nộp qua Zalo", "onlin", "'online'"]),
    "bad-status": ('[values.status]\n"Đã duyệt" = "done"\n', ["[values.status]", "Đã duyệt", "done", "resolved"]),
    "unknown-vocab": ('[values.chanel]\n"Zalo" = "online"\n', ["[values.chanel]", "'channel'"]),
    "unknown-table": ('[colums]\ndossier_id = "Số phiếu"\n', ["colums", "'columns'"]),
    "header-not-text": ("[columns]\ndossier_id = 5\n", ["[columns].dossier_id"]),
    "bad-toml": ('[columns\ndossier_id = "Số phiếu"\n', ["TOML"]),
    "unclosed-string": ('[columns]\ndossier_id = "Số phiếu\n', ["TOML", "line 2"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_columns_files_are_config_errors(tmp_path, case):
    text, words = BAD_FILES[case]
    f = mapping_file(tmp_path, text, name=f"{case}.toml")
    with pytest.raises(ConfigError) as e:
        ColumnMap.load(f, DossierRecord)
    assert e.value.exit_code == 2
    assert str(f) in e.value.message
    for w in words:
        assert w in e.value.message, (w, e.value.message)


def test_missing_or_undecodable_columns_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as e:
        ColumnMap.load(tmp_path / "nope.toml", DossierRecord)
    assert e.value.exit_code == 2 and "nope.toml" in e.value.message
    bad = tmp_path / "latin.toml"
    bad.write_bytes('[columns]\ndossier_id = "Số phiếu"\n'.encode("utf-16"))
    with pytest.raises(ConfigError) as e:
        ColumnMap.load(bad, DossierRecord)
    assert e.value.exit_code == 2 and str(bad) in e.value.message
