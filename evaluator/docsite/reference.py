"""Reference for integrators, generated: every JSON Schema of schemas/ as readable field tables, and the command
line from the `policy` parser itself, so neither can drift from what the code accepts."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from . import md
from .md import esc


def schema_names(repo) -> list[str]:
    return sorted(p.name.removesuffix(".schema.json") for p in Path(repo.schema_dir).glob("*.schema.json"))


def schema_page_path(name: str) -> str:
    return f"reference/schema-{name}.md"


def _ref_link(ref: str, page: str) -> str:
    base, _, frag = ref.partition("#")
    name = base.rsplit(":", 1)[-1] if base else None
    target = schema_page_path(name) if name else page
    anchor = "def-" + frag.rsplit("/", 1)[-1] if frag.startswith("/$defs/") else None
    shown = (f"{name}" if name else "") + (f"#{frag.rsplit('/', 1)[-1]}" if frag else "")
    return f"[{esc(shown)}]({md.rel(page, target, anchor)})"


def _lit(x) -> str:
    return x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)


def describe(s, page: str) -> str:
    """The type column: what a value must be, in a few words."""
    if s is True or s == {}:
        return "任意 any"
    if not isinstance(s, dict):
        return ""
    parts = []
    if "$ref" in s:
        parts.append("见 see " + _ref_link(s["$ref"], page))
    if "const" in s:
        parts.append(f"= `{_lit(s['const'])}`")
    if "enum" in s:
        parts.append("取值 one of " + ", ".join(f"`{_lit(x)}`" for x in s["enum"]))
    for key in ("oneOf", "anyOf"):
        if key in s:
            parts.append(" 或 or ".join(describe(x, page) for x in s[key]))
    t = s.get("type")
    if t:
        t = " | ".join(t) if isinstance(t, list) else t
        if t == "array" and "items" in s:
            t = f"array of ({describe(s['items'], page)})"
        parts.append(f"`{t}`" if not t.startswith("array of") else t)
    for key, word in (("format", "format"), ("pattern", "pattern"), ("minimum", "≥"), ("maximum", "≤"),
                      ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<"), ("minLength", "min length"),
                      ("maxLength", "max length"), ("minItems", "min items"), ("multipleOf", "multiple of"),
                      ("default", "默认 default")):
        if key in s:
            parts.append(f"{word} `{json.dumps(s[key], ensure_ascii=False)}`")
    if s.get("uniqueItems"):
        parts.append("unique")
    if "propertyNames" in s:
        parts.append("keys: " + describe(s["propertyNames"], page))
    if isinstance(s.get("additionalProperties"), dict):
        parts.append("values: " + describe(s["additionalProperties"], page))
    return "; ".join(p for p in parts if p)


def fields(s: dict, page: str, prefix: str = "", depth: int = 0) -> list[list]:
    rows = []
    required = set(s.get("required", []))
    for name, sub in s.get("properties", {}).items():
        path = f"{prefix}{name}"
        desc = esc(sub.get("description", "")) if isinstance(sub, dict) else ""
        rows.append([f"`{path}`", "是 yes" if name in required else "", describe(sub, page), desc])
        if isinstance(sub, dict) and depth < 3:
            inner = sub.get("items", {}) if sub.get("type") == "array" else sub
            if isinstance(inner, dict) and "properties" in inner:
                rows += fields(inner, page, path + ("[]." if inner is not sub else "."), depth + 1)
    return rows


def _section(s: dict, page: str) -> list[str]:
    out = []
    if s.get("description"):
        out.append(esc(s["description"]) + "\n")
    rows = fields(s, page)
    if rows:
        out.append(md.table(["字段 field", "必填 required", "类型与约束 type and constraints", "说明 description"],
                            rows))
    elif describe(s, page):
        out.append(describe(s, page) + "\n")
    conds = []
    for part in s.get("allOf", []) + ([s] if "if" in s else []):
        if "$ref" in part:
            conds.append("另须符合 also follows " + _ref_link(part["$ref"], page))
        if "if" in part:
            conds.append(f"若 if {_cond(part['if'], page)} 则 then {_cond(part.get('then', {}), page)}")
    if "oneOf" in s and not rows:
        pass
    elif "oneOf" in s:
        conds.append("为以下之一 one of: " + " 或 or ".join(describe(x, page) for x in s["oneOf"]))
    if s.get("additionalProperties") is False:
        conds.append("不允许其他字段 no other fields")
    out += [f"- {c}" for c in conds]
    return out + [""]


def _cond(s: dict, page: str) -> str:
    bits = []
    for name, sub in s.get("properties", {}).items():
        bits.append(f"`{name}` {describe(sub, page)}")
    if s.get("required"):
        bits.append("必填 required " + ", ".join(f"`{x}`" for x in s["required"]))
    return "; ".join(bits) or describe(s, page)


def schema_page(repo, name: str) -> str:
    page = schema_page_path(name)
    s = json.loads((Path(repo.schema_dir) / f"{name}.schema.json").read_text(encoding="utf-8"))
    out = [f"# {esc(s.get('title', name))} · `{name}`\n",
           f"`schemas/{name}.schema.json` · `$id` `{s.get('$id', '')}` · JSON Schema 2020-12\n"]
    out += _section(s, page)
    for dname, d in s.get("$defs", {}).items():
        out.append(f"## `{dname}` {{#def-{dname}}}\n")
        out += _section(d, page)
    return "\n".join(out)


def cli_page() -> str:
    from ..cli.main import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "110"  # stable wrapping whatever the terminal
    try:
        p = build_parser()
        out = ["# 命令行 Command line\n", "`policy` 命令,由其参数解析器生成。Generated from the command's own parser.\n",
               "```text\n" + p.format_help().rstrip() + "\n```\n"]
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out.append(f"## `policy {name}`\n")
                    out.append("```text\n" + sub.format_help().rstrip() + "\n```\n")
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return "\n".join(out)


def index_page(repo) -> str:
    path = "reference/index.md"
    out = ["# 参考 Reference\n", "给集成方:案例与裁决的格式、每个 JSON Schema 的字段表、命令行。For integrators: the case and "
           "ruling formats, each JSON Schema as a field table, the command line.\n",
           f"- [案例与裁决格式 The case and ruling contract]({md.rel(path, 'contract.md')})",
           f"- [条款编号 Clause ids]({md.rel(path, 'clause-ids.md')})",
           f"- [命令行 Command line]({md.rel(path, 'reference/cli.md')})"]
    for name in schema_names(repo):
        s = json.loads((Path(repo.schema_dir) / f"{name}.schema.json").read_text(encoding="utf-8"))
        out.append(f"- [`{name}`]({md.rel(path, schema_page_path(name))}) — {esc(s.get('title', ''))}")
    return "\n".join(out) + "\n"


def nav(repo) -> list:
    return ["reference/index.md", {"命令行 CLI": "reference/cli.md"}] + [
        {f"{n} schema": schema_page_path(n)} for n in schema_names(repo)]
