"""Alternative readings made executable: an interpretation's alternative may carry a `patch` (changes to policy or
rule data the reading amounts to, e.g. raises `combine: max`). `variant(repo, {interpretation: code})` is the
repository as that reading would have it (cached, copied only where patched); `differences(...)` re-rules a case
under every other executable reading of the interpretations its ruling rests on and notes where the result differs.

Those notes are data (`reading_note`): the interpretation, the reading used, the alternative, and per result that
differs the value under each (or the error that stopped the ruling under the alternative). render/notes.py words
them (`en`, `zh`) where the ruling is finished for output (`render.notes.worded`).
"""
from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

from ..engine import conditions
from ..cases import catalogue
from ..kinds.errors import RulingError
from ..kinds import KINDS
from ..kinds.trace import Results


class ReadingError(Exception):
    pass


def readings_of(repo, iid: str) -> dict:
    """code -> patch (None for the reading the repository uses) of every executable reading of an interpretation."""
    it = repo.interpretations[iid][0]
    out = {it["reading"]["code"]: None}
    for alt in it.get("alternatives", []):
        if "patch" in alt:
            out[alt["code"]] = alt["patch"]
    return out


def parse_choice(repo, text: str) -> tuple[str, str]:
    """'INTERPRETATION=ALTERNATIVE' checked against interpretations/: (interpretation id, reading code)."""
    iid, sep, code = text.partition("=")
    if not sep or not iid or not code:
        raise ReadingError(f"--reading '{text}': write INTERPRETATION=ALTERNATIVE, e.g. "
                           "raises_add_up_highest_only_capped=max_of_raises")
    if iid not in repo.interpretations:
        raise ReadingError(f"--reading: no interpretation '{iid}' (known: {', '.join(sorted(repo.interpretations))})")
    it = repo.interpretations[iid][0]
    codes = [it["reading"]["code"]] + [a["code"] for a in it.get("alternatives", [])]
    if code not in codes:
        raise ReadingError(f"--reading: interpretation '{iid}' has no reading '{code}' (it has: {', '.join(codes)})")
    if code not in readings_of(repo, iid):
        raise ReadingError(f"--reading: the alternative '{code}' of '{iid}' carries no patch, so it cannot be "
                           "evaluated; add one to interpretations/ (docs/verification.md)")
    return iid, code


def resolve(data, path: str):
    """The (container, key) a patch path names inside a file's data; a list of objects with ids (or codes) is
    indexed by id (or code), any list by position."""
    parts = path.split("/")
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, dict):
            if part not in node and not last:
                raise KeyError(f"no field '{part}'")
            key = part
        elif isinstance(node, list):
            if part.isdigit() and int(part) < len(node):
                key = int(part)
            else:
                matches = [j for j, x in enumerate(node) if isinstance(x, dict) and part in (x.get("id"), x.get("code"))]
                if not matches:
                    raise KeyError(f"no element with id or code '{part}'")
                key = matches[0]
        else:
            raise KeyError(f"'{part}' goes inside a value that is neither an object nor a list")
        if last:
            return node, key
        node = node[key]
    raise KeyError("empty path")


def apply_patches(repo, patches: list):
    """(the repository with the patches applied to copies of their targets, {target: patched versions})."""
    touched = {}
    for p in patches:
        table = repo.rulesets if p["target"] in repo.rulesets else repo.policies
        if p["target"] not in table:
            raise KeyError(f"no policy or rule set '{p['target']}'")
        if p["target"] not in touched:
            touched[p["target"]] = [dataclasses.replace(v, data=copy.deepcopy(v.data)) for v in table[p["target"]]]
        for v in touched[p["target"]]:
            container, key = resolve(v.data, p["path"])
            container[key] = copy.deepcopy(p["value"])
    policies, rulesets = dict(repo.policies), dict(repo.rulesets)
    compiled = dict(repo.compiled_rules)
    problems = []
    types = catalogue.fact_types(repo.schema_dir) if any(t in repo.rulesets for t in touched) else {}
    for target, versions in touched.items():
        if target in repo.rulesets:
            rulesets[target] = versions
            for v in versions:
                rules, probs = conditions.parse_ruleset(v, types.get(v.data["case_kind"], {}))
                compiled[(v.id, v.version)] = rules
                problems += probs
        else:
            policies[target] = versions
    return dataclasses.replace(repo, policies=policies, rulesets=rulesets, compiled_rules=compiled,
                               problems=list(repo.problems) + problems), touched


def variant(repo, choices: dict):
    """The repository under the chosen readings ({interpretation id: reading code}); the repo itself when none."""
    patches = []
    for iid, code in sorted(choices.items()):
        patch = readings_of(repo, iid).get(code)
        if patch:
            patches += patch
    if not patches:
        return repo
    cache = repo.__dict__.setdefault("_reading_variants", {})
    key = tuple(sorted(choices.items()))
    if key not in cache:
        cache[key] = apply_patches(repo, patches)[0]
    return cache[key]


def relied_on(repo, versions_used: dict) -> list[str]:
    """Interpretations named by the policy and rule versions a ruling used (including rules that did not fire)."""
    out = []
    for pid, number in versions_used.items():
        for table in (repo.policies, repo.rulesets):
            for v in table.get(pid, []):
                if v.version == number:
                    out += v.data.get("interpretations", [])
                    for rule in v.data.get("rules", []):
                        out += rule.get("interpretations", [])
    return [i for i in dict.fromkeys(out) if i in repo.interpretations]


def alternatives(repo, versions_used: dict, choices: dict) -> list[tuple]:
    """(interpretation id, interpretation, reading used, other reading, choices for it, repository under it) for
    every executable reading other than the one used, of the interpretations a ruling on these versions rests on
    (plan). Worked out once per set of versions and choices and kept beside the repository: rulings of one file
    share a handful of them. The order is the first ruling's, as the versions were used (a ruling's notes follow it)."""
    return planned(repo, versions_used, choices)[0]


def planned(repo, versions_used: dict, choices: dict) -> tuple[list, dict]:
    """(alternatives(...), (interpretation id, reading) -> its place in them). Looked up by the versions and choices
    in the order given first (the same ruling's again: no sorting), then in sorted order (the set of them)."""
    plans = repo.__dict__.setdefault("_reading_plans", {})
    last = plans.get(None)  # (versions, choices, what they gave): most rulings in a row used the versions before them
    if last is not None and last[0] == versions_used and last[1] == choices:  # as mappings: equal in any order, as
        return last[2]  # the sorted key below finds them
    given = (tuple(versions_used.items()), tuple(choices.items()))
    got = plans.get(given)
    if got is None:
        key = (tuple(sorted(versions_used.items())), tuple(sorted(choices.items())))
        got = plans.get(key)
        if got is None:
            alts = plan(repo, versions_used, choices)
            got = (alts, {(a[0], a[3]): i for i, a in enumerate(alts)})
            if len(plans) > 4096:  # bounded, whatever the files ask
                plans.clear()
            plans[key] = got
        plans[given] = got  # the same entry under both keys: cleared together
    plans[None] = (dict(versions_used), dict(choices), got)
    return got


def plan(repo, versions_used: dict, choices: dict) -> list[tuple]:
    """What `alternatives` gives, worked out afresh and kept nowhere (the readings a compiled program covers,
    batch/reading_notes.py, must not decide the order of a ruling's notes)."""
    out = []
    for iid in relied_on(repo, versions_used):
        it = repo.interpretations[iid][0]
        used = choices.get(iid, it["reading"]["code"])
        for code in readings_of(repo, iid):
            if code == used:
                continue
            other = {k: c for k, c in choices.items() if k != iid}
            if code != it["reading"]["code"]:
                other[iid] = code
            out.append((iid, it, used, code, other, variant(repo, other)))
    return out


@dataclasses.dataclass
class Ruled:
    """A case already ruled under some readings elsewhere (batch/reading_notes.py rules many worker cases at once on
    the compiled program), for `differences` to use instead of ruling the case again under them.

    `results`: the case's results under the repository's own readings, as that ruling gave them (they must be
    identical to the ruling's here, else nothing of this is used); `readings`: the (interpretation, code) pairs
    ruled; `other`: (interpretation, code) -> the results under that reading (a dict), or the message of the
    RulingError that stopped the ruling under it (a str). A reading ruled but absent from `other` gave `results`."""
    results: dict
    readings: frozenset
    other: dict


def differences(case, repo, engine, results: dict, versions_used: dict, choices: dict, reach=None,
                ruled: Ruled | None = None) -> list[dict]:
    """Notes for every executable reading, other than the one used, under which this case's results would differ.

    `reach` (a Reach, from the ruling made under the repository's own readings) lets a reading that cannot change
    this case's results go without ruling the case again under it (ruling/reading_reach.py); None rules every one.
    The case ruled again fills a results-only trace (kinds.trace.Results): only its results are compared.
    `ruled` (a Ruled) gives the results under the readings it covers without ruling again; it is used only if its
    results under the repository's own readings are identical to `results` (types and all) and no reading was
    chosen, else every reading is ruled again here (the definition of the notes)."""
    if ruled is not None and (choices or not identical(ruled.results, results)):
        ruled = None
    alts, places = planned(repo, versions_used, choices)
    if ruled is not None and covered(places, ruled.readings):
        # every reading ruled: only those whose results differ (in Ruled.other) are looked at, in the plan's order
        other, notes = ruled.other, []
        for i in sorted([places[p] for p in other if p in places]) if other else ():
            iid, it, used, code = alts[i][:4]
            note = note_on(iid, it, code, used, other[(iid, code)], results)
            if note is not None:
                notes.append(note)
        return notes
    notes = []
    rerun = reach.replaying() if reach is not None and not choices else engine
    for iid, it, used, code, other, other_repo in alts:
        if ruled is not None and (iid, code) in ruled.readings:
            alt = ruled.other.get((iid, code))
            if alt is None:  # the reading gave these very results: nothing differs
                continue
        elif reach is not None and not choices and not reach.can_differ(iid, code, other_repo):
            continue
        else:
            try:
                alt = KINDS[case.kind](case, other_repo, rerun, Results).results
            except RulingError as exc:
                alt = str(exc)
        note = note_on(iid, it, code, used, alt, results)
        if note is not None:
            notes.append(note)
    return notes


def note_on(iid: str, it: dict, code: str, used: str, alt, results: dict) -> dict | None:
    """The note on the alternative reading `code` of `iid`, given what the case gave under it (`alt`: its results,
    or the message of the error that stopped the ruling), or None when no result differs."""
    if isinstance(alt, str):
        return reading_note(iid, it, code, used, error=alt)
    get = alt.get
    diff = [{"result": k, "value": a, "value_used": v} for k, v in results.items()
            if (a := get(k, _ABSENT)) is not _ABSENT and a != v]
    return reading_note(iid, it, code, used, differences=diff) if diff else None


def covered(places: dict, readings: frozenset) -> bool:
    """Whether a plan's readings (`places`, planned()) are all among those ruled (`readings`, Ruled.readings):
    remembered per pair of objects (a plan's, a window's), as the cases of a window share both (the last pair
    asked is looked at first: the cases of a window come one after another)."""
    last = _COVERED_LAST[0]
    if last[0] is places and last[1] is readings:
        return last[2]
    key = (id(places), id(readings))
    hit = _COVERED.get(key)
    if hit is None or hit[0] is not places or hit[1] is not readings:
        if len(_COVERED) >= 4096:  # plans and windows: few at a time; bounded all the same
            _COVERED.clear()
        hit = _COVERED[key] = (places, readings, places.keys() <= readings)
    _COVERED_LAST[0] = hit  # one assignment: a thread never sees half of it
    return hit[2]


_COVERED: dict = {}
_COVERED_LAST: list = [(None, None, False)]


_PLAIN = frozenset((str, int, bool, type(None)))  # equal values of one of these types are written alike


class _Absent:
    __slots__ = ()


_ABSENT = _Absent()


def identical(a, b) -> bool:
    """Equal, of the same types throughout, and numbers written alike: 1, 1.0, True and Decimal(1) are not
    identical, nor Decimal('400.5') and Decimal('400.50') (a ruling prints them otherwise). A value is identical to
    itself (the very object: a figure both rulings read from the policy data)."""
    t = type(a)
    if t is not type(b):
        return False
    if t in _PLAIN:
        return a == b
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        get = b.get
        for k, v in a.items():  # a ruling's results: plain values and lists of them, looked at here at once
            w = get(k, _ABSENT)
            if w is v:
                continue
            tv = type(v)
            if tv is not type(w):  # or a key b lacks: no value is of _ABSENT's type
                return False
            if tv in _PLAIN:
                if v != w:
                    return False
            elif tv is Decimal or tv is float:
                if str(v) != str(w):  # its written form (Decimal 400.5 and 400.50 are equal, written otherwise)
                    return False
            elif tv is list:
                if len(v) != len(w):
                    return False
                for x, y in zip(v, w):
                    tx = type(x)
                    if tx is not type(y) or (x != y if tx in _PLAIN else not identical(x, y)):
                        return False
            elif not identical(v, w):
                return False
        return True
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    if isinstance(a, (float, Decimal)):
        return repr(a) == repr(b)
    return a == b


ALTERNATIVE_READING = "alternative_reading"


def reading_note(iid: str, it: dict, code: str, used: str, differences=(), error: str | None = None) -> dict:
    """A note, as data, that the case would be ruled otherwise under the alternative reading `code` of the
    interpretation `iid` (the reading `used` was used): each result that differs with its value under the
    alternative (`value`) and under the reading used (`value_used`), or the `error` that stopped the ruling."""
    if error is not None:
        return {"code": ALTERNATIVE_READING, "interpretation": iid, "reading_used": used, "alternative": code,
                "error": error, "clauses": list(it["clauses"]), "interpretations": [iid]}
    return {"code": ALTERNATIVE_READING, "interpretation": iid, "reading_used": used, "alternative": code,
            "differences": list(differences), "clauses": list(it["clauses"]), "interpretations": [iid]}
