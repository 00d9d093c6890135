"""Where the notes on alternative readings from the compiled program pay (issue 16; evaluator/batch/reading_notes.py).
Not a test: it prints figures.

    .venv/bin/python bench/notes_crossover.py            # 16 ... 4,096 worker cases sharing a date
    .venv/bin/python bench/notes_crossover.py --quick    # 32, 128, 512, 2,048 (under a minute)
    .venv/bin/python bench/notes_crossover.py --json     # one JSON object on stdout (bench/report.py reads it)

For each size, the generated worker cases of bench/eval_speed.py are ruled with their notes three ways in this
process, and the CPU time per case (time.process_time: on a shared machine, wall time also counts waiting for a
core) is printed: the per-case path (each case ruled again under the readings that can reach it), the compiled
path with the date's programs already compiled (a big file after its first window, a long-running HTTP worker),
and the compiled path that first compiles them (the first file of a process). The best of a few runs is kept. The
sizes where the compiled path gets cheaper than the per-case one are the crossovers: reading_notes.MIN_CASES (warm)
and MIN_CASES_COLD (cold) are chosen from them.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import _rows  # bench/_rows.py, the common output (run as bench/NAME.py, so bench/ is on the path)
import eval_speed  # the same generated worker cases as the eval bench

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator import api  # noqa: E402
from evaluator.batch import reading_notes as RN  # noqa: E402
from evaluator.cases import files as case_files  # noqa: E402
from evaluator.engine import engines  # noqa: E402
from evaluator.render.notes import worded  # noqa: E402
from evaluator.ruling.evaluate import evaluate  # noqa: E402


def cpu_per_case(fn, n: int, repeat: int) -> float:
    """The best CPU time of `repeat` runs of fn(), in microseconds per case."""
    return round(_rows.best_cpu(fn, repeat) / n * 1e6, 1)


def measure(repo, engine, cases: list, repeat: int) -> dict:
    def per_case():
        for c in cases:
            worded(evaluate(c, repo, engine))

    def compiled():
        notes = RN.ReadingNotes(repo, cases)
        for i, c in enumerate(cases):
            worded(evaluate(c, repo, engine, ruled=notes.ruled(i)))

    def cold():
        repo.__dict__.pop("_compiled_readings", None)
        compiled()

    RN.MIN_CASES = RN.MIN_CASES_COLD = 1  # every size goes the compiled way here, to be measured
    per_case()  # the reading variants and plans, made once per process whichever path: not counted
    n = len(cases)
    return {"cases": n, "per_case_us": cpu_per_case(per_case, n, repeat),
            "compiled_warm_us": cpu_per_case(compiled, n, repeat),
            "compiled_cold_us": cpu_per_case(cold, n, max(1, repeat - 1))}


def crossover(results: list[dict], key: str):
    """The smallest size from which the compiled path stays cheaper than the per-case one (None: never)."""
    out = None
    for r in reversed(results):
        if r[key] < r["per_case_us"]:
            out = r["cases"]
        else:
            break
    return out


def row(measure: str, scale: str, value, unit: str) -> dict:
    return {"measure": measure, "scale": scale, "value": value, "unit": unit, "target": None, "met": None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="four sizes, fewer repeats: under a minute")
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/report.py's rows) on stdout")
    ap.add_argument("--engine", default="durable", help="the rule engine (default durable, as policy eval)")
    args = ap.parse_args()
    sizes = [32, 128, 512, 2048] if args.quick else [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    repeat = 2 if args.quick else 3
    say = _rows.say_for(args.json)
    repo, engine = api.load(ROOT), engines.make(args.engine)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.json"
        path.write_text(json.dumps(eval_speed.cases(max(sizes))), encoding="utf-8")
        cases = case_files.load(path, repo.schema_dir).cases
    results = []
    for n in sizes:
        results.append(measure(repo, engine, cases[:n], repeat))
        say(json.dumps(results[-1]))
    rows = []
    for r in results:
        scale = f"{r['cases']:,} worker cases, one date"
        rows += [row("notes, per-case path, CPU", scale, r["per_case_us"], "µs per case"),
                 row("notes, compiled path (programs compiled), CPU", scale, r["compiled_warm_us"], "µs per case"),
                 row("notes, compiled path (compiling first), CPU", scale, r["compiled_cold_us"], "µs per case")]
    for key, what in (("compiled_warm_us", "programs compiled"), ("compiled_cold_us", "compiling first")):
        rows.append(row(f"notes crossover ({what})", f"{sizes[0]:,} -> {sizes[-1]:,} cases", crossover(results, key),
                        "cases (the smallest size measured from which the compiled path is cheaper)"))
    _rows.finish("notes_crossover", rows, args.json)


if __name__ == "__main__":
    main()
