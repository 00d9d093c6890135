"""The ruling on one area's community-worker payroll (六、(十六)(十八) of the workforce opinion): the city's and the
area's shares of what remains after the autonomous region's part, who pays the housing fund, and the floor of the
training budget."""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from .errors import RulingError
from ..cases.values import dec
from .trace import Trace
from . import compliance
from .common import in_force, interpretations_of, part_ref, tidy

COST = "workforce.cost_sharing"
TRAINING = "workforce.training"
MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


def area_codes(repo, day) -> list[str] | None:
    """The areas the cost-sharing policy in force on `day` names: the only areas a worker's pay can be charged to
    (None when no version is in force that day: there is then no list to check an area against)."""
    try:
        return [a["code"] for a in repo.version_in_force(COST, day).data["data"]["areas"]]
    except LookupError:
        return None


def rule_funding(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f, day = case.facts, case.as_of
    facts = {"area": f["area"]}
    cv = in_force(tr, repo, COST, day)
    cd = cv.data["data"]
    area = next((a for a in cd["areas"] if a["code"] == f["area"]), None)
    if area is None:
        raise RulingError(f"the cost-sharing policy has no area '{f['area']}'")
    parts = {sh["payer"]: sh["share"] for sh in area["shares"]}
    if sum(parts.values()) != area["whole"]:
        raise RulingError(f"the shares of area '{f['area']}' do not add up to {area['whole']}")

    remaining = dec(f["pay_cost"]) - dec(f["region_part"])
    tr.add("funding.remaining", tidy(remaining), part_ref(cv, "remaining"),
           {"pay_cost": f["pay_cost"], "region_part": f["region_part"]}, [cd["region_source"]], interpretations_of(cv))
    rounding = cd["rounding"]
    who = rounding["rounded"]
    unit = Decimal(1).scaleb(-rounding["decimals"])
    rounded = (remaining * parts.get(who, 0) / area["whole"]).quantize(unit, rounding=MODES[rounding["mode"]])
    rest = remaining - rounded
    area_share, city_share = (rounded, rest) if who == "area" else (rest, rounded)
    inputs = {"area": f"{area['code']} {area['zh']}", "remaining": tidy(remaining),
              "area_part": parts.get("area", 0), "city_part": parts.get("city", 0), "whole": area["whole"],
              "rounding": f"{who} to {rounding['decimals']} decimals, {rounding['mode']}"}
    tr.add("funding.city_share", tidy(city_share), part_ref(cv, "city_share"), inputs, [area["source"]], interpretations_of(cv))
    tr.add("funding.area_share", tidy(area_share), part_ref(cv, "area_share"), inputs, [area["source"]], interpretations_of(cv))

    payer = area["housing_fund_payer"]
    tr.add("funding.housing_fund_payer", payer, part_ref(cv, "housing_fund_payer"), {"area": area["code"]},
           [area["housing_source"]], interpretations_of(cv))
    fund = f.get("housing_fund")
    city_fund = area_fund = None
    if fund is not None:
        city_fund, area_fund = (tidy(dec(fund)), 0) if payer == "city" else (0, tidy(dec(fund)))
    for result, value in (("funding.city_housing_fund", city_fund), ("funding.area_housing_fund", area_fund)):
        tr.add(result, value, part_ref(cv, result.split(".")[1]), {"housing_fund": fund, "payer": payer},
               [area["housing_source"]], interpretations_of(cv))

    floor = None
    if "workers" in f:
        tv = in_force(tr, repo, TRAINING, day)
        td = tv.data["data"]
        floor = f["workers"] * td["funds_per_worker_min"]
        tr.add("funding.training_budget_min", floor, part_ref(tv, "training_budget_min"),
               {"workers": f["workers"], "per_worker": td["funds_per_worker_min"]}, [td["funds_source"]],
               interpretations_of(tv))
        if "training_budget" in f:
            facts["training_budget_short"] = floor - dec(f["training_budget"])
    else:
        tr.add("funding.training_budget_min", None, "derived#training_budget_min", {"workers": None},
               ["workforce.6.18.training_budget"], [])
    compliance.run(tr, repo, engine, case.id, "funding", facts, day)
    return tr
