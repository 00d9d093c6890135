"""Policy bundles: one gzipped tar of the policy state, its manifest and an OPA-style signature.

Layout (as OPA's bundle signing): the content files at their repository paths, `.manifest` (the manifest in RFC 8785
canonical JSON, with its `revision`), and `.signatures.json` = {"signatures": [JWS]} whose payload lists every file
(`.manifest` included) as {"name", "hash", "algorithm": "SHA-256"} together with the revision and the key id.
Verification is all or nothing: every listed file present with its hash, no file unlisted, the manifest's revision
its own digest, the signature valid for the given public key.
"""
from __future__ import annotations

import atexit
import gzip
import io
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import manifest as mf
from ..load import json_bounded
from . import repository, signing

MAX_BUNDLE_BYTES = 256 * 1024 * 1024  # unpacked: far above the few MiB a policy state is
ARCHIVE_NAME = "policy-bundle.tar.gz"


class BundleError(Exception):
    """The bundle cannot be read at all (missing, not a bundle, unsafe paths)."""


@dataclass
class Verification:
    revision: str | None
    failures: list = field(default_factory=list)  # (file name or "", message)
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


def build(repo, out_dir: Path, private_key=None) -> tuple[Path, str]:
    """Write out_dir/policy-bundle.tar.gz from a loaded repository; sign it when a private key is given."""
    versions = [v for table in (repo.policies, repo.rulesets) for vs in table.values() for v in vs]
    m = mf.with_revision(mf.build(repo.root, versions))
    files = {f["name"]: (repo.root / f["name"]).read_bytes() for f in m["files"]}
    files[mf.MANIFEST] = mf.canonical(m)
    if private_key is not None:
        listed = [{"name": n, "hash": mf.file_hash(n, files[n]), "algorithm": mf.ALGORITHM} for n in sorted(files)]
        payload = {"files": listed, "revision": m["revision"], "keyid": signing.key_id(private_key.public_key()),
                   "scope": "write"}
        files[mf.SIGNATURES] = mf.canonical({"signatures": [signing.sign(payload, private_key)]})
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ARCHIVE_NAME
    raw = io.BytesIO()
    # A reproducible archive: fixed order, times and owners (the signature itself is randomised by ECDSA).
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), 0, 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return path, m["revision"]


def safe_name(name: str) -> str:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise BundleError(f"unsafe path in bundle: {name!r}")
    return p.as_posix()


def read(path: Path) -> dict[str, bytes]:
    """The files of a bundle (a .tar.gz, or a directory it was unpacked into) as {name: bytes}."""
    path = Path(path)
    if path.is_dir():
        out = {}
        for p in sorted(path.rglob("*")):
            if p.is_symlink():
                raise BundleError(f"{p}: symbolic links are not allowed in a bundle")
            if p.is_file():
                out[p.relative_to(path).as_posix()] = p.read_bytes()
        return out
    if not path.exists():
        raise BundleError(f"{path}: no such bundle")
    out, total = {}, 0
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for info in tar:
                if info.isdir():
                    continue
                if not info.isfile():
                    raise BundleError(f"{path}: member {info.name!r} is not a regular file")
                name = safe_name(info.name)
                if name in out:
                    raise BundleError(f"{path}: member {name!r} appears twice")
                total += info.size
                if total > MAX_BUNDLE_BYTES:
                    raise BundleError(f"{path}: more than {MAX_BUNDLE_BYTES} bytes unpacked")
                out[name] = tar.extractfile(info).read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(f"{path}: not a readable bundle archive ({exc})") from None
    return out


def verify_files(files: dict[str, bytes], public_key=None) -> Verification:
    """Check a bundle's files against its manifest and signature; with public_key None, only the hashes."""
    v = Verification(revision=None)
    fail = v.failures.append
    m = None
    if mf.MANIFEST not in files:
        fail((mf.MANIFEST, "the manifest is missing"))
    else:
        try:
            m = json_bounded.loads(files[mf.MANIFEST])
            v.revision = m["revision"]
            if mf.revision(m) != m["revision"]:
                fail((mf.MANIFEST, f"the manifest's revision {m['revision']} is not its digest {mf.revision(m)}"))
        except (ValueError, KeyError, TypeError):
            fail((mf.MANIFEST, "the manifest is not a JSON object with a revision"))
            m = None
    listed: dict[str, str] = {}
    if public_key is not None:
        if mf.SIGNATURES not in files:
            fail((mf.SIGNATURES, "the bundle is not signed (.signatures.json is missing)"))
        else:
            try:
                tokens = json_bounded.loads(files[mf.SIGNATURES])["signatures"]
                if not isinstance(tokens, list) or len(tokens) != 1:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                fail((mf.SIGNATURES, "expected {\"signatures\": [one JWS]}"))
            else:
                try:
                    header, payload = signing.verify(tokens[0], public_key)
                    v.key_id = header.get("kid")
                    body = json_bounded.loads(payload)
                    listed = {f["name"]: f["hash"] for f in body["files"]}
                    if m is not None and body.get("revision") != m.get("revision"):
                        fail((mf.SIGNATURES, f"signed revision {body.get('revision')} is not the manifest's"))
                except signing.SigningError as exc:
                    fail((mf.SIGNATURES, str(exc)))
                except (ValueError, KeyError, TypeError):
                    fail((mf.SIGNATURES, "the signed payload does not list files"))
    elif m is not None:
        listed = {f["name"]: f["hash"] for f in m.get("files", [])}
        listed[mf.MANIFEST] = mf.file_hash(mf.MANIFEST, files[mf.MANIFEST])
    if public_key is not None and not listed:
        return v  # without a valid signed list nothing else can be checked: the bundle is refused as a whole
    if m is not None and public_key is not None:
        # The manifest's own list must agree with the signed one (the manifest is itself covered by the signature).
        for f in m.get("files", []):
            if listed.get(f["name"]) != f["hash"]:
                fail((f["name"], "the manifest and the signature disagree on this file's hash"))
    for name in sorted(listed):
        if name not in files:
            fail((name, "listed in the bundle but missing"))
        elif mf.file_hash(name, files[name]) != listed[name]:
            fail((name, "its SHA-256 does not match: the file was changed after signing"))
    if listed:
        for name in sorted(files):
            if name not in listed and name != mf.SIGNATURES:
                fail((name, "not listed in the bundle's signed file list: an extra file"))
    return v


def unpack(files: dict[str, bytes]) -> Path:
    """Write the bundle's files into a new temporary directory, removed when the process exits."""
    root = Path(tempfile.mkdtemp(prefix="policy-bundle-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for name, data in files.items():
        dest = root / safe_name(name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return root


def load(path: Path, public_key=None, verify: bool = True) -> tuple[repository.Repository, Verification]:
    """Load a repository from a bundle. With verify (the default) a public key is required and any failure of
    `verify_files` raises BundleError naming the file; verify=False only checks the hashes and reports."""
    files = read(path)
    if verify and public_key is None:
        raise BundleError("a public key is needed to verify the bundle (--key PUB), or skip verification explicitly")
    check = verify_files(files, public_key if verify else None)
    if verify and not check.ok:
        raise BundleError(f"{path}: refused: " + "; ".join(f"{n or 'bundle'}: {msg}" for n, msg in check.failures))
    repo = repository.load(unpack(files), cache=False)
    return repo, check
