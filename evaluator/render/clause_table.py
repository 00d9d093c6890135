"""The table of quoted clauses of a rulings document in the table form (render/ruling_format.py), and each ruling's
quotes referred to it.

A quote is referred to the table as `{"id"}` where its text is the table's for its clause; the table's entry of a
clause is made from the first quote of it (with where the clause stands, if that text is the clause's in the
repository). A trace quotes the same few lists of clauses again and again, so each list is worked out once per table
and kept as a *record*: the list as first given, its referred form as data, the same as JSON written where a trace
entry's quotes stand in a document (indented, or compact), and whether every text in it is its clause's own.

How a list given again is known: by its first and last clause's ids (two lookups, which tell the lists of a trace
apart but for a few), then by being equal to the record's list as first given, quote for quote — ids and texts
compared (in C, by list and dict equality). So every quote's text is still checked, against a list whose texts were
checked clause by clause when it was first given (its clauses entered in the table, each quote compared with the
table's text and with the repository's), not clause by clause again.
"""
from __future__ import annotations

import operator

from .text import fragment

_QUOTE = operator.itemgetter("id", "text")

# Where the quotes of a trace (or why_not) entry stand in a document of rulings written with indent 2, a ruling being
# an item of the document's list (render/text.nested_json_bytes): {"rulings": [{"trace": [{"clauses": here.
QUOTES_INDENT = 10

# A record: (the quotes as first given (copied), referred as data, as indented JSON, as compact JSON, own texts)
GIVEN, PLAIN, NESTED, COMPACT, OWN = range(5)


def clause_entry(repo, clause_id: str, text: str) -> dict:
    """What the table says of a quoted clause or unit: its text, and where it stands in the official text (made
    once per clause store and clause: each table gets a copy)."""
    store = repo.clauses if repo is not None else None
    hit = _ENTRIES.get(clause_id)
    if hit is not None and hit[0] is store and hit[1]["text"] == text:
        return hit[1].copy()
    entry = _entry(store, clause_id, text)
    if "clause" in entry:  # the clause's own text (another text is not remembered: it may be a ruling's)
        if len(_ENTRIES) >= ClauseTable.MAX_REMEMBERED:
            _ENTRIES.clear()
        _ENTRIES[clause_id] = (store, entry)
    return entry.copy()


def _entry(store, clause_id: str, text: str) -> dict:
    cite = store.get(clause_id) if store is not None else None
    if cite is None or cite.text != text:
        return {"text": text}
    path = cite.json_path
    clause = cite.doc.data["clauses"][path[1]] if len(path) > 1 and path[0] == "clauses" else {}
    entry = {"text": text, "document": cite.doc.data.get("document", ""), "clause": cite.clause_id}
    if clause.get("heading"):
        entry["heading"] = clause["heading"]
    entry["title_en"] = cite.title_en
    return entry


_ENTRIES: dict = {}  # clause id -> (the clause store, its table entry) of the last store asked about it


def own_quotes(repo, quotes) -> bool:
    """Whether every quote has its clause's text in `repo`."""
    store = repo.clauses if repo is not None else {}
    for q in quotes:
        cite = store.get(q["id"])
        if cite is None or q["text"] != cite.text:
            return False
    return True


class ClauseTable:
    """Collects the quoted clauses of the rulings given to `refer`, each once, in the order first quoted."""

    MAX_REMEMBERED = 4096  # lists of quotes remembered per table (they come from the policy data: few)

    def __init__(self, repo):
        self.repo, self.clauses = repo, {}
        self.lists: dict = {}  # first quote's id -> last quote's id -> the record of the last such list looked up
        self.referred: dict = {}  # (id, text) of each quote of a list -> its record
        self.all_own = True  # every record's texts their clauses' own

    def quotes(self, quotes: list) -> list:
        """The quotes as the table form gives them: each quote whose text is its clause's in the table as `{"id"}`
        (the mappings are the table's: not to be changed)."""
        return self.record(quotes)[PLAIN]

    def record(self, quotes) -> tuple:
        """The record of a list of quotes (see the module's text), made at its first quote in this table, which then
        enters each of its clauses not yet in the table."""
        key = tuple(map(_QUOTE, quotes))
        known = self.referred.get(key)
        if known is None:
            known = self.made(quotes, key)
            if len(self.referred) >= self.MAX_REMEMBERED:
                self.referred.clear()
                self.lists.clear()
            self.referred[key] = known
        if quotes:
            self.lists.setdefault(quotes[0]["id"], {})[quotes[-1]["id"]] = known
        return known

    def made(self, quotes, key: tuple) -> tuple:
        """A list's record made in this table, its clauses entered. Where every text of the table and of the list
        is its clause's own, every quote is referred, whatever the table: such a record is shared by the tables of
        one clause store (`_SHARED`), and only its clauses are entered here."""
        store = self.repo.clauses if self.repo is not None else None
        hit = _SHARED.get(key) if self.all_own else None
        if hit is not None and hit[0] is store:
            for q in quotes:
                self.entry(q["id"], q["text"])
            given, plain, *rest = hit[1]
            return (given, list(map(dict.copy, plain)), *rest)  # the data handed out is this table's own
        clean = self.all_own
        plain = []
        for q in quotes:
            entry = self.entry(q["id"], q["text"])
            plain.append({"id": q["id"]} if entry["text"] == q["text"] else q)
        own = own_quotes(self.repo, quotes)
        self.all_own = clean and own
        known = (list(map(dict.copy, quotes)), plain, *written(plain), own)
        if self.all_own and store is not None:
            if len(_SHARED) >= self.MAX_REMEMBERED:
                _SHARED.clear()
            _SHARED[key] = (store, (known[GIVEN], list(map(dict.copy, plain)), *known[NESTED:]))
        return known

    def entry(self, clause_id: str, text: str) -> dict:
        """The table's entry of a clause, made from this quote's text if it is the clause's first."""
        known = self.clauses.get(clause_id)
        if known is None:
            known = self.clauses[clause_id] = clause_entry(self.repo, clause_id, text)
        return known

    def refer(self, ruling: dict, form: int = PLAIN, own: bool = False) -> dict | None:
        """The ruling with its quotes replaced by references into the table (the ruling given is not changed), in
        `form`: PLAIN (data), NESTED or COMPACT (JSON that orjson writes as it is, where a trace entry's quotes stand
        in an indented document, or in a compact one). `own`: None if a quote's text is not its clause's (see
        referred_entries)."""
        if "trace" not in ruling:
            return ruling  # a case that could not be used: nothing quoted
        out = ruling.copy()
        for part in ("trace", "why_not"):
            if part in ruling:
                referred = self.referred_entries(ruling[part], form, own)
                if referred is None:
                    return None
                out[part] = referred
        return out

    def referred_entries(self, entries: list, form: int = PLAIN, own: bool = False) -> list | None:
        """Trace (or why_not) entries, each a copy with its quotes as `record` gives them in `form` (the list looked
        up by its first and last clause first). `own`: None at a list whose texts are not all their clauses' own, or
        if the table knows such a list, and only lists of own texts entered in the table (a table that is given
        rulings so is one of own texts: its form of a ruling does not depend on what the others quoted)."""
        if own and not self.all_own:
            return None
        out, lists = [], self.lists
        for t in entries:
            quotes = t["clauses"]
            by_last = lists.get(quotes[0]["id"]) if quotes else None
            known = by_last.get(quotes[-1]["id"]) if by_last is not None else None
            if known is None or known[GIVEN] != quotes:
                if own and not own_quotes(self.repo, quotes):
                    return None
                known = self.record(quotes)
            t = t.copy()
            t["clauses"] = known[form]
            out.append(t)
        return out


def written(plain: list) -> tuple:
    """The referred quotes as JSON written where they stand (text.fragment), indented (NESTED) and compact; where
    every quote is referred, remembered per list of ids whatever the table (a table is made per document, a document
    of an HTTP answer holds a hundred rulings, and the lists are the same few again and again); as data where orjson
    refuses them."""
    key = hit = None
    if all(len(q) == 1 for q in plain):
        try:
            key = tuple(q["id"] for q in plain)
            hit = _WRITTEN.get(key)
        except TypeError:  # an id that is not hashable: not remembered
            key = None
    if hit is None:
        try:
            hit = fragment(plain, QUOTES_INDENT), fragment(plain, None)
        except TypeError:
            return plain, plain
        if key is not None:
            if len(_WRITTEN) >= ClauseTable.MAX_REMEMBERED:
                _WRITTEN.clear()
            _WRITTEN[key] = hit
    return hit


_WRITTEN: dict = {}
_SHARED: dict = {}  # (id, text) of each quote of a list -> (the clause store, its record), made in a table of own texts
