"""The condition language of rules/ compiled to numpy, with the reference semantics of evaluator/engine/conditions.py
`holds()`: a comparison or `in` on a missing fact is false, `exists` tests presence, `not` is plain negation.

Constants are compared exactly: integer columns (and money in cents) against a Decimal by floor/ceil, floats against
a constant that is the shortest text of its own float (so ordering equals the reference's Decimal(str(x)) ordering).
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .facts import Column


class CompileError(Exception):
    pass


def compile_condition(cond: dict, kinds: dict):
    """cond -> function(columns: dict name -> Column) -> bool array. `kinds`: fact name -> (type, enum tuple)."""
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        parts = [compile_condition(c, kinds) for c in cond[key]]
        op = np.logical_and if key == "all" else np.logical_or

        def combine(cols, parts=parts, op=op, empty=key == "all"):
            if not parts:
                n = len(next(iter(cols.values())).present)
                return np.full(n, empty)
            out = parts[0](cols)  # a fresh array (every condition returns one), so combined in place
            for p in parts[1:]:
                op(out, p(cols), out=out)
            return out
        return combine
    if "not" in cond:
        inner = compile_condition(cond["not"], kinds)
        return lambda cols: ~inner(cols)
    name, op = cond["fact"], cond["op"]
    if name not in kinds:
        raise CompileError(f"the batch evaluator has no column for fact '{name}'")
    ftype, enum = kinds[name]
    if op == "exists":
        return lambda cols: cols[name].present.copy()
    if op == "in":
        tests = [_compare(ftype, enum, "eq", v) for v in cond["value"]]
        listed = _listed(enum, cond["value"]) if ftype == "enum" else None

        def any_of(cols):
            c = cols[name]
            if listed is not None and len(c.values) <= LOOKUP_ROWS and c.values.dtype == np.int8:
                return listed.take(c.values.view(np.uint8)) & c.present
            out = np.zeros(len(c.present), bool)
            for t in tests:
                out |= t(c.values)
            return out & c.present
        return any_of
    test = _compare(ftype, enum, op, cond.get("value"))
    return lambda cols: test(cols[name].values) & cols[name].present


# `in` on an enum fact over at most this many rows is one lookup of each row's code (fewer numpy calls: a rule set
# of three such conditions took 49 -> 37 µs at 100 rows), over more one comparison per value listed (a lookup by
# byte converts its indices, which costs more per row: slower from about 7,000 rows). Measured 2026-12-06.
LOOKUP_ROWS = 4096


def _listed(enum: tuple, values: list) -> np.ndarray | None:
    """For `in` on an enum fact: by int8 code read as a byte (0-255; -1 is 255), whether the code is of a value
    listed, as _equals decides each (a value not in the enum matches no code); None for an enum of more values
    than int8 codes hold."""
    if len(enum) > 128:
        return None
    table = np.zeros(256, bool)
    for v in values:
        if isinstance(v, str) and v in enum:
            table[enum.index(v)] = True
    return table


def _const(value):
    return lambda x: np.full(len(x), value)


def _compare(ftype: str, enum: tuple, op: str, v):
    """values -> bool array for present values, as conditions.equal / Decimal ordering would decide."""
    if op in ("eq", "ne"):
        same = _equals(ftype, enum, v)
        return same if op == "eq" else (lambda x: ~same(x))
    if isinstance(v, (bool, str)) or ftype in ("boolean", "enum"):
        raise CompileError(f"'{op}' orders numbers; cannot compile it on a {ftype} fact")
    if ftype == "number":
        f = float(v)
        if Decimal(repr(f)) != Decimal(str(v)):
            raise CompileError(f"the constant {v} has no exact float; the batch evaluator cannot compare with it")
        return {"lt": lambda x: x < f, "le": lambda x: x <= f, "gt": lambda x: x > f, "ge": lambda x: x >= f}[op]
    q = Fraction(Decimal(str(v))) * (100 if ftype == "money" else 1)
    lo, hi = math.floor(q), math.ceil(q)
    return {"lt": lambda x: x < hi, "le": lambda x: x <= lo, "gt": lambda x: x > lo, "ge": lambda x: x >= hi}[op]


def _equals(ftype: str, enum: tuple, v):
    if ftype == "boolean" or isinstance(v, bool):
        if not (ftype == "boolean" and isinstance(v, bool)):
            return _const(False)
        return (lambda x: x) if v else (lambda x: ~x)  # every caller makes a fresh array of it (& present, |=)
    if ftype == "enum" or isinstance(v, str):
        if ftype != "enum" or not isinstance(v, str) or v not in enum:
            return _const(False)
        code = enum.index(v)
        return lambda x: x == code
    if ftype == "number":
        f = float(v)
        if Decimal(repr(f)) != Decimal(str(v)):
            return _const(False)
        return lambda x: x == f
    q = Fraction(Decimal(str(v))) * (100 if ftype == "money" else 1)
    if q.denominator != 1:
        return _const(False)
    k = int(q)
    return lambda x: x == k


def column_kinds(specs: dict, derived: dict) -> dict:
    """Fact name -> (type, enum) for the facts a rule may read: the scalar worker facts and the derived facts."""
    out = {n: (s.type, s.enum) for n, s in specs.items() if s.type not in ("date", "grades")}
    for n, d in derived.items():
        out[n] = (d["type"], ())
    return out


__all__ = ["compile_condition", "column_kinds", "CompileError", "Column"]
