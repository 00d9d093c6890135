"""Test coverage, from the cases with expectations that `policy check` has just ruled on (a case that could not be
ruled on still counts as reaching its facts: its failure is reported on its own):
- every rule fires in at least one case that states an expectation for the rule set's result;
- every bound n of every band table has cases at n−1, n and n+1 (inside the fact's domain), with the facts that
  select the table (e.g. the post).
Which figures the cases pin is the mutation sweep's job (mutations.py, `policy check --mutations`).
"""
from __future__ import annotations

from . import bands


def check(repo, report, evaluated) -> None:
    _rules_fire(repo, report, evaluated)
    _bounds_tested(repo, report, evaluated)


def _rules_fire(repo, report, evaluated) -> None:
    fired = set()
    for case, ruling in evaluated:
        for t in (ruling or {}).get("trace", []):
            if case.expect and t["result"] in case.expect:
                fired.add(t["rule"])
    for versions in repo.rulesets.values():
        for v in versions:
            if v.status == "draft":
                continue
            for i, rule in enumerate(v.data["rules"]):
                if f"{v.id}@{v.version}#{rule['id']}" not in fired:
                    report.findings.append(v.doc.problem(("rules", i, "id"), f"rule '{rule['id']}' fires in no case "
                                                         f"that expects {v.data['result']}: add one to tests/cases",
                                                         "rule_untested"))


def _bounds_tested(repo, report, evaluated) -> None:
    facts = [c.facts for c, _ in evaluated]
    for t in bands.tables(repo):
        given = t.decl.get("given", {})
        reached = {f.get(t.fact) for f in facts if all(f.get(k) == val for k, val in given.items())}
        for n, values, band in bands.bound_values(t):
            missing = [x for x in values if x not in reached]
            if missing:
                report.findings.append(t.version.doc.problem(band.path, f"bound {n} of '{band.band.get('text')}' "
                                       f"({t.where()}) has no case with expectations at {t.fact} = "
                                       f"{', '.join(map(str, missing))}", "bound_untested"))
