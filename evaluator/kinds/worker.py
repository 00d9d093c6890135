"""The ruling on one community worker: pay, honours, certificate deadline and exit grounds.

Table lookups and arithmetic are plain code over the policy data in force on the case's date; the exit grounds are
condition rules from rules/ run by the rule engine. Every figure comes from YAML; every result is traced.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import derived
from .errors import RulingError
from .rulesets import apply_rulesets
from .common import in_force, interpretations_of, part_ref
from .trace import Trace

SALARY_TABLE = "workforce.salary_table"
ALLOWANCE = "workforce.performance_allowance"
RAISES = "workforce.salary_raises"
PROBATION = "workforce.probation_pay"
RETIREE = "workforce.retiree_top_up"
HONOURS = "workforce.long_service_honours"
CERTIFICATE = "workforce.certificate_deadline"


def salary_band(table, post: str, years: int):
    for row in table["levels"]:
        band = row["years"].get(post)
        if band and band["min"] <= years and ("max" not in band or years <= band["max"]):
            return row, band
    return None, None


def column_top(table, post: str) -> int:
    return max(row["level"] for row in table["levels"] if post in row["years"])


def level_row(table, level: int):
    return next(row for row in table["levels"] if row["level"] == level)


def rule_worker(case, repo, engine) -> Trace:
    tr = Trace(repo)
    f, day = case.facts, case.as_of

    def policy(pid):
        return in_force(tr, repo, pid, day)

    tv = policy(SALARY_TABLE)
    table = tv.data["data"]
    post, years = f["post"], f["years_of_service"]
    row, band = salary_band(table, post, years)
    if row is None:
        raise RulingError(f"the salary table has no band of years for post '{post}' covering {years} years")
    tr.add("salary.band_level", row["level"], part_ref(tv, "band_level"),
           {"post": post, "years_of_service": years, "band": band["text"]},
           [row["source"], next(p["source"] for p in table["posts"] if p["code"] == post)], interpretations_of(tv))

    pv = policy(PROBATION)
    probation = f["on_probation"]
    if probation:
        prow = table["probation"]
        pd = pv.data["data"]
        level, coefficient, base_pay = None, prow["coefficient"], prow["base_pay"]
        cites = [pd["source"], prow["source"]]
        inputs = {"on_probation": True}
        tr.add("salary.level", None, part_ref(pv, "level"), inputs, cites, interpretations_of(pv))
        tr.add("salary.coefficient", coefficient, part_ref(pv, "coefficient"), inputs, cites, interpretations_of(pv))
        tr.add("salary.base_pay", base_pay, part_ref(pv, "base_pay"), inputs, cites, interpretations_of(pv))
    else:
        rv = policy(RAISES)
        rd = rv.data["data"]
        edu = next(r for r in rd["education"] if r["code"] == f["education"])
        cert = next(r for r in rd["certificate"] if r["code"] == f["certificate"])
        raise_ = edu["levels"] + cert["levels"] if rd["combine"] == "sum" else max(edu["levels"], cert["levels"])
        top = column_top(table, post) if rd["cap"] == "post_column_top" else max(r["level"] for r in table["levels"])
        level = min(row["level"] + raise_, top)
        inputs = {"band_level": row["level"], "education": f["education"], "education_raise": edu["levels"],
                  "certificate": f["certificate"], "certificate_raise": cert["levels"], "combine": rd["combine"],
                  "cap": top, "capped": row["level"] + raise_ > top}
        cites = [rd["cap_source"]]
        if edu["levels"]:
            cites.insert(0, rd["education_source"])
        if cert["levels"]:
            cites.insert(0, rd["certificate_source"])
        tr.add("salary.level", level, part_ref(rv, "level"), inputs, cites + [row["source"]], interpretations_of(rv))
        lrow = level_row(table, level)
        coefficient, base_pay = lrow["coefficient"], lrow["base_pay"]
        tr.add("salary.coefficient", coefficient, part_ref(tv, "coefficient"), {"level": level}, [lrow["source"]],
               interpretations_of(tv))
        tr.add("salary.base_pay", base_pay, part_ref(tv, "base_pay"), {"level": level},
               [lrow["source"], table["benchmark_source"]], interpretations_of(tv))

    if "party_org_stars" in f:
        av = policy(ALLOWANCE)
        ad = av.data["data"]
        stars = f["party_org_stars"]
        star_row = next((r for r in ad["rows"] if r["stars"] == stars), None)
        if star_row is None:
            raise RulingError(f"the performance allowance table has no row for {stars} stars")
        if probation:
            amount = pv.data["data"]["performance_allowance"]
            tr.add("salary.performance_allowance", amount, part_ref(pv, "performance_allowance"),
                   {"on_probation": True, "party_org_stars": stars}, [pv.data["data"]["source"]], interpretations_of(pv))
        else:
            amount = star_row["amount"]
            tr.add("salary.performance_allowance", amount, part_ref(av, "performance_allowance"),
                   {"party_org_stars": stars, "label": star_row["label"]}, [star_row["source"], ad["basis"]],
                   interpretations_of(av))
        for iid in interpretations_of(av):
            tr.note_interpretation(iid)

    if f["retired"]:
        yv = policy(RETIREE)
        yd = yv.data["data"]
        pension = f["pension_monthly"]
        top_up = max(Decimal(yd["minimum"]), Decimal(base_pay) - Decimal(str(pension)))
        top_up = int(top_up) if top_up == top_up.to_integral_value() else top_up
        tr.add("salary.retiree_top_up", top_up, part_ref(yv, "retiree_top_up"),
               {"base_pay": base_pay, "pension_monthly": pension, "minimum": yd["minimum"]}, [yd["source"]],
               interpretations_of(yv))

    hv = policy(HONOURS)
    hd = hv.data["data"]
    award = next((a for a in sorted(hd["awards"], key=lambda a: -a["min_years"]) if years >= a["min_years"]), None)
    tr.add("honor.award", award["amount"] if award else hd["otherwise"], part_ref(hv, "award"),
           {"years_of_service": years, **({"threshold": award["min_years"]} if award else {})},
           [award["source"] if award else hd["otherwise_source"]], interpretations_of(hv))

    cv = policy(CERTIFICATE)
    due, cert_inputs = _certificate_due(f, cv.data["data"])
    tr.add("certificate.due_date", due.isoformat() if due else None, part_ref(cv, "due_date"), cert_inputs,
           [cv.data["data"]["source"]], interpretations_of(cv))

    facts = dict(f)
    facts["unqualified_streak"] = derived.unqualified_streak(f.get("assessments", []), day)
    facts["certificate_held"] = f["certificate"] != "none"
    if due is not None:
        facts["certificate_days_overdue"] = (day - due).days
    apply_rulesets(tr, repo, engine, "worker", case.id, facts, day)
    return tr


def _certificate_due(f: dict, cd: dict):
    birth, hire = f.get("birth_date"), f.get("hire_date")
    if birth is None or hire is None:
        return None, {"birth_date": None if birth is None else birth.isoformat(),
                      "hire_date": None if hire is None else hire.isoformat(), "subject": None}
    start = max(hire, dt.date.fromisoformat(cd["scheme_start"]))
    age = derived.age_on(birth, start)
    subject = age <= cd["max_age"]
    due = derived.add_years(start, cd["years_allowed"]) if subject else None
    return due, {"birth_date": birth.isoformat(), "hire_date": hire.isoformat(), "start": start.isoformat(),
                 "age_at_start": age, "max_age": cd["max_age"], "years_allowed": cd["years_allowed"],
                 "subject": subject}
