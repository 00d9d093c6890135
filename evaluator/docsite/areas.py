"""The district layer on the site: an index of what the city delegates, a page per area (its supplements, what the
city delegates to it, what is still missing on the build date), and the layer on every clause page that delegates.
A made-up example supplement says EXAMPLE — NOT ADOPTED wherever it is shown."""
from __future__ import annotations

from . import md
from ..repo import register, supplements
from ..repo.repository import walk_refs
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
    if b["kind"] == "item_list":
        return (f"a list of items, each with its departments; work not on it may not be pushed down "
                f"({b['rule_source']}, {b['modality']})" + (f"; new work: {b['new_work_source']}"
                                                             if b.get("new_work_source") else ""))
    return {"text_only": "rules in words (not ruled here)"}.get(b["kind"], b["kind"])


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
    out += [f"\n## 尚缺登记 What is still missing on {model.build_date}\n", _missing_register(model)]
    return "\n".join(out) + "\n"


def _missing_register(model) -> str:
    """Term by area: in force (EXAMPLE — NOT ADOPTED if made up), missing, or overdue, on the build date."""
    repo, day = model.repo, model.build_date
    rows = []
    for term, d in sorted(repo.delegations.items()):
        cells = []
        for area in supplements.AREAS:
            s = supplements.in_force(repo, area, term, day)
            if s is not None:
                cells.append("有效 in force" + (f" ({EXAMPLE})" if s.example else ""))
            elif d.start > day:
                cells.append("未授权 not yet delegated")
            else:
                cells.append("**逾期 overdue**" if supplements.overdue(d, day) else "尚缺 missing")
        rows.append([f"`{term}`"] + cells)
    return md.table(["事项 term"] + [supplements.AREAS[a][0] for a in supplements.AREAS], rows)


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
                         f"`not_checked`.{_overdue(repo.delegations[t], day)}" for t, body in missing)
               or "无 Nothing.")
    out += ["\n" + _item_list(model, s, src) for (a, _), sups in sorted(repo.supplements.items()) if a == area
            for s in sups if "items" in s.data["data"]]
    return "\n".join(out) + "\n"


def _overdue(delegation, day) -> str:
    if not supplements.overdue(delegation, day):
        return ""
    d = delegation.data
    return f" **逾期 Overdue**: the city wanted it by {d['due']} ({d['due_source']})."


def _item_list(model, s, src: str) -> str:
    """An area's list (e.g. its street access list) item by item, each linked to its clause."""
    d = model.repo.delegations.get(s.term)
    title = f"{esc(d.data['title']['zh'])} {esc(d.data['title']['en'])}" if d else f"`{s.term}`"
    rows = [[str(it["number"]), esc(it["name"]), esc("、".join(it["departments"])),
             f"[`{it['source']}`]({md.rel(src, md.clause_page(model.repo.clauses[it['source']].clause_id))})"]
            for it in s.data["data"]["items"]]
    head = f"## {title} · `{s.term}` v{s.version}, from {s.data['effective_from']}\n"
    mark = f"{EXAMPLE}: a made-up list (`{s.enacted_by}`), not adopted by any body.\n" if s.example else ""
    return head + "\n" + mark + "\n" + md.table(["序号 no.", "事项 item", "责任部门 departments", "条文 clause"], rows)


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


def citing_supplements(repo, clause_id: str) -> list:
    """The supplement versions citing a clause or one of its units (an area's clauses are encoded by them)."""
    return [s for sups in repo.supplements.values() for s in sups
            if any(ref in repo.clauses and repo.clauses[ref].clause_id == clause_id
                   for _, ref in walk_refs(s.data["data"]))]


def supplement_encoding(model, clause_id: str, src: str) -> str:
    """On an area clause's page: the supplements that encode it, each marked EXAMPLE — NOT ADOPTED if made up."""
    rows = [f"- 县(市)区补充规定 Area supplement `supplements/{s.area}/{s.term}@{s.version}` "
            f"({esc(model.repo.delegations[s.term].data['title']['zh'])} `{s.term}`, from {s.data['effective_from']}), "
            f"[{_area_label(s.area)}]({md.rel(src, area_page_path(s.area))})" + (f" — {EXAMPLE}" if s.example else "")
            for s in citing_supplements(model.repo, clause_id) if s.term in model.repo.delegations]
    return "\n".join(rows) + "\n" if rows else ""
