"""The two lists of the reform opinion as the text prints them, one page each: 附件1 社区服务站服务事项清单 (序号,
服务事项) and 附件2 社区工作事项准入清单 (序号, 类别, 部门, 事项名称, 工作内容, 工作说明), a real table with departments by
name and each merged cell of the published table shown as one cell spanning its rows (the policy data's `cells`
names the row whose cell a value comes from). The clause page of an annex shows the same whole table."""
from __future__ import annotations

import html

from . import md

ANNEX_LIST_TYPES = ("service_station_items", "community_access_list")
PAGES = {"service_station_items": "lists/annex1.md", "community_access_list": "lists/annex2.md"}
TABLE_CLASS = "annex-list"  # styled by docs/stylesheets/desk.css: fixed columns that fit a 1280 px window


def list_versions(repo) -> list:
    """The latest version of each policy whose data is one of the two lists, by its page."""
    out = []
    for pid, versions in sorted(repo.policies.items()):
        v = versions[-1]
        if v.data.get("type") in ANNEX_LIST_TYPES:
            out.append(v)
    return out


def annex_pages(model) -> dict:
    return {PAGES[v.data["type"]]: page(model, v) for v in list_versions(model.repo)}


def annex_for_clause(model, clause_id: str, page_path: str) -> str | None:
    """The whole table of the annex whose clause this is (for the clause's own page), else None."""
    for v in list_versions(model.repo):
        if v.data["data"]["source"] == clause_id:
            return (f"## 清单全表 The whole list\n\n按原文排版的清单 The list as the text prints it "
                    f"([单独一页 on its own page]({md.rel(page_path, PAGES[v.data['type']])})):\n\n"
                    + table_html(model, v, page_path))
    return None


def page(model, version) -> str:
    path = PAGES[version.data["type"]]
    d = version.data
    clause = model.repo.cite(d["data"]["source"])
    heading = clause.text.split("\n")
    out = [f"# {html.escape(heading[0].rstrip(':'))} {html.escape(d['title']['zh'])}\n",
           f"*{md.esc(d['title']['en'])}* — 原文 text: [`{d['data']['source']}`]"
           f"({md.rel(path, md.clause_page(d['data']['source']))}); 政策数据 policy data: "
           f"[`{version.id}`]({md.rel(path, md.policy_page(version.id))}) v{version.version}, "
           f"自 from {version.effective_from}.\n",
           "每行的序号链接到该行的条文页;合并的单元格按原文合并显示。Each number links to its row's clause page; "
           "cells merged in the published table are merged here too.\n",
           table_html(model, version, path)]
    return "\n".join(out)


def table_html(model, version, path: str) -> str:
    d = version.data["data"]
    if version.data["type"] == "service_station_items":
        head = ["序号", "服务事项"]
        rows = [[_cell(_number(it, path)), _cell(html.escape(it["name"]) + _en(it))] for it in d["items"]]
    else:
        head = [h for h in model.repo.cite(d["source"] + ".header").text.split("\n")]
        rows = _access_rows(d, path)
    cols = "".join(f'<col class="{TABLE_CLASS}-c{i}">' for i in range(len(head)))
    out = [f'<table class="{TABLE_CLASS} {TABLE_CLASS}-{len(head)}">', f"<colgroup>{cols}</colgroup>",
           "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead>", "<tbody>"]
    out += ["<tr>" + "".join(r) + "</tr>" for r in rows]
    out.append("</tbody></table>\n")
    return "\n".join(out)


def _access_rows(d: dict, path: str) -> list:
    """The rows of 附件2: a value another row's cell supplies is left out, the supplying cell spans its rows."""
    names = {dep["code"]: dep["name"] for dep in d["departments"]}
    spanning = ("category", "departments", "remarks")
    source = {(col, it["number"]): it.get("cells", {}).get(col, it["number"]) for it in d["items"] for col in spanning}
    span = {}  # (column, number of the row that prints the cell) -> how many rows the cell spans
    for key in source.items():
        span[(key[0][0], key[1])] = span.get((key[0][0], key[1]), 0) + 1
    rows = []
    for it in d["items"]:
        cells = {"category": _category(it), "remarks": _remarks(it),
                 "departments": "、".join(html.escape(names.get(c, c)) for c in it["departments"] or [])}
        row = {"number": _cell(_number(it, path)), "name": _cell(html.escape(it["name"]) + _en(it)),
               "content": _cell("<br>".join(html.escape(x) for x in it["content"]))}
        for col in spanning:
            n = source[(col, it["number"])]
            if n == it["number"]:  # else merged into the cell of row n above
                row[col] = _cell(cells[col], span[(col, n)])
        rows.append([row[c] for c in ("number", "category", "departments", "name", "content", "remarks") if c in row])
    return rows


def _category(it) -> str:
    c = it.get("category")
    return html.escape(c["name"]) if c else ""


def _remarks(it) -> str:
    return "<br>".join(html.escape(x) for x in it.get("remarks") or [])


def _number(it, path: str) -> str:
    target = md.rel(path, md.clause_page(it["source"]))
    return f'<a href="{target[:-len(".md")]}.html">{it["number"]}</a>'


def _en(it) -> str:
    return f'<br><small lang="en">{html.escape(it["en"])}</small>' if it.get("en") else ""


def _cell(inner: str, rows: int = 1) -> str:
    return (f'<td rowspan="{rows}">' if rows > 1 else "<td>") + inner + "</td>"
