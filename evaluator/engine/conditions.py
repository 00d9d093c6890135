"""The condition language of rules/ and its reference semantics.

A condition is `all: [...]`, `any: [...]`, `not: {...}`, or a comparison of one fact with a constant:
`{fact, op, value}` with op eq, ne, lt, le, gt, ge, in (value a list), exists (no value).

Semantics (documented in docs/rules.md, and what both engines must give):
- a comparison or `in` on a fact the case does not have is false; `exists` is true when the fact is present;
- `not` is plain negation, so `not: {fact: x, op: eq, value: 1}` is true when x is absent;
- a rule fires at most once per case, however many branches of an `any` are true.

At load time every comparison is checked against the fact's declared type, so a rule can never compare text with a
number (which the engine would do lexicographically) or name a fact that does not exist.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal

from . import limits as lim
from .durable_compile import rule_expression
from ..load.problems import Problem

ORDER_OPS = {"lt", "le", "gt", "ge"}


@dataclass(frozen=True)
class FactType:
    type: str  # integer | number | boolean | string
    enum: tuple | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    ruleset: str
    version: int
    index: int
    title: dict
    cites: tuple
    modality: str
    interpretations: tuple
    when: dict
    result: str
    facts: tuple  # the facts the condition reads, in order of appearance
    notes: tuple = ()  # ({interpretation, when?}): readings to show in the ruling when the rule fires
    types: tuple = ()  # (fact name, FactType) of the facts the condition reads: what the evaluators are given
    constants: tuple = ()  # (fact name, constant) of every comparison in the condition


def check_rules(rules: list[dict], types: dict) -> list[tuple]:
    """Every problem of a rule set's rules as (json_path, message, code): unknown facts, type mismatches, and what
    would trip durable-rules (see engine_limits): colliding names, constants it cannot hold, too many groups."""
    problems: list[tuple] = []
    seen: set = set()
    hashes: dict = {}
    for i, r in enumerate(rules):
        if r["id"] in seen:
            problems.append((("rules", i, "id"), f"rule id '{r['id']}' is used twice", "duplicate_id"))
        seen.add(r["id"])
        conds = [(r["when"], ("rules", i, "when"))]
        conds += [(n["when"], ("rules", i, "notes", j, "when")) for j, n in enumerate(r.get("notes", []))
                  if "when" in n]
        for cond, path in conds:
            refs: list = []
            _check(cond, path, types, problems, refs)
            if path[-1] != "when" or len(path) != 3:
                continue  # notes are evaluated in Python only
            for name, fpath in refs:
                clash = lim.name_clash(name, hashes)
                if clash:
                    problems.append((fpath, clash, "engine_name_clash"))
                hashes.setdefault(lim.name_hash(name), name)
            n = lim.groups(rule_expression(cond, "k"))
            if n > lim.MAX_GROUPS:
                problems.append((path, f"this condition needs {n} and/or groups in durable-rules, which holds at "
                                 f"most {lim.MAX_GROUPS} per rule; split the rule or compute a derived fact",
                                 "engine_limit"))
    if len(set(hashes.values())) > lim.MAX_FACTS:
        problems.append((("rules",), f"the rules read {len(hashes)} facts; the engine holds at most "
                         f"{lim.MAX_FACTS} per case", "engine_limit"))
    return problems


def make_rules(ruleset: str, version: int, data: dict, types: dict) -> list[Rule]:
    out = []
    for i, r in enumerate(data["rules"]):
        refs: list = []
        _check(r["when"], ("rules", i, "when"), types, [], refs)
        facts = tuple(dict.fromkeys(name for name, _ in refs))
        out.append(Rule(r["id"], ruleset, version, i, r["title"], tuple(r["cites"]), r["modality"],
                        tuple(r.get("interpretations", [])), r["when"], data["result"], facts,
                        tuple(r.get("notes", [])), tuple((n, types[n]) for n in facts if n in types),
                        tuple(_constants(r["when"]))))
    return out


def _constants(cond: dict):
    for key in ("all", "any"):
        for c in cond.get(key, []):
            yield from _constants(c)
    if "not" in cond:
        yield from _constants(cond["not"])
    if "value" in cond:
        for v in cond["value"] if isinstance(cond["value"], list) else [cond["value"]]:
            yield cond["fact"], v


def parse_ruleset(version, types: dict) -> tuple[list[Rule], list[Problem]]:
    problems = [version.doc.problem(path, msg, code) for path, msg, code in check_rules(version.data["rules"], types)]
    return make_rules(version.id, version.version, version.data, types), problems


def _check(cond, path, types, problems, refs) -> None:
    for key in ("all", "any"):
        if key in cond:
            for i, c in enumerate(cond[key]):
                _check(c, path + (key, i), types, problems, refs)
            return
    if "not" in cond:
        _check(cond["not"], path + ("not",), types, problems, refs)
        return
    name, op = cond["fact"], cond["op"]
    refs.append((name, path + ("fact",)))
    if name not in types:
        near = difflib.get_close_matches(name, list(types), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        problems.append((path + ("fact",), f"unknown fact '{name}'{hint}", "unknown_fact"))
        return
    t = types[name]
    if op == "exists":
        return
    values = cond["value"] if op == "in" else [cond["value"]]
    if op in ORDER_OPS and t.type in ("boolean", "string"):
        problems.append((path + ("op",), f"'{op}' orders numbers; fact '{name}' is {t.type}", "bad_operator"))
    for j, v in enumerate(values):
        vpath = path + ("value", j) if op == "in" else path + ("value",)
        ok = {
            "boolean": isinstance(v, bool),
            "string": isinstance(v, str),
            "integer": isinstance(v, int) and not isinstance(v, bool),
            "number": isinstance(v, (int, Decimal)) and not isinstance(v, bool),
        }[t.type]
        if not ok:
            problems.append((vpath, f"fact '{name}' is {t.type}; {v!r} cannot be compared with it", "type_mismatch"))
        elif t.enum is not None and v not in t.enum:
            near = difflib.get_close_matches(str(v), list(t.enum), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f"; allowed: {', '.join(t.enum)}"
            problems.append((vpath, f"'{v}' is not a value fact '{name}' can take{hint}", "unknown_value"))
        else:
            problem = lim.constant_problem(v)
            if problem:
                problems.append((vpath, problem, "out_of_range"))


# -- reference semantics --------------------------------------------------------------------------------------

def holds(cond: dict, facts: dict) -> bool:
    if "all" in cond:
        return all(holds(c, facts) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, facts) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], facts)
    name, op = cond["fact"], cond["op"]
    if name not in facts:
        return False
    if op == "exists":
        return True
    x, v = facts[name], cond.get("value")
    if op == "in":
        return any(equal(x, item) for item in v)
    if op == "eq":
        return equal(x, v)
    if op == "ne":
        return not equal(x, v)
    x, v = Decimal(str(x)), Decimal(str(v))
    return {"lt": x < v, "le": x <= v, "gt": x > v, "ge": x >= v}[op]


def equal(x, v) -> bool:
    if isinstance(x, bool) or isinstance(v, bool):
        return isinstance(x, bool) and isinstance(v, bool) and x == v
    if isinstance(x, str) or isinstance(v, str):
        return x == v
    return Decimal(str(x)) == Decimal(str(v))
