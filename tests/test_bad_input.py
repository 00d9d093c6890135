"""Bad input gets a clear error naming file, line and field; nothing else is lost; never a traceback."""
from __future__ import annotations

import json
import os
import tracemalloc

import pytest

from evaluator.load.problems import PolicyInputError
from evaluator.load.yaml_strict import load_text

from .conftest import run_policy, rulings_of

GOOD = """  - id: good_one
    kind: worker
    as_of: 2024-07-01
    facts: {post: grid_worker, years_of_service: 5}
"""


def case(facts: str, as_of: str = "2024-07-01", cid: str = "bad") -> str:
    return f"  - id: {cid}\n    kind: worker\n    as_of: {as_of}\n    facts:\n{facts}"


def evaluate(tmp_path, text, name="cases.yaml", raw: bytes | None = None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8")
    code, out, err = run_policy("eval", path, "--format", "json")
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err, str(path)


# (id, the bad case's text, a text on the line the message must point at, words the message must contain)
BAD_CASES = [
    ("unknown_field", case("      post: grid_worker\n      years_of_service: 5\n      educaton: bachelor\n"), "educaton",
     ["educaton", "did you mean 'education'"]),
    ("wrong_type", case("      post: grid_worker\n      years_of_service: five\n"), "five",
     ["years_of_service", "whole number", "'five'"]),
    ("years_negative", case("      post: grid_worker\n      years_of_service: -1\n"), "-1",
     ["years_of_service", "at least 0"]),
    ("years_above_60", case("      post: grid_worker\n      years_of_service: 61\n"), "61",
     ["years_of_service", "at most 60"]),
    ("stars_6", case("      post: grid_worker\n      years_of_service: 5\n      party_org_stars: 6\n"), "stars",
     ["party_org_stars", "at most 5"]),
    ("satisfaction_1_5", case("      post: grid_worker\n      years_of_service: 5\n      grid_satisfaction: 1.5\n"), "1.5", ["grid_satisfaction", "at most 1"]),
    ("unknown_code", case("      post: manager\n      years_of_service: 5\n"), "manager",
     ["post", "'manager'", "principal"]),
    ("missing_required", case("      post: deputy\n"), "facts:", ["missing required field 'years_of_service'"]),
    ("retired_without_pension", case("      post: deputy\n      years_of_service: 5\n      retired: true\n"), "facts:",
     ["pension_monthly"]),
    ("date_not_real", case("      post: deputy\n      years_of_service: 5\n      birth_date: 2023-02-30\n"), "02-30",
     ["birth_date", "2023-02-30", "not a real date"]),
    ("hire_before_birth", case("      post: deputy\n      years_of_service: 5\n      birth_date: 1990-01-01\n"
                               "      hire_date: 1989-12-31\n"), "hire_date", ["hire_date", "before birth_date"]),
    ("yes_is_not_true", case("      post: deputy\n      years_of_service: 5\n      on_probation: yes\n"), "yes",
     ["on_probation", "true or false"]),
    ("no_version_in_force", case("      post: deputy\n      years_of_service: 5\n", as_of="2018-06-01"), "as_of",
     ["no version of", "in force on 2018-06-01"]),
    ("duplicate_assessment_year", case("      post: deputy\n      years_of_service: 5\n      assessments:\n"
                                       "        - {year: 2022, grade: qualified}\n"
                                       "        - {year: 2022, grade: unqualified}\n"), "assessments", ["2022"]),
]


@pytest.mark.parametrize("cid,text,at,words", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_case_is_reported_and_others_evaluated(tmp_path, cid, text, at, words):
    full = "cases:\n" + GOOD + text + GOOD.replace("good_one", "good_two")
    first = full.index("id: bad")
    line = full[:first].count("\n") + 1 + next(i for i, ln in enumerate(full[first:].split("\n")) if at in ln)
    code, out, err, path = evaluate(tmp_path, full)
    assert code == 2
    assert f"{path}:{line}:" in err, err
    assert "[case bad]" in err
    for w in words:
        assert w in err, (w, err)
    rulings = rulings_of(out)
    assert [r["id"] for r in rulings] == ["good_one", "bad", "good_two"]
    assert "results" in rulings[0] and "results" in rulings[2]
    assert rulings[1]["errors"][0]["line"] == line


# Whole-file problems: (id, bytes or text, line, words)
BAD_FILES = [
    ("syntax_error", "cases:\n  - id: x\n    facts: [1, 2\n", 4, ["YAML syntax error"]),
    ("duplicate_key", "cases:\n  - id: x\n    kind: worker\n    kind: worker\n", 4, ["duplicate key 'kind'",
                                                                                 "line 3"]),
    ("tab_indentation", "cases:\n\t- id: x\n", 2, ["tab character"]),
    ("empty_file", "", 1, ["empty"]),
    ("python_tag", "cases: !!python/object/apply:os.system ['echo pwned > pwned.txt']\n", 1,
     ["tag", "not allowed"]),
    ("merge_key", "a: &a {post: deputy}\ncases:\n  - <<: *a\n", 3, ["merge keys"]),
]


@pytest.mark.parametrize("fid,text,line,words", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_bad_file(tmp_path, fid, text, line, words):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, out, err, path = evaluate(tmp_path, text)
    finally:
        os.chdir(cwd)
    assert code == 2
    assert f"{path}:{line}:" in err, err
    for w in words:
        assert w in err, (w, err)
    assert not (tmp_path / "pwned.txt").exists()


def test_non_utf8_bytes(tmp_path):
    raw = "cases:\n  - id: 名字\n".encode("gbk")
    code, out, err, path = evaluate(tmp_path, None, raw=raw)
    assert code == 2
    assert f"{path}:2:" in err and "not valid UTF-8" in err


def test_alias_bomb_refused_in_bounded_memory(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("cases: *a9")
    text = "\n".join(lines) + "\n"
    # Structural, not timed: the loader stops after a budget of values proportional to the document's distinct
    # nodes, so memory stays small; a walked bomb would be 9^10 values.
    tracemalloc.start()
    with pytest.raises(PolicyInputError) as exc:
        load_text(text, "bomb.yaml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert exc.value.problems[0].code == "too_large" and "too many values" in exc.value.problems[0].message
    assert peak < 64 * 1024 * 1024
    code, out, err, path = evaluate(tmp_path, text)
    assert code == 2 and f"{path}:" in err and "too many values" in err


def test_oversized_file_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("cases:\n" + ("# padding line of a very large file\n" * 250_000), encoding="utf-8")
    code, out, err = run_policy("eval", path)
    assert code == 2 and f"{path}" in err and "over the limit" in err


def test_missing_file(tmp_path):
    code, out, err = run_policy("eval", tmp_path / "nope.yaml")
    assert code == 2 and "no such file" in err


def test_bad_as_of_option_is_an_argument_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("cases:\n" + GOOD, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        run_policy("eval", path, "--as-of", "2023-02-30")
    assert exc.value.code == 2


def test_duplicate_case_id(tmp_path):
    code, out, err, path = evaluate(tmp_path, "cases:\n" + GOOD + GOOD)
    assert code == 2 and "used twice" in err and f"{path}:6:" in err


def test_single_case_at_top_level_and_json(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"id": "j", "kind": "worker", "as_of": "2024-01-01",
                                "facts": {"post": "deputy", "years_of_service": 7, "grid_satisfaction": 0.5}}))
    code, out, err = run_policy("eval", path, "--format", "json")
    assert code == 0, err
    assert rulings_of(out)[0]["results"]["salary.band_level"] == 6
