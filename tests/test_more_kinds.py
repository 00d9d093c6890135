"""The community, street, assessment, funding and roster kinds: bad input refused at its field, other cases still
evaluated; the figures live in YAML (editing them moves the ruling); the band overlap is resolved only by its
interpretation."""
from __future__ import annotations

import json
import textwrap
from decimal import Decimal

from evaluator import api

from .conftest import edit, run_policy, rulings_of

GOOD = """
  - id: good
    kind: community
    as_of: 2024-07-01
    facts: {households: 3000, desk_staff: 2}
"""


def _file(tmp_path, body: str):
    p = tmp_path / "cases.yaml"
    p.write_text("cases:" + body, encoding="utf-8")
    return p


def _eval(tmp_path, body, *extra):
    path = _file(tmp_path, textwrap.dedent(body) + textwrap.dedent(GOOD))
    code, out, err = run_policy("eval", path, "--format", "json", *extra)
    return code, rulings_of(out), err


def test_negative_count_refused_at_its_field(tmp_path):
    code, rulings, err = _eval(tmp_path, """
      - id: bad
        kind: community
        as_of: 2024-07-01
        facts: {households: 1000, desk_staff: -1}
    """)
    assert code == 2
    assert "cases.yaml:5:" in err and "'desk_staff' is -1" in err and "at least 0" in err
    assert "Traceback" not in err
    assert [r["id"] for r in rulings] == ["bad", "good"]
    assert "errors" in rulings[0] and rulings[1]["results"]["staffing.committee_size"] == 5


def test_share_above_one_refused(tmp_path):
    code, rulings, err = _eval(tmp_path, """
      - id: bad_share
        kind: community
        as_of: 2024-07-01
        facts: {households: 1000,
                visiting_time_share_min: 1.2}
    """)
    assert code == 2
    assert "cases.yaml:6:" in err and "'visiting_time_share_min' is 1.2" in err and "at most 1" in err
    assert rulings[1]["id"] == "good" and "results" in rulings[1]


def test_negative_money_and_share_above_one_in_other_kinds(tmp_path):
    code, rulings, err = _eval(tmp_path, """
      - id: funding_negative
        kind: funding
        as_of: 2024-07-01
        facts: {area: xixia, pay_cost: -5, region_part: 0}
      - id: weight_above_one
        kind: assessment
        as_of: 2024-07-01
        facts: {assessee: street_staff, weights: {community: 1.5}}
      - id: roster_satisfaction
        kind: roster
        as_of: 2024-07-01
        facts:
          satisfaction: 1.01
          workers: [{id: a, education_level: bachelor, lives_in_community: true,
                     facts: {post: grid_worker, years_of_service: -2}}]
    """)
    assert code == 2
    assert "'pay_cost' is -5" in err
    assert "'community' is 1.5" in err
    assert "'satisfaction' is 1.01" in err and "'years_of_service' is -2" in err
    assert "Traceback" not in err
    assert [("results" in r) for r in rulings] == [False, False, False, True]


def test_relations_between_facts_refused(tmp_path):
    code, rulings, err = _eval(tmp_path, """
      - id: more_residents_than_workers
        kind: community
        as_of: 2024-07-01
        facts: {households: 1000, community_workers: 3, resident_workers: 4}
      - id: weights_not_one
        kind: assessment
        as_of: 2024-07-01
        facts: {assessee: street_staff, weights: {community: 0.3, street: 0.6}}
      - id: score_without_weight
        kind: assessment
        as_of: 2024-07-01
        facts: {assessee: street_staff, weights: {community: 0.3, street: 0.7},
                scores: {community: 80, street: 70, residents: 90}}
      - id: region_above_cost
        kind: funding
        as_of: 2024-07-01
        facts: {area: helan, pay_cost: 100, region_part: 101}
      - id: too_many_secondees
        kind: street
        as_of: 2024-07-01
        facts: {community_workers: 1, secondments: [{worker: a, months: 1, count: 1}, {worker: b, months: 1, count: 1}]}
      - id: duplicate_worker
        kind: roster
        as_of: 2024-07-01
        facts:
          workers:
            - {id: a, education_level: bachelor, lives_in_community: true, facts: {post: grid_worker, years_of_service: 1}}
            - {id: a, education_level: bachelor, lives_in_community: true, facts: {post: grid_worker, years_of_service: 1}}
    """)
    assert code == 2
    lines = err.splitlines()
    assert any(":5:" in ln and "resident_workers (4) is more than community_workers (3)" in ln for ln in lines)
    assert any("weights_not_one" in ln and "the weights add up to 0.9, not 1" in ln for ln in lines)
    assert any("'residents' has a score but no weight" in ln for ln in lines)
    assert any("region_part (101) is more than pay_cost (100)" in ln for ln in lines)
    assert any("2 persons are seconded but the sub-district has 1 community workers" in ln for ln in lines)
    assert any("worker id 'a' is used twice" in ln for ln in lines)
    assert [r["id"] for r in rulings if "results" in r] == ["good"]


def test_roster_education_code_must_agree_with_level(tmp_path):
    code, rulings, err = _eval(tmp_path, """
      - id: disagree
        kind: roster
        as_of: 2024-07-01
        facts:
          workers:
            - {id: a, education_level: junior_college, lives_in_community: true,
               facts: {post: grid_worker, years_of_service: 1, education: bachelor}}
    """)
    assert code == 2
    assert "facts.education 'bachelor' does not agree with education_level 'junior_college'" in err
    assert "'college_or_below'" in err and "Traceback" not in err
    assert rulings[1]["results"]


def test_worker_facts_in_a_roster_get_worker_checks(tmp_path):
    code, _, err = _eval(tmp_path, """
      - id: retired_without_pension
        kind: roster
        as_of: 2024-07-01
        facts:
          workers:
            - {id: a, education_level: bachelor, lives_in_community: true,
               facts: {post: grid_worker, years_of_service: 1, birth_date: 2000-01-01, hire_date: 1999-01-01}}
    """)
    assert code == 2
    assert "hire_date 1999-01-01 is before birth_date 2000-01-01" in err


def _ruling(repo_root, body: str, case_id: str):
    repo = api.load(repo_root)
    assert not repo.problems, "\n".join(map(str, repo.problems))
    path = repo_root / "probe.yaml"
    path.write_text("cases:" + textwrap.dedent(body), encoding="utf-8")
    out = api.evaluate_file(repo, path, "reference")
    return next(r for r in out.rulings if r["id"] == case_id)


def _codes(r, result):
    return [f["code"] for f in r["results"][result]]


PROBE = """
  - id: c
    kind: community
    as_of: 2024-07-01
    facts: {households: 4000, committee_members: 7, desk_staff: 3, training_funds_per_worker: 300,
            community_workers: 5, resident_workers: 2}
  - id: s
    kind: street
    as_of: 2024-07-01
    facts: {community_workers: 20, secondments: [{worker: a, months: 6, count: 1}]}
  - id: f
    kind: funding
    as_of: 2024-07-01
    facts: {area: xixia, pay_cost: 1000, region_part: 0, workers: 10, training_budget: 3000}
  - id: a
    kind: assessment
    as_of: 2024-07-01
    facts: {assessee: street_staff, weights: {community: 0.3, street: 0.7}}
"""


def test_yaml_figures_move_the_rulings(repo_copy):
    before = {k: _ruling(repo_copy, PROBE, k) for k in "csfa"}
    assert before["c"]["results"]["staffing.committee_size"] == 7
    assert before["c"]["results"]["compliance.violations"] == []
    assert before["c"]["results"]["compliance.advisories"] == []
    assert before["s"]["results"]["compliance.violations"] == []
    assert before["f"]["results"]["funding.area_share"] == 300
    assert before["a"]["results"]["compliance.advisories"] == []

    staffing = repo_copy / "policies/workforce.community_staffing/2019-01-01.yaml"
    edit(staffing, "size: 7", "size: 8")
    edit(repo_copy / "rules/workforce.community_compliance/2019-01-01.yaml", "value: 3}", "value: 2}")
    edit(repo_copy / "rules/workforce.community_compliance/2019-01-01.yaml", "value: 0.4}", "value: 0.5}")
    edit(repo_copy / "policies/workforce.training/2019-01-01.yaml", "funds_per_worker_min: 300",
         "funds_per_worker_min: 301")
    edit(repo_copy / "rules/workforce.secondment/2019-01-01.yaml", "value: 0.05}", "value: 0.04}")
    edit(repo_copy / "rules/workforce.secondment/2019-01-01.yaml", "secondment_months_max, op: gt, value: 6}",
         "secondment_months_max, op: gt, value: 5}")
    edit(repo_copy / "policies/workforce.cost_sharing/2019-01-01.yaml",
         "[{payer: area, share: 3}, {payer: city, share: 7}]", "[{payer: area, share: 4}, {payer: city, share: 6}]")
    edit(repo_copy / "rules/reform.assessment_weights/2018-09-05.yaml", "value: 0.3}", "value: 0.31}")
    after = {k: _ruling(repo_copy, PROBE, k) for k in "csfa"}

    assert after["c"]["results"]["staffing.committee_size"] == 8
    assert _codes(after["c"], "compliance.violations") == ["committee_size_differs", "desk_staff_over_limit",
                                                           "training_funds_below_minimum"]
    assert _codes(after["c"], "compliance.advisories") == ["residents_share_below_minimum"]
    assert _codes(after["s"], "compliance.violations") == ["secondment_share_over_limit", "secondment_too_long"]
    assert after["f"]["results"]["funding.area_share"] == 400
    assert after["f"]["results"]["funding.training_budget_min"] == 3010
    assert _codes(after["f"], "compliance.violations") == ["training_budget_below_floor"]
    assert _codes(after["a"], "compliance.advisories") == ["community_weight_below_minimum"]


def test_changing_a_modality_moves_the_finding(repo_copy):
    edit(repo_copy / "rules/reform.street_compliance/2018-09-05.yaml", "modality: as_a_rule", "modality: must")
    r = _ruling(repo_copy, """
      - id: s
        kind: street
        as_of: 2024-07-01
        facts: {street_staff: 31}
    """, "s")
    assert r["results"]["compliance.violations"] == [
        {"code": "street_staff_over_limit", "clauses": ["reform.2.3.staff_limit"], "modality": "must"}]
    assert r["results"]["compliance.advisories"] == []


BOUNDARY = """
  - id: at_3000
    kind: community
    as_of: 2024-07-01
    facts: {households: 3000}
  - id: at_5000
    kind: community
    as_of: 2024-07-01
    facts: {households: 5000}
"""


def test_literal_bands_without_the_interpretation_are_refused(repo_copy):
    """Put the middle band back on its literal bounds (3000—5000): 3000 and 5000 fall in two bands, and the
    evaluator refuses to pick one rather than silently choosing."""
    staffing = repo_copy / "policies/workforce.community_staffing/2019-01-01.yaml"
    edit(staffing, "min: 3001", "min: 3000")
    edit(staffing, "max: 4999", "max: 5000")
    repo = api.load(repo_copy)
    assert not repo.problems
    path = repo_copy / "probe.yaml"
    path.write_text("cases:" + textwrap.dedent(BOUNDARY) + textwrap.dedent(GOOD).replace("3000", "3001"),
                    encoding="utf-8")
    out = api.evaluate_file(repo, path, "reference")
    assert out.unusable
    msgs = [str(p) for p in out.problems]
    assert "3000 households must fall in exactly one committee-size band; they fall in: 3000户以下, 3000户—5000户" \
        in msgs[0]
    assert "5000 households must fall in exactly one committee-size band; they fall in: 3000户—5000户, 5000户以上" \
        in msgs[1]
    assert out.rulings[2]["results"]["staffing.committee_size"] == 7  # the other case is still ruled on


def test_overlap_resolution_is_traced_to_its_interpretation(repo):
    r = _ruling_real(repo, BOUNDARY, "at_3000")
    entry = next(t for t in r["trace"] if t["result"] == "staffing.committee_size")
    assert entry["interpretations"] == ["committee_size_band_overlap", "inclusive_bounds_civil_code_1259"]
    assert entry["inputs"] == {"households": 3000, "band": "3000户以下"}
    assert entry["clauses"][0]["id"] == "workforce.3.3.committee_size"


def test_grade_is_never_derived_from_a_score(repo):
    r = _ruling_real(repo, """
      - id: a
        kind: assessment
        as_of: 2024-07-01
        facts: {assessee: community_worker, weights: {street: 1}, scores: {street: 99}}
    """, "a")
    assert r["results"]["assessment.weighted_score"] == 99
    assert r["results"]["assessment.grade"] is None
    assert [n["code"] for n in r["notes"]] == ["grade_not_derived_from_score"]


def _ruling_real(repo, body, case_id):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "probe.yaml"
        path.write_text("cases:" + textwrap.dedent(body), encoding="utf-8")
        out = api.evaluate_file(repo, path, "reference")
    return next(r for r in out.rulings if r["id"] == case_id)


def test_readme_examples_of_each_kind_are_valid_cases(repo, tmp_path):
    import re

    from .conftest import ROOT

    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    kinds = {}
    for i, block in enumerate(blocks):
        path = tmp_path / f"readme{i}.yaml"
        path.write_text(block if re.match(r"id:", block) else f"id: readme{i}\n" + block, encoding="utf-8")
        out = api.evaluate_file(repo, path, "reference")
        assert not out.problems, "\n".join(map(str, out.problems))
        kinds[out.rulings[0]["kind"]] = out.rulings[0]["results"]
    assert set(kinds) >= {"community", "street", "assessment", "funding", "roster", "task"}
    assert kinds["community"]["staffing.committee_size"] == 7
    assert kinds["street"]["secondment.share"] == Decimal("0.05")
    assert kinds["assessment"]["assessment.weighted_score"] == Decimal("87.1")
    assert kinds["funding"]["funding.city_share"] == 1400000


def test_rulings_of_every_new_kind_meet_the_public_schema(repo):
    from evaluator.load.validation import validator

    from .conftest import ROOT

    files = sorted((ROOT / "tests/cases").glob("*.yaml")) + sorted((ROOT / "examples").glob("*.yaml"))
    rulings = []
    for path in files:
        rulings += api.evaluate_file(repo, path, "reference").rulings
    kinds = {r["kind"] for r in rulings}
    assert kinds >= {"community", "street", "assessment", "funding", "roster"}
    errors = list(validator(str(repo.schema_dir), "ruling", "/$defs/inline_rulings").iter_errors(json.loads(_to_json(rulings))))
    assert not errors, errors[0]
    for r in rulings:
        assert set(r["results"]) <= {t["result"] for t in r["trace"]}, r["id"]


def _to_json(obj):
    from evaluator.render.text import to_json

    return to_json(obj)
