"""Why a rule did not fire, in English and Chinese: each failed part of its condition with the fact value it met.

Worked out from the reference semantics (conditions.holds) over the facts the evaluators were given, so the answer
does not depend on the engine: `all` lists every failed part, `any` says that none of its parts holds and why,
`not` says what holds that must not, a comparison names the fact's value (or that the case does not give it).
"""
from __future__ import annotations

from ..cases import values
from ..engine.conditions import holds

_OP_EN = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "is one of", "exists": "is given"}
_OP_ZH = {"eq": "等于", "ne": "不等于", "lt": "小于", "le": "小于或等于", "gt": "大于", "ge": "大于或等于",
          "in": "属于", "exists": "已提供"}


# A fact's value in an explanation: as in reports, except that a missing value and a dict print as Python's str
# (kept so that the explanations read as before), and dates (and times) in ISO form.
VALUE = values.Style(none="None", mapping=lambda d, show: str(d),
                     scalar=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))


def _show(v) -> str:
    return values.show(v, VALUE)


def describe(cond: dict, lang: str) -> str:
    """A condition in words."""
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        joiner = {("all", "en"): " and ", ("any", "en"): " or ", ("all", "zh"): " 且 ", ("any", "zh"): " 或 "}
        parts = [describe(c, lang) for c in cond[key]]
        return "(" + joiner[key, lang].join(parts) + ")" if len(parts) > 1 else parts[0]
    if "not" in cond:
        inner = describe(cond["not"], lang)
        return f"not {inner}" if lang == "en" else f"并非 {inner}"
    op = (_OP_EN if lang == "en" else _OP_ZH)[cond["op"]]
    if cond["op"] == "exists":
        return f"{cond['fact']} {op}"
    return f"{cond['fact']} {op} {_show(cond['value'])}"


def reasons(cond: dict, facts: dict, path: str = "when") -> list[dict]:
    """The failed parts of a false condition: {path, en, zh, fact?, actual?, because?}; [] when it holds."""
    if holds(cond, facts):
        return []
    if "all" in cond:
        out = []
        for i, c in enumerate(cond["all"]):
            out += reasons(c, facts, f"{path}.all[{i}]")
        return out
    if "any" in cond:
        because = []
        for i, c in enumerate(cond["any"]):
            because += reasons(c, facts, f"{path}.any[{i}]")
        return [{"path": path, "en": f"none of these holds: {describe(cond, 'en')}",
                 "zh": f"以下各项均不成立：{describe(cond, 'zh')}", "because": because}]
    if "not" in cond:
        seen = _facts_of(cond["not"], facts)
        given = ", ".join(f"{k} = {_show(v)}" for k, v in seen.items())
        return [{"path": path, "en": f"the rule needs {describe(cond, 'en')}, but {given or 'it holds'}",
                 "zh": f"本条要求{describe(cond, 'zh')}，但{given or '该条件成立'}"}]
    name = cond["fact"]
    if name not in facts:
        return [{"path": path, "fact": name, "actual": None,
                 "en": f"{name} is not given, and the rule needs {describe(cond, 'en')}",
                 "zh": f"案件未提供 {name}，而本条要求 {describe(cond, 'zh')}"}]
    actual = facts[name]
    return [{"path": path, "fact": name, "actual": actual,
             "en": f"{name} = {_show(actual)}, and the rule needs {describe(cond, 'en')}",
             "zh": f"{name} 为 {_show(actual)}，而本条要求 {describe(cond, 'zh')}"}]


def _facts_of(cond: dict, facts: dict) -> dict:
    out: dict = {}
    for key in ("all", "any"):
        for c in cond.get(key, []):
            out.update(_facts_of(c, facts))
    if "not" in cond:
        out.update(_facts_of(cond["not"], facts))
    if "fact" in cond and cond["fact"] in facts:
        out[cond["fact"]] = facts[cond["fact"]]
    return out


def rule_ids(repo) -> dict:
    """Every rule id a --why-not may name -> the rule sets that have it."""
    out: dict = {}
    for (rs, _), rules in repo.compiled_rules.items():
        for r in rules:
            out.setdefault(r.id, set()).add(rs)
            out.setdefault(f"{rs}#{r.id}", set()).add(rs)
    return out


def why_not_entries(rule_runs, wanted, repo) -> list[dict]:
    """For each wanted rule ("all": every rule that did not fire) of the rule sets a ruling ran: why it did not
    fire, with its title and the clauses it encodes quoted verbatim."""
    wanted = set(wanted)
    out = []
    for version, rules, facts, fired in rule_runs:
        for r in rules:
            named = r.id in wanted or f"{r.ruleset}#{r.id}" in wanted
            if not (named or ("all" in wanted and r.id not in fired)):
                continue
            entry = {"rule": r.id, "ruleset": f"{r.ruleset}@{r.version}", "title": dict(r.title),
                     "clauses": [{"id": c, "text": repo.cite(c).text} for c in r.cites],
                     "fired": r.id in fired}
            if entry["fired"]:
                entry["reasons"] = [{"path": "when", "en": "the rule fired: its condition holds",
                                     "zh": "本条已适用：其条件成立"}]
            else:
                entry["reasons"] = reasons(r.when, {n: facts[n] for n in r.facts if n in facts})
            out.append(entry)
    return out
