"""Totals of a rulings table for the payroll office: workers, monthly base pay and retiree top-ups by county-level
area and level, annual performance allowances and honour awards, exit grounds by code, the certified share."""
from __future__ import annotations

import polars as pl


def summarise(df: pl.DataFrame, rows: int, rejected: int, certified: int | None = None) -> dict:
    by = ["area"] if "area" in df.columns else []
    level = pl.col("salary.level").cast(pl.String).fill_null("probation").alias("level")
    pay = (df.group_by(by + [level]).agg(
        pl.len().alias("workers"),
        pl.col("salary.base_pay").sum().alias("base_pay_monthly"),
        pl.col("salary.retiree_top_up").sum().alias("retiree_top_up_monthly"))
        .sort(by + [pl.col("level").cast(pl.Int32, strict=False)], nulls_last=True))
    grounds = (df.select(pl.col("exit.grounds").cast(pl.String)).filter(pl.col("exit.grounds") != "")
               .select(pl.col("exit.grounds").str.split(" ").explode(empty_as_null=True)).group_by("exit.grounds").len()
               .sort("exit.grounds"))
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
        "exit_grounds": {r["exit.grounds"]: r["len"] for r in grounds.to_dicts()},
        "with_exit_ground": int((df["exit.grounds"].cast(pl.String) != "").sum()),
    }
    if certified is not None and df.height:
        out["certified_share"] = round(certified / df.height, 4)
    return out


def text(s: dict) -> str:
    lines = [f"policy batch: {s['ruled']} of {s['rows']} workers ruled, {s['rejected']} rejected",
             f"  monthly base pay {s['base_pay_monthly']} yuan, retiree top-ups {s['retiree_top_up_monthly']} yuan; "
             f"performance allowances {s['performance_allowance_annual']} yuan a year; honour awards "
             f"{s['honour_awards']} yuan"]
    if "certified_share" in s:
        lines.append(f"  holding a social-worker certificate: {s['certified_share']:.1%}")
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
