"""Soak: a million generated cases through the engine boundary, on both evaluators, with memory watched.

    .venv/bin/python bench/soak.py                 # 1,000,000 cases (a few minutes)
    .venv/bin/python bench/soak.py --cases 50000   # a quick look

Every real rule set of rules/ is run on random cases (facts present or missing, edge values near each rule's
constants) through DurableEngine.fire and ReferenceEngine.fire, including the fact checks. It fails (exit 1) on any
error, on any case where the two disagree, or when the resident memory grows after warm-up by more than --max-growth
MB; it prints cases per second for each evaluator, per CPU-second of this process (the comparable figure on a
shared machine) and wall-clock. A benchmark, not a test: the figures depend on the machine.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator import api
from evaluator.engine import engines  # noqa: E402

CHUNK = 10_000


def rss_mb() -> float:
    """Current resident set size (not the peak), from /proc."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def constants(cond, out):
    for key in ("all", "any"):
        for c in cond.get(key, []):
            constants(c, out)
    if "not" in cond:
        constants(cond["not"], out)
    if "value" in cond:
        out.setdefault(cond["fact"], []).extend(cond["value"] if isinstance(cond["value"], list) else [cond["value"]])
    return out


def generator(rules, rng: random.Random):
    types, near = {}, {}
    for r in rules:
        types.update(r.types)
        constants(r.when, near)

    def value(name, t):
        pick = rng.random()
        if t.type == "boolean":
            return rng.random() < 0.5
        if t.type == "string":
            return rng.choice(list(t.enum or ()) + near.get(name, []) + ["", "社区"])
        c = near.get(name, [0])
        if pick < 0.5:
            v = rng.choice(c)
            return v + rng.choice([-1, 0, 1]) if t.type == "integer" else v
        if t.type == "integer":
            return rng.choice([0, 1, -1, 2**53, 2**63 - 1, -(2**63 - 1), rng.randint(-10, 100)])
        return rng.choice([0.0, 1.0, -0.0, 1e-7, 0.5999999999999999, 0.6000000000000001, rng.random(), 1e300])

    def case():
        return {n: value(n, t) for n, t in types.items() if rng.random() < 0.8}
    return case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--max-growth", type=float, default=16.0, help="allowed RSS growth after warm-up, MB")
    args = ap.parse_args()

    repo = api.load()
    if repo.problems:
        print("\n".join(map(str, repo.problems)))
        return 1
    sets = [(rules, repo.rulesets[rs][0].data["case_kind"]) for (rs, _), rules in sorted(repo.compiled_rules.items())]
    durable, reference = engines.make("durable"), engines.make("reference")
    rng = random.Random(args.seed)
    gens = [generator(rules, rng) for rules, _ in sets]
    spent = {"durable": 0.0, "reference": 0.0}  # wall-clock seconds
    cpu = {"durable": 0.0, "reference": 0.0}  # CPU seconds of this process: the figure on a shared machine
    done = disagreements = 0
    fired = 0
    warm = None
    samples = []
    while done < args.cases:
        n = min(CHUNK, args.cases - done)
        k = (done // CHUNK) % len(sets)
        rules, kind = sets[k]
        batch = [gens[k]() for _ in range(n)]
        results = {}
        for engine in (durable, reference):
            t0, c0 = time.perf_counter(), time.process_time()
            out = [engine.fire(rules, facts, kind, f"soak-{done + i}") for i, facts in enumerate(batch)]
            spent[engine.name] += time.perf_counter() - t0
            cpu[engine.name] += time.process_time() - c0
            results[engine.name] = out
        for i, (a, b) in enumerate(zip(results["durable"], results["reference"])):
            if a != b:
                disagreements += 1
                if disagreements <= 5:
                    print(f"DISAGREE case soak-{done + i}: durable {a} reference {b} facts {batch[i]}")
        fired += sum(len(x) for x in results["durable"])
        done += n
        if warm is None and done >= min(100_000, args.cases // 10):
            warm = rss_mb()
        if done % (args.cases // 10 or 1) < CHUNK:
            samples.append((done, rss_mb()))
            print(f"{done:>9,} cases  rss {samples[-1][1]:7.1f} MB  "
                  f"durable {done / spent['durable']:>9,.0f}/s  reference {done / spent['reference']:>9,.0f}/s",
                  flush=True)
    growth = rss_mb() - (warm if warm is not None else samples[0][1])
    print(f"\n{done:,} cases, {len(sets)} rule set(s), {fired:,} rule firings, {disagreements} disagreement(s), "
          f"0 errors")
    for name in ("durable", "reference"):
        print(f"{name:>9}: {done / cpu[name]:>9,.0f} cases per CPU-second, {done / spent[name]:>9,.0f} cases/s wall-clock")
    print(f"RSS growth after warm-up {growth:+.1f} MB (peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
          f" MB); load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    ok = disagreements == 0 and growth <= args.max_growth
    print("soak: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
