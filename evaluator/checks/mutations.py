"""The mutation sweep (`policy check --mutations`): change every numeric figure of policies/ and rules/ in memory,
one at a time, up and down by one unit of its last digit, and see whether some case with expectations fails (or
cannot be ruled on) or some static check objects. A figure nobody notices is not pinned: a drafter could change it
and nothing would say so.

Mutations are made in the loaded data itself and undone at once (no files are written, nothing is re-read); the
reference engine rules (the sweep compares results, and the reference engine is the documented semantics).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine import engines
from ..kinds import KINDS, memo
from ..ruling.evaluate import compare
from .walk import get, is_number, nodes, show_path


@dataclass
class Figure:
    version: object
    path: tuple  # JSON path in the file
    value: object

    def mutants(self) -> list:
        v = self.value
        if isinstance(v, Decimal):
            step = Decimal(1).scaleb(v.as_tuple().exponent)
            return [v + step, v - step]
        return [v + 1, v - 1] if v > 0 else [v + 1]


@dataclass
class Sweep:
    figures: int = 0
    mutants: int = 0
    killed_by_cases: int = 0
    caught_by_checks: int = 0
    seconds: float = 0.0
    survivors: list = field(default_factory=list)  # Problems, one per unpinned figure

    @property
    def score(self) -> float:
        return 100.0 * (self.killed_by_cases + self.caught_by_checks) / self.mutants if self.mutants else 100.0

    def summary(self) -> str:
        return (f"mutation score {self.score:.1f}%: {self.mutants} mutants of {self.figures} figures, "
                f"{self.killed_by_cases} killed by a case, {self.caught_by_checks} caught only by a static check, "
                f"{self.mutants - self.killed_by_cases - self.caught_by_checks} unnoticed "
                f"({len(self.survivors)} figure(s) not pinned); {self.seconds:.1f} s")


def figures(repo, only: set | None = None) -> list[Figure]:
    out = []
    for table, part in ((repo.policies, "data"), (repo.rulesets, "rules")):
        for pid, versions in table.items():
            if only and pid not in only:
                continue
            for v in versions:
                for path, node in nodes(v.data.get(part), (part,)):
                    if is_number(node):
                        out.append(Figure(v, path, node))
    return out


def _killed(cases, repo, engine) -> bool:
    for i, case in enumerate(cases):
        try:
            ok = compare(case.expect, KINDS[case.kind](case, repo, engine).results)["passed"]
        except Exception:  # noqa: BLE001 - a mutant that stops the ruling (no band, no row…) is noticed
            ok = False
        if not ok:
            if i:
                cases.insert(0, cases.pop(i))  # a case that kills one mutant tends to kill its neighbours
            return True
    return False


def sweep(repo, cases, only: set | None = None) -> Sweep:
    from . import run_static  # the package imports this module

    start = time.perf_counter()
    engine = engines.make("reference")
    cases = [c for c in cases if c.expect is not None]
    out = Sweep()
    with memo.suspended():  # figures are changed in place below: no ruling step may answer from memory
        for fig in figures(repo, only):
            out.figures += 1
            container, key = get(fig.version.data, fig.path[:-1]), fig.path[-1]
            unnoticed = []
            try:
                for m in fig.mutants():
                    out.mutants += 1
                    container[key] = m
                    if _killed(cases, repo, engine):
                        out.killed_by_cases += 1
                    elif run_static(repo, with_load_checks=True).findings:
                        out.caught_by_checks += 1
                    else:
                        unnoticed.append(m)
            finally:
                container[key] = fig.value
            if unnoticed:
                out.survivors.append(fig.version.doc.problem(fig.path, f"{show_path(fig.path)} = {fig.value} is not "
                                     f"pinned: with {' or '.join(map(str, unnoticed))} instead, every case with "
                                     "expectations still passes and no check objects", "unpinned_figure"))
    out.seconds = time.perf_counter() - start
    return out
