"""Static verification of the whole repository, run by `policy check` on the Repository already loaded (nothing is
read again): bands, arithmetic, citations and quotes, versions, alternative readings, and test coverage.

Each family is one module with a `check(repo, report)` function; findings are Problems (`path:line:col: code:
message`, the message naming its witnesses). `accepted` holds what the text gives literally but an interpretation
resolves (e.g. an overlap of two bands at one value): shown to the drafter, not a failure.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..repo import access_lists
from . import arithmetic, bands, citations, case_coverage as coverage, figures, reading_patches as readings, versions

STATIC = (bands.check, arithmetic.check, figures.check, citations.check, versions.check, readings.check)
# Data checks that repository.load already runs (and reports); the mutation sweep re-runs them on each mutant.
AT_LOAD = (access_lists.check,)


@dataclass
class Report:
    findings: list = field(default_factory=list)
    accepted: list = field(default_factory=list)


def run_static(repo, with_load_checks: bool = False) -> Report:
    """The checks that look only at the repository's data; with `with_load_checks` (the mutation sweep, which
    changes data after loading) also those loading ran."""
    report = Report()
    for check in AT_LOAD if with_load_checks else ():
        report.findings += check(repo)
    for check in STATIC:
        try:
            check(repo, report)
        except (KeyError, TypeError, ValueError, StopIteration):
            if not repo.problems:
                raise  # on a repository that loaded clean, this is a bug in the check: let it show
            # Files with problems are left out of the repository, so a check can meet a dangling reference; the
            # problems printed first are the ones to fix.
    return report


def run(repo, evaluated=None) -> Report:
    """Every check; `evaluated` is the list of (case, ruling) of the cases with expectations, when they could run."""
    report = run_static(repo)
    if evaluated is not None:
        coverage.check(repo, report, evaluated)
    return report
