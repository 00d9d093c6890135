"""`policy eval --jobs N` (evaluator/ruling/pool.py): the cases ruled in N processes give the very output of one
process, in every format, with the same messages and exit code, good and bad cases mixed."""
from __future__ import annotations

import contextlib
import io

import pytest

from evaluator import api
from evaluator.cli.main import main
from evaluator.ruling import pool

from .conftest import ROOT, run_policy

MIXED = """cases:
  - id: fine
    kind: worker
    as_of: "2024-07-01"
    facts: {post: deputy, years_of_service: 5, education: master, certificate: social_worker}
    expect: {salary.level: 99}
  - id: no_such_post
    kind: worker
    as_of: "2024-07-01"
    facts: {post: mayor, years_of_service: 5}
  - id: before_any_policy
    kind: worker
    as_of: "2001-01-01"
    facts: {post: deputy, years_of_service: 5}
  - id: probation_on_a_deputy
    kind: worker
    as_of: "2024-07-01"
    facts: {post: deputy, years_of_service: 1, on_probation: true}
  - id: also_fine
    kind: worker
    as_of: "2024-07-01"
    facts: {post: grid_worker, years_of_service: 0, hire_date: "2024-05-01", party_org_stars: 3}
"""


def files(repo) -> list[str]:
    return [str(p) for p in api.case_files_of(repo)]


@pytest.mark.skipif(not pool.can_fork(), reason="no fork on this platform: --jobs rules in one process")
@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
def test_two_processes_write_what_one_writes(repo, fmt):
    one = run_policy("eval", "--engine", "reference", "--format", fmt, *files(repo))
    two = run_policy("eval", "--engine", "reference", "--format", fmt, "--jobs", "2", *files(repo))
    assert one == two
    assert len(one[1]) > 100_000


@pytest.mark.skipif(not pool.can_fork(), reason="no fork on this platform: --jobs rules in one process")
def test_bad_cases_and_unmet_expectations_come_out_alike(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(MIXED, encoding="utf-8")
    one = run_policy("eval", "--format", "json", path)
    three = run_policy("eval", "--format", "json", "--jobs", "3", path)
    assert one == three
    code, out, err = three
    assert code == 2  # unusable cases: the exit code says so whatever the number of processes
    assert '"id": "fine"' in out and '"id": "also_fine"' in out
    assert "mixed.yaml:10:" in err and "mixed.yaml:13:" in err and "mixed.yaml:18:" in err  # each case's own line


def test_in_order_gives_every_result_in_order():
    assert list(pool.in_order(lambda i: i * i, 100, jobs=3)) == [i * i for i in range(100)]
    assert list(pool.in_order(lambda i: i, 1, jobs=3)) == [0]
    assert list(pool.in_order(lambda i: i, 0, jobs=3)) == []


@pytest.mark.parametrize("jobs", ["0", "-1", "two", str(pool.MAX_JOBS + 1)])
def test_a_bad_number_of_jobs_is_refused_with_a_reason(jobs):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exc:
        main(["eval", "--jobs", jobs, str(ROOT / "examples/workers.yaml")])
    assert exc.value.code == 2
    assert "--jobs" in err.getvalue() and "Traceback" not in err.getvalue()


def test_auto_uses_the_cores_only_where_rulings_come_back_as_bytes_and_the_file_is_large(monkeypatch):
    monkeypatch.setattr(pool, "cores", lambda: 4)
    assert pool.chosen(pool.AUTO, pool.AUTO_MIN_CASES, sent_as_bytes=True) == 4
    assert pool.chosen(pool.AUTO, pool.AUTO_MIN_CASES - 1, sent_as_bytes=True) == 1
    assert pool.chosen(pool.AUTO, 10 * pool.AUTO_MIN_CASES, sent_as_bytes=False) == 1
    assert pool.chosen(3, 1, sent_as_bytes=False) == 3  # a number given is kept
    monkeypatch.setattr(pool, "cores", lambda: 100)
    assert pool.chosen(pool.AUTO, pool.AUTO_MIN_CASES, sent_as_bytes=True) == pool.AUTO_MAX_JOBS


@pytest.mark.skipif(not pool.can_fork(), reason="no fork on this platform: --jobs rules in one process")
def test_the_default_auto_writes_what_one_process_writes(repo, monkeypatch):
    monkeypatch.setattr(pool, "AUTO_MIN_CASES", 2)  # every file of several cases goes to the pool
    monkeypatch.setattr(pool, "cores", lambda: 2)
    used = []
    real = pool.in_order
    monkeypatch.setattr(pool, "in_order", lambda fn, n, jobs=1: used.append(jobs) or real(fn, n, jobs))
    auto = run_policy("eval", "--format", "json", *files(repo))
    assert 2 in used
    one = run_policy("eval", "--format", "json", "--jobs", "1", *files(repo))
    assert auto == one
    used.clear()
    run_policy("eval", "--format", "text", str(ROOT / "examples/workers.yaml"))
    assert used and set(used) == {1}  # rulings that come back as objects: one process
