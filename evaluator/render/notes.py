"""Notes a ruling carries as data, worded for people in English and Chinese.

The ruling stage (evaluator/ruling/readings.py) notes where another reading of the text would change a result as
data: the interpretation, the reading used, the alternative, and the values under each. The published ruling
(docs/contract.md) gives every note as `{code, en, zh, clauses, interpretations}`; `worded` turns the data notes
into that form where a ruling is finished for output (the Python API, `policy batch --explain`, the traced batch).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .text import show

ALTERNATIVE_READING = "alternative_reading"


def alternative_reading(note: dict) -> dict:
    """The worded form of a note on an alternative reading (ruling.readings.reading_note). Its words are
    remembered per interpretation, readings and values (their types and written forms, see `value_key`): the cases
    of a file differ under a reading in a few ways again and again."""
    iid, code, used = note["interpretation"], note["alternative"], note["reading_used"]
    key = (iid, code, used, None, note["error"]) if "error" in note else _key(iid, code, used, note["differences"])
    words = _WORDS.get(key) if key is not None else None
    if words is None:
        words = _words(note, iid, code, used)
        if key is not None and len(words[0]) <= MAX_REMEMBERED_CHARS:
            if len(_WORDS) >= MAX_WORDS:
                _WORDS.clear()
            _WORDS[key] = words
    return {"code": note["code"], "en": words[0], "zh": words[1],
            "clauses": note["clauses"], "interpretations": note["interpretations"]}


def _words(note: dict, iid: str, code: str, used: str) -> tuple[str, str]:
    if "error" in note:
        en, zh = f"no ruling could be made ({note['error']})", f"无法作出裁决({note['error']})"
    else:
        shown = [(d["result"], show(d["value"]), show(d["value_used"])) for d in note["differences"]]
        en = ", ".join(f"{r} = {v} ({u} under the reading used)" for r, v, u in shown)
        zh = ",".join(f"{r} 为 {v}(所用解读为 {u})" for r, v, u in shown)
    return (f"The text leaves a choice here ({iid}): under the alternative reading '{code}' instead of "
            f"'{used}', {en}.",
            f"此处文本存在不同解读({iid}):若采用 '{code}' 而非 '{used}',{zh}。")


MAX_WORDS = 8192  # worded notes remembered, whatever the cases: a few megabytes at most (typically under 400
MAX_REMEMBERED_CHARS = 1000  # characters in English; a longer one, of long values, is worded each time)
_WORDS: dict = {}
_SCALARS = frozenset((str, int, bool, type(None), dt.date))  # equal values of one type are shown alike


def _key(iid: str, code: str, used: str, differences: list) -> tuple | None:
    """The key of a note's words: its readings, then per result its name and each value's type and the value itself
    (a plain value), its text (a Decimal: 1.5 and 1.50 are equal but shown otherwise) or its value_key (any other);
    None if a value is of a kind not remembered. Written out per value: it runs for every note."""
    parts = [iid, code, used]
    for d in differences:
        v, u = d["value"], d["value_used"]
        tv, tu = type(v), type(u)
        if tv is Decimal:
            v = str(v)
        elif tv not in _SCALARS:
            v = value_key(v)
            if v is None:
                return None
        if tu is Decimal:
            u = str(u)
        elif tu not in _SCALARS:
            u = value_key(u)
            if u is None:
                return None
        parts += (d["result"], tv, v, tu, u)
    return tuple(parts)


def value_key(v):
    """What `show(v)` depends on, as a key: the value with its type (1, True and 1.0 are shown otherwise), a number
    of inexact form by its text (Decimal 1.5 and 1.50 are equal but shown otherwise), a list by its items; None
    for a value of any other kind (a mapping, anything unforeseen), which is then not remembered."""
    t = type(v)
    if t in _SCALARS:
        return t, v
    if t is Decimal or t is float:
        return t, str(v)
    if t is list:
        items = tuple(map(value_key, v))
        return None if None in items else (t, items)
    return None


WORDING = {ALTERNATIVE_READING: alternative_reading}


def word(note: dict) -> dict:
    """A note as the published ruling gives it: already worded notes are kept as they are."""
    if "en" in note or note["code"] not in WORDING:
        return note
    return WORDING[note["code"]](note)


def worded(ruling: dict) -> dict:
    """The ruling with every note worded (in place; the ruling is returned for chaining)."""
    if "notes" in ruling:
        ruling["notes"] = [word(n) for n in ruling["notes"]]
    return ruling
