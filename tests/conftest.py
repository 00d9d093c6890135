"""Shared fixtures: the real repository, editable copies of it, and the CLI run in-process."""
from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from evaluator import api
from evaluator.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
DATA_DIRS = ("sources", "clauses", "interpretations", "policies", "rules", "schemas", "delegations", "supplements",
             "examples", "tests/cases", "coverage")

# Property-based tests are deterministic in CI: derandomized (the seed comes from the test), no example database,
# no deadline (a 2-core CI machine is slow at times); each test fixes its own number of examples.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def _cache_of_this_run(tmp_path_factory):
    """The repository cache (evaluator/load/doc_cache.py) of the tests' own, not the user's: every process the tests
    start inherits it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLICY_CACHE_DIR", str(tmp_path_factory.mktemp("policy-cache")))
        yield


@pytest.fixture(scope="session")
def repo():
    r = api.load(ROOT)
    assert not r.problems, "\n".join(map(str, r.problems))
    return r


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """A full copy of the repository's data, to edit in a test."""
    dest = tmp_path / "repo"
    for sub in DATA_DIRS:
        shutil.copytree(ROOT / sub, dest / sub)
    return dest


def run_policy(*args) -> tuple[int, str, str]:
    """Run the `policy` CLI in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a file of a repository copy, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def rewrite_log(db, seq: int, old: str, new: str, drop_checkpoints: bool = True) -> None:
    """The attack on the decision log of issue 13 (6a), as scripted there: drop the triggers, edit record `seq`,
    recompute the chain with the project's own hash function, delete the checkpoints, recreate the triggers."""
    import sqlite3

    from evaluator.audit import decision_log
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    for t in decision_log.TRIGGERS:
        conn.execute(f"DROP TRIGGER {t}")
    prev = decision_log.GENESIS
    for row in conn.execute("SELECT * FROM decisions ORDER BY seq").fetchall():
        rec = dict(row)
        if rec["seq"] == seq:
            assert old in rec["results"]
            rec["results"] = rec["results"].replace(old, new)
        rec["prev_hash"] = prev
        rec["hash"] = prev = decision_log.record_hash(rec)
        conn.execute("UPDATE decisions SET results = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                     (rec["results"], rec["prev_hash"], rec["hash"], rec["seq"]))
    if drop_checkpoints:
        conn.execute("DELETE FROM checkpoints")
    conn.commit()
    conn.close()
    decision_log.connect(db).close()  # triggers back in place


def rulings_of(answer) -> list:
    """The rulings of a rulings document (`policy eval --format json` text, or an HTTP answer's parsed JSON), in
    either form, every clause quote with its text: what a consumer reads (render/ruling_format.inline)."""
    import json

    from evaluator.render.ruling_format import inline
    return inline(json.loads(answer) if isinstance(answer, str) else answer)


@contextlib.contextmanager
def live_server(script: str):
    """A real server: `script` run by Python from the repository root with a free port as its argument; yields
    (port, base url) once /health answers, and stops it after."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", script, str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            proc.kill()
            pytest.fail(proc.stderr.read().decode())
        yield port, url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def post_evaluate(url: str, body: bytes, query: str = "") -> tuple[int, bytes]:
    """POST /evaluate as a program would: (status, body), whatever the status."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"{url}/evaluate{query}", data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
