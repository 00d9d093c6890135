"""The generated documentation, through the plain rendering functions: every page comes from the repository's
files, so changing a file changes the page."""
from __future__ import annotations

import re

import pytest

from evaluator import api
from evaluator import docsite as site
from evaluator.docsite import reference

from .conftest import edit, run_policy

SALARY = "clauses/workforce.annex.salary-table.md"


@pytest.fixture(scope="module")
def model():
    return site.build(api.load())


@pytest.fixture(scope="module")
def pages(model):
    return site.pages(model)


def _salary_rows(page: str) -> list[list[str]]:
    lines = page[page.index("| 薪酬等级"):].split("\n")
    rows = []
    for ln in lines[2:]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip("|").split("|")])
    return rows


def test_every_clause_has_a_page_in_document_order(model, pages, repo):
    clause_ids = [cid for cid, cit in repo.clauses.items() if cid == cit.clause_id]
    assert clause_ids and all(f"clauses/{cid}.md" in pages for cid in clause_ids)
    nav = site.nav_sections(model)["clauses/index.md"]
    listed = [path for section in nav[1:] for items in section.values() for item in items for path in item.values()]
    assert listed == [f"clauses/{cid}.md" for cid in clause_ids]


def test_clause_page_has_text_encoding_readings_and_examples(pages, repo):
    page = pages["clauses/workforce.5.14.md"]
    for line in repo.cite("workforce.5.14").text.split("\n"):
        assert line[:30] in page.replace("\\", "")
    assert "two_consecutive_unqualified" in page and "必须 `must`" in page  # the rules in words, with their force
    assert "`unqualified_streak` ≥ `2`" in page
    assert "consecutive_unqualified_most_recent_years" in page  # the reading that touches the clause
    assert "### 裁决 Ruling:" in page and "推理过程 Trace" in page  # a worked example with its trace


def test_salary_table_is_laid_out_as_published(pages):
    page = pages[SALARY]
    head = page[page.index("| 薪酬等级"):].split("\n")[0]
    for col in ("正职", "副职", '社区"两委"成员', "其他人员", "工资系数", "基本工资", "星级党组织", "绩效补贴"):
        assert col in head
    rows = _salary_rows(page)
    assert [re.sub(r"\[(.*?)\].*", r"\1", r[0]) for r in rows] == [f"{n}级" for n in range(18, 0, -1)] + ["试用期"]
    assert rows[0][1:] == ["34年及以上", "", "", "", "2.00", "4000", "0星", "300"]
    assert rows[-1][5:7] == ["1.00", "2000"]


def test_changing_a_figure_changes_the_page(repo_copy):
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml",
         "      coefficient: 2.00\n      base_pay: 4000", "      coefficient: 2.00\n      base_pay: 4100")
    edit(repo_copy / "policies/workforce.performance_allowance/2019-01-01.yaml", "amount: 300", "amount: 350")
    pages = site.pages(site.build(api.load(repo_copy)))
    top = _salary_rows(pages[SALARY])[0]
    assert top[6] == "4100" and top[8] == "350"
    assert "| 350 |" in pages["policies/workforce.performance_allowance.md"]


def test_a_new_interpretation_appears_in_the_register_and_on_its_clause(repo_copy):
    path = repo_copy / "interpretations/workforce.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + """
  - id: duty_hours_reading
    clauses: [workforce.5.10]
    question:
      zh: 值班时间如何理解
      en: How are the duty hours read
    reading:
      code: evening_duty
      en: "Duty from 18:00 to 22:00."
    alternatives: []
    reason: The erratum restores the dash.
""", encoding="utf-8")
    pages = site.pages(site.build(api.load(repo_copy)))
    assert "{#duty_hours_reading}" in pages["registers/interpretations.md"]
    assert "duty_hours_reading" in pages["clauses/workforce.5.10.md"]


def test_registers_cover_everything(pages, repo):
    coverage = pages["registers/coverage.md"]
    for cid, cit in repo.clauses.items():
        if cid == cit.clause_id:
            assert f"[{cid}](" in coverage
    for iid in repo.interpretations:
        assert f"{{#{iid}}}" in pages["registers/interpretations.md"]
    for eid in repo.errata:
        assert f'id="{eid}"' in pages["registers/errata.md"]
    glossary = pages["registers/glossary.md"]
    assert "`grid_worker`" in glossary and "专职社区网格员" in glossary and "`senior_social_worker`" in glossary


def test_schema_reference_lists_every_field(pages, repo):
    import json

    page = pages[reference.schema_page_path("cases")]
    schema = json.loads((repo.schema_dir / "cases.schema.json").read_text(encoding="utf-8"))
    for name in schema["$defs"]["worker_facts"]["properties"]:
        assert f"| `{name}` |" in page
    assert "`principal`" in page  # enums shown
    cli = pages["reference/cli.md"]
    assert "## `policy check`" in cli and "## `policy eval`" in cli and "--format" in cli


def test_home_page_lists_the_documents(model, repo):
    filled = site.fill("# 首页\n\n<!-- generated: documents -->\n", model, "index.md")
    assert "<!--" not in filled
    for code, doc in repo.documents.items():
        assert doc.data["title"]["zh"] in filled and f"`{code}`" in filled
    assert "2019-01-01" in filled and "自2019年1月1日起执行" in filled and "640100-000/2018-79638" in filled


def test_eval_markdown_is_a_document_to_file(repo):
    code, out, err = run_policy("eval", "examples/workers.yaml", "--format", "markdown")
    assert code == 0, err
    assert out.count("# 裁决 Ruling:") == 6
    assert repo.digest in out
    assert "| `years_of_service` | 12 | 案例 given |" in out  # the facts
    assert repo.cite("workforce.6.16.benchmark").text in out  # the clause text the result rests on
    assert "另一种解读 another reading `started_years`" in out  # what another reading would give
    assert "`workforce.salary_table` v1, 自 from 2019-01-01" in out


def test_eval_html_is_standalone(tmp_path):
    bad = tmp_path / "mixed.yaml"
    bad.write_text("cases:\n  - {id: ok, description: '<script>x</script>', kind: worker, as_of: 2024-07-01,\n"
                   "     facts: {post: deputy, years_of_service: 5}}\n"
                   "  - {id: bad, kind: worker, as_of: 2024-07-01, facts: {post: mayor, years_of_service: 5}}\n",
                   encoding="utf-8")
    code, out, err = run_policy("eval", bad, "--format", "html")
    assert code == 2 and "mayor" in err  # the bad case is reported, the good one still ruled
    assert out.startswith("<!DOCTYPE html>") and '<html lang="zh">' in out
    assert "<table>" in out and "裁决 Ruling: <code>ok</code>" in out and "无法裁决 Not ruled: bad" in out
    assert not re.search(r'(src|href)="https?:', out)
    assert "<script>" not in out and "&lt;script&gt;x&lt;/script&gt;" in out  # data never becomes markup


def test_handwritten_links_to_repository_files_point_at_generated_pages(model):
    text = ("[a](../schemas/cases.schema.json) [b](../policies/workforce.salary_table/2019-01-01.yaml) [c](other.md) "
            "[d](../../examples/workers.yaml)")
    out = site.fill(text, model, "guides/x.md")
    assert "[d](../examples/examples-workers.md)" in out
    out = site.fill(text, model, "contract.md")
    assert "[a](reference/schema-cases.md)" in out
    assert "[b](policies/workforce.salary_table.md)" in out and "[c](other.md)" in out


def test_a_ruling_document_shows_the_facts_that_were_ruled_not_the_file_read_again(repo, tmp_path):
    import datetime as dt

    from evaluator.render import document

    src = tmp_path / "one.yaml"
    src.write_text("id: one\nkind: worker\nas_of: 2024-07-01\nfacts: {post: deputy, years_of_service: 5}\n",
                   encoding="utf-8")
    outcome = api.evaluate_file(repo, src, "reference")
    src.write_text("id: one\nkind: worker\nas_of: 2024-07-01\nfacts: {post: deputy, years_of_service: 31}\n",
                   encoding="utf-8")  # changed after the ruling
    md = document.render([(outcome.rulings, {c.id: c for c, _ in outcome.cases})], repo, "markdown",
                         issued=dt.date(2024, 7, 2))
    assert "| `years_of_service` | 5 | 案例 given |" in md and "| `years_of_service` | 31 " not in md  # (a digest may hold "31")


def test_clause_pages_show_why_a_unit_is_not_encoded(pages):
    page = pages["clauses/reform.4.3.md"]
    assert "`reform.4.3.deadline` — not_encoded, organisational: A one-off task of the county-level areas" in page
    assert "`workforce.5.11.exchange_pay` — pending, planned:" in pages["clauses/workforce.5.11.md"]
