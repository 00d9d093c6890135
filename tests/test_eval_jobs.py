"""`policy eval --jobs N` (evaluator/ruling/pool.py): the cases ruled in N processes give the very output of one
process, in every format, with the same messages and exit code, good and bad cases mixed."""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from evaluator import api
from evaluator.cases import files as case_files
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


def squares(span):
    return [i * i for i in span]


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 100, 2_500])
def test_in_blocks_gives_every_result_in_order(n, jobs):
    got = list(pool.in_blocks(squares, n, jobs=jobs, most=64))
    assert [x for block in got for x in block] == [i * i for i in range(n)]
    assert all(len(block) <= 64 for block in got)


@pytest.mark.parametrize("jobs", [1, 2, 3, 8])
@pytest.mark.parametrize("n", [1, 7, 500, 999, 1_000, 2_000, 2_048, 5_000, 20_000, 40_001])
def test_blocks_cover_the_cases_in_even_blocks_a_multiple_of_the_processes(n, jobs):
    cut = pool.blocks(n, jobs)
    assert [i for r in cut for i in r] == list(range(n))
    assert max(map(len, cut)) <= pool.MAX_BLOCK
    assert len(cut) == n or len(cut) % jobs == 0
    assert len(cut) >= min(n, jobs)
    sizes = sorted(set(map(len, cut)), reverse=True)
    tail = [r for r in cut if len(r) < sizes[0] - 1]  # the last blocks, cut smaller so the processes end together
    body = cut[:len(cut) - len(tail)]
    assert max(map(len, body)) - min(map(len, body)) <= 1 and body + tail == cut
    if tail:
        assert jobs > 1 and len(tail) % jobs == 0 and len(tail) <= jobs * pool.TAIL_PARTS
        assert min(map(len, tail)) >= pool.TAIL_BLOCK and max(map(len, tail)) - min(map(len, tail)) <= 1
    if jobs > 1 and len(body) > jobs and len(body[-1]) >= 2 * pool.TAIL_BLOCK:
        assert tail  # blocks big enough to cut are cut at the end
    if n >= pool.BLOCKS_PER_JOB * jobs * pool.MIN_BLOCK:  # enough cases: several blocks a process, to even out
        assert len(body) + (jobs if tail else 0) >= pool.BLOCKS_PER_JOB * jobs  # (each of the last `jobs` cut)
    elif not tail:  # blocks of MIN_BLOCK cases at least, but for the rounding to a multiple of the processes
        assert (len(cut) - jobs) * pool.MIN_BLOCK < n


@pytest.mark.skipif(not pool.can_fork(), reason="no fork on this platform: --jobs rules in one process")
def test_blocks_wait_to_be_written_in_bounded_number(monkeypatch):
    """A reader slower than the processes: no more than `limit` cases' blocks ((AHEAD + 1) of the largest blocks per
    process) are ever handed out or held, so memory is bounded whatever the number of cases; every block still
    comes, in order."""
    seen = []
    real = pool.Pool.results

    def watched(self):
        for got in real(self):
            seen.append(self.ahead())
            time.sleep(0.002)
            yield got
    monkeypatch.setattr(pool.Pool, "results", watched)
    got = list(pool.in_blocks(squares, 3_000, jobs=3, most=10))
    assert [x for block in got for x in block] == [i * i for i in range(3_000)]
    assert len(seen) == 300 and max(seen) <= 3 * (pool.AHEAD + 1) * 10


def fails_in_a_process(span):
    if os.getpid() != PARENT and span.start >= 50:
        raise ValueError("planted")
    return list(span)


def dies_in_a_process(span):
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return list(span)


PARENT = os.getpid()


@pytest.mark.skipif(not pool.can_fork(), reason="no fork on this platform: --jobs rules in one process")
@pytest.mark.parametrize("work, said", [(fails_in_a_process, "ValueError: planted"),
                                        (dies_in_a_process, "killed by SIGKILL")])
def test_a_process_that_fails_or_dies_is_reported_not_waited_for(work, said):
    with pytest.raises(pool.WorkerError, match=said):
        list(pool.in_blocks(work, 2_000, jobs=2, most=10))


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
    real = pool.in_blocks
    monkeypatch.setattr(pool, "in_blocks", lambda work, n, jobs=1: used.append(jobs) or real(work, n, jobs))
    auto = run_policy("eval", "--format", "json", *files(repo))
    assert 2 in used
    one = run_policy("eval", "--format", "json", "--jobs", "1", *files(repo))
    assert auto == one
    used.clear()
    run_policy("eval", "--format", "text", str(ROOT / "examples/workers.yaml"))
    assert not used  # rulings that come back as objects: one process, one ruling at a time


@pytest.mark.skipif(not pool.can_fork(), reason="no fork on this platform: --jobs rules in one process")
def test_ctrl_c_during_jobs_stops_every_process_with_one_line_and_130(tmp_path):
    """Ctrl-C (SIGINT to the whole foreground group, as a terminal sends it) while the processes rule: exit code
    130, one line on stderr and no traceback, and no process of the group left behind. The output is a pipe that
    is not read until then, so the command is surely still ruling and writing when the signal comes."""
    path = tmp_path / "cases.json"
    posts = ["principal", "deputy", "committee_member", "grid_worker"]
    path.write_text(json.dumps({"cases": [
        {"id": f"w{i}", "kind": "worker", "as_of": "2024-07-01",
         "facts": {"post": posts[i % 4], "years_of_service": i % 41, "party_org_stars": i % 6}}
        for i in range(3_000)]}), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "evaluator.cli.main", "eval", "--format", "json", "--jobs", "2",
                             str(path)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert proc.stdout.read(1)  # the first rulings are written: the processes are ruling
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert err.decode() == "policy: interrupted\n"
    for _ in range(50):  # every process of the group gone
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("a process ruling the cases is still running")


def test_without_fork_the_blocks_are_ruled_and_written_here_alike(monkeypatch):
    """Where the platform cannot fork, --jobs N rules every block in this process: the same bytes."""
    path = ROOT / "examples/workers.yaml"
    one = run_policy("eval", "--format", "json", "--jobs", "1", path)
    monkeypatch.setattr(pool, "can_fork", lambda: False)
    monkeypatch.setattr(os, "fork", None)  # anything that still forked would fail
    assert run_policy("eval", "--format", "json", "--jobs", "3", path) == one


def mixed_many(n: int, duplicate: bool = False) -> dict:
    """n worker cases with bad ones spread over every block: a schema error, a fact check, a date with no policy
    in force (a ruling error), an unmet expectation; a field beside `cases` (a file-level problem)."""
    posts = ["principal", "deputy", "committee_member", "grid_worker"]
    cases = []
    for i in range(n):
        case = {"id": f"w{i}", "kind": "worker", "as_of": "2024-07-01",
                "facts": {"post": posts[i % 4], "years_of_service": i % 41, "party_org_stars": i % 6}}
        if i % 97 == 5:
            case["facts"]["post"] = "mayor"
        elif i % 89 == 7:
            case["facts"].update(post="deputy", on_probation=True)
        elif i % 83 == 11:
            case["as_of"] = "2001-01-01"
        elif i % 79 == 13:
            case["expect"] = {"salary.level": 99}
        cases.append(case)
    if duplicate:
        cases[-1]["id"] = "w3"
    return {"cases": cases, "note": "not a field of a case file"}


@pytest.mark.skipif(not pool.can_fork(), reason="no fork on this platform: --jobs rules in one process")
@pytest.mark.parametrize("duplicate", [False, True])
def test_each_process_reads_the_cases_it_rules_and_says_what_one_process_says(tmp_path, monkeypatch, duplicate):
    """The cases of a file are read (normalised, checked) by the process that rules their block, not all by this
    one: the output, the problems on stderr (in the same order) and the exit code are those of one process. A file
    whose ids repeat is read whole first (whether an id is used twice depends on the cases before it)."""
    path = tmp_path / "many.json"
    path.write_text(json.dumps(mixed_many(3_000, duplicate)), encoding="utf-8")
    one = run_policy("eval", "--format", "json", "--jobs", "1", path)
    read_whole = []
    real = case_files.Listed.case_file
    monkeypatch.setattr(case_files.Listed, "case_file", lambda self: read_whole.append(1) or real(self))
    two = run_policy("eval", "--format", "json", "--jobs", "2", path)
    assert bool(read_whole) == duplicate
    assert two == one
    code, out, err = one
    assert code == 2
    lines = err.splitlines()
    assert "unknown field 'note'" in lines[0]  # the file's own problem first, then the cases' in order
    assert any("duplicate_id" in line for line in lines) == duplicate
    assert sum("expectation" in line for line in lines) == 0  # unmet expectations are in the output, not stderr
    assert out.count('"passed": false') == len([i for i in range(3_000) if i % 97 != 5 and i % 89 != 7
                                                 and i % 83 != 11 and i % 79 == 13])
