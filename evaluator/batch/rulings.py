"""Validated worker cases ruled by the vectorised evaluator, with each row's results in the per-case form: the same
dict `ruling.evaluate` gives under "results" (Python ints, Decimals, ISO dates and lists; a result the per-case trace
has no entry for is left out), or the per-case error. `policy diff` costs a roster this way (evaluator/cases/roster_csv.py).
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..kinds.errors import RulingError
from ..kinds import common, worker as W
from . import compile as bcompile
from . import run
from .facts import from_case_facts

NO_RULING = "no_ruling"  # the code of the per-case path's RulingError, which names no fact for a worker


def rule_cases(repo, cases: list) -> dict:
    """{case id: {"results": {...}} or {"errors": [problem json]}} for worker cases that all share one date."""
    if not cases:
        return {}
    day = cases[0].as_of
    assert all(c.as_of == day for c in cases), "one compiled program rules on one date"
    try:
        prog = bcompile.compile_worker(repo, day)
    except RulingError as exc:  # no policy in force: every case is refused with the same message
        return {c.id: {"errors": [_error(c, str(exc))]} for c in cases}
    out = run.evaluate(prog, from_case_facts([c.facts for c in cases], prog.specs))
    rulesets = {rs.result: rs for rs in prog.rulesets}
    ruled = {}
    for i, case in enumerate(cases):
        if out.error[i]:
            ruled[case.id] = {"errors": [_error(case, prog.errors[out.error[i]][1])]}
            continue
        results = {}
        for name in out.values:
            if not out.entry[name][i]:
                continue
            results[name] = _value(prog, rulesets, name, out.values[name][i], case) if out.present[name][i] \
                else None
        ruled[case.id] = {"results": results}
    return ruled


def _error(case, message: str) -> dict:
    # where the per-case path points a RulingError without a fact: the case's date
    return case.doc.problem(case.json_path + ("as_of",), message, NO_RULING, case=case.id).as_json()


def _value(prog, rulesets: dict, name: str, v, case):
    if name in rulesets:
        label = rulesets[name].labels[int(v)]
        return label.split(" ") if label else []
    if name == "salary.coefficient":
        return prog.coefficients[int(v)]
    if name == "certificate.due_date":
        return np.datetime64(v, "D").item().isoformat()  # the per-case result is the ISO date
    if name in bcompile.LAYER_RESULTS:  # in cents: Decimal(allowance) * percent / 100 as the district step gives it
        return common.int_if_whole(Decimal(int(v)) / 100)
    if name == "salary.retiree_top_up":
        cents = int(v)
        if cents == prog.t.get("retiree_min_cents"):  # max(minimum, difference) gives the minimum as written on a tie
            minimum = Decimal(str(prog.versions[W.RETIREE].data["data"]["minimum"]))
            return common.int_if_whole(minimum)
        if cents % 100 == 0:
            return cents // 100
        # base pay - pension in Decimal keeps the pension's decimal places (1999.5 -> 400.5, 1999.50 -> 400.50)
        places = Decimal(str(case.facts["pension_monthly"])).as_tuple().exponent
        return Decimal(cents).scaleb(-2).quantize(Decimal(1).scaleb(places))
    return int(v)


def rule_roster(repo, roster) -> dict:
    """{worker id: {"results": {...}} or {"errors": [problem, ...]}} for every row of the roster, in row order.

    `roster` is a cases.roster_csv.Roster: its rows were read and checked as worker cases; they are ruled here by
    the vectorised path, whose differential tests hold every row equal to the per-case ruling.
    """
    cf = roster.case_file
    ruled = rule_cases(repo, cf.cases)
    bad: dict = {}
    for prob in cf.problems:
        bad.setdefault(prob.case, []).append(prob.as_json())
    return {wid: ruled[wid] if wid in ruled else {"errors": bad.get(wid, [])} for wid in dict.fromkeys(cf.order)}
