"""Helpers shared by the kinds that rule on communities, streets, assessments, funding and rosters."""
from __future__ import annotations

from decimal import Decimal

from .errors import RulingError


def in_force(tr, repo, policy_id: str, day):
    """The version of a policy in force on `day`, recorded as used by the ruling."""
    try:
        v = repo.version_in_force(policy_id, day)
    except LookupError as exc:
        raise RulingError(str(exc)) from None
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
    if d == d.to_integral_value():
        return int(d)
    return d.normalize()
