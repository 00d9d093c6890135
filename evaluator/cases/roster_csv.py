"""Rosters: one worker a row in CSV, the worker facts of the case format as columns, plus `id` (the worker's id)
and `area` (the county-level area that pays the worker: a column of the roster, not a fact the rules read).

Cells are typed by the case schema (whole numbers, numbers, true/false in any case, dates as YYYY-MM-DD); an empty
cell leaves the fact out, so its default applies. The annual assessments are columns `grade_YYYY` (one per year, the grade
as its code), as in the batch roster format. Each row becomes a worker case and is validated like one, with
problems at roster.csv:line:col naming the field; a bad row is reported and the others still evaluated.

The rows that pass are ruled by the batch path's vectorised evaluator (evaluate_roster). The format is the one of
`policy batch` (evaluator/batch/io.py) with three differences this reader keeps on purpose: `area` is required (the
cost is reported per area), only CSV is read, and cells are trimmed and blank lines skipped (the batch reader takes a
cell as written and counts a blank line as a row without an id). It stays a reader of its own because the diff
reports a bad row at line:col in the case schema's words, which the batch reader (row number, field) does not.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import files as cases
from .catalogue import case_schema
from ..load.problems import PolicyInputError, Problem
from ..load.yaml_strict import Document

ROW_COLUMNS = ("id", "area")
KIND = "worker"
# Monthly pay per worker, by the text: 基本薪酬…按月发放 (base pay is paid monthly; the performance pay is paid once a
# year, so it is not in a monthly cost), and a retired worker is paid only the difference up to the base pay
# (差额部分予以补齐): the first of these results a ruling has is the worker's monthly cost.
_INT = re.compile(r"^[-+]?[0-9]+$")
_GRADE = re.compile(r"^grade_([0-9]{4})$")


@dataclass
class Roster:
    path: str
    case_file: cases.CaseFile
    areas: dict = field(default_factory=dict)  # worker id -> area
    problems: list = field(default_factory=list)  # file-level and row problems
    rows: int = 0


def _column_types(schema_dir: Path) -> dict:
    props = case_schema(str(schema_dir))["$defs"][f"{KIND}_facts"]["properties"]
    out = {}
    for name, p in props.items():
        if "type" in p:
            out[name] = p["type"]
        elif "$ref" in p and p["$ref"].endswith("/money"):
            out[name] = "number"
        else:
            out[name] = "string"  # enums and dates: the schema checks the text
    return out


def _cell(text: str, kind: str):
    """The typed value of a cell; text that is not of the type stays text, for the schema to name the error."""
    if kind == "integer" and _INT.match(text):
        return int(text)
    if kind == "number":
        try:
            return int(text) if _INT.match(text) else Decimal(text)
        except InvalidOperation:
            return text
    if kind == "boolean" and text.lower() in ("true", "false"):  # any case, as the batch reader (TRUE from Excel)
        return text.lower() == "true"
    return text


def _field_columns(line: str) -> list[int]:
    """1-based character columns where each comma-separated field of a raw CSV line starts."""
    cols, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            cols.append(i + 2)
    return cols


def load(path: Path | str, schema_dir: Path, as_of: dt.date, display_path: str | None = None) -> Roster:
    shown = display_path or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyInputError([Problem(shown, 0, 0, f"cannot read the roster: {exc}", "not_found")]) from None
    raw_lines = text.splitlines()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise PolicyInputError([Problem(shown, 1, 1, "the roster is empty: expected a header row", "empty_file")]) \
            from None
    types = _column_types(schema_dir)
    head_cols = _field_columns(raw_lines[0])
    problems = []
    for i, name in enumerate(header):
        if _GRADE.match(name):
            continue
        if name not in types and name not in ROW_COLUMNS:
            problems.append(Problem(shown, 1, head_cols[min(i, len(head_cols) - 1)],
                                    f"unknown column '{name}'; expected id, area, worker facts and grade_YYYY",
                                    "schema"))
        elif types.get(name) in ("array", "object"):
            problems.append(Problem(shown, 1, head_cols[min(i, len(head_cols) - 1)],
                                    f"'{name}' is a list and cannot be given in a roster column", "schema"))
    for need in ROW_COLUMNS:
        if need not in header:
            problems.append(Problem(shown, 1, 1, f"missing required column '{need}'", "schema"))
    if problems:
        raise PolicyInputError(problems)
    items, marks, key_marks, areas = [], {}, {}, {}
    for n, row in enumerate(reader):
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        cols = _field_columns(raw_lines[line - 1]) if line - 1 < len(raw_lines) else [1]
        i = len(items)
        marks[("cases", i)] = (line, 1)
        values = dict(zip(header, (c.strip() for c in row)))
        wid = values.get("id") or f"row{line}"
        if len(row) != len(header):
            problems.append(Problem(shown, line, 1, f"the row has {len(row)} fields, the header {len(header)}",
                                    "schema", wid))
        facts = {}
        for j, name in enumerate(header[:len(row)]):
            pos = (line, cols[j] if j < len(cols) else 1)
            if name == "id":
                marks[("cases", i, "id")] = pos
            elif name == "area":
                if not values["area"]:
                    problems.append(Problem(shown, *pos, "'area' is empty: each worker needs the county-level area "
                                            "that pays them", "schema", wid))
                areas[wid] = values["area"]
            elif _GRADE.match(name):
                if values[name] != "":
                    k = len(facts.setdefault("assessments", []))
                    facts["assessments"].append({"year": int(_GRADE.match(name).group(1)), "grade": values[name]})
                    marks[("cases", i, "facts", "assessments", k, "grade")] = pos
            elif values[name] != "":
                facts[name] = _cell(values[name], types[name])
                marks[("cases", i, "facts", name)] = pos
                key_marks[("cases", i, "facts", name)] = pos
        marks[("cases", i, "facts")] = (line, 1)
        items.append({"id": wid, "kind": KIND, "as_of": as_of.isoformat(), "facts": facts})
    if not items:
        raise PolicyInputError([Problem(shown, 2, 1, "the roster has no workers", "empty_file")])
    doc = Document(shown, {"cases": items}, marks, key_marks)
    cf = cases.from_document(doc, schema_dir, as_of)
    # A row with the wrong number of fields or without an area: reported like a bad case, and not ruled on.
    refused = {p.case for p in problems}
    cf.cases = [c for c in cf.cases if c.id not in refused]
    cf.problems = problems + cf.problems
    return Roster(shown, cf, areas, cf.problems, len(items))
