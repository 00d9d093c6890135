"""Markdown building blocks shared by the ruling documents and the documentation site: escaping, values, tables,
verbatim quotes."""
from __future__ import annotations

from decimal import Decimal


def esc(text) -> str:
    """Text safe inside a Markdown table cell or paragraph (no markup, no line breaks)."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # no raw HTML from data
    for ch in "\\`*_[]|":
        s = s.replace(ch, "\\" + ch)
    return s.replace("\n", "<br>")


def code(text) -> str:
    return f"`{text}`"


def value(v) -> str:
    """A ruling or policy value as shown in a cell."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是 `true`" if v else "否 `false`"
    if isinstance(v, (int, Decimal, float)):
        return str(v)
    if isinstance(v, list):
        return "[]" if not v else ", ".join(value(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {value(x)}" for k, x in v.items())
    return esc(v)


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
