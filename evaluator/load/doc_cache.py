"""The repository's documents, parsed and checked once and then read back from a cache between runs.

Every `policy` command loads the whole repository (about 55 YAML files): composing them with positions and
validating them against their JSON Schemas costs about a tenth of a second, more than a one-case ruling. A file that
loaded and validated without a problem is kept here as its data alone, keyed by the SHA-256 of its bytes, the path it
is shown by and the schema it was checked against; an entry is used only when the bytes just read hash to its key,
the schema files hash as they did, and the loader's own code and libraries are those that wrote it (FINGERPRINT).
The positions of a document read back are worked out by the strict loader from the same bytes the first time one is
asked for (json_cases.LazyDocument), so a message about it reads as without the cache. A file with any problem is
never cached: it is read and reported in full every time.

The cache holds data only: JSON, numbers with a fraction kept as the exact decimals the loader gives (never
floats), read back by Python's `json`; nothing in it is ever executed (no pickle: a pickle from a cache someone
else can write is code execution). It lives in the user's cache directory (POLICY_CACHE_DIR, else
$XDG_CACHE_HOME/yinchuan-policy, else ~/.cache/yinchuan-policy; POLICY_CACHE_DIR="" turns it off), made private to
the user; a directory or file owned by another user, or writable by group or others, is not read (as ssh refuses
such key files), since whoever can write the cache could change the figures a ruling reads. A cache file that is
unreadable, truncated, corrupt (its body hashes otherwise than its header says), too large or of another format
is ignored and written again; a directory that cannot be written costs only the speed. One file per repository
root, rewritten with exactly the entries the last load used (so it never grows beyond the repository), at most
MAX_FILES of them (the least recently written removed).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import stat
import tempfile
from decimal import Decimal
from pathlib import Path

import orjson

from . import limits
from .json_cases import LazyDocument
from .validation import validate
from .yaml_strict import Document, load_bytes, read_bounded, text_of

FORMAT = "yinchuan-policy-doc-cache/1"
ENV = "POLICY_CACHE_DIR"
MAX_FILES = 32  # cache files (repository roots) kept
MAX_CACHE_BYTES = 64 * 1024 * 1024  # a cache file larger than this is not read
# The code whose output is cached (the strict loader, its limits, the validation) and the libraries it runs on.
_LOADER = Path(__file__).resolve().parent
_LIBRARIES = ("yaml", "jsonschema", "jsonschema_rs", "referencing")


def cache_dir() -> Path | None:
    """Where the cache lives, or None when it is turned off."""
    given = os.environ.get(ENV)
    if given is not None:
        return Path(given) if given else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "yinchuan-policy"


def fingerprint() -> str:
    """The loader's code and the libraries' installed files: a cache written by other code is not read."""
    h = hashlib.sha256(FORMAT.encode())
    sources = sorted(_LOADER.glob("*.py"))
    if not sources:  # installed without its sources: what wrote a cache cannot be told, so none is used
        raise OSError("the loader's sources are not there")
    for p in sources:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        st = os.stat(origin) if origin else None
        h.update(f"{name}:{origin}:{st.st_size if st else ''}:{st.st_mtime_ns if st else ''}\0".encode())
    return h.hexdigest()


class DocCache:
    """The cached documents of one repository root, for one load: `checked` reads a file through it, `save` writes
    back what this load used (only if anything was missing or stale)."""

    def __init__(self, root: Path, schema_dir: Path, directory: Path | None = None, enabled: bool = True):
        self.dir = (directory if directory is not None else cache_dir()) if enabled else None
        self.file = None
        self.old: dict = {}  # key -> data as JSON text, from the cache file
        self.new: dict = {}  # key -> data as JSON text, of this load
        self.changed = False
        self.head = None
        if self.dir is None:
            return
        try:
            self.head = {"format": FORMAT, "fingerprint": fingerprint(), "schemas": _schemas_digest(schema_dir)}
        except OSError:
            self.dir = None
            return
        self.file = self.dir / f"repo-{hashlib.sha256(str(root).encode()).hexdigest()[:24]}.json"
        self.old = _read(self.file, self.head)

    def checked(self, path: Path, shown: str, schema_dir: Path, schema: str) -> tuple[Document, list]:
        """The file's Document and its schema problems, as yaml_strict.load_file and validation.validate give them
        (PolicyInputError raised as load_file raises it)."""
        raw = read_bounded(path, shown, limits.MAX_BYTES)
        key = f"{schema}\0{shown}\0{hashlib.sha256(raw).hexdigest()}"
        text = self.old.get(key) if self.file is not None else None
        if text is not None:
            try:  # an entry that does not decode, or bytes that are not the UTF-8 text it was made from: a miss
                data, source = _decode(text), text_of(raw)
            except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                data = None
            if data is not None:
                self.new[key] = text
                return LazyDocument(shown, data, source, of_cases=False), []
        doc = load_bytes(raw, shown)
        errs = validate(doc, schema_dir, schema)
        self.changed = True
        if not errs and self.file is not None:
            try:
                self.new[key] = _encode(doc.data)
            except (TypeError, ValueError):  # not plain data (e.g. text orjson refuses): not cached
                pass
        return doc, errs

    def save(self) -> None:
        if self.file is None or not (self.changed or self.new.keys() != self.old.keys()):
            return
        body = orjson.dumps(self.new)
        head = dict(self.head, body=hashlib.sha256(body).hexdigest())
        try:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not _private(self.dir):
                return
            fd, tmp = tempfile.mkstemp(prefix=".repo-", suffix=".tmp", dir=self.dir)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(orjson.dumps(head) + b"\n" + body)
                os.replace(tmp, self.file)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _prune(self.dir)
        except OSError:  # a cache that cannot be written costs only the speed
            pass


def _prune(directory: Path) -> None:
    """At most MAX_FILES cache files: the least recently written go."""
    files = sorted(directory.glob("repo-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for p in files[MAX_FILES:]:
        p.unlink(missing_ok=True)


def _schemas_digest(schema_dir: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(schema_dir).glob("*.json")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _private(path: Path, st=None) -> bool:
    """Owned by this user and writable by no one else."""
    st = st or os.stat(path)
    return (not hasattr(os, "getuid") or st.st_uid == os.getuid()) and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(file: Path, head: dict) -> dict:
    """The entries of a cache file written with this head, or {} for anything else (no file, another user's or a
    shared one, too large, truncated, corrupt, of other code or schemas)."""
    try:
        if not stat.S_ISREG(os.lstat(file).st_mode):  # not opened at all: a FIFO would wait for a writer
            return {}
        with open(file, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or not _private(file, st) or not _private(file.parent):
                return {}
            raw = fh.read(MAX_CACHE_BYTES + 1)
        if len(raw) > MAX_CACHE_BYTES:
            return {}
        first, _, body = raw.partition(b"\n")
        got = orjson.loads(first)
        if not isinstance(got, dict) or {k: got.get(k) for k in head} != head:
            return {}
        if got.get("body") != hashlib.sha256(body).hexdigest():
            return {}
        entries = orjson.loads(body)
    except (OSError, ValueError):  # orjson.JSONDecodeError is a ValueError
        return {}
    if not isinstance(entries, dict) or not all(type(v) is str for v in entries.values()):
        return {}
    return entries


def _decimal_text(value) -> orjson.Fragment:
    """A Decimal as a JSON number that reads back as the same Decimal (parse_float=Decimal): always with a
    fraction or an exponent, so that Decimal('10') is not read back as the integer 10."""
    if type(value) is not Decimal or not value.is_finite():
        raise TypeError(f"not cacheable: {type(value).__name__}")
    text = str(value)
    return orjson.Fragment(text if ("." in text or "E" in text) else text + "E+0")


def _encode(data) -> str:
    return orjson.dumps(data, default=_decimal_text).decode("utf-8")


def _decode(text: str):
    return json.loads(text, parse_float=Decimal)
