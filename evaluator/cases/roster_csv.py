"""Rosters: one worker a row in CSV, the worker facts of the case format as columns, plus `id` (the worker's id)
and `area` (the county-level area that pays the worker, and whose supplements rule the terms the city delegates to
it: the worker fact `area`).

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

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import files as cases
from .aliases import words_of
from .catalogue import case_schema
from ..load import csv_lines, limits
from ..load.limits import MAX_BYTES
from ..load.problems import PolicyInputError, Problem
from ..load.yaml_strict import Document, read_bounded

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
    rows: int = 0  # the rows of the file that hold something (blank lines are skipped)

    @property
    def rejected(self) -> int:
        """Rows not ruled: every problem of a row is at that row's line."""
        return len({p.line for p in self.problems})


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


def _number_problem(text: str, kind: str) -> str | None:
    """Why a number cell is beyond the loader's limits (load/limits.py) before it is read; None when it is not."""
    if kind not in ("integer", "number"):
        return None
    why = limits.number_text_problem(text)
    if why is None and (_INT.match(text) or kind == "number"):
        value = _cell(text, kind)
        why = limits.number_problem(value) if not isinstance(value, str) else None
    return why


def _field_columns(line: str) -> list[int]:
    """1-based character columns where each comma-separated field of a raw CSV line starts."""
    cols, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            cols.append(i + 2)
    return cols


def load(path: Path | str, schema_dir: Path, as_of: dt.date, display_path: str | None = None,
         areas: list | None = None) -> Roster:
    """The roster's rows as worker cases. A row with a structural fault (load/csv_lines.py), a bad cell or an `area`
    that is not one of `areas` (the cost-sharing policy's, kinds/funding.area_codes) is rejected with its line and
    the other rows are still read: rows = ruled + rejected."""
    shown = display_path or str(path)
    lines = csv_lines.split(read_bounded(path, shown, MAX_BYTES), shown)
    header = lines.header
    types = _column_types(schema_dir)
    head_cols = _field_columns(lines.raw[: lines.starts[0] if lines.data_lines else len(lines.raw)]
                               .decode("utf-8").rstrip("\r\n"))
    problems = []
    for i, name in enumerate(header):
        if _GRADE.match(name):
            continue
        if name not in types and name not in ROW_COLUMNS:
            problems.append(Problem(shown, 1, head_cols[min(i, len(head_cols) - 1)],
                                    f"unknown column '{limits.shown(name)}'; expected id, area, worker facts and "
                                    "grade_YYYY", "schema"))
        elif types.get(name) in ("array", "object"):
            problems.append(Problem(shown, 1, head_cols[min(i, len(head_cols) - 1)],
                                    f"'{name}' is a list and cannot be given in a roster column", "schema"))
    for need in ROW_COLUMNS:
        if need not in header:
            problems.append(Problem(shown, 1, 1, f"missing required column '{need}'", "schema"))
    if problems:
        raise PolicyInputError(problems)
    structural = [Problem(shown, n, 1, why, "row_structure", first or f"row{n}") for n, first, why in lines.rejects]
    items, marks, key_marks, areas_of, row_problems = [], {}, {}, {}, []
    area_words = words_of(case_schema(str(schema_dir))["$defs"]["funding_facts"]["properties"]["area"])
    for k in (k for k, good in enumerate(lines.ok.tolist()) if good):
        line = k + 2
        row = lines.cells(k)
        if not any(c.strip() for c in row):
            continue
        cols = _field_columns(lines.text(k))
        i = len(items)
        marks[("cases", i)] = (line, 1)
        values = dict(zip(header, (c.strip() for c in row)))
        wid = values.get("id") or f"row{line}"
        facts = {}
        for j, name in enumerate(header):
            pos = (line, cols[j] if j < len(cols) else 1)
            if name == "id":
                marks[("cases", i, "id")] = pos
            elif name == "area":
                area = area_words.get(values["area"], values["area"])  # 兴庆区 is read as xingqing
                if not area:
                    row_problems.append((i, Problem(shown, *pos, "'area' is empty: each worker needs the "
                                                    "county-level area that pays them", "schema", wid)))
                elif areas is not None and area not in areas:
                    row_problems.append((i, Problem(shown, *pos, f"'area' is '{limits.shown(area)}', not an area of "
                                                    f"the cost-sharing policy: one of {', '.join(areas)}",
                                                    "unknown_area", wid)))
                areas_of[wid] = area
                # a fact too, where the state's case schema has it: the district layer rules by it
                if area and (areas is None or area in areas) and "area" in types:
                    facts["area"] = area
                    marks[("cases", i, "facts", "area")] = key_marks[("cases", i, "facts", "area")] = pos
            elif _GRADE.match(name):
                if values[name] != "":
                    n = len(facts.setdefault("assessments", []))
                    facts["assessments"].append({"year": int(_GRADE.match(name).group(1)), "grade": values[name]})
                    marks[("cases", i, "facts", "assessments", n, "grade")] = pos
            elif values[name] != "" and (why := _number_problem(values[name], types[name])):
                row_problems.append((i, Problem(shown, *pos, f"'{name}' is '{limits.shown(values[name], limits.MAX_NUMBER_CHARS)}': "
                                                f"{why}", "number_range", wid)))
            elif values[name] != "":
                facts[name] = _cell(values[name], types[name])
                marks[("cases", i, "facts", name)] = pos
                key_marks[("cases", i, "facts", name)] = pos
        marks[("cases", i, "facts")] = (line, 1)
        items.append({"id": wid, "kind": KIND, "as_of": as_of.isoformat(), "facts": facts})
    if not items:
        raise PolicyInputError(structural + [Problem(shown, 2, 1, "the roster has no workers that can be read",
                                                     "empty_file")])
    doc = Document(shown, {"cases": items}, marks, key_marks)
    cf = cases.from_document(doc, schema_dir, as_of)
    # A row without an area (or with an unknown one): reported like a bad case, and not ruled on.
    for i, prob in row_problems:
        cf.refuse(cf.entries[i], [prob])
    cf.problems = structural + [p for _, p in row_problems] + cf.problems
    # rows that could not be read at all are entries too, in line order: every row is accounted for
    merged = sorted(cf.entries + [cases.Entry(p.case, 0, p.line, None, [p]) for p in structural], key=lambda e: e.line)
    for k, e in enumerate(merged):
        e.index = k
    cf.entries, cf.order = merged, [e.id for e in merged]
    return Roster(shown, cf, areas_of, cf.problems, len(items) + len(structural))
