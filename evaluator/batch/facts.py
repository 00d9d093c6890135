"""Worker facts as typed columns, described by the case contract (schemas/cases.schema.json `worker_facts`).

Every fact is a `Column(values, present)`: enums as int8 codes into the schema's enum (in schema order), booleans,
integers as int64, numbers as float64, money as int64 cents, dates as datetime64[D]. `present` is False where an
optional fact without a default was not given (the per-case facts dict would not have the key). The annual grades
(`assessments` in a case) are one column per year, `grade_YYYY`, with code -1 where the year has no grade.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import numpy as np

from ..cases.aliases import words_of
from ..cases.catalogue import case_schema
from ..load.validation import LABELS, enum_choices

GRADE_PREFIX = "grade_"


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str  # enum | boolean | integer | number | money | date | grades
    enum: tuple = ()
    default: object = None  # the schema default, applied when the field is empty
    minimum: object = None
    maximum: object = None
    required: bool = False
    labels: tuple = ()  # an enum's words of the text: ((code, (word, …)), …), from the schema's x-labels

    @property
    def words(self) -> dict:
        """word -> code (正职 -> principal), for reading rosters written in the text's words."""
        return words_of({LABELS: dict(self.labels)})

    @property
    def choices(self) -> str:
        """The codes with their words, for a message about an unknown value."""
        return enum_choices({"enum": list(self.enum), LABELS: dict(self.labels)})


@dataclass
class Column:
    values: np.ndarray
    present: np.ndarray  # bool

    def take(self, idx) -> "Column":
        return Column(self.values[idx], self.present[idx])


@dataclass
class Facts:
    """A roster's facts: name -> Column, and the annual grades: year -> int8 codes (-1: no grade that year)."""

    n: int
    columns: dict = field(default_factory=dict)
    grades: dict = field(default_factory=dict)

    def take(self, idx) -> "Facts":
        idx = np.asarray(idx)
        n = int(idx.sum()) if idx.dtype == bool else len(idx)
        return Facts(n, {k: c.take(idx) for k, c in self.columns.items()},
                     {y: g[idx] for y, g in self.grades.items()})


def worker_specs(schema_dir) -> dict[str, FactSpec]:
    schema = case_schema(str(schema_dir))
    wf = schema["$defs"]["worker_facts"]
    money = schema["$defs"]["money"]
    out = {}
    for name, p in wf["properties"].items():
        kw = dict(default=p.get("default"), minimum=p.get("minimum"), maximum=p.get("maximum"),
                  required=name in wf.get("required", ()))
        if "enum" in p:
            out[name] = FactSpec(name, "enum", tuple(p["enum"]), **kw, labels=_labels(p))
        elif p.get("$ref", "").endswith("/money"):
            out[name] = FactSpec(name, "money", (), p.get("default"), money.get("minimum"), money.get("maximum"),
                                 kw["required"])
        elif p.get("$ref", "").endswith("/date"):
            out[name] = FactSpec(name, "date", **kw)
        elif p.get("type") == "array":
            year = p["items"]["properties"]["year"]
            grade = p["items"]["properties"]["grade"]
            out[name] = FactSpec(name, "grades", tuple(grade["enum"]), None, year.get("minimum"),
                                 year.get("maximum"), False, _labels(grade))
        else:
            out[name] = FactSpec(name, p["type"], **kw)
    return out


def _labels(node: dict) -> tuple:
    return tuple((code, tuple(words)) for code, words in node.get(LABELS, {}).items())


def to_case_facts(facts: Facts, specs: dict, i: int) -> dict:
    """Row i as the normalised facts dict of a per-case worker case (defaults applied, dates as datetime.date)."""
    out = {}
    for name, spec in specs.items():
        if spec.type == "grades":
            grades = [{"year": y, "grade": spec.enum[g[i]]} for y, g in sorted(facts.grades.items()) if g[i] >= 0]
            if grades:
                out[name] = grades
            continue
        col = facts.columns.get(name)
        if col is None or not col.present[i]:
            continue
        v = col.values[i]
        if spec.type == "enum":
            out[name] = spec.enum[int(v)]
        elif spec.type == "boolean":
            out[name] = bool(v)
        elif spec.type == "integer":
            out[name] = int(v)
        elif spec.type == "number":
            out[name] = float(v)
        elif spec.type == "money":
            out[name] = _cents_to_number(int(v))
        elif spec.type == "date":
            out[name] = v.astype("datetime64[D]").item()
    return out


def from_case_facts(rows: list[dict], specs: dict) -> Facts:
    """Columns from the normalised facts dicts of validated worker cases (cases.py): the inverse of
    to_case_facts, for rulings on cases that were read and checked one by one (a roster of `policy diff`, the
    cases of a request whose notes come from the compiled program). A fact no row gives is a column of zeros, not
    present; a date becomes its day number (datetime.date.toordinal), not a numpy date made value by value."""
    from decimal import Decimal

    n = len(rows)
    columns, grades = {}, {}
    for name, spec in specs.items():
        if spec.type == "grades":
            for i, row in enumerate(rows):
                for a in row.get(name, ()):
                    grades.setdefault(a["year"], np.full(n, -1, np.int8))[i] = spec.enum.index(a["grade"])
            continue
        present = [name in row for row in rows]
        if not any(present) and spec.type in DTYPES:  # the values below of a row without the fact, for every row
            columns[name] = Column(np.zeros(n, DTYPES[spec.type]), np.zeros(n, bool))
            continue
        got = [row.get(name) for row in rows]
        if spec.type == "enum":
            codes = _codes(spec.enum)
            values = np.array([codes[v] if v in codes else spec.enum.index(v) if v is not None else 0 for v in got],
                              np.int8)
        elif spec.type == "boolean":
            values = np.array([bool(v) for v in got], bool)
        elif spec.type == "integer":
            values = np.array([v or 0 for v in got], np.int64)
        elif spec.type == "number":
            values = np.array([float(v or 0) for v in got], np.float64)
        elif spec.type == "money":
            values = np.array([int(Decimal(str(v)) * 100) if v is not None else 0 for v in got], np.int64)
        elif spec.type == "date":
            values = np.array([v.toordinal() - EPOCH if v is not None else 0 for v in got], np.int64
                              ).view("datetime64[D]")
        else:  # pragma: no cover - as in io.parse_column: a schema type this module does not know is a bug here
            raise TypeError(f"fact type {spec.type}")
        columns[name] = Column(values, np.array(present, bool))
    return Facts(n, columns, grades)


EPOCH = dt.date(1970, 1, 1).toordinal()  # day 0 of numpy's datetime64[D]
DTYPES = {"enum": np.int8, "boolean": bool, "integer": np.int64, "number": np.float64, "money": np.int64,
          "date": "datetime64[D]"}  # each type's column (the module's docstring)


@functools.lru_cache(maxsize=64)
def _codes(enum: tuple) -> dict:
    """value -> its code (index) in an enum's values, the first where a value is repeated (tuple.index)."""
    out: dict = {}
    for code, value in enumerate(enum):
        out.setdefault(value, code)
    return out


def _cents_to_number(cents: int):
    from decimal import Decimal

    return cents // 100 if cents % 100 == 0 else Decimal(cents) / 100
