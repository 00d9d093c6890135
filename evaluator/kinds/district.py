"""The district layer of a worker's ruling: the terms the city delegates to the worker's area (fact `area`), ruled
with the area's supplement in force (repo/supplements.py). The trace cites the city clause that delegates and the
area clause that decides; with no supplement in force the result is null, marked not_checked, with a note naming
the body that must decide — never a default. A made-up example supplement says EXAMPLE — NOT ADOPTED.
"""
from __future__ import annotations

from decimal import Decimal

from ..repo import supplements
from .common import int_if_whole

SPREAD = "performance_spread"


def latest_grade(assessments: list) -> str | None:
    """The most recent annual grade the case records (interpretation performance_spread_latest_grade)."""
    if not assessments:
        return None
    return max(assessments, key=lambda a: a["year"])["grade"]


def layer_of(repo, delegation, area: str, sup, area_clause) -> dict:
    return {"term": delegation.term, "city_clause": delegation.data["clause"], "area": area,
            "area_clause": area_clause, "supplement": f"supplements/{area}/{sup.term}@{sup.version}" if sup else None,
            "decided_by": supplements.body_name(delegation, area), "status": "decided" if sup else "not_checked",
            "example": bool(sup and sup.example)}


def rule_performance_spread(tr, repo, f: dict, day, allowance: int) -> None:
    """salary.performance_pay_by_grade: the performance allowance as the area spreads it by the annual grade."""
    delegation = repo.delegations.get(SPREAD)
    if "area" not in f or delegation is None or day < delegation.start:
        return
    area = f["area"]
    city_clause = delegation.data["clause"]
    interpretations = delegation.data.get("interpretations", [])
    body = supplements.body_name(delegation, area)
    grade = latest_grade(f.get("assessments", []))
    sup = supplements.in_force(repo, area, SPREAD, day)
    inputs = {"area": area, "grade": grade, "performance_allowance": allowance}
    if sup is None:
        tr.add("salary.performance_pay_by_grade", None, f"delegations#{SPREAD}", inputs, [city_clause],
               interpretations, layer=layer_of(repo, delegation, area, None, None))
        tr.note("not_checked", f"Not checked: how the annual grade spreads the performance pay is for the "
                f"{body['en']} to decide ({city_clause}), and no supplement of {area} is in force on {day}.",
                f"未核定:绩效薪酬按年度考核等级拉开差距的办法由{body['zh']}确定({city_clause}),"
                f"{day}无有效的补充规定。", [city_clause], interpretations)
        return
    row = next((r for r in sup.data["data"]["shares"] if r["grade"] == grade), None)
    if row is None:
        tr.add("salary.performance_pay_by_grade", None, f"supplements/{area}/{SPREAD}@{sup.version}", inputs,
               [city_clause], interpretations, layer=layer_of(repo, delegation, area, sup, None))
        tr.note("no_annual_grade", "Not checked: the case records no annual grade, which the area's spread needs.",
                "未核定:个案未记录年度考核等次。", [city_clause], interpretations)
        return
    amount = int_if_whole(Decimal(allowance) * Decimal(row["percent"]) / 100)
    tr.add("salary.performance_pay_by_grade", amount, f"supplements/{area}/{SPREAD}@{sup.version}#{grade}",
           {**inputs, "percent": row["percent"]}, [city_clause, row["source"]], interpretations,
           layer=layer_of(repo, delegation, area, sup, row["source"]))
    if sup.example:
        tr.note("example_not_adopted", f"EXAMPLE — NOT ADOPTED: the spread of {area} comes from a made-up example "
                f"supplement ({sup.enacted_by}), not from any rules the {body['en']} adopted.",
                f"示例 未通过:{area}的差距办法来自虚构的示例({sup.enacted_by}),不是{body['zh']}通过的规定。",
                [row["source"]], [])
