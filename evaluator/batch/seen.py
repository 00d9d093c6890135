"""Worker ids used twice across the chunks of a roster, found exactly in memory that does not grow with the roster.

An id used twice within one chunk is found as in a whole file (io.repeated). Across chunks, nothing of the ids is
kept in memory while the roster is read: each chunk's ids (the first row of each id in the chunk) are spilled to a
temporary directory as a *run*: their 64-bit hashes, bucketed by the hash's top 16 bits (raw uint64, with the
run's row count per bucket), and beside them the rows' ordinals and the ids themselves (Arrow IPC, the same
order). After the last chunk, `IdRuns.across_chunks` checks the runs one hash partition at a time (a range of
buckets holding about PARTITION_ROWS ids, so that memory is one partition's, about 16 MB, whatever the roster's
size): a hash found in two runs is a candidate, and only the candidates' ids are read back and compared as text, so
the answer is that of comparing every id with every id. A roster that repeats no id across chunks (nearly every
roster) is then done: the rulings written as the chunks came are exact. One that does gets `Repeats`, the ordinals
of the rows whose id an earlier chunk has (spilled per partition, sorted), and stream.rule_roster rules the roster
a second time with them, so that those rows are rejected at their rows exactly as a whole-file reading rejects them.
The spill is about 35 bytes a row on disk with ids of 10 characters (a 10 M-row roster: about 350 MB), removed at the
end.
"""
from __future__ import annotations

import collections
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

from .io import repeated

BUCKET_BITS = 16
BUCKETS = 1 << BUCKET_BITS
SHIFT = np.uint64(64 - BUCKET_BITS)
SPILLING = 2  # chunks' runs waiting to be written, at most
PARTITION_ROWS = 1_048_576  # (2**20) ids checked at once after the last chunk (8 bytes each, sorted once)


class Spill:
    """A temporary directory of numbered files, removed by close()."""

    def __init__(self, prefix: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix=prefix)

    def path(self, name: str) -> Path:
        return Path(self._dir.name) / name

    def close(self) -> None:
        self._dir.cleanup()


class IdRuns:
    """The first reading of a roster: ids repeated within a chunk are found at once, and every chunk's ids are
    spilled for the check across chunks at the end (across_chunks)."""

    def __init__(self) -> None:
        self.rows = 0  # ordinals given out: rows of the chunks seen so far
        self.runs = 0
        self._spill: Spill | None = None
        # Runs are written on a thread of their own, in order, at most SPILLING behind: writing one waits on the
        # disk, which the checks of the next chunk need not do
        self._writer: ThreadPoolExecutor | None = None
        self._pending: collections.deque = collections.deque()
        self._check: Future | None = None  # the check across chunks (finish)

    def repeated(self, ids: pl.Series) -> np.ndarray:
        """True for each id of this chunk that an earlier row of this chunk has (earlier chunks: across_chunks)."""
        ids = ids.fill_null("")
        dup = repeated(ids)
        first = np.flatnonzero(~dup)
        if len(first):
            if self._writer is None:
                self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policy-batch-ids")
            while len(self._pending) >= SPILLING:
                self._pending.popleft().result()
            self._pending.append(self._writer.submit(
                self._run, ids.gather(first) if len(first) < len(ids) else ids, first + self.rows, self.runs))
            self.runs += 1
        self.rows += len(ids)
        return dup

    def finish(self) -> None:
        """The last chunk has been seen: the check across chunks starts now, on the thread that wrote the runs
        (after them), while the last chunks are ruled and written; across_chunks() gives its answer."""
        if self._check is None:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policy-batch-ids")
            runs, self._pending = list(self._pending), collections.deque()
            self._check = self._writer.submit(self._across_chunks, runs)

    def _run(self, ids: pl.Series, ordinals: np.ndarray, run: int) -> None:
        if self._spill is None:
            self._spill = Spill("policy-batch-ids-")
        h = ids.hash().to_numpy()
        top = (h >> SHIFT).astype(np.uint16)
        order = np.argsort(top, kind="stable")  # a radix sort of 16-bit keys
        h[order].tofile(self._spill.path(f"{run}.hash"))
        np.bincount(top, minlength=BUCKETS).astype(np.uint32).tofile(self._spill.path(f"{run}.count"))
        pl.DataFrame({"ordinal": ordinals[order].astype(np.int64), "id": ids.gather(order)}).write_ipc(
            self._spill.path(f"{run}.ipc"))

    def across_chunks(self) -> Repeats | None:
        """The rows whose id an earlier chunk has, or None when no id is repeated across chunks (worked out after
        the last chunk: finish())."""
        self.finish()
        return self._check.result()

    def _across_chunks(self, runs: list[Future]) -> Repeats | None:
        for written in runs:  # done before this task (one thread, in order): a failure to write one raised here
            written.result()
        if self.runs < 2:
            return None
        parts = int(min(BUCKETS, max(1, -(-self.rows // PARTITION_ROWS))))
        edges = np.linspace(0, BUCKETS, parts + 1).astype(np.int64)
        bounds = np.empty((self.runs, parts + 1), np.int64)  # each run's rows of each partition: [p] .. [p + 1]
        for r in range(self.runs):
            counts = np.fromfile(self._spill.path(f"{r}.count"), np.uint32)
            bounds[r] = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])[edges]
        files = []
        for p in range(parts):
            hashes = [self._hashes(r, bounds[r, p], bounds[r, p + 1]) for r in range(self.runs)]
            s = np.sort(np.concatenate(hashes))
            twice = np.unique(s[1:][s[1:] == s[:-1]])  # hashes of two rows (a repeat, or two ids of one hash)
            if not len(twice):
                continue
            later = self._later(p, hashes, bounds, twice)
            if len(later):
                files.append(self._spill.path(f"repeats-{p}.npy"))
                np.save(files[-1], later)
        return Repeats(files) if files else None

    def _hashes(self, run: int, start: int, stop: int) -> np.ndarray:
        return np.fromfile(self._spill.path(f"{run}.hash"), np.uint64, count=int(stop - start), offset=int(start) * 8)

    def _later(self, p: int, hashes: list, bounds: np.ndarray, twice: np.ndarray) -> np.ndarray:
        """The sorted ordinals of rows of partition p whose id an earlier run has, comparing the ids as text (each
        id is in a run once: its first row in the chunk)."""
        rows = []
        for r, h in enumerate(hashes):
            hit = np.flatnonzero(np.isin(h, twice))
            if len(hit):
                start = int(bounds[r, p])
                part = pl.scan_ipc(self._spill.path(f"{r}.ipc")).slice(start, len(h)).collect()
                rows.append(part[hit].with_columns(run=pl.lit(r, pl.Int64)))
        both = pl.concat(rows)
        later = both.filter(pl.col("run") > pl.col("run").min().over("id"))["ordinal"].to_numpy()
        return np.sort(later)

    def close(self) -> None:
        if self._writer is not None:
            for f in self._pending:
                f.cancel()
            if self._check is not None:
                self._check.cancel()
            self._writer.shutdown(wait=True)
            self._writer, self._pending, self._check = None, collections.deque(), None
        if self._spill is not None:
            self._spill.close()
            self._spill = None


class Repeats:
    """The second reading of a roster whose ids repeat across chunks: a row is repeated when an earlier row of its
    chunk has its id (as in the first reading) or its ordinal is one of those across_chunks found."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files  # in the IdRuns' spill: valid until it is closed
        self.rows = 0

    def finish(self) -> None:
        """Nothing is left to check after the last chunk."""

    def repeated(self, ids: pl.Series) -> np.ndarray:
        dup = repeated(ids.fill_null(""))
        lo, hi = self.rows, self.rows + len(ids)
        for f in self.files:
            later = np.load(f, mmap_mode="r")
            at = later[np.searchsorted(later, lo):np.searchsorted(later, hi)]
            dup[np.asarray(at) - lo] = True
        self.rows = hi
        return dup


class OneId:
    """For the rows of one worker id only (policy batch --explain): exact for the rows with that id, whose earlier
    rows in any chunk count; a row with another id is repeated only within its chunk."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.seen = False

    def finish(self) -> None:
        """Nothing is left to check after the last chunk."""

    def repeated(self, ids: pl.Series) -> np.ndarray:
        dup = repeated(ids.fill_null(""))
        mine = (ids == self.worker_id).fill_null(False).to_numpy()
        if self.seen:
            dup |= mine
        self.seen = self.seen or bool(mine.any())
        return dup
