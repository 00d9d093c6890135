"""The impact of a change: which cases change ruling and how, and over a roster, whose level and pay change and
the monthly cost difference per county-level area.

Both states rule on the same date, so a difference comes from the policy alone: each case on its own date, or on
the date the change takes effect when that is later (a reform from 2027 changes nothing on a 2024 case's date);
a roster on one date (--as-of, else the date the change takes effect, else today).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .. import api
from ..cases import files as cases, roster_csv as roster
from ..kinds.common import int_if_whole
from . import policy_diff
from ..kinds import district
from ..kinds.funding import area_codes
from ..repo import supplements
from ..load.problems import PolicyInputError

MONTHLY_PAY = ("salary.retiree_top_up", "salary.base_pay")  # result names: the first present is the month's pay
SPREAD = district.SPREAD_RESULT  # the district layer's performance pay, paid once a year: costed beside the month


def _num(v) -> Decimal:
    return Decimal(str(v)) if v is not None else Decimal(0)


def _rulings(repo, path, display, engine, day: dt.date | None, fixed: bool):
    try:
        cf = cases.load(path, repo.schema_dir, as_of_override=day if fixed else None, display_path=display)
    except PolicyInputError as exc:
        return None, exc.problems
    if day is not None and not fixed:
        for c in cf.cases:
            c.as_of = max(c.as_of, day)
    out = api.evaluate_cases(repo, cf, engine, api.FileOutcome(display))
    return {r["id"]: r for r in out.rulings if "id" in r}, []


def cases_impact(old_repo, new_repo, case_files: list, engine, day: dt.date | None, fixed: bool = False) -> dict:
    """case_files: [(display path, path)]. Returns {"evaluated": n, "changed": [...]} with each changed case's
    results before and after (or the reason one side could not rule)."""
    changed, evaluated = [], 0
    for display, path in case_files:
        a, _ = _rulings(old_repo, path, display, engine, day, fixed)
        b, _ = _rulings(new_repo, path, display, engine, day, fixed)
        if a is None or b is None:
            continue
        for cid in a:
            ra, rb = a[cid], b.get(cid, {"errors": []})
            if "results" not in ra and "results" not in rb:
                continue
            evaluated += 1
            entry = {"file": display, "id": cid, "as_of": (ra.get("as_of") or rb.get("as_of"))}
            if "results" not in ra or "results" not in rb:
                entry["before"] = ra.get("results") or {"errors": [e["message"] for e in ra["errors"]]}
                entry["after"] = rb.get("results") or {"errors": [e["message"] for e in rb["errors"]]}
                changed.append(entry)
                continue
            diffs = []
            for k in list(ra["results"]) + [k for k in rb["results"] if k not in ra["results"]]:
                x, y = ra["results"].get(k), rb["results"].get(k)
                if isinstance(x, (dict, list)) and isinstance(y, (dict, list)):
                    # A structured result (e.g. a roster's workers): name the leaves that differ.
                    diffs += [{"result": k + ("" if p.startswith("[") else ".") + p, "before": old, "after": new}
                              for p, _, old, new in policy_diff.deep(x, y)]
                elif x != y:
                    diffs.append({"result": k, "before": x, "after": y})
            if diffs:
                entry["results"] = diffs
                changed.append(entry)
    return {"evaluated": evaluated, "changed": changed}


def roster_impact(old_repo, new_repo, path, display: str, day: dt.date, engine) -> dict:
    before_roster = roster.load(path, old_repo.schema_dir, day, display, area_codes(old_repo, day))
    after_roster = roster.load(path, new_repo.schema_dir, day, display, area_codes(new_repo, day))
    from ..batch import rulings  # numpy: imported when a roster is ruled, not by every `policy` command

    a = rulings.rule_roster(old_repo, before_roster)
    b = rulings.rule_roster(new_repo, after_roster)
    areas: dict = {}
    workers, rejected = [], [p.as_json() for p in before_roster.problems]
    for wid, ra in a.items():
        rb = b.get(wid, {"errors": []})
        if "results" not in ra or "results" not in rb:
            if "results" in ra or "results" in rb:
                bad = ra if "errors" in ra else rb
                rejected.append({"case": wid, "message": "; ".join(e["message"] for e in bad["errors"]),
                                 "state": "before" if bad is ra else "after"})
            continue
        x, y = ra["results"], rb["results"]
        area = before_roster.areas.get(wid, "")
        s = areas.setdefault(area, {"area": area, "workers": 0, "level_changed": 0, "base_pay_changed": 0,
                                    "monthly_cost_before": Decimal(0), "monthly_cost_after": Decimal(0),
                                    "yearly_spread_before": Decimal(0), "yearly_spread_after": Decimal(0),
                                    "spread_not_checked_before": 0, "spread_not_checked_after": 0})
        for side, r in (("before", x), ("after", y)):
            s[f"yearly_spread_{side}"] += _num(r.get(SPREAD))
            s[f"spread_not_checked_{side}"] += SPREAD in r and r[SPREAD] is None
        cost_a, cost_b = _num(monthly_pay(x)), _num(monthly_pay(y))
        s["workers"] += 1
        s["monthly_cost_before"] += cost_a
        s["monthly_cost_after"] += cost_b
        level_changed = x.get("salary.level") != y.get("salary.level")
        pay_changed = x.get("salary.base_pay") != y.get("salary.base_pay")
        s["level_changed"] += level_changed
        s["base_pay_changed"] += pay_changed
        if level_changed or pay_changed or cost_a != cost_b or x.get(SPREAD) != y.get(SPREAD):
            workers.append({"id": wid, "area": area,
                            "level": [x.get("salary.level"), y.get("salary.level")],
                            "base_pay": [x.get("salary.base_pay"), y.get("salary.base_pay")],
                            "monthly_cost": [int_if_whole(cost_a), int_if_whole(cost_b)],
                            "yearly_spread": [x.get(SPREAD), y.get(SPREAD)]})
    rows = []
    for area in sorted(areas):
        s = areas[area]
        s["difference"] = s["monthly_cost_after"] - s["monthly_cost_before"]
        s["yearly_spread_difference"] = s["yearly_spread_after"] - s["yearly_spread_before"]
        s.update(area_layer(old_repo, new_repo, area, day))
        rows.append({k: int_if_whole(v) if isinstance(v, Decimal) else v for k, v in s.items()})
    total = {k: sum(r[k] for r in rows) for k in ("workers", "level_changed", "base_pay_changed",
                                                  "spread_not_checked_before", "spread_not_checked_after")}
    for k in ("monthly_cost_before", "monthly_cost_after", "difference", "yearly_spread_before",
              "yearly_spread_after", "yearly_spread_difference"):
        total[k] = int_if_whole(sum((Decimal(str(r[k])) for r in rows), Decimal(0)))
    # rows in = ruled + rejected: a row is rejected when it cannot be read or ruled in either state
    rejected_rows = len({r["line"] for r in rejected if r.get("line")}
                        | {("after", r["case"]) for r in rejected if not r.get("line")})
    return {"roster": display, "as_of": day.isoformat(), "monthly_pay": list(MONTHLY_PAY),
            "rows": before_roster.rows, "ruled": total["workers"], "rejected_rows": rejected_rows,
            "areas": rows, "total": total, "workers": workers, "rejected": rejected}


def area_layer(old_repo, new_repo, area: str, day: dt.date) -> dict:
    """The area's names (Chinese, English) and, in each state, the supplement that spreads its performance pay on
    the day (marked when it is the made-up example) or, when none is in force, the body that must decide."""
    out: dict = {}
    if area in supplements.AREAS:
        out["name"] = dict(zip(("zh", "en"), supplements.AREAS[area]))
    for side, repo in (("before", old_repo), ("after", new_repo)):
        delegation = repo.delegations.get(district.SPREAD)
        if delegation is None or area not in supplements.AREAS or day < delegation.start:
            continue
        sup = supplements.in_force(repo, area, district.SPREAD, day)
        out[f"spread_{side}"] = ({"supplement": district.supplement_ref(sup), "enacted_by": sup.enacted_by,
                                  "example": sup.example} if sup else
                                 {"supplement": None, "decided_by": supplements.body_name(delegation, area)})
    return out


def monthly_pay(results: dict):
    for name in MONTHLY_PAY:
        if results.get(name) is not None:
            return results[name]
    return 0
