"""The ruling on one sub-district (街道): its staff, its people-services centre and the year's secondments of its
community workers, against the rules of the reform opinion 二、(三)(四) and the workforce opinion 五、(十一)."""
from __future__ import annotations

from .trace import Trace
from . import compliance
from .common import share


def rule_street(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f, day = case.facts, case.as_of
    facts = {k: v for k, v in f.items() if k != "secondments"}
    persons = ratio = None
    if "secondments" in f:
        secondments = f["secondments"]
        persons = len({s["worker"] for s in secondments})
        ratio = share(persons, f["community_workers"]) if persons else 0
        facts["secondment_persons"] = persons
        facts["secondment_share"] = ratio
        facts["secondment_months_max"] = max((s["months"] for s in secondments), default=0)
        facts["secondment_count_max"] = max((s["count"] for s in secondments), default=0)
    tr.add("secondment.persons", persons, "derived#secondment_persons",
           {"secondments": None if persons is None else len(f["secondments"])},
           ["workforce.5.11.secondment_share"], ["secondment_limits"])
    tr.add("secondment.share", ratio, "derived#secondment_share",
           {"secondment_persons": persons, "community_workers": f.get("community_workers")},
           ["workforce.5.11.secondment_share"], ["secondment_limits"])
    compliance.run(tr, repo, engine, case.id, "street", facts, day)
    return tr
