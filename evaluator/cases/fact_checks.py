"""Relations between a case's facts that the schema cannot state, per case kind: run when a case is loaded, before
any ruling (a kind's checks may normalise nested facts in place, e.g. a roster's workers get a worker case's
defaults). `FACT_CHECKS[kind](facts, doc, facts_path, case_id, schema_dir) -> [Problem]`."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .catalogue import case_schema
from ..load.problems import Problem
from .values import dec, minutes

DATE_FACTS = ("birth_date", "hire_date")


def defaults(schema_dir) -> dict:
    schema = case_schema(str(schema_dir))
    out = {}
    for kind in schema["$defs"]["case"]["properties"]["kind"]["enum"]:
        props = schema["$defs"][f"{kind}_facts"]["properties"]
        out[kind] = {k: p["default"] for k, p in props.items() if "default" in p}
    return out


def semantic_checks(item, facts, doc, cpath, name) -> list[Problem]:
    errs = []
    fpath = cpath + ("facts",)
    if "birth_date" in facts and "hire_date" in facts and facts["hire_date"] < facts["birth_date"]:
        errs.append(doc.problem(fpath + ("hire_date",), f"hire_date {facts['hire_date']} is before birth_date "
                                f"{facts['birth_date']}", "inconsistent", case=name))
    years = [a["year"] for a in facts["assessments"]] if "assessments" in facts else ()
    dupes = sorted({y for y in years if years.count(y) > 1}) if years else ()
    if dupes:
        errs.append(doc.problem(fpath + ("assessments",), f"more than one annual grade for year "
                                f"{', '.join(map(str, dupes))}", "inconsistent", case=name, key=True))
    if "pension_monthly" in facts and not facts.get("retired"):
        errs.append(doc.problem(fpath + ("pension_monthly",), "pension_monthly is given but retired is not true",
                                "inconsistent", case=name))
    return errs


def community(facts: dict, doc, fpath: tuple, name: str, schema_dir) -> list:
    """Relations between facts the schema cannot state."""
    errs = []
    if facts.get("resident_workers", 0) > facts.get("community_workers", 0):
        errs.append(doc.problem(fpath + ("resident_workers",), f"resident_workers ({facts['resident_workers']}) is "
                                f"more than community_workers ({facts['community_workers']})", "inconsistent",
                                case=name))
    if facts.get("station_staff_community_workers", 0) > facts.get("station_staff", 0):
        errs.append(doc.problem(fpath + ("station_staff_community_workers",), "station_staff_community_workers "
                                f"({facts['station_staff_community_workers']}) is more than station_staff "
                                f"({facts['station_staff']})", "inconsistent", case=name))
    if "evening_duty_from" in facts and minutes(facts["evening_duty_to"]) <= minutes(facts["evening_duty_from"]):
        errs.append(doc.problem(fpath + ("evening_duty_to",), f"evening_duty_to {facts['evening_duty_to']} is not "
                                f"after evening_duty_from {facts['evening_duty_from']}", "inconsistent", case=name))
    return errs


def street(facts: dict, doc, fpath: tuple, name: str, schema_dir) -> list:
    errs = []
    persons = {s["worker"] for s in facts.get("secondments", [])}
    if len(persons) > facts.get("community_workers", 0) and persons:
        errs.append(doc.problem(fpath + ("secondments",), f"{len(persons)} persons are seconded but the sub-district "
                                f"has {facts['community_workers']} community workers", "inconsistent", case=name))
    return errs


def assessment(facts: dict, doc, fpath: tuple, name: str, schema_dir) -> list:
    errs = []
    weights = facts["weights"]
    total = sum((dec(w) for w in weights.values()), Decimal(0))
    if total != 1:
        errs.append(doc.problem(fpath + ("weights",), f"the weights add up to {total}, not 1", "inconsistent",
                                case=name))
    scores = facts.get("scores")
    if scores is not None:
        for a in scores:
            if a not in weights:
                errs.append(doc.problem(fpath + ("scores", a), f"'{a}' has a score but no weight", "inconsistent",
                                        case=name, key=True))
        missing = [a for a, w in weights.items() if w and a not in scores]
        if missing:
            errs.append(doc.problem(fpath + ("scores",), f"no score given for {', '.join(missing)}, which "
                                    "carry weight", "inconsistent", case=name))
    return errs


def funding(facts: dict, doc, fpath: tuple, name: str, schema_dir) -> list:
    if dec(facts["region_part"]) > dec(facts["pay_cost"]):
        return [doc.problem(fpath + ("region_part",), f"region_part ({facts['region_part']}) is more than pay_cost "
                            f"({facts['pay_cost']})", "inconsistent", case=name)]
    return []


def roster(facts: dict, doc, fpath: tuple, name: str, schema_dir) -> list:
    """Each worker's facts get the defaults and checks of a worker case (the facts are normalised in place)."""
    errs = []
    worker_defaults = defaults(schema_dir)["worker"]
    seen = {}
    facts["workers"] = [dict(e) for e in facts["workers"]]
    for i, entry in enumerate(facts["workers"]):
        epath = fpath + ("workers", i)
        if entry["id"] in seen:
            errs.append(doc.problem(epath + ("id",), f"worker id '{entry['id']}' is used twice (first at line "
                                    f"{seen[entry['id']]})", "duplicate_id", case=name))
        seen.setdefault(entry["id"], doc.position(epath)[0])
        wf = dict(worker_defaults)
        wf.update(entry["facts"])
        for key in DATE_FACTS:
            if key in wf:
                wf[key] = dt.date.fromisoformat(wf[key])
        entry["education_given"] = "education" in entry["facts"]  # else the finer level sets it
        errs += semantic_checks({}, wf, doc, epath, name)
        entry["facts"] = wf
    return errs


FACT_CHECKS = {"community": community, "street": street, "assessment": assessment, "funding": funding,
               "roster": roster}
