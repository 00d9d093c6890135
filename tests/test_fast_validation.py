"""The fast path of validation (jsonschema-rs, evaluator/load/validation.py) only lets through what jsonschema, with
this repository's strict number rules, finds valid: checked on every case of the repository's case files and on
thousands of near misses made from them."""
from __future__ import annotations

import copy
from decimal import Decimal

from evaluator import api
from evaluator.load import validation
from evaluator.load.yaml_strict import load_file

from .conftest import ROOT

TRICKY = ["", "x", "2024-02-30", "2023-02-29", "2024-1-01", "2024-01-01\n", "２０２４-01-01", "2024-02-29", 0, -1,
          1, 60, 61, 2 ** 62, -(2 ** 62), 2 ** 70, True, False, None, [], {}, ["x"], [{"year": 2020}],
          [{"year": 2020, "grade": "unqualified"}], [{"year": 1800, "grade": "qualified"}], "none", "principal",
          "bachelor", "worker", Decimal("3.0"), Decimal("0.005"), 3.0, 0.3, "a\ud800b"]


def near_misses(case):
    yield case
    for field in ("kind", "as_of", "id", "facts", "expect", "unknown"):
        for value in TRICKY:
            yield {**case, field: value}
        if field in case:
            yield {k: v for k, v in case.items() if k != field}
    facts = case.get("facts")
    if isinstance(facts, dict):
        for name in list(facts) + ["unknown_fact"]:
            for value in TRICKY:
                yield {**case, "facts": {**facts, name: value}}
            yield {**case, "facts": {k: v for k, v in facts.items() if k != name}}


def test_what_the_fast_path_accepts_jsonschema_accepts(repo):
    fast = validation.fast_validator(str(repo.schema_dir), "cases", "/$defs/case")
    slow = validation.validator(str(repo.schema_dir), "cases", "/$defs/case")
    accepted = rejected = 0
    for path in api.case_files_of(repo):
        data = load_file(path).data
        for case in data.get("cases", [data]) if isinstance(data, dict) else []:
            for inst in near_misses(copy.deepcopy(case)):
                if not validation.plain_json(inst):
                    continue
                if validation.fast_valid(fast, inst):
                    accepted += 1
                    assert not list(slow.iter_errors(inst)), inst
                else:
                    rejected += 1
    assert accepted > 500 and rejected > 5000


def test_plain_json_leaves_decimals_floats_and_huge_numbers_to_jsonschema():
    assert validation.plain_json({"a": [1, "x", None, True, {"b": -5}]})
    for odd in (Decimal("3.0"), 3.0, 2 ** 63, {1: "x"}, (1, 2)):
        assert not validation.plain_json({"a": [odd]})


def test_a_problem_is_still_worded_by_jsonschema(repo_copy):
    case = repo_copy / "bad.json"
    case.write_text('{"cases": [{"id": "w", "kind": "worker", "as_of": "2024-02-30", '
                    '"facts": {"post": "principle", "years_of_service": 3}}]}', encoding="utf-8")
    out = api.evaluate_file(api.load(ROOT), case)
    messages = [p.message for p in out.problems]
    assert any("did you mean 'principal'" in m for m in messages), messages
    assert any("not a real date" in m for m in messages), messages
