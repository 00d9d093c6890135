"""The ruling on a task a department asks of a community: is it admitted under the community's entry list?

三、(六) of the reform opinion: only work on 附件2 社区工作事项准入清单 is the community's, and only from the
departments the list gives for it (interpretation access_admission_per_department); items of 附件1
社区服务站服务事项清单 belong to the community service station; anything else is not the community's
(社区不作为责任主体). Both lists and the force of each ruling come from policies/; names a case gives are matched
against the lists, and a name that matches nothing is an error naming the nearest names on the lists.
"""
from __future__ import annotations

from ..repo.access_lists import nearest, normalise
from .common import in_force, one_of
from .errors import RulingError, UnusableFact
from .trace import Trace

COMMUNITY = "reform.community_access_list"
STATION = "reform.service_station_items"
SPANS = "annex2_spanning_cells"
PER_DEPARTMENT = "access_admission_per_department"


def rule_task(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f = case.facts

    def policy(pid):
        return in_force(tr, repo, pid, case.as_of)

    cv, sv = policy(COMMUNITY), policy(STATION)
    cl, sl = cv.data["data"], sv.data["data"]
    dept = _department(f, cl)
    where, item = _item(f, cl, sl)
    where, item, shared = _shared(cl, sl, where, item)
    asked = _label(dept, f.get("unlisted_department"))
    inputs = {"department": asked, "item": f.get("item", f.get("unlisted_item"))}

    if where == "community":
        ref = f"{cv.id}@{cv.version}"
        cell = _cell_row(cl, item, "departments")
        spans = [SPANS] if cell["number"] != item["number"] else []
        found = dict(inputs, list="附件2", number=item["number"], name=item["name"])
        tr.add("access.list", "community", f"{ref}#list", found, [item["source"]])
        tr.add("access.item", item["number"], f"{ref}#item", found, [item["source"]])
        tr.add("access.departments", list(item["departments"]), f"{ref}#departments",
               {"number": item["number"], "cell_row": cell["number"]}, [item["source"], cell["source"]], spans)
        listed = [_dept(cl, code) for code in item["departments"]]
        admitted = dept is not None and dept["code"] in item["departments"]
        rule = cl["admission"] if admitted else cl["not_responsible"]
        readings = [PER_DEPARTMENT] + spans + list(dept.get("interpretations", []) if dept else []) + shared
        tr.add("access.admitted", admitted, f"{ref}#{'admitted' if admitted else 'not_admitted'}",
               dict(inputs, departments=[d["name"] for d in listed]),
               [rule["source"], item["source"], cell["source"]], readings, modality=rule["modality"])
        if not admitted:
            names_zh = "、".join(d["name"] for d in listed)
            names_en = "; ".join(_label(d) for d in listed)
            tr.note("listed_under_other_departments",
                    f"Item {item['number']} 「{item['name']}」 ({item['en']}) of the community's entry list (附件2) "
                    f"is listed under {names_en}. {asked} is not among them, so the community does not take it "
                    f"on when {asked} asks.",
                    f"附件2社区工作事项准入清单第{item['number']}项「{item['name']}」的部门为{names_zh};"
                    f"{dept['name'] if dept else f['unlisted_department']}不在其列,社区对其要求不作为责任主体。",
                    [rule["source"], item["source"], cell["source"]], readings)
    elif where == "service_station":
        ref = f"{sv.id}@{sv.version}"
        route = sl["routing"]
        found = dict(inputs, list="附件1", number=item["number"], name=item["name"])
        cites = [cl["not_responsible"]["source"], route["source"], item["source"], route["station_source"]]
        tr.add("access.list", "service_station", f"{ref}#list", found, [item["source"]])
        tr.add("access.item", item["number"], f"{ref}#item", found, [item["source"]])
        tr.add("access.departments", None, f"{ref}#departments", found, [item["source"]])
        tr.add("access.admitted", False, f"{ref}#routed", found, cites, shared, modality=route["modality"])
        tr.note("routed_to_service_station",
                f"「{item['name']}」 ({item['en']}) is item {item['number']} of 附件1 社区服务站服务事项清单: the "
                "community service station handles it, not the community.",
                f"「{item['name']}」为附件1社区服务站服务事项清单第{item['number']}项,由社区服务站办理,社区不作为责任主体。",
                cites)
    else:
        ref = f"{cv.id}@{cv.version}"
        rule = cl["not_responsible"]
        cites = [rule["source"], cl["source"], sl["source"]]
        tr.add("access.list", None, f"{ref}#list", inputs, [cl["source"], sl["source"]])
        tr.add("access.item", None, f"{ref}#item", inputs, [cl["source"], sl["source"]])
        tr.add("access.departments", None, f"{ref}#departments", inputs, [cl["source"]])
        tr.add("access.admitted", False, f"{ref}#not_listed", inputs, cites, [], modality=rule["modality"])
        tr.note("community_not_responsible",
                f"「{f['unlisted_item']}」 is on neither list: the community is not the responsible party for it.",
                f"「{f['unlisted_item']}」未列入社区工作事项准入清单,社区不作为责任主体。", cites)
    return tr


def _shared(cl: dict, sl: dict, where: str | None, item: dict | None) -> tuple:
    """(list, item, [interpretation]) after the list's `shared_items`: a subject on both lists goes where the
    policy's reading sends it (by_name keeps the list whose name the case gave)."""
    key = {"community": "community_source", "service_station": "station_source"}.get(where)
    pair = next((p for p in cl.get("shared_items", []) if item and key and p[key] == item["source"]), None)
    if pair is None:
        return where, item, []
    goes = where if pair["task_goes_to"] == "by_name" else pair["task_goes_to"]
    items, key = (cl["items"], "community_source") if goes == "community" else (sl["items"], "station_source")
    found = next((it for it in items if it["source"] == pair[key]), None)
    if found is None:
        raise RulingError(f"shared_items names {pair[key]}, which is not an item of the list it stands for")
    return goes, found, [pair["interpretation"]]


def _label(dept: dict | None, name: str | None = None) -> str:
    return f"{dept['name']} ({dept['en']})" if dept else name


def _dept(cl: dict, code: str) -> dict:
    return next(d for d in cl["departments"] if d["code"] == code)


def _cell_row(cl: dict, item: dict, column: str) -> dict:
    """The item whose published cell gives this item's value of `column` (the item itself unless it spans)."""
    return cl["items"][item.get("cells", {}).get(column, item["number"]) - 1]


def _department(f: dict, cl: dict) -> dict | None:
    """The department the case names, from the list (by name or code); None for an unlisted department."""
    key = one_of(f, "department", "unlisted_department")
    given = f[key]
    match = next((d for d in cl["departments"]
                  if normalise(given) in (normalise(d["name"]), d["code"])), None)
    if key == "unlisted_department":
        if match:
            raise UnusableFact(key, f"'{given}' is named on 附件2 as {_label(match)}: give it as 'department'",
                            "inconsistent")
        return None
    if match is None:
        near = nearest(given, [d["name"] for d in cl["departments"]])
        raise UnusableFact(key, f"'{given}' is not a department named on 附件2 社区工作事项准入清单; nearest names: "
                        f"{', '.join(near)}. A department the list does not name can be given as "
                        "'unlisted_department'", "unknown_name")
    return match


def _item(f: dict, cl: dict, sl: dict) -> tuple[str | None, dict | None]:
    """Which list the case's item is on ("community", "service_station" or None) and the item."""
    key = one_of(f, "item", "unlisted_item")
    given = f[key]
    if key == "item" and isinstance(given, str) and given.strip().isdigit():
        given = int(given)  # "7" from a JSON form means item 7: no name on either list is a number
    if key == "item" and isinstance(given, int):
        if not 1 <= given <= len(cl["items"]):
            raise UnusableFact(key, f"附件2 社区工作事项准入清单 has no item {given}: its items are numbered 1 to "
                            f"{len(cl['items'])}", "unknown_name")
        return "community", cl["items"][given - 1]
    for where, items in (("community", cl["items"]), ("service_station", sl["items"])):
        match = next((it for it in items if normalise(it["name"]) == normalise(given)), None)
        if match:
            if key == "unlisted_item":
                annex = "附件2" if where == "community" else "附件1"
                raise UnusableFact(key, f"'{given}' is item {match['number']} of {annex}: give it as 'item'",
                                "inconsistent")
            return where, match
    if key == "unlisted_item":
        return None, None
    names = {it["name"]: f"附件2 item {it['number']}" for it in cl["items"]}
    names.update({it["name"]: f"附件1 item {it['number']}" for it in sl["items"]})
    near = nearest(given, names)
    raise UnusableFact(key, f"'{given}' is not the name of an item of 附件2 社区工作事项准入清单 or 附件1 "
                    f"社区服务站服务事项清单; nearest names: "
                    + "; ".join(f"「{n}」 ({names[n]})" for n in near)
                    + ". Work on neither list can be given as 'unlisted_item'", "unknown_name")
