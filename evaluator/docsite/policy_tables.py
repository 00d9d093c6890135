"""Policy data and rules as readable tables: the salary table laid out as published (level, the four post columns,
coefficient, base pay, and the stars and allowance of the right-hand columns), lists of records as tables, anything
else field by field; rules in words with their force. Generic over the data, so a new policy type still renders."""
from __future__ import annotations

import re

from . import md
from .md import esc, value

CLAUSE_KEYS = ("source", "basis")


def _is_ref(key: str) -> bool:
    return key in CLAUSE_KEYS or key.endswith("_source")


class Links:
    """Renders clause references as links from one page."""

    def __init__(self, page: str, repo):
        self.page, self.repo = page, repo

    def clause(self, ref: str, text: str | None = None) -> str:
        cit = self.repo.clauses.get(ref)
        if cit is None:
            return f"`{ref}`"
        anchor = ref if ref != cit.clause_id else None
        return f"[{text or ref}]({md.rel(self.page, md.clause_page(cit.clause_id), anchor)})"

    def policy(self, pid: str) -> str:
        return f"[`{pid}`]({md.rel(self.page, md.policy_page(pid))})"


def render_data(version, links: Links, model) -> str:
    special = SPECIAL.get(version.data.get("type"))
    return special(version, links, model) if special else generic(version.data["data"], links)


def _cell(key: str, v, links: Links) -> str:
    if _is_ref(key) and isinstance(v, str):
        return links.clause(v)
    if isinstance(v, dict) and set(v) <= {"zh", "en"}:
        return esc(v.get("zh", "")) + (f"<br>*{esc(v['en'])}*" if v.get("en") else "")
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_cell(k, x, links)}" for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(_cell(key, x, links) for x in v)
    if isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9_]*", v):  # a code, not words
        return f"`{v}`"
    return value(v)


def records(rows: list[dict], links: Links) -> str:
    """A list of records as one table, columns in order of first appearance."""
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    return md.table([f"`{c}`" for c in cols], [[_cell(c, r[c], links) if c in r else "" for c in cols] for r in rows])


def generic(data, links: Links, depth: int = 0) -> str:
    scalars, out = [], []
    for k, v in data.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            out.append(f"**`{k}`**\n\n" + records(v, links))
        elif isinstance(v, dict) and not set(v) <= {"zh", "en"} and depth < 3:
            out.append(f"**`{k}`**\n\n" + generic(v, links, depth + 1))
        else:
            scalars.append([f"`{k}`", _cell(k, v, links)])
    head = md.table(["字段 field", "值 value"], scalars)
    return "\n".join([head] + out)


def salary_table(version, links: Links, model) -> str:
    """The published table: 薪酬等级, the four post columns, 工资系数, 基本工资, 星级党组织, 绩效补贴."""
    d = version.data["data"]
    extra = _row_extras(model, version.effective_from)
    head = ["薪酬等级<br>level"]
    for p in d["posts"]:
        head.append(f"{esc(p['column'])}<br>{esc(p['class_zh'])}<br>`{p['code']}`")
    head += ["工资系数<br>coefficient", "基本工资(元)<br>base pay"]
    if extra:
        head += ["星级党组织<br>stars", "绩效补贴(元)<br>allowance"]
    rows = []
    for lv in d["levels"]:
        row = [links.clause(lv["source"], f"{lv['level']}级")]
        row += [esc(lv["years"][p["code"]]["text"]) if p["code"] in lv["years"] else "" for p in d["posts"]]
        row += [value(lv["coefficient"]), value(lv["base_pay"])]
        if extra:
            e = extra.get(lv["source"])
            row += [esc(e[0]), value(e[1])] if e else ["", ""]
        rows.append(row)
    pr = d["probation"]
    row = [links.clause(pr["source"], esc(pr["label"]))] + [""] * len(d["posts"])
    row += [value(pr["coefficient"]), value(pr["base_pay"])] + (["", ""] if extra else [])
    rows.append(row)
    out = [md.table(head, rows)]
    out.append(f"基准薪酬 benchmark pay: **{value(d['benchmark_pay'])} 元** ({links.clause(d['benchmark_source'])}). "
               "年限段 bands of completed years: " + "; ".join(
                   f"{esc(p['column'])} = {esc(p['class_zh'])} `{p['code']}` ({esc(p['en'])})" for p in d["posts"])
               + ".\n")
    if extra:
        out.append("星级与绩效补贴两列来自 The stars and allowance columns come from "
                   + ", ".join(links.policy(pid) for pid in sorted({e[2] for e in extra.values()})) + ".\n")
    return "\n".join(out)


def _row_extras(model, day) -> dict:
    """Stars and allowance printed on the same rows of the table: rows of an allowance_by_stars policy in force on
    the table's date, joined to the table by the row they are printed with (or, without one, the unit they cite)."""
    out = {}
    for pid, versions in model.repo.policies.items():
        for v in versions:
            if v.data.get("type") == "allowance_by_stars" and v.in_force_on(day):
                for r in v.data["data"]["rows"]:
                    out[r.get("printed_with_source", r["source"])] = (r["label"], r["amount"], pid)
    return out


SPECIAL = {"salary_table": salary_table}


# -- rules in words ------------------------------------------------------------------------------------------------
def condition(c: dict, indent: int = 0) -> list[str]:
    pad = "    " * indent
    if "all" in c:
        return [f"{pad}- 全部满足 all of:"] + [ln for x in c["all"] for ln in condition(x, indent + 1)]
    if "any" in c:
        return [f"{pad}- 满足其一 any of:"] + [ln for x in c["any"] for ln in condition(x, indent + 1)]
    if "not" in c:
        return [f"{pad}- 并非 not:"] + condition(c["not"], indent + 1)
    op = c["op"]
    if op == "exists":
        return [f"{pad}- `{c['fact']}` {md.OPS['exists']}"]
    if op == "in":
        return [f"{pad}- `{c['fact']}` {md.OPS['in']} {{" + ", ".join(_lit(x) for x in c["value"]) + "}"]
    return [f"{pad}- `{c['fact']}` {md.OPS.get(op, op)} {_lit(c['value'])}"]


def _lit(v) -> str:
    if isinstance(v, bool):
        return "是 `true`" if v else "否 `false`"
    return f"`{v}`"


def rule_words(rule: dict, links: Links, level: int = 4) -> str:
    h = "#" * level
    out = [f"{h} {esc(rule['title']['zh'])} · `{rule['id']}`\n", f"*{esc(rule['title']['en'])}*\n",
           f"- 效力 force: {md.label(md.MODALITY, rule['modality'])}",
           "- 依据 cites: " + ", ".join(links.clause(c) for c in rule["cites"])]
    if rule.get("interpretations"):
        out.append("- 解读 readings: " + ", ".join(
            f"[`{i}`]({md.rel(links.page, 'registers/interpretations.md', i)})" for i in rule["interpretations"]))
    out.append("- 当以下条件成立时适用 applies when:")
    out += condition(rule["when"], 1)
    return "\n".join(out) + "\n"
