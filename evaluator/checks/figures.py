"""Figures against the words they cite: every number of a policy version's data is checked against the clause it
cites (the `source` of the nearest row, or the `<name>_source` beside it), and every threshold of a rule against
the clauses the rule cites, read as consolidated on the version's first day (register.text_on: the amendments in
force applied).

- stated: the clause states the figure (a numeral, a percentage, a Chinese numeral, 五分之二) — nothing to do;
- not stated: the version must give its basis under `figures:` — `derived` (a product of fields, recomputed here),
  `interpretation` (named by the version), `words` (the clause's words that state it without a numeral, checked
  verbatim) or `structural` (not a figure of the policy: an order, a count of merged cells);
- otherwise a problem at the figure's file:line:col naming the clause, its words and the numbers it does state
  (the witness): a 2027 table at benchmark 2200 citing only the 2018 table fails here.

Band bounds are left to the band checks (bands.py), which hold each bound to the word and number it cites.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase

from ..repo import register
from .walk import get, is_number, nodes, show_path

_ARABIC = re.compile(r"(\d+(?:\.\d+)?)(%?)")
_HAN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HAN_UNITS = {"十": 10, "百": 10 ** 2, "千": 10 ** 3}
_WAN = 10 ** 4  # 万
_HAN = re.compile("[零〇一二两三四五六七八九十百千万]+")
_FRACTION = re.compile("([零〇一二两三四五六七八九十百千万]+)分之([零〇一二两三四五六七八九十百千万]+)")


def han_number(text: str) -> int:
    """The value of a Chinese numeral (三, 十二, 二十, 一百零五, 两万)."""
    total = section = digit = 0
    for ch in text:
        if ch in _HAN_DIGITS:
            digit = _HAN_DIGITS[ch]
        elif ch in _HAN_UNITS:
            section += (digit or 1) * _HAN_UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * _WAN
            section = digit = 0
    return total + section + digit


def stated_numbers(text: str) -> set:
    """Every number a text states: numerals (and a percentage also as a share), Chinese numerals, fractions."""
    out = set()
    for m in _ARABIC.finditer(text):
        value = Decimal(m.group(1))
        out.add(value)
        if m.group(2):
            out.add(value / 100)
    for m in _FRACTION.finditer(text):
        den = han_number(m.group(1))
        if den:
            out.add(Decimal(han_number(m.group(2))) / Decimal(den))
    for m in _HAN.finditer(text):
        out.add(Decimal(han_number(m.group(0))))
    return out


def citing_clause(data: dict, path: tuple) -> tuple[str | None, tuple | None]:
    """The clause a figure rests on, and where that reference is: walking up from the figure, the first
    `<name>_source` beside a key on the path whose name starts with <name>, or the first `source`."""
    for n in range(len(path) - 1, -1, -1):
        node = get(data, path[:n])
        if not isinstance(node, dict):
            continue
        key = path[n]
        if isinstance(key, str):
            best = None
            for k, v in node.items():
                if k.endswith("_source") and isinstance(v, str) and key.startswith(k[: -len("_source")]):
                    if best is None or len(k) > len(best):
                        best = k
            if best:
                return node[best], path[:n] + (best,)
        if isinstance(node.get("source"), str):
            return node["source"], path[:n] + ("source",)
    return None, None


def band_paths(v) -> set:
    """Paths (inside data) of the bounds of the version's declared band tables."""
    out = set()
    for decl in v.data.get("bands", []):
        pattern = decl["path"] + ".*"
        for path, _ in nodes(v.data["data"]):
            if path and fnmatchcase(show_path(path), pattern):
                out.add(path)
    return out


def declared_basis(v, path: tuple):
    """The `figures:` entry covering a figure: its path inside data, or for a rule `<rule id>.when…`."""
    inner = show_path(path[1:]) if path[0] == "data" else show_path((v.data["rules"][path[1]]["id"],) + path[2:])
    for i, decl in enumerate(v.data.get("figures", [])):
        if fnmatchcase(inner, decl["path"]):
            return i, decl
    return None, None


def check(repo, report) -> None:
    for versions in repo.policies.values():
        for v in versions:
            _check_version(repo, v, report)
    for versions in repo.rulesets.values():
        for v in versions:
            _check_rules(repo, v, report)


def _check_rules(repo, v, report) -> None:
    """A rule's thresholds against the clauses the rule cites (all of them, as they read on the version's day)."""
    day = v.effective_from
    for i, rule in enumerate(v.data["rules"]):
        events = [register.text_on(repo, ref, day) for ref in rule["cites"] if ref in repo.clauses]
        text = "\n".join(e.text for e in events if e is not None)
        stated = stated_numbers(text)
        for path, value in nodes(rule.get("when"), ("rules", i, "when")):
            if not is_number(value) or Decimal(str(value)) in stated:
                continue
            j, decl = declared_basis(v, path)
            name = show_path((rule["id"],) + path[2:])
            if decl is not None:
                _check_basis(repo, v, report, path, value, ", ".join(rule["cites"]), text, j, decl,
                             rule.get("interpretations", []))
                continue
            _add(report, v, path, f"rule {name} = {value} is not stated by the clauses the rule cites, "
                 f"{', '.join(rule['cites'])} (as they read on {day}: 「{_quote(text)}」, which state "
                 f"{', '.join(map(_num, sorted(stated))) or 'no number'}); give its basis under `figures:`",
                 "figure_not_stated")


def _add(report, v, path, msg, code):
    report.findings.append(v.doc.problem(path, msg, code))


def _check_version(repo, v, report) -> None:
    bounds = {("data",) + p for p in band_paths(v)}
    day = v.effective_from
    for path, value in nodes(v.data["data"], ("data",)):
        if not is_number(value) or path in bounds or isinstance(path[-1], str) and path[-1].endswith("_source"):
            continue
        ref, _ = citing_clause(v.data, path)
        i, decl = declared_basis(v, path)
        event = register.text_on(repo, ref, day) if ref in repo.clauses else None
        text = event.text if event is not None else ""
        if Decimal(str(value)) in stated_numbers(text):
            continue  # stated: a declared basis is for the figures the words do not state
        if decl is not None:
            _check_basis(repo, v, report, path, value, ref, text, i, decl)
            continue
        name = show_path(path[1:])
        if ref is None:
            _add(report, v, path, f"{name} = {value} cites no clause (no `source` or `<name>_source` above it) "
                 "and `figures:` gives it no basis", "figure_without_basis")
            continue
        states = sorted(stated_numbers(text))
        amended = "" if event is None or event.by is None else f", as amended by {event.by}"
        _add(report, v, path, f"{name} = {value} is not stated by the clause it cites, {ref} (as it reads on {day}"
             f"{amended}: 「{_quote(text)}」, which states {', '.join(map(_num, states)) or 'no number'}); "
             "change the figure, cite the clause (or amendment) that states it, or give its basis under "
             "`figures:` (derived, interpretation, words)", "figure_not_stated")


def _check_basis(repo, v, report, path, value, ref, text, i, decl, also_named=()) -> None:
    name = show_path(path[1:])
    where = ("figures", i)
    if "derived" in decl:
        factors = [f.strip() for f in decl["derived"].split("*")]
        row = get(v.data, path[:-1])
        data = v.data.get("data", {})
        product = Decimal(1)
        for f in factors:
            operand = row.get(f) if isinstance(row, dict) and f in row else data.get(f)
            if not is_number(operand):
                _add(report, v, where + ("derived",), f"derived basis of {name}: '{f}' is not a number of the row "
                     "or of data", "figure_basis_invalid")
                return
            product *= Decimal(str(operand))
        if product != Decimal(str(value)):
            _add(report, v, path, f"{name} = {value}, but its basis {decl['derived']} gives {_num(product)} "
                 f"(figures[{i}], line {v.doc.position(where)[0]})", "figure_derivation_mismatch")
    elif "interpretation" in decl:
        iid = decl["interpretation"]
        if iid not in [*v.data.get("interpretations", []), *also_named]:
            _add(report, v, where + ("interpretation",), f"the basis of {name} is interpretation '{iid}', which this "
                 "version does not name under interpretations:", "figure_basis_invalid")
        elif iid in repo.interpretations and not _reads(repo, iid, ref):
            _add(report, v, where + ("interpretation",), f"the basis of {name} is interpretation '{iid}', which "
                 f"does not read the clause the figure cites ({ref or 'none'})", "figure_basis_invalid")
    elif "words" in decl and decl["words"] not in text:
        _add(report, v, where + ("words",), f"the basis of {name} = {value} is the words 「{decl['words']}」, which "
             f"the clause it cites ({ref or 'none'}) does not contain on {v.effective_from}", "figure_basis_invalid")


def _reads(repo, iid: str, refs) -> bool:
    """Does the interpretation read one of the clauses cited (or the clause they are units of)?"""
    read = {repo.clauses[c].clause_id for c in repo.interpretations[iid][0]["clauses"] if c in repo.clauses}
    return any(r in repo.clauses and repo.clauses[r].clause_id in read for r in str(refs).split(", "))


def _num(d) -> str:
    try:
        return f"{Decimal(d).normalize():f}"
    except InvalidOperation:
        return str(d)


def _quote(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
