"""The two evaluators of rule conditions: durable-rules (the default) behind a hardened boundary, and the
pure-Python reference evaluator of the documented semantics (evaluator/conditions.py).

durable-rules 2.0.28 is unmaintained and has measured failure modes (see the field notes); the boundary here:
- one private Host per process with no timer threads (its _run() is a no-op), rulesets named by content digest
  and compiled once;
- facts, not events, so every matching rule fires; a `kind` guard ANDed into every rule and a lowest-priority
  catch-all rule, so "nothing matched" never raises and never reaches the segfaulting delete of an idle state;
- every comparison guarded by an existence test, and negation pushed down to comparisons with its own
  missing-fact branch, so a missing fact never compares true;
- only scalars reach the engine (no nulls, lists or dates); numbers as JSON numbers of the declared type;
- a fresh state per case, deleted in `finally`; results de-duplicated (an `any` fires once per true branch) and
  returned in declared order; any engine exception becomes an EngineError naming the case and ruleset.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from decimal import Decimal

from .conditions import Rule, holds

_NEG = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le"}
_DURABLE_OP = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


class EngineError(Exception):
    pass


class ReferenceEngine:
    name = "reference"

    def fire(self, rules: list[Rule], facts: dict, case_kind: str, case_id: str = "") -> list[str]:
        return [r.id for r in rules if holds(r.when, facts)]


def _num(v):
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _leaf(name, op, value, positive):
    if op == "exists":
        return {"$ex": {name: 1}} if positive else {"$nex": {name: 1}}
    if op == "in":
        items = [_leaf(name, "eq", v, True)["$and"][1] for v in value]
        if positive:
            return {"$and": [{"$ex": {name: 1}}, items[0] if len(items) == 1 else {"$or": items}]}
        neq = [{"$neq": {name: _num(v)}} for v in value]
        return {"$or": [{"$nex": {name: 1}}, neq[0] if len(neq) == 1 else {"$and": neq}]}
    if not positive:
        return {"$or": [{"$nex": {name: 1}}, _leaf(name, _NEG[op], value, True)["$and"][1]]}
    cmp = {name: _num(value)} if op == "eq" else {_DURABLE_OP[op]: {name: _num(value)}}
    return {"$and": [{"$ex": {name: 1}}, cmp]}


def compile_condition(cond: dict, positive: bool = True) -> dict:
    """Translate a condition into a durable-rules expression with the reference semantics."""
    if "not" in cond:
        return compile_condition(cond["not"], not positive)
    for key in ("all", "any"):
        if key in cond:
            parts = [compile_condition(c, positive) for c in cond[key]]
            conj = (key == "all") == positive
            if len(parts) == 1:
                return parts[0]
            return {"$and" if conj else "$or": parts}
    return _leaf(cond["fact"], cond["op"], cond.get("value"), positive)


class DurableEngine:
    name = "durable"
    CATCH_ALL = "__nothing_matched__"

    def __init__(self):
        from durable import engine as durable_engine  # imported here: only this engine needs the C extension

        class _QuietHost(durable_engine.Host):
            def _run(self):  # no timer threads: actions run only inside our own assert_fact calls
                pass

        self._host = _QuietHost()
        self._compiled: dict[str, list[str]] = {}
        self._fired: list[str] = []
        self._sids = itertools.count(1)

    def _ruleset_name(self, rules: list[Rule], case_kind: str) -> str:
        spec = json.dumps([[r.ruleset, r.version, r.id, r.when] for r in rules] + [case_kind],
                          sort_keys=True, default=str)
        name = "rs_" + hashlib.sha256(spec.encode()).hexdigest()[:24]
        if name not in self._compiled:
            definition = {}
            for i, r in enumerate(rules):
                expr = {"$and": [{"kind": case_kind}, compile_condition(r.when)]}
                definition[f"r{i}"] = {"all": [{"m": expr}], "pri": 1, "run": self._action(r.id)}
            definition[self.CATCH_ALL] = {"all": [{"m": {"kind": case_kind}}], "pri": 1_000_000,
                                          "run": self._action(None)}
            try:
                self._host.set_rulesets({name: definition})
            except Exception as exc:  # noqa: BLE001 - the engine's own errors become ours
                raise EngineError(f"durable-rules refused ruleset {rules[0].ruleset if rules else '?'}: {exc}")
            self._compiled[name] = [r.id for r in rules]
        return name

    def _action(self, rule_id):
        fired = self._fired

        def run(_closure):
            if rule_id is not None:
                fired.append(rule_id)
        return run

    def fire(self, rules: list[Rule], facts: dict, case_kind: str, case_id: str = "") -> list[str]:
        if not rules:
            return []
        name = self._ruleset_name(rules, case_kind)
        sid = f"s{next(self._sids)}"
        fact = {k: _num(v) for k, v in facts.items() if isinstance(v, (bool, int, str, Decimal, float))}
        fact.update(kind=case_kind, sid=sid)
        self._fired.clear()
        try:
            self._host.assert_fact(name, fact)
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"durable-rules failed on case {case_id!r} ({rules[0].ruleset}): {exc}") from None
        finally:
            try:
                self._host.delete_state(name, sid)
            except Exception:  # noqa: BLE001 - a failed cleanup must not hide the ruling or the real error
                pass
        seen = set(self._fired)
        return [rid for rid in self._compiled[name] if rid in seen]


def make(name: str):
    if name == "reference":
        return ReferenceEngine()
    if name == "durable":
        return DurableEngine()
    raise ValueError(f"unknown engine '{name}'")
