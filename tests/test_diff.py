"""`policy diff`: changes in words, impact on cases and on a roster, over draft reforms, git revisions and bundles."""
from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import pytest

from evaluator.load.yaml_strict import load_file

from .conftest import ROOT, edit, run_policy

REFORM = ROOT / "examples/reforms/benchmark-2200"
SMALL = ROOT / "tests/rosters/reform_small.csv"


@pytest.fixture(scope="module")
def reform():
    code, out, err = run_policy("diff", ROOT, REFORM, "--roster", SMALL, "--format", "json", "--engine", "reference")
    assert code == 2, err  # the small roster has one bad row (w7): the others are ruled, and the exit code says so
    return json.loads(out)


def test_reform_costs_on_a_roster(reform):
    # By hand, from the published table and the draft (benchmark 2200 × coefficient), on 2027-01-01:
    #   xingqing: w1 level 13 3500→3850 (+350), w2 probation 2000→2200 (+200),
    #             w6 retired, level 1, top-up 2300-2000=300 → 2530-2000=530 (+230)          = +780
    #   jinfeng:  w3 level 13 capped 3500→3850 (+350), w4 level 1 2300→2530 (+230),
    #             w5 retired, pension 5000 above both base pays: top-up 0 → 0 (+0)          = +580
    ro = reform["roster"]
    assert ro["as_of"] == "2027-01-01"
    areas = {a["area"]: a for a in ro["areas"]}
    assert (areas["xingqing"]["monthly_cost_before"], areas["xingqing"]["monthly_cost_after"]) == (5800, 6580)
    assert areas["xingqing"]["difference"] == 780
    assert areas["jinfeng"]["difference"] == 580
    # no worker gives party_org_stars: no performance allowance, so no district layer to spread it (nothing null)
    assert ro["total"] == {"workers": 6, "level_changed": 0, "base_pay_changed": 6, "monthly_cost_before": 11600,
                           "monthly_cost_after": 12960, "difference": 1360, "yearly_spread_before": 0,
                           "yearly_spread_after": 0, "yearly_spread_difference": 0, "spread_not_checked_before": 0,
                           "spread_not_checked_after": 0}
    w5 = next(w for w in ro["workers"] if w["id"] == "w5")
    assert w5["base_pay"] == [2700, 2970] and w5["monthly_cost"] == [0, 0]
    [bad] = ro["rejected"]
    assert (bad["case"], bad["line"], bad["col"]) == ("w7", 8, 22) and "years_of_service" in bad["message"]


def test_reform_changes_in_words(reform):
    changes = {(c["subject"], c.get("path", ""), c["what"]): c for c in reform["changes"]}
    assert changes[("workforce.salary_table v1", "effective_to", "added")]["new"] == "2026-12-31"
    assert ("workforce.salary_table v2", "", "added") in changes
    bench = changes[("workforce.salary_table v2 vs v1", "data.benchmark_pay", "changed")]
    assert (bench["old"], bench["new"]) == (2000, 2200)
    top = changes[("workforce.salary_table v2 vs v1", "data.levels[level=18].base_pay", "changed")]
    assert (top["old"], top["new"]) == (4000, 4400)
    assert not any("coefficient" in c.get("path", "") for c in reform["changes"])
    assert reform["takes_effect"] == "2027-01-01"
    assert reform["new"]["digest"] != reform["old"]["digest"]


def test_reform_impact_on_cases(reform):
    cases = {(c["file"], c["id"]): c for c in reform["cases"]["changed"]}
    c = cases[("examples/workers.yaml", "party_secretary_bachelor_social_worker")]
    assert c["as_of"] == "2027-01-01"  # its own date (2024) is before the change takes effect
    assert c["results"] == [{"result": "salary.base_pay", "before": 3500, "after": 3850}]
    retired = cases[("examples/workers.yaml", "retired_teacher_as_deputy")]["results"]
    assert {d["result"] for d in retired} == {"salary.base_pay", "salary.retiree_top_up"}
    # A structured result (a roster case's workers) is compared leaf by leaf, each worker by its id.
    nested = [d for c in reform["cases"]["changed"] for d in c.get("results", []) if "[id=" in d["result"]]
    assert nested and all(d["result"].endswith(".results.salary.base_pay") or
                          d["result"].endswith(".results.salary.retiree_top_up") for d in nested)


def test_the_draft_is_marked_and_consistent():
    draft = load_file(REFORM / "policies/workforce.salary_table/2027-01-01.yaml").data
    assert "NOT ADOPTED" in draft["title"]["en"] and "NOT ADOPTED" in draft["notes"][0]["en"]
    assert load_file(REFORM / "overlay.yaml").data["status"] == "not_adopted"
    assert not (ROOT / "policies/workforce.salary_table/2027-01-01.yaml").exists()
    d = draft["data"]
    for row in d["levels"] + [d["probation"]]:
        assert Decimal(row["base_pay"]) == Decimal(d["benchmark_pay"]) * Decimal(str(row["coefficient"]))


def test_no_change(repo_copy):
    code, out, _ = run_policy("diff", repo_copy, repo_copy, "--engine", "reference")
    assert code == 0
    assert "No clause, figure, list item or interpretation differs" in out
    assert ": 0 of " in out


def test_git_revisions_and_bundles(repo_copy, tmp_path):
    git = ["git", "-C", str(repo_copy), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "-C", str(repo_copy), "init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "before"], check=True)
    run_policy("keygen", "--out", tmp_path / "k")
    assert run_policy("--repo", repo_copy, "bundle", "--out", tmp_path / "b1", "--key",
                      tmp_path / "k/policy-signing.key")[0] == 0
    raises = repo_copy / "policies/workforce.salary_raises/2019-01-01.yaml"
    text = raises.read_text(encoding="utf-8")
    assert "code: master" in text
    edit(raises, "levels: 5", "levels: 4")
    interp = repo_copy / "interpretations/workforce.yaml"
    edit(interp, "en: How are years of service counted", "en: How, in this revision, are years of service counted")
    subprocess.run(git + ["commit", "-qam", "after"], check=True)
    code, out, err = run_policy("--repo", repo_copy, "diff", "HEAD~1", "HEAD", "--format", "json",
                                "--engine", "reference")
    assert code == 0, err
    r = json.loads(out)
    paths = {(c["subject"], c.get("path")): c for c in r["changes"]}
    master = paths[("workforce.salary_raises v1", "data.education[code=master].levels")]
    assert (master["old"], master["new"]) == (5, 4)
    assert any(c["area"] == "interpretation" and c.get("path") == "question.en" for c in r["changes"])
    assert r["takes_effect"] == "2019-01-01"
    changed = {c["id"] for c in r["cases"]["changed"]}
    assert "veteran_committee_member_master_no_certificate" not in changed  # band 9 + 4 or + 5: capped at 13
    assert any(d["result"] == "salary.level" for c in r["cases"]["changed"] for d in c.get("results", []))
    # The same comparison from two signed bundles.
    assert run_policy("--repo", repo_copy, "bundle", "--out", tmp_path / "b2", "--key",
                      tmp_path / "k/policy-signing.key")[0] == 0
    code, out, err = run_policy("--repo", repo_copy, "diff", tmp_path / "b1/policy-bundle.tar.gz",
                                tmp_path / "b2/policy-bundle.tar.gz", "--key", tmp_path / "k/policy-signing.pub",
                                "--format", "json", "--engine", "reference")
    assert code == 0, err
    assert json.loads(out)["changes"] == r["changes"]
    assert json.loads(out)["new"]["digest"] == r["new"]["digest"]
    code, _, err = run_policy("--repo", repo_copy, "diff", tmp_path / "b1/policy-bundle.tar.gz", "HEAD")
    assert code == 2 and "public key is needed" in err  # a bundle is not compared unverified unless told so


def test_unknown_revision_and_bad_roster(tmp_path):
    code, _, err = run_policy("diff", "no-such-revision-xyz", ROOT)
    assert code == 2 and "no-such-revision-xyz" in err
    bad = tmp_path / "r.csv"
    bad.write_text("id,area,post,salary\nx,xingqing,principal,3\n", encoding="utf-8")
    code, _, err = run_policy("diff", ROOT, REFORM, "--roster", bad, "--engine", "reference")
    assert code == 2 and f"{bad}:1:14: schema: unknown column 'salary'" in err
    bad.write_text("id,post,years_of_service\nx,principal,3\n", encoding="utf-8")
    code, _, err = run_policy("diff", ROOT, REFORM, "--roster", bad, "--engine", "reference")
    assert code == 2 and "missing required column 'area'" in err
