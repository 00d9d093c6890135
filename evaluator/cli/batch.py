"""`policy batch` and `policy roster`. Heavy imports (numpy, polars) happen inside the commands, so that
`policy eval` starts as fast as before.

Exit codes of `policy batch`: 0 every row ruled; 2 some rows rejected (see the rejects file; the others are ruled)
or the roster unusable; 3 an internal error.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

from .common import err as _err
from .common import add_assume_adopted_arg, output_problem, refuse_broken, with_assumed
from ..load.limits import shown
from .log_writing import add_log_args, log_batch

SHOWN = 16  # rejects printed; all of them are in the rejects file


def positive(text: str) -> int:
    import argparse

    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of rows of at least 1: {text!r}")
    return n


def add_parsers(sub, date_arg) -> None:
    b = sub.add_parser("batch", help="rule on a whole roster (CSV or Parquet) into a rulings table")
    b.add_argument("roster", type=Path, metavar="ROSTER")
    b.add_argument("--as-of", type=date_arg, required=True, help="the date of the rulings (YYYY-MM-DD)")
    b.add_argument("--out", type=Path, help="rulings file: .parquet (default) or .csv")
    b.add_argument("--rejects", type=Path, help="rejected rows as CSV (default: OUT with .rejects.csv)")
    b.add_argument("--summary", type=Path, help="also write the summary as JSON")
    b.add_argument("--explain", metavar="WORKER_ID", help="print one worker's full ruling with its trace")
    b.add_argument("--format", choices=["text", "json"], default="text", help="for --explain")
    b.add_argument("--traced", action="store_true",
                   help="rule case by case with the full trace (the audit path) on a process pool or Dask")
    b.add_argument("--trace-out", type=Path, help="with --traced: write every full ruling as JSON lines")
    b.add_argument("--engine", choices=["durable", "reference"], default="durable", help="for --traced/--explain")
    b.add_argument("--jobs", type=int, default=None, help="processes (default: the machine's cores)")
    b.add_argument("--cluster", default=os.environ.get("DASK_SCHEDULER_ADDRESS"),
                   help="with --traced: 'local' for a local Dask cluster, or a scheduler address "
                        "(default $DASK_SCHEDULER_ADDRESS)")
    b.add_argument("--partition", type=int, default=4096, help="rows per task on the traced path")
    b.add_argument("--chunk-rows", type=positive, default=None,
                   help="rows read, ruled and written at a time, at most (default 100,000: memory is about 2 KB a "
                        "row of the chunk, whatever the roster's size; a CSV's first and last chunks are smaller; "
                        "the rulings, and the files, are the same for any value)")
    add_assume_adopted_arg(b)
    add_log_args(b, "append the run to this decision log as one record: the digests of the roster and the output "
                    "files (not --explain)")
    r = sub.add_parser("roster", help="write a deterministic sample roster (CSV or Parquet)")
    r.add_argument("out", type=Path, metavar="FILE")
    r.add_argument("--workers", type=int, default=1000)
    r.add_argument("--seed", type=int, default=2018)
    r.add_argument("--as-of", type=date_arg, default=None, help="the date the years and grades are counted to")


def cmd_roster(args) -> int:
    from ..batch import sample as roster

    df = roster.generate(args.workers, args.seed, args.as_of or roster.DEFAULT_AS_OF)
    roster.write(df, args.out)
    print(f"policy roster: {df.height} workers written to {args.out} (seed {args.seed})")
    return 0


@contextlib.contextmanager
def progress_bar() -> Iterator[Callable[[int], None] | None]:
    """What to tell the workers ruled: a progress bar on stderr when it is a terminal (shown after 2 s), else
    nothing (tqdm is not even imported: it is not needed)."""
    isatty = getattr(sys.stderr, "isatty", None)
    if not (isatty and isatty()):
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc="policy batch", unit="worker", delay=2, file=sys.stderr) as bar:
        yield bar.update


def cmd_batch(args) -> int:
    from .. import api
    from ..render.text import ruling_text, to_json
    from ..batch import compile as bcompile
    from ..batch import io, memory, stream, summary
    from ..batch.facts import worker_specs
    from ..kinds.funding import area_codes

    memory.keep_freed_memory()
    repo = with_assumed(api.load(args.repo), args)
    if refuse_broken(repo, "policy batch: the policy repository has {n} problem(s); no ruling is made from it"):
        return 2
    if args.explain is None and args.out is None:
        _err("policy batch: give --out RULINGS (or --explain WORKER_ID)")
        return 2
    if args.explain is None:
        rejects_path = args.rejects or args.out.with_suffix(".rejects.csv")
        outputs = [("--out", args.out), ("--rejects", rejects_path), ("--summary", args.summary),
                   ("--trace-out", args.trace_out if args.traced else None)]
        inputs = [args.roster] + ([args.log] if getattr(args, "log", None) else [])
        for i, (what, path) in enumerate(outputs):
            others = [p for _, p in outputs[:i] if p is not None]  # two outputs to one file: one would be lost
            bad = path is not None and output_problem(path, inputs + others, what)
            if bad:
                raise bad
    started = time.perf_counter()
    specs = worker_specs(repo.schema_dir)
    areas = area_codes(repo, args.as_of)
    if args.explain is not None:  # the roster read chunk by chunk too, for the rows with this id
        mine, hit = stream.find(args.roster, specs, repo.schema_dir, areas, args.explain,
                                args.chunk_rows or stream.CHUNK_ROWS)
        return _explain(args, repo, mine, hit, ruling_text, to_json)

    if args.traced:
        prog = bcompile.compile_worker(repo, args.as_of)
        rows, rejected_rows, shown_rejects, n_rejects, part, certificates = _traced(args, repo, prog, specs, areas,
                                                                                   rejects_path)
    else:
        with progress_bar() as bar:
            # the program is compiled while the first chunks are read and checked
            st = stream.rule_roster(lambda: bcompile.compile_worker(repo, args.as_of), args.roster, specs,
                                    repo.schema_dir, areas, args.out, rejects_path, args.rejects is not None,
                                    args.chunk_rows or stream.CHUNK_ROWS, bar, SHOWN, taper=True)
        rows, rejected_rows, shown_rejects, n_rejects = st.rows, st.rejected_rows, st.first_rejects, st.rejects
        part, certificates = st.part, st.certificates
    s = summary.finish(part, rows, rejected_rows)
    summary.policy_figures(s, part, repo, args.as_of, certificates)
    summary.district_figures(s, part, bcompile.LAYER_RESULTS[0])
    s.update(as_of=args.as_of.isoformat(), digest=repo.digest, out=str(args.out),
             seconds=round(time.perf_counter() - started, 3))
    if repo.assumed_adopted:  # a hypothetical state: the summary and its text say so
        s["assumed_adopted"] = sorted(repo.assumed_adopted)
    print("\n".join([summary.text(s)] + summary.policy_text(s)))
    print(f"  rulings: {args.out}" + (f"; rejects: {rejects_path}" if n_rejects else "") + f"; digest {repo.digest}")
    if repo.assumed_adopted:
        print(f"  HYPOTHETICAL — EXAMPLE — NOT ADOPTED: ruled as if {', '.join(sorted(repo.assumed_adopted))} had "
              "been adopted (--assume-adopted)")
    if args.summary:
        args.summary.write_text(io.dumps(s), encoding="utf-8")
    files = {"rulings": args.out, **({"rejects": rejects_path} if n_rejects or args.rejects else {}),
             **({"trace": args.trace_out} if args.traced and args.trace_out is not None else {})}
    log_batch(args, repo, {"roster": args.roster}, files,
              {"as_of": args.as_of.isoformat(), "traced": args.traced, "engine": args.engine,
               "partition": args.partition, **({"chunk_rows": args.chunk_rows} if args.chunk_rows else {})},
              f"{args.engine} (traced)" if args.traced else "vectorised",
              {k: s[k] for k in ("rows", "ruled", "rejected", "base_pay_monthly", "retiree_top_up_monthly",
                                 "with_exit_ground")})
    line = 1 if args.roster.suffix.lower() == ".csv" else None  # a CSV row is one line after the header
    for r in shown_rejects[:SHOWN]:
        where = f"{args.roster}:{r[0] + line}" if line else str(args.roster)
        _err(f"{where}: row {r[0]} [worker {shown(r[1] or '')}] {r[2] or 'row'}: {r[4]}"
             + (f" (value {shown(repr(r[3]))})" if r[3] is not None else ""))
    if n_rejects > SHOWN:
        _err(f"... {n_rejects - SHOWN} more in {rejects_path}")
    return 2 if n_rejects else 0


def _traced(args, repo, prog, specs, areas, rejects_path) -> tuple:
    """The traced path (per-case rulings on a process pool or Dask) over the whole roster: (rows, rejected rows,
    rejects, their number, the summary part, workers by certificate)."""
    import polars as pl
    from tqdm import tqdm

    from ..render.text import to_json
    from ..batch import executor, frame, io, summary
    from ..batch.facts import to_case_facts

    ro = io.read_roster(args.roster, specs, repo.schema_dir, areas)
    rejects = list(ro.rejects)
    names = frame.result_names(prog)
    rows = [(int(ro.row[i]), ro.ids[i], to_case_facts(ro.facts, specs, i)) for i in range(ro.facts.n)]
    with tqdm(total=len(rows), desc="rulings", unit="worker", delay=2, file=sys.stderr, disable=None) as pbar, \
            executor.executor(args.cluster, args.jobs) as ex:
        results = executor.run(ex, str(repo.root), args.engine, args.as_of, names, rows,
                               max(1, args.partition), full=args.trace_out is not None, progress=pbar,
                               assume_adopted=repo.assumed_adopted)
    good = [r for r in results if r[3] is None]
    rejects += [(r[0], r[1], "", None, r[3]) for r in results if r[3] is not None]
    head = {"row": pl.Series([r[0] for r in good], dtype=pl.Int64), "id": pl.Series([r[1] for r in good],
                                                                                    dtype=pl.String)}
    if ro.area is not None:
        area_of = dict(zip(ro.row.tolist(), ro.area.to_list()))
        head["area"] = pl.Series([area_of[r[0]] for r in good], dtype=pl.String)
    df = frame.traced_frame(prog, [r[2] for r in good], head)
    if args.trace_out is not None:
        with open(args.trace_out, "w", encoding="utf-8") as fh:
            for r in good:
                fh.write(to_json(r[4], indent=None) + "\n")
    rejects.sort(key=lambda r: r[0])
    io.write_rulings(df, args.out)
    if rejects or args.rejects:
        io.write_rejects(rejects_path, rejects)
    certificates = summary.certificate_counts(ro.facts.columns["certificate"].values, specs["certificate"].enum)
    return ro.rows, len({r[0] for r in rejects}), rejects[:SHOWN], len(rejects), summary.part(df), certificates


def _explain(args, repo, mine: list, hit, ruling_text, to_json) -> int:
    """One worker's full ruling; `mine`: the rejects of rows with the worker's id; `hit`: (row, facts) of the first
    row with it read as a case, or None (batch/stream.find)."""
    from ..engine import engines
    from ..kinds.errors import RulingError
    from ..render.notes import worded
    from ..ruling.evaluate import evaluate
    from ..batch.executor import case_of

    path = str(args.roster)
    if mine:
        for r in mine:
            _err(f"{path}: row {r[0]} [worker {r[1]}] {r[2]}: {r[4]}")
        return 2
    if hit is None:
        _err(f"{path}: no worker with id '{args.explain}'")
        return 2
    row, facts = hit
    try:
        r = worded(evaluate(case_of(args.explain, facts, args.as_of), repo, engines.make(args.engine)))
    except RulingError as exc:
        _err(f"{path}: row {row} [worker {args.explain}]: {exc}")
        return 2
    r["row"] = row
    print(to_json(r) if args.format == "json" else f"Row {row} of {path}\n" + ruling_text(r, repo))
    return 0
