"""How `make` picks its Python and builds .venv (scripts/venv.sh), with stand-in interpreters on a bare PATH: the first
supported version found or PYTHON=, a clear message naming the versions otherwise, the venv rebuilt when the
interpreter changes, and durable-rules built with the define 3.13 needs (README, Python versions)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from .conftest import ROOT

SCRIPT = ROOT / "scripts/venv.sh"
DURABLE_PIN = next(d for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
                   if d.startswith("durable-rules=="))
pytestmark = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")


def fake_python(path: Path, version: str, prefix: str) -> Path:
    """A stand-in interpreter answering the questions scripts/venv.sh asks, and making a venv of stand-ins whose
    pip writes its arguments and CPPFLAGS to $PIPLOG."""
    major, minor = version.split(".")[:2]
    path.write_text(f"""#!/bin/sh
case "$*" in
  *'version_info[:2]'*) echo {major}.{minor} ;;
  *'version_info >='*) [ {minor} -ge 13 ] && echo True || echo False ;;
  *base_prefix*) echo "{version} {prefix}" ;;
  '-m venv '*) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && cp "$(dirname "$0")/pip.stub" "$3/bin/pip" ;;
  *durable_rules_engine*) exit 0 ;;
  *) exit 2 ;;
esac
""")
    path.chmod(0o755)
    pip = path.parent / "pip.stub"
    pip.write_text('#!/bin/sh\necho "CPPFLAGS=${CPPFLAGS:-} $*" >> "$PIPLOG"\n')
    pip.chmod(0o755)
    return path


def broken(path: Path) -> Path:
    """Like a pyenv shim of a version not selected: on PATH, but exits non-zero."""
    path.write_text("#!/bin/sh\necho \"pyenv: $(basename \"$0\"): command not found\" >&2\nexit 127\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare(tmp_path):
    """A bin directory that is the whole PATH (plus the shell's own tools), a project dir, and a runner."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("sh", "cat", "rm", "mkdir", "cp", "dirname", "grep", "tr", "sed", "touch", "head", "basename"):
        found = shutil.which(tool)
        if found:
            (bindir / tool).symlink_to(found)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    os.utime(project / "pyproject.toml", (1e9, 1e9))  # older than any venv built in the test
    log = tmp_path / "pip.log"

    def run(*args, python=None):
        env = {"PATH": str(bindir), "PIPLOG": str(log), "HOME": str(tmp_path)}
        if python:
            env["PYTHON"] = python
        proc = subprocess.run(["sh", str(SCRIPT), *args], cwd=project, env=env, capture_output=True, text=True,
                              timeout=30)
        return proc.returncode, proc.stdout.strip(), proc.stderr.strip()

    run.bin, run.project, run.log = bindir, project, log
    return run


def test_the_first_supported_python_that_runs_is_picked(bare):
    broken(bare.bin / "python3.11")
    fake_python(bare.bin / "python3.12", "3.12.1", "/opt/py312")
    fake_python(bare.bin / "python3.13", "3.13.0", "/opt/py313")
    assert bare("which") == (0, "python3.12", "")
    fake_python(bare.bin / "python3.11", "3.11.7", "/opt/py311")
    assert bare("which") == (0, "python3.11", "")


def test_python3_counts_only_when_its_version_is_supported(bare):
    fake_python(bare.bin / "python3", "3.10.13", "/opt/py310")
    code, out, err = bare("which")
    assert code == 1 and out == ""
    assert err == ("make: no supported Python found: this project needs Python 3.11, 3.12 or 3.13 (tried python3.11 "
                   "python3.12 python3.13 python3 on PATH). Install one, or run make PYTHON=/path/to/python3.X")
    fake_python(bare.bin / "python3", "3.13.0", "/opt/py313")
    assert bare("which") == (0, "python3", "")


def test_python_given_is_used_or_refused_by_name(bare):
    fake_python(bare.bin / "python3.11", "3.11.7", "/opt/py311")
    fake_python(bare.bin / "python3.13", "3.13.0", "/opt/py313")
    assert bare("which", python="python3.13") == (0, "python3.13", "")
    fake_python(bare.bin / "python3.10", "3.10.13", "/opt/py310")
    assert bare("which", python="python3.10")[2] == ("make: PYTHON=python3.10 is Python 3.10; this project supports "
                                                     "Python 3.11, 3.12 or 3.13 (see README, Python versions).")
    assert bare("which", python="python3.9")[2] == ("make: PYTHON=python3.9: not found. Supported: Python 3.11, "
                                                    "3.12 or 3.13.")
    broken(bare.bin / "python3.12")
    code, _, err = bare("which", python="python3.12")
    assert code == 1 and err.startswith("make: PYTHON=python3.12 does not run (pyenv: python3.12: command not found)")


def pip_calls(bare) -> list[str]:
    return bare.log.read_text().splitlines() if bare.log.exists() else []


def test_the_venv_is_rebuilt_when_the_interpreter_changes_and_durable_gets_the_313_define(bare):
    fake_python(bare.bin / "python3.11", "3.11.7", "/opt/py311")
    fake_python(bare.bin / "python3.13", "3.13.0", "/opt/py313")
    assert bare("build", "venv", "test")[0] == 0
    assert pip_calls(bare) == ["CPPFLAGS= install --quiet --upgrade pip", "CPPFLAGS= install --quiet -e .[test]"]
    (bare.project / "venv/mine").write_text("")

    bare.log.unlink()
    assert bare("build", "venv", "test") == (0, "", "")  # same interpreter, nothing changed: nothing done
    assert pip_calls(bare) == []

    code, out, _ = bare("build", "venv", "test", python="python3.13")
    assert code == 0 and out.startswith("make: venv is Python 3.11.7 /opt/py311; rebuilding it for Python 3.13.0")
    assert not (bare.project / "venv/mine").exists()
    assert pip_calls(bare) == [
        "CPPFLAGS= install --quiet --upgrade pip",
        "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject  install --quiet --no-cache-dir " + DURABLE_PIN,
        "CPPFLAGS= install --quiet -e .[test]"]


def test_a_changed_pyproject_reinstalls_into_the_same_venv(bare):
    fake_python(bare.bin / "python3.12", "3.12.1", "/opt/py312")
    assert bare("build", "venv", "test")[0] == 0
    (bare.project / "venv/mine").write_text("")
    os.utime(bare.project / "pyproject.toml")  # edited now: newer than the venv
    bare.log.unlink()
    assert bare("build", "venv", "test,docs")[0] == 0
    assert (bare.project / "venv/mine").exists()
    assert pip_calls(bare) == ["CPPFLAGS= install --quiet --upgrade pip", "CPPFLAGS= install --quiet -e .[test,docs]"]
