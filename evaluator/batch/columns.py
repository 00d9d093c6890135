"""A roster's columns read as worker facts (io.check_frame): every column's values, and the masks of its faulty
cells, worked out by one polars query per chunk.

Each column's checks are expressions (the codes of an enum, whether a cell is empty, a number parsed, a date read)
gathered into a single `select`, which polars plans once and runs on its own threads, column beside column; numpy
then turns what it gives into the facts' columns (batch/facts.py) and the faults into `bad` entries. Asking polars
for each step one by one, Series by Series, cost a query each (about 0.15 ms of planning and threads however few
the rows: two thirds of the checks' time on a chunk of a few thousand rows, a tenth on one of 100,000).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import polars as pl

from ..cases.aliases import words_of
from ..cases.catalogue import case_schema
from .facts import Column

TYPED = {"integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean}
MONEY_RE = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
CENTS = pl.Decimal(scale=2)  # an amount of MONEY_RE read exactly: its integer is the amount in cents


@dataclass
class Checked:
    """What the query gives for a chunk: each fact's column (by name), each year's grade codes, the ids (nulls as
    ""), the area codes (or None without an area column) and the faults found, in the columns' order:
    (mask, field, values shown, reason)."""

    columns: dict
    grades: dict
    ids: pl.Series
    area: pl.Series | None
    bad: list


class Query:
    """Expressions gathered for one `select`; each `add` gives the place of its result."""

    def __init__(self) -> None:
        self.exprs: list[pl.Expr] = []

    def add(self, expr: pl.Expr) -> int:
        self.exprs.append(expr.alias(f"\0{len(self.exprs)}"))
        return len(self.exprs) - 1

    def run(self, df: pl.DataFrame) -> list[pl.Series]:
        # the streaming engine cuts the rows into morsels for its threads: measured a tenth less CPU and about half
        # the wall time of the in-memory engine's column-by-column select on a chunk of 100,000 rows
        return df.lazy().select(self.exprs).collect(engine="streaming").get_columns()


def check_columns(df: pl.DataFrame, specs: dict, grade_cols: dict, schema_dir, areas: list | None,
                  repeated: Callable[[pl.Series], np.ndarray]) -> Checked:
    """The chunk's facts and faults: the ids (their pattern, and those an earlier row has: `repeated`), every fact
    of `specs` (a column the roster lacks reads as empty), the grade columns (`grade_cols`: year -> column), the
    area against `areas`; the checks between facts (io.check_frame) come after."""
    has_area = "area" in df.columns  # the roster's own column (a fact's column it lacks is added below)
    missing = [name for name, spec in specs.items() if spec.type != "grades" and name not in df.columns]
    if missing:
        df = df.with_columns(pl.lit(None, pl.String).alias(name) for name in missing)
    key = (repr(specs), tuple(df.schema.items()), tuple(sorted(grade_cols.items())), str(schema_dir),
           None if areas is None else tuple(areas), has_area)
    plan = _PLANS.get(key)
    if plan is None:  # the same for every chunk of a roster: made once
        if len(_PLANS) >= MAX_PLANS:
            _PLANS.clear()
        plan = _PLANS[key] = _plan_checks(dict(df.schema), specs, grade_cols, schema_dir, areas, has_area)
    query, finish = plan
    return finish(query.run(df), df, repeated)


MAX_PLANS = 8  # rosters' column layouts whose query is kept (a run reads one roster, a test a few)
_PLANS: dict = {}


def _plan_checks(schema: dict, specs: dict, grade_cols: dict, schema_dir, areas: list | None, has_area: bool
                 ) -> tuple[Query, Callable]:
    """The query of check_columns for a roster's columns, and what makes its Checked of the query's results."""
    q = Query()
    case = case_schema(str(schema_dir))["$defs"]["case"]["properties"]["id"]
    ids = pl.col("id").fill_null("")
    at_ids = q.add(ids)
    at_id_ok = q.add(ids.str.contains(case["pattern"]) & (ids.str.len_chars() <= case["maxLength"]))
    facts: list[tuple[str, Callable]] = [(name, _plan(spec, name, schema[name], q))
                                         for name, spec in specs.items() if spec.type != "grades"]
    gspec = next(s for s in specs.values() if s.type == "grades")
    grade = Codes(gspec.enum, gspec.words)
    graded = [(year, col, q.add(grade.expr(pl.col(col))), q.add(_empty(pl.col(col), True)))
              for year, col in sorted(grade_cols.items())]
    if has_area:
        node = case_schema(str(schema_dir))["$defs"]["funding_facts"]["properties"]["area"]
        text = pl.col("area").cast(pl.String)
        at_area = q.add(text.replace(words_of(node)))  # the text's words (兴庆区 …) read as the area codes
        at_known = q.add(text.replace(words_of(node)).is_in(list(areas or ())).fill_null(False))
        at_text = q.add(text)

    def finish(got: list, df: pl.DataFrame, repeated: Callable) -> Checked:
        bad: list = []
        ids_s = got[at_ids].alias("id")
        id_ok = got[at_id_ok].to_numpy()
        bad.append((~id_ok, "id", ids_s, "a worker id is letters, digits, '_', '.', '-' (at most "
                    f"{case['maxLength']})"))
        bad.append((repeated(ids_s) & id_ok, "id", ids_s, "worker id used twice (see the first row with this id)"))
        columns = {name: make(got, df[name], bad) for name, make in facts}
        grades = {}
        for year, col, at_codes, at_empty in graded:
            codes = grade.of(got[at_codes])
            bad.append(((codes < 0) & ~got[at_empty].to_numpy(), col, df[col],
                        f"not a grade: one of {gspec.choices}"))
            grades[year] = codes
        area = None
        if has_area:
            area = got[at_area].alias("area")
            if areas is not None:
                bad.append((~got[at_known].to_numpy(), "area", got[at_text].alias("area"),
                            f"not an area of the cost-sharing policy: one of {', '.join(areas)}"))
        return Checked(columns, grades, ids_s, area, bad)
    return q, finish


def _empty(e: pl.Expr, is_text: bool) -> pl.Expr:
    return (e.is_null() | (e == "")) if is_text else e.is_null()


class Codes:
    """Codes into `enum` (schema order), -1 for empty or unknown text; the text's words (正职, 本科 …) are read as
    their codes, column-wise: the text cast to an Enum of every code and word (anything else null), whose physical
    codes a table turns into the enum's (a third faster than replace_strict with a mapping, which builds its
    hash table again for every query)."""

    def __init__(self, enum: tuple, words: dict) -> None:
        # each code and each word mapped to the code's place (a word given as a code too reads as its code's word,
        # as replacing the words first did)
        index = {code: i for i, code in enumerate(enum)}
        index.update((word, index[code]) for word, code in words.items() if code in index)
        self.dtype = pl.Enum(list(index))
        self.table = np.array(list(index.values()) + [-1], np.int8)  # the last: not a code or a word

    def expr(self, e: pl.Expr) -> pl.Expr:
        return e.cast(pl.String).cast(self.dtype, strict=False).to_physical().fill_null(len(self.table) - 1)

    def of(self, physical: pl.Series) -> np.ndarray:
        return self.table[physical.to_numpy()]


def _plan(spec, name: str, dtype, q: Query) -> Callable:
    """The expressions that check one fact's column, and what makes its Column (and its faults) of their
    results: make(results, the column as given, bad)."""
    col = pl.col(name)  # no trimming: a value with spaces around it is not a value of the contract
    is_text = dtype == pl.String
    at_empty = q.add(_empty(col, is_text))
    if spec.type == "enum":
        enum = Codes(spec.enum, spec.words)
        at = q.add(enum.expr(col))

        def parsed(got, raw, bad, empty):
            codes = enum.of(got[at])
            bad.append(((codes < 0) & ~empty, name, raw, f"not one of: {spec.choices}"))
            values, ok = codes, codes >= 0
            if spec.default is not None:
                values = np.where(empty, spec.enum.index(spec.default), codes).astype(np.int8)
            return values, ok
    elif spec.type == "boolean":
        if is_text:
            low = col.str.to_lowercase()
            at_t, at_f = q.add((low == "true").fill_null(False)), q.add((low == "false").fill_null(False))
        else:
            at_t, at_f = q.add(col.fill_null(False)), q.add((~col).fill_null(False))

        def parsed(got, raw, bad, empty):
            t, f = got[at_t].to_numpy(), got[at_f].to_numpy()
            if is_text:
                bad.append((~(t | f) & ~empty, name, raw, "not a boolean: true or false"))
            return np.where(empty, bool(spec.default), t), t | f
    elif spec.type in ("integer", "number"):
        num = col.cast(TYPED[spec.type], strict=False)
        at_ok, at = q.add(num.is_not_null()), q.add(num.fill_null(0))

        def parsed(got, raw, bad, empty):
            ok, values = got[at_ok].to_numpy(), got[at].to_numpy()
            n = len(values)
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
            return values, ok
    elif spec.type == "money":
        at_ok = q.add(col.str.contains(MONEY_RE).fill_null(False))
        # what MONEY_RE accepts (at most 12 digits, 2 decimals) a decimal of scale 2 holds exactly: its integer is
        # the cents (0 where the text is not an amount)
        at = q.add(col.cast(CENTS, strict=False).to_physical().cast(pl.Int64, strict=False).fill_null(0))

        def parsed(got, raw, bad, empty):
            ok = got[at_ok].to_numpy()
            values = np.where(ok, got[at].to_numpy(), 0)
            bad.append((~ok & ~empty, name, raw, "not an amount of yuan with at most two decimals"))
            in_range = (values >= cents(spec.minimum)) & (values <= cents(spec.maximum))
            bad.append((ok & ~in_range & ~empty, name, raw, f"out of range {spec.minimum}..{spec.maximum} yuan"))
            return values, ok & in_range
    elif spec.type == "date":
        # no cache of parsed values: parsing every value again measured twice as fast as looking it up
        day = col.str.to_date("%Y-%m-%d", strict=False, cache=False) if is_text else col
        ok = day.is_not_null()
        if is_text:
            ok = ok & (col.str.len_chars() == 10).fill_null(False)
        at_ok, at = q.add(ok), q.add(day.cast(pl.Int32).fill_null(0))

        def parsed(got, raw, bad, empty):
            ok = got[at_ok].to_numpy()
            bad.append((~ok & ~empty, name, raw, "not a real date (YYYY-MM-DD)"))
            return got[at].to_numpy().astype("datetime64[D]"), ok
    else:  # pragma: no cover - a schema type this reader does not know is a bug here, not a user's mistake
        raise TypeError(f"fact type {spec.type}")

    def make(got: list, raw: pl.Series, bad: list) -> Column:
        empty = got[at_empty].to_numpy()
        values, ok = parsed(got, raw, bad, empty)
        if spec.required:
            bad.append((empty, name, raw, "required: every worker needs it"))
        present = ok & ~empty if spec.default is None else np.ones(len(empty), bool)
        return Column(values, present)
    return make


def cents(v) -> int:
    from decimal import Decimal

    return int(Decimal(str(v)) * 100)
