"""Issue 12, "Silent loss of dossiers from valid CSVs": one test (or a few) per class of the
findings, on real files written to tmp_path (Windows-1258 where exports come that way).
Every dossier of a valid CSV is used or rejected with a reason; a CSV whose rows cannot be
told apart with certainty is refused (exit 3), naming the file, the row and what to do."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_cli.cli import app
from cchc_cli.dataset import load
from cchc_cli.errors import DataError
from cchc_cli.reading import expand_paths, own_report

sys.path.insert(0, str(Path(__file__).parent))
from builders import encode_cp1258, write_xlsx  # noqa: E402

runner = CliRunner()

HEADER = ["Mã hồ sơ", "Họ tên chủ hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Đơn vị tiếp nhận", "Lĩnh vực"]


def rows(n: int = 12) -> list[list[str]]:
    return [[f"H{i:03d}", f"Nguyễn Văn {i}", f"{i + 1:02d}/03/2023", f"{i + 10:02d}/03/2023",
             "UBND quận Cái Răng", "Hộ tịch"] for i in range(n)]


def lines(rs, end: str = "\r\n", delimiter: str = ",") -> str:
    return "".join(delimiter.join(r) + end for r in rs)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(encode_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def cli(*args):
    r = runner.invoke(app, [str(a) for a in args])
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out
    assert r.exit_code != 4, out
    return r


def dates_of(ds) -> dict[str, tuple[str, str]]:
    f = ds.frame
    return {str(i): (r.strftime("%d/%m/%Y"), d.strftime("%d/%m/%Y"))
            for i, r, d in zip(f["dossier_id"], f["received_at"], f["due_at"])}


# ------------------------------------------------------------- quotes that cannot be paired


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258"])
def test_two_stray_opening_quotes_refuse_the_file_naming_the_row(tmp_path, encoding):
    """Two stray quotes (an even count, so any parity test passes) at the start of two name
    cells: read as CSV they pair up and merge rows 5–10 into one dossier carrying row 10's
    dates. The reader refuses the file instead, naming the row and the lines to look at."""
    rs = rows()
    rs[3][1] = '"' + rs[3][1]
    rs[8][1] = '"' + rs[8][1]
    p = write(tmp_path / "hai-ngoac.csv", lines([HEADER, *rs]), encoding)
    with pytest.raises(DataError) as e:
        load([p])
    assert e.value.code == "csv_quote_unpaired" and e.value.exit_code == 3
    assert e.value.params["row"] == "5"
    r = cli("compute", p, "--period", "2023-03")
    assert r.exit_code == 3
    assert "hai-ngoac.csv" in r.stderr and "dòng 5" in r.stderr and "dấu ngoặc kép" in r.stderr
    assert "row 5" in e.value.text("en") and "text editor" in e.value.hint_text("en")


def test_stray_quotes_that_close_before_a_delimiter_are_refused(tmp_path):
    """A stray quote opening a name cell and another closing the next row's name cell: the
    quotes pair up cleanly and one record swallows a whole row — two physical lines that
    each hold a whole row. Which reading is right cannot be known: refused."""
    rs = rows()
    rs[3][1] = '"' + rs[3][1]
    rs[4][1] = rs[4][1] + '"'
    p = write(tmp_path / "gop.csv", lines([HEADER, *rs]))
    with pytest.raises(DataError) as e:
        load([p])
    assert e.value.code == "csv_quote_ambiguous" and e.value.params["row"] == "5"
    assert e.value.hint_text("vi")


def test_an_unclosed_quote_names_the_row_where_it_opens(tmp_path):
    rs = rows()
    rs[6][1] = '"' + rs[6][1]
    p = write(tmp_path / "mo.csv", lines([HEADER, *rs]))
    with pytest.raises(DataError) as e:
        load([p])
    assert e.value.code == "csv_quote_unclosed" and e.value.params["row"] == "8"


def test_a_stray_quote_in_the_header_is_named_not_hidden_as_no_header(tmp_path):
    p = write(tmp_path / "tieu-de.csv", lines([['"Mã hồ sơ', *HEADER[1:]], *rows(3)]))
    with pytest.raises(DataError) as e:
        load([p])
    assert e.value.code in ("csv_quote_unpaired", "csv_quote_unclosed", "csv_quote_ambiguous")


def test_quotes_that_pair_up_are_read_unchanged(tmp_path):
    """Paired, escaped ("") and mid-cell quotes, the delimiter and line breaks inside quoted
    cells: every dossier read, with its own dates."""
    rs = rows(6)
    rs[0][1] = '"Trần ""Bé"" Ba"'
    rs[1][1] = '"Lê Thị, Hoa"'
    rs[2][1] = 'Phạm "Tư'
    rs[3][1] = '"Võ Văn\r\nNăm, phòng 2"'
    rs[4][1] = '"Đỗ\rSáu"'
    p = write(tmp_path / "ngoac-dung.csv", lines([HEADER, *rs]))
    ds = load([p])
    assert ds.inputs[0].used == 6
    assert dates_of(ds) == {r[0]: (r[2], r[3]) for r in rows(6)}


def test_a_lone_literal_quote_and_a_ragged_row_do_not_refuse_a_valid_file(tmp_path):
    """An odd number of quotes is no longer a reason to suspect the file: a quote inside an
    unquoted cell is literal (as Excel reads it). A row with too many cells is rejected
    and named, and the last record's quoted line break stays inside its cell."""
    rs = rows(5)
    rs[1][1] = 'Phạm "Tư'
    rs[2] = rs[2] + ["thừa"]
    rs[4][1] = '"Võ Văn\nNăm"'
    ds = load([write(tmp_path / "le.csv", lines([HEADER, *rs]))])
    rep = ds.inputs[0]
    assert (rep.rows, rep.used, rep.rejected) == (5, 4, 1)
    assert dates_of(ds) == {r[0]: (r[2], r[3]) for i, r in enumerate(rows(5)) if i != 2}


# ------------------------------------------------------------------ totals rows


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258"])
def test_units_and_fields_named_cong_or_tong_are_dossiers_not_totals(tmp_path, encoding):
    """The first mapped column is the unit, the last the field: "Công an phường …",
    "Công chứng", "Công thương", "Tổng cục Thuế" are real names. Only the real "Tổng cộng"
    row (the label alone, no id, a count) is a totals row."""
    header = ["Đơn vị tiếp nhận", "Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Lĩnh vực"]
    units = ["Công an phường An Khánh", "Công an xã Mỹ Khánh", "Tổng cục Thuế", "Công ty TNHH A", "Cộng đồng ấp 3"]
    fields = ["Công chứng", "Công thương", "Tổng hợp", "Công chứng", "Công thương"]
    body = [[u, f"H{i}", f"0{i + 1}/03/2023", f"1{i}/03/2023", f] for i, (u, f) in enumerate(zip(units, fields))]
    text = lines([header, *body, ["Tổng cộng", "", "", "", "5"]])
    p = write(tmp_path / "cong-an.csv", text, encoding)
    ds = load([p])
    rep = ds.inputs[0]
    assert (rep.rows, rep.used, rep.rejected) == (5, 5, 0)
    assert rep.totals_rows == [7]
    assert sorted(ds.frame["unit"].astype(str).unique()) == sorted(units)
    assert sorted(ds.frame["field"].astype(str).unique()) == ["Công chứng", "Công thương", "Tổng hợp"]


def test_a_field_column_first_with_cong_names(tmp_path):
    header = ["Lĩnh vực", "Ngày tiếp nhận", "Mã hồ sơ", "Ngày hẹn trả"]
    body = [["Công thương", "01/03/2023", "A1", "05/03/2023"], ["Công chứng", "02/03/2023", "A2", "06/03/2023"],
            ["Cộng", "", "", ""]]
    ds = load([write(tmp_path / "linh-vuc.csv", lines([header, *body]))])
    assert ds.inputs[0].used == 2 and ds.inputs[0].totals_rows == [4]


@pytest.mark.parametrize("label,totals", [
    ("Tổng cộng", True), ("TỔNG CỘNG:", True), ("Cộng", True), ("Tổng số", True), ("Tổng số 12 hồ sơ", True),
    ("Tổng cộng: 1.234", True), ("Công an phường An Khánh", False), ("Công chứng", False), ("Công thương", False),
    ("Tổng cục Thuế", False), ("Tổng hợp", False), ("Cộng đồng ấp 3", False), ("Total", True),
])
def test_totals_label_is_the_whole_cell(label, totals):
    from cchc_cli.reading.layout import is_totals_label

    assert is_totals_label(label) is totals


# --------------------------------------------------------- line ends in the title block


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
@pytest.mark.parametrize("title_end,data_end", [("\r", "\r"), ("\r", "\r\n"), ("\r\n", "\n"), ("\n", "\r")])
def test_cr_in_a_quoted_title_cell_and_cr_line_ends_keep_every_dossier(tmp_path, encoding, title_end, data_end):
    title = ('"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\rĐộc lập - Tự do - Hạnh phúc",,,,,' + title_end
             + '"SỔ THEO DÕI\r\nHỒ SƠ",,,,,' + title_end + "Tháng 3/2023" + title_end)
    text = title + lines([HEADER, *rows()], data_end)
    p = tmp_path / "tieu-de-cr.csv"
    if encoding == "utf-8-sig":
        p.write_bytes(b"\xef\xbb\xbf" + text.encode())
    else:
        write(p, text, encoding)
    ds = load([p])
    rep = ds.inputs[0]
    assert (rep.rows, rep.used, rep.rejected) == (12, 12, 0)
    assert rep.header_row == 4
    assert dates_of(ds) == {r[0]: (r[2], r[3]) for r in rows()}
    assert sorted(ds.frame["_row"].tolist()) == list(range(5, 17))


# ------------------------------------------------------------------------ folders


def test_a_file_name_that_is_not_utf8_is_read(tmp_path):
    """A folder copied from an old Windows machine: the file name is Windows-1258 bytes."""
    d = tmp_path / "in"
    d.mkdir()
    name = os.fsdecode(encode_cp1258("Phòng Tư pháp.csv"))
    try:
        (d / name).write_bytes(encode_cp1258(lines([HEADER, *rows()])))
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes UTF-8 names only")
    write(d / "b.csv", lines([HEADER, *[[f"B{i}", *r[1:]] for i, r in enumerate(rows(3))]]))
    files = expand_paths([d])
    assert len(files) == 2
    ds = load([d])
    assert sorted(i.used for i in ds.inputs) == [3, 12]
    r = cli("compute", d, "--period", "2023-03", "--format", "csv")
    assert r.exit_code == 0, r.stderr


def test_a_symlinked_subfolder_is_followed_once_and_a_loop_is_listed(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    write(real / "a.csv", lines([HEADER, *rows(4)]))
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    write(d / "b.csv", lines([HEADER, *[[f"B{i}", *r[1:]] for i, r in enumerate(rows(3))]]))
    try:
        os.symlink(real, d / "linked", target_is_directory=True)
        os.symlink(d, d / "sub" / "loop", target_is_directory=True)
        os.symlink(tmp_path / "missing", d / "broken")
    except (OSError, NotImplementedError):
        pytest.skip("no symlinks here")
    files = expand_paths([d])
    assert [f.name for f in files] == ["b.csv", "a.csv"]
    codes = sorted(n.code for n in files.skipped)
    assert codes == ["skipped_broken_link", "skipped_link_loop"]
    ds = load([d])
    assert sum(i.used for i in ds.inputs) == 7
    notes = [n.code for i in ds.inputs for n in i.notes]
    assert "skipped_link_loop" in notes and "skipped_broken_link" in notes


def test_cchcs_own_reports_in_the_input_folder_are_skipped_and_listed(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    write(d / "a.csv", lines([HEADER, *rows()]))
    outputs = [("json", "ket-qua.json"), ("csv", "ket-qua.csv"), ("markdown", "ket-qua.txt"), ("xlsx", "ket-qua.xlsx"),
               ("markdown", "ket-qua.md")]
    for fmt, name in outputs:
        r = cli("compute", d, "--period", "2023-03", "--format", fmt, "--output", d / name)
        assert r.exit_code == 0, (fmt, r.stderr)
    r = cli("compute", d, "--period", "2023-03", "--format", "csv", "--by", "unit", "--output", d / "theo-don-vi.csv")
    assert r.exit_code == 0, r.stderr
    r = cli("check-targets", d, "--preset", "hanoi-2022", "--period", "2023-03", "--format", "csv",
            "--output", d / "kiem-tra.csv")
    assert r.exit_code in (0, 1, 3), r.stderr
    if (d / "kiem-tra.csv").exists():
        assert own_report(d / "kiem-tra.csv") == "CSV"
    for fmt, name in outputs:
        assert own_report(d / name), name
    assert own_report(d / "a.csv") is None
    r = cli("compute", d, "--period", "2023-03", "--format", "json", "--lang", "en")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [Path(i["path"]).name for i in doc["inputs"]] == ["a.csv"]
    assert doc["inputs"][0]["used"] == 12
    files = expand_paths([d])
    listed = {n.params["path"].rsplit("/", 1)[-1] for n in files.skipped if n.code == "skipped_own_report"}
    assert {name for _, name in outputs} | {"theo-don-vi.csv"} <= listed


def test_a_workbook_that_is_not_a_cchc_report_is_read(tmp_path):
    p = write_xlsx(tmp_path / "so-theo-doi.xlsx", [HEADER, *rows(3)])
    assert own_report(p) is None


# --------------------------------------------------------------- invisible characters


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258"])
def test_invisible_characters_do_not_split_a_unit_and_are_reported(tmp_path, encoding):
    spellings = ["UBND quận Cái Răng", "UBND\u200b quận Cái Răng", "\ufeffUBND quận Cái Răng", "UBND quận\u200e Cái Răng",
                 "UBND qu\u00adận Cái Răng", "\u2066UBND quận Cái Răng\u2069", "UBND quận Cái\u202a Răng\u202c"]
    body = [[f"H{i}", "x", "01/03/2023", "05/03/2023", u, "Hộ\u200d tịch"] for i, u in enumerate(spellings)]
    if encoding == "cp1258":  # cp1258 has no code for these: the UTF-8 export only, re-saved
        body = [[r[0], r[1], r[2], r[3], "UBND quận Cái Răng\u200e" if i % 2 else "UBND quận Cái Răng", "Hộ tịch"]
                for i, r in enumerate(body)]
        text = lines([HEADER, *body])
        p = tmp_path / "an.csv"
        p.write_bytes(encode_cp1258(text.replace("\u200e", "")).replace(b"R", b"R\xfd", 0) if False else
                      text.encode("utf-8"))
    else:
        p = write(tmp_path / "an.csv", lines([HEADER, *body]))
    ds = load([p])
    assert ds.frame["unit"].astype(str).unique().tolist() == ["UBND quận Cái Răng"]
    assert ds.frame["field"].astype(str).unique().tolist() == ["Hộ tịch"]
    notes = [n for n in ds.inputs[0].notes if n.code == "invisible_chars"]
    assert len(notes) == 1 and notes[0].params["chars"] > 0
    r = cli("validate", p, "--lang", "en")
    assert "invisible characters" in r.stdout + r.stderr


def test_ids_that_differ_by_invisible_characters_are_one_dossier(tmp_path):
    body = [["H1", "x", "01/03/2023", "05/03/2023", "UBND quận Cái Răng", "Hộ tịch"],
            ["H1\u200b", "x", "01/03/2023", "05/03/2023", "UBND quận Cái Răng", "Hộ tịch"],
            ["\u200eH2", "x", "02/03/2023", "06/03/2023", "UBND quận Cái Răng", "Hộ tịch"]]
    ds = load([write(tmp_path / "id.csv", lines([HEADER, *body]))])
    rep = ds.inputs[0]
    assert (rep.used, rep.duplicates) == (2, 1)
    assert sorted(ds.frame["dossier_id"].astype(str)) == ["H1", "H2"]


def test_invisible_characters_in_an_xlsx_are_cleaned_too(tmp_path):
    body = [["H1", "x", "01/03/2023", "05/03/2023", "Sở Tư pháp", "Hộ tịch"],
            ["H2", "x", "01/03/2023", "05/03/2023", "Sở Tư\u200b pháp", "Hộ tịch"]]
    ds = load([write_xlsx(tmp_path / "a.xlsx", [HEADER, *body])])
    assert ds.frame["unit"].astype(str).unique().tolist() == ["Sở Tư pháp"]
    assert any(n.code == "invisible_chars" for n in ds.inputs[0].notes)
