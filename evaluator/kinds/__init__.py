"""Case kinds: one module per kind of case, each with a `rule(case, repo, engine, trace=Trace) -> Trace` function
(`trace` the class of trace it fills: trace.Results where only the results are wanted).

To add a kind: write its module here, register it below, and add its facts and expected results to
schemas/cases.schema.json (`<kind>_facts`, `<kind>_expect`).
"""
from __future__ import annotations

from . import assessment, community, funding, roster, street, street_task, task, worker

KINDS = {
    "worker": worker.rule_worker,
    "task": task.rule_task,
    "community": community.rule_community,
    "street": street.rule_street,
    "street_task": street_task.rule_street_task,
    "assessment": assessment.rule_assessment,
    "funding": funding.rule_funding,
    "roster": roster.rule_roster,
}
