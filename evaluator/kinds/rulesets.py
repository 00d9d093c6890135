"""Running the condition rule sets in force for a case kind, and tracing what fired (or why nothing did)."""
from __future__ import annotations

import datetime as dt

from ..engine.conditions import holds
from . import common
from .trace import Trace, quoted


def apply_rulesets(tr: Trace, repo, engine, case_kind: str, case_id: str, facts: dict, day: dt.date) -> None:
    """Fire every rule set of `case_kind` in force on `day`; each sets its result to the sorted codes that fired.

    Each fired rule gets a trace entry citing its clauses; a rule set where nothing fired gets one entry with the
    value [] that shows every fact its rules read, citing the clauses the rule set encodes.
    """
    on = common.on(repo, day)
    for v in on.rulesets(case_kind):
        rules, fired = fire(tr, repo, engine, v, case_kind, case_id, facts)
        result = v.data["result"]
        if not fired:
            if tr.keeps_entries:  # not a results-only trace (kinds.trace.Results)
                tr.put(result, [], (on.head(v, "none")[0], ()), shown(facts, facts_read(rules)),
                       quoted(repo, v.data["encodes"]))
            tr.results[result] = []
            continue
        tr.results[result] = sorted(r.id for r in rules if r.id in fired)
        if not tr.keeps_entries:
            continue
        for r in rules:
            if r.id not in fired:
                continue
            tr.add(result, r.id, f"{v.id}@{v.version}#{r.id}", shown(facts, r.facts), r.cites, r.interpretations,
                   set_result=False, modality=r.modality)
            note_readings(tr, r, facts)


def fire(tr: Trace, repo, engine, version, case_kind: str, case_id: str, facts: dict) -> tuple[list, set]:
    """Run one rule set version on the facts with the engine: (its rules, the ids of those that fired), recorded in
    the trace as used and as run (for why-not explanations)."""
    tr.use(version)
    rules = repo.compiled_rules[(version.id, version.version)]
    fired = set(engine.fire(rules, facts, case_kind, case_id))
    tr.rules_ran(version, rules, facts, fired)
    return rules, fired


def facts_read(rules: list) -> tuple:
    """The names of every fact a rule list reads, sorted (remembered per rule list: asked once per case)."""
    hit = _READ.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    read = tuple(sorted({n for r in rules for n in r.facts}))
    if len(_READ) >= 4096:  # rule lists come from the repository, not the case: few; bounded all the same
        _READ.clear()
    _READ[id(rules)] = (rules, read)
    return read


_READ: dict = {}


def note_readings(tr: Trace, rule, facts: dict) -> None:
    """The readings a fired rule says it rests on (where their `when` holds), noted on the ruling."""
    for note in rule.notes:
        if "when" not in note or holds(note["when"], facts):
            tr.note_interpretation(note["interpretation"])


def plain(v):
    """A fact's value as a trace input: dates in ISO form."""
    return v.isoformat() if isinstance(v, dt.date) else v


def shown(facts: dict, names) -> dict:
    """{name: plain(facts.get(name))} for each name, in order: the facts a rule read, as its trace entry's inputs."""
    out = dict(zip(names, map(facts.get, names)))
    for name, v in out.items():
        if isinstance(v, dt.date):
            out[name] = v.isoformat()
    return out
