"""Alternative readings as data: `policy eval --reading INTERPRETATION=ALTERNATIVE`, and rulings that say where another
reading of the text would give another result."""
from __future__ import annotations

import json

from evaluator import api, checks
from evaluator.load.validation import validator

from .conftest import ROOT, edit, run_policy, rulings_of

EXAMPLES = ROOT / "examples/workers.yaml"
RAISES = "raises_add_up_highest_only_capped"


def ruling(out: str, case_id: str) -> dict:
    return next(r for r in rulings_of(out) if r["id"] == case_id)


def alt_notes(r: dict) -> list[dict]:
    return [n for n in r["notes"] if n["code"] == "alternative_reading"]


def test_a_ruling_says_what_another_reading_would_give():
    code, out, _ = run_policy("eval", EXAMPLES, "--format", "json")
    assert code == 0
    r = ruling(out, "party_secretary_bachelor_social_worker")
    assert r["results"]["salary.level"] == 13
    [max_of] = [n for n in alt_notes(r) if "'max_of_raises'" in n["en"]]
    assert "salary.level = 12 (13 under the reading used)" in max_of["en"]
    assert "salary.base_pay = 3400 (3500 under the reading used)" in max_of["en"]
    assert max_of["interpretations"] == [RAISES] and "workforce.6.17.cap" in max_of["clauses"]
    assert "salary.level 为 12(所用解读为 13)" in max_of["zh"]
    # The cap does not bind at level 13 of 18 for a principal: no_cap gives the same result and is not noted.
    assert not [n for n in alt_notes(r) if "'no_cap'" in n["en"]]


def test_the_text_report_shows_it():
    code, out, _ = run_policy("eval", EXAMPLES)
    assert "Note (alternative_reading): The text leaves a choice here (raises_add_up_highest_only_capped): under the " \
           "alternative reading 'max_of_raises' instead of 'sum_highest_capped_at_column_top', salary.level = 12 " \
           "(13 under the reading used)" in out


def test_eval_under_an_alternative_reading():
    code, out, _ = run_policy("eval", EXAMPLES, "--format", "json", "--reading", f"{RAISES}=max_of_raises")
    assert code == 1  # the example's expectations are those of the reading the repository uses
    errors = list(validator(str(ROOT / "schemas"), "ruling").iter_errors(json.loads(out)))
    assert not errors, errors[0].message
    r = ruling(out, "party_secretary_bachelor_social_worker")
    assert r["results"]["salary.level"] == 12 and r["results"]["salary.base_pay"] == 3400
    assert r["readings"] == {RAISES: "max_of_raises"}
    assert r["notes"][0]["code"] == "reading_chosen"
    back = [n for n in alt_notes(r) if "'sum_highest_capped_at_column_top'" in n["en"]]
    assert back and "salary.level = 13 (12 under the reading used)" in back[0]["en"]
    code, text, _ = run_policy("eval", EXAMPLES, "--reading", f"{RAISES}=max_of_raises")
    assert f"reading {RAISES}: max_of_raises" in text


def test_a_rule_patch(tmp_path):
    cases = tmp_path / "grid.yaml"
    cases.write_text("""cases:
  - id: grid_worker_term_ended
    kind: worker
    as_of: 2024-07-01
    facts: {post: grid_worker, years_of_service: 5, term_ended_not_reelected: true}
""", encoding="utf-8")
    code, out, _ = run_policy("eval", cases, "--format", "json")
    r = ruling(out, "grid_worker_term_ended")
    assert r["results"]["exit.grounds"] == []
    [note] = alt_notes(r)
    assert "'any_post'" in note["en"] and "exit.grounds = [term_ended_not_reelected]" in note["en"]
    code, out, _ = run_policy("eval", cases, "--format", "json", "--reading",
                              "term_end_applies_to_elected_posts=any_post")
    assert ruling(out, "grid_worker_term_ended")["results"]["exit.grounds"] == ["term_ended_not_reelected"]
    for engine in ("durable", "reference"):
        code, out2, _ = run_policy("eval", cases, "--format", "json", "--engine", engine, "--reading",
                                   "term_end_applies_to_elected_posts=any_post")
        assert ruling(out2, "grid_worker_term_ended")["results"] == ruling(out, "grid_worker_term_ended")["results"]


def test_the_patch_is_data(repo_copy):
    # The alternative's patch, not code, decides what the alternative reading gives.
    edit(repo_copy / "interpretations/workforce.yaml", "path: data/combine, value: max}", "path: data/cap, value: none}")
    code, out, _ = run_policy("--repo", repo_copy, "eval", repo_copy / "examples/workers.yaml", "--format", "json",
                              "--reading", f"{RAISES}=max_of_raises")
    assert ruling(out, "party_secretary_bachelor_social_worker")["results"]["salary.level"] == 13


def test_bad_choices_are_refused_plainly():
    for arg, words in ((f"{RAISES}=maximum", "has no reading 'maximum' (it has: sum_highest_capped_at_column_top, "
                                             "max_of_raises, no_cap)"),
                       ("no_such=thing", "no interpretation 'no_such'"),
                       ("honour_years_are_service_years=both_awards_cumulative", "carries no patch"),
                       (RAISES, "write INTERPRETATION=ALTERNATIVE")):
        code, out, err = run_policy("eval", EXAMPLES, "--reading", arg)
        assert code == 2 and words in err and "Traceback" not in err and out == ""


def test_patches_are_checked(repo_copy):
    interp = repo_copy / "interpretations/workforce.yaml"
    edit(interp, "path: data/combine, value: max}", "path: data/combined, value: max}")
    edit(interp, "path: data/cap, value: none}", "path: data/cap, value: nowhere}")
    edit(interp, "path: rules/term_ended_not_reelected/when", "path: rules/term_ended/when")
    repo = api.load(repo_copy)
    assert not repo.problems
    found = {p.message.split(":")[0]: p for p in checks.run_static(repo).findings}
    assert {p.code for p in found.values()} == {"bad_patch"}
    msgs = " | ".join(p.message for p in found.values())
    assert "alternative 'max_of_raises' of 'raises_add_up_highest_only_capped': patched" in msgs
    assert "'nowhere'" in msgs
    assert "no element with id or code 'term_ended'" in msgs
    assert all(p.path == "interpretations/workforce.yaml" for p in found.values())


def test_households_at_a_band_edge_show_the_literal_readings(tmp_path):
    cases = tmp_path / "edges.yaml"
    cases.write_text("""cases:
  - {id: c3000, kind: community, as_of: 2024-07-01, facts: {households: 3000}}
  - {id: c4000, kind: community, as_of: 2024-07-01, facts: {households: 4000}}
""", encoding="utf-8")
    code, out, _ = run_policy("eval", cases, "--format", "json")
    at_3000 = ruling(out, "c3000")
    assert at_3000["results"]["staffing.committee_size"] == 5
    notes = {n["en"].split("'")[1]: n["en"] for n in alt_notes(at_3000)}
    assert "staffing.committee_size = 7 (5 under the reading used)" in notes["range_keeps_both_ends"]
    assert "lower_band_wins" not in notes  # 3000 → 5 under that reading too
    assert alt_notes(ruling(out, "c4000")) == []  # inside the middle band every reading agrees


def test_the_ruling_stage_notes_other_readings_as_data_and_render_words_them(repo):
    """The ruling stage carries the values; render/notes.py words them, as the published ruling gives them."""
    from evaluator.cases import files as case_files
    from evaluator.engine import engines
    from evaluator.render.notes import worded
    from evaluator.ruling.evaluate import evaluate

    case = next(c for c in case_files.load(EXAMPLES, repo.schema_dir).cases
                if c.id == "party_secretary_bachelor_social_worker")
    r = evaluate(case, repo, engines.make("reference"))
    [data] = [n for n in alt_notes(r) if n.get("alternative") == "max_of_raises"]
    assert "en" not in data and data["interpretation"] == RAISES
    assert data["reading_used"] == "sum_highest_capped_at_column_top"
    assert {"result": "salary.level", "value": 12, "value_used": 13} in data["differences"]
    worded(r)
    [note] = [n for n in alt_notes(r) if "'max_of_raises'" in n["en"]]
    assert list(note) == ["code", "en", "zh", "clauses", "interpretations"]
    assert "salary.level = 12 (13 under the reading used)" in note["en"]
    assert "salary.level 为 12(所用解读为 13)" in note["zh"]
