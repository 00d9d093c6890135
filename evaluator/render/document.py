"""A ruling as a document an auditor can file: the facts, each result with the clause text it rests on, the readings
used and the other readings the text allows, the policy digest and versions, the date. Markdown, or a standalone
HTML page with nothing fetched from elsewhere. The documentation site renders its worked examples with the same
function, linking each clause to its page."""
from __future__ import annotations

import datetime as dt
import html

from .labels import fact_value, result_name, result_value, salary_row
from .markdown_blocks import esc, table, value

DEFAULT_ISSUER = "未署名 not named (policy eval --issuer NAME)"


def _no_link(clause_id: str) -> str:
    return f"`{clause_id}`"


def ruling_markdown(r: dict, repo, case=None, link=_no_link, level: int = 1, issued: dt.date | None = None,
                    issuer: str = DEFAULT_ISSUER) -> str:
    """One ruling. `case` (evaluator.cases.Case) adds the facts as given; `link(clause_id)` renders a clause id;
    `issued` (the date printed) adds the issuing block that makes the document one to file."""
    h = "#" * level
    out = [f"{h} 裁决 Ruling: `{r['id']}`\n"]
    if case is not None and case.description:
        out.append(esc(case.description) + "\n")
    meta = [["案例 case", f"`{r['id']}`"], ["类型 kind", f"`{r['kind']}`"], ["裁决所依日期 date ruled for", r["as_of"]],
            ["政策摘要 policy digest", f"`{r['policy']['digest']}`"], ["规则引擎 engine", f"`{r['policy']['engine']}`"]]
    meta.append(["版本 versions", "<br>".join(f"`{pid}` v{ver}" + _version_dates(repo, pid, ver)
                                            for pid, ver in r["policy"]["versions"].items())])
    out.append(table(["项目 item", "内容 value"], meta))
    if case is not None:
        out.append(f"{h}# 事实 Facts\n")
        given = [k for k in case.facts if k in case.given] + [k for k in case.facts if k not in case.given]
        rows = [[f"`{k}`", fact_value(r["kind"], k, case.facts[k], repo.schema_dir),
                 "案例 given" if k in case.given else "默认值 default"] for k in given]
        out.append(table(["事实 fact", "值 value", "来源 from"], rows))
    out.append(f"{h}# 结果 Results\n")
    cites = {}
    for t in r["trace"]:
        cites.setdefault(t["result"], []).extend(c["id"] for c in t["clauses"])
    out.append(table(["结果 result", "值 value", "依据 clauses"],
                     [[result_name(k, repo.schema_dir), result_value(k, v, repo.schema_dir),
                       ", ".join(link(c) for c in dict.fromkeys(cites.get(k, [])))]
                      for k, v in r["results"].items()]))
    if "expect" in r:
        e = r["expect"]
        out.append("期望结果全部符合 All expectations met.\n" if e["passed"] else
                   "**期望结果不符 Expectations not met:** " + "; ".join(
                       f"`{m['result']}` expected {value(m['expected'])}, got {value(m['actual'])}"
                       for m in e["mismatches"]) + "\n")
    out.append(f"{h}# 推理过程 Trace\n")
    at, labelled = len(out), False
    used = []
    for n, t in enumerate(r["trace"], 1):
        out.append(f"{n}. **{result_name(t['result'], repo.schema_dir)} = "
                   f"{result_value(t['result'], t['value'], repo.schema_dir)}** — 规则 rule `{t['rule']}`")
        if t["inputs"]:
            out.append("    - 输入 inputs: " + ", ".join(f"`{k}` = {fact_value(r['kind'], k, v, repo.schema_dir)}"
                                                       for k, v in t["inputs"].items()))
        for c in t["clauses"]:
            row = salary_row(repo, r["policy"]["versions"], c["id"], t)
            out.append(f"    - {link(c['id'])}:「{row or esc(c['text'])}」")
            labelled = labelled or bool(row)
        for i in t["interpretations"]:
            out.append(f"    - 解读 reading `{i}`")
            if i not in used:
                used.append(i)
    out.append("")
    if labelled:
        out.insert(at, _ROW_NOTE)
    if used:
        out.append(f"{h}# 所用解读 Interpretations used\n")
        for i in used:
            out.append(_interpretation(repo, i, link))
    if r["notes"]:
        out.append(f"{h}# 说明 Notes\n")
        for note in r["notes"]:
            zh = f"{esc(note['zh'])} — " if note.get("zh") else ""
            out.append(f"- `{note['code']}`: {zh}{esc(note['en'])}")
        out.append("")
    if issued:
        out.append(_issuing_block(r, case, h, issued, issuer))
    return "\n".join(out)


_ROW_NOTE = "表格的一行按列引用:各格前为其列名,粗体为本裁决所用的格。 A quoted table row shows each cell after its " \
    "column's head; the cells this ruling used are in bold.\n"


def _issuing_block(r: dict, case, h: str, issued: dt.date, issuer: str) -> str:
    """Who rules, on which case, for which date, when printed, on which policy files and how to check that."""
    where = f" — `{case.doc.path}:{case.line}`" if case is not None and case.doc.marks else ""
    rows = [["出具方 issued by", esc(issuer)],
            ["案例编号 case reference", f"`{r['id']}`{where}"],
            ["裁决所依日期 date ruled for", r["as_of"]],
            ["出具日期 date printed", issued.isoformat()],
            ["政策摘要 policy digest", f"`{r['policy']['digest']}`"],
            ["核验 how to verify", "在出具时的仓库版本下运行 `.venv/bin/policy check`,末行的摘要应与上"
             "相同;逐个文件重算摘要的方法见 `docs/guides/auditors.md`。 Run `.venv/bin/policy "
             "check` on the repository as it was when issued: its last line must show this digest; "
             "`docs/guides/auditors.md` shows how to recompute it file by file."]]
    return f"{h}# 出具 Issued\n\n" + table(["项目 item", "内容 value"], rows)


def _version_dates(repo, pid: str, ver: int) -> str:
    for v in repo.policies.get(pid, []) + repo.rulesets.get(pid, []):
        if v.version == ver:
            return f", 自 from {v.effective_from}" + (f" 至 to {v.effective_to}" if v.effective_to else "")
    return ""


def _interpretation(repo, iid: str, link) -> str:
    entry = repo.interpretations.get(iid)
    if entry is None:
        return f"- `{iid}`\n"
    it = entry[0]
    out = [f"- **`{iid}`** — {esc(it['question'].get('zh', ''))} *{esc(it['question']['en'])}*",
           f"    - 采用的解读 reading `{it['reading']['code']}`: {esc(it['reading'].get('zh', ''))} "
           f"{esc(it['reading']['en'])}"]
    for alt in it["alternatives"]:
        out.append(f"    - 另一种解读 another reading `{alt['code']}` (本裁决未采用 not applied here): "
                   f"{esc(alt.get('zh', ''))} {esc(alt['en'])}")
    out.append("    - 条款 clauses: " + ", ".join(link(c) for c in it["clauses"]))
    return "\n".join(out) + "\n"


def _errors_markdown(r: dict) -> str:
    name = r.get("id") or r.get("file")
    lines = [f"## 无法裁决 Not ruled: {esc(name)}\n"]
    for e in r["errors"]:
        lines.append(f"- `{e.get('file')}:{e.get('line')}:{e.get('column')}` {esc(e.get('message', ''))}")
    return "\n".join(lines) + "\n"


def render(outcomes: list, repo, fmt: str, issued: dt.date | None = None, issuer: str = DEFAULT_ISSUER) -> str:
    """`outcomes`: [([ruling or {"errors"}], {case id: Case})], the cases being those the rulings were made on (as
    loaded for the ruling, never read again: the facts shown are the facts ruled). Returns one Markdown or HTML
    document, each ruling ending with its issuing block (`issuer`, the date printed `issued`)."""
    issued = issued or dt.date.today()
    parts = []
    for rulings, by_id in outcomes:
        for r in rulings:
            if "results" in r:
                parts.append(ruling_markdown(r, repo, by_id.get(r["id"]), issued=issued, issuer=issuer))
            else:
                parts.append(_errors_markdown(r))
    md = "\n---\n\n".join(parts)
    if fmt == "markdown":
        return md
    return as_html(md, "裁决 Rulings")


_CSS = """body{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.6;color:#222}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#f0f0f0}code{background:#f5f5f5;padding:0 .2rem}
hr{margin:3rem 0}@media print{hr{page-break-after:always;border:0}}"""


def as_html(md: str, title: str) -> str:
    import markdown as markdown_lib  # only this output needs it

    body = markdown_lib.markdown(md, extensions=["tables", "sane_lists"])
    return (f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>")
