"""The ruling on an assessment scheme (四、(四) of the reform opinion): the minimum weights of the assessing bodies,
the weighted score when scores are given, and the grade (五、(十三) of the workforce opinion) as the assessing body
gave it — the text has no mapping from a score to a grade, so none is derived."""
from __future__ import annotations

from decimal import Decimal

from ..cases.values import dec
from .trace import Trace
from . import compliance
from .common import in_force, interpretations_of, part_ref, tidy

GRADES = "workforce.assessment_grades"


def rule_assessment(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f, day = case.facts, case.as_of
    weights = f["weights"]
    scores = f.get("scores")
    score = None
    if scores is not None:
        score = tidy(sum((dec(w) * dec(scores[a]) for a, w in weights.items() if w), Decimal(0)))
    tr.add("assessment.weighted_score", score, "derived#weighted_score",
           {"weights": weights, "scores": scores}, ["reform.4.4"], [])

    gv = in_force(tr, repo, GRADES, day)
    gd = gv.data["data"]
    grade = f.get("grade")
    row = next((g for g in gd["grades"] if g["code"] == grade), None)
    tr.add("assessment.grade", grade, part_ref(gv, "grade"),
           {"given": grade, **({"zh": row["zh"]} if row else {}), "score_to_grade": gd["score_to_grade"]},
           [gd["source"]], interpretations_of(gv))
    if score is not None:
        for iid in interpretations_of(gv):
            tr.note_interpretation(iid)

    facts = {"assessee": f["assessee"], "street_weight": dec(weights.get("street", 0)),
             "community_weight": dec(weights.get("community", 0))}
    compliance.run(tr, repo, engine, case.id, "assessment", facts, day)
    return tr
