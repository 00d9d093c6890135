"""How `policy eval --format json` (with the notes on alternative readings) grows with the number of cases (issue 16).
Not a test: it prints figures.

    .venv/bin/python bench/eval_speed.py                      # 2,000 / 8,000 / 20,000 worker cases (1x, 4x, 10x)
    .venv/bin/python bench/eval_speed.py --cases 500 --scales 1,4 --memory 0   # a quick look

For each size, a case file of generated worker cases (seeded; every post, years 0-40, every education and
certificate, birth and hire dates for 40% of them, some on probation or not re-elected) is written to a temporary
directory and `policy eval --format json FILE` runs on it in a fresh process, its output going to a file. Printed
per size: wall seconds, cases per second of wall time and per CPU second of the child (on a shared machine wall time
also counts waiting for a core), the child's peak resident memory, and the JSON written per ruling; then the slope
(how each cost grows from the smallest size to the largest) and the load average, so a reader can see the trend and
how busy the machine was. `--memory N` also runs one file of N cases for the peak-memory target (0 skips it).
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

POLICY = str(Path(sys.executable).with_name("policy"))
TARGET_RATE = 10_000  # cases/s end to end on 20,000 cases (issue 16)
TARGET_MEMORY_MB = 300  # peak for a 40,000-case file (issue 16)

POSTS = ["principal", "deputy", "committee_member", "grid_worker"]
EDUCATION = ["college_or_below", "bachelor", "master", "doctor"]
CERTIFICATES = ["none", "assistant_social_worker", "social_worker", "senior_social_worker"]


def cases(n: int, seed: int = 16) -> dict:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        facts = {"post": rng.choice(POSTS), "years_of_service": rng.randint(0, 40),
                 "education": rng.choice(EDUCATION), "certificate": rng.choice(CERTIFICATES),
                 "party_org_stars": rng.randint(0, 5)}
        if rng.random() < 0.4:
            facts["birth_date"] = f"{rng.randint(1965, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            facts["hire_date"] = f"{rng.randint(2005, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.1:
            facts["on_probation"] = True
        if rng.random() < 0.1:
            facts["term_ended_not_reelected"] = True
        out.append({"id": f"w{i}", "kind": "worker", "as_of": "2024-07-01", "facts": facts})
    return {"cases": out}


def run(n: int, tmp: Path) -> dict:
    """`policy eval --format json` on n cases in a fresh process: wall, CPU and peak memory of that process."""
    path = tmp / f"cases_{n}.json"
    path.write_text(json.dumps(cases(n), separators=(",", ":")), encoding="utf-8")
    out = tmp / f"rulings_{n}.json"
    with open(out, "wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen([POLICY, "eval", "--format", "json", str(path)], stdout=fh,
                                stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        err = proc.stderr.read().decode()
        if "too_large" in err or "too_many_cases" in err:  # over the loader's limits: a figure in itself
            return {"cases": n, "refused": err.strip().splitlines()[0],
                    "file_mb": round(path.stat().st_size / 2**20, 1)}
        sys.exit(f"policy eval exited {proc.returncode}: {err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    size = out.stat().st_size
    return {"cases": n, "wall_s": round(wall, 2), "per_s_wall": round(n / wall), "per_s_cpu": round(n / cpu),
            "peak_mb": round(usage.ru_maxrss / 1024), "json_kb_per_ruling": round(size / n / 1024, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=2000, help="the 1x size (default 2000)")
    ap.add_argument("--scales", default="1,4,10", help="multiples of --cases to run (default 1,4,10)")
    ap.add_argument("--memory", type=int, default=40_000, help="cases in the peak-memory run (0: skip)")
    args = ap.parse_args()
    sizes = [args.cases * int(s) for s in args.scales.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(n, Path(tmp)) for n in sizes]
        for r in rows:
            print(json.dumps(r))
        first, last = rows[0], rows[-1]
        k = last["cases"] / first["cases"]
        print(f"slope {first['cases']} -> {last['cases']} cases ({k:g}x): wall x{last['wall_s'] / first['wall_s']:.2f}, "
              f"peak memory x{last['peak_mb'] / first['peak_mb']:.2f}")
        print(f"policy eval --format json: {last['per_s_wall']} cases/s wall, {last['per_s_cpu']} per CPU-second on "
              f"{last['cases']} cases (target >= {TARGET_RATE} on 20,000)")
        if args.memory:
            m = run(args.memory, Path(tmp))
            print(json.dumps(m))
            if "refused" in m:
                print(f"{args.memory} cases ({m['file_mb']} MB) refused by the loader's limits: {m['refused']}")
            else:
                print(f"peak memory on {args.memory} cases: {m['peak_mb']} MB (target < {TARGET_MEMORY_MB} MB on 40,000)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared)")


if __name__ == "__main__":
    main()
