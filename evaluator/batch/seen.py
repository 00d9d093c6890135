"""The worker ids of a roster read in chunks, so that an id used twice is found across chunks as it is within one,
exactly, in memory that does not hold the ids themselves.

Each chunk's ids are compared with those of every earlier chunk by their 64-bit hashes, kept sorted in numpy arrays
(8 bytes a worker: 80 MB for 10 million): a large one and a recent one, the recent merged into the large when it
reaches a quarter of its size, so that the large array is copied a few dozen times in a run, not once a chunk, and
the copy made by a merge is the only memory beyond the hashes themselves. Equal ids have equal hashes, so an id whose hash is new is new. An id
whose hash was seen (a real repeat, or, about once in 10^5 rosters of 10 million workers, two ids with one hash)
is compared as text with the earlier ids of that hash, which are read back from a spill file the chunk's ids were
written to (Parquet in a temporary directory, removed at the end): the answer is the same as comparing every id
with every id, and only rosters that do repeat an id pay for reading it back.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import polars as pl

from .io import repeated


class SeenIds:
    def __init__(self) -> None:
        self.hashes = np.empty(0, np.uint64)  # sorted, distinct
        self.recent = np.empty(0, np.uint64)  # sorted, distinct, none in self.hashes
        self._dir: tempfile.TemporaryDirectory | None = None
        self._files: list[Path] = []

    def repeated(self, ids: pl.Series) -> np.ndarray:
        """True for each id of this chunk that an earlier row (of this chunk or an earlier one) has; the chunk's
        ids are then remembered."""
        dup = repeated(ids)
        h = ids.hash().to_numpy()
        hit = _member(self.hashes, h) | _member(self.recent, h)
        if hit.any():
            earlier = (pl.scan_parquet(self._files).filter(pl.col("hash").is_in(pl.Series(h[hit]).implode()))
                       .select("id").collect()["id"])
            dup |= hit & ids.is_in(earlier.implode()).to_numpy()
        self._remember(ids, h, np.unique(h[~hit]))
        return dup

    def _remember(self, ids: pl.Series, h: np.ndarray, new: np.ndarray) -> None:
        if not len(h):
            return
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="policy-batch-ids-")
        path = Path(self._dir.name) / f"{len(self._files):06d}.parquet"
        pl.DataFrame({"hash": pl.Series(h, dtype=pl.UInt64), "id": ids}).write_parquet(path, compression="lz4")
        self._files.append(path)
        self.recent = _merged(self.recent, new)
        if len(self.recent) * 4 > len(self.hashes):
            self.hashes, self.recent = _merged(self.hashes, self.recent), np.empty(0, np.uint64)

    def close(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
        self._files = []


def _member(sorted_: np.ndarray, h: np.ndarray) -> np.ndarray:
    if not len(sorted_):
        return np.zeros(len(h), bool)
    return sorted_[np.minimum(np.searchsorted(sorted_, h), len(sorted_) - 1)] == h


def _merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two sorted arrays with no value in common as one, in one new array."""
    return np.insert(a, np.searchsorted(a, b), b) if len(b) else a
