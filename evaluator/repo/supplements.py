"""The district layer: what the city's texts delegate to the six county-level areas (delegations/) and the areas'
supplements that decide it (supplements/<area>/<term>/<effective-from>.yaml), each enacted by a registered document
of its area.

Loaded by repository.load; every refusal is a Problem at file:line:col: a supplement for a term nobody delegated, one
outside the city's bounds, one whose enacting document is not of its area or not issued by the body the delegation
names, or one in force before its delegation. `missing(repo, day)` is the register of what is still to be decided.
The format is described in docs/supplements.md.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from . import access_lists, register

# The six county-level areas (县(市)区) of Yinchuan, as the register's `area` codes name them.
AREAS = {"xingqing": ("兴庆区", "Xingqing District"), "jinfeng": ("金凤区", "Jinfeng District"),
         "xixia": ("西夏区", "Xixia District"), "yongning": ("永宁县", "Yongning County"),
         "helan": ("贺兰县", "Helan County"), "lingwu": ("灵武市", "Lingwu City")}
EXAMPLE_WORDS = "EXAMPLE — NOT ADOPTED 示例 未通过"


@dataclass(frozen=True)
class Delegation:
    term: str
    data: dict
    doc: object
    json_path: tuple

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(self.data["from"])


@dataclass(frozen=True)
class Supplement:
    area: str
    term: str
    version: int
    effective_from: dt.date
    effective_to: dt.date | None
    data: dict
    doc: object

    @property
    def enacted_by(self) -> str:
        return self.data["enacted_by"]

    @property
    def example(self) -> bool:
        return bool(self.data.get("example"))


def body_name(delegation: Delegation, area: str) -> dict:
    """The body that must decide a term in an area, e.g. 西夏区民政局 Xixia District civil-affairs bureau."""
    zh, en = AREAS[area]
    b = delegation.data["body"]
    return {"zh": zh + b["zh"], "en": f"{en} {b['en']}"}


def index(repo, delegation_docs, supplement_docs) -> None:
    """Index the (schema-valid) delegations and supplements and check each supplement against its delegation."""
    for doc in delegation_docs:
        for i, d in enumerate(doc.data["delegations"]):
            path = ("delegations", i)
            if d["term"] in repo.delegations:
                repo.problems.append(doc.problem(path + ("term",), f"term '{d['term']}' is delegated twice",
                                                 "duplicate_id"))
                continue
            repo.delegations[d["term"]] = Delegation(d["term"], d, doc, path)
            _check_delegation(repo, doc, path, d)
    for doc in supplement_docs:
        _index_supplement(repo, doc)
    for versions in repo.supplements.values():
        versions.sort(key=lambda s: (s.effective_from, s.version))


def _check_delegation(repo, doc, path, d) -> None:
    cit = repo.clauses.get(d["clause"])
    if cit is None:
        repo.problems.append(doc.problem(path + ("clause",), f"cites clause '{d['clause']}', which the clause store "
                                         "does not define", "unknown_clause"))
    elif d["quote"] not in cit.text:
        repo.problems.append(doc.problem(path + ("quote",), f"the quote is not words of clause '{d['clause']}'",
                                         "not_verbatim"))
    for j, iid in enumerate(d.get("interpretations", [])):
        if iid not in repo.interpretations:
            repo.problems.append(doc.problem(path + ("interpretations", j), f"names interpretation '{iid}', which "
                                             "is not defined in interpretations/", "unknown_interpretation"))
    from .repository import walk_refs  # here: repository imports this module
    for ref_path, ref in walk_refs(d, path):  # order_source, due_source, the item list's rule sources
        if ref not in repo.clauses:
            repo.problems.append(doc.problem(ref_path, f"cites clause '{ref}', which the clause store does not "
                                             "define", "unknown_clause"))
    if "due" in d and d["due"] < d["from"]:
        repo.problems.append(doc.problem(path + ("due",), "due is before the delegation's from", "bad_period"))
    b = d["bounds"]
    if b["kind"] == "grade_shares":
        if b["min_percent"] > b["max_percent"]:
            repo.problems.append(doc.problem(path + ("bounds", "min_percent"), "min_percent is above max_percent",
                                             "bad_bounds"))


def _index_supplement(repo, doc) -> None:
    s = doc.data
    bad = lambda field, msg, code: repo.problems.append(doc.problem(field, msg, code))  # noqa: E731
    parts = Path(doc.path).parts
    where = parts[-3:-1] if len(parts) >= 3 else ()
    if tuple(where) != (s["area"], s["term"]) or Path(doc.path).stem != s["effective_from"]:
        bad(("area",), f"a supplement of area '{s['area']}' for term '{s['term']}' from {s['effective_from']} must be "
            f"supplements/{s['area']}/{s['term']}/{s['effective_from']}.yaml", "misplaced")
    start = dt.date.fromisoformat(s["effective_from"])
    end = dt.date.fromisoformat(s["effective_to"]) if "effective_to" in s else None
    if end is not None and end < start:
        bad(("effective_to",), "effective_to is before effective_from", "bad_period")
    sup = Supplement(s["area"], s["term"], s["version"], start, end, s, doc)
    others = repo.supplements.setdefault((s["area"], s["term"]), [])
    if any(o.version == sup.version for o in others):
        bad(("version",), f"version {sup.version} of {s['area']}/{s['term']} is defined twice", "duplicate_id")
    others.append(sup)
    delegation = repo.delegations.get(s["term"])
    if delegation is None:
        bad(("term",), f"sets term '{s['term']}', which no city clause delegates (delegations/ lists: "
            f"{', '.join(sorted(repo.delegations)) or 'none'})", "undelegated_term")
        return
    if start < delegation.start:
        bad(("effective_from",), f"in force from {start}, before the delegation of '{s['term']}' by "
            f"{delegation.data['clause']} (from {delegation.start})", "before_delegation")
    _check_enactment(repo, doc, sup, delegation)
    _check_bounds(repo, doc, sup, delegation)
    from .repository import walk_refs  # here: repository imports this module
    for path, ref in walk_refs(s["data"], ("data",)):
        if ref not in repo.clauses:
            bad(path, f"cites clause '{ref}', which the clause store does not define", "unknown_clause")
        elif register.document_of(ref) != sup.enacted_by:
            bad(path, f"cites clause '{ref}', which is not a clause of its enacting document '{sup.enacted_by}'",
                "foreign_clause")


def _check_enactment(repo, doc, sup: Supplement, delegation: Delegation) -> None:
    e = register.entry(repo, sup.enacted_by)
    if e is None:
        repo.problems.append(doc.problem(("enacted_by",), f"names document '{sup.enacted_by}', which the register "
                                         "does not hold", "unknown_document"))
        return
    body = body_name(delegation, sup.area)
    if e.get("level") != "district" or e.get("area") != sup.area:
        repo.problems.append(doc.problem(("enacted_by",), f"document '{sup.enacted_by}' is not a document of "
                                         f"{AREAS[sup.area][0]} {AREAS[sup.area][1]} (its register entry says level "
                                         f"{e.get('level')}, area {e.get('area')})", "wrong_area"))
    elif body["zh"] not in e["issuer"]["zh"]:
        repo.problems.append(doc.problem(("enacted_by",), f"document '{sup.enacted_by}' is issued by "
                                         f"{e['issuer']['zh']}, not by {body['zh']} ({body['en']}), the body "
                                         f"{delegation.data['clause']} names", "wrong_issuer"))
    if register.period(repo, sup.enacted_by) is None and not sup.example and sup.enacted_by not in repo.assumed_adopted:
        repo.problems.append(doc.problem(("enacted_by",), f"document '{sup.enacted_by}' is a draft never in force, "
                                         "and the supplement is not marked example: true", "not_in_force"))


def _check_bounds(repo, doc, sup: Supplement, delegation: Delegation) -> None:
    b = delegation.data["bounds"]
    data = sup.data["data"]
    clause = delegation.data["clause"]
    if b["kind"] == "grade_shares":
        if "shares" not in data:
            repo.problems.append(doc.problem(("data",), f"term '{sup.term}' needs `shares` by grade", "bad_shape"))
            return
        by_grade = {}
        for i, row in enumerate(data["shares"]):
            path = ("data", "shares", i)
            if row["grade"] not in b["order"] or row["grade"] in by_grade:
                repo.problems.append(doc.problem(path + ("grade",), f"grade '{row['grade']}' is not one of "
                                                 f"{', '.join(b['order'])} or is given twice", "bad_grade"))
                continue
            by_grade[row["grade"]] = (row["percent"], path)
            if not b["min_percent"] <= row["percent"] <= b["max_percent"]:
                repo.problems.append(doc.problem(path + ("percent",), f"{row['percent']}% for {row['grade']} leaves "
                                                 f"the city's bounds {b['min_percent']}–{b['max_percent']}% "
                                                 f"({clause})", "out_of_bounds"))
        for g in b["order"]:
            if g not in by_grade:
                repo.problems.append(doc.problem(("data", "shares"), f"no share for grade '{g}'", "bad_grade"))
        ranked = [(g, by_grade[g]) for g in b["order"] if g in by_grade]
        for (better, (pb, _)), (worse, (pw, path)) in zip(ranked, ranked[1:]):
            if pw > pb:
                repo.problems.append(doc.problem(path + ("percent",), f"{worse} gets {pw}%, more than {better} "
                                                 f"({pb}%): the city orders the spread {' ≥ '.join(b['order'])} "
                                                 f"({clause}, {b['order_source']})", "out_of_bounds"))
    elif b["kind"] == "item_list":
        _check_items(repo, doc, sup)


def _check_items(repo, doc, sup: Supplement) -> None:
    """An area's list: items numbered 1, 2, … as printed, each name and department verbatim in the item's own
    clause, no name twice, and the clause that admits the listed work named."""
    data = sup.data["data"]
    bad = lambda path, msg, code: repo.problems.append(doc.problem(path, msg, code))  # noqa: E731
    if "items" not in data or "admission_source" not in data:
        bad(("data",), f"term '{sup.term}' needs a list of `items` and the `admission_source` clause that admits "
            "them", "bad_shape")
        return
    names = {}
    for i, it in enumerate(data["items"]):
        path = ("data", "items", i)
        if it["number"] != i + 1:
            bad(path + ("number",), f"item {i + 1} of the list is numbered {it['number']}; items are numbered 1, "
                "2, … in order as printed", "numbering")
        key = access_lists.normalise(it["name"])
        if key in names:
            bad(path + ("name",), f"item '{it['name']}' is also item {names[key]}", "duplicate_id")
        names[key] = it["number"]
        cit = repo.clauses.get(it["source"])
        if cit is None:
            continue  # unknown_clause, reported with the other references
        for field, value in [("name", it["name"])] + [(("departments", j), v) for j, v in
                                                       enumerate(it["departments"])]:
            if value not in cit.text:
                bad(path + (field if isinstance(field, tuple) else (field,)), f"{value!r} is not verbatim in the "
                    f"text of clause '{it['source']}'", "not_verbatim")


def in_force(repo, area: str, term: str, day: dt.date) -> Supplement | None:
    """The supplement of `area` for `term` in force on `day`: its dates cover the day and its enacting document is
    in force then (a draft only in a hypothetical state that names it adopted). None when there is none."""
    for s in reversed(repo.supplements.get((area, term), [])):
        if s.effective_from <= day and (s.effective_to is None or day <= s.effective_to) \
                and register.in_force_on(repo, s.enacted_by, day):
            return s
    return None


def overdue(delegation: Delegation, day: dt.date) -> bool:
    """True when the city text wanted the term decided before `day` (the delegation's `due`)."""
    due = delegation.data.get("due")
    return due is not None and day > dt.date.fromisoformat(due)


def missing(repo, day: dt.date) -> list[tuple[str, str, dict]]:
    """(area, term, body) for every delegated term an area has no supplement in force for on `day`."""
    return [(area, term, body_name(d, area)) for term, d in sorted(repo.delegations.items()) if d.start <= day
            for area in AREAS if in_force(repo, area, term, day) is None]


def assumable(repo, names) -> list[str]:
    """The draft documents that `names` stand for, to take as adopted in a hypothetical state (--assume-adopted):
    a register id of a document NOT ADOPTED, or an area (xixia or 西夏区) for every such document of that area.
    Raises ValueError naming what is wrong: an unknown name, a document already in force, an area with no draft."""
    out = []
    drafts = {i: e for i, (e, _) in repo.register.items() if e["status"] == "draft_not_adopted"}
    by_zh = {zh: code for code, (zh, _) in AREAS.items()}
    for name in names:
        area = by_zh.get(name, name)
        if area in AREAS:
            found = sorted(i for i, e in drafts.items() if e.get("level") == "district" and e.get("area") == area)
            if not found:
                raise ValueError(f"--assume-adopted {name}: {AREAS[area][0]} {AREAS[area][1]} has no document NOT "
                                 "ADOPTED in the register to take as adopted")
            out += found
        elif name in drafts:
            out.append(name)
        elif name in repo.register:
            raise ValueError(f"--assume-adopted {name}: document '{name}' is not a draft (its status is "
                             f"{repo.register[name][0]['status']}): there is nothing to assume")
        else:
            near = access_lists.nearest(name, list(drafts) + list(AREAS))
            raise ValueError(f"--assume-adopted {name}: neither an area ({', '.join(AREAS)}) nor a document NOT "
                             f"ADOPTED in the register; nearest: {', '.join(near)}")
    return list(dict.fromkeys(out))
