"""batch/run.day_tables: the per-day tables of the certificate clock are kept between program runs (a request's few
rows would otherwise pay for building them over decades each time); kept tables must give what fresh ones give."""
from __future__ import annotations

import datetime as dt

import numpy as np

from evaluator.batch import run
from evaluator.kinds import derived


def _day(text: str) -> int:
    return (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days


def test_kept_tables_are_the_fresh_ones_for_any_span(monkeypatch):
    monkeypatch.setattr(run, "_DAY_TABLES", {})
    spans = [("2000-01-01", "2000-03-01"), ("1995-06-30", "2010-02-28"), ("2001-01-31", "2001-02-01"),
             ("1960-02-29", "2030-12-31")]
    for lo, hi in spans:
        lo, hi = _day(lo), _day(hi)
        first, key, due = run.day_tables(lo, hi, 3)
        assert first <= lo and hi < first + len(key)
        fresh_key, fresh_due = run.build_day_tables(lo, hi, 3)
        assert np.array_equal(key[lo - first:hi - first + 1], fresh_key)
        assert np.array_equal(due[lo - first:hi - first + 1], fresh_due)
    assert set(run._DAY_TABLES) == {3}  # noqa: SLF001 - one kept table per number of years, widened in place
    first, key, _ = run._DAY_TABLES[3]  # noqa: SLF001
    assert first == _day("1960-02-29") and len(key) == _day("2030-12-31") - first + 1
    assert not key.flags.writeable


def test_due_dates_follow_add_years_and_the_number_of_years(monkeypatch):
    monkeypatch.setattr(run, "_DAY_TABLES", {})
    for years in (3, 5, 3):
        first, _, due = run.day_tables(_day("2016-02-01"), _day("2016-03-01"), years)
        for text in ("2016-02-29", "2016-02-01", "2016-03-01"):
            got = dt.date(1970, 1, 1) + dt.timedelta(days=int(due[_day(text) - first]))
            assert got == derived.add_years(dt.date.fromisoformat(text), years)


def test_a_span_too_wide_to_keep_is_built_and_not_kept(monkeypatch):
    monkeypatch.setattr(run, "_DAY_TABLES", {})
    monkeypatch.setattr(run, "MAX_DAY_TABLE", 1000)
    first, key, _ = run.day_tables(0, 5000, 2)
    assert first == 0 and len(key) == 5001 and 2 not in run._DAY_TABLES  # noqa: SLF001


def test_a_span_far_from_the_kept_one_is_built_alone(monkeypatch):
    monkeypatch.setattr(run, "_DAY_TABLES", {})
    monkeypatch.setattr(run, "MAX_DAY_TABLE", 1000)
    run.day_tables(0, 500, 2)
    first, key, due = run.day_tables(5000, 5010, 2)  # the union would be over the bound: only what was asked
    assert first == 5000 and len(key) == 11
    assert np.array_equal(due, run.build_day_tables(5000, 5010, 2)[1])
