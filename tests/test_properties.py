"""Property tests of the worker ruling over generated facts (reference engine; the engines agree elsewhere)."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator import api

from .conftest import ROOT

REPO = api.load(ROOT)
TABLE = REPO.version_in_force("workforce.salary_table", __import__("datetime").date(2024, 1, 1)).data["data"]
POSTS = ["principal", "deputy", "committee_member", "grid_worker"]
EDUCATION = ["college_or_below", "bachelor", "master", "doctor"]
CERTIFICATES = ["none", "assistant_social_worker", "social_worker", "senior_social_worker"]
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def results(**facts):
    out = api.evaluate_data(REPO, {"id": "p", "kind": "worker", "as_of": "2024-07-01", "facts": facts}, "reference")
    assert not out.problems, out.problems
    return out.rulings[0]["results"]


def column(post):
    levels = [row["level"] for row in TABLE["levels"] if post in row["years"]]
    return min(levels), max(levels)


@SETTINGS
@given(st.sampled_from(POSTS), st.integers(0, 59))
def test_more_years_never_lower_the_band(post, years):
    assert results(post=post, years_of_service=years + 1)["salary.band_level"] >= \
        results(post=post, years_of_service=years)["salary.band_level"]


@SETTINGS
@given(st.sampled_from(POSTS), st.integers(0, 60), st.integers(0, 2), st.integers(0, 3), st.integers(0, 2),
       st.integers(0, 3))
def test_higher_degree_or_certificate_never_lowers_the_level(post, years, e1, de, c1, dc):
    e2, c2 = min(e1 + de, 3), min(c1 + dc, 3)
    low = results(post=post, years_of_service=years, education=EDUCATION[e1], certificate=CERTIFICATES[c1])
    high = results(post=post, years_of_service=years, education=EDUCATION[e2], certificate=CERTIFICATES[c2])
    assert high["salary.level"] >= low["salary.level"]


@SETTINGS
@given(st.sampled_from(POSTS), st.integers(0, 60), st.sampled_from(EDUCATION), st.sampled_from(CERTIFICATES))
def test_level_stays_in_its_post_range_and_pay_is_coefficient_times_benchmark(post, years, edu, cert):
    r = results(post=post, years_of_service=years, education=edu, certificate=cert)
    lo, hi = column(post)
    assert lo <= r["salary.band_level"] <= r["salary.level"] <= hi
    assert Decimal(r["salary.base_pay"]) == Decimal(str(r["salary.coefficient"])) * TABLE["benchmark_pay"]


def test_base_pay_is_coefficient_times_benchmark_on_every_row():
    rows = TABLE["levels"] + [TABLE["probation"]]
    assert len(rows) == 19
    for row in rows:
        assert Decimal(row["base_pay"]) == row["coefficient"] * TABLE["benchmark_pay"], row
