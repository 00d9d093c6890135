"""`policy batch` in memory that does not grow with the roster: the roster is read chunk by chunk (batch/chunks.py),
each chunk is checked (io.check_frame; ids used twice across chunks: batch/seen.py), ruled by the one compiled
program, and written as it goes: the rulings to one Parquet file by polars' streaming sink (or to CSV, appended), the
rejected rows to the rejects CSV, and the totals folded into one summary part (summary.fold, exact). The rulings,
rejects and summary are those of ruling the whole roster at once, row for row (tests/test_batch_stream.py).

Threads share the work (chunks.read_ahead): one cuts and parses the chunk after next, one checks the next one (in
file order, for the ids seen so far; the ids are spilled on a thread of their own, seen.IdRuns, which also checks
them across chunks once the last is read), this one rules, frames and sums the current one, and the sink's
compresses and writes the one before. Fixed costs are overlapped too: the reading and checking threads start
before the program is compiled (rule_roster takes what compiles it), and `policy batch` cuts a CSV's first and
last chunks smaller (chunks.Taper), so that every thread has work sooner after the start and until nearer the end.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import polars as pl

from . import chunks, frame, io, run, summary
from .compile import Program
from .facts import to_case_facts
from .seen import IdRuns, OneId

CHUNK_ROWS = 100_000  # rows held at once: near full speed, peak memory about 450 MB (bench/batch.py)


@dataclass
class Streamed:
    rows: int = 0  # data rows of the file
    rejected_rows: int = 0
    rejects: int = 0
    first_rejects: list = field(default_factory=list)  # the first `keep_rejects` rejects (for printing)
    part: dict | None = None  # summary.part of every ruled row, folded
    certificates: dict = field(default_factory=dict)  # workers by certificate code (rows with usable facts)
    chunks: int = 0
    rejects_written: bool = False  # the rejects file was begun


def rule_frame(prog: Program, ro: io.Roster, look: frame.Lookups | None = None) -> tuple[pl.DataFrame, list]:
    """The rulings table of a checked roster (or chunk) and all its rejects (those of the reading, then the rows
    the program cannot rule on), in row order; `look`: the program's frame.lookups, when ruling many chunks."""
    out = run.evaluate(prog, ro.facts)
    keep = out.error == 0
    rejects = list(ro.rejects)
    bad = np.flatnonzero(~keep)
    for row, who, code in zip(ro.row[bad].tolist(), ro.ids.gather(bad).to_list(), out.error[bad].tolist()):
        fld, msg = prog.errors[code]
        rejects.append((row, who, fld, None, msg))
    rejects.sort(key=lambda r: r[0])
    head = {"row": ro.row[keep].astype(np.int64), "id": ro.ids.filter(pl.Series(keep))}
    if ro.area is not None:
        head["area"] = ro.area.filter(pl.Series(keep))
    return frame.vector_frame(prog, out, keep, head, look), rejects


def checked(path: Path, specs: dict, schema_dir, areas: list | None, chunk_rows: int, seen, taper: bool = False
            ) -> Iterator[io.Roster]:
    """The roster's chunks checked as worker cases, in file order (the header checked with the first); `taper`:
    a CSV's first and last chunks smaller (chunks.Taper). After the last chunk, `seen.finish()`."""
    grade_cols = None
    # the chunks are cut and parsed (CSV) on a thread of their own, a chunk ahead of the checks, which keep the
    # file's order (the ids seen so far)
    with chunks.read_ahead(chunks.read_chunks(path, specs, chunk_rows, taper), "policy-batch-parse") as parsed:
        for ch in parsed:
            if grade_cols is None:
                grade_cols = io.check_header(ch.df, specs, str(path))
            yield io.check_frame(str(path), ch.df, ch.file_rows(), ch.structural, specs, schema_dir, areas,
                                 grade_cols, seen)
    seen.finish()


def rule_roster(prog: Program | Callable[[], Program], path: Path, specs: dict, schema_dir, areas: list | None,
                out: Path, rejects_path: Path, always_rejects: bool, chunk_rows: int = CHUNK_ROWS,
                progress: Callable[[int], None] | None = None, keep_rejects: int = 0, taper: bool = False
                ) -> Streamed:
    """Rule the roster at `path` into `out` (.parquet, or .csv) and `rejects_path` (written when a row is rejected
    or `always_rejects`). A problem with the file itself (PolicyInputError) is raised before anything is written
    when it is in the header, and otherwise after the outputs begun are removed. `prog`: the compiled program, or
    what compiles it (called once, while the first chunks are read and checked); `taper`: a CSV's first and last
    chunks smaller (chunks.Taper), which `policy batch` asks for.

    The ids of every chunk are spilled as they come (batch/seen.py); when, at the end, an id turns out to be used
    in two chunks, the roster is ruled a second time knowing those rows, so that what is written is exact."""
    first = IdRuns()
    compiled: list[Program] = [] if callable(prog) else [prog]

    def program() -> Program:
        if not compiled:
            compiled.append(prog())
        return compiled[0]
    try:
        st = _rule_pass(program, path, specs, schema_dir, areas, out, rejects_path, always_rejects, chunk_rows,
                        progress, keep_rejects, first, taper)
        try:
            again = first.across_chunks()
            if again is not None:
                if st.rejects_written:
                    rejects_path.unlink()
                st = _rule_pass(program, path, specs, schema_dir, areas, out, rejects_path, always_rejects,
                                chunk_rows, progress, keep_rejects, again, taper)
        except BaseException:  # the files of the first reading are not exact: none is left
            out.unlink(missing_ok=True)
            if st.rejects_written:
                rejects_path.unlink(missing_ok=True)
            raise
        return st
    finally:
        first.close()


def _rule_pass(program: Callable[[], Program], path: Path, specs: dict, schema_dir, areas: list | None, out: Path,
               rejects_path: Path, always_rejects: bool, chunk_rows: int, progress, keep_rejects: int, seen,
               taper: bool) -> Streamed:
    """One reading of the roster, chunk by chunk, into the output files (rule_roster)."""
    st = Streamed()
    enum = specs["certificate"].enum
    rejects_fh = None
    # the chunks are read and checked on threads of their own from now on, one chunk ahead of the ruling: the
    # first ones while the program is compiled
    read = chunks.read_ahead(checked(path, specs, schema_dir, areas, chunk_rows, seen, taper))
    try:
        prog = program()
        look = frame.lookups(prog)
    except BaseException:
        read.close()
        raise

    def ruled() -> Iterator[pl.DataFrame]:
        nonlocal rejects_fh
        # the next chunk is read and checked on a thread of its own while this one is ruled and written
        for ro in read:
            df, rejects = rule_frame(prog, ro, look)
            st.rows += ro.rows
            st.chunks += 1
            st.part = summary.fold(st.part, summary.part(df))
            st.certificates = summary.add_counts(st.certificates, summary.certificate_counts(
                ro.facts.columns["certificate"].values, enum))
            if rejects:
                st.rejected_rows += len({r[0] for r in rejects})
                st.rejects += len(rejects)
                st.first_rejects += rejects[:keep_rejects - len(st.first_rejects)]
                if rejects_fh is None:
                    rejects_fh = open(rejects_path, "wb")
                    st.rejects_written = True
                io.append_rejects(rejects_fh, rejects, header=rejects_fh.tell() == 0)
            if progress is not None:
                progress(ro.rows)
            yield df

    frames = ruled()
    try:
        first = next(frames)  # the header is checked here: a roster that cannot be read leaves no output
        try:
            _write(first, frames, out)
        except BaseException:
            out.unlink(missing_ok=True)
            if rejects_fh is not None:
                rejects_fh.close()
                rejects_path.unlink(missing_ok=True)
                rejects_fh = None
            raise
        if rejects_fh is None and always_rejects:
            rejects_fh = open(rejects_path, "wb")
            st.rejects_written = True
            io.append_rejects(rejects_fh, [], header=True)
    finally:
        frames.close()
        read.close()  # stops the reading threads (chunks.ReadAhead) before the ids they check against go
        if rejects_fh is not None:
            rejects_fh.close()
    return st


def find(path: Path, specs: dict, schema_dir, areas: list | None, worker_id: str, chunk_rows: int = CHUNK_ROWS
         ) -> tuple[list, tuple | None]:
    """(the rejects of every row with this worker id, (row, facts) of the first such row read as a case or None),
    the roster read and checked chunk by chunk as rule_roster reads it (so an id used twice rejects its later rows
    here too)."""
    mine: list = []
    hit = None
    for ro in checked(path, specs, schema_dir, areas, chunk_rows, OneId(worker_id)):
        mine += [r for r in ro.rejects if r[1] == worker_id]
        at = np.flatnonzero((ro.ids == worker_id).to_numpy()) if hit is None and ro.facts.n else ()
        if len(at):
            hit = (int(ro.row[at[0]]), to_case_facts(ro.facts, specs, int(at[0])))
    return mine, hit


def _write(first: pl.DataFrame, rest: Iterator[pl.DataFrame], out: Path) -> None:
    """The frames into one file in order: CSV appended frame by frame, or Parquet through polars' streaming sink
    (row groups written as frames come). The sink runs on a thread of its own and takes the frames from a queue of
    two, so that the chunks are made on this thread (numpy's memory stays in one allocator arena) while the sink
    compresses and writes the one before; a frame that cannot be made ends the source, and the caller removes the
    file."""
    if out.suffix.lower() == ".csv":
        with open(out, "wb") as fh:
            first.write_csv(fh)
            for df in rest:
                df.write_csv(fh, include_header=False)
        return
    from polars.io.plugins import register_io_source

    frames: queue.Queue = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def source(with_columns, predicate, n_rows, batch_size) -> Iterator[pl.DataFrame]:
        # the sink asks for every column, in full: a projection, were one asked, is still honoured
        while (df := frames.get()) is not None:
            yield df if with_columns is None else df.select(with_columns)

    def sink() -> None:
        try:
            io.sink_rulings(register_io_source(source, schema=first.schema), out)
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
            failed.append(exc)

    writer = threading.Thread(target=sink, name="policy-batch-sink", daemon=True)
    writer.start()

    def put(df) -> None:
        while writer.is_alive():
            try:
                frames.put(df, timeout=0.2)
                return
            except queue.Full:
                continue

    try:
        put(first)
        for df in rest:
            put(df)
            if failed:
                break
    finally:
        put(None)
        writer.join()
    if failed:
        raise failed[0]
