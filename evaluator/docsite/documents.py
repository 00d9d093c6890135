"""Pages and sections of the register of source documents, every status computed for the site's build date (named
on the page): the register page, each version's status and enacting documents, a timeline per policy, and a
clause's text in force on the build date with its history (point-in-time view). A draft NOT ADOPTED is said so
wherever it appears; a hypothetical site (built with a draft reform applied) says so at the top of every page."""
from __future__ import annotations

from ..repo import register
from . import md
from .md import esc

PAGE = "registers/documents.md"
VERSION_STATUS = register.VERSION_STATUS_WORDS


def as_of(model) -> str:
    return f"状态按 {model.build_date} 计算(本站生成日期) Status as of {model.build_date}, the date this site was built"


ASSUMED = "assume-adopted: "  # how Model.hypothetical names documents taken as adopted (POLICY_ASSUME_ADOPTED)


def banner(model) -> str:
    """The top of every page of a hypothetical site (a draft applied): empty for the site of the repository."""
    if not model.hypothetical:
        return ""
    if model.hypothetical.startswith(ASSUMED):  # --assume-adopted: a made-up example (or a draft) viewed as adopted
        return (f"!!! danger \"假设状态 HYPOTHETICAL — 示例 未通过 EXAMPLE — NOT ADOPTED\"\n    本站按 "
                f"`{model.hypothetical[len(ASSUMED):]}` 已通过的假设生成,不是现行政策。 This site shows the repository "
                "with these documents NOT ADOPTED taken as adopted (EXAMPLE — NOT ADOPTED); it is NOT policy.\n\n")
    return (f"!!! danger \"假设状态 HYPOTHETICAL — 草案未通过 NOT ADOPTED\"\n    本站按草案 `{model.hypothetical}` 已通过的假设"
            "生成,不是现行政策。 This site shows the repository with the draft reform applied as if adopted; it is "
            "NOT policy.\n\n")


def _doc_words(model, doc_id: str) -> str:
    if doc_id not in model.repo.register:
        return f"`{doc_id}` (not registered)"
    e = register.entry(model.repo, doc_id)
    st = register.STATUS_WORDS[register.status_on(model.repo, doc_id, model.build_date)]
    return f"《{esc(e['title']['zh'])}》 `{doc_id}` — {st}"


def register_page(model) -> str:
    repo = model.repo
    out = ["# 文件登记 Register of source documents\n", f"*{as_of(model)}*\n",
           "每份官方文件一条登记:标题、发文机关、文号、日期、效力状态、发布位置与所发布文本的 SHA-256,以及其条文文件。"
           "One entry per official text (sources/register/; format in docs/register.md).\n",
           md.table(["文件 document", "发文机关 issuer", "文号 number", "成文 issued", "施行 in force", "状态 status"], [
               [f"[{esc(e['title']['zh'])}](#{d}) `{d}`", esc(e["issuer"]["zh"]), esc(e["number"] or "—"), e["issued"],
                f"{e['in_force_from']} – {e.get('in_force_to') or '…'}",
                register.STATUS_WORDS[register.status_on(repo, d, model.build_date)]]
               for d, (e, _) in sorted(repo.register.items())])]
    for d, (e, doc) in sorted(repo.register.items()):
        enacts = [f"{v.id} v{v.version}" for t in (repo.policies, repo.rulesets) for vs in t.values() for v in vs
                  if d in v.data["enacted_by"]]
        amends = sorted({r.target for r in repo.relations if r.document == d})
        rows = [["标题 title", f"{esc(e['title']['zh'])}<br>*{esc(e['title']['en'])}*"],
                ["级别 level", e["level"] + (f" ({e['area']})" if e.get("area") else "")],
                ["文号 number", esc(e["number"] or f"— {e.get('number_note', '')}")],
                ["记录状态 recorded status", register.STATUS_WORDS[e["status"]]],
                ["发布 published", esc(e["published"]["where"]["zh"]) + "<br>" + esc(e["published"]["where"]["en"])],
                ["文本 text", f"`{e['published']['text']}` SHA-256 `{e['published']['sha256']}`"],
                ["条文 clauses", f"`{e['clauses']}`"], ["登记 entry", f"`{doc.path}`"],
                ["制定版本 enacts", ", ".join(enacts) or "—"], ["修改 amends", ", ".join(amends) or "—"]]
        if e.get("issued_with"):
            rows.insert(2, ["印发文件 issued with", f"`{e['issued_with']}`"])
        out += [f"\n## {esc(e['title']['zh'])} {{#{d}}}\n", md.table(["项目 item", "内容 value"], rows)]
    return "\n".join(out)


def versions_table(model, versions: list, page: str) -> str:
    """The versions of one policy: each one's status on the build date and its enacting documents."""
    return (f"*{as_of(model)}*\n\n" + md.table(
        ["版本 version", "状态 status", "生效 from", "失效 to", "制定文件 enacted by", "文件 file"], [
            [f"v{v.version}", VERSION_STATUS[register.version_status(v, model.build_date)], str(v.effective_from),
             str(v.effective_to) if v.effective_to else "—",
             "<br>".join(_doc_words(model, d) for d in v.data["enacted_by"]), f"`{v.doc.path}`"]
            for v in versions]))


def timeline(model, versions: list) -> str:
    """The versions of one policy in time, with the documents in force behind each."""
    out = ["**时间线 Timeline**\n"]
    for v in sorted(versions, key=lambda v: (v.effective_from, v.version)):
        span = f"{v.effective_from} – {v.effective_to or '…'}"
        docs = "; ".join(_doc_words(model, d) for d in v.data["enacted_by"])
        out.append(f"- {span}: v{v.version} ({VERSION_STATUS[register.version_status(v, model.build_date)]}), "
                   f"enacted by {docs}")
    return "\n".join(out) + "\n"


def clause_in_time(model, cid: str) -> str:
    """The clause's text in force on the build date and every text it has had (empty when never amended)."""
    repo = model.repo
    events = register.history(repo, cid)
    units = [k for k, c in repo.clauses.items() if c.clause_id == cid and k != cid]
    changed = [u for u in units if len(register.history(repo, u)) > 1]
    if len(events) <= 1 and not changed and (not events or events[0].by is None):
        now = register.text_on(repo, cid, model.build_date)
        since = f"自 {events[0].day} 起施行 in force since {events[0].day}" if events else "从未施行 never in force"
        state = "现行有效文本即原文 the text in force is the text as published" if now else \
            "本日不在施行中 not in force on this date"
        return f"*{model.build_date}:{state};{since}。*\n"
    out = ["## 现行有效文本与历史 Text in force and history\n", f"*{as_of(model)}*\n"]
    now = register.text_on(repo, cid, model.build_date)
    out.append("```text\n" + (now.text if now else "(本日不在施行中 not in force on this date)") + "\n```\n")
    rows = []
    for ref in [cid] + changed:
        for ev in register.history(repo, ref):
            by = "原文 as published" if ev.by is None else \
                f"`{ev.by}` {_doc_words(model, register.document_of(ev.by))}"
            rows.append([f"`{ref}`", str(ev.day), ev.status, by, esc(" ".join((ev.text or "—").split()))[:120]])
    out.append(md.table(["条文 clause", "自 from", "变化 change", "依据 by", "文本 text"], rows))
    return "\n".join(out) + "\n"


def document_banner(model, code: str) -> str:
    """The warning at the top of a clause page of a draft NOT ADOPTED."""
    e = register.entry(model.repo, code)
    if e is None or e["status"] != "draft_not_adopted":
        return ""
    if any(s.example and s.enacted_by == code for sups in model.repo.supplements.values() for s in sups):
        return ("!!! warning \"示例 未通过 EXAMPLE — NOT ADOPTED\"\n    本条出自为演示而虚构的示例文件,未经任何机关通过,不是"
                "政策。 This clause is from a made-up example, EXAMPLE — NOT ADOPTED: not policy.\n\n")
    return ("!!! warning \"草案 未通过 NOT ADOPTED\"\n    本条出自未通过的假设草案,不是政策。 This clause is from a "
            "hypothetical draft, NOT ADOPTED: not policy.\n\n")
