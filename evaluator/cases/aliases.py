"""The text's own words for coded facts: 正职 for `principal`, 本科 for `bachelor`, 兴庆区 for `xingqing`.

One source: each enum of the case schema (schemas/cases.schema.json) carries `x-labels`, code -> the words of the
text, the first word being the code's Chinese label. A case may give a code or any of its words; the words are
turned into codes where the case is loaded, before the schema's checks, so that every position, check and rule sees
codes only. Enum keys (an assessment's `weights` by 街道, 社区 …) are renamed the same way, their positions kept.
"""
from __future__ import annotations

from functools import lru_cache

from .catalogue import case_schema
from ..load.validation import LABELS
from ..load.yaml_strict import Document


def words_of(node: dict) -> dict:
    """word -> code for one schema node with an enum and its labels ({} when it has none)."""
    out = {}
    for code, words in node.get(LABELS, {}).items():
        for word in words:
            out[word] = code
    return out


def label(node: dict, code) -> str:
    """The Chinese label of a code of this schema node ('' when it has none)."""
    words = node.get(LABELS, {}).get(code) if isinstance(code, str) else None
    return words[0] if words else ""


def _resolve(schema: dict, node: dict) -> dict:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
        node = schema["$defs"].get(node["$ref"][len("#/$defs/"):], {})
    return node if isinstance(node, dict) else {}


@lru_cache(maxsize=None)
def fact_labels(schema_dir: str) -> dict:
    """Per case kind: fact name -> the schema node of that fact when it is a labelled enum (for output labels)."""
    schema = case_schema(schema_dir)
    out = {}
    for kind in schema["$defs"]["case"]["properties"]["kind"]["enum"]:
        props = schema["$defs"].get(f"{kind}_facts", {}).get("properties", {})
        out[kind] = {n: p for n, p in props.items() if LABELS in p}
    return out


def normalise_case(doc: Document, cpath: tuple, schema_dir, item=None) -> None:
    """Turn the text's words into codes in the facts of the case at `cpath` of `doc` (in place); `item`: that case,
    when the caller has it at hand."""
    if item is None:
        item = doc.data
        for key in cpath:
            item = item[key]
    facts = item.get("facts") if isinstance(item, dict) else None
    kind = item.get("kind") if isinstance(facts, dict) else None
    plan = facts_plan(str(schema_dir), kind) if isinstance(kind, str) else None
    if plan is None:
        return
    node, named, words, children, extra = plan
    if named:  # the facts' own names may be words: the general walk renames them with their positions
        _walk(doc, case_schema(str(schema_dir)), node, facts, cpath + ("facts",))
        return
    for key, sub in facts.items():  # what _walk does at this level, with each fact's schema node looked up once
        if type(sub) is str or isinstance(sub, str):  # (the first test alone for almost every fact)
            w = words.get(key) if key in children else extra[1]
            if w is not None:
                code = w.get(sub)
                if code is not None:
                    facts[key] = code
        elif isinstance(sub, (dict, list)):
            child = children.get(key, extra[0])
            if child is not None:
                _walk(doc, case_schema(str(schema_dir)), child, sub, cpath + ("facts", key))


@lru_cache(maxsize=64)
def facts_plan(schema_dir: str, kind: str):
    """For one case kind's facts (None for a kind the schema does not know): (its schema node, whether the names of
    facts are labelled, fact name -> word -> code of each labelled fact, fact name -> its schema node, (the node of
    facts not named in the schema, its words))."""
    schema = case_schema(schema_dir)
    node = schema["$defs"].get(f"{kind}_facts")
    if node is None:
        return None
    top = _resolve(schema, node)
    named = LABELS in _resolve(schema, top.get("propertyNames", {}))
    children = dict(top.get("properties", {}))
    words = {k: words_of(_resolve(schema, c)) if LABELS in _resolve(schema, c) else None for k, c in children.items()}
    extra = top.get("additionalProperties")
    extra = extra if isinstance(extra, dict) else None
    extra_words = words_of(_resolve(schema, extra)) if extra is not None and LABELS in _resolve(schema, extra) else None
    return node, named, words, children, (extra, extra_words)


def _walk(doc: Document, schema: dict, node: dict, value, path: tuple) -> None:
    node = _resolve(schema, node)
    if isinstance(value, dict):
        names = _resolve(schema, node.get("propertyNames", {}))
        if LABELS in names:
            _rename_keys(doc, value, path, words_of(names))
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, sub in value.items():
            child = props.get(key, extra if isinstance(extra, dict) else None)
            if child is not None:
                if isinstance(sub, str) and LABELS in _resolve(schema, child):
                    value[key] = words_of(_resolve(schema, child)).get(sub, sub)
                else:
                    _walk(doc, schema, child, sub, path + (key,))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, sub in enumerate(value):
            if isinstance(sub, str) and LABELS in _resolve(schema, node["items"]):
                value[i] = words_of(_resolve(schema, node["items"])).get(sub, sub)
            else:
                _walk(doc, schema, node["items"], sub, path + (i,))


def _rename_keys(doc: Document, value: dict, path: tuple, words: dict) -> None:
    """Keys written as words become codes, in order; a key whose code is also written stays, for the schema to
    report (the same body given twice)."""
    renamed = {}
    for key in list(value):
        code = words.get(key) if isinstance(key, str) else None
        new = code if code is not None and code not in value and code not in renamed else key
        renamed[new] = value[key]
        if new != key:
            for marks in (doc.marks, doc.key_marks):
                for p in [p for p in marks if p[:len(path) + 1] == path + (key,)]:
                    marks[path + (new,) + p[len(path) + 1:]] = marks.pop(p)
    value.clear()
    value.update(renamed)
