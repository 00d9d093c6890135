"""The rulings follow the YAML: edit a figure or add a version in a copy and the ruling changes."""
from __future__ import annotations

import ast
import json
import subprocess
from decimal import Decimal
from pathlib import Path

from evaluator import api

from .conftest import ROOT, edit, run_policy, rulings_of

RAISES = "policies/workforce.salary_raises/2019-01-01.yaml"
TABLE = "policies/workforce.salary_table/2019-01-01.yaml"
EXIT = "rules/workforce.exit_grounds/2019-01-01.yaml"


def rule(root, facts, as_of="2024-07-01", engine="reference"):
    repo = api.load(root)
    assert not repo.problems, "\n".join(map(str, repo.problems))
    out = api.evaluate_data(repo, {"id": "c", "kind": "worker", "as_of": as_of, "facts": facts}, engine)
    assert not out.problems, "\n".join(map(str, out.problems))
    return out.rulings[0]


def test_bachelor_raise_follows_the_yaml(repo_copy):
    facts = {"post": "committee_member", "years_of_service": 5, "education": "bachelor"}
    assert rule(repo_copy, facts)["results"]["salary.level"] == 4
    edit(repo_copy / RAISES, "{code: bachelor, zh: 本科, levels: 1, rank: 1}", "{code: bachelor, zh: 本科, levels: 2, rank: 1}")
    r = rule(repo_copy, facts)
    assert r["results"]["salary.level"] == 5
    assert r["results"]["salary.base_pay"] == 2700


def test_base_pay_follows_the_yaml(repo_copy):
    facts = {"post": "grid_worker", "years_of_service": 0}
    assert rule(repo_copy, facts)["results"]["salary.base_pay"] == 2300
    edit(repo_copy / TABLE, "base_pay: 2300", "base_pay: 2350")
    assert rule(repo_copy, facts)["results"]["salary.base_pay"] == 2350


def test_rule_threshold_follows_the_yaml(repo_copy):
    facts = {"post": "grid_worker", "years_of_service": 3, "grid_satisfaction": 0.55}
    assert rule(repo_copy, facts)["results"]["exit.grounds"] == ["grid_satisfaction_below_60"]
    edit(repo_copy / EXIT, "{fact: grid_satisfaction, op: lt, value: 0.6}", "{fact: grid_satisfaction, op: lt, value: 0.5}")
    for engine in ("durable", "reference"):
        assert rule(repo_copy, facts, engine=engine)["results"]["exit.grounds"] == []


def test_combine_and_cap_are_data(repo_copy):
    facts = {"post": "grid_worker", "years_of_service": 30, "education": "doctor", "certificate": "social_worker"}
    assert rule(repo_copy, facts)["results"]["salary.level"] == 12  # 10 + 10 + 2 capped at the column top
    edit(repo_copy / RAISES, "cap: post_column_top", "cap: none")
    assert rule(repo_copy, facts)["results"]["salary.level"] == 18
    edit(repo_copy / RAISES, "combine: sum", "combine: max")
    assert rule(repo_copy, facts)["results"]["salary.level"] == 18  # 10 + max(10, 2) = 20, capped at the table top


def test_version_in_force_is_picked_by_date(repo_copy):
    old = repo_copy / RAISES
    edit(old, "status: in_force\neffective_from: 2019-01-01\n", "status: superseded\neffective_from: 2019-01-01\neffective_to: 2025-12-31\n")
    new = old.with_name("2026-01-01.yaml")
    new.write_text(old.read_text(encoding="utf-8")
                   .replace("version: 1", "version: 2")
                   .replace("status: superseded", "status: in_force")
                   .replace("effective_from: 2019-01-01\neffective_to: 2025-12-31\n", "effective_from: 2026-01-01\n")
                   .replace("{code: bachelor, zh: 本科, levels: 1, rank: 1}", "{code: bachelor, zh: 本科, levels: 3, rank: 1}"),
                   encoding="utf-8")
    facts = {"post": "deputy", "years_of_service": 1, "education": "bachelor"}
    before, after = rule(repo_copy, facts, "2025-12-31"), rule(repo_copy, facts, "2026-01-01")
    assert before["results"]["salary.level"] == 5 and before["policy"]["versions"]["workforce.salary_raises"] == 1
    assert after["results"]["salary.level"] == 7 and after["policy"]["versions"]["workforce.salary_raises"] == 2
    assert before["policy"]["digest"] == after["policy"]["digest"]  # one repository state, two dates


def test_overlapping_versions_are_an_error_not_a_choice(repo_copy):
    old = repo_copy / RAISES
    old.with_name("2024-01-01.yaml").write_text(
        old.read_text(encoding="utf-8").replace("version: 1", "version: 2").replace("effective_from: 2019-01-01", "effective_from: 2024-01-01"),
        encoding="utf-8")
    repo = api.load(repo_copy)
    out = api.evaluate_data(repo, {"id": "c", "kind": "worker", "as_of": "2024-06-01",
                                   "facts": {"post": "deputy", "years_of_service": 1}})
    assert out.unusable and "2 versions of 'workforce.salary_raises' are in force on 2024-06-01" in str(out.problems[0])


def test_draft_version_is_never_used(repo_copy):
    old = repo_copy / TABLE
    edit(old, "status: in_force", "status: draft")
    out = api.evaluate_data(api.load(repo_copy), {"id": "c", "kind": "worker", "as_of": "2024-06-01",
                                                  "facts": {"post": "deputy", "years_of_service": 1}})
    assert out.unusable and "no version of 'workforce.salary_table' is in force" in str(out.problems[0])


def test_digest_changes_with_any_policy_byte(repo_copy):
    before = api.load(repo_copy).digest
    edit(repo_copy / TABLE, "base_pay: 2300", "base_pay: 2301")
    assert api.load(repo_copy).digest != before
    assert api.load(ROOT).digest == api.load(ROOT).digest


def test_broken_reference_is_reported_at_its_line(repo_copy):
    edit(repo_copy / RAISES, "  - workforce.6.17.cap\n", "  - workforce.6.17.cpa\n")
    code, out, err = run_policy("--repo", repo_copy, "check")
    assert code == 1
    assert f"{RAISES}:" in out and "workforce.6.17.cpa" in out
    line = (repo_copy / RAISES).read_text(encoding="utf-8").split("\n").index("  - workforce.6.17.cpa") + 1
    assert f"{RAISES}:{line}:5: unknown_clause" in out


def test_eval_refuses_a_broken_repository(repo_copy):
    edit(repo_copy / TABLE, "coefficient: 1.15", "coefficient: one")
    code, out, err = run_policy("--repo", repo_copy, "eval", ROOT / "examples/workers.yaml")
    assert code == 2 and "coefficient" in err and "no ruling is made" in err


def test_rule_with_unknown_fact_or_value_is_refused_at_load(repo_copy):
    edit(repo_copy / EXIT, "{fact: post, op: eq, value: grid_worker}", "{fact: post, op: eq, value: grid_workr}")
    edit(repo_copy / EXIT, "{fact: unqualified_streak, op: ge, value: 2}", "{fact: unqualified_streek, op: ge, value: 2}")
    repo = api.load(repo_copy)
    msgs = [str(p) for p in repo.problems]
    assert any("grid_workr" in m and "did you mean 'grid_worker'" in m and EXIT in m for m in msgs), msgs
    assert any("unknown fact 'unqualified_streek'" in m and "did you mean 'unqualified_streak'" in m for m in msgs)


def test_every_ruling_meets_the_public_schema_and_quotes_verbatim(repo):
    from evaluator.load.validation import validator
    source = (ROOT / "sources/yinchuan-2018-community-reform.txt").read_text(encoding="utf-8")
    source_lines = [ln.strip() for ln in source.splitlines()]
    code, out, err = run_policy("eval", ROOT / "tests/cases/worker_exit_grounds.yaml",
                                ROOT / "examples/workers.yaml", "--format", "json")
    assert code == 0, err
    rulings = rulings_of(out)
    errors = list(validator(str(repo.schema_dir), "ruling").iter_errors(json.loads(out)))
    assert not errors, errors[0]
    for r in rulings:
        named = {t["result"] for t in r["trace"]}
        assert set(r["results"]) <= named
        for t in r["trace"]:
            assert t["clauses"]
            for c in t["clauses"]:
                for line in c["text"].split("\n"):
                    assert any(line.strip() in s for s in source_lines), (c["id"], line)
            for i in t["interpretations"]:
                assert i in repo.interpretations


def test_policy_runs_from_any_directory(tmp_path):
    exe = ROOT / ".venv/bin/policy"
    proc = subprocess.run([str(exe), "eval", str(ROOT / "examples/workers.yaml"), "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rulings = rulings_of(proc.stdout)
    assert rulings and all(r["expect"]["passed"] for r in rulings)


def _policy_figures() -> set:
    """Amounts, thresholds and coefficients in policies/ and rules/ (not band bounds, levels or ranks)."""
    from evaluator.load.yaml_strict import load_file
    figures = set()

    def walk(obj, key=None):
        if isinstance(obj, dict):
            for k, v in obj.items():
                # identifiers, not figures: list-item numbers and the rows spanning cells come from
                if k not in ("min", "max", "level", "stars", "rank", "version", "levels", "number", "cells"):
                    walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)
        elif isinstance(obj, (int, Decimal)) and not isinstance(obj, bool):
            if obj != int(obj) or abs(obj) > 10:
                figures.add(Decimal(obj))
    for sub in ("policies", "rules"):
        for p in (ROOT / sub).rglob("*.yaml"):
            walk(load_file(p).data)
    return figures


def test_no_policy_figure_is_written_in_python():
    figures = _policy_figures()
    assert Decimal(2000) in figures and Decimal("0.6") in figures and Decimal(45) in figures
    found = []
    for path in (ROOT / "evaluator").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # a slice bound (digest[:24]) cuts text; it is never a policy figure
        bounds = {id(b) for s in ast.walk(tree) if isinstance(s, ast.Slice) for b in (s.lower, s.upper, s.step)}
        for node in ast.walk(tree):
            if id(node) in bounds:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                    and not isinstance(node.value, bool) and Decimal(str(node.value)) in figures:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert not found, "policy figures in Python:\n" + "\n".join(found)


def test_the_star_column_is_quoted_by_its_own_cells(repo):
    # The star column (星级党组织 / 绩效补贴) is printed on the lines of levels 18-13: the allowance quotes its own
    # cells, 「三星 900」, not the level row 「15级 25-27年 34年及以上 1.85 3700」 it shares lines with.
    case = {"id": "three_stars", "kind": "worker", "as_of": "2024-07-01",
            "facts": {"post": "committee_member", "years_of_service": 26, "party_org_stars": 3}}
    for engine in ("durable", "reference"):
        [r] = api.evaluate_data(repo, case, engine).rulings
        [entry] = [t for t in r["trace"] if t["result"] == "salary.performance_allowance"]
        assert [c["id"] for c in entry["clauses"]] == ["workforce.annex.salary-table.stars3",
                                                      "workforce.6.16.performance"]
    assert repo.clauses["workforce.annex.salary-table.stars3"].text == "三星\n900"
    assert repo.clauses["workforce.annex.salary-table.star_heads"].text == "星级党组织\n绩效补贴"
    assert "三星" not in repo.clauses["workforce.annex.salary-table.l15"].text
    assert repo.clauses["workforce.annex.salary-table.l15"].text.endswith("1.85\n3700")
