"""Running the condition rule sets in force for a case kind, and tracing what fired (or why nothing did)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..engine.conditions import holds
from . import common, memo
from .trace import Trace, quoted


def apply_rulesets(tr: Trace, repo, engine, case_kind: str, case_id: str, facts: dict, day: dt.date,
                   on: common.Day | None = None) -> None:
    """Fire every rule set of `case_kind` in force on `day`; each sets its result to the sorted codes that fired.

    Each fired rule gets a trace entry citing its clauses; a rule set where nothing fired gets one entry with the
    value [] that shows every fact its rules read, citing the clauses the rule set encodes. `on`: the Day of `repo`
    and `day` (common.on), when the caller has it at hand.
    """
    if on is None:
        on = common.on(repo, day)
    for v in on.rulesets(case_kind):
        rules, fired, read = fire(tr, repo, engine, v, case_kind, case_id, facts)
        result = v.data["result"]
        if not fired:
            if tr.keeps_entries:  # not a results-only trace (kinds.trace.Results)
                tr.put(result, [], (on.head(v, "none")[0], ()), read.copy(), quoted(repo, v.data["encodes"]))
            tr.results[result] = []
            continue
        tr.results[result] = sorted(r.id for r in rules if r.id in fired)
        if not tr.keeps_entries:
            continue
        for r in rules:
            if r.id not in fired:
                continue
            tr.add(result, r.id, f"{v.id}@{v.version}#{r.id}", shown(facts, r.facts), r.cites, r.interpretations,
                   set_result=False, modality=r.modality)
            note_readings(tr, r, facts)


def fire(tr: Trace, repo, engine, version, case_kind: str, case_id: str,
         facts: dict) -> tuple[list, frozenset, dict]:
    """Run one rule set version on the facts with the engine: (its rules, the ids of those that fired, the facts
    they read as a trace entry shows them: see answered), recorded in the trace as used and as run (for why-not
    explanations)."""
    tr.use(version)
    rules = repo.compiled_rules[(version.id, version.version)]
    fired, read = answered(engine, rules, facts, case_kind, case_id)
    tr.rules_ran(version, rules, facts, fired)
    return rules, fired, read


def answered(engine, rules: list, facts: dict, case_kind: str, case_id: str) -> tuple[frozenset, dict]:
    """(the ids of the rules the engine fires on the facts, the facts the rules read as a trace entry shows them:
    shown(facts, facts_read(rules)), not to be changed).

    The engine's answer is a function of the rules and the facts they read, so it is remembered per rule list (the
    very object), engine (by name: an engine replaying a ruling's runs answers as the engine it replays) and the
    facts the rules read as given, each of its type and the absent ones told from those given (at most
    MAX_ANSWERS): the same facts again (most workers' exit grounds) are answered without asking the engine, which
    remembers its answers too, and without showing the facts again. An answer the engine refuses (a FactError, an
    EngineError) is never remembered, so it is refused again each time. Compiled rules read their conditions from
    the rule set's data, which the mutation sweep changes in place: inside memo.suspended() nothing is answered
    from memory, and memo.forget() forgets the answers too."""
    names, absent = _read_shape(rules)
    generation = memo.generation()
    if generation != _ANSWERS_OF[0]:  # rule data may have changed in place since (memo.forget, memo.suspended):
        _ANSWERS.clear()  # what was remembered is forgotten, and inside suspended() nothing is remembered
        _ANSWERS_OF[0] = generation
    if generation is None:
        return frozenset(engine.fire(rules, facts, case_kind, case_id)), shown(facts, names)
    given = tuple(map(facts.get, names, absent))
    key = (id(rules), engine.name, case_kind, given, tuple(map(type, given)))
    try:
        hit = _ANSWERS.get(key)
    except TypeError:  # a value that cannot be a key (a list where the rules read a number): the engine refuses it
        key = hit = None
    if hit is not None and hit[0] is rules:
        return hit[1], hit[2]
    fired = frozenset(engine.fire(rules, facts, case_kind, case_id))
    read = shown(facts, names)
    if key is not None:
        if len(_ANSWERS) >= MAX_ANSWERS:
            _ANSWERS.clear()
        _ANSWERS[key] = (rules, fired, read)
    return fired, read


MAX_ANSWERS = 16_384  # remembered rule set answers (each a key of a dozen facts and their shown mapping)
_ANSWERS: dict = {}
_ANSWERS_OF: list = [None]  # the memo generation (kinds/memo.generation) the answers remembered belong to
_ABSENT = object()  # a fact the case does not give (not the same as one given as null, which the engines refuse)


def facts_read(rules: list) -> tuple:
    """The names of every fact a rule list reads, sorted (remembered per rule list: asked once per case)."""
    return _read_shape(rules)[0]


def _read_shape(rules: list) -> tuple:
    """(facts_read(rules), as many _ABSENTs): remembered per rule list."""
    hit = _READ.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    names = tuple(sorted({n for r in rules for n in r.facts}))
    if len(_READ) >= 4096:  # rule lists come from the repository, not the case: few; bounded all the same
        _READ.clear()
    shape = _READ[id(rules)] = (rules, (names, (_ABSENT,) * len(names)))
    return shape[1]


_READ: dict = {}


def note_readings(tr: Trace, rule, facts: dict) -> None:
    """The readings a fired rule says it rests on (where their `when` holds), noted on the ruling."""
    for note in rule.notes:
        if "when" not in note or holds(note["when"], facts):
            tr.note_interpretation(note["interpretation"])


def plain(v):
    """A fact's value as a trace input: dates in ISO form."""
    return v.isoformat() if isinstance(v, dt.date) else v


def shown(facts: dict, names) -> dict:
    """{name: plain(facts.get(name))} for each name, in order: the facts a rule read, as its trace entry's inputs."""
    out = dict(zip(names, map(facts.get, names)))
    if not _NOT_DATES.issuperset(map(type, out.values())):  # a date among them (rarely: the engines take none)
        for name, v in out.items():
            if isinstance(v, dt.date):
                out[name] = v.isoformat()
    return out


_NOT_DATES = frozenset((str, int, bool, float, Decimal, type(None)))  # values of these types are shown as they are
