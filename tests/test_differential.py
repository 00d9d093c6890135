"""Differential tests: durable-rules behind the boundary and the pure-Python reference evaluator must agree on every
fired rule (and on every fact they refuse), for generated rule sets in the condition language of rules/ and for
every real rule set of rules/, on generated cases with edge values."""
from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.engine import limits as lim
from evaluator.engine import engines
from evaluator.ruling import explain
from evaluator.engine.conditions import FactType, check_rules, make_rules

DURABLE = engines.make("durable")
REFERENCE = engines.make("reference")

TYPES = {
    "i_count": FactType("integer"),
    "i_year": FactType("integer"),
    "n_rate": FactType("number"),
    "n_pay": FactType("number"),
    "b_flag": FactType("boolean"),
    "b_other": FactType("boolean"),
    "s_name": FactType("string"),
    "s_post": FactType("string", ("principal", "deputy", "网格员", "")),
}

TEXT = st.text(alphabet=st.sampled_from(list("ab 社区网格员\"\\'\n\t{}:,$.\u0000\u00e9\U0001F600")), max_size=6)
EDGE_INTS = [0, 1, -1, 2, 59, 60, 61, 2**31 - 1, 2**31, 2**32, 2**53 - 1, 2**53, -(2**53)]
EDGE_NUMBERS = [Decimal(x) for x in ("0.6", "0.5999999999999999", "0.6000000000000001", "0.1", "0.2",
                                     "0.30000000000000004", "0.0001", "-0.5", "999999.99", "0.01")]


def _decimal_constant(f: float):
    d = Decimal(repr(f))
    return d if lim.constant_problem(d) is None else None


INT_CONST = st.one_of(st.sampled_from(EDGE_INTS), st.integers(-(2**53), 2**53), st.integers(-3, 70))
NUM_CONST = st.one_of(INT_CONST, st.sampled_from(EDGE_NUMBERS),
                      st.floats(-1e6, 1e6, allow_nan=False).map(_decimal_constant).filter(lambda d: d is not None))
CONSTANTS = {
    "integer": INT_CONST,
    "number": NUM_CONST,
    "boolean": st.booleans(),
    "string": TEXT,
}


def _constant(name):
    t = TYPES[name]
    return st.sampled_from(t.enum) if t.enum else CONSTANTS[t.type]


@st.composite
def leaves(draw):
    name = draw(st.sampled_from(sorted(TYPES)))
    t = TYPES[name]
    ops = ["eq", "ne", "in", "exists"] + (["lt", "le", "gt", "ge"] if t.type in ("integer", "number") else [])
    op = draw(st.sampled_from(ops))
    if op == "exists":
        return {"fact": name, "op": op}
    if op == "in":
        return {"fact": name, "op": op, "value": draw(st.lists(_constant(name), min_size=1, max_size=4))}
    return {"fact": name, "op": op, "value": draw(_constant(name))}


CONDITIONS = st.recursive(
    leaves(),
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        kids.map(lambda x: {"not": x}),
    ),
    max_leaves=6,
)


@st.composite
def rule_sets(draw):
    conds = draw(st.lists(CONDITIONS, min_size=1, max_size=6))
    data = {"result": "gen.fired", "rules": [
        {"id": f"rule_{i}", "title": {"zh": "规则", "en": "rule"}, "cites": ["gen.1"], "modality": "must",
         "when": c} for i, c in enumerate(conds)]}
    problems = check_rules(data["rules"], TYPES)
    # what the load-time checks refuse never reaches an engine (tested in test_engine_load_checks.py)
    from hypothesis import assume
    assume(not problems)
    return make_rules("gen.rules", 1, data, TYPES)


def _values(t: FactType, constants: list):
    near = st.sampled_from(constants) if constants else st.nothing()
    if t.type == "boolean":
        return st.booleans()
    if t.type == "string":
        return st.one_of(near, st.sampled_from(list(t.enum or ["", "社区"])), TEXT)
    ints = st.one_of(st.sampled_from(EDGE_INTS + [2**63 - 1, -(2**63 - 1), 2**53 + 1]),
                     st.integers(-(2**63 - 1), 2**63 - 1), st.integers(-5, 70))
    if t.type == "integer":
        return st.one_of(near, ints, near.map(lambda c: c + 1), near.map(lambda c: c - 1))
    floats = st.floats(allow_nan=False, allow_infinity=False)
    return st.one_of(near, ints, st.sampled_from(EDGE_NUMBERS), floats, st.sampled_from([1e-7, 5e-324, 1e300, -0.0]),
                     near.map(lambda c: Decimal(c) + Decimal("1e-25")),  # rounds onto the constant: refused
                     st.decimals(allow_nan=False, allow_infinity=False, places=25, min_value=-2, max_value=2),
                     near.map(lambda c: math.nextafter(float(c), math.inf)),
                     near.map(lambda c: math.nextafter(float(c), -math.inf)))


def _constants_of(cond, out):
    for key in ("all", "any"):
        for c in cond.get(key, []):
            _constants_of(c, out)
    if "not" in cond:
        _constants_of(cond["not"], out)
    if "value" in cond:
        for v in cond["value"] if isinstance(cond["value"], list) else [cond["value"]]:
            out.setdefault(cond["fact"], []).append(v)
    return out


@st.composite
def cases_for(draw, rules, odd=True):
    """Facts for the rules: each present or missing, values at the edges and near the rules' constants; now and
    then a value of the wrong type, a null, NaN or a decimal too precise for a double, which both must refuse."""
    consts: dict = {}
    for r in rules:
        _constants_of(r.when, consts)
    types = {}
    for r in rules:
        types.update(r.types)
    facts = {}
    for name, t in types.items():
        if draw(st.integers(0, 9)) < 3:
            continue
        if odd and draw(st.integers(0, 49)) == 0:
            facts[name] = draw(st.sampled_from([None, "1", 1, True, float("nan"), float("inf"),
                                                Decimal("0.59999999999999999999"), 2**64, 1.5]))
            continue
        facts[name] = draw(_values(t, consts.get(name, [])))
    return facts


def outcome(engine, rules, facts, kind):
    try:
        return engine.fire(rules, facts, kind, "generated")
    except engines.FactError as exc:
        return ("refused", exc.fact)


@settings(max_examples=2000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data(), rule_sets())
def test_generated_rule_sets_agree(data, rules):
    for _ in range(4):
        facts = data.draw(cases_for(rules))
        assert outcome(DURABLE, rules, facts, "gen") == outcome(REFERENCE, rules, facts, "gen"), (
            [r.when for r in rules], facts)


def _real_rule_sets():
    from evaluator import api
    from .conftest import ROOT
    repo = api.load(ROOT)
    return [(f"{rs}@{v}", rules, repo.rulesets[rs][0].data["case_kind"])
            for (rs, v), rules in sorted(repo.compiled_rules.items())]


@pytest.mark.parametrize("ruleset,rules,kind", _real_rule_sets(), ids=lambda x: x if isinstance(x, str) else "")
def test_real_rules_agree_on_generated_cases(ruleset, rules, kind):
    fired_somewhere: set = set()

    @settings(max_examples=2000)
    @given(cases_for(rules))
    def check(facts):
        got = outcome(DURABLE, rules, facts, kind)
        assert got == outcome(REFERENCE, rules, facts, kind), facts
        if isinstance(got, list):
            fired_somewhere.update(got)
            # the why-not explanation is given exactly for the rules that did not fire
            assert [r.id for r in rules if not explain.reasons(r.when, facts)] == got

    check()
    # the generated cases reach every rule, so agreement is not only agreement on "nothing fired"
    assert fired_somewhere == {r.id for r in rules}
