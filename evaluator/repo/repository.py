"""Loading the policy repository: clauses, interpretations, policies and rules, each file parsed and validated once.

`load(root)` returns a Repository whose `problems` list holds everything wrong with it (schema errors and broken
cross-references, each at file:line:col). The evaluator refuses to rule from a repository with problems.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from . import access_lists, manifest, register, supplements, table_shape
from ..engine import conditions
from ..cases import catalogue
from ..load.doc_cache import DocCache
from ..load.problems import PolicyInputError, Problem
from ..load.yaml_strict import Document

# What the repository holds, and the schema each directory's files follow.
LAYOUT = (
    ("clauses", "clauses"),
    ("interpretations", "interpretations"),
    ("policies", "policy"),
    ("rules", "rules"),
    ("delegations", "delegations"),
    ("supplements", "supplement"),
)
DIGESTED_DIRS = manifest.CONTENT_DIRS


@dataclass(frozen=True)
class Citation:
    """A clause or a unit of a clause: its id, verbatim text and where it is defined."""

    id: str
    text: str
    clause_id: str
    title_en: str
    doc: Document
    json_path: tuple


@dataclass
class Version:
    """One version of one policy or rule set, as loaded from its file."""

    id: str
    version: int
    status: str
    effective_from: dt.date
    effective_to: dt.date | None
    data: dict
    doc: Document
    kind: str  # "policy" or "rules"

    def in_force_on(self, day: dt.date) -> bool:
        if self.status == "draft":
            return False
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def position(self, *json_path) -> tuple[str, int, int]:
        line, col = self.doc.position(json_path)
        return self.doc.path, line, col


@dataclass
class Repository:
    root: Path
    schema_dir: Path
    clauses: dict = field(default_factory=dict)  # id -> Citation (clauses and their units)
    documents: dict = field(default_factory=dict)  # document code -> Document of its clause file
    errata: dict = field(default_factory=dict)  # id -> (erratum dict, clause id, Document, json path)
    interpretations: dict = field(default_factory=dict)  # id -> (interpretation dict, Document, json path)
    policies: dict = field(default_factory=dict)  # id -> [Version]
    rulesets: dict = field(default_factory=dict)  # id -> [Version]
    compiled_rules: dict = field(default_factory=dict)  # (id, version) -> [conditions.Rule]
    problems: list = field(default_factory=list)
    files: list = field(default_factory=list)  # relative paths of every file digested
    digest: str = ""
    register: dict = field(default_factory=dict)  # document id -> (register entry, Document)
    relations: list = field(default_factory=list)  # [register.Relation] between clauses of documents
    relations_by_clause: dict = field(default_factory=dict)  # added clause id -> its `adds` Relation
    delegations: dict = field(default_factory=dict)  # term -> supplements.Delegation (what the city delegates)
    supplements: dict = field(default_factory=dict)  # (area, term) -> [supplements.Supplement], by date
    assumed_adopted: frozenset = frozenset()  # drafts taken as adopted in a hypothetical state (policy diff)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- selection by date -------------------------------------------------------------------------------------
    def version_in_force(self, policy_id: str, day: dt.date, table: dict | None = None) -> Version:
        versions = (table if table is not None else self.policies).get(policy_id)
        # Remembered per policy and day, for the very version list it was found in (a list replaced or grown is
        # looked up again): a ruling asks for the same policies on the same day many times over.
        memo = self.__dict__.get("_in_force_memo")
        if memo is None:
            memo = self.__dict__["_in_force_memo"] = {}
        hit = memo.get((policy_id, day))
        if hit is not None and hit[0] is versions and hit[1] == len(versions):
            return hit[2]
        found = self._version_in_force(policy_id, day, versions)
        if len(memo) > 65536:
            memo.clear()
        memo[(policy_id, day)] = (versions, len(versions), found)
        return found

    def _version_in_force(self, policy_id: str, day: dt.date, versions) -> Version:
        if not versions:
            raise LookupError(f"the repository has no policy '{policy_id}'")
        live = [v for v in versions if v.in_force_on(day)]
        if not live:
            spans = ", ".join(
                f"version {v.version} ({v.status}) from {v.effective_from}"
                + (f" to {v.effective_to}" if v.effective_to else "")
                for v in versions
            )
            raise LookupError(f"no version of '{policy_id}' is in force on {day.isoformat()} (it has: {spans})")
        if len(live) > 1:
            raise LookupError(
                f"{len(live)} versions of '{policy_id}' are in force on {day.isoformat()}: "
                + ", ".join(str(v.version) for v in live)
            )
        return live[0]

    def rulesets_in_force(self, case_kind: str, day: dt.date) -> list[Version]:
        # Remembered per kind and day as version_in_force is, for the very table of rule sets (a table replaced or
        # grown is looked at again); a copy of the list is given, so that no caller changes what is remembered.
        memo = self.__dict__.get("_rulesets_memo")
        if memo is None:
            memo = self.__dict__["_rulesets_memo"] = {}
        hit = memo.get((case_kind, day))
        if hit is not None and hit[0] is self.rulesets and hit[1] == len(self.rulesets):
            return list(hit[2])
        found = self._rulesets_in_force(case_kind, day)
        if len(memo) > 65536:
            memo.clear()
        memo[(case_kind, day)] = (self.rulesets, len(self.rulesets), tuple(found))
        return found

    def _rulesets_in_force(self, case_kind: str, day: dt.date) -> list[Version]:
        out = []
        for rid in sorted(self.rulesets):
            if self.rulesets[rid][0].data.get("case_kind") != case_kind:
                continue
            out.append(self.version_in_force(rid, day, self.rulesets))
        return out

    def cite(self, ref: str) -> Citation:
        return self.clauses[ref]


def _date(text) -> dt.date:
    return dt.date.fromisoformat(text)


def _files(root: Path, sub: str) -> list[Path]:
    base = root / sub
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


REGISTER_DIR = "sources/register"


def load(root: Path | str, assume_adopted=(), cache: bool = True) -> Repository:
    """Load and check the repository at root. `assume_adopted` names draft documents (status draft_not_adopted)
    to treat as adopted on their proposed dates: a hypothetical state, for `policy diff` and `policy check
    --proposal` on a draft, never for rulings from the repository itself. `cache`: read back and keep its files'
    checked data (load/doc_cache.py); off for a tree made for one run (a bundle unpacked, a git revision, a
    draft's copy), whose cache would never be read again."""
    root = Path(root).resolve()
    repo = Repository(root=root, schema_dir=root / "schemas", assumed_adopted=frozenset(assume_adopted))
    if not (repo.schema_dir / "policy.schema.json").exists():
        raise PolicyInputError([Problem(str(root), 0, 0, "not a policy repository: schemas/ is missing", "not_found")])
    docs: dict[str, list[Document]] = {}
    # each file parsed and validated once, then read back from the cache (load/doc_cache.py)
    store = DocCache(root, repo.schema_dir, enabled=cache)
    for sub, schema in ((REGISTER_DIR, "register"),) + LAYOUT:
        docs[sub] = []
        for path in _files(root, sub):
            try:
                doc, errs = store.checked(path, repo.rel(path), repo.schema_dir, schema)
            except PolicyInputError as exc:
                repo.problems.extend(exc.problems)
                continue
            repo.problems.extend(errs)
            if not errs:
                docs[sub].append(doc)
    store.save()
    register.index(repo, docs[REGISTER_DIR])
    _index_clauses(repo, docs["clauses"])
    for doc in docs["clauses"]:
        register.collect_relations(repo, doc)
    _index_interpretations(repo, docs["interpretations"])
    _index_versions(repo, docs["policies"], repo.policies, "policy")
    _index_versions(repo, docs["rules"], repo.rulesets, "rules")
    _check_references(repo)
    supplements.index(repo, docs["delegations"], docs["supplements"])
    register.check_links(repo)
    register.check_versions(repo)
    repo.problems.extend(access_lists.check(repo))
    repo.problems.extend(table_shape.check(repo))
    _compile_rules(repo)
    repo.digest = _digest(repo)
    return repo


def _index_clauses(repo: Repository, docs: list[Document]) -> None:
    for doc in docs:
        d = doc.data
        repo.documents[d["document"]] = doc
        source_path = repo.root / d["source"]
        source_lines = None
        if source_path.is_file():
            source_lines = [ln.strip() for ln in source_path.read_text(encoding="utf-8").splitlines()]
        else:
            repo.problems.append(doc.problem(("source",), f"the source file '{d['source']}' does not exist",
                                             "missing_source"))
        cursor = 0
        for i, c in enumerate(d["clauses"]):
            cpath = ("clauses", i)
            if not c["id"].startswith(d["document"] + "."):
                repo.problems.append(doc.problem(cpath + ("id",), f"clause id '{c['id']}' does not start with "
                                                 f"the document code '{d['document']}.'", "bad_id"))
            _add_citation(repo, Citation(c["id"], c["text"], c["id"], c["title_en"], doc, cpath + ("text",)))
            if source_lines is not None:
                cursor = _check_verbatim(repo, doc, cpath, c["text"], source_lines, cursor)
            for j, u in enumerate(c.get("units", [])):
                upath = cpath + ("units", j)
                uid = f"{c['id']}.{u['id']}"
                if u["text"] not in c["text"]:
                    repo.problems.append(doc.problem(upath + ("text",), f"unit '{uid}' is not a verbatim part of "
                                                     f"the text of clause '{c['id']}'", "not_verbatim"))
                _add_citation(repo, Citation(uid, u["text"], c["id"], u.get("title_en", c["title_en"]), doc,
                                             upath + ("text",)))
            for j, e in enumerate(c.get("errata", [])):
                epath = cpath + ("errata", j)
                if e["as_published"] not in c["text"]:
                    repo.problems.append(doc.problem(epath + ("as_published",), f"erratum '{e['id']}': "
                                                     f"'{e['as_published']}' does not occur in clause '{c['id']}'",
                                                     "not_verbatim"))
                if e["id"] in repo.errata:
                    repo.problems.append(doc.problem(epath + ("id",), f"erratum id '{e['id']}' is used twice",
                                                     "duplicate_id"))
                repo.errata[e["id"]] = (e, c["id"], doc, epath)


def _add_citation(repo: Repository, cit: Citation) -> None:
    if cit.id in repo.clauses:
        prev = repo.clauses[cit.id]
        line, _ = prev.doc.position(prev.json_path)
        repo.problems.append(cit.doc.problem(cit.json_path, f"clause id '{cit.id}' is already defined at "
                                             f"{prev.doc.path}:{line}", "duplicate_id"))
        return
    repo.clauses[cit.id] = cit


def _check_verbatim(repo, doc, cpath, text, source_lines, cursor) -> int:
    """Every line of a clause is a line of the source, in order, after the previous clause's lines."""
    for n, line in enumerate(text.split("\n")):
        try:
            cursor = source_lines.index(line.strip(), cursor) + 1
        except ValueError:
            repo.problems.append(doc.problem(cpath + ("text",), f"line {n + 1} of the clause text is not a "
                                             f"verbatim line of the source (after the previous clause): "
                                             f"{line[:40]!r}", "not_verbatim"))
    return cursor


def _index_interpretations(repo: Repository, docs: list[Document]) -> None:
    for doc in docs:
        for i, it in enumerate(doc.data["interpretations"]):
            ipath = ("interpretations", i)
            if it["id"] in repo.interpretations:
                repo.problems.append(doc.problem(ipath + ("id",), f"interpretation id '{it['id']}' is used twice",
                                                 "duplicate_id"))
            repo.interpretations[it["id"]] = (it, doc, ipath)


def _index_versions(repo: Repository, docs: list[Document], table: dict, kind: str) -> None:
    for doc in docs:
        d = doc.data
        eff_to = _date(d["effective_to"]) if "effective_to" in d else None
        v = Version(d["id"], d["version"], d["status"], _date(d["effective_from"]), eff_to, d, doc, kind)
        expected_dir = d["id"]
        parent = Path(doc.path).parent.name
        if parent != expected_dir:
            repo.problems.append(doc.problem(("id",), f"{kind} '{d['id']}' must live in a directory named "
                                             f"'{expected_dir}/', not '{parent}/'", "misplaced"))
        if eff_to and eff_to < v.effective_from:
            repo.problems.append(doc.problem(("effective_to",), "effective_to is before effective_from",
                                             "bad_period"))
        others = table.setdefault(d["id"], [])
        for o in others:
            if o.version == v.version:
                repo.problems.append(doc.problem(("version",), f"version {v.version} of '{v.id}' is also "
                                                 f"defined in {o.doc.path}", "duplicate_id"))
        others.append(v)
    for versions in table.values():
        versions.sort(key=lambda v: (v.effective_from, v.version))


def walk_refs(obj, path=()):
    """Yield (json path, clause ref) for every clause reference inside policy data."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if (k == "source" or k.endswith("_source") or k == "basis") and isinstance(v, str):
                yield path + (k,), v
            else:
                yield from walk_refs(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk_refs(v, path + (i,))


def _check_references(repo: Repository) -> None:
    def need_clause(doc, path, ref):
        if ref not in repo.clauses:
            repo.problems.append(doc.problem(path, f"cites clause '{ref}', which the clause store does not define",
                                             "unknown_clause"))

    def need_interp(doc, path, ref):
        if ref not in repo.interpretations:
            repo.problems.append(doc.problem(path, f"names interpretation '{ref}', which is not defined in "
                                             "interpretations/", "unknown_interpretation"))

    for it, doc, ipath in repo.interpretations.values():
        for i, ref in enumerate(it["clauses"]):
            need_clause(doc, ipath + ("clauses", i), ref)
    for table in (repo.policies, repo.rulesets):
        for versions in table.values():
            for v in versions:
                d, doc = v.data, v.doc
                for i, ref in enumerate(d["encodes"]):
                    need_clause(doc, ("encodes", i), ref)
                for i, ref in enumerate(d.get("interpretations", [])):
                    need_interp(doc, ("interpretations", i), ref)
                for i, ref in enumerate(d.get("errata", [])):
                    if ref not in repo.errata:
                        repo.problems.append(doc.problem(("errata", i), f"names erratum '{ref}', which no clause "
                                                         "records", "unknown_erratum"))
                if v.kind == "policy":
                    for path, ref in walk_refs(d["data"], ("data",)):
                        need_clause(doc, path, ref)
                else:
                    for i, rule in enumerate(d["rules"]):
                        for j, ref in enumerate(rule["cites"]):
                            need_clause(doc, ("rules", i, "cites", j), ref)
                        for j, ref in enumerate(rule.get("interpretations", [])):
                            need_interp(doc, ("rules", i, "interpretations", j), ref)
                        for j, note in enumerate(rule.get("notes", [])):
                            need_interp(doc, ("rules", i, "notes", j, "interpretation"), note["interpretation"])


def _compile_rules(repo: Repository) -> None:
    fact_types = catalogue.fact_types(repo.schema_dir)
    for versions in repo.rulesets.values():
        for v in versions:
            rules, problems = conditions.parse_ruleset(v, fact_types.get(v.data["case_kind"], {}))
            repo.problems.extend(problems)
            repo.compiled_rules[(v.id, v.version)] = rules


def _digest(repo: Repository) -> str:
    """The revision of the repository's manifest (see manifest.py): the same digest its signed bundle carries."""
    versions = [v for table in (repo.policies, repo.rulesets) for vs in table.values() for v in vs]
    m = manifest.build(repo.root, versions)
    repo.files = [f["name"] for f in m["files"]]
    return manifest.revision(m)
