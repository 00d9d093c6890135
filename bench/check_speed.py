"""Wall time of `policy check` on the whole repository (target: under 2 s) and of the mutation sweep (target: under
60 s), each in a fresh process as a user runs them. Usage: .venv/bin/python bench/check_speed.py [--runs N]"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

POLICY = Path(sys.executable).with_name("policy")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(*args) -> tuple[float, str, float]:
    """Wall time, output, and CPU time (which other load on the machine does not inflate)."""
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run([str(POLICY), *args], capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"policy {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return took, done.stdout, _cpu() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-mutations", action="store_true")
    args = ap.parse_args()
    runs = [timed("check") for _ in range(args.runs)]
    wall = [r[0] for r in runs]
    print(f"policy check: median {statistics.median(wall):.2f} s, best {min(wall):.2f} s wall over {args.runs} runs "
          f"(target < 2 s); CPU {statistics.median(r[2] for r in runs):.2f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.no_mutations:
        took, out, cpu = timed("check", "--mutations")
        score = next(ln for ln in out.splitlines() if ln.startswith("mutation score"))
        print(f"policy check --mutations: {took:.1f} s wall, CPU {cpu:.1f} s (target < 60 s); {score}")


if __name__ == "__main__":
    main()
