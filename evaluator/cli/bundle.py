"""`policy versions`, `bundle`, `keygen`, `verify`, and the `--bundle PATH --key PUB` source of eval.

Exit codes as elsewhere: 0 done, 1 the check failed (verify: the bundle is refused), 2 input unusable.
"""
from __future__ import annotations

import argparse
import datetime as dt
import difflib
from pathlib import Path

from .. import api
from ..repo import register, signing
from .common import err as _err
from .common import fail as _fail
from .common import public_key, refuse_broken, with_assumed
from ..render.text import to_json


def add_source_args(p: argparse.ArgumentParser) -> None:
    """Flags that make a command rule from a signed bundle instead of the source tree."""
    p.add_argument("--bundle", type=Path, default=None, metavar="PATH",
                   help="rule from this policy bundle (.tar.gz or unpacked directory), verified with --key")
    p.add_argument("--key", type=Path, default=None, metavar="PUB", help="public key that must have signed the bundle")
    p.add_argument("--skip-verify", action="store_true",
                   help="use the bundle even if unsigned or altered (the failures are printed; not for production)")


def repo_for(args):
    """The repository a command rules from: the bundle given with --bundle (verified), else --repo / the default."""
    if getattr(args, "bundle", None) is None:
        if getattr(args, "key", None) is not None:
            raise _fail("--key is given without --bundle")
        return with_assumed(api.load(args.repo), args)
    from ..repo import bundle  # (tarfile and the rest: only where a bundle is read or written)
    key = public_key(args.key)
    try:
        repo, check = bundle.load(args.bundle, key, verify=not args.skip_verify)
    except bundle.BundleError as exc:
        raise _fail(str(exc), "bundle_refused") from None
    for name, msg in check.failures:
        _err(f"{args.bundle}: warning: {name}: {msg} (used anyway: --skip-verify)")
    return with_assumed(repo, args)


def add_commands(sub) -> None:
    v = sub.add_parser("versions", help="list every version of the policies and rule sets with dates and status")
    v.add_argument("policy", nargs="?", help="only this policy or rule set (id)")
    v.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="status on this date (default today)")
    v.add_argument("--format", choices=["text", "json"], default="text")
    add_source_args(v)
    b = sub.add_parser("bundle", help="write a signed policy bundle (.tar.gz) with its manifest")
    b.add_argument("--out", type=Path, required=True, metavar="DIR")
    b.add_argument("--key", dest="sign_key", type=Path, default=None, metavar="PRIVATE",
                   help="private key to sign with (from `policy keygen`)")
    b.add_argument("--unsigned", action="store_true", help="write the bundle without a signature")
    k = sub.add_parser("keygen", help="make a signing key pair (NAME.key private, NAME.pub public)")
    k.add_argument("--out", type=Path, required=True, metavar="DIR")
    k.add_argument("--name", default="policy-signing")
    k.add_argument("--alg", choices=list(signing.ALGORITHMS), default="ES256")
    c = sub.add_parser("verify", help="check a bundle's files, hashes and signature (all or nothing)")
    c.add_argument("bundle_path", type=Path, metavar="BUNDLE")
    c.add_argument("--key", type=Path, required=True, metavar="PUB")


def cmd_versions(args) -> int:
    repo = repo_for(args)
    if refuse_broken(repo, None):
        return 2
    day = args.as_of or dt.date.today()
    tables = {**repo.policies, **repo.rulesets}
    ids = sorted(tables)
    if args.policy:
        if args.policy not in tables:
            near = difflib.get_close_matches(args.policy, ids, n=1)
            raise _fail(f"no policy or rule set '{args.policy}'" + (f"; did you mean '{near[0]}'?" if near else
                                                                    f"; known: {', '.join(ids)}"), "not_found")
        ids = [args.policy]
    rows = []
    for pid in ids:
        for v in tables[pid]:
            rows.append({"id": v.id, "kind": v.kind, "version": v.version, "title": v.data["title"]["en"],
                         "effective_from": v.effective_from.isoformat(),
                         "effective_to": v.effective_to.isoformat() if v.effective_to else None,
                         "declared_status": v.status, "status": register.version_status(v, day), "file": v.doc.path,
                         "enacted_by": [{"document": d, "status": register.status_on(repo, d, day)}
                                        for d in v.data["enacted_by"] if d in repo.register]})
    if args.format == "json":
        print(to_json({"as_of": day.isoformat(), "digest": repo.digest, "versions": rows}))
        return 0
    print(f"Versions as of {day.isoformat()} (repository {repo.digest})")
    for r in rows:
        span = f"{r['effective_from']} – {r['effective_to'] or '…'}"
        enacted = ", ".join(f"{e['document']} ({e['status']})" for e in r["enacted_by"])
        print(f"  {r['id']:<38} v{r['version']:<3} {span:<25} {r['status']:<17} {r['file']}  enacted by {enacted}")
    return 0


def cmd_bundle(args) -> int:
    from ..repo import bundle
    if (args.sign_key is None) == (not args.unsigned):
        raise _fail("give --key PRIVATE to sign the bundle, or --unsigned to write it without a signature")
    key = None
    if args.sign_key is not None:
        try:
            key = signing.load_private(args.sign_key)
            signing.algorithm_of(key)
        except signing.SigningError as exc:
            raise _fail(str(exc), "bad_key") from None
    repo = api.load(args.repo)
    if refuse_broken(repo, "policy bundle: the repository has {n} problem(s); no bundle is made from it"):
        return 2
    path, revision = bundle.build(repo, args.out, key)
    print(f"{path}\nrevision {revision}" + ("" if key else "\n(unsigned)"))
    return 0


def cmd_keygen(args) -> int:
    try:
        priv, pub = signing.write_keypair(args.out, args.name, args.alg)
    except signing.SigningError as exc:
        raise _fail(str(exc), "exists") from None
    print(f"private key {priv} (keep it secret, never commit it)\npublic key  {pub}")
    return 0


def cmd_verify(args) -> int:
    from ..repo import bundle
    try:
        key = signing.load_public(args.key)
        files = bundle.read(args.bundle_path)
    except (signing.SigningError, bundle.BundleError) as exc:
        raise _fail(str(exc), "unusable") from None
    check = bundle.verify_files(files, key)
    if check.ok:
        print(f"{args.bundle_path}: verified: {len(files) - 1} files, revision {check.revision}, key {check.key_id}")
        return 0
    for name, msg in check.failures:
        print(f"{args.bundle_path}: FAILED: {name}: {msg}")
    print(f"{args.bundle_path}: refused ({len(check.failures)} failure(s)); nothing in it is to be trusted")
    return 1


COMMANDS = {"versions": cmd_versions, "bundle": cmd_bundle, "keygen": cmd_keygen, "verify": cmd_verify}
