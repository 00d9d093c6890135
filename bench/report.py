"""The README's speed table from every benchmark in bench/ (issue 16). Not a test: it runs the benchmarks.

    .venv/bin/python bench/report.py            # every bench that takes --json, full size (many minutes)
    .venv/bin/python bench/report.py --quick    # every bench with --quick (each under a minute)
    .venv/bin/python bench/report.py --only eval_speed --only batch

Each bench script of bench/ whose `--help` offers `--json` is run as `python bench/NAME.py --json [--quick]` in a
fresh process; it prints one JSON object on stdout: `{"bench", "rows": [{"measure", "scale", "value", "unit",
"target", "met"}], "load_average", "machine"}`. A bench without `--json` is skipped with a line saying so; one that
fails or prints no such object is reported as failed (its last lines of stderr shown) and the others still run.
The table printed (Markdown, for the README) has one line per row: measure | scale | value | target | met, then the
load average before and after the runs and the date, since figures from a shared machine are only as good as its
quiet. Exit 0 when every bench that ran gave its rows, 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOT_BENCHES = {"report.py"}
RUN_LIMIT_S = 3600  # one bench's run; past it the bench is reported as failed


def benches(only: list[str]) -> list[Path]:
    out = sorted(p for p in HERE.glob("*.py") if p.name not in NOT_BENCHES and not p.name.startswith("_"))
    if only:
        out = [p for p in out if p.stem in only]
    return out


def env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def takes(script: Path, flag: str) -> bool:
    """Whether a bench's --help names the flag (a bench without argparse, or whose help fails, takes none)."""
    try:
        proc = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=ROOT,
                              env=env(), timeout=60)
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0 and flag in proc.stdout


def run(script: Path, quick: bool) -> tuple[dict | None, str]:
    """(the bench's JSON object, or None; what went wrong, if anything)."""
    cmd = [sys.executable, str(script), "--json"] + (["--quick"] if quick and takes(script, "--quick") else [])
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env(), timeout=RUN_LIMIT_S)
    except subprocess.TimeoutExpired:
        return None, f"still running after {RUN_LIMIT_S} s"
    if proc.returncode != 0:
        return None, f"exit {proc.returncode}: " + " | ".join(proc.stderr.strip().splitlines()[-3:])
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None, "its stdout is not one JSON object"
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        return None, "its JSON has no list of rows"
    return data, ""


def cell(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "**no**"
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v).replace("|", "\\|")


def table(results: list[dict]) -> str:
    lines = ["| measure | scale | value | target | met |", "| --- | --- | --- | --- | --- |"]
    for data in results:
        for r in data["rows"]:
            value = f"{cell(r.get('value'))} {r.get('unit', '')}".strip()
            lines.append(f"| {cell(r.get('measure'))} | {cell(r.get('scale'))} | {value} "
                         f"| {cell(r.get('target'))} | {cell(r.get('met'))} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="run each bench with --quick (where it has it)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only this bench (its file name without .py); may be repeated")
    args = ap.parse_args(argv)
    scripts = benches(args.only)
    if not scripts:
        print(f"bench/report.py: no bench named {', '.join(args.only)} in bench/", file=sys.stderr)
        return 1
    load_before = [round(x, 2) for x in os.getloadavg()]
    results, failed = [], 0
    for script in scripts:
        if not takes(script, "--json"):
            print(f"skipped {script.name}: it has no --json (issue 16's common bench output)", file=sys.stderr)
            continue
        print(f"running {script.name} --json{' --quick' if args.quick else ''} ...", file=sys.stderr, flush=True)
        data, why = run(script, args.quick)
        if data is None:
            failed += 1
            print(f"FAILED {script.name}: {why}", file=sys.stderr)
            continue
        results.append(data)
    load_after = [round(x, 2) for x in os.getloadavg()]
    print(table(results))
    print()
    print(f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores"
          f"{' (--quick sizes)' if args.quick else ''}; load average (1, 5, 15 min) "
          f"{' / '.join(map(str, load_before))} before, {' / '.join(map(str, load_after))} after.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
