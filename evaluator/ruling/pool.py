"""Ruling many cases in worker processes (`policy eval --jobs N`, or `auto`: see AUTO), the results given back in
the cases' order.

`in_order(fn, n, jobs)` yields fn(0), fn(1), …, fn(n-1): with one job in this process, with more in N forked
processes that inherit the loaded repository, the cases and the engine (nothing of them is pickled; only each
case's index goes out and its result comes back). The order, and so every byte written from the results, is that of
one process. Where the platform cannot fork, the cases are ruled in this process.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import threading

MAX_JOBS = 64  # more processes than this helps no machine this tool runs on; a larger --jobs is refused
CHUNK = 16  # cases handed to a process at a time: few round trips, and the order kept without a long wait
# `--jobs auto` (policy eval's default): the machine's cores, for a file of at least AUTO_MIN_CASES cases whose
# rulings come back as bytes (JSON written as it goes). Starting and stopping the processes took 27-42 ms here
# (2 cores, the repository loaded), the time of some 50-200 worker rulings; from 1,000 cases on it is a small part
# of what the second core saves. Rulings that come back as objects (the other formats, a decision log) cost more
# to send back than to make, so auto rules them in one process. At most AUTO_MAX_JOBS processes: each holds its
# own copy of what it touches of the repository (about 100 MB).
AUTO = 0
AUTO_MIN_CASES = 1_000
AUTO_MAX_JOBS = 8

_TASKS: dict = {}  # token -> the function the forked processes run (inherited at fork, never pickled)
_TOKENS = itertools.count()
_LOCK = threading.Lock()


def _run(job: tuple):
    token, i = job
    return _TASKS[token](i)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def chosen(jobs: int, n: int, sent_as_bytes: bool) -> int:
    """The processes to rule `n` cases with: `jobs` itself, or for AUTO the cores (at most AUTO_MAX_JOBS) where
    that pays (see AUTO_MIN_CASES), else one."""
    if jobs != AUTO:
        return jobs
    return min(cores(), AUTO_MAX_JOBS) if sent_as_bytes and n >= AUTO_MIN_CASES else 1


def in_order(fn, n: int, jobs: int = 1):
    """fn(i) for i in range(n), in order, computed by `jobs` processes (one: this process)."""
    if jobs <= 1 or n < 2 or not can_fork():
        for i in range(n):
            yield fn(i)
        return
    with _LOCK:
        token = next(_TOKENS)
        _TASKS[token] = fn
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, n)) as pool:
            yield from pool.imap(_run, ((token, i) for i in range(n)), CHUNK)
    finally:
        with _LOCK:
            _TASKS.pop(token, None)
