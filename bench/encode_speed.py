"""What writing a ruling costs once it is made (issue 16): the CPU per worker ruling of wording its notes and of
encoding it in each way the tool writes rulings. Not a test: it prints figures.

    .venv/bin/python bench/encode_speed.py                 # 5,000 generated worker rulings
    .venv/bin/python bench/encode_speed.py --quick         # 2,000 (under a minute)
    .venv/bin/python bench/encode_speed.py --json          # one JSON object on stdout (bench/report.py reads it)
    .venv/bin/python bench/encode_speed.py --code ../main  # the same, measured beside another checkout's evaluator

The generated worker cases of bench/eval_speed.py are ruled once, their notes kept as data; then, the best of a few
runs of each, CPU time per ruling (time.process_time: on a shared machine, wall time also counts waiting for a
core): the notes worded (render/notes.worded), the table form written ruling by ruling to /dev/null as `policy
eval --format json --jobs 1` writes it (RulingsWriter), the rulings encoded in blocks of 1,024 as a process of
`policy eval --jobs N` does (encode_block), and HTTP answers of 100 rulings (the table form, compact). Each checkout
is measured in a process of its own, importing its own evaluator (`--code DIR`: another one too, one after the
other, for an old-vs-new comparison at the same moment).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURES = {"words": "notes worded", "writer": "table form written (policy eval --jobs 1)",
            "blocks": "encoded in blocks (policy eval --jobs N)", "http": "HTTP answer of 100 (table form)"}


def child(path: str, repeat: int) -> dict:
    """Run in a process importing the evaluator to measure: microseconds of CPU per ruling, by measure."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ (run with -P, so that only PYTHONPATH's
    import _rows  # evaluator is found; bench/ holds none)

    from evaluator import api
    from evaluator.render import notes, ruling_format as RF
    from evaluator.render.text import to_json_bytes

    repo = api.load(".")
    made: list = []
    api.worded = lambda r: r  # the notes kept as data: their wording is measured below
    api.evaluate_file(repo, path, sink=made.append, jobs=1)
    rulings = [r for r in made if "trace" in r]
    data_notes = [list(r["notes"]) for r in rulings]

    def words():
        for r, kept in zip(rulings, data_notes):
            r["notes"] = kept
            notes.worded(r)

    def writer():
        with open(os.devnull, "w", encoding="utf-8") as out:
            saved, sys.stdout = sys.stdout, out  # written through standard output's buffer, as the command does
            try:
                w = RF.RulingsWriter(out, repo, "auto")
                for r in rulings:
                    w.write(r)
                w.close()
            finally:
                sys.stdout = saved

    def blocks():
        for i in range(0, len(rulings), 1024):
            RF.encode_block(rulings[i:i + 1024], repo, "table")

    answer = getattr(RF, "document_bytes", None) or (lambda rs, repo, form: to_json_bytes(RF.document(rs, repo, form)))

    def http():
        for i in range(0, len(rulings), 100):
            answer(rulings[i:i + 100], repo, "auto")

    words()
    out = {}
    for name, fn in (("words", words), ("writer", writer), ("blocks", blocks), ("http", http)):
        out[name] = round(_rows.best_cpu(fn, repeat) / len(rulings) * 1e6, 2)
    return out


def measure(code: Path, path: Path, repeat: int) -> dict:
    proc = subprocess.run([sys.executable, "-P", str(Path(__file__).resolve()), "--child", str(path),
                           "--repeat", str(repeat)], cwd=code, env={**os.environ, "PYTHONPATH": str(code)},
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=None, help="generated worker cases (default 5000; 2000 with --quick)")
    ap.add_argument("--quick", action="store_true", help="fewer cases and runs: under a minute")
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/report.py's rows) on stdout")
    ap.add_argument("--code", type=Path, default=None, help="another checkout measured beside this one, e.g. main's")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    repeat = args.repeat or (3 if args.quick else 5)
    if args.child:
        print(json.dumps(child(args.child, repeat)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    import _rows  # bench/_rows.py, the common output
    import eval_speed  # the same generated worker cases as the eval bench

    n = args.cases or (2000 if args.quick else 5000)
    codes = [("", ROOT)] + ([(f" ({args.code})", args.code.resolve())] if args.code else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "workers.json"
        path.write_text(json.dumps(eval_speed.cases(n)), encoding="utf-8")
        for label, code in codes:
            got = measure(code, path, repeat)
            _rows.say_for(args.json)(f"{code}: {json.dumps(got)}")
            rows += [eval_speed.row(f"ruling written: {MEASURES[k]}{label}", f"{n:,} worker rulings", got[k],
                                    "us CPU per ruling") for k in MEASURES]
    _rows.finish("encode_speed", rows, args.json)


if __name__ == "__main__":
    main()
