"""The shape of the package (docs/architecture.md): the stage contracts of pyproject.toml hold and catch a
wrong-way import; no private name crosses a module; modules stay small; the top of evaluator/ is the package's face."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evaluator"
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True))")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LINT], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_stage_contracts_hold():
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_a_wrong_way_import_breaks_the_contracts(tmp_path):
    """The loader importing the CLI (a lower stage reaching up) is refused, naming the import."""
    shutil.copytree(PACKAGE, tmp_path / "evaluator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    problems = tmp_path / "evaluator" / "load" / "problems.py"
    problems.write_text(problems.read_text(encoding="utf-8") + "\nfrom ..cli import main  # planted\n",
                        encoding="utf-8")
    run = _lint(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout and "evaluator.load.problems -> evaluator.cli.main" in run.stdout


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_no_private_name_is_imported_from_another_module():
    crossing = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("evaluator")):
                crossing += [f"{path.relative_to(ROOT)}:{node.lineno} {a.name}" for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__")]
    assert not crossing, crossing


def test_modules_stay_small_and_the_top_is_the_face():
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert not long, long
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 12, top
