"""What would trip durable-rules is refused when the repository loads, at the rule's file:line:col, and facts the
engine cannot hold are refused per case at the fact's line, the other cases still ruled on."""
from __future__ import annotations

import re

import pytest

from .conftest import edit, run_policy

RULES = "rules/workforce.exit_grounds/2019-01-01.yaml"
SCHEMA = "schemas/cases.schema.json"
LAST_RULE = "    when: {fact: other_statutory_ground, op: eq, value: true}\n"


def _add_facts(root, *names):
    extra = "".join(f'"{n}": {{"type": "boolean"}}, ' for n in names)
    edit(root / SCHEMA, '"other_statutory_ground": {', extra + '"other_statutory_ground": {')


def _check(root):
    code, out, err = run_policy("--repo", root, "check")
    assert code == 1 and not err
    return out


def test_names_colliding_under_the_engines_32_bit_hash_are_an_error_at_the_rule(repo_copy):
    _add_facts(repo_copy, "f6059", "f264602")  # same FNV-1a hash: one property to durable-rules
    edit(repo_copy / RULES, LAST_RULE, LAST_RULE.replace(
        "{fact: other_statutory_ground, op: eq, value: true}",
        "\n      all:\n        - {fact: f6059, op: eq, value: true}\n        - {fact: f264602, op: eq, value: true}"))
    out = _check(repo_copy)
    assert re.search(rf"{RULES}:83:\d+: engine_name_clash: facts 'f6059' and 'f264602' have the same 32-bit hash", out)


@pytest.mark.parametrize("name", ["sid", "kind", "id"])
def test_names_the_engine_or_boundary_uses_are_reserved(repo_copy, name):
    _add_facts(repo_copy, name)
    edit(repo_copy / RULES, "{fact: other_statutory_ground, op: eq, value: true}", f"{{fact: {name}, op: eq, value: true}}")
    assert re.search(rf"{RULES}:80:\d+: engine_name_clash: fact name '{name}' is reserved", _check(repo_copy))


@pytest.mark.parametrize("value,why", [
    ("0.00001", r"exponent notation \(1e-05\)"),
    ("0.59999999999999999999", "more digits than the engine's 64-bit floating point holds exactly"),
])
def test_constants_the_engine_cannot_hold_are_refused(repo_copy, value, why):
    edit(repo_copy / RULES, "{fact: grid_satisfaction, op: lt, value: 0.6}",
         f"{{fact: grid_satisfaction, op: lt, value: {value}}}")
    assert re.search(rf"{RULES}:75:\d+: out_of_range: .*{why}", _check(repo_copy))


def test_arithmetic_is_not_in_the_condition_language(repo_copy):
    edit(repo_copy / RULES, "{fact: grid_satisfaction, op: lt, value: 0.6}",
         "{fact: grid_satisfaction, op: lt, value: {$div: [60, 0]}}")
    assert re.search(rf"{RULES}:75:\d+:", _check(repo_copy))


def test_conditions_beyond_the_engines_15_groups_are_refused(repo_copy):
    branches = "".join(f"\n        - any: [{{fact: serious_violation, op: eq, value: true}}, "
                       f"{{fact: years_of_service, op: eq, value: {i}}}]" for i in range(15))
    edit(repo_copy / RULES, LAST_RULE, LAST_RULE.replace(
        "{fact: other_statutory_ground, op: eq, value: true}", "\n      all:" + branches))
    assert re.search(rf"{RULES}:81:\d+: engine_limit: this condition needs 46 and/or groups in durable-rules, which "
                     "holds at most 15 per rule", _check(repo_copy))


def test_the_threshold_in_yaml_decides_the_ruling(repo_copy, tmp_path):
    case = tmp_path / "c.yaml"
    case.write_text("id: w\nkind: worker\nas_of: 2024-07-01\nfacts: {post: grid_worker, years_of_service: 3, "
                    "grid_satisfaction: 0.65}\n", encoding="utf-8")
    for engine in ("durable", "reference"):
        code, out, _ = run_policy("--repo", repo_copy, "eval", case, "--format", "json", "--engine", engine)
        assert code == 0 and '"exit.grounds": []' in out
    edit(repo_copy / RULES, "{fact: grid_satisfaction, op: lt, value: 0.6}",
         "{fact: grid_satisfaction, op: lt, value: 0.7}")
    for engine in ("durable", "reference"):
        code, out, _ = run_policy("--repo", repo_copy, "eval", case, "--format", "json", "--engine", engine)
        assert code == 0 and '"grid_satisfaction_below_60"' in out


def test_a_fact_the_engine_cannot_hold_is_an_error_at_its_line_and_the_other_cases_still_ruled(tmp_path):
    case = tmp_path / "c.yaml"
    case.write_text(
        "cases:\n"
        "  - id: fine\n    kind: worker\n    as_of: 2024-07-01\n"
        "    facts: {post: grid_worker, years_of_service: 3, grid_satisfaction: 0.5}\n"
        "  - id: too_precise\n    kind: worker\n    as_of: 2024-07-01\n"
        "    facts:\n      post: grid_worker\n      years_of_service: 3\n"
        "      grid_satisfaction: 0.59999999999999999999\n", encoding="utf-8")
    for engine in ("durable", "reference"):
        code, out, err = run_policy("eval", case, "--engine", engine)
        assert code == 2
        assert re.search(r"c\.yaml:12:\d+: no_ruling: \[case too_precise\] the rule engine cannot take fact "
                         r"'grid_satisfaction': 0\.59999999999999999999 has more digits", err), err
        assert "Case fine" in out and "grid_satisfaction_below_60" in out and "Traceback" not in err
