"""Apply a compiled program to a roster's columns: every worker result as an array, and for each result the code of
its basis (the clause ids and interpretation ids it rests on, in Program.basis).

Every lookup comes from the program's tables, which batch/compile.py fills by calling the worker's step functions
(kinds/worker.py) on every value the facts may take: a change to a step is made there. What is composed here as array
code is the arithmetic over unbounded values: the retiree top-up from a pension, the certificate and probation clocks
from dates and the unqualified streak; tests/test_batch_differential.py holds every row equal to the per-case ruling.
The run is a sequence of steps (STEPS), each reading its own tables: another program's output on the same facts is
this one's with the steps whose tables differ run again (batch/rerun.py, for the notes' readings).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..kinds import district as D
from .compile import Program
from .facts import Column, Facts


@dataclass
class Output:
    n: int
    values: dict = field(default_factory=dict)  # result -> array (codes for coefficient and the exit grounds)
    present: dict = field(default_factory=dict)  # result -> bool array (False: null in the ruling)
    basis: dict = field(default_factory=dict)  # result -> int32 basis codes
    entry: dict = field(default_factory=dict)  # result -> bool array: the per-case trace has an entry for it
    layer: dict = field(default_factory=dict)  # result -> int16 codes of its district layer's label (compile)
    error: np.ndarray | None = None  # int16 code into Program.errors; 0: ruled
    steps: dict = field(default_factory=dict)  # what the steps handed on to later ones (evaluate(keep=True))


def _first_error(err: np.ndarray, codes, where=None) -> None:
    """Record `codes` as the error of rows that have none yet (the per-case path stops at its first error)."""
    codes = np.asarray(codes)
    mask = (err == 0) & (codes != 0)
    if where is not None:
        mask &= where
    err[mask] = codes[mask] if codes.ndim else codes


def _table_error(err: np.ndarray, table: np.ndarray, idx, where=None) -> None:
    if table.any():  # most tables have no error cell: skip the lookup
        _first_error(err, np.take(table, idx), where)


def _with(table: np.ndarray, last) -> np.ndarray:
    """The table with one more entry at its end (of the table's own type): probation's value, so that one take
    with probation rows pointing there replaces a take and an np.where."""
    return np.concatenate([table, np.array([last], table.dtype)])


def evaluate(prog: Program, facts: Facts, keep: bool = False) -> Output:
    """Every step (STEPS) over the roster's columns; `keep`: what the steps hand on to later ones kept in the output
    (Output.steps), so that another program's output can be made from this one by running some steps again
    (rerun.again)."""
    out = Output(facts.n)
    err = np.zeros(facts.n, np.int16)
    st = {"everyone": np.ones(facts.n, bool)}
    for _, step in STEPS:
        step(prog, facts, out, err, st)
    out.error = err
    out.entry = {r: out.entry.get(r, st["everyone"]) for r in out.values}
    if keep:
        out.steps = {**st, "program": prog}
    return out


def _band(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    t, c = prog.t, facts.columns
    # flat indices into the lookup tables, computed once (much cheaper than multi-dimensional fancy indexing)
    st["py"] = py = c["post"].values.astype(np.intp) * t["band"].shape[1] + c["years_of_service"].values
    st["band"] = band = np.take(t["band"], py)
    _table_error(err, t["band_err"], py)
    _put(out, "salary.band_level", band, st["everyone"], np.take(t["band_basis"], py), st["everyone"])


def _put(out: Output, name: str, values, present, basis, entry) -> None:
    out.values[name], out.present[name], out.basis[name], out.entry[name] = values, present, basis, entry


def _probation(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    c = facts.columns
    st["prob"] = probation(prog.t, err, c["post"].values, c["on_probation"], c["hire_date"], prog.as_of)


def _level(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    """Salary level, coefficient and base pay: probation's row, or the band raised and capped."""
    t, c, n, everyone = prog.t, facts.columns, facts.n, st["everyone"]
    prob, band = st["prob"], st["band"]
    edu, cert = c["education"].values, c["certificate"].values
    if "raises_err" in t:
        _first_error(err, np.int16(t["raises_err"]), ~prob)
        level = band.copy()
        level_basis = np.zeros(n, np.int32)
    else:
        _table_error(err, t["edu_err"], edu, ~prob)
        _table_error(err, t["cert_err"], cert, ~prob)
        ec = edu.astype(np.intp) * t["raise_"].shape[1] + cert
        level = np.take(t["level"], st["py"] * t["raise_"].size + ec)  # the capped level, tabulated by compile
        level_basis = np.take(t["level_basis"], ec * t["level_basis"].shape[2] + band)
    lvl = level.astype(np.intp)
    np.putmask(lvl, prob, len(t["base"]))  # probation's row: the entry _with adds past the last level
    _table_error(err, _with(t["missing_row"], 0), lvl)
    _put(out, "salary.level", level, ~prob, np.where(prob, t["prob_basis"], level_basis), everyone)
    coef_codes = _with(np.arange(len(t["base"]), dtype=level.dtype), t["prob_coef"])
    _put(out, "salary.coefficient", np.take(coef_codes, lvl), everyone,
         np.take(_with(t["coef_basis"], t["prob_basis"]), lvl), everyone)
    st["base_pay"] = base_pay = np.take(_with(t["base"], t["prob_base"]), lvl)
    _put(out, "salary.base_pay", base_pay, everyone, np.take(_with(t["base_basis"], t["prob_basis"]), lvl), everyone)


def _allowance(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    """Performance allowance: only where the stars are given."""
    t, n, stars = prog.t, facts.n, facts.columns["party_org_stars"]
    if "allow_missing" in t:
        _first_error(err, np.int16(t["allow_missing"]), stars.present)
        allow, allow_basis = np.zeros(n, np.int64), np.zeros(n, np.int32)
    else:
        st["s"] = s = np.where(stars.present, stars.values, 0).astype(np.intp, copy=False)
        _table_error(err, t["allow_err"], s, stars.present)
        np.putmask(s, st["prob"], len(t["allow"]))  # probation's entry, as for the salary level
        allow = np.take(_with(t["allow"], t["prob_allow"]), s)
        allow_basis = np.take(_with(t["allow_basis"], t["prob_allow_basis"]), s)
    _put(out, "salary.performance_allowance", allow, stars.present, allow_basis, stars.present)


def _spread(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    """The district layer (kinds/district.py), looked up by area, latest grade and allowance; a roster without areas
    has none to look up."""
    t, c, n, pay = prog.t, facts.columns, facts.n, D.SPREAD_RESULT
    if "spread" in t and "allow_missing" not in t and c["area"].present.any():
        shape = t["spread"].shape
        sp = (c["area"].values.astype(np.intp) * shape[1] + latest_grade(facts.grades, n) + 1) * shape[2] + st["s"]
        entry = c["party_org_stars"].present & c["area"].present
        _put(out, pay, np.take(t["spread"], sp), entry & np.take(t["spread_given"], sp),
             np.take(t["spread_basis"], sp), entry)
        out.layer[pay] = np.take(t["spread_layer"], sp)
    else:
        _put(out, pay, np.zeros(n, np.int64), np.zeros(n, bool), np.zeros(n, np.int32), np.zeros(n, bool))
        out.layer[pay] = np.zeros(n, np.int16)


def _retiree(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    """Retiree top-up in cents."""
    t, c, n = prog.t, facts.columns, facts.n
    retired, pension = c["retired"].values, c["pension_monthly"]
    if "retiree_missing" in t:
        _first_error(err, np.int16(t["retiree_missing"]), retired)
        top_up, top_basis = np.zeros(n, np.int64), np.zeros(n, np.int32)
    else:
        top_up = st["base_pay"] * 100  # in place from here: each temporary of a million rows costs a pass
        top_up -= np.where(pension.present, pension.values, 0)
        np.maximum(top_up, t["retiree_min_cents"], out=top_up)
        top_basis = np.full(n, t["retiree_basis"], np.int32)
    _put(out, "salary.retiree_top_up", top_up, retired, top_basis, retired)


def _award(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    t, years, everyone = prog.t, facts.columns["years_of_service"].values, st["everyone"]
    _put(out, "honor.award", np.take(t["award"], years), everyone, np.take(t["award_basis"], years), everyone)


def _certificate(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    certificate(prog.t, facts, out)  # its entry: every row (evaluate)


def _rule_sets(prog: Program, facts: Facts, out: Output, err: np.ndarray, st: dict) -> None:
    cols = st.pop("columns", None)  # the rule columns of another output with the same due dates (rerun.again)
    rule_sets(prog, rule_columns(prog, facts, out) if cols is None else cols, out, st.pop("fired", None))


RULE_SETS, CERTIFICATE = "rule_sets", "certificate"
CERTIFICATE_TABLES = frozenset({"cert_start", "cert_years", "cert_max_age", "cert_new_hires", "cert_basis"})
# The steps of evaluate in order (the tables each reads, and the steps it needs: batch/rerun.py)
STEPS = (("band", _band), ("probation", _probation), ("level", _level), ("allowance", _allowance),
         ("spread", _spread), ("retiree", _retiree), ("award", _award), (CERTIFICATE, _certificate),
         (RULE_SETS, _rule_sets))
FROM_OUTPUT = frozenset({"certificate_days_overdue"})  # the rule columns made from the output (its due dates)


def rule_columns(prog: Program, facts: Facts, out: Output) -> dict:
    """The columns the rule sets read: the facts, and the facts derived from them and from out's due date."""
    n, everyone = facts.n, np.ones(facts.n, bool)
    cols = dict(facts.columns)
    unq = prog.specs["assessments"].enum.index("unqualified")  # the grade derived.unqualified_streak counts
    cols["unqualified_streak"] = Column(unqualified_streak(facts.grades, prog.as_of.year, n, unq), everyone)
    cert = facts.columns["certificate"].values
    cols["certificate_held"] = Column(cert != prog.specs["certificate"].enum.index("none"), everyone)
    overdue = np.datetime64(prog.as_of, "D").astype(np.int64) - out.values["certificate.due_date"].astype(np.int64)
    cols["certificate_days_overdue"] = Column(overdue, out.present["certificate.due_date"])
    return cols


def rule_sets(prog: Program, cols: dict, out: Output, fired: dict | None = None) -> None:
    """Every rule set's conditions over `cols` (rule_columns): into out, each result's fired rules as a mask.
    `fired`: result -> (another run's mask, the bits of the rules whose tests are known to give the same there)."""
    everyone = np.ones(out.n, bool)
    for rs in prog.rulesets:
        kept, alike = fired.get(rs.result, (None, 0)) if fired else (None, 0)
        mask = kept & np.uint16(alike) if alike else np.zeros(out.n, np.uint16)
        for i, test in enumerate(rs.tests):
            if not alike >> i & 1:
                mask |= test(cols).astype(np.uint16) << np.uint16(i)
        out.values[rs.result], out.present[rs.result] = mask, everyone
        out.basis[rs.result] = rs.bases[mask]


def certificate(t: dict, facts: Facts, out: Output) -> None:
    """The certificate's due date (certificate_due) into out: the only step of evaluate that reads
    CERTIFICATE_TABLES (tests/test_reading_notes.py holds it so)."""
    due, subject = certificate_due(t, facts.columns["birth_date"], facts.columns["hire_date"])
    out.values["certificate.due_date"], out.present["certificate.due_date"] = due, subject
    out.basis["certificate.due_date"] = np.full(facts.n, t["cert_basis"], np.int32)


def probation(t: dict, err: np.ndarray, post: np.ndarray, stated: Column, hire: Column, as_of) -> np.ndarray:
    """kinds/worker.probation_status over the roster: derived from the hire date (derived.add_months) for the posts
    that have a probation, else the stated value; a stated value the post or the hire date contradicts is the row's
    error."""
    said = stated.present & stated.values.astype(bool)
    allowed = np.take(t["prob_posts"], post)
    _first_error(err, np.take(t["prob_post_err"], post), said)
    dated = allowed & hire.present
    h = np.where(hire.present, hire.values, np.datetime64(as_of, "D")).astype("datetime64[D]")

    def probation_end(h: np.ndarray) -> np.ndarray:
        month = h.astype("datetime64[M]")
        later = month + np.timedelta64(t["prob_months"], "M")
        last = (later + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
        return np.minimum(later.astype("datetime64[D]") + (h - month.astype("datetime64[D]")), last)
    end = by_day(h, probation_end)
    day = np.datetime64(as_of, "D")
    derived_ = dated & (h <= day) & (day < end)
    contra = dated & stated.present & (said != derived_)
    _first_error(err, np.take(t["prob_contra_err"], said.astype(np.intp)), contra)
    return np.where(dated, derived_, allowed & said)


def by_day(days: np.ndarray, f) -> np.ndarray:
    """f(days) for an array of dates (datetime64[D]) whose function of each day is f's of that day alone. Dates in a
    roster repeat (a few thousand distinct days in a chunk), and numpy's calendar conversions (days to months and
    back) are slow per element: when the span of the dates is shorter than the array, f is computed once per day
    of the span and each row looks its day up; otherwise on the rows themselves."""
    d = days.view(np.int64)
    if not len(d):
        return f(days)
    lo, hi = int(d.min()), int(d.max())
    if hi - lo >= len(d):
        return f(days)
    return np.take(f(np.arange(lo, hi + 1, dtype=np.int64).view("datetime64[D]")), d - lo)


def certificate_due(t: dict, birth: Column, hire: Column):
    """derived.add_years(max(hire, scheme start), years) for those aged max_age or under at the start
    (derived.age_on). Dates are looked up in per-day tables over the span of the data (day_tables): far cheaper
    than date arithmetic on every row."""
    both = birth.present & hire.present
    b = birth.values.view(np.int64)  # days since 1970-01-01
    start = np.maximum(hire.values.view(np.int64), t["cert_start"].astype(np.int64))
    lo = int(min(b.min(), start.min())) if len(b) else 0
    hi = int(max(b.max(), start.max())) if len(b) else 0
    first, key, due_tab = day_tables(lo, hi, int(t["cert_years"]))
    start -= first  # a fresh array (np.maximum); b is the roster's own column, so it is not changed in place
    age_key = np.take(key, start)
    age_key -= np.take(key, b - first)
    subject = both & (age_key < (t["cert_max_age"] + 1) << 9)  # age <= max age
    if t["cert_new_hires"]:  # every new hire, whatever the age
        subject |= both & (hire.values.view(np.int64) >= t["cert_start"].astype(np.int64))
    return np.take(due_tab, start).view("datetime64[D]"), subject


MAX_DAY_TABLE = 1 << 17  # days (about 360 years) of the per-day tables kept between runs, per number of years
MAX_DAY_TABLES = 8  # numbers of years whose tables are kept (a few scheme lengths at most in any repository)
_DAY_TABLES: dict = {}  # years -> (first day, key, due): the widest span asked for so far


def day_tables(lo: int, hi: int, years: int) -> tuple[int, np.ndarray, np.ndarray]:
    """(first, key, due) over the days first..first+len-1, which include lo..hi (days since 1970-01-01): for each
    day its (year, month, day) key and the day `years` years later (derived.add_years). Each day's entries are a
    function of that day alone, so the tables of a wider span, kept from an earlier run, give the same values: a
    program run over a few rows (a request's cases) would otherwise spend most of its time building them again
    (a few ms for the decades between birth and hire dates). Kept per number of years, up to MAX_DAY_TABLE days."""
    kept = _DAY_TABLES.get(years)
    if kept is not None:
        first, key, _ = kept
        if first <= lo and hi < first + len(key):
            return kept
        if max(hi, first + len(key) - 1) - min(lo, first) < MAX_DAY_TABLE:  # widened to keep both spans
            lo, hi = min(lo, first), max(hi, first + len(key) - 1)
    made = (lo, *build_day_tables(lo, hi, years))
    if hi - lo < MAX_DAY_TABLE:
        if len(_DAY_TABLES) >= MAX_DAY_TABLES:
            _DAY_TABLES.clear()
        _DAY_TABLES[years] = made
    return made


def build_day_tables(lo: int, hi: int, years: int) -> tuple[np.ndarray, np.ndarray]:
    span = np.arange(lo, hi + 1, dtype=np.int64).view("datetime64[D]")
    month = span.astype("datetime64[M]")
    year = span.astype("datetime64[Y]")
    m = (month - year.astype("datetime64[M]")).astype(np.int64)  # 0..11
    d = (span - month.astype("datetime64[D]")).astype(np.int64)  # 0..30
    # year, month and day packed so that one comparison orders (month, day) within a year: month and day take
    # 9 bits (at most 11 << 5 | 30 < 512), so (start key - birth key) >> 9 is the age in completed years
    key = ((year.astype(np.int64) << 9) | (m << 5) | d).astype(np.int32)
    later = month + np.timedelta64(years, "Y")
    last = (later + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    due = np.minimum(later.astype("datetime64[D]") + d.astype("timedelta64[D]"), last).view(np.int64)
    key.flags.writeable = due.flags.writeable = False  # kept and shared between runs: read only
    return key, due


def latest_grade(grades: dict, n: int) -> np.ndarray:
    """kinds/district.latest_grade over grade columns: the code of the grade of the latest year graded, -1 for none."""
    latest = None
    for y in sorted(grades, reverse=True):  # from the latest year back, filling only rows not graded yet
        latest = grades[y] if latest is None else np.where(latest >= 0, latest, grades[y])
    return (np.full(n, -1, np.int8) if latest is None else latest).astype(np.intp)


def unqualified_streak(grades: dict, year: int, n: int, unqualified: int) -> np.ndarray:
    """derived.unqualified_streak over grade columns: from the latest graded year up to `year`, count back while
    the grade is unqualified and no year is missing."""
    streak = np.zeros(n, np.int16)
    started = np.zeros(n, bool)
    alive = np.zeros(n, bool)
    later = None
    for y in sorted((y for y in grades if y <= year), reverse=True):
        if later is not None and y != later - 1:  # the years between have no column: no grade, every run ends
            alive = np.zeros(n, bool)
        later = y
        g = grades[y]
        has, unq = g >= 0, g == unqualified
        alive = (alive | (has & ~started)) & unq  # the latest graded year starts the run; a gap or a pass ends it
        started |= has
        streak += alive
    return streak
