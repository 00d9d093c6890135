"""The engineering limits every input is held to before it is used, in one place (listed in docs/security.md).

These are not policy figures: they bound what a file, a request body or a roster may cost the machine (bytes,
nesting, values, numbers, cases, rows), so that hostile or careless input gets a positioned problem instead of a
crash, a traceback or a machine out of memory. Each is checked where the input is read, before the next stage runs.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Bytes read from one YAML or JSON file (case file, policy file, overlay), whatever its type: a pipe, /dev/stdin
# or a device reports a size of 0, so the reader stops at this many bytes, not at the size the file claims.
MAX_BYTES = 8 * 1024 * 1024
# Nesting of mappings and lists: counted on the parser's event stream, before any tree is built (libyaml's C
# composer recurses per level and overflows the stack near 25,000 levels; Python's json near 1,000).
MAX_DEPTH = 64
# Values (scalars, lists, mappings) one document may hold, counted on the event stream; aliases count once here
# and are bounded apart by MAX_EXPANSION.
MAX_NODES = 2_000_000
# Entries of one list or mapping.
MAX_ITEMS = 200_000
# Values constructed per distinct value of the document (an alias may reuse a value a few times; a "billion laughs"
# document multiplies it), with a floor for small documents.
MAX_EXPANSION = 4
MIN_NODE_BUDGET = 20_000
# Numbers: the characters of a number as written (Python refuses int() of over 4,300 digits), its magnitude
# (below 10^15: exact in the rule engine's 64-bit doubles and far above any amount of yuan) and its decimal places
# (money has two, coefficients and weights a few; up to 21 are read, more than the 17 significant digits a double
# distinguishes, so that a rule's constant with more digits than a double holds reaches the engine's own load check,
# engine/limits.py, which names that fault in its words).
MAX_NUMBER_CHARS = 40
MAX_MAGNITUDE = 10**15
MAX_DECIMAL_PLACES = 21
# Cases in one case file or one call: every ruling with its trace is kept until the output is written, measured at
# 45-55 KB each (`policy eval --format json`, 2,000 worker cases: 155 MB peak), so 100,000 cases took 5.2 GB and this
# bound about 1 GB; larger sets of workers go through `policy batch`, which reads rosters column by column.
MAX_CASES = 20_000
# Cases in one case file whose rulings are written as they are made and not kept (`policy eval --format json`
# without a decision log): only the file and its cases are held, about 3 KB a worker case read from JSON and 12 KB at
# the peak of reading YAML, so with MAX_BYTES this bound keeps the worst file near 1 GB (40,000 JSON worker cases,
# 6.8 MB, peak at about 200 MB).
MAX_CASES_STREAMED = 100_000
# Bytes read from one roster CSV of `policy batch` (a million workers take about 180 MB; `policy diff --roster`
# reads at most MAX_BYTES and MAX_CASES rows, since it checks each row as a case).
MAX_ROSTER_BYTES = 2 * 1024 * 1024 * 1024
# Bytes of a roster `policy batch --out` reads in chunks (it holds one chunk at a time, so memory does not bound the
# roster: time does, about 2 s per million workers of about 180 bytes, so this bound is some ten minutes), and of one
# line of it (a roster line is a few hundred bytes; a line with no break for this long is not a roster).
MAX_STREAMED_ROSTER_BYTES = 64 * 1024 * 1024 * 1024
MAX_ROSTER_LINE_BYTES = 16 * 1024 * 1024
# Characters of a user's value quoted back in a message (the rest is elided): an error never echoes a whole file.
MAX_SHOWN_CHARS = 80


def number_problem(value) -> str | None:
    """Why a number read from input is outside the limits above; None when it is within them."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f"{value} is not a finite number"
        value = Decimal(repr(value))
    if isinstance(value, int):
        return None if -MAX_MAGNITUDE < value < MAX_MAGNITUDE else \
            f"the number is out of range: numbers must be below 10^{len(str(MAX_MAGNITUDE)) - 1} in size"
    if not value.is_finite():
        return f"{value} is not a finite number"
    if not value.is_zero() and value.adjusted() >= len(str(MAX_MAGNITUDE)) - 1:
        return f"the number is out of range: numbers must be below 10^{len(str(MAX_MAGNITUDE)) - 1} in size"
    if value.as_tuple().exponent < -MAX_DECIMAL_PLACES and value != _rounded(value):
        return f"the number has more than {MAX_DECIMAL_PLACES} decimal places"
    return None


def _rounded(value: Decimal) -> Decimal:
    try:
        return value.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES))
    except InvalidOperation:
        return Decimal(0)


def number_text_problem(text: str) -> str | None:
    """Why the text of a number is too long to be read at all; None when it may be read."""
    if len(text) > MAX_NUMBER_CHARS:
        return f"a number of {len(text)} characters; numbers are at most {MAX_NUMBER_CHARS} characters long"
    return None


def shown(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """User text made safe to print: control characters escaped (a terminal never sees a raw escape code) and
    anything past `limit` characters elided."""
    out = "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text[: limit + 1])
    if len(text) > limit:
        out = out[:limit] + f"… ({len(text)} characters)"
    return out
