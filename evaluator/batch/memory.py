"""Keep the memory numpy frees inside the process for the length of a batch run, in few allocator arenas.

A million-row step allocates arrays of several MB each. glibc serves those by mmap (or trims the heap back to the
system on free), so every fresh array is page-faulted in again: measured here that was about half of the vectorised
evaluation's time (bench/batch.py: ~12M rulings/s of CPU time without, ~24M/s with). Raising the mmap and trim
thresholds lets freed arrays be reused. Kept memory is only reused by the arena it was freed in, though, and glibc
gives each new thread an arena of its own (up to 8 a core): the threads that check a chunk's columns side by side
(io.check_frame) and the Parquet sink's thread each kept a chunk's worth of freed memory in arenas of their own, and
which arena a thread got changed from chunk to chunk, so that the process's peak crept up with the roster. At most
two arenas (M_ARENA_MAX) measured the same CPU time and about 65 MB less peak on a 4 M-worker roster, with no creep.
Only `policy batch` and the benchmark call this; elsewhere (no glibc) it does nothing.
"""
from __future__ import annotations

import ctypes

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc malloc.h
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc's upper bound on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 1024 * 1024 * 1024
ARENAS = 2  # the main thread's and one for every other thread


def keep_freed_memory() -> bool:
    """True when the allocator took the settings."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return (bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
            and bool(mallopt(M_ARENA_MAX, ARENAS)))
