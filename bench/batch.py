"""Speed and memory of batch rulings, side by side with the per-case path (issue 8). Not a test: it prints figures.

    .venv/bin/python bench/batch.py                 # 1,000,000 workers, median of 5 runs (3 for end to end)
    .venv/bin/python bench/batch.py --workers 200000 --runs 3

Measures, on a generated roster (evaluator/batch/roster.py, seed 2018, as of 2025-01-01):
1. the vectorised evaluation itself (results and the basis codes that give every result's clause and
   interpretation ids), in rulings per second, and plain numpy doing only the salary arithmetic, for scale;
2. `policy batch ROSTER.csv --out RULINGS.parquet` end to end in a fresh process: wall time and peak memory;
3. the per-case path with full trace, warm, in one process (durable-rules and the reference evaluator);
4. the same traced path over the process pool (`policy batch --traced`), all cores;
5. `policy eval` of one case from a cold start.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator import api  # noqa: E402
from evaluator.batch import compile as bcompile  # noqa: E402
from evaluator.batch import executor, frame, io, roster, run  # noqa: E402
from evaluator.batch.facts import to_case_facts, worker_specs  # noqa: E402

AS_OF = dt.date(2025, 1, 1)
POLICY = str(Path(sys.executable).with_name("policy"))


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def child(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident MB, exit code of one fresh process."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    return time.perf_counter() - t, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sample", type=int, default=5000, help="workers for the per-case path")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    src = tmp / "roster.csv"
    roster.write(roster.generate(args.workers, 2018, AS_OF), src)
    repo = api.load(ROOT)
    specs = worker_specs(repo.schema_dir)
    ro = io.read_roster(src, specs, repo.schema_dir)
    prog = bcompile.compile_worker(repo, AS_OF)
    n = ro.facts.n
    figures = {"workers": n, "load_average": os.getloadavg()[0], "cores": os.cpu_count()}

    # 1. vectorised evaluation, and plain numpy on the salary arithmetic alone
    out = run.evaluate(prog, ro.facts)
    assert not out.error.any()
    t_vec = median_time(lambda: run.evaluate(prog, ro.facts), args.runs)
    c = ro.facts.columns
    tb = prog.t

    def plain_numpy():
        band = tb["band"][c["post"].values, c["years_of_service"].values]
        level = np.minimum(band + tb["raise_"][c["education"].values, c["certificate"].values],
                           tb["top"][c["post"].values])
        return np.where(c["on_probation"].values, tb["prob_base"], tb["base"][level])
    t_np = median_time(plain_numpy, args.runs)
    figures["vectorised_rulings_per_s"] = round(n / t_vec)
    figures["plain_numpy_salary_only_per_s"] = round(n / t_np)

    # 2. CSV in, Parquet out, end to end in a fresh process
    runs = [child([POLICY, "batch", str(src), "--as-of", AS_OF.isoformat(), "--out", str(tmp / "out.parquet")])
            for _ in range(max(1, min(3, args.runs)))]
    assert all(r[2] == 0 for r in runs), runs
    figures["csv_to_parquet_s"] = round(statistics.median(r[0] for r in runs), 3)
    figures["csv_to_parquet_peak_mb"] = round(max(r[1] for r in runs))

    # 3. per-case path with full trace, warm, one process
    m = min(args.sample, n)
    rows = [(int(ro.row[i]), ro.ids[i], to_case_facts(ro.facts, specs, i)) for i in range(m)]
    names = frame.result_names(prog)
    for engine in ("durable", "reference"):
        executor.rule_partition(str(ROOT), engine, AS_OF, names, rows[:200])  # warm up
        t = median_time(lambda: executor.rule_partition(str(ROOT), engine, AS_OF, names, rows), 3)
        figures[f"per_case_{engine}_warm_per_s"] = round(m / t)

    # 4. the traced path over the process pool (all cores), as `policy batch --traced` runs it
    sample = tmp / "sample.csv"
    roster.write(roster.generate(4 * m, 7, AS_OF), sample)
    for jobs in (1, os.cpu_count()):
        wall, _, code = child([POLICY, "batch", str(sample), "--as-of", AS_OF.isoformat(), "--out",
                               str(tmp / "traced.parquet"), "--traced", "--jobs", str(jobs)])
        assert code == 0
        figures[f"traced_pool_{jobs}_processes_per_s"] = round(4 * m / wall)

    # 5. one case from a cold start
    one = tmp / "one.yaml"
    one.write_text("id: one\nkind: worker\nas_of: 2025-01-01\nfacts: {post: principal, years_of_service: 12}\n")
    cold = [child([POLICY, "eval", str(one)]) for _ in range(5)]
    figures["cold_eval_one_case_s"] = round(statistics.median(r[0] for r in cold), 3)

    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
