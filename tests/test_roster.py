"""Roster CSV for `policy diff`: typed cells, defaults for empty cells, grade_YYYY columns, errors at line:col."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from evaluator.batch import rulings
from evaluator.cases import roster_csv as roster
from evaluator.checks import impact
from evaluator.load.problems import PolicyInputError

DAY = dt.date(2024, 7, 1)


def _load(repo, tmp_path, text):
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8-sig")  # with a byte-order mark, as spreadsheets write it
    return roster.load(path, repo.schema_dir, DAY, "r.csv")


def test_cells_defaults_and_grades(repo, tmp_path):
    r = _load(repo, tmp_path, "id,area,post,years_of_service,education,retired,pension_monthly,grade_2022,grade_2023\n"
                              "a,xixia,deputy,5,,,,unqualified,unqualified\n"
                              "b,xixia,grid_worker,2,bachelor,true,1999.50,,qualified\n")
    assert not r.problems
    out = rulings.rule_roster(repo, r)
    a, b = out["a"]["results"], out["b"]["results"]
    assert a["exit.grounds"] == ["two_consecutive_unqualified"] and a["salary.level"] == 5
    assert b["salary.level"] == 2  # band 1 + 1 for the degree
    assert str(b["salary.retiree_top_up"]) == "400.50"  # 2400 - 1999.50, exact
    assert impact.monthly_pay(b) == b["salary.retiree_top_up"] and impact.monthly_pay(a) == 2700


def test_bad_cells_are_positioned_and_the_others_kept(repo, tmp_path):
    r = _load(repo, tmp_path, "id,area,post,years_of_service,on_probation\n"
                              "a,xixia,deputy,5,yes\n"
                              "b,,deputy,5,\n"
                              "c,xixia,deputy,5,false\n"
                              "d,xixia,deputy\n")
    msgs: dict = {}
    for p in r.problems:
        msgs[(p.line, p.col, p.case)] = msgs.get((p.line, p.col, p.case), "") + p.message + "\n"
    assert "'on_probation' must be true or false, not 'yes'" in msgs[(2, 18, "a")]
    assert "'area' is empty" in msgs[(3, 3, "b")]
    assert "the line has 3 fields, the header 5" in msgs[(5, 1, "d")]
    out = rulings.rule_roster(repo, r)
    assert "errors" in out["a"] and "errors" in out["b"] and "errors" in out["d"] and out["c"]["results"]["salary.base_pay"] == 2700


def test_unusable_rosters(repo, tmp_path):
    with pytest.raises(PolicyInputError, match="list|unknown column 'assessments'"):
        _load(repo, tmp_path, "id,area,post,years_of_service,assessments\na,x,deputy,1,\n")
    with pytest.raises(PolicyInputError, match="no workers"):
        _load(repo, tmp_path, "id,area,post,years_of_service\n")


@pytest.mark.parametrize("day", [DAY, dt.date(2028, 2, 29)])
def test_the_vectorised_roster_rulings_equal_the_per_case_ones(repo, tmp_path, day):
    """rule_roster rules through the batch path; on a generated roster (every post, band edges, probation,
    retirees with pensions in yuan and fen, certificate deadlines, grades) each worker's results are the per-case
    ruling's, value for value and type for type (Decimal places, ISO dates, result order)."""
    from evaluator import api
    from evaluator.batch import sample as sample

    path = tmp_path / "sample.csv"
    sample.write(sample.generate(400, seed=11), path)
    r = roster.load(path, repo.schema_dir, day, "sample.csv")
    assert not r.problems
    per_case = api.evaluate_cases(repo, r.case_file, "reference", api.FileOutcome(r.path))
    expected = {x["id"]: {"results": x["results"]} for x in per_case.rulings}
    got = rulings.rule_roster(repo, r)
    assert list(got) == list(expected) and repr(got) == repr(expected)
    assert any(isinstance(v["results"].get("salary.retiree_top_up"), Decimal) for v in got.values())


def test_booleans_in_any_case_as_the_batch_reader_takes_them(repo, tmp_path):
    r = _load(repo, tmp_path, "id,area,post,years_of_service,on_probation\n"
                              "a,xixia,grid_worker,0,TRUE\n"
                              "b,xixia,grid_worker,0,False\n")
    assert not r.problems
    out = rulings.rule_roster(repo, r)
    assert out["a"]["results"]["salary.level"] is None and out["b"]["results"]["salary.level"] == 1
