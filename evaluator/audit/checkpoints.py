"""Signed checkpoints of the decision log and the witness file that keeps one elsewhere.

Learned from transparency logs (Certificate Transparency's signed tree heads, Sigstore/Rekor checkpoints, the C2SP
tlog-checkpoint format): a checkpoint is a signed statement "this log (origin), with this many records (head_seq:
records are numbered 1..n without gaps), ends in this head hash, and my previous checkpoint was this one". Each
record's hash covers the previous one, so the head hash commits to every record before it; the link to the previous
checkpoint makes the signed history itself a chain, so a checkpoint deleted from the middle is seen.

What a signature proves, and what it cannot (docs/security.md): whoever can write the SQLite file but lacks the
private key can neither change a record covered by a checkpoint nor forge a new checkpoint; they can still delete
the records after the last checkpoint, or the whole log with its checkpoints (a rollback). Verify with `--key`
refuses records not covered by a checkpoint (unless an unsigned tail is accepted, and always says how many); the
rollback is caught only against a witness: the latest checkpoint, exported (`log checkpoint --witness FILE`) to a
place the attacker cannot write, and compared by `log verify --witness FILE`.

Checkpoints written before this format (payload {head_seq, head_hash, time}) still verify: they commit to the head
but not to the previous checkpoint or the log's origin, so they are reported as format 1.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ..repo import signing
from ..repo.manifest import sha256

FORMAT = "yinchuan-policy/decision-log-checkpoint/2"
WITNESS_FORMAT = "yinchuan-policy/decision-log-witness/1"
MAX_WITNESS_BYTES = 64 * 1024


def origin_of(first_decision_id: str) -> str:
    """The log's identity: its first record's random decision id (committed to by every later head hash)."""
    return f"decision-log:{first_decision_id}"


def jws_digest(jws: str) -> str:
    return "sha256:" + sha256(jws.encode("ascii"))


def payload(origin: str, head_seq: int, head_hash: str, prev_jws: str | None) -> dict:
    return {"format": FORMAT, "origin": origin, "head_seq": head_seq, "head_hash": head_hash,
            "prev_checkpoint": jws_digest(prev_jws) if prev_jws else None,
            "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


@dataclass
class SignedHistory:
    signed_upto: int  # the highest record covered by a verified checkpoint (0: none)
    broken: str | None


def check(cps: list, hashes: dict, origin: str | None, public_key) -> SignedHistory:
    """Verify every checkpoint row (seq, head_seq, head_hash, jws) against the chain's hashes {seq: hash}."""
    upto, prev_jws = 0, None
    for cp in cps:
        try:
            _, raw = signing.verify(cp["jws"], public_key)
            body = json.loads(raw)
        except (signing.SigningError, ValueError) as exc:
            return SignedHistory(upto, f"checkpoint {cp['seq']}: its signature does not verify ({exc})")
        if not isinstance(body, dict) or (body.get("head_seq"), body.get("head_hash")) != (cp["head_seq"],
                                                                                         cp["head_hash"]):
            return SignedHistory(upto, f"checkpoint {cp['seq']}: its columns differ from what was signed")
        if body.get("format") == FORMAT:
            want = jws_digest(prev_jws) if prev_jws else None
            if body.get("prev_checkpoint") != want:
                return SignedHistory(upto, f"checkpoint {cp['seq']}: it does not follow the checkpoint before "
                                           "it in the log (a checkpoint was removed or inserted)")
            if body.get("origin") != origin:
                return SignedHistory(upto, f"checkpoint {cp['seq']}: it was signed for another log "
                                           f"({body.get('origin')}, this log is {origin})")
        if hashes.get(cp["head_seq"]) != cp["head_hash"]:
            return SignedHistory(upto, f"checkpoint {cp['seq']}: the signed head of record {cp['head_seq']} is not "
                                       "the chain's: records up to it were changed and the chain recomputed, "
                                       "or removed")
        if cp["head_seq"] < upto:
            return SignedHistory(upto, f"checkpoint {cp['seq']}: it signs record {cp['head_seq']}, before the "
                                       f"head {upto} an earlier checkpoint signed")
        upto, prev_jws = cp["head_seq"], cp["jws"]
    return SignedHistory(upto, None)


def write_witness(path: Path | str, log_path, jws: str) -> dict:
    """Write the witness file of a signed checkpoint (the JWS and, for people, its payload unverified)."""
    import base64
    part = jws.split(".")[1]
    body = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    doc = {"format": WITNESS_FORMAT, "log": str(log_path), "checkpoint": body, "jws": jws}
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return body


class WitnessError(Exception):
    pass


def read_witness(path: Path | str, public_key) -> tuple[dict, str]:
    """(signed payload, jws) of a witness file; with a key its signature is verified, without one it is trusted
    as kept (the witness's own storage is what protects it then)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_WITNESS_BYTES + 1)
    except OSError as exc:
        raise WitnessError(f"{path}: cannot read the witness file: {exc.strerror}") from None
    if len(raw) > MAX_WITNESS_BYTES:
        raise WitnessError(f"{path}: not a witness file (over {MAX_WITNESS_BYTES} bytes)")
    try:
        doc = json.loads(raw.decode("utf-8"))
        jws = doc["jws"]
        if doc.get("format") != WITNESS_FORMAT or not isinstance(jws, str):
            raise KeyError("format")
    except (ValueError, KeyError, TypeError):
        raise WitnessError(f"{path}: not a witness file written by `policy log checkpoint --witness`") from None
    if public_key is not None:
        try:
            _, signed = signing.verify(jws, public_key)
        except signing.SigningError as exc:
            raise WitnessError(f"{path}: the witness's checkpoint does not verify: {exc}") from None
        body = json.loads(signed)
    else:
        body = doc.get("checkpoint")
    if not isinstance(body, dict) or not isinstance(body.get("head_seq"), int) \
            or not isinstance(body.get("head_hash"), str):
        raise WitnessError(f"{path}: the witness's checkpoint has no head_seq and head_hash")
    return body, jws


def against_witness(witness: dict, jws: str, records: int, hashes: dict, log_jws: set, origin: str | None,
                    name: str) -> str | None:
    """The first way the log contradicts the witness, or None."""
    n, head = witness["head_seq"], witness["head_hash"]
    if witness.get("origin") not in (None, origin):
        return f"the witness {name} is of another log ({witness.get('origin')}; this log is {origin})"
    if records < n:
        return (f"the log was rolled back: the witness {name} saw {n} record(s) ending in {head}, "
                f"the log now has {records}")
    if hashes.get(n) != head:
        return (f"the log was rewritten behind the witness {name}: record {n} should end the chain in {head}, "
                f"the log has {hashes.get(n)}")
    if jws not in log_jws:
        return f"the checkpoint the witness {name} holds is missing from the log: its checkpoints were rewritten"
    return None
