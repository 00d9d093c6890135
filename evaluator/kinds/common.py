"""Helpers shared by the kinds that rule on communities, streets, assessments, funding and rosters."""
from __future__ import annotations

from decimal import Decimal

from . import memo
from .errors import RulingError, UnusableFact


def version_in_force(repo, policy_id: str, day):
    """The version of a policy in force on `day`; none in force is a RulingError (the case cannot be ruled)."""
    try:
        return repo.version_in_force(policy_id, day)
    except LookupError as exc:
        raise RulingError(str(exc)) from None


def rulesets_in_force(repo, case_kind: str, day):
    """The rule set versions for `case_kind` in force on `day`; a RulingError as for version_in_force."""
    try:
        return repo.rulesets_in_force(case_kind, day)
    except LookupError as exc:
        raise RulingError(str(exc)) from None


def in_force(tr, repo, policy_id: str, day):
    """The version of a policy in force on `day`, recorded as used by the ruling (looked up once per day: Day)."""
    return on(repo, day).use(tr, policy_id)


class Day:
    """The policy versions in force on one day in one repository, each looked up once and handed down to every ruling
    of that day (`on(repo, day)`), with what a trace entry says of them: the part references and the interpretations
    each relies on. A ruling asks for the same few policies at every step of every case of a date.

    Each lookup is remembered for the very version list it was found in, as Repository.version_in_force remembers
    it (a list replaced or grown is looked up again); nothing is remembered across rulings inside
    `memo.suspended()`, where policy data may be changed in place. A policy with no version in force is a
    RulingError each time it is asked for, at the step that asks, as in_force() raises it."""

    __slots__ = ("repo", "day", "found", "heads", "sets")

    def __init__(self, repo, day):
        self.repo, self.day = repo, day
        self.found: dict = {}  # policy id -> (version list, its length, Version or the RulingError's message)
        self.heads: dict = {}  # (policy id, part) -> (version, "id@version#part", interpretations once each)
        self.sets: dict = {}  # case kind -> (rule set table, its length, (Version, ...) or the RulingError's message)

    def rulesets(self, case_kind: str) -> tuple:
        """The rule set versions for `case_kind` in force on the day (as rulesets_in_force(), remembered)."""
        table = self.repo.rulesets
        hit = self.sets.get(case_kind)
        if hit is None or hit[0] is not table or hit[1] != len(table):
            try:
                found = tuple(rulesets_in_force(self.repo, case_kind, self.day))
            except RulingError as exc:
                found = str(exc)
            hit = self.sets[case_kind] = (table, len(table), found)
        if type(hit[2]) is str:
            raise RulingError(hit[2])
        return hit[2]

    def use(self, tr, policy_id: str):
        """The version of a policy in force on the day, recorded as used by the ruling (as in_force())."""
        versions = self.repo.policies.get(policy_id)
        hit = self.found.get(policy_id)
        if hit is None or hit[0] is not versions or hit[1] != len(versions or ()):
            try:
                found = version_in_force(self.repo, policy_id, self.day)
            except RulingError as exc:
                found = str(exc)
            hit = self.found[policy_id] = (versions, len(versions or ()), found)
        v = hit[2]
        if type(v) is str:
            raise RulingError(v)
        tr.versions[v.id] = v.version
        return v

    def head(self, version, part: str) -> tuple:
        """(part_ref(version, part), interpretations_of(version) once each, in order) of a version use() gave."""
        hit = self.heads.get((version.id, part))
        if hit is None or hit[0] is not version:
            hit = self.heads[(version.id, part)] = (version, part_ref(version, part),
                                                    tuple(dict.fromkeys(interpretations_of(version))))
        return hit[1], hit[2]


def on(repo, day) -> Day:
    """The Day of a repository and date, made once and kept beside the repository (at most DAYS dates) until
    memo.forget(); a fresh one for each ruling inside memo.suspended()."""
    generation = memo.generation()
    if generation is None:
        return Day(repo, day)
    days = repo.__dict__.get("_days_in_force")
    if days is None or days[None] != generation:
        days = repo.__dict__["_days_in_force"] = {None: generation}
    d = days.get(day)
    if d is None:
        if len(days) > DAYS:
            days.clear()
            days[None] = generation
        d = days[day] = Day(repo, day)
    return d


DAYS = 4096  # dates kept per repository: they come from the cases, so bounded all the same


def part_ref(version, part: str) -> str:
    """How a ruling names the part of a policy version a result was read from: `id@version#part`."""
    return f"{version.id}@{version.version}#{part}"


def interpretations_of(version) -> list[str]:
    """The interpretations a policy version says it relies on."""
    return list(version.data.get("interpretations", []))


def share(part, whole) -> Decimal | None:
    """part / whole as an exact decimal (28 significant digits when it does not terminate); None when whole is 0."""
    if not whole:
        return None
    return tidy(Decimal(str(part)) / Decimal(str(whole)))


def tidy(d: Decimal):
    """An integral Decimal as int, otherwise the Decimal without trailing zeros."""
    return int_if_whole(d) if d == d.to_integral_value() else d.normalize()


def int_if_whole(d: Decimal):
    """An integral Decimal as int, otherwise the Decimal as it is (its decimal places kept: 400.50 stays 400.50)."""
    return int(d) if d == d.to_integral_value() else d


def one_of(f: dict, listed: str, unlisted: str) -> str:
    """Which of two exclusive facts a case gives (a name on a list, or one the list does not have): never both."""
    if listed in f and unlisted in f:
        raise UnusableFact(unlisted, f"give either '{listed}' or '{unlisted}', not both", "inconsistent")
    return listed if listed in f else unlisted
