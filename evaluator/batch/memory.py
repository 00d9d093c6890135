"""Keep the memory numpy frees inside the process for the length of a batch run.

A million-row step allocates arrays of several MB each. glibc serves those by mmap (or trims the heap back to the
system on free), so every fresh array is page-faulted in again: measured here that was about half of the vectorised
evaluation's time (bench/batch.py: ~12M rulings/s of CPU time without, ~24M/s with). Raising the mmap and trim
thresholds lets freed arrays be reused. Only `policy batch` and the benchmark call this; elsewhere (no glibc) it does
nothing. Peak memory is unchanged: what is kept is what the run already used.
"""
from __future__ import annotations

import ctypes

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc malloc.h
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc's upper bound on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 1024 * 1024 * 1024


def keep_freed_memory() -> bool:
    """True when the allocator took the settings."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
