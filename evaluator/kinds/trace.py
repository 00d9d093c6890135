"""Trace entries: each result with the rule that produced it, its inputs, the clauses it rests on (quoted verbatim
from the clause store) and the interpretations it relies on."""
from __future__ import annotations


class Trace:
    keeps_entries = True  # False for Results: a step may then skip building what only entries and notes show
    __slots__ = ("repo", "entries", "results", "notes", "versions", "rule_runs")  # one per ruling: made quickly

    def __init__(self, repo):
        self.repo = repo
        self.entries: list[dict] = []
        self.results: dict = {}
        self.notes: list[dict] = []
        self.versions: dict = {}
        self.rule_runs: list[tuple] = []  # (rule set version, rules, facts as the evaluator saw them, fired ids)

    def use(self, version) -> None:
        """Record that a policy or rule version was used for this ruling."""
        self.versions[version.id] = version.version

    def add(self, result: str, value, rule: str, inputs: dict, cites, interpretations=(), set_result=True,
            modality: str | None = None, layer: dict | None = None) -> None:
        """`modality` is the force of the rule as the text states it (must, as_a_rule, may), when it has one;
        `layer` the district layer of a result the city delegates to an area (kinds/district.py)."""
        entry = {
            "result": result,
            "value": value,
            "rule": rule,
            "inputs": inputs,
            "clauses": list(map(dict.copy, quoted(self.repo, cites))),
            "interpretations": list(dict.fromkeys(interpretations)),
        }
        if modality is not None:
            entry["modality"] = modality
        if layer is not None:
            entry["layer"] = layer
        self.entries.append(entry)
        if set_result:
            self.results[result] = value

    def put(self, result: str, value, head: tuple, inputs: dict, quotes: tuple) -> None:
        """add() for a step that hands down its rule and interpretations as `head` (rule, interpretations once each:
        common.Day.head) and its clauses already quoted (`quoted(repo, cites)`): the same entry, built without
        asking again."""
        self.entries.append({"result": result, "value": value, "rule": head[0], "inputs": inputs,
                             "clauses": list(map(dict.copy, quotes)),
                             "interpretations": list(head[1])})
        self.results[result] = value

    def put_all(self, templates: tuple) -> None:
        """put() of each entry `template()` made: a step remembered for many rulings hands its entries down made,
        and each ruling gets its own copy (its inputs, their lists and mappings, its clauses and interpretations)."""
        append, results, store, copy_quote = self.entries.append, self.results, self.repo.clauses, dict.copy
        for result, value, entry, inputs, nested, quotes, interpretations, clauses in templates:
            entry = entry.copy()  # result, value and rule set, in the order of an entry's keys
            entry["inputs"] = inputs = inputs.copy()
            if nested:
                for k, copy in nested:  # each list or mapping of the inputs, copied as template() said
                    inputs[k] = copy(inputs[k])
            if clauses is not store:  # made with another clause store: quoted again
                quotes = quoted(self.repo, [q["id"] for q in quotes])
            entry["clauses"] = [*map(copy_quote, quotes)]
            entry["interpretations"] = [*interpretations]
            append(entry)
            results[result] = value

    def rules_ran(self, version, rules, facts: dict, fired) -> None:
        """Record what a rule set was given and what fired, so that a rule that did not fire can be explained."""
        self.rule_runs.append((version, rules, dict(facts), list(fired)))  # as given, whatever the kind does next

    def note(self, code: str, en: str, zh: str, cites=(), interpretations=()) -> None:
        self.notes.append({"code": code, "en": en, "zh": zh, "clauses": list(cites),
                           "interpretations": list(interpretations)})

    def note_interpretation(self, iid: str) -> None:
        """Show an interpretation's reading as a note, e.g. where the text delegates a choice to the districts."""
        known = self.repo.interpretations.get(iid)
        if known is None:
            return
        for n in self.notes:
            if n["code"] == iid:
                return
        it = known[0]
        self.note(iid, it["reading"]["en"], it["reading"].get("zh", ""), it["clauses"], [iid])


def template(repo, result: str, value, head: tuple, inputs: dict, cites) -> tuple:
    """A trace entry made once, for the rulings of a remembered step to copy (Trace.put_all): what put() is given
    (the value a scalar, shared), with each input that holds a list or mapping named beside the copy it needs (a
    shallow copy where it holds only scalars, else fresh()) and the clauses quoted. The entry's result, value and
    rule are held as a mapping with every key of an entry in order (its inputs, clauses and interpretations still
    None), which each ruling copies and fills (cheaper than making the mapping anew)."""
    nested = tuple((k, copier(v)) for k, v in inputs.items() if isinstance(v, (list, dict)))
    entry = {"result": result, "value": value, "rule": head[0], "inputs": None, "clauses": None,
             "interpretations": None}
    return result, value, entry, inputs, nested, quoted(repo, cites), head[1], repo.clauses


def copier(value):
    """How to copy a list or mapping of a trace input for a ruling of its own: list.copy or dict.copy when it holds
    no list or mapping (its scalars are immutable), else fresh()."""
    if type(value) is list and not any(isinstance(v, (list, dict)) for v in value):
        return list.copy
    if type(value) is dict and not any(isinstance(v, (list, dict)) for v in value.values()):
        return dict.copy
    return fresh


def fresh(value):
    """A copy of a trace input, its lists and mappings copied all the way down (scalars are immutable)."""
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fresh(v) if isinstance(v, (list, dict)) else v for v in value]
    return value


def quoted(repo, cites) -> tuple:
    """{"id": clause id, "text": its text} for each clause cited, once each, in order: remembered per clause store
    and list of cites (a ruling quotes the same few lists of clauses again and again; the texts of a loaded store do
    not change). The mappings are the remembered ones: a trace entry holds copies (`list(map(dict.copy, ...))`)."""
    key = tuple(cites)
    clauses = repo.clauses
    hit = _QUOTED.get(key)
    if hit is not None and hit[0] is clauses:
        return hit[1]
    cite = repo.cite
    out = tuple({"id": c, "text": cite(c).text} for c in dict.fromkeys(key))
    if len(_QUOTED) >= 4096:  # lists of cites come from the policy data, not the case: few; bounded all the same
        _QUOTED.clear()
    _QUOTED[key] = (clauses, out)
    return out


_QUOTED: dict = {}


class Results(Trace):
    """A trace that keeps only the results (and the versions and rule runs): for a ruling whose results alone are
    wanted, e.g. the case ruled again under another reading for the notes (ruling/readings.differences). The same
    computation runs, so the same results and the same errors come out; no entry, clause text or note is built."""

    keeps_entries = False
    __slots__ = ()

    def add(self, result: str, value, rule: str, inputs: dict, cites, interpretations=(), set_result=True,
            modality: str | None = None, layer: dict | None = None) -> None:
        if set_result:
            self.results[result] = value

    def put(self, result: str, value, head: tuple, inputs: dict, quotes: tuple) -> None:
        self.results[result] = value

    def put_all(self, templates: tuple) -> None:
        for t in templates:
            self.results[t[0]] = t[1]

    def note(self, code: str, en: str, zh: str, cites=(), interpretations=()) -> None:
        pass

    def note_interpretation(self, iid: str) -> None:
        pass
