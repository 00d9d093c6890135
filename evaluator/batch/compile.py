"""Compile the worker ruling for one date into lookup arrays and condition closures.

Everything is read from the policy versions and rule sets in force on the date through the worker's step functions
(kinds/worker.py: `salary_band`, `raise_levels`, `combined_raise`, `level_cap`, `capped_level`, `star_row`, `award`
and the clauses each cites), tabulated over every value the facts may take: a step is defined once, there, and
becomes an array cell here; a rule's condition becomes a numpy closure. The clauses and interpretations each result
rests on are registered once per distinct combination in `Basis`, and each row of the output refers to one by code.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from ..cases import catalogue
from ..kinds.errors import RulingError
from ..kinds import common, district as D, worker as W
from .vector_conditions import column_kinds, compile_condition
from .facts import worker_specs

# Results in the order the per-case trace adds them.
SALARY_RESULTS = ("salary.band_level", "salary.level", "salary.coefficient", "salary.base_pay",
                  "salary.performance_allowance", D.SPREAD_RESULT, "salary.retiree_top_up", "honor.award",
                  "certificate.due_date")
# Results of the district layer: beside their clauses, a column `<result>.layer` says who decided the value or, for
# a null, which body must (kinds/district.layer_label).
LAYER_RESULTS = (D.SPREAD_RESULT,)


class Basis:
    """Distinct (clause ids, interpretation ids) pairs, each deduplicated in order as Trace.add does."""

    def __init__(self):
        self.items: list[tuple[tuple, tuple]] = []
        self._index: dict = {}

    def id(self, clauses, interpretations=()) -> int:
        return self.of((tuple(dict.fromkeys(clauses)), tuple(dict.fromkeys(interpretations))))

    def of(self, key: tuple[tuple, tuple]) -> int:
        """The id of (clause ids, interpretation ids), each already in order without repeats."""
        if key not in self._index:
            self._index[key] = len(self.items)
            self.items.append(key)
        return self._index[key]


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


def compile_worker(repo, day: dt.date) -> Program:
    specs = worker_specs(repo.schema_dir)
    posts, edus, certs = specs["post"].enum, specs["education"].enum, specs["certificate"].enum
    max_years = int(specs["years_of_service"].maximum)
    stars_max = int(specs["party_org_stars"].maximum)
    versions: dict = {}
    basis = Basis()
    errors = [("", "")]
    t: dict = {}

    def error(field: str, msg: str) -> int:
        errors.append((field, msg))
        return len(errors) - 1

    tv = _need(repo, W.SALARY_TABLE, day, versions)
    table = tv.data["data"]
    pv = _need(repo, W.PROBATION, day, versions)
    pd = pv.data["data"]
    hv = _need(repo, W.HONOURS, day, versions)
    cv = _need(repo, W.CERTIFICATE, day, versions)
    rv, rv_err = _maybe(repo, W.RAISES, day, versions)
    av, av_err = _maybe(repo, W.ALLOWANCE, day, versions)
    yv, yv_err = _maybe(repo, W.RETIREE, day, versions)

    # band of years -> level, per post (0: no band: the per-case path refuses the case)
    top_level = max(r["level"] for r in table["levels"])
    band = np.zeros((len(posts), max_years + 1), np.int16)
    band_basis = np.zeros_like(band, dtype=np.int32)
    band_err = np.zeros_like(band, dtype=np.int16)
    for p, post in enumerate(posts):
        for y in range(max_years + 1):
            row, b = W.salary_band(table, post, y)
            if row is None:
                band_err[p, y] = error("years_of_service", f"the salary table has no band of years for post "
                                       f"'{post}' covering {y} years")
                continue
            band[p, y] = row["level"]
            band_basis[p, y] = basis.id(W.band_cites(table, row, post), common.interpretations_of(tv))
    t.update(band=band, band_basis=band_basis, band_err=band_err)

    # level rows: coefficient (by code into `coefficients`) and base pay; probation's row is the last code
    rows = {r["level"]: r for r in table["levels"]}
    coefficients = [rows[lv]["coefficient"] if lv in rows else Decimal(0) for lv in range(top_level + 1)]
    base = np.array([rows[lv]["base_pay"] if lv in rows else 0 for lv in range(top_level + 1)], np.int64)
    coef_basis = np.array([basis.id(W.coefficient_cites(table, rows[lv]), common.interpretations_of(tv))
                           if lv in rows else 0 for lv in range(top_level + 1)], np.int32)
    base_basis = np.array([basis.id(W.base_pay_cites(table, rows[lv]), common.interpretations_of(tv))
                           if lv in rows else 0 for lv in range(top_level + 1)], np.int32)
    prow = table["probation"]
    coefficients.append(prow["coefficient"])
    t.update(base=base, coef_basis=coef_basis, base_basis=base_basis, prob_coef=len(coefficients) - 1,
             prob_base=int(prow["base_pay"]),
             prob_basis=basis.id(W.probation_cites(table, pd), common.interpretations_of(pv)))
    # probation (kinds/worker.probation_status): the posts that have one, its months, the errors of a stated value
    t.update(prob_posts=np.array([post in pd["posts"] for post in posts]), prob_months=int(pd["months"]),
             prob_post_err=np.array([0 if post in pd["posts"] else
                                     error("on_probation", W.probation_post_message(pd, post)) for post in posts],
                                    np.int16),
             prob_contra_err=np.array([error("on_probation", W.probation_contradiction_message(pd, stated))
                                       for stated in (False, True)], np.int16))
    missing_row = np.array([0] + [0 if lv in rows else error("years_of_service",
                                                                          f"the salary table has no row for level {lv}")
                                  for lv in range(1, top_level + 1)], np.int16)
    t["missing_row"] = missing_row

    # raises: education and certificate levels, combined and capped as the policy says
    if rv is not None:
        rd = rv.data["data"]
        edu_lv, edu_err = _levels(rd, "education", edus, error)
        cert_lv, cert_err = _levels(rd, "certificate", certs, error)
        raise_ = np.zeros((len(edus), len(certs)), np.int16)
        level_basis = np.zeros((len(edus), len(certs), top_level + 1), np.int32)
        for e, el in enumerate(edu_lv):
            for c, cl in enumerate(cert_lv):
                if el is None or cl is None:
                    continue  # the fact enum and the policy disagree: a row error (edu_err, cert_err)
                raise_[e, c] = W.combined_raise(rd, el, cl)
                for lv, r in rows.items():
                    level_basis[e, c, lv] = basis.id(W.level_cites(rd, el, cl, r), common.interpretations_of(rv))
        top = np.array([W.level_cap(table, rd, p) for p in posts], np.int16)
        # the raised and capped level of every (post, years, education, certificate): one take per row in run.py;
        # worked out once per (post, band level, raises) and spread over the years of each band by numpy (3,904
        # cells, a few hundred calls)
        raised: dict = {}

        def raised_level(post, b, el, cl) -> int:
            key = (post, b, el, cl)
            if key not in raised:
                raised[key] = W.raised_level(table, rd, post, b, el, cl)[0]
            return raised[key]

        level = np.zeros((len(posts), max_years + 1, len(edus), len(certs)), np.int16)
        for p, post in enumerate(posts):
            bands, at = np.unique(band[p], return_inverse=True)
            by_band = np.array([[[b if el is None or cl is None else raised_level(post, b, el, cl)
                                  for cl in cert_lv] for el in edu_lv] for b in bands.tolist()], np.int16)
            level[p] = by_band[at]
        t.update(raise_=raise_, top=top, level=level, level_basis=level_basis, edu_err=edu_err, cert_err=cert_err)
    else:
        t["raises_err"] = error("on_probation", rv_err)

    # performance allowance by stars; probation's own figure
    if av is not None:
        ad = av.data["data"]
        allow, allow_basis, allow_err = (np.zeros(stars_max + 1, dt_) for dt_ in (np.int64, np.int32, np.int16))
        amounts = [0] * (stars_max + 1)  # as the policy writes them, for the district layer
        for s in range(stars_max + 1):
            try:
                srow = W.star_row(ad, s)
            except RulingError as exc:
                allow_err[s] = error("party_org_stars", str(exc))
                continue
            allow[s] = amounts[s] = srow["amount"]
            allow_basis[s] = basis.id(W.allowance_cites(ad, srow), common.interpretations_of(av))
        t.update(allow=allow, allow_basis=allow_basis, allow_err=allow_err)
        t["prob_allow"] = int(pd["performance_allowance"])
        t["prob_allow_basis"] = basis.id(W.probation_allowance_cites(pd), common.interpretations_of(pv))
        t.update(_spread(repo, day, specs, amounts + [pd["performance_allowance"]], basis))
    else:
        t["allow_missing"] = error("party_org_stars", av_err)

    # retiree top-up: max(minimum, base pay - pension), in cents
    if yv is not None:
        yd = yv.data["data"]
        t["retiree_min_cents"] = _cents(yd["minimum"])
        t["retiree_basis"] = basis.id([yd["source"]], common.interpretations_of(yv))
    else:
        t["retiree_missing"] = error("retired", yv_err)

    # honours by years, the same selection as the per-case path
    hd = hv.data["data"]
    award = np.zeros(max_years + 1, np.int64)
    award_basis = np.zeros(max_years + 1, np.int32)
    for y in range(max_years + 1):
        amount, cites, _ = W.award(hd, y)
        award[y] = amount
        award_basis[y] = basis.id(cites, common.interpretations_of(hv))
    t.update(award=award, award_basis=award_basis)

    cd = cv.data["data"]
    t.update(cert_max_age=int(cd["max_age"]), cert_years=int(cd["years_allowed"]),
             cert_new_hires=bool(cd["new_hires_regardless_of_age"]),
             cert_start=np.datetime64(dt.date.fromisoformat(str(cd["scheme_start"])), "D"),
             cert_basis=basis.id([cd["source"]], common.interpretations_of(cv)))

    # exit grounds: every rule set in force for worker cases, each rule's condition compiled
    kinds = column_kinds(specs, catalogue.DERIVED_FACTS["worker"])
    rulesets = []
    for v in common.rulesets_in_force(repo, "worker", day):
        versions[v.id] = v
        rules = repo.compiled_rules[(v.id, v.version)]
        if len(rules) > 16:
            raise RulingError(f"rule set {v.id} has {len(rules)} rules; the batch evaluator handles 16 at most")
        rs = RuleSet(v.data["result"], f"{v.id}@{v.version}", rules,
                     [compile_condition(r.when, kinds) for r in rules], basis.id(v.data["encodes"], []))
        rs.labels, rs.bases = _masks(rules, basis, rs.none_basis)
        rulesets.append(rs)

    return Program(day, repo.digest, versions, specs, basis, errors, t, rulesets, kinds, coefficients)


def _masks(rules: list, basis: Basis, none_basis: int) -> tuple[list, np.ndarray]:
    """For every set of a rule set's rules that fire together (a mask, bit i for rule i): its label (the rules'
    ids sorted, space-separated) and its basis (the fired rules' clauses and interpretations in rule order, as
    Trace.add gathers them; none_basis when none fires). Each mask's is its own without its highest rule, with that
    rule's added: a few list steps a mask instead of going through every rule."""
    labels, bases = [""], np.zeros(1 << len(rules), np.int32)
    ids: list = [()]  # mask -> the fired rules' ids, sorted
    cites: list = [((), ())]  # mask -> (clauses, interpretations) of the fired rules, each in order without repeats
    bases[0] = none_basis
    for mask in range(1, 1 << len(rules)):
        high = mask.bit_length() - 1
        rule, rest = rules[high], mask ^ (1 << high)
        ids.append(tuple(sorted(ids[rest] + (rule.id,))))
        labels.append(" ".join(ids[mask]))
        clauses, interpretations = cites[rest]
        cites.append((_added(clauses, rule.cites), _added(interpretations, rule.interpretations)))
        bases[mask] = basis.of(cites[mask])
    return labels, bases


def _added(have: tuple, more) -> tuple:
    """`have` with the items of `more` it does not hold yet, in order."""
    return tuple(dict.fromkeys(have + tuple(more)))


def _spread(repo, day: dt.date, specs: dict, allowances: list, basis: Basis) -> dict:
    """The district layer's performance pay (kinds/district.performance_spread) for every area, latest grade (code
    0: none recorded, then the grades' codes + 1) and allowance (the stars' amounts, then probation's): its value in
    cents, whether it is given, its basis and its layer's label. Empty when the delegation is not in force, or the
    case contract of the repository (an older state in `policy diff`) has no fact `area`."""
    if "area" not in specs:
        return {}
    areas, grades = specs["area"].enum, (None,) + tuple(specs["assessments"].enum)
    shape = (len(areas), len(grades), len(allowances))
    cents, given = np.zeros(shape, np.int64), np.zeros(shape, bool)
    bases, layer = np.zeros(shape, np.int32), np.zeros(shape, np.int16)
    labels: list = []
    for a, area in enumerate(areas):
        for g, grade in enumerate(grades):
            for s, allowance in enumerate(allowances):
                step = D.performance_spread(repo, area, day, grade, allowance)
                if step is None:
                    return {}
                given[a, g, s] = step.value is not None
                cents[a, g, s] = _cents(step.value) if step.value is not None else 0
                bases[a, g, s] = basis.id(step.cites, step.interpretations)
                label = D.layer_label(step.layer, step.value)
                if label not in labels:
                    labels.append(label)
                layer[a, g, s] = labels.index(label)
    return {"spread": cents, "spread_given": given, "spread_basis": bases, "spread_layer": layer,
            "spread_labels": labels}


def _levels(rd: dict, group: str, codes, error) -> tuple[list, np.ndarray]:
    """The raise of each code of a fact's enum (None where the policy has none) and the row error for it."""
    levels, errs = [], np.zeros(len(codes), np.int16)
    for i, code in enumerate(codes):
        try:
            levels.append(W.raise_levels(rd, group, code))
        except RulingError as exc:
            levels.append(None)
            errs[i] = error(group, str(exc))
    return levels, errs


def _cents(amount) -> int:
    c = Decimal(str(amount)) * 100
    if c != c.to_integral_value():
        raise RulingError(f"the amount {amount} is not a whole number of cents")
    return int(c)
