"""A roster read in chunks of rows, so that `policy batch` holds one chunk at a time whatever the roster's size.

A CSV is read in blocks of bytes cut at a line break after `rows` lines (a cell never holds a line break, so a line
is never split and a multi-byte character never is either); each block, behind the header line, goes through the
same reader as a whole file (io.read_frame's steps: the plain fast path, or the line-by-line check of
load/csv_lines.py with a rejected row for each faulty line), and its row numbers are those of the file. A Parquet
roster is read in batches of rows by polars. Every chunk is then checked by io.check_frame, as a whole file is.

`policy batch` tapers a CSV's chunks (Taper): the first ones and the last ones are smaller than `--chunk-rows`, so
that the threads that read, check, rule and write a chunk each have work sooner after the start and stay busy
until nearer the end (a chunk's rows pass through four threads one after the other: with full-size chunks, the
first ruling waited for a whole chunk to be parsed and checked, and the last chunk's checking, ruling and writing
ran mostly one thread at a time). What is ruled is the same for any cut.
"""
from __future__ import annotations

import io as bytes_io
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Iterator, TypeVar

import numpy as np
import polars as pl

from ..load import csv_lines
from ..load.limits import MAX_ROSTER_LINE_BYTES, MAX_STREAMED_ROSTER_BYTES
from ..load.problems import PolicyInputError, Problem
from . import io

READ_BYTES = 8 * 1024 * 1024  # one read() from the file
POLL_SECONDS = 0.2  # how long a read_ahead thread waits before it looks again whether its consumer has stopped
T = TypeVar("T")


@dataclass
class Chunk:
    df: pl.DataFrame
    rows: np.ndarray | None  # 1-based row in the file of each frame row; None: first + 1 .. first + height
    structural: list  # rejected lines: (row, first cell, "", None, reason)
    first: int  # data rows of the file before this chunk
    lines: int  # data rows of the file in this chunk (the frame's and the rejected ones)

    def file_rows(self) -> np.ndarray:
        return np.arange(self.first + 1, self.first + self.df.height + 1) if self.rows is None else self.rows


@dataclass(frozen=True)
class Taper:
    """The data lines of each block of a CSV: `rows` (a full chunk), but the first blocks a quarter and a half of
    it, and, once fewer than two full chunks are left by the lines' mean length so far, about half of what is left
    at a time, down to a quarter (and the rest in one block once less than that would be left). `size`: the file's
    bytes (0: unknown, no taper at the end). Each block costs some ms whatever its rows: at 1 M rows the taper's
    three blocks more cost about 0.1 CPU-s (3%), while the first ruling came 0.13-0.27 s after the program was
    compiled instead of 0.8 s (measured on this machine shared and loaded)."""

    rows: int
    size: int = 0

    def lines(self, block: int, lines_done: int, bytes_done: int) -> int:
        """The lines wanted in block number `block` (0: the first behind the header), `lines_done` data lines and
        `bytes_done` bytes (the header's included) of the file given out before it."""
        least = max(1, self.rows // TAPER_PARTS)
        want = min(self.rows, least << min(block, TAPER_PARTS.bit_length()))
        if lines_done and self.size > bytes_done:
            left = (self.size - bytes_done) * lines_done // bytes_done  # lines left, by the mean length so far
            if left < 2 * self.rows:
                want = min(want, max(least, -(-left // 2)))
                if left - want < least:  # no block of a few lines at the end: the rest in this one
                    want = left + least
        return want


TAPER_PARTS = 4  # the smallest block of a tapered CSV is a quarter of a chunk


def read_chunks(path: Path, specs: dict, rows: int, taper: bool = False) -> Iterator[Chunk]:
    """The roster's chunks of at most `rows` data rows, in file order; at least one (perhaps of no rows). `taper`:
    a CSV's first and last chunks smaller (Taper)."""
    shown = str(path)
    if not path.is_file():
        raise PolicyInputError([Problem(shown, 0, 0, "the roster file does not exist", "not_found")])
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            yield from _parquet_chunks(path, specs, rows)
            return
        if suffix == ".csv":
            yield from _csv_chunks(path, shown, rows, {n: io.TYPED[s.type] for n, s in specs.items()
                                                       if s.type in io.TYPED}, taper)
            return
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise PolicyInputError([Problem(shown, 0, 0, f"cannot read the roster: {str(exc).splitlines()[0]}",
                                        "unreadable")]) from None
    raise PolicyInputError([Problem(shown, 0, 0, f"a roster is a .csv or .parquet file, not '{path.suffix}'",
                                    "unreadable")])


def _parquet_chunks(path: Path, specs: dict, rows: int) -> Iterator[Chunk]:
    first = 0
    frames = pl.scan_parquet(path).collect_batches(chunk_size=rows, maintain_order=True)
    for df in frames:
        df = df.select(io.parquet_column(df[c], specs.get(c)) for c in df.columns)
        yield Chunk(df, None, [], first, df.height)
        first += df.height
    if first == 0:  # a roster of no rows still has its columns
        df = pl.read_parquet(path)
        yield Chunk(df.select(io.parquet_column(df[c], specs.get(c)) for c in df.columns), None, [], 0, 0)


def _csv_chunks(path: Path, shown: str, rows: int, typed: dict, taper: bool) -> Iterator[Chunk]:
    with open(path, "rb") as fh:
        plan = Taper(rows, os.fstat(fh.fileno()).st_size) if taper else None
        blocks = _blocks(fh, shown, rows, plan)
        head = b"".join(next(blocks)[0])  # the header line, with its line break
        first = 0
        for block, breaks in blocks:
            lines = breaks + (not block[-1].endswith(b"\n"))  # the last line of the file may have no break
            chunk = _csv_chunk(b"".join([head, *block]), shown, first, typed, lines)
            first += chunk.lines
            yield chunk
        if first == 0:
            yield _csv_chunk(head, shown, 0, typed, 0)


def _blocks(fh, shown: str, rows: int, plan: Taper | None = None) -> Iterator[tuple[list[bytes], int]]:
    """The header line, then blocks of `rows` lines each (the last may be shorter; `plan`: as many as it says
    instead), each as a list of byte strings to join with the number of line breaks in them, read through the byte
    bounds. Line breaks are counted as each piece comes; only the piece a block ends in is searched for where it
    ends."""
    pieces: list[tuple[bytes, int]] = []  # read and not yet given out, with their line breaks
    breaks = 0  # line breaks in pieces
    total, tail, line, want = 0, 0, 1, 1  # the first block is the header line
    given, block = 0, 0  # bytes given out; blocks given out behind the header
    while True:
        piece = fh.read(READ_BYTES)
        total += len(piece)
        if total > MAX_STREAMED_ROSTER_BYTES:
            raise PolicyInputError([Problem(shown, 0, 0, f"the roster is over the limit of "
                                            f"{MAX_STREAMED_ROSTER_BYTES} bytes; refused", "too_large")])
        if not piece:
            break
        k = int(np.count_nonzero(np.frombuffer(piece, np.uint8) == 10))  # twice as fast as bytes.count
        tail = len(piece) - 1 - piece.rindex(b"\n") if k else tail + len(piece)  # bytes since the last break
        if tail > MAX_ROSTER_LINE_BYTES:
            raise PolicyInputError([Problem(shown, line + breaks + k, 1, f"the line is over "
                                            f"{MAX_ROSTER_LINE_BYTES} bytes long; refused", "too_large")])
        pieces.append((piece, k))
        breaks += k
        while breaks >= want:  # the block ends in the last piece
            last, k = pieces.pop()
            before = breaks - k
            at = np.flatnonzero(np.frombuffer(last, np.uint8) == 10)
            cut = int(at[want - before - 1]) + 1
            yield [p for p, _ in pieces] + [last[:cut]], want
            given += sum(len(p) for p, _ in pieces) + cut
            line += want
            pieces = [(last[cut:], k - (want - before))] if cut < len(last) else []
            block += line - want > 1  # a data block (the header is line 1)
            breaks = breaks - want
            want = rows if plan is None else plan.lines(block, line - 2, given)
    if pieces or want == 1:
        yield [p for p, _ in pieces], breaks  # the last lines (no break after the last), or a header without one


def _csv_chunk(raw: bytes, shown: str, first: int, typed: dict, lines: int) -> Chunk:
    """One block behind the header (`lines`: its data lines, counted as it was read), read as io.read_frame reads
    a whole file, with row numbers of the file."""
    if io.plain_csv(raw, lines):
        try:
            return Chunk(io.read_csv(bytes_io.BytesIO(raw), typed), None, [], first, lines)
        except pl.exceptions.PolarsError:
            pass
    split = csv_lines.split(raw, shown)
    rejects = [(n - 1 + first, cell, "", None, why) for n, cell, why in split.rejects]
    rejects += [(n - 1 + first, "", "", None, "a blank line: no worker") for n in split.blank]
    df = io.read_csv(bytes_io.BytesIO(split.clean()), typed)
    return Chunk(df, np.flatnonzero(split.ok) + 1 + first, sorted(rejects), first, split.data_lines)


def read_ahead(items: Iterator[T], name: str = "policy-batch-read") -> "ReadAhead[T]":
    """The items of `items`, in order, made on a thread of their own (ReadAhead, started at once)."""
    return ReadAhead(items, name)


class ReadAhead(Generic[T]):
    """The items of `items`, in order, made on a thread of their own one item ahead of the consumer: the next chunk
    is read and checked while this one is ruled and written (polars and numpy let go of the GIL as they work, so
    the two keep both cores busy). The thread starts at once, so that the first items are being made while the
    consumer gets ready (`policy batch` compiles its program meanwhile). At most two items beyond the consumer's are
    held (the one waiting and the one being made). An exception raised making an item is raised here, in its place
    in the order; close() (also at the end, on a failure, and on leaving a `with`) stops the thread, and the
    iterator `items` is closed on it."""

    def __init__(self, items: Iterator[T], name: str = "policy-batch-read") -> None:
        self._ready: queue.Queue = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._items = items
        self._maker = threading.Thread(target=self._make, name=name, daemon=True)
        self._maker.start()

    def _make(self) -> None:
        items = self._items
        try:
            for item in items:
                if not _offer(self._ready, (item, None), self._stop):
                    return
            _offer(self._ready, (_END, None), self._stop)
        except BaseException as exc:  # noqa: BLE001 - raised again on the consumer's thread
            _offer(self._ready, (_END, exc), self._stop)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> "ReadAhead[T]":
        return self

    def __next__(self) -> T:
        if self._stop.is_set():
            raise StopIteration
        item, exc = self._ready.get()
        if item is _END:
            self.close()
            if exc is not None:
                raise exc
            raise StopIteration
        return item

    def close(self) -> None:
        self._stop.set()
        while self._maker.is_alive():  # the maker may be waiting to hand over an item: take it so that it sees the stop
            try:
                self._ready.get(timeout=POLL_SECONDS)
            except queue.Empty:
                pass
        self._maker.join()

    def __enter__(self) -> "ReadAhead[T]":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_END = object()


def _offer(ready: queue.Queue, item, stop: threading.Event) -> bool:
    """Put `item` when there is room, unless the consumer has stopped (False)."""
    while not stop.is_set():
        try:
            ready.put(item, timeout=POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False
