"""The documentation site, generated from the repository's files.

`pages(repo)` returns every generated page as {path inside docs/: Markdown}; `nav_sections(model)` the navigation of
the generated sections; `fill(markdown, model, page)` replaces the markers of hand-written pages with generated
content. The mkdocs hook (hook.py) calls these at build time; nothing generated is written into docs/.
"""
from __future__ import annotations

import posixpath
import re

from . import annex_lists, areas, clause_pages, documents as doc_pages, examples, reference, registers
from .home import documents
from .model import Model, build

ASSUMED = doc_pages.ASSUMED


def pages(model: Model) -> dict[str, str]:
    out = {"clauses/index.md": clause_pages.index_page(model)}
    ordered = [(code, c) for code, c in model.clauses]
    for i, (code, c) in enumerate(ordered):
        prev = ordered[i - 1][1] if i > 0 else None
        nxt = ordered[i + 1][1] if i + 1 < len(ordered) else None
        out[clause_pages.md.clause_page(c["id"])] = clause_pages.page(model, code, c, (prev, nxt))
    out["policies/index.md"] = registers.policies_index(model)
    for kind, table in (("policy", model.repo.policies), ("rules", model.repo.rulesets)):
        for pid in table:
            out[clause_pages.md.policy_page(pid)] = registers.policy_page(model, kind, pid)
    out[doc_pages.PAGE] = doc_pages.register_page(model)
    out["registers/interpretations.md"] = registers.interpretations_page(model)
    out["registers/errata.md"] = registers.errata_page(model)
    out["registers/coverage.md"] = registers.coverage_page(model)
    out["registers/glossary.md"] = registers.glossary_page(model)
    out.update(annex_lists.annex_pages(model))
    out["examples/index.md"] = examples.index_page(model)
    out[areas.INDEX] = areas.index_page(model)
    for area in areas.supplements.AREAS:
        out[areas.area_page_path(area)] = areas.area_page(model, area)
    for rel in model.case_files:
        out[clause_pages.md.case_file_page(rel)] = examples.file_page(model, rel)
    out["reference/index.md"] = reference.index_page(model.repo)
    out["reference/cli.md"] = reference.cli_page()
    for name in reference.schema_names(model.repo):
        out[reference.schema_page_path(name)] = reference.schema_page(model.repo, name)
    top = doc_pages.banner(model)
    return {k: top + v for k, v in out.items()} if top else out


def nav_sections(model: Model) -> dict[str, list]:
    """Navigation of each generated section, keyed by the section's index page (which mkdocs.yml names)."""
    pol = ["policies/index.md"] + [
        {f"{vs[-1].data['title']['zh']} {pid}": clause_pages.md.policy_page(pid)}
        for table in (model.repo.policies, model.repo.rulesets) for pid, vs in sorted(table.items())]
    return {
        "clauses/index.md": clause_pages.nav(model),
        "policies/index.md": pol,
        "examples/index.md": examples.nav(model),
        areas.INDEX: [areas.INDEX] + [{f"{zh} {area}": areas.area_page_path(area)}
                                      for area, (zh, _) in areas.supplements.AREAS.items()],
        "reference/index.md": reference.nav(model.repo),
    }


MARKERS = {"<!-- generated: documents -->": documents}
_LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def fill(markdown: str, model: Model, page: str) -> str:
    """A hand-written page with its markers filled, and its links to repository files (which read well on a code
    host) pointed at the pages generated from those files."""
    for marker, render in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, render(model, page))
    top = doc_pages.banner(model)
    if top and not markdown.startswith(top):  # hand-written pages of a hypothetical site say so too
        markdown = top + markdown
    return _LINK.sub(lambda m: _repo_link(m, model, page), markdown)


def _repo_link(m, model: Model, page: str) -> str:
    target, anchor = m.group(1), m.group(2) or ""
    if "://" in target:
        return m.group(0)
    inside = posixpath.normpath(posixpath.join("docs", posixpath.dirname(page), target))
    page_for = None
    if inside.startswith("schemas/") and inside.endswith(".schema.json"):
        page_for = reference.schema_page_path(inside[len("schemas/"):-len(".schema.json")])
    elif inside.startswith(("policies/", "rules/")) and inside.count("/") >= 1:
        pid = inside.split("/")[1]
        if pid in model.repo.policies or pid in model.repo.rulesets:
            page_for = clause_pages.md.policy_page(pid)
    elif inside.startswith("clauses/") and inside.endswith(".yaml"):
        page_for, anchor = "clauses/index.md", "#" + inside[len("clauses/"):-len(".yaml")]
    elif inside.startswith("interpretations/"):
        page_for = "registers/interpretations.md"
    elif inside in model.case_files:
        page_for = clause_pages.md.case_file_page(inside)
    if page_for is None:
        return m.group(0)
    return f"]({clause_pages.md.rel(page, page_for)}{anchor})"


__all__ = ["Model", "build", "pages", "nav_sections", "fill"]
