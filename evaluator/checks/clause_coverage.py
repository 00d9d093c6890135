"""Clause coverage: is every clause of the three documents encoded, or marked with why it is not?

A clause is *encoded* when a policy or rule set cites it or one of its units (envelope `encodes`, clause references
inside policy data, rule `cites`): computed from the repository, never declared. Every other clause must have an
entry in coverage/*.yaml (schema: schemas/coverage.schema.json) saying why it is not encoded, or that its encoding
is `pending` (planned work). `policy check` fails on a clause with neither, and on an entry that contradicts the
repository (its clause is encoded after all, or does not exist).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..load.problems import PolicyInputError, Problem
from ..repo.repository import walk_refs
from ..load.validation import validate
from ..load.yaml_strict import load_file
from . import decidable_units, quoted_force

COVERAGE_DIR = "coverage"


@dataclass
class Row:
    clause: str
    kind: str
    status: str  # encoded | pending | not_encoded | unaccounted
    reason: str | None = None
    note: str | None = None
    encoded_by: list = field(default_factory=list)  # "policy-or-ruleset@version" (with "#rule" for rules)
    cases: int | None = None  # test cases whose ruling cites the clause or one of its units; None when not counted
    units_not_cited: list = field(default_factory=list)  # of an encoded clause: units no policy or rule cites
    units_excused: dict = field(default_factory=dict)  # of an encoded clause: unit id -> "reason: note" (coverage/)


def encoded_by(repo, cited: set | None = None) -> dict:
    """Clause id -> sorted list of the policy and rule versions citing it or one of its units.

    `cited`, when given, receives every clause or unit id cited as such."""
    out = defaultdict(set)
    cited = set() if cited is None else cited

    def cite(ref, where):
        cit = repo.clauses.get(ref)
        if cit is not None:
            out[cit.clause_id].add(where)
            cited.add(ref)

    for table in (repo.policies, repo.rulesets):
        for versions in table.values():
            for v in versions:
                where = f"{v.id}@{v.version}"
                for ref in v.data["encodes"]:
                    cite(ref, where)
                if v.kind == "policy":
                    for _, ref in walk_refs(v.data["data"]):
                        cite(ref, where)
                else:
                    for rule in v.data["rules"]:
                        for ref in rule["cites"]:
                            cite(ref, f"{where}#{rule['id']}")
    for (area, term), sups in repo.supplements.items():  # an area's clauses, encoded by its supplements
        for s in sups:
            for _, ref in walk_refs(s.data["data"]):
                cite(ref, f"supplements/{area}/{term}@{s.version}")
    return {k: sorted(v) for k, v in out.items()}


def clauses_in_order(repo) -> list[tuple[str, str, object, tuple]]:
    """(clause id, kind, Document, json path of the clause) for every clause, in document order."""
    out = []
    for doc in repo.documents.values():
        for i, c in enumerate(doc.data["clauses"]):
            out.append((c["id"], c["kind"], doc, ("clauses", i)))
    return out


def load_entries(repo) -> tuple[dict, list[Problem]]:
    """Clause id -> (entry, Document, json path) from coverage/*.yaml, and the problems of those files."""
    entries, _units, _signals, problems = load_all(repo)
    return entries, problems


def load_all(repo) -> tuple[dict, dict, tuple | None, list[Problem]]:
    """The clause entries (as load_entries), the unit entries (unit ref -> (entry, Document, json path)), the
    decidable signals ((signals dict, Document) or None) of coverage/*.yaml, and the problems of those files."""
    entries, units, signals, problems = {}, {}, None, []
    base = repo.root / COVERAGE_DIR
    paths = sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml")) if base.is_dir() else []
    for path in paths:
        try:
            doc = load_file(path, repo.rel(path))
        except PolicyInputError as exc:
            problems += exc.problems
            continue
        errs = validate(doc, repo.schema_dir, "coverage")
        problems += errs
        if errs:
            continue
        if "signals" in doc.data:
            if signals is not None:
                problems.append(doc.problem(("signals",), f"signals are already given in {signals[1].path}",
                                            "duplicate_id", key=True))
            else:
                signals = (doc.data["signals"], doc)
        for i, e in enumerate(doc.data.get("units", [])):
            units.setdefault(e["unit"], (e, doc, ("units", i)))
        for i, e in enumerate(doc.data.get("clauses", [])):
            epath = ("clauses", i)
            ref = e["clause"]
            if ref in entries:
                _, other, opath = entries[ref]
                problems.append(doc.problem(epath + ("clause",), f"clause '{ref}' already has an entry at "
                                            f"{other.path}:{other.position(opath)[0]}", "duplicate_id"))
                continue
            cit = repo.clauses.get(ref)
            if cit is None:
                problems.append(doc.problem(epath + ("clause",), f"'{ref}' is not a clause of the clause store",
                                            "unknown_clause"))
                continue
            if cit.clause_id != ref:
                problems.append(doc.problem(epath + ("clause",), f"'{ref}' is a unit of clause '{cit.clause_id}'; "
                                            "coverage is recorded per clause", "unknown_clause"))
                continue
            entries[ref] = (e, doc, epath)
    return entries, units, signals, problems


def compute(repo, case_counts: dict | None = None) -> tuple[list[Row], list[Problem]]:
    """One row per clause, in document order, and every coverage problem (each at file:line:col)."""
    cited: set = set()
    by = encoded_by(repo, cited)
    entries, unit_entries, signals, problems = load_all(repo)
    problems += decidable_units.check(repo, cited, by, entries, unit_entries, signals)
    problems += quoted_force.check(repo, signals)
    rows = []
    for cid, kind, doc, cpath in clauses_in_order(repo):
        units = [u["id"] for u in doc.data["clauses"][cpath[1]].get("units", [])]
        entry = entries.get(cid)
        row = Row(cid, kind, "unaccounted", encoded_by=by.get(cid, []),
                  cases=None if case_counts is None else case_counts.get(cid, 0))
        if row.encoded_by:
            row.status = "encoded"
            if cid not in cited:
                row.units_not_cited = [u for u in units if f"{cid}.{u}" not in cited
                                       and f"{cid}.{u}" not in unit_entries]
            row.units_excused = {u: f"{unit_entries[f'{cid}.{u}'][0]['reason']}: {unit_entries[f'{cid}.{u}'][0]['note']}"
                                 for u in units if f"{cid}.{u}" in unit_entries}
            if entry:
                e, edoc, epath = entry
                problems.append(edoc.problem(epath + ("status",), f"clause '{cid}' is marked {e['status']} but is "
                                             f"encoded by {', '.join(row.encoded_by)}: remove its entry",
                                             "stale_entry"))
        elif entry:
            e = entry[0]
            row.status, row.reason, row.note = e["status"], e["reason"], e["note"]
        else:
            problems.append(doc.problem(cpath + ("id",), f"clause '{cid}' is neither encoded (cited by a policy or "
                                        f"rule) nor marked in {COVERAGE_DIR}/ with why it is not", "unaccounted"))
        rows.append(row)
    return rows, problems


def case_counts(repo, engine) -> dict:
    """Clause id -> number of test and example cases whose ruling's trace cites it or one of its units."""
    return {cid: len(cases) for cid, cases in cases_reaching(repo, engine).items()}


def cases_reaching(repo, engine) -> dict:
    """Clause id -> [(case file, case id)] of the test and example cases whose ruling's trace cites it or one of
    its units."""
    from .. import api  # late: api imports the evaluator stack

    out = defaultdict(list)
    for path in api.case_files_of(repo):
        for r in api.evaluate_file(repo, path, engine, display_path=repo.rel(path)).rulings:
            cited = {repo.clauses[c["id"]].clause_id for t in r.get("trace", []) for c in t["clauses"]}
            for cid in sorted(cited):
                out[cid].append((repo.rel(path), r.get("id")))
    return dict(out)


def summary(rows: list[Row]) -> dict:
    by_status = Counter(r.status for r in rows)
    reasons = Counter(r.reason for r in rows if r.status == "not_encoded")
    out = {"clauses": len(rows), **{s: by_status.get(s, 0) for s in ("encoded", "pending", "not_encoded",
                                                                        "unaccounted")},
           "not_encoded_by_reason": dict(sorted(reasons.items()))}
    if rows and rows[0].cases is not None:
        out["encoded_reached_by_cases"] = sum(1 for r in rows if r.status == "encoded" and r.cases)
    return out


def render_text(rows: list[Row], problems: list[Problem], shown: list[Row] | None = None) -> str:
    """The coverage table (of `shown`, default all rows) and the summary of all rows, for people."""
    shown = rows if shown is None else shown
    width = max(len(r.clause) for r in rows) if rows else 10
    out = [f"{'clause':<{width}}  {'kind':<10} {'status':<12} {'cases':>5}  where encoded / why not"]
    for r in shown:
        cases = "-" if r.cases is None else str(r.cases)
        where = ", ".join(r.encoded_by) + (f" (units not cited: {', '.join(r.units_not_cited)})"
                                           if r.units_not_cited else "") + (
            f" (units excused: {'; '.join(f'{u}, {why}' for u, why in r.units_excused.items())})"
            if r.units_excused else "") if r.status == "encoded" else (
            f"{r.reason}: {r.note}" if r.reason else "UNACCOUNTED FOR: neither encoded nor marked")
        out.append(f"{r.clause:<{width}}  {r.kind:<10} {r.status:<12} {cases:>5}  {where}")
    s = summary(rows)
    out.append("")
    reasons = ", ".join(f"{k} {v}" for k, v in s["not_encoded_by_reason"].items())
    out.append(f"{s['clauses']} clauses: {s['encoded']} encoded, {s['pending']} pending, {s['not_encoded']} not "
               f"encoded ({reasons}), {s['unaccounted']} unaccounted for")
    if "encoded_reached_by_cases" in s:
        out.append(f"{s['encoded_reached_by_cases']} of {s['encoded']} encoded clauses are reached by a test or "
                   "example case")
    if problems:
        out.append(f"{len(problems)} coverage problem(s): see the errors")
    return "\n".join(out)
