"""The register of source documents (sources/register/<id>.yaml): each official text with its issuer, number, dates,
status and published text, its clause file, the amendments between clauses, and the consolidated text of a clause
as of a date (现行有效文本, a point-in-time view as legislation.gov.uk and the Dutch BWB give).

Loaded by repository.load; every problem is positioned at file:line:col. The format is described in
docs/register.md. A document whose recorded status is draft_not_adopted is never in force, except in a
hypothetical state (`policy diff` / `policy check --proposal` on a draft) that names it in `assumed_adopted`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import manifest
from ..load.problems import PolicyInputError
from ..load.yaml_strict import read_bounded

RELATIONS = ("amends", "replaces", "repeals", "adds")
STATUS_WORDS = {"in_force": "现行有效 in force", "amended": "已修改 in force as amended",
                "repealed": "已废止 repealed", "not_yet_in_force": "尚未施行 not yet in force",
                "draft_not_adopted": "草案 未通过 NOT ADOPTED", "expired": "已失效 expired",
                "hypothetical": "假设施行 hypothetically adopted (NOT ADOPTED)"}


@dataclass(frozen=True)
class Relation:
    """One amendment: clause `by` (of document `document`) does `relation` to clause `target` from `day`."""

    relation: str
    by: str
    target: str
    day: dt.date
    old: str | None
    new: str | None
    doc: object  # the Document of the amending clause file
    json_path: tuple

    @property
    def document(self) -> str:
        return document_of(self.by)


@dataclass(frozen=True)
class Event:
    """One step of a clause's history: the text from `day` on, and what changed it."""

    day: dt.date
    status: str  # original, amended, replaced, repealed, added
    text: str | None
    by: str | None  # the amending clause, None for the text as first published
    relation: str | None


def document_of(clause_id: str) -> str:
    return clause_id.split(".", 1)[0]


def parent_of(clause_id: str, repo) -> str:
    return repo.clauses[clause_id].clause_id if clause_id in repo.clauses else clause_id


def entry(repo, doc_id: str) -> dict | None:
    hit = repo.register.get(doc_id)
    return hit[0] if hit else None


def _date(text) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def period(repo, doc_id: str) -> tuple[dt.date, dt.date | None] | None:
    """The days a document is in force (from, to or None), or None when it never is (a draft not adopted)."""
    e = entry(repo, doc_id)
    if e is None:
        return None
    if e["status"] == "draft_not_adopted" and doc_id not in repo.assumed_adopted:
        return None
    return _date(e["in_force_from"]), _date(e.get("in_force_to"))


def in_force_throughout(repo, doc_id: str, start: dt.date, end: dt.date | None) -> bool:
    span = period(repo, doc_id)
    if span is None:
        return False
    lo, hi = span
    return lo <= start and (hi is None or (end is not None and end <= hi))


def in_force_on(repo, doc_id: str, day: dt.date) -> bool:
    return in_force_throughout(repo, doc_id, day, day)


def status_on(repo, doc_id: str, day: dt.date) -> str:
    """The status of a document on a day, computed from its dates and the amendments in force then."""
    e = entry(repo, doc_id)
    if e["status"] == "draft_not_adopted":
        if doc_id not in repo.assumed_adopted:
            return "draft_not_adopted"
        if not in_force_on(repo, doc_id, day):
            return "not_yet_in_force" if day < _date(e["in_force_from"]) else "expired"
        return "hypothetical"
    lo, hi = period(repo, doc_id)
    if day < lo:
        return "not_yet_in_force"
    if hi is not None and day > hi:
        return "repealed" if e["status"] == "repealed" else "expired"
    if any(document_of(r.target) == doc_id and r.day <= day and in_force_on(repo, r.document, day)
           for r in repo.relations):
        return "amended"
    return "in_force"


def history(repo, clause_id: str) -> list[Event]:
    """Every text a clause or unit has had, in order, from its document's first day: the amendments of documents
    in force (or assumed adopted) applied one after another on their days."""
    cit = repo.clauses.get(clause_id)
    if cit is None:
        return []
    span = period(repo, document_of(clause_id))
    own = repo.relations_by_clause.get(clause_id)
    if own is not None and own.relation == "adds":
        first = Event(own.day, "added", cit.text, own.by, "adds")
    elif span is not None:
        first = Event(span[0], "original", cit.text, None, None)
    else:
        return []
    events, text = [first], cit.text
    unit = clause_id[len(cit.clause_id) + 1:] if clause_id != cit.clause_id else None
    for r in sorted(repo.relations, key=lambda r: (r.day, r.by)):
        if period(repo, r.document) is None:
            continue
        touches = r.target in (clause_id, cit.clause_id) or parent_of(r.target, repo) == clause_id
        if not touches or r.relation == "adds" or text is None:
            continue
        if r.relation == "amends":
            if r.old not in text:
                continue
            text = text.replace(r.old, r.new)
            events.append(Event(r.day, "amended", text, r.by, r.relation))
        elif r.relation == "repeals" and r.target in (clause_id, cit.clause_id):
            text = None
            events.append(Event(r.day, "repealed", None, r.by, r.relation))
        elif r.relation == "replaces" and r.target in (clause_id, cit.clause_id):
            key = r.by if unit is None or r.target == clause_id else f"{r.by}.{unit}"
            text = repo.clauses[key].text if key in repo.clauses else None
            events.append(Event(r.day, "replaced" if text is not None else "repealed", text, r.by, r.relation))
    return events


def text_on(repo, clause_id: str, day: dt.date) -> Event | None:
    """The consolidated text of a clause on a day (the last event on or before it, while its document is in
    force), or None when the clause is not in force then."""
    if not in_force_on(repo, document_of(clause_id), day):
        return None
    current = None
    for ev in history(repo, clause_id):
        if ev.day <= day:
            current = ev
    return current if current is not None and current.text is not None else None


def version_status(v, day: dt.date) -> str:
    """The status of a policy or rule-set version on a day, from its dates (what the site and `policy versions`
    show): draft, repealed, not_yet_in_force, superseded (its period has ended) or in_force."""
    if v.status in ("draft", "repealed"):
        return v.status
    if day < v.effective_from:
        return "not_yet_in_force"
    if v.effective_to is not None and day > v.effective_to:
        return "superseded"
    return "in_force"


VERSION_STATUS_WORDS = {"draft": "草案 draft", "repealed": "已废止 repealed", "not_yet_in_force": "尚未生效 not yet in force",
                        "superseded": "已被取代 superseded", "in_force": "现行有效 in force"}


def enacting_words(repo, v, day: dt.date) -> str:
    """The version's enacting documents with their status on a day, e.g. `workforce (现行有效 in force)`."""
    out = []
    for doc_id in v.data.get("enacted_by", []):
        out.append(f"{doc_id} ({STATUS_WORDS[status_on(repo, doc_id, day)]})" if doc_id in repo.register
                   else f"{doc_id} (not registered)")
    return ", ".join(out)


# -- loading and checks ----------------------------------------------------------------------------------------

def index(repo, docs) -> None:
    """Index the register entries (already schema-valid) and check them against the files they name."""
    for doc in docs:
        e = doc.data
        stem = doc.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if stem != e["id"]:
            repo.problems.append(doc.problem(("id",), f"register entry '{e['id']}' must be in a file named "
                                             f"'{e['id']}.yaml', not '{stem}'", "misplaced"))
        if e["id"] in repo.register:
            repo.problems.append(doc.problem(("id",), f"document '{e['id']}' is registered twice (also "
                                             f"{repo.register[e['id']][1].path})", "duplicate_id"))
            continue
        repo.register[e["id"]] = (e, doc)
        start, end = _date(e["in_force_from"]), _date(e.get("in_force_to"))
        if end is not None and end < start:
            repo.problems.append(doc.problem(("in_force_to",), "in_force_to is before in_force_from", "bad_period"))
        if _date(e["issued"]) > start and e["status"] != "draft_not_adopted":
            repo.problems.append(doc.problem(("in_force_from",), f"in force from {start}, before it was issued "
                                             f"({e['issued']})", "bad_period"))
        _check_text(repo, doc, e)


def _check_text(repo, doc, e) -> None:
    path = repo.root / e["published"]["text"]
    if not path.is_file():
        repo.problems.append(doc.problem(("published", "text"), f"the published text '{e['published']['text']}' "
                                         "does not exist", "missing_source"))
        return
    try:
        raw = read_bounded(path, e["published"]["text"])  # bounded like every file read
    except PolicyInputError as exc:
        repo.problems.append(doc.problem(("published", "text"), f"the published text: {exc.problems[0].message}",
                                         exc.problems[0].code))
        return
    have = manifest.file_hash(e["published"]["text"], raw)
    if have != e["published"]["sha256"]:
        repo.problems.append(doc.problem(("published", "sha256"), f"the text {e['published']['text']} has SHA-256 "
                                         f"{have}, not the {e['published']['sha256']} registered: the text is not "
                                         "the one published", "hash_mismatch"))


def check_links(repo) -> None:
    """Clause files and register entries name each other; issued_with exists; relations are sound."""
    for code, cdoc in repo.documents.items():
        if code not in repo.register:
            repo.problems.append(cdoc.problem(("document",), f"document '{code}' has no register entry "
                                              f"(sources/register/{code}.yaml)", "unregistered_document"))
    for doc_id, (e, doc) in repo.register.items():
        cdoc = repo.documents.get(doc_id)
        if cdoc is None or cdoc.path != e["clauses"]:
            repo.problems.append(doc.problem(("clauses",), f"'{e['clauses']}' is not the clause file of document "
                                             f"'{doc_id}'" + (f" (that is {cdoc.path})" if cdoc else ""),
                                             "unknown_clause_file"))
        elif cdoc.data["source"] != e["published"]["text"]:
            repo.problems.append(cdoc.problem(("source",), f"the clauses are checked against '{cdoc.data['source']}'"
                                              f" but the register publishes '{e['published']['text']}'",
                                              "source_mismatch"))
        if "issued_with" in e and e["issued_with"] not in repo.register:
            repo.problems.append(doc.problem(("issued_with",), f"names document '{e['issued_with']}', which the "
                                             "register does not hold", "unknown_document"))
    for r in repo.relations:
        _check_relation(repo, r)


def collect_relations(repo, doc) -> None:
    """The relations of the clauses of one (schema-valid) clause file, dated by its register entry."""
    e = entry(repo, doc.data["document"])
    if e is None:
        return
    for i, c in enumerate(doc.data["clauses"]):
        for j, a in enumerate(c.get("amends", [])):
            r = Relation(a["relation"], c["id"], a["target"], _date(e["in_force_from"]), a.get("old"), a.get("new"),
                         doc, ("clauses", i, "amends", j))
            repo.relations.append(r)
            if r.relation == "adds":
                repo.relations_by_clause[c["id"]] = r


def _check_relation(repo, r: Relation) -> None:
    def bad(msg, code="bad_relation", field="target"):
        repo.problems.append(r.doc.problem(r.json_path + (field,), msg, code))

    if r.target not in repo.clauses:
        return bad(f"{r.relation} clause '{r.target}', which the clause store does not define", "unknown_clause")
    if document_of(r.target) == r.document:
        return bad(f"clause '{r.by}' {r.relation} '{r.target}' of its own document: a document amends others")
    words = repo.clauses[r.by].text
    if r.relation == "amends":
        for field, quoted in (("old", r.old), ("new", r.new)):
            if quoted not in words:
                bad(f"'{quoted}' is not quoted in the words of clause '{r.by}': an amendment states the words it "
                    "changes", "not_verbatim", field)
        before = text_before(repo, r)
        if before is not None and r.old not in before:
            bad(f"'{r.old}' does not occur in clause '{r.target}' as it reads on {r.day}: nothing to amend",
                "not_verbatim", "old")
    target_span = period(repo, document_of(r.target))
    if target_span is not None and period(repo, r.document) is not None and r.day < target_span[0]:
        bad(f"{r.relation} '{r.target}' from {r.day}, before its document is in force ({target_span[0]})",
            "bad_period")


def text_before(repo, r: Relation) -> str | None:
    """The target's text the day before an amendment takes effect (its published text if never in force)."""
    ev = text_on(repo, r.target, r.day - dt.timedelta(days=1))
    return ev.text if ev is not None else repo.clauses[r.target].text


def check_versions(repo) -> None:
    """Every version names enacting documents in force on all its days, and cites only clauses in force then."""
    for table in (repo.policies, repo.rulesets):
        for versions in table.values():
            for v in versions:
                if v.status == "draft":
                    continue
                _check_version(repo, v)


def cited(v) -> list[tuple[tuple, str]]:
    from .repository import walk_refs  # the walk of clause references lives with the repository's loading

    d = v.data
    out = [(("encodes", i), ref) for i, ref in enumerate(d["encodes"])]
    if v.kind == "policy":
        out += list(walk_refs(d["data"], ("data",)))
    else:
        out += [(("rules", i, "cites", j), ref) for i, rule in enumerate(d["rules"])
                for j, ref in enumerate(rule["cites"])]
    return out


def _when(v) -> str:
    return f"from {v.effective_from}" + (f" to {v.effective_to}" if v.effective_to else " on (open-ended)")


def _check_version(repo, v) -> None:
    for i, doc_id in enumerate(v.data["enacted_by"]):
        e = entry(repo, doc_id)
        if e is None:
            repo.problems.append(v.doc.problem(("enacted_by", i), f"enacted by document '{doc_id}', which the "
                                               "register (sources/register/) does not hold", "unknown_document"))
        elif not in_force_throughout(repo, doc_id, v.effective_from, v.effective_to):
            repo.problems.append(v.doc.problem(("enacted_by", i), f"enacted by '{doc_id}', which is not in force "
                                               f"on every day of version {v.version} ({_when(v)}): "
                                               f"{_span_words(repo, doc_id)}", "document_not_in_force"))
    for path, ref in cited(v):
        if ref not in repo.clauses:
            continue  # reported as unknown_clause
        doc_id = document_of(ref)
        if entry(repo, doc_id) is None:
            continue  # reported as unregistered_document
        if not in_force_throughout(repo, doc_id, v.effective_from, v.effective_to):
            repo.problems.append(v.doc.problem(path, f"cites '{ref}' of document '{doc_id}', which is not in force "
                                               f"on every day of version {v.version} ({_when(v)}): "
                                               f"{_span_words(repo, doc_id)}", "clause_not_in_force"))
        elif text_on(repo, ref, v.effective_from) is None:
            repo.problems.append(v.doc.problem(path, f"cites '{ref}', which is repealed on {v.effective_from}",
                                               "clause_not_in_force"))


def _span_words(repo, doc_id: str) -> str:
    e = entry(repo, doc_id)
    if e["status"] == "draft_not_adopted" and doc_id not in repo.assumed_adopted:
        return "it is a draft, NOT ADOPTED"
    return f"it is in force from {e['in_force_from']}" + (f" to {e['in_force_to']}" if e.get("in_force_to") else "")
