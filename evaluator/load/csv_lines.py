"""CSV rosters checked line by line, so that a structural fault costs its row and not the file.

A roster is one worker per line (a cell never holds a line break). Every line is checked on its own: a line that is
not UTF-8, has an unbalanced quote, or has more or fewer fields than the header is a rejected row with its line
number, and every other line is still read. (A CSV parser run over the whole file either fills a short row with
empty cells, which changes its ruling, or refuses the whole file without a line number.)

The check is vectorised over the bytes (numpy: commas and quotes counted per line), so a roster of a million
workers is checked in well under a second; only lines with a quote or the wrong number of commas, or every line when
the file is not UTF-8, are looked at one by one in Python.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field

from .limits import shown
from .problems import PolicyInputError, Problem

BOM = b"\xef\xbb\xbf"


@dataclass
class Lines:
    raw: bytes  # the file without its byte-order mark
    header: list
    starts: object  # numpy array: byte offset where each data line starts
    ends: object  # numpy array: byte offset where each data line ends (before its \r\n)
    ok: object  # numpy bool array: the data line is well formed and not blank
    rejects: list = field(default_factory=list)  # (line number, first cell or "", reason) of each faulty line
    blank: list = field(default_factory=list)  # line numbers of blank lines

    @property
    def data_lines(self) -> int:
        return len(self.starts)

    def text(self, i: int) -> str:
        """Data line i (0-based) as text; only for a line that is ok."""
        return self.raw[self.starts[i]:self.ends[i]].decode("utf-8")

    def cells(self, i: int) -> list[str]:
        text = self.text(i)
        return text.split(",") if '"' not in text else _fields(text)

    def clean(self) -> bytes:
        """The header and the well-formed lines only, as CSV bytes for a column reader."""
        import numpy as np

        if self.ok.all():
            return self.raw
        head = self.raw[: self.starts[0]] if len(self.starts) else self.raw
        keep = np.flatnonzero(self.ok)
        return head + b"".join(self.raw[self.starts[i]:self.ends[i]] + b"\n" for i in keep)


def _fields(text: str) -> list[str] | None:
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error:
        return None
    return rows[0] if rows else [""]


def _why(line: bytes, width: int) -> tuple[str, str]:
    """(first cell, what is wrong) for one line; ("", "") when nothing is."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        first = line.split(b",", 1)[0].decode("utf-8", "replace").strip()
        return shown(first), (f"the line is not valid UTF-8 (byte 0x{line[exc.start]:02x} at column "
                              f"{exc.start + 1}); save the roster as UTF-8")
    cells = text.split(",") if '"' not in text else _fields(text)
    if cells is None:
        return shown(text.split(",", 1)[0].strip()), ("the line has an unbalanced quote (a cell opens a quote and "
                                                      "does not close it)")
    if len(cells) != width:
        return shown(cells[0].strip()), (f"the line has {len(cells)} fields, the header {width}: a field is missing "
                                         "or there is one too many")
    return "", ""


def split(raw: bytes, path: str) -> Lines:
    """The header of a CSV roster and its data lines, each checked on its own."""
    import numpy as np

    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    first_end = raw.find(b"\n")
    head = raw[: first_end if first_end >= 0 else len(raw)].rstrip(b"\r")
    if not head.strip():
        raise PolicyInputError([Problem(path, 1, 1, "the roster is empty: expected a header row", "empty_file")])
    try:
        header = _fields(head.decode("utf-8"))
    except UnicodeDecodeError:
        header = None
    if header is None:
        raise PolicyInputError([Problem(path, 1, 1, "the header row is not valid UTF-8 CSV (an unbalanced quote or "
                                        "a byte that is not UTF-8)", "unreadable")])
    arr = np.frombuffer(raw, np.uint8)
    breaks = np.flatnonzero(arr == 10)
    starts = breaks + 1  # every line after the header
    ends = np.append(breaks[1:], len(raw))
    if len(starts) and starts[-1] == len(raw):  # the line break that ends the last line
        starts, ends = starts[:-1], ends[:-1]
    ends = ends - ((ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13))  # a \r before the \n
    width = len(header)
    bounds = np.append(starts, len(raw))  # a line's commas and quotes: those from its start to the next line's
    commas, quotes = (np.diff(np.searchsorted(np.flatnonzero(arr == byte), bounds)) for byte in (44, 34))
    blank = ends == starts
    suspect = ~blank & ((quotes > 0) | (commas != width - 1))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        suspect = ~blank
    ok = ~blank
    out = Lines(raw, header, starts, ends, ok, blank=(np.flatnonzero(blank) + 2).tolist())
    for i in np.flatnonzero(suspect):
        first, why = _why(raw[starts[i]:ends[i]], width)
        if why:
            ok[i] = False
            out.rejects.append((int(i) + 2, first, why))
    return out
