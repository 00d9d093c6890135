"""Streets' access lists (issue 18): the delegated term street_access_list, an area's list as a supplement checked at
file:line:col, the kind street_task ruling a department's request against the list in force (admitted, not admitted,
not_checked naming the body), the made-up Xixia list (EXAMPLE — NOT ADOPTED) viewed as adopted only under
--assume-adopted / POLICY_ASSUME_ADOPTED, and the HTTP API, bundles, batch and diff carrying the layer."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from evaluator import api
from evaluator.repo import bundle, manifest, repository, signing, supplements

from .conftest import ROOT, edit, run_policy, rulings_of

SUP = "supplements/xixia/street_access_list/2018-09-28.yaml"
EXAMPLE = "xixia_street_example"
ADOPTED_CASES = ROOT / "examples/assume-adopted/street_tasks_xixia.yaml"


@pytest.fixture(scope="module")
def adopted():
    repo = repository.load(ROOT, assume_adopted=[EXAMPLE])
    assert not repo.problems, [str(p) for p in repo.problems]
    return repo


def rule(repo, as_of="2019-03-01", **facts):
    case = {"id": "s", "kind": "street_task", "as_of": as_of, "facts": facts}
    out = api.evaluate_data(repo, {"cases": [case]}, engine="reference")
    return out


def ruled(repo, **kw):
    out = rule(repo, **kw)
    assert not out.problems, [str(p) for p in out.problems]
    return out.rulings[0]


def entry(ruling, result="street_access.admitted"):
    return next(e for e in ruling["trace"] if e["result"] == result)


# -- the delegation and the list as data ---------------------------------------------------------------------------

def test_the_city_delegates_the_street_list_with_its_deadline_and_rules(repo):
    d = repo.delegations["street_access_list"]
    assert d.data["clause"] == "reform.4.3" and d.data["due"] == "2018-09-30"
    assert repo.clauses[d.data["due_source"]].text == "各县(市)区要于9月底前完成街道行政事务准入清单制定工作"
    assert d.data["bounds"]["modality"] == "must"
    assert repo.clauses[d.data["bounds"]["rule_source"]].text == "职能部门不得随意将工作职责下放到街道"
    assert supplements.body_name(d, "xixia")["zh"] == "西夏区委、政府"
    [s] = repo.supplements[("xixia", "street_access_list")]
    assert s.example and s.enacted_by == EXAMPLE and len(s.data["data"]["items"]) == 8
    # a draft: never in force in the repository itself
    assert supplements.in_force(repo, "xixia", "street_access_list", dt.date(2024, 1, 1)) is None


@pytest.mark.parametrize("old,new,code,line_has,words", [
    ("{number: 2, name: 市容", "{number: 3, name: 市容", "numbering", "number: 3, name: 市容", "numbered 3"),
    ("name: 征兵工作,", "name: 征兵工作和国防教育,", "not_verbatim", "征兵工作和国防教育", "not verbatim"),
    ("departments: [区人武部]", "departments: [区武装部]", "not_verbatim", "区武装部", "'区武装部' is not verbatim"),
    ("{number: 8, name: 退役军人服务,", "{number: 8, name: 征兵工作,", "duplicate_id", "number: 8", "also item 4"),
    ("  admission_source: xixia_street_example.1\n", "", "bad_shape", "  source: xixia_street_example.2",
     "admission_source"),
    ("source: xixia_street_example.2.6}", "source: reform.4.3}", "foreign_clause", "number: 6", "not a clause"),
])
def test_a_bad_list_is_refused_at_file_line_col(repo_copy, old, new, code, line_has, words):
    path = repo_copy / SUP
    edit(path, old, new)
    found = [str(p) for p in api.load(repo_copy).problems if p.code == code]
    assert len(found) == 1 and words in found[0], found
    line = next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line_has in ln)
    assert found[0].startswith(f"{SUP}:{line}:"), found


def test_a_list_issued_by_another_body_or_before_the_delegation_is_refused(repo_copy):
    edit(repo_copy / f"sources/register/{EXAMPLE}.yaml", "zh: 西夏区委、政府(示例", "zh: 西夏区民政局(示例")
    path = repo_copy / SUP
    edit(path, "effective_from: 2018-09-28", "effective_from: 2018-09-01")
    path.rename(path.with_name("2018-09-01.yaml"))
    problems = {p.code: str(p) for p in api.load(repo_copy).problems}
    assert "not by 西夏区委、政府" in problems["wrong_issuer"] and "reform.4.3" in problems["wrong_issuer"]
    assert "before the delegation of 'street_access_list' by reform.4.3 (from 2018-09-05)" in \
        problems["before_delegation"]
    assert problems["before_delegation"].startswith("supplements/xixia/street_access_list/2018-09-01.yaml:")


# -- street_task in the repository as it is: no list is adopted ------------------------------------------------------

def test_without_an_adopted_list_a_request_is_not_checked_naming_the_body_and_the_deadline(repo):
    r = ruled(repo, area="xixia", street="宁华街道", department="区民政局", item="最低生活保障申请受理和初审")
    assert r["results"] == {"street_access.item": None, "street_access.departments": None,
                            "street_access.admitted": None}
    e = entry(r)
    assert e["layer"]["status"] == "not_checked" and e["layer"]["area_clause"] is None
    assert e["layer"]["decided_by"]["zh"] == "西夏区委、政府" and [c["id"] for c in e["clauses"]] == ["reform.4.3"]
    note = next(n for n in r["notes"] if n["code"] == "not_checked")
    assert "西夏区委、政府研究提出" in note["zh"] and "overdue" in note["en"] and "reform.4.3.deadline" in note["clauses"]
    assert "assumed_adopted" not in r and all(n["code"] != "assumed_adopted" for n in r["notes"])
    # on the city's last day the list is missing, not yet overdue
    on_time = ruled(repo, as_of="2018-09-30", area="helan", department="x", unlisted_item="y")
    assert "overdue" not in next(n for n in on_time["notes"] if n["code"] == "not_checked")["en"]


def test_a_request_before_the_delegation_cannot_be_ruled(repo):
    out = rule(repo, as_of="2018-09-04", area="xixia", department="区民政局", item=3)
    assert out.unusable and "from 2018-09-05" in str(out.problems[0])


# -- street_task with the example viewed as adopted -------------------------------------------------------------------

def test_listed_work_from_its_own_department_is_admitted_citing_city_and_area(adopted):
    r = ruled(adopted, area="xixia", department="区民政局", item="最低生活保障申请受理和初审")
    assert r["results"] == {"street_access.item": 3, "street_access.departments": ["区民政局"],
                            "street_access.admitted": True}
    e = entry(r)
    assert [c["id"] for c in e["clauses"]] == ["reform.4.3", "reform.4.3.no_arbitrary_devolution",
                                               "xixia_street_example.1", "xixia_street_example.2.3"]
    assert e["clauses"][3]["text"] == "3.最低生活保障申请受理和初审(责任部门:区民政局)"
    assert e["modality"] == "must" and e["layer"]["example"] is True and e["layer"]["status"] == "decided"
    assert e["layer"]["area_clause"] == "xixia_street_example.2.3"
    codes = [n["code"] for n in r["notes"]]
    assert codes[0] == "assumed_adopted" and "example_not_adopted" in codes
    assert "EXAMPLE — NOT ADOPTED" in r["notes"][0]["en"] and r["assumed_adopted"] == [EXAMPLE]


def test_listed_work_from_another_department_is_not_admitted_with_the_way_for_new_work(adopted):
    r = ruled(adopted, area="xixia", department="区城管局", item=3)
    assert r["results"]["street_access.admitted"] is False and r["results"]["street_access.item"] == 3
    notes = {n["code"]: n for n in r["notes"]}
    assert "区城管局不在其列" in notes["listed_under_other_departments"]["zh"]
    assert "reform.4.3.devolution_procedure" in notes["new_work_procedure"]["clauses"]
    assert "xixia_street_example.3" in notes["new_work_procedure"]["clauses"]


def test_work_on_no_list_is_not_admitted(adopted):
    r = ruled(adopted, area="xixia", unlisted_department="区住建局", unlisted_item="物业纠纷调处")
    assert r["results"] == {"street_access.item": None, "street_access.departments": None,
                            "street_access.admitted": False}
    assert "street_not_responsible" in [n["code"] for n in r["notes"]]
    # a second department of a shared item, by number
    r = ruled(adopted, area="xixia", department="区卫计局", item="5")
    assert r["results"]["street_access.admitted"] is True
    assert r["results"]["street_access.departments"] == ["西夏公安分局", "区卫计局"]


@pytest.mark.parametrize("facts,words", [
    ({"department": "区明政局", "item": 3}, "nearest names: 区民政局"),
    ({"department": "区民政局", "item": "最低生活保障受理"}, "nearest names: 最低生活保障申请受理和初审"),
    ({"department": "区民政局", "item": 9}, "numbered 1 to 8"),
    ({"unlisted_department": "区民政局", "item": 3}, "give it as 'department'"),
    ({"department": "区民政局", "unlisted_item": "征兵工作"}, "item 4 of the area's street access list"),
    ({"department": "区民政局", "item": 3, "unlisted_item": "x"}, "not both"),
])
def test_a_name_not_on_the_list_is_an_error_naming_the_nearest(adopted, facts, words):
    out = rule(adopted, area="xixia", **facts)
    assert out.unusable and words in str(out.problems[0]), out.problems


def test_before_the_example_list_and_in_other_areas_it_is_still_not_checked(adopted):
    assert ruled(adopted, as_of="2018-09-20", area="xixia", department="区民政局",
                 item=3)["results"]["street_access.admitted"] is None
    r = ruled(adopted, area="lingwu", department="市民政局", item=1)
    assert r["results"]["street_access.admitted"] is None and r["notes"][0]["code"] == "assumed_adopted"


def test_changing_the_list_changes_the_ruling(repo_copy):
    assert ruled(repository.load(ROOT, assume_adopted=[EXAMPLE]), area="xixia", department="区城管局",
                 item=3)["results"]["street_access.admitted"] is False
    # the area adds 区城管局 to item 3: its text, its clause, its register hash and the list all say so
    old, new = "3.最低生活保障申请受理和初审(责任部门:区民政局)", "3.最低生活保障申请受理和初审(责任部门:区民政局、区城管局)"
    text = repo_copy / "sources/xixia-street-access-example.txt"
    edit(text, old, new)
    edit(repo_copy / "clauses/xixia_street_example.yaml", old, new)
    reg = repo_copy / f"sources/register/{EXAMPLE}.yaml"
    digest = manifest.file_hash("sources/xixia-street-access-example.txt", text.read_bytes())
    reg.write_text(re.sub(r"sha256: [0-9a-f]{64}", f"sha256: {digest}", reg.read_text(encoding="utf-8")),
                   encoding="utf-8")
    edit(repo_copy / SUP, "departments: [区民政局], source: xixia_street_example.2.3",
         "departments: [区民政局, 区城管局], source: xixia_street_example.2.3")
    repo = repository.load(repo_copy, assume_adopted=[EXAMPLE])
    assert not repo.problems, [str(p) for p in repo.problems]
    r = ruled(repo, area="xixia", department="区城管局", item=3)
    assert r["results"]["street_access.admitted"] is True
    assert r["results"]["street_access.departments"] == ["区民政局", "区城管局"]


# -- the switch on the command line ------------------------------------------------------------------------------------

def test_the_example_cases_hold_only_under_the_switch():
    code, out, err = run_policy("eval", ADOPTED_CASES, "--assume-adopted", "xixia", "--engine", "reference")
    assert code == 0, out + err
    assert "HYPOTHETICAL — EXAMPLE — NOT ADOPTED" in err and "xixia_street_example" in err
    assert out.count("Note (assumed_adopted)") == 6
    code, out, _ = run_policy("eval", ADOPTED_CASES, "--engine", "reference")
    assert code == 1 and "HYPOTHETICAL" not in out  # without it: not_checked, the expectations fail


@pytest.mark.parametrize("name,words", [
    ("xixa", "nearest: xixia"), ("workforce", "not a draft"), ("helan", "has no document NOT ADOPTED"),
])
def test_the_switch_refuses_what_it_cannot_assume(name, words):
    code, _, err = run_policy("eval", ROOT / "examples/street_tasks.yaml", "--assume-adopted", name)
    assert code == 2 and words in err and "Traceback" not in err


def test_every_ruling_under_the_switch_says_so_in_json():
    code, out, _ = run_policy("eval", ROOT / "examples/workers.yaml", "--assume-adopted", "西夏区", "--format",
                              "json", "--engine", "reference")
    rulings = rulings_of(out)
    assert code == 0 and rulings
    for r in rulings:
        assert r["assumed_adopted"] == ["xixia_perf_example", EXAMPLE]
        assert r["notes"][0]["code"] == "assumed_adopted" and "EXAMPLE — NOT ADOPTED" in r["notes"][0]["en"]


def test_policy_check_lists_the_missing_lists_as_overdue():
    code, out, _ = run_policy("check", "--engine", "reference")
    assert code == 0, out
    line = next(ln for ln in out.splitlines() if ln.startswith("missing supplement") and "street_access_list" in ln)
    assert "in 6 of 6 areas; overdue since 2018-09-30 (reform.4.3.deadline)" in line and "xixia (西夏区委、政府)" in line


def test_diff_shows_what_adopting_the_example_would_change():
    code, out, err = run_policy("diff", ROOT, ROOT, "--assume-adopted", "xixia", "--format", "json", "--engine",
                                "reference")
    assert code == 0, err
    report = json.loads(out)
    assert EXAMPLE in report["new"]["state"] and "NOT ADOPTED" in report["new"]["state"]
    changed = {c["id"]: c for c in report["cases"]["changed"]}
    c = changed["xixia_listed_item_without_a_list_in_force"]
    assert {d["result"]: (d["before"], d["after"]) for d in c["results"]}["street_access.admitted"] == (None, True)
    assert "helan_any_request" not in changed


def test_the_traced_batch_rules_in_the_hypothetical_state():
    from evaluator.batch import executor
    props = json.loads((ROOT / "schemas/cases.schema.json").read_text())["$defs"]["worker_facts"]["properties"]
    facts = {k: v["default"] for k, v in props.items() if "default" in v}  # as the roster reader gives them
    facts.update(post="committee_member", years_of_service=5, party_org_stars=3, area="xixia",
                 assessments=[{"year": 2023, "grade": "basically_qualified"}])
    rows = [(1, "w1", facts)]
    day = dt.date(2024, 6, 1)
    plain = executor.rule_partition(str(ROOT), "reference", day, [], rows, full=True)
    hypo = executor.rule_partition(str(ROOT), "reference", day, [], rows, full=True,
                                   assume_adopted=("xixia_perf_example",))
    assert plain[0][4]["results"]["salary.performance_pay_by_grade"] is None
    assert hypo[0][4]["results"]["salary.performance_pay_by_grade"] == 540
    assert hypo[0][4]["notes"][0]["code"] == "assumed_adopted"


# -- HTTP and bundles ------------------------------------------------------------------------------------------------

def _client(repo):
    from fastapi.testclient import TestClient
    from evaluator.serve import app as server
    return TestClient(server.create_app(repo, "reference"), base_url="http://127.0.0.1:8350",
                      headers={"content-type": "application/json"})


def test_the_http_api_rules_street_tasks_with_the_layer(repo, adopted):
    case = {"id": "s", "kind": "street_task", "as_of": "2019-03-01",
            "facts": {"area": "xixia", "department": "区民政局", "item": 3}}
    r = _client(repo).post("/evaluate", json=case)
    assert r.status_code == 200, r.text
    [ruling] = rulings_of(r.json())
    assert ruling["results"]["street_access.admitted"] is None
    assert entry(ruling)["layer"]["status"] == "not_checked"
    r = _client(adopted).post("/evaluate", json=case)
    assert r.status_code == 200, r.text
    [ruling] = rulings_of(r.json())
    assert ruling["results"]["street_access.admitted"] is True and ruling["notes"][0]["code"] == "assumed_adopted"
    assert entry(ruling)["layer"]["area_clause"] == "xixia_street_example.2.3"


def test_a_signed_bundle_carries_the_lists_and_refuses_an_altered_one(repo, tmp_path):
    priv, pub = signing.write_keypair(tmp_path / "keys", "k", "ES256")
    path, revision = bundle.build(repo, tmp_path / "b", signing.load_private(priv))
    loaded, check = bundle.load(path, signing.load_public(pub))
    assert check.ok and loaded.digest == revision == repo.digest
    for name in (SUP, "delegations/city.yaml", f"sources/register/{EXAMPLE}.yaml", "clauses/xixia_street_example.yaml",
                 "sources/xixia-street-access-example.txt"):
        assert name in loaded.files, name
    assert loaded.supplements[("xixia", "street_access_list")][0].data == \
        repo.supplements[("xixia", "street_access_list")][0].data
    # the same request from the bundle, in the hypothetical state: eval --bundle --assume-adopted
    cases = tmp_path / "c.yaml"
    cases.write_text("{id: s, kind: street_task, as_of: 2019-03-01, facts: {area: xixia, department: 区民政局, "
                     "item: 3}, expect: {street_access.admitted: true}}\n", encoding="utf-8")
    code, out, err = run_policy("eval", cases, "--bundle", path, "--key", pub, "--assume-adopted", "xixia",
                                "--engine", "reference")
    assert code == 0, out + err
    # an altered list: refused as a whole, naming the file
    files = bundle.read(path)
    files[SUP] = files[SUP].replace("departments: [区城管局]".encode(), "departments: [区城管局, 区民政局]".encode())
    unpacked = tmp_path / "altered"
    for name, data in files.items():
        (unpacked / name).parent.mkdir(parents=True, exist_ok=True)
        (unpacked / name).write_bytes(data)
    with pytest.raises(bundle.BundleError, match="street_access_list/2018-09-28.yaml"):
        bundle.load(unpacked, signing.load_public(pub))


# -- the site --------------------------------------------------------------------------------------------------------

def test_the_pages_show_the_list_the_register_and_the_example_mark(repo, adopted):
    from evaluator import docsite
    day = dt.date(2024, 6, 1)
    plain = docsite.pages(docsite.build(repo, build_date=day))
    assert "示例 未通过 EXAMPLE — NOT ADOPTED" in plain["clauses/xixia_street_example.2.3.md"]
    assert "supplements/xixia/street_access_list@1" in plain["clauses/xixia_street_example.2.3.md"]
    xixia = plain["areas/xixia.md"]
    assert "| 3 | 最低生活保障申请受理和初审 | 区民政局 |" in xixia and "a made-up list" in xixia
    assert "`street_access_list`: 西夏区委、政府" in xixia.split("## 尚缺")[1] and "**逾期 Overdue**" in xixia
    register = plain["areas/index.md"].split("## 尚缺登记")[1]
    assert register.count("**逾期 overdue**") == 6 and "HYPOTHETICAL" not in plain["areas/index.md"]

    hypo_model = docsite.build(adopted, build_date=day, hypothetical=docsite.ASSUMED + EXAMPLE)
    hypo = docsite.pages(hypo_model)
    assert all("HYPOTHETICAL — 示例 未通过 EXAMPLE — NOT ADOPTED" in p.split("\n")[0] for p in hypo.values())
    register = hypo["areas/index.md"].split("## 尚缺登记")[1]
    assert register.count("**逾期 overdue**") == 5 and "有效 in force (**示例 未通过 EXAMPLE — NOT ADOPTED**)" in register
    # the rulings only that state gives are shown there too, and hand-written pages get the banner
    assert "examples/assume-adopted/street_tasks_xixia.yaml" in hypo_model.case_files
    filled = docsite.fill("# 指南\n", hypo_model, "supplements.md")
    assert filled.startswith('!!! danger "假设状态 HYPOTHETICAL — 示例 未通过 EXAMPLE — NOT ADOPTED"')
    assert docsite.fill("# 指南\n", docsite.build(repo, build_date=day), "supplements.md") == "# 指南\n"


def test_the_strict_docs_build_with_the_example_viewed_as_adopted(repo_copy, tmp_path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", POLICY_ASSUME_ADOPTED="xixia", POLICY_SITE_DATE="2024-06-01")
    root = repo_copy
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", root / "docs")
    (root / "evaluator").symlink_to(ROOT / "evaluator")  # the hook's path in mkdocs.yml
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
                          cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    xixia = (tmp_path / "s/areas/xixia.html").read_text(encoding="utf-8")
    assert "EXAMPLE — NOT ADOPTED" in xixia and "最低生活保障申请受理和初审" in xixia and "HYPOTHETICAL" in xixia
    assert "HYPOTHETICAL" in (tmp_path / "s/supplements.html").read_text(encoding="utf-8")
    env["POLICY_ASSUME_ADOPTED"] = "xixa"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "t")],
                          cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and "nearest: xixia" in proc.stderr


def test_policy_batch_says_when_it_rules_in_the_hypothetical_state(tmp_path):
    roster = ROOT / "tests/rosters/reform_small.csv"
    args = ["batch", roster, "--as-of", "2024-06-01", "--out", tmp_path / "r.csv"]
    code, out, err = run_policy(*args, "--summary", tmp_path / "s.json", "--assume-adopted", "xixia")
    assert code == 2, out + err  # the roster's one bad row (w7) is rejected by design; the others are ruled
    assert "HYPOTHETICAL — EXAMPLE — NOT ADOPTED" in out and "HYPOTHETICAL" in err
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert summary["assumed_adopted"] == ["xixia_perf_example", EXAMPLE]
    code, out, _ = run_policy(*args[:-1], tmp_path / "plain.csv", "--summary", tmp_path / "p.json")
    assert code == 2 and "HYPOTHETICAL" not in out
    assert "assumed_adopted" not in json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))


def test_policy_serve_takes_the_switch(monkeypatch):
    from evaluator.serve import app as server
    seen = {}
    monkeypatch.setattr(server, "serve", lambda repo, *a, **k: seen.setdefault("repo", repo))
    code, _, err = run_policy("serve", "--assume-adopted", "xixia_street_example")
    assert code == 0 and "HYPOTHETICAL" in err
    assert seen["repo"].assumed_adopted == {EXAMPLE}
    code, _, err = run_policy("serve", "--assume-adopted", "nowhere")
    assert code == 2 and "neither an area" in err
