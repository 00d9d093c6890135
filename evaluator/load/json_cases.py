"""A case file written as JSON (`{"cases": [...]}`), read fast: the same Document as the strict loader's, sooner.

The strict loader (yaml_strict) composes every value with its position, which costs more than ruling a worker. A
JSON case file read with Python's json (in C), its list of cases decoded in one call, gives the same data when it
keeps to what both read alike. No position is read for a file without problems; a case's (its line) is worked out
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

from . import limits
from .yaml_strict import Document, load_bytes, load_text, text_of

_HEAD = re.compile(r'\s*\{\s*"cases"\s*:\s*\[\s*')
_SEP = re.compile(r"\s*(,|\])\s*")
# YAML's reader refuses these characters (PyYAML's NON_PRINTABLE), and reads \r, \x85, \u2028 and \u2029 as line
# breaks (so lines would be counted otherwise); a tab is whitespace to JSON but not everywhere to YAML.
_UNLIKE_CHARS = re.compile("[^\x0A\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]")
_LIKE_ASCII = b"\n" + bytes(range(0x20, 0x7F))  # the ASCII characters _UNLIKE_CHARS lets through
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
        data, fractions = _read(text)
    except (_Unlike, ValueError, IndexError, RecursionError, StopIteration):
        return load_bytes(raw, path)
    doc = LazyDocument(path, data, text)
    doc.plain = not fractions  # every value plain JSON: text, whole numbers within the limits, true, false, null
    return doc


_END = re.compile(r"\s*\}\s*")


def _read(text: str) -> tuple[dict, list]:
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
    start = text.index("[", text.index('"cases"') + 7)
    compact = '" ' not in text and '"\n' not in text
    cases, end = (_plain(decimal) if compact else _paired(decimal)).scan_once(text, start)
    if not _END.fullmatch(text, end) or len(cases) > limits.MAX_ITEMS:
        raise _Unlike
    keys = 1 + sum(_walked(case, 1) for case in cases)
    if compact and keys != text.count('":'):
        cases = _paired(decimal).scan_once(text, start)[0]  # a key written twice, or a string holding '":': the pairs tell
    return {"cases": cases}, fractions


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
    bytes.translate deletes in C several times faster than the expression searches them."""
    if text.isascii():
        odd = text.encode("ascii").translate(None, _LIKE_ASCII)
    else:
        odd = _UNLIKE_CHARS.search(text)
    return bool(odd or "\\/" in text or "\\u" in text
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


def _walked(value, depth: int) -> int:
    """The keys of the mappings in a decoded value (0 for a scalar), each list and mapping checked on the way as the
    strict loader would: nesting, entries, keys' lengths, whole numbers' size (floats were read by _decimal)."""
    t = type(value)
    if t is not dict and t is not list:
        if t is int and not -limits.MAX_MAGNITUDE < value < limits.MAX_MAGNITUDE:
            raise _Unlike
        return 0
    if depth > MAX_NESTING or len(value) > limits.MAX_ITEMS:
        raise _Unlike
    keys = 0
    if t is dict:
        keys = len(value)
        if keys and max(map(len, value)) > MAX_KEY_CHARS:
            raise _Unlike
        value = value.values()
    for v in value:  # a loop, not sum() over a generator: this runs for every case of a file
        tv = type(v)
        if tv is int:
            if not -limits.MAX_MAGNITUDE < v < limits.MAX_MAGNITUDE:
                raise _Unlike
        elif tv is dict or tv is list:
            keys += _walked(v, depth + 1)
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
