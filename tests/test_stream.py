"""The streaming engine (issue 13): blocks of a file, measured one at a time, give exactly
what the whole-frame path gives — for every block size, with or without the cache, with
duplicates that land in different blocks and files, and with or without ``--period``.

The whole-frame path (``dataset.load_inputs`` + ``kpis.run.compute_inputs``) is the
reference: it is what cchc computed before streaming, and what it still computes when a
catalogue or a logbook is joined."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from builders import write_csv
from cchc_cli import api
from cchc_cli.dataset import load_inputs, plan_inputs
from cchc_cli.engines import stream
from cchc_cli.errors import DataError
from cchc_cli.kpis.period import resolve_period
from cchc_cli.kpis.run import compute_inputs
from cchc_cli.reading import csv as rcsv
from cchc_cli.schema.headers import ColumnMap
from cchc_cli.schema.models import DossierRecord
from strategies import HEADER, export_rows

SAMPLES = Path(__file__).parent.parent / "samples" / "dossiers"
NOTE_CELLS = ["", "ghi chú", "số 5, đường 3/2", "dòng 1\ndòng 2", 'có "ngoặc kép"', "a\r\nb, c", '""', "x\n\ny"]


def whole(paths, by, period):
    user = ColumnMap.load(None, DossierRecord)
    return compute_inputs(load_inputs(paths, columns=user), by, resolve_period(period, None, None))


def streamed(paths, by, period, block_rows, cache_rows):
    user = ColumnMap.load(None, DossierRecord)
    plan = plan_inputs(paths, columns=user)
    assert plan.streamable()
    return stream.compute_stream(plan.by_kind["dossiers"], plan.maps, user=user, sheet=None, keys=by,
                                 per=resolve_period(period, None, None), block_rows=block_rows,
                                 cache_rows=cache_rows, skipped=plan.skipped)


def same(paths, by, period, block_rows, cache_rows):
    try:
        want = whole(paths, by, period)
    except DataError as e:
        with pytest.raises(DataError) as got:
            streamed(paths, by, period, block_rows, cache_rows)
        assert got.value.code == e.code
        return None
    got = streamed(paths, by, period, block_rows, cache_rows)
    assert got.to_json() == want.to_json()  # results, counts, inputs (rows, used, rejected, duplicates)
    a, b = got.dataset, want.dataset
    assert [(c.dossier_id, c.fields, c.kept, c.others) for c in a.conflicts] == \
        [(c.dossier_id, c.fields, c.kept, c.others) for c in b.conflicts]
    assert a.conflict_count == b.conflict_count
    assert [(p.file, p.field, p.code, p.count, p.rows, p.value) for p in a.problems] == \
        [(p.file, p.field, p.code, p.count, p.rows, p.value) for p in b.problems]
    assert [[(n.code, n.params) for n in i.notes] for i in a.inputs] == \
        [[(n.code, n.params) for n in i.notes] for i in b.inputs]
    return got


def _export(rows, r: random.Random, title: bool, totals: bool) -> list[list[str]]:
    """A file as systems write them: a title block, a notes column with commas, quotes and
    line breaks, blank rows, and a totals row with a footer under it."""
    out = []
    if title:
        out += [["UBND THÀNH PHỐ CẦN THƠ"] + [""] * len(HEADER), ["SỔ THEO DÕI HỒ SƠ"] + [""] * len(HEADER)]
    out.append(HEADER + ["Ghi chú"])
    for row in rows:
        out.append(row + [r.choice(NOTE_CELLS)])
        if r.random() < 0.05:
            out.append([""] * (len(HEADER) + 1))
    if totals:
        out.append(["Tổng cộng", "", str(len(rows))] + [""] * (len(HEADER) - 2))
        out.append(["", "Người lập biểu"] + [""] * (len(HEADER) - 1))
    return out


@settings(max_examples=15, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(files=st.lists(export_rows(prefix="D", min_size=1, max_size=30), min_size=1, max_size=3),
       block_rows=st.integers(1, 40), cache=st.sampled_from([0, 7, 10**6]), seed=st.integers(0, 2**16),
       chunk=st.sampled_from([5, 64, 32 << 20]))
def test_blocks_equal_whole(tmp_path_factory, monkeypatch, files, block_rows, cache, seed, chunk):
    """Ids repeat across files (prefix "D" in each) and, with small blocks, across blocks;
    quoted cells with line breaks straddle the byte scan's chunks (``chunk`` bytes)."""
    monkeypatch.setattr(rcsv, "SCAN_CHUNK", chunk)
    tmp = tmp_path_factory.mktemp("s")
    r = random.Random(seed)
    for i, rows in enumerate(files):
        write_csv(tmp / f"f{i}.csv", _export(rows, r, r.random() < 0.5, r.random() < 0.5),
                  newline=r.choice(["\n", "\r\n"]))
    for by, period in ((["unit"], "2023-03"), (["month", "channel"], None), ([], None), (["level"], "2023-Q1")):
        same([tmp], by, period, block_rows, cache)


@pytest.mark.parametrize("by,period", [(["unit"], "2023-03"), (["unit", "month"], None), (["field"], None)])
@pytest.mark.parametrize("block_rows,cache", [(40, 0), (10**6, 10**6)])
def test_samples_in_blocks(by, period, block_rows, cache):
    same([SAMPLES], by, period, block_rows, cache)


def test_a_copy_found_later_replaces_an_earlier_one_exactly(tmp_path):
    """D1 is pending in the first block and resolved in a later one: the resolved copy is
    kept and the pending one's measures are taken back out, whatever the blocks."""
    head = HEADER
    rows = [["D1", "Sở Tư pháp", "01/03/2023", "10/03/2023", "", "Đang xử lý"] + [""] * 7]
    rows += [[f"E{i}", "Sở Tư pháp", "02/03/2023", "10/03/2023", "", "Đang xử lý"] + [""] * 7 for i in range(20)]
    rows += [["D1", "UBND quận Cái Răng", "01/03/2023", "10/03/2023", "05/03/2023", "Đã trả kết quả"] + [""] * 7]
    write_csv(tmp_path / "a.csv", [head] + rows)
    for block_rows in (1, 5, 100):
        got = same([tmp_path], ["unit"], "2023-03", block_rows, 0)
        assert got.count("resolved", unit="UBND quận Cái Răng") == 1
        assert got.count("pending", unit="Sở Tư pháp") == 20
        assert got.inputs[0].duplicates == 1


def test_hash_collisions_are_told_apart(tmp_path, monkeypatch):
    """Every number hashing alike makes every row a candidate: ``_dedupe`` compares the
    numbers themselves, so the result is still exact."""
    monkeypatch.setattr(stream, "id_hash", lambda ids: np.zeros(len(ids), dtype=np.uint64))
    same([SAMPLES], ["unit"], "2023-03", 40, 0)
    same([SAMPLES], [], None, 40, 0)


def test_a_file_unreadable_in_a_later_block_is_dropped_whole(tmp_path):
    """Invalid UTF-8 in the last block: the file is refused (exit 3) naming the byte; with
    --skip-unreadable its earlier blocks leave nothing in the sums."""
    from cchc_cli import dataset

    rows = [[f"D{i}", "Sở Tư pháp", "01/03/2023", "", "", "Đang xử lý"] + [""] * 7 for i in range(50)]
    good = write_csv(tmp_path / "a.csv", [HEADER] + rows)
    bad = tmp_path / "b.csv"
    bad.write_bytes(good.read_bytes().replace(b"D49,", b"D\xff49,"))
    with pytest.raises(DataError) as e:
        streamed([bad], [], "2023-03", 5, 0)
    assert e.value.code in ("csv_encoding", "csv_mixed_encoding") and "b.csv" in str(e.value.params)
    dataset.SKIP_UNREADABLE = True
    try:
        got = streamed([good, bad], ["unit"], "2023-03", 5, 0)
    finally:
        dataset.SKIP_UNREADABLE = False
    assert [i.path for i in got.inputs if i.kind == "dossiers"] == [str(good)]
    assert got.count("new") == 50


def test_the_default_engine_streams_and_says_the_same_as_the_whole_path():
    res = api.compute([SAMPLES], by=["unit"], period="2023-03")
    assert res.dataset.streamed
    assert res.to_json() == whole([SAMPLES], ["unit"], "2023-03").to_json()
    # with a catalogue to join, the whole-frame path runs
    res = api.compute([SAMPLES], by=["unit"], period="2023-03", catalogue=SAMPLES.parent / "catalogue.xlsx")
    assert not res.dataset.streamed


# ------------------------------------------------------------------ the byte scan

CELLS = ["a", "", "bc", '"x,y"', '"x\ny"', '"a""b"', 'b"c', '"', '"d"e', "\r", '""', '"p\r\nq"', " ", "é"]


def _outcome(fn):
    try:
        raw = fn()
    except DataError as e:
        return ("error", e.code)
    return ("ok", raw.rows.tolist(), raw.frame.astype(object).values.tolist(), raw.bad_rows)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=4), min_size=0, max_size=8),
       ends=st.sampled_from(["\n", "\r\n"]), last=st.booleans(), chunk=st.sampled_from([3, 8, 1 << 20]),
       block_rows=st.sampled_from([1, 2, 1000]))
def test_blocks_read_what_the_strict_reading_reads(tmp_path, monkeypatch, lines, ends, last, chunk, block_rows):
    """Any arrangement of quotes, delimiters and line breaks: the file read in blocks (the
    byte scan finding the records) gives exactly what the strict csv reading of issue 12
    gives (the scan switched off) — the same rows and cells, or the same refusal."""
    from cchc_cli.reading.table import RawTable, trim_tail

    body = ends.join(",".join(cells) for cells in lines) + (ends if last else "")
    path = tmp_path / "f.csv"
    path.write_bytes(("Mã hồ sơ,Ngày tiếp nhận,Đơn vị" + ends + body).encode("utf-8"))
    m, u = DossierRecord, ColumnMap()

    def strict():
        with monkeypatch.context() as mp:
            mp.setattr(rcsv, "_scan", lambda h, target: (_ for _ in ()).throw(rcsv._Unclean()))
            return rcsv.read_csv(path, m, u)

    def in_blocks():
        monkeypatch.setattr(rcsv, "SCAN_CHUNK", chunk)
        try:
            parts = [r for _, r in rcsv.iter_csv_blocks(path, m, u, block_rows=block_rows)]
        except rcsv.ReadAgain:  # quotes the scan cannot vouch for, past the first block: as the engine does
            parts = [r for _, r in rcsv.iter_csv_blocks(path, m, u, block_rows=block_rows)]
            assert len(parts) == 1 and parts[0].trimmed
        if len(parts) == 1 and getattr(parts[0], "trimmed", False):
            return parts[0]
        import pandas as pd

        f = pd.concat([p.frame for p in parts], ignore_index=True)
        return trim_tail(RawTable(str(path), f, np.concatenate([p.rows for p in parts]), parts[0].layout,
                                  parts[0].mapping, bad_rows=[b for p in parts for b in p.bad_rows]))

    assert _outcome(in_blocks) == _outcome(strict)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=4), min_size=0, max_size=8),
       ends=st.sampled_from(["\n", "\r\n"]), last=st.booleans(), chunk=st.sampled_from([3, 8, 1 << 20]),
       target=st.sampled_from([None, 1, 10]))
def test_the_scans_blocks_are_whole_records(tmp_path, monkeypatch, lines, ends, last, chunk, target):
    """When the byte scan vouches for a file, its record count is the strict reading's
    (where that reading accepts the file), and its blocks are whole records: read block by
    block they give the csv module's records of the whole data area."""
    monkeypatch.setattr(rcsv, "SCAN_CHUNK", chunk)
    body = ends.join(",".join(cells) for cells in lines) + (ends if last else "")
    path = tmp_path / "f.csv"
    path.write_bytes(("Mã hồ sơ,Ngày tiếp nhận,Đơn vị" + ends + body).encode("utf-8"))
    h = rcsv._open_csv(path, DossierRecord, ColumnMap())
    try:
        blocks = rcsv._scan(h, target)
    except (rcsv._Unclean, DataError):
        return
    try:
        n = rcsv._check_quotes(rcsv._Stream(h.p, h.bom), h.delimiter, h.width, h.skip_records, h.shown)
        assert sum(b.records for b in blocks) == n
    except DataError as e:  # only a record of the wrong width holding a quote: pyarrow sees it ragged
        assert e.code == "csv_quote_unpaired"
    data = path.read_bytes()
    whole_recs = list(csv.reader(io.StringIO(data[h.start:].decode("utf-8"), newline="")))
    pieces = []
    for b in blocks:
        assert b.row0 == h.skip_records + len(pieces)
        part = list(csv.reader(io.StringIO(data[b.start:b.end].decode("utf-8"), newline="")))
        assert len(part) == b.records
        pieces += part
    assert pieces == whole_recs


def test_the_scan_is_the_strict_readings_count_on_a_real_shape(tmp_path):
    rows = [[f"D{i}", f"Phường {i % 3}, quận \"Ninh Kiều\"", "01/03/2023", "dòng\nhai" if i % 7 == 0 else "x"]
            for i in range(500)]
    path = write_csv(tmp_path / "f.csv", [["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Ghi chú"]] + rows)
    h = rcsv._open_csv(path, DossierRecord, ColumnMap())
    blocks = rcsv._scan(h, 2000)
    assert len(blocks) > 3 and sum(b.records for b in blocks) == 500
    raw = rcsv.read_csv(path, DossierRecord, ColumnMap())
    parts = [r for _, r in rcsv.iter_csv_blocks(path, DossierRecord, ColumnMap(), block_rows=37)]
    assert len(parts) > 3
    assert np.concatenate([p.rows for p in parts]).tolist() == raw.rows.tolist()
    assert [v for p in parts for v in p.frame.iloc[:, 0].tolist()] == raw.frame.iloc[:, 0].tolist()


# ------------------------------------------------------------------ diff: fingerprints first

STATUS_MOVES = ["Đã trả kết quả", "Đang xử lý", "Từ chối", ""]


def _mutate(rows, r: random.Random) -> list[list[str]]:
    """A later snapshot: some dossiers edited (status, dates, channel, unit), some gone,
    some new, some listed twice."""
    out = []
    for row in rows:
        x = r.random()
        if x < 0.1:
            continue  # removed
        row = list(row)
        if x < 0.4:
            i = r.choice([1, 2, 3, 4, 5, 6, 8, 9])
            row[i] = r.choice({1: ["Sở Tư pháp", "UBND phường Lê Bình"], 2: ["02/03/2023", "31/02/2023"],
                               3: ["", "12/03/2023 17:00"], 4: ["", "05/03/2023", "hôm qua"],
                               5: STATUS_MOVES, 6: ["Trực tuyến", "BCCI", "9"], 8: ["", "50.000", "x"],
                               9: ["Có", "Không", ""]}[i])
        out.append(row)
        if r.random() < 0.05:
            out.append(list(row))
    out += [[f"N{k}", "Sở Tư pháp", "03/03/2023", "", "", "Đang xử lý"] + [""] * 7 for k in range(r.randint(0, 3))]
    return out


@settings(max_examples=5, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(files=st.lists(export_rows(prefix="D", min_size=1, max_size=30), min_size=1, max_size=2),
       seed=st.integers(0, 2**16), block_rows=st.sampled_from([4, 10**6]))
def test_streamed_diff_equals_the_whole_frame_diff(tmp_path_factory, monkeypatch, files, seed, block_rows):
    from cchc_cli import compare

    tmp = tmp_path_factory.mktemp("d")
    r = random.Random(seed)
    (tmp / "old").mkdir()
    (tmp / "new").mkdir()
    for i, rows in enumerate(files):
        write_csv(tmp / "old" / f"f{i}.csv", [HEADER] + rows)
        write_csv(tmp / "new" / f"f{i}.csv", [HEADER] + _mutate(rows, r))
    monkeypatch.setattr(stream, "BLOCK_ROWS", block_rows)
    monkeypatch.setattr(stream, "CACHE_ROWS", 0)
    for kw in ({"by": ["unit"], "period": "2023-03"}, {"by": ["level"]}):
        try:
            with monkeypatch.context() as mp:
                mp.setattr(compare, "STREAMING", False)
                want = api.diff([tmp / "old"], [tmp / "new"], **kw)
        except DataError as e:
            with pytest.raises(DataError) as got:
                api.diff([tmp / "old"], [tmp / "new"], **kw)
            assert got.value.code == e.code
            continue
        got = api.diff([tmp / "old"], [tmp / "new"], **kw)
        assert got.old.dataset.streamed and got.new.dataset.streamed
        assert got.to_json() == want.to_json()
        same_side = api.diff([tmp / "old"], [tmp / "old"], **kw).dossiers
        assert (same_side.added, same_side.removed, same_side.changed) == (0, 0, 0)


def test_many_copies_are_resolved_in_buckets_on_disk(tmp_path, monkeypatch):
    """More candidate copies than ``SPILL_ROWS``: split by hash into buckets written to a
    temporary folder and resolved one at a time — the same kept copies, duplicates per file,
    conflicts (in the same order) and numbers as all at once."""
    r = random.Random(7)

    def row(i):
        return [f"D{i}", r.choice(["Sở Tư pháp", "UBND phường Lê Bình"]), f"0{1 + i % 9}/03/2023", "",
                r.choice(["", "05/03/2023"]), r.choice(["Đang xử lý", "Đã trả kết quả", ""])] + [""] * 7

    write_csv(tmp_path / "a.csv", [HEADER] + [row(i) for i in range(70)] + [row(3)])
    write_csv(tmp_path / "b.csv", [HEADER] + [row(i) for i in range(20, 90)])
    write_csv(tmp_path / "c.csv", [HEADER] + [row(i) for i in range(0, 90, 3)])
    want = same([tmp_path], ["unit"], "2023-03", 25, 0)
    monkeypatch.setattr(stream, "SPILL_ROWS", 7)
    got = same([tmp_path], ["unit"], "2023-03", 25, 0)
    assert got.to_json() == want.to_json() and got.dataset.conflict_count > 0


def test_a_file_whose_numbers_are_not_is_reported_with_the_others(tmp_path):
    """>5 % of a file's rows share a number and disagree (found once every file is read):
    reported as the whole-frame path reports it, and left out with --skip-unreadable."""
    from cchc_cli import dataset

    r = random.Random(3)
    rows = [[f"D{i % 10}", "Sở Tư pháp", f"0{1 + i % 9}/03/2023", "", "", r.choice(["Đang xử lý", "Từ chối"])]
            + [""] * 7 for i in range(60)]
    write_csv(tmp_path / "bad.csv", [HEADER] + rows)
    write_csv(tmp_path / "good.csv", [HEADER] + [[f"G{i}", "Sở Tư pháp", "02/03/2023", "", "", "Đang xử lý"]
                                                 + [""] * 7 for i in range(30)])
    same([tmp_path], ["unit"], "2023-03", 7, 0)
    dataset.SKIP_UNREADABLE = True
    try:
        got = same([tmp_path], ["unit"], "2023-03", 7, 0)
    finally:
        dataset.SKIP_UNREADABLE = False
    assert got.count("new") == 30


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), block_rows=st.sampled_from([3, 11, 1000]), crlf=st.booleans(), last_newline=st.booleans())
def test_single_records_read_again_are_those_of_the_block(tmp_path, data, block_rows, crlf, last_newline):
    """The second pass reads single records of a CSV block: the same cells, row numbers
    included, as the block read whole, whatever quotes and line breaks the cells hold."""
    rows = [[f"D{i}", NOTE_CELLS[i % len(NOTE_CELLS)], "01/03/2023"] for i in range(40)]
    path = tmp_path / "r.csv"
    write_csv(path, [["Mã hồ sơ", "Ghi chú", "Ngày tiếp nhận"]] + rows, newline="\r\n" if crlf else "\n")
    if not last_newline:
        path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    full = dict(rcsv.iter_csv_blocks(path, DossierRecord, ColumnMap(), block_rows=block_rows))
    for i, raw in full.items():
        want = np.asarray(sorted(data.draw(st.sets(st.sampled_from(raw.rows.tolist()), min_size=1))), dtype=np.int64)
        (j, part), = rcsv.iter_csv_blocks(path, DossierRecord, ColumnMap(), block_rows=block_rows, only={i},
                                          rows={i: want})
        keep = np.isin(raw.rows, want)
        assert j == i and part.rows.tolist() == raw.rows[keep].tolist()
        assert part.frame.astype(object).values.tolist() == raw.frame.loc[keep].astype(object).values.tolist()


def test_a_stray_quote_past_the_first_blocks_reads_the_file_again_the_strict_way(tmp_path, monkeypatch):
    """The byte scan gives blocks as it finds them; a quote it cannot vouch for far down the
    file makes the engine drop what it took and read the file whole, strictly — here the
    strict reading refuses the file (exit 3), as it always did."""
    monkeypatch.setattr(rcsv, "SCAN_CHUNK", 64)
    rows = [[f"D{i}", "Sở Tư pháp", "01/03/2023", "", "", "Đang xử lý"] + [""] * 7 for i in range(200)]
    path = write_csv(tmp_path / "a.csv", [HEADER] + rows)
    path.write_bytes(path.read_bytes().replace(b"D190,", b'D190,"x"y,', 1))
    with pytest.raises(DataError) as e:
        streamed([path], [], "2023-03", 5, 0)
    assert e.value.code == "csv_quote_unpaired"
    path.write_bytes(path.read_bytes().replace(b'D190,"x"y,', b'D190,x "y",', 1))  # a literal quote: read
    same([path], ["unit"], "2023-03", 5, 0)
