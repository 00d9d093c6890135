"""The glossary: every code beside its Chinese term (departments by name, bands by their printed text, every case
fact by the schema's `x-zh`, enum values with their labels)."""
from __future__ import annotations

import json
import re

from evaluator import api
from evaluator.docsite import model as site_model, registers

from .conftest import ROOT


def _rows(page: str) -> list[list[str]]:
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in page.split("\n") if ln.startswith("| `")]


def test_every_glossary_row_has_chinese():
    page = registers.glossary_page(site_model.build(api.load(), "reference"))
    rows = _rows(page)
    assert len(rows) > 200
    bare = [r[0] for r in rows if not re.search(r"[\u4e00-\u9fff]", r[1])]
    assert not bare, bare
    by_code = {r[0]: r for r in rows}
    assert by_code["`civil_affairs_bureau`"][1] == "市民政局"
    assert by_code["`up_to_3000`"][1] == "3000户以下"
    assert by_code["`birth_date`"][1] == "出生日期" and by_code["`hire_date`"][1] == "聘用日期"
    assert "`principal` 正职" in by_code["`post`"][2]


def test_every_case_fact_has_its_chinese_term_in_the_schema():
    schema = json.loads((ROOT / "schemas" / "cases.schema.json").read_text(encoding="utf-8"))
    for kind in schema["$defs"]["case"]["properties"]["kind"]["enum"]:
        for name, p in schema["$defs"][f"{kind}_facts"]["properties"].items():
            assert re.search(r"[\u4e00-\u9fff]", p.get("x-zh", "")), (kind, name)
