"""Strict YAML (and JSON) loading with positions.

PyYAML's safe_load silently accepts duplicate keys, resolves YAML 1.1 scalars (yes/no, 1:30, 010, dates) and
expands aliases without bound. Here we compose the node graph ourselves and construct values under the YAML 1.2
core schema: plain scalars become null, bool, int, Decimal (never float: money and coefficients stay exact) or
str; keys are always text; duplicate keys, custom tags, oversized files and alias bombs are refused with a
`file:line:col` message. Every value's position is kept in a map from JSON path to (line, col).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import limits
from .problems import PolicyInputError, Problem

SURROGATE = re.compile("[\ud800-\udfff]")  # a lone half of a UTF-16 pair: no character

Path_ = tuple  # a JSON path: tuple of str keys and int indexes


@dataclass
class Document:
    path: str
    data: object
    marks: dict  # JSON path tuple -> (line, col) of the value
    key_marks: dict  # JSON path tuple -> (line, col) of the mapping key that holds the value

    def position(self, json_path) -> tuple[int, int]:
        """Best position for a JSON path: the value itself, else its nearest ancestor."""
        p = tuple(json_path)
        if not self.marks:
            return (0, 0)  # data given without a file: positions are JSON paths only
        while True:
            if p in self.marks:
                return self.marks[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def key_position(self, json_path) -> tuple[int, int]:
        p = tuple(json_path)
        return self.key_marks.get(p) or self.position(p)

    def problem(self, json_path, message: str, code: str = "invalid", case: str | None = None, key=False) -> Problem:
        line, col = self.key_position(json_path) if key else self.position(json_path)
        return Problem(self.path, line, col, message, code, case, json_path_text(json_path))


def json_path_text(json_path) -> str:
    out = ""
    for p in json_path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def load_text(text: str, path: str) -> Document:
    bad = SURROGATE.search(text)
    if bad:  # only text handed over as str can hold one (bytes are decoded strictly): it is no character at all
        pos = bad.start()
        line, col = text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise PolicyInputError([Problem(path, line, col, "the text holds an unpaired surrogate, which is no "
                                        "character", "encoding")])
    # YAML's parser and the builder of values (load/yaml_build.py) are imported when a text is first composed: a
    # command that reads only JSON case files and the repository from its cache never needs them (about 15 ms of
    # every start, most of it PyYAML's reader compiling its expression of printable characters).
    from .yaml_build import document

    return document(text, path)


def load_file(path: Path | str, display_path: str | None = None, max_bytes: int = limits.MAX_BYTES) -> Document:
    """Load a YAML or JSON file strictly. Raises PolicyInputError with positioned problems."""
    shown = display_path or str(path)
    return load_bytes(read_bounded(path, shown, max_bytes), shown)


def read_bounded(path: Path | str, shown: str, max_bytes: int = limits.MAX_BYTES) -> bytes:
    """The bytes of a file, read through a bound: at most `max_bytes`, whatever the file is (a pipe, /dev/stdin,
    `<(…)` or a device report a size of 0, so the size the file claims is not trusted)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise PolicyInputError([Problem(shown, 0, 0, "no such file", "not_found")]) from None
    except IsADirectoryError:
        raise PolicyInputError([Problem(shown, 0, 0, "this is a directory, not a file", "not_found")]) from None
    except OSError as exc:
        raise PolicyInputError([Problem(shown, 0, 0, f"cannot read the file: {exc.strerror}", "unreadable")]) from None
    if len(raw) > max_bytes:
        raise PolicyInputError([Problem(shown, 0, 0, f"the file is over the limit of {max_bytes} bytes; refused",
                                        "too_large")])
    return raw


def text_of(raw: bytes) -> str:
    """The text the loader reads from a file's bytes: UTF-8, a byte-order mark dropped (UnicodeDecodeError if the
    bytes are not UTF-8)."""
    text = raw.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def load_bytes(raw: bytes, path: str) -> Document:
    try:
        text = text_of(raw)
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise PolicyInputError(
            [Problem(path, line, col, f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                     "encoding")]
        ) from None
    if not text.strip():
        raise PolicyInputError([Problem(path, 1, 1, "the file is empty: it holds no YAML document", "empty_file")])
    return load_text(text, path)

