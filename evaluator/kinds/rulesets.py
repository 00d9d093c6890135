"""Running the condition rule sets in force for a case kind, and tracing what fired (or why nothing did)."""
from __future__ import annotations

import datetime as dt

from ..engine.conditions import holds
from .errors import RulingError
from .trace import Trace


def apply_rulesets(tr: Trace, repo, engine, case_kind: str, case_id: str, facts: dict, day: dt.date) -> None:
    """Fire every rule set of `case_kind` in force on `day`; each sets its result to the sorted codes that fired.

    Each fired rule gets a trace entry citing its clauses; a rule set where nothing fired gets one entry with the
    value [] that shows every fact its rules read, citing the clauses the rule set encodes.
    """
    try:
        versions = repo.rulesets_in_force(case_kind, day)
    except LookupError as exc:
        raise RulingError(str(exc)) from None
    for v in versions:
        tr.use(v)
        rules = repo.compiled_rules[(v.id, v.version)]
        fired = set(engine.fire(rules, facts, case_kind, case_id))
        tr.rules_ran(v, rules, facts, fired)
        result = v.data["result"]
        for r in rules:
            if r.id not in fired:
                continue
            tr.add(result, r.id, f"{v.id}@{v.version}#{r.id}", {n: plain(facts.get(n)) for n in r.facts},
                   r.cites, r.interpretations, set_result=False, modality=r.modality)
            for note in r.notes:
                if "when" not in note or holds(note["when"], facts):
                    tr.note_interpretation(note["interpretation"])
        if not fired:
            read = sorted({n for r in rules for n in r.facts})
            tr.add(result, [], f"{v.id}@{v.version}#none", {n: plain(facts.get(n)) for n in read},
                   v.data["encodes"], [], set_result=False)
        tr.results[result] = sorted(r.id for r in rules if r.id in fired)


def plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v
