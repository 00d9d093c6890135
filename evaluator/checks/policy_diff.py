"""What changed between two states of the policy repository, in words a drafter reads: clauses (and units) and
errata whose text changed, policy and rule-set versions added, removed or edited with every figure and list item
that differs, and interpretations whose question, reading or alternatives changed.

A new version of a policy is compared with the version it follows (the latest earlier version of the same id), so
"version 2 from 2027-01-01" shows exactly which figures differ from version 1.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..cases import values
from ..repo import supplements

# Fields that identify an item of a list of mappings, so that items are matched by identity, not by position.
ITEM_KEYS = ("code", "id", "level", "stars", "min_years", "year", "name")
ENVELOPE = ("status", "effective_from", "effective_to", "encodes", "interpretations", "errata", "title")


@dataclass
class Change:
    area: str  # clause, erratum, interpretation, policy, rules, supplement
    subject: str  # e.g. "workforce.salary_table v2" or a clause id
    what: str  # added, removed, changed
    path: str = ""  # where inside the subject, e.g. data.levels[level=18].base_pay
    old: object = None
    new: object = None
    note: str = ""

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}

    def words(self) -> str:
        where = f" {self.path}" if self.path else ""
        if self.what == "changed":
            return f"{self.subject}{where}: {_show(self.old)} → {_show(self.new)}"
        value = self.new if self.what == "added" else self.old
        tail = f" ({_show(value)})" if value is not None else ""
        return f"{self.subject}{where}: {self.what}{tail}" + (f" — {self.note}" if self.note else "")


def _quoted(text: str) -> str:
    one = text.replace("\n", " ")
    return f"「{one}」" if len(one) <= 120 else f"「{one[:118]}…」"


def _summary(d: dict, show) -> str:
    """An item of policy data by its identifying field, the rest elided."""
    for k in ITEM_KEYS:
        if k in d:
            return f"{{{k}: {d[k]}, …}}"
    return "{…}"


# A value in a change: "(none)", text quoted 「…」 on one line (cut at 120 characters), an item by its key.
VALUE = values.Style(none="(none)", string=_quoted, mapping=_summary)


def _show(v) -> str:
    return values.show(v, VALUE)


def _item_key(a: list, b: list) -> str | None:
    """The field that identifies the items of both lists (present, scalar and unique in each), if any."""
    if not a + b or not all(isinstance(x, dict) for x in a + b):
        return None
    for k in ITEM_KEYS:
        if all(all(isinstance(x.get(k), (str, int)) for x in lst) and len({x[k] for x in lst}) == len(lst)
               for lst in (a, b)):
            return k
    return None


def _matched(old: dict, new: dict, where):
    """The differences between two mappings whose entries are matched by key (`where(key)` names an entry)."""
    for k in list(old) + [k for k in new if k not in old]:
        sub = where(k)
        if k not in new:
            yield sub, "removed", old[k], None
        elif k not in old:
            yield sub, "added", None, new[k]
        else:
            yield from deep(old[k], new[k], sub)


def deep(a, b, path: str = ""):
    """Yield (path, what, old, new) for every difference between two JSON-like values."""
    if isinstance(a, dict) and isinstance(b, dict):
        yield from _matched(a, b, lambda k: f"{path}.{k}" if path else str(k))
        return
    if isinstance(a, list) and isinstance(b, list):
        key = _item_key(a, b)
        if key:
            yield from _matched({x[key]: x for x in a}, {x[key]: x for x in b}, lambda k: f"{path}[{key}={k}]")
            return
        if all(not isinstance(x, (dict, list)) for x in a + b) and (len(set(map(str, a))) == len(a)):
            for x in a:
                if x not in b:
                    yield f"{path}[]", "removed", x, None
            for x in b:
                if x not in a:
                    yield f"{path}[]", "added", None, x
            if not [x for x in a if x not in b] and not [x for x in b if x not in a] and a != b:
                yield path, "changed", a, b  # same items, another order
            return
        if len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                yield from deep(x, y, f"{path}[{i}]")
            return
    if a != b or isinstance(a, bool) != isinstance(b, bool):  # true is not 1 in a policy file
        yield path, "changed", a, b


def _question(it: dict):
    q = it.get("question")
    return q.get("en", q.get("zh")) if isinstance(q, dict) else q


def _versions(repo):
    for kind, table in (("policy", repo.policies), ("rules", repo.rulesets)):
        for pid, versions in table.items():
            for v in versions:
                yield (kind, pid, v.version), v


def _label(v) -> str:
    span = f"from {v.effective_from}" + (f" to {v.effective_to}" if v.effective_to else "")
    return f"{v.id} v{v.version} ({v.status}, {span})"


def _body(v) -> dict:
    d = {k: v.data[k] for k in v.data if k not in ("id", "version")}
    return d


def changes(old, new) -> list[Change]:
    out: list[Change] = []
    # Clauses and units: their verbatim text.
    for cid in sorted(set(old.clauses) | set(new.clauses)):
        a, b = old.clauses.get(cid), new.clauses.get(cid)
        if a is None:
            out.append(Change("clause", cid, "added", new=b.text))
        elif b is None:
            out.append(Change("clause", cid, "removed", old=a.text))
        elif a.text != b.text:
            out.append(Change("clause", cid, "changed", "text", a.text, b.text))
    for eid in sorted(set(old.errata) | set(new.errata)):
        a, b = old.errata.get(eid), new.errata.get(eid)
        if a is None or b is None or a[0] != b[0]:
            for p, what, x, y in deep(a[0] if a else {}, b[0] if b else {}):
                out.append(Change("erratum", eid, what, p, x, y))
    for iid in sorted(set(old.interpretations) | set(new.interpretations)):
        a, b = old.interpretations.get(iid), new.interpretations.get(iid)
        if a is None:
            out.append(Change("interpretation", iid, "added", new=_question(b[0])))
        elif b is None:
            out.append(Change("interpretation", iid, "removed", old=_question(a[0])))
        else:
            for p, what, x, y in deep(a[0], b[0]):
                out.append(Change("interpretation", iid, what, p, x, y))
    out += _supplement_changes(old, new)
    # Versions: the same version edited in place, or new versions against the one they follow.
    olds, news = dict(_versions(old)), dict(_versions(new))
    for key in sorted(set(olds) | set(news), key=lambda k: (k[1], k[2], k[0])):
        kind, pid, num = key
        a, b = olds.get(key), news.get(key)
        if a is not None and b is None:
            out.append(Change(kind, f"{pid} v{num}", "removed", old=_label(a)))
            continue
        if a is None:
            earlier = [v for (k2, p2, n2), v in news.items() if p2 == pid and n2 < num]
            prev = max(earlier, key=lambda v: v.version, default=None)
            base = olds.get((kind, pid, prev.version)) if prev else None
            out.append(Change(kind, f"{pid} v{num}", "added", new=_label(b),
                              note=f"compared below with v{prev.version}" if prev else "a new policy"))
            if prev is not None:
                for p, what, x, y in deep(_body(base or prev), _body(b)):
                    out.append(Change(kind, f"{pid} v{num} vs v{prev.version}", what, p, x, y))
            continue
        for p, what, x, y in deep(_body(a), _body(b)):
            out.append(Change(kind, f"{pid} v{num}", what, p, x, y))
    return out


def _supplements(repo) -> dict:
    return {(s.area, s.term, s.version): s for versions in repo.supplements.values() for s in versions}


def _supplement_state(repo, s) -> str:
    """Whether a district supplement is in force from its first day (its enacting document adopted, or assumed so
    in a hypothetical state), with the example marker."""
    live = supplements.in_force(repo, s.area, s.term, s.effective_from) is s
    return (f"in force from {s.effective_from}" if live else f"not in force ({s.enacted_by} is not adopted)") \
        + (f" — {supplements.EXAMPLE_WORDS}" if s.example else "")


def _supplement_changes(old, new) -> list[Change]:
    """District supplements added, removed, edited (every share or item that differs), or in force on one side only."""
    out = []
    olds, news = _supplements(old), _supplements(new)
    for key in sorted(set(olds) | set(news)):
        a, b = olds.get(key), news.get(key)
        zh, en = supplements.AREAS.get(key[0], ("", ""))
        subject = f"supplements/{key[0]}/{key[1]} v{key[2]} ({zh} {en})"
        if a is None or b is None:
            out.append(Change("supplement", subject, "added" if a is None else "removed",
                              old=_supplement_state(old, a) if a else None,
                              new=_supplement_state(new, b) if b else None))
            continue
        for p, what, x, y in deep(a.data, b.data):
            out.append(Change("supplement", subject, what, p, x, y))
        if _supplement_state(old, a) != _supplement_state(new, b):
            out.append(Change("supplement", subject, "changed", "in force", _supplement_state(old, a),
                              _supplement_state(new, b)))
    return out


def _supplement_dates(old, new) -> list:
    """The first days of the supplements added, edited or brought into force in `new`."""
    olds = _supplements(old)
    return [s.effective_from for key, s in _supplements(new).items() if key not in olds or olds[key].data != s.data
            or _supplement_state(old, olds[key]) != _supplement_state(new, s)]


def change_date(old, new):
    """The first day on which some version in `new` applies differently from `old` (None if none does): an added
    or edited version from its effective_from; a version whose end date alone moved, from the earlier end + 1."""
    olds, news = dict(_versions(old)), dict(_versions(new))
    dates = []
    for k, v in news.items():
        if v.status == "draft":
            continue
        before = olds.get(k)
        if before is None:
            dates.append(v.effective_from)
            continue
        a = {x: y for x, y in _body(before).items() if x != "effective_to"}
        b = {x: y for x, y in _body(v).items() if x != "effective_to"}
        if a != b:
            dates.append(v.effective_from)
        elif before.effective_to != v.effective_to:
            ends = [e for e in (before.effective_to, v.effective_to) if e is not None]
            dates.append(min(ends) + dt.timedelta(days=1))
    return min(dates + _supplement_dates(old, new), default=None)
