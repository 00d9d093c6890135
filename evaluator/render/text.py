"""Rendering rulings and problems: JSON for other systems, a readable text report for people."""
from __future__ import annotations

import json
from decimal import Decimal

import orjson

from ..cases import values


def _default(o):
    if isinstance(o, Decimal):
        # JSON has one number type; the exact decimal text is kept by going through the shortest float repr.
        return int(o) if o == o.to_integral_value() else float(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# Dates, dataclasses and subclasses of dict, str or int go to `default` as json.dumps would have them (refused, or
# written through the base type by json.dumps below).
_ORJSON = (orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
           | orjson.OPT_PASSTHROUGH_SUBCLASS)


def _fragment(o):
    # The same text json.dumps writes for a Decimal (orjson would write 0.00001 where json writes 1e-05), remembered
    # per finite value: a file of rulings writes the same few coefficients and shares again and again. Equal
    # decimals (1.75, 1.750) are written alike, so one entry serves them all; bounded whatever the values.
    if type(o) is Decimal:
        hit = _FRAGMENTS.get(o)
        if hit is not None:
            return hit
        v = _default(o)
        out = v if isinstance(v, int) else orjson.Fragment(json.dumps(v))
        if o.is_finite():
            if len(_FRAGMENTS) >= 4096:
                _FRAGMENTS.clear()
            _FRAGMENTS[o] = out
        return out
    v = _default(o)
    return v if isinstance(v, int) else orjson.Fragment(json.dumps(v))


_FRAGMENTS: dict = {}


def to_json(obj, indent: int | None = 2) -> str:
    """JSON text; indented by two spaces (the default) it is written by orjson, about ten times faster than
    json.dumps (whose indented form runs in pure Python) and the same text: the same layout, non-ASCII kept,
    Decimals as json.dumps writes them. What orjson refuses (a whole number over 64 bits, a key that is not text)
    is written by json.dumps. Compact JSON (indent=None: the decision log, HTTP answers) stays json.dumps's."""
    if indent == 2:
        try:
            return orjson.dumps(obj, default=_fragment, option=_ORJSON).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError included
            pass
    return json.dumps(obj, ensure_ascii=False, indent=indent, default=_default)


_NEST_HEAD = b'{\n  "n": [\n    '
_NEST_TAIL = b"\n  ]\n}"


def nested_json_bytes(obj) -> bytes:
    """`to_json(obj)` as it stands as an item of a list of an indented document (each line after the first indented
    by four more spaces), as UTF-8: orjson indents it there itself when it writes it inside {"n": [obj]}, which saves
    re-indenting the text; what orjson refuses is written by json.dumps and indented after."""
    try:
        text = orjson.dumps({"n": [obj]}, default=_fragment, option=_ORJSON)
    except TypeError:
        return to_json(obj).replace("\n", "\n    ").encode("utf-8")
    return text[len(_NEST_HEAD):-len(_NEST_TAIL)]


def fragment(obj, indent: int | None) -> orjson.Fragment:
    """JSON of `obj` that orjson writes as it is where it stands in a document: compact (indent None), or as
    `to_json` writes it at a place `indent` spaces deep in an indented document (its lines after the first indented
    by that much more), for a value written again and again in the same place (a list of quotes referred to a
    table of clauses, render/clause_table.py). Raises TypeError where orjson refuses `obj` (then write it as data).
    JSON text holds no raw newline inside a string, so each newline is one of the layout's."""
    if indent is None:
        return orjson.Fragment(orjson.dumps(obj, default=_fragment, option=_ORJSON & ~orjson.OPT_INDENT_2))
    text = orjson.dumps(obj, default=_fragment, option=_ORJSON)
    return orjson.Fragment(text.replace(b"\n", b"\n" + b" " * indent) if indent else text)


def to_json_bytes(obj) -> bytes:
    """Compact JSON as UTF-8 bytes for other programs (HTTP answers), by orjson: no spaces, non-ASCII kept,
    Decimals as json.dumps writes them; what orjson refuses is written by json.dumps, as compactly."""
    try:
        return orjson.dumps(obj, default=_fragment, option=_ORJSON & ~orjson.OPT_INDENT_2)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default).encode("utf-8")


def show(value) -> str:
    """A value in a report or a note: null, true/false, [a, b], {k: v} (cases.values.show's plain style)."""
    return values.show(value)


# How each modality reads in a report: the force of the rule in Chinese and English, and what a departure means.
MODALITY = {
    "must": ("must 必须", "binding: a breach is a violation"),
    "as_a_rule": ("as a rule 原则上/一般", "advisory: a departure is not a breach and not unlawful; it needs a reason"),
    "may": ("may 可", "permissive: grants a power, obliges no one"),
}


def modality_text(modality: str, clauses=()) -> str:
    label, meaning = MODALITY.get(modality, (modality, ""))
    under = f" (§ {clauses[0]['id']})" if modality == "as_a_rule" and clauses else ""
    return f"force: {label} — {meaning}{under}"


def ruling_text(r: dict, repo) -> str:
    out = [f"Case {r['id']} ({r['kind']}) as of {r['as_of']}"]
    out.append(f"  policy {r['policy']['digest'][:19]}…  engine {r['policy']['engine']}  versions: "
               + ", ".join(f"{k}@{v}" for k, v in r["policy"]["versions"].items()))
    if "expect" in r:
        e = r["expect"]
        out.append("  expectations: " + ("all met" if e["passed"] else f"{len(e['mismatches'])} NOT MET"))
        for m in e["mismatches"]:
            out.append(f"    ✗ {m['result']}: expected {show(m['expected'])}, got {show(m['actual'])}")
    out.append("  Results:")
    for name, value in r["results"].items():
        out.append(f"    {name} = {show(value)}")
    out.append("  Why:")
    for t in r["trace"]:
        out.append(f"    {t['result']} = {show(t['value'])}   [{t['rule']}]")
        if t["inputs"]:
            out.append("      from " + ", ".join(f"{k}={show(v)}" for k, v in t["inputs"].items()))
        if t.get("modality"):
            out.append("      " + modality_text(t["modality"], t["clauses"]))
        for c in t["clauses"]:
            text = c["text"].replace("\n", " ")
            out.append(f"      § {c['id']}: 「{text if len(text) <= 90 else text[:88] + '…'}」")
        for i in t["interpretations"]:
            it = repo.interpretations.get(i)
            code = r.get("readings", {}).get(i) or (it[0]["reading"]["code"] if it else "?")
            out.append(f"      reading {i}: {code}")
    if "why_not" in r:
        out.append("  Why not / 未适用的原因:")
        if not r["why_not"]:
            out.append("    (no rule asked about was run for this case / 本案未运行所问的规则)")
    for w in r.get("why_not", []):
        mark = "fired / 已适用" if w["fired"] else "did not fire / 未适用"
        out.append(f"    {w['rule']} [{w['ruleset']}]: {mark}")
        out.append(f"      {w['title']['zh']} / {w['title']['en']}")
        for c in w["clauses"]:
            text = c["text"].replace("\n", " ")
            out.append(f"      § {c['id']}: 「{text if len(text) <= 90 else text[:88] + '…'}」")
        out += _reasons(w["reasons"], 6)
    for n in r["notes"]:
        out.append(f"  Note ({n['code']}): {n['en']}")
        if n["zh"]:
            out.append(f"    {n['zh']}")
    return "\n".join(out)


def _reasons(reasons: list, indent: int) -> list[str]:
    out = []
    for x in reasons:
        out.append(" " * indent + f"✗ {x['en']}")
        out.append(" " * indent + f"  {x['zh']}")
        out += _reasons(x.get("because", []), indent + 4)
    return out
