"""JSON read with Python's `json`, bounded first: `json` recurses once per nesting level (a RecursionError near
1,000 levels, which callers catching ValueError do not expect), so the nesting is measured on the text before it is
parsed. For JSON that arrives from outside without positions (a bundle's manifest and signatures, the JSON files a
bundle carries); case files and request bodies go through the strict loader (yaml_strict), which bounds them on its
event stream."""
from __future__ import annotations

import json
import re

from .limits import MAX_BYTES, MAX_DEPTH

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


def depth(data: bytes) -> int:
    """The deepest nesting of lists and objects in JSON text (brackets inside strings do not count)."""
    deepest = level = 0
    for m in _BRACKET.finditer(_STRING.sub(b'""', data)):
        level += 1 if m.group() in (b"[", b"{") else -1
        deepest = max(deepest, level)
    return deepest


def loads(data: bytes | str, max_depth: int = MAX_DEPTH, max_bytes: int | None = MAX_BYTES):
    """json.loads, refusing (ValueError, as json's own errors) text over max_bytes (None: data already read, of any
    size) or nested deeper than max_depth before it is parsed."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if max_bytes is not None and len(raw) > max_bytes:
        raise ValueError(f"JSON text of {len(raw)} bytes, over the limit of {max_bytes}")
    if depth(raw) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return json.loads(raw)
