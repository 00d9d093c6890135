"""The district layer on the site: an index of what the city delegates, a page per area (its supplements, what the
city delegates to it, what is still missing on the build date), and the layer on every clause page that delegates.
A made-up example supplement says EXAMPLE — NOT ADOPTED wherever it is shown."""
from __future__ import annotations

from . import md
from ..repo import register, supplements
from .md import esc

INDEX = "areas/index.md"
EXAMPLE = "**示例 未通过 EXAMPLE — NOT ADOPTED**"


def area_page_path(area: str) -> str:
    return f"areas/{area}.md"


def _area_label(area: str) -> str:
    zh, en = supplements.AREAS[area]
    return f"{zh} {en} `{area}`"


def _delegation_rows(model, src: str) -> list:
    return [[f"`{t}`", esc(d.data["title"]["zh"]) + " " + esc(d.data["title"]["en"]),
             f"[`{d.data['clause']}`]({md.rel(src, md.clause_page(d.data['clause']))})",
             esc(d.data["quote"]), esc(d.data["body"]["zh"]) + " " + esc(d.data["body"]["en"]), d.data["from"],
             esc(_bounds(d.data["bounds"]))]
            for t, d in sorted(model.repo.delegations.items())]


def _bounds(b: dict) -> str:
    if b["kind"] == "grade_shares":
        return (f"{' ≥ '.join(b['order'])}; each {b['min_percent']}–{b['max_percent']}% of the city's figure "
                f"({b['order_source']})")
    return {"item_list": "a list of items", "text_only": "rules in words (not ruled here)"}.get(b["kind"], b["kind"])


def index_page(model) -> str:
    src = INDEX
    out = ["# 县(市)区补充规定 District supplements\n",
           "What the city's texts leave to the six county-level areas (delegations/city.yaml), and each area's "
           f"supplements. How the layer works and how a drafter adds one: [the guide]({md.rel(src, 'supplements.md')}).\n",
           "## 市级授权 What the city delegates\n",
           md.table(["事项 term", "title", "授权条款 delegating clause", "原文 words", "决定机关 body", "自 from",
                     "市定界限 bounds"], _delegation_rows(model, src)),
           "## 各区 Areas\n"]
    out += [f"- [{_area_label(a)}]({md.rel(src, area_page_path(a))})" for a in supplements.AREAS]
    return "\n".join(out) + "\n"


def area_page(model, area: str) -> str:
    repo, src, day = model.repo, area_page_path(area), model.build_date
    out = [f"# {_area_label(area)}\n", f"状态按 {day} 计算 Statuses as of the build date {day}.\n",
           "## 补充规定 Supplements\n"]
    rows = []
    for (a, term), sups in sorted(repo.supplements.items()):
        if a != area:
            continue
        for s in sups:
            status = register.STATUS_WORDS.get(register.status_on(repo, s.enacted_by, day), "")
            rows.append([f"`{term}`", f"{s.version}", s.data["effective_from"], f"`{s.enacted_by}`", esc(status),
                         EXAMPLE if s.example else "", esc(_shares(s))])
    out.append(md.table(["事项 term", "版本 version", "自 from", "制定文件 enacted by", "文件状态 document status",
                         "", "内容 content"], rows) if rows else "暂无 None yet.\n")
    out.append("## 市级授权给本区的事项 What the city delegates to this area\n")
    out.append(md.table(["事项 term", "title", "授权条款 delegating clause", "原文 words", "决定机关 body", "自 from",
                         "市定界限 bounds"], _delegation_rows(model, src)))
    out.append(f"## 尚缺 Still missing on {day}\n")
    missing = [(t, body) for a, t, body in supplements.missing(repo, day) if a == area]
    out.append("\n".join(f"- `{t}`: {esc(body['zh'])} {esc(body['en'])} must decide; rulings that need it say "
                         "`not_checked`." for t, body in missing) or "无 Nothing.")
    return "\n".join(out) + "\n"


def _shares(s) -> str:
    shares = s.data["data"].get("shares")
    if shares:
        return "; ".join(f"{r['grade']} {r['percent']}% ({r['source']})" for r in shares)
    return f"{len(s.data['data'].get('items', []))} items"


def clause_layer(model, clause_id: str, src: str) -> str:
    """The district layer on the page of a clause that delegates a term: to whom, within what, and each area's
    supplement in force on the build date (or that it is missing)."""
    found = [d for d in model.repo.delegations.values() if d.data["clause"] == clause_id]
    out = []
    for d in found:
        out.append(f"## 授权县(市)区 Delegated to the areas: `{d.term}`\n")
        out.append(md.quote(d.data["quote"]))
        out.append(f"决定机关 Body: {esc(d.data['body']['zh'])} {esc(d.data['body']['en'])} of each area, from "
                   f"{d.data['from']}; 界限 bounds: {esc(_bounds(d.data['bounds']))}.\n")
        rows = []
        for area in supplements.AREAS:
            s = supplements.in_force(model.repo, area, d.term, model.build_date)
            versions = model.repo.supplements.get((area, d.term), [])
            shown = s or (versions[-1] if versions else None)
            state = ("in force" if s else "not in force (document not adopted)" if shown else "missing")
            rows.append([f"[{_area_label(area)}]({md.rel(src, area_page_path(area))})", state,
                         (EXAMPLE + " " if shown and shown.example else "") + (esc(_shares(shown)) if shown else "")])
        out.append(md.table(["区 area", f"{model.build_date}", "补充规定 supplement"], rows))
    return "\n".join(out)
