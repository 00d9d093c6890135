"""Speed and memory of batch rulings, side by side with the per-case path (issues 8 and 16). Not a test: it prints
figures.

    .venv/bin/python bench/batch.py                 # 1,000,000 workers, median of 5 runs; rosters of 1, 4, 10 M
    .venv/bin/python bench/batch.py --quick         # under a minute: 200,000 workers; rosters of 0.1, 0.4, 1 M
    .venv/bin/python bench/batch.py --json          # the common bench output (bench/report.py): one JSON object
    .venv/bin/python bench/batch.py --quick --scale-only --code ../main   # the scale rows with main's evaluator

Measures, on a generated roster (evaluator/batch/sample.py, seed 2018, as of 2025-01-01):
1. the vectorised evaluation itself (results and the basis codes that give every result's clause and
   interpretation ids), in rulings per second; beside it plain numpy doing only the salary lookup (the issue's
   "plain numpy" figure, for scale) and plain numpy computing the same nine results the obvious way (values
   only, checked equal to the evaluator's), once with datetime64 arithmetic for the certificate date and once with
   the evaluator's own per-day date tables, with the ratio of the times (evaluator / plain numpy);
2. `policy batch ROSTER.csv --out RULINGS.parquet` end to end in a fresh process: see 6;
3. the per-case path with full trace, warm, in one process (durable-rules and the reference evaluator), as
   `policy batch --traced` rules (no notes on alternative readings: the table does not carry them) and as
   `policy eval` rules (each case re-ruled under every other executable reading, for those notes);
4. the same traced path over the process pool, 1 process and all cores, on --pool-rows rows, timed after every
   pool process has loaded the repository (start-up is not ruling rate; --traced pays it once per process);
5. `policy eval` of one case from a cold start (a fresh process; the repository read back from its cache,
   load/doc_cache.py, which this bench's own load has written, as any run after the first reads it);
6. `policy batch ROSTER.csv --out RULINGS.parquet` on rosters of 1x, 4x and 10x the workers (--scale; generated
   chunk by chunk, unique ids, deleted afterwards), one fresh process each (start-up included, the repository
   from its cache as in 5): seconds and CPU-seconds per million
   workers, peak memory, and the slopes 1x -> 10x (time for 10x the work: 10 is linear; peak memory: 1 is
   constant).
Times are medians (the per-case rate and the end-to-end time also show the best run); CPU time (of this process,
or user + system of the child) is given beside wall time, because on a shared machine wall time also counts waiting
for a core, and this machine has spells of seconds in which the same work takes up to twice as long.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import _rows  # bench/_rows.py, the common output (run as bench/NAME.py, so bench/ is on the path)

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator import api  # noqa: E402
from evaluator.batch import compile as bcompile  # noqa: E402
from evaluator.batch import executor, frame, io, memory, sample as roster, run  # noqa: E402
from evaluator.batch.facts import Column, to_case_facts, worker_specs  # noqa: E402
from evaluator.ruling.evaluate import evaluate  # noqa: E402

AS_OF = dt.date(2025, 1, 1)
POLICY = [sys.executable, "-m", "evaluator.cli.main"]  # this checkout's (bench/report.py sets PYTHONPATH)
# "Constant" peak memory, 1x -> 10x the workers: nothing held grows with the roster, and what the allocators keep
# varies from run to run by about +-15 MB around 450 MB (the same roster, one run after another, shared machine),
# so a tenth more is the most that is not growth
MEMORY_SLOPE = 1.1


def all_times(fn, runs: int) -> tuple[list, list]:
    """Wall and CPU seconds (this process) of each of `runs` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def median_time(fn, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `runs` calls."""
    wall, cpu = all_times(fn, runs)
    return statistics.median(wall), statistics.median(cpu)


# Started from this (large) process, a child's ru_maxrss counts this process's memory too: the child shares it
# (vfork) until exec, and Linux keeps that high-water mark. So the command is started by a small Python process of
# its own, which reports the command's usage: peak memory is then the command's.
SHIM = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); _, st, ru = os.wait4(p.pid, 0); "
        "print(ru.ru_maxrss, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(st))")


def child(cmd: list[str], code: Path = ROOT) -> tuple[float, float, int, float]:
    """Wall seconds, peak resident MB, exit code and CPU seconds (user + system) of one fresh process, which
    imports the evaluator of the checkout `code` (run from it, and first on its path)."""
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-S", "-c", SHIM, *cmd], capture_output=True, text=True, cwd=code,
                         env=env, check=True).stdout.split()
    return time.perf_counter() - t, int(out[0]) / 1024, int(out[2]), float(out[1])


def rates(figures: dict, name: str, count: int, wall_cpu: tuple[float, float]) -> None:
    figures[f"{name}_per_s"] = round(count / wall_cpu[0])
    figures[f"{name}_per_cpu_s"] = round(count / wall_cpu[1])


def plain_numpy_same_results(prog, facts, day_tables: bool = False) -> dict:
    """The same nine results, values only, as plain numpy written the obvious way: no error codes, no clause
    columns, fancy indexing and np.where, datetime64 arithmetic for the certificate date. Figures come from the
    compiled program's lookup tables and the exit grounds from its condition closures (numpy comparisons), so the
    arithmetic is the same and only its organisation differs. result -> (values, present).

    With `day_tables` the certificate date comes from the evaluator's own per-day tables (run.certificate_due), so
    the two differ only in error codes, clause columns and how the lookups are laid out."""
    tb, c, n = prog.t, facts.columns, facts.n
    post, years = c["post"].values, c["years_of_service"].values
    # probation from the hire date (五、(九)) and the capped level are the worker's steps as the compiled program
    # tabulates them (kinds/worker.py): the comparator reads them as it reads the other lookup tables
    prob = run.probation(tb, np.zeros(n, np.int16), post, c["on_probation"], c["hire_date"], prog.as_of)
    band = tb["band"][post, years]
    level = tb["level"].reshape(tb["band"].shape + tb["raise_"].shape)[post, years, c["education"].values,
                                                                       c["certificate"].values]
    base = np.where(prob, tb["prob_base"], tb["base"][level])
    stars = c["party_org_stars"]
    allow = np.where(prob, tb["prob_allow"], tb["allow"][np.where(stars.present, stars.values, 0)])
    pension = c["pension_monthly"]
    top_up = np.maximum(base * 100 - np.where(pension.present, pension.values, 0), tb["retiree_min_cents"])
    # certificate: max(hire, scheme start) plus the years allowed (29 Feb -> 28 Feb), if aged max_age or under
    birth, hire = c["birth_date"], c["hire_date"]
    if day_tables:
        due, subject = run.certificate_due(tb, birth, hire)
    else:
        due, subject = _certificate_due(tb, birth, hire)
    cols = dict(c)
    unq = prog.specs["assessments"].enum.index("unqualified")
    everyone = np.ones(n, bool)
    cols["unqualified_streak"] = Column(run.unqualified_streak(facts.grades, prog.as_of.year, n, unq), everyone)
    cols["certificate_held"] = Column(c["certificate"].values != prog.specs["certificate"].enum.index("none"),
                                      everyone)
    cols["certificate_days_overdue"] = Column((np.datetime64(prog.as_of, "D") - due).astype(np.int64), subject)
    out = {"salary.band_level": (band, everyone), "salary.level": (level, ~prob),
           "salary.base_pay": (base, everyone), "salary.performance_allowance": (allow, stars.present),
           "salary.retiree_top_up": (top_up, c["retired"].values), "honor.award": (tb["award"][years], everyone),
           "certificate.due_date": (due, subject)}
    for rs in prog.rulesets:
        mask = np.zeros(n, np.uint16)
        for i, test in enumerate(rs.tests):
            mask |= test(cols).astype(np.uint16) << np.uint16(i)
        out[rs.result] = (mask, everyone)
    return out


def _certificate_due(tb, birth, hire):
    """max(hire, scheme start) + the years allowed (29 Feb -> 28 Feb), for those aged max_age or under then, in
    datetime64 arithmetic."""
    start = np.maximum(hire.values, tb["cert_start"])

    def ymd(d):
        y, m = d.astype("datetime64[Y]"), d.astype("datetime64[M]")
        return y, m, (m - y.astype("datetime64[M]")).astype(np.int64), (d - m.astype("datetime64[D]")).astype(np.int64)
    sy, sm, smon, sday = ymd(start)
    by, _, bmon, bday = ymd(birth.values)
    age = (sy - by).astype(np.int64) - ((smon * 32 + sday) < (bmon * 32 + bday))
    subject = birth.present & hire.present & (age <= tb["cert_max_age"])
    later = sm + np.timedelta64(tb["cert_years"] * 12, "M")
    last = (later + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    due = np.minimum(later.astype("datetime64[D]") + sday.astype("timedelta64[D]"), last)
    return due, subject


def scale_rosters(tmp: Path, base: int, factors: tuple) -> dict:
    """Rosters of base x factor workers, {factor: path}, written part by part (a part of `base` rows in memory at a
    time) with ids unique across parts: each is a prefix of the largest."""
    import polars as pl

    paths = {f: tmp / f"scale-{f}x.csv" for f in factors}
    fhs = {f: open(p, "wb") for f, p in paths.items()}
    try:
        for k in range(max(factors)):
            part = roster.generate(base, 2018 + k, AS_OF)
            part = part.with_columns(pl.format("w{}", pl.int_range(k * base, (k + 1) * base, eager=False)
                                               .cast(pl.String).str.zfill(9)).alias("id"))
            for f, fh in fhs.items():
                if k < f:
                    part.write_csv(fh, include_header=k == 0)
    finally:
        for fh in fhs.values():
            fh.close()
    return paths


def row(measure: str, scale: str, value, unit: str, target: str | None = None, met: bool | None = None) -> dict:
    return {"measure": measure, "scale": scale, "value": value, "unit": unit, "target": target, "met": met}


def rows_of(f: dict, n: int, scales: dict) -> list[dict]:
    """The figures as rows of the common bench output (bench/report.py)."""
    at = f"{n:,} workers"
    out = [
        row("vectorised evaluation, clause and interpretation columns included", at,
            round(f["vectorised_rulings_per_s"] / 1e6, 1), "M rulings/s", ">= 20 M/s",
            f["vectorised_rulings_per_s"] >= 20e6),
        row("... its time against plain numpy, the same nine results with the same per-day date tables", at,
            f["vectorised_time_vs_plain_numpy_day_tables"], "x", "within 2x",
            f["vectorised_time_vs_plain_numpy_day_tables"] <= 2),
        row("... against plain numpy with datetime64 arithmetic", at,
            f["vectorised_time_vs_plain_numpy_same_results"], "x", "within 2x",
            f["vectorised_time_vs_plain_numpy_same_results"] <= 2),
        row("per case with the full trace, warm, durable-rules", f"{f['sample']:,} cases",
            f["per_case_durable_warm_per_s"], "cases/s", ">= 10 k/s", f["per_case_durable_warm_per_s"] >= 10_000),
        row("per case with the full trace, warm, reference evaluator", f"{f['sample']:,} cases",
            f["per_case_reference_warm_per_s"], "cases/s", None, None),
    ]
    for jobs in sorted({1, os.cpu_count()}):
        out.append(row(f"traced path on the process pool, {jobs} process{'es' if jobs > 1 else ''}",
                       f"{f['pool_rows']:,} workers", f[f"traced_pool_{jobs}_processes_per_s"], "workers/s"))
    out.append(row("policy eval of one case from a cold start", "1 case", f["cold_eval_one_case_s"], "s",
                   "well under 1 s", f["cold_eval_one_case_s"] < 1))
    return out + scale_rows(scales)


def scale_rows(scales: dict) -> list[dict]:
    out = []
    for factor, s in scales.items():
        label = f"{s['workers']:,} workers ({factor}x)"
        out += [row("policy batch CSV -> Parquet, fresh process, wall time per million", label,
                    s["s_per_million"], "s per M workers", "<= 2 s per M", s["s_per_million"] <= 2),
                row("policy batch CSV -> Parquet, CPU time per million", label, s["cpu_s_per_million"],
                    "CPU-s per M workers"),
                row("policy batch CSV -> Parquet, peak memory", label, s["peak_mb"], "MB", "< 1 GB",
                    s["peak_mb"] < 1024)]
    if len(scales) > 1:
        lo, hi = scales[min(scales)], scales[max(scales)]
        work = hi["workers"] / lo["workers"]
        out += [row(f"policy batch CSV -> Parquet, wall time slope 1x->{max(scales)}x",
                    f"{lo['workers']:,} -> {hi['workers']:,} workers", round(hi["s"] / lo["s"], 2),
                    f"x time for {work:g}x work", f"<= {work * 1.1:g} (linear, within 10%)", hi["s"] / lo["s"] <= work * 1.1),
                row(f"policy batch CSV -> Parquet, CPU time slope 1x->{max(scales)}x",
                    f"{lo['workers']:,} -> {hi['workers']:,} workers", round(hi["cpu_s"] / lo["cpu_s"], 2),
                    f"x time for {work:g}x work", f"<= {work * 1.1:g} (linear, within 10%)", hi["cpu_s"] / lo["cpu_s"] <= work * 1.1),
                row(f"policy batch CSV -> Parquet, peak memory slope 1x->{max(scales)}x",
                    f"{lo['workers']:,} -> {hi['workers']:,} workers", round(hi["peak_mb"] / lo["peak_mb"], 2),
                    f"x memory for {work:g}x work", f"<= {MEMORY_SLOPE} (constant)",
                    hi["peak_mb"] / lo["peak_mb"] <= MEMORY_SLOPE)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=None, help="workers of the in-process figures (1 M; quick 200 k)")
    ap.add_argument("--runs", type=int, default=None, help="runs of each timed step (5; quick 1)")
    ap.add_argument("--sample", type=int, default=None, help="workers for the per-case path (5,000; quick 1,000)")
    ap.add_argument("--pool-rows", type=int, default=None, help="workers for the process pool (100 k; quick 10 k)")
    ap.add_argument("--scale", type=int, default=None,
                    help="workers of the 1x roster of the scale rows (1 M, then 4 M and 10 M; quick 100 k)")
    ap.add_argument("--no-scale", action="store_true", help="leave out the scale rows (rosters of up to 10x)")
    ap.add_argument("--scale-only", action="store_true", help="only the scale rows")
    ap.add_argument("--quick", action="store_true", help="small sizes, one run each: under a minute")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object of rows on stdout (bench/report.py); the figures go to stderr")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="the checkout whose `policy batch` the scale rows run (default this one), e.g. main's for a "
                         "before/after at the same moment; the other figures are this checkout's")
    args = ap.parse_args()
    args.code = args.code.resolve()
    q = args.quick
    args.workers = args.workers or (200_000 if q else 1_000_000)
    args.runs = args.runs or (1 if q else 5)
    args.sample = args.sample or (1000 if q else 5000)
    args.pool_rows = args.pool_rows or (10_000 if q else 100_000)
    args.scale = args.scale or (100_000 if q else 1_000_000)
    scales = {} if args.no_scale else measure_scale(args)  # first: this process is still small
    figures = {"workers": 0} if args.scale_only else measure(args)
    figures["scale"] = scales
    if not args.json:
        print(json.dumps(figures, indent=2))
        return
    if args.scale_only:
        figures = {"scale": scales}
    print(json.dumps(figures, indent=2), file=sys.stderr)
    rows = scale_rows(scales) if args.scale_only else rows_of(figures, figures["workers"], scales)
    print(json.dumps(_rows.document("batch", rows)))


def measure_scale(args) -> dict:
    """policy batch on rosters of 1x, 4x and 10x --scale workers, each in a fresh process."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-scale-"))
    try:
        paths = scale_rosters(tmp, args.scale, (1, 4, 10))
        out = {}
        for factor, path in paths.items():
            wall, peak, code, cpu = child(POLICY + ["batch", str(path), "--as-of", AS_OF.isoformat(),
                                                    "--out", str(tmp / "out.parquet")], args.code)
            assert code == 0, (factor, code)
            n = args.scale * factor
            out[factor] = {"workers": n, "s": round(wall, 3), "cpu_s": round(cpu, 3), "peak_mb": round(peak),
                           "s_per_million": round(wall / n * 1e6, 3), "cpu_s_per_million": round(cpu / n * 1e6, 3),
                           "load_average": os.getloadavg()[0], "code": str(args.code)}
            print(f"scale {factor}x: {out[factor]}", file=sys.stderr)
            path.unlink()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args) -> dict:
    memory.keep_freed_memory()  # as `policy batch` does
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    src = tmp / "roster.csv"
    roster.write(roster.generate(args.workers, 2018, AS_OF), src)
    repo = api.load(ROOT)
    specs = worker_specs(repo.schema_dir)
    ro = io.read_roster(src, specs, repo.schema_dir)
    prog = bcompile.compile_worker(repo, AS_OF)
    n = ro.facts.n
    figures = {"workers": n, "load_average": os.getloadavg()[0], "cores": os.cpu_count(), "sample": args.sample,
               "pool_rows": args.pool_rows}

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
    for day_tables in (False, True):
        check = plain_numpy_same_results(prog, ro.facts, day_tables)
        for name, (values, present) in check.items():  # the comparator computes what the evaluator computes
            ok = present & ~out.error.astype(bool)
            assert np.array_equal(np.asarray(values)[ok], np.asarray(out.values[name])[ok]), name
            assert np.array_equal(present, out.present[name]), name
    t_same = median_time(lambda: plain_numpy_same_results(prog, ro.facts), args.runs)
    t_tables = median_time(lambda: plain_numpy_same_results(prog, ro.facts, True), args.runs)
    rates(figures, "vectorised_rulings", n, t_vec)
    rates(figures, "plain_numpy_salary_only", n, t_np)
    rates(figures, "plain_numpy_same_results", n, t_same)
    rates(figures, "plain_numpy_same_results_day_tables", n, t_tables)
    # time of the evaluator / time of plain numpy: "within 2x" is a ratio of at most 2
    figures["vectorised_time_vs_plain_numpy_same_results"] = round(t_vec[0] / t_same[0], 2)
    figures["vectorised_time_vs_plain_numpy_day_tables"] = round(t_vec[0] / t_tables[0], 2)

    # 2. CSV in, Parquet out, end to end in a fresh process: the scale rows (measure_scale)

    # 3. per-case path with full trace, warm, one process
    m = min(args.sample, n)
    rows = [(int(ro.row[i]), ro.ids[i], to_case_facts(ro.facts, specs, i)) for i in range(m)]
    names = frame.result_names(prog)
    for engine in ("durable", "reference"):
        executor.rule_partition(str(ROOT), engine, AS_OF, names, rows[:200])  # warm up
        times = all_times(lambda: executor.rule_partition(str(ROOT), engine, AS_OF, names, rows),
                          max(7, args.runs))
        rates(figures, f"per_case_{engine}_warm", m, (statistics.median(times[0]), statistics.median(times[1])))
        figures[f"per_case_{engine}_warm_best_per_s"] = round(m / min(times[0]))
        repo_e, eng = executor.repo_and_engine(str(ROOT), engine)
        few = rows[:max(1, m // 5)]
        rates(figures, f"per_case_{engine}_warm_with_reading_notes", len(few), median_time(
            lambda: [evaluate(executor.case_of(w, f, AS_OF), repo_e, eng) for _, w, f in few], 3))

    # 4. the traced path over the process pool, ruling rate only: every process has loaded the repository first
    pool_src = tmp / "pool.csv"
    roster.write(roster.generate(args.pool_rows, 7, AS_OF), pool_src)
    pro = io.read_roster(pool_src, specs, repo.schema_dir)
    pool_rows = [(int(pro.row[i]), pro.ids[i], to_case_facts(pro.facts, specs, i)) for i in range(pro.facts.n)]
    for jobs in sorted({1, os.cpu_count()}):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with ProcessPoolExecutor(jobs, initializer=executor.repo_and_engine, initargs=(str(ROOT), "durable")) as ex:
            list(ex.map(time.sleep, [0.2] * jobs))  # starts every process (each runs the initializer)
            t, c = time.perf_counter(), time.process_time()
            out = executor.run(ex, str(ROOT), "durable", AS_OF, names, pool_rows, 4096)  # --partition default
            wall = time.perf_counter() - t
        assert len(out) == len(pool_rows) and all(r[3] is None for r in out)
        figures[f"traced_pool_{jobs}_processes_per_s"] = round(len(pool_rows) / wall)
        figures[f"traced_pool_{jobs}_processes_parent_cpu_s"] = round(time.process_time() - c, 2)
        # the pool's own CPU (its processes have exited here); includes one repository load per process
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        pool_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        figures[f"traced_pool_{jobs}_processes_per_pool_cpu_s"] = round(len(pool_rows) / pool_cpu)

    # 5. one case from a cold start
    one = tmp / "one.yaml"
    one.write_text("id: one\nkind: worker\nas_of: 2025-01-01\nfacts: {post: principal, years_of_service: 12}\n")
    cold = [child(POLICY + ["eval", str(one)]) for _ in range(2 if args.quick else 5)]
    figures["cold_eval_one_case_s"] = round(statistics.median(r[0] for r in cold), 3)
    figures["cold_eval_one_case_cpu_s"] = round(statistics.median(r[3] for r in cold), 3)

    shutil.rmtree(tmp, ignore_errors=True)
    return figures


if __name__ == "__main__":
    main()
