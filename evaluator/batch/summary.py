"""Totals of a rulings table for the payroll office: workers, monthly base pay and retiree top-ups by county-level
area and level, annual performance allowances and honour awards, exit grounds by code; and, from the policies, who
pays each area's payroll and the 2025 targets."""
from __future__ import annotations

import polars as pl


def summarise(df: pl.DataFrame, rows: int, rejected: int) -> dict:
    by = ["area"] if "area" in df.columns else []
    # grouped on the level's own integers and the exit grounds' dictionary codes (a few hundred groups), and only
    # the groups turned into text: the same figures as grouping a million rows of text, in a third of the time
    pay = (df.group_by(by + ["salary.level"]).agg(
        pl.len().alias("workers"),
        pl.col("salary.base_pay").sum().alias("base_pay_monthly"),
        pl.col("salary.retiree_top_up").sum().alias("retiree_top_up_monthly"))
        .sort(by + ["salary.level"], nulls_last=True)
        .select(*by, pl.col("salary.level").cast(pl.String).fill_null("probation").alias("level"),
                "workers", "base_pay_monthly", "retiree_top_up_monthly"))
    grounds: dict = {}
    with_ground = 0
    for label, k in df.group_by("exit.grounds").len().iter_rows():
        codes = str(label or "").split()
        with_ground += k if codes else 0
        for code in codes:
            grounds[code] = grounds.get(code, 0) + k
    out = {
        "rows": rows,
        "ruled": df.height,
        "rejected": rejected,
        "base_pay_monthly": int(df["salary.base_pay"].sum() or 0),
        "retiree_top_up_monthly": str(df["salary.retiree_top_up"].sum() or 0),
        "performance_allowance_annual": int(df["salary.performance_allowance"].sum() or 0),
        "honour_awards": int(df["honor.award"].sum() or 0),
        "pay_by_area_and_level": [{k: (str(v) if not isinstance(v, (int, str)) and v is not None else v)
                                   for k, v in r.items()} for r in pay.to_dicts()],
        "exit_grounds": dict(sorted(grounds.items())),
        "with_exit_ground": with_ground,
    }
    return out


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


def policy_figures(s: dict, df: pl.DataFrame, repo, as_of, certificates: pl.Series | None) -> None:
    """Add to the summary what the funding kind says each area and the city pay of its monthly payroll (before the
    autonomous region's part, which the text does not fix: taken as 0 here), and the certified share against the
    2025 target of policy workforce.targets_2025."""
    from decimal import Decimal

    from ..engine import engines
    from ..kinds.errors import RulingError
    from ..kinds.common import share
    from ..kinds.roster import target_met
    from ..ruling.evaluate import evaluate
    from .executor import case_of

    if "area" in df.columns:
        pay = df.group_by("area").agg(pl.col("salary.base_pay").sum(), pl.col("salary.retiree_top_up").sum())
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
    if certificates is not None and len(certificates):
        # the roster kind's definition, in exact decimals; the share is shown rounded to 4 places
        got = share(int(certificates.is_in(td["certificate"]["counts"]).sum()), len(certificates))
        s["targets_2025"] = {"year": td["year"], "certified_share": round(float(got), 4),
                             "certified_target": float(td["certificate"]["min_share"]),
                             "certified_met": target_met(got, td["certificate"]),
                             "education": "not measurable from the pay codes (college_or_below mixes 大专 and "
                                          "below); use the roster case kind with education_level",
                             "satisfaction": "a community figure, not in a worker roster"}


def district_figures(s: dict, df: pl.DataFrame, result: str) -> None:
    """Add to the summary the district layer's `result` per area: its yearly sum where a supplement decided it, the
    workers left null, and the layer's labels (the supplement that decided, marked EXAMPLE — NOT ADOPTED when it is
    the made-up one, or the body that must decide)."""
    layer = f"{result}.layer"
    if "area" not in df.columns or layer not in df.columns:
        return
    rows = (df.filter(pl.col(layer).is_not_null())
            .group_by("area").agg(pl.col(result).sum().alias("yearly"), pl.col(result).count().alias("decided"),
                                  pl.col(result).null_count().alias("null"),
                                  pl.col(layer).cast(pl.String).unique().sort().alias("layers"))
            .sort("area"))
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
