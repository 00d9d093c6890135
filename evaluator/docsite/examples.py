"""Worked examples: one page per case file of the repository (examples/ and tests/cases/), each case with its facts,
ruling and trace as `policy eval --format markdown` gives them, clauses linked to their pages."""
from __future__ import annotations

from ..render.document import ruling_markdown
from . import md
from .md import esc
from .policy_tables import Links


def file_page(model, rel: str) -> str:
    path = md.case_file_page(rel)
    worked = model.case_files[rel]
    out = [f"# 实例 `{rel}`\n", f"{len(worked)} 个案例 cases. 用 `policy eval {rel} --format markdown` 可得每个案例的完整裁决"
           "文书 (each case's full ruling document from the command line).\n"]
    if rel.startswith("examples/"):
        out += _full(model, worked, path)
    else:
        # Test files hold hundreds of boundary cases: one row each; clause pages show full traces of some.
        out.insert(0, "---\nsearch:\n  exclude: true\n---\n")
        out.append(_compact(worked))
    return "\n".join(out)


def _compact(worked) -> str:
    rows = []
    for w in worked:
        anchor = f'<span id="{md.case_anchor(w.case_id)}"></span>`{w.case_id}`'
        if not w.ok:
            rows.append([anchor, "无法裁决 not ruled", "", "", esc("; ".join(e.get("message", "") for e in
                                                                              w.ruling.get("errors", [])))])
            continue
        given = ", ".join(f"`{k}`={md.value(v)}" for k, v in (w.case.given if w.case else {}).items())
        results = ", ".join(f"`{k}`={md.value(v)}" for k, v in w.ruling["results"].items())
        e = w.ruling.get("expect")
        status = "—" if e is None else ("✓ 符合 met" if e["passed"] else "✗ 不符 not met")
        rows.append([anchor, esc(w.case.description if w.case else ""), given, results, status])
    return md.table(["案例 case", "说明 description", "事实 facts given", "结果 results", "期望 expected"], rows)


def folded_ruling(model, w, page: str, level: int) -> str:
    """A ruling with its trace (and the readings and notes after it) folded: the page reads as cases and results,
    and a click opens the reasoning."""
    body = ruling_markdown(w.ruling, model.repo, w.case, link=Links(page, model.repo).clause, level=level)
    marker = "\n" + "#" * (level + 1) + " 推理过程 Trace\n"
    head, _, rest = body.partition(marker)
    if not rest:
        return head
    rest = rest.replace("\n" + "#" * (level + 1) + " ", "\n**").replace(" Interpretations used\n",
                                                                      " Interpretations used**\n")
    rest = rest.replace("\n**说明 Notes\n", "\n**说明 Notes**\n")
    folded = "\n".join("    " + ln if ln else "" for ln in rest.split("\n"))
    return head + '\n??? info "推理过程 Trace"\n\n' + folded + "\n"


def _full(model, worked, path) -> list:
    out = []
    for w in worked:
        out.append(f'<span id="{md.case_anchor(w.case_id)}"></span>\n')
        if w.ok:
            out.append(folded_ruling(model, w, path, 2))
        else:
            out.append(f"## 无法裁决 Not ruled: `{w.case_id}`\n")
            out += [f"- {esc(e.get('message', ''))}" for e in w.ruling.get("errors", [])]
        out.append("")
    return out


def index_page(model) -> str:
    path = "examples/index.md"
    out = ["# 实例 Worked examples\n",
           "本库的每个案例文件,每个案例附裁决与推理过程。`examples/` 为示例,`tests/cases/` 为带期望结果的测试。"
           "Every case file of the repository with each case's ruling and trace.\n"]
    rows = []
    for rel, worked in sorted(model.case_files.items(), key=lambda kv: (not kv[0].startswith("examples/"), kv[0])):
        expected = sum(1 for w in worked if "expect" in w.ruling)
        rows.append([f"[`{rel}`]({md.rel(path, md.case_file_page(rel))})", len(worked), expected])
    out.append(md.table(["文件 file", "案例 cases", "带期望结果 with expectations"], rows))
    return "\n".join(out)


def nav(model) -> list:
    order = sorted(model.case_files, key=lambda p: (not p.startswith("examples/"), p))
    return ["examples/index.md"] + [{rel: md.case_file_page(rel)} for rel in order]
