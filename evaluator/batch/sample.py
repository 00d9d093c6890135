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
import yaml

P = yaml.safe_load((Path(__file__).with_name("sample_roster.yaml")).read_text(encoding="utf-8"))
DEFAULT_AS_OF = dt.date.fromisoformat(P["as_of"])
FLAGS = ("term_ended_not_reelected", "serious_violation", "contract_breach_uncorrected", "serious_misconduct",
         "incompetent_after_retraining", "other_statutory_ground")


def _pick(rng, shares: dict, n: int) -> pl.Series:
    keys = list(shares)
    return pl.Series(keys, dtype=pl.String).gather(rng.choice(len(keys), n, p=np.array(list(shares.values()))))


def generate(n: int, seed: int = 2018, as_of: dt.date = DEFAULT_AS_OF) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    y, pen, age = P["years"], P["pension"], P["age_at_hire"]
    post = _pick(rng, P["posts"], n)
    senior = post.is_in(["principal", "deputy"]).to_numpy()
    years = np.minimum(rng.gamma(y["shape"], np.where(senior, y["scale_senior"], y["scale_other"])),
                       y["max"]).astype(np.int64)
    edge = rng.random(n) < y["edge_share"]
    years = np.where(edge, rng.choice(y["edges"], n), years)
    grid = (post == "grid_worker").to_numpy()
    probation = grid & (years == 0) & (rng.random(n) < P["probation_share_of_new_grid_workers"])
    retired = rng.random(n) < P["retired_share"]
    cents = rng.integers(pen["min"] * 100, pen["max"] * 100, n) / 100
    pension = np.where(rng.random(n) < pen["whole_yuan_share"], rng.integers(pen["min"], pen["max"], n), cents)
    today = np.datetime64(as_of, "D")
    year_days = np.timedelta64(1, "Y").astype("timedelta64[s]").astype(np.int64) / 86400  # mean Gregorian year
    hire = today - (years * year_days + rng.integers(0, P["hire_days_extra_max"], n)).astype("timedelta64[D]")
    age_at_hire = np.where(retired, rng.integers(age["retired_min"], age["retired_max"], n),
                           rng.integers(age["other_min"], age["other_max"], n))
    birth = hire - (age_at_hire * year_days + rng.integers(0, int(year_days), n)).astype("timedelta64[D]")
    has_dates = rng.random(n) < P["dates_given_share"]
    stars = rng.choice(len(P["stars"]), n, p=P["stars"])
    gs = P["grid_satisfaction"]
    cols = {
        "id": pl.Series([f"w{i:07d}" for i in range(n)]),
        "area": _pick(rng, P["areas"], n),
        "post": post,
        "years_of_service": years,
        "education": _pick(rng, P["education"], n),
        "certificate": _pick(rng, P["certificate"], n),
        # with the dates given, probation is derived from hire_date (kinds/worker.probation_status): left out
        "on_probation": pl.Series(probation).zip_with(pl.Series(~(has_dates & grid)),
                                                      pl.repeat(None, n, dtype=pl.Boolean, eager=True)),
        "party_org_stars": pl.Series(np.where(rng.random(n) < P["stars_given_share"], stars, -1)).replace(-1, None),
        "retired": retired,
        "pension_monthly": pl.Series(np.where(retired, pension, np.nan)).fill_nan(None),
        "birth_date": pl.Series(np.where(has_dates, birth, np.datetime64("NaT"))),
        "hire_date": pl.Series(np.where(has_dates, hire, np.datetime64("NaT"))),
        "grid_satisfaction": pl.Series(np.where(grid & (rng.random(n) < gs["given_share"]),
                                                np.round(rng.beta(gs["beta_a"], gs["beta_b"], n), 2),
                                                np.nan)).fill_nan(None),
        "doubles_as_grid_worker": (post == "committee_member").to_numpy()
        & (rng.random(n) < P["doubles_as_grid_worker_share"]),
    }
    for flag in FLAGS:
        cols[flag] = rng.random(n) < P["exit_flag_share"]
    hired_year = hire.astype("datetime64[Y]").astype(np.int64) + 1970
    for year in range(as_of.year - P["grades_years"], as_of.year):
        graded = (hired_year < year) & (rng.random(n) < P["graded_share"])
        cols[f"grade_{year}"] = _pick(rng, P["grades"], n).zip_with(
            pl.Series(graded), pl.repeat(None, n, dtype=pl.String, eager=True))
    return pl.DataFrame({k: (v if isinstance(v, pl.Series) else pl.Series(v)).alias(k) for k, v in cols.items()})


def write(df: pl.DataFrame, path: Path) -> None:
    if Path(path).suffix.lower() == ".parquet":
        df.write_parquet(path)
    else:
        df.write_csv(path)
