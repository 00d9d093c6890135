"""The two lists of the reform opinion (附件1, 附件2): checks of their policy data against the clause store, and
lookup of a department or an item by the name a case gives.

Checks (run by `repository.load`, so `policy check` fails on them, each at file:line:col):
- the list has as many items as its declared count says (附件2: 24, from 三、(六)), numbered 1..n as published;
- every row or item clause of the annex in the clause store is the source of exactly one item;
- names, contents, remarks, categories and department names are verbatim in the clause of the row they come from;
- a value taken from a spanning cell equals that cell's own row's value, and the span is contiguous.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

from ..load.problems import Problem

ROW_KINDS = ("table_row", "item")  # the clause kinds of list entries in the clause store
SPANNED = ("departments", "category", "remarks")


def normalise(text: str) -> str:
    """How names are compared: full-width/half-width folded (NFKC), white space and a final full stop dropped."""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    return text.rstrip("。.")


def nearest(name: str, candidates, n: int = 3) -> list[str]:
    """The n candidates most like `name` (difflib ratio on normalised text), best first, whatever the distance."""
    key = normalise(str(name))
    scored = sorted(candidates, key=lambda c: -difflib.SequenceMatcher(None, key, normalise(c)).ratio())
    return scored[:n]


def _row_clauses(repo, annex_id: str) -> list[str]:
    """Ids of the entry clauses (table rows / items) directly under an annex clause, in document order."""
    document = annex_id.split(".")[0]
    doc = repo.documents.get(document)
    if doc is None:
        return []
    prefix = annex_id + "."
    return [c["id"] for c in doc.data["clauses"]
            if c["id"].startswith(prefix) and c["kind"] in ROW_KINDS and "." not in c["id"][len(prefix):]]


def _text(repo, ref: str) -> str | None:
    cit = repo.clauses.get(ref)
    return cit.text if cit else None


def _check_items_cover_rows(repo, v, items) -> list[Problem]:
    data = v.data["data"]
    out = []
    rows = _row_clauses(repo, data["source"])
    listed = [it["source"] for it in items]
    for ref in rows:
        if ref not in listed:
            out.append(v.doc.problem(("data", "items"), f"clause '{ref}' is a row of {data['source']} in the clause "
                                     "store but no item of this list cites it", "incomplete_list"))
    for i, it in enumerate(items):
        if it["source"] not in rows:
            out.append(v.doc.problem(("data", "items", i, "source"), f"'{it['source']}' is not a row of "
                                     f"{data['source']} in the clause store", "bad_source"))
        elif listed.count(it["source"]) > 1:
            out.append(v.doc.problem(("data", "items", i, "source"), f"'{it['source']}' is the source of more "
                                     "than one item", "duplicate_id"))
        if it["number"] != i + 1:
            out.append(v.doc.problem(("data", "items", i, "number"), f"item {i + 1} of the list is numbered "
                                     f"{it['number']}; items are numbered 1, 2, … in order as published", "numbering"))
        text = _text(repo, it["source"])
        if text is not None and not re.match(rf"{it['number']}(\D|$)", text.lstrip()):
            out.append(v.doc.problem(("data", "items", i, "number"), f"row '{it['source']}' is not numbered "
                                     f"{it['number']} as published", "numbering"))
    return out


def _verbatim(v, path: tuple, value: str, ref: str, text: str | None, what: str) -> list[Problem]:
    if text is None or value in text:
        return []
    return [v.doc.problem(path, f"{what} {value!r} is not verbatim in the text of clause '{ref}'", "not_verbatim")]


def check_community_list(repo, v) -> list[Problem]:
    data = v.data["data"]
    items = data["items"]
    out = []
    ref = data["declared_count_source"]
    if str(data["declared_count"]) not in (_text(repo, ref) or ""):
        out.append(v.doc.problem(("data", "declared_count"), f"{data['declared_count']} is not the figure of "
                                 f"{ref}: 「{_text(repo, ref)}」", "not_verbatim"))
    if len(items) != data["declared_count"]:
        out.append(v.doc.problem(("data", "declared_count"), f"the list is declared to have "
                                 f"{data['declared_count']} items ({ref}: 「{_text(repo, ref)}」), but data.items "
                                 f"has {len(items)}", "count_mismatch"))
    out += _check_items_cover_rows(repo, v, items)

    depts = {}
    for i, d in enumerate(data["departments"]):
        path = ("data", "departments", i)
        for key in ("code", "name"):
            if any(d[key] == o[key] for o in depts.values()):
                out.append(v.doc.problem(path + (key,), f"department {key} {d[key]!r} is listed twice", "duplicate_id"))
        depts[d["code"]] = d
        out += _verbatim(v, path + ("name",), d["name"], d["source"], _text(repo, d["source"]), "department")
    used = set()
    for i, it in enumerate(items):
        path = ("data", "items", i)
        own = _text(repo, it["source"])
        out += _verbatim(v, path + ("name",), it["name"], it["source"], own, "item name")
        for j, line in enumerate(it["content"]):
            out += _verbatim(v, path + ("content", j), line, it["source"], own, "content")
        cells = it.get("cells", {})
        for col in SPANNED:
            row = cells.get(col, it["number"])
            ref_item = items[row - 1] if 1 <= row <= len(items) else None
            if ref_item is None or row > it["number"]:
                out.append(v.doc.problem(path + ("cells", col), f"row {row} cannot be the cell of item "
                                         f"{it['number']}: a spanning cell starts on this row or above it", "bad_span"))
                continue
            if row != it["number"]:
                if ref_item.get("cells", {}).get(col, row) != row:
                    out.append(v.doc.problem(path + ("cells", col), f"item {row}'s {col} is itself taken from "
                                             "another row; name the row of the cell", "bad_span"))
                if ref_item[col] != it[col]:
                    out.append(v.doc.problem(path + (col,), f"{col} differs from those of item {row}, whose cell "
                                             "this row shares", "bad_span"))
                for between in items[row:it["number"] - 1]:
                    if between.get("cells", {}).get(col) != row:
                        out.append(v.doc.problem(path + ("cells", col), f"the {col} cell of row {row} cannot span "
                                                 f"to item {it['number']}: item {between['number']} lies between "
                                                 "with a cell of its own", "bad_span"))
            cell_text = _text(repo, ref_item["source"])
            if col == "remarks":
                for j, line in enumerate(it["remarks"]):
                    out += _verbatim(v, path + ("remarks", j), line, ref_item["source"], cell_text, "remark")
            elif col == "category" and it["category"] is not None:
                out += _verbatim(v, path + ("category", "name"), it["category"]["name"], ref_item["source"],
                                 cell_text, "category")
            elif col == "departments":
                for j, code in enumerate(it["departments"]):
                    used.add(code)
                    if code not in depts:
                        near = nearest(code, depts)
                        out.append(v.doc.problem(path + ("departments", j), f"unknown department code {code!r}; "
                                                 f"nearest: {', '.join(near)}", "unknown_department"))
                    else:
                        out += _verbatim(v, path + ("departments", j), depts[code]["name"], ref_item["source"],
                                         cell_text, "department")
    for i, d in enumerate(data["departments"]):
        if d["code"] not in used:
            out.append(v.doc.problem(("data", "departments", i, "code"), f"department {d['code']!r} is the "
                                     "department of no item", "unused"))
    return out


def check_station_list(repo, v) -> list[Problem]:
    items = v.data["data"]["items"]
    out = _check_items_cover_rows(repo, v, items)
    for i, it in enumerate(items):
        out += _verbatim(v, ("data", "items", i, "name"), it["name"], it["source"], _text(repo, it["source"]),
                         "item name")
    return out


CHECKS = {"community_access_list": check_community_list, "service_station_items": check_station_list}


def check(repo) -> list[Problem]:
    """Problems of every version of every list policy in the repository."""
    out = []
    for versions in repo.policies.values():
        for v in versions:
            fn = CHECKS.get(v.data.get("type"))
            if fn:
                out += fn(repo, v)
    return out
