"""The ruling on one community worker: pay, honours, certificate deadline and exit grounds.

Table lookups and arithmetic are plain code over the policy data in force on the case's date; the exit grounds are
condition rules from rules/ run by the rule engine. Every figure comes from YAML; every result is traced.
"""
from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal

from . import common, derived, district, memo
from .errors import RulingError, UnusableFact
from .rulesets import apply_rulesets
from .common import int_if_whole
from .trace import Trace, quoted, template

SALARY_TABLE = "workforce.salary_table"
ALLOWANCE = "workforce.performance_allowance"
RAISES = "workforce.salary_raises"
PROBATION = "workforce.probation_pay"
RETIREE = "workforce.retiree_top_up"
HONOURS = "workforce.long_service_honours"
CERTIFICATE = "workforce.certificate_deadline"


# The worker's steps, one function each: THE place to change how a worker is ruled. The per-case ruling below calls
# them on one worker's facts and traces what they give; the vectorised evaluator (batch/compile.py) tabulates the
# same functions over every value the facts may take (the case schema's enums and bounds), so a step over the
# posts, years, education, certificates, probation or stars is changed here and both paths follow (a new fact a
# step reads becomes one more axis of its table in batch/compile.py). Steps over unbounded values (the retiree
# top-up from a pension, the certificate and probation clocks from dates, the unqualified streak) are composed
# again as array code in batch/run.py; tests/test_batch_differential.py holds those equal row by row.

def salary_band(table, post: str, years: int):
    """The salary table's row whose band of years for `post` covers `years`, and the band; (None, None) if none."""
    for row in table["levels"]:
        band = row["years"].get(post)
        if band and band["min"] <= years and ("max" not in band or years <= band["max"]):
            return row, band
    return None, None


def band_cites(table, row, post: str) -> list:
    """The clauses behind a band: the level's row and the post's column."""
    return [row["source"], next((p["source"] for p in table["posts"] if p["code"] == post), None)]


def column_top(table, post: str) -> int:
    """The highest level of a post's column (0 when the table has no column for the post)."""
    return max([row["level"] for row in table["levels"] if post in row["years"]], default=0)


def table_top(table) -> int:
    """The table's top level."""
    return max(map(LEVEL, table["levels"]))


LEVEL = operator.itemgetter("level")


def level_row(table, level: int):
    return next(row for row in table["levels"] if row["level"] == level)


def raise_levels(rd: dict, group: str, code: str) -> int:
    """The levels the raises policy adds for an education (group "education") or certificate ("certificate")."""
    for r in rd[group]:
        if r["code"] == code:
            return r["levels"]
    raise RulingError(f"the raises policy has no {group} '{code}'")


def combined_raise(rd: dict, education_levels: int, certificate_levels: int) -> int:
    """The two raises combined as the policy says: added up, or the larger one."""
    if rd["combine"] == "sum":
        return education_levels + certificate_levels
    return most(education_levels, certificate_levels)


def level_cap(table, rd: dict, post: str) -> int:
    """The level a raise may not pass: the top of the post's column, or the table's top level."""
    if rd["cap"] == "post_column_top":
        return column_top(table, post)
    return table_top(table)


def capped_level(band_level: int, raise_: int, cap: int) -> tuple[int, bool]:
    """The band's level raised, but not past the cap: (the level, whether the cap bound)."""
    return least(band_level + raise_, cap), band_level + raise_ > cap


# The level steps (combined_raise, capped_level, raised_level) take levels as numbers, or as numpy arrays that
# batch/compile.py gives them to tabulate a step over every band and raise in one call: the smaller and the larger of
# two levels are written as arithmetic both understand (min and max of numbers, element by element for arrays).
def least(a, b):
    """The smaller of two levels: min(a, b) for numbers."""
    return a - (a - b) * (a > b)


def most(a, b):
    """The larger of two levels: max(a, b) for numbers."""
    return a + (b - a) * (b > a)


def raised_level(table, rd: dict, post: str, band_level: int, education_levels: int,
                 certificate_levels: int) -> tuple[int, bool]:
    """The band's level with the raises, each held by the cap if the policy lists it in `capped_raises` and
    otherwise by the table's top level: (the level, whether a cap took something off). Both capped: the cap holds
    the sum; education only: the education raise is capped and the certificate raise added after it."""
    top, highest = level_cap(table, rd, post), table_top(table)
    edu_top = top if "education" in rd["capped_raises"] else highest
    cert_top = top if "certificate" in rd["capped_raises"] else highest
    if rd["combine"] == "sum":
        level, _ = capped_level(band_level, education_levels, edu_top)
        level = most(level, capped_level(level, certificate_levels, cert_top)[0])
    else:
        level = most(capped_level(band_level, education_levels, edu_top)[0],
                     capped_level(band_level, certificate_levels, cert_top)[0])
    level = least(level, highest)
    return level, level < band_level + combined_raise(rd, education_levels, certificate_levels)


def probation_status(pd: dict, post: str, hire, day: dt.date, stated) -> tuple[bool, dict]:
    """Whether the worker is on probation on `day`, and the facts it rests on. Only the posts the policy lists have
    a probation, of `months` from the hire date: derived when the hire date is given (a contradicting on_probation is
    refused), else taken from on_probation (absent: no probation)."""
    if post not in pd["posts"]:
        if stated:
            raise UnusableFact("on_probation", probation_post_message(pd, post), "inconsistent")
        return False, {}
    if hire is None:
        return bool(stated), {"on_probation": bool(stated)}
    end = derived.add_months(hire, pd["months"])
    derived_ = hire <= day < end
    if stated is not None and stated != derived_:
        raise UnusableFact("on_probation", probation_contradiction_message(pd, stated), "inconsistent")
    return derived_, {"hire_date": hire.isoformat(), "months": pd["months"], "probation_ends": end.isoformat(),
                      "on_probation": derived_}


def probation_post_message(pd: dict, post: str) -> str:
    return (f"on_probation is true, but the text gives no probation to post '{post}' (五、(九): only "
            f"{', '.join(pd['posts'])}; interpretation probation_only_for_grid_workers)")


def probation_contradiction_message(pd: dict, stated: bool) -> str:
    return (f"on_probation is {str(stated).lower()}, but hire_date gives the opposite: the probation is "
            f"{pd['months']} months from the hire date (五、(九)); leave on_probation out or correct it")


def raise_cites(rd: dict, education_levels: int, certificate_levels: int) -> list:
    """The clauses behind a raised level: those of the raises that apply, and the cap's."""
    cites = [rd["cap_source"]]
    if education_levels:
        cites.insert(0, rd["education_source"])
    if certificate_levels:
        cites.insert(0, rd["certificate_source"])
    return cites


def level_cites(rd: dict, education_levels: int, certificate_levels: int, band_row) -> list:
    """The clauses behind the salary level: the raises', the cap's and the band's row."""
    return raise_cites(rd, education_levels, certificate_levels) + [band_row["source"]]


def coefficient_cites(table, lrow) -> list:
    return [lrow["source"]]


def base_pay_cites(table, lrow) -> list:
    return [lrow["source"], table["benchmark_source"]]


def probation_cites(table, pd: dict) -> list:
    """The clauses behind probation's level, coefficient and base pay."""
    return [pd["source"], table["probation"]["source"]]


def probation_allowance_cites(pd: dict) -> list:
    return [pd["source"]]


def star_row(ad: dict, stars: int):
    """The performance allowance's row for a party organisation's stars."""
    row = next((r for r in ad["rows"] if r["stars"] == stars), None)
    if row is None:
        raise RulingError(f"the performance allowance table has no row for {stars} stars")
    return row


def allowance_cites(ad: dict, row) -> list:
    return [row["source"], ad["basis"]]


def award(hd: dict, years: int):
    """(amount, clauses, the threshold reached or None) of the long-service honours for `years` of service."""
    a = next((a for a in sorted(hd["awards"], key=lambda a: -a["min_years"]) if years >= a["min_years"]), None)
    if a is None:
        return hd["otherwise"], [hd["otherwise_source"]], None
    return a["amount"], [a["source"]], a["min_years"]


def rule_worker(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f, day = case.facts, case.as_of
    on = common.on(repo, day)  # the versions in force on the day, looked up once for every case of the day
    use, head = on.use, on.head

    # Each step over a few facts is remembered with its trace entries made (memo.steps, trace.template); each
    # ruling copies them (Trace.put_all). Steps over dates and amounts are traced as they are computed (put). A
    # step is looked up here directly (this runs for every case): its key is the step, its inputs and their types
    # (memo.typed written out) and the ids of the versions it reads, and a hit holds those very versions first.
    # Every function each step reaches is named here, so that a step changed at run time is not answered from
    # memory.
    remembered = memo.steps((_band, salary_band, band_cites, _level, _raised, raise_levels, raised_level, level_cap,
                             capped_level, combined_raise, column_top, table_top, level_row, level_cites, raise_cites,
                             coefficient_cites, base_pay_cites, _star, star_row, allowance_cites, _award, award, least,
                             most, _undated, _certificate, _certificate_due))
    tv = use(tr, SALARY_TABLE)
    table = tv.data["data"]
    post, years = f["post"], f["years_of_service"]
    k = (_band, post, years, type(post), type(years), id(tv))
    hit = remembered.get(k)
    if hit is None or hit[0] is not tv:
        hit = memo.keep(remembered, k, (tv,), _band, repo, on, tv, table, post, years)
    elif hit[-1]:  # what its reading recorded (the watched twin's data, ruling/reading_reach.py): recorded again
        memo.replay(hit[-1])
    band = hit[1]
    if band is None:
        raise RulingError(f"the salary table has no band of years for post '{post}' covering {years} years")
    row, band_entry = band
    tr.put_all(band_entry)

    pv = use(tr, PROBATION)
    probation, prob_inputs = probation_status(pv.data["data"], post, f.get("hire_date"), day, f.get("on_probation"))
    if probation:
        prow = table["probation"]
        coefficient, base_pay = prow["coefficient"], prow["base_pay"]
        quotes = quoted(repo, probation_cites(table, pv.data["data"]))
        for result, value, part in (("salary.level", None, "level"), ("salary.coefficient", coefficient, "coefficient"),
                                    ("salary.base_pay", base_pay, "base_pay")):
            tr.put(result, value, head(pv, part), prob_inputs, quotes)
    else:
        rv = use(tr, RAISES)
        education, certificate = f["education"], f["certificate"]
        level = row["level"]
        k = (_level, post, level, education, certificate, type(post), type(level), type(education),
             type(certificate), id(tv), id(rv))
        hit = remembered.get(k)
        if hit is None or hit[0] is not tv or hit[1] is not rv:
            hit = memo.keep(remembered, k, (tv, rv), _level, repo, on, tv, rv, table, rv.data["data"], post, row,
                            education, certificate)
        elif hit[-1]:
            memo.replay(hit[-1])
        base_pay, level_entries = hit[2]
        tr.put_all(level_entries)

    if "party_org_stars" in f:
        av = use(tr, ALLOWANCE)
        ad = av.data["data"]
        stars = f["party_org_stars"]
        k = (_star, stars, type(stars), id(av))
        hit = remembered.get(k)
        if hit is None or hit[0] is not av:
            hit = memo.keep(remembered, k, (av,), _star, repo, on, av, ad, stars)
        elif hit[-1]:
            memo.replay(hit[-1])
        amount, star_entry = hit[1]
        if probation:
            pd = pv.data["data"]
            amount = pd["performance_allowance"]
            tr.put("salary.performance_allowance", amount, head(pv, "performance_allowance"),
                   {**prob_inputs, "party_org_stars": stars}, quoted(repo, probation_allowance_cites(pd)))
        else:
            tr.put_all(star_entry)
        for iid in head(av, "performance_allowance")[1]:
            tr.note_interpretation(iid)
        if "area" in f:
            district.rule_performance_spread(tr, repo, f, day, amount)

    if f["retired"]:
        yv = use(tr, RETIREE)
        yd = yv.data["data"]
        pension = f["pension_monthly"]
        top_up = max(Decimal(yd["minimum"]), Decimal(base_pay) - Decimal(str(pension)))
        top_up = int_if_whole(top_up)
        tr.put("salary.retiree_top_up", top_up, head(yv, "retiree_top_up"),
               {"base_pay": base_pay, "pension_monthly": pension, "minimum": yd["minimum"]},
               quoted(repo, (yd["source"],)))

    hv = use(tr, HONOURS)
    k = (_award, years, type(years), id(hv))
    hit = remembered.get(k)
    if hit is None or hit[0] is not hv:
        hit = memo.keep(remembered, k, (hv,), _award, repo, on, hv, hv.data["data"], years)
    elif hit[-1]:
        memo.replay(hit[-1])
    tr.put_all(hit[1])

    cv = use(tr, CERTIFICATE)
    cd, due = cv.data["data"], None
    if "birth_date" in f or "hire_date" in f:
        due, cert_inputs = _certificate_due(f, cd)
        tr.put(*_certificate(repo, on, cv, cd, due, cert_inputs))
    else:  # neither date: no due date, and the same entry for every such worker
        k = (_undated, id(cv))
        hit = remembered.get(k)
        if hit is None or hit[0] is not cv:
            hit = memo.keep(remembered, k, (cv,), _undated, repo, on, cv, cd, f)
        elif hit[-1]:
            memo.replay(hit[-1])
        tr.put_all(hit[1])

    facts = dict(f)
    facts["unqualified_streak"] = derived.unqualified_streak(f.get("assessments", []), day)
    facts["certificate_held"] = f["certificate"] != "none"
    if due is not None:
        facts["certificate_days_overdue"] = (day - due).days
    apply_rulesets(tr, repo, engine, "worker", case.id, facts, day, on)
    return tr


def _band(repo, on, tv, table, post: str, years: int):
    """The band's step for one worker: (the band's row, its trace entry), or None (no band)."""
    row, band = salary_band(table, post, years)
    if row is None:
        return None
    return row, (template(repo, "salary.band_level", row["level"], on.head(tv, "band_level"),
                          {"post": post, "years_of_service": years, "band": band["text"]},
                          band_cites(table, row, post)),)


def _level(repo, on, tv, rv, table, rd: dict, post: str, band_row, education: str, certificate: str) -> tuple:
    """The level's step for one worker not on probation: (base pay, the entries of level, coefficient and base
    pay). Every function of this module it reaches is named where it is remembered (rule_worker's memo.steps)."""
    el, cl, top, level, capped, lrow = _raised(table, rd, post, band_row["level"], education, certificate)
    return lrow["base_pay"], (
        template(repo, "salary.level", level, on.head(rv, "level"),
                 {"band_level": band_row["level"], "education": education, "education_raise": el,
                  "certificate": certificate, "certificate_raise": cl, "combine": rd["combine"], "cap": top,
                  "capped_raises": list(rd["capped_raises"]), "capped": capped},
                 level_cites(rd, el, cl, band_row)),
        template(repo, "salary.coefficient", lrow["coefficient"], on.head(tv, "coefficient"), {"level": level},
                 coefficient_cites(table, lrow)),
        template(repo, "salary.base_pay", lrow["base_pay"], on.head(tv, "base_pay"), {"level": level},
                 base_pay_cites(table, lrow)))


def _raised(table, rd: dict, post: str, band_level: int, education: str, certificate: str) -> tuple:
    """The raises' steps for one worker: (education raise, certificate raise, cap, level, capped, level row)."""
    el = raise_levels(rd, "education", education)
    cl = raise_levels(rd, "certificate", certificate)
    level, capped = raised_level(table, rd, post, band_level, el, cl)
    return el, cl, level_cap(table, rd, post), level, capped, level_row(table, level)


def _star(repo, on, av, ad: dict, stars: int) -> tuple:
    """The allowance's step for a party organisation's stars: (amount, its trace entry)."""
    srow = star_row(ad, stars)
    return srow["amount"], (template(repo, "salary.performance_allowance", srow["amount"],
                                     on.head(av, "performance_allowance"),
                                     {"party_org_stars": stars, "label": srow["label"]}, allowance_cites(ad, srow)),)


def _award(repo, on, hv, hd: dict, years: int) -> tuple:
    """The long-service honours' step: its trace entry."""
    amount, cites, threshold = award(hd, years)
    return (template(repo, "honor.award", amount, on.head(hv, "award"),
                     {"years_of_service": years, "threshold": threshold} if threshold is not None else
                     {"years_of_service": years}, cites),)


def _certificate(repo, on, cv, cd: dict, due, inputs: dict) -> tuple:
    """The certificate's trace entry (what Trace.put is given) for its due date or None and the inputs it rests on."""
    return ("certificate.due_date", due.isoformat() if due else None, on.head(cv, "due_date"), inputs,
            quoted(repo, (cd["source"],)))


def _undated(repo, on, cv, cd: dict, f: dict) -> tuple:
    """The certificate's step for a worker whose case gives neither date: its trace entry, made once."""
    result, value, head, inputs, _ = _certificate(repo, on, cv, cd, *_certificate_due(f, cd))
    return (template(repo, result, value, head, inputs, (cd["source"],)),)


def _certificate_due(f: dict, cd: dict):
    birth, hire = f.get("birth_date"), f.get("hire_date")
    if birth is None or hire is None:
        return None, {"birth_date": None if birth is None else birth.isoformat(),
                      "hire_date": None if hire is None else hire.isoformat(), "subject": None}
    scheme_start = dt.date.fromisoformat(cd["scheme_start"])
    start = max(hire, scheme_start)
    age = derived.age_on(birth, start)
    new_hire = hire >= scheme_start
    subject = age <= cd["max_age"] or (new_hire and cd["new_hires_regardless_of_age"])
    due = derived.add_years(start, cd["years_allowed"]) if subject else None
    return due, {"birth_date": birth.isoformat(), "hire_date": hire.isoformat(), "start": start.isoformat(),
                 "age_at_start": age, "max_age": cd["max_age"], "new_hire": new_hire,
                 "new_hires_regardless_of_age": cd["new_hires_regardless_of_age"],
                 "years_allowed": cd["years_allowed"], "subject": subject}
