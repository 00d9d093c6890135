"""Facts checked and normalised before any evaluator sees them, identically for both engines.

Only the facts the rules read are kept, each checked against its declared type: no nulls, booleans only where a
boolean is declared (the engine compares true with 1), integers within 64 bits (the engine saturates beyond),
numbers finite, and a decimal with more digits than the engine's doubles hold rounded to the nearest double only when
that cannot change a comparison with the rules' constants (else refused), text that the engine compares in full. A fact that fails is
a FactError naming the case and the fact, never a silent change of the ruling.
"""
from __future__ import annotations

import json
from decimal import Decimal

from . import limits as lim


class EngineError(Exception):
    """The rule engine could not rule on a case; the message names the case, the rule set and the rule."""


class FactError(EngineError):
    def __init__(self, case_id: str, fact: str, message: str):
        super().__init__(f"case {case_id!r}: fact '{fact}': {message}")
        self.case_id, self.fact, self.reason = case_id, fact, message


def _number(v, kind: str, constants=()):
    """(normalised value, problem): int for whole numbers within 64 bits, Decimal otherwise (a `number` beyond 64
    bits goes to the engine as a double, which must hold it exactly)."""
    if type(v) is int and abs(v) <= lim.INT64_MAX:  # the common case, as the general path below would give it
        return v, None
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return None, f"is {type(v).__name__} {v!r}, not a number"
    d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    if not d.is_finite():
        return None, f"{v} is not a finite number"
    whole = d == d.to_integral_value()
    if kind == "integer" and not whole:
        return None, f"{v} is not a whole number"
    if whole and abs(d) <= lim.INT64_MAX:
        return int(d), None
    if kind == "integer":
        return None, f"{v} is beyond the engine's 64-bit integers"
    if whole:  # far beyond every rule constant (|c| <= 2^53): only needs to be a double exactly
        ok = abs(d) < Decimal("1.7e308") and (Decimal(float(d)) == d or lim.double_exact(d))
        return (d, None) if ok else (None, f"{v} is beyond 64 bits and not exactly a 64-bit floating-point value")
    if not lim.double_exact(d):
        # More digits than a double holds (e.g. a derived ratio 1/15): both evaluators get the nearest double,
        # which orders exactly like the value itself against every constant except one that rounds to the same
        # double, where the rounding could decide the ruling: then refuse.
        near = float(d)
        for c in constants:
            if float(c) == near:
                return None, (f"{v} has more digits than the engine's 64-bit floating point, which cannot tell it "
                              f"from the rule's constant {c}")
        return Decimal(repr(near)), None
    return d, None


def _long(v) -> bool:
    return isinstance(v, Decimal) and v.is_finite() and not lim.double_exact(v)


def normalise(types: dict, facts: dict, case_id: str = "", constants=None) -> dict:
    """The facts the rules read (types: name -> FactType), checked; values are bool, int, Decimal or str.

    constants(name): the constants the rules compare fact `name` with (asked only for a decimal with more digits
    than a double holds)."""
    out = {}
    for name, t in types.items():
        if name not in facts:
            continue
        v = facts[name]
        if v is None:
            raise FactError(case_id, name, "is null; leave a fact out when it is not known")
        if t.type == "boolean":
            if not isinstance(v, bool):
                raise FactError(case_id, name, f"is {type(v).__name__} {v!r}, not true or false")
        elif t.type == "string":
            if not isinstance(v, str):
                raise FactError(case_id, name, f"is {type(v).__name__} {v!r}, not text")
            problem = _text(v)[1]
            if problem:
                raise FactError(case_id, name, problem)
        else:
            v, problem = _number(v, t.type, constants(name) if constants and _long(v) else ())
            if problem:
                raise FactError(case_id, name, problem)
        out[name] = v
    return out


_TEXT: dict = {}  # fact text -> (its JSON, why the engine cannot take it): facts are codes from short lists
_KEYS: dict = {}  # fact name -> '"name":'


def _text(v: str) -> tuple:
    hit = _TEXT.get(v)
    if hit is None:
        problem = lim.text_problem(v)
        hit = (None if problem else json.dumps(v, ensure_ascii=False), problem)
        if len(_TEXT) < 4096 and len(v) <= 64:
            _TEXT[v] = hit
    return hit


def to_json(facts: dict) -> str:
    """JSON the engine parses: decimals in plain positional notation (never an exponent), text unescaped UTF-8."""
    parts = []
    for k, v in facts.items():
        key = _KEYS.get(k)
        if key is None:
            key = f'"{k}":' if k.isidentifier() and k.isascii() else json.dumps(k, ensure_ascii=False) + ":"
            if len(_KEYS) < 4096:
                _KEYS[k] = key
        if v is True:
            parts.append(key + "true")
        elif v is False:
            parts.append(key + "false")
        elif isinstance(v, int):
            parts.append(key + str(int(v)))
        elif isinstance(v, Decimal):
            text = format(v, "f")
            parts.append(key + text + ("" if "." in text else ".0"))  # beyond 64 bits: a double, not saturation
        else:  # text: as normalise() wrote it down, or (kind, sid) written here
            known = _TEXT.get(v)
            parts.append(key + (known[0] if known and known[0] else json.dumps(v, ensure_ascii=False)))
    return "{" + ",".join(parts) + "}"
