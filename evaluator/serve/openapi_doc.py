"""The repository's own JSON Schemas embedded in an OpenAPI 3.1 document (whose schema dialect is JSON Schema
2020-12), so the API documents exactly what the CLI validates: no second, hand-written model that can drift.

Each schema `NAME` (its `$id` urn:yinchuan-policy:schema:NAME) becomes components/schemas/NAME and each of its
`$defs/X` components/schemas/NAME.X; every `$ref` is rewritten to point there (tools resolve local references
reliably, `urn:` identifiers less so). The original `$id` is kept as `x-schema-id`.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

ID_PREFIX = "urn:yinchuan-policy:schema:"
PUBLISHED = ("common", "cases", "ruling")


def _ref(owner: str, ref: str) -> str:
    target, _, pointer = ref.partition("#")
    name = target[len(ID_PREFIX):] if target.startswith(ID_PREFIX) else owner
    if not pointer:
        return f"#/components/schemas/{name}"
    parts = pointer.strip("/").split("/")
    if parts[0] == "$defs" and len(parts) >= 2:
        rest = "/".join(parts[2:])
        return f"#/components/schemas/{name}.{parts[1]}" + (f"/{rest}" if rest else "")
    return f"#/components/schemas/{name}{pointer}"


def _rewrite(node, owner: str):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out[k] = _ref(owner, v)
            elif k in ("$schema", "$defs"):
                continue
            elif k == "$id":
                out["x-schema-id"] = v
            else:
                out[k] = _rewrite(v, owner)
        return out
    if isinstance(node, list):
        return [_rewrite(x, owner) for x in node]
    return node


def _discriminated(node: dict) -> dict:
    """`allOf: [{if: {properties: {kind: {const: K}}, required: [kind]}, then: T}, …]` rewritten as the equivalent
    `oneOf: [T + {kind: const K}, …]` (plus one branch for the enum's kinds no `if` names). Same instances accepted;
    request generators (schemathesis) cannot reason about a chain of if/then and give up on it."""
    items = node.get("allOf")
    if not isinstance(items, list) or not items:
        return node
    keys = set()
    for it in items:
        cond = it.get("if", {}) if isinstance(it, dict) else {}
        props = cond.get("properties", {})
        if set(it) - {"if", "then"} or len(props) != 1 or cond.get("required") != list(props) \
                or "const" not in next(iter(props.values())):
            return node
        keys.add(next(iter(props)))
    if len(keys) != 1:
        return node
    key = keys.pop()
    branches, named = [], []
    for it in items:
        value = it["if"]["properties"][key]["const"]
        named.append(value)
        then = copy.deepcopy(it.get("then", {}))
        then.setdefault("properties", {})[key] = {"const": value}
        branches.append(then)
    rest = [v for v in node.get("properties", {}).get(key, {}).get("enum", []) if v not in named]
    if rest:
        branches.append({"properties": {key: {"enum": rest}}})
    out = {k: v for k, v in node.items() if k != "allOf"}
    out["oneOf"] = branches
    return out


def components(schema_dir: Path, names=PUBLISHED) -> dict:
    out = {}
    for name in names:
        schema = json.loads((Path(schema_dir) / f"{name}.schema.json").read_text(encoding="utf-8"))
        for def_name, sub in schema.get("$defs", {}).items():
            out[f"{name}.{def_name}"] = _discriminated(_rewrite(copy.deepcopy(sub), name))
        out[name] = _rewrite(schema, name)
    return out
