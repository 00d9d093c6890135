"""Clause coverage: every clause encoded or marked with why not; `policy coverage` and `policy check`."""
from __future__ import annotations

import json
import re

from evaluator import api
from evaluator.checks import clause_coverage as coverage
from evaluator.engine import engines

from .conftest import edit, run_policy

ENTRIES = "coverage/not-encoded.yaml"


def test_every_clause_is_accounted_for(repo):
    rows, problems = coverage.compute(repo)
    assert not problems, "\n".join(map(str, problems))
    assert len(rows) == len({c.clause_id for c in repo.clauses.values()})
    assert all(r.status in ("encoded", "pending", "not_encoded") for r in rows)
    # Headings are never encoded; every list row is.
    status = {r.clause: r for r in rows}
    assert status["reform.2"].reason == "structural"
    assert status["reform.annex2.7"].encoded_by == ["reform.community_access_list@1"]
    # A clause encoded through some of its units shows the others: 七、(二十) funds the awards, which no rule rules on.
    assert status["workforce.7.20"].units_not_cited == ["award_funding"]
    assert status["reform.3.6"].units_not_cited == []  # the whole clause is cited


def test_every_list_item_is_reached_by_a_case(repo):
    counts = coverage.case_counts(repo, engines.make("reference"))
    rows = [c for c in repo.documents["reform"].data["clauses"] if c["kind"] in ("item", "table_row")
            and c["id"].startswith(("reform.annex1.", "reform.annex2."))]
    assert len(rows) == 22 + 24
    unreached = [c["id"] for c in rows if not counts.get(c["id"])]
    assert not unreached


def test_coverage_command_prints_table_and_summary():
    code, out, err = run_policy("coverage", "--engine", "reference")
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("reform.annex2.7 "))
    assert "encoded" in row and "reform.community_access_list@1" in row
    assert int(row.split()[3]) >= 3  # the list case, a spanning case and a mismatch case reach row 7
    assert re.search(r"^reform\.4\.4 .* encoded .* reform\.assessment_weights@1", out, re.M)
    assert re.search(r"^reform\.5\.3 .* not_encoded .* exhortation: Calls for coordination", out, re.M)
    assert re.search(r"^140 clauses: \d+ encoded, \d+ pending, \d+ not encoded \(.*structural \d+\), "
                     r"0 unaccounted for$", out, re.M)


def test_coverage_json_and_filter():
    code, out, _ = run_policy("coverage", "--format", "json", "--status", "not_encoded", "--engine", "reference")
    assert code == 0
    data = json.loads(out)
    assert {r["status"] for r in data["clauses"]} == {"not_encoded"}
    assert data["summary"]["unaccounted"] == 0
    assert data["summary"]["not_encoded"] == len(data["clauses"])


def test_check_fails_on_a_clause_unaccounted_for(repo_copy):
    edit(repo_copy / ENTRIES, "  - {clause: reform.5.3, status: not_encoded, reason: exhortation, note: \"Calls for "
         "coordination and for counties and streets to see to staff and funds.\"}\n", "")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    line = next(ln for ln in out.splitlines() if "unaccounted" in ln)
    path, ln, _ = line.split(":")[:3]
    assert path == "clauses/reform.yaml"
    assert "reform.5.3" in (repo_copy / path).read_text(encoding="utf-8").splitlines()[int(ln) - 1]
    code, out, _ = run_policy("--repo", repo_copy, "coverage")
    assert code == 1 and "UNACCOUNTED FOR" in out and ", 1 unaccounted for" in out


def test_an_entry_for_an_encoded_clause_is_stale(repo_copy):
    # Encoding a clause marked as not encoded makes its entry stale: remove it then.
    edit(repo_copy / "policies/reform.community_access_list/2018-09-05.yaml", "encodes:\n",
         "encodes:\n  - reform.2.2\n")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    assert re.search(r"coverage/not-encoded\.yaml:\d+:\d+: stale_entry: clause 'reform\.2\.2' is marked "
                     r"not_encoded but is encoded by reform\.community_access_list@1: remove its entry", out)


def test_bad_entries(repo_copy):
    path = repo_copy / ENTRIES
    path.write_text(path.read_text(encoding="utf-8") + (
        "  - {clause: reform.3.6.entry_items, status: not_encoded, reason: structural, note: x}\n"
        "  - {clause: reform.9, status: not_encoded, reason: structural, note: x}\n"
        "  - {clause: reform.2, status: not_encoded, reason: structural, note: twice}\n"), encoding="utf-8")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    assert "'reform.3.6.entry_items' is a unit of clause 'reform.3.6'" in out
    assert "'reform.9' is not a clause of the clause store" in out
    assert "clause 'reform.2' already has an entry at coverage/not-encoded.yaml:" in out


def test_pending_needs_reason_planned(repo_copy):
    edit(repo_copy / ENTRIES, "{clause: reform.5.3, status: not_encoded, reason: exhortation,",
         "{clause: reform.5.3, status: pending, reason: delegated,")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    assert re.search(r"coverage/not-encoded\.yaml:\d+:\d+: schema: 'reason' must be 'planned'", out)
