"""mkdocs hooks (named in mkdocs.yml): generate the pages from the repository next to mkdocs.yml at build time.

on_config loads and indexes the repository once and expands each generated section of the nav; on_files adds the
generated pages (File.generated: nothing is written into docs/); on_page_markdown fills the markers of hand-written
pages. A repository with problems fails the build: the site never documents rules the evaluator would refuse.
"""
# mkdocs loads this file by its path, not as part of the package: its imports must be absolute.
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from evaluator import api
from evaluator import docsite as site
from evaluator.repo import repository, snapshots, supplements

_built: dict = {}


def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    repo, hypothetical = _state(root)
    if repo.problems:
        raise PluginError("the repository has problems (run `policy check`):\n" + "\n".join(map(str, repo.problems)))
    model = site.build(repo, build_date=_build_date(), hypothetical=hypothetical)
    _built["model"] = model
    _built["pages"] = site.pages(model)
    sections = site.nav_sections(model)
    if config.nav:
        config.nav = _expand(config.nav, sections)
        extra = _unlisted(config.nav, Path(config.docs_dir))
        if extra:  # a guide added without a nav entry is still reachable
            config.nav.append({"其他文档 More": extra})
    return config


def _build_date() -> dt.date | None:
    """POLICY_SITE_DATE=YYYY-MM-DD fixes the date every status is computed for (default: today)."""
    text = os.environ.get("POLICY_SITE_DATE")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PluginError(f"POLICY_SITE_DATE={text!r} is not a real date (YYYY-MM-DD)") from None


def _state(root: Path):
    """The repository; with POLICY_PROPOSAL=DIR a draft reform applied to it as if adopted; with
    POLICY_ASSUME_ADOPTED=AREA_OR_DOC[,…] the documents NOT ADOPTED it names (e.g. xixia: the district's examples)
    taken as adopted. Either way a hypothetical state: every page says so. Never the default."""
    proposal = os.environ.get("POLICY_PROPOSAL")
    names = [n.strip() for n in os.environ.get("POLICY_ASSUME_ADOPTED", "").split(",") if n.strip()]
    if names and proposal:
        raise PluginError("give POLICY_PROPOSAL or POLICY_ASSUME_ADOPTED, not both")
    if names:
        repo = api.load(root)
        if repo.problems:
            return repo, ""
        try:
            docs = supplements.assumable(repo, names)
        except ValueError as exc:
            raise PluginError(f"POLICY_ASSUME_ADOPTED: {exc}") from None
        return repository.load(root, assume_adopted=docs), site.ASSUMED + ", ".join(docs)
    if not proposal:
        return api.load(root), ""
    path = (root / proposal).resolve()
    if not snapshots.is_overlay(path):
        raise PluginError(f"POLICY_PROPOSAL={proposal}: not a draft reform (no overlay.yaml)")
    state = snapshots.apply_overlay(root, path)
    return repository.load(state, assume_adopted=snapshots.overlay_documents(path)), proposal


def _listed(nav) -> set:
    out = set()
    for item in nav:
        if isinstance(item, dict):
            for target in item.values():
                out |= _listed(target) if isinstance(target, list) else {target}
        elif isinstance(item, list):
            out |= _listed(item)
        else:
            out.add(item)
    return out


def _unlisted(nav, docs_dir: Path) -> list:
    listed = _listed(nav)
    return sorted(str(p.relative_to(docs_dir)) for p in docs_dir.rglob("*.md") if str(p.relative_to(docs_dir))
                  not in listed)


def _expand(nav, sections):
    """A nav entry naming a generated section's index page becomes the whole section."""
    out = []
    for item in nav:
        if isinstance(item, dict):
            (title, target), = item.items()
            if isinstance(target, str) and target in sections:
                out.append({title: sections[target]})
            elif isinstance(target, list):
                out.append({title: _expand(target, sections)})
            else:
                out.append(item)
        else:
            out.extend(sections[item]) if item in sections else out.append(item)
    return out


def on_files(files, config):
    for path, text in _built["pages"].items():
        files.append(File.generated(config, path, content=text))
    return files


def on_page_markdown(markdown, page, config, files):
    return site.fill(markdown, _built["model"], page.file.src_uri)
