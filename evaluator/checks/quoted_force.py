"""The force of a finding is the force of the words it quotes: a rule (or a policy entry with a `modality`) that
states `must` while a unit it cites says 原则上 or 一般 (the `hedges` of the coverage signals, data) overstates the
text. Such a rule states `as_a_rule`; a reading that makes a hedged rule binding would need its own interpretation,
and this check would still ask for the force the words give.
"""
from __future__ import annotations

from ..load.problems import Problem

CODE = "force_not_quoted"


def hedges_in(repo, refs, hedges) -> list[tuple[str, str]]:
    """(clause or unit id, hedge word) for each hedge in the texts of `refs`."""
    out = []
    for ref in refs:
        cit = repo.clauses.get(ref)
        if cit is not None:
            out += [(ref, h) for h in hedges if h in cit.text]
    return out


def modalities(data, path=()):
    """(json path, modality, [clause refs]) of every mapping in policy data that states a `modality` and a `source`."""
    if isinstance(data, dict):
        if "modality" in data and isinstance(data.get("source"), str):
            yield path, data["modality"], [data["source"]]
        for k, v in data.items():
            yield from modalities(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from modalities(v, path + (i,))


def check(repo, signals: tuple | None) -> list[Problem]:
    if signals is None or not signals[0].get("hedges"):
        return []
    hedges = signals[0]["hedges"]
    problems = []

    def report(doc, path, what, found):
        quoted = "; ".join(f"{ref} says {h}" for ref, h in found)
        problems.append(doc.problem(path, f"{what} states the force must, but the words it quotes are hedged "
                                    f"({quoted}): state as_a_rule", CODE))

    for versions in repo.rulesets.values():
        for v in versions:
            for i, rule in enumerate(v.data["rules"]):
                if rule.get("modality") == "must":
                    found = hedges_in(repo, rule["cites"], hedges)
                    if found:
                        report(v.doc, ("rules", i, "modality"), f"rule '{rule['id']}'", found)
    for versions in repo.policies.values():
        for v in versions:
            for path, modality, refs in modalities(v.data["data"], ("data",)):
                found = hedges_in(repo, refs, hedges) if modality == "must" else []
                if found:
                    report(v.doc, path + ("modality",), f"'{'/'.join(map(str, path))}'", found)
    return problems
