"""Case files: loading, validation per case, and normalisation of facts (schema defaults applied).

A bad case is reported by id and line and the others are still usable; only a file that cannot be read at all
is unusable as a whole.
"""
from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .aliases import normalise_case
from .fact_checks import DATE_FACTS, FACT_CHECKS, defaults, semantic_checks
from ..load.limits import MAX_CASES, MAX_DEPTH, number_problem
from ..load.problems import PolicyInputError
from ..load.validation import surely_valid, validate_paths
from ..load import json_cases
from ..load.yaml_strict import Document, read_bounded


@dataclass
class Case:
    id: str
    kind: str
    as_of: dt.date
    facts: dict  # normalised: defaults applied, dates as datetime.date
    given: dict  # the facts as written
    expect: dict | None
    doc: Document
    json_path: tuple
    description: str = ""

    @property
    def line(self) -> int:
        return self.doc.position(self.json_path)[0]


@dataclass
class Entry:
    """One case of a file as written, good or bad: what every output accounts for, by position (two cases may
    share an id; a case without an id gets the placeholder `#N`, which an explicit id may also spell)."""
    id: str
    index: int  # 0-based position among the file's cases
    at: int | tuple  # its line, or (the Document, its json path) to work the line out from when first asked for
    case: Case | None  # None when the case cannot be ruled
    problems: list = field(default_factory=list)

    @property
    def line(self) -> int:
        """The case's line (a file read fast knows it only when asked: load/json_cases.py)."""
        if type(self.at) is tuple:
            self.at = self.at[0].position(self.at[1])[0]
        return self.at


@dataclass
class CaseFile:
    path: str
    cases: list = field(default_factory=list)  # usable cases, in file order
    problems: list = field(default_factory=list)  # problems of unusable cases (and file-level ones)
    order: list = field(default_factory=list)  # every case id (or placeholder) in file order, good or bad
    entries: list = field(default_factory=list)  # an Entry per case in file order, good or bad

    def refuse(self, entry: Entry, problems: list) -> None:
        """Take a case out of the ruling with the problems that say why (e.g. a roster row without an area)."""
        if entry.case is not None:
            self.cases = [c for c in self.cases if c is not entry.case]
            entry.case = None
        entry.problems += problems


def load(path: Path | str, schema_dir: Path, as_of_override: dt.date | None = None,
         display_path: str | None = None, max_cases: int = MAX_CASES) -> CaseFile:
    """The cases of a file. `max_cases`: limits.MAX_CASES_STREAMED where the rulings are written as they are made
    and not kept, else limits.MAX_CASES."""
    shown = display_path or str(path)
    return from_document(read(path, shown), schema_dir, as_of_override, max_cases)


def read(path: Path | str, shown: str) -> Document:
    """A case file's Document: plain JSON of cases read fast (load/json_cases.py), anything else by the strict
    loader. PolicyInputError: the file cannot be read."""
    return json_cases.load_file_bytes(read_bounded(path, shown), shown)


def from_data(data, schema_dir: Path, name: str = "<data>", as_of_override: dt.date | None = None) -> CaseFile:
    """Cases given as Python data (e.g. parsed JSON from another system); floats become exact Decimals."""
    doc = Document(name, None, {}, {})
    problems: list = []
    doc.data = _exact(data, doc, (), problems)
    if problems:
        raise PolicyInputError(problems)
    return from_document(doc, schema_dir, as_of_override)


def _exact(value, doc: Document, path: tuple, problems: list):
    """Floats as exact Decimals, and the data held to the loader's limits (nesting, numbers), as a file is."""
    if len(path) > MAX_DEPTH:
        problems.append(doc.problem(path, f"nesting deeper than {MAX_DEPTH} levels; refused", "too_deep"))
        return None
    if isinstance(value, (int, float, Decimal)) and (why := number_problem(value)):
        problems.append(doc.problem(path, why, "number_range"))
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v, doc, path + (k,), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v, doc, path + (i,), problems) for i, v in enumerate(value)]
    return value


def from_document(doc: Document, schema_dir: Path, as_of_override: dt.date | None = None,
                  max_cases: int = MAX_CASES) -> CaseFile:
    return opened(doc, schema_dir, as_of_override, max_cases).case_file()


class Listed:
    """A case file's list of cases checked as a whole (its shape, its number of cases, the fields beside `cases`),
    before any case is read: `read` reads the cases asked for, so that the process that rules a block of them can
    read them itself (api.evaluate_file with several processes)."""

    def __init__(self, doc: Document, items: list, prefix: tuple, problems: list, schema_dir: Path,
                 as_of_override: dt.date | None):
        self.doc, self.items, self.prefix, self.problems = doc, items, prefix, problems
        self.schema_dir, self.as_of_override = schema_dir, as_of_override
        self.days: dict = {}  # the date of each as_of written (a file's cases share a few)

    def name(self, i: int) -> str:
        """The i-th case's id, or the placeholder `#N` of a case without one."""
        item = self.items[i]
        return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else f"#{i + 1}"

    def names_unique(self) -> bool:
        """Whether no two cases share an id (or placeholder): then whether a case's id is used twice is known
        without reading the cases before it, and any part of the list can be read apart (see read)."""
        return len(set(map(self.name, range(len(self.items))))) == len(self.items)

    def case_file(self, indices=None, own_problems: bool = True) -> CaseFile:
        """The cases of `indices` read (default: every case), in order, with their problems and, if
        `own_problems`, the list's own (a part of the list read apart: see read)."""
        out = CaseFile(self.doc.path, problems=list(self.problems) if own_problems else [])
        for entry in self.read(range(len(self.items)) if indices is None else indices):
            out.order.append(entry.id)
            out.entries.append(entry)
            out.problems.extend(entry.problems)
            if entry.case is not None:
                out.cases.append(entry.case)
        return out

    def worker_dates(self) -> collections.Counter:
        """The cases written as a worker's, per date they would be ruled on, before any is read or checked (what
        ruling them will cost: batch/reading_notes.chosen_days)."""
        written = collections.Counter(item.get("as_of") for item in self.items
                                      if type(item) is dict and item.get("kind") == "worker")
        if self.as_of_override is not None:
            return collections.Counter({self.as_of_override: sum(written.values())} if written else {})
        out: collections.Counter = collections.Counter()
        for text, n in written.items():
            try:
                out[dt.date.fromisoformat(text)] += n
            except (TypeError, ValueError):  # not a date: the case will be refused
                continue
        return out

    def read(self, indices) -> list:
        """The Entry of each case of `indices` (in increasing order), each case normalised and checked, an id used
        twice among them refused at its second use; reading a part of the list apart from the cases before it
        gives the same entries where names_unique()."""
        doc, prefix, sd = self.doc, self.prefix, str(self.schema_dir)
        kind_defaults = defaults(self.schema_dir)
        valid = surely_valid(doc, sd, "cases", "/$defs/case")
        seen: dict = {}  # id -> Entry of the checked cases read before
        out = []
        for i in indices:
            item = self.items[i]
            cpath = prefix + (i,) if prefix else ()
            name = self.name(i)
            entry = Entry(name, i, (doc, cpath), None)
            out.append(entry)
            normalise_case(doc, cpath, sd, item)  # the text's words (正职, 本科 …) become codes before any check
            errs = [] if valid(item) else [p for _, p in validate_paths(doc, sd, "cases", cpath, "/$defs/case",
                                                                         case=name)]
            if errs:
                entry.problems = errs
                continue
            if name in seen:
                errs.append(doc.problem(cpath + ("id",), f"case id '{name}' is used twice (first at line "
                                        f"{seen[name].line})", "duplicate_id", case=name))
            seen.setdefault(name, entry)
            facts = dict(kind_defaults.get(item["kind"], {}))
            facts.update(item["facts"])
            for key in DATE_FACTS:
                if key in facts:
                    facts[key] = dt.date.fromisoformat(facts[key])
            errs += semantic_checks(item, facts, doc, cpath, name)
            if item["kind"] in FACT_CHECKS:
                errs += FACT_CHECKS[item["kind"]](facts, doc, cpath + ("facts",), name, self.schema_dir)
            if errs:
                entry.problems = errs
                continue
            own = self.days.get(item["as_of"])
            if own is None:
                own = self.days[item["as_of"]] = dt.date.fromisoformat(item["as_of"])
            as_of = self.as_of_override or own
            # Expectations are worked out for the case's own date: ruled on another date (--as-of), not compared.
            expect = item.get("expect") if as_of == own else None
            entry.case = Case(name, item["kind"], as_of, facts, item["facts"], expect, doc, cpath,
                              item.get("description", ""))
        return out


def opened(doc: Document, schema_dir: Path, as_of_override: dt.date | None = None,
           max_cases: int = MAX_CASES) -> Listed:
    """The file's list of cases checked as a whole (PolicyInputError: the file is unusable), none of them read."""
    data = doc.data
    if not isinstance(data, (dict, list)):
        raise PolicyInputError([doc.problem((), "this is not a case file: it holds a single value, not a mapping "
                                            "with 'cases' (or one case)", "schema")])
    if isinstance(data, dict) and "cases" in data:
        items = data["cases"] if isinstance(data["cases"], list) else None
        prefix = ("cases",)
    else:
        items, prefix = [data], ()
    if items is None or not items:
        raise PolicyInputError([doc.problem(("cases",), "'cases' must be a non-empty list of cases", "schema")])

    if len(items) > max_cases:
        kept = "each ruling is kept for the output: " if max_cases == MAX_CASES else ""
        raise PolicyInputError([doc.problem(prefix, f"{len(items)} cases in one file; at most {max_cases} ({kept}"
                                            "split the file, or rule a roster of workers with `policy batch`)",
                                            "too_many_cases")])
    problems = []
    if prefix:
        for key in data:
            if key != "cases":
                problems.append(doc.problem((key,), f"unknown field '{key}' at the top of a case file; "
                                            "expected only 'cases'", "schema", key=True))
    return Listed(doc, items, prefix, problems, schema_dir, as_of_override)
