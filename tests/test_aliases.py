"""The text's own words wherever a code is accepted (正职 for principal, 本科 for bachelor, 兴庆区 for xingqing …):
a case, a roster or a request written in the words rules exactly as the same one written in codes; an unknown word
is named with the codes and the words both; the words come from the case schema's `x-labels`, nowhere else."""
from __future__ import annotations

import csv
import json

import polars as pl
from fastapi.testclient import TestClient

from evaluator.cases import roster_csv
from evaluator.serve import app as server

from .conftest import ROOT, edit, run_policy, rulings_of

# Each case twice: in codes and in the text's words; the rulings must be the same but for the id.
PAIRS = [
    ({"post": "principal", "years_of_service": 11, "education": "bachelor", "certificate": "social_worker",
      "assessments": [{"year": 2023, "grade": "unqualified"}, {"year": 2024, "grade": "unqualified"}]},
     {"post": "正职", "years_of_service": 11, "education": "本科", "certificate": "社会工作师",
      "assessments": [{"year": 2023, "grade": "不合格"}, {"year": 2024, "grade": "不合格"}]}),
    ({"post": "deputy", "years_of_service": 3, "education": "master", "certificate": "senior_social_worker"},
     {"post": "负责人", "years_of_service": 3, "education": "硕士研究生", "certificate": "高级社会工作师"}),
    ({"post": "committee_member", "years_of_service": 20, "education": "doctor",
      "certificate": "assistant_social_worker"},
     {"post": "社区\"两委\"成员", "years_of_service": 20, "education": "博士", "certificate": "助理社会工作师"}),
    ({"post": "grid_worker", "years_of_service": 1, "education": "college_or_below"},
     {"post": "专职社区网格员", "years_of_service": 1, "education": "大专及以下"}),
]
OTHER_KINDS = [
    ("funding", {"area": "xingqing", "pay_cost": 100000, "region_part": 20000},
     {"area": "兴庆区", "pay_cost": 100000, "region_part": 20000}),
    ("assessment", {"assessee": "street_staff", "weights": {"street": 0.3, "community": 0.3, "residents": 0.4},
                    "scores": {"street": 90, "community": 80, "residents": 70}, "grade": "basically_qualified"},
     {"assessee": "街道工作人员", "weights": {"街道": 0.3, "社区": 0.3, "群众评议": 0.4},
      "scores": {"街道": 90, "社区": 80, "群众评议": 70}, "grade": "基本合格"}),
]


def _cases() -> dict:
    out = []
    for n, (codes, words) in enumerate(PAIRS):
        for tag, facts in (("code", codes), ("word", words)):
            out.append({"id": f"{tag}{n}", "kind": "worker", "as_of": "2025-01-01", "facts": facts})
    for kind, codes, words in OTHER_KINDS:
        for tag, facts in (("code", codes), ("word", words)):
            out.append({"id": f"{tag}-{kind}", "kind": kind, "as_of": "2025-01-01", "facts": facts})
    return {"cases": out}


def _same_but_id(rulings: list) -> None:
    by_id = {r["id"]: r for r in rulings}
    assert all("results" in r for r in rulings), [r.get("errors") for r in rulings]
    pairs = [(i, "word" + i[4:]) for i in by_id if i.startswith("code")]
    assert len(pairs) == len(PAIRS) + len(OTHER_KINDS)
    for code_id, word_id in pairs:
        a, b = dict(by_id[code_id]), dict(by_id[word_id])
        a.pop("id"), b.pop("id")
        assert a == b, code_id
    # the pairs are not all alike: the words really chose different codes
    assert len({json.dumps(by_id[f"word{n}"]["results"], sort_keys=True) for n in range(len(PAIRS))}) == len(PAIRS)
    assert by_id["word0"]["results"]["exit.grounds"] == ["two_consecutive_unqualified"]


def test_a_case_file_in_the_texts_words_rules_as_in_codes(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(_cases(), ensure_ascii=False), encoding="utf-8")
    code, out, err = run_policy("eval", path, "--format", "json", "--engine", "reference")
    assert code == 0, err
    _same_but_id(rulings_of(out))


def test_a_request_in_the_texts_words_rules_as_in_codes(repo):
    from .test_server import BASE, JSON
    client = TestClient(server.create_app(repo, "reference"), base_url=BASE, headers=JSON)
    r = client.post("/evaluate", content=json.dumps(_cases(), ensure_ascii=False).encode("utf-8"))
    assert r.status_code == 200, r.text
    _same_but_id(rulings_of(r.json()))


def test_an_unknown_word_is_named_with_codes_and_words_at_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("cases:\n  - id: ok\n    kind: worker\n    as_of: 2025-01-01\n    facts: {post: 副职, "
                    "years_of_service: 2}\n  - id: bad\n    kind: worker\n    as_of: 2025-01-01\n    facts:\n"
                    "      years_of_service: 2\n      post: 正职务\n", encoding="utf-8")
    code, out, err = run_policy("eval", path)
    assert code == 2
    assert f"{path}:11:13:" in err and "[case bad] 'post' has unknown value '正职务'" in err
    assert "principal (正职, 主要负责人), deputy (副职, 负责人)" in err and "did you mean '正职'?" in err
    assert "Case ok (worker)" in out  # the other case is still ruled


def test_a_word_key_given_with_its_code_is_refused_not_merged(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("id: t\nkind: assessment\nas_of: 2025-01-01\nfacts:\n  assessee: 街道工作人员\n"
                    "  weights: {街道: 0.5, street: 0.5}\n", encoding="utf-8")
    code, _, err = run_policy("eval", path)
    assert code == 2 and ":6:12: schema: [case t] 'weights' gives '街道' and its code 'street' both" in err


ROSTER_HEADER = ["id", "area", "post", "years_of_service", "education", "certificate", "grade_2023", "grade_2024"]
ROSTER_CODES = [["w1", "xingqing", "principal", "12", "bachelor", "social_worker", "excellent", "unqualified"],
                ["w2", "lingwu", "committee_member", "5", "master", "", "unqualified", "unqualified"],
                ["w3", "helan", "grid_worker", "0", "doctor", "senior_social_worker", "", "qualified"]]
ROSTER_WORDS = [["w1", "兴庆区", "主要负责人", "12", "本科", "社会工作师", "优秀", "不合格"],
                ["w2", "灵武市", "社区“两委”成员", "5", "硕士", "", "不合格", "不合格"],
                ["w3", "贺兰县", "其他人员", "0", "博士研究生", "高级社会工作师", "", "合格"]]


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ROSTER_HEADER)
        w.writerows(rows)
    return path


def test_a_roster_in_the_texts_words_gives_the_same_batch_rulings(tmp_path):
    tables = []
    for name, rows in (("codes", ROSTER_CODES), ("words", ROSTER_WORDS)):
        out = tmp_path / f"{name}.parquet"
        code, _, err = run_policy("batch", _write(tmp_path / f"{name}.csv", rows), "--as-of", "2025-01-01",
                                  "--out", out)
        assert code == 0, err
        tables.append(pl.read_parquet(out))
    assert tables[0].equals(tables[1])
    assert tables[1]["area"].to_list() == ["xingqing", "lingwu", "helan"]  # the output keeps the codes
    assert tables[1]["exit.grounds"].to_list()[1] == "two_consecutive_unqualified"


def test_a_bad_word_in_a_roster_is_rejected_with_the_choices(tmp_path):
    rows = [r[:] for r in ROSTER_WORDS]
    rows[1][4] = "研究生"
    out = tmp_path / "o.parquet"
    code, _, err = run_policy("batch", _write(tmp_path / "r.csv", rows), "--as-of", "2025-01-01", "--out", out)
    assert code == 2 and pl.read_parquet(out).height == 2
    assert "row 2 [worker w2] education: not one of: college_or_below (大专及以下), bachelor (本科)" in err


def test_a_diff_roster_in_the_texts_words_reads_as_in_codes(repo, tmp_path):
    import datetime as dt
    day = dt.date(2025, 1, 1)
    a = roster_csv.load(_write(tmp_path / "c.csv", ROSTER_CODES), repo.schema_dir, day)
    b = roster_csv.load(_write(tmp_path / "w.csv", ROSTER_WORDS), repo.schema_dir, day)
    assert not a.problems and not b.problems
    assert [c.facts for c in a.case_file.cases] == [c.facts for c in b.case_file.cases]
    assert a.areas == b.areas == {"w1": "xingqing", "w2": "lingwu", "w3": "helan"}


def test_the_words_come_from_the_schema_labels(repo_copy, tmp_path):
    """Change a label in the schema and the old word is refused, the new one accepted: no word lives in Python."""
    edit(repo_copy / "schemas" / "cases.schema.json", '"principal": ["正职", "主要负责人"]', '"principal": ["正职岗"]')
    errs = {}
    for word, want in (("正职", 2), ("正职岗", 0)):
        path = tmp_path / f"{want}.yaml"
        path.write_text(f"id: x\nkind: worker\nas_of: 2025-01-01\nfacts: {{post: {word}, years_of_service: 11}}\n",
                        encoding="utf-8")
        code, out, errs[word] = run_policy("--repo", repo_copy, "eval", path)
        assert code == want, errs[word]
    assert "allowed: principal (正职岗), deputy" in errs["正职"]
    assert "salary.base_pay = 3200" in out


def test_every_labelled_enum_labels_every_code():
    schema = json.loads((ROOT / "schemas" / "cases.schema.json").read_text(encoding="utf-8"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "x-labels" in node:
                found.append(node)
                assert list(node["x-labels"]) == node["enum"]
                assert all(words and all(isinstance(w, str) and w for w in words) for words in
                           node["x-labels"].values())
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(schema)
    assert len(found) >= 9
    words = [w for n in found for ws in n["x-labels"].values() for w in ws]
    codes = {c for n in found for c in n["enum"]}
    assert not codes & set(words)
