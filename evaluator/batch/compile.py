"""Compile the worker ruling for one date into lookup arrays and condition closures.

Everything is read from the policy versions and rule sets in force on the date through the worker's step functions
(kinds/worker.py: `salary_band`, `raise_levels`, `combined_raise`, `level_cap`, `capped_level`, `star_row`, `award`
and the clauses each cites), tabulated over every value the facts may take: a step is defined once, there, and
becomes an array cell here; a rule's condition becomes a numpy closure. The clauses and interpretations each result
rests on are registered once per distinct combination in `Basis`, and each row of the output refers to one by code.
Each step's tables are a part (batch/tables.py), built once for its inputs: a date's programs under the readings of
its interpretations (batch/reading_notes.py) build the parts no reading changes once between them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..kinds.errors import RulingError
from ..kinds import common, district as D, worker as W
from . import tables as T
from .tables import Basis

# Results in the order the per-case trace adds them.
SALARY_RESULTS = ("salary.band_level", "salary.level", "salary.coefficient", "salary.base_pay",
                  "salary.performance_allowance", D.SPREAD_RESULT, "salary.retiree_top_up", "honor.award",
                  "certificate.due_date")
# Results of the district layer: beside their clauses, a column `<result>.layer` says who decided the value or, for
# a null, which body must (kinds/district.layer_label).
LAYER_RESULTS = (D.SPREAD_RESULT,)


@dataclass
class RuleSet:
    result: str
    ref: str  # id@version
    rules: list  # conditions.Rule
    tests: list  # compiled closures, one per rule
    none_basis: int  # basis when nothing fires
    labels: list = field(default_factory=list)  # mask -> "code code" (sorted codes, space-separated)
    bases: np.ndarray | None = None  # mask -> basis id


@dataclass
class Program:
    as_of: dt.date
    digest: str
    versions: dict  # id -> version, every version the program read
    specs: dict
    basis: Basis
    errors: list  # error code -> (field, message); code 0 is "no error"
    t: dict  # lookup arrays
    rulesets: list
    kinds: dict  # fact name -> (type, enum) for compiled conditions
    coefficients: list  # coefficient values (Decimal) by code


def _need(repo, pid, day, versions):
    v = common.version_in_force(repo, pid, day)
    versions[v.id] = v
    return v


def _maybe(repo, pid, day, versions):
    """A policy only some rows need: the version, or the message their rejection will give."""
    try:
        return _need(repo, pid, day, versions), None
    except RulingError as exc:
        return None, str(exc)


def compile_worker(repo, day: dt.date, shared: T.Shared | None = None) -> Program:
    """The worker's program for `day`. `shared`: the parts already built for other programs (reading_notes compiles
    a date's programs, the repository's own and its readings', with one), taken where their inputs are the same."""
    shared = T.Shared() if shared is None else shared
    specs, kinds = shared.worker_specs(repo.schema_dir)
    posts, edus, certs = specs["post"].enum, specs["education"].enum, specs["certificate"].enum
    max_years = int(specs["years_of_service"].maximum)
    stars_max = int(specs["party_org_stars"].maximum)
    versions: dict = {}

    tv = _need(repo, W.SALARY_TABLE, day, versions)
    pv = _need(repo, W.PROBATION, day, versions)
    hv = _need(repo, W.HONOURS, day, versions)
    cv = _need(repo, W.CERTIFICATE, day, versions)
    rv, rv_err = _maybe(repo, W.RAISES, day, versions)
    av, av_err = _maybe(repo, W.ALLOWANCE, day, versions)
    yv, yv_err = _maybe(repo, W.RETIREE, day, versions)

    # the parts in the order their steps register bases and errors (Part.install)
    part = shared.part
    bands = part("band", (tv,), (posts, max_years), lambda: T.band(tv, posts, max_years))
    rows = part("levels", (tv, pv), (posts,), lambda: T.levels(tv, pv, posts))
    parts = [bands, rows]
    if rv is not None:
        parts.append(part("raises", (tv, rv, bands), (posts, edus, certs),
                          lambda: T.raises(tv, rv, bands, posts, edus, certs)))
    else:
        parts.append(part("missing", (), ("raises_err", "on_probation", rv_err),
                          lambda: T.missing("raises_err", "on_probation", rv_err)))
    if av is not None:
        allowance = part("allowance", (av, pv), (stars_max,), lambda: T.allowance(av, pv, stars_max))
        parts.append(allowance)
        if "area" in specs:  # not in the case contract of an older state of the repository (policy diff)
            areas, grades, amounts = specs["area"].enum, tuple(specs["assessments"].enum), tuple(allowance.extra)
            district = tuple(getattr(repo, name) for name in T.DISTRICT_READS)
            parts.append(part("spread", district, (day, areas, grades, tuple((type(a), a) for a in amounts)),
                              lambda: T.spread(repo, day, areas, grades, amounts)))
    else:
        parts.append(part("missing", (), ("allow_missing", "party_org_stars", av_err),
                          lambda: T.missing("allow_missing", "party_org_stars", av_err)))
    if yv is not None:
        parts.append(part("retiree", (yv,), (), lambda: T.retiree(yv)))
    else:
        parts.append(part("missing", (), ("retiree_missing", "retired", yv_err),
                          lambda: T.missing("retiree_missing", "retired", yv_err)))
    parts.append(part("award", (hv,), (max_years,), lambda: T.award(hv, max_years)))
    parts.append(part("certificate", (cv,), (), lambda: T.certificate(cv)))
    basis, errors, t = T.Basis(), [("", "")], {}
    for p in parts:
        p.install(basis, errors, t)

    # exit grounds: every rule set in force for worker cases, each rule's condition compiled
    rulesets = []
    for v in common.rulesets_in_force(repo, "worker", day):
        versions[v.id] = v
        rules = repo.compiled_rules[(v.id, v.version)]
        if len(rules) > 16:
            raise RulingError(f"rule set {v.id} has {len(rules)} rules; the batch evaluator handles 16 at most")
        encodes = tuple(v.data["encodes"])
        masks = part("rule_set", (), (encodes, T.rule_keys(rules)), lambda: T.rule_set(encodes, rules))
        tests = part("conditions", (rules, kinds), (), lambda: T.conditions(rules, kinds)).extra
        got: dict = {}
        masks.install(basis, errors, got)
        rulesets.append(RuleSet(v.data["result"], f"{v.id}@{v.version}", rules, tests, got["none_basis"], masks.extra,
                                got["bases"]))

    return Program(day, repo.digest, versions, specs, basis, errors, t, rulesets, kinds, rows.extra)
