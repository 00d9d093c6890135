"""The decision log against someone with write access to its file (issue 13, failure 6), and what a clerk sees:
decision ids on `eval --log`, in the JSON ruling, and `log list`."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluator.audit import decision_log
from evaluator.repo import signing

from .conftest import ROOT, rewrite_log, run_policy, rulings_of

EXAMPLES = ROOT / "examples" / "workers.yaml"


@pytest.fixture
def keys(tmp_path):
    run_policy("keygen", "--out", tmp_path / "k")
    return tmp_path / "k/policy-signing.key", tmp_path / "k/policy-signing.pub"


@pytest.fixture
def signed_log(tmp_path, keys):
    """A log of the examples' rulings whose head is signed."""
    db = tmp_path / "decisions.db"
    assert run_policy("eval", EXAMPLES, "--log", db)[0] == 0
    assert run_policy("log", "checkpoint", db, "--key", keys[0])[0] == 0
    return db


def test_rewrite_with_checkpoints_deleted_fails_verify_with_key(signed_log, keys):
    rewrite_log(signed_log, 1, "3500", "3600")
    assert run_policy("log", "verify", signed_log)[0] == 0  # the chain alone cannot tell
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1])
    n = len(decision_log.listing(signed_log))
    assert code == 1, out
    assert f"no signed checkpoint; unsigned tail: {n} record(s)" in out and "NOT COVERED" in out


def test_rewrite_is_caught_by_the_witness_even_when_the_tail_is_accepted(signed_log, keys, tmp_path):
    witness = tmp_path / "elsewhere" / "head.json"
    witness.parent.mkdir()
    code, out, _ = run_policy("log", "checkpoint", signed_log, "--witness", witness)
    assert code == 0 and "witness of record" in out
    rewrite_log(signed_log, 2, "3", "4")
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1], "--allow-unsigned-tail",
                              "--witness", witness)
    assert code == 1 and "rewritten behind the witness" in out
    code, out, _ = run_policy("log", "verify", signed_log, "--witness", witness)  # without the key too
    assert code == 1 and "rewritten behind the witness" in out


def test_unsigned_tail_is_counted_and_refused_unless_accepted(signed_log, keys):
    assert run_policy("eval", EXAMPLES, "--log", signed_log)[0] == 0
    n = len(decision_log.listing(signed_log))
    covered = n // 2
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1])
    assert code == 1 and f"records 1-{covered} covered; unsigned tail: {covered} record(s)" in out
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1], "--allow-unsigned-tail")
    assert code == 0 and f"unsigned tail: {covered} record(s)" in out
    assert run_policy("log", "checkpoint", signed_log, "--key", keys[0])[0] == 0
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1])
    assert code == 0 and "unsigned tail: 0 record(s)" in out and "2 signed checkpoint(s)" in out


def test_rollback_behind_the_witness(signed_log, keys, tmp_path):
    old = tmp_path / "old.db"
    shutil.copy(signed_log, old)
    assert run_policy("eval", EXAMPLES, "--log", signed_log, "--log-key", keys[0])[0] == 0
    witness = tmp_path / "head.json"
    assert run_policy("log", "checkpoint", signed_log, "--key", keys[0], "--witness", witness)[0] == 0
    shutil.copy(old, signed_log)  # the attacker puts back the older, fully signed log
    assert run_policy("log", "verify", signed_log, "--key", keys[1])[0] == 0
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1], "--witness", witness)
    assert code == 1 and "rolled back" in out


def test_a_checkpoint_removed_from_the_middle(signed_log, keys):
    for _ in range(2):
        assert run_policy("eval", EXAMPLES, "--log", signed_log)[0] == 0
        assert run_policy("log", "checkpoint", signed_log, "--key", keys[0])[0] == 0
    conn = sqlite3.connect(signed_log)
    conn.execute("DROP TRIGGER checkpoints_no_delete")
    conn.execute("DELETE FROM checkpoints WHERE seq = 2")
    conn.commit()
    conn.close()
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1])
    assert code == 1 and "checkpoint 3: it does not follow the checkpoint before it" in out


def test_a_checkpoint_of_another_log_is_refused(signed_log, keys, tmp_path):
    other = tmp_path / "other.db"
    assert run_policy("eval", EXAMPLES, "--log", other)[0] == 0
    assert run_policy("log", "checkpoint", other, "--key", keys[0])[0] == 0
    with sqlite3.connect(other) as conn:
        jws = conn.execute("SELECT jws FROM checkpoints").fetchone()[0]
    rewrite_log(signed_log, 1, "3500", "3600")
    # graft the other log's checkpoint (same key) after recomputing this log to the same head: not possible, so
    # the attacker can only copy it in as it is; it names the other log's origin and head
    conn = sqlite3.connect(signed_log)
    head = conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
    conn.execute("INSERT INTO checkpoints (head_seq, head_hash, time, jws) VALUES (?, ?, 'x', ?)",
                 (*head, jws))
    conn.commit()
    conn.close()
    code, out, _ = run_policy("log", "verify", signed_log, "--key", keys[1])
    assert code == 1 and "columns differ from what was signed" in out


def test_checkpoints_of_the_first_format_still_verify(tmp_path, keys):
    db = tmp_path / "old.db"
    assert run_policy("eval", EXAMPLES, "--log", db)[0] == 0
    conn = sqlite3.connect(db)
    seq, head = conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
    jws = signing.sign({"head_seq": seq, "head_hash": head, "time": "2026-01-01T00:00:00+00:00"},
                       signing.load_private(keys[0]))
    conn.execute("INSERT INTO checkpoints (head_seq, head_hash, time, jws) VALUES (?, ?, ?, ?)",
                 (seq, head, "2026-01-01T00:00:00+00:00", jws))
    conn.commit()
    conn.close()
    assert run_policy("log", "checkpoint", db, "--key", keys[0])[0] == 0  # a new one chains to the old one
    code, out, _ = run_policy("log", "verify", db, "--key", keys[1])
    assert code == 0 and "2 signed checkpoint(s)" in out


def test_verify_writes_nothing(signed_log, keys):
    """Verify opens the log read-only: no byte of it changes (SQLite may leave its empty -wal/-shm beside it)."""
    before = signed_log.read_bytes(), signed_log.stat().st_mtime_ns
    assert run_policy("log", "verify", signed_log, "--key", keys[1])[0] == 0
    assert run_policy("log", "list", signed_log)[0] == 0
    assert (signed_log.read_bytes(), signed_log.stat().st_mtime_ns) == before


def _on_read_only_media(directory: Path, *args):
    """Run the CLI with `directory` mounted read-only (a private bind mount: root ignores file modes), or skip
    when the machine does not allow it."""
    cmd = [sys.executable, "-m", "evaluator.cli.main", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if os.geteuid() != 0:
        directory.chmod(0o555)
        try:
            return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        finally:
            directory.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare to mount a read-only directory as root")
    d = str(directory)
    script = f'mount --bind "{d}" "{d}" && mount -o remount,bind,ro "{d}" && exec "$@"'
    r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *cmd], cwd=ROOT, capture_output=True,
                       text=True, timeout=120, env=env)
    if "mount" in r.stderr and r.returncode != 0 and "evaluator" not in r.stderr:
        pytest.skip(f"cannot mount read-only here: {r.stderr.strip()}")
    return r


@pytest.fixture
def readonly_dir(signed_log, tmp_path):
    """The signed log alone in a directory (mounted read-only by the test)."""
    d = tmp_path / "media"
    d.mkdir()
    shutil.copy(signed_log, d / "decisions.db")
    return d


def test_verify_a_log_on_read_only_media(readonly_dir, keys, tmp_path):
    r = _on_read_only_media(readonly_dir, "log", "verify", readonly_dir / "decisions.db", "--key", keys[1])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "chain intact" in r.stdout and sorted(p.name for p in readonly_dir.iterdir()) == ["decisions.db"]


def test_log_on_a_read_only_file_is_a_clear_error_and_the_rulings_are_printed(readonly_dir):
    r = _on_read_only_media(readonly_dir, "eval", EXAMPLES, "--log", readonly_dir / "decisions.db", "--format",
                            "json")
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "cannot be written" in r.stderr and "nothing was logged" in r.stderr
    rulings = rulings_of(r.stdout)
    assert rulings and all("results" in x and "decision_id" not in x for x in rulings)


@pytest.fixture
def locked_log(tmp_path):
    """A log another process holds the write lock of (an open exclusive transaction) while the test runs."""
    db = tmp_path / "d.db"
    assert run_policy("eval", EXAMPLES, "--log", db)[0] == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield db
    holder.execute("ROLLBACK")
    holder.close()


def test_a_locked_log_is_a_clear_error_within_seconds_and_the_rulings_are_printed(locked_log):
    start = time.monotonic()
    code, out, err = run_policy("eval", EXAMPLES, "--log", locked_log, "--format", "json")
    took = time.monotonic() - start
    assert code == 2 and "locked by another process" in err and "Traceback" not in err
    assert took < decision_log.BUSY_TIMEOUT_S + 5
    assert len(rulings_of(out)) > 1


def test_serve_refuses_a_locked_log_before_serving(locked_log):
    r = subprocess.run([sys.executable, "-m", "evaluator.cli.main", "serve", "--log", str(locked_log), "--port",
                        "0", "--workers", "0"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 2 and "locked by another process" in r.stderr and "Traceback" not in r.stderr


def test_decision_ids_printed_carried_in_the_ruling_and_listed(tmp_path, repo):
    from evaluator.load.validation import validator
    db = tmp_path / "d.db"
    code, out, err = run_policy("eval", EXAMPLES, "--log", db, "--format", "json")
    assert code == 0
    rulings = rulings_of(out)
    listed = decision_log.listing(db)
    assert [r["decision_id"] for r in rulings] == [x["decision_id"] for x in listed]
    assert [r["id"] for r in rulings] == [x["case_id"] for x in listed]
    for r in rulings:
        assert f"  {r['decision_id']}  case {r['id']}" in err
    assert not list(validator(str(repo.schema_dir), "ruling").iter_errors(json.loads(out)))
    # the id is a record's: replay finds it, and the logged ruling digest is of the ruling without the id
    assert run_policy("log", "replay", db, rulings[0]["decision_id"])[0] == 0
    code, out, _ = run_policy("log", "list", db, "--kind", "case", "--format", "json")
    assert code == 0 and [x["decision_id"] for x in json.loads(out)] == [r["decision_id"] for r in rulings]
    code, out, _ = run_policy("log", "list", db, "--kind", "batch")
    assert code == 0 and out == ""
    code, out, _ = run_policy("log", "list", db, "--since", "2999-01-01")
    assert code == 0 and out == ""
    code, out, _ = run_policy("log", "list", db, "--since", "2000-01-01")
    assert code == 0 and out.count("\n") == len(rulings) and rulings[0]["decision_id"] in out
    with pytest.raises(SystemExit) as exit_:  # argparse's own usage error
        run_policy("log", "list", db, "--since", "yesterday")
    assert exit_.value.code == 2
