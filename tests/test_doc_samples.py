"""Every command and code sample of README.md and docs/ runs as written from the repository root.

Each command of a ```sh block (and each `$ ` line of a text block) runs in bash with pipefail, each ```python block
with the repository's Python, in document order, in a scratch directory per document that links every top-level
entry of the repository (so what a command writes, rulings.html or keys/, lands there, not in the checkout).
What cannot run unchanged inside a test is listed below with the reason, and nothing else is changed."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
# Commands not run here, and why.
NOT_RUN = {
    "make run": "the set-up of a fresh clone: the suite itself runs under it (make test depends on it)",
    "make test": "the test suite itself",
}
# Sizes cut for a test on a shared machine: the command is the same, the roster or the benchmark smaller.
SMALLER = {
    "--workers 1000000": "--workers 2000",
    ".venv/bin/python bench/batch.py": ".venv/bin/python bench/batch.py --workers 5000 --runs 1 --sample 50 "
                                       "--pool-rows 500 --scale 1000",
    ".venv/bin/python bench/eval_speed.py --quick": ".venv/bin/python bench/eval_speed.py --quick --cases 50",
}
SERVE = re.compile(r"^\.venv/bin/policy serve\b(.*?)(#.*)?$")


def _blocks():
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M):
            lang, body = m.group(1), m.group(2)
            line = text[:m.start()].count("\n") + 1
            if lang in ("sh", "bash"):
                out.append((path, line, "sh", body))
            elif lang == "python":
                out.append((path, line, "python", body))
            elif lang in ("text", "console", ""):
                cmds = [ln[2:] for ln in body.splitlines() if ln.startswith("$ ")]
                if cmds:
                    out.append((path, line, "sh", "\n".join(cmds) + "\n"))
    return out


BLOCKS = _blocks()


@pytest.fixture(scope="module")
def scratches(tmp_path_factory):
    """One scratch directory per document (each is a reader's own session, in order), linking the repository."""
    made = {}

    def get(path: Path) -> Path:
        if path not in made:
            d = made[path] = tmp_path_factory.mktemp("docs-as-written")
            for entry in ROOT.iterdir():
                if entry.name != ".git":
                    (d / entry.name).symlink_to(entry)
        return made[path]
    return get


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(cwd: Path, args: str) -> None:
    """`policy serve` runs until stopped: start it, ask it for /policies, stop it."""
    port = _free_port()
    proc = subprocess.Popen(["bash", "-c", f".venv/bin/policy serve{args} --port {port}"], cwd=cwd, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/policies", timeout=2) as r:
                    assert r.status == 200
                    return
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "policy serve did not answer within 60 s"
                time.sleep(0.3)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


# Exit codes other than 0 that a command gives on purpose, and why.
EXIT = {
    "--reading raises_add_up_highest_only_capped=max_of_raises": (1, "the examples' expectations are written for "
                                                                     "the repository's reading; exit 1 says so"),
}
# Read-only commands that several documents give: run once.
ONCE = re.compile(r"^\.venv/bin/policy check\b")
_ran: set = set()


def _commands(body: str) -> list[tuple[str, str]]:
    """The block's commands as bash runs them, with the changes listed above; `policy serve` runs apart."""
    out = []
    for raw in body.splitlines():
        bare = raw.split("#", 1)[0].strip() if raw.lstrip().startswith(("make ", "#")) else raw.strip()
        if not bare or bare in NOT_RUN:
            continue
        m = SERVE.match(raw.strip())
        if m:
            out.append(("serve", m.group(1) or ""))
            continue
        for old, new in SMALLER.items():
            raw = raw.replace(old, new)
        out.append(("sh", raw))
    return out


@pytest.mark.parametrize("path, line, lang, body", BLOCKS,
                         ids=[f"{p.relative_to(ROOT)}:{n}" for p, n, _, _ in BLOCKS])
def test_the_sample_runs_as_written(scratches, path, line, lang, body):
    cwd = scratches(path)
    if lang == "python":
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", body], cwd=cwd, env=_env(),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.strip(), "the sample printed nothing"
        return
    for kind, cmd in _commands(body):
        if kind == "serve":
            _serve(cwd, cmd)
            continue
        if ONCE.match(cmd.strip()):
            if cmd.split("#", 1)[0].strip() in _ran:
                continue
            _ran.add(cmd.split("#", 1)[0].strip())
        want = next((code for key, (code, _) in EXIT.items() if key in cmd), 0)
        done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, env=_env(), capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == want, f"{path.name}:{line}: {cmd}\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}"


def test_the_samples_were_found():
    names = {p.relative_to(ROOT).as_posix() for p, *_ in BLOCKS}
    assert {"README.md", "docs/integration.md", "docs/guides/integrators.md", "docs/guides/auditors.md"} <= names
    assert sum(1 for *_, lang, _ in BLOCKS if lang == "python") >= 2


def test_no_doc_uses_a_bare_policy_command():
    """`make run` does not put `policy` on PATH: a sample says .venv/bin/policy."""
    for path, line, lang, body in BLOCKS:
        if lang == "sh":
            for ln in body.splitlines():
                assert not re.match(r"\s*policy\s", ln), f"{path.name}:{line}: {ln}"


def _python_block(name: str, marker: str) -> str:
    return next(b for p, _, lang, b in BLOCKS if p.name == name and lang == "python" and marker in b)


def test_the_digest_recipe_reproduces_the_rulings_digest(repo):
    body = _python_block("auditors.md", "hashlib")
    done = subprocess.run([sys.executable, "-c", body], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repo.digest


def test_the_python_api_sample_fails_loudly_where_the_file_is_not(tmp_path):
    body = _python_block("integrators.md", "evaluate_file")
    done = subprocess.run([sys.executable, "-c", body], cwd=tmp_path, env=_env(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert "examples/workers.yaml" in done.stderr and not done.stdout.strip()
