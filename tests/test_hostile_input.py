"""Hostile and careless input (issue 13, failures 1-5 and 8-10): every input path bounded before it is used.

Each test here failed on main before the limits of evaluator/load/limits.py: a segfault (exit 139), an internal
error (exit 3), a roster refused or silently mis-read, a case missing from the output, a traceback on a drafter's
edit, a system file quoted into an error, or an unbounded read. Commands that could crash the interpreter run in a
child process, so that a regression fails the test instead of killing the test run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from evaluator.load import limits

from .conftest import ROOT, edit, run_policy, rulings_of

WORKER = "  - id: {id}\n    kind: worker\n    as_of: 2024-07-01\n    facts: {{post: deputy, years_of_service: {years}}}\n"


def child(*args, stdin=None, timeout=120) -> subprocess.CompletedProcess:
    """`policy ARGS` in a fresh interpreter: (exit code, stdout, stderr) even if it dies of a signal."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "evaluator.cli.main", *map(str, args)], input=stdin,
                          capture_output=True, timeout=timeout, env=env, cwd=ROOT)


def text_of(proc) -> str:
    return proc.stderr.decode("utf-8", "replace") + proc.stdout.decode("utf-8", "replace")


# 1. nesting ~30,000 levels deep: libyaml's composer overflowed the C stack (SIGSEGV, exit 139)
DEEP = 30_000
NESTED = {
    "flow_list": "[" * DEEP + "]" * DEEP,
    "flow_mapping": "{a: " * DEEP + "}" * DEEP,
    "block_list": "- " * DEEP + "x\n",
    "json": '{"a": ' * DEEP + "1" + "}" * DEEP,
}


@pytest.mark.parametrize("shape", sorted(NESTED))
def test_deep_nesting_is_refused_at_its_position(tmp_path, shape):
    path = tmp_path / "deep.yaml"
    path.write_text(NESTED[shape], encoding="utf-8")
    proc = child("eval", path, "--format", "json")
    assert proc.returncode == 2, text_of(proc)
    err = proc.stderr.decode()
    assert f"{path}:1:" in err and "too_deep" in err and f"deeper than {limits.MAX_DEPTH}" in err
    assert "Traceback" not in text_of(proc)


def test_deep_nesting_in_a_policy_file_is_a_problem_of_policy_check(repo_copy):
    target = repo_copy / "policies/workforce.training/2019-01-01.yaml"
    with open(target, "a", encoding="utf-8") as f:
        f.write("deep: " + NESTED["flow_list"] + "\n")
    proc = child("--repo", repo_copy, "check")
    assert proc.returncode == 1, text_of(proc)
    assert "policies/workforce.training/2019-01-01.yaml:" in proc.stdout.decode() and "too_deep" in text_of(proc)


def test_the_loader_never_recurses_into_a_deep_document():
    """The loader itself (also the path of request bodies): a problem, not a RecursionError or a dead process."""
    script = ("import json, sys\n"
              "from evaluator.load.problems import PolicyInputError\n"
              "from evaluator.load.yaml_strict import load_text\n"
              "try:\n    load_text(sys.stdin.read(), 'x')\n"
              "except PolicyInputError as exc:\n    print(exc.problems[0].code)\n")
    for text in NESTED.values():
        proc = subprocess.run([sys.executable, "-c", script], input=text.encode(), capture_output=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0 and proc.stdout.decode().strip() == "too_deep", text_of(proc)


# 2. numbers out of range: decimal.InvalidOperation / int() over 4,300 digits, exit 3 and the file aborted
@pytest.mark.parametrize("value", ["1000000000000000000000000000000", "1e999999999", "9" * 5000, "-1e16",
                                   "0." + "0" * 21 + "1"], ids=["10**30", "1e999999999", "5000_digits", "-1e16",
                                                             "22_places"])
def test_numbers_out_of_range_are_positioned_and_the_other_cases_ruled(tmp_path, value):
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n" + WORKER.format(id="good", years=5) + "  - id: payroll\n    kind: funding\n"
                    "    as_of: 2024-07-01\n    facts: {area: xixia, region_part: 1, pay_cost: " + value + "}\n"
                    + WORKER.format(id="good_too", years=7), encoding="utf-8")
    proc = child("eval", path, "--format", "json")
    assert proc.returncode == 2, text_of(proc)
    err = proc.stderr.decode()
    assert f"{path}:9:" in err and "number_range" in err and len(err) < 1000, err


def test_numbers_out_of_range_in_a_policy_file(repo_copy):
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml", "base_pay: 3500", "base_pay: 1e999999999")
    code, out, err = run_policy("--repo", repo_copy, "check")
    assert code == 1 and "policies/workforce.salary_table/2019-01-01.yaml:" in out and "number_range" in out


def test_numbers_given_as_python_data_are_held_to_the_same_limits(repo):
    from evaluator import api

    case = {"id": "p", "kind": "funding", "as_of": "2024-07-01",
            "facts": {"area": "xixia", "pay_cost": 1e300, "region_part": 1}}
    out = api.evaluate_data(repo, {"cases": [case]})
    assert out.unusable and out.problems[0].code == "number_range"
    assert out.problems[0].field == "cases[0].facts.pay_cost"


# 3. the size limit went by the size a file claims: 0 for a pipe, /dev/stdin and devices
def test_a_pipe_over_the_limit_is_refused(tmp_path):
    big = b"cases:\n" + WORKER.format(id="w", years=5).encode() * (limits.MAX_BYTES // 90)
    assert len(big) > limits.MAX_BYTES
    proc = child("eval", "/dev/stdin", stdin=big)
    assert proc.returncode == 2 and "too_large" in proc.stderr.decode() and "0 case(s) evaluated" in \
        proc.stdout.decode(), text_of(proc)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_device_is_read_no_further_than_the_limit():
    proc = child("eval", "/dev/zero", timeout=60)
    assert proc.returncode == 2 and "too_large" in proc.stderr.decode()


# 5. two cases with one id, and an explicit '#1' beside a case without an id: every case in every output
DUPLICATES = ("cases:\n" + WORKER.format(id="a", years=5) + WORKER.format(id="a", years=9)
              + "  - kind: worker\n    as_of: 2024-07-01\n    facts: {post: deputy, years_of_service: 3}\n"
              + WORKER.format(id="'#3'", years=2))


def test_every_case_is_accounted_for_in_json(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    code, out, err = run_policy("eval", path, "--format", "json")
    assert code == 2
    got = rulings_of(out)
    assert [(r["id"], r.get("index"), "results" in r) for r in got] == [
        ("a", None, True), ("a", 1, False), ("#3", 2, False), ("#3", 3, False)]
    assert got[1]["line"] == 6 and got[1]["errors"][0]["code"] == "duplicate_id"
    assert (got[2]["line"], got[3]["line"]) == (10, 13)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_every_case_is_accounted_for_in_documents(tmp_path, fmt):
    path = tmp_path / "dup.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    code, out, err = run_policy("eval", path, "--format", fmt)
    assert code == 2
    assert out.count("无法裁决 Not ruled") == 3  # the second 'a', the case without an id, the explicit '#3'


def test_every_case_is_accounted_for_over_http(repo):
    from fastapi.testclient import TestClient

    from evaluator.serve import app as server
    from evaluator.load.yaml_strict import load_text
    from evaluator.render.text import to_json

    # the default bound address (Host and Origin are checked against it) and a JSON body, as any client sends
    client = TestClient(server.create_app(repo, "reference"), base_url="http://127.0.0.1:8350",
                        headers={"content-type": "application/json"})
    body = to_json(load_text(DUPLICATES, "x").data)
    r = client.post("/evaluate", content=body)
    assert r.status_code == 422
    assert [x["id"] for x in rulings_of(r.json())] == ["a", "a", "#3", "#3"]


# 8. a drafter deletes salary level 13: StopIteration in the worker kind before the static checks reported the gap
def test_a_hole_in_the_salary_levels_is_a_positioned_problem(repo_copy):
    path = repo_copy / "policies/workforce.salary_table/2019-01-01.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "- level: 13")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("- level:"))
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")
    code, out, err = run_policy("--repo", repo_copy, "check")
    assert code == 1 and "Traceback" not in out + err
    beside = next(i for i, ln in enumerate(lines) if ln.strip() == "- level: 14") + 1  # the row next to the hole
    assert f"policies/workforce.salary_table/2019-01-01.yaml:{beside}:" in out and "level_missing" in out
    assert "no level 13" in out
    code, out, err = run_policy("--repo", repo_copy, "eval", ROOT / "examples/workers.yaml")
    assert code == 2 and "no ruling is made" in err  # no ruling runs on a table with a hole


def test_a_repeated_salary_level_is_a_positioned_problem(repo_copy):
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml", "- level: 12", "- level: 13")
    code, out, err = run_policy("--repo", repo_copy, "check")
    assert code == 1 and "duplicate_level" in out and "level 13 appears twice" in out


# 9. a case path that is a symlink to a system file: its content was quoted into the error
def test_a_file_that_is_not_a_case_file_is_not_quoted(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root:x:0:0:root:/root:/bin/bash " * 40, encoding="utf-8")
    link = tmp_path / "cases.yaml"
    link.symlink_to(secret)
    code, out, err = run_policy("eval", link, "--format", "json")
    assert code == 2 and "root:x" not in out + err and "not a case file" in err


def test_a_long_value_is_measured_not_quoted(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n  - id: x\n    kind: worker\n    as_of: 2024-07-01\n"
                    f"    facts: {{post: deputy, years_of_service: '{'secret' * 50}'}}\n", encoding="utf-8")
    code, out, err = run_policy("eval", path)
    assert code == 2 and "secret" not in err and "text of 300 characters" in err


# 10. 100,000 small cases took 5.2 GB: the number of cases in one file is bounded
def test_too_many_cases_in_one_file(tmp_path):
    path = tmp_path / "many.yaml"
    one = "- {id: c, kind: worker, as_of: 2024-07-01, facts: {post: deputy, years_of_service: 1}}\n"
    path.write_text("cases:\n" + one * (limits.MAX_CASES + 1), encoding="utf-8")
    code, out, err = run_policy("eval", path)
    assert code == 2 and "too_many_cases" in err and f"at most {limits.MAX_CASES}" in err


def test_a_file_whose_rulings_are_streamed_may_hold_more_cases(tmp_path, monkeypatch):
    """JSON out without a decision log keeps no ruling: its bound is MAX_CASES_STREAMED; text out keeps them all."""
    from evaluator.cases import files as case_files
    monkeypatch.setattr(limits, "MAX_CASES", 3)
    monkeypatch.setattr(case_files, "MAX_CASES", 3)
    monkeypatch.setattr(limits, "MAX_CASES_STREAMED", 5)
    path = tmp_path / "many.yaml"
    one = "- {{id: c{}, kind: worker, as_of: 2024-07-01, facts: {{post: deputy, years_of_service: 1}}}}\n"
    path.write_text("cases:\n" + "".join(one.format(i) for i in range(4)), encoding="utf-8")
    code, out, err = run_policy("eval", "--format", "json", path)
    assert code == 0 and out.count('"results"') == 4
    code, out, err = run_policy("eval", path)
    assert code == 2 and "at most 3 (each ruling is kept for the output" in err
    path.write_text("cases:\n" + "".join(one.format(i) for i in range(6)), encoding="utf-8")
    code, out, err = run_policy("eval", "--format", "json", path)
    assert code == 2 and "too_many_cases" in err and "at most 5 (split the file" in err


def test_the_limits_are_documented_with_their_values():
    """docs/security.md lists every limit of evaluator/load/limits.py with its value."""
    doc = (ROOT / "docs/security.md").read_text(encoding="utf-8")
    doc = doc[doc.index("## 限制 Limits"):]  # the loader's section (the HTTP server's limits have names of their own)
    names = [n for n in dir(limits) if n.isupper()]
    assert len(names) >= 10
    for name in names:
        value = getattr(limits, name)
        row = next((ln for ln in doc.splitlines() if ln.startswith("|") and f"`{name}`" in ln), None)
        assert row is not None, f"{name} is not in docs/security.md"
        written = f"10<sup>{len(str(value)) - 1}</sup>" if name == "MAX_MAGNITUDE" else f"{value:,}"
        assert written in row, (name, written, row)


def test_a_bundle_with_deeply_nested_json_is_refused_not_a_recursion_error():
    """A bundle's manifest and JSON files are parsed with Python's json, which recursed into a RecursionError."""
    from evaluator.repo import bundle, manifest

    deep = b"[" * 30_000 + b"]" * 30_000
    assert bundle.verify_files({manifest.MANIFEST: deep}).failures == [
        (manifest.MANIFEST, "the manifest is not a JSON object with a revision")]
    assert manifest.file_hash("schemas/x.schema.json", deep) == manifest.sha256(deep)  # hashed as its bytes
