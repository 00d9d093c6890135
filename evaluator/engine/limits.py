"""What durable-rules 2.0.28 can hold, as load-time checks on the conditions of rules/ and on constants.

Read from its C source (src/rules/*.c, *.h of the sdist) and measured (tests/test_engine_canaries.py pins them):
- property names are identified only by a 32-bit FNV-1a hash of the name's bytes as written in the JSON (json.c
  getStringAndHash, state.c fnv1Hash32; `char` is signed on x86, so bytes >= 0x80 are sign-extended). Two names with
  the same hash are one property to the engine, and a name hashing like an operator (`$lt`, `$and`...) or like
  `id`/`sid` is read as that operator or key (rete.c createAlpha, state.c setObjectProperty);
- a rule's condition keeps its and/or groups in one expression sequence of at most 31 entries (rete.h
  MAX_SEQUENCE_EXPRESSIONS 32, each group takes an opening and an END entry): at most 15 groups per rule;
- an object has at most 254 properties (state.h MAX_OBJECT_PROPERTIES 255);
- strings are compared with `unsigned short` lengths (events.c reduceString): text over 65,535 bytes compares
  only in part;
- integers are read with atoll (saturate beyond 64 bits), decimals with atof, and a number written with an exponent
  but no '.' (Python writes 0.00001 as 1e-05) is a parse error; durable-rules' own Python layer writes rule
  constants with json.dumps, i.e. Python's float repr.
"""
from __future__ import annotations

import json
from decimal import Decimal

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 16777619
INT64_MAX = 2**63 - 1
MAX_GROUPS = 15
MAX_FACTS = 250  # properties a case may send: 254 minus the boundary's own `kind` and `sid`, with a margin
MAX_TEXT_BYTES = 65535

# Keys the boundary itself sends with every fact.
BOUNDARY_KEYS = ("kind", "sid")
# Names the engine gives a meaning to (rete.c and state.c HASH_* constants, events.c state messages).
ENGINE_NAMES = ("id", "sid", "$s", "$i", "all", "any", "pri", "count", "cap", "dist", "$lt", "$lte", "$gt",
                "$gte", "$eq", "$neq", "$mt", "$imt", "$iall", "$iany", "$ex", "$nex", "$or", "$and", "$m", "name",
                "$add", "$sub", "$mul", "$div", "$l", "$r", "$forward", "$pulse", "$time", "$timerName",
                "$baseTime", "$all", "$any", "$not")


def name_hash(name: str) -> int:
    """durable-rules' hash of a property name: FNV-1a over the bytes of the name as JSON writes it, signed chars."""
    h = FNV_OFFSET
    for b in json.dumps(name, ensure_ascii=False)[1:-1].encode("utf-8"):
        h ^= b | 0xFFFFFF00 if b >= 0x80 else b
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


RESERVED_HASHES = {name_hash(n): n for n in BOUNDARY_KEYS + ENGINE_NAMES}


def name_clash(name: str, known: dict) -> str | None:
    """Why `name` cannot be a property next to `known` (hash -> name) in one ruleset; None when it can."""
    if name in BOUNDARY_KEYS or name in ENGINE_NAMES:
        return f"fact name '{name}' is reserved by the rule engine"
    h = name_hash(name)
    if h in RESERVED_HASHES:
        return (f"fact name '{name}' has the same 32-bit hash ({h}) as the engine's own '{RESERVED_HASHES[h]}', "
                "and durable-rules identifies names by that hash only; rename the fact")
    other = known.get(h)
    if other is not None and other != name:
        return (f"facts '{other}' and '{name}' have the same 32-bit hash ({h}); durable-rules identifies names by "
                "that hash only and would take one for the other; rename one of them")
    return None


def text_problem(text: str) -> str | None:
    try:
        size = len(json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8"))
    except UnicodeEncodeError:
        return "text is not valid Unicode (an unpaired surrogate)"
    if size > MAX_TEXT_BYTES:
        return f"text of {size} bytes is longer than the {MAX_TEXT_BYTES} bytes the engine compares in full"
    return None


def double_exact(value) -> bool:
    """True when a number is exactly the value of the double the engine will hold for it."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    f = float(d)
    return f == f and abs(f) != float("inf") and Decimal(repr(f)) == d


def constant_problem(value) -> str | None:
    """Why a rule's constant cannot reach durable-rules intact; None when it can."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, int) or (isinstance(value, Decimal) and value == value.to_integral_value()):
        if abs(value) > 2**53:
            return f"{value} is beyond ±2^53, where comparisons with decimals stop being exact"
        return None
    if not double_exact(value):
        return f"{value} has more digits than the engine's 64-bit floating point holds exactly"
    if "e" in repr(float(value)):
        return (f"{value} is written by durable-rules in exponent notation ({float(value)!r}), which its parser "
                "rejects; use a derived fact on a larger scale")
    return None


def groups(expr) -> int:
    """The and/or groups of a compiled durable-rules expression (each takes two of its 31 sequence entries)."""
    if isinstance(expr, dict):
        return sum((k in ("$and", "$or")) + groups(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(groups(x) for x in expr)
    return 0
