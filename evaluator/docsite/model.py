"""What the generated pages are made from: the loaded repository indexed by clause, and every case file of the
repository evaluated through the public API, so a page can show the cases that reach its clause."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import api
from ..checks import clause_coverage as coverage
from ..cases import files as case_files
from ..load.problems import PolicyInputError
from ..repo import manifest
from ..repo.repository import walk_refs


@dataclass
class Worked:
    """One case of a case file with its ruling (or its errors)."""

    file: str  # path relative to the repository
    case_id: str
    case: object | None  # evaluator.cases.Case, None when the case could not be used
    ruling: dict

    @property
    def ok(self) -> bool:
        return "results" in self.ruling


@dataclass
class Model:
    repo: object
    clauses: list = field(default_factory=list)  # (document code, clause dict) in the documents' order
    encoders: dict = field(default_factory=dict)  # clause id -> {(kind, id): [(Version, where)]}
    not_encoded: dict = field(default_factory=dict)  # clause id -> coverage entry {status, reason, note}
    units_excused: dict = field(default_factory=dict)  # unit id -> coverage entry (coverage/ `units:`)
    interpretations: dict = field(default_factory=dict)  # clause id -> [interpretation id]
    case_files: dict = field(default_factory=dict)  # relative path -> [Worked]
    reaches: dict = field(default_factory=dict)  # clause id -> [Worked], examples/ first
    build_date: dt.date = field(default_factory=dt.date.today)  # every status on the site is computed for this day
    hypothetical: str = ""  # the draft reform applied (NOT ADOPTED), when the site shows a hypothetical state

    def clause_of(self, ref: str) -> str:
        """The clause a clause or unit id belongs to."""
        cit = self.repo.clauses.get(ref)
        return cit.clause_id if cit else ref

    def versions(self, kind: str, pid: str) -> list:
        return (self.repo.policies if kind == "policy" else self.repo.rulesets)[pid]


def build(repo, engine: str = "durable", build_date: dt.date | None = None, hypothetical: str = "") -> Model:
    """Index a repository for its pages; one with problems is refused, as the evaluator refuses to rule from it.
    Statuses are computed for `build_date` (default today), which the pages name."""
    if repo.problems:
        raise PolicyInputError(list(repo.problems))
    m = Model(repo, hypothetical=hypothetical)
    if build_date is not None:
        m.build_date = build_date
    for code, doc in repo.documents.items():
        for c in doc.data["clauses"]:
            m.clauses.append((code, c))
    _index_encoders(m)
    entries, units, _signals, _problems = coverage.load_all(repo)
    m.not_encoded = {ref: e for ref, (e, _doc, _path) in entries.items()}
    m.units_excused = {ref: e for ref, (e, _doc, _path) in units.items()}
    for it, _doc, _path in repo.interpretations.values():
        for ref in it["clauses"]:
            m.interpretations.setdefault(m.clause_of(ref), []).append(it["id"])
    _evaluate_cases(m, engine)
    return m


def _add(m: Model, ref: str, v, where: str) -> None:
    per = m.encoders.setdefault(m.clause_of(ref), {})
    rows = per.setdefault((v.kind, v.id), [])
    if (v, where) not in rows:
        rows.append((v, where))


def _index_encoders(m: Model) -> None:
    for table in (m.repo.policies, m.repo.rulesets):
        for versions in table.values():
            for v in versions:
                for ref in v.data["encodes"]:
                    _add(m, ref, v, ref)
                if v.kind == "policy":
                    for path, ref in walk_refs(v.data["data"]):
                        _add(m, ref, v, ref)
                else:
                    for rule in v.data["rules"]:
                        for ref in rule["cites"]:
                            _add(m, ref, v, ref)


def _evaluate_cases(m: Model, engine: str) -> None:
    repo = m.repo
    paths = api.case_files_of(repo)
    if repo.assumed_adopted:  # a hypothetical site also shows the rulings only that state gives
        paths += api.case_files_of(repo, (manifest.ASSUMED_CASES,), skip=())
    for path in paths:
        rel = repo.rel(path)
        try:
            loaded = {c.id: c for c in case_files.load(path, repo.schema_dir, display_path=rel).cases}
        except PolicyInputError:
            loaded = {}
        outcome = api.evaluate_file(repo, path, engine, display_path=rel)
        worked = []
        for r in outcome.rulings:
            cid = r.get("id") or r.get("file", rel)
            worked.append(Worked(rel, cid, loaded.get(cid), r))
        m.case_files[rel] = worked
    # Examples first: they are written to be read; test cases follow in file order.
    order = sorted(m.case_files, key=lambda p: (not p.startswith("examples/"), p))
    for rel in order:
        for w in m.case_files[rel]:
            if not w.ok:
                continue
            seen = set()
            for t in w.ruling["trace"]:
                for c in t["clauses"]:
                    seen.add(m.clause_of(c["id"]))
            for n in w.ruling["notes"]:
                for ref in n.get("clauses", []):
                    seen.add(m.clause_of(ref))
            for cid in seen:
                m.reaches.setdefault(cid, []).append(w)
