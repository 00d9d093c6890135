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
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..cases.aliases import words_of
from ..cases.catalogue import case_schema
from ..load import csv_lines
from ..load.limits import MAX_ROSTER_BYTES
from ..load.problems import PolicyInputError, Problem
from ..load.yaml_strict import read_bounded
from .facts import GRADE_PREFIX, Column, Facts

EXTRA_COLUMNS = ("id", "area")
REJECT_COLUMNS = ("row", "id", "field", "value", "reason")
MONEY_RE = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
CENTS = pl.Decimal(scale=2)  # an amount of MONEY_RE read exactly: its integer is the amount in cents


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


TYPED = {"integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean}


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
    ids = df["id"].fill_null("")
    gspec = next(s for s in specs.values() if s.type == "grades")
    # Each column is checked on its own (polars and numpy let go of the GIL while they work), so the columns are
    # checked side by side on the machine's cores; the problems are gathered in column order, as one by one.
    tasks = [lambda bad: _check_ids(ids, schema_dir, bad, seen)]
    for name, spec in specs.items():
        if spec.type != "grades":
            raw = df[name] if name in df.columns else pl.Series(name, [None] * n, pl.String)
            tasks.append(lambda bad, spec=spec, raw=raw: parse_column(spec, raw, bad))
    for year, col in sorted(grade_cols.items()):
        tasks.append(lambda bad, text=df[col], col=col: _grade(text, col, gspec, bad))
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        done = list(pool.map(_checked, tasks))
    bad: list[tuple[np.ndarray, str, pl.Series, str]] = []  # (mask, field, values, reason)
    for _, problems in done:
        bad += problems
    parsed = iter(result for result, _ in done[1:])
    columns = {name: next(parsed) for name, spec in specs.items() if spec.type != "grades"}
    grades = {year: next(parsed) for year in sorted(grade_cols)}

    area = _area_codes(df["area"], schema_dir) if "area" in df.columns else None
    if areas is not None and area is not None:
        text = df["area"].cast(pl.String)
        known = area.is_in(list(areas)).fill_null(False).to_numpy()
        bad.append((~known, "area", text, f"not an area of the cost-sharing policy: one of {', '.join(areas)}"))
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
    facts = Facts(n, columns, grades)
    if reject.any():  # a copy of every column only when rows are dropped
        facts = facts.take(keep)
    rows = file_rows[keep]
    area = area.filter(pl.Series(keep)) if area is not None else None
    return Roster(shown, n + len(structural), facts, rows, ids.filter(pl.Series(keep)), area, rejects)


def _area_codes(area: pl.Series, schema_dir) -> pl.Series:
    """The area column with the text's words (兴庆区 …) read as the funding kind's area codes (xingqing …)."""
    node = case_schema(str(schema_dir))["$defs"]["funding_facts"]["properties"]["area"]
    return area.cast(pl.String).replace(words_of(node))


def _checked(task) -> tuple:
    """(what the task returns, the problems it found)."""
    bad: list = []
    return task(bad), bad


def _check_ids(ids: pl.Series, schema_dir, bad: list, seen=None) -> None:
    case = case_schema(str(schema_dir))["$defs"]["case"]["properties"]["id"]
    id_ok = ids.str.contains(case["pattern"]) & (ids.str.len_chars() <= case["maxLength"])
    bad.append((~id_ok.to_numpy(), "id", ids, "a worker id is letters, digits, '_', '.', '-' (at most "
                f"{case['maxLength']})"))
    dup = repeated(ids) if seen is None else seen.repeated(ids)
    bad.append((dup & id_ok.to_numpy(), "id", ids, "worker id used twice (see the first row with this id)"))


def repeated(ids: pl.Series) -> np.ndarray:
    """True for each id an earlier row of `ids` has. Equal ids have equal hashes: when the 64-bit hashes are all
    distinct (nearly always), no id repeats, and the exact but ten times slower is_first_distinct is not needed."""
    n = len(ids)
    return np.zeros(n, bool) if ids.hash().n_unique() == n else ~ids.is_first_distinct().to_numpy()


def _grade(text: pl.Series, col: str, gspec, bad: list) -> np.ndarray:
    empty = (text.is_null() | (text == "")).to_numpy()
    codes = _codes(text, gspec.enum, gspec.words)
    bad.append(((codes < 0) & ~empty, col, text, f"not a grade: one of {gspec.choices}"))
    return codes


def parse_column(spec, raw: pl.Series, bad: list) -> Column:
    n = len(raw)
    text = raw  # no trimming: a value with spaces around it is not a value of the contract
    is_text = raw.dtype == pl.String
    empty = (text.is_null() | (text == "")).to_numpy() if is_text else text.is_null().to_numpy()
    name = spec.name
    if spec.type == "enum":
        codes = _codes(text, spec.enum, spec.words)
        bad.append(((codes < 0) & ~empty, name, raw, f"not one of: {spec.choices}"))
        values, ok = codes, codes >= 0
        if spec.default is not None:
            values = np.where(empty, spec.enum.index(spec.default), codes).astype(np.int8)
    elif spec.type == "boolean" and not is_text:
        t, f = text.fill_null(False).to_numpy(), (~text).fill_null(False).to_numpy()
        values, ok = np.where(empty, bool(spec.default), t), t | f
    elif spec.type == "boolean":
        low = text.str.to_lowercase()
        t, f = (low == "true").fill_null(False).to_numpy(), (low == "false").fill_null(False).to_numpy()
        bad.append((~(t | f) & ~empty, name, raw, "not a boolean: true or false"))
        values, ok = np.where(empty, bool(spec.default), t), t | f
    elif spec.type in ("integer", "number"):
        num = text.cast(TYPED[spec.type], strict=False)
        ok = num.is_not_null().to_numpy()
        values = num.fill_null(0).to_numpy()
        if spec.type == "number":
            ok &= np.isfinite(values)
        in_range = np.ones(n, bool)
        if spec.minimum is not None:
            in_range &= values >= spec.minimum
        if spec.maximum is not None:
            in_range &= values <= spec.maximum
        bad.append((~ok & ~empty, name, raw, f"not a{'n integer' if spec.type == 'integer' else ' number'}"))
        bad.append((ok & ~in_range & ~empty, name, raw, f"out of range {spec.minimum}..{spec.maximum}"))
        ok &= in_range
        if spec.default is not None:
            values = np.where(empty, spec.default, values)
    elif spec.type == "money":
        ok = text.str.contains(MONEY_RE).fill_null(False).to_numpy()
        # what MONEY_RE accepts (at most 12 digits, 2 decimals) a decimal of scale 2 holds exactly: its integer is
        # the cents (0 where the text is not an amount)
        cents = text.cast(CENTS, strict=False).to_physical().cast(pl.Int64, strict=False).fill_null(0).to_numpy()
        values = np.where(ok, cents, 0)
        bad.append((~ok & ~empty, name, raw, "not an amount of yuan with at most two decimals"))
        in_range = (values >= _cents(spec.minimum)) & (values <= _cents(spec.maximum))
        bad.append((ok & ~in_range & ~empty, name, raw, f"out of range {spec.minimum}..{spec.maximum} yuan"))
        ok &= in_range
    elif spec.type == "date":
        # no cache of parsed values: parsing every value again measured twice as fast as looking it up
        day = text.str.to_date("%Y-%m-%d", strict=False, cache=False) if is_text else text
        ok = day.is_not_null().to_numpy()
        if is_text:
            ok &= (text.str.len_chars() == 10).fill_null(False).to_numpy()
        values = day.cast(pl.Int32).fill_null(0).to_numpy().astype("datetime64[D]")
        bad.append((~ok & ~empty, name, raw, "not a real date (YYYY-MM-DD)"))
    else:  # pragma: no cover - a schema type this reader does not know is a bug here, not a user's mistake
        raise TypeError(f"fact type {spec.type}")
    if spec.required:
        bad.append((empty, name, raw, "required: every worker needs it"))
    present = ok & ~empty if spec.default is None else np.ones(n, bool)
    return Column(values, present)


def _codes(text: pl.Series, enum: tuple, words: dict) -> np.ndarray:
    """Codes into `enum` (schema order), -1 for empty or unknown text; the text's words (正职, 本科 …) are read as
    their codes, column-wise."""
    if text.dtype != pl.String:
        text = text.cast(pl.String)
    # one pass: each code and each word mapped to the code's place (a word given as a code too reads as its code's
    # word, as replacing the words first did), anything else to -1
    index = {code: i for i, code in enumerate(enum)}
    index.update((word, index[code]) for word, code in words.items() if code in index)
    return text.replace_strict(index, default=-1, return_dtype=pl.Int8).fill_null(-1).to_numpy()


def _cents(v) -> int:
    from decimal import Decimal

    return int(Decimal(str(v)) * 100)


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


def sink_rulings(lf: pl.LazyFrame, path: Path) -> None:
    """A lazy rulings table into one Parquet file by polars' streaming engine, as write_rulings writes a frame."""
    lf.sink_parquet(path, **PARQUET)


def read_rulings(path: Path) -> pl.DataFrame:
    return pl.read_csv(path) if path.suffix.lower() == ".csv" else pl.read_parquet(path)


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
