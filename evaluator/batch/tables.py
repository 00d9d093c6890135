"""The compiled program's tables, one part at a time, each built once for its inputs (batch/compile.py puts them
together).

A part is what one step of the worker's ruling tabulates (the bands of years, the level rows, the raised levels, the
allowance, the district layer, the honours, the certificate, a rule set's masks): its arrays and figures, and the
bases (clause and interpretation ids) and row errors it registers, held in its own `Journal` with codes local to the
part. Installing a part in a program (`Part.install`) registers them in the program's `Basis` and error list in the
order the part made them and turns its codes into the program's: a program assembled from parts is the very program
the parts' steps would have registered one after the other, ids and all.

`Shared` keeps the parts of a date's programs (reading_notes: the repository's own and one per alternative reading),
keyed by the identity of the versions and repository parts each reads and by the plain values it is given (never by
a guess that two inputs are alike): most readings change one or two versions, so the nine programs of a worker date
build most parts once. Arrays of a shared part are read-only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from ..cases import catalogue
from ..kinds import common, district as D, worker as W
from ..kinds.errors import RulingError
from .facts import worker_specs
from .vector_conditions import column_kinds, compile_condition

# What kinds/district.performance_spread reads of a repository (through repo/supplements and repo/register): the
# district layer's part is shared by repositories that hold these very objects. None of them is a policy or a rule
# set, the only parts of a repository a reading's variant replaces (ruling/readings.apply_patches).
DISTRICT_READS = ("delegations", "supplements", "register", "relations", "assumed_adopted")


class Basis:
    """Distinct (clause ids, interpretation ids) pairs, each deduplicated in order as Trace.add does; the first
    gets the code `first`, the next `first` + 1, and so on."""

    def __init__(self, first: int = 0):
        self.items: list[tuple[tuple, tuple]] = []
        self._index: dict = {}
        self.first = first

    def id(self, clauses, interpretations=()) -> int:
        return self.of((tuple(dict.fromkeys(clauses)), tuple(dict.fromkeys(interpretations))))

    def of(self, key: tuple[tuple, tuple]) -> int:
        """The id of (clause ids, interpretation ids), each already in order without repeats."""
        got = self._index.get(key)
        if got is None:
            got = self._index[key] = len(self.items) + self.first
            self.items.append(key)
        return got

    def of_all(self, keys: list) -> list:
        """The ids of `keys`, as `of` gives them one after the other; at once (in C) when none is registered yet."""
        new = dict.fromkeys(keys)
        if not self._index.keys().isdisjoint(new):
            return [self.of(k) for k in keys]
        start = len(self.items) + self.first
        self.items.extend(new)
        self._index.update(zip(new, range(start, start + len(new))))
        return [self._index[k] for k in keys] if len(new) < len(keys) else list(range(start, start + len(new)))


class Journal(Basis):
    """What a part registers, in order: its bases (codes from 1; 0 is a cell the part left unset) and its row
    errors (codes from 1; 0 is no error)."""

    def __init__(self):
        super().__init__(first=1)
        self.errors: list = []

    def error(self, field_: str, msg: str) -> int:
        self.errors.append((field_, msg))
        return len(self.errors)


@dataclass
class Part:
    """One step's tables, with what they register in a program (`journal`)."""

    t: dict  # entries of Program.t; those named in `bases`/`errors` hold the journal's codes
    journal: Journal
    bases: tuple = ()  # keys of t holding basis codes
    errors: tuple = ()  # keys of t holding error codes
    extra: object = None  # what else the step gives (the coefficients, a rule set's labels, …)

    def install(self, basis: Basis, errors: list, t: dict) -> None:
        """The part's entries put into a program's `t`, its bases and errors registered in the program's `basis`
        and `errors` (code 0 of each stays 0)."""
        lut_basis = np.array([0] + basis.of_all(self.journal.items), np.int64)
        lut_error = np.arange(len(errors) - 1, len(errors) + len(self.journal.errors), dtype=np.int64)
        lut_error[0] = 0
        errors.extend(self.journal.errors)
        for k, v in self.t.items():
            lut = lut_basis if k in self.bases else lut_error if k in self.errors else None
            t[k] = v if lut is None else int(lut[v]) if isinstance(v, int) else np.take(lut, v).astype(v.dtype)


def _frozen(t: dict) -> dict:
    for v in t.values():
        if isinstance(v, np.ndarray):
            v.flags.writeable = False
    return t


class Shared:
    """The parts built for some programs, for others with the same inputs to use: `part(name, held, values,
    build)` is build()'s part, built once for the identity of the objects `held` (versions, a part, a repository's
    parts: kept here, so that no id is reused) and the plain `values`. A fresh one shares nothing."""

    def __init__(self):
        self.parts: dict = {}
        self.specs: dict = {}  # schema dir -> (the worker's fact specs, their column kinds)

    def part(self, name: str, held: tuple, values: tuple, build) -> Part:
        key = (name, tuple(map(id, held)), values)
        hit = self.parts.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], held)):
            part = build()
            _frozen(part.t)
            hit = self.parts[key] = (held, part)
        return hit[1]

    def worker_specs(self, schema_dir) -> tuple[dict, dict]:
        got = self.specs.get(schema_dir)
        if got is None:
            specs = worker_specs(schema_dir)
            got = self.specs[schema_dir] = (specs, column_kinds(specs, catalogue.DERIVED_FACTS["worker"]))
        return got


def band(tv, posts: tuple, max_years: int) -> Part:
    """The band of years -> level, per post (0: no band: the per-case path refuses the case)."""
    j, table = Journal(), tv.data["data"]
    shape = (len(posts), max_years + 1)
    levels, bases, errs = np.zeros(shape, np.int16), np.zeros(shape, np.int32), np.zeros(shape, np.int16)
    for p, post in enumerate(posts):
        for y in range(max_years + 1):
            row, b = W.salary_band(table, post, y)
            if row is None:
                errs[p, y] = j.error("years_of_service", f"the salary table has no band of years for post '{post}' "
                                     f"covering {y} years")
                continue
            levels[p, y] = row["level"]
            bases[p, y] = j.id(W.band_cites(table, row, post), common.interpretations_of(tv))
    return Part({"band": levels, "band_basis": bases, "band_err": errs}, j, ("band_basis",), ("band_err",))


def levels(tv, pv, posts: tuple) -> Part:
    """The level rows (coefficient by code into the program's coefficients, base pay); probation's row is the last
    code; probation (kinds/worker.probation_status): the posts that have one, its months, the errors of a stated
    value. `extra`: the coefficients."""
    j, table, pd = Journal(), tv.data["data"], pv.data["data"]
    top_level = max(r["level"] for r in table["levels"])
    rows = {r["level"]: r for r in table["levels"]}
    coefficients = [rows[lv]["coefficient"] if lv in rows else Decimal(0) for lv in range(top_level + 1)]
    base = np.array([rows[lv]["base_pay"] if lv in rows else 0 for lv in range(top_level + 1)], np.int64)
    coef_basis = np.array([j.id(W.coefficient_cites(table, rows[lv]), common.interpretations_of(tv))
                           if lv in rows else 0 for lv in range(top_level + 1)], np.int32)
    base_basis = np.array([j.id(W.base_pay_cites(table, rows[lv]), common.interpretations_of(tv))
                           if lv in rows else 0 for lv in range(top_level + 1)], np.int32)
    prow = table["probation"]
    coefficients.append(prow["coefficient"])
    t = dict(base=base, coef_basis=coef_basis, base_basis=base_basis, prob_coef=len(coefficients) - 1,
             prob_base=int(prow["base_pay"]),
             prob_basis=j.id(W.probation_cites(table, pd), common.interpretations_of(pv)))
    t.update(prob_posts=np.array([post in pd["posts"] for post in posts]), prob_months=int(pd["months"]),
             prob_post_err=np.array([0 if post in pd["posts"] else
                                     j.error("on_probation", W.probation_post_message(pd, post)) for post in posts],
                                    np.int16),
             prob_contra_err=np.array([j.error("on_probation", W.probation_contradiction_message(pd, stated))
                                       for stated in (False, True)], np.int16))
    t["missing_row"] = np.array([0] + [0 if lv in rows else j.error("years_of_service",
                                                                    f"the salary table has no row for level {lv}")
                                       for lv in range(1, top_level + 1)], np.int16)
    return Part(t, j, ("coef_basis", "base_basis", "prob_basis"),
                ("prob_post_err", "prob_contra_err", "missing_row"), coefficients)


def raises(tv, rv, bands: Part, posts: tuple, edus: tuple, certs: tuple) -> Part:
    """The raises: education and certificate levels, combined and capped as the policy says. The raised and capped
    level of every (post, years, education, certificate), one take per row in run.py: kinds/worker.raised_level
    worked out over every band level of a post and every raise at once (one call a post, on numpy arrays), spread
    over the years of each band."""
    j, table, rd = Journal(), tv.data["data"], rv.data["data"]
    rows = {r["level"]: r for r in table["levels"]}
    top_level = max(r["level"] for r in table["levels"])
    edu_lv, edu_err = levels_of(rd, "education", edus, j.error)
    cert_lv, cert_err = levels_of(rd, "certificate", certs, j.error)
    raise_ = np.zeros((len(edus), len(certs)), np.int16)
    level_basis = np.zeros((len(edus), len(certs), top_level + 1), np.int32)
    interpretations = common.interpretations_of(rv)
    for e, el in enumerate(edu_lv):
        for c, cl in enumerate(cert_lv):
            if el is None or cl is None:
                continue  # the fact enum and the policy disagree: a row error (edu_err, cert_err)
            raise_[e, c] = W.combined_raise(rd, el, cl)
            for lv, r in rows.items():
                level_basis[e, c, lv] = j.id(W.level_cites(rd, el, cl, r), interpretations)
    top = np.array([W.level_cap(table, rd, p) for p in posts], np.int16)
    band_levels = bands.t["band"]
    known = np.array([el is not None for el in edu_lv])[:, None] & np.array([cl is not None for cl in cert_lv])
    el = np.array([0 if x is None else x for x in edu_lv], np.int64)[None, :, None]
    cl = np.array([0 if x is None else x for x in cert_lv], np.int64)[None, None, :]
    level = np.zeros(band_levels.shape + (len(edus), len(certs)), np.int16)
    for p, post in enumerate(posts):
        found, at = np.unique(band_levels[p], return_inverse=True)
        b = found.astype(np.int64)[:, None, None]
        raised = np.broadcast_to(W.raised_level(table, rd, post, b, el, cl)[0], (len(found),) + known.shape)
        level[p] = np.where(known, raised, b)[at]  # where the policy lacks a code, the band's level (a row error)
    return Part(dict(raise_=raise_, top=top, level=level, level_basis=level_basis, edu_err=edu_err,
                     cert_err=cert_err), j, ("level_basis",), ("edu_err", "cert_err"))


def missing(key: str, field_: str, message: str) -> Part:
    """A policy some rows need is not in force: `key` holds the error its rows get."""
    j = Journal()
    return Part({key: j.error(field_, message)}, j, (), (key,))


def allowance(av, pv, stars_max: int) -> Part:
    """The performance allowance by stars; probation's own figure. `extra`: the amounts as the policy writes them,
    by stars then probation's, for the district layer."""
    j, ad, pd = Journal(), av.data["data"], pv.data["data"]
    allow, allow_basis, allow_err = (np.zeros(stars_max + 1, dt_) for dt_ in (np.int64, np.int32, np.int16))
    amounts = [0] * (stars_max + 1)
    for s in range(stars_max + 1):
        try:
            srow = W.star_row(ad, s)
        except RulingError as exc:
            allow_err[s] = j.error("party_org_stars", str(exc))
            continue
        allow[s] = amounts[s] = srow["amount"]
        allow_basis[s] = j.id(W.allowance_cites(ad, srow), common.interpretations_of(av))
    t = dict(allow=allow, allow_basis=allow_basis, allow_err=allow_err, prob_allow=int(pd["performance_allowance"]),
             prob_allow_basis=j.id(W.probation_allowance_cites(pd), common.interpretations_of(pv)))
    return Part(t, j, ("allow_basis", "prob_allow_basis"), ("allow_err",), amounts + [pd["performance_allowance"]])


def spread(repo, day: dt.date, areas: tuple, grades: tuple, allowances: tuple) -> Part:
    """The district layer's performance pay (kinds/district.performance_spread) for every area, latest grade (code
    0: none recorded, then the grades' codes + 1) and allowance (the stars' amounts, then probation's): its value in
    cents, whether it is given, its basis and its layer's label. Empty when the delegation is not in force."""
    j = Journal()
    grades = (None,) + grades
    shape = (len(areas), len(grades), len(allowances))
    cents_, given = np.zeros(shape, np.int64), np.zeros(shape, bool)
    bases, layer = np.zeros(shape, np.int32), np.zeros(shape, np.int16)
    labels: list = []
    for a, area in enumerate(areas):
        for g, grade in enumerate(grades):
            for s, allowance_ in enumerate(allowances):
                step = D.performance_spread(repo, area, day, grade, allowance_)
                if step is None:
                    return Part({}, Journal())
                given[a, g, s] = step.value is not None
                cents_[a, g, s] = cents(step.value) if step.value is not None else 0
                bases[a, g, s] = j.id(step.cites, step.interpretations)
                label = D.layer_label(step.layer, step.value)
                if label not in labels:
                    labels.append(label)
                layer[a, g, s] = labels.index(label)
    return Part({"spread": cents_, "spread_given": given, "spread_basis": bases, "spread_layer": layer,
                 "spread_labels": labels}, j, ("spread_basis",))


def retiree(yv) -> Part:
    """The retiree top-up: max(minimum, base pay - pension), in cents."""
    j, yd = Journal(), yv.data["data"]
    return Part({"retiree_min_cents": cents(yd["minimum"]),
                 "retiree_basis": j.id([yd["source"]], common.interpretations_of(yv))}, j, ("retiree_basis",))


def award(hv, max_years: int) -> Part:
    """The honours by years, the same selection as the per-case path."""
    j, hd = Journal(), hv.data["data"]
    amounts, bases = np.zeros(max_years + 1, np.int64), np.zeros(max_years + 1, np.int32)
    for y in range(max_years + 1):
        amount, cites, _ = W.award(hd, y)
        amounts[y] = amount
        bases[y] = j.id(cites, common.interpretations_of(hv))
    return Part({"award": amounts, "award_basis": bases}, j, ("award_basis",))


def certificate(cv) -> Part:
    j, cd = Journal(), cv.data["data"]
    return Part(dict(cert_max_age=int(cd["max_age"]), cert_years=int(cd["years_allowed"]),
                     cert_new_hires=bool(cd["new_hires_regardless_of_age"]),
                     cert_start=np.datetime64(dt.date.fromisoformat(str(cd["scheme_start"])), "D"),
                     cert_basis=j.id([cd["source"]], common.interpretations_of(cv))), j, ("cert_basis",))


def rule_set(encodes: tuple, rules: list) -> Part:
    """A rule set's bases: when nothing fires (the clauses it encodes) and for each mask (masks). `extra`: each
    mask's label. What it reads of the rules is their ids, clauses and interpretations (`rule_keys`), not their
    conditions: a reading that changes a condition shares it."""
    j = Journal()
    none_basis = j.id(encodes, [])
    labels, bases = masks(rules, j, none_basis)
    return Part({"none_basis": none_basis, "bases": bases}, j, ("none_basis", "bases"), extra=labels)


def rule_keys(rules: list) -> tuple:
    """What rule_set reads of each rule, as a key."""
    return tuple((r.id, tuple(r.cites), tuple(r.interpretations)) for r in rules)


def conditions(rules: list, kinds: dict) -> Part:
    """Each rule's condition compiled into a numpy closure (`extra`)."""
    return Part({}, Journal(), extra=[compile_condition(r.when, kinds) for r in rules])


def masks(rules: list, basis: Basis, none_basis: int) -> tuple[list, np.ndarray]:
    """For every set of a rule set's rules that fire together (a mask, bit i for rule i): its label (the rules'
    ids sorted, space-separated) and its basis (the fired rules' clauses and interpretations in rule order, as
    Trace.add gathers them; none_basis when none fires). Each mask's is its own without its highest rule, with that
    rule's added: a few steps a mask instead of going through every rule. The labels are built over the masks of the
    rules in the order of their ids (where the highest rule's id comes last) and read through the permutation."""
    order = sorted(range(len(rules)), key=lambda i: rules[i].id)
    rank = [0] * len(rules)
    for position, i in enumerate(order):
        rank[i] = 1 << position
    ids = [rules[i].id for i in order]
    clauses = [tuple(r.cites) for r in rules]
    interpretations = [tuple(r.interpretations) for r in rules]
    by_id_order, permuted = [""], [0]  # mask over the rules sorted by id -> its label; mask -> that mask
    cites: list = [((), ())]  # mask -> (clauses, interpretations) of the fired rules, each in order without repeats
    for mask in range(1, 1 << len(rules)):
        high = mask.bit_length() - 1
        rest = mask ^ (1 << high)
        by_id_order.append(ids[high] if not rest else f"{by_id_order[rest]} {ids[high]}")
        permuted.append(permuted[rest] | rank[high])
        have_clauses, have_interpretations = cites[rest]
        cites.append((tuple(dict.fromkeys(have_clauses + clauses[high])),
                      tuple(dict.fromkeys(have_interpretations + interpretations[high]))))
    bases = np.array([none_basis] + basis.of_all(cites[1:]), np.int32)
    return [by_id_order[m] for m in permuted], bases


def levels_of(rd: dict, group: str, codes, error) -> tuple[list, np.ndarray]:
    """The raise of each code of a fact's enum (None where the policy has none) and the row error for it."""
    found, errs = [], np.zeros(len(codes), np.int16)
    for i, code in enumerate(codes):
        try:
            found.append(W.raise_levels(rd, group, code))
        except RulingError as exc:
            found.append(None)
            errs[i] = error(group, str(exc))
    return found, errs


def cents(amount) -> int:
    c = Decimal(str(amount)) * 100
    if c != c.to_integral_value():
        raise RulingError(f"the amount {amount} is not a whole number of cents")
    return int(c)
