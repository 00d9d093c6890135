"""The site's register of documents and the status of every version, computed for a stated build date (a fixed date
here), and the point-in-time clause page of the worked amendment (NOT ADOPTED) on a hypothetical site."""
from __future__ import annotations

import datetime as dt

import pytest

from evaluator import api, docsite as site
from evaluator.docsite import md
from evaluator.repo import repository, snapshots

from .conftest import ROOT

DRAFT = ROOT / "examples/reforms/benchmark-2200"
TABLE = md.policy_page("workforce.salary_table")


@pytest.fixture(scope="module")
def pages_2018():
    return site.pages(site.build(api.load(), build_date=dt.date(2018, 10, 1)))


@pytest.fixture(scope="module")
def hypothetical():
    root = snapshots.apply_overlay(ROOT, DRAFT)
    repo = repository.load(root, assume_adopted=snapshots.overlay_documents(DRAFT))
    return site.pages(site.build(repo, build_date=dt.date(2027, 6, 1), hypothetical="examples/reforms/benchmark-2200"))


def test_statuses_are_computed_for_the_build_date_named_on_the_page(pages_2018):
    page = pages_2018[TABLE]
    assert "Status as of 2018-10-01" in page
    row = next(ln for ln in page.splitlines() if ln.startswith("| v1 "))
    assert "尚未生效 not yet in force" in row and "2019-01-01" in row and "`workforce` — 尚未施行 not yet in force" in row
    reg = pages_2018["registers/documents.md"]
    assert "Status as of 2018-10-01" in reg
    rows = {ln.split("`")[1]: ln for ln in reg.splitlines() if ln.startswith("| [")}
    assert "现行有效 in force" in rows["notice"] and "尚未施行 not yet in force" in rows["workforce"]
    assert "/yinchuan-2018-community-reform.txt" in reg


def test_a_superseded_version_is_not_shown_in_force(hypothetical):
    page = hypothetical[TABLE]
    rows = {ln.split("|")[1].strip(): ln for ln in page.splitlines() if ln.startswith("| v")}
    assert "已被取代 superseded" in rows["v1"] and "现行有效 in force" in rows["v2"]
    assert "假设施行 hypothetically adopted (NOT ADOPTED)" in rows["v2"]
    assert "**时间线 Timeline**" in page and "2019-01-01 – 2026-12-31: v1" in page


def test_the_point_in_time_clause_page_of_the_worked_amendment(hypothetical):
    page = hypothetical[md.clause_page("workforce.annex.salary-table")]
    assert "Status as of 2027-06-01" in page and "现行有效文本与历史" in page
    now = page[page.index("```text"):]
    assert "\n3850\n" in now[:now.index("```", 7)]
    assert "`pay_2027.annex`" in page and "NOT ADOPTED" in page
    assert "3500" in page  # the text as published stays on the page


def test_every_page_of_a_hypothetical_site_says_not_adopted(hypothetical):
    assert all(p.startswith('!!! danger "假设状态 HYPOTHETICAL — 草案未通过 NOT ADOPTED"') for p in hypothetical.values())
    assert "草案 未通过 NOT ADOPTED" in hypothetical[md.clause_page("pay_2027.1")]
