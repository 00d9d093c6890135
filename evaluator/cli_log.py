"""`--log PATH` on eval, and `policy log verify | replay | checkpoint`.

Exit codes: verify 0 the chain holds, 1 broken; replay 0 reproduces, 1 does not, 2 the policy state of the record
cannot be found; 2 for unusable input throughout.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from . import api, bundle, decision_log, engines, signing, snapshots
from .problems import PolicyInputError, Problem


def _fail(message: str, code: str = "unusable") -> PolicyInputError:
    return PolicyInputError([Problem("policy", 0, 0, message, code)])


def add_log_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log", type=Path, default=None, metavar="PATH",
                   help="append every ruling to this decision log (SQLite, hash-chained)")
    p.add_argument("--log-key", type=Path, default=None, metavar="PRIVATE",
                   help="sign a checkpoint of the log's head every 100 records with this key")


def log_rulings(args, repo, outcomes, readings: dict | None = None) -> None:
    """Append the rulings of evaluated files to --log, if given; one transaction for the whole command."""
    if getattr(args, "log", None) is None:
        return
    key = None
    if args.log_key is not None:
        try:
            key = signing.load_private(args.log_key)
        except signing.SigningError as exc:
            raise _fail(str(exc), "bad_key") from None
    entries = [decision_log.entry_for_ruling(r, o.inputs[r["id"]], readings)
               for o in outcomes for r in o.rulings if "results" in r]
    try:
        ids = decision_log.append(args.log, entries, decision_log.repository_version(repo.root), key)
    except decision_log.LogError as exc:
        raise _fail(str(exc), "log") from None
    print(f"logged {len(ids)} decision(s) to {args.log}", file=sys.stderr)


def add_commands(sub) -> None:
    lp = sub.add_parser("log", help="check or replay the decision log")
    lsub = lp.add_subparsers(dest="log_command", required=True)
    v = lsub.add_parser("verify", help="check the hash chain (and signed checkpoints with --key)")
    v.add_argument("path", type=Path, metavar="PATH")
    v.add_argument("--key", type=Path, default=None, metavar="PUB", help="public key of the signed checkpoints")
    r = lsub.add_parser("replay", help="evaluate a recorded input again under its recorded policy digest")
    r.add_argument("path", type=Path, metavar="PATH")
    r.add_argument("decision_id", metavar="DECISION_ID")
    r.add_argument("--bundle", type=Path, default=None, metavar="PATH", help="the bundle the decision was made from")
    r.add_argument("--key", type=Path, default=None, metavar="PUB", help="public key of the bundle")
    c = lsub.add_parser("checkpoint", help="sign the log's current head now")
    c.add_argument("path", type=Path, metavar="PATH")
    c.add_argument("--key", type=Path, required=True, metavar="PRIVATE")


def cmd_log(args) -> int:
    try:
        return {"verify": _verify, "replay": _replay, "checkpoint": _checkpoint}[args.log_command](args)
    except (decision_log.LogError, signing.SigningError, bundle.BundleError, snapshots.SnapshotError) as exc:
        raise _fail(str(exc)) from None


def _verify(args) -> int:
    key = signing.load_public(args.key) if args.key else None
    check = decision_log.verify(args.path, key)
    if check.broken:
        print(f"{args.path}: BROKEN: {check.broken}")
        return 1
    signed = f", {check.checkpoints} signed checkpoint(s) verified" if key else ""
    print(f"{args.path}: chain intact: {check.records} record(s){signed}")
    return 0


def _checkpoint(args) -> int:
    head = decision_log.checkpoint(args.path, signing.load_private(args.key))
    print(f"{args.path}: " + (f"signed head record {head[0]} {head[1]}" if head else "empty log, nothing to sign"))
    return 0


def _replay(args) -> int:
    rec = decision_log.record(args.path, args.decision_id)
    if rec["kind"] != "case":
        raise _fail(f"decision {args.decision_id} is a {rec['kind']} record; only case rulings are replayed")
    digest = rec["policy_digest"]
    if args.bundle is not None:
        key = signing.load_public(args.key) if args.key else None
        repo, _ = bundle.load(args.bundle, key, verify=True)
        if repo.digest != digest:
            print(f"the bundle's revision {repo.digest} is not the recorded policy digest {digest}")
            return 2
    else:
        repo = snapshots.find_digest(digest, args.repo or api.default_repo())
        if repo is None:
            print(f"no state of the repository (working tree or git history) has the policy digest {digest}; "
                  "give the bundle it was made from with --bundle")
            return 2
    recorded = json.loads(rec["input"])
    readings = recorded.get("readings") or {}
    with tempfile.TemporaryDirectory() as tmp:
        case_path = Path(tmp) / "case.json"
        case_path.write_text(json.dumps(recorded["case"], ensure_ascii=False), encoding="utf-8")
        out = api.evaluate_file(repo, case_path, engines.make(rec["engine"]), display_path="recorded input",
                                readings=readings or None)
    [ruling] = out.rulings
    if "results" not in ruling:
        print(f"the recorded input cannot be evaluated: {ruling['errors']}")
        return 1
    entry = decision_log.entry_for_ruling(ruling, out.inputs[ruling["id"]], readings)
    before, after = json.loads(rec["results"]), json.loads(entry["results"])
    if entry["ruling_digest"] == rec["ruling_digest"] and before == after:
        print(f"decision {args.decision_id} reproduces: the same ruling ({rec['ruling_digest']}) under policy "
              f"{digest}, engine {rec['engine']}")
        return 0
    print(f"decision {args.decision_id} does NOT reproduce under policy {digest}:")
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            print(f"  {name}: recorded {before.get(name)!r}, now {after.get(name)!r}")
    if before == after:
        print("  the results are the same but the ruling differs (trace, clauses or notes)")
    return 1


COMMANDS = {"log": cmd_log}
