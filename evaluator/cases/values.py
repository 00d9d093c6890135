"""Conversions of case fact values shared by the case checks and the kinds: written once."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable


def dec(x) -> Decimal:
    """A fact's number as an exact Decimal (the loader gives int or Decimal; other systems may give float)."""
    return Decimal(str(x))


def minutes(hhmm: str) -> int:
    """Minutes after midnight of a time of day written HH:MM."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


@dataclass(frozen=True)
class Style:
    """How `show` writes each kind of value. The defaults are the plain text of reports and notes
    (render.text.show); the Markdown cells, the why-not explanations and the policy diff keep their own forms
    (render.markdown_blocks.VALUE, ruling.explain.VALUE, checks.policy_diff.VALUE)."""
    none: str = "null"
    true: str = "true"
    false: str = "false"
    string: Callable[[str], str] = str  # a string
    scalar: Callable[[object], str] = str  # a number, a date, anything else that is not a collection
    brackets: bool = True  # a list as "[a, b]"; False: "a, b" (and an empty list as "[]")
    mapping: Callable | None = None  # a dict: mapping(d, show) -> text; None: "{k: v, …}" (each value shown)


def show(v, style: Style = Style()) -> str:
    """A value (of a fact, a result, or policy data) as text, in the given style: the one value printer."""
    if v is None:
        return style.none
    if isinstance(v, str):
        return style.string(v)
    if isinstance(v, bool):
        return style.true if v else style.false
    if isinstance(v, list):
        inner = ", ".join(show(x, style) for x in v)
        return f"[{inner}]" if style.brackets or not v else inner
    if isinstance(v, dict):
        if style.mapping is not None:
            return style.mapping(v, lambda x: show(x, style))
        return "{" + ", ".join(f"{k}: {show(x, style)}" for k, x in v.items()) + "}"
    return style.scalar(v)
