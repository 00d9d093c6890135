"""Markdown building blocks for the generated pages: escaping, tables, links between pages, and the display labels
of the repository's own vocabulary (Chinese first, the code beside it). Unknown codes show as themselves, so kinds
and values added later still render."""
from __future__ import annotations

import posixpath

from ..render.markdown_blocks import code, esc, quote, table, value  # noqa: F401 - the site's one import point

KIND = {"title": "标题", "metadata": "元数据", "addressees": "主送", "preamble": "序言", "heading": "章节标题",
        "provision": "条款", "item": "事项", "table": "表格", "table_row": "表格行", "signature": "落款",
        "closing": "结尾"}
# Kinds that carry no rule of their own: a heading or a title is accounted for by what it heads.
NOT_NORMATIVE = {"title", "metadata", "addressees", "heading", "signature", "table"}
MODALITY = {"must": "必须", "as_a_rule": "原则上", "may": "可以"}
STATUS = {"draft": "草案", "in_force": "现行有效", "superseded": "已被取代", "repealed": "已废止"}
DEFECT = {"dropped_characters": "缺字", "numbering": "编号错误", "garbled": "文字错乱", "truncated": "截断",
          "missing_separator": "缺少分隔", "missing_punctuation": "缺少标点",
          "duplicated": "重复", "stray_characters": "多字", "wrong_character": "错字", "run_in_heading": "标题混入正文"}
OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "属于 in", "exists": "有值 exists"}


def label(table: dict, code) -> str:
    """`中文 code`, or the bare code when the vocabulary does not know it."""
    zh = table.get(code)
    return f"{zh} `{code}`" if zh else f"`{code}`"


def rel(src: str, dst: str, anchor: str | None = None) -> str:
    """Relative link from page `src` to page `dst` (both paths inside docs/)."""
    target = posixpath.relpath(dst, posixpath.dirname(src) or ".")
    return target + (f"#{anchor}" if anchor else "")


# Where each generated page lives, so every module links the same way.
def clause_page(clause_id: str) -> str:
    return f"clauses/{clause_id}.md"


def policy_page(policy_id: str) -> str:
    return f"policies/{policy_id}.md"


def case_file_page(rel_path: str) -> str:
    stem = rel_path.rsplit(".", 1)[0].replace("/", "-")
    return f"examples/{stem}.md"


def case_anchor(case_id: str) -> str:
    return "case-" + case_id
