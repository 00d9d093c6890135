"""One page per clause, in the documents' order: the verbatim text and its units, the errata, what encodes it
(policy data as tables, rules in words, with their versions), the readings that touch it, and the cases that reach
it as worked examples, or why nothing encodes it."""
from __future__ import annotations

import re

from . import areas, documents as doc_pages, md
from .annex_lists import annex_for_clause
from .md import esc
from .examples import folded_ruling
from .policy_tables import Links, render_data, rule_words

FULL_EXAMPLES = 2  # worked examples shown in full on a clause page; the others are linked

FOLD_AFTER_LINES = 40  # page layout: longer clause texts (tables one cell per line) start folded


def status(model, clause: dict) -> tuple[str, str]:
    """(status code, why) for the coverage of a clause."""
    if clause["id"] in model.encoders or areas.citing_supplements(model.repo, clause["id"]):
        return "encoded", ""
    entry = model.not_encoded.get(clause["id"])  # coverage/not-encoded.yaml: why it is not encoded
    if entry:
        return "not_encoded", f"{entry['reason']}: {esc(entry['note'])}"
    if clause["kind"] in md.NOT_NORMATIVE:
        return "not_normative", f"{md.KIND.get(clause['kind'], clause['kind'])}:本身不含可裁决的规定 states no rule of its own"
    return "not_encoded", ""


STATUS_ZH = {"encoded": "已编码 encoded", "not_normative": "无须编码 not normative",
             "not_encoded": "未编码 not encoded"}


def title(clause: dict) -> str:
    number, heading = clause.get("number", ""), clause.get("heading", "")
    if heading.startswith(number):
        number = ""
    sep = "" if not number or not heading or number[-1] in "、)）." else " "
    return f"{number}{sep}{heading}" or md.KIND.get(clause["kind"], clause["kind"])


def page(model, doc_code: str, clause: dict, prev_next: tuple) -> str:
    repo = model.repo
    cid = clause["id"]
    path = md.clause_page(cid)
    links = Links(path, repo)
    doc = repo.documents[doc_code].data
    out = [f"# {esc(title(clause))} · `{cid}`\n", doc_pages.document_banner(model, doc_code),
           f"*{esc(clause['title_en'])}*\n"]
    st, why = status(model, clause)
    # The page's metadata is not what a reader searches for: kept out of the search index and its snippets.
    out.append('<div data-search-exclude markdown="1">\n\n' + md.table(["项目 item", "内容 value"], [
        ["文件 document", f"[{esc(doc['title']['zh'])}]({md.rel(path, 'clauses/index.md', doc_code)}) `{doc_code}`"],
        ["编号 number", esc(clause.get("number") or "—")],
        ["类型 kind", md.label(md.KIND, clause["kind"])],
        ["状态 status", STATUS_ZH[st] + (f" — {why}" if why else "")],
    ]) + "\n</div>\n")
    out.append("## 原文 Verbatim text\n")
    lines = clause["text"].count("\n") + 1
    if lines > FOLD_AFTER_LINES:  # a table as extracted, one cell per line: folded, units give it row by row
        out.append(f'??? quote "原文逐格 As published, one cell per line ({lines} 行 lines)"\n\n'
                   + "\n".join("    " + ln for ln in md.quote(clause["text"]).split("\n")) + "\n")
    else:
        out.append(md.quote(clause["text"]))
    whole = annex_for_clause(model, cid, path)
    if whole:
        out.append(whole)
    out.append(doc_pages.clause_in_time(model, cid))
    if clause.get("units"):
        out.append("### 单元 Units\n")
        out.append("可单独引用的文字 Parts of the text cited on their own:\n")
        units = md.table(["单元 unit", "原文 text", "English"], [
            [f'<span id="{cid}.{u["id"]}"></span>`{cid}.{u["id"]}`', esc(u["text"]), esc(u.get("title_en", ""))]
            for u in clause["units"]])
        if lines > FOLD_AFTER_LINES:  # the rows of a long table: folded like the text they come from
            units = f'??? quote "{len(clause["units"])} 个单元 units"\n\n' + "\n".join(
                "    " + ln if ln else "" for ln in units.split("\n"))
        out.append(units)
        excused = [(f"{cid}.{u['id']}", model.units_excused[f"{cid}.{u['id']}"]) for u in clause["units"]
                   if f"{cid}.{u['id']}" in model.units_excused]
        if excused:
            out.append("未编码的单元及原因 Units no policy or rule encodes, and why (coverage/):\n")
            out.append("\n".join(f"- `{ref}` — {e['status']}, {e['reason']}: {esc(e['note'])}" for ref, e in excused)
                       + "\n")
    if clause.get("errata"):
        out.append("## 勘误 Errata\n")
        out.append(errata_table(clause["errata"], path))
    out.append("## 编码 Encoding\n")
    encoders = model.encoders.get(cid, {})
    by_area = areas.supplement_encoding(model, cid, path)
    if not encoders and not by_area:
        out.append("本条未被任何政策或规则编码 Nothing encodes this clause" + (f": {why}" if why else ".") + "\n")
    out.append(by_area)
    # The policy that rests most on this clause first (the salary table on the table's page).
    for (kind, pid), uses in sorted(encoders.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        out.append(encoding_section(model, cid, kind, pid, uses, links))
    interps = model.interpretations.get(cid, [])
    if interps:
        out.append("## 解读 Interpretations\n")
        for iid in interps:
            it = repo.interpretations[iid][0]
            out.append(f"- [`{iid}`]({md.rel(path, 'registers/interpretations.md', iid)}) — "
                       f"{esc(it['question'].get('zh', ''))} *{esc(it['question']['en'])}* "
                       f"采用 reading `{it['reading']['code']}`: {esc(it['reading'].get('zh') or it['reading']['en'])}")
        out.append("")
    out.append(areas.clause_layer(model, cid, path))
    out.append(examples_section(model, cid, path))
    prev, nxt = prev_next
    nav = []
    if prev:
        nav.append(f"← [{esc(title(prev))} `{prev['id']}`]({md.rel(path, md.clause_page(prev['id']))})")
    if nxt:
        nav.append(f"[{esc(title(nxt))} `{nxt['id']}`]({md.rel(path, md.clause_page(nxt['id']))}) →")
    out.append("---\n\n" + " · ".join(nav) + "\n")
    return "\n".join(out)


def _natural(ref: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", ref)]


def errata_table(errata: list, page: str) -> str:
    return md.table(["勘误 erratum", "原样 as published", "应读作 reading", "缺陷 defect", "说明 explanation"], [
        [f"[`{e['id']}`]({md.rel(page, 'registers/errata.md', e['id'])})", esc(e["as_published"]),
         esc(e["reading"]), md.label(md.DEFECT, e["defect"]), esc(e["explanation"])] for e in errata])


def encoding_section(model, cid: str, kind: str, pid: str, uses: list, links: Links) -> str:
    versions = model.versions(kind, pid)
    latest = versions[-1]
    d = latest.data
    what = "政策 policy" if kind == "policy" else "规则集 rule set"
    out = [f"### {esc(d['title']['zh'])} · {what} {links.policy(pid)}\n", f"*{esc(d['title']['en'])}*\n"]
    refs = sorted({where for _v, where in uses}, key=_natural)
    shown = [links.clause(r, r[len(cid) + 1:] if r != cid else cid) for r in refs]
    out.append("引用本条及其单元 cites this clause or its units: " + ", ".join(shown) + "\n")
    out.append(doc_pages.versions_table(model, versions, links.page))
    if len(versions) > 1:
        out.append(f"以下为最新版本 v{latest.version} 的内容 Shown: the latest version.\n")
    if kind == "policy":
        out.append(render_data(latest, links, model))
    else:
        cited = [r for r in d["rules"] if any(model.clause_of(c) == cid for c in r["cites"])]
        for rule in cited or d["rules"]:
            out.append(rule_words(rule, links))
    return "\n".join(out)


def examples_section(model, cid: str, page: str) -> str:
    worked = model.reaches.get(cid, [])
    if not worked:
        return "## 实例 Worked examples\n\n没有案例触及本条 No case in the repository reaches this clause.\n"
    out = [f"## 实例 Worked examples\n\n{len(worked)} 个案例的裁决引用本条 cases rule on this clause.\n"]
    chosen = pick_examples(model, cid, worked)
    for w in chosen:
        src = md.rel(page, md.case_file_page(w.file), md.case_anchor(w.case_id))
        out.append(folded_ruling(model, w, page, 3) + f"\n来源 From [`{w.file}`]({src}).\n")
    rest = [w for w in worked if w not in chosen]
    if rest:
        by_file: dict = {}
        for w in rest:
            by_file.setdefault(w.file, []).append(w)
        out.append("### 其他案例 Other cases\n")
        for f, ws in by_file.items():
            shown = ", ".join(f"[`{w.case_id}`]({md.rel(page, md.case_file_page(f), md.case_anchor(w.case_id))})"
                              for w in ws[:12])
            more = f" 等 and {len(ws) - 12} more" if len(ws) > 12 else ""
            out.append(f"- `{f}` ({len(ws)}): {shown}{more}")
        out.append("")
    return "\n".join(out)


def pick_examples(model, cid: str, worked: list) -> list:
    """The cases that show most of this clause: greedily, each adds the most clause units not shown yet (examples/
    files first on ties), so the salary table shows different rows and the exit grounds different grounds."""
    def refs(w):
        return {c["id"] for t in w.ruling["trace"] for c in t["clauses"] if model.clause_of(c["id"]) == cid}

    pool = [(w, refs(w)) for w in worked]
    chosen, shown = [], set()
    while pool and len(chosen) < FULL_EXAMPLES:
        best = max(pool, key=lambda p: (len(p[1] - shown), p[0].file.startswith("examples/")))
        if chosen and not best[1] - shown:
            break
        chosen.append(best[0])
        shown |= best[1]
        pool.remove(best)
    return chosen


def index_page(model) -> str:
    """All clauses of every document, in order, with their status."""
    path = "clauses/index.md"
    out = ["# 条文 Clauses\n", "每条一页,按原文顺序。One page per clause, in the documents' order.\n"]
    for code, doc in model.repo.documents.items():
        d = doc.data
        out.append(f'## {esc(d["title"]["zh"])} {{#{code}}}\n')
        out.append(f"*{esc(d['title']['en'])}* · `{code}` · `{doc.path}`\n")
        rows = []
        for c in d["clauses"]:
            st, _ = status(model, c)
            rows.append([f"[{esc(title(c))}]({md.rel(path, md.clause_page(c['id']))})", f"`{c['id']}`",
                         esc(c["title_en"]), md.label(md.KIND, c["kind"]), STATUS_ZH[st]])
        out.append(md.table(["条文 clause", "编号 id", "English", "类型 kind", "状态 status"], rows))
    return "\n".join(out)


def nav(model) -> list:
    out = ["clauses/index.md"]
    for code, doc in model.repo.documents.items():
        items = [{f"{title(c)} {c['id']}": md.clause_page(c["id"])} for c in doc.data["clauses"]]
        zh = doc.data["title"]["zh"]
        out.append({f"{zh if len(zh) <= 16 else zh[:15] + '…'} {code}": items})
    return out
