"""Conversions of case fact values shared by the case checks and the kinds: written once."""
from __future__ import annotations

from decimal import Decimal


def dec(x) -> Decimal:
    """A fact's number as an exact Decimal (the loader gives int or Decimal; other systems may give float)."""
    return Decimal(str(x))


def minutes(hhmm: str) -> int:
    """Minutes after midnight of a time of day written HH:MM."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)
