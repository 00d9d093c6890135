"""Citations beyond what loading checks (repository.py already refuses unknown clause, interpretation and erratum
ids, clause texts that are not verbatim lines of the source, and units or errata that are not verbatim parts of
their clause; the schemas require every policy to encode and every rule to cite at least one clause):

- quotes: a `text` or `quote` inside policy data (a band's cell "4-6年", …) is a verbatim part of the clause it
  rests on (the nearest `source`);
- orphans: every interpretation is relied on by some policy, rule or band bound. An erratum nobody relies on is
  fine: it records the text, not a choice.
"""
from __future__ import annotations

from .walk import all_versions, nearest_source, nodes

QUOTE_KEYS = ("text", "quote")


def check(repo, report) -> None:
    _quotes(repo, report)
    _orphans(repo, report)


def _quotes(repo, report) -> None:
    for versions in repo.policies.values():
        for v in versions:
            for path, node in nodes(v.data["data"], ("data",)):
                if not path or path[-1] not in QUOTE_KEYS or not isinstance(node, str):
                    continue
                ref = nearest_source(v.data, path[:-1])
                cit = repo.clauses.get(ref) if ref else None
                if cit is not None and node not in cit.text:
                    report.findings.append(v.doc.problem(path, f"'{node}' is not a verbatim part of clause {ref} "
                                                         f"({cit.title_en})", "quote_not_verbatim"))


def used_interpretations(repo) -> set:
    used = set()
    for v in all_versions(repo):
        used.update(v.data.get("interpretations", []))
        for rule in v.data.get("rules", []):
            used.update(rule.get("interpretations", []))
            used.update(n["interpretation"] for n in rule.get("notes", []))
        for path, node in nodes(v.data.get("data", {})):
            if path and path[-1] == "interpretation" and isinstance(node, str):
                used.add(node)
    for d in repo.delegations.values():  # a reading of what a city clause delegates, applied by the district layer
        used.update(d.data.get("interpretations", []))
    return used


def _orphans(repo, report) -> None:
    used = used_interpretations(repo)
    for iid, (it, doc, ipath) in repo.interpretations.items():
        if iid not in used:
            report.findings.append(doc.problem(ipath + ("id",), f"interpretation '{iid}' is relied on by no policy, "
                                               "rule or band bound: cite it where the reading is applied, or remove "
                                               "it", "unused_interpretation"))
