"""Full documentation build time: `mkdocs build --strict` of the whole site, as `make docs` runs it.

Target: under 15 s wall time on the project's 2-core machine. Run from the repository root:

    .venv/bin/python bench/docs_build.py [--runs 3]

Prints each run's wall and CPU time (CPU time shows the build's own cost when the machine is shared) and the best.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 15.0


def one_build(out: str) -> tuple[float, float]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", out],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            wall, cpu = one_build(os.path.join(tmp, f"site{i}"))
            walls.append(wall)
            pages = sum(1 for _ in Path(tmp, f"site{i}").rglob("*.html"))
            print(f"run {i + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU, {pages} pages")
    best = min(walls)
    print(f"best {best:.1f} s (target < {TARGET_S:.0f} s): {'OK' if best < TARGET_S else 'TOO SLOW'}")
    return 0 if best < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
