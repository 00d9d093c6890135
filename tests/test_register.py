"""The register of source documents: each field of an entry checked, the enacting documents of every version, the
four amendment relations with the consolidated text of a clause as of a date, and the worked amendment of
examples/reforms/benchmark-2200 (NOT ADOPTED) checked and shown as a hypothetical state."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from evaluator import api
from evaluator.repo import manifest, register

from .conftest import ROOT, edit, run_policy

DRAFT = ROOT / "examples/reforms/benchmark-2200"
WORKFORCE = "sources/register/workforce.yaml"
TRAINING = "policies/workforce.training/2019-01-01.yaml"
D = dt.date.fromisoformat


def problems(root, code: str) -> list[str]:
    repo = api.load(root)
    return [str(p) for p in repo.problems if p.code == code]


# -- the entries -----------------------------------------------------------------------------------------------

def test_the_three_documents_are_registered(repo):
    assert sorted(d for d, (e, _) in repo.register.items() if e["level"] == "city") == ["notice", "reform", "workforce"]
    assert register.entry(repo, "xixia_perf_example")["status"] == "draft_not_adopted"  # the district example
    wf = register.entry(repo, "workforce")
    assert (wf["in_force_from"], wf["issued"], wf["issued_with"], wf["level"]) == \
        ("2019-01-01", "2018-09-05", "notice", "city")
    assert register.status_on(repo, "workforce", D("2018-12-31")) == "not_yet_in_force"
    assert register.status_on(repo, "workforce", D("2024-01-01")) == "in_force"


def test_the_published_text_must_hash_to_the_registered_sha256(repo_copy):
    with open(repo_copy / "sources/yinchuan-2018-community-reform.txt", "a", encoding="utf-8") as f:
        f.write("\n")
    found = problems(repo_copy, "hash_mismatch")
    assert len(found) == 3 and all("not the one published" in f for f in found)
    assert found[0].startswith("sources/register/notice.yaml:")


@pytest.mark.parametrize("old,new,code,words", [
    ("number: null\n", "number: null\nlevel_x: 1\n", "schema", "level_x"),  # unknown field
    ("number_note:", "note_x:", "schema", "number_note"),  # no number and no word why
    ("level: city", "level: district", "schema", "area"),  # a district document names its area
    ("status: in_force", "status: repealed", "schema", "in_force_to"),  # repealed needs its last day
    ("in_force_from: 2019-01-01", "in_force_from: 2019-01-01\nin_force_to: 2018-12-31", "bad_period", "before"),
    ("issued_with: notice", "issued_with: notice_x", "unknown_document", "notice_x"),
    ("clauses: clauses/workforce.yaml", "clauses: clauses/reform.yaml", "unknown_clause_file", "reform.yaml"),
    ("id: workforce", "id: workforce_x", "misplaced", "workforce_x.yaml"),
    ("issued: 2018-09-05", "issued: 2019-02-01", "bad_period", "before it was issued"),
    ("sha256: 9", "sha256: 8", "hash_mismatch", "not the one published"),
])
def test_each_field_of_an_entry_is_checked(repo_copy, old, new, code, words):
    text = (repo_copy / WORKFORCE).read_text(encoding="utf-8")
    if old == "sha256: 9":
        old = "sha256: " + text.split("sha256: ")[1][:1]
        new = "sha256: " + ("0" if old[-1] != "0" else "1")
    edit(repo_copy / WORKFORCE, old, new)
    found = [str(p) for p in api.load(repo_copy).problems if p.code == code and words in str(p)]
    assert found and found[0].startswith(WORKFORCE + ":"), [str(p) for p in api.load(repo_copy).problems]


def test_a_clause_file_without_an_entry_is_refused(repo_copy):
    (repo_copy / WORKFORCE).unlink()
    found = problems(repo_copy, "unregistered_document")
    assert found and found[0].startswith("clauses/workforce.yaml:") and "sources/register/workforce.yaml" in found[0]


# -- versions and their enacting documents -----------------------------------------------------------------------

def test_every_version_names_documents_in_force_on_its_dates(repo):
    for table in (repo.policies, repo.rulesets):
        for versions in table.values():
            for v in versions:
                assert all(register.in_force_throughout(repo, d, v.effective_from, v.effective_to)
                           for d in v.data["enacted_by"])


def test_unknown_enacting_document(repo_copy):
    edit(repo_copy / TRAINING, "enacted_by: [workforce]", "enacted_by: [workforce_2030]")
    [f] = problems(repo_copy, "unknown_document")
    assert f.startswith(f"{TRAINING}:") and "workforce_2030" in f


def test_enacting_document_not_yet_in_force(repo_copy):
    # The workforce opinion is in force from 2019-01-01: a version from 2018-12-01 is not enacted by it.
    edit(repo_copy / TRAINING, "effective_from: 2019-01-01", "effective_from: 2018-12-01")
    [f] = problems(repo_copy, "document_not_in_force")
    assert f.startswith(f"{TRAINING}:") and "in force from 2019-01-01" in f
    cited = problems(repo_copy, "clause_not_in_force")
    assert any("workforce.5.7.training_days" in c for c in cited)


def test_enacting_document_that_is_a_draft_not_adopted(repo_copy):
    edit(repo_copy / WORKFORCE, "status: in_force", "status: draft_not_adopted")
    found = problems(repo_copy, "document_not_in_force")
    assert found and all("NOT ADOPTED" in f for f in found)
    assert register.status_on(api.load(repo_copy), "workforce", D("2024-01-01")) == "draft_not_adopted"


def test_citing_a_clause_of_a_document_not_in_force(repo_copy):
    path = "policies/reform.community_access_list/2018-09-05.yaml"
    edit(repo_copy / path, "  - reform.annex2\n", "  - reform.annex2\n  - workforce.5.7.training_days\n")
    [f] = problems(repo_copy, "clause_not_in_force")
    assert f.startswith(f"{path}:") and "'workforce.5.7.training_days' of document 'workforce'" in f


# -- amendments ------------------------------------------------------------------------------------------------

def amending_document(root, clauses: list[tuple[str, str, list]], day="2027-01-01", status="in_force") -> None:
    """Register a small amending notice `amend_x` in a repository copy: (clause id suffix, text, amends)."""
    lines = ["关于修改的通知(测试)"] + [text for _, text, _ in clauses]
    (root / "sources/amend-x.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sha = manifest.file_hash("sources/amend-x.txt", (root / "sources/amend-x.txt").read_bytes())
    (root / "sources/register/amend_x.yaml").write_text(f"""id: amend_x
kind: amendment
level: city
title: {{zh: 关于修改的通知(测试), en: A test amending notice}}
issuer: {{zh: 测试, en: test}}
number: 测试〔2026〕1号
issued: 2026-12-01
in_force_from: {day}
status: {status}
published: {{where: {{zh: 测试, en: test}}, text: sources/amend-x.txt, sha256: {sha}}}
clauses: clauses/amend_x.yaml
""", encoding="utf-8")
    items = []
    for suffix, text, amends in clauses:
        rel = "".join(f"\n      - {json.dumps(a, ensure_ascii=False)}" for a in amends)
        items.append(f"  - id: amend_x.{suffix}\n    kind: provision\n    title_en: t\n    text: {json.dumps(text, ensure_ascii=False)}"
                     + (f"\n    amends:{rel}" if amends else ""))
    (root / "clauses/amend_x.yaml").write_text("document: amend_x\ntitle: {zh: 测试, en: test}\n"
                                               "source: sources/amend-x.txt\nclauses:\n" + "\n".join(items) + "\n",
                                               encoding="utf-8")


BENCH = "workforce.6.16.benchmark"


def test_amends_changes_the_words_from_its_day_with_the_history(repo_copy):
    amending_document(repo_copy, [("1", "将第十六条中的“2000元”修改为“2200元”。",
                                   [{"relation": "amends", "target": "workforce.6.16", "old": "2000元",
                                     "new": "2200元"}])])
    repo = api.load(repo_copy)
    assert not repo.problems, repo.problems
    assert "2000元为基准" in register.text_on(repo, BENCH, D("2026-12-31")).text
    after = register.text_on(repo, BENCH, D("2027-01-01"))
    assert "2200元为基准" in after.text and after.by == "amend_x.1"
    assert "2200元为基准" in register.text_on(repo, "workforce.6.16", D("2027-01-01")).text
    assert [(e.day.isoformat(), e.status) for e in register.history(repo, BENCH)] == \
        [("2019-01-01", "original"), ("2027-01-01", "amended")]
    assert register.status_on(repo, "workforce", D("2027-01-01")) == "amended"
    assert register.status_on(repo, "workforce", D("2026-12-31")) == "in_force"


def test_replaces_takes_the_text_and_units_of_the_replacing_clause(repo_copy):
    amending_document(repo_copy, [("2", "第十七条修改为:新的文字。", [{"relation": "replaces",
                                                                    "target": "workforce.6.17.retiree"}])])
    repo = api.load(repo_copy)
    assert not repo.problems, repo.problems
    assert register.text_on(repo, "workforce.6.17.retiree", D("2027-06-01")).text == "第十七条修改为:新的文字。"
    assert register.text_on(repo, "workforce.6.17.retiree", D("2026-06-01")).text.startswith("街道(乡镇)聘请")


def test_repeals_ends_the_clause_and_versions_may_not_cite_it_after(repo_copy):
    amending_document(repo_copy, [("3", "废止第二十条。", [{"relation": "repeals", "target": "workforce.7.20"}])])
    repo = api.load(repo_copy)
    assert register.text_on(repo, "workforce.7.20.award20", D("2027-01-01")) is None
    assert register.text_on(repo, "workforce.7.20.award20", D("2026-12-31")) is not None
    assert [e.status for e in register.history(repo, "workforce.7.20")] == ["original", "repealed"]
    path = "policies/workforce.long_service_honours/2019-01-01.yaml"
    edit(repo_copy / path, "effective_from: 2019-01-01", "effective_from: 2027-02-01")
    found = problems(repo_copy, "clause_not_in_force")
    assert found and all(f.startswith(path) and "repealed on 2027-02-01" in f for f in found)


def test_adds_a_clause_from_its_day(repo_copy):
    amending_document(repo_copy, [("4", "增加一条:社区工作者享受带薪年休假。", [{"relation": "adds",
                                                                        "target": "workforce.6.17"}])])
    repo = api.load(repo_copy)
    assert not repo.problems, repo.problems
    assert register.text_on(repo, "amend_x.4", D("2026-12-31")) is None
    ev = register.text_on(repo, "amend_x.4", D("2027-01-01"))
    assert ev.status == "added" and ev.by == "amend_x.4"


@pytest.mark.parametrize("relation,code,words", [
    ({"relation": "amends", "target": "workforce.6.16", "old": "1000元", "new": "2200元"}, "not_verbatim",
     "'1000元' is not quoted"),
    ({"relation": "amends", "target": "workforce.6.16", "old": "2000元", "new": "2400元"}, "not_verbatim",
     "'2400元' is not quoted"),
    ({"relation": "repeals", "target": "workforce.6.99"}, "unknown_clause", "workforce.6.99"),
])
def test_a_relation_must_quote_its_words_and_name_a_clause(repo_copy, relation, code, words):
    amending_document(repo_copy, [("1", "将第十六条中的“2000元”修改为“2200元”,“3000元”不变。", [relation])])
    found = problems(repo_copy, code)
    assert found and found[0].startswith("clauses/amend_x.yaml:") and words in found[0], found


def test_an_amendment_whose_old_words_are_not_in_the_target(repo_copy):
    amending_document(repo_copy, [("1", "将“2000元”修改为“2200元”。", [
        {"relation": "amends", "target": "workforce.6.17.retiree", "old": "2000元", "new": "2200元"}])])
    [f] = problems(repo_copy, "not_verbatim")
    assert "does not occur in clause 'workforce.6.17.retiree' as it reads on 2027-01-01" in f


def test_a_draft_amendment_changes_nothing_until_taken_as_adopted(repo_copy):
    amending_document(repo_copy, [("1", "将第十六条中的“2000元”修改为“2200元”。",
                                   [{"relation": "amends", "target": "workforce.6.16", "old": "2000元",
                                     "new": "2200元"}])], status="draft_not_adopted")
    repo = api.load(repo_copy)
    assert "2000元" in register.text_on(repo, BENCH, D("2027-06-01")).text
    hypo = api.repository.load(repo_copy, assume_adopted=["amend_x"])
    assert "2200元" in register.text_on(hypo, BENCH, D("2027-06-01")).text
    assert register.status_on(hypo, "amend_x", D("2027-06-01")) == "hypothetical"


# -- the worked amendment (NOT ADOPTED) --------------------------------------------------------------------------

def test_the_worked_amendment_passes_policy_check_as_a_proposal():
    code, out, err = run_policy("check", "--proposal", DRAFT)
    assert code == 0 and "policy check: clean" in out, out
    assert "HYPOTHETICAL" in err and "NOT ADOPTED" in err and "pay_2027" in err


def test_a_2027_table_citing_only_the_2018_table_fails_at_the_figure(tmp_path):
    bad = tmp_path / "draft"
    (bad / "policies/workforce.salary_table").mkdir(parents=True)
    (bad / "overlay.yaml").write_text((DRAFT / "overlay.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (DRAFT / "policies/workforce.salary_table/2027-01-01.yaml").read_text(encoding="utf-8")
    text = text.replace("enacted_by: [workforce, pay_2027]", "enacted_by: [workforce]")
    text = "\n".join(ln for ln in text.split("\n") if not ln.startswith("  - pay_2027"))
    new = bad / "policies/workforce.salary_table/2027-01-01.yaml"
    new.write_text(text, encoding="utf-8")
    code, out, _ = run_policy("check", "--proposal", bad)
    assert code == 1
    lines = text.split("\n")
    at = next(i + 1 for i, ln in enumerate(lines) if ln.strip() == "base_pay: 3850")
    [f] = [ln for ln in out.splitlines() if ln.startswith(f"{new}:{at}:")]
    assert "figure_not_stated: levels.5.base_pay = 3850" in f and "workforce.annex.salary-table.l13" in f
    assert "3500" in f
    assert any("benchmark_pay = 2200" in ln and BENCH in ln for ln in out.splitlines())


def test_policy_clause_shows_the_point_in_time_text_and_its_history():
    code, out, err = run_policy("clause", "workforce.annex.salary-table.l13", "--as-of", "2027-01-01",
                                "--proposal", DRAFT, "--format", "json")
    rec = json.loads(out)
    assert code == 0 and "NOT ADOPTED" in err
    assert "3850" in rec["text"] and "3500" in rec["text_as_published"]
    assert [(h["from"], h["status"], h["by"]) for h in rec["history"]] == \
        [("2019-01-01", "original", None), ("2027-01-01", "replaced", "pay_2027.annex")]
    assert "workforce.salary_table@2" in rec["encoded_in"] and rec["cases"]
    code, out, _ = run_policy("clause", "workforce.annex.salary-table.l13", "--as-of", "2026-12-31")
    assert code == 0 and "\n  3500\n" in out and "(as published)" not in out


def test_policy_clause_lists_errata_and_readings_and_refuses_an_unknown_id():
    code, out, _ = run_policy("clause", "workforce.1", "--format", "json")
    rec = json.loads(out)
    assert code == 0 and rec["errata"][0]["id"] == "workforce_1_missing_comma"
    code, out, err = run_policy("clause", "workforce.6.16.benchmarks")
    assert code == 2 and "did you mean workforce.6.16.benchmark" in err


def test_policy_show_gives_the_version_in_force_on_a_date():
    code, out, _ = run_policy("show", "workforce.salary_table", "--as-of", "2027-03-01", "--proposal", DRAFT)
    assert code == 0 and "workforce.salary_table v2" in out and "benchmark_pay: 2200" in out
    assert "pay_2027 (假设施行 hypothetically adopted (NOT ADOPTED))" in out
    code, out, _ = run_policy("show", "workforce.salary_table", "--as-of", "2027-03-01")
    assert code == 0 and "v1" in out and "benchmark_pay: 2000" in out and "enacted by: workforce" in out
    code, _, err = run_policy("show", "workforce.salary_tabel")
    assert code == 2 and "did you mean 'workforce.salary_table'" in err
    code, _, err = run_policy("show", "workforce.salary_table", "--as-of", "2018-01-01")
    assert code == 2 and "no version" in err


def test_policy_versions_and_documents_name_the_documents():
    code, out, _ = run_policy("versions", "workforce.salary_table", "--format", "json", "--as-of", "2024-01-01")
    [row] = json.loads(out)["versions"]
    assert code == 0 and row["enacted_by"] == [{"document": "workforce", "status": "in_force"}]
    code, out, _ = run_policy("documents", "--as-of", "2018-10-01", "--format", "json")
    status = {d["id"]: d["status"] for d in json.loads(out)["documents"]}
    assert status == {"notice": "in_force", "reform": "in_force", "workforce": "not_yet_in_force",
                      "xixia_perf_example": "draft_not_adopted",  # the district examples, never in force
                      "xixia_street_example": "draft_not_adopted"}
