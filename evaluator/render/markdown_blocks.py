"""Markdown building blocks shared by the ruling documents and the documentation site: escaping, values, tables,
verbatim quotes."""
from __future__ import annotations

from decimal import Decimal

from ..cases import values


def esc(text) -> str:
    """Text safe inside a Markdown table cell or paragraph (no markup, no line breaks)."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # no raw HTML from data
    for ch in "\\`*_[]|":
        s = s.replace(ch, "\\" + ch)
    return s.replace("\n", "<br>")


def code(text) -> str:
    return f"`{text}`"


# A value in a Markdown cell: "—" for none, booleans in both languages, lists without brackets, dicts as "k: v; …",
# numbers as they are and anything else escaped.
VALUE = values.Style(none="—", true="是 `true`", false="否 `false`", string=esc, brackets=False,
                     scalar=lambda v: str(v) if isinstance(v, (int, Decimal, float)) else esc(v),
                     mapping=lambda d, show: "; ".join(f"{k}: {show(x)}" for k, x in d.items()))


def value(v) -> str:
    """A ruling or policy value as shown in a cell."""
    return values.show(v, VALUE)


def table(headers: list[str], rows: list[list]) -> str:
    if not rows:
        return ""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for r in rows:
        out.append("| " + " | ".join("" if c is None else str(c) for c in r) + " |")
    return "\n".join(out) + "\n"


def quote(text: str) -> str:
    """Verbatim text as a block quote, line for line."""
    return "\n".join("> " + (esc(line) if line.strip() else "") + "  " for line in text.split("\n")) + "\n"
