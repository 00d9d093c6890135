"""A case file written as JSON (`{"cases": [...]}`), read fast: the same Document as the strict loader's, sooner.

The strict loader (yaml_strict) composes every value with its position, which costs more than ruling a worker. A
JSON case file read with Python's json (in C), its list of cases decoded in one call, gives the same data when it
keeps to what both read alike; a compact file of whole numbers is decoded by orjson, twice as fast, where that
surely gives json's data (_whole). The limits are checked on the decoded values a level of nesting at a time, or
for the usual shape (each case a mapping whose only container is its facts) on the text and the mappings alone,
without touching a value (_flat_keys). No position is read for a file without problems; a case's (its line) is worked out
the first time one is asked for by decoding the cases one at a time, and every other position (a schema error's, a
fact's) by the strict loader on the same text, so messages and positions are the strict loader's.

Anything the two might read otherwise sends the whole file to the strict loader, which then says what it says:
a tab, a carriage return or another YAML line break, a character YAML refuses, a `\\/` or `\\u` escape (YAML's own
surrogate and escape rules apply), NaN or Infinity, a duplicate or very long key, a number outside the limits,
more values, entries or nesting than the limits allow, or any text outside `{"cases": [ ... ]}`.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from itertools import chain, compress
from operator import itemgetter

import orjson

from . import limits
from .yaml_strict import Document, load_bytes, load_text, text_of

_HEAD = re.compile(r'\s*\{\s*"cases"\s*:\s*\[\s*')
_SEP = re.compile(r"\s*(,|\])\s*")


@lru_cache(maxsize=None)
def unlike_chars() -> re.Pattern:
    """YAML's reader refuses these characters (PyYAML's NON_PRINTABLE), and reads \\r, \\x85, \\u2028 and \\u2029 as
    line breaks (so lines would be counted otherwise); a tab is whitespace to JSON but not everywhere to YAML.
    Compiled when a text not all ASCII first comes (its compiling cost some 10 ms of every start)."""
    return re.compile("[^\x0A\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]")


_LIKE_ASCII = b"\n" + bytes(range(0x20, 0x7F))  # the ASCII characters unlike_chars() lets through
_ODD_ASCII = bytes(ord("x") if b in _LIKE_ASCII else ord("!") for b in range(256))  # ... those as "x", others "!"
_KEY_APART = re.compile('"\\s*\\n\\s*:|"\\s{16,}:')  # ... and a key apart from its ':' (YAML's implicit keys)
MAX_KEY_CHARS = 1000  # YAML reads an implicit key of at most 1,024 characters


class _Unlike(Exception):
    """The text may read otherwise under the strict loader: it decides."""


class LazyDocument(Document):
    """A Document whose positions are worked out when first asked for: a case's (its line and column) by reading
    the text case by case (`case_marks`, for a case file's text: `of_cases`), any other by the strict loader."""

    def __init__(self, path: str, data, text: str, of_cases: bool = True):
        self.text, self.full, self.cases_at, self.of_cases = text, None, None, of_cases
        super().__init__(path, data, {}, {})

    def positions(self) -> Document:
        if self.full is None:
            self.full = load_text(self.text, self.path)
            self.text = None
        return self.full

    @property
    def marks(self):
        return self.positions().marks

    @marks.setter
    def marks(self, value) -> None:  # set by Document.__init__; the real marks come from positions()
        pass

    @property
    def key_marks(self):
        return self.positions().key_marks

    @key_marks.setter
    def key_marks(self, value) -> None:
        pass

    def position(self, json_path) -> tuple[int, int]:
        p = tuple(json_path)
        if self.full is None and self.of_cases and len(p) <= 2:
            if self.cases_at is None:
                self.cases_at = case_marks(self.text)
            if p in self.cases_at:
                return self.cases_at[p]
        return super().position(p)


def load_file_bytes(raw: bytes, path: str) -> Document:
    """The Document of a case file's bytes: read fast when it is plain JSON of cases, else by the strict loader."""
    try:
        text = text_of(raw)
    except UnicodeDecodeError:
        return load_bytes(raw, path)
    try:
        data, fractions = _read(text, raw)
    except (_Unlike, ValueError, IndexError, RecursionError, StopIteration):
        return load_bytes(raw, path)
    doc = LazyDocument(path, data, text)
    doc.plain = not fractions  # every value plain JSON: text, whole numbers within the limits, true, false, null
    return doc


_END = re.compile(r"\s*\}\s*")


def _read(text: str, raw: bytes) -> tuple[dict, list]:
    """The data of a plain JSON case file, decoded whole by Python's json (in C), and the numbers of it written with
    a fraction or an exponent (as Decimals); or _Unlike. Where every key is written right before its ':' (no '"' is
    followed by a space or a line break), json's own mappings are kept if the keys decoded are as many as the '":'
    of the text, which is at least as many as the keys written: then no key was written twice (else the mappings
    are made again from their pairs, which tell)."""
    fractions: list = []

    def decimal(number: str) -> Decimal:
        fractions.append(_decimal(number))
        return fractions[-1]

    head = _HEAD.match(text)
    if head is None or unlike(text) or not _few_enough(text):
        raise _Unlike
    compact = '" ' not in text and '"\n' not in text
    numbers = raw.translate(_NUMBERS)
    if compact:
        cases = _whole(text, numbers)
        if cases is not None:
            return {"cases": cases}, fractions
    start = text.index("[", text.index('"cases"') + 7)
    cases, end = (_plain(decimal) if compact else _paired(decimal)).scan_once(text, start)
    if not _END.fullmatch(text, end) or len(cases) > limits.MAX_ITEMS:
        raise _Unlike
    keys = 1 + _keys(text, cases, numbers)
    if compact and keys != text.count('":'):
        cases = _paired(decimal).scan_once(text, start)[0]  # a key written twice, or a string holding '":': the pairs tell
    return {"cases": cases}, fractions


def _whole(text: str, numbers: bytes) -> list | None:
    """The cases of a compact text (see _read) decoded by orjson, about twice as fast as json, where that surely
    gives json's data: the text is one mapping of `cases` alone, a list; no number in it has a fraction or an
    exponent (orjson would make it a float, json a Decimal); everything within the limits; and no key written twice
    (the keys decoded as many as the text's '":'). orjson reads strict JSON (RFC 8259) as json does, and refuses what
    json also refuses or `unlike` has already sent away (NaN, Infinity, a control character); with anything else
    (None), json decides, as before. `numbers`: the text's bytes translated by _NUMBERS."""
    if _FRACTION in numbers:  # a digit before '.', 'e' or 'E': maybe a number with a fraction or an exponent
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or len(data) != 1 or type(data.get("cases")) is not list:
        return None
    cases = data["cases"]
    try:
        if len(cases) > limits.MAX_ITEMS or 1 + _keys(text, cases, numbers, floats=False) != text.count('":'):
            return None
    except _Unlike:
        return None
    return cases


def case_marks(text: str) -> dict:
    """(line, column) of the file's mapping, its list of cases and each case, in a text `_read` took: its cases
    decoded one at a time for where each ends."""
    where = _Lines(text)
    marks = {(): where.at(text.index("{")), ("cases",): where.at(text.index("[", text.index('"cases"') + 7))}
    pos, scan, i = _HEAD.match(text).end(), _plain().scan_once, 0
    while text[pos] != "]":
        marks[("cases", i)] = where.at(pos)
        i += 1
        sep = _SEP.match(text, scan(text, pos)[1])
        pos = sep.end() if sep.group(1) == "," else sep.start(1)
    return marks


def unlike(text: str) -> bool:
    """Whether the text holds anything the two loaders might read otherwise: a character YAML refuses or reads as a
    line break, a `\\/` or `\\u` escape, or a key apart from its ':'. One search each (a regular expression of
    alternatives tries each at every character), the key's only where a line break, a run of spaces or some other
    character `\\s` matches (non-ASCII) can hold it. An ASCII text's characters are looked at as bytes, which
    bytes.translate marks in C several times faster than the expression searches them (a table of every byte: its
    fast path; deleting them had cost four times as much)."""
    if text.isascii():
        odd = b"!" in text.encode("ascii").translate(_ODD_ASCII)
    else:
        odd = unlike_chars().search(text)
    return bool(odd or ("\\" in text and ("\\/" in text or "\\u" in text))  # one character: searched at once
                or (("\n" in text or " " * 16 in text or not text.isascii()) and _KEY_APART.search(text)))


class _Lines:
    """(line, column) of offsets of a text, asked for in increasing order (each newline counted once)."""

    def __init__(self, text: str):
        self.text, self.offset, self.line, self.line_start = text, 0, 1, 0

    def at(self, offset: int) -> tuple[int, int]:
        if offset < self.offset:
            self.offset, self.line, self.line_start = 0, 1, 0
        breaks = self.text.count("\n", self.offset, offset)
        if breaks:
            self.line += breaks
            self.line_start = self.text.rfind("\n", self.offset, offset) + 1
        self.offset = offset
        return self.line, offset - self.line_start + 1


MAX_NESTING = limits.MAX_DEPTH - 8  # inside a case (the file and its list are two levels more): well within


def _few_enough(text: str) -> bool:
    """Whether the text surely holds no more values than the strict loader allows (each value needs a ':', a ','
    or a bracket, strings' own included)."""
    return 2 * text.count(":") + text.count(",") + text.count("[") + text.count("{") + 1 <= limits.MAX_NODES


# A file's bytes translated for what its numbers may be: every digit '0', '.', 'e' and 'E' '.', anything else 'x'
# (so that the tests below are substring searches, in C). In strings too: a test that matches there only sends the
# file the longer way.
_NUMBERS = bytes.maketrans(b"0123456789.eE", b"0000000000...").translate(
    bytes.maketrans(bytes(b for b in range(256) if b not in b"0123456789.eE"),
                    b"x" * (256 - len(b"0123456789.eE"))))
_LONG_INT = b"0" * len(str(limits.MAX_MAGNITUDE))  # a whole number at the limit or over it has this many digits
_FRACTION = b"0."


def _keys(text: str, cases: list, numbers: bytes, floats: bool = True) -> int:
    """bounded_keys(cases, floats), sooner for cases of the usual shape (_flat_keys)."""
    flat = _flat_keys(text, cases, numbers)
    return flat if flat is not None else bounded_keys(cases, floats)


def _flat_keys(text: str, cases: list, numbers: bytes) -> int | None:
    """The keys of the cases' mappings where each case is a mapping whose only container is a mapping of `facts`
    and everything is within the limits, found without looking at a single value of them: the text holds no more
    brackets than those mappings, the file's and its list's (a bracket in a string only adds to the count: then
    the cases' values are walked, bounded_keys); no run of digits as long as a whole number over the limits; and
    the keys are short enough. Else None (bounded_keys decides). Touching every value of a decoded file had cost
    about as much as decoding it (each value is read from memory once: the time goes in the reading)."""
    if set(map(type, cases)) != _DICT:
        return None
    try:
        facts = list(map(itemgetter("facts"), cases))
    except KeyError:
        return None
    if set(map(type, facts)) != _DICT or text.count("{") + text.count("[") != 2 + 2 * len(cases):
        return None
    if _LONG_INT in numbers or max(map(len, cases)) > limits.MAX_ITEMS or max(map(len, facts)) > limits.MAX_ITEMS:
        return None
    if max(map(len, set().union(*cases, *facts))) > MAX_KEY_CHARS:
        return None
    return sum(map(len, cases)) + sum(map(len, facts))


_INT = frozenset({int})  # type(value) in these: exactly int (not bool)
_CONTAINER = frozenset({dict, list})
_DICT = frozenset({dict})
_LIST = frozenset({list})


def bounded_keys(values: list, floats: bool = True) -> int:
    """The keys of the mappings in decoded values (the cases of a file), every list and mapping checked as the
    strict loader would: nesting, entries, keys' lengths, whole numbers' size (a Decimal was checked as it was
    read); _Unlike where one is outside the limits, or (floats=False) where a value is a float. The values are
    looked at a level of nesting at a time, each test over a whole level in C (types, lengths, the whole numbers'
    extremes): a walk value by value had cost as much as decoding the file."""
    keys, depth = 0, 1
    while values:
        types = set(map(type, values))
        if _INT & types:
            ints = list(compress(values, map(_INT.__contains__, map(type, values))))
            if not -limits.MAX_MAGNITUDE < min(ints) or not max(ints) < limits.MAX_MAGNITUDE:
                raise _Unlike
        if not floats and float in types:
            raise _Unlike
        if not _CONTAINER & types:
            break
        containers = list(compress(values, map(_CONTAINER.__contains__, map(type, values))))
        if depth > MAX_NESTING or max(map(len, containers)) > limits.MAX_ITEMS:
            raise _Unlike
        mappings = list(compress(containers, map(_DICT.__contains__, map(type, containers))))
        if mappings:
            keys += sum(map(len, mappings))
            if max(map(len, set().union(*mappings)), default=0) > MAX_KEY_CHARS:  # each key written once
                raise _Unlike
        values = list(chain(chain.from_iterable(map(dict.values, mappings)),
                            chain.from_iterable(compress(containers, map(_LIST.__contains__, map(type, containers))))))
        depth += 1
    return keys


def _object(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs) or len(out) > limits.MAX_ITEMS or max(map(len, out), default=0) > MAX_KEY_CHARS:
        raise _Unlike
    return out


def _number(text: str, read):
    if limits.number_text_problem(text):
        raise _Unlike
    value = read(text)
    if limits.number_problem(value):
        raise _Unlike
    return value


def _decimal(text: str) -> Decimal:
    return _number(text, Decimal)


_SHORT_INT = len(str(limits.MAX_MAGNITUDE)) - 1  # characters of an integer that is surely within the limits


def _int(text: str) -> int:
    if len(text) <= _SHORT_INT:  # at most 15 characters, sign included: below 10^15, as short as any limit allows
        return int(text)
    return _number(text, int)


def _constant(text: str):
    raise _Unlike


def _plain(decimal=_decimal) -> json.JSONDecoder:
    """Python's json in C, numbers read as the strict loader reads them (a decoder per file: nothing is shared)."""
    return json.JSONDecoder(parse_float=decimal, parse_constant=_constant)


def _paired(decimal=_decimal) -> json.JSONDecoder:
    """_plain, which also refuses a key written twice (or too long) and a mapping of too many entries as it makes
    each (_read leaves those to the count of keys where it can), and reads whole numbers within the limits."""
    return json.JSONDecoder(object_pairs_hook=_object, parse_float=decimal, parse_int=_int, parse_constant=_constant)
