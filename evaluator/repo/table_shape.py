"""Tables of numbered rows (a list of mappings each with an integer `level`, as the salary table's 四岗十八级) must
number their rows without a gap or a repeat: the rulings step from level to level (a raise of two levels, the top of
a post's column), so a table with level 13 deleted would have no row for a worker raised to it. Checked when the
repository loads, so that `policy check` reports the row at file:line:col and no ruling runs on such a table.
"""
from __future__ import annotations

from ..load.problems import Problem

KEY = "level"


def check(repo) -> list[Problem]:
    out: list[Problem] = []
    for versions in list(repo.policies.values()) + list(repo.rulesets.values()):
        for v in versions:
            _walk(v, v.data, (), out)
    return out


def _walk(v, obj, path: tuple, out: list) -> None:
    if isinstance(obj, dict):
        for k, x in obj.items():
            _walk(v, x, path + (k,), out)
    elif isinstance(obj, list):
        if obj and all(isinstance(r, dict) and isinstance(r.get(KEY), int) for r in obj):
            out += _numbering(v, obj, path)
        for i, x in enumerate(obj):
            _walk(v, x, path + (i,), out)


def _numbering(v, rows: list, path: tuple) -> list[Problem]:
    out, seen = [], {}
    for i, row in enumerate(rows):
        n = row[KEY]
        if n in seen:
            out.append(v.doc.problem(path + (i, KEY), f"{KEY} {n} appears twice (also at line "
                                     f"{v.doc.position(path + (seen[n], KEY))[0]})", f"duplicate_{KEY}"))
        seen.setdefault(n, i)
    missing = sorted(set(range(min(seen), max(seen) + 1)) - set(seen))
    if missing:
        # point at the row where the numbering jumps over the missing level
        at = next((i for i, row in enumerate(rows) if abs(row[KEY] - missing[0]) == 1), 0)
        out.append(v.doc.problem(path + (at, KEY), f"{path[-1]} has no {KEY} {', '.join(map(str, missing))}: the "
                                 f"rows must be numbered {min(seen)} to {max(seen)} without a gap (a ruling that "
                                 f"reaches a missing {KEY} has no row to read)", f"{KEY}_missing"))
    return out
