"""The manifest of a policy state: every file the rulings rest on with its SHA-256, the effective dates of every
policy and rule-set version, the published schemas; and the revision, the SHA-256 of the manifest in canonical JSON
(RFC 8785). The repository digest that every ruling carries (`policy.digest`) is this revision, so a ruling made
from the source tree and one made from a bundle of it carry the same digest.

A file's hash is taken over a canonical form so that the same content always gives the same hash: JSON files are
hashed as their RFC 8785 canonical form (as OPA does for bundle data), text files with CRLF line ends read as LF
(a Windows checkout of the same commit gives the same digest), other files as their bytes.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import orjson
import rfc8785

from ..load import json_bounded

# The directories a policy state consists of (errata live in the clause files; sources/ because clauses are
# checked verbatim against it).
CONTENT_DIRS = ("sources", "clauses", "interpretations", "policies", "rules", "schemas", "delegations", "supplements")
# Where the repository keeps its case files (tests and examples), and the folders under them that hold other files.
CASE_DIRS = ("tests/cases", "examples")
# Case files whose expectations hold only when the examples NOT ADOPTED are taken as adopted (--assume-adopted).
ASSUMED_CASES = "examples/assume-adopted"
NOT_CASES = ("examples/reforms", ASSUMED_CASES)  # draft reforms, and rulings only a hypothetical state gives
MANIFEST = ".manifest"
SIGNATURES = ".signatures.json"
FORMAT = "yinchuan-policy-bundle/1"
ALGORITHM = "SHA-256"
_TEXT_SUFFIXES = (".yaml", ".yml", ".txt", ".md")


def canonical(obj) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value."""
    return rfc8785.dumps(obj)


def canonical_fast(obj) -> bytes:
    """canonical(obj) of a JSON value (text keys), the same bytes or the same error, written by the C codecs
    (canonical_json of its JSON text)."""
    return canonical_json(json.dumps(obj))


# RFC 8785 orders keys by their UTF-16 code units, which differs from the code points' order only for characters
# beyond the BMP; a text holding one, as itself or escaped (from a surrogate's \uD800-\uDBFF), is left to rfc8785.
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]|\\u[dD][89abAB]")


def canonical_json(text: str) -> bytes:
    """canonical(json.loads(text)), the same bytes or the same error, written by the C codecs (about 5x faster than
    rfc8785, which is pure Python: the decision log digests every ruling). The text is decoded by json with each
    number that has a fraction or an exponent written as rfc8785 writes it (ECMAScript's form, read as a float, as
    json.loads reads it) and re-encoded by orjson with sorted keys, which escapes strings as RFC 8785 does and
    refuses integers beyond RFC 8785's range. A text with a character beyond the BMP, NaN, Infinity, an integer
    out of range, a lone surrogate or nesting too deep is handed whole to rfc8785, which then says what it says
    (tests/test_canonical_json.py holds the two equal on generated values)."""
    if not _ASTRAL.search(text):
        try:
            value = json.loads(text, parse_float=_ecmascript_number, parse_constant=_no_constant)
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER)
        except (ValueError, TypeError, RecursionError):  # orjson.JSONEncodeError and rfc8785's errors included
            pass
    return canonical(json.loads(text))


def _ecmascript_number(text: str):
    return orjson.Fragment(rfc8785.dumps(float(text)))


def _no_constant(text: str):
    raise ValueError(f"{text} has no canonical form")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(name: str, data: bytes) -> str:
    """Hex SHA-256 of a file's canonical form (see the module docstring)."""
    if name.endswith(".json"):
        try:
            # bounded: a bundle's JSON file nested thousands deep is hashed as bytes, not a RecursionError; then
            # canonical(json.loads(...)) written by the C codecs (canonical_json: the same bytes or the same error)
            data.decode("utf-8")
            if json_bounded.depth(data) <= json_bounded.MAX_DEPTH:  # decoded as json.loads decodes bytes:
                return sha256(canonical_json(data.decode(json.detect_encoding(data), "surrogatepass")))
        except (ValueError, UnicodeDecodeError, rfc8785.CanonicalizationError):
            pass  # not valid JSON: hash the bytes; loading the file will report the problem
    elif name.endswith(_TEXT_SUFFIXES):
        data = data.replace(b"\r\n", b"\n")
    return sha256(data)


def content_files(root: Path) -> list[str]:
    """Relative paths (with /) of every file of the policy state under root, sorted."""
    out = []
    for sub in CONTENT_DIRS:
        base = root / sub
        if base.is_dir():
            for p in base.rglob("*"):
                if p.is_file() and "__pycache__" not in p.parts:
                    out.append(p.relative_to(root).as_posix())
    return sorted(out)


def build(root: Path, versions=()) -> dict:
    """The manifest of the policy state under root. `versions` are the loaded policy and rule-set Versions, whose
    effective dates the manifest lists for readers (they add nothing the file hashes do not already fix)."""
    root = Path(root)
    files = [{"name": n, "hash": file_hash(n, (root / n).read_bytes()), "algorithm": ALGORITHM}
             for n in content_files(root)]
    schemas = {}
    for f in files:
        if f["name"].startswith("schemas/") and f["name"].endswith(".schema.json"):
            try:
                sid = json.loads((root / f["name"]).read_text(encoding="utf-8")).get("$id")
            except ValueError:
                sid = None
            if isinstance(sid, str):
                schemas[sid] = f["name"]
    schema_files = [f for f in files if f["name"].startswith("schemas/")]
    listed = []
    for v in sorted(versions, key=lambda v: (v.kind, v.id, v.version)):
        entry = {"kind": v.kind, "id": v.id, "version": v.version, "status": v.status,
                 "effective_from": v.effective_from.isoformat()}
        if v.effective_to is not None:
            entry["effective_to"] = v.effective_to.isoformat()
        entry["file"] = Path(v.doc.path).as_posix()
        listed.append(entry)
    return {
        "format": FORMAT,
        # Changes exactly when the case, ruling or repository file formats change.
        "schema_version": "sha256:" + sha256(canonical_fast(schema_files)),
        "schemas": dict(sorted(schemas.items())),
        "versions": listed,
        "files": files,
    }


def revision(manifest: dict) -> str:
    """The content digest: SHA-256 of the canonical manifest without its own `revision` field."""
    body = {k: v for k, v in manifest.items() if k != "revision"}
    return "sha256:" + sha256(canonical_fast(body))


def with_revision(manifest: dict) -> dict:
    return {**manifest, "revision": revision(manifest)}
