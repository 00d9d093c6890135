"""Where an alternative reading can reach a ruling, so that only those readings are ruled again for the notes.

An executable reading is a patch: values set at paths of policy or rule-set data (interpretations/*.yaml). A ruling
is a function of the case and of the data it reads, so a patch can change a case's results only if

- the ruling read a value the patch sets (policies, and rule-set data other than the compiled conditions), or
- a rule set the patch changes was run, and its patched rules fire otherwise on the facts that run was given.

`watched(repo)` is the repository's twin (made once per repository, the loaded repository left as it is) with a
recording mapping (`Watched`) in the place of every mapping a patch writes into; `reading(repo)` records, while one
case is ruled on that twin, which readings' patched values that ruling read.
`can_differ` then says, per reading, whether the case must be ruled again under it (ruling/readings.differences);
the notes are the same as ruling every case under every reading (tests/test_reading_reach.py compares both on every
case file of the repository). Nothing here knows which interpretations exist: any reading with a patch is watched.

A patch that writes into a list (not a mapping) or at the top of a file cannot be watched: its reading is always
ruled again.
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading

from ..kinds import memo
from .readings import readings_of, resolve

_WATCHING = threading.Lock()
_SEEN = memo.READS  # what is being recorded: the steps a ruling remembers record it again when found (memo.keep)


class Watched(dict):
    """A mapping of policy data that records, into the ruling being watched, the readings whose patched key was
    read; any look at the whole mapping (iterating, copying, comparing, printing) counts as reading every key."""
    __slots__ = ("watch_keys",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.watch_keys: dict = {}  # key -> the readings (interpretation, code) whose patch sets it

    def _read(self, key) -> None:
        seen = _SEEN.get()
        if seen is not None and key in self.watch_keys:
            seen.update(self.watch_keys[key])

    def _read_all(self) -> None:
        seen = _SEEN.get()
        if seen is not None:
            for labels in self.watch_keys.values():
                seen.update(labels)

    def __getitem__(self, key):
        self._read(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._read(key)
        return super().get(key, default)

    def __contains__(self, key):
        self._read(key)
        return super().__contains__(key)

    def setdefault(self, key, default=None):
        self._read(key)
        return super().setdefault(key, default)

    def pop(self, key, *default):
        self._read(key)
        return super().pop(key, *default)

    def __iter__(self):
        self._read_all()
        return super().__iter__()

    def keys(self):
        self._read_all()
        return super().keys()

    def values(self):
        self._read_all()
        return super().values()

    def items(self):
        self._read_all()
        return super().items()

    def __len__(self):
        self._read_all()
        return super().__len__()

    def __eq__(self, other):
        self._read_all()
        return super().__eq__(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self):
        self._read_all()
        return super().__repr__()

    def copy(self):
        self._read_all()
        return dict(super().items())

    def __or__(self, other):
        return self.copy() | other

    def __ror__(self, other):
        return other | self.copy()

    def __deepcopy__(self, memo):
        self._read_all()
        return copy.deepcopy(dict(super().items()), memo)

    def __reduce__(self):
        # Pickled (e.g. to a worker process) with what it watches, so the copy records as the original does.
        return (_rebuilt, (dict(super().items()), self.watch_keys))


def _rebuilt(items: dict, watch_keys: dict) -> Watched:
    out = Watched(items)
    out.watch_keys = watch_keys
    return out


def watched(repo):
    """The repository's watched twin: the same repository object but for the versions some reading's patch writes
    into, which are copies whose patched mappings are Watched. Made once per repository and kept beside it; the
    loaded repository itself is never changed, so nothing but the rulings made for the notes records anything."""
    twin = repo.__dict__.get("_reading_reach_twin")
    if twin is None:
        with _WATCHING:
            twin = repo.__dict__.get("_reading_reach_twin")
            if twin is None:
                twin = repo.__dict__["_reading_reach_twin"] = _twin(repo)
    return twin


def _twin(repo):
    always = set()  # readings whose patched place cannot be watched: every case is ruled again under them
    copied: dict = {}  # target -> its versions, copied (data deep-copied) where a patch writes
    for iid, (it, *_) in repo.interpretations.items():
        for alt in it.get("alternatives", []):
            for p in alt.get("patch") or []:
                label = (iid, alt["code"])
                table = repo.rulesets if p["target"] in repo.rulesets else repo.policies
                if p["target"] not in table:  # a broken patch: the repository's checks report it
                    continue
                if p["target"] not in copied:
                    copied[p["target"]] = [dataclasses.replace(v, data=copy.deepcopy(v.data))
                                           for v in table[p["target"]]]
                parts = p["path"].split("/")
                for v in copied[p["target"]]:
                    try:
                        container, key = resolve(v.data, p["path"])
                        holder, hkey = resolve(v.data, "/".join(parts[:-1])) if len(parts) > 1 else (None, None)
                    except KeyError:
                        always.add(label)
                        continue
                    if holder is None or not isinstance(container, dict):
                        always.add(label)
                        continue
                    if not isinstance(container, Watched):
                        container = Watched(dict.items(container))
                        holder[hkey] = container
                    container.watch_keys.setdefault(key, set()).add(label)
    policies = {k: copied.get(k, vs) for k, vs in repo.policies.items()}
    rulesets = {k: copied.get(k, vs) for k, vs in repo.rulesets.items()}
    twin = dataclasses.replace(repo, policies=policies, rulesets=rulesets)
    twin.__dict__["_reading_reach_always"] = frozenset(always)
    return twin


class Reach:
    """What one ruling (made under the repository's own readings) read: `can_differ` says whether a reading could
    give it other results, so that the case is ruled again under that reading only then."""

    def __init__(self, repo, engine, case, seen: set, repo_watched=None):
        self.repo, self.engine, self.case, self.seen = repo, engine, case, seen
        self.repo_watched = repo_watched if repo_watched is not None else watched(repo)  # rule the case on this
        self.rule_runs: list = []

    def can_differ(self, iid: str, code: str, variant_repo) -> bool:
        if (iid, code) in self.seen:
            return True
        rule_sets = {p["target"] for p in readings_of(self.repo, iid).get(code) or []
                     if p["target"] in self.repo.rulesets}
        return bool(rule_sets) and not rules_fire_alike(variant_repo, rule_sets, self.rule_runs, self.engine,
                                                         self.case.kind, self.case.id)


    def replaying(self):
        """The engine for ruling the case again: a rule set given the very rules and facts the ruling gave it
        fires what it fired then (the engine is a function of the two), without running the engine again."""
        return Replaying(self.engine, self.rule_runs)


class Replaying:
    """An engine that answers from the rule runs of a ruling when rules and facts are the same, else runs."""

    def __init__(self, engine, rule_runs):
        self.engine, self.name = engine, engine.name
        self.runs = [(rules, facts, fired) for _version, rules, facts, fired in rule_runs]

    def fire(self, rules, facts: dict, case_kind: str, case_id: str = "") -> list:
        for ran, given, fired in self.runs:
            if ran is rules and same(given, facts):
                return list(fired)
        return self.engine.fire(rules, facts, case_kind, case_id)


def same(given: dict, facts: dict) -> bool:
    """The same facts: equal, and each of the same type (1, 1.0, True and Decimal(1) are not the same fact; what
    lies inside a list was checked against the case schema, so equal items are of one type)."""
    return given == facts and all(type(v) is type(facts[k]) for k, v in given.items())


@contextlib.contextmanager
def reading(repo, engine, case):
    """Watch the ruling made inside the block on `reach.repo_watched` (the repository's watched twin): yields a
    Reach; give it the trace's rule runs (`reach.rule_runs`) once the ruling is made."""
    twin = watched(repo)
    with recording(set(twin.__dict__["_reading_reach_always"])) as seen:
        yield Reach(repo, engine, case, seen, twin)


@contextlib.contextmanager
def recording(seen: set):
    """Inside the block, every Watched mapping adds to `seen` the readings whose patched key is read."""
    token = _SEEN.set(seen)
    try:
        yield seen
    finally:
        _SEEN.reset(token)


def rules_fire_alike(variant_repo, targets: set, rule_runs, engine, case_kind: str, case_id: str) -> bool:
    """Whether every run of a patched rule set in this ruling fires the same rules under the variant's compiled
    conditions, on the facts that run was given (then the reading gives the same results)."""
    for version, _rules, facts, fired in rule_runs:
        if version.id not in targets:
            continue
        other = variant_repo.compiled_rules.get((version.id, version.version))
        if other is None:
            return False
        try:
            if sorted(engine.fire(other, facts, case_kind, case_id)) != sorted(fired):
                return False
        except Exception:  # noqa: BLE001 - any doubt: rule the case again under the reading
            return False
    return True
