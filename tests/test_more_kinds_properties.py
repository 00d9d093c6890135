"""Properties of the community, assessment and funding rulings over generated facts (reference engine)."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator import api

from .conftest import ROOT

REPO = api.load(ROOT)
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
AREAS = ["xingqing", "jinfeng", "xixia", "helan", "yongning", "lingwu"]


def results(kind, facts):
    out = api.evaluate_data(REPO, {"id": "p", "kind": kind, "as_of": "2024-07-01", "facts": facts}, "reference")
    assert not out.problems, out.problems
    return out.rulings[0]["results"]


@SETTINGS
@given(st.integers(0, 20000))
def test_committee_size_never_falls_and_grid_range_holds_the_ratio(h):
    a, b = results("community", {"households": h}), results("community", {"households": h + 1})
    assert b["staffing.committee_size"] >= a["staffing.committee_size"]
    lo, hi = a["staffing.grid_workers_min"], a["staffing.grid_workers_max"]
    assert lo <= hi
    assert lo * 500 >= h and (lo == 0 or (lo - 1) * 500 < h)  # the fewest leave no grid above 500 households
    assert hi == lo or hi * 300 <= h  # the most leave no grid below 300 households


@SETTINGS
@given(st.sampled_from(AREAS), st.integers(0, 10**9), st.integers(0, 10**9))
def test_city_and_area_shares_add_up_to_what_remains(area, cost_fen, region_fen):
    cost, region = Decimal(max(cost_fen, region_fen)) / 100, Decimal(min(cost_fen, region_fen)) / 100
    r = results("funding", {"area": area, "pay_cost": cost, "region_part": region})
    assert Decimal(str(r["funding.city_share"])) + Decimal(str(r["funding.area_share"])) == cost - region
    assert r["funding.city_share"] >= 0 and r["funding.area_share"] >= 0
    if area in ("helan", "yongning", "lingwu"):
        assert r["funding.city_share"] == 0


@SETTINGS
@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100))
def test_weighted_score_lies_between_the_scores(w, s1, s2):
    weights = {"street": Decimal(w) / 100, "community": 1 - Decimal(w) / 100}
    r = results("assessment", {"assessee": "street_staff", "weights": weights,
                               "scores": {"street": s1, "community": s2}})
    assert min(s1, s2) <= r["assessment.weighted_score"] <= max(s1, s2)
    assert r["assessment.grade"] is None
    advised = [f["code"] for f in r["compliance.advisories"]]
    assert advised == (["community_weight_below_minimum"] if 100 - w < 30 else [])
