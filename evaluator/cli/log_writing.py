"""`--log PATH` (and `--log-key`) on `policy eval`, `policy batch` and `policy serve`: the rulings of a command
appended to the decision log (evaluator/audit/decision_log.py) in one transaction."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..repo import signing
from .common import fail as _fail
from ..load.problems import PolicyInputError


def add_log_args(p: argparse.ArgumentParser,
                 what: str = "append every ruling to this decision log (SQLite, hash-chained)") -> None:
    p.add_argument("--log", type=Path, default=None, metavar="PATH", help=what)
    p.add_argument("--log-key", type=Path, default=None, metavar="PRIVATE",
                   help="sign a checkpoint of the log's head every 100 records with this key")


def log_rulings(args, repo, outcomes, readings: dict | None = None) -> str | None:
    """Append the rulings of evaluated files to --log, if given; one transaction for the whole command. Each logged
    ruling gets its record's `decision_id`; the ids are printed on stderr. A log that cannot be written (locked,
    read-only) is not the rulings' fault: the message is returned for the caller to print after the rulings."""
    if getattr(args, "log", None) is None:
        return None
    from ..audit import decision_log  # (sqlite and the log's code: only where a log is written)
    rulings = [(r, o) for o in outcomes for r in o.rulings if "results" in r]
    entries = [decision_log.entry_for_ruling(r, o.inputs[r["id"]], readings) for r, o in rulings]
    try:
        ids = _append(args, repo, entries)
    except PolicyInputError as exc:
        return "; ".join(str(p) for p in exc.problems)
    for (r, _), did in zip(rulings, ids):
        r["decision_id"] = did
    print(f"logged {len(ids)} decision(s) to {args.log}:", file=sys.stderr)
    for (r, _), did in zip(rulings, ids):
        print(f"  {did}  case {r['id']}", file=sys.stderr)
    return None


def log_batch(args, repo, inputs: dict, outputs: dict, options: dict, engine: str, summary: dict) -> None:
    """Append one record for a whole `policy batch` run to --log, if given: the digests of its files (inputs and
    outputs: role -> path), the options a replay needs, the engine or path taken, and the summary's counts."""
    if getattr(args, "log", None) is None:
        return
    from ..audit import decision_log
    entry = decision_log.entry_for_batch({k: decision_log.file_digest(p) for k, p in inputs.items()},
                                         {k: decision_log.file_digest(p) for k, p in outputs.items()},
                                         repo.digest, engine, summary, options)
    [did] = _append(args, repo, [entry])
    print(f"logged the batch run as decision {did} to {args.log}", file=sys.stderr)


def _append(args, repo, entries: list) -> list:
    from ..audit import decision_log
    key = None
    if args.log_key is not None:
        try:
            key = signing.load_private(args.log_key)
        except signing.SigningError as exc:
            raise _fail(str(exc), "bad_key") from None
    try:
        return decision_log.append(args.log, entries, decision_log.repository_version(repo.root), key)
    except decision_log.LogError as exc:
        raise _fail(str(exc), "log") from None
