"""Totals of a rulings table for the payroll office: workers, monthly base pay and retiree top-ups by county-level
area and level, annual performance allowances and honour awards, exit grounds by code; and, from the policies, who
pays each area's payroll and the 2025 targets."""
from __future__ import annotations

import polars as pl

LAYER = ".layer"  # the column beside a district-layer result that says who decided it


def summarise(df: pl.DataFrame, rows: int, rejected: int) -> dict:
    return finish(part(df), rows, rejected)


def part(df: pl.DataFrame) -> dict:
    """The totals of one rulings table (a whole roster's, or one chunk's): parts of chunks add up with fold()."""
    by = ["area"] if "area" in df.columns else []
    # grouped on the level's own integers and the exit grounds' dictionary codes (a few hundred groups), and only
    # the groups turned into text at the end: the same figures as grouping a million rows of text, in a third of
    # the time
    # lazily, so that only the columns summed are read (an eager group_by or filter carries every column along)
    pay = df.lazy().group_by(by + ["salary.level"]).agg(
        pl.len().cast(pl.Int64).alias("workers"),
        pl.col("salary.base_pay").sum().alias("base_pay_monthly"),
        pl.col("salary.retiree_top_up").sum().alias("retiree_top_up_monthly")).collect()
    grounds: dict = {}
    with_ground = 0
    for label, k in df.group_by("exit.grounds").len().iter_rows():
        codes = str(label or "").split()
        with_ground += k if codes else 0
        for code in codes:
            grounds[code] = grounds.get(code, 0) + k
    district = {}  # the district layer's results (those with a .layer column), per area
    for layer in [c for c in df.columns if c.endswith(LAYER)] if by else []:
        result = layer[: -len(LAYER)]
        district[result] = (df.lazy().filter(pl.col(layer).is_not_null()).group_by("area").agg(
            pl.col(result).sum().alias("yearly"), pl.col(result).count().cast(pl.Int64).alias("decided"),
            pl.col(result).null_count().cast(pl.Int64).alias("null"),
            pl.col(layer).unique().cast(pl.String).alias("layers")).collect())  # each group's few labels as text
    return {"by": by, "pay": pay, "ruled": df.height, "grounds": grounds, "with_ground": with_ground,
            "allowance": int(df["salary.performance_allowance"].sum() or 0),
            "awards": int(df["honor.award"].sum() or 0), "district": district}


def fold(a: dict | None, b: dict) -> dict:
    """Two parts as one: exact sums (integer yuan, Decimal top-ups), grouped again by area and level."""
    if a is None:
        return b
    keys = a["by"] + ["salary.level"]
    pay = pl.concat([a["pay"], b["pay"]]).group_by(keys).agg(
        pl.col("workers", "base_pay_monthly", "retiree_top_up_monthly").sum())
    grounds = dict(a["grounds"])
    for code, k in b["grounds"].items():
        grounds[code] = grounds.get(code, 0) + k
    district = {r: pl.concat([a["district"][r], f]).group_by("area").agg(
        pl.col("yearly", "decided", "null").sum(), pl.col("layers").explode(empty_as_null=False).unique())
        for r, f in b["district"].items()}
    return {"by": a["by"], "pay": pay, "ruled": a["ruled"] + b["ruled"], "grounds": grounds,
            "with_ground": a["with_ground"] + b["with_ground"], "allowance": a["allowance"] + b["allowance"],
            "awards": a["awards"] + b["awards"], "district": district}


def finish(p: dict, rows: int, rejected: int) -> dict:
    by = p["by"]
    pay = (p["pay"].sort(by + ["salary.level"], nulls_last=True)
           .select(*by, pl.col("salary.level").cast(pl.String).fill_null("probation").alias("level"),
                   "workers", "base_pay_monthly", "retiree_top_up_monthly"))
    return {
        "rows": rows,
        "ruled": p["ruled"],
        "rejected": rejected,
        "base_pay_monthly": int(p["pay"]["base_pay_monthly"].sum() or 0),
        "retiree_top_up_monthly": str(p["pay"]["retiree_top_up_monthly"].sum() or 0),
        "performance_allowance_annual": p["allowance"],
        "honour_awards": p["awards"],
        "pay_by_area_and_level": [{k: (str(v) if not isinstance(v, (int, str)) and v is not None else v)
                                   for k, v in r.items()} for r in pay.to_dicts()],
        "exit_grounds": dict(sorted(p["grounds"].items())),
        "with_exit_ground": p["with_ground"],
    }


def text(s: dict) -> str:
    lines = [f"policy batch: {s['ruled']} of {s['rows']} workers ruled, {s['rejected']} rejected",
             f"  monthly base pay {s['base_pay_monthly']} yuan, retiree top-ups {s['retiree_top_up_monthly']} yuan; "
             f"performance allowances {s['performance_allowance_annual']} yuan a year; honour awards "
             f"{s['honour_awards']} yuan"]
    lines.append(f"  workers with an exit ground: {s['with_exit_ground']}")
    for code, k in s["exit_grounds"].items():
        lines.append(f"    {code}: {k}")
    for key in ("area", "level"):
        totals: dict = {}
        for r in s["pay_by_area_and_level"]:
            if key in r:
                t = totals.setdefault(r[key], [0, 0])
                t[0] += r["workers"]
                t[1] += r["base_pay_monthly"] or 0
        if totals:
            lines.append(f"  by {key} (workers, monthly base pay in yuan; --summary FILE has area x level):")
            lines += [f"    {k}: {w}, {p}" for k, (w, p) in totals.items()]
    return "\n".join(lines)


def certificate_counts(codes, enum: tuple) -> dict:
    """{certificate code: workers} of the certificate column's codes (into the schema's enum)."""
    import numpy as np

    counts = np.bincount(np.asarray(codes, np.intp), minlength=len(enum))
    return {code: int(k) for code, k in zip(enum, counts)}


def add_counts(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) + b.get(k, 0) for k in dict.fromkeys([*a, *b])}


def policy_figures(s: dict, p: dict, repo, as_of, certificates: dict) -> None:
    """Add to the summary (of the part `p`, and `certificates`: workers by certificate code) what the funding kind says each area and the city pay of its monthly payroll (before the
    autonomous region's part, which the text does not fix: taken as 0 here), and the certified share against the
    2025 target of policy workforce.targets_2025."""
    from decimal import Decimal

    from ..engine import engines
    from ..kinds.errors import RulingError
    from ..kinds.common import share
    from ..kinds.roster import target_met
    from ..ruling.evaluate import evaluate
    from .executor import case_of

    if p["by"]:
        pay = p["pay"].group_by("area").agg(pl.col("base_pay_monthly").sum().alias("salary.base_pay"),
                                            pl.col("retiree_top_up_monthly").sum().alias("salary.retiree_top_up"))
        engine = engines.make("reference")
        shares = {}
        for r in pay.sort("area").to_dicts():
            cost = Decimal(r["salary.base_pay"] or 0) + Decimal(r["salary.retiree_top_up"] or 0)
            case = case_of(f"area-{r['area']}", {"area": r["area"], "pay_cost": cost, "region_part": 0}, as_of)
            case.kind = "funding"
            try:
                res = evaluate(case, repo, engine)["results"]
            except (RulingError, KeyError) as exc:
                shares[r["area"]] = {"monthly_pay": str(cost), "error": str(exc)}
                continue
            shares[r["area"]] = {"monthly_pay": str(cost), "city_share": str(res["funding.city_share"]),
                                 "area_share": str(res["funding.area_share"])}
        s["monthly_pay_shares_before_region_part"] = shares
    try:
        td = repo.version_in_force("workforce.targets_2025", as_of).data["data"]
    except LookupError:
        return
    total = sum(certificates.values())
    if total:
        # the roster kind's definition, in exact decimals; the share is shown rounded to 4 places
        got = share(sum(k for code, k in certificates.items() if code in td["certificate"]["counts"]), total)
        s["targets_2025"] = {"year": td["year"], "certified_share": round(float(got), 4),
                             "certified_target": float(td["certificate"]["min_share"]),
                             "certified_met": target_met(got, td["certificate"]),
                             "education": "not measurable from the pay codes (college_or_below mixes 大专 and "
                                          "below); use the roster case kind with education_level",
                             "satisfaction": "a community figure, not in a worker roster"}


def district_figures(s: dict, p: dict, result: str) -> None:
    """Add to the summary (of the part `p`) the district layer's `result` per area: its yearly sum where a
    supplement decided it, the workers left null, and the layer's labels (the supplement that decided, marked
    EXAMPLE — NOT ADOPTED when it is the made-up one, or the body that must decide)."""
    if result not in p["district"]:
        return
    rows = p["district"][result].with_columns(pl.col("layers").list.sort()).sort("area")
    s.setdefault("district_layer", {})[result] = {
        r["area"]: {"yearly": str(r["yearly"] or 0), "decided": r["decided"], "null": r["null"], "layers": r["layers"]}
        for r in rows.to_dicts()}


def policy_text(s: dict) -> list[str]:
    lines = []
    for result, by_area in s.get("district_layer", {}).items():
        lines.append(f"  {result} by area (yearly; the district layer): decided, null, sum in yuan, and why:")
        for area, v in by_area.items():
            lines.append(f"    {area}: {v['decided']}, {v['null']}, {v['yearly']} — {'; '.join(v['layers'])}")
    if "monthly_pay_shares_before_region_part" in s:
        lines.append("  monthly pay by area and who pays it (before the region's part, taken as 0):")
        for area, v in s["monthly_pay_shares_before_region_part"].items():
            lines.append(f"    {area}: {v['monthly_pay']}" + (f" — city {v['city_share']}, area {v['area_share']}"
                                                               if "city_share" in v else f" — {v['error']}"))
    if "targets_2025" in s:
        t = s["targets_2025"]
        lines.append(f"  {t['year']} target: certified {t['certified_share']:.1%} against "
                     f"{t['certified_target']:.0%} ({'met' if t['certified_met'] else 'not met'}); "
                     "education share: not measurable from the pay codes")
    return lines
