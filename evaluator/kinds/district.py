"""The district layer of a worker's ruling: the terms the city delegates to the worker's area (fact `area`), ruled
with the area's supplement in force (repo/supplements.py). The trace cites the city clause that delegates and the
area clause that decides; with no supplement in force the result is null, marked not_checked, with a note naming
the body that must decide — never a default. A made-up example supplement says EXAMPLE — NOT ADOPTED.

Each step is one function of the facts it reads (`performance_spread`): the per-case ruling traces what it gives,
and the vectorised batch evaluator (batch/compile.py) calls it on every area, grade and allowance a row may have
and keeps what it gives as lookup tables, so the two paths rule a district term from one definition.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..repo import supplements
from .common import int_if_whole

SPREAD = "performance_spread"
SPREAD_RESULT = "salary.performance_pay_by_grade"


@dataclass(frozen=True)
class Step:
    """What a district step gives: the trace entry's value, rule, inputs, clauses, interpretations and layer, and
    the notes (code, en, zh, clauses, interpretations) the ruling carries with it."""

    value: object
    rule: str
    inputs: dict
    cites: list
    interpretations: list
    layer: dict
    notes: tuple = ()


def latest_grade(assessments: list) -> str | None:
    """The most recent annual grade the case records (interpretation performance_spread_latest_grade)."""
    if not assessments:
        return None
    return max(assessments, key=lambda a: a["year"])["grade"]


def supplement_ref(sup) -> str:
    """A supplement as rulings name it: supplements/<area>/<term>@<version>."""
    return f"supplements/{sup.area}/{sup.term}@{sup.version}"


def layer_of(repo, delegation, area: str, sup, area_clause) -> dict:
    return {"term": delegation.term, "city_clause": delegation.data["clause"], "area": area,
            "area_clause": area_clause, "supplement": supplement_ref(sup) if sup else None,
            "decided_by": supplements.body_name(delegation, area), "status": "decided" if sup else "not_checked",
            "example": bool(sup and sup.example)}


def layer_label(layer: dict, value) -> str:
    """A layer in one line, for a column of the rulings table: who decided the value (the supplement, marked when
    it is the made-up example), or, for a null, why — the body that must decide, or the grade the spread lacks."""
    body = f"{layer['decided_by']['zh']} {layer['decided_by']['en']}"
    if layer["status"] == "not_checked":
        return f"not_checked: for the {body} to decide ({layer['city_clause']}); no supplement of {layer['area']} " \
               "in force"
    marker = f" ({supplements.EXAMPLE_WORDS})" if layer["example"] else ""
    if value is None:
        return f"no_annual_grade: {layer['supplement']}{marker} spreads by a grade the worker lacks"
    return f"decided: {layer['supplement']}{marker}, by the {body}"


def performance_spread(repo, area: str, day, grade: str | None, allowance) -> Step | None:
    """salary.performance_pay_by_grade: the performance allowance as the area spreads it by the annual grade; None
    when the delegation is not in force on the day (no district layer to rule)."""
    delegation = repo.delegations.get(SPREAD)
    if delegation is None or day < delegation.start:
        return None
    city_clause = delegation.data["clause"]
    interpretations = list(delegation.data.get("interpretations", []))
    body = supplements.body_name(delegation, area)
    sup = supplements.in_force(repo, area, SPREAD, day)
    inputs = {"area": area, "grade": grade, "performance_allowance": allowance}
    if sup is None:
        return Step(None, f"delegations#{SPREAD}", inputs, [city_clause], interpretations,
                    layer_of(repo, delegation, area, None, None),
                    (("not_checked", f"Not checked: how the annual grade spreads the performance pay is for the "
                      f"{body['en']} to decide ({city_clause}), and no supplement of {area} is in force on {day}.",
                      f"未核定:绩效薪酬按年度考核等级拉开差距的办法由{body['zh']}确定({city_clause}),"
                      f"{day}无有效的补充规定。", [city_clause], interpretations),))
    row = next((r for r in sup.data["data"]["shares"] if r["grade"] == grade), None)
    if row is None:
        return Step(None, supplement_ref(sup), inputs, [city_clause], interpretations,
                    layer_of(repo, delegation, area, sup, None),
                    (("no_annual_grade", "Not checked: the case records no annual grade, which the area's spread "
                      "needs.", "未核定:个案未记录年度考核等次。", [city_clause], interpretations),))
    amount = int_if_whole(Decimal(allowance) * Decimal(row["percent"]) / 100)
    notes = ()
    if sup.example:
        notes = (("example_not_adopted", f"EXAMPLE — NOT ADOPTED: the spread of {area} comes from a made-up example "
                  f"supplement ({sup.enacted_by}), not from any rules the {body['en']} adopted.",
                  f"示例 未通过:{area}的差距办法来自虚构的示例({sup.enacted_by}),不是{body['zh']}通过的规定。",
                  [row["source"]], []),)
    return Step(amount, f"{supplement_ref(sup)}#{grade}", {**inputs, "percent": row["percent"]},
                [city_clause, row["source"]], interpretations, layer_of(repo, delegation, area, sup, row["source"]),
                notes)


def rule_performance_spread(tr, repo, f: dict, day, allowance) -> None:
    """The district layer of the performance allowance, traced: nothing when the worker has no area."""
    if "area" not in f:
        return
    step = performance_spread(repo, f["area"], day, latest_grade(f.get("assessments", [])), allowance)
    if step is None:
        return
    tr.add(SPREAD_RESULT, step.value, step.rule, step.inputs, step.cites, step.interpretations, layer=step.layer)
    for note in step.notes:
        tr.note(*note)
