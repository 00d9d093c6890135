"""The home page's generated part: the documents with their metadata and effective dates."""
from __future__ import annotations

from . import md
from .md import esc


def documents(model, page: str) -> str:
    repo = model.repo
    out = []
    rows = []
    for code, doc in repo.documents.items():
        d = doc.data
        versions = [v for table in (repo.policies, repo.rulesets) for vs in table.values() for v in vs
                    if v.id.startswith(code + ".")]
        starts = sorted({v.effective_from for v in versions})
        closing = [c for c in d["clauses"] if c["kind"] == "closing"]
        stated = "<br>".join(f"[{esc(c['text'])}]({md.rel(page, md.clause_page(c['id']))})" for c in closing)
        rows.append([f"[{esc(d['title']['zh'])}]({md.rel(page, 'clauses/index.md', code)})<br>*{esc(d['title']['en'])}*",
                     f"`{code}`", len(d["clauses"]), stated or "—",
                     ", ".join(str(s) for s in starts) or "尚无编码 nothing encoded yet"])
    out.append(md.table(["文件 document", "代码 code", "条文 clauses", "原文所述施行 as the text states",
                         "政策版本生效 policy versions from"], rows))
    for code, doc in repo.documents.items():
        for c in doc.data["clauses"]:
            if c["kind"] == "metadata" and c.get("units"):
                out.append(f"**{esc(doc.data['title']['zh'])} — {esc(c['title_en'])}** "
                           f"([`{c['id']}`]({md.rel(page, md.clause_page(c['id']))}))\n")
                out.append(md.table(["项目 item", "原文 as published"],
                                    [[esc(u.get("title_en", u["id"])), esc(u["text"])] for u in c["units"]]))
    return "\n".join(out)
