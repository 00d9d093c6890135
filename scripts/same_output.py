"""Whether this checkout rules exactly as another commit does: `policy eval` run by both on every case file of
tests/cases/ and examples/ and on a generated file of worker cases, in every output format, stdout, stderr and exit
code compared byte for byte. For a change that must not change behaviour (issue 16's speed work).

    .venv/bin/python scripts/same_output.py            # against main
    .venv/bin/python scripts/same_output.py --ref HEAD~3 --workers 5000

The other commit's files are exported with `git archive` to a temporary directory (no checkout is touched) and its
evaluator is run from there on this checkout's case files, with the same interpreter. Exit 0 when all is the same,
1 with the first differing lines of each difference otherwise.
"""
from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ["json", "markdown", "text"]


def export(ref: str, dest: Path) -> None:
    data = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")


def case_files() -> list[Path]:
    out = []
    for sub in ("tests/cases", "examples"):
        out += sorted(p for p in (ROOT / sub).rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                      and "reforms" not in p.relative_to(ROOT).parts)
    return out


def policy(code: Path, args: list[str]) -> tuple[int, bytes, bytes]:
    # -P: `python -m` would otherwise put the working directory (this checkout, where the case files' paths are
    # relative to) before PYTHONPATH, and every run would import this checkout's evaluator, the other commit's too.
    proc = subprocess.run([sys.executable, "-P", "-m", "evaluator.cli.main", *args], cwd=ROOT, env=env_for(code),
                          capture_output=True)
    return proc.returncode, proc.stdout, proc.stderr


def env_for(code: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(code)}


def imported_from(code: Path) -> Path:
    """Where a run of policy() for `code` imports the evaluator from (checked before comparing anything)."""
    proc = subprocess.run([sys.executable, "-P", "-c", "import evaluator; print(evaluator.__file__)"], cwd=ROOT,
                          env=env_for(code), capture_output=True, text=True, check=True)
    return Path(proc.stdout.strip()).resolve().parent.parent


def runs(files: list[str], generated: str) -> list[tuple[list[str], list[str]]]:
    """(the other commit's command, this checkout's command): the same, but for --jobs, which this checkout adds."""
    out = []
    for fmt in FORMATS:
        out.append(["eval", "--format", fmt, *files])
        out.append(["eval", "--format", fmt, generated])
    out.append(["eval", "--format", "json", "--as-of", "2019-06-30", *files])
    out.append(["eval", "--format", "json", "--why-not", "all", *files])
    out.append(["eval", "--format", "json", "--reading", "raises_add_up_highest_only_capped=max_of_raises", generated])
    pairs = [(cmd, cmd) for cmd in out]
    pairs.append((["eval", "--format", "json", generated], ["eval", "--format", "json", "--jobs", "2", generated]))
    pairs.append((["eval", "--format", "text", *files], ["eval", "--format", "text", "--jobs", "2", *files]))
    return pairs


def show_diff(a: bytes, b: bytes, what: str) -> str:
    lines = list(difflib.unified_diff(a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines(),
                                      f"{what} (other)", f"{what} (this checkout)", lineterm="", n=1))
    return "\n".join(lines[:40])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", default="main", help="the commit to compare with (default main)")
    ap.add_argument("--workers", type=int, default=3000, help="generated worker cases (bench/eval_speed.py's)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench"))
    import eval_speed  # the bench's generator: every post, education, certificate, dates, probation

    files = [str(p.relative_to(ROOT)) for p in case_files()]
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        export(args.ref, other)
        for code in (other, ROOT):  # a comparison of this checkout with itself would prove nothing
            if imported_from(code) != code.resolve():
                sys.exit(f"same_output: the runs for {code} import the evaluator from {imported_from(code)}")
        generated = Path(tmp) / "workers.json"
        generated.write_text(json.dumps(eval_speed.cases(args.workers)), encoding="utf-8")
        for cmd_other, cmd in runs(files, str(generated)):
            a, b = policy(other, cmd_other), policy(ROOT, cmd)
            label = " ".join(c if len(c) < 60 else "..." for c in cmd[:6]) + (" ..." if len(cmd) > 6 else "")
            if a == b:
                print(f"same: {label} ({len(b[1]):,} bytes, exit {b[0]})")
                continue
            differ += 1
            print(f"DIFFERENT: {label}")
            if a[0] != b[0]:
                print(f"  exit code {a[0]} (other) vs {b[0]} (this checkout)")
            for i, what in ((1, "stdout"), (2, "stderr")):
                if a[i] != b[i]:
                    print(show_diff(a[i], b[i], what))
    print(f"{differ} run(s) differ from {args.ref}" if differ else f"every run is byte-identical to {args.ref}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
