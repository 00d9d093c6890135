"""Derived facts: values computed in Python from a case's facts before the rules see them.

The rule engine only compares; anything needing dates, lists or arithmetic is computed here, named, typed, and
shown in the trace of every rule that reads it. The figures these computations use come from policy YAML.
"""
from __future__ import annotations

import calendar
import datetime as dt

DERIVED_FACTS = {
    "worker": {
        "unqualified_streak": {
            "type": "integer",
            "en": "How many of the most recent annual grades (years up to the ruling's year, without a gap) are "
                  "unqualified.",
        },
        "certificate_days_overdue": {
            "type": "integer",
            "en": "Days from the certificate deadline to the ruling date (negative before it); absent when the "
                  "worker is not subject to the certificate rule.",
        },
        "certificate_held": {"type": "boolean", "en": "The worker holds a social-worker certificate."},
    },
    # Facts derived by the kind modules of evaluator/kinds/ from the case and the policy figures; shares are exact
    # decimals (28 significant digits when they do not terminate).
    "community": {
        "committee_size_difference": {"type": "integer", "en": "committee_members minus the committee size the "
                                      "households give (policy workforce.community_staffing)."},
        "grid_workers_short": {"type": "integer", "en": "The fewest grid workers the households need minus "
                               "grid_workers."},
        "grid_workers_excess": {"type": "integer", "en": "grid_workers minus the most grid workers the "
                                "households allow."},
        "residents_share": {"type": "number", "en": "resident_workers / community_workers."},
        "training_days_short": {"type": "integer", "en": "The training days minimum minus training_days_min."},
        "training_funds_short": {"type": "number", "en": "The per-worker training funds minimum minus "
                                 "training_funds_per_worker, yuan."},
        "evening_duty_uncovered_minutes": {"type": "integer", "en": "Minutes of the required evening duty "
                                           "window (policy workforce.duty_hours) outside the community's window."},
    },
    "street": {
        "secondment_persons": {"type": "integer", "en": "Distinct persons seconded in the year."},
        "secondment_share": {"type": "number", "en": "secondment_persons / community_workers."},
        "secondment_months_max": {"type": "number", "en": "The longest secondment, months."},
        "secondment_count_max": {"type": "integer", "en": "The highest count of secondments of one person."},
    },
    "assessment": {
        "street_weight": {"type": "number", "en": "The sub-district's weight (0 when it has none)."},
        "community_weight": {"type": "number", "en": "The community's weight (0 when it has none)."},
    },
    "funding": {
        "training_budget_short": {"type": "number", "en": "The training budget floor (workers × the per-worker "
                                  "minimum) minus training_budget, yuan."},
    },
}


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; a 29 February with no match becomes the last day of February."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def unqualified_streak(assessments: list[dict], as_of: dt.date) -> int:
    """Consecutive most recent unqualified years among the grades for years up to as_of's year."""
    grades = {a["year"]: a["grade"] for a in assessments if a["year"] <= as_of.year}
    streak, year = 0, max(grades, default=None)
    while year is not None and grades.get(year) == "unqualified":
        streak += 1
        year -= 1
    return streak
