"""The ruling on a community's roster: each worker's own ruling (evaluator/kinds/worker.py), the roster's shares
against the 2025 targets of 一、目标任务, and the residents' share against the two-fifths rule of 四、(六)."""
from __future__ import annotations

from ..cases.files import Case
from .errors import RulingError
from .trace import Trace
from . import compliance
from .common import in_force, interpretations_of, part_ref, share
from .worker import rule_worker

TARGETS = "workforce.targets_2025"


def _worker_case(case, entry: dict, i: int, levels: dict):
    """The worker case of a roster entry, its pay code of education taken from the finer level."""
    facts = dict(entry["facts"])
    want = levels[entry["education_level"]]["worker_education"]
    if entry["education_given"] and facts["education"] != want:
        raise RulingError(f"worker '{entry['id']}' (workers[{i}]): facts.education '{facts['education']}' does not "
                          f"agree with education_level '{entry['education_level']}', which policy {TARGETS} maps "
                          f"to '{want}'")
    facts["education"] = want
    return Case(f"{case.id}/{entry['id']}", "worker", case.as_of, facts, entry["facts"], None, case.doc,
                case.json_path + ("facts", "workers", i, "facts"))


def target_met(value, target: dict) -> bool | None:
    """Whether a share (an exact Decimal, or None when there is no one to count) reaches a 2025 target."""
    return None if value is None else value >= target["min_share"]


def rule_roster(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f, day = case.facts, case.as_of
    workers = f["workers"]
    tv = in_force(tr, repo, TARGETS, day)
    td = tv.data["data"]
    levels = {lv["code"]: lv for lv in td["education"]["levels"]}
    missing = sorted({w["education_level"] for w in workers} - set(levels))
    if missing:
        raise RulingError(f"policy {TARGETS} has no education level {', '.join(missing)}")
    per_worker = []
    for i, entry in enumerate(workers):
        wtr = rule_worker(_worker_case(case, entry, i, levels), repo, engine, trace)
        per_worker.append({"id": entry["id"], "results": wtr.results})
        tr.versions.update(wtr.versions)
        for e in wtr.entries:
            tr.entries.append({**e, "result": f"roster.workers.{entry['id']}.{e['result']}"})
        for n in wtr.notes:
            if not any(m["code"] == n["code"] for m in tr.notes):
                tr.notes.append(n)
    tr.add("roster.workers", per_worker, "kinds.worker#each", {"workers": len(workers)},
           ["workforce.2.1.definition"], [])

    n = len(workers)
    tr.add("roster.size", n, "derived#size", {}, ["workforce.2.1.definition"], [])
    tr.add("targets.year", td["year"], part_ref(tv, "year"), {}, [td["year_source"]], interpretations_of(tv))

    counted = sum(1 for w in workers if levels[w["education_level"]]["counts"])
    edu = share(counted, n)
    tr.add("roster.education_share", edu, part_ref(tv, "education_share"),
           {"counted": counted, "workers": n,
            "levels_counted": [lv["zh"] for lv in td["education"]["levels"] if lv["counts"]]},
           [td["education"]["source"]], interpretations_of(tv))
    certified = sum(1 for w in workers if w["facts"].get("certificate", "none") in td["certificate"]["counts"])
    cert = share(certified, n)
    tr.add("roster.certificate_share", cert, part_ref(tv, "certificate_share"), {"certified": certified, "workers": n},
           [td["certificate"]["source"]], interpretations_of(tv))
    satisfaction = f.get("satisfaction")
    tr.add("roster.satisfaction", satisfaction, "given#satisfaction", {}, [td["satisfaction"]["source"]], [])
    for name, value, target in (("education", edu, td["education"]), ("certificate", cert, td["certificate"]),
                                ("satisfaction", satisfaction, td["satisfaction"])):
        met = target_met(value, target)
        tr.add(f"targets.{name}_met", met, part_ref(tv, f"{name}_met"),
               {"share": value, "target": target["min_share"], "year": td["year"]}, [target["source"]],
               interpretations_of(tv))

    residents = sum(1 for w in workers if w["lives_in_community"])
    rshare = share(residents, n)
    tr.add("roster.residents_share", rshare, "derived#residents_share", {"residents": residents, "workers": n},
           ["workforce.4.6.residents_share"], ["residents_share_of_workforce"])
    # The two-fifths rule is a community rule: ask it with the roster's counts (only that rule has its facts).
    facts = {"community_workers": n, "resident_workers": residents, "residents_share": rshare}
    compliance.run(tr, repo, engine, case.id, "community", facts, day, report_unchecked=False)
    return tr
