"""Bands: rows whose bounds partition an integer case fact (years of service per post, households per community).

A policy declares its band tables in `bands:` (path inside `data`, the fact, the other facts that select the
table). Every bound carries its basis: the word of the text and the number printed, or `domain: true`. The table
is checked twice over the fact's domain (its `minimum` in the case schema, upwards without end):
- the bounds as encoded must leave no gap and no overlap (witness: the first value, both rows and their clauses);
- the bounds as the text reads literally (the words under the policy's bound-convention interpretation, Civil
  Code art. 1259) may overlap or leave a gap only where an interpretation named on a moved bound resolves it:
  then it is `accepted`, otherwise a finding. A bound that differs from its literal reading must name that
  interpretation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..cases.catalogue import case_schema
from .walk import get, nodes

INF = math.inf


@dataclass
class Band:
    path: tuple  # JSON path of the band in the file
    row: dict  # the row of the table the band belongs to
    band: dict
    lo: int
    hi: float  # INF when open upwards
    lit_lo: float | None = None
    lit_hi: float | None = None
    moved: dict = field(default_factory=dict)  # side -> interpretation id (or None) for bounds not read literally

    def label(self, doc) -> str:
        line = doc.position(self.path)[0]
        clause = self.row.get("source") or self.band.get("source") or "no clause"
        return f"'{self.band.get('text', '?')}' (line {line}, {clause})"


@dataclass
class BandTable:
    version: object
    decl: dict
    decl_path: tuple
    bands: list
    domain_min: int | None

    @property
    def fact(self) -> str:
        return self.decl["fact"]

    def where(self) -> str:
        given = ", ".join(f"{k}={v}" for k, v in self.decl.get("given", {}).items())
        return f"{self.decl['path']}" + (f" ({given})" if given else "")


def _expand(obj, path, segments):
    """Yield (path, row path) of the values a declared path names; the row is the last `*` element."""
    def go(o, p, segs, row):
        if not segs:
            yield p, row
            return
        s, rest = segs[0], segs[1:]
        if s == "*":
            if isinstance(o, list):
                for i, item in enumerate(o):
                    yield from go(item, p + (i,), rest, p + (i,))
            elif isinstance(o, dict):
                for k, item in o.items():
                    yield from go(item, p + (k,), rest, p + (k,))
        elif isinstance(o, dict) and s in o:
            yield from go(o[s], p + (s,), rest, row)
    yield from go(obj, path, segments, path)


def _fact_min(schema_dir, fact):
    schema = case_schema(str(schema_dir))
    for name, d in schema.get("$defs", {}).items():
        if name.endswith("_facts") and fact in d.get("properties", {}):
            return True, d["properties"][fact].get("minimum")
    return False, None


def _convention(repo, v):
    for iid in v.data.get("interpretations", []):
        it = repo.interpretations.get(iid)
        if it and "words" in it[0]["reading"]:
            return iid, it[0]["reading"]["words"]
    return None, None


def tables(repo, report=None) -> list[BandTable]:
    """Every declared band table, with literal bounds computed; problems of the declarations go to `report`."""
    out = []
    for versions in repo.policies.values():
        for v in versions:
            out += _tables_of(repo, v, report)
    return out


def _add(report, prob):
    if report is not None:
        report.findings.append(prob)


def _tables_of(repo, v, report):
    doc, out, declared = v.doc, [], set()
    conv_id, words = _convention(repo, v)
    for i, decl in enumerate(v.data.get("bands", [])):
        dpath = ("bands", i)
        known, dmin = _fact_min(repo.schema_dir, decl["fact"])
        if not known:
            _add(report, doc.problem(dpath + ("fact",), f"band table {decl['path']}: the case schema has no fact "
                                     f"'{decl['fact']}'", "unknown_fact"))
        elif dmin is None:
            _add(report, doc.problem(dpath + ("fact",), f"band table {decl['path']}: fact '{decl['fact']}' has no "
                                     "minimum in the case schema, so the domain the bands must cover is unknown",
                                     "band_domain"))
        found = []
        for path, row_path in _expand(v.data["data"], ("data",), decl["path"].split(".")):
            b = get(v.data, path)
            if not (isinstance(b, dict) and isinstance(b.get("min"), int)):
                _add(report, doc.problem(path, f"band table {decl['path']}: this is not a band (an object with "
                                         "an integer min)", "not_a_band"))
                continue
            declared.add(path)
            found.append(Band(path, get(v.data, row_path), b, b["min"], b.get("max", INF)))
        if not found:
            _add(report, doc.problem(dpath + ("path",), f"band table path '{decl['path']}' names no band in data",
                                     "band_path"))
            continue
        if words is None:
            _add(report, doc.problem(("interpretations",), "the policy has band tables but names no interpretation "
                                     "that says how bound words read (one with reading.words, e.g. "
                                     "inclusive_bounds_civil_code_1259)", "no_bound_convention"))
        else:
            for band in found:
                _literal(repo, v, band, words, dmin, report)
        out.append(BandTable(v, decl, dpath, found, dmin))
    for path, node in nodes(v.data["data"], ("data",)):
        if isinstance(node, dict) and isinstance(node.get("basis"), dict) and "min" in node["basis"] \
                and path not in declared:
            _add(report, doc.problem(path, "this band is in no band table declared under `bands:` (path, fact), "
                                     "so nothing checks it for gaps and overlaps", "band_undeclared"))
    return out


def _literal(repo, v, band, words, dmin, report):
    doc, b = v.doc, band.band
    basis = b.get("basis", {})
    text = str(b.get("text", ""))
    for side, value in (("min", band.lo), ("max", band.hi)):
        bb = basis.get(side)
        bpath = band.path + ("basis", side)
        if bb is None:
            if side == "max" and value != INF:
                _add(report, doc.problem(band.path + ("max",), f"the bound max {value} of '{text}' states no basis",
                                         "bound_without_basis"))
            if side == "max":
                band.lit_hi = INF
            continue
        if side == "max" and value == INF:
            _add(report, doc.problem(bpath, f"'{text}' has a basis for max but no max", "bound_without_basis"))
            continue
        if bb.get("domain"):
            if side != "min":
                _add(report, doc.problem(bpath, "only a lower bound can be the edge of the domain", "bad_basis"))
                continue
            lit = dmin if dmin is not None else value
        else:
            word, number = bb["word"], bb["number"]
            if word not in text or str(number) not in text:
                _add(report, doc.problem(bpath, f"the basis ({word} {number}) is not in the band's text '{text}'",
                                         "basis_not_in_text"))
            if word in words["inclusive"]:
                lit = number
            elif word in words["exclusive"]:
                lit = number + 1 if side == "min" else number - 1
            else:
                _add(report, doc.problem(bpath + ("word",), f"'{word}' is not a bound word the convention "
                                         "interpretation reads (reading.words)", "unknown_bound_word"))
                lit = value
        if side == "min":
            band.lit_lo = lit
        else:
            band.lit_hi = lit
        if lit != value:
            iid = bb.get("interpretation")
            band.moved[side] = iid if _valid_interp(repo, v, iid) else None
            if iid is None:
                _add(report, doc.problem(band.path + (side,), f"{side} {value} of '{text}' is not what the text says "
                                         f"read literally ({lit}); name the interpretation that moves it in its "
                                         "basis", "bound_not_literal"))
            elif iid not in repo.interpretations:
                _add(report, doc.problem(bpath + ("interpretation",), f"names interpretation '{iid}', which is not "
                                         "defined in interpretations/", "unknown_interpretation"))
            elif iid not in v.data.get("interpretations", []):
                _add(report, doc.problem(bpath + ("interpretation",), f"interpretation '{iid}' moves this bound but "
                                         "the policy does not list it under interpretations", "unlisted_interpretation"))


def _valid_interp(repo, v, iid) -> bool:
    return iid is not None and iid in repo.interpretations and iid in v.data.get("interpretations", [])


def sweep(bands, lo_of, hi_of, start):
    """Gaps and overlaps of integer intervals over [start, ∞): [(kind, first, last, band before, band after)]."""
    out = []
    items = sorted(bands, key=lambda b: (lo_of(b), hi_of(b)))
    reach, reach_band = (start - 1 if start is not None else lo_of(items[0]) - 1), None
    for b in items:
        lo, hi = lo_of(b), hi_of(b)
        if lo > reach + 1:
            out.append(("gap", reach + 1, lo - 1, reach_band, b))
        elif lo <= reach and reach_band is not None:
            out.append(("overlap", lo, min(reach, hi), reach_band, b))
        if hi > reach:
            reach, reach_band = hi, b
    if reach != INF:
        out.append(("gap", reach + 1, INF, reach_band, None))
    return out


def _span(first, last) -> str:
    if last == INF:
        return f"{first} and above"
    return str(first) if first == last else f"{first}–{last}"


def _describe(kind, first, last, a, b, table, doc, literal=False) -> str:
    fact, where = table.fact, table.where()
    how = "read literally, " if literal else ""
    if kind == "overlap":
        return f"{how}{fact} {_span(first, last)} falls in two bands of {where}: {a.label(doc)} and {b.label(doc)}"
    if a is None:
        return f"{how}{fact} {_span(first, last)} falls in no band of {where} (the lowest is {b.label(doc)})"
    if b is None:
        return f"{how}{fact} {_span(first, last)} falls in no band of {where} (the highest is {a.label(doc)})"
    return f"{how}{fact} {_span(first, last)} falls in no band of {where}: between {a.label(doc)} and {b.label(doc)}"


def check(repo, report) -> None:
    for t in tables(repo, report):
        doc = t.version.doc
        for kind, first, last, a, b in sweep(t.bands, lambda x: x.lo, lambda x: x.hi, t.domain_min):
            at = (b or a).path
            report.findings.append(doc.problem(at, _describe(kind, first, last, a, b, t, doc), f"band_{kind}"))
        if any(x.lit_lo is None or x.lit_hi is None for x in t.bands):
            continue
        for kind, first, last, a, b in sweep(t.bands, lambda x: x.lit_lo, lambda x: x.lit_hi, t.domain_min):
            # The bounds that meet here: the lower band's max and the upper band's min.
            meeting = [(x, side) for x, side in ((a, "max"), (b, "min")) if x is not None and side in x.moved]
            if not meeting:
                continue  # read literally as encoded: the check above already speaks of it
            names = [x.moved[side] for x, side in meeting]
            at = (b or a).path
            msg = _describe(kind, first, last, a, b, t, doc, literal=True)
            if all(names):
                report.accepted.append(doc.problem(at, f"{msg}; resolved by interpretation "
                                                   f"{', '.join(sorted(set(names)))}", f"literal_{kind}"))
            else:
                report.findings.append(doc.problem(at, f"{msg}; no interpretation resolves it", f"literal_{kind}"))


def bound_values(table: BandTable) -> list[tuple[int, list[int], Band]]:
    """For every bound n the text states: (n, the values n−1, n, n+1 inside the domain, its band). The lower edge
    of the domain (`domain: true`) is not a bound of the text; the band check holds the table to it."""
    out = []
    for b in table.bands:
        for side, n in (("min", b.lo), ("max", b.hi)):
            if n == INF or b.band.get("basis", {}).get(side, {}).get("domain"):
                continue
            vals = [x for x in (n - 1, n, n + 1) if table.domain_min is None or x >= table.domain_min]
            out.append((n, vals, b))
    return out
