"""The strict loader's YAML half (load/yaml_strict.py): a text parsed (libyaml's parser, or the pure-Python one for
its messages), composed flat and bounded (load/compose.py), and built into values under the YAML 1.2 core schema
with the position of each. Imported by yaml_strict.load_text when a text is first composed.
"""
from __future__ import annotations

import re
from decimal import Decimal

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import limits
from .compose import LimitError, compose
from .problems import PolicyInputError, Problem
from .yaml_strict import SURROGATE, Document

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class _Loader(yaml.SafeLoader):
    """Composer only: a plain scalar gets the tag "?" so that we resolve it ourselves by YAML 1.2 core rules."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            return "?"
        return super().resolve(kind, value, implicit)


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same on libyaml's parser (much faster); only used when the text parses, so that error messages stay
    those of the pure-Python parser. Both only parse: the tree is composed by compose.compose, flat and bounded."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            return "?"
        return super().resolve(kind, value, implicit)


def _compose_fast(text: str, path: str):
    loader = _FastLoader(text)
    try:
        return compose(loader)
    except yaml.YAMLError:
        return False  # let the pure-Python parser say what is wrong, and where
    except LimitError as exc:
        raise _limit_error(exc, path) from None
    finally:
        loader.dispose()


def _limit_error(exc: LimitError, path: str) -> PolicyInputError:
    return PolicyInputError([Problem(path, *_pos(exc.mark), exc.message, exc.code)])


def _pos(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _plain_words(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or str(exc)
    if "'\\t'" in problem or "\\t" in problem:
        return "a tab character is used for indentation or spacing; YAML allows spaces only"
    if "found undefined alias" in (exc.problem or ""):
        return f"alias used before its anchor is defined ({problem})"
    context = f"{exc.context}: " if exc.context else ""
    return f"YAML syntax error: {context}{problem}"


def document(text: str, path: str) -> Document:
    """The Document of a text (no lone surrogate in it: yaml_strict.load_text), or PolicyInputError."""
    composed = _compose_fast(text, path)
    if composed is not False:
        return _document(*composed, path)
    try:
        loader = _Loader(text)  # the reader refuses control characters (e.g. NUL) here, before any parsing
    except yaml.reader.ReaderError as exc:
        pos = exc.position
        line, col = text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise PolicyInputError([Problem(path, line, col, f"character #x{exc.character:04x} is not allowed in YAML "
                                        "or JSON text", "yaml_syntax")]) from None
    try:
        composed = compose(loader)
    except LimitError as exc:
        raise _limit_error(exc, path) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        raise PolicyInputError([Problem(path, line, col, _plain_words(exc), "yaml_syntax")]) from None
    except yaml.YAMLError as exc:
        raise PolicyInputError([Problem(path, 1, 1, f"YAML error: {exc}", "yaml_syntax")]) from None
    finally:
        loader.dispose()
    return _document(*composed, path)



def _document(node, distinct: int, path: str) -> Document:
    if node is None:
        raise PolicyInputError([Problem(path, 1, 1, "the file is empty: it holds no YAML document", "empty_file")])
    builder = _Builder(path, distinct)
    data = builder.build(node)
    return Document(path, data, builder.marks, builder.key_marks)



class _Builder:
    def __init__(self, path: str, distinct: int):
        self.path = path
        self.marks: dict = {}
        self.key_marks: dict = {}
        self.count = 0
        # Aliases may reuse a value a few times; a "billion laughs" document multiplies it exponentially.
        self.budget = max(limits.MIN_NODE_BUDGET, limits.MAX_EXPANSION * distinct)

    def _fail(self, node, message, code="invalid"):
        line, col = _pos(node.start_mark)
        raise PolicyInputError([Problem(self.path, line, col, message, code)])

    def build(self, root):
        return self._build(root, (), 0)

    def _build(self, node, path, depth):
        self.count += 1
        if self.count > self.budget:
            self._fail(node, "the document expands to too many values (aliases multiplying data?); refused",
                       "too_large")
        if depth > limits.MAX_DEPTH:
            self._fail(node, f"nesting deeper than {limits.MAX_DEPTH} levels (a recursive alias?); refused", "too_deep")
        if node.tag not in _ALLOWED_TAGS and node.tag != "?":
            if not node.tag.startswith("tag:yaml.org,2002:") or node.tag.startswith(_STD + "python/"):
                self._fail(node, f"the YAML tag {node.tag!r} is not allowed; only plain data is accepted",
                           "yaml_tag")
            self._fail(node, f"the YAML tag {node.tag!r} is not supported here; write plain values", "yaml_tag")
        self.marks[path] = _pos(node.start_mark)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode):
            return [self._build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            out: dict = {}
            first_seen: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == _STD + "merge" or (isinstance(key_node, ScalarNode) and key_node.value == "<<"
                                                       and key_node.style in (None, "")):  # libyaml: ""
                    self._fail(key_node, "merge keys (<<) are not allowed; write the fields out", "yaml_merge")
                if not isinstance(key_node, ScalarNode):
                    self._fail(key_node, "a mapping key must be plain text, not a list or mapping", "invalid_key")
                key = self._text(key_node)
                if key in first_seen:
                    fl, fc = first_seen[key]
                    self._fail(key_node, f"duplicate key '{key}' (first defined at line {fl}, column {fc})",
                               "duplicate_key")
                first_seen[key] = _pos(key_node.start_mark)
                self.key_marks[path + (key,)] = _pos(key_node.start_mark)
                out[key] = self._build(value_node, path + (key,), depth + 1)
            return out
        self._fail(node, "unsupported YAML node", "yaml_syntax")

    def _text(self, node) -> str:
        """The scalar's text; a JSON-style surrogate pair ("\\ud800\\udc00") is read as the one character it
        encodes (PyYAML leaves the halves apart), and a lone half is refused: it is no character at all."""
        text = node.value
        if SURROGATE.search(text):
            try:
                text = text.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                self._fail(node, "the text holds an unpaired \\u surrogate escape, which is no character",
                           "invalid")
        return text

    def _scalar(self, node: ScalarNode):
        text = self._text(node)
        tag = node.tag
        if tag == _STD + "str":
            return text  # quoted, block or explicitly tagged text
        if tag in ("?", _STD + "null") and _NULL.match(text):
            return None
        if tag in ("?", _STD + "bool") and text in _BOOL:
            return _BOOL[text]
        if tag in ("?", _STD + "int"):
            if _INT10.match(text):
                return self._number(node, text, lambda: int(text))
            if _INT8.match(text):
                return self._number(node, text, lambda: int(text[2:], 8))
            if _INT16.match(text):
                return self._number(node, text, lambda: int(text[2:], 16))
        if tag in ("?", _STD + "float"):
            if _FLOAT.match(text):
                return self._number(node, text, lambda: Decimal(text))
            if _SPECIAL_FLOAT.match(text):
                self._fail(node, f"'{text}' is not a finite number; write a plain number", "not_finite")
        if tag != "?":
            self._fail(node, f"'{text}' cannot be read as {tag.rsplit(':', 1)[-1]}", "invalid")
        return text

    def _number(self, node: ScalarNode, text: str, read):
        """A number, range-checked as it is read (limits.py): never a 5000-digit integer or 1e999999999."""
        why = limits.number_text_problem(text)
        value = read() if why is None else None
        why = why or limits.number_problem(value)
        if why:
            self._fail(node, f"'{limits.shown(text, limits.MAX_NUMBER_CHARS)}': {why}", "number_range")
        return value

