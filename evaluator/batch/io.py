"""Rosters in (CSV or Parquet, one worker per row) and rulings out (Parquet or CSV).

A roster has a column `id` (the worker id, as a case id), optionally `area` (the county-level area, for the
summary), one column per worker fact of the case contract, and one column `grade_YYYY` per assessed year. Every
check comes from the case schema (enums, bounds, defaults, required facts, money in cents) and the semantic
checks of case files. A bad field rejects its row, with row number, worker id, field, value and reason: nothing is
dropped silently. Problems with the file itself (unreadable, unknown or missing columns) are PolicyInputErrors.
"""
from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..load import csv_lines
from ..load.limits import MAX_ROSTER_BYTES
from ..load.problems import PolicyInputError, Problem
from ..load.yaml_strict import read_bounded
from .columns import TYPED, check_columns
from .facts import GRADE_PREFIX, Facts

EXTRA_COLUMNS = ("id", "area")
REJECT_COLUMNS = ("row", "id", "field", "value", "reason")


@dataclass
class Roster:
    path: str
    rows: int  # data rows in the file
    facts: Facts  # the usable rows only
    row: np.ndarray  # 1-based row number in the file of each usable row
    ids: pl.Series
    area: pl.Series | None
    rejects: list = field(default_factory=list)  # (row, id, field, value, reason)


def _problem(path: str, msg: str, code: str, col: int = 0) -> PolicyInputError:
    return PolicyInputError([Problem(path, 1 if col else 0, col, msg, code)])


def read_frame(path: Path, specs: dict) -> tuple[pl.DataFrame, np.ndarray | None, list]:
    """The roster with integer, number and boolean facts typed where every value parses strictly, and everything
    else as text; a CSV with any unparsable value is read again all as text so each bad field can be reported.

    Returns (frame, the 1-based row number of each frame row or None when they are 1..n, rejected rows). A CSV
    line with a structural fault (not UTF-8, an unbalanced quote, a field too many or too few) is a rejected row
    (row, id, "", None, reason) and the other lines are read (load/csv_lines.py). The usual roster is seen to be
    well formed from three byte counts (no quote, and exactly header-width - 1 commas per line) and read by polars
    as it is; any other is checked line by line."""
    shown = str(path)
    if not path.is_file():
        raise _problem(shown, "the roster file does not exist", "not_found")
    typed = {n: TYPED[s.type] for n, s in specs.items() if s.type in TYPED}
    try:
        if path.suffix.lower() == ".parquet":
            df = pl.read_parquet(path)
            return df.select(parquet_column(df[c], specs.get(c)) for c in df.columns), None, []
        if path.suffix.lower() == ".csv":
            raw = read_bounded(path, shown, MAX_ROSTER_BYTES)
            if plain_csv(raw):
                del raw  # polars reads the file itself: the bytes are not held twice
                try:
                    return read_csv(path, typed), None, []
                except pl.exceptions.PolarsError:
                    raw = read_bounded(path, shown, MAX_ROSTER_BYTES)
            lines = csv_lines.split(raw, shown)
            rejects = [(n - 1, first, "", None, why) for n, first, why in lines.rejects]
            rejects += [(n - 1, "", "", None, "a blank line: no worker") for n in lines.blank]
            rows = np.flatnonzero(lines.ok) + 1
            df = read_csv(io.BytesIO(lines.clean()), typed)
            return df, rows, sorted(rejects)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _problem(shown, f"cannot read the roster: {str(exc).splitlines()[0]}", "unreadable") from None
    raise _problem(shown, f"a roster is a .csv or .parquet file, not '{path.suffix}'", "unreadable")


def plain_csv(raw: bytes, lines: int | None = None) -> bool:
    """No quote anywhere and as many commas as the header has on every line (a line short of a field and another
    with one too many would cancel out, but polars refuses the one too many). `lines`: the data lines behind the
    header, when the caller has counted them already."""
    end = raw.find(b"\n")
    if end < 0 or b'"' in raw or raw.startswith(csv_lines.BOM):
        return False
    arr = np.frombuffer(raw, np.uint8)  # numpy counts bytes about twice as fast as bytes.count
    if lines is None:
        lines = int(np.count_nonzero(arr == 10)) - 1 + (not raw.endswith(b"\n"))
    return int(np.count_nonzero(arr == 44)) == raw.count(b",", 0, end) * (lines + 1)


def read_csv(source, typed: dict) -> pl.DataFrame:
    try:
        return pl.read_csv(source, infer_schema=False, schema_overrides=typed, raise_if_empty=False)
    except pl.exceptions.ComputeError:
        if isinstance(source, io.BytesIO):
            source.seek(0)
        return pl.read_csv(source, infer_schema=False, raise_if_empty=False)


def parquet_column(s: pl.Series, spec) -> pl.Series:
    if spec is not None and spec.type in TYPED:
        if spec.type == "boolean" and s.dtype == pl.Boolean:
            return s
        if spec.type == "integer" and s.dtype.is_integer() or spec.type == "number" and s.dtype.is_numeric():
            return s.cast(TYPED[spec.type])
    if spec is not None and spec.type == "date" and s.dtype == pl.Date:
        return s
    return s.cast(pl.String).str.to_lowercase() if s.dtype == pl.Boolean else s.cast(pl.String)


def check_header(df: pl.DataFrame, specs: dict, shown: str) -> dict[int, str]:
    known = [n for n, s in specs.items() if s.type != "grades"] + list(EXTRA_COLUMNS)
    gspec = next(s for s in specs.values() if s.type == "grades")
    problems, grades = [], {}
    for i, name in enumerate(df.columns):
        m = re.fullmatch(GRADE_PREFIX + r"([0-9]{4})", name)
        if m and gspec.minimum <= int(m.group(1)) <= gspec.maximum:
            grades[int(m.group(1))] = name
        elif name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            problems.append(Problem(shown, 1, i + 1, f"unknown column '{name}'{hint} (columns are worker facts, "
                                    f"id, area and {GRADE_PREFIX}YYYY)", "unknown_field"))
    for name in ["id"] + [n for n, s in specs.items() if s.required]:
        if name not in df.columns:
            problems.append(Problem(shown, 1, 1, f"the roster has no column '{name}', which every worker needs",
                                    "missing_field"))
    if problems:
        raise PolicyInputError(problems)
    return grades


def read_roster(path: Path | str, specs: dict, schema_dir, areas: list | None = None) -> Roster:
    """The roster's rows checked as worker cases; `areas`: the area codes a row's `area` may name (those of the
    cost-sharing policy, kinds/funding.area_codes), checked when the roster has the column. The whole file at once:
    `policy batch` reads it in chunks (batch/chunks.py) and checks each with check_frame."""
    path = Path(path)
    df, file_rows, structural = read_frame(path, specs)
    grade_cols = check_header(df, specs, str(path))
    return check_frame(str(path), df, file_rows, structural, specs, schema_dir, areas, grade_cols)


def check_frame(shown: str, df: pl.DataFrame, file_rows: np.ndarray | None, structural: list, specs: dict,
                schema_dir, areas: list | None, grade_cols: dict, seen=None) -> Roster:
    """Rows of a roster (all of it, or one chunk of it: `file_rows` are their 1-based rows in the file, None for
    1..n) checked as worker cases; `structural`: the rejected lines among them. `seen` (batch/seen.py) answers
    which ids an earlier row has, earlier chunks included, so that an id used twice is found across chunks too."""
    n = df.height
    file_rows = np.arange(1, n + 1) if file_rows is None else file_rows
    # every column checked by one polars query (batch/columns.py); the problems in column order
    got = check_columns(df, specs, grade_cols, schema_dir, areas, repeated if seen is None else seen.repeated)
    columns, bad, ids, area = got.columns, got.bad, got.ids, got.area
    # the semantic checks of case files (evaluator/cases/files.py)
    b, h = columns["birth_date"], columns["hire_date"]
    bad.append((b.present & h.present & (h.values < b.values), "hire_date", df.get_column("hire_date", default=None),
                "hire_date is before birth_date"))
    retired, pension = columns["retired"], columns["pension_monthly"]
    bad.append((~retired.values & pension.present, "pension_monthly", df.get_column("pension_monthly", default=None),
                "pension_monthly is given but retired is not true"))
    bad.append((retired.values & ~pension.present, "pension_monthly", None,
                "retired is true, so pension_monthly is required"))

    reject = np.zeros(n, bool)
    rejects = []
    for mask, fname, values, reason in bad:
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        reject[idx] = True
        vals = values.gather(idx).to_list() if values is not None else [None] * len(idx)
        # the rows' numbers and ids taken for all of them at once (a Series indexed row by row costs microseconds)
        rejects += [(row, who, fname, v, reason)
                    for row, who, v in zip(file_rows[idx].tolist(), ids.gather(idx).to_list(), vals)]
    rejects += structural
    rejects.sort(key=lambda r: r[0])
    keep = ~reject
    facts = Facts(n, columns, got.grades)
    if reject.any():  # a copy of every column only when rows are dropped
        facts = facts.take(keep)
        ids = ids.filter(pl.Series(keep))
        area = area.filter(pl.Series(keep)) if area is not None else None
    rows = file_rows[keep]
    return Roster(shown, n + len(structural), facts, rows, ids, area, rejects)


def repeated(ids: pl.Series) -> np.ndarray:
    """True for each id an earlier row of `ids` has. Equal ids have equal hashes: when the 64-bit hashes are all
    distinct (nearly always), no id repeats, and the exact but ten times slower is_first_distinct is not needed."""
    n = len(ids)
    return np.zeros(n, bool) if ids.hash().n_unique() == n else ~ids.is_first_distinct().to_numpy()


def rejects_frame(rejects: list) -> pl.DataFrame:
    cols = list(zip(*rejects)) if rejects else [[]] * len(REJECT_COLUMNS)
    return pl.DataFrame({"row": pl.Series(cols[0], dtype=pl.Int64), "id": pl.Series(cols[1], dtype=pl.String),
                         "field": pl.Series(cols[2], dtype=pl.String),
                         "value": pl.Series([None if v is None else str(v) for v in cols[3]], dtype=pl.String),
                         "reason": pl.Series(cols[4], dtype=pl.String)})


def write_rejects(path: Path, rejects: list) -> None:
    rejects_frame(rejects).write_csv(path)


def append_rejects(fh, rejects: list, header: bool) -> None:
    """Rejects appended to an open rejects CSV (the header with the first)."""
    rejects_frame(rejects).write_csv(fh, include_header=header)


# zstd level 1: measured 0.27 s against 0.44 s for the default level on a million rulings, 3% larger
PARQUET = {"statistics": False, "compression": "zstd", "compression_level": 1}


def write_rulings(df: pl.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".csv":
        df.write_csv(path)
    else:
        df.write_parquet(path, **PARQUET)


# Rows of each row group of a rulings file written as it goes: a fixed number, so that the file is the same
# whatever the chunks the roster was read in (polars' sink otherwise cuts its row groups by its own estimate of
# their bytes, which depends on how the rows came)
ROW_GROUP_ROWS = 100_000


def sink_rulings(lf: pl.LazyFrame, path: Path) -> None:
    """A lazy rulings table into one Parquet file by polars' streaming engine, as write_rulings writes a frame, in
    row groups of ROW_GROUP_ROWS rows."""
    lf.sink_parquet(path, row_group_size=ROW_GROUP_ROWS, **PARQUET)


def read_rulings(path: Path) -> pl.DataFrame:
    return pl.read_csv(path) if path.suffix.lower() == ".csv" else pl.read_parquet(path)


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
