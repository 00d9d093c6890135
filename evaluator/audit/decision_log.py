"""The decision log: an append-only, hash-chained SQLite record of rulings.

Each record holds the decision id, time, the input (the case as given) and its digest, the results, the clauses
cited, the policy digest, the engine, the repository version, the digest of the whole ruling, and the hash of the
previous record; its own hash is the SHA-256 of all that in RFC 8785 canonical JSON. A changed record breaks its own
hash, a deleted one the chain. Triggers refuse UPDATE and DELETE. Checkpoints of the chain head signed with the
bundle key (checkpoints.py: each commits to the record count, the head hash and the previous checkpoint) catch even
a chain recomputed from the edit onwards (whoever recomputes it lacks the private key); a witness file kept
elsewhere catches a log rolled back or rewritten with its checkpoints.

SQLite in WAL mode; every append is one `BEGIN IMMEDIATE` transaction that reads the head and inserts after it, so
concurrent writers (the server, several processes) serialise on the write lock and lose nothing. A writer waits at
most BUSY_TIMEOUT_S for the lock, then gives a clear error. Reading (verify, record, list) opens the file read-only,
so a log on read-only media can be checked.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..repo import signing
from . import checkpoints as cps_mod
from ..repo.manifest import canonical, canonical_json, sha256
from ..render.text import to_json

GENESIS = "0" * 64
BUSY_TIMEOUT_S = 5  # how long a writer waits for the lock held by another (one transaction)
FIELDS = ("seq", "decision_id", "time", "kind", "input_digest", "input", "results", "clauses", "policy_digest",
          "engine", "repository_version", "ruling_digest", "prev_hash")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY,
    decision_id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    input_digest TEXT NOT NULL,
    input TEXT NOT NULL,
    results TEXT NOT NULL,
    clauses TEXT NOT NULL,
    policy_digest TEXT NOT NULL,
    engine TEXT NOT NULL,
    repository_version TEXT NOT NULL,
    ruling_digest TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    seq INTEGER PRIMARY KEY,
    head_seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    time TEXT NOT NULL,
    jws TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
"""
TRIGGERS = ("decisions_no_update", "decisions_no_delete", "checkpoints_no_update", "checkpoints_no_delete")


class LogError(Exception):
    """The log cannot be opened or used; the message says why."""


def _json(obj) -> str:
    return to_json(obj, indent=None)


def _plain(obj):
    """JSON value with Decimals as numbers, ready for RFC 8785."""
    return json.loads(_json(obj))


def _writing_error(path, exc: sqlite3.Error) -> LogError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        why = f"locked by another process (waited {BUSY_TIMEOUT_S} s for it)"
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        why = "cannot be written (a read-only file or directory?)"
    else:
        why = f"cannot be used as a decision log ({text})"
    return LogError(f"{path}: the decision log {why}; nothing was logged")


def connect(path: Path | str, create: bool = True) -> sqlite3.Connection:
    """Open the log for writing; create its tables and triggers (a check reads with `open_readonly`)."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        if create:
            conn.executescript(_SCHEMA)
    except sqlite3.Error as exc:
        raise _writing_error(path, exc) from None
    conn.row_factory = sqlite3.Row
    return conn


def check_writable(path: Path | str) -> None:
    """Take the write lock once and let it go: a log that is locked or read-only is refused now (LogError), not at
    the first ruling (the server checks its log before serving)."""
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise _writing_error(path, exc) from None
    finally:
        conn.close()


def open_readonly(path: Path | str) -> sqlite3.Connection:
    """Open the log without writing anything to it: `mode=ro`, or `immutable=1` where SQLite cannot even create
    its shared-memory file next to it (read-only media; a log closed cleanly has no pending write-ahead log)."""
    if not Path(path).is_file():
        raise LogError(f"{path}: no such decision log")
    uri = Path(path).resolve().as_uri()
    for mode in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=BUSY_TIMEOUT_S)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            continue
        except sqlite3.DatabaseError as exc:
            raise LogError(f"{path}: not a decision log: {exc}") from None
        conn.row_factory = sqlite3.Row
        return conn
    raise LogError(f"{path}: cannot open the decision log for reading")


def record_hash(rec: dict) -> str:
    fields = {k: rec[k] for k in FIELDS}
    try:
        text = json.dumps(fields, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # not plain JSON (a record tampered with in the file): rfc8785 says why
        return sha256(canonical(fields))
    return sha256(canonical_json(text) if json.loads(text) == fields else canonical(fields))


def repository_version(root: Path) -> str:
    """The git commit of the repository the rulings were made from, when it is a git checkout."""
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"git:{out.stdout.strip()}" if out.returncode == 0 else "unknown"


def entry_for_ruling(ruling: dict, case_input: dict, readings: dict | None = None) -> dict:
    """The loggable content of one ruling, the case it was made on and the alternative readings chosen (if any)."""
    inp = _json(_plain({"case": case_input, "readings": dict(sorted((readings or {}).items()))}))
    clauses = sorted({c["id"] for t in ruling["trace"] for c in t["clauses"]})
    # canonical_json(_json(x)) is canonical(_plain(x)), the same bytes, sooner
    return {"kind": "case", "input_digest": "sha256:" + sha256(canonical_json(inp)), "input": inp,
            "results": _json(_plain(ruling["results"])), "clauses": _json(clauses),
            "policy_digest": ruling["policy"]["digest"], "engine": ruling["policy"]["engine"],
            "ruling_digest": "sha256:" + sha256(canonical_json(_json(ruling)))}


def entry_for_batch(input_files: dict, output_files: dict, policy_digest: str, engine: str, summary: dict,
                    options: dict | None = None) -> dict:
    """One record for a whole batch run: the digests of its input and output files, the options that shape the
    output (date, path taken), and its summary. The files themselves are not kept: a replay needs the input file."""
    inp = {"batch": {"inputs": input_files, "outputs": output_files, "options": options or {}}}
    return {"kind": "batch", "input_digest": "sha256:" + sha256(canonical(inp)), "input": _json(inp),
            "results": _json(_plain(summary)), "clauses": "[]", "policy_digest": policy_digest, "engine": engine,
            "ruling_digest": "sha256:" + sha256(canonical(_plain(output_files)))}


def append(path: Path | str, entries: list[dict], repo_version: str, checkpoint_key=None,
           checkpoint_every: int = 100) -> list[str]:
    """Append entries in one transaction; return their decision ids. With a private key, sign a checkpoint of the
    head whenever `checkpoint_every` records have been added since the last one."""
    conn = connect(path)
    ids = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        head = conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (head["seq"], head["hash"]) if head else (0, GENESIS)
        for e in entries:
            seq += 1
            rec = {**e, "seq": seq, "decision_id": str(uuid.uuid4()),
                   "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
                   "repository_version": repo_version, "prev_hash": prev}
            rec["hash"] = record_hash(rec)
            conn.execute(f"INSERT INTO decisions ({', '.join(FIELDS)}, hash) VALUES "
                         f"({', '.join('?' * (len(FIELDS) + 1))})", [rec[k] for k in FIELDS] + [rec["hash"]])
            prev = rec["hash"]
            ids.append(rec["decision_id"])
        if checkpoint_key is not None:
            last = conn.execute("SELECT MAX(head_seq) FROM checkpoints").fetchone()[0] or 0
            if seq - last >= checkpoint_every:
                _checkpoint(conn, seq, prev, checkpoint_key)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise _writing_error(path, exc) from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    return ids


def _checkpoint(conn, seq: int, head_hash: str, private_key) -> str:
    first = conn.execute("SELECT decision_id FROM decisions WHERE seq = 1").fetchone()
    last = conn.execute("SELECT jws FROM checkpoints ORDER BY seq DESC LIMIT 1").fetchone()
    body = cps_mod.payload(cps_mod.origin_of(first[0]), seq, head_hash, last[0] if last else None)
    jws = signing.sign(body, private_key)
    conn.execute("INSERT INTO checkpoints (head_seq, head_hash, time, jws) VALUES (?, ?, ?, ?)",
                 (seq, head_hash, body["time"], jws))
    return jws


def checkpoint(path: Path | str, private_key) -> tuple[int, str, str] | None:
    """Sign the current head now: (head_seq, head_hash, jws); None when the log is empty."""
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        head = conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
        jws = _checkpoint(conn, head["seq"], head["hash"], private_key) if head else None
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise _writing_error(path, exc) from None
    finally:
        conn.close()
    return (head["seq"], head["hash"], jws) if head else None


def latest_checkpoint(path: Path | str) -> str | None:
    """The JWS of the log's latest checkpoint (read-only), None when it has none."""
    conn = open_readonly(path)
    try:
        row = conn.execute("SELECT jws FROM checkpoints ORDER BY seq DESC LIMIT 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise LogError(f"{path}: not a decision log: {exc}") from None
    finally:
        conn.close()
    return row[0] if row else None


@dataclass
class ChainCheck:
    records: int
    checkpoints: int
    broken: str | None  # the first problem, naming the record; None when the chain holds
    signed_upto: int = 0  # records 1..signed_upto are covered by a verified checkpoint (with a key)
    witness: str | None = None  # what the witness confirmed, when one was given

    @property
    def unsigned_tail(self) -> int:
        return self.records - self.signed_upto


def verify(path: Path | str, public_key=None, witness: Path | str | None = None) -> ChainCheck:
    """Check the chain; with a public key every checkpoint and their own chain; with a witness file that the log
    still holds the head the witness saw. Opens the log read-only."""
    conn = open_readonly(path)
    try:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        missing = [t for t in TRIGGERS if t not in present]
        rows = conn.execute(f"SELECT {', '.join(FIELDS)}, hash FROM decisions ORDER BY seq").fetchall()
        cps = conn.execute("SELECT seq, head_seq, head_hash, jws FROM checkpoints ORDER BY seq").fetchall()
    except sqlite3.DatabaseError as exc:
        raise LogError(f"{path}: not a decision log: {exc}") from None
    finally:
        conn.close()
    broken = None
    prev, hashes = GENESIS, {}
    for n, row in enumerate(rows, start=1):
        rec = dict(row)
        name = f"record {rec['seq']} (decision {rec['decision_id']})"
        if rec["seq"] != n:
            broken = f"record {n} is missing (the next record is {rec['seq']}): a record was deleted"
            break
        if rec["prev_hash"] != prev:
            broken = f"{name}: its link to the previous record is broken (a record before it was changed or removed)"
            break
        if record_hash(rec) != rec["hash"]:
            broken = f"{name}: its content does not match its hash (it was changed after it was written)"
            break
        prev = hashes[rec["seq"]] = rec["hash"]
    origin = cps_mod.origin_of(rows[0]["decision_id"]) if rows else None
    upto, seen = 0, None
    if broken is None and public_key is not None:
        history = cps_mod.check(cps, hashes, origin, public_key)
        upto, broken = history.signed_upto, history.broken
    if broken is None and witness is not None:
        try:
            body, jws = cps_mod.read_witness(witness, public_key)
        except cps_mod.WitnessError as exc:
            raise LogError(str(exc)) from None
        broken = cps_mod.against_witness(body, jws, len(rows), hashes, {c["jws"] for c in cps}, origin,
                                         str(witness))
        seen = f"holds the head the witness saw (record {body['head_seq']}, {body['head_hash']})"
    if broken is None and missing:
        broken = f"the append-only triggers were removed: {', '.join(missing)}"
    return ChainCheck(len(rows), len(cps), broken, upto, seen)


def listing(path: Path | str, kind: str | None = None, since: dt.datetime | None = None,
            limit: int | None = None) -> list[dict]:
    """The records' index (seq, decision id, time, kind, the case id, policy digest), oldest first; read-only."""
    where, params = [], []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if since is not None:
        where.append("time >= ?")
        params.append(since.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"))
    sql = ("SELECT seq, decision_id, time, kind, input, policy_digest, engine FROM decisions"
           + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY seq"
           + (f" LIMIT {int(limit)}" if limit else ""))
    conn = open_readonly(path)
    try:
        rows = conn.execute(sql, params).fetchall()
    except sqlite3.DatabaseError as exc:
        raise LogError(f"{path}: not a decision log: {exc}") from None
    finally:
        conn.close()
    out = []
    for r in rows:
        try:
            inp = json.loads(r["input"])
        except ValueError:
            inp = {}
        case = inp.get("case") if isinstance(inp, dict) else None
        out.append({"seq": r["seq"], "decision_id": r["decision_id"], "time": r["time"], "kind": r["kind"],
                    "case_id": case.get("id") if isinstance(case, dict) else None,
                    "policy_digest": r["policy_digest"], "engine": r["engine"]})
    return out


def file_digest(path: Path | str) -> dict:
    """{"path": absolute path, "sha256": hex digest of the bytes} of a file a batch run read or wrote."""
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"path": str(Path(path).resolve()), "sha256": digest}


def record(path: Path | str, decision_id: str) -> dict:
    conn = open_readonly(path)
    try:
        row = conn.execute("SELECT * FROM decisions WHERE decision_id = ?", (decision_id,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise LogError(f"{path}: not a decision log: {exc}") from None
    finally:
        conn.close()
    if row is None:
        raise LogError(f"{path}: no decision '{decision_id}'")
    return dict(row)
