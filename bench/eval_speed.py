"""How `policy eval --format json` (with the notes on alternative readings) grows with the number of cases (issue 16).
Not a test: it prints figures.

    .venv/bin/python bench/eval_speed.py                 # 2,000 / 8,000 / 20,000 worker cases (1x, 4x, 10x) + 40,000
    .venv/bin/python bench/eval_speed.py --quick         # 500 / 2,000 / 5,000 cases, no memory run (under a minute)
    .venv/bin/python bench/eval_speed.py --json          # one JSON object on stdout (bench/report.py reads it)
    .venv/bin/python bench/eval_speed.py --code ../main  # the same cases ruled by another checkout's evaluator
    .venv/bin/python bench/eval_speed.py --jobs 2        # policy eval --jobs 2 (--jobs 1: one process; without
                                                         # --jobs the command's default, auto where it has one)

For each size, a case file of generated worker cases (seeded; every post, years 0-40, every education and
certificate, birth and hire dates for 40% of them, a stated probation for some grid workers without a hire date,
some not re-elected) is written to a temporary directory and `policy eval --format json FILE` runs on it in a fresh
process, its output going to a file. Per size: wall seconds, cases per second of wall time and per CPU second of the
child (on a shared machine wall time also counts waiting for a core), the child's peak resident memory, and the JSON
written per ruling; then the slope (how wall time and memory grow from the 1x size to the 4x and 10x sizes) and the
load average, so a reader can see the trend and how busy the machine was. `--memory N` also runs one file of N
cases for the peak-memory target (0 skips it). `--code DIR` runs the evaluator of another checkout (e.g. main's) on
the same files, for an old-vs-new comparison on the same machine at the same time.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _rows  # bench/_rows.py, the common output (run as bench/NAME.py, so bench/ is on the path)

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATE = 10_000  # cases/s end to end on 20,000 cases (issue 16)
TARGET_RATE_CASES = 20_000
TARGET_MEMORY_MB = 300  # peak for a 40,000-case file (issue 16)

POSTS = ["principal", "deputy", "committee_member", "grid_worker"]
EDUCATION = ["college_or_below", "bachelor", "master", "doctor"]
CERTIFICATES = ["none", "assistant_social_worker", "social_worker", "senior_social_worker"]


def cases(n: int, seed: int = 16) -> dict:
    """n worker cases, every one of them usable: probation is derived from the hire date for grid workers (so a
    stated on_probation is given only to grid workers without a hire date) and no other post has one."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        facts = {"post": rng.choice(POSTS), "years_of_service": rng.randint(0, 40),
                 "education": rng.choice(EDUCATION), "certificate": rng.choice(CERTIFICATES),
                 "party_org_stars": rng.randint(0, 5)}
        if rng.random() < 0.4:
            facts["birth_date"] = f"{rng.randint(1965, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            facts["hire_date"] = f"{rng.randint(2005, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.1 and facts["post"] == "grid_worker" and "hire_date" not in facts:
            facts["on_probation"] = True
        if rng.random() < 0.1:
            facts["term_ended_not_reelected"] = True
        out.append({"id": f"w{i}", "kind": "worker", "as_of": "2024-07-01", "facts": facts})
    return {"cases": out}


def write_cases(n: int, tmp: Path) -> Path:
    path = tmp / f"cases_{n}.json"
    if not path.exists():
        path.write_text(json.dumps(cases(n), separators=(",", ":")), encoding="utf-8")
    return path


def run(n: int, tmp: Path, code: Path = ROOT, jobs: str | None = None) -> dict:
    """`policy eval --format json` on n cases in a fresh process: wall, CPU and peak memory of that process."""
    path = write_cases(n, tmp)
    out = tmp / f"rulings_{n}.json"
    env = {**os.environ, "PYTHONPATH": str(code)}
    with open(out, "wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "evaluator.cli.main", "eval", "--format", "json", str(path)]
                                + (["--jobs", str(jobs)] if jobs is not None else []),
                                cwd=code, env=env, stdout=fh, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode()
        if "too_large" in err or "too_many_cases" in err:  # over the loader's limits: a figure in itself
            return {"cases": n, "refused": err.strip().splitlines()[0],
                    "file_mb": round(path.stat().st_size / 2**20, 1)}
        sys.exit(f"policy eval exited {proc.returncode}: {err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime  # with --jobs, the pool's processes too (reaped by the child)
    size = out.stat().st_size
    return {"cases": n, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "per_s_wall": round(n / wall),
            "per_s_cpu": round(n / cpu), "peak_mb": round(usage.ru_maxrss / 1024),
            "json_kb_per_ruling": round(size / n / 1024, 2)}


def row(measure: str, scale: str, value, unit: str, target: str | None = None, met: bool | None = None) -> dict:
    return {"measure": measure, "scale": scale, "value": value, "unit": unit, "target": target, "met": met}


def rows_of(sizes: list[dict], memory: dict | None, jobs: str | None = None) -> list[dict]:
    """The figures as the rows of issue 16's common bench output (a target only where the issue sets one)."""
    out = []
    on = f", --jobs {jobs}" if jobs is not None else ""
    for r in sizes:
        n, scale = r["cases"], f"{r['cases']:,} worker cases{on}"
        if "refused" in r:
            out.append(row("policy eval --format json: refused by the loader's limits", scale, r["file_mb"], "MB"))
            continue
        at_target = n == TARGET_RATE_CASES
        out += [row("policy eval --format json, wall", scale, r["per_s_wall"], "cases/s",
                    f">= {TARGET_RATE:,} on {TARGET_RATE_CASES:,}" if at_target else None,
                    r["per_s_wall"] >= TARGET_RATE if at_target else None),
                row("policy eval --format json, CPU", scale, r["per_s_cpu"], "cases per CPU-second"),
                row("policy eval --format json, peak memory", scale, r["peak_mb"], "MB"),
                row("policy eval --format json, output", scale, r["json_kb_per_ruling"], "KB per ruling")]
    ok = [r for r in sizes if "refused" not in r]
    if len(ok) > 1:
        first = ok[0]
        for r in ok[1:]:
            k = r["cases"] / first["cases"]
            out.append(row(f"policy eval wall slope 1x->{k:g}x", f"{first['cases']:,} -> {r['cases']:,} cases",
                           round(r["wall_s"] / first["wall_s"], 2), f"x time for {k:g}x work"))
            out.append(row(f"policy eval peak memory slope 1x->{k:g}x", f"{first['cases']:,} -> {r['cases']:,} cases",
                           round(r["peak_mb"] / first["peak_mb"], 2), f"x memory for {k:g}x work"))
    if memory is not None:
        scale = f"{memory['cases']:,} worker cases{on}"
        if "refused" in memory:
            out.append(row("policy eval --format json: refused by the loader's limits", scale, memory["file_mb"], "MB",
                           f"< {TARGET_MEMORY_MB} MB peak on 40,000", False))
        else:
            at_target = memory["cases"] == 40_000
            out.append(row("policy eval --format json, peak memory", scale, memory["peak_mb"], "MB",
                           f"< {TARGET_MEMORY_MB} MB on 40,000" if at_target else None,
                           memory["peak_mb"] < TARGET_MEMORY_MB if at_target else None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=None, help="the 1x size (default 2000; 500 with --quick)")
    ap.add_argument("--scales", default="1,4,10", help="multiples of --cases to run (default 1,4,10)")
    ap.add_argument("--memory", type=int, default=None,
                    help="cases in the peak-memory run (default 40000; 0 with --quick: skip)")
    ap.add_argument("--quick", action="store_true", help="small sizes and no memory run: under a minute")
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/report.py's rows) on stdout")
    ap.add_argument("--jobs", default=None, help="policy eval --jobs N or auto (processes ruling the cases); "
                                                  "default: the command's own default")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="the checkout whose evaluator rules the cases (default this one), e.g. main's for a comparison")
    args = ap.parse_args()
    base = args.cases or (500 if args.quick else 2000)
    memory_n = args.memory if args.memory is not None else (0 if args.quick else 40_000)
    sizes = [base * int(s) for s in args.scales.split(",")]
    say = _rows.say_for(args.json)
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for n in sizes:
            results.append(run(n, Path(tmp), args.code.resolve(), args.jobs))
            say(json.dumps(results[-1]))
        m = None
        if memory_n:
            m = run(memory_n, Path(tmp), args.code.resolve(), args.jobs)
            say(json.dumps(m))
    _rows.finish("eval_speed", rows_of(results, m, args.jobs), args.json)

if __name__ == "__main__":
    main()
