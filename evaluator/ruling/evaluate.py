"""Rulings: evaluate a case into the public ruling format, and compare it with the case's expectations."""
from __future__ import annotations

from decimal import Decimal

from . import explain
from ..engine.engines import EngineError
from ..engine.engines import FactError
from ..kinds.errors import RulingError, UnusableFact
from . import readings as alt
from . import reading_reach as reach
from ..kinds import KINDS


def evaluate(case, repo, engine, readings: dict | None = None, compare_readings: bool = True, why_not=(),
             ruled: alt.Ruled | None = None) -> dict:
    """The ruling for one case. Raises RulingError when the case cannot be ruled on (e.g. no policy in force).

    `readings` ({interpretation: alternative code}) rules under alternative readings (evaluator/ruling/readings.py); with
    `compare_readings` the ruling notes every other executable reading under which its results would differ (as data:
    render.notes.worded gives them the published wording, `en` and `zh`, where the ruling is finished for output).
    `why_not`: rule ids (or "all") whose non-firing the ruling explains, clause by clause (explain.py).
    `ruled` (readings.Ruled): the case's results under other readings already worked out elsewhere (on the compiled
    program, batch/reading_notes.py), which the notes then use instead of ruling the case again under them; the
    notes are the same (readings.differences rules again whatever it does not cover, or cannot trust)."""
    base, readings = repo, dict(readings) if readings else {}
    if readings:
        repo = alt.variant(base, readings)
    try:
        if compare_readings and not readings and ruled is None:
            with reach.reading(base, engine, case) as seen:  # what the ruling reads: which readings can change it
                tr = KINDS[case.kind](case, seen.repo_watched, engine)
            seen.rule_runs = tr.rule_runs
        else:
            tr, seen = KINDS[case.kind](case, repo, engine), None
        if compare_readings:
            tr.notes += alt.differences(case, base, engine, tr.results, tr.versions, readings, seen, ruled)
    except FactError as exc:
        raise UnusableFact(exc.fact, f"the rule engine cannot take fact '{exc.fact}': {exc.reason}",
                        "no_ruling") from None
    except EngineError as exc:
        raise RulingError(f"the rule engine failed: {exc}") from None
    for iid, code in sorted(readings.items()) if readings else ():
        tr.notes.insert(0, {"code": "reading_chosen", "en": f"Ruled under the alternative reading '{code}' of "
                            f"{iid} (policy eval --reading), not the reading the repository uses.",
                            "zh": f"按解读 {iid} 的另一种读法 '{code}' 裁决(--reading),而非本库采用的解读。",
                            "clauses": list(base.interpretations[iid][0]["clauses"]), "interpretations": [iid]})
    if base.assumed_adopted:
        tr.notes.insert(0, hypothetical_note(base))
    ruling = {
        "id": case.id,
        "kind": case.kind,
        "as_of": case.as_of.isoformat(),
        "results": tr.results,
        "trace": tr.entries,
        "policy": {"digest": repo.digest, "versions": in_order(tr.versions), "engine": engine.name},
        "notes": tr.notes,
    }
    if readings:
        ruling["readings"] = dict(sorted(readings.items()))
    if base.assumed_adopted:
        ruling["assumed_adopted"] = sorted(base.assumed_adopted)
    if why_not:
        ruling["why_not"] = explain.why_not_entries(tr.rule_runs, why_not, repo)
    if case.expect is not None:
        ruling["expect"] = compare(case.expect, tr.results)
    return ruling


def in_order(versions: dict) -> dict:
    """The versions a ruling used, sorted by id (a fresh mapping): the order is remembered per order of use, as
    rulings of one file use the same few policies in the same order (bounded all the same); the last versions
    given are looked at first (as mappings: equal in any order), as rulings in a row use the same ones."""
    last = _IN_ORDER_LAST[0]
    if last[0] == versions:
        return dict(last[1])
    used = tuple(versions.items())
    hit = _IN_ORDER.get(used)
    if hit is None:
        if len(_IN_ORDER) >= 4096:
            _IN_ORDER.clear()
        hit = _IN_ORDER[used] = tuple(sorted(used))
    _IN_ORDER_LAST[0] = (dict(versions), hit)  # one assignment: a thread never sees half of it
    return dict(hit)


_IN_ORDER: dict = {}
_IN_ORDER_LAST: list = [(None, ())]


def hypothetical_note(repo) -> dict:
    """The note that opens every ruling made in a hypothetical state: which drafts were taken as adopted (a made-up
    example supplement's document, --assume-adopted; a draft reform's, --proposal)."""
    docs = sorted(repo.assumed_adopted)
    example = any(s.example and s.enacted_by in repo.assumed_adopted for v in repo.supplements.values() for s in v)
    mark_en, mark_zh = ("HYPOTHETICAL — EXAMPLE — NOT ADOPTED", "假设施行 —— 示例 未通过") if example else \
        ("HYPOTHETICAL — NOT ADOPTED", "假设施行 —— 未通过")
    return {"code": "assumed_adopted",
            "en": f"{mark_en}: ruled as if {', '.join(docs)} had been adopted. No body adopted "
                  f"{'them' if len(docs) > 1 else 'it'}; the repository's own rulings do not use "
                  f"{'them' if len(docs) > 1 else 'it'}.",
            "zh": f"{mark_zh}:本裁决假设 {'、'.join(docs)} 已通过;任何机关均未通过,本库的正式裁决不使用。",
            "clauses": [], "interpretations": []}


def _same(expected, actual) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, (int, Decimal, float)) and isinstance(actual, (int, Decimal, float)):
        return Decimal(str(expected)) == Decimal(str(actual))
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(_same(e, a) for e, a in zip(expected, actual))
    return expected == actual


def compare(expect: dict, results: dict) -> dict:
    mismatches = []
    for name, want in expect.items():
        if name not in results:
            mismatches.append({"result": name, "expected": want, "actual": None, "missing": True})
        elif not _same(want, results[name]):
            mismatches.append({"result": name, "expected": want, "actual": results[name]})
    return {"passed": not mismatches, "mismatches": mismatches}
