"""The JSON document of rulings (`policy eval --format json`, the answer of POST /evaluate), schema version 2.

    {"format": "yinchuan-policy.rulings", "schema_version": 2, "form": "inline" | "table",
     "rulings": [ruling or {"id", "errors"}, ...], "clauses": {clause id: {...}}   (only in the table form)}

Two forms say the same thing. **inline**: every clause quote of a trace entry (and of a `why_not` entry) carries
its verbatim `text`, as rulings have always been built. **table**: each quoted clause is written once, in
`clauses` (its text, the document, the enclosing clause and its heading), and a quote is `{"id"}` alone; a quote
keeps its own `text` only if it differs from the table's (never the case today: a clause id has one text). The rule
for consumers: a quote's text is its own `text` if present, else `clauses[id].text`. `inline()` turns any document
into the inline list. Rulings are built, logged and digested inline; the table is made only when written.

By default ("auto") a document of one ruling is inline and one of several is a table. A streamed document writes
`clauses` after the rulings (RulingsWriter), and is the same text as `to_json(document(...))`.
"""
from __future__ import annotations

import codecs
import os
import pickle
import sys

from .clause_table import COMPACT, NESTED, ClauseTable
from .text import nested_json_bytes, to_json, to_json_bytes

FORMAT = "yinchuan-policy.rulings"
SCHEMA_VERSION = 2
FORMS = ("auto", "inline", "table")


def chosen(form: str, count: int) -> str:
    """The form a document of `count` rulings is written in: `auto` is inline for one ruling, a table otherwise."""
    if form not in FORMS:
        raise ValueError(f"form '{form}': one of {', '.join(FORMS)}")
    return form if form != "auto" else ("inline" if count <= 1 else "table")


def head(form: str) -> dict:
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "form": form}


def document(rulings: list, repo, form: str = "auto") -> dict:
    """The whole document of `rulings` (inline, as built) in the form asked for."""
    form = chosen(form, len(rulings))
    if form == "inline":
        return {**head(form), "rulings": rulings}
    table = ClauseTable(repo)
    referred = [table.refer(r) for r in rulings]
    return {**head(form), "rulings": referred, "clauses": table.clauses}


def document_bytes(rulings: list, repo, form: str = "auto") -> bytes:
    """`to_json_bytes(document(rulings, repo, form))` (the answer of POST /evaluate), each list of quotes of the
    table form written once per document (ClauseTable's COMPACT form)."""
    form = chosen(form, len(rulings))
    if form == "table":
        table = ClauseTable(repo)
        try:
            return to_json_bytes({**head(form), "rulings": [table.refer(r, COMPACT) for r in rulings],
                                  "clauses": table.clauses})
        except TypeError:  # what orjson refuses is written by json.dumps, which takes no written JSON
            pass
    return to_json_bytes(document(rulings, repo, form))


def part_bytes(rulings: list, repo, form: str) -> tuple:
    """What `joined` takes of a part: its rulings as a compact JSON array in `form` ("inline" or "table"), and its
    clause table (None inline)."""
    if form != "table":
        return to_json_bytes(rulings), None
    table = ClauseTable(repo)
    try:
        return to_json_bytes([table.refer(r, COMPACT) for r in rulings]), table.clauses
    except TypeError:
        table = ClauseTable(repo)
        return to_json_bytes([table.refer(r) for r in rulings]), table.clauses


def nested_bytes(table: ClauseTable | None, ruling: dict, own: bool = False) -> bytes | None:
    """A ruling's JSON as an item of the document's list (text.nested_json_bytes), its quotes referred to `table`
    (None: inline) written as the table's NESTED form gives them; `own`: None if the table form would depend on
    what other rulings quoted (see ClauseTable.refer)."""
    if table is None:
        return nested_json_bytes(ruling)
    referred = table.refer(ruling, NESTED, own)
    if referred is None:
        return None
    try:
        return nested_json_bytes(referred)
    except TypeError:  # what orjson refuses is written by json.dumps, which takes no written JSON
        return nested_json_bytes(table.refer(ruling))


def joined(form: str, parts: list) -> bytes | None:
    """The compact document of rulings ruled in parts, in order: each part (its rulings as a JSON array in `form`,
    its clause table or None). None if two parts' tables disagree on a clause's text (then rule in one piece)."""
    clauses: dict = {}
    for _, table in parts:
        for cid, entry in (table or {}).items():
            if clauses.setdefault(cid, entry) != entry:
                return None
    items = b",".join(rulings[1:-1] for rulings, _ in parts if len(rulings) > 2)
    out = to_json_bytes(head(form))[:-1] + b',"rulings":[' + items + b"]"
    if form == "table":
        out += b',"clauses":' + to_json_bytes(clauses)
    return out + b"}"


def inline(doc: dict) -> list:
    """The rulings of a document of either form, every quote with its text (what a consumer reads)."""
    if doc.get("form") != "table":
        return doc["rulings"]
    table = doc["clauses"]

    def texts(quotes):
        return [q if "text" in q else {"id": q["id"], "text": table[q["id"]]["text"]} for q in quotes]
    out = []
    for r in doc["rulings"]:
        if "trace" in r:
            r = {**r, "trace": [{**t, "clauses": texts(t["clauses"])} for t in r["trace"]]}
            if "why_not" in r:
                r["why_not"] = [{**w, "clauses": texts(w["clauses"])} for w in r["why_not"]]
        out.append(r)
    return out


SEPARATOR = b",\n    "  # before each ruling of the list but the first (which drops the comma)


class EncodedBlock:
    """The rulings of a block of cases written where they were made (a process of `policy eval --jobs N`), in the
    form the document is written in, as one bytes string: what goes back to the writing process is that string, not
    the rulings to be pickled and written there (a worker ruling's pickle costs more to load than to rule it).

    `text` (bytes-like): each encoded ruling preceded by SEPARATOR; `ends[k]`: where the k-th ends; `quoted`:
    (k, clause id) of each clause the table form refers to, at the first ruling that quotes it; `expects[k]`: the
    k-th ruling's comparison with its case's expectations, or None; `items`: per case of the block, in order, k for
    an encoded ruling, else what was given (a case's error, or a ruling quoting a text other than its clause's,
    which the writer writes itself)."""

    __slots__ = ("form", "text", "ends", "quoted", "expects", "items")

    def __init__(self, form: str, text, ends: list, quoted: list, expects: list, items: list):
        self.form, self.text, self.ends, self.quoted, self.expects, self.items = (form, text, ends, quoted, expects,
                                                                                 items)

    def __reduce_ex__(self, protocol):
        # with pickle protocol 5 the text goes out of band (ruling/pool.send): sent as it is, not copied
        text = pickle.PickleBuffer(self.text) if protocol >= 5 else bytes(self.text)
        return EncodedBlock, (self.form, text, self.ends, self.quoted, self.expects, self.items)

    def entries(self):
        """Per case, in order: an EncodedRuling for each encoded ruling (what RulingsWriter.write takes), else the
        item as given."""
        for item in self.items:
            yield EncodedRuling(self, item) if type(item) is int else item


class EncodedRuling:
    """The k-th ruling of an EncodedBlock; `expect` as the ruling's own."""

    __slots__ = ("block", "k", "expect")

    def __init__(self, block: EncodedBlock, k: int):
        self.block, self.k, self.expect = block, k, block.expects[k]


def encode_block(items, repo, form: str) -> EncodedBlock:
    """The EncodedBlock of `items` (rulings, or anything else, kept as given) in `form`, "inline" or "table" (where
    a ruling quoting a text other than its clause's is kept as given too: its table form depends on the others')."""
    text, ends, quoted, expects, out = bytearray(), [], [], [], []
    table = ClauseTable(repo) if form == "table" else None
    for item in items:
        data = nested_bytes(table, item, own=True) if isinstance(item, dict) and "trace" in item else None
        if data is None:
            out.append(item)
            continue
        k = len(ends)
        text += SEPARATOR
        text += data
        if table is not None and len(table.clauses) > len(quoted):
            quoted += [(k, cid) for cid in list(table.clauses)[len(quoted):]]
        ends.append(len(text))
        expects.append(item.get("expect"))
        out.append(k)
    return EncodedBlock(form, text, ends, quoted, expects, out)


PENDING_BYTES = 1 << 16


class RulingsWriter:
    """The document written ruling by ruling, indented as `to_json` writes it whole: only the table of clauses
    (one entry per distinct clause quoted) and, under "auto", the first ruling (until a second shows the document
    holds several) are held."""

    def __init__(self, out, repo, form: str = "auto"):
        chosen(form, 0)  # refuses an unknown form now
        self.out, self.repo, self.form = out, repo, form
        self.count, self.held, self.started = 0, None, False
        self.run = None  # [block, first, end]: encoded rulings of one block given in a row, not yet written
        self.table = ClauseTable(repo) if form == "table" else None
        # A UTF-8 text stream over bytes without newline translation (sys.stdout here) is written the same bytes
        # through its buffer, which saves decoding orjson's bytes and encoding them again.
        self.raw = byte_buffer(out)
        if self.raw is not None:
            out.flush()  # what was written as text before goes first
        # Bytes for the buffer are handed on some 64 KB at a time (a worker ruling is about 8 KB: one write call
        # for several, not one each); all of them by close().
        self.pending: list = []
        self.pending_bytes = 0

    def _write(self, data, more=None) -> None:
        """Write `data` (and `more`, if given: two pieces at once, as each ruling and its separator come)."""
        if self.raw is not None:
            if more is None:
                self.pending.append(data)
                self.pending_bytes += len(data)
            else:
                self.pending += (data, more)
                self.pending_bytes += len(data) + len(more)
            if self.pending_bytes >= PENDING_BYTES:
                self._hand_on()
        else:
            self.out.write(str(data, "utf-8") if more is None else str(data, "utf-8") + str(more, "utf-8"))

    def _hand_on(self) -> None:
        self.raw.write(b"".join(self.pending))
        self.pending.clear()
        self.pending_bytes = 0

    def _start(self, form: str) -> None:
        self.form, self.started = form, True
        self.table = ClauseTable(self.repo) if form == "table" else None
        self._write((to_json(head(form))[:-2] + ",\n  \"rulings\": [").encode("utf-8"))

    def _put(self, ruling: dict) -> None:
        # not joined first: the ruling's bytes handed on
        self._write(b"\n    " if not self.count else SEPARATOR, nested_bytes(self.table, ruling))
        self.count += 1

    def _add(self, ruling: EncodedRuling) -> None:
        """An encoded ruling, written with the ones given after it from the same block (see _flush)."""
        block = ruling.block
        if self.form == "auto":  # rulings are encoded for a document of several: a table (see encoder)
            self._start(chosen(self.form, 2))
            if self.held is not None:
                self._put(self.held)
                self.held = None
        elif not self.started:
            self._start(self.form)
        if block.form != self.form:
            raise RuntimeError(f"a ruling encoded {block.form} in a document written {self.form}")
        if self.run is not None and self.run[0] is block and self.run[2] == ruling.k:
            self.run[2] += 1
            return
        self._flush()
        self.run = [block, ruling.k, ruling.k + 1]

    def _flush(self) -> None:
        """The encoded rulings held in `run` written at once, their quoted clauses added to the table as refer()
        would have added them (each quote's text its clause's)."""
        if self.run is None:
            return
        block, first, end = self.run
        self.run = None
        if self.table is not None:
            for k, cid in block.quoted:
                if not first <= k < end:
                    continue
                text = self.repo.clauses[cid].text
                if self.table.entry(cid, text)["text"] != text:  # only a quote of another text makes such an entry
                    raise RuntimeError(f"clause {cid} is in the table with a text other than its own")
        data = memoryview(block.text)[block.ends[first - 1] if first else 0:block.ends[end - 1]]
        self._write(data if self.count else data[1:])  # the first ruling of the list: no comma
        self.count += end - first

    def encoder(self):
        """What a process ruling cases for this writer makes of them (encode_block in this writer's form), for a
        document known to hold several rulings (the cases of a file ruled by several processes)."""
        repo, form = self.repo, chosen(self.form, 2)
        return lambda items: encode_block(items, repo, form)

    def write(self, ruling) -> None:
        """Write a ruling (or a case's errors), or an EncodedRuling of a block made by encoder()."""
        if isinstance(ruling, EncodedRuling):
            self._add(ruling)
            return
        if self.run is not None:
            self._flush()
        if self.form == "auto":
            if self.held is None:
                self.held = ruling
                return
            self._start("table")
            self._put(self.held)
            self.held = None
        elif not self.started:
            self._start(self.form)
        self._put(ruling)

    def close(self) -> None:
        self._flush()
        if self.form == "auto":  # none or one ruling
            self._start("inline")
            if self.held is not None:
                self._put(self.held)
                self.held = None
        elif not self.started:
            self._start(self.form)
        tail = "\n  ]" if self.count else "]"
        if self.table is not None:
            tail += ",\n  \"clauses\": " + to_json(self.table.clauses).replace("\n", "\n  ")
        self._write((tail + "\n}\n").encode("utf-8"))
        if self.raw is not None:
            self._hand_on()
            self.raw.flush()


def byte_buffer(out):
    """The binary buffer under the process's standard output when it writes str as its UTF-8 bytes unchanged (no
    newline translation: its newline is the system's, and that is "\n"), or None: then the text stream itself is
    written. (Another text stream may have been opened with its own newline translation, which it does not tell.)
    Its error handler does not matter: what is written is valid UTF-8 (orjson's bytes, or text encoded strictly),
    whose text every handler encodes back to the same bytes without being called (Python gives standard output
    `surrogateescape` under a C or POSIX locale, C.UTF-8 included)."""
    if out is not sys.stdout:
        return None
    raw = getattr(out, "buffer", None)
    try:
        same = codecs.lookup(out.encoding).name == "utf-8" and os.linesep == "\n"
    except (AttributeError, LookupError, TypeError):
        return None
    return raw if same and hasattr(raw, "write") else None
