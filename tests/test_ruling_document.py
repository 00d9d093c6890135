"""Ruling documents an auditor can file (`policy eval --format markdown|html`): Chinese labels and units for every
result, from the schemas' data; quoted rows of the salary table labelled by their columns with the cells used
marked; readings in Chinese and English; an issuing block (issuer, case reference, date ruled for, date printed,
digest and how to verify it)."""
from __future__ import annotations

import datetime as dt
import json
import re

import yaml

from evaluator.render import document

from .conftest import ROOT, edit, run_policy


def _markdown(*args) -> str:
    code, out, err = run_policy("eval", "examples/workers.yaml", "--format", "markdown", *args)
    assert code == 0, err
    return out


def test_every_result_has_a_chinese_label_and_money_its_unit():
    ruling = json.loads((ROOT / "schemas" / "ruling.schema.json").read_text(encoding="utf-8"))
    vocab = ruling["$defs"]["ruling"]["properties"]["results"]["x-results"]
    cases = json.loads((ROOT / "schemas" / "cases.schema.json").read_text(encoding="utf-8"))
    names = {n for k, d in cases["$defs"].items() if k.endswith("_expect") for n in d["propertyNames"]["enum"]}
    assert names <= set(vocab), names - set(vocab)
    assert all(re.search(r"[\u4e00-\u9fff]", e["zh"]) for e in vocab.values())
    assert vocab["salary.base_pay"]["unit"] == {"zh": "元/月", "en": "yuan per month"}
    assert vocab["salary.performance_allowance"]["unit"] == {"zh": "元/年", "en": "yuan per year"}


def test_the_document_labels_results_and_facts_with_units():
    out = _markdown()
    assert "| `salary.base_pay` 基本工资 | 3500 元/月 yuan per month |" in out
    assert "| `salary.performance_allowance` 绩效补贴 | 900 元/年 yuan per year |" in out
    assert "**`salary.base_pay` 基本工资 = 3500 元/月 yuan per month**" in out
    assert "| `post` | `principal` 正职 | 案例 given |" in out
    assert "| `education` | `bachelor` 本科 | 案例 given |" in out


def test_units_and_labels_come_from_the_schema(repo_copy, tmp_path):
    edit(repo_copy / "schemas" / "ruling.schema.json", '"salary.base_pay": {"zh": "基本工资", "unit": {"zh": "元/月"',
         '"salary.base_pay": {"zh": "月基本工资", "unit": {"zh": "元每月"')
    edit(repo_copy / "schemas" / "cases.schema.json", '"bachelor": ["本科"]', '"bachelor": ["大学本科", "本科"]')
    code, out, err = run_policy("--repo", repo_copy, "eval", ROOT / "examples" / "workers.yaml", "--format",
                                "markdown")
    assert code == 0, err
    assert "| `salary.base_pay` 月基本工资 | 3500 元每月 yuan per month |" in out
    assert "| `education` | `bachelor` 大学本科 | 案例 given |" in out


def test_a_quoted_table_row_is_labelled_by_its_columns_and_the_cell_used_is_marked():
    out = _markdown()
    # band_level of a principal with 12 years: the 正职 column of row 10
    assert ("`workforce.annex.salary-table.l10`:「10级 · **正职 10-12年** · 副职 19-21年 · 社区\"两委\"成员 25-27年 · "
            "其他人员 28-30年 · 工资系数 1.60 · 基本工资 3200」") in out
    # base pay at level 13: the 基本工资 cell; the star columns' row is labelled on its own
    assert "「13级 · 正职 19-21年 · 副职 28-30年 · 社区\"两委\"成员 34年及以上 · 工资系数 1.75 · **基本工资 3500**」" in out
    assert "`workforce.annex.salary-table.stars3`:「**星级党组织 三星** · **绩效补贴 900**」" in out
    assert "**工资系数 1.75**" in out and "**绩效补贴 900**" in out and "**星级党组织 三星**" in out
    assert "10级<br>" not in out  # no unlabelled stack of cells


def test_a_grid_worker_row_marks_the_grid_worker_column(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("id: g\nkind: worker\nas_of: 2024-07-01\nfacts: {post: 其他人员, years_of_service: 2}\n",
                    encoding="utf-8")
    code, out, err = run_policy("eval", path, "--format", "markdown")
    assert code == 0, err
    row = re.search(r"salary-table\.l(\d+)`:「([^」]*)」", out)
    assert row and "**其他人员 3年及以下**" in row.group(2) and row.group(2).count("**") == 2


def test_every_reading_is_in_chinese_and_english():
    for path in sorted((ROOT / "interpretations").glob("*.yaml")):
        for it in yaml.safe_load(path.read_text(encoding="utf-8"))["interpretations"]:
            for r in [it["reading"]] + it["alternatives"]:
                assert r.get("zh") and r.get("en"), (path.name, it["id"], r["code"])
    out = _markdown()
    assert "另一种解读 another reading `started_years` (本裁决未采用 not applied here): 开始的年份即计为一年" in out


def test_the_issuing_block_names_issuer_case_dates_digest_and_how_to_verify(repo):
    out = _markdown("--issuer", "兴庆区民政局 Xingqing civil affairs bureau")
    block = out.split("## 出具 Issued", 1)[1].split("\n---\n", 1)[0]
    assert "| 出具方 issued by | 兴庆区民政局 Xingqing civil affairs bureau |" in block
    assert "| 案例编号 case reference | `party_secretary_bachelor_social_worker` — `examples/workers.yaml:4` |" in block
    assert "| 裁决所依日期 date ruled for | 2024-07-01 |" in block
    assert f"| 出具日期 date printed | {dt.date.today().isoformat()} |" in block
    assert f"`{repo.digest}`" in block and "`.venv/bin/policy check`" in block and "docs/guides/auditors.md" in block
    assert out.count("## 出具 Issued") == 6
    default = _markdown()
    assert "| 出具方 issued by | 未署名 not named (policy eval --issuer NAME) |" in default


def test_the_site_s_worked_examples_carry_no_issuing_block(repo):
    from evaluator.cases import files as case_files
    from evaluator import api
    cf = case_files.load(ROOT / "examples" / "workers.yaml", repo.schema_dir)
    outcome = api.evaluate_file(repo, ROOT / "examples" / "workers.yaml", "reference")
    md = document.ruling_markdown(outcome.rulings[0], repo, cf.cases[0])
    assert "出具 Issued" not in md and "基本工资" in md


def test_the_html_document_carries_the_labels(tmp_path):
    code, out, err = run_policy("eval", "examples/workers.yaml", "--format", "html", "--issuer", "审计 <b>x</b>")
    assert code == 0, err
    assert "<td><code>salary.base_pay</code> 基本工资</td>" in out and "3500 元/月 yuan per month" in out
    assert "<strong>正职 10-12年</strong>" in out
    assert "<b>x</b>" not in out and "审计 &lt;b&gt;x&lt;/b&gt;" in out
