"""Chinese labels for what a ruling document shows, all from data: result names and their units (the ruling
schema's `x-results`), coded facts (the case schema's `x-labels`, as evaluator/cases/aliases.py reads them), and the
cells of a quoted row of the salary table labelled by their columns (the policy data says which post columns a row
prints: 「10级 · 正职 10-12年 · 副职 19-21年 · … · 工资系数 1.60 · 基本工资 3200」)."""
from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from ..cases.aliases import fact_labels, label
from .markdown_blocks import esc, value

RESULTS = "x-results"
# The column heads of the salary table (附件 银川市社区工作者薪酬标准套改表) beside the post columns, whose heads are
# the policy data's own (`posts[].column`).
# The level cell (「10级」) needs no head.
COEFFICIENT_HEAD, BASE_PAY_HEAD, STARS_HEAD, ALLOWANCE_HEAD = "工资系数", "基本工资", "星级党组织", "绩效补贴"


@lru_cache(maxsize=None)
def result_vocabulary(schema_dir: str) -> dict:
    """result name -> {"zh": label, "unit": {"zh", "en"}?} from schemas/ruling.schema.json."""
    schema = json.loads((Path(schema_dir) / "ruling.schema.json").read_text(encoding="utf-8"))
    return schema["$defs"]["ruling"]["properties"]["results"].get(RESULTS, {})


def result_name(name: str, schema_dir) -> str:
    zh = result_vocabulary(str(schema_dir)).get(name, {}).get("zh")
    return f"`{name}` {esc(zh)}" if zh else f"`{name}`"


def unit_text(name: str, schema_dir) -> str:
    """「元/月 yuan per month」 for a result with a unit, else ''."""
    unit = result_vocabulary(str(schema_dir)).get(name, {}).get("unit")
    return f"{esc(unit['zh'])} {esc(unit['en'])}" if unit else ""


def result_value(name: str, v, schema_dir) -> str:
    """A result's value with its unit (none for an absent value, a list or a yes/no)."""
    unit = unit_text(name, schema_dir)
    shown = value(v)
    return f"{shown} {unit}" if unit and v is not None and not isinstance(v, (bool, list, dict)) else shown


def fact_value(kind: str, name: str, v, schema_dir) -> str:
    """A fact as shown: a code with its Chinese label (`principal` 正职), else the plain value."""
    node = fact_labels(str(schema_dir)).get(kind, {}).get(name)
    zh = label(node, v) if node else ""
    return f"`{v}` {esc(zh)}" if zh else value(v)


def salary_row(repo, versions: dict, unit_id: str, trace: dict) -> str | None:
    """A quoted row of the salary table with each cell labelled by its column, the cells this ruling used in bold;
    None when `unit_id` is not a row of a salary table in `versions` (policy id -> version) or its cells do not
    line up with the policy data (then the plain quote is shown)."""
    citation = repo.clauses.get(unit_id)
    if citation is None:
        return None
    used = _used(trace)
    star = _stars_rows(repo, versions).get(unit_id)
    if star is not None and citation.text.split("\n") == [star["label"], str(star["amount"])]:
        cells = [(STARS_HEAD, star["label"]), (ALLOWANCE_HEAD, str(star["amount"]))]  # the two star columns' row
        return " · ".join(f"**{esc(h)} {esc(t)}**" if t in used else f"{esc(h)} {esc(t)}" for h, t in cells)
    for pid, ver in versions.items():
        v = next((x for x in repo.policies.get(pid, []) if x.version == ver), None)
        if v is None or v.data.get("type") != "salary_table":
            continue
        cells = _row_cells(v.data["data"], _stars_rows(repo, versions), unit_id, citation.text.split("\n"))
        if cells is not None:
            shown = [" ".join(esc(x) for x in (head, text) if x) for head, text, _ in cells]
            return " · ".join(f"**{cell}**" if text in used and post in (None, trace["inputs"].get("post")) else cell
                              for cell, (_, text, post) in zip(shown, cells))
    return None


def _row_cells(data: dict, stars: dict, unit_id: str, lines: list) -> list | None:
    level = next((lv for lv in data["levels"] if lv["source"] == unit_id), None)
    if level is None:
        return None
    posts = [p for p in data["posts"] if p["code"] in level["years"]]
    cells = [("", lines[0], None)]
    for i, p in enumerate(posts, 1):
        cells.append((p["column"], lines[i] if i < len(lines) else "", p["code"]))
    rest = lines[len(posts) + 1:]
    heads = [COEFFICIENT_HEAD, BASE_PAY_HEAD] + ([STARS_HEAD, ALLOWANCE_HEAD] if unit_id in stars else [])
    if len(rest) != len(heads) or any(text != level["years"][post]["text"] for _, text, post in cells[1:]):
        return None
    return cells + [(head, text, None) for head, text in zip(heads, rest)]


def _stars_rows(repo, versions: dict) -> dict:
    """Row unit -> the allowance row printed on it, from the allowance_by_stars policy of the ruling."""
    out = {}
    for pid, ver in versions.items():
        for v in repo.policies.get(pid, []):
            if v.version == ver and v.data.get("type") == "allowance_by_stars":
                out.update({r["source"]: r for r in v.data["data"]["rows"]})
    return out


def _used(trace: dict) -> set:
    """The cell texts a trace entry used: its value and the inputs it read (a band's text, a star label …)."""
    got = [trace["value"]] + list(trace["inputs"].values())
    return {str(x) for x in got if isinstance(x, (str, int, float, Decimal)) and not isinstance(x, bool)}
