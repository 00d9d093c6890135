"""Another program's output on the same facts, made from one run's output (run.evaluate(keep=True)) by running again
only the steps of the run whose tables or rule sets differ, and the steps that need them: how the notes on
alternative readings (batch/reading_notes.py) get each reading's output. A reading of the raises changes one table
of the level's step, so its run is two steps of nine (level, retiree); probation's reading five; the certificate's
two (its due date, the rule sets); a reading of the rule sets one, and only the rules whose condition differs, or
reads what a step run again changed, are tested again (the others' bits are the first run's).

The output is exact on every row the first program rules (its error 0): such a row had no error in any step, so
its error under the other program is the first of the steps run again, as in a whole run. The rows the first
program refuses keep its error (the notes never read them). tests/test_reading_notes.py holds each step to the
tables declared here and every output to a whole run.
"""
from __future__ import annotations

import numpy as np

from .compile import Program
from .facts import Facts
from .run import CERTIFICATE, CERTIFICATE_TABLES, FROM_OUTPUT, RULE_SETS, STEPS, Output

# The tables (Program.t) each step of the run reads: a step whose tables two programs have alike, given the same
# facts and the same values from the steps it needs (NEEDS), gives the same arrays
TABLES = {
    "band": frozenset({"band", "band_err", "band_basis"}),
    "probation": frozenset({"prob_posts", "prob_post_err", "prob_contra_err", "prob_months"}),
    "level": frozenset({"raises_err", "edu_err", "cert_err", "raise_", "level", "level_basis", "missing_row", "base",
                        "prob_coef", "coef_basis", "prob_basis", "prob_base", "base_basis"}),
    "allowance": frozenset({"allow_missing", "allow_err", "allow", "prob_allow", "allow_basis", "prob_allow_basis"}),
    "spread": frozenset({"spread", "spread_given", "spread_basis", "spread_layer", "allow_missing"}),
    "retiree": frozenset({"retiree_missing", "retiree_min_cents", "retiree_basis"}),
    "award": frozenset({"award", "award_basis"}),
    CERTIFICATE: CERTIFICATE_TABLES,
    RULE_SETS: frozenset(),  # and the program's rule sets
}
NOT_READ = frozenset({"top", "spread_labels"})  # tables the run does not read (the frame's, the bench's)
NEEDS = {"level": {"band", "probation"}, "allowance": {"probation"}, "spread": {"allowance"}, "retiree": {"level"},
         RULE_SETS: {CERTIFICATE}}


def steps_again(a: Program, b: Program) -> frozenset | None:
    """The steps of the run to run again for b, given a's output on the same facts (again): those whose tables or
    rule sets differ, and those that need a step run again; None when the programs differ in anything else (their
    date, facts, which tables they have, the results of their rule sets, or a table no step declares)."""
    if not (a.as_of == b.as_of and a.specs == b.specs and a.t.keys() == b.t.keys() and a.kinds == b.kinds
            and [rs.result for rs in a.rulesets] == [rs.result for rs in b.rulesets]):
        return None
    differ = {k for k in a.t if not _same(a.t[k], b.t[k])}
    if differ - NOT_READ - frozenset().union(*TABLES.values()):
        return None
    steps = {step for step, _ in STEPS if TABLES[step] & differ}
    if not all(x.rules == y.rules and x.labels == y.labels and x.none_basis == y.none_basis
               and _same(x.bases, y.bases) for x, y in zip(a.rulesets, b.rulesets)):
        steps.add(RULE_SETS)
    for step, _ in STEPS:  # in order: a step's needs come before it
        if NEEDS.get(step, set()) & steps:
            steps.add(step)
    return frozenset(steps)


def again(prog: Program, facts: Facts, base: Output, steps: frozenset, columns: dict | None = None) -> Output:
    """prog's output on `facts` from `base` (another program's, run.evaluate(keep=True)) with `steps` run again
    (steps_again): on every row `base` rules (its error 0) it is run.evaluate(prog, facts)'s, array for array; the
    rows `base` refuses keep its error (their values are not prog's). `columns`: base's rule_columns, when the
    certificate's step is not run again."""
    out = Output(base.n, dict(base.values), dict(base.present), dict(base.basis), dict(base.entry), dict(base.layer))
    err = np.zeros(base.n, np.int16)
    st = dict(base.steps)
    if columns is not None and CERTIFICATE not in steps:
        st["columns"] = columns
    if RULE_SETS in steps:
        moved = FROM_OUTPUT if CERTIFICATE in steps else frozenset()
        st["fired"] = {y.result: (base.values[y.result], alike(x, y, moved))
                       for x, y in zip(base.steps["program"].rulesets, prog.rulesets)}
    for name, step in STEPS:
        if name in steps:
            step(prog, facts, out, err, st)
    out.error = np.where(base.error != 0, base.error, err)
    return out


def alike(x, y, moved: frozenset) -> int:
    """The bits of rule set y's rules whose test gives what rule set x's rule at the same place gave: the same
    condition (over the same kinds of facts: steps_again) reading no column in `moved`."""
    return sum(1 << i for i, (p, q) in enumerate(zip(x.rules, y.rules))
               if p.when == q.when and not moved & set(q.facts))


def _same(x, y) -> bool:
    if x is y:  # a table of a part the programs share (batch/tables.Shared: read-only)
        return True
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.dtype == y.dtype
                and x.shape == y.shape and bool(np.array_equal(x, y)))
    return type(x) is type(y) and bool(x == y)
