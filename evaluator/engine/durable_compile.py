"""Translation of the condition language of rules/ into durable-rules expressions with the reference semantics.

- every comparison is ANDed with an existence test, and `not` is pushed down to the comparisons with a "missing"
  branch of its own, so a missing fact never compares true (the engine's `$neq` on a missing field is false);
- `in` becomes an OR of equalities, `not in` an AND of inequalities; only constants appear on the right-hand side,
  never a field reference or arithmetic (which the engine gets wrong or crashes on);
- nested groups of the same kind are flattened, because the engine holds at most 15 and/or groups per rule.
"""
from __future__ import annotations

from decimal import Decimal

_NEG = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le"}
_OP = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


def constant(v):
    """A rule constant as durable-rules' JSON layer will write it: int for whole numbers, float otherwise."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _cmp(name, op, v) -> dict:
    return {name: constant(v)} if op == "eq" else {_OP[op]: {name: constant(v)}}


def _group(key: str, parts: list) -> dict:
    flat = []
    for p in parts:
        flat += p[key] if key in p and len(p) == 1 else [p]
    return flat[0] if len(flat) == 1 else {key: flat}


def _leaf(name, op, value, positive) -> dict:
    present, absent = {"$ex": {name: 1}}, {"$nex": {name: 1}}
    if op == "exists":
        return present if positive else absent
    if op == "in":
        if positive:
            return _group("$and", [present, _group("$or", [_cmp(name, "eq", v) for v in value])])
        return _group("$or", [absent, _group("$and", [_cmp(name, "ne", v) for v in value])])
    if positive:
        return _group("$and", [present, _cmp(name, op, value)])
    return _group("$or", [absent, _cmp(name, _NEG[op], value)])


def compile_condition(cond: dict, positive: bool = True) -> dict:
    if "not" in cond:
        return compile_condition(cond["not"], not positive)
    for key in ("all", "any"):
        if key in cond:
            conj = (key == "all") == positive
            return _group("$and" if conj else "$or", [compile_condition(c, positive) for c in cond[key]])
    return _leaf(cond["fact"], cond["op"], cond.get("value"), positive)


def rule_expression(cond: dict, case_kind: str) -> dict:
    """The whole expression of one rule: the case-kind guard ANDed with the condition."""
    return _group("$and", [{"kind": case_kind}, compile_condition(cond)])
