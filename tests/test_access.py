"""The two lists of the reform opinion and the task kind: data checks, rulings, bad input, modality."""
from __future__ import annotations

import datetime as dt
import json
import re

from evaluator import api
from evaluator.render.text import modality_text

from .conftest import edit, run_policy, rulings_of

COMMUNITY = "policies/reform.community_access_list/2018-09-05.yaml"
STATION = "policies/reform.service_station_items/2018-09-05.yaml"
POSITION = re.compile(r"^(\S+):(\d+):(\d+): ")


def _cases(tmp_path, text: str):
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _ruling(repo, tmp_path, facts: str, as_of="2019-03-01"):
    path = _cases(tmp_path, f"id: one\nkind: task\nas_of: {as_of}\nfacts: {facts}\n")
    out = api.evaluate_file(repo, path, "reference")
    assert not out.problems, "\n".join(map(str, out.problems))
    return out.rulings[0]


def test_lists_as_published(repo):
    day = dt.date(2019, 1, 1)
    community = repo.version_in_force("reform.community_access_list", day).data["data"]
    station = repo.version_in_force("reform.service_station_items", day).data["data"]
    # 三、(六): 使原有28项准入事项调整为24项; 附件1 prints 22 numbered items.
    assert community["declared_count"] == 24 and len(community["items"]) == 24
    assert [it["number"] for it in community["items"]] == list(range(1, 25))
    assert len(station["items"]) == 22
    assert community["items"][6]["cells"] == {"departments": 6}


def test_declared_count_is_checked(repo_copy):
    edit(repo_copy / COMMUNITY, "declared_count: 24", "declared_count: 25")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    assert re.search(r"reform\.community_access_list/2018-09-05\.yaml:\d+:\d+: count_mismatch: .*declared to have "
                     r"25 items .*data\.items has 24", out)
    assert "not_verbatim: 25 is not the figure of reform.3.6.entry_items" in out


def test_a_row_left_out_is_found(repo_copy):
    path = repo_copy / STATION
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("    - number: 22")], encoding="utf-8")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    assert "incomplete_list: clause 'reform.annex1.22' is a row of reform.annex1" in out


def test_text_must_be_verbatim_and_spans_consistent(repo_copy):
    edit(repo_copy / COMMUNITY, "name: 人民调解", "name: 人民调节")
    edit(repo_copy / COMMUNITY, "cells: {departments: 10}", "cells: {departments: 9}")
    code, out, _ = run_policy("--repo", repo_copy, "check")
    assert code == 1
    assert "not_verbatim: item name '人民调节' is not verbatim in the text of clause 'reform.annex2.9'" in out
    assert "bad_span: the departments cell of row 9 cannot span to item 11: item 10 lies between" in out


def test_editing_the_list_changes_the_ruling(repo_copy, tmp_path):
    facts = "{department: 市妇联, item: 宣传文化工作}"
    assert _ruling(api.load(repo_copy), tmp_path, facts)["results"]["access.admitted"] is True
    edit(repo_copy / COMMUNITY, "federation_of_trade_unions,\n                    womens_federation, ",
         "federation_of_trade_unions,\n                    ")
    changed = api.load(repo_copy)
    assert not changed.problems, "\n".join(map(str, changed.problems))
    r = _ruling(changed, tmp_path, facts)
    assert r["results"]["access.admitted"] is False
    assert any(n["code"] == "listed_under_other_departments" for n in r["notes"])


def test_mismatch_says_whose_item_it_is(repo, tmp_path):
    r = _ruling(repo, tmp_path, "{department: 市民政局, item: 社区矫正}")
    assert r["results"]["access.admitted"] is False
    note = next(n for n in r["notes"] if n["code"] == "listed_under_other_departments")
    assert "市禁毒办、市防邪办、市司法局、市妇联" in note["zh"] and "市民政局不在其列" in note["zh"]
    assert "Municipal Justice Bureau" in note["en"]
    admitted = next(t for t in r["trace"] if t["result"] == "access.admitted")
    assert admitted["modality"] == "must"
    assert [c["id"] for c in admitted["clauses"]] == ["reform.3.6.not_responsible", "reform.annex2.7",
                                                       "reform.annex2.6"]
    assert set(admitted["interpretations"]) == {"access_admission_per_department", "annex2_spanning_cells"}


def test_unlisted_work_is_not_the_communitys(repo, tmp_path):
    r = _ruling(repo, tmp_path, "{department: 市民政局, unlisted_item: 代收停车费}")
    assert r["results"] == {"access.list": None, "access.item": None, "access.departments": None,
                            "access.admitted": False}
    admitted = next(t for t in r["trace"] if t["result"] == "access.admitted")
    assert admitted["clauses"][0] == {"id": "reform.3.6.not_responsible",
                                      "text": "凡没有列入社区准入事项的工作,社区不作为责任主体"}


def test_station_item_is_routed(repo, tmp_path):
    r = _ruling(repo, tmp_path, "{department: 市民政局, item: 申领临时救助资金}")
    assert r["results"]["access.list"] == "service_station" and r["results"]["access.item"] == 12
    assert any(n["code"] == "routed_to_service_station" for n in r["notes"])


BAD = """cases:
  - {id: good, kind: task, as_of: 2019-03-01, facts: {department: 市民政局, item: 低保工作}}
  - {id: typo_department, kind: task, as_of: 2019-03-01, facts: {department: 市民正局, item: 低保工作}}
  - {id: typo_item, kind: task, as_of: 2019-03-01, facts: {department: 市民政局, item: 社区矫治}}
  - {id: number_out_of_range, kind: task, as_of: 2019-03-01, facts: {department: 市民政局, item: 25}}
  - {id: both_items, kind: task, as_of: 2019-03-01, facts: {department: 市民政局, item: 1, unlisted_item: 某事}}
  - {id: listed_as_unlisted, kind: task, as_of: 2019-03-01, facts: {department: 市民政局, unlisted_item: 人民调解}}
  - {id: listed_department_as_unlisted, kind: task, as_of: 2019-03-01, facts: {unlisted_department: 市妇联, item: 1}}
  - {id: no_item, kind: task, as_of: 2019-03-01, facts: {department: 市民政局}}
  - {id: item_zero, kind: task, as_of: 2019-03-01, facts: {department: 市民政局, item: 0}}
  - {id: unknown_fact, kind: task, as_of: 2019-03-01, facts: {department: 市民政局, item: 1, dept: x}}
  - {id: before_in_force, kind: task, as_of: 2018-09-04, facts: {department: 市民政局, item: 1}}
"""


def test_bad_task_input(tmp_path):
    path = _cases(tmp_path, BAD)
    code, out, err = run_policy("eval", path)
    assert code == 2
    assert "Traceback" not in err and "Traceback" not in out
    assert "Case good (task)" in out and "access.admitted = true" in out
    lines = {}
    for line in err.splitlines():
        m = re.search(r"\[case (\w+)\]", line)
        assert POSITION.match(line), line
        lines[m.group(1)] = line
    src = path.read_text(encoding="utf-8").splitlines()

    def at(case, text):
        _, ln, col = POSITION.match(lines[case]).groups()
        return src[int(ln) - 1][int(col) - 1:].startswith(text)

    assert "nearest names: 市民政局" in lines["typo_department"] and at("typo_department", "市民正局")
    assert "unknown_name" in lines["typo_department"]
    assert "nearest names: 「社区矫正」 (附件2 item 7)" in lines["typo_item"] and at("typo_item", "社区矫治")
    assert "has no item 25: its items are numbered 1 to 24" in lines["number_out_of_range"]
    assert "either 'item' or 'unlisted_item'" in lines["both_items"] and at("both_items", "某事")
    assert "is item 9 of 附件2: give it as 'item'" in lines["listed_as_unlisted"]
    assert "is named on 附件2 as 市妇联" in lines["listed_department_as_unlisted"]
    assert "missing required field 'item'" in lines["no_item"]
    assert "out of range: it must be at least 1" in lines["item_zero"]
    assert "unknown field 'dept'" in lines["unknown_fact"]
    assert "no version of 'reform.community_access_list' is in force on 2018-09-04" in lines["before_in_force"]
    assert len(lines) == 10


def test_rulings_show_modality_in_json_and_text(tmp_path):
    path = _cases(tmp_path, BAD.split("\n  - {id: typo")[0] + "\n")
    code, out, _ = run_policy("eval", path, "--format", "json")
    assert code == 0
    entry = next(t for t in rulings_of(out)[0]["trace"] if t["result"] == "access.admitted")
    assert entry["modality"] == "may"
    code, out, _ = run_policy("eval", path)
    assert "force: may 可 — permissive" in out


def test_exit_ground_rulings_carry_modality(repo_copy, tmp_path):
    path = _cases(tmp_path, "id: w\nkind: worker\nas_of: 2024-07-01\nfacts: {post: grid_worker, years_of_service: 2, "
                  "serious_misconduct: true}\n")
    code, out, _ = run_policy("--repo", repo_copy, "eval", path)
    assert code == 0 and "force: must 必须 — binding: a breach is a violation" in out
    # The modality is data: a rule marked 原则上 reads as an advisory naming its clause, not as a violation.
    rules = repo_copy / "rules/workforce.exit_grounds/2019-01-01.yaml"
    text = rules.read_text(encoding="utf-8")
    i = text.index("  - id: serious_misconduct")
    rules.write_text(text[:i] + text[i:].replace("modality: must", "modality: as_a_rule", 1), encoding="utf-8")
    code, out, _ = run_policy("--repo", repo_copy, "eval", path)
    assert code == 0
    assert "force: as a rule 原则上/一般 — advisory: a departure is not a breach and not unlawful" in out
    assert "(§ workforce.5.14.g5)" in out and "binding: a breach" not in out


def test_modality_text_names_all_three():
    assert modality_text("must").startswith("force: must 必须")
    assert modality_text("may").startswith("force: may 可")
    assert "(§ reform.4.4.community_weight)" in modality_text("as_a_rule", [{"id": "reform.4.4.community_weight"}])


def test_task_rulings_meet_the_public_schema(repo):
    from evaluator.load.validation import validator

    from .conftest import ROOT
    code, out, err = run_policy("eval", ROOT / "tests/cases/task_access_rules.yaml", ROOT / "examples/tasks.yaml",
                                "--format", "json")
    assert code == 0, err
    rulings = rulings_of(out)
    assert not list(validator(str(repo.schema_dir), "ruling").iter_errors(json.loads(out)))
    for r in rulings:
        assert set(r["results"]) == {t["result"] for t in r["trace"]}
        for t in r["trace"]:
            for c in t["clauses"]:
                assert c["text"] == repo.cite(c["id"]).text


def test_the_certificate_on_both_lists_is_a_named_reading(repo):
    # 附件1 18 流动人口婚育证明 and 附件2 19 开具流动人口婚育证明: under by_name the name given decides, and each ruling
    # says what the two other readings (a patch of shared_items each) would rule instead.
    cases = {"cases": [
        {"id": "station_name", "kind": "task", "as_of": "2019-03-01",
         "facts": {"department": "市卫计委", "item": "流动人口婚育证明"}},
        {"id": "community_name", "kind": "task", "as_of": "2019-03-01",
         "facts": {"department": "市卫计委", "item": "开具流动人口婚育证明"}}]}
    iid = "same_certificate_on_both_lists"
    for engine in ("durable", "reference"):
        station, community = api.evaluate_data(repo, cases, engine).rulings
        assert (station["results"]["access.list"], station["results"]["access.admitted"]) == ("service_station", False)
        assert (community["results"]["access.list"], community["results"]["access.admitted"]) == ("community", True)
        alt = [n for n in station["notes"] if n["code"] == "alternative_reading" and n["interpretations"] == [iid]]
        assert len(alt) == 1 and "'community_list_prevails'" in alt[0]["en"]
        assert "access.admitted = true (false under the reading used)" in alt[0]["en"]
        alt = [n for n in community["notes"] if n["code"] == "alternative_reading" and n["interpretations"] == [iid]]
        assert len(alt) == 1 and "'station_list_prevails'" in alt[0]["en"]
        assert "access.admitted = false (true under the reading used)" in alt[0]["en"]
        admitted = [e for e in community["trace"] if e["result"] == "access.admitted"]
        assert iid in admitted[0]["interpretations"]
    # Ruled under the alternative, the station's name goes to the community (item 19, 市卫计委 listed: admitted).
    station, community = api.evaluate_data(repo, cases, readings={iid: "community_list_prevails"}).rulings
    assert (station["results"]["access.list"], station["results"]["access.item"]) == ("community", 19)
    assert station["results"]["access.admitted"] is True
    station, community = api.evaluate_data(repo, cases, readings={iid: "station_list_prevails"}).rulings
    assert (community["results"]["access.list"], community["results"]["access.admitted"]) == ("service_station", False)
