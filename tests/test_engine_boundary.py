"""Each known failure mode of durable-rules (field notes; pinned in test_engine_canaries.py) neutralised by the
boundary: the same input through DurableEngine gives the reference answer, or a clear error, never a crash."""
from __future__ import annotations

import subprocess
import sys
import threading
from decimal import Decimal

import pytest

from evaluator.engine import engines
from evaluator.engine.conditions import FactType, check_rules, make_rules
from evaluator.engine.durable_compile import rule_expression

from .conftest import ROOT

TYPES = {"x": FactType("integer"), "r": FactType("number"), "f": FactType("boolean"), "s": FactType("string"),
         "p": FactType("string", ("a", "b", "c"))}
DURABLE = engines.make("durable")


def rules(*whens, types=TYPES):
    data = {"result": "t.fired", "rules": [{"id": f"r{i}", "title": {"zh": "规", "en": "r"}, "cites": ["c"],
                                            "modality": "must", "when": w} for i, w in enumerate(whens)]}
    assert check_rules(data["rules"], types) == []
    return make_rules("t.rules", 1, data, types)


def both(rs, facts, case="c1"):
    got = DURABLE.fire(rs, facts, "t", case)
    assert got == engines.make("reference").fire(rs, facts, "t", case)
    return got


def test_facts_fire_every_matching_rule_in_declared_order():
    rs = rules({"fact": "x", "op": "gt", "value": 0}, {"fact": "f", "op": "eq", "value": True},
               {"fact": "x", "op": "eq", "value": 3})
    assert both(rs, {"x": 3, "f": True}) == ["r0", "r1", "r2"]


def test_nothing_matched_neither_raises_nor_crashes_even_first_in_a_fresh_process():
    code = ("from evaluator.engine import engines\nfrom tests.test_engine_boundary import rules\n"
            "print(engines.DurableEngine().fire(rules({'fact': 'x', 'op': 'eq', 'value': 5}), {'x': 1}, 't'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=str(ROOT))
    assert (out.returncode, out.stdout.strip()) == (0, "[]"), out.stderr


def test_thousands_of_cases_never_hit_the_1024_state_limit():
    rs = rules({"fact": "x", "op": "ge", "value": 2})
    assert [len(DURABLE.fire(rs, {"x": i % 4}, "t", f"c{i}")) for i in range(3000)].count(1) == 1500


def test_missing_facts_never_compare_true():
    rs = rules({"fact": "x", "op": "ne", "value": 1}, {"fact": "x", "op": "lt", "value": 1},
               {"not": {"fact": "x", "op": "eq", "value": 1}}, {"not": {"fact": "p", "op": "in", "value": ["a"]}},
               {"not": {"fact": "x", "op": "exists"}}, {"fact": "p", "op": "in", "value": ["a", "b"]})
    assert both(rs, {}) == ["r2", "r3", "r4"]
    assert both(rs, {"x": 0, "p": "c"}) == ["r0", "r1", "r2", "r3"]


def test_the_state_message_cannot_satisfy_a_rule():
    """A rule that only says "x is missing" loops forever in the raw engine; the kind guard stops it."""
    rs = rules({"not": {"fact": "x", "op": "exists"}})
    assert both(rs, {"f": True}) == ["r0"]


def test_any_fires_once():
    rs = rules({"any": [{"fact": "x", "op": "eq", "value": 1}, {"fact": "f", "op": "eq", "value": True},
                        {"fact": "p", "op": "in", "value": ["a", "b"]}]})
    assert both(rs, {"x": 1, "f": True, "p": "a"}) == ["r0"]


def test_only_constants_reach_the_engine():
    """No field reference and no arithmetic on a right-hand side, where the engine is wrong or crashes."""
    expr = rule_expression({"all": [{"fact": "x", "op": "lt", "value": 3}, {"not": {"fact": "r", "op": "in",
                                                                                    "value": [1, Decimal("0.5")]}}]},
                           "t")
    text = repr(expr)
    assert not any(op in text for op in ("$m", "$add", "$sub", "$mul", "$div", "$iall", "$iany", "$mt"))


@pytest.mark.parametrize("fact,value,why", [
    ("x", 2**64, "beyond the engine's 64-bit integers"),
    ("x", True, "not a number"),
    ("x", "3", "not a number"),
    ("r", float("nan"), "not a finite number"),
    ("r", float("inf"), "not a finite number"),
    ("r", Decimal("0.59999999999999999999"), "cannot tell it from the rule's constant 0.6"),
    ("f", 1, "not true or false"),
    ("s", 5, "not text"),
    ("s", "字" * 30000, "longer than the 65535 bytes"),
    ("s", "\ud800", "unpaired surrogate"),
    ("x", None, "null"),
])
def test_facts_the_engine_would_get_wrong_are_refused_by_both(fact, value, why):
    rs = rules({"fact": fact, "op": "exists"}, {"fact": "r", "op": "lt", "value": Decimal("0.6")})
    for engine in (DURABLE, engines.make("reference")):
        with pytest.raises(engines.FactError, match=why) as err:
            engine.fire(rs, {fact: value}, "t", "case-7")
        assert err.value.fact == fact and "case-7" in str(err.value)


def test_decimals_with_more_digits_than_a_double_are_rounded_when_no_constant_is_that_close():
    rs = rules({"fact": "r", "op": "lt", "value": Decimal("0.0667")}, {"fact": "r", "op": "gt", "value": 0},
               {"fact": "r", "op": "ne", "value": Decimal("0.0666")})
    share = Decimal(1) / Decimal(15)  # 0.06666666666666666666666666667: a derived ratio
    assert both(rs, {"r": share}) == ["r0", "r1", "r2"]
    with pytest.raises(engines.FactError, match="cannot tell it from the rule's constant 0.0667"):
        DURABLE.fire(rs, {"r": Decimal("0.06670000000000000000000001")}, "t", "c")


def test_decimals_reach_the_engine_without_exponent_notation():
    rs = rules({"fact": "r", "op": "lt", "value": Decimal("0.0001")}, {"fact": "r", "op": "eq", "value": 0})
    assert both(rs, {"r": 2e-05}) == ["r0"]  # json.dumps would write 2e-05, which the engine rejects
    assert both(rs, {"r": Decimal("1E-7")}) == ["r0"]
    assert both(rs, {"r": -0.0}) == ["r0", "r1"]
    assert both(rs, {"r": 1e300}) == []  # a whole double beyond 64 bits, not saturated to 2^63-1


def test_booleans_are_not_integers_and_strings_not_numbers():
    rs = rules({"fact": "f", "op": "eq", "value": True}, {"fact": "x", "op": "eq", "value": 1})
    assert both(rs, {"f": True, "x": 0}) == ["r0"]
    assert check_rules([{"id": "a", "when": {"fact": "x", "op": "eq", "value": True}}], TYPES)[0][2] == "type_mismatch"
    assert check_rules([{"id": "a", "when": {"fact": "s", "op": "lt", "value": "9"}}], TYPES)[0][2] == "bad_operator"


def test_long_text_compares_in_full_or_is_refused():
    rs = rules({"fact": "s", "op": "eq", "value": "a"})
    assert both(rs, {"s": "a" * 65535}) == []
    with pytest.raises(engines.FactError):
        DURABLE.fire(rs, {"s": "a" * 65536 + "b"}, "t", "c")


def test_engine_errors_become_our_errors_naming_case_rule_set_and_rule():
    big = {"all": [{"any": [{"fact": "x", "op": "eq", "value": i}, {"fact": "f", "op": "eq", "value": True}]}
                   for i in range(16)]}
    data = {"result": "t.fired", "rules": [{"id": "fine", "title": {}, "cites": [], "modality": "must",
                                            "when": {"fact": "x", "op": "eq", "value": 1}},
                                           {"id": "too_big", "title": {}, "cites": [], "modality": "must",
                                            "when": big}]}
    assert [p[2] for p in check_rules(data["rules"], TYPES)] == ["engine_limit"]  # refused at load time...
    rs = make_rules("t.big", 1, data, TYPES)  # ...and if it ever got through, named, not crashed
    with pytest.raises(engines.EngineError, match="rule set t.big, rule too_big"):
        DURABLE.fire(rs, {"x": 1}, "t", "c")


def test_no_timer_threads_and_one_shared_host():
    assert engines.make("durable") is DURABLE
    before = threading.active_count()
    engine = engines.DurableEngine()
    engine.fire(rules({"fact": "x", "op": "eq", "value": 1}), {"x": 1}, "t")
    assert threading.active_count() == before


def test_threads_sharing_the_engine_get_their_own_results():
    rs = rules({"fact": "x", "op": "eq", "value": 1}, {"fact": "x", "op": "gt", "value": 1})
    wrong = []

    def work(k):
        for i in range(400):
            x = (i + k) % 3
            got = DURABLE.fire(rs, {"x": x}, "t", f"t{k}-{i}")
            if got != {0: [], 1: ["r0"], 2: ["r1"]}[x]:
                wrong.append((k, i, got))
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_sids_colliding_under_the_32_bit_hash_do_not_mix_cases():
    """The engine finds a state by the 32-bit hash of its sid only; the boundary keeps one live state at a time,
    deleted after each case, so cases whose sids collide cannot see each other."""
    from evaluator.engine.limits import name_hash
    assert name_hash("spbxlsrq") == name_hash("spvsqkkf")
    engine = engines.DurableEngine()
    engine._sids = iter(["pbxlsrq", "pvsqkkf"] * 3)  # the boundary's sids are "s" + next(counter)
    rs = rules({"fact": "x", "op": "eq", "value": 1})
    assert [engine.fire(rs, {"x": x}, "t", f"c{i}") for i, x in enumerate((1, 2, 2, 1, 1, 2))] == \
        [["r0"], [], [], ["r0"], ["r0"], []]


def test_rules_are_not_mutated_by_the_engine_and_lists_never_reach_it():
    import copy
    rs = rules({"any": [{"fact": "p", "op": "in", "value": ["a", "b"]}, {"not": {"fact": "x", "op": "lt", "value": 3}}]})
    before = copy.deepcopy([r.when for r in rs])
    assert both(rs, {"p": "b", "x": 1, "assessments": [], "when": [1, 2]}) == ["r0"]
    assert [r.when for r in rs] == before
    # a list-valued fact cannot be named by a rule: "all items of an empty list" is false in the engine
    types = dict(TYPES)
    problems = check_rules([{"id": "a", "when": {"fact": "assessments", "op": "exists"}}], types)
    assert [p[2] for p in problems] == ["unknown_fact"]
