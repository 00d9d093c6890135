"""batch/vector_conditions: a condition compiled to numpy gives, row by row, what the reference semantics
(engine/conditions.holds) give on that row's facts — every rule of the repository's rule sets and conditions made
for every operator — both ways an `in` on an enum is computed (one lookup of each row's code over a few rows, one
comparison per value listed over many), with facts absent from some rows."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from evaluator.batch import compile as bcompile
from evaluator.batch import vector_conditions as VC
from evaluator.batch.facts import Column
from evaluator.engine.conditions import holds

KINDS = {"post": ("enum", ("principal", "deputy", "committee_member", "grid_worker")), "flag": ("boolean", ()),
         "years": ("integer", ()), "share": ("number", ())}
MADE = [
    {"fact": "post", "op": "in", "value": ["deputy", "grid_worker"]},
    {"fact": "post", "op": "in", "value": ["principal", "no_such_post", 3, True]},
    {"fact": "post", "op": "in", "value": []},
    {"fact": "post", "op": "eq", "value": "committee_member"},
    {"fact": "post", "op": "ne", "value": "deputy"},
    {"fact": "flag", "op": "eq", "value": True},
    {"fact": "flag", "op": "eq", "value": False},
    {"fact": "flag", "op": "ne", "value": True},
    {"fact": "years", "op": "in", "value": [0, 3, 7]},
    {"fact": "years", "op": "ge", "value": 5},
    {"fact": "share", "op": "lt", "value": 0.6},
    {"fact": "share", "op": "exists"},
    {"not": {"fact": "post", "op": "in", "value": ["principal"]}},
    {"all": [{"fact": "flag", "op": "eq", "value": True}, {"fact": "post", "op": "in", "value": ["deputy"]},
             {"fact": "years", "op": "gt", "value": 2}]},
    {"any": [{"fact": "post", "op": "eq", "value": "grid_worker"}, {"fact": "flag", "op": "eq", "value": True}]},
    {"all": []},
    {"any": []},
]


def columns(kinds: dict, n: int, seed: int) -> dict:
    """Random columns of the kinds' types, each absent from about a quarter of the rows."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, (ftype, enum) in kinds.items():
        if ftype == "enum":
            values = rng.integers(0, len(enum), n).astype(np.int8)
        elif ftype == "boolean":
            values = rng.random(n) < 0.5
        elif ftype == "integer":
            values = rng.integers(-3, 12, n)
        else:
            values = rng.integers(0, 11, n) / 10
        out[name] = Column(values, rng.random(n) < 0.75)
    return out


def row_facts(cols: dict, kinds: dict, i: int) -> dict:
    facts = {}
    for name, c in cols.items():
        if c.present[i]:
            v = c.values[i].item()
            facts[name] = kinds[name][1][v] if kinds[name][0] == "enum" else v
    return facts


def same_as_reference(conditions: list, kinds: dict, n: int) -> None:
    cols = columns(kinds, n, seed=n)
    facts = [row_facts(cols, kinds, i) for i in range(n)]
    for cond in conditions:
        got = VC.compile_condition(cond, kinds)(cols)
        assert got.dtype == bool and len(got) == n
        assert got.tolist() == [holds(cond, f) for f in facts], cond


@pytest.mark.parametrize("n", [1, 37, VC.LOOKUP_ROWS + 1])
def test_made_conditions_are_the_reference(n):
    same_as_reference(MADE, KINDS, n)


@pytest.mark.parametrize("n", [50, VC.LOOKUP_ROWS + 1])
def test_the_rule_sets_conditions_are_the_reference(repo, n):
    prog = bcompile.compile_worker(repo, dt.date(2024, 7, 1))
    conditions = [r.when for rs in prog.rulesets for r in rs.rules]
    assert any("in" in str(c) for c in conditions)  # the lookup is exercised by the repository's own rules
    same_as_reference(conditions, prog.kinds, n)


def test_lookup_and_comparisons_agree_on_any_code(monkeypatch):
    """Codes outside the enum (-1, as a roster's unknown value would be, or past its end) match no listed value."""
    cond = {"fact": "post", "op": "in", "value": ["principal", "grid_worker"]}
    cols = {"post": Column(np.array([-1, 0, 1, 2, 3, 4, 127, -128], np.int8), np.ones(8, bool))}
    lookup = VC.compile_condition(cond, KINDS)(cols)
    monkeypatch.setattr(VC, "LOOKUP_ROWS", 0)
    compared = VC.compile_condition(cond, KINDS)(cols)
    assert lookup.tolist() == compared.tolist() == [False, True, False, False, True, False, False, False]
