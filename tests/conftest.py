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
DATA_DIRS = ("sources", "clauses", "interpretations", "policies", "rules", "schemas", "examples", "tests/cases",
             "coverage")

# Property-based tests are deterministic in CI: derandomized (the seed comes from the test), no example database,
# no deadline (a 2-core CI machine is slow at times); each test fixes its own number of examples.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("ci")


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
