"""`policy log verify | replay | checkpoint` (writing to the log with --log is log_writing.py).

A batch run is one record holding the digests of its roster and output files; its replay runs the batch again on
the same roster (checked by digest) and compares the output files' digests.

Exit codes: verify 0 the chain holds, 1 broken; replay 0 reproduces, 1 does not, 2 the policy state of the record
(or a batch run's roster) cannot be found; 2 for unusable input throughout.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

from .. import api
from ..repo import bundle, signing, snapshots
from ..audit import decision_log
from ..engine import engines
from .common import fail as _fail
from . import batch as batch_cli


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
    if rec["kind"] not in ("case", "batch"):
        raise _fail(f"decision {args.decision_id} is a {rec['kind']} record; only case rulings and batch runs "
                    "are replayed")
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
    if rec["kind"] == "batch":
        return _replay_batch(args, rec, repo)
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


def _replay_batch(args, rec: dict, repo) -> int:
    """Run the batch again on the recorded input file under the recorded policy state, into a temporary directory,
    and compare the digests of the output files. The log keeps the input's digest, not the roster itself: the
    replay needs the very file (checked by its digest) at its recorded path."""
    batch = json.loads(rec["input"])["batch"]
    opts, outputs = batch.get("options") or {}, batch["outputs"]
    roster = batch["inputs"]["roster"]
    path = Path(roster["path"])
    if not path.is_file():
        print(f"decision {args.decision_id} is a batch run; its roster {path} is gone, and the log keeps only its "
              f"digest (sha256:{roster['sha256']}), so the run cannot be replayed without that file")
        return 2
    now = decision_log.file_digest(path)["sha256"]
    if now != roster["sha256"]:
        print(f"decision {args.decision_id} is a batch run; its roster {path} has changed since (sha256:{now}, "
              f"recorded sha256:{roster['sha256']}), so the run cannot be replayed from it")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        made = {role: Path(tmp) / f"{role}{Path(f['path']).suffix}" for role, f in outputs.items()}
        ns = argparse.Namespace(repo=repo.root, roster=path, as_of=dt.date.fromisoformat(opts["as_of"]),
                                out=made["rulings"], rejects=made.get("rejects"), summary=None, explain=None,
                                format="text", traced=opts.get("traced", False), trace_out=made.get("trace"),
                                engine=opts.get("engine", "durable"), jobs=None, cluster=None,
                                partition=opts.get("partition", 4096), log=None, log_key=None)
        # rejects the recorded run did not have would be written where the batch puts them by default
        made.setdefault("rejects", made["rulings"].with_suffix(".rejects.csv"))
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            batch_cli.cmd_batch(ns)
        differ = []
        for role in sorted(set(outputs) | {"rejects"}):
            before = outputs.get(role, {}).get("sha256")
            after = decision_log.file_digest(made[role])["sha256"] if made[role].is_file() else None
            if before != after:
                differ.append(f"  {role}: recorded {'sha256:' + before if before else 'no file'}, "
                              f"now {'sha256:' + after if after else 'no file'}")
    if not differ:
        print(f"decision {args.decision_id} reproduces: the batch run on {path} gives the same output files "
              f"({', '.join(sorted(outputs))}) under policy {rec['policy_digest']}, {rec['engine']}")
        return 0
    print(f"decision {args.decision_id} does NOT reproduce under policy {rec['policy_digest']}:")
    print("\n".join(differ))
    return 1


COMMANDS = {"log": cmd_log}
