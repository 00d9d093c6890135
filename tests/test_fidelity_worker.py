"""Issue 14, the worker items: probation only for grid workers and derived from the hire date; the readings the text
leaves open (the certificate raise's cap, 45周岁以下和新聘用, 5年内未取得, whom the raises serve), each named, with
the alternative's outcome worked out by hand from the text and checked on the per-case path and in batch."""
from __future__ import annotations

import json

import polars as pl
import pytest

from evaluator import api
from evaluator.batch import compile as bcompile, io as bio, run as brun
from evaluator.ruling import readings

from .conftest import edit, run_policy, rulings_of

PROBATION = "probation_only_for_grid_workers"
CAP = "certificate_raise_cap_reading"
NEW_HIRES = "certificate_rule_age_limit_covers_new_hires"


def _case_file(tmp_path, cases: str):
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n" + cases, encoding="utf-8")
    return path


def _eval(path, *extra):
    code, out, err = run_policy("eval", path, "--format", "json", *extra)
    return code, {r["id"]: r for r in rulings_of(out)} if out.strip() else {}, err


@pytest.mark.parametrize("post", ["principal", "deputy", "committee_member"])
def test_probation_is_refused_for_elected_posts_and_named(tmp_path, post):
    # 「统一公开招聘的社区网格员,试用期为三个月」: only the grid worker; 两委 members are elected for a term.
    path = _case_file(tmp_path, f"  - {{id: elected, kind: worker, as_of: 2024-07-01, facts: {{post: {post}, "
                                f"years_of_service: 5, on_probation: true}}}}\n"
                                f"  - {{id: other, kind: worker, as_of: 2024-07-01, facts: {{post: grid_worker, "
                                f"years_of_service: 5}}}}\n")
    code, rulings, err = _eval(path)
    assert code != 0
    assert f"{path}:2:" in err and "[case elected]" in err and "on_probation is true" in err
    assert f"no probation to post '{post}'" in err and PROBATION in err
    assert rulings["other"]["results"]["salary.base_pay"] == 2400  # grid worker, 4-6年 -> level 2 (2400)
    # Under the alternative (any contract post) the same case is paid the 试用期 row.
    code, rulings, err = _eval(path, "--reading", f"{PROBATION}=any_contract_post")
    assert "on_probation" not in err
    assert rulings["elected"]["results"]["salary.base_pay"] == 2000
    assert rulings["elected"]["results"]["salary.level"] is None


def test_a_contradicting_on_probation_is_a_positioned_error(tmp_path):
    path = _case_file(tmp_path, "  - id: late\n    kind: worker\n    as_of: 2024-07-01\n    facts:\n"
                                "      post: grid_worker\n      years_of_service: 0\n      hire_date: 2024-01-01\n"
                                "      on_probation: true\n"
                                "  - id: early\n    kind: worker\n    as_of: 2024-02-01\n    facts:\n"
                                "      post: grid_worker\n      years_of_service: 0\n      hire_date: 2024-01-01\n"
                                "      on_probation: false\n")
    code, _, err = _eval(path)
    assert code != 0
    assert f"{path}:9:" in err and "[case late] on_probation is true, but hire_date gives the opposite" in err
    assert f"{path}:17:" in err and "[case early] on_probation is false" in err


def test_the_probation_months_and_posts_are_data(repo_copy):
    # A changed figure changes the ruling: with six months, a grid worker hired 2024-01-01 is still on probation on
    # 2024-04-01 (three months: level 1, 2300); with deputies listed, a deputy on probation is paid the 试用期 row.
    facts = {"post": "grid_worker", "years_of_service": 0, "hire_date": "2024-01-01"}
    deputy = {"post": "deputy", "years_of_service": 0, "on_probation": True}

    def pay(facts):
        out = api.evaluate_data(api.load(repo_copy), {"id": "c", "kind": "worker", "as_of": "2024-04-01",
                                                      "facts": facts})
        return out.rulings[0].get("results", {}).get("salary.base_pay"), [p.message for p in out.problems]

    assert pay(facts) == (2300, [])
    assert pay(deputy)[0] is None and "no probation to post 'deputy'" in pay(deputy)[1][0]
    edit(repo_copy / "policies/workforce.probation_pay/2019-01-01.yaml", "months: 3", "months: 6")
    edit(repo_copy / "policies/workforce.probation_pay/2019-01-01.yaml", "posts: [grid_worker]",
         "posts: [deputy, grid_worker]")
    assert pay(facts) == (2000, [])
    assert pay(deputy) == (2000, [])


def test_the_certificate_raise_cap_readings(tmp_path):
    # 「在本岗位等级范围内」 in the education sentence only. Committee member, 31 years: 31-33年 -> level 12; 硕士
    # 「可提高5级」, 社会工作师 「可提高2级」; the column's top is 13.
    path = _case_file(tmp_path, "  - {id: m, kind: worker, as_of: 2024-07-01, facts: {post: committee_member, "
                                "years_of_service: 31, education: master, certificate: social_worker}}\n")
    expected = {f"{CAP}=both_capped_entitlement": (13, 3500), f"{CAP}=education_capped_certificate_not": (15, 3700),
                "raises_add_up_highest_only_capped=no_cap": (18, 4000)}  # neither capped
    for choice, (level, pay) in expected.items():
        _, rulings, _ = _eval(path, "--reading", choice)
        assert (rulings["m"]["results"]["salary.level"], rulings["m"]["results"]["salary.base_pay"]) == (level, pay)
    _, rulings, _ = _eval(path)
    notes = [n["en"] for n in rulings["m"]["notes"] if n["code"] == "alternative_reading"]
    assert any("'education_capped_certificate_not'" in n and "salary.base_pay = 3700" in n for n in notes)


def test_the_middle_reading_does_not_lift_a_cap_the_education_raise_did_not_reach(tmp_path):
    # Grid worker, 10 years (10-12年 -> level 4), 本科 +1 -> 5, 高级社会工作师 +3 -> 8: no cap binds, all readings agree.
    path = _case_file(tmp_path, "  - {id: g, kind: worker, as_of: 2024-07-01, facts: {post: grid_worker, "
                                "years_of_service: 10, education: bachelor, certificate: senior_social_worker}}\n")
    for choice in (f"{CAP}=both_capped_entitlement", f"{CAP}=education_capped_certificate_not",
                   "raises_add_up_highest_only_capped=no_cap"):
        _, rulings, _ = _eval(path, "--reading", choice)
        assert rulings["g"]["results"]["salary.level"] == 8


def test_new_hires_over_45(tmp_path):
    # 「45周岁以下和新聘用的职业化社区工作者一般应在5年内取得」: born 1970-01-01, hired 2020-03-01 at 50.
    path = _case_file(tmp_path, "  - {id: n, kind: worker, as_of: 2026-07-01, facts: {post: grid_worker, "
                                "years_of_service: 6, birth_date: 1970-01-01, hire_date: 2020-03-01}}\n")
    _, rulings, _ = _eval(path)
    assert rulings["n"]["results"]["certificate.due_date"] is None
    assert rulings["n"]["results"]["exit.grounds"] == []
    _, rulings, _ = _eval(path, "--reading", f"{NEW_HIRES}=every_new_hire")
    assert rulings["n"]["results"]["certificate.due_date"] == "2025-03-01"
    assert rulings["n"]["results"]["exit.grounds"] == ["no_certificate_within_5_years"]


def test_the_readings_without_a_patch_are_recorded_with_their_outcome(repo):
    for iid, alt in (("certificate_not_obtained_means_not_held", "not_obtained_within_five_years"),
                     ("raises_serve_every_worker", "grade_set_on_hiring_only"),
                     (CAP, "raise_discretionary"), (CAP, "neither_capped")):
        it = repo.interpretations[iid][0]
        [a] = [a for a in it["alternatives"] if a["code"] == alt]
        assert "patch" not in a and ("Not executable" in a["en"] or "Executable as" in a["en"])


def test_batch_follows_probation_and_the_readings(repo, tmp_path):
    rows = [  # (post, years, hire_date, on_probation), ruled on 2024-07-01
        ("grid_worker", "0", "2024-05-01", None), ("grid_worker", "0", "2024-01-01", None),
        ("grid_worker", "0", "2024-05-01", "false"), ("principal", "3", None, "true"),
        ("committee_member", "31", None, None)]
    df = pl.DataFrame({"id": [f"w{i}" for i in range(len(rows))], "post": [r[0] for r in rows],
                       "years_of_service": [r[1] for r in rows], "hire_date": [r[2] for r in rows],
                       "on_probation": [r[3] for r in rows],
                       "education": [None, None, None, None, "master"],
                       "certificate": [None, None, None, None, "social_worker"]}, schema_overrides={
                           "on_probation": pl.String, "hire_date": pl.String})
    path = tmp_path / "r.csv"
    df.write_csv(path)
    day = __import__("datetime").date(2024, 7, 1)
    for variant, pays in ((repo, [2000, 2300, None, None, 3500]),
                          (readings.variant(repo, {CAP: "education_capped_certificate_not"}),
                           [2000, 2300, None, None, 3700])):
        prog = bcompile.compile_worker(variant, day)
        ro = bio.read_roster(path, prog.specs, variant.schema_dir)
        out = brun.evaluate(prog, ro.facts)
        got = [None if out.error[i] else int(out.values["salary.base_pay"][i]) for i in range(len(rows))]
        assert got == pays
        assert "hire_date gives the opposite" in prog.errors[out.error[2]][1]
        assert "no probation to post 'principal'" in prog.errors[out.error[3]][1]
