"""`policy eval --why-not RULE`: why an exit ground was not found, clause by clause, in Chinese and English."""
from __future__ import annotations

import json

import pytest

from evaluator.ruling import explain

from .conftest import run_policy, rulings_of

CASE = """cases:
  - id: one_bad_year
    kind: worker
    as_of: 2024-07-01
    facts:
      post: committee_member
      years_of_service: 6
      assessments: [{year: 2023, grade: unqualified}, {year: 2022, grade: qualified}]
      grid_satisfaction: 0.4
  - id: two_bad_years
    kind: worker
    as_of: 2024-07-01
    facts:
      post: principal
      years_of_service: 6
      assessments: [{year: 2023, grade: unqualified}, {year: 2022, grade: unqualified}]
"""


@pytest.fixture
def case_file(tmp_path):
    p = tmp_path / "cases.yaml"
    p.write_text(CASE, encoding="utf-8")
    return p


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_why_not_explains_a_ground_in_chinese_and_english_with_its_clause(case_file, engine):
    code, out, err = run_policy("eval", case_file, "--why-not", "two_consecutive_unqualified", "--engine", engine)
    assert code == 0 and err == ""
    first = out.split("Case two_bad_years")[0]
    assert "two_consecutive_unqualified [workforce.exit_grounds@1]: did not fire / 未适用" in first
    assert "连续两年年度考核不合格 / Assessed unqualified in two consecutive years" in first
    assert "§ workforce.5.14.g2: 「连续两年年度考核不合格的」" in first
    assert "✗ unqualified_streak = 1, and the rule needs unqualified_streak ≥ 2" in first
    assert "unqualified_streak 为 1，而本条要求 unqualified_streak 大于或等于 2" in first
    second = out.split("Case two_bad_years")[1]
    assert "two_consecutive_unqualified [workforce.exit_grounds@1]: fired / 已适用" in second


def test_why_not_all_answers_why_no_exit_ground_was_found(case_file):
    code, out, _ = run_policy("eval", case_file, "--why-not", "all", "--format", "json")
    assert code == 0
    first = rulings_of(out)[0]
    assert first["results"]["exit.grounds"] == []
    entries = first["why_not"]
    assert len(entries) == 10 and not any(e["fired"] for e in entries)  # nine grounds, the 7th split by post
    assert all(e["reasons"] and all(r["en"] and r["zh"] for r in e["reasons"]) for e in entries)
    assert [c["id"] for e in entries for c in e["clauses"]][:2] == ["workforce.5.14.g1", "workforce.5.14.g2"]
    grid = next(e for e in entries if e["rule"] == "grid_satisfaction_below_60")
    # satisfaction is low, but the worker is not a grid worker: the `any` is what fails, and why
    (reason,) = grid["reasons"]
    assert reason["zh"].startswith("以下各项均不成立") and reason["en"].startswith("none of these holds")
    assert [b["actual"] for b in reason["because"]] == ["committee_member", False]


def test_why_not_is_part_of_the_public_ruling_schema(repo, case_file):
    from evaluator.load.validation import validator
    code, out, _ = run_policy("eval", case_file, "--why-not", "all", "--why-not", "two_consecutive_unqualified",
                              "--format", "json")
    rulings = rulings_of(out)
    assert code == 0 and all(r["why_not"] for r in rulings)
    assert list(validator(str(repo.schema_dir), "ruling").iter_errors(json.loads(out))) == []
    bad = [dict(rulings[0], why_not=[{"rule": "x"}])]
    assert list(validator(str(repo.schema_dir), "ruling", "/$defs/inline_rulings").iter_errors(bad))


def test_rulings_keep_their_format_without_why_not(case_file):
    code, out, _ = run_policy("eval", case_file, "--format", "json")
    assert code == 0 and all("why_not" not in r for r in rulings_of(out))


def test_an_unknown_rule_is_an_error_with_a_suggestion(case_file):
    code, out, err = run_policy("eval", case_file, "--why-not", "two_consecutive_unqualifed")
    assert code == 2 and out == ""
    assert "no rule has this id; did you mean 'two_consecutive_unqualified'?" in err


def test_negation_and_missing_facts_are_explained():
    cond = {"all": [{"not": {"fact": "post", "op": "in", "value": ["principal", "deputy"]}},
                    {"fact": "certificate_days_overdue", "op": "gt", "value": 0}]}
    reasons = explain.reasons(cond, {"post": "deputy"})
    assert [r["path"] for r in reasons] == ["when.all[0]", "when.all[1]"]
    assert reasons[0]["en"] == "the rule needs not post is one of [principal, deputy], but post = deputy"
    assert reasons[0]["zh"] == "本条要求并非 post 属于 [principal, deputy]，但post = deputy"
    assert reasons[1]["zh"] == "案件未提供 certificate_days_overdue，而本条要求 certificate_days_overdue 大于 0"
    assert explain.reasons(cond, {"post": "grid_worker", "certificate_days_overdue": 3}) == []
