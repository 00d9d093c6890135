"""Helpers shared by the kinds that rule on communities, streets, assessments, funding and rosters."""
from __future__ import annotations

from decimal import Decimal

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
    """The version of a policy in force on `day`, recorded as used by the ruling."""
    v = version_in_force(repo, policy_id, day)
    tr.use(v)
    return v


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
