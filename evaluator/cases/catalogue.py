"""The catalogue of case facts: per case kind, the facts a case may give (schemas/cases.schema.json) and the facts
derived from them before the rules see them (computed by the kind modules of evaluator/kinds/), each with its type.
The rule language's type checks and the docs' registers read it from here."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ..engine.conditions import FactType

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


@lru_cache(maxsize=None)
def case_schema(schema_dir: str) -> dict:
    return json.loads((Path(schema_dir) / "cases.schema.json").read_text(encoding="utf-8"))


def fact_types(schema_dir) -> dict:
    """Per case kind: fact name -> FactType, from the case schema plus the derived facts."""
    schema = case_schema(str(schema_dir))
    out = {}
    for kind in schema["$defs"]["case"]["properties"]["kind"]["enum"]:
        props = schema["$defs"][f"{kind}_facts"]["properties"]
        types = {}
        for name, p in props.items():
            if "enum" in p:
                types[name] = FactType("string", tuple(p["enum"]))
            elif p.get("type") in ("integer", "number", "boolean", "string"):
                types[name] = FactType(p["type"])
            elif "$ref" in p and p["$ref"].endswith("/money"):
                types[name] = FactType("number")
            # lists and dates are not comparable in a rule: use a derived fact
        for name, t in DERIVED_FACTS.get(kind, {}).items():
            types[name] = FactType(t["type"])
        out[kind] = types
    return out
