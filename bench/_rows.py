"""The benches' common output (issue 16), written once (and the best-of-N CPU timing two of them share): the rows as lines for a reader, and with --json the one
JSON object on stdout that bench/report.py reads: {"bench", "rows", "load_average", "machine"}."""
from __future__ import annotations

import json
import os
import sys
import time


def say_for(as_json: bool):
    """Where a bench's human text goes: stderr when stdout carries the JSON object."""
    return (lambda *a: print(*a, file=sys.stderr)) if as_json else print


def best_cpu(fn, repeat: int) -> float:
    """The least CPU time of this process, in seconds, of `repeat` runs of fn() (the best run: the others waited
    for a core or met the collector)."""
    best = None
    for _ in range(repeat):
        start = time.process_time()
        fn()
        took = time.process_time() - start
        best = took if best is None else min(best, took)
    return best


def document(bench: str, rows: list[dict]) -> dict:
    return {"bench": bench, "rows": rows, "load_average": [round(x, 2) for x in os.getloadavg()],
            "machine": f"{os.cpu_count()} cores"}


def finish(bench: str, rows: list[dict], as_json: bool, shared: str = "the machine is shared") -> None:
    """Each row as a line (its target and whether it is met), the load average, then the JSON object if asked."""
    say = say_for(as_json)
    for r in rows:
        say(f"{r['measure']} ({r['scale']}): {r['value']} {r['unit']}"
            + (f"  target {r['target']}: {'met' if r['met'] else 'NOT met'}" if r["target"] else ""))
    say(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores ({shared})")
    if as_json:
        print(json.dumps(document(bench, rows)))
