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
    """The key of a note's words: its readings, then per result its name and its two values, each with its type: as
    they are (plain values), as their text (two Decimals: 1.5 and 1.50 are equal but shown otherwise), or as their
    value_key (a tuple, never a type: the shapes cannot be taken for each other); None if a value is of a kind not
    remembered. The usual pairs are keyed without a call: it runs for every note."""
    parts = [iid, code, used]
    for d in differences:
        v, u = d["value"], d["value_used"]
        tv, tu = type(v), type(u)
        if tv in _SCALARS and tu in _SCALARS:
            parts += (d["result"], tv, v, tu, u)
        elif tv is Decimal and tu is Decimal:
            parts += (d["result"], tv, str(v), tu, str(u))
        else:
            kv, ku = value_key(v), value_key(u)
            if kv is None or ku is None:
                return None
            parts += (d["result"], kv, ku)
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
