"""Block readers (issue 13, streaming): Parquet row groups and JSON Lines lines.

The law: the blocks of a file, stacked (frames, rows, bad rows) and passed through
``trim_tail`` once, are the whole-file reader's table — values, dtypes, row numbers,
notes — whatever the block size; ``only`` re-reads exactly what a full iteration gives;
``--max-rows`` caps a streamed file only when the user set it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cchc_cli.errors import DataError
from cchc_cli.reading import limits as lim
from cchc_cli.reading import read_table
from cchc_cli.reading.blocks import iter_blocks
from cchc_cli.reading.jsonfile import iter_jsonl_blocks, read_json
from cchc_cli.reading.parquet import iter_parquet_blocks, read_parquet
from cchc_cli.reading.table import RawTable, trim_tail
from cchc_cli.schema.headers import ColumnMap
from cchc_cli.schema.models import DossierRecord

pa = pytest.importorskip("pyarrow")
pytest.importorskip("pyarrow.compute")
pq = pytest.importorskip("pyarrow.parquet")

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)
UNITS = ["UBND phường An Cư", "UBND phường Cái Khế", "Công an quận"]


# ---------------------------------------------------------------- files


def _dossiers(n: int) -> dict[str, list]:
    day = dt.datetime(2023, 3, 1, 8)
    return {
        "STT": list(range(1, n + 1)),
        "Mã hồ sơ": [f"H{i:05d}" for i in range(n)],
        "Ngày tiếp nhận": [day + dt.timedelta(hours=5 * i) for i in range(n)],
        "Ngày hẹn trả": [None if i % 4 == 0 else (day + dt.timedelta(days=3 + i)).date() for i in range(n)],
        "Đơn vị": [UNITS[i % 3] for i in range(n)],
        "Phí, lệ phí": [None if i % 5 == 1 else 1000 * i for i in range(n)],  # integers with nulls: floats
        "Số hóa hồ sơ": [None if i % 6 == 2 else i % 2 == 0 for i in range(n)],  # booleans with nulls: objects
        "Mức độ": [i % 4 + 1 for i in range(n)],  # integers without a null
        "Ghi chú": [None] * n,  # no value at all: text
    }


def write_parquet(path: Path, n: int, group_rows: list[int] | None = None, totals: bool = False,
                  **options) -> Path:
    cols = _dossiers(n)
    if totals:  # a totals row and a signature line below it: dropped by trim_tail, across blocks
        for k, v in cols.items():
            v.extend([None, None])
        cols["STT"][-2:] = [None, None]
        cols["Mã hồ sơ"][-2:] = ["Tổng cộng", None]
        cols["Đơn vị"][-2:] = [None, "Người lập biểu"]
        cols["Mức độ"][-2:] = [None, None]
    table = pa.table(cols)
    # the unit as a dictionary column (a pandas category), as some writers store it
    table = table.set_column(4, "Đơn vị", pa.compute.dictionary_encode(table.column("Đơn vị")))
    with pq.ParquetWriter(path, table.schema, **options) as w:
        at = 0
        for size in group_rows or [len(table)]:
            w.write_table(table.slice(at, size), row_group_size=max(size, 1))
            at += size
        if at < len(table):
            w.write_table(table.slice(at), row_group_size=len(table))
    return path


def write_jsonl(path: Path, n: int, blanks: bool = True, bom: bool = True, crlf: bool = False) -> Path:
    lines = []
    for i in range(n):
        rec = {"MaHoSo": f"H{i:05d}", "NgayTiepNhan": f"2023-03-{i % 28 + 1:02d} 08:00:00", "DonVi": UNITS[i % 3],
               "ChuHoSo": {"HoTen": "Nguyễn Văn A", "DiaChi": "Cần Thơ"}}
        if i % 3 == 1:
            rec["NgayHenTra"] = f"2023-04-{i % 28 + 1:02d}"  # a column that appears late
        if i == n - 1:
            rec["TrangThai"] = "Đã trả"  # a column only the last record has
        lines.append(json.dumps(rec, ensure_ascii=False))
        if blanks and i % 4 == 2:
            lines.append("   ")
            lines.append("")
    nl = "\r\n" if crlf else "\n"
    data = (nl.join(lines) + nl).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


JSONL_COLUMNS = ColumnMap(columns={"dossier_id": ["mahoso"], "received_at": ["ngaytiepnhan"], "unit": ["donvi"],
                                   "due_at": ["ngayhentra"]})


# ---------------------------------------------------------------- the law


def stacked(blocks: list[tuple[int, RawTable]]) -> RawTable:
    assert [b for b, _ in blocks] == list(range(len(blocks)))
    first = blocks[0][1]
    for _, t in blocks:
        assert t.layout is first.layout and t.mapping is first.mapping
        assert list(t.frame.columns) == list(first.frame.columns)
        assert list(t.frame.dtypes) == list(first.frame.dtypes)
        assert not t.trimmed
    frame = pd.concat([t.frame for _, t in blocks], ignore_index=True)
    rows = np.concatenate([t.rows for _, t in blocks])
    bad = [r for _, t in blocks for r in t.bad_rows]
    notes = [n for _, t in blocks for n in t.notes]
    return trim_tail(RawTable(first.path, frame, rows, first.layout, first.mapping, notes, bad_rows=bad))


def assert_same(got: RawTable, whole: RawTable) -> None:
    assert list(got.frame.columns) == list(whole.frame.columns)
    assert list(got.frame.dtypes) == list(whole.frame.dtypes)
    pd.testing.assert_frame_equal(got.frame, whole.frame, check_exact=True)
    assert got.rows.tolist() == whole.rows.tolist()
    assert got.rows.dtype == whole.rows.dtype
    assert (got.blank_rows, got.totals_rows, got.footer_rows) == (whole.blank_rows, whole.totals_rows,
                                                                    whole.footer_rows)
    assert got.bad_rows == whole.bad_rows
    assert [(n.code, n.params) for n in got.notes] == [(n.code, n.params) for n in whole.notes]
    assert got.layout == whole.layout
    assert got.mapping.sources == whole.mapping.sources
    assert got.trimmed and whole.trimmed


N = 23


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("blocks")
    return {
        "parquet": write_parquet(d / "groups.parquet", N, [5, 1, 0, 7, 3]),
        "totals": write_parquet(d / "totals.parquet", N, [6, 6, 6], totals=True),
        "one": write_parquet(d / "one.parquet", N),
        "nostats": write_parquet(d / "nostats.parquet", N, [4, 4, 4, 4, 4], write_statistics=False),
        "empty": write_parquet(d / "empty.parquet", 0),
        "jsonl": write_jsonl(d / "export.jsonl", N),
        "jsonl_crlf": write_jsonl(d / "crlf.jsonl", N, bom=False, crlf=True),
    }


def whole(path: Path, user: ColumnMap) -> RawTable:
    if path.suffix == ".parquet":
        return read_parquet(path, DossierRecord, user)
    return read_json(path, "jsonl", DossierRecord, user)


def blocks_of(path: Path, user: ColumnMap, block_rows: int, only=None) -> list[tuple[int, RawTable]]:
    it = iter_parquet_blocks if path.suffix == ".parquet" else iter_jsonl_blocks
    return list(it(path, DossierRecord, user, block_rows, only))


@pytest.mark.parametrize("name", ["parquet", "totals", "one", "nostats", "empty", "jsonl", "jsonl_crlf"])
@SETTINGS
@given(block_rows=st.integers(1, N + 3))
def test_blocks_stacked_are_the_whole_table(files, name, block_rows):
    path = files[name]
    user = JSONL_COLUMNS if name.startswith("jsonl") else ColumnMap()
    w = whole(path, user)
    bs = blocks_of(path, user, block_rows)
    assert_same(stacked(bs), w)
    if name == "totals":  # the totals row and the line below it, dropped once the blocks are stacked
        assert w.totals_rows == [N + 2] and w.footer_rows == 1 and len(w.frame) == N


@pytest.mark.parametrize("name", ["parquet", "totals", "jsonl", "jsonl_crlf"])
@SETTINGS
@given(block_rows=st.integers(1, N + 3), data=st.data())
def test_only_rereads_what_a_full_iteration_gives(files, name, block_rows, data):
    path = files[name]
    user = JSONL_COLUMNS if name.startswith("jsonl") else ColumnMap()
    full = dict(blocks_of(path, user, block_rows))
    only = data.draw(st.sets(st.sampled_from(sorted(full)) | st.integers(len(full), len(full) + 2), max_size=4))
    again = blocks_of(path, user, block_rows, only)
    assert [b for b, _ in again] == sorted(b for b in only if b in full)
    for b, t in again:
        pd.testing.assert_frame_equal(t.frame, full[b].frame, check_exact=True)
        assert t.rows.tolist() == full[b].rows.tolist()
        assert t.layout is full[b].layout or t.layout == full[b].layout


def test_parquet_blocks_are_whole_row_groups(files):
    sizes = [len(t.frame) for _, t in blocks_of(files["parquet"], ColumnMap(), 6)]
    # groups of 5, 1, 0, 7, 3 and 7 rows: grouped until a block holds 6 rows, the empty one joins
    assert sizes == [6, 7, 10]
    assert [t.rows[0] for _, t in blocks_of(files["parquet"], ColumnMap(), 6)] == [2, 8, 15]
    # the dtypes the whole reader gives: integers with nulls as floats, booleans with nulls as
    # objects, a column with no value as text — in every block, whatever it holds
    t = read_parquet(files["parquet"], DossierRecord, ColumnMap())
    for _, b in blocks_of(files["parquet"], ColumnMap(), 1):
        assert list(b.frame.dtypes) == list(t.frame.dtypes)


def test_jsonl_blocks_count_records_not_lines(files):
    bs = blocks_of(files["jsonl"], JSONL_COLUMNS, 10)
    assert [len(t.frame) for _, t in bs] == [10, 10, 3]
    assert bs[1][1].rows.tolist() == list(range(12, 22))
    # the column only the last record has is a column of every block
    w = read_json(files["jsonl"], "jsonl", DossierRecord, JSONL_COLUMNS)
    assert all(list(t.frame.columns) == list(w.frame.columns) for _, t in bs)


def test_jsonl_bad_line_is_named_before_any_block(tmp_path):
    p = write_jsonl(tmp_path / "bad.jsonl", 8)
    lines = p.read_bytes().split(b"\n")
    lines[5] = b'{"MaHoSo": "H9", '
    p.write_bytes(b"\n".join(lines))
    with pytest.raises(DataError) as whole_e:
        read_json(p, "jsonl", DossierRecord, JSONL_COLUMNS)
    it = iter_jsonl_blocks(p, DossierRecord, JSONL_COLUMNS, 2)
    with pytest.raises(DataError) as e:
        next(it)
    assert (e.value.code, e.value.params) == (whole_e.value.code, whole_e.value.params)


def test_jsonl_line_breaks_as_splitlines_sees_them(tmp_path):
    # a record line ended by a lone CR, a blank line of spaces: line numbers as read_json counts them
    recs = [json.dumps({"MaHoSo": f"H{i}", "NgayTiepNhan": "2023-03-01", "DonVi": "X"}) for i in range(5)]
    p = tmp_path / "cr.jsonl"
    p.write_bytes((recs[0] + "\r" + recs[1] + "\n  \n" + recs[2] + "\r\n" + recs[3] + "\n" + recs[4]).encode())
    w = read_json(p, "jsonl", DossierRecord, JSONL_COLUMNS)
    for n in range(1, 6):
        assert_same(stacked(blocks_of(p, JSONL_COLUMNS, n)), w)
        assert_same(stacked(blocks_of(p, JSONL_COLUMNS, n, set(range(10)))), w)


def test_jsonl_utf16_is_read_as_a_stream(tmp_path):
    p = write_jsonl(tmp_path / "u16.jsonl", 9, bom=False)
    p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16"))
    w = read_json(p, "jsonl", DossierRecord, JSONL_COLUMNS)
    for n in (1, 4, 10):
        assert_same(stacked(blocks_of(p, JSONL_COLUMNS, n)), w)
    assert [b for b, _ in blocks_of(p, JSONL_COLUMNS, 4, {2})] == [2]


# ---------------------------------------------------------------- limits


def test_limits_record_the_options_given():
    base = lim.Limits()
    assert lim.stream_row_cap(base) is None and lim.stream_file_cap(base) is None
    given_ = base.with_options(max_rows=10, max_file_mb=None)
    assert given_.explicit == {"max_rows"}
    assert lim.stream_row_cap(given_) == 10 and lim.stream_file_cap(given_) is None
    # the default value given explicitly is still the user's cap
    assert lim.stream_row_cap(base.with_options(max_rows=base.max_rows)) == base.max_rows
    assert lim.stream_file_cap(base.with_options(max_file_mb=1)) == 1 << 20
    # a library caller's own Limits: a value other than the default is a cap it wants
    assert lim.stream_row_cap(lim.Limits(max_rows=5)) == 5


@pytest.mark.parametrize("name", ["parquet", "jsonl"])
def test_max_rows_caps_a_stream_only_when_given(files, name, monkeypatch):
    path = files[name]
    user = JSONL_COLUMNS if name == "jsonl" else ColumnMap()
    # the default cap (a memory guard for whole-file reads) does not apply to streaming: with
    # a default of 5 rows, the whole reader refuses the file, the block reader reads it...
    monkeypatch.setattr(lim.Limits, "max_rows", 5)
    with lim.using(lim.Limits(max_rows=5)):
        assert lim.stream_row_cap() is None
        with pytest.raises(DataError):
            whole(path, user)
        assert sum(len(t.frame) for _, t in blocks_of(path, user, 4)) >= N
        # ...a --max-rows the user gave applies, before any block is read
        with lim.using(lim.current().with_options(max_rows=5)):
            it = (iter_parquet_blocks if name == "parquet" else iter_jsonl_blocks)(path, DossierRecord, user, 4)
            with pytest.raises(DataError) as e:
                next(it)
            assert e.value.code in ("table_too_many_rows", "json_too_many_records")
            with pytest.raises(DataError) as e:
                next(iter_blocks(path, DossierRecord, user, block_rows=4))


def test_parquet_over_the_default_row_cap_streams(tmp_path):
    n = lim.Limits().max_rows + 1
    p = tmp_path / "big.parquet"
    ids = pa.array(np.char.add("H", np.arange(n).astype(str)), pa.string())
    pq.write_table(pa.table({"Mã hồ sơ": ids, "Đơn vị": pa.nulls(n, pa.string())}), p, row_group_size=100_000)
    with pytest.raises(DataError) as e:
        read_table(p, DossierRecord)
    assert e.value.code == "table_too_many_rows"
    # one value repeated, a few KB for millions of rows: a bomb for de-duplication, refused
    bomb = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"Mã hồ sơ": pa.array(["H1"], pa.string()).take(pa.array(np.zeros(n, dtype=np.int32))),
                             "Đơn vị": pa.nulls(n, pa.string())}), bomb, row_group_size=100_000)
    with pytest.raises(DataError) as e:
        next(iter_blocks(bomb, DossierRecord, block_rows=10))
    assert e.value.code == "table_too_many_rows"
    b, t = next(iter_blocks(p, DossierRecord, block_rows=10))
    assert (b, len(t.frame), t.rows[0]) == (0, 100_000, 2)
    with lim.using(lim.current().with_options(max_rows=n)):
        assert next(iter_blocks(p, DossierRecord, block_rows=10))[0] == 0
    with lim.using(lim.current().with_options(max_rows=n - 1)), pytest.raises(DataError) as e:
        next(iter_blocks(p, DossierRecord, block_rows=10))
    assert e.value.code == "table_too_many_rows"


def test_max_file_mb_caps_a_stream_only_when_given(files):
    with lim.using(lim.Limits().with_options(max_file_mb=1e-6)):
        with pytest.raises(DataError) as e:
            list(iter_blocks(files["parquet"], DossierRecord, ColumnMap(), block_rows=4))
        assert e.value.code == "file_too_large"


# ---------------------------------------------------------------- the dispatcher


def test_iter_blocks_parquet_is_read_table_in_blocks(files):
    for name in ("parquet", "totals"):
        w = read_table(files[name], DossierRecord)
        bs = list(iter_blocks(files[name], DossierRecord, block_rows=5))
        assert len(bs) > 1
        got = stacked(bs)
        pd.testing.assert_frame_equal(got.frame, w.frame, check_exact=True)
        assert got.rows.tolist() == w.rows.tolist()


def test_iter_blocks_jsonl_has_the_read_as_note_on_block_0(tmp_path):
    p = write_jsonl(tmp_path / "export.txt", N)  # JSON Lines saved as .txt
    w = read_table(p, DossierRecord, JSONL_COLUMNS)
    bs = list(iter_blocks(p, DossierRecord, JSONL_COLUMNS, block_rows=7))
    assert [n.code for n in bs[0][1].notes] == [n.code for n in w.notes if n.code != "no_rows"]
    assert "read_as" in [n.code for n in bs[0][1].notes]
    assert all(not t.notes for _, t in bs[1:])
    got = stacked(bs)
    pd.testing.assert_frame_equal(got.frame, w.frame, check_exact=True)


def test_iter_blocks_other_formats_are_one_trimmed_block(tmp_path):
    from builders import write_xlsx

    p = write_xlsx(tmp_path / "a.xlsx", [["Mã hồ sơ", "Ngày tiếp nhận", "Đơn vị"],
                                          ["H1", "01/03/2023", "X"], ["Tổng cộng", None, None]])
    ((b, t),) = list(iter_blocks(p, DossierRecord, block_rows=1))
    assert b == 0 and t.trimmed and len(t.frame) == 1
    assert list(iter_blocks(p, DossierRecord, block_rows=1, only={3})) == []


def test_iter_blocks_maps_reader_errors(tmp_path):
    p = tmp_path / "broken.parquet"
    p.write_bytes(b"PAR1" + b"\x00" * 64)
    with pytest.raises(DataError) as e:
        list(iter_blocks(p, DossierRecord))
    assert e.value.code == "parquet_unreadable"


def test_the_cli_records_the_limits_it_was_given():
    from cchc_cli.cli import _limits, run

    seen: list[lim.Limits] = []
    run(lambda: seen.append(lim.current()), "vi", _limits(max_rows=7, max_cells=None))
    assert seen[0].explicit == {"max_rows"} and lim.stream_row_cap(seen[0]) == 7
    assert lim.stream_file_cap(seen[0]) is None


def test_iter_blocks_csv_stacked_is_read_table(tmp_path):
    """CSV: the CSV block reader's blocks, or (until it exists) read_table's one trimmed block."""
    from builders import write_csv

    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Đơn vị"]] + [[f"H{i}", "01/03/2023", "X"] for i in range(9)]
    p = write_csv(tmp_path / "a.csv", rows + [["Tổng cộng", "", ""]])
    w = read_table(p, DossierRecord)
    bs = list(iter_blocks(p, DossierRecord, block_rows=4))
    got = bs[0][1] if len(bs) == 1 and bs[0][1].trimmed else stacked(bs)
    pd.testing.assert_frame_equal(got.frame, w.frame, check_exact=True)
    assert got.rows.tolist() == w.rows.tolist()


@SETTINGS
@given(block_rows=st.integers(1, 41))
def test_a_dvcqg_sync_export_with_its_profile_in_blocks(tmp_path_factory, block_rows):
    """A realistic export: nested objects, a list of charges summed by the profile."""
    import real_exports as rx
    from cchc_cli.profiles import load

    p = tmp_path_factory.getbasetemp() / "sync.jsonl"
    if not p.exists():
        rx.dvcqg_jsonl(rx.make(40, seed=3), p)
    user = load("dvcqg-sync")
    assert user.json_reduce
    w = read_json(p, "jsonl", DossierRecord, user)
    assert_same(stacked(blocks_of(p, user, block_rows)), w)
