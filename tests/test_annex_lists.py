"""The pages of 附件1 and 附件2 as the text prints them, generated from the policy data (docsite/annex_lists.py)."""
from __future__ import annotations

import re

from evaluator import api
from evaluator.docsite import annex_lists, model as site_model

from .conftest import edit


def _pages(root=None):
    return annex_lists.annex_pages(site_model.build(api.load(root), "reference"))


def test_both_lists_have_a_page_with_every_item():
    pages = _pages()
    assert set(pages) == {"lists/annex1.md", "lists/annex2.md"}
    assert pages["lists/annex1.md"].count("<tr><td><a href=") == 22
    a2 = pages["lists/annex2.md"]
    assert a2.count("<tr><td><a href=") == 24
    assert "<th>序号</th><th>类别</th><th>部门</th><th>事项名称</th><th>工作内容</th><th>工作说明</th>" in a2
    # a spanning department cell once, spanning the rows the data says take their departments from it
    assert '<td rowspan="3">市委组织部</td>' in a2 and a2.count("市禁毒办、市防邪办、市司法局、市妇联") == 1
    assert not re.search(r"<td[^>]*>[a-z_]+_[a-z_]+</td>", a2)  # departments by name, never by code


def test_the_page_follows_the_data(repo_copy):
    edit(repo_copy / "policies/reform.community_access_list/2018-09-05.yaml",
         'en: "Party member education and management"', 'en: "Educating and managing Party members"')
    assert "Educating and managing Party members" in _pages(repo_copy)["lists/annex2.md"]
