"""Canaries: the behaviours of durable-rules 2.0.28 itself (no boundary) that the boundary is built on or guards
against. A different durable-rules build that changes any of them fails here, loudly, before it changes a ruling:
then re-read evaluator/engine/engines.py, durable_compile.py, engine_limits.py and fact_guard.py against the new build.

Crashes and hangs run in a subprocess."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest

from evaluator.engine import limits as lim

de = pytest.importorskip("durable.engine")
# Raw durable runs its Python action layer here (the boundary never does), whose clock calls the deprecated
# datetime.utcfromtimestamp on 3.12+: that one warning, from that module, is expected here and pinned below. Any
# other warning from durable fails the suite (pyproject.toml, [tool.pytest.ini_options] filterwarnings).
UTC_WARNING = "datetime.datetime.utcfromtimestamp"
pytestmark = pytest.mark.filterwarnings(f"ignore:{UTC_WARNING}:DeprecationWarning:durable.engine")
_names = itertools.count()


class QuietHost(de.Host):
    def _run(self):
        pass


HOST = QuietHost()


def fire(conditions: dict, fact: dict, post=False) -> list:
    """Raw durable-rules: one rule per condition; the names of the rules whose action ran, in order, or the name of
    the exception raised."""
    name = f"canary{next(_names)}"
    got: list = []
    HOST.set_rulesets({name: {rule: {"all": [{"m": m}], "run": (lambda r: lambda c: got.append(r))(rule)}
                              for rule, m in conditions.items()}})
    try:
        (HOST.post if post else HOST.assert_fact)(name, dict(fact, sid="1"))
    except Exception as exc:  # noqa: BLE001 - the exception is the behaviour pinned
        got.append(type(exc).__name__)
    return got


def crash(code: str) -> int:
    """Run durable-rules code in a fresh interpreter; its exit code (negative: killed by that signal; None: hung)."""
    prelude = "from durable import engine as de\nclass H(de.Host):\n    def _run(self): pass\nh = H()\n"
    try:
        return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                              timeout=3).returncode
    except subprocess.TimeoutExpired:
        return None


def test_facts_fire_every_matching_rule_and_events_only_one():
    assert sorted(fire({"a": {"x": 1}, "b": {"$gt": {"x": 0}}}, {"x": 1})) == ["a", "b"]
    assert len(fire({"a": {"x": 1}, "b": {"$gt": {"x": 0}}}, {"x": 1}, post=True)) == 1


def test_no_match_raises():
    assert fire({"a": {"x": 5}}, {"x": 1}) == ["MessageNotHandledException"]


def test_or_fires_once_per_true_branch():
    assert fire({"a": {"$or": [{"x": 1}, {"y": 1}]}}, {"x": 1, "y": 1}) == ["a", "a"]


def test_missing_field_comparisons_are_false_even_not_equal():
    # ("$nex" alone would be satisfied by the engine's own state message and loop: see below)
    got = fire({"ne": {"$neq": {"x": 1}}, "lt": {"$lt": {"x": 1}}, "nex": {"$and": [{"y": 1}, {"$nex": {"x": 1}}]}},
               {"y": 1})
    assert got == ["nex"]


def test_strings_compare_with_numbers_and_booleans_with_integers():
    assert fire({"a": {"$lt": {"x": 9}}, "z": {"$ex": {"x": 1}}}, {"x": "10"}) == ["a", "z"]  # "10" < "9"
    assert fire({"a": {"x": 1}, "z": {"$ex": {"x": 1}}}, {"x": True}) == ["a", "z"]


def test_integers_saturate_beyond_64_bits():
    assert fire({"a": {"x": 2**63 - 1}, "z": {"$ex": {"x": 1}}}, {"x": 2**64}) == ["a", "z"]


def test_exponent_notation_and_infinity_are_rejected_nan_never_matches():
    assert fire({"a": {"$lt": {"x": 1}}}, {"x": 2e-05}) == ["error"]  # json.dumps writes 2e-05
    assert fire({"a": {"$gt": {"x": 1}}}, {"x": float("inf")}) == ["error"]
    assert fire({"a": {"$neq": {"x": 1}}, "z": {"$ex": {"x": 1}}}, {"x": float("nan")}) == ["z"]


def test_plain_decimals_are_parsed_exactly():
    """The boundary writes decimals itself, positionally; the engine reads them with atof."""
    import durable_rules_engine
    name = f"canary{next(_names)}"
    got: list = []
    HOST.set_rulesets({name: {"a": {"all": [{"m": {"$lt": {"x": 0.0001}}}], "run": lambda c: got.append("a")},
                              "b": {"all": [{"m": {"x": 0.6}}], "run": lambda c: got.append("b")}}})
    rs = HOST.get_ruleset(name)
    for text in ('{"sid":"1","x":0.00002}', '{"sid":"2","x":0.6}', '{"sid":"3","x":0.60}'):
        HOST._handle_function(rs, lambda t: rs._handle_result(durable_rules_engine.assert_fact(rs._handle, t), t),
                              text, None)
    assert got == ["a", "b", "b"]


def test_long_strings_compare_only_in_part():
    assert fire({"a": {"x": "a"}, "z": {"$ex": {"x": 1}}}, {"x": "a" * 65536 + "b"}) == ["a", "z"]


def test_constant_only_arithmetic_never_matches():
    assert fire({"a": {"x": {"$add": {"$l": 1, "$r": 1}}}, "z": {"$ex": {"x": 1}}}, {"x": 2}) == ["z"]


def test_names_are_identified_by_their_32_bit_hash():
    a, b = "f6059", "f264602"  # found by engine_limits.name_hash; the engine confirms it
    assert lim.name_hash(a) == lim.name_hash(b)
    assert lim.name_hash("id") == 926444256 and lim.name_hash("sid") == 3593476751  # state.h HASH_ID, HASH_SID
    assert lim.name_hash("$lt") == 542787579 and lim.name_hash("$and") == 3746487396  # rete.c HASH_LT, HASH_AND
    assert fire({"a": {a: 7}, "z": {"$ex": {"other": 1}}}, {b: 7, "other": 1}) == ["a", "z"]


def test_at_most_1024_live_states_per_ruleset():
    name = f"canary{next(_names)}"
    HOST.set_rulesets({name: {"a": {"all": [{"m": {"x": 1}}], "run": lambda c: None}}})
    with pytest.raises(MemoryError):
        for i in range(1100):
            HOST.assert_fact(name, {"x": 1, "sid": f"s{i}"})
    assert i == 1024


def test_at_most_15_and_or_groups_per_rule():
    def nested(k):
        return {"$and": [{"$or": [{"x": i}, {"y": i}]} for i in range(k)]}
    name = f"canary{next(_names)}"
    HOST.set_rulesets({name: {"a": {"all": [{"m": nested(lim.MAX_GROUPS - 1)}], "run": lambda c: None}}})
    assert lim.groups(nested(lim.MAX_GROUPS - 1)) == lim.MAX_GROUPS
    with pytest.raises(Exception, match="error code: 113"):  # ERR_EXPRESSION_LIMIT_EXCEEDED
        HOST.set_rulesets({name + "b": {"a": {"all": [{"m": nested(lim.MAX_GROUPS)}], "run": lambda c: None}}})


def test_the_action_layer_warns_on_3_12_and_later():
    """durable's only warning, measured on 3.11-3.13: its action layer's clock (durable/engine.py _unix_now) calls
    datetime.utcfromtimestamp, deprecated since 3.12. The boundary never runs that layer
    (test_engine_warnings.py)."""
    name = f"canary{next(_names)}"
    HOST.set_rulesets({name: {"a": {"all": [{"m": {"x": 1}}], "run": lambda c: None}}})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        HOST.assert_fact(name, {"x": 1, "sid": "1"})
    got = {(w.category.__name__, w.filename.endswith("durable/engine.py"), str(w.message)[:len(UTC_WARNING)])
           for w in seen}
    assert got == (set() if sys.version_info < (3, 12) else {("DeprecationWarning", True, UTC_WARNING)})


def test_set_rulesets_mutates_its_argument():
    d = {f"canary{next(_names)}": {"a": {"all": [{"m": {"x": 1}}], "run": lambda c: None}}}
    HOST.set_rulesets(d)
    assert "run" not in next(iter(d.values()))["a"]


def test_the_default_host_starts_timer_threads():
    before = {t.ident for t in threading.enumerate()}
    de.Host()
    time.sleep(0.3)
    assert any(t.ident not in before and isinstance(t, threading.Timer) for t in threading.enumerate())


def test_a_rule_the_state_message_satisfies_loops_forever():
    code = """
    h.set_rulesets({"x": {"r": {"all": [{"m": {"$nex": {"a": 1}}}], "run": lambda c: None}}})
    h.assert_fact("x", {"b": 1, "sid": "1"})
    """
    assert crash(code) is None


def test_deleting_a_state_that_ran_no_action_segfaults():
    code = """
    h.set_rulesets({"x": {"r": {"all": [{"m": {"a": 5}}], "run": lambda c: None}}})
    try:
        h.assert_fact("x", {"a": 1, "sid": "1"})
    except Exception:
        pass
    h.delete_state("x", "1")
    """
    # A free of a pointer the state never allocated: how it ends depends on the interpreter's allocator, measured
    # here: SIGSEGV on 3.11, glibc's "munmap_chunk(): invalid pointer" (SIGABRT) on 3.12, and on 3.13 no crash at
    # all (the heap is corrupted silently). The boundary never reaches it on any version (test_engine_boundary).
    assert crash(code) == {(3, 11): -11, (3, 12): -6, (3, 13): 0}[sys.version_info[:2]]


def test_integer_division_by_zero_kills_the_process():
    code = """
    h.set_rulesets({"x": {"r": {"all": [{"m": {"a": {"$div": {"$l": {"$m": "b"}, "$r": {"$m": "c"}}}}}],
                                "run": lambda c: None}}})
    h.assert_fact("x", {"a": 1, "b": 1, "c": 0, "sid": "1"})
    """
    assert crash(code) == -8  # SIGFPE


def test_the_c_calls_the_boundary_makes_have_the_shapes_it_reads():
    """engines.DurableEngine._run_case drives the C engine as durable's Host does: assert_fact -> (code, state
    handle); start_action_for_state -> (state JSON, action message) or None; the message is {"<rule>": ...};
    update_state, then complete_and_start_action -> the next message or None; one action per matching rule, in
    priority order; delete_state forgets the case."""
    import durable_rules_engine as c
    name = f"canary{next(_names)}"
    HOST.set_rulesets({name: {"b": {"all": [{"m": {"x": 1}}], "pri": 1, "run": lambda _: None},
                              "a": {"all": [{"m": {"$gt": {"x": 0}}}], "pri": 2, "run": lambda _: None},
                              "z": {"all": [{"m": {"x": 5}}], "pri": 1, "run": lambda _: None}}})
    handle = HOST.get_ruleset(name)._handle
    assert isinstance(handle, int)
    result = c.assert_fact(handle, '{"x":1,"sid":"k1"}')
    assert result[0] == 0 and isinstance(result[1], int)
    state, message = c.start_action_for_state(handle, result[1])[:2]
    assert json.loads(state)["sid"] == "k1"
    seen = []
    while message:
        assert message.startswith('{"') and len(json.loads(message)) == 1
        seen.append(next(iter(json.loads(message))))
        c.update_state(handle, state)
        message = c.complete_and_start_action(handle, result[1])
    assert seen == ["b", "a"]
    c.delete_state(handle, "k1")
    again = c.assert_fact(handle, '{"x":1,"sid":"k1"}')  # a fresh state: the fact is not "already observed"
    assert again[0] == 0


def test_private_api_the_boundary_uses_is_there():
    """The boundary compiles rule sets with Host.set_rulesets and runs cases on each rule set's C handle."""
    import durable_rules_engine
    for call in ("assert_fact", "start_action_for_state", "update_state", "complete_and_start_action",
                 "delete_state"):
        assert callable(getattr(durable_rules_engine, call))
    name = f"canary{next(_names)}"
    HOST.set_rulesets({name: {"a": {"all": [{"m": {"x": 1}}], "run": lambda c: None}}})
    assert isinstance(HOST.get_ruleset(name)._handle, int)
