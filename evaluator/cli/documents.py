"""`policy clause ID [--as-of DATE]`, `policy show POLICY [--as-of DATE]`, `policy documents [--as-of DATE]`, and
`--proposal DIR` (a draft reform with its register entries, checked or shown as if adopted: a hypothetical state,
said on every output).

Exit 0 when shown, 2 when the id is unknown, the repository is broken or the proposal unusable.
"""
from __future__ import annotations

import datetime as dt
import difflib
import sys
from dataclasses import replace
from pathlib import Path

from .. import api
from ..engine import engines
from ..load.problems import PolicyInputError, Problem
from ..render.text import show, to_json
from ..repo import register, repository
from .common import err, refuse_broken


SHOWN = 10  # cases listed by `policy clause` in text


def _fail(message: str, code: str = "not_found") -> PolicyInputError:
    return PolicyInputError([Problem("policy", 0, 0, message, code)])


def add_proposal_arg(parser) -> None:
    parser.add_argument("--proposal", type=Path, default=None, metavar="DIR",
                        help="a draft reform (a directory with overlay.yaml, e.g. examples/reforms/benchmark-2200) "
                             "applied to a temporary copy, its documents taken as adopted: a hypothetical state")


def load_state(args):
    """The repository, or with --proposal the hypothetical state of a draft reform applied to it (said on stderr)."""
    base = (args.repo or api.default_repo()).resolve()
    proposal = getattr(args, "proposal", None)
    if proposal is None:
        return repository.load(base)
    from ..repo import snapshots  # (a bundle's code and tarfile: only for a draft)
    if not snapshots.is_overlay(proposal):
        raise _fail(f"--proposal {proposal}: not a draft reform (no overlay.yaml in it)", "unusable")
    try:
        root = snapshots.apply_overlay(base, proposal)
    except snapshots.SnapshotError as exc:
        raise _fail(str(exc), "unusable") from None
    assumed = snapshots.overlay_documents(proposal)
    err(f"HYPOTHETICAL: the draft {proposal} (NOT ADOPTED) applied to {base}"
        + (f", taking {', '.join(assumed)} as adopted on its proposed dates" if assumed else ""))
    repo = repository.load(root, assume_adopted=assumed)
    repo.problems[:] = shown_at(args, repo.problems)
    return repo


def shown_at(args, problems: list) -> list:
    """Problems of files a --proposal brings, shown at the draft's own files (not the temporary copy)."""
    proposal = getattr(args, "proposal", None)
    if proposal is None:
        return problems
    return [replace(p, path=str(proposal / p.path)) if (proposal / p.path).is_file() else p for p in problems]


def add_commands(sub, date_arg) -> None:
    c = sub.add_parser("clause", help="a clause by id: its text as of a date with its history, units, errata, "
                                      "where it is encoded, the readings and the cases that reach it")
    c.add_argument("clause_id", metavar="ID")
    c.add_argument("--as-of", type=date_arg, default=None, help="the text in force on this date (default today)")
    c.add_argument("--format", choices=["text", "json"], default="text")
    c.add_argument("--engine", choices=["durable", "reference"], default="durable")
    add_proposal_arg(c)
    s = sub.add_parser("show", help="the version of a policy or rule set in force on a date, readable")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("--as-of", type=date_arg, default=None, help="the version in force on this date (default today)")
    s.add_argument("--format", choices=["text", "json"], default="text")
    add_proposal_arg(s)
    d = sub.add_parser("documents", help="the register of source documents with their status on a date")
    d.add_argument("--as-of", type=date_arg, default=None, help="status on this date (default today)")
    d.add_argument("--format", choices=["text", "json"], default="text")
    add_proposal_arg(d)


def _broken(repo, command: str) -> bool:
    return refuse_broken(repo, f"policy {command}: the policy repository has {{n}} problem(s) (run `policy check`)")


def clause_record(repo, cid: str, day: dt.date, reaching=None) -> dict:
    from ..checks import clause_coverage as coverage
    cit = repo.clauses[cid]
    doc_id = register.document_of(cid)
    now = register.text_on(repo, cid, day)
    units = []
    for k in repo.clauses:
        if k.startswith(cid + ".") and repo.clauses[k].clause_id == cit.clause_id:
            ev = register.text_on(repo, k, day)
            units.append({"id": k, "title_en": repo.clauses[k].title_en, "text": ev.text if ev else None})
    where = coverage.encoded_by(repo).get(cit.clause_id, [])
    readings = [{"id": i, "question": it["question"]["en"], "reading": it["reading"]["code"]}
                for i, (it, _, _) in sorted(repo.interpretations.items())
                if any(repo.clauses.get(ref) and repo.clauses[ref].clause_id == cit.clause_id
                       for ref in it["clauses"])]
    return {
        "id": cid, "clause": cit.clause_id, "title_en": cit.title_en, "document": doc_id,
        "document_title": register.entry(repo, doc_id)["title"] if doc_id in repo.register else None,
        "document_status": register.status_on(repo, doc_id, day) if doc_id in repo.register else None,
        "as_of": day.isoformat(), "in_force": now is not None,
        "text": now.text if now else None, "text_as_published": cit.text,
        "history": [{"from": e.day.isoformat(), "status": e.status, "by": e.by, "relation": e.relation,
                     "text": e.text} for e in register.history(repo, cid)],
        "units": units, "where_file": f"{cit.doc.path}:{cit.doc.position(cit.json_path)[0]}",
        "errata": [dict(e, id=eid) for eid, (e, c, _, _) in sorted(repo.errata.items()) if c == cit.clause_id],
        "encoded_in": where, "readings": readings,
        "cases": [{"file": f, "case": c} for f, c in (reaching or {}).get(cit.clause_id, [])],
    }


def cmd_clause(args) -> int:
    from ..checks import clause_coverage as coverage
    repo = load_state(args)
    if _broken(repo, "clause"):
        return 2
    if args.clause_id not in repo.clauses:
        near = difflib.get_close_matches(args.clause_id, list(repo.clauses), n=3)
        raise _fail(f"no clause or unit '{args.clause_id}'" + (f"; did you mean {', '.join(near)}?" if near else
                                                              " (see docs/clause-ids.md)"))
    day = args.as_of or dt.date.today()
    rec = clause_record(repo, args.clause_id, day, coverage.cases_reaching(repo, engines.make(args.engine)))
    if args.format == "json":
        print(to_json(rec))
        return 0
    print(clause_text(rec, repo))
    return 0


def clause_text(rec: dict, repo) -> str:
    title = rec["document_title"]["zh"] if rec["document_title"] else rec["document"]
    status = register.STATUS_WORDS.get(rec["document_status"], "not registered")
    out = [f"{rec['id']} — {rec['title_en']}", f"  document: {rec['document']} 《{title}》 ({status} on {rec['as_of']})",
           f"  defined at {rec['where_file']}", "", f"Text in force on {rec['as_of']}:"]
    out += [f"  {ln}" for ln in (rec["text"] or "(not in force on this date)").split("\n")]
    if len(rec["history"]) > 1 or rec["history"] and rec["history"][0]["by"]:
        out += ["", "History:"]
        for h in rec["history"]:
            by = f" by {h['by']} ({h['relation']})" if h["by"] else " (as published)"
            out.append(f"  from {h['from']}: {h['status']}{by}")
    if rec["units"]:
        out += ["", "Units (as in force on that date):"]
        out += [f"  {u['id']}: {' '.join((u['text'] or '(not in force)').split())}" for u in rec["units"]]
    if rec["encoded_in"]:
        out += ["", "Encoded in:"] + [f"  {x}" for x in rec["encoded_in"]]
    if rec["errata"]:
        out += ["", "Errata (the text is kept as published):"]
        out += [f"  {e['id']}: 「{e['as_published']}」 reads 「{e['reading']}」 ({e['defect']})" for e in rec["errata"]]
    if rec["readings"]:
        out += ["", "Readings (interpretations/):"]
        out += [f"  {r['id']} ({r['reading']}): {r['question']}" for r in rec["readings"]]
    out += ["", f"Cases that reach it: {len(rec['cases'])}"]
    out += [f"  {c['file']} {c['case']}" for c in rec["cases"][:SHOWN]]
    if len(rec["cases"]) > SHOWN:
        out.append(f"  … and {len(rec['cases']) - SHOWN} more (--format json lists them all)")
    return "\n".join(out)


def cmd_show(args) -> int:
    repo = load_state(args)
    if _broken(repo, "show"):
        return 2
    tables = {**repo.policies, **repo.rulesets}
    if args.policy not in tables:
        near = difflib.get_close_matches(args.policy, list(tables), n=1)
        raise _fail(f"no policy or rule set '{args.policy}'" + (f"; did you mean '{near[0]}'?" if near else
                                                                f"; known: {', '.join(sorted(tables))}"))
    day = args.as_of or dt.date.today()
    table = repo.policies if args.policy in repo.policies else repo.rulesets
    try:
        v = repo.version_in_force(args.policy, day, table)
    except LookupError as exc:
        raise _fail(str(exc), "not_in_force") from None
    if args.format == "json":
        print(to_json({"as_of": day.isoformat(), "id": v.id, "version": v.version, "file": v.doc.path,
                       "status": register.version_status(v, day), "digest": repo.digest, "content": v.data}))
        return 0
    d = v.data
    out = [f"{v.id} v{v.version} — {d['title']['zh']} / {d['title']['en']}",
           f"  in force on {day}: from {v.effective_from}" + (f" to {v.effective_to}" if v.effective_to else ""),
           f"  enacted by: {register.enacting_words(repo, v, day)}", f"  file: {v.doc.path}",
           f"  encodes: {', '.join(d['encodes'])}"]
    if d.get("interpretations"):
        out.append(f"  readings: {', '.join(d['interpretations'])}")
    for n in d.get("notes", []):
        out.append(f"  note: {n['zh']} / {n['en']}")
    out += ["", "Data:" if v.kind == "policy" else "Rules:"]
    out += _readable(d["data"] if v.kind == "policy" else d["rules"], "  ")
    print("\n".join(out))
    return 0


def _readable(obj, indent: str) -> list[str]:
    """Nested data as indented lines, a flat row on one line."""
    out = []
    if isinstance(obj, dict):
        for k, val in obj.items():
            if isinstance(val, (dict, list)) and not _flat(val):
                out.append(f"{indent}{k}:")
                out += _readable(val, indent + "  ")
            else:
                out.append(f"{indent}{k}: {_inline(val)}")
    elif isinstance(obj, list):
        for item in obj:
            if _flat(item):
                out.append(f"{indent}- {_inline(item)}")
            else:
                sub = _readable(item, indent + "  ")
                out += [f"{indent}- {sub[0].strip()}"] + sub[1:] if sub else [f"{indent}-"]
    return out


def _flat(val) -> bool:
    if isinstance(val, dict):
        return all(not isinstance(x, (dict, list)) for x in val.values()) and len(val) <= 6
    if isinstance(val, list):
        return all(not isinstance(x, (dict, list)) for x in val)
    return True


def _inline(val) -> str:
    if isinstance(val, dict):
        return ", ".join(f"{k}: {_inline(x)}" for k, x in val.items())
    if isinstance(val, list):
        return "[" + ", ".join(_inline(x) for x in val) + "]"
    return "null" if val is None else show(val)


def cmd_documents(args) -> int:
    repo = load_state(args)
    if _broken(repo, "documents"):
        return 2
    day = args.as_of or dt.date.today()
    rows = []
    for doc_id, (e, doc) in sorted(repo.register.items()):
        rows.append({"id": doc_id, "title": e["title"], "issuer": e["issuer"], "number": e["number"],
                     "issued": e["issued"], "in_force_from": e["in_force_from"], "in_force_to": e.get("in_force_to"),
                     "recorded_status": e["status"], "status": register.status_on(repo, doc_id, day),
                     "file": doc.path})
    if args.format == "json":
        print(to_json({"as_of": day.isoformat(), "documents": rows}))
        return 0
    print(f"Documents as of {day.isoformat()}")
    for r in rows:
        span = f"{r['in_force_from']} – {r['in_force_to'] or '…'}"
        print(f"  {r['id']:<12} {span:<25} {register.STATUS_WORDS[r['status']]:<28} {r['title']['zh']}")
    sys.stdout.flush()
    return 0


COMMANDS = {"clause": cmd_clause, "show": cmd_show, "documents": cmd_documents}
