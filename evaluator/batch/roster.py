"""A deterministic sample roster: the same seed and size give the same workers, byte for byte.

The shares are plausible for Yinchuan's community workforce (a community has a principal, a deputy or two, a few
committee members and more grid workers; most hold 大专 or below, a fifth to a half a certificate) and are sample
parameters only: no ruling reads them. Every optional fact is sometimes missing, and every band edge, cap and
probation case occurs in a roster of a few thousand rows.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

AREAS = {"xingqing": 0.30, "jinfeng": 0.22, "xixia": 0.20, "yongning": 0.10, "helan": 0.10, "lingwu": 0.08}
POSTS = {"principal": 0.08, "deputy": 0.12, "committee_member": 0.30, "grid_worker": 0.50}
EDUCATION = {"college_or_below": 0.55, "bachelor": 0.40, "master": 0.045, "doctor": 0.005}
CERTIFICATE = {"none": 0.55, "assistant_social_worker": 0.30, "social_worker": 0.13, "senior_social_worker": 0.02}
STARS = [0.05, 0.15, 0.30, 0.30, 0.15, 0.05]
GRADES = {"excellent": 0.15, "qualified": 0.75, "basically_qualified": 0.06, "unqualified": 0.04}
FLAGS = ("term_ended_not_reelected", "serious_violation", "contract_breach_uncorrected", "serious_misconduct",
         "incompetent_after_retraining", "other_statutory_ground")


def _pick(rng, shares: dict, n: int) -> pl.Series:
    keys = list(shares)
    return pl.Series(keys, dtype=pl.String).gather(rng.choice(len(keys), n, p=np.array(list(shares.values()))))


def generate(n: int, seed: int = 2018, as_of: dt.date = dt.date(2025, 1, 1)) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    post = _pick(rng, POSTS, n)
    senior = post.is_in(["principal", "deputy"]).to_numpy()
    years = np.minimum(rng.gamma(2.0, np.where(senior, 7.0, 4.5)), 45).astype(np.int64)
    edge = rng.random(n) < 0.05  # band edges: 3, 4, 30, 31, 33, 34 years
    years = np.where(edge, rng.choice([3, 4, 30, 31, 33, 34, 60], n), years)
    grid = (post == "grid_worker").to_numpy()
    probation = grid & (years == 0) & (rng.random(n) < 0.5)
    retired = rng.random(n) < 0.03
    pension = np.where(rng.random(n) < 0.5, rng.integers(1500, 4500, n), rng.integers(150000, 450000, n) / 100)
    today = np.datetime64(as_of, "D")
    hire = today - (years * 365.25 + rng.integers(0, 300, n)).astype("timedelta64[D]")
    age_at_hire = np.where(retired, rng.integers(55, 62, n), rng.integers(20, 45, n))
    birth = hire - (age_at_hire * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    has_dates = rng.random(n) < 0.95
    stars = rng.choice(6, n, p=STARS)
    cols = {
        "id": pl.Series([f"w{i:07d}" for i in range(n)]),
        "area": _pick(rng, AREAS, n),
        "post": post,
        "years_of_service": years,
        "education": _pick(rng, EDUCATION, n),
        "certificate": _pick(rng, CERTIFICATE, n),
        "on_probation": probation,
        "party_org_stars": pl.Series(np.where(rng.random(n) < 0.9, stars, -1)).replace(-1, None),
        "retired": retired,
        "pension_monthly": pl.Series(np.where(retired, pension, np.nan)).fill_nan(None),
        "birth_date": pl.Series(np.where(has_dates, birth, np.datetime64("NaT"))),
        "hire_date": pl.Series(np.where(has_dates, hire, np.datetime64("NaT"))),
        "grid_satisfaction": pl.Series(np.where(grid & (rng.random(n) < 0.9),
                                                np.round(rng.beta(8, 1.6, n), 2), np.nan)).fill_nan(None),
        "doubles_as_grid_worker": (post == "committee_member").to_numpy() & (rng.random(n) < 0.1),
    }
    for flag in FLAGS:
        cols[flag] = rng.random(n) < 0.003
    hired_year = hire.astype("datetime64[Y]").astype(np.int64) + 1970
    for year in range(as_of.year - 5, as_of.year):
        graded = (hired_year < year) & (rng.random(n) < 0.97)
        cols[f"grade_{year}"] = _pick(rng, GRADES, n).zip_with(pl.Series(graded), pl.repeat(None, n, dtype=pl.String,
                                                                                       eager=True))
    return pl.DataFrame({k: (v if isinstance(v, pl.Series) else pl.Series(v)).alias(k) for k, v in cols.items()})


def write(df: pl.DataFrame, path: Path) -> None:
    if Path(path).suffix.lower() == ".parquet":
        df.write_parquet(path)
    else:
        df.write_csv(path)
