"""The `policy` program's exit (evaluator/cli/main.run): the interpreter's teardown skipped, nothing else. Every byte
written, the exit code and the atexit handlers are those of `sys.exit(main())`, also where the output pipe is closed
early; the run of each program is a fresh process, as a user's is."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT

# The program two ways: main() with Python's own exit (as before), and run(); an atexit handler of the caller's
# says whether it ran, and OPENBLAS_NUM_THREADS as main() leaves it.
PROGRAM = """
import atexit, os, sys
from evaluator.cli import main as cli
atexit.register(lambda: sys.stderr.write("atexit ran; OPENBLAS_NUM_THREADS=" + str(os.environ.get("OPENBLAS_NUM_THREADS")) + "\\n"))
sys.argv = ["policy", *sys.argv[2:]]
cli.run() if WAY == "run" else sys.exit(cli.main())
"""


def program(way: str, *args, stdout=subprocess.PIPE, env=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PROGRAM.replace("WAY", repr(way)), "-", *map(str, args)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, stdout=stdout,
                            stderr=subprocess.PIPE)


def finished(proc: subprocess.Popen) -> tuple[int, bytes, bytes]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def cases_file(tmp_path, n: int, bad: bool = False):
    posts = ["principal", "deputy", "committee_member", "grid_worker"]
    cases = [{"id": f"w{i}", "kind": "worker", "as_of": "2024-07-01",
              "facts": {"post": posts[i % 4], "years_of_service": i % 41}} for i in range(n)]
    if bad:
        cases[3]["facts"]["post"] = "mayor"
    path = tmp_path / f"cases_{n}_{bad}.json"
    path.write_text(json.dumps({"cases": cases}), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad", [False, True])
def test_run_writes_and_exits_as_main_does(tmp_path, bad):
    """Every byte (a large document written through stdout's buffer, from two processes), the stderr lines and the
    exit code (0, or 2 for a case that cannot be used) are main()'s; the caller's atexit handler still runs."""
    path = cases_file(tmp_path, 1_500, bad)
    before = finished(program("main", "eval", "--format", "json", path))
    after = finished(program("run", "eval", "--format", "json", path))
    assert after == before
    assert after[0] == (2 if bad else 0)
    assert len(json.loads(after[1])["rulings"]) == 1_500
    assert after[2].decode().endswith("atexit ran; OPENBLAS_NUM_THREADS=1\n")


def test_run_keeps_a_users_openblas_setting(tmp_path):
    path = cases_file(tmp_path, 2)
    code, _, err = finished(program("run", "eval", "--format", "json", path, env={"OPENBLAS_NUM_THREADS": "2"}))
    assert code == 0 and err.decode() == "atexit ran; OPENBLAS_NUM_THREADS=2\n"


def test_run_with_the_output_pipe_closed_early_exits_as_main_does(tmp_path):
    """A reader that stops after a few bytes (`policy eval … | head -c 10`): the exit code and stderr of Python's
    own exit, whatever they are."""
    path = cases_file(tmp_path, 1_500)
    got = []
    for way in ("main", "run"):
        proc = program(way, "eval", "--format", "json", path)
        assert proc.stdout.read(10)
        proc.stdout.close()
        err = proc.stderr.read()
        got.append((proc.wait(timeout=300), err))
    assert got[1] == got[0]
