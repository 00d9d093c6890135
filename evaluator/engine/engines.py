"""The two evaluators of rule conditions: durable-rules (the default) behind a hardened boundary, and the
pure-Python reference evaluator of the documented semantics (evaluator/engine/conditions.py `holds`).

durable-rules 2.0.28 is unmaintained and has measured failure modes (field notes; tests/test_engine_canaries.py
pins them, tests/test_engine_boundary.py shows each neutralised). The boundary:
- one private Host per process (`make("durable")` shares it) with no timer threads (its _run() is a no-op), and a
  lock, because two threads on one engine state crash it or mix results; rule sets named by content digest and
  compiled once;
- both evaluators get the same facts, checked and normalised by fact_guard (only the facts the rules read, typed,
  no nulls, 64-bit integers, exact doubles); the facts reach the engine as JSON we write ourselves, so decimals
  never appear in the exponent notation its parser rejects;
- facts, not events, so every matching rule fires; a `kind` guard ANDed into every rule and a lowest-priority
  catch-all rule, so "nothing matched" never raises, never loops on the engine's own state message and never
  reaches the segfaulting delete of a state that ran no action;
- conditions compiled by durable_compile (existence guards, negation pushed down, constants only); what the engine
  cannot hold is refused at load time (engine_limits);
- cases run on durable's C engine directly (durable_rules_engine: assert the fact, then start, complete and start
  the next action until none is left, the calls durable's own Host makes), with the fired rule read off each action
  message; durable's Python action layer, half of each case's time, never runs (canaries pin the C calls' shapes);
- a fresh state per case, deleted in `finally`; results de-duplicated (an `any` fires once per true branch) and
  returned in declared order; any engine exception becomes an EngineError naming the case, rule set and rule;
- the engine is a function of the rules and the facts: an answer is remembered per rule list (the very object,
  as its compiled rule set is) and the facts it reads as given, with their types, at most MAX_ANSWERS of them, so
  that the same facts (most workers' exit grounds) go through neither the fact guard nor the engine again.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import threading

from . import fact_guard
from .conditions import Rule, holds
from .durable_compile import rule_expression
from .fact_guard import EngineError, FactError  # noqa: F401 - re-exported: callers catch engines.EngineError


def _types(rules: list[Rule]) -> dict:
    """name -> the declared type of every fact the rules read (remembered per rule list: asked once per case)."""
    return _shape(rules)[1]


def _shape(rules: list[Rule]) -> tuple:
    """(rules, _types(rules), the names of the facts they read, as many ABSENTs): remembered per rule list."""
    hit = _TYPES.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit
    out = {}
    for r in rules:
        out.update(r.types)
    if len(_TYPES) > 4096:
        _TYPES.clear()
    hit = _TYPES[id(rules)] = (rules, out, tuple(out), (ABSENT,) * len(out))
    return hit


class _Absent:
    """A fact the case does not give (not the same as one given as null, which normalise refuses)."""

    __slots__ = ()

    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


_TYPES: dict = {}


def _constants(rules: list[Rule]):
    """name -> the constants the rules compare that fact with (for fact_guard's rounding check)."""
    def of(name):
        out = []
        for r in rules:
            out += [v for n, v in r.constants if n == name]
        return out
    return of


MAX_ANSWERS = 16_384  # remembered rule-set answers of DurableEngine (each a key of a dozen facts): a few MB at most


class ReferenceEngine:
    name = "reference"

    def fire(self, rules: list[Rule], facts: dict, case_kind: str, case_id: str = "") -> list[str]:
        seen = fact_guard.normalise(_types(rules), facts, case_id, _constants(rules))
        return [r.id for r in rules if holds(r.when, seen)]


class DurableEngine:
    name = "durable"
    CATCH_ALL = "__nothing_matched__"

    def __init__(self):
        from durable import engine as durable_engine  # imported here: only this engine needs the C extension
        import durable_rules_engine

        class _QuietHost(durable_engine.Host):
            def _run(self):  # no timer threads: rule sets are compiled here, cases are run by _run_case below
                pass

        self._host = _QuietHost()
        self._c = durable_rules_engine
        self._compiled: dict[str, tuple] = {}  # rule set name -> (the C engine's handle, {action name: rule id})
        self._names: dict[int, tuple] = {}  # id(rules) -> (rules, kind, name); the list kept so its id stays its own
        self._sids = itertools.count(1)
        self._lock = threading.Lock()
        self._answers: dict = {}  # (id(rules), kind, typed facts) -> (rules, ids fired): see fire()

    def _definition(self, rules: list[Rule], case_kind: str) -> dict:
        definition = {}
        for i, r in enumerate(rules):
            definition[f"r{i}"] = {"all": [{"m": rule_expression(r.when, case_kind)}], "pri": 1,
                                   "run": _unused_action}
        definition[self.CATCH_ALL] = {"all": [{"m": {"kind": case_kind}}], "pri": 1_000_000, "run": _unused_action}
        return definition

    def _ruleset_name(self, rules: list[Rule], case_kind: str) -> str:
        known = self._names.get(id(rules))
        if known is not None and known[0] is rules and known[1] == case_kind:
            return known[2]
        if len(self._names) > 4096:
            self._names.clear()
        spec = json.dumps([[r.ruleset, r.version, r.id, r.when] for r in rules] + [case_kind],
                          sort_keys=True, default=str)
        name = "rs_" + hashlib.sha256(spec.encode()).hexdigest()[:24]
        if name not in self._compiled:
            try:
                self._host.set_rulesets({name: self._definition(rules, case_kind)})
            except Exception as exc:  # noqa: BLE001 - the engine's own errors become ours
                raise EngineError(f"durable-rules refused rule set {rules[0].ruleset}"
                                  f"{self._culprit(rules, case_kind)}: {exc}") from None
            self._compiled[name] = (self._host.get_ruleset(name)._handle,
                                    {f"r{i}": r.id for i, r in enumerate(rules)})
        self._names[id(rules)] = (rules, case_kind, name)
        return name

    def _culprit(self, rules: list[Rule], case_kind: str) -> str:
        """The first rule the engine refuses on its own, to name it in the error."""
        for r in rules:
            probe = f"probe_{next(self._sids)}"
            try:
                self._host.set_rulesets({probe: self._definition([r], case_kind)})
            except Exception:  # noqa: BLE001
                return f", rule {r.id}"
        return ""

    def _run_case(self, handle: int, text: str) -> set:
        """Assert one fact and take every action the engine schedules, the calls durable's Host.assert_fact makes
        (start the state's first action; for each: write the state back, complete it, start the next) without its
        Python layer's per-action object, clock reads and state JSON round trip (half of each case's time).
        The action's name is read off the engine's message, {"<name>": ...}: our names need no JSON escaping."""
        c = self._c
        code, state_handle = c.assert_fact(handle, text)[:2]
        if code in (1, 2):  # 1: no rule matched, 2: already observed; the catch-all and fresh sids rule both out
            raise EngineError(f"the engine answered {code} to the case's fact")
        names = set()
        started = c.start_action_for_state(handle, state_handle) if code != 3 else None
        if started:
            state, message = started[0], started[1]
            while message:
                names.add(message[2:message.index('"', 2)])
                c.update_state(handle, state)
                message = c.complete_and_start_action(handle, state_handle)
        return names

    def fire(self, rules: list[Rule], facts: dict, case_kind: str, case_id: str = "") -> list[str]:
        if not rules:
            return []
        # The engine is a function of the rules and the facts they read: the same rule list (the very object) given
        # the same facts, each of the same type and the same ones absent, fires what it fired before (MAX_ANSWERS
        # remembered). The key is the facts as given, so that an answer remembered needs no normalising: normalise
        # is a function of them, and equal facts of the same types pass it alike (a fact it refuses is never
        # remembered; one that cannot be a key, e.g. a list where a number is declared, is refused by it).
        _, types, names, absent = _shape(rules)
        given = tuple(map(facts.get, names, absent))
        key = (id(rules), case_kind, given, tuple(map(type, given)))
        try:
            hit = self._answers.get(key)
        except TypeError:
            key = hit = None
        if hit is not None and hit[0] is rules:
            return list(hit[1])
        fired = self._fire(rules, fact_guard.normalise(types, facts, case_id, _constants(rules)), case_kind, case_id)
        if key is not None:
            if len(self._answers) >= MAX_ANSWERS:
                self._answers.clear()
            self._answers[key] = (rules, tuple(fired))
        return fired

    def _fire(self, rules: list[Rule], fact: dict, case_kind: str, case_id: str) -> list[str]:
        with self._lock:
            name = self._ruleset_name(rules, case_kind)
            handle, actions = self._compiled[name]
            sid = f"s{next(self._sids)}"
            fact.update(kind=case_kind, sid=sid)
            try:
                seen = self._run_case(handle, fact_guard.to_json(fact))
            except Exception as exc:  # noqa: BLE001
                raise EngineError(f"durable-rules failed on case {case_id!r} (rule set {rules[0].ruleset}): "
                                  f"{exc}") from None
            finally:
                try:
                    self._c.delete_state(handle, sid)
                except Exception:  # noqa: BLE001 - a failed cleanup must not hide the ruling or the real error
                    pass
            if self.CATCH_ALL not in seen:  # the catch-all matches every case of the kind: the engine lost it
                raise EngineError(f"durable-rules did not process case {case_id!r} (rule set {rules[0].ruleset})")
            return [rid for key, rid in actions.items() if key in seen]


def _unused_action(_closure):
    """durable's Python layer wants a callable per rule; fire() never lets that layer run one."""
    raise AssertionError("durable-rules ran an action outside the engine boundary")


_SHARED: dict = {}
_SHARED_LOCK = threading.Lock()


def make(name: str):
    """The evaluator named; durable-rules' is one per process, so its rule sets are compiled once."""
    if name == "reference":
        return ReferenceEngine()
    if name == "durable":
        with _SHARED_LOCK:
            if "durable" not in _SHARED:
                _SHARED["durable"] = DurableEngine()
            return _SHARED["durable"]
    raise ValueError(f"unknown engine '{name}'")
