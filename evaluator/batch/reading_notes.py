"""The notes on alternative readings of many worker cases, from the compiled program: every reading at once.

A ruling notes every other executable reading under which its results would differ (ruling/readings.differences).
Ruled one case at a time, that is the case ruled again under each reading that can reach it (about five times a
worker). Here the cases of a file (or a request) that share a date are ruled together on the compiled program
(batch/compile.py, batch/run.py) once under the repository's own readings and once under every alternative reading
of the interpretations the program rests on; rows whose results differ are turned into the per-case form
(batch/rulings.Rows) and handed to the per-case ruling as a `readings.Ruled`, which then makes its notes
without ruling again. The notes are the per-case ones because everything that could make them otherwise goes back
to the per-case path:

- only worker cases whose facts the program's columns hold exactly (`fits`) are taken;
- a date's programs are compiled only when enough cases fall on it to pay for it (MIN_CASES_COLD cases of the
  file, or of all the files and requests this process ruled: ruled_before), and a window's group of fewer than
  MIN_CASES cases on a date is ruled one by one (both thresholds measured, see below);
- a reading whose program cannot be compiled is ruled again per case; so is any reading of an interpretation the
  program does not rest on (e.g. one a district supplement names);
- the per-case ruling checks that its own results are identical to the program's (types and written form) before
  using anything of it (readings.differences), and rules again under every reading if not.

Memory is bounded: cases are taken WINDOW at a time in file order (only the latest window's results are kept), and
at most MAX_DATES dates' programs are kept per repository. The programs live beside the repository (like its
reading variants), so the worker processes of `policy serve` and `policy eval --jobs N` reuse them across requests
and windows; the first use of a date compiles them (nine for a worker date today, about 20 ms of CPU together: the
parts no reading changes are built once between them, batch/tables.py).

The thresholds come from bench/notes_crossover.py (CPU per case, durable-rules, make bench of 2026-12-06 16:15 UTC,
two cores, quiet machine): ruling a case again under the readings that reach it costs about 215-220 µs a case
whatever the number of cases; with the programs compiled the compiled path costs 469 µs a case at 16, 145 at 32,
92 at 128 and 78 from 1,024 on (a run of a program has a fixed cost, since the certificate clock's per-day tables are
kept between runs: batch/run.day_tables), so it pays from 32 cases (MIN_CASES); compiling the nine programs of a
date first costs about 20 ms of CPU (batch/tables.py shares their parts), and the compiled path then pays from 256
cases (MIN_CASES_COLD; 166 against 215 at 256, 261 against 214 at 128).
Run the bench again when the per-case ruling gets cheaper: both crossovers move up.
"""
from __future__ import annotations

import collections
import datetime as dt
import threading
from decimal import Decimal

from ..kinds.errors import RulingError
from ..ruling import readings as R

# numpy and the compiled program (batch/compile.py, run.py, rulings.py) are imported where a date's programs are
# compiled or run: a file or request that never gets there (most of them) does not pay for their import

WINDOW = 4096  # cases whose notes are worked out together (and kept until the next window)
MIN_CASES = 32  # a date's cases in a window, with its programs compiled, below which the per-case path is cheaper
MIN_CASES_COLD = 256  # a date's cases in the file below which compiling its programs costs more than it saves
MAX_DATES = 4  # dates whose programs are kept per repository (each date's nine programs: about 5 MB)
MAX_COUNTED = 4096  # dates whose cases are counted toward compiling them (ruled_before)
# Dates the certificate and probation clocks tabulate day by day over the span of a group's dates: outside these,
# a case goes the per-case way (its cost would grow with the span, not with the cases).
EARLIEST, LATEST = dt.date.fromisoformat("1900-01-01"), dt.date.fromisoformat("2199-12-31")
EXACT_DIGITS = 15  # a number with more significant digits may not compare as a float64 as it does as written

_LOCK = threading.Lock()


class Programs:
    """A date's compiled programs: the repository's own (`base`) and, per (interpretation, code) of every other
    executable reading of the interpretations it rests on, the program under that reading."""

    def __init__(self, base, other: dict):
        self.base, self.other = base, other
        self.canon: dict = {}  # (result, table entry) -> its code shared by these programs (canonical)
        self.luts: dict = {}  # id(program) -> result -> program code -> shared code (kept with the programs)
        self.steps: dict | None = None  # reading -> the steps its program runs again (steps_again)
        self.checks: Checks | None = None  # fits()'s checks of the base program's facts, made at first use


def programs(repo, day: dt.date) -> Programs | None:
    """The programs of `day`, compiled once and kept beside the repository (at most MAX_DATES dates, the least
    recently used let go); None when the repository's own program cannot be compiled (the per-case path then
    rules, and refuses, as it would)."""
    with _LOCK:
        cache = repo.__dict__.setdefault("_compiled_readings", collections.OrderedDict())
        if day in cache:
            cache.move_to_end(day)
            return cache[day]
    got = _compile(repo, day)
    with _LOCK:
        cache[day] = got
        while len(cache) > MAX_DATES:
            cache.popitem(last=False)
    return got


def compiled(repo, day: dt.date) -> bool:
    return day in repo.__dict__.get("_compiled_readings", {})


def ruled_before(repo, per_day: collections.Counter) -> collections.Counter:
    """The worker cases this process ruled before on each date (from earlier files or requests), then counting
    these too: a date's programs are compiled once its cases, all told, reach the crossover (MIN_CASES_COLD), so
    that a server answering requests smaller than that still compiles them once a date is asked for often.
    Bounded: past MAX_COUNTED dates the count starts again."""
    with _LOCK:
        counts = repo.__dict__.setdefault("_notes_cases_by_date", collections.Counter())
        before = collections.Counter({d: counts[d] for d in per_day})
        if len(counts) + len(per_day) > MAX_COUNTED:
            counts.clear()
        counts.update(per_day)
    return before


def chosen_days(repo, per_day: collections.Counter) -> set:
    """The dates whose cases are ruled on the compiled programs, given the worker cases of a file (or request) on
    each date: those with MIN_CASES cases or more whose programs are compiled, or whose cases, counted with the
    ones this process ruled before (ruled_before), pay for compiling them."""
    seen = ruled_before(repo, per_day)
    return {d for d, n in per_day.items() if n >= MIN_CASES and (compiled(repo, d) or seen[d] + n >= MIN_CASES_COLD)}


def compile_days(repo, days: set) -> None:
    """The programs of `days` compiled now (those kept: at most MAX_DATES)."""
    for d in sorted(days)[:MAX_DATES]:
        programs(repo, d)


def _compile(repo, day: dt.date) -> Programs | None:
    from . import compile as bcompile
    from .tables import Shared

    shared = Shared()  # the parts a reading does not change, built once for the date's programs
    try:
        base = bcompile.compile_worker(repo, day, shared)
    except RulingError:
        return None
    other = {}
    used = {vid: v.version for vid, v in base.versions.items()}
    for iid, _it, _used, code, _choices, variant in R.plan(repo, used, {}):
        try:
            other[(iid, code)] = bcompile.compile_worker(variant, day, shared)
        except RulingError:  # e.g. a patch the program cannot tabulate: ruled per case
            continue
    return Programs(base, other)


def fits(case, checks: Checks) -> bool:
    """Whether the program's columns hold this case's facts exactly: a worker case whose every fact is a column,
    each value within its column's type and bounds (`checks`: Checks(specs); a schema-checked case is within
    them, but this does not rely on it). A true or false of a boolean fact, and a text of an enum fact, are
    looked up (what their checks would say); any other value is checked."""
    if case.kind != "worker":
        return False
    for name, v in case.facts.items():
        if v is True or v is False:
            if name in checks.booleans:
                continue
        elif type(v) is str:
            words = checks.enums.get(name)
            if words is not None:
                if v in words:
                    continue
                return False
        check = checks.each.get(name)
        if check is None or not check(v):
            return False
    return True


class Checks:
    """What fits() checks a case's facts with: each fact's check, and the booleans' names and the enums' values."""

    def __init__(self, specs: dict):
        self.each = {name: _checker(spec) for name, spec in specs.items()}  # fact name -> whether a value fits
        self.booleans = frozenset(name for name, spec in specs.items() if spec.type == "boolean")
        self.enums = {name: frozenset(spec.enum) for name, spec in specs.items() if spec.type == "enum"}


def _checker(spec):
    def within(v) -> bool:
        return (spec.minimum is None or v >= spec.minimum) and (spec.maximum is None or v <= spec.maximum)

    if spec.type == "enum":
        return lambda v: type(v) is str and v in spec.enum
    if spec.type == "boolean":
        return lambda v: type(v) is bool
    if spec.type == "integer":
        return lambda v: type(v) is int and within(v)
    if spec.type in ("number", "money"):
        return lambda v: _number(v, spec.type == "money") and within(v)
    if spec.type == "date":
        return lambda v: type(v) is dt.date and EARLIEST <= v <= LATEST
    if spec.type == "grades":
        return lambda v: type(v) is list and all(type(a) is dict and a.keys() == {"year", "grade"}
                                                 and a["grade"] in spec.enum and type(a["year"]) is int
                                                 and within(a["year"]) for a in v)
    return lambda v: False


def _number(v, money: bool) -> bool:
    if type(v) not in (int, Decimal, float):
        return False
    d = Decimal(str(v)) if type(v) is float else Decimal(v)
    if not d.is_finite():
        return False
    if money:  # whole cents: the columns hold cents
        return (d * 100) == (d * 100).to_integral_value()
    return len(d.normalize().as_tuple().digits) <= EXACT_DIGITS


class ReadingNotes:
    """The notes' rulings under every reading for the cases of one file or request, worked out a window at a time
    as the cases are ruled in order: `ruled(i)` is the i-th case's readings.Ruled, or None for the per-case path."""

    def __init__(self, repo, cases: list, days: set | None = None):
        """`days`: the dates whose cases go to the compiled programs, chosen for a whole file (chosen_days) of
        which `cases` are a block (the programs compiled where first used, if not before); by default chosen for
        `cases` themselves, and their programs compiled now, so that processes forked to rule them inherit them."""
        self.repo, self.cases = repo, cases
        if days is None:
            days = chosen_days(repo, collections.Counter(c.as_of for c in cases if c.kind == "worker"))
            compile_days(repo, days)
        self.days = days
        self.window, self.ruled_in_window = range(0), {}

    def ruled(self, i: int) -> R.Ruled | None:
        if not self.days or self.cases[i].as_of not in self.days:
            return None
        if i not in self.window:
            w = i // WINDOW
            self.set_window(w * WINDOW, min(len(self.cases), (w + 1) * WINDOW))
        return self.ruled_in_window.get(i)

    def set_window(self, start: int, stop: int) -> None:
        """Work out the notes of the cases start..stop-1 together (at most WINDOW of them), letting the last
        window's go: a process ruling a block of cases (ruling/pool.py) works out that block's notes alone. Which
        cases share a window changes no note, only what it costs."""
        if stop - start > WINDOW:
            raise ValueError(f"a window of {stop - start} cases: at most {WINDOW}")
        if self.window == range(start, stop):
            return
        self.ruled_in_window, self.window = {}, range(start, stop)  # the last window let go before this one
        if self.days:
            self.ruled_in_window = self.work_out(self.window)

    def work_out(self, indices) -> dict:
        """{index: Ruled} for the cases of `indices` the compiled programs take."""
        groups: dict = {}
        for i in indices:
            if self.cases[i].as_of in self.days:
                groups.setdefault(self.cases[i].as_of, []).append(i)
        out = {}
        for day, members in groups.items():
            if len(members) < MIN_CASES:
                continue
            progs = programs(self.repo, day)
            if progs is None:
                continue
            checks = progs.checks if progs.checks is not None else Checks(progs.base.specs)
            progs.checks = checks
            members = [i for i in members if fits(self.cases[i], checks)]
            if len(members) >= MIN_CASES:
                out.update(zip(members, rule_group(progs, [self.cases[i] for i in members])))
        return out


def rule_group(progs: Programs, cases: list) -> list:
    """Each case's readings.Ruled (None where the repository's own program refuses it: the per-case ruling then
    refuses it too, or makes its notes itself), from one run of every program over the cases' columns (of the
    steps whose tables differ from the base's alone, where that is all a reading changes: reading_output)."""
    import numpy as np

    from . import run
    from .facts import from_case_facts
    from .rulings import Rows

    facts = from_case_facts([c.facts for c in cases], progs.base.specs)
    base = run.evaluate(progs.base, facts, keep=True)
    rows = Rows(progs.base, base)
    ok = base.error == 0
    results = [rows.results(i, c) if not rows.error[i] else None for i, c in enumerate(cases)]
    other: list = [{} for _ in cases]
    base_view = Comparable(progs, progs.base, base)
    kept: dict = {}
    for label, prog in progs.other.items():
        out = reading_output(progs, label, facts, base, kept)
        differ = np.flatnonzero(ok & base_view.differing(Comparable(progs, prog, out)))
        if not len(differ):
            continue
        rows = Rows(prog, out)
        for i in differ.tolist():
            code = rows.error[i]
            other[i][label] = prog.errors[code][1] if code else rows.results(i, cases[i])
    readings = frozenset(progs.other)
    return [R.Ruled(r, readings, o) if r is not None else None for r, o in zip(results, other)]


class Comparable:
    """A program's output as three arrays of (result, row), in the order of `names`: whether the per-case trace has
    an entry for the result, whether its value is not null, and the value as a code equal between two programs'
    outputs exactly where the per-case values are equal (==). The coefficient's and the rule sets' codes index
    each program's own tables, so they become codes shared by the date's programs (canonical); every other result's
    array already holds its value (cents, days, levels)."""

    def __init__(self, progs: Programs, prog, out):
        import numpy as np

        luts = canonical(progs, prog)
        self.names = list(out.values)
        self.entry = np.array([out.entry[n] for n in self.names], bool).reshape(len(self.names), out.n)
        self.present = np.array([out.present[n] for n in self.names], bool).reshape(len(self.names), out.n)
        self.codes = np.empty((len(self.names), out.n), np.int64)
        for k, name in enumerate(self.names):
            values = out.values[name]
            lut = luts.get(name)
            if lut is not None:
                np.take(lut, values, out=self.codes[k])
            else:
                self.codes[k] = values.view(np.int64) if values.dtype.kind == "M" else values
        self.error = out.error

    def differing(self, other: "Comparable"):
        """Rows where `other` differs from this output in a result both have an entry for (a value, or null against
        a value), or stops with an error: the rows that may get a note (readings.differences decides)."""
        if other.names != self.names:  # results in another order, or not the same: compared name by name
            keep = [other.names.index(n) for n in self.names if n in other.names]
            mine = [k for k, n in enumerate(self.names) if n in other.names]
            return _differing(self.entry[mine], self.present[mine], self.codes[mine], other.entry[keep],
                              other.present[keep], other.codes[keep], other.error)
        return _differing(self.entry, self.present, self.codes, other.entry, other.present, other.codes,
                          other.error)


def _differing(entry, present, codes, o_entry, o_present, o_codes, o_error):
    both = entry & o_entry
    changed = present != o_present
    changed |= present & (codes != o_codes)
    changed &= both
    return changed.any(axis=0) | (o_error != 0)


def reading_output(progs: Programs, label, facts, base, kept: dict):
    """The output of the reading's program on `facts`, on every row the base program rules (run.evaluate's), given
    the base program's output on them (run.evaluate(keep=True)): the base's with the steps whose tables or rule sets
    differ run again (rerun.again; steps_again), or a whole run where the programs differ in anything else. `kept`:
    the base's rule columns, made once for the readings that run the rule sets again but not the certificate's
    due date."""
    from . import rerun, run

    prog = progs.other[label]
    steps = steps_again(progs).get(label)
    if steps is None:
        return run.evaluate(prog, facts)
    if run.RULE_SETS in steps and run.CERTIFICATE not in steps and "columns" not in kept:
        kept["columns"] = run.rule_columns(progs.base, facts, base)
    return rerun.again(prog, facts, base, steps, kept.get("columns"))


def steps_again(progs: Programs) -> dict:
    """reading -> the steps of its program's run to run again on the base program's output (rerun.steps_again),
    for the readings whose program differs from the repository's in what some steps read alone: the three readings
    of the raises run two steps of nine, probation's five, a reading of the rule sets one. Worked out once, kept
    with the programs."""
    from . import rerun

    with _LOCK:
        if progs.steps is None:
            steps = {label: rerun.steps_again(progs.base, prog) for label, prog in progs.other.items()}
            progs.steps = {label: step for label, step in steps.items() if step is not None}
        return progs.steps


def canonical(progs: Programs, prog) -> dict:
    """result -> the array giving, for each code of `prog`'s table of that result (its coefficients, a rule set's
    labels), a code shared by the programs of `progs`: two codes are the same exactly where the table entries are
    equal (==). Made once per program and kept with the programs."""
    import numpy as np

    with _LOCK:
        got = progs.luts.get(id(prog))
        if got is not None:
            return got
        tables = {"salary.coefficient": prog.coefficients, **{rs.result: rs.labels for rs in prog.rulesets}}
        got = {name: np.array([progs.canon.setdefault((name, v), len(progs.canon)) for v in table], np.int64)
               for name, table in tables.items()}
        progs.luts[id(prog)] = got
        return got
