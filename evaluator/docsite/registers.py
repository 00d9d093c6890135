"""Registers and the policy pages: interpretations, errata, coverage (clause × status × tests), a glossary of codes
and Chinese terms, and one page per policy or rule set with all its versions."""
from __future__ import annotations

import json

from . import md
from . import documents as doc_pages
from .clause_pages import STATUS_ZH, errata_table, status, title
from .md import esc
from ..load.validation import LABELS
from .policy_tables import Links, render_data, rule_words


def interpretations_page(model) -> str:
    path = "registers/interpretations.md"
    links = Links(path, model.repo)
    out = ["# 解读登记 Interpretations\n",
           "原文留有选择余地之处,本库采用的解读及其他可能的解读。Where the text leaves a choice: the reading this "
           "repository takes, the alternatives, and why.\n"]
    for iid, (it, doc, _p) in sorted(model.repo.interpretations.items()):
        out.append(f"## {esc(it['question'].get('zh') or it['question']['en'])} {{#{iid}}}\n")
        out.append(f"`{iid}` · *{esc(it['question']['en'])}* · `{doc.path}`\n")
        r = it["reading"]
        out.append(f"**采用的解读 Reading** `{r['code']}`: {esc(r.get('zh', ''))}\n\n*{esc(r['en'])}*\n")
        if it["alternatives"]:
            out.append("**其他解读 Alternatives**\n")
            out += [f"- `{a['code']}`: {esc(a.get('zh', ''))} {esc(a['en'])}" for a in it["alternatives"]]
            out.append("")
        out.append(f"**理由 Reason**: {esc(it['reason'])}\n")
        out.append("**条款 Clauses**: " + ", ".join(links.clause(c) for c in it["clauses"]) + "\n")
        users = [f"{links.policy(v.id)} v{v.version}" for table in (model.repo.policies, model.repo.rulesets)
                 for vs in table.values() for v in vs if iid in _interps_of(v)]
        if users:
            out.append("**使用者 Used by**: " + ", ".join(users) + "\n")
    return "\n".join(out)


def _interps_of(v) -> set:
    out = set(v.data.get("interpretations", []))
    for rule in v.data.get("rules", []):
        out |= set(rule.get("interpretations", []))
    return out


def errata_page(model) -> str:
    path = "registers/errata.md"
    out = ["# 勘误登记 Errata\n",
           "原文(网页提取本)中的缺陷。条文保持原样,勘误只在此记录。Defects of the published text as extracted: the "
           "clauses keep the text as published; the reading is recorded here.\n"]
    rows = []
    for eid, (e, cid, _doc, _p) in model.repo.errata.items():
        rows.append([f'<span id="{eid}"></span>`{eid}`', Links(path, model.repo).clause(cid), esc(e["as_published"]),
                     esc(e["reading"]), md.label(md.DEFECT, e["defect"]), esc(e["explanation"])])
    out.append(md.table(["勘误 erratum", "条款 clause", "原样 as published", "应读作 reading", "缺陷 defect",
                         "说明 explanation"], rows))
    return "\n".join(out)


def coverage_page(model) -> str:
    path = "registers/coverage.md"
    links = Links(path, model.repo)
    rows, counts = [], {}
    for _code, c in model.clauses:
        st, why = status(model, c)
        counts[st] = counts.get(st, 0) + 1
        where = ", ".join(links.policy(pid) for (_k, pid) in sorted(model.encoders.get(c["id"], {})))
        reached = [w for w in model.reaches.get(c["id"], []) if "expect" in w.ruling]
        files = sorted({w.file for w in reached})
        tests = f"{len(reached)} ({', '.join(f'`{f}`' for f in files)})" if reached else "0"
        rows.append([links.clause(c["id"], c["id"]), esc(title(c)), STATUS_ZH[st] + (f"<br>{why}" if why else ""),
                     where, tests])
    out = ["# 覆盖矩阵 Coverage\n",
           "每条条文:是否被编码、由哪些政策或规则编码、多少带期望结果的测试案例触及。Each clause: its status, what "
           "encodes it, and how many cases with expectations reach it.\n",
           md.table(["状态 status", "条数 clauses"], [[STATUS_ZH[k], n] for k, n in sorted(counts.items())]),
           md.table(["条文 clause", "标题 title", "状态 status", "编码于 encoded in", "测试 tests"], rows)]
    return "\n".join(out)


def policies_index(model) -> str:
    path = "policies/index.md"
    out = ["# 政策与规则 Policies and rules\n",
           "政策文件 `policies/<id>/<生效日>.yaml` 存放数字与表格;规则集 `rules/` 存放条件规则。Every figure lives in a "
           "versioned policy file; condition rules live in rule sets.\n"]
    rows = []
    for kind, table in (("policy", model.repo.policies), ("rules", model.repo.rulesets)):
        for pid, versions in sorted(table.items()):
            v = versions[-1]
            rows.append([f"[{esc(v.data['title']['zh'])}]({md.rel(path, md.policy_page(pid))})", f"`{pid}`",
                         esc(v.data["title"]["en"]), "政策 policy" if kind == "policy" else "规则集 rule set",
                         ", ".join(f"v{x.version} {x.effective_from}" for x in versions)])
    out.append(md.table(["名称 title", "编号 id", "English", "类别 kind", "版本 versions"], rows))
    return "\n".join(out)


def policy_page(model, kind: str, pid: str) -> str:
    path = md.policy_page(pid)
    links = Links(path, model.repo)
    versions = model.versions(kind, pid)
    d = versions[-1].data
    out = [f"# {esc(d['title']['zh'])} · `{pid}`\n", f"*{esc(d['title']['en'])}*\n"]
    out.append("## 版本 Versions\n")
    out.append(doc_pages.versions_table(model, versions, path))
    out.append(doc_pages.timeline(model, versions))
    for v in reversed(versions):
        vd = v.data
        out.append(f"## v{v.version} 自 from {v.effective_from}\n")
        rows = [["编码条款 encodes", ", ".join(links.clause(c) for c in vd["encodes"])]]
        if vd.get("type"):
            rows.append(["类型 type", f"`{vd['type']}`"])
        if vd.get("case_kind"):
            rows.append(["案例类型 case kind", f"`{vd['case_kind']}`"])
            rows.append(["结果 result", f"`{vd['result']}`"])
        if vd.get("interpretations"):
            rows.append(["解读 readings", ", ".join(
                f"[`{i}`]({md.rel(path, 'registers/interpretations.md', i)})" for i in vd["interpretations"])])
        if vd.get("errata"):
            rows.append(["勘误 errata", ", ".join(
                f"[`{e}`]({md.rel(path, 'registers/errata.md', e)})" for e in vd["errata"])])
        out.append(md.table(["项目 item", "内容 value"], rows))
        for n in vd.get("notes", []):
            out.append(f"> {esc(n['zh'])} — *{esc(n['en'])}*\n")
        if kind == "policy":
            out.append(render_data(v, links, model))
        else:
            out += [rule_words(r, links, level=3) for r in vd["rules"]]
    return "\n".join(out)


def glossary_page(model) -> str:
    """Codes and Chinese terms: from the policy data (records with a code and a Chinese name), the rules, the
    readings, the fact vocabulary of the case schema, and the repository's own vocabulary."""
    path = "registers/glossary.md"
    repo = model.repo
    out = ["# 术语表 Glossary\n", "代码为英文 snake_case,中文术语保留在数据中。Codes are English snake_case; the "
           "Chinese terms stay in the data.\n"]
    rows = []
    for table in (repo.policies, repo.rulesets):
        for pid, versions in sorted(table.items()):
            v = versions[-1]
            rows.append([f"`{pid}`", esc(v.data["title"]["zh"]), esc(v.data["title"]["en"]),
                         f"[政策与规则 policies]({md.rel(path, md.policy_page(pid))})"])
            for rec in _coded_records(v.data.get("data", {})):
                zh = rec.get("zh") or rec.get("column") or rec.get("label") or rec.get("name") or _band_text(rec)
                zh = zh.get("zh", "") if isinstance(zh, dict) else zh
                extra = rec.get("class_zh", "")
                rows.append([f"`{rec['code']}`", esc(zh) + (f"({esc(extra)})" if extra else ""),
                             esc(rec.get("en", "")), f"[`{pid}`]({md.rel(path, md.policy_page(pid))})"])
            for rule in v.data.get("rules", []):
                rows.append([f"`{rule['id']}`", esc(rule["title"]["zh"]), esc(rule["title"]["en"]),
                             f"[`{pid}`]({md.rel(path, md.policy_page(pid))})"])
    for iid, (it, _d, _p) in sorted(repo.interpretations.items()):
        r = it["reading"]
        rows.append([f"`{r['code']}`", esc(r.get("zh", "")), esc(r["en"]),
                     f"[`{iid}`]({md.rel(path, 'registers/interpretations.md', iid)})"])
    out.append("## 政策、规则与解读 Policies, rules and readings\n")
    out.append(md.table(["代码 code", "中文 Chinese", "English", "出处 where"], _dedupe(rows)))
    out.append("## 案例事实 Case facts\n")
    out.append(md.table(["代码 code", "中文 Chinese", "取值 values", "说明 description", "案例类型 kind"],
                        _fact_rows(repo)))
    out.append("## 本库词汇 Repository vocabulary\n")
    vocab = [("clause kind", md.KIND), ("modality", md.MODALITY), ("status", md.STATUS), ("defect", md.DEFECT)]
    out.append(md.table(["代码 code", "中文 Chinese", "用于 used for"],
                        [[f"`{k}`", zh, what] for what, tbl in vocab for k, zh in tbl.items()]))
    return "\n".join(out)


def _coded_records(obj):
    if isinstance(obj, dict):
        if "code" in obj and isinstance(obj["code"], str):
            yield obj
        for v in obj.values():
            yield from _coded_records(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _coded_records(v)


def _band_text(rec: dict) -> str:
    """The printed text of the one band a record has (3000户以下 for a staffing band), else ''."""
    bands = [v["text"] for v in rec.values() if isinstance(v, dict) and isinstance(v.get("text"), str)]
    return bands[0] if len(bands) == 1 else ""


def _dedupe(rows):
    seen, out = set(), []
    for r in rows:
        key = (r[0], r[3])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _fact_rows(repo) -> list:
    from ..cases.catalogue import DERIVED_FACTS

    schema = json.loads((repo.schema_dir / "cases.schema.json").read_text(encoding="utf-8"))
    rows = []
    kinds = schema["$defs"]["case"]["properties"]["kind"]["enum"]
    for kind in kinds:
        props = schema["$defs"].get(f"{kind}_facts", {}).get("properties", {})
        for name, p in props.items():
            labels = p.get(LABELS, {})
            vals = ", ".join(f"`{x}`" + (f" {esc(labels[x][0])}" if labels.get(x) else "") for x in p.get("enum", [])) \
                or p.get("type", "")
            rows.append([f"`{name}`", esc(p.get("x-zh", "")), vals, esc(p.get("description", "")), f"`{kind}`"])
        for name, p in DERIVED_FACTS.get(kind, {}).items():
            rows.append([f"`{name}`", "推导事实", p["type"], "推导事实 derived: " + esc(p["en"]), f"`{kind}`"])
    return rows
