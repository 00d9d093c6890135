"""Bands over households. Read literally under Civil Code art. 1259, 3000户以下 / 3000户—5000户 / 5000户以上 overlap
at 3000 and at 5000: `policy check` accepts that only because an interpretation moves the middle band's bounds, and
fails when the interpretation goes — on the real policy (workforce.community_staffing), and on a synthetic policy
in a copy of the repository where each part of the shape (docs/verification.md) is varied."""
from __future__ import annotations

import json
import re

import pytest

from evaluator import api, checks

from .conftest import edit, run_policy

POLICY = "policies/workforce.committee_size_check/2019-01-01.yaml"

POLICY_TEXT = """\
id: workforce.committee_size_check
type: synthetic_band_table
title: {zh: 社区"两委"成员职数, en: "Committee size by households (synthetic, for the band checker)"}
version: 1
status: in_force
effective_from: 2019-01-01
enacted_by: [workforce]
encodes: [workforce.3.3.committee_size]
interpretations: [inclusive_bounds_civil_code_1259, committee_size_band_edges]
bands:
  - {path: rows.*.households, fact: households}
data:
  rows:
    - members: 5
      source: workforce.3.3.committee_size
      households: {text: 3000户以下, min: 0, max: 3000, basis: {min: {domain: true}, max: {word: 以下, number: 3000}}}
    - members: 7
      source: workforce.3.3.committee_size
      households:
        text: 3000户—5000户
        min: 3001
        max: 4999
        basis:
          min: {word: "—", number: 3000, interpretation: committee_size_band_edges}
          max: {word: "—", number: 5000, interpretation: committee_size_band_edges}
    - members: 9
      source: workforce.3.3.committee_size
      households: {text: 5000户以上, min: 5000, basis: {min: {word: 以上, number: 5000}}}
"""

INTERPRETATION = """
  - id: committee_size_band_edges
    clauses: [workforce.3.3.committee_size]
    question: {zh: 3000户和5000户的社区配备几名?, en: How many members for exactly 3000 and exactly 5000 households?}
    reading: {code: edges_to_outer_bands, en: "3000 households → 5, 3001–4999 → 7, 5000 → 9."}
    alternatives:
      - {code: literal_middle_band, en: The middle band 3000户—5000户 includes both of its ends.}
    reason: Synthetic, for the band checker's test.
"""


STAFFING = "policies/workforce.community_staffing/2019-01-01.yaml"


def test_the_real_committee_bands_overlap_literally_and_are_resolved(repo):
    report = checks.run_static(repo)
    accepted = [str(p) for p in report.accepted if p.path == STAFFING]
    assert len(accepted) == 2
    assert "households 3000 falls in two bands" in accepted[0] and "households 5000" in accepted[1]
    assert all("resolved by interpretation committee_size_band_overlap" in a for a in accepted)


def test_without_its_interpretation_the_real_committee_policy_fails(repo_copy):
    path = repo_copy / "interpretations/workforce.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: committee_size_band_overlap\n")
    end = text.index("  - id: ", start + 10)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    literal = [ln for ln in out.splitlines() if ln.startswith(f"{STAFFING}:") and ": literal_overlap:" in ln]
    assert [("3000" in literal[0]), ("5000" in literal[1])] == [True, True]
    assert all("no interpretation resolves it" in ln for ln in literal)
    assert any(": unknown_interpretation:" in ln and "committee_size_band_overlap" in ln for ln in out.splitlines())


@pytest.fixture
def households_repo(repo_copy):
    (repo_copy / POLICY).parent.mkdir(parents=True)
    (repo_copy / POLICY).write_text(POLICY_TEXT, encoding="utf-8")
    interp = repo_copy / "interpretations/workforce.yaml"
    interp.write_text(interp.read_text(encoding="utf-8") + INTERPRETATION, encoding="utf-8")
    # The synthetic policy's type exists only in this copy (households is a fact of the community kind).
    policy_schema = repo_copy / "schemas/policy.schema.json"
    schema = json.loads(policy_schema.read_text(encoding="utf-8"))
    schema["properties"]["type"]["enum"].append("synthetic_band_table")
    policy_schema.write_text(json.dumps(schema), encoding="utf-8")
    return repo_copy


def band_lines(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if "committee_size_check" in ln]


def line_of(path, text):
    return next(i + 1 for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines()) if text in ln)


def test_literal_overlaps_are_found_and_accepted_by_the_interpretation(households_repo):
    repo = api.load(households_repo)
    assert not repo.problems, repo.problems
    report = checks.run_static(repo)
    assert report.findings == []
    accepted = [str(p) for p in report.accepted if p.path == POLICY]
    assert len(accepted) == 2
    assert "read literally, households 3000 falls in two bands of rows.*.households: '3000户以下'" in accepted[0]
    assert "and '3000户—5000户'" in accepted[0]
    assert "households 5000 falls in two bands" in accepted[1] and "'5000户以上'" in accepted[1]
    assert all("resolved by interpretation committee_size_band_edges" in a for a in accepted)
    code, out, _ = run_policy("--repo", households_repo, "check")
    assert sum(ln.startswith(f"accepted: {POLICY}") for ln in band_lines(out)) == 2
    # The community cases at 2999…3002 and 4998…5001 households reach every bound of these bands too.
    assert code == 0, out


def test_removing_the_interpretation_fails_the_check(households_repo):
    interp = households_repo / "interpretations/workforce.yaml"
    edit(interp, INTERPRETATION, "")
    code, out, _ = run_policy("--repo", households_repo, "check")
    assert code == 1
    literal = [ln for ln in band_lines(out) if ": literal_overlap:" in ln]
    assert len(literal) == 2 and all("no interpretation resolves it" in ln for ln in literal)
    at_5000 = line_of(households_repo / POLICY, "households: {text: 5000户以上")
    assert literal[1].startswith(f"{POLICY}:{at_5000}:") and "households 5000" in literal[1]
    assert not any(ln.startswith("accepted: ") for ln in band_lines(out))


def test_a_moved_bound_must_name_its_interpretation(households_repo):
    path = households_repo / POLICY
    edit(path, "number: 3000, interpretation: committee_size_band_edges}", "number: 3000}")
    code, out, _ = run_policy("--repo", households_repo, "check")
    assert code == 1
    at = line_of(path, "min: 3001")
    [moved] = [ln for ln in band_lines(out) if ": bound_not_literal:" in ln]
    assert moved.startswith(f"{POLICY}:{at}:") and "min 3001 of '3000户—5000户'" in moved and "(3000)" in moved
    [literal] = [ln for ln in band_lines(out) if ": literal_overlap:" in ln and not ln.startswith("accepted")]
    assert "households 3000" in literal and "no interpretation resolves it" in literal
    # The other edge, 5000, is still resolved by the interpretation its bound names.
    [accepted] = [ln for ln in band_lines(out) if ln.startswith("accepted: ")]
    assert "households 5000" in accepted


def test_the_literal_bounds_encoded_as_they_stand_overlap(households_repo):
    path = households_repo / POLICY
    edit(path, "min: 3001", "min: 3000")
    edit(path, "max: 4999", "max: 5000")
    edit(path, "number: 3000, interpretation: committee_size_band_edges}", "number: 3000}")
    edit(path, "number: 5000, interpretation: committee_size_band_edges}", "number: 5000}")
    code, out, _ = run_policy("--repo", households_repo, "check")
    overlaps = [ln for ln in band_lines(out) if ": band_overlap:" in ln]
    assert [re.search(r"households (\d+)", ln).group(1) for ln in overlaps] == ["3000", "5000"]
    assert "workforce.3.3.committee_size" in overlaps[0]
    assert not [ln for ln in band_lines(out) if "literal_overlap" in ln]  # the same overlap, said once


def test_a_band_table_needs_a_declaration(households_repo):
    edit(households_repo / POLICY, "bands:\n  - {path: rows.*.households, fact: households}\n", "")
    report = checks.run_static(api.load(households_repo))
    codes = [p.code for p in report.findings]
    assert codes.count("band_undeclared") == 3
    # Undeclared, its bounds are no longer held to their words by the band check: the figure check asks for the
    # basis of those the text does not state (0, 3001, 4999).
    assert sorted(str(p.message).split(" = ")[1].split(" ")[0] for p in report.findings
                  if p.code == "figure_not_stated") == ["0", "3001", "4999"]


def test_a_bound_word_the_convention_does_not_know(households_repo):
    edit(households_repo / POLICY, "max: {word: 以下, number: 3000}", "max: {word: 左右, number: 3000}")
    report = checks.run_static(api.load(households_repo))
    codes = [p.code for p in report.findings]
    assert "unknown_bound_word" in codes and "basis_not_in_text" in codes


def test_shares_must_add_up_to_the_whole(households_repo):
    edit(households_repo / POLICY, "  rows:\n", "  split:\n    whole: 10\n    shares:\n      - {party: city, share: 5}\n"
         "      - {party: district, share: 4}\n  rows:\n")
    report = checks.run_static(api.load(households_repo))
    # The planted split cites no clause: the figure check asks for the basis of its numbers as well.
    assert {p.code for p in report.findings} == {"shares_not_whole", "figure_without_basis"}
    [f] = [p for p in report.findings if p.code == "shares_not_whole"]
    assert "5 + 4 = 9 do not add up to the whole, 10" in f.message


# -- the sweep itself, on plain intervals ---------------------------------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from evaluator.checks.bands import INF, sweep  # noqa: E402


def _intervals(cuts):
    """Contiguous bands from 0 upwards: [0, c1-1], [c1, c2-1], …, [cn, ∞)."""
    edges = [0] + cuts
    return [(lo, (edges[i + 1] - 1) if i + 1 < len(edges) else INF) for i, lo in enumerate(edges)]


def _sweep(bands):
    return [(k, first, last) for k, first, last, _, _ in sweep(bands, lambda b: b[0], lambda b: b[1], 0)]


cut_lists = st.lists(st.integers(1, 200), min_size=1, max_size=8, unique=True).map(sorted)


@given(cut_lists)
def test_contiguous_bands_have_no_finding(cuts):
    assert _sweep(_intervals(cuts)) == []


@given(cut_lists, st.data())
def test_a_raised_lower_bound_leaves_exactly_that_gap(cuts, data):
    bands = _intervals(cuts)
    i = data.draw(st.integers(1, len(bands) - 1))
    lo, hi = bands[i]
    if hi != INF and hi == lo:
        return  # a one-value band cannot be shrunk from below
    bands[i] = (lo + 1, hi)
    assert _sweep(bands) == [("gap", lo, lo)]


@given(cut_lists, st.data())
def test_a_lowered_upper_bound_of_the_next_band_overlaps_at_its_witness(cuts, data):
    bands = _intervals(cuts)
    i = data.draw(st.integers(0, len(bands) - 2))
    lo, hi = bands[i]
    bands[i] = (lo, hi + 2)  # now reaches two values into the next band(s)
    found = _sweep(bands)
    assert found and found[0][0] == "overlap" and found[0][1] == hi + 1


def test_nothing_covers_the_top_or_the_bottom():
    assert _sweep([(1, 5), (6, 9)]) == [("gap", 0, 0), ("gap", 10, INF)]
    assert _sweep([(0, INF), (3, 4)]) == [("overlap", 3, 4)]
