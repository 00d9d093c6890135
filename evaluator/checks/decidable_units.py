"""Decidable units left out: a unit of the clause store whose words could decide a case — a modal word (必须, 不得,
原则上, 不超过…) or a figure — must be cited by a policy or rule, or excused with why in coverage/ (`units:`), or sit
in a clause that coverage/ marks as not encoded as a whole.

What counts as a modal word or a figure is data: the `signals` of a coverage file (schemas/coverage.schema.json),
never a list in Python. A compound that holds a modal word without being one (相应 holds 应) is listed under
`not_modal` and removed before matching. An entry that contradicts the repository (its unit is cited after all,
is not a unit, or sits in a clause excused as a whole) is a problem too: an excuse must stay true.
"""
from __future__ import annotations

import re

from ..load.problems import Problem

CODE = "uncited_decidable_unit"


def signals_in(text: str, signals: dict) -> list[str]:
    """The modal words and figures of `text` (in that order), after removing the compounds that are not modal."""
    for compound in sorted(signals["not_modal"], key=len, reverse=True):
        text = text.replace(compound, "\u3000" * len(compound))
    words = [w for w in signals["modal_words"] if w in text]
    return words + re.findall(signals["figure"], text)


def check(repo, cited: set, encoded_by: dict, clause_entries: dict, unit_entries: dict,
          signals: tuple | None) -> list[Problem]:
    """Problems: decidable units neither cited nor excused, and unit entries that are not true of the repository.

    `cited` holds every clause or unit id a policy or rule cites as such, `encoded_by` the clauses encoded,
    `clause_entries` / `unit_entries` the coverage entries by id, `signals` (dict, Document) or None."""
    problems = []
    if signals is None:
        return problems
    sig, sdoc = signals
    try:
        re.compile(sig["figure"])
    except re.error as exc:
        return [sdoc.problem(("signals", "figure"), f"not a regular expression: {exc}", "invalid")]
    for ref, (e, edoc, epath) in unit_entries.items():
        cit = repo.clauses.get(ref)
        where = epath + ("unit",)
        if cit is None or cit.clause_id == ref:
            problems.append(edoc.problem(where, f"'{ref}' is not a unit of the clause store", "unknown_clause"))
        elif ref in cited:
            problems.append(edoc.problem(where, f"unit '{ref}' is marked {e['status']} but a policy or rule cites "
                                         "it: remove its entry", "stale_entry"))
        elif cit.clause_id in clause_entries:
            problems.append(edoc.problem(where, f"unit '{ref}' is in clause '{cit.clause_id}', which coverage/ "
                                         "already marks as not encoded as a whole: remove the unit's entry",
                                         "stale_entry"))
    for doc in repo.documents.values():
        for i, c in enumerate(doc.data["clauses"]):
            if c["id"] in clause_entries:
                continue
            for j, u in enumerate(c.get("units", [])):
                ref = f"{c['id']}.{u['id']}"
                if ref in cited or ref in unit_entries:
                    continue
                found = signals_in(u["text"], sig)
                if not found:
                    continue
                by = encoded_by.get(c["id"])
                context = (f"its clause is encoded by {', '.join(by)}, but not this unit" if by else
                           "its clause is not encoded")
                problems.append(doc.problem(("clauses", i, "units", j, "id"), f"unit '{ref}' holds "
                                            f"{'、'.join(dict.fromkeys(found))} and could decide a case, but no "
                                            f"policy or rule cites it and coverage/ does not say why ({context}): "
                                            "encode it, or add it under `units:` in coverage/ with its reason",
                                            CODE))
    return problems
