"""Validated worker cases ruled by the vectorised evaluator, with each row's results in the per-case form: the same
dict `ruling.evaluate` gives under "results" (Python ints, Decimals, ISO dates and lists; a result the per-case trace
has no entry for is left out), or the per-case error. `policy diff` costs a roster this way (evaluator/cases/roster_csv.py).
"""
from __future__ import annotations

import datetime as dt
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
    rows = Rows(prog, out)
    ruled = {}
    for i, case in enumerate(cases):
        if rows.error[i]:
            ruled[case.id] = {"errors": [_error(case, prog.errors[rows.error[i]][1])]}
            continue
        ruled[case.id] = {"results": rows.results(i, case)}
    return ruled


class Rows:
    """A program's output (run.Output) read row by row into the per-case form: `results(i, case)` is row i's
    results as the per-case ruling of `case` gives them (the results its trace has an entry for, in the output's
    order, each typed as the per-case ruling types it; None: null); `error[i]` the row's error code (0: none)."""

    def __init__(self, prog, out):
        rulesets = {rs.result: rs for rs in prog.rulesets}
        # as Python lists once: reading a numpy array element by element costs more than the whole conversion; per
        # row a state: 0 no entry, 1 null, 2 a value
        self.columns = [(name, (out.entry[name] * (out.present[name] + 1)).tolist(), values.tolist(),
                         *_converter(prog, rulesets, name)) for name, values in out.values.items()]
        self.error = out.error.tolist()

    def results(self, i: int, case) -> dict:
        out = {}
        for name, state, values, convert, seen in self.columns:
            s = state[i]
            if s == 2:
                v = values[i]
                if seen is not None:  # a value of the result's own (immutable): made once per value
                    hit = seen.get(v)
                    out[name] = hit if hit is not None else _seen(seen, v, convert(v, case))
                else:
                    out[name] = v if convert is None else convert(v, case)
            elif s:
                out[name] = None
        return out


def _seen(seen: dict, v, value):
    if len(seen) >= MAX_SEEN:
        seen.clear()
    seen[v] = value
    return value


MAX_SEEN = 4096  # values remembered per column of a program's output: few (codes, dates, cents), bounded all the same


def _error(case, message: str) -> dict:
    # where the per-case path points a RulingError without a fact: the case's date
    return case.doc.problem(case.json_path + ("as_of",), message, NO_RULING, case=case.id).as_json()


def _converter(prog, rulesets: dict, name: str) -> tuple:
    """How a value of the result's column (read as a Python list) becomes the per-case value: (a function of the
    value and the case, or None where the column holds it already (a level, an amount in yuan, a count); a
    mapping to remember what it gives per value where that is a function of the value alone and immutable (a
    Decimal, a date's text), or None)."""
    if name in rulesets:  # a new list for each ruling
        labels = rulesets[name].labels  # the fired rules' codes, sorted and joined by spaces
        return lambda v, case: labels[v].split(" ") if labels[v] else [], None
    if name == "salary.coefficient":
        return lambda v, case: prog.coefficients[v], {}
    if name == "certificate.due_date":  # the per-case result is the ISO date (a datetime64 read as a list: a date)
        return lambda v, case: (v if isinstance(v, dt.date) else np.datetime64(v, "D").item()).isoformat(), {}
    if name in bcompile.LAYER_RESULTS:  # in cents: Decimal(allowance) * percent / 100 as the district step gives it
        return lambda v, case: common.int_if_whole(Decimal(v) / 100), {}
    if name == "salary.retiree_top_up":
        return lambda v, case: _top_up(prog, v, case), None
    return None, None


def _top_up(prog, cents: int, case):
    if cents == prog.t.get("retiree_min_cents"):  # max(minimum, difference) gives the minimum as written on a tie
        minimum = Decimal(str(prog.versions[W.RETIREE].data["data"]["minimum"]))
        return common.int_if_whole(minimum)
    if cents % 100 == 0:
        return cents // 100
    # base pay - pension in Decimal keeps the pension's decimal places (1999.5 -> 400.5, 1999.50 -> 400.50)
    places = Decimal(str(case.facts["pension_monthly"])).as_tuple().exponent
    return Decimal(cents).scaleb(-2).quantize(Decimal(1).scaleb(places))


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
