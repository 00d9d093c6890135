"""`policy batch` chunk by chunk (issue 16): a roster of several chunks ruled chunked gives the same rulings, rejects
and summary as the whole roster read and ruled at once, row for row, with every fault the whole-file reader finds
(structural lines, bad values, ids used twice across chunks) at the same rows."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import tempfile
import threading

import polars as pl
import pytest

from evaluator.batch import chunks, io, sample, stream, summary
from evaluator.batch import compile as bcompile
from evaluator.batch.facts import worker_specs
from evaluator.batch import seen as seen_mod
from evaluator.batch.seen import IdRuns
from evaluator.kinds.funding import area_codes
from evaluator.load.problems import PolicyInputError

from .conftest import run_policy

AS_OF = dt.date(2025, 1, 1)


def faulty_roster(n: int) -> tuple[pl.DataFrame, bytes]:
    """A sample roster with faults spread over its chunks: ids used twice (in one chunk and across chunks), a bad
    value, a hire date before the birth date, a short line, a blank line, a line that is not UTF-8, a quoted line."""
    df = sample.generate(n, 2018, AS_OF)
    ids = df["id"].to_list()
    ids[n - 5] = ids[3]  # across chunks
    ids[12] = ids[11]  # within a chunk
    df = df.with_columns(pl.Series("id", ids),
                         pl.when(pl.int_range(n) == 40).then(pl.lit("chief")).otherwise(pl.col("post")).alias("post"))
    lines = df.write_csv().encode().split(b"\n")
    lines[700] = lines[700].rsplit(b",", 1)[0]  # one field short
    lines.insert(900, b"")  # a blank line
    lines.insert(1300, b"u1,jin\xfffeng,principal,12,bachelor,,,,,")
    lines[1500] = b'"' + lines[1500].replace(b",", b'",', 1)  # a quoted id: the line-by-line path for its chunk
    return df, b"\n".join(lines)


def reference(repo, path, specs, areas, prog, out, rejects_path):
    """Today's whole-roster path: read at once, ruled at once, written at once."""
    ro = io.read_roster(path, specs, repo.schema_dir, areas)
    df, rejects = stream.rule_frame(prog, ro)
    io.write_rulings(df, out)
    io.write_rejects(rejects_path, rejects)
    s = summary.summarise(df, ro.rows, len({r[0] for r in rejects}))
    certs = summary.certificate_counts(ro.facts.columns["certificate"].values, specs["certificate"].enum)
    summary.policy_figures(s, summary.part(df), repo, AS_OF, certs)
    summary.district_figures(s, summary.part(df), bcompile.LAYER_RESULTS[0])
    return s, rejects


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_roster_ruled_in_chunks_equals_it_ruled_at_once(repo, tmp_path, suffix):
    df, raw = faulty_roster(2600)
    src = tmp_path / f"roster{suffix}"
    if suffix == ".csv":
        src.write_bytes(raw)
    else:
        df.write_parquet(src, row_group_size=300)
    specs = worker_specs(repo.schema_dir)
    areas = area_codes(repo, AS_OF)
    prog = bcompile.compile_worker(repo, AS_OF)
    s_all, rejects = reference(repo, src, specs, areas, prog, tmp_path / f"all{suffix}", tmp_path / "all.rejects.csv")
    twice = [r[0] for r in rejects if r[4] == "worker id used twice (see the first row with this id)"]
    assert twice == [13, 2596 + 2 * (suffix == ".csv")]  # the CSV has two lines more before it
    if suffix == ".csv":
        assert any(r[0] == 900 and "blank line" in r[4] for r in rejects)
        assert any("not valid UTF-8" in r[4] for r in rejects)

    for rows in (400, 999, 5000):
        out = tmp_path / f"chunked-{rows}{suffix}"
        st = stream.rule_roster(prog, src, specs, repo.schema_dir, areas, out, tmp_path / f"chunked-{rows}.rejects.csv",
                                True, rows, keep_rejects=16)
        assert st.chunks == -(-s_all["rows"] // rows)
        a, b = (io.read_rulings(p) for p in (tmp_path / f"all{suffix}", out))
        assert a.schema == b.schema and a.equals(b), rows
        assert (tmp_path / "all.rejects.csv").read_bytes() == (tmp_path / f"chunked-{rows}.rejects.csv").read_bytes()
        s = summary.finish(st.part, st.rows, st.rejected_rows)
        summary.policy_figures(s, st.part, repo, AS_OF, st.certificates)
        summary.district_figures(s, st.part, bcompile.LAYER_RESULTS[0])
        assert s == s_all and s["district_layer"]
        assert s["rows"] == s["ruled"] + s["rejected"]
        assert st.first_rejects == rejects[:16] and st.rejects == len(rejects)


def test_a_roster_repeating_its_ids_is_ruled_as_at_once(repo, tmp_path, monkeypatch):
    """Many repeats across chunks (the roster appended to itself, one id on 50 rows, an id of the first chunk again
    in the last): the second reading gives the rulings, rejects and summary of the whole roster at once."""
    monkeypatch.setattr(seen_mod, "PARTITION_ROWS", 64)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the spill, to see it removed
    df = sample.generate(700, 11, AS_OF)
    df = pl.concat([df, df.slice(0, 650)])
    ids = df["id"].to_list()
    ids[100:150] = ["same"] * 50
    ids[-1] = ids[2]
    df = df.with_columns(pl.Series("id", ids))
    src = tmp_path / "roster.csv"
    df.write_csv(src)
    specs = worker_specs(repo.schema_dir)
    areas = area_codes(repo, AS_OF)
    prog = bcompile.compile_worker(repo, AS_OF)
    s_all, rejects = reference(repo, src, specs, areas, prog, tmp_path / "all.parquet", tmp_path / "all.rejects.csv")
    assert sum(r[4].startswith("worker id used twice") for r in rejects) == 600 + 49  # the copies of rows 100-149 have ids no longer used
    out = tmp_path / "chunked.parquet"
    compiled = []  # the program given as what compiles it (as policy batch does): compiled once for both readings
    st = stream.rule_roster(lambda: compiled.append(1) or prog, src, specs, repo.schema_dir, areas, out,
                            tmp_path / "chunked.rejects.csv", True, 97, keep_rejects=16, taper=True)
    assert compiled == [1]
    assert pl.read_parquet(tmp_path / "all.parquet").equals(pl.read_parquet(out))
    assert (tmp_path / "all.rejects.csv").read_bytes() == (tmp_path / "chunked.rejects.csv").read_bytes()
    s = summary.finish(st.part, st.rows, st.rejected_rows)
    summary.policy_figures(s, st.part, repo, AS_OF, st.certificates)
    summary.district_figures(s, st.part, bcompile.LAYER_RESULTS[0])
    assert s == s_all and st.first_rejects == rejects[:16] and st.rejects == len(rejects)
    assert not list(tmp_path.glob("policy-batch-ids-*"))


def test_every_chunk_size_reads_the_same_lines(repo, tmp_path):
    """Down to one row a chunk; a last line without a line break; CRLF line ends."""
    df = sample.generate(40, 7, AS_OF)
    src = tmp_path / "r.csv"
    src.write_bytes(df.write_csv().replace("\n", "\r\n").encode().rstrip(b"\r\n"))
    specs = worker_specs(repo.schema_dir)
    whole = io.read_frame(src, specs)[0]
    for rows in (1, 3, 39, 40, 41):
        parts = list(chunks.read_chunks(src, specs, rows))
        assert [p.first for p in parts] == list(range(0, 40, rows))
        assert pl.concat([p.df for p in parts], how="vertical_relaxed").cast(pl.String).equals(whole.cast(pl.String))
        tapered = list(chunks.read_chunks(src, specs, rows, taper=True))
        assert pl.concat([p.df for p in tapered], how="vertical_relaxed").cast(pl.String).equals(
            whole.cast(pl.String))
        assert [p.first for p in tapered] == [0] + list(itertools.accumulate(p.lines for p in tapered[:-1]))


def test_a_tapered_roster_starts_and_ends_with_smaller_chunks(repo, tmp_path):
    """policy batch's chunks (chunks.Taper): a quarter of --chunk-rows, a half, then full ones, and about half of
    what is left at a time near the end, never under a quarter (but for the rest at the very end)."""
    src = tmp_path / "r.csv"
    sample.write(sample.generate(1000, 3, AS_OF), src)
    sizes = [p.lines for p in chunks.read_chunks(src, worker_specs(repo.schema_dir), 100, taper=True)]
    assert sum(sizes) == 1000 and max(sizes) == 100
    assert sizes[:4] == [25, 50, 100, 100] and min(sizes) >= 25
    assert max(sizes[-3:]) < 100 and sizes[-3] > sizes[-2]  # about half of what was left, then a quarter
    plan = chunks.Taper(100, size=100_000)  # lines of 100 bytes: 1,000 lines
    assert [plan.lines(b, 0, 0) for b in range(4)] == [25, 50, 100, 100]  # nothing read yet: no end in sight
    assert plan.lines(9, 600, 60_000) == 100 and plan.lines(9, 850, 85_000) == 75  # 150 left: half of them
    assert plan.lines(9, 900, 90_000) == 50 and plan.lines(9, 960, 96_000) == 65  # 40 left: all (and some)
    assert chunks.Taper(100).lines(9, 950, 95_000) == 100  # the file's size unknown


def repeats_in_chunks(chunks_: list[list[str]]) -> list[list[bool]]:
    """Each chunk's repeated-id mask: the first reading (IdRuns), then, when an id repeats across chunks, the
    second (Repeats), as stream.rule_roster reads a roster."""
    first = IdRuns()
    try:
        got = [first.repeated(pl.Series(c, dtype=pl.String)).tolist() for c in chunks_]
        again = first.across_chunks()
        if again is not None:
            got = [again.repeated(pl.Series(c, dtype=pl.String)).tolist() for c in chunks_]
        return got
    finally:
        first.close()


def everything_with_everything(chunks_: list[list[str]]) -> list[list[bool]]:
    seen: set = set()
    out = []
    for c in chunks_:
        out.append([])
        for i in c:
            out[-1].append((i or "") in seen)
            seen.add(i or "")
    return out


def test_ids_are_compared_across_chunks_exactly(monkeypatch):
    chunks_ = [["a", "b", "c"], ["d", "b", "d", "e"], ["a", "f"], [], ["g", None, "", "a"]]
    assert repeats_in_chunks(chunks_) == everything_with_everything(chunks_) == [
        [False] * 3, [False, True, True, False], [True, False], [], [False, False, True, True]]
    assert repeats_in_chunks([["a", "b"], ["c", "d"]]) == [[False, False], [False, False]]
    # small partitions: the check after the last chunk is made one hash range at a time
    monkeypatch.setattr(seen_mod, "PARTITION_ROWS", 7)
    chunks_ = [[f"w{(i * 7919 + k * 31) % 500}" for i in range(60)] for k in range(9)]
    assert repeats_in_chunks(chunks_) == everything_with_everything(chunks_)


def test_two_ids_of_one_hash_are_told_apart(monkeypatch):
    """Ids are compared as text where their hashes agree: with every hash made equal, only real repeats count."""
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: pl.Series(self.name, [7] * len(self), pl.UInt64))
    chunks_ = [["a", "b"], ["c", "a"], ["b", "d", "d"]]
    assert repeats_in_chunks(chunks_) == everything_with_everything(chunks_) == [
        [False, False], [False, True], [True, False, True]]


def test_a_roster_with_many_repeats_is_read_in_bounded_pieces(monkeypatch):
    """Every id many times over (a roster appended to itself, and one id on every row)."""
    monkeypatch.setattr(seen_mod, "PARTITION_ROWS", 50)
    ids = [f"w{i % 120}" for i in range(1000)] + ["same"] * 300
    chunks_ = [ids[k:k + 97] for k in range(0, len(ids), 97)]
    assert repeats_in_chunks(chunks_) == everything_with_everything(chunks_)
    assert sum(map(sum, repeats_in_chunks(chunks_))) == len(ids) - 121


def test_the_command_gives_the_same_files_for_any_chunk_size(tmp_path, monkeypatch):
    """The same rulings, rejects, summary and messages, and the rulings file the same to the byte (its row groups
    are cut at a fixed number of rows, not where the chunks were cut)."""
    monkeypatch.setattr(io, "ROW_GROUP_ROWS", 100)
    _, raw = faulty_roster(1600)
    src = tmp_path / "roster.csv"
    src.write_bytes(raw)
    got = []
    for rows in ("5", "333", "100000"):
        out = tmp_path / f"o{rows}.parquet"
        code, stdout, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out, "--chunk-rows", rows,
                                          "--summary", tmp_path / f"s{rows}.json")
        assert code == 2 and "Traceback" not in stderr
        s = json.loads((tmp_path / f"s{rows}.json").read_text())
        s.pop("seconds"), s.pop("out")
        got.append((pl.read_parquet(out), (tmp_path / f"o{rows}.rejects.csv").read_bytes(), s, stderr,
                    out.read_bytes()))
    for other in got[1:]:
        assert got[0][0].equals(other[0]) and got[0][1:] == other[1:]
    with pytest.raises(SystemExit) as exc:  # argparse's usage error
        run_policy("batch", src, "--as-of", "2025-01-01", "--out", tmp_path / "x.parquet", "--chunk-rows", "0")
    assert exc.value.code == 2 and not (tmp_path / "x.parquet").exists()


def test_the_rulings_file_is_the_same_to_the_byte_for_any_chunk_size(tmp_path):
    """Large enough for several row groups of the default size (a smaller file is one row group whatever its
    chunks): polars' sink, left to itself, cut them by its estimate of their bytes, which followed the chunks."""
    src = tmp_path / "roster.csv"
    sample.write(sample.generate(2 * io.ROW_GROUP_ROWS + 123, 5, AS_OF), src)
    files = []
    for rows in ("100000", "41000"):
        out = tmp_path / f"o{rows}.parquet"
        code, _, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out, "--chunk-rows", rows)
        assert code == 0, stderr
        files.append(out.read_bytes())
    assert files[0] == files[1]


def test_a_line_too_long_mid_roster_is_refused_and_leaves_no_output(tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "MAX_ROSTER_LINE_BYTES", 4096)
    monkeypatch.setattr(chunks, "READ_BYTES", 1024)
    df = sample.generate(300, 3, AS_OF)
    lines = df.write_csv().encode().split(b"\n")
    lines.insert(250, b"z" * 5000)
    src = tmp_path / "roster.csv"
    src.write_bytes(b"\n".join(lines))
    out = tmp_path / "o.parquet"
    code, stdout, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out, "--chunk-rows", "50")
    assert code == 2 and "Traceback" not in stderr
    assert f"{src}:251" in stderr and "over 4096 bytes" in stderr
    assert not out.exists() and not (tmp_path / "o.rejects.csv").exists()


def test_a_roster_of_no_rows_gives_an_empty_table_with_every_column(repo, tmp_path):
    src = tmp_path / "r.csv"
    src.write_text(sample.generate(3, 1, AS_OF).head(0).write_csv())
    out = tmp_path / "o.parquet"
    code, stdout, _ = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out)
    assert code == 0 and "0 of 0 workers ruled" in stdout
    assert pl.read_parquet(out).height == 0 and "salary.base_pay" in pl.read_parquet(out).columns
    with pytest.raises(PolicyInputError):
        list(chunks.read_chunks(tmp_path / "missing.csv", worker_specs(repo.schema_dir), 10))


def test_explain_reads_the_roster_in_chunks_and_finds_the_same_rows(tmp_path):
    _, raw = faulty_roster(1600)
    src = tmp_path / "roster.csv"
    src.write_bytes(raw)
    for worker, code_wanted, words in (("w0001550", 0, "Row 1553 of"), ("w0000003", 2, "row 1598 [worker w0000003] id"),
                                       ("nobody", 2, "no worker with id 'nobody'")):
        got = [run_policy("batch", src, "--as-of", "2025-01-01", "--explain", worker, "--chunk-rows", rows)
               for rows in ("7", "100000")]
        assert got[0] == got[1]
        code, stdout, stderr = got[0]
        assert code == code_wanted and words in stdout + stderr, (worker, stdout[:200], stderr)


def test_read_ahead_gives_every_item_in_order_and_raises_a_failure_in_its_place():
    made = []

    def items(fail_at=None):
        for i in range(50):
            if i == fail_at:
                raise PolicyInputError([])
            made.append(i)
            yield i

    assert list(chunks.read_ahead(items())) == list(range(50))
    got = []
    with pytest.raises(PolicyInputError):
        for i in chunks.read_ahead(items(fail_at=7)):
            got.append(i)
    assert got == list(range(7))  # every item before the failure, then the failure


def test_read_ahead_starts_making_items_before_the_first_is_asked_for():
    """policy batch reads and checks the first chunks while its program is compiled."""
    made = threading.Event()

    def items():
        made.set()
        yield from range(3)

    with chunks.read_ahead(items()) as ahead:
        assert made.wait(10)  # no next() yet
        assert list(ahead) == [0, 1, 2]


def test_read_ahead_stops_its_thread_and_closes_the_source_when_the_consumer_stops():
    closed = threading.Event()

    def items():
        try:
            yield from range(1000)
        finally:
            closed.set()

    ahead = chunks.read_ahead(items(), name="test-read-ahead")
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    ahead.close()
    assert closed.is_set()  # the source was closed at once, far from its end
    assert not any(t.name == "test-read-ahead" for t in threading.enumerate())
