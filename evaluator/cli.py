"""The `policy` command: check the repository, evaluate case files.

Exit codes: `check` 0 clean, 1 problems or failed expectations; `eval` 0 evaluated, 1 an expectation failed,
2 input unusable (a bad file or case: the other cases are still evaluated and printed). 3 is an internal error.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from pathlib import Path

from . import cases as case_files
from . import engines, repository
from .problems import PolicyInputError, Problem
from .report import ruling_text, to_json
from .ruling import evaluate
from .worker import RulingError

CASE_DIRS = ("tests/cases", "examples")


def default_repo() -> Path:
    return Path(__file__).resolve().parent.parent


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a real date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policy", description="Yinchuan 2018 community policies as rules as code.")
    p.add_argument("--repo", type=Path, default=None,
                   help="policy repository to use (default: the one this tool was installed from)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="validate every file, check cross-references, run every case with expectations")
    c.add_argument("--engine", choices=["durable", "reference"], default="durable")
    e = sub.add_parser("eval", help="evaluate the cases of one or more case files")
    e.add_argument("files", nargs="+", type=Path, metavar="FILE")
    e.add_argument("--as-of", type=_date_arg, default=None, help="rule on this date instead of each case's as_of")
    e.add_argument("--format", choices=["text", "json"], default="text")
    e.add_argument("--engine", choices=["durable", "reference"], default="durable",
                   help="rule engine for condition rules (default durable-rules)")
    return p


def _load_repo(path: Path | None) -> repository.Repository:
    root = path or default_repo()
    return repository.load(root)


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def cmd_check(args) -> int:
    repo = _load_repo(args.repo)
    problems = list(repo.problems)
    engine = engines.make(args.engine)
    ran = failed = 0
    if not repo.problems:
        for sub in CASE_DIRS:
            base = repo.root / sub
            for path in sorted(base.rglob("*.yaml")) + sorted(base.rglob("*.json")) if base.is_dir() else []:
                try:
                    cf = case_files.load(path, repo.schema_dir, display_path=repo.rel(path))
                except PolicyInputError as exc:
                    problems.extend(exc.problems)
                    continue
                problems.extend(cf.problems)
                for case in cf.cases:
                    if case.expect is None:
                        continue
                    ran += 1
                    try:
                        r = evaluate(case, repo, engine)
                    except RulingError as exc:
                        failed += 1
                        problems.append(case.doc.problem(case.json_path, str(exc), "no_ruling", case=case.id))
                        continue
                    if not r["expect"]["passed"]:
                        failed += 1
                        for m in r["expect"]["mismatches"]:
                            problems.append(case.doc.problem(
                                case.json_path + ("expect", m["result"]),
                                f"expected {m['result']} = {_show(m['expected'])}, the ruling gives "
                                f"{_show(m['actual'])}", "expectation_failed", case=case.id))
    for prob in problems:
        print(prob)
    counts = (f"{len(repo.clauses)} clauses and units, {len(repo.interpretations)} interpretations, "
              f"{sum(len(v) for v in repo.policies.values())} policy versions, "
              f"{sum(len(v) for v in repo.rulesets.values())} rule sets")
    status = "clean" if not problems else f"{len(problems)} problem(s)"
    print(f"policy check: {status}; {counts}; {ran - failed} of {ran} cases with expectations passed; "
          f"digest {repo.digest}")
    return 0 if not problems else 1


def _show(v) -> str:
    from .report import _v
    return _v(v)


def cmd_eval(args) -> int:
    repo = _load_repo(args.repo)
    if repo.problems:
        for prob in repo.problems:
            _err(str(prob))
        _err(f"policy eval: the policy repository has {len(repo.problems)} problem(s); no ruling is made from it "
             "(run `policy check`)")
        return 2
    engine = engines.make(args.engine)
    unusable = expectation_failed = False
    out: list[dict] = []
    texts: list[str] = []
    for path in args.files:
        try:
            cf = case_files.load(path, repo.schema_dir, as_of_override=args.as_of)
        except PolicyInputError as exc:
            for prob in exc.problems:
                _err(str(prob))
            out.append({"file": str(path), "errors": [p.as_json() for p in exc.problems]})
            unusable = True
            continue
        for prob in cf.problems:
            _err(str(prob))
        unusable |= bool(cf.problems)
        good = {c.id: c for c in cf.cases}
        bad = {}
        for prob in cf.problems:
            bad.setdefault(prob.case, []).append(prob)
        emitted = set()
        for name in cf.order:
            if name in emitted:
                continue
            emitted.add(name)
            case = good.get(name)
            if case is None:
                out.append({"id": name, "errors": [p.as_json() for p in bad.get(name, [])]})
                continue
            try:
                r = evaluate(case, repo, engine)
            except RulingError as exc:
                prob = case.doc.problem(case.json_path + ("as_of",), str(exc), "no_ruling", case=case.id)
                _err(str(prob))
                out.append({"id": case.id, "errors": [prob.as_json()]})
                unusable = True
                continue
            if "expect" in r and not r["expect"]["passed"]:
                expectation_failed = True
            out.append(r)
            texts.append(ruling_text(r, repo))
    if args.format == "json":
        print(to_json(out))
    else:
        print("\n\n".join(texts))
        n = sum(1 for r in out if "results" in r)
        print(f"\n{n} case(s) evaluated" + (f", {len(out) - n} not usable" if len(out) > n else ""))
    if unusable:
        return 2
    return 1 if expectation_failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"check": cmd_check, "eval": cmd_eval}[args.command](args)
    except PolicyInputError as exc:
        for prob in exc.problems:
            _err(str(prob))
        return 2
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - a bug, not the user's mistake: say so and show where
        _err("policy: internal error (this is a bug in the evaluator, not in your input):")
        _err(traceback.format_exc())
        return 3


if __name__ == "__main__":
    sys.exit(main())
