"""States of the policy repository other than the working tree: a git revision, another path, or a bundle.

A git revision is exported with `git archive` into a temporary directory (removed at exit), never checked out over
the working tree.
"""
from __future__ import annotations

import atexit
import io
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from . import bundle, manifest, repository

COVERAGE_DIR = "coverage"  # why clauses are not encoded: a draft may bring entries for its own clauses


class SnapshotError(Exception):
    """The state cannot be found or read; the message says why."""


def _git(root: Path, *args, binary=False):
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SnapshotError(f"git failed: {exc}") from None
    if out.returncode != 0:
        raise SnapshotError(out.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed")
    return out.stdout if binary else out.stdout.decode("utf-8").strip()


def git_root(path: Path) -> Path | None:
    try:
        return Path(_git(path, "rev-parse", "--show-toplevel"))
    except SnapshotError:
        return None


def from_git(root: Path, rev: str, dirs=manifest.CONTENT_DIRS + manifest.CASE_DIRS) -> Path:
    """Export the given directories of a git revision of the repository at root into a temporary directory."""
    top = git_root(root)
    if top is None:
        raise SnapshotError(f"{root} is not in a git repository, so '{rev}' cannot be a revision")
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    prefix = Path(root).resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    data = _git(top, "archive", "--format=tar", commit, binary=True)
    dest = Path(tempfile.mkdtemp(prefix=f"policy-{commit[:12]}-"))
    atexit.register(shutil.rmtree, dest, ignore_errors=True)
    wanted = tuple(prefix + d + "/" for d in dirs)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for info in tar:
            if info.isfile() and info.name.startswith(wanted):
                rel = info.name[len(prefix):]
                target = dest / bundle.safe_name(rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(info).read())
    return dest


def revisions_touching(root: Path, limit: int = 200) -> list[str]:
    """Commits (newest first) that changed the policy state, for finding an old digest."""
    top = git_root(root)
    if top is None:
        return []
    prefix = Path(root).resolve().relative_to(top.resolve())
    paths = [str(prefix / d) for d in manifest.CONTENT_DIRS]
    out = _git(top, "rev-list", f"--max-count={limit}", "HEAD", "--", *paths)
    return out.split() if out else []


def open_state(spec: str, base: Path, public_key=None, verify_bundle: bool = True):
    """(root directory, description) of a state named by spec: a directory, a bundle file or a git revision."""
    p = Path(spec)
    if p.is_file() or (p.is_dir() and (p / manifest.MANIFEST).is_file()):  # an unpacked bundle is still a bundle
        try:
            repo, _ = bundle.load(p, public_key, verify=verify_bundle)
        except bundle.BundleError as exc:
            raise SnapshotError(str(exc)) from None
        return repo.root, f"the bundle {p}"
    if p.is_dir() and (p / "schemas").is_dir():
        return p.resolve(), f"the tree at {p}"
    if p.exists():
        raise SnapshotError(f"{spec} is neither a policy repository (no schemas/) nor a bundle")
    return from_git(base, spec), f"git revision {spec}"


def find_digest(digest: str, base: Path, limit: int = 200) -> repository.Repository | None:
    """The repository state with this policy digest: the working tree, else the git history of base."""
    repo = repository.load(base)
    if repo.digest == digest:
        return repo
    for commit in revisions_touching(base, limit):
        old = repository.load(from_git(base, commit, manifest.CONTENT_DIRS), cache=False)
        if old.digest == digest:
            return old
    return None


OVERLAY = "overlay.yaml"
_EFFECTIVE_FROM = re.compile(r"^effective_from:.*$", re.M)
_EFFECTIVE_TO = re.compile(r"^effective_to:.*$", re.M)


def is_overlay(path: Path) -> bool:
    return path.is_dir() and (path / OVERLAY).is_file()


def overlay_documents(overlay: Path) -> list[str]:
    """The register entries a draft reform brings (sources/register/*.yaml beside its overlay.yaml): the documents
    a hypothetical state built from it takes as adopted on their proposed dates."""
    base = overlay / "sources" / "register"
    return sorted(p.stem for p in base.glob("*.yaml")) if base.is_dir() else []


def apply_overlay(base: Path, overlay: Path) -> Path:
    """A temporary copy of the state at base with a draft reform applied: the versions it ends get their
    effective_to, and its files are added. The copy is removed at exit; base is never touched."""
    from ..load.yaml_strict import load_file  # the overlay is read as strictly as any repository file

    spec = load_file(overlay / OVERLAY, str(overlay / OVERLAY)).data
    if not isinstance(spec, dict) or spec.get("status") != "not_adopted":
        raise SnapshotError(f"{overlay / OVERLAY}: an overlay must say status: not_adopted (it is a draft, not policy)")
    dest = Path(tempfile.mkdtemp(prefix="policy-draft-"))
    atexit.register(shutil.rmtree, dest, ignore_errors=True)
    for sub in manifest.CONTENT_DIRS + manifest.CASE_DIRS + (COVERAGE_DIR,):
        if (base / sub).is_dir():
            shutil.copytree(base / sub, dest / sub, ignore=shutil.ignore_patterns("reforms"))
    base_repo = repository.load(dest, cache=False)
    for end in spec.get("end_versions", []):
        table = {**base_repo.policies, **base_repo.rulesets}
        match = [v for v in table.get(end.get("id"), []) if v.version == end.get("version")]
        if not match:
            raise SnapshotError(f"{overlay / OVERLAY}: the base state has no version {end.get('version')} of "
                                f"'{end.get('id')}' to end")
        path = dest / match[0].doc.path
        text = path.read_text(encoding="utf-8")
        line = f"effective_to: {end['effective_to']}"
        text = _EFFECTIVE_TO.sub(line, text) if _EFFECTIVE_TO.search(text) else \
            _EFFECTIVE_FROM.sub(lambda m: m.group(0) + "\n" + line, text, count=1)
        path.write_text(text, encoding="utf-8")
    for sub in manifest.CONTENT_DIRS + (COVERAGE_DIR,):
        if (overlay / sub).is_dir():
            shutil.copytree(overlay / sub, dest / sub, dirs_exist_ok=True)
    return dest
