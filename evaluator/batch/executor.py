"""The traced per-case path over a roster, on any concurrent.futures.Executor.

The roster is cut into partitions of independent rows; each task loads the repository once per process (cached),
rules on its rows with the full trace exactly as `policy eval` does, and returns one row of the rulings table per
worker (and, on request, the full rulings). Order is kept, so the result is identical to a single-process run.
Executors: the standard library's process pool (default), or Dask distributed (`--cluster local` starts a local
cluster of the machine's cores; `--cluster ADDRESS` or DASK_SCHEDULER_ADDRESS joins a running scheduler; this package
and the repository must be installed at the same path on the scheduler and every worker).
"""
from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager

from ..repo import repository
from ..engine import engines
from ..cases.files import Case
from ..kinds.errors import RulingError
from ..render.notes import worded
from ..ruling.evaluate import evaluate

_CACHE: dict = {}


def repo_and_engine(root: str, engine: str, assume_adopted=()):
    """The repository at root (with the drafts a hypothetical state takes as adopted) and the engine, loaded once
    per process."""
    key = (root, engine, tuple(sorted(assume_adopted)))
    if key not in _CACHE:
        _CACHE[key] = (repository.load(root, assume_adopted=key[2]), engines.make(engine))
    return _CACHE[key]


def case_of(worker_id: str, facts: dict, as_of: dt.date) -> Case:
    return Case(worker_id, "worker", as_of, facts, facts, None, None, ())


def rule_partition(root: str, engine: str, as_of: dt.date, names: list, rows: list, full: bool = False,
                   assume_adopted=()) -> list:
    """rows: (row number, worker id, facts) -> (row number, worker id, table row or None, error or None, ruling).
    `assume_adopted`: the drafts the caller's repository takes as adopted (repository.load), so that the traced
    rows are ruled in the same state as the vectorised ones."""
    from .frame import ruling_row

    repo, eng = repo_and_engine(root, engine, assume_adopted)
    out = []
    for row, wid, facts in rows:
        try:
            # The table row holds results and their clauses, not the notes on other readings: those re-rule the
            # case once per alternative reading (5x the work), so they are made only for the full rulings.
            r = worded(evaluate(case_of(wid, facts, as_of), repo, eng, compare_readings=full))
        except RulingError as exc:
            out.append((row, wid, None, str(exc), None))
            continue
        out.append((row, wid, ruling_row(r, names), None, r if full else None))
    return out


@contextmanager
def executor(cluster: str | None = None, jobs: int | None = None):
    """The process pool, or a Dask client's executor for a local cluster or a scheduler address."""
    if not cluster:
        with ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as ex:
            yield ex
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RulingError("--cluster needs Dask distributed: pip install 'yinchuan-community-policy[dask]'") from None
    if cluster == "local":
        with LocalCluster(n_workers=jobs or os.cpu_count(), threads_per_worker=1, processes=True,
                          dashboard_address=None) as lc, Client(lc) as client:
            yield client.get_executor()
    else:
        with Client(cluster) as client:
            yield client.get_executor()


def run(ex: Executor, root: str, engine: str, as_of: dt.date, names: list, rows: list, partition: int,
        full: bool = False, progress=None, assume_adopted=()) -> list:
    parts = [rows[i:i + partition] for i in range(0, len(rows), partition)]
    adopted = tuple(sorted(assume_adopted))
    futures = {ex.submit(rule_partition, root, engine, as_of, names, p, full, adopted): i
               for i, p in enumerate(parts)}
    done: dict = {}
    for f in as_completed(futures):
        done[futures[f]] = f.result()
        if progress is not None:
            progress.update(len(done[futures[f]]))
    return [r for i in range(len(parts)) for r in done[i]]
