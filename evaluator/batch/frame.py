"""The rulings table: one row per worker, every result in its own column, and beside each result the clause ids
(`<result>.clauses`) and interpretation ids (`<result>.interpretations`) it rests on, space-separated and
dictionary-encoded (a reference, not the text: `policy eval` or `policy batch --explain` gives the words), then the
policy digest and the date. Built from the vectorised output, or from per-case rulings (the traced path), with the
same columns and values, so the two can be compared cell by cell.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..kinds.district import layer_label
from .compile import LAYER_RESULTS, SALARY_RESULTS, Program
from .run import Output

COEFFICIENT = pl.Decimal(10, 2)
MONEY = pl.Decimal(18, 2)
CENTS = ("salary.retiree_top_up",) + LAYER_RESULTS  # results the program holds in cents (yuan and fen)


def result_names(prog: Program) -> list[str]:
    return list(SALARY_RESULTS) + [rs.result for rs in prog.rulesets]


def enum_lookup(categories: list[str]) -> pl.Series:
    """The categories as an Enum series (their distinct values its categories, in order): gathered by code."""
    return pl.Series(categories, dtype=pl.Enum(list(dict.fromkeys(categories))))


@dataclass(frozen=True)
class Lookups:
    """What every chunk's rulings table gathers its text columns from, built once per program: the clause and
    interpretation ids of each basis code, each rule set's labels by mask, the district layer's labels and the
    coefficients by code. Building these per chunk (a thousand-odd categories, twice per result) cost more than
    gathering from them."""

    clauses: pl.Series
    interpretations: pl.Series
    labels: dict  # result -> its rule set's labels (mask -> "code code")
    layer: pl.Series
    coefficients: pl.Series


def lookups(prog: Program) -> Lookups:
    return Lookups(enum_lookup([" ".join(c) for c, _ in prog.basis.items]),
                   enum_lookup([" ".join(i) for _, i in prog.basis.items]),
                   {rs.result: enum_lookup(rs.labels) for rs in prog.rulesets},
                   enum_lookup(prog.t.get("spread_labels") or [""]),
                   pl.Series(prog.coefficients, dtype=COEFFICIENT))


def vector_frame(prog: Program, out: Output, keep: np.ndarray, head: dict, look: Lookups | None = None
                 ) -> pl.DataFrame:
    """The rulings of the rows in `keep` (rows without a ruling error); `head`: leading columns (row, id, area);
    `look`: the program's lookups (built here when not given; a caller ruling many chunks builds them once).

    The program's arrays go into one frame as they are and every column of the table is one expression of a single
    query (a value or a text gathered by its code, null where the result is absent), which polars runs at once: a
    Series built, gathered and masked column by column cost three times as much."""
    look = lookups(prog) if look is None else look
    every = bool(keep.all())

    def kept(a: np.ndarray) -> np.ndarray:
        return a if every else a[keep]
    raw = {k: (s.alias(k) if isinstance(s, pl.Series) else s) for k, s in head.items()}
    cols = [pl.col(k) for k in head]

    def given(expr: pl.Expr, mask: np.ndarray, key: str) -> pl.Expr:
        """`expr`, null where `mask` is False."""
        if mask.all():
            return expr
        raw[key] = mask
        return pl.when(pl.col(key)).then(expr)
    for i, name in enumerate(result_names(prog)):
        v, b = f"\0value{i}", f"\0basis{i}"
        values, present, entry = kept(out.values[name]), kept(out.present[name]), kept(out.entry[name])
        raw[b] = kept(out.basis[name])
        if name == "salary.coefficient":
            raw[v] = values
            value = pl.lit(look.coefficients).gather(pl.col(v))
        elif name in CENTS:
            raw[v] = values
            value = pl.col(v).cast(MONEY) / 100
        elif name == "certificate.due_date":
            raw[v] = values.astype("datetime64[D]")
            value = pl.col(v)
        elif name in ("salary.band_level", "salary.level"):
            raw[v] = values
            value = pl.col(v).cast(pl.Int16)
        elif values.dtype == np.uint16:
            raw[v] = values
            value = pl.lit(look.labels[name]).gather(pl.col(v))
        else:
            raw[v] = values
            value = pl.col(v).cast(pl.Int64)
        cols.append(given(value, present, f"\0present{i}").alias(name))
        for part, texts in (("clauses", look.clauses), ("interpretations", look.interpretations)):
            cols.append(given(pl.lit(texts).gather(pl.col(b)), entry, f"\0entry{i}").alias(f"{name}.{part}"))
        if name in LAYER_RESULTS:
            raw[f"\0layer{i}"] = kept(out.layer[name])
            cols.append(given(pl.lit(look.layer).gather(pl.col(f"\0layer{i}")), entry, f"\0entry{i}")
                        .alias(f"{name}.layer"))
    cols += [pl.lit(prog.as_of).alias("as_of"),
             pl.lit(prog.digest).cast(pl.Enum([prog.digest])).alias("policy.digest")]
    return pl.DataFrame(raw).lazy().select(cols).collect()


def ruling_row(ruling: dict, names: list[str]) -> dict:
    """One per-case ruling as a row of the rulings table (values as the per-case path gives them)."""
    basis: dict = {}  # result -> (clause ids, interpretation ids), in trace order
    layers = {}  # result -> its district layer
    for e in ruling["trace"]:
        if "layer" in e:
            layers[e["result"]] = e["layer"]
        ids = [x["id"] for x in e["clauses"]]
        b = basis.get(e["result"])
        basis[e["result"]] = (ids, e["interpretations"]) if b is None else (b[0] + ids, b[1] + e["interpretations"])
    row = {}
    results = ruling["results"]
    for name, clauses, interpretations in _columns(tuple(names)):
        value = results.get(name)
        row[name] = " ".join(value) if isinstance(value, list) else value
        b = basis.get(name)
        if b is None:
            row[clauses] = row[interpretations] = None
        else:
            row[clauses] = " ".join(dict.fromkeys(b[0]))
            row[interpretations] = " ".join(dict.fromkeys(b[1]))
        if name in LAYER_RESULTS:
            row[f"{name}.layer"] = layer_label(layers[name], value) if name in layers else None
    return row


@functools.lru_cache(maxsize=64)
def _columns(names: tuple[str, ...]) -> list[tuple]:
    """(result, its clauses column, its interpretations column) for each result (asked once per row)."""
    return [(n, f"{n}.clauses", f"{n}.interpretations") for n in names]


def traced_frame(prog: Program, rows: list[dict], head: dict) -> pl.DataFrame:
    """The rulings table from per-case rows (ruling_row), typed like vector_frame's."""
    names = result_names(prog)
    cols = dict(head)
    for name in names:
        vals = [r[name] for r in rows]
        if name == "salary.coefficient":
            s = pl.Series(vals, dtype=COEFFICIENT)
        elif name in CENTS:
            s = pl.Series([None if v is None else str(v) for v in vals], dtype=pl.String).cast(MONEY)
        elif name == "certificate.due_date":
            s = pl.Series(vals, dtype=pl.String).str.to_date()
        elif name in ("salary.band_level", "salary.level"):
            s = pl.Series(vals, dtype=pl.Int16)
        elif any(isinstance(v, str) for v in vals) or name not in SALARY_RESULTS:
            s = pl.Series(vals, dtype=pl.String).cast(pl.Categorical)
        else:
            s = pl.Series(vals, dtype=pl.Int64)
        cols[name] = s
        for part in ("clauses", "interpretations") + (("layer",) if name in LAYER_RESULTS else ()):
            cols[f"{name}.{part}"] = pl.Series([r[f"{name}.{part}"] for r in rows], dtype=pl.String
                                               ).cast(pl.Categorical)
    df = pl.DataFrame({k: (s.alias(k) if isinstance(s, pl.Series) else s) for k, s in cols.items()})
    return df.with_columns(pl.lit(prog.as_of).alias("as_of"),
                           pl.lit(prog.digest).cast(pl.Enum([prog.digest])).alias("policy.digest"))


def comparable(df: pl.DataFrame) -> pl.DataFrame:
    """Dictionary-encoded columns as plain text, so tables built either way compare with `equals`."""
    return df.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String))
