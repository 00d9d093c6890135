"""The `policy` command: check the repository, evaluate case files.

Exit codes: `check` 0 clean, 1 problems or failed expectations; `eval` 0 evaluated, 1 an expectation failed,
2 input unusable (a bad file or case: the other cases are still evaluated and printed). 3 is an internal error,
130 an interruption (Ctrl-C: one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import atexit
import datetime as dt
import difflib
import os
import sys
import threading
import traceback
from pathlib import Path

# What only some commands use is imported in them, when they run (the checks, the documents' renderer, a bundle's
# and the decision log's code): about 20 ms of every `policy eval`'s start otherwise.
from .. import api
from . import bundle as cli_bundle, diff as cli_diff, documents as cli_documents, log_commands as cli_log, log_writing
from . import serve as cli_serve
from ..engine import engines
from ..ruling import collector, explain, pool
from ..repo import supplements
from ..ruling.readings import ReadingError, parse_choice
from . import batch as batch_cli
from .common import err as _err
from .common import add_assume_adopted_arg, refuse_broken
from ..load.problems import PolicyInputError
from ..render import ruling_format
from ..render.text import ruling_text, to_json


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a real date (YYYY-MM-DD)") from None


def _jobs_arg(text: str) -> int:
    if text == "auto":
        return pool.AUTO
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of processes or auto") from None
    if not 1 <= n <= pool.MAX_JOBS:
        raise argparse.ArgumentTypeError(f"{n}: give between 1 and {pool.MAX_JOBS} processes")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policy", description="Yinchuan 2018 community policies as rules as code.")
    p.add_argument("--repo", type=Path, default=None,
                   help="policy repository to use (default: the one this tool was installed from)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="validate every file, check cross-references, run every case with expectations")
    c.add_argument("--engine", choices=["durable", "reference"], default="durable")
    c.add_argument("--mutations", nargs="*", metavar="ID", default=None,
                   help="also mutate every numeric figure of policies/ and rules/ (or only of the policies and rule "
                        "sets named) in memory and report each one that no case and no check notices, with the "
                        "mutation score")
    cli_documents.add_proposal_arg(c)
    e = sub.add_parser("eval", help="evaluate the cases of one or more case files")
    e.add_argument("files", nargs="+", type=Path, metavar="FILE")
    e.add_argument("--as-of", type=_date_arg, default=None, help="rule on this date instead of each case's as_of")
    e.add_argument("--format", choices=["text", "json", "markdown", "html"], default="text",
                   help="markdown/html: each ruling as a document to file (facts, clauses quoted, readings, digest)")
    e.add_argument("--clauses", choices=ruling_format.FORMS, default="auto",
                   help="json: where the clause texts a ruling quotes are written: `inline` in every trace entry, "
                        "or `table` (each text once, in the document's `clauses`, the entries giving the id); "
                        "`auto` (default): inline for one ruling, a table for several (docs/contract.md)")
    e.add_argument("--issuer", default=None, metavar="NAME",
                   help="markdown/html: who issues the documents (an office or a person), printed in each one's "
                        "issuing block with the case reference, the date ruled for, the date printed and the digest")
    e.add_argument("--engine", choices=["durable", "reference"], default="durable",
                   help="rule engine for condition rules (default durable-rules)")
    e.add_argument("--reading", action="append", default=[], metavar="INTERPRETATION=ALTERNATIVE",
                   help="rule under an alternative reading recorded in interpretations/ (repeatable)")
    e.add_argument("--why-not", action="append", default=[], metavar="RULE",
                   help="explain, clause by clause in Chinese and English, why rule RULE (an id such as "
                        "two_consecutive_unqualified, or RULESET#ID) did not fire; `all` for every rule that did "
                        "not fire; may be repeated")
    e.add_argument("--jobs", type=_jobs_arg, default=pool.AUTO, metavar="N",
                   help="rule the cases in N processes (at most {max}); the output, its order and the exit code are "
                        "those of one process. Default `auto`: the machine's cores (at most {auto}) for a file of "
                        "{min:,} cases or more written as JSON without a decision log, else one; `--jobs 1` forces "
                        "one process".format(max=pool.MAX_JOBS, auto=pool.AUTO_MAX_JOBS, min=pool.AUTO_MIN_CASES))
    v = sub.add_parser("coverage", help="clause by clause: encoded (where, how many cases reach it) or why not")
    v.add_argument("--format", choices=["text", "json"], default="text")
    v.add_argument("--status", choices=["encoded", "pending", "not_encoded", "unaccounted"], default=None,
                   help="show only the clauses with this status (the summary still counts all)")
    v.add_argument("--engine", choices=["durable", "reference"], default="durable")
    batch_cli.add_parsers(sub, _date_arg)
    cli_bundle.add_source_args(e)
    add_assume_adopted_arg(e)
    log_writing.add_log_args(e)
    cli_bundle.add_commands(sub)
    cli_log.add_commands(sub)
    cli_diff.add_commands(sub)
    cli_serve.add_commands(sub)
    cli_documents.add_commands(sub, _date_arg)
    return p



def cmd_check(args) -> int:
    from ..checks import clause_coverage as coverage, mutations
    from .. import checks
    repo = cli_documents.load_state(args)
    problems = list(repo.problems)
    ran = failed = 0
    evaluated = None
    if not repo.problems:
        engine = engines.make(args.engine)
        evaluated = []
        for path in api.case_files_of(repo):
            # Expectations are on results: the notes on other readings (rulings re-ruled) are not needed here.
            outcome = api.evaluate_file(repo, path, engine, display_path=repo.rel(path), only_expected=True,
                                        compare_readings=False)
            problems += outcome.problems + outcome.mismatches
            ran += outcome.with_expectations
            failed += outcome.failed
            evaluated += outcome.cases
    report = checks.run(repo, evaluated)
    problems += report.findings
    if not repo.problems:
        problems += coverage.compute(repo)[1]
    problems = cli_documents.shown_at(args, problems)
    for prob in problems:
        print(prob)
    for prob in cli_documents.shown_at(args, report.accepted):
        print(f"accepted: {prob}")
    if not repo.problems:
        _print_missing_supplements(repo)
    if args.mutations is not None:
        unknown = [i for i in args.mutations if i not in repo.policies and i not in repo.rulesets]
        if unknown:
            _err(f"policy check: --mutations: no policy or rule set {', '.join(unknown)}")
            return 2
        if problems:
            print("policy check: the mutation sweep needs a clean repository; fix the problems above first")
        else:
            sweep = mutations.sweep(repo, [c for c, _ in evaluated], only=set(args.mutations))
            for prob in sweep.survivors:
                print(prob)
            print(sweep.summary())
            problems += sweep.survivors
    counts = (f"{len(repo.clauses)} clauses and units, {len(repo.interpretations)} interpretations, "
              f"{sum(len(v) for v in repo.policies.values())} policy versions, "
              f"{sum(len(v) for v in repo.rulesets.values())} rule sets")
    status = "clean" if not problems else f"{len(problems)} problem(s)"
    print(f"policy check: {status}; {counts}; {ran - failed} of {ran} cases with expectations passed; "
          f"digest {repo.digest}")
    return 0 if not problems else 1


def _print_missing_supplements(repo) -> None:
    """The register of what is still to be decided: per delegated term, the areas with no supplement in force
    today and the body of each that must decide (not a problem: the city text leaves it to them)."""
    day = dt.date.today()
    by_term: dict = {}
    for area, term, body in supplements.missing(repo, day):
        by_term.setdefault(term, []).append(f"{area} ({body['zh']})")
    for term, areas in by_term.items():
        d = repo.delegations[term]
        late = f"; overdue since {d.data['due']} ({d.data['due_source']})" if supplements.overdue(d, day) else ""
        print(f"missing supplement on {day}: {term} (delegated by {d.data['clause']}) in {len(areas)} of "
              f"{len(supplements.AREAS)} areas{late}: {', '.join(areas)}")


def cmd_eval(args) -> int:
    repo = cli_bundle.repo_for(args)
    if refuse_broken(repo, "policy eval: the policy repository has {n} problem(s); no ruling is made from it "
                           "(run `policy check`)"):
        return 2
    try:
        choices = dict(parse_choice(repo, text) for text in args.reading)
    except ReadingError as exc:
        _err(f"policy eval: {exc}")
        return 2
    known = explain.rule_ids(repo)
    unknown = [w for w in args.why_not if w != "all" and w not in known]
    if unknown:
        for w in unknown:
            near = difflib.get_close_matches(w, list(known), n=1)
            _err(f"policy eval: --why-not {w}: no rule has this id" + (f"; did you mean '{near[0]}'?" if near else
                 f"; rules: {', '.join(sorted(k for k in known if '#' not in k))}"))
        return 2
    engine = engines.make(args.engine)
    # The repository is kept to the end; the cases' rulings make no cyclic garbage, so the young generation is
    # collected rarely (ruling/collector.py): about 6% of the CPU of 20,000 worker cases, --jobs 1.
    collector.settle()
    rulings, unusable, failed, per_file, outcomes = [], False, 0, [], []
    # JSON without a decision log is written ruling by ruling as the cases are ruled, holding none of them.
    stream = (ruling_format.RulingsWriter(sys.stdout, repo, args.clauses)
              if args.format == "json" and getattr(args, "log", None) is None else None)
    for path in args.files:
        outcome = api.evaluate_file(repo, path, engine, as_of=args.as_of, readings=choices,
                                    why_not=tuple(args.why_not), sink=stream and stream.write, jobs=args.jobs,
                                    encode=stream and stream.encoder())
        outcomes.append(outcome)
        for prob in outcome.problems:
            _err(str(prob))
        rulings += outcome.rulings
        per_file.append((outcome.rulings, {case.id: case for case, _ in outcome.cases}))
        unusable |= outcome.unusable
        failed += outcome.failed
    log_failed = log_writing.log_rulings(args, repo, outcomes, choices)
    if stream is not None:
        stream.close()
    elif args.format == "json":
        print(to_json(ruling_format.document(rulings, repo, args.clauses)))
    elif args.format in ("markdown", "html"):
        from ..render import document as ruling_doc
        print(ruling_doc.render(per_file, repo, args.format, issuer=args.issuer or ruling_doc.DEFAULT_ISSUER))
    else:
        good = [r for r in rulings if "results" in r]
        print("\n\n".join(ruling_text(r, repo) for r in good))
        bad = len(rulings) - len(good)
        print(f"\n{len(good)} case(s) evaluated" + (f", {bad} not usable (see the errors above)" if bad else "")
              + (f", {failed} with expectations not met" if failed else ""))
    if log_failed:
        _err(log_failed)  # the rulings above were made but not logged: say so, and the exit code says it too
    if unusable or log_failed:
        return 2
    return 1 if failed else 0


def cmd_coverage(args) -> int:
    from ..checks import clause_coverage as coverage
    repo = api.load(args.repo)
    if refuse_broken(repo, "policy coverage: the policy repository has {n} problem(s) (run `policy check`)"):
        return 2
    rows, problems = coverage.compute(repo, coverage.case_counts(repo, engines.make(args.engine)))
    shown = [r for r in rows if args.status in (None, r.status)]
    if args.format == "json":
        print(to_json({"summary": coverage.summary(rows), "clauses": [vars(r) for r in shown],
                       "problems": [p.as_json() for p in problems]}))
    else:
        print(coverage.render_text(rows, problems, shown))
    for prob in problems:
        _err(str(prob))
    return 1 if problems else 0


COMMANDS = {"check": cmd_check, "eval": cmd_eval, "coverage": cmd_coverage,
            "batch": batch_cli.cmd_batch, "roster": batch_cli.cmd_roster,
            **cli_bundle.COMMANDS, **cli_log.COMMANDS, **cli_diff.COMMANDS, **cli_serve.COMMANDS,
            **cli_documents.COMMANDS}


def main(argv: list[str] | None = None) -> int:
    # numpy's OpenBLAS starts a thread per core when numpy is imported (the compiled programs of policy eval, the
    # vectorised batch), which spins for a while after: about 0.1 CPU-s a run, taken from the processes ruling the
    # cases on a 2-core machine (measured 2026-12-06). Nothing here does linear algebra; a user's setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PolicyInputError as exc:
        for prob in exc.problems:
            _err(str(prob))
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:  # Ctrl-C: what was written stays written, the processes ruling cases are stopped
        _err("policy: interrupted")
        return 130
    except Exception:  # noqa: BLE001 - a bug, not the user's mistake: say so and show where
        _err("policy: internal error (this is a bug in the evaluator, not in your input):")
        _err(traceback.format_exc())
        return 3


def run() -> None:
    """The `policy` program: main()'s exit code, without the interpreter's teardown where it has nothing left to do.
    Freeing every object of a large run one by one (the repository, its compiled programs, the caches) cost about
    0.06 s after the last byte was written (policy eval of 20,000 cases, 2026-12-06). What the teardown would still
    do is done first: stdout and stderr flushed and the atexit handlers run (e.g. a bundle's unpacked copy
    removed). Where the flush fails (a closed pipe) or another thread still runs, Python's own exit does it all, as
    before, and says what it says."""
    code = main()
    if not _flushed() or threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # what Python's exit runs first (the handlers print their own errors, as there)
    if not _flushed():
        sys.exit(code)
    os._exit(code)


def _flushed() -> bool:
    """stdout and stderr flushed; False where that fails (e.g. BrokenPipeError: Python's exit reports it as it
    always has)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        return False
    return True


if __name__ == "__main__":
    run()
