"""Arithmetic: the figures of a table agree with one another.

- salary tables: base pay = coefficient × benchmark pay on every row (and the probation row) (levels numbered once
  and without a hole are checked as the repository loads, repo/table_shape.py), coefficients strictly rising with the level, each post's column a contiguous run of levels whose bands rise with
  the level, and the top of each column holding its open-ended band (the top is the raises' cap, 在本岗位等级范围内);
- allowances by stars: one row per star count, amounts strictly rising with the stars;
- ranked lists (rows with `rank`, e.g. degrees and certificates): ranks 0, 1, 2… in order, and the raise they give
  (`levels`) rising with the rank;
- shares (any object with `shares: [{share: …}, …]` and `whole`): the shares add up to the whole.
"""
from __future__ import annotations

from decimal import Decimal

from .walk import is_number, nodes


def check(repo, report) -> None:
    for versions in repo.policies.values():
        for v in versions:
            kind = v.data.get("type")
            if kind == "salary_table":
                _salary_table(v, report)
            elif kind == "allowance_by_stars":
                _stars(v, report)
            _ranks(v, report)
            _shares(v, report)


def _add(report, v, path, msg, code):
    report.findings.append(v.doc.problem(path, msg, code))


def _salary_table(v, report) -> None:
    d = v.data["data"]
    bench = Decimal(str(d["benchmark_pay"]))
    rows = [(("data", "levels", i), row) for i, row in enumerate(d["levels"])]
    if "probation" in d:
        rows.append((("data", "probation"), d["probation"]))
    for path, row in rows:
        want = Decimal(str(row["coefficient"])) * bench
        if Decimal(str(row["base_pay"])) != want:
            name = f"level {row['level']}" if "level" in row else row.get("label", "row")
            _add(report, v, path + ("base_pay",), f"{name}: base pay {row['base_pay']} ≠ coefficient "
                 f"{row['coefficient']} × benchmark {d['benchmark_pay']} = {want.normalize():f} "
                 f"({row.get('source', 'no clause')}, {d['benchmark_source']})", "base_pay_mismatch")
    # levels numbered once and without a hole: checked when the repository loads (repo/table_shape.py)
    ordered = sorted(rows[: len(d["levels"])], key=lambda pr: pr[1]["level"])
    for (pa, a), (pb, b) in zip(ordered, ordered[1:]):
        if not Decimal(str(b["coefficient"])) > Decimal(str(a["coefficient"])):
            _add(report, v, pb + ("coefficient",), f"coefficient of level {b['level']} ({b['coefficient']}, "
                 f"{b['source']}) is not above that of level {a['level']} ({a['coefficient']}, line "
                 f"{v.doc.position(pa)[0]}, {a['source']})", "coefficient_not_rising")
    levels = [r["level"] for _, r in ordered]
    for post in (p["code"] for p in d["posts"]):
        col = [(p, r) for p, r in ordered if post in r["years"]]
        if not col:
            _add(report, v, ("data", "posts"), f"post {post} has no cell in any row", "column_empty")
            continue
        have = [r["level"] for _, r in col]
        span = [lv for lv in levels if have[0] <= lv <= have[-1]]
        for lv in sorted(set(span) - set(have)):
            _add(report, v, col[0][0] + ("years", post), f"column {post} is not contiguous: it has levels "
                 f"{have[0]}–{have[-1]} but no cell on level {lv}", "column_not_contiguous")
        for (pa, a), (pb, b) in zip(col, col[1:]):
            if not b["years"][post]["min"] > a["years"][post]["min"]:
                _add(report, v, pb + ("years", post), f"column {post}: level {b['level']} "
                     f"('{b['years'][post].get('text')}') does not need more years than level {a['level']} "
                     f"('{a['years'][post].get('text')}', line {v.doc.position(pa)[0]})", "bands_not_rising")
        top_path, top = col[-1]
        if "max" in top["years"][post]:
            _add(report, v, top_path + ("years", post), f"column {post}: its top, level {top['level']} (the cap of "
                 f"the raises, 在本岗位等级范围内), has the closed band '{top['years'][post].get('text')}', so "
                 "the column stops short of the longest-serving workers", "column_top_closed")
        for p, r in col[:-1]:
            if "max" not in r["years"][post]:
                _add(report, v, p + ("years", post), f"column {post}: level {r['level']} has an open band "
                     f"'{r['years'][post].get('text')}' below the column's top (level {top['level']})",
                     "column_top_closed")


def _stars(v, report) -> None:
    rows = v.data["data"]["rows"]
    indexed = sorted(enumerate(rows), key=lambda ir: ir[1]["stars"])
    for (ia, a), (ib, b) in zip(indexed, indexed[1:]):
        path = ("data", "rows", ib)
        if a["stars"] == b["stars"]:
            _add(report, v, path + ("stars",), f"{b['stars']} stars has two rows (also line "
                 f"{v.doc.position(('data', 'rows', ia))[0]})", "duplicate_row")
        elif not b["amount"] > a["amount"]:
            _add(report, v, path + ("amount",), f"the allowance for {b['stars']} stars ({b['amount']}, "
                 f"{b['source']}) is not above that for {a['stars']} stars ({a['amount']}, line "
                 f"{v.doc.position(('data', 'rows', ia))[0]}, {a['source']})", "allowance_not_rising")


def _ranks(v, report) -> None:
    for path, node in nodes(v.data.get("data"), ("data",)):
        if not (isinstance(node, list) and node and all(isinstance(x, dict) and "rank" in x for x in node)):
            continue
        for i, row in enumerate(node):
            if row["rank"] != i:
                _add(report, v, path + (i, "rank"), f"rank {row['rank']} of '{row.get('code', i)}' should be {i}: "
                     "rows are listed from the lowest rank, 0, 1, 2…", "rank_order")
            if i and is_number(row.get("levels")) and not row["levels"] > node[i - 1]["levels"]:
                _add(report, v, path + (i, "levels"), f"'{row.get('code', i)}' (rank {i}) raises {row['levels']} "
                     f"level(s), not more than '{node[i - 1].get('code', i - 1)}' below it "
                     f"({node[i - 1]['levels']})", "raise_not_rising")


def _shares(v, report) -> None:
    for path, node in nodes(v.data.get("data"), ("data",)):
        if isinstance(node, dict) and isinstance(node.get("shares"), list) and "whole" in node:
            parts = [s.get("share") for s in node["shares"] if isinstance(s, dict)]
            if not all(is_number(p) for p in parts):
                _add(report, v, path + ("shares",), "every share must be a number", "bad_share")
                continue
            total = sum(Decimal(str(p)) for p in parts)
            if total != Decimal(str(node["whole"])):
                _add(report, v, path + ("shares",), f"the shares {' + '.join(str(p) for p in parts)} = "
                     f"{total.normalize():f} do not add up to the whole, {node['whole']}", "shares_not_whole")
