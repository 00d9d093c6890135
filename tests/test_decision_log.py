"""The decision log: append-only, hash-chained, signed checkpoints, concurrent writers, replay."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from evaluator import api
from evaluator.audit import decision_log

from .conftest import ROOT, edit, rewrite_log, run_policy

EXAMPLES = ROOT / "examples" / "workers.yaml"


def _ids(db):
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT decision_id FROM decisions ORDER BY seq")]


def _tamper(db, sql, *params, recreate_triggers=False):
    """What someone with write access to the file can do: drop the triggers and change the table."""
    conn = sqlite3.connect(db)
    for t in decision_log.TRIGGERS:
        conn.execute(f"DROP TRIGGER {t}")
    conn.execute(sql, params)
    conn.commit()
    conn.close()
    if recreate_triggers:
        decision_log.connect(db).close()


@pytest.fixture
def logged(tmp_path):
    db = tmp_path / "decisions.db"
    code, _, err = run_policy("eval", EXAMPLES, "--log", db)
    assert code == 0, err
    return db


def test_eval_logs_every_ruling_and_the_chain_holds(logged, repo):
    n = api.evaluate_file(repo, EXAMPLES, "reference").evaluated
    assert len(_ids(logged)) == n > 1
    code, out, _ = run_policy("log", "verify", logged)
    assert code == 0 and f"chain intact: {n} record(s)" in out
    rec = decision_log.record(logged, _ids(logged)[0])
    assert rec["policy_digest"] == repo.digest and rec["engine"] == "durable"
    assert "workforce.annex.salary-table.l10" in json.loads(rec["clauses"])
    assert json.loads(rec["results"])["salary.base_pay"] == 3500
    with sqlite3.connect(logged) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_update_and_delete_are_refused(logged):
    conn = sqlite3.connect(logged)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE decisions SET results = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM decisions WHERE seq = 1")
    conn.close()


def test_verify_names_the_edited_record(logged):
    _tamper(logged, "UPDATE decisions SET results = replace(results, '3500', '3600') WHERE seq = 1",
            recreate_triggers=True)
    code, out, _ = run_policy("log", "verify", logged)
    assert code == 1
    assert f"record 1 (decision {_ids(logged)[0]}): its content does not match its hash" in out


def test_verify_names_the_deleted_record(logged):
    _tamper(logged, "DELETE FROM decisions WHERE seq = 2", recreate_triggers=True)
    code, out, _ = run_policy("log", "verify", logged)
    assert code == 1 and "record 2 is missing" in out


def test_verify_notices_removed_triggers(logged):
    _tamper(logged, "SELECT 1")
    code, out, _ = run_policy("log", "verify", logged)
    assert code == 1 and "triggers were removed" in out


def test_signed_checkpoint_catches_a_recomputed_chain(logged, tmp_path):
    run_policy("keygen", "--out", tmp_path / "k")
    assert run_policy("log", "checkpoint", logged, "--key", tmp_path / "k/policy-signing.key")[0] == 0
    # Edit record 1 and recompute every hash after it: the chain alone cannot tell.
    rewrite_log(logged, 1, "3500", "3600", drop_checkpoints=False)
    assert run_policy("log", "verify", logged)[0] == 0
    code, out, _ = run_policy("log", "verify", logged, "--key", tmp_path / "k/policy-signing.pub")
    assert code == 1 and "checkpoint 1" in out and "recomputed" in out


def test_periodic_checkpoints_with_log_key(tmp_path):
    run_policy("keygen", "--out", tmp_path / "k")
    db = tmp_path / "d.db"
    entry = {"kind": "case", "input_digest": "sha256:x", "input": "{}", "results": "{}", "clauses": "[]",
             "policy_digest": "sha256:y", "engine": "reference", "ruling_digest": "sha256:z"}
    from evaluator.repo import signing
    key = signing.load_private(tmp_path / "k/policy-signing.key")
    for _ in range(6):  # heads 4, 8, 12 (signed: 12 since none), 16, 20, 24 (signed: 12 since the last)
        decision_log.append(db, [entry] * 4, "test", key, checkpoint_every=10)
    check = decision_log.verify(db, signing.load_public(tmp_path / "k/policy-signing.pub"))
    assert (check.records, check.checkpoints, check.broken) == (24, 2, None)


WRITER = """
import sys
from evaluator.audit import decision_log
entry = {"kind": "case", "input_digest": "sha256:" + sys.argv[2], "input": "{}", "results": "{}",
         "clauses": "[]", "policy_digest": "sha256:p", "engine": "reference", "ruling_digest": "sha256:r"}
for i in range(int(sys.argv[3])):
    decision_log.append(sys.argv[1], [entry], "test")
"""


def test_concurrent_writers_lose_nothing(tmp_path):
    db = tmp_path / "d.db"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), f"w{n}", "40"], cwd=ROOT,
                              stderr=subprocess.PIPE) for n in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    check = decision_log.verify(db)
    assert (check.records, check.broken) == (160, None)
    with sqlite3.connect(db) as conn:
        per_writer = dict(conn.execute("SELECT input_digest, COUNT(*) FROM decisions GROUP BY input_digest"))
    assert per_writer == {f"sha256:w{n}": 40 for n in range(4)}


def test_replay_reproduces(logged):
    decision = _ids(logged)[2]
    code, out, _ = run_policy("log", "replay", logged, decision)
    assert code == 0 and "reproduces" in out


def test_replay_finds_the_recorded_policy_in_git_history(repo_copy, tmp_path):
    git = ["git", "-C", str(repo_copy), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "state 1"], check=True)
    db = tmp_path / "d.db"
    assert run_policy("--repo", repo_copy, "eval", EXAMPLES, "--log", db)[0] == 0
    decision = _ids(db)[0]
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml", "base_pay: 3500", "base_pay: 3550")
    subprocess.run(git + ["commit", "-qam", "state 2"], check=True)
    code, out, _ = run_policy("--repo", repo_copy, "log", "replay", db, decision)
    assert code == 0, out
    # With the old state gone from history too, replay says so instead of ruling under another policy.
    subprocess.run(["rm", "-rf", str(repo_copy / ".git")], check=True)
    code, out, _ = run_policy("--repo", repo_copy, "log", "replay", db, decision)
    assert code == 2 and "no state of the repository" in out


def test_replay_under_the_recorded_alternative_reading(tmp_path):
    db = tmp_path / "d.db"
    reading = "raises_add_up_highest_only_capped=max_of_raises"
    code, _, err = run_policy("eval", EXAMPLES, "--log", db, "--reading", reading, "--format", "json")
    assert code in (0, 1), err  # expectations were written for the adopted reading
    rec = decision_log.record(db, _ids(db)[0])
    assert json.loads(rec["input"])["readings"] == {"raises_add_up_highest_only_capped": "max_of_raises"}
    assert json.loads(rec["results"])["salary.level"] == 12  # band 10 + max(1, 2), not 10 + 1 + 2
    code, out, _ = run_policy("log", "replay", db, _ids(db)[0])
    assert code == 0 and "reproduces" in out


def test_replay_of_an_unknown_decision(logged):
    code, _, err = run_policy("log", "replay", logged, "no-such-id")
    assert code == 2 and "no decision 'no-such-id'" in err


def test_replay_from_the_bundle_the_decision_was_made_from(repo_copy, tmp_path):
    run_policy("keygen", "--out", tmp_path / "k")
    assert run_policy("--repo", repo_copy, "bundle", "--out", tmp_path / "b", "--key",
                      tmp_path / "k/policy-signing.key")[0] == 0
    archive, pub = tmp_path / "b/policy-bundle.tar.gz", tmp_path / "k/policy-signing.pub"
    db = tmp_path / "d.db"
    assert run_policy("eval", EXAMPLES, "--bundle", archive, "--key", pub, "--log", db)[0] == 0
    decision = _ids(db)[1]
    # The tree the bundle was made from changes afterwards and is not a git repository: only the bundle has it.
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml", "base_pay: 2000", "base_pay: 2100")
    code, out, _ = run_policy("--repo", repo_copy, "log", "replay", db, decision)
    assert code == 2 and "--bundle" in out
    code, out, _ = run_policy("--repo", repo_copy, "log", "replay", db, decision, "--bundle", archive, "--key", pub)
    assert code == 0 and "reproduces" in out
