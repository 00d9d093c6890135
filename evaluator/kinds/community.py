"""The ruling on one community: the committee size and grid workers its households give, and its compliance with
the staffing, training, duty and visiting rules (findings split into violations and advisories by modality)."""
from __future__ import annotations

from .errors import RulingError
from .trace import Trace
from . import compliance
from ..cases.values import minutes
from .common import in_force, part_ref, share

STAFFING = "workforce.community_staffing"
TRAINING = "workforce.training"
DUTY = "workforce.duty_hours"
# Integer division, exact for any count: ceil(a / b) and floor(a / b).
ROUND = {"ceil": lambda a, b: -(-a // b), "floor": lambda a, b: a // b}


def committee_band(table: dict, households: int) -> dict:
    """The row whose band (bounds as encoded) covers the households; more than one is refused, never picked."""
    hits = [r for r in table["rows"]
            if r["households"]["min"] <= households and households <= r["households"].get("max", households)]
    if len(hits) != 1:
        found = ", ".join(r["households"]["text"] for r in hits) or "none"
        raise RulingError(f"{households} households must fall in exactly one committee-size band; they fall in: "
                          f"{found}")
    return hits[0]


def band_readings(table: dict) -> list[str]:
    """The interpretations that move bounds of the table away from their literal reading."""
    return list(dict.fromkeys(b["interpretation"] for r in table["rows"]
                              for b in r["households"]["basis"].values() if "interpretation" in b))


def grid_range(grid: dict, households: int) -> tuple[int, int]:
    fewest = ROUND[grid["fewest_rounding"]](households, grid["households_per_worker_max"])
    most = ROUND[grid["most_rounding"]](households, grid["households_per_worker_min"])
    return fewest, max(fewest, most)


def rule_community(case, repo, engine, trace=Trace) -> Trace:
    tr = trace(repo)
    f, day = case.facts, case.as_of
    facts = dict(f)
    sv = in_force(tr, repo, STAFFING, day)
    sd = sv.data["data"]
    households = f["households"]

    cs = sd["committee_size"]
    row = committee_band(cs, households)
    tr.add("staffing.committee_size", row["size"], part_ref(sv, "committee_size"),
           {"households": households, "band": row["households"]["text"]}, [row["source"]],
           band_readings(cs) + ["inclusive_bounds_civil_code_1259"])
    if "committee_members" in f:
        facts["committee_size_difference"] = f["committee_members"] - row["size"]

    grid = sd["grid_workers"]
    fewest, most = grid_range(grid, households)
    ginputs = {"households": households, "ratio": grid["text"], "fewest_rounding": grid["fewest_rounding"],
               "most_rounding": grid["most_rounding"]}
    tr.add("staffing.grid_workers_min", fewest, part_ref(sv, "grid_workers_min"),
           {**ginputs, "households_per_worker": grid["households_per_worker_max"]}, [grid["source"]],
           [grid["interpretation"]])
    tr.add("staffing.grid_workers_max", most, part_ref(sv, "grid_workers_max"),
           {**ginputs, "households_per_worker": grid["households_per_worker_min"]}, [grid["source"]],
           [grid["interpretation"]])
    if "grid_workers" in f:
        facts["grid_workers_short"] = fewest - f["grid_workers"]
        facts["grid_workers_excess"] = f["grid_workers"] - most

    residents = None
    if "resident_workers" in f:
        residents = share(f["resident_workers"], f["community_workers"])
        if residents is not None:
            facts["residents_share"] = residents
    tr.add("staffing.residents_share", residents, "derived#residents_share",
           {"resident_workers": f.get("resident_workers"), "community_workers": f.get("community_workers")},
           ["workforce.4.6.residents_share"], ["residents_share_of_workforce"])

    if "training_days_min" in f or "training_funds_per_worker" in f:
        td = in_force(tr, repo, TRAINING, day).data["data"]
        if "training_days_min" in f:
            facts["training_days_short"] = td["days_min"] - f["training_days_min"]
        if "training_funds_per_worker" in f:
            facts["training_funds_short"] = td["funds_per_worker_min"] - f["training_funds_per_worker"]

    if "evening_duty_from" in f:
        dd = in_force(tr, repo, DUTY, day).data["data"]
        need_from, need_to = minutes(dd["evening_from"]), minutes(dd["evening_to"])
        have_from, have_to = minutes(f["evening_duty_from"]), minutes(f["evening_duty_to"])
        covered = max(0, min(have_to, need_to) - max(have_from, need_from))
        facts["evening_duty_uncovered_minutes"] = (need_to - need_from) - covered

    compliance.run(tr, repo, engine, case.id, "community", facts, day)
    return tr
