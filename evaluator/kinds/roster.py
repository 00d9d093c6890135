"""The ruling on a community's roster: each worker's own ruling (evaluator/kinds/worker.py), the roster's shares
against the 2025 targets of 一、目标任务, and the residents' share against the two-fifths rule of 四、(六)."""
from __future__ import annotations

import datetime as dt

from ..errors import RulingError
from ..trace import Trace
from . import compliance
from .common import in_force, share
from .worker import _interp, _ref, rule_worker

TARGETS = "workforce.targets_2025"


def _worker_case(case, entry: dict, i: int, levels: dict):
    """The worker case of a roster entry, its pay code of education taken from the finer level."""
    from ..cases import Case  # here: evaluator.cases imports the kinds package

    facts = dict(entry["facts"])
    want = levels[entry["education_level"]]["worker_education"]
    if entry["education_given"] and facts["education"] != want:
        raise RulingError(f"worker '{entry['id']}' (workers[{i}]): facts.education '{facts['education']}' does not "
                          f"agree with education_level '{entry['education_level']}', which policy {TARGETS} maps "
                          f"to '{want}'")
    facts["education"] = want
    return Case(f"{case.id}/{entry['id']}", "worker", case.as_of, facts, entry["facts"], None, case.doc,
                case.json_path + ("facts", "workers", i, "facts"))


def rule_roster(case, repo, engine) -> Trace:
    tr = Trace(repo)
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
        wtr = rule_worker(_worker_case(case, entry, i, levels), repo, engine)
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
    tr.add("targets.year", td["year"], _ref(tv, "year"), {}, [td["year_source"]], _interp(tv))

    counted = sum(1 for w in workers if levels[w["education_level"]]["counts"])
    edu = share(counted, n)
    tr.add("roster.education_share", edu, _ref(tv, "education_share"),
           {"counted": counted, "workers": n,
            "levels_counted": [lv["zh"] for lv in td["education"]["levels"] if lv["counts"]]},
           [td["education"]["source"]], _interp(tv))
    certified = sum(1 for w in workers if w["facts"].get("certificate", "none") in td["certificate"]["counts"])
    cert = share(certified, n)
    tr.add("roster.certificate_share", cert, _ref(tv, "certificate_share"), {"certified": certified, "workers": n},
           [td["certificate"]["source"]], _interp(tv))
    satisfaction = f.get("satisfaction")
    tr.add("roster.satisfaction", satisfaction, "given#satisfaction", {}, [td["satisfaction"]["source"]], [])
    for name, value, target in (("education", edu, td["education"]), ("certificate", cert, td["certificate"]),
                                ("satisfaction", satisfaction, td["satisfaction"])):
        met = None if value is None else value >= target["min_share"]
        tr.add(f"targets.{name}_met", met, _ref(tv, f"{name}_met"),
               {"share": value, "target": target["min_share"], "year": td["year"]}, [target["source"]],
               _interp(tv))

    residents = sum(1 for w in workers if w["lives_in_community"])
    rshare = share(residents, n)
    tr.add("roster.residents_share", rshare, "derived#residents_share", {"residents": residents, "workers": n},
           ["workforce.4.6.residents_share"], ["residents_share_of_workforce"])
    # The two-fifths rule is a community rule: ask it with the roster's counts (only that rule has its facts).
    facts = {"community_workers": n, "resident_workers": residents, "residents_share": rshare}
    compliance.run(tr, repo, engine, case.id, "community", facts, day, report_unchecked=False)
    return tr


def check_facts(facts: dict, doc, fpath: tuple, name: str, schema_dir) -> list:
    """Each worker's facts get the defaults and checks of a worker case (the facts are normalised in place)."""
    from ..cases import DATE_FACTS, _defaults, _semantic_checks  # here: evaluator.cases imports the kinds package

    errs = []
    defaults = _defaults(schema_dir)["worker"]
    seen = {}
    facts["workers"] = [dict(e) for e in facts["workers"]]
    for i, entry in enumerate(facts["workers"]):
        epath = fpath + ("workers", i)
        if entry["id"] in seen:
            errs.append(doc.problem(epath + ("id",), f"worker id '{entry['id']}' is used twice (first at line "
                                    f"{seen[entry['id']]})", "duplicate_id", case=name))
        seen.setdefault(entry["id"], doc.position(epath)[0])
        wf = dict(defaults)
        wf.update(entry["facts"])
        for key in DATE_FACTS:
            if key in wf:
                wf[key] = dt.date.fromisoformat(wf[key])
        entry["education_given"] = "education" in entry["facts"]  # else the finer level sets it
        errs += _semantic_checks({}, wf, doc, epath, name)
        entry["facts"] = wf
    return errs
