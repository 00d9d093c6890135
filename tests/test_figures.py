"""The figure check (checks/figures.py): a witness for each kind of figure — stated by the clause it cites, derived,
resting on an interpretation, stated in words, structural, a rule's threshold — and a planted contradiction for each,
reported at the figure's file:line:col with the clause and the numbers it states."""
from __future__ import annotations

import re

from evaluator.checks.figures import han_number, stated_numbers

from .conftest import edit, run_policy
from .test_checks import line_of

TRAINING = "policies/workforce.training/2019-01-01.yaml"
TABLE = "policies/workforce.salary_table/2019-01-01.yaml"
COST = "policies/workforce.cost_sharing/2019-01-01.yaml"
PROBATION = "policies/workforce.probation_pay/2019-01-01.yaml"
RETIREE = "policies/workforce.retiree_top_up/2019-01-01.yaml"
SECONDMENT = "rules/workforce.secondment/2019-01-01.yaml"


def findings(root, code: str) -> list[str]:
    _, out, _ = run_policy("--repo", root, "check")
    return [ln for ln in out.splitlines() if re.match(rf"^[^ ]+:\d+:\d+: {code}:", ln)]


def test_numbers_a_text_states():
    assert han_number("三") == 3 and han_number("十二") == 12 and han_number("二十") == 20
    assert han_number("一百零五") == 105 and han_number("两万") == 20000
    nums = stated_numbers("不少于3天,80%持有,五分之二,试用期为三个月")
    assert {3, 80} <= nums and 0.8 in {float(n) for n in nums} and 0.4 in {float(n) for n in nums}


def test_a_stated_figure_changed_is_caught_at_its_position(repo_copy):
    at = line_of(repo_copy / TRAINING, "days_min: 3")
    edit(repo_copy / TRAINING, "days_min: 3", "days_min: 4")
    [f] = findings(repo_copy, "figure_not_stated")
    assert f.startswith(f"{TRAINING}:{at}:")
    assert "days_min = 4 is not stated by the clause it cites, workforce.5.7.training_days" in f
    assert re.search(r"which states (\S+, )*3[,)]", f), f


def test_a_derived_figure_is_recomputed(repo_copy):
    # Row 13 cites the benchmark clause (which does not state 3500): its base pay rests on the declared derivation.
    edit(repo_copy / TABLE, "source: workforce.annex.salary-table.l13", "source: workforce.6.16.benchmark")
    edit(repo_copy / TABLE, "data:\n", "figures:\n  - {path: levels.5.base_pay, derived: coefficient * benchmark_pay}\n"
                                       "data:\n")
    assert not [f for f in findings(repo_copy, "figure_not_stated") if "levels.5.base_pay" in f]
    assert findings(repo_copy, "figure_derivation_mismatch") == []
    at = line_of(repo_copy / TABLE, "base_pay: 3500")
    edit(repo_copy / TABLE, "base_pay: 3500", "base_pay: 3600")
    [f] = findings(repo_copy, "figure_derivation_mismatch")
    assert f.startswith(f"{TABLE}:{at}:") and "coefficient * benchmark_pay gives 3500" in f


def test_a_figure_resting_on_an_interpretation_the_version_does_not_name(repo_copy):
    edit(repo_copy / RETIREE, "interpretation: retiree_matching_base_pay}", "interpretation: probation_base_pay_only}")
    [f] = findings(repo_copy, "figure_basis_invalid")
    assert f.startswith(f"{RETIREE}:") and "'probation_base_pay_only', which this version does not name" in f


def test_a_figure_stated_in_words_the_clause_does_not_contain(repo_copy):
    edit(repo_copy / PROBATION, "words: 试用期间只享受相对应的基础薪酬", "words: 试用期间不发绩效补贴")
    [f] = findings(repo_copy, "figure_basis_invalid")
    assert f.startswith(f"{PROBATION}:") and "「试用期间不发绩效补贴」" in f and "workforce.5.9.probation" in f


def test_a_figure_without_a_clause_or_a_basis(repo_copy):
    edit(repo_copy / COST, "  - {path: rounding.decimals, structural:", "  - {path: rounding.unused, structural:")
    [f] = findings(repo_copy, "figure_without_basis")
    assert f.startswith(f"{COST}:") and "rounding.decimals = 2 cites no clause" in f


def test_a_rule_threshold_against_the_clauses_the_rule_cites(repo_copy):
    at = line_of(repo_copy / SECONDMENT, "op: gt, value: 6}")
    edit(repo_copy / SECONDMENT, "op: gt, value: 6}", "op: gt, value: 7}")
    found = findings(repo_copy, "figure_not_stated")
    assert [f for f in found if f.startswith(f"{SECONDMENT}:{at}:")], found
    assert "rule secondment_too_long.when.value = 7" in found[0] and "workforce.5.11.secondment_duration" in found[0]


def test_a_figure_resting_on_an_interpretation_that_does_not_read_its_clause(repo_copy):
    edit(repo_copy / RETIREE, "  - retiree_matching_base_pay\n", "  - retiree_matching_base_pay\n  - probation_base_pay_only\n")
    edit(repo_copy / RETIREE, "interpretation: retiree_matching_base_pay}", "interpretation: probation_base_pay_only}")
    [f] = findings(repo_copy, "figure_basis_invalid")
    assert f.startswith(f"{RETIREE}:") and "does not read the clause the figure cites (workforce.6.17.retiree)" in f
