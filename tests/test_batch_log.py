"""`policy batch --log`: a batch run is one record in the decision log (the digests of its roster and output files),
in the same chain as case rulings, and its replay runs the batch again and compares the output files."""
from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from .conftest import ROOT, run_policy

EXAMPLES = ROOT / "examples" / "workers.yaml"
ROSTER = ("id,area,post,years_of_service,education,retired,pension_monthly\n"
          "a,xixia,deputy,5,bachelor,,\n"
          "b,jinfeng,grid_worker,2,,true,1999.50\n"
          "c,xixia,grid_worker,many,,,\n")


def _records(db):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM decisions ORDER BY seq")]


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mixed(tmp_path):
    """A log with the example case rulings, then one vectorised and one traced batch run over a roster with a bad
    row."""
    db, roster = tmp_path / "decisions.db", tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    code, _, err = run_policy("eval", EXAMPLES, "--log", db)
    assert code == 0, err
    code, _, err = run_policy("batch", roster, "--as-of", "2024-07-01", "--out", tmp_path / "out.parquet",
                              "--log", db)
    assert code == 2 and "logged the batch run as decision" in err  # the bad row: rejected, and the run logged
    code, _, err = run_policy("batch", roster, "--as-of", "2024-07-01", "--out", tmp_path / "traced.csv",
                              "--traced", "--jobs", "1", "--engine", "reference", "--log", db)
    assert code == 2, err
    return db, tmp_path


def test_a_batch_run_is_one_record_with_its_file_digests(mixed):
    db, tmp = mixed
    recs = _records(db)
    cases, batches = [r for r in recs if r["kind"] == "case"], [r for r in recs if r["kind"] == "batch"]
    assert len(cases) >= 1 and len(batches) == 2  # one per run, not one per worker
    vec, traced = batches
    inp = json.loads(vec["input"])["batch"]
    assert inp["inputs"]["roster"] == {"path": str((tmp / "roster.csv").resolve()), "sha256": _sha(tmp / "roster.csv")}
    assert inp["outputs"]["rulings"]["sha256"] == _sha(tmp / "out.parquet")
    assert inp["outputs"]["rejects"]["sha256"] == _sha(tmp / "out.rejects.csv")
    assert inp["options"]["as_of"] == "2024-07-01" and inp["options"]["traced"] is False
    assert vec["engine"] == "vectorised" and traced["engine"] == "reference (traced)"
    assert vec["policy_digest"] == cases[0]["policy_digest"]
    counts = json.loads(vec["results"])
    assert (counts["rows"], counts["ruled"], counts["rejected"]) == (3, 2, 1)
    # deputy, 5 years: level 5, +1 for the degree: level 6, 2800; grid worker, 2 years: level 1, 2300, of which a
    # retiree with a pension of 1999.50 is topped up by 300.50
    assert counts["base_pay_monthly"] == 2800 + 2300 and counts["retiree_top_up_monthly"] == "300.50"
    assert json.loads(traced["results"]) == counts


def test_verify_passes_over_case_and_batch_records(mixed):
    db, _ = mixed
    code, out, _ = run_policy("log", "verify", db)
    assert code == 0 and f"chain intact: {len(_records(db))} record(s)" in out


def test_replay_reruns_the_batch_and_compares_the_output_files(mixed):
    db, tmp = mixed
    recs = _records(db)
    for rec in recs:
        code, out, err = run_policy("log", "replay", db, rec["decision_id"])
        assert code == 0 and "reproduces" in out, (rec["kind"], out, err)
    batch = next(r for r in recs if r["kind"] == "batch")
    assert "same output files (rejects, rulings)" in run_policy("log", "replay", db, batch["decision_id"])[1]

    roster = tmp / "roster.csv"
    roster.write_text(ROSTER.replace("many", "3"), encoding="utf-8")
    code, out, err = run_policy("log", "replay", db, batch["decision_id"])
    assert code == 2 and "has changed since" in out and "Traceback" not in err
    roster.unlink()
    code, out, err = run_policy("log", "replay", db, batch["decision_id"])
    assert code == 2 and "keeps only its digest" in out and "Traceback" not in err
