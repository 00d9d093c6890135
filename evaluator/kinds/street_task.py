"""The ruling on work a department asks of a street (街道): is it admitted under the area's street access list?

Reform 四、(三): 「各县(市)区研究提出街道行政事务准入清单,职能部门不得随意将工作职责下放到街道。」 The city delegates
the list to each county-level area (delegations/city.yaml, term street_access_list); the area's list in force on the
case's date (supplements/<area>/street_access_list/) says which work, from which departments, the streets take on.
Like `task` for communities: listed work from a listed department is admitted; work listed under other departments
or on no list is not (a must: 不得随意下放), and the note gives the city's way for new work (区委、政府 approval, a
document of the staffing committee). With no list in force for the area the result is null, not_checked, with a
note naming the body that must draw it up (and that it is overdue after the city's deadline) — never a default.
A made-up example list says EXAMPLE — NOT ADOPTED.
"""
from __future__ import annotations

from ..repo import supplements
from ..repo.access_lists import nearest, normalise
from .common import one_of
from .district import layer_of, supplement_ref
from .errors import RulingError, UnusableFact
from .trace import Trace

TERM = "street_access_list"
RESULTS = ("street_access.item", "street_access.departments", "street_access.admitted")


def rule_street_task(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f, day, area = case.facts, case.as_of, case.facts["area"]
    delegation = repo.delegations.get(TERM)
    if delegation is None:
        raise RulingError(f"the repository records no delegation of '{TERM}' (delegations/): no street access list "
                          "can be ruled on")
    if day < delegation.start:
        raise RulingError(f"the street access lists are delegated by {delegation.data['clause']} from "
                          f"{delegation.start}: no list applies on {day}")
    d, b = delegation.data, delegation.data["bounds"]
    body = supplements.body_name(delegation, area)
    readings = list(d.get("interpretations", []))  # the due day's reading: only where a missing list is noted
    inputs = {"area": area, **({"street": f["street"]} if "street" in f else {}),
              "department": f.get("department", f.get("unlisted_department")),
              "item": f.get("item", f.get("unlisted_item"))}
    sup = supplements.in_force(repo, area, TERM, day)
    if sup is None:
        layer = layer_of(repo, delegation, area, None, None)
        for result in RESULTS:
            tr.add(result, None, f"delegations#{TERM}", inputs, [d["clause"]], readings, layer=layer)
        _note_missing(tr, delegation, area, body, day, readings)
        return tr

    data = sup.data["data"]
    ref = supplement_ref(sup)
    dept = _department(f, data)
    item = _item(f, data)
    city = [d["clause"], b["rule_source"]]
    if item is None:
        cites = city + [data["admission_source"], data["source"]]
        layer = layer_of(repo, delegation, area, sup, data["source"])
        tr.add("street_access.item", None, f"{ref}#item", inputs, [data["source"]], layer=layer)
        tr.add("street_access.departments", None, f"{ref}#departments", inputs, [data["source"]], layer=layer)
        tr.add("street_access.admitted", False, f"{ref}#not_listed", inputs, cites, modality=b["modality"],
               layer=layer)
        tr.note("street_not_responsible",
                f"「{inputs['item']}」 is not on the street access list of {supplements.AREAS[area][1]}: "
                f"{inputs['department']} may not push it down to the street ({b['rule_source']}).",
                f"「{inputs['item']}」未列入{supplements.AREAS[area][0]}街道行政事务准入清单,"
                f"{inputs['department']}不得将其下放到街道({b['rule_source']})。", cites)
    else:
        layer = layer_of(repo, delegation, area, sup, item["source"])
        found = dict(inputs, number=item["number"], name=item["name"])
        admitted = dept is not None and normalise(dept) in {normalise(x) for x in item["departments"]}
        cites = city + [data["admission_source"], item["source"]]
        tr.add("street_access.item", item["number"], f"{ref}#item", found, [item["source"]], layer=layer)
        tr.add("street_access.departments", list(item["departments"]), f"{ref}#departments", found,
               [item["source"]], layer=layer)
        tr.add("street_access.admitted", admitted, f"{ref}#{'admitted' if admitted else 'not_admitted'}",
               dict(found, departments=list(item["departments"])), cites, modality=b["modality"], layer=layer)
        if not admitted:
            tr.note("listed_under_other_departments",
                    f"Item {item['number']} 「{item['name']}」 of the street access list of "
                    f"{supplements.AREAS[area][1]} is listed under {'、'.join(item['departments'])}; "
                    f"{inputs['department']} is not among them, so the street does not take it on when it asks.",
                    f"{supplements.AREAS[area][0]}街道行政事务准入清单第{item['number']}项「{item['name']}」的责任部门为"
                    f"{'、'.join(item['departments'])};{inputs['department']}不在其列,街道对其要求不予承担。",
                    cites)
    if not tr.results["street_access.admitted"]:
        _note_new_work(tr, delegation, sup, body)
    if sup.example:
        tr.note("example_not_adopted", f"EXAMPLE — NOT ADOPTED: the street access list of {area} is a made-up "
                f"example ({sup.enacted_by}), not a list the {body['en']} adopted.",
                f"示例 未通过:{supplements.AREAS[area][0]}的街道行政事务准入清单是虚构的示例({sup.enacted_by}),"
                f"不是{body['zh']}通过的清单。", [data["source"]], [])
    return tr


def _note_missing(tr, delegation, area: str, body: dict, day, readings) -> None:
    d = delegation.data
    cites = [d["clause"]]
    late_en = late_zh = ""
    if supplements.overdue(delegation, day):
        cites.append(d["due_source"])
        late_en = f" The city wanted every list by {d['due']} ({d['due_source']}): it is overdue."
        late_zh = f"市里要求于{d['due']}前完成({d['due_source']}),已逾期。"
    tr.note("not_checked", f"Not checked: the list of administrative work admitted to streets is for the "
            f"{body['en']} to draw up ({d['clause']}), and no list of {area} is in force on {day}.{late_en}",
            f"未核定:街道行政事务准入清单由{body['zh']}研究提出({d['clause']}),{day}无有效清单。{late_zh}",
            cites, readings)


def _note_new_work(tr, delegation, sup, body: dict) -> None:
    """The city's way for work not admitted: approval and a document of the staffing committee, else no assessment."""
    b = delegation.data["bounds"]
    cites = [c for c in (b.get("new_work_source"), b.get("unapproved_source"),
                         sup.data["data"].get("new_work_source")) if c]
    if not b.get("new_work_source"):
        return
    tr.note("new_work_procedure",
            f"If the street must take it on, the {body['en']} must first approve it and the area's staffing "
            f"committee (机构编制委员会) devolve it by document, with the powers, people and funds "
            f"({b['new_work_source']}); work not approved may not count in the street's assessment "
            f"({b.get('unapproved_source')}).",
            f"确需街道承担的,须经{body['zh']}研究同意后,由同级机构编制委员会行文下放,权随事转、人随事转、费随事转"
            f"({b['new_work_source']});未经同意的事项不得列入对下考核评价内容({b.get('unapproved_source')})。",
            cites)


def _all_departments(data: dict) -> list[str]:
    return list(dict.fromkeys(x for it in data["items"] for x in it["departments"]))


def _department(f: dict, data: dict) -> str | None:
    """The department as the area's list names it; None for a department the list does not name."""
    key = one_of(f, "department", "unlisted_department")
    names = _all_departments(data)
    match = next((n for n in names if normalise(n) == normalise(f[key])), None)
    if key == "unlisted_department":
        if match:
            raise UnusableFact(key, f"'{f[key]}' is named on the area's street access list: give it as "
                               "'department'", "inconsistent")
        return None
    if match is None:
        raise UnusableFact(key, f"'{f[key]}' is not a department named on the area's street access list; nearest "
                           f"names: {', '.join(nearest(f[key], names))}. A department the list does not name can "
                           "be given as 'unlisted_department'", "unknown_name")
    return match


def _item(f: dict, data: dict) -> dict | None:
    """The listed item the case asks about (by name or number); None for work given as 'unlisted_item'."""
    key = one_of(f, "item", "unlisted_item")
    given, items = f[key], data["items"]
    if key == "item" and isinstance(given, str) and given.strip().isdigit():
        given = int(given)
    if key == "item" and isinstance(given, int):
        if not 1 <= given <= len(items):
            raise UnusableFact(key, f"the area's street access list has no item {given}: its items are numbered 1 "
                               f"to {len(items)}", "unknown_name")
        return items[given - 1]
    match = next((it for it in items if normalise(it["name"]) == normalise(str(given))), None)
    if key == "unlisted_item":
        if match:
            raise UnusableFact(key, f"'{given}' is item {match['number']} of the area's street access list: give "
                               "it as 'item'", "inconsistent")
        return None
    if match is None:
        near = nearest(str(given), [it["name"] for it in items])
        raise UnusableFact(key, f"'{given}' is not the name of an item of the area's street access list; nearest "
                           f"names: {'; '.join(near)}. Work not on the list can be given as 'unlisted_item'",
                           "unknown_name")
    return match
