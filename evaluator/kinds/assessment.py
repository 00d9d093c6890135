"""The ruling on an assessment scheme (四、(四) of the reform opinion): the minimum weights of the assessing bodies,
the weighted score when scores are given, and the grade (五、(十三) of the workforce opinion) as the assessing body
gave it — the text has no mapping from a score to a grade, so none is derived."""
from __future__ import annotations

from decimal import Decimal

from ..trace import Trace
from . import compliance
from .common import tidy, in_force
from .worker import _interp, _ref

GRADES = "workforce.assessment_grades"


def _dec(x) -> Decimal:
    return Decimal(str(x))


def rule_assessment(case, repo, engine) -> Trace:
    tr = Trace(repo)
    f, day = case.facts, case.as_of
    weights = f["weights"]
    scores = f.get("scores")
    score = None
    if scores is not None:
        score = tidy(sum((_dec(w) * _dec(scores[a]) for a, w in weights.items() if w), Decimal(0)))
    tr.add("assessment.weighted_score", score, "derived#weighted_score",
           {"weights": weights, "scores": scores}, ["reform.4.4"], [])

    gv = in_force(tr, repo, GRADES, day)
    gd = gv.data["data"]
    grade = f.get("grade")
    row = next((g for g in gd["grades"] if g["code"] == grade), None)
    tr.add("assessment.grade", grade, _ref(gv, "grade"),
           {"given": grade, **({"zh": row["zh"]} if row else {}), "score_to_grade": gd["score_to_grade"]},
           [gd["source"]], _interp(gv))
    if score is not None:
        for iid in _interp(gv):
            tr.note_interpretation(iid)

    facts = {"assessee": f["assessee"], "street_weight": _dec(weights.get("street", 0)),
             "community_weight": _dec(weights.get("community", 0))}
    compliance.run(tr, repo, engine, case.id, "assessment", facts, day)
    return tr


def check_facts(facts: dict, doc, fpath: tuple, name: str, schema_dir) -> list:
    errs = []
    weights = facts["weights"]
    total = sum((_dec(w) for w in weights.values()), Decimal(0))
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
