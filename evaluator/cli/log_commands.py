"""`policy log verify | replay | checkpoint | list` (writing to the log with --log is log_writing.py).

A batch run is one record holding the digests of its roster and output files; its replay runs the batch again on
the same roster (checked by digest) and compares the output files' digests.

Exit codes: verify 0 the chain holds (and, with --key, every record is covered by a signed checkpoint unless
--allow-unsigned-tail), 1 broken or not covered; replay 0 reproduces, 1 does not, 2 the policy state of the record
(or a batch run's roster) cannot be found; 2 for unusable input throughout.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import sys
import tempfile
from pathlib import Path

from .. import api
from ..repo import signing
from ..engine import engines
from .common import fail as _fail
from . import batch as batch_cli


def add_commands(sub) -> None:
    lp = sub.add_parser("log", help="check or replay the decision log")
    lsub = lp.add_subparsers(dest="log_command", required=True)
    v = lsub.add_parser("verify", help="check the hash chain (and signed checkpoints with --key)")
    v.add_argument("path", type=Path, metavar="PATH")
    v.add_argument("--key", type=Path, default=None, metavar="PUB",
                   help="public key of the signed checkpoints: every checkpoint is verified, and records after the "
                        "last one fail the check")
    v.add_argument("--allow-unsigned-tail", action="store_true",
                   help="with --key: accept records after the last signed checkpoint (their number is still shown)")
    v.add_argument("--witness", type=Path, default=None, metavar="FILE",
                   help="a witness file (log checkpoint --witness) kept elsewhere: the log must still hold its head")
    r = lsub.add_parser("replay", help="evaluate a recorded input again under its recorded policy digest")
    r.add_argument("path", type=Path, metavar="PATH")
    r.add_argument("decision_id", metavar="DECISION_ID")
    r.add_argument("--bundle", type=Path, default=None, metavar="PATH", help="the bundle the decision was made from")
    r.add_argument("--key", type=Path, default=None, metavar="PUB", help="public key of the bundle")
    c = lsub.add_parser("checkpoint", help="sign the log's current head now (and export it as a witness)")
    c.add_argument("path", type=Path, metavar="PATH")
    c.add_argument("--key", type=Path, default=None, metavar="PRIVATE",
                   help="sign the head now (without it, --witness exports the latest existing checkpoint)")
    c.add_argument("--witness", type=Path, default=None, metavar="FILE",
                   help="write the latest signed head to FILE, to keep where the log's writers cannot write")
    ls = lsub.add_parser("list", help="list the decisions recorded (seq, decision id, time, kind, case id)")
    ls.add_argument("path", type=Path, metavar="PATH")
    ls.add_argument("--kind", choices=["case", "batch"], default=None, help="only records of this kind")
    ls.add_argument("--since", type=_since, default=None, metavar="DATE|TIME",
                    help="only records made at or after this date (YYYY-MM-DD, UTC) or ISO time")
    ls.add_argument("--format", choices=["text", "json"], default="text")


def _since(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD) or ISO time") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def cmd_log(args) -> int:
    from ..repo import bundle, snapshots
    from ..audit import decision_log
    try:
        return {"verify": _verify, "replay": _replay, "checkpoint": _checkpoint,
                "list": _list}[args.log_command](args)
    except (decision_log.LogError, signing.SigningError, bundle.BundleError, snapshots.SnapshotError) as exc:
        raise _fail(str(exc)) from None


def _verify(args) -> int:
    from ..audit import decision_log
    key = signing.load_public(args.key) if args.key else None
    check = decision_log.verify(args.path, key, args.witness)
    if check.broken:
        print(f"{args.path}: BROKEN: {check.broken}")
        return 1
    if key is None:
        print(f"{args.path}: chain intact: {check.records} record(s); {check.checkpoints} checkpoint(s) not "
              "checked (no --key): the chain alone does not stop someone who can write the file from recomputing "
              "it")
    else:
        print(f"{args.path}: chain intact: {check.records} record(s), {check.checkpoints} signed checkpoint(s) "
              f"verified, records 1-{check.signed_upto} covered; unsigned tail: {check.unsigned_tail} record(s)"
              if check.signed_upto else
              f"{args.path}: chain intact: {check.records} record(s), no signed checkpoint; unsigned tail: "
              f"{check.unsigned_tail} record(s)")
    if check.witness:
        print(f"{args.path}: {check.witness}")
    if key is not None and check.unsigned_tail and not args.allow_unsigned_tail:
        print(f"{args.path}: NOT COVERED: {check.unsigned_tail} record(s) after the last signed checkpoint could "
              "have been changed or removed unnoticed; sign the head (log checkpoint --key) or accept them with "
              "--allow-unsigned-tail")
        return 1
    return 0


def _checkpoint(args) -> int:
    from ..audit import checkpoints, decision_log
    if args.key is None and args.witness is None:
        raise _fail("log checkpoint: give --key PRIVATE to sign the head, --witness FILE to export it, or both")
    if args.key is not None:
        head = decision_log.checkpoint(args.path, signing.load_private(args.key))
        print(f"{args.path}: " + (f"signed head record {head[0]} {head[1]}" if head else
                                  "empty log, nothing to sign"))
    if args.witness is not None:
        jws = decision_log.latest_checkpoint(args.path)
        if jws is None:
            raise _fail(f"{args.path}: the log has no signed checkpoint to export; sign one with --key")
        try:
            body = checkpoints.write_witness(args.witness, args.path, jws)
        except OSError as exc:
            raise _fail(f"{args.witness}: cannot write the witness file: {exc.strerror}") from None
        print(f"{args.path}: witness of record {body['head_seq']} ({body['head_hash']}) written to {args.witness}; "
              "keep it where the log's writers cannot write, and check with log verify --witness")
    return 0


def _list(args) -> int:
    from ..audit import decision_log
    rows = decision_log.listing(args.path, args.kind, args.since)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['seq']:>6}  {r['decision_id']}  {r['time']}  {r['kind']:<5}  {r['case_id'] or '-'}  "
              f"{r['policy_digest']}")
    print(f"{len(rows)} decision(s)", file=sys.stderr)
    return 0


def _replay(args) -> int:
    from ..repo import bundle, snapshots
    from ..audit import decision_log
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
    from ..audit import decision_log
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
                                partition=opts.get("partition", 4096), chunk_rows=opts.get("chunk_rows"), log=None,
                                log_key=None)
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
