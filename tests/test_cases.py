"""Every case file with expectations (tests/cases, examples) passes, on both engines."""
from __future__ import annotations

import pytest

from evaluator import api

from .conftest import ROOT

CASE_FILES = [p for p in api.case_files_of(api.load(ROOT))]


@pytest.mark.parametrize("engine", ["durable", "reference"])
@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_case_file(repo, path, engine):
    outcome = api.evaluate_file(repo, path, engine)
    assert not outcome.problems, "\n".join(map(str, outcome.problems))
    assert outcome.with_expectations > 0
    assert outcome.failed == 0, "\n".join(map(str, outcome.mismatches))


def test_engines_give_identical_rulings(repo):
    for path in CASE_FILES:
        a = api.evaluate_file(repo, path, "durable").rulings
        b = api.evaluate_file(repo, path, "reference").rulings
        for x, y in zip(a, b):
            x["policy"].pop("engine"), y["policy"].pop("engine")
        assert a == b, path
