"""Compliance rule sets: condition rules whose firing is a finding against the case.

A rule set with `result: compliance.findings` holds one rule per breach the text forbids. A rule that fires gives a
finding `{code, clauses, modality}`: a `must` rule's finding is a violation, an `as_a_rule` rule's an advisory that
names the clause without claiming illegality; a `may` rule only grants and gives no finding. A rule that reads a
fact the case does not give is listed under `compliance.not_checked`, so that "no violation" never hides "not
asked".
"""
from __future__ import annotations

import datetime as dt

from .common import part_ref, rulesets_in_force
from .rulesets import fire, note_readings, plain
from .trace import Trace

RESULT_OF = {"must": "compliance.violations", "as_a_rule": "compliance.advisories"}


def run(tr: Trace, repo, engine, case_id: str, kind: str, facts: dict, day: dt.date,
        report_unchecked: bool = True) -> None:
    """Fire the compliance rule sets of `kind` in force on `day` and record their findings in the trace."""
    versions = [v for v in rulesets_in_force(repo, kind, day) if v.data["result"] == "compliance.findings"]
    found = {"compliance.violations": [], "compliance.advisories": []}
    unchecked = []
    for v in versions:
        rules, fired, _ = fire(tr, repo, engine, v, kind, case_id, facts)
        passed, passed_inputs, passed_cites = [], {}, []
        for r in rules:
            ref = part_ref(v, r.id)
            inputs = {name: plain(facts.get(name)) for name in r.facts}
            missing = [name for name in r.facts if name not in facts]
            if r.id in fired:
                if r.modality not in RESULT_OF:  # a "may" grants; it is never a finding
                    continue
                finding = {"code": r.id, "clauses": list(r.cites), "modality": r.modality}
                found[RESULT_OF[r.modality]].append(finding)
                tr.add(RESULT_OF[r.modality], finding, ref, inputs, r.cites, r.interpretations, set_result=False,
                       modality=r.modality)
                note_readings(tr, r, facts)
            elif missing:
                if report_unchecked:
                    unchecked.append(r.id)
                    tr.add("compliance.not_checked", r.id, ref, {"missing": missing}, r.cites, r.interpretations,
                           set_result=False)
            else:
                passed.append(r.id)
                passed_inputs.update(inputs)
                passed_cites += r.cites
        if passed:
            tr.add("compliance.passed", passed, f"{v.id}@{v.version}#passed", passed_inputs, passed_cites,
                   set_result=False)
    # An empty list is a result too: trace it to the facts read and the clauses the rule sets encode.
    encodes = [c for v in versions for c in v.data["encodes"]]
    read = {n: plain(facts.get(n)) for v in versions for r in repo.compiled_rules[(v.id, v.version)]
            for n in r.facts if n in facts}
    lists = dict(found, **({"compliance.not_checked": unchecked} if report_unchecked else {}))
    for result, items in lists.items():
        if not items:
            tr.add(result, [], "compliance#none", read, encodes, set_result=False)
    tr.results.update(lists)
