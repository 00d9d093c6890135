"""Derived facts: values computed in Python from a case's facts before the rules see them.

The rule engine only compares; anything needing dates, lists or arithmetic is computed here, named, typed, and
shown in the trace of every rule that reads it. The figures these computations use come from policy YAML.
"""
from __future__ import annotations

import calendar
import datetime as dt

def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; a 29 February with no match becomes the last day of February."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):  # the only day a year may lack
        return day.replace(year=year, day=28)
    return day.replace(year=year)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the later month lacks (31 March + 1 month) becomes its last day."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    if day.day <= 28:  # every month has it
        return day.replace(year=year, month=month)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def unqualified_streak(assessments: list[dict], as_of: dt.date) -> int:
    """Consecutive most recent unqualified years among the grades for years up to as_of's year."""
    if not assessments:  # most cases record none
        return 0
    grades = {a["year"]: a["grade"] for a in assessments if a["year"] <= as_of.year}
    streak, year = 0, max(grades, default=None)
    while year is not None and grades.get(year) == "unqualified":
        streak += 1
        year -= 1
    return streak
