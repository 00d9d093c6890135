"""The documented Python API works as written: the package exports and the integrators' guide example."""
from __future__ import annotations

import contextlib
import io
import os
import re

import evaluator

from .conftest import ROOT


def test_package_exports_the_api():
    repo = evaluator.load()
    out = evaluator.evaluate_data(repo, {"id": "a", "kind": "worker", "as_of": "2024-07-01",
                                         "facts": {"post": "deputy", "years_of_service": 7}}, "reference")
    assert isinstance(out, evaluator.FileOutcome)
    assert out.rulings[0]["results"]["salary.base_pay"] == 2800
    assert evaluator.evaluate_file(repo, ROOT / "examples/workers.yaml").failed == 0


def test_integrators_guide_example_runs():
    text = (ROOT / "docs/guides/integrators.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(block, "integrators.md", "exec"), {})
            except SystemExit as done:  # the example exits with the CLI's exit code
                assert done.code == 0, done.code
    finally:
        os.chdir(cwd)
    lines = out.getvalue().splitlines()
    assert lines and all(re.fullmatch(r"\S+ \d+ sha256:[0-9a-f]{64}", ln) for ln in lines)
