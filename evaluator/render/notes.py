"""Notes a ruling carries as data, worded for people in English and Chinese.

The ruling stage (evaluator/ruling/readings.py) notes where another reading of the text would change a result as
data: the interpretation, the reading used, the alternative, and the values under each. The published ruling
(docs/contract.md) gives every note as `{code, en, zh, clauses, interpretations}`; `worded` turns the data notes
into that form where a ruling is finished for output (the Python API, `policy batch --explain`, the traced batch).
"""
from __future__ import annotations

from .text import show

ALTERNATIVE_READING = "alternative_reading"


def alternative_reading(note: dict) -> dict:
    """The worded form of a note on an alternative reading (ruling.readings.reading_note)."""
    iid, code, used = note["interpretation"], note["alternative"], note["reading_used"]
    if "error" in note:
        en, zh = f"no ruling could be made ({note['error']})", f"无法作出裁决({note['error']})"
    else:
        diff = note["differences"]
        en = ", ".join(f"{d['result']} = {show(d['value'])} ({show(d['value_used'])} under the reading used)"
                       for d in diff)
        zh = ",".join(f"{d['result']} 为 {show(d['value'])}(所用解读为 {show(d['value_used'])})" for d in diff)
    return {"code": note["code"],
            "en": f"The text leaves a choice here ({iid}): under the alternative reading '{code}' instead of "
                  f"'{used}', {en}.",
            "zh": f"此处文本存在不同解读({iid}):若采用 '{code}' 而非 '{used}',{zh}。",
            "clauses": note["clauses"], "interpretations": note["interpretations"]}


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
