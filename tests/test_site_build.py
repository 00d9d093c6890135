"""`mkdocs build --strict` on an edited copy of the repository: the built page follows the YAML, and a broken
anchor fails the build."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .conftest import ROOT, edit


def _build(root, out):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=root, env=env, capture_output=True, text=True)


def _site_copy(repo_copy):
    shutil.copy(ROOT / "mkdocs.yml", repo_copy / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", repo_copy / "docs")
    (repo_copy / "evaluator").symlink_to(ROOT / "evaluator")  # the hook's path in mkdocs.yml
    return repo_copy


def test_built_page_follows_a_changed_figure_and_a_broken_anchor_fails(repo_copy, tmp_path):
    root = _site_copy(repo_copy)
    edit(root / "policies/workforce.salary_table/2019-01-01.yaml",
         "      coefficient: 1.15\n      base_pay: 2300", "      coefficient: 1.15\n      base_pay: 2350")
    proc = _build(root, tmp_path / "a")
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (tmp_path / "a/clauses/workforce.annex.salary-table.html").read_text(encoding="utf-8")
    assert "<td>2350</td>" in html and "<td>2300</td>" not in html
    # the district layer's pages build in the strict build: the areas index with its register, a page per area
    xixia = (tmp_path / "a/areas/xixia.html").read_text(encoding="utf-8")
    assert "EXAMPLE — NOT ADOPTED" in xixia and "HYPOTHETICAL" not in xixia
    assert "逾期" in (tmp_path / "a/areas/index.html").read_text(encoding="utf-8")
    assert all((tmp_path / f"a/areas/{a}.html").is_file() for a in ("xingqing", "jinfeng", "yongning", "helan",
                                                                       "lingwu"))

    (root / "docs/guides/drafters.md").write_text("# x\n\n[y](../clauses/index.md#no-such-anchor)\n", encoding="utf-8")
    proc = _build(root, tmp_path / "b")
    assert proc.returncode != 0 and "no-such-anchor" in proc.stderr
