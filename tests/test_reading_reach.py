"""Notes on alternative readings made only where a reading can reach the ruling (evaluator/ruling/reading_reach.py):
the same notes as ruling every case again under every executable reading, on every case file of the repository,
with fewer rulings, and for any reading that carries a patch (not a list of today's)."""
from __future__ import annotations

import pickle

import pytest

from evaluator import api
from evaluator.batch import executor, io as roster_io, sample
from evaluator.batch.facts import to_case_facts, worker_specs
from evaluator.cases import files as case_files
from evaluator.engine import engines
from evaluator.kinds import KINDS
from evaluator.kinds.errors import RulingError
from evaluator.ruling import reading_reach, readings
from evaluator.ruling.evaluate import evaluate

from .conftest import ROOT, edit


def notes_both_ways(repo, engine):
    """(case id, the notes evaluate gives, the notes of ruling again under every reading) for every case."""
    for path in api.case_files_of(repo):
        cf = case_files.load(path, repo.schema_dir)
        for case in cf.cases:
            both = pruned_and_full(case, repo, engine)
            if both:
                yield (f"{path.name}:{case.id}", *both)


def pruned_and_full(case, repo, engine):
    """(the notes evaluate gives, the notes of ruling again under every reading), or None for a case not ruled."""
    try:
        r = evaluate(case, repo, engine)
    except RulingError:
        return None
    tr = KINDS[case.kind](case, repo, engine)
    full = readings.differences(case, repo, engine, tr.results, tr.versions, {})
    return [n for n in r["notes"] if n["code"] == readings.ALTERNATIVE_READING], full


@pytest.mark.parametrize("engine_name", ["reference", "durable"])
def test_notes_are_those_of_ruling_again_under_every_reading(repo, engine_name):
    engine = engines.make(engine_name)
    compared = noted = 0
    for where, pruned, full in notes_both_ways(repo, engine):
        assert pruned == full, where
        compared += 1
        noted += bool(full)
    assert compared > 100 and noted > 10  # the comparison covers cases with notes, not only cases without


def test_notes_on_a_generated_roster_are_those_of_ruling_again(repo, tmp_path):
    """Every worker of a generated roster (every post, band edge, cap, probation, retiree, certificate clock and
    unqualified streak occurs in a few hundred rows) gets the notes of ruling it again under every reading."""
    path = tmp_path / "roster.csv"
    sample.write(sample.generate(600, seed=16), path)
    specs = worker_specs(repo.schema_dir)
    ro = roster_io.read_roster(path, specs, repo.schema_dir)
    assert not ro.rejects, ro.rejects[:5]
    engine = engines.make("reference")
    compared = noted = 0
    for i in range(ro.facts.n):
        case = executor.case_of(ro.ids[i], to_case_facts(ro.facts, specs, i), sample.DEFAULT_AS_OF)
        both = pruned_and_full(case, repo, engine)
        if not both:
            continue
        pruned, full = both
        assert pruned == full, ro.ids[i]
        compared += 1
        noted += bool(full)
    assert compared > 500 and noted > 100


def test_the_loaded_repository_is_left_as_it_is(repo):
    """Watching what a ruling reads happens on a twin of the repository: the loaded one holds plain data."""
    out = api.evaluate_data(repo, {"id": "w", "kind": "worker", "as_of": "2024-07-01", "facts": {
        "post": "grid_worker", "years_of_service": 3, "education": "bachelor", "certificate": "social_worker"}},
        engine="reference")
    assert out.evaluated == 1 and out.rulings[0]["notes"]

    def watched_inside(node) -> bool:
        if isinstance(node, reading_reach.Watched):
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        return any(watched_inside(c) for c in children)

    assert not any(watched_inside(v.data) for table in (repo.policies, repo.rulesets) for vs in table.values()
                   for v in vs)
    twin = reading_reach.watched(repo)
    assert twin is not repo and any(watched_inside(v.data) for vs in twin.policies.values() for v in vs)


def test_fewer_rulings_than_readings(repo, monkeypatch):
    """The examples' workers are ruled again under far fewer readings than they rely on."""
    engine = engines.make("reference")
    calls = []
    real = KINDS["worker"]
    monkeypatch.setitem(KINDS, "worker", lambda *a: calls.append(1) or real(*a))
    workers = [c for c in case_files.load(ROOT / "examples/workers.yaml", repo.schema_dir).cases if c.kind == "worker"]
    for case in workers:
        evaluate(case, repo, engine)
    pruned, calls[:] = len(calls), []
    for case in workers:
        tr = real(case, repo, engine)
        readings.differences(case, repo, engine, tr.results, tr.versions, {})
    full = len(workers) + len(calls)  # each ruled once, then again under every reading it relies on
    assert pruned <= full - len(workers)  # at least one ruling fewer per worker on average


def test_a_new_reading_with_a_patch_is_watched_like_the_others(repo_copy):
    """Readings added to interpretations/ with patches of the honours table (one inside a list of awards) give the
    same notes as ruling every case again under them, and they do reach some cases."""
    edit(repo_copy / "interpretations/workforce.yaml", "      - code: started_years\n",
         "      - code: planted_award_amount\n"
         "        en: A planted reading that changes the 20-year honour.\n"
         "        patch:\n"
         "          - {target: workforce.long_service_honours, path: data/awards/1/amount, value: 6000}\n"
         "      - code: planted_otherwise\n"
         "        en: A planted reading that gives an honour to everyone.\n"
         "        patch:\n"
         "          - {target: workforce.long_service_honours, path: data/otherwise, value: 7}\n"
         "      - code: started_years\n")
    repo = api.load(repo_copy)
    assert not repo.problems, repo.problems
    engine = engines.make("reference")
    reached = set()
    for where, pruned, full in notes_both_ways(repo, engine):
        assert pruned == full, where
        reached |= {n["alternative"] for n in full}
    assert {"planted_award_amount", "planted_otherwise"} <= reached


def test_a_watched_mapping_records_what_is_read_and_survives_pickling():
    w = reading_reach.Watched({"combine": "sum", "cap": "top"})
    w.watch_keys = {"combine": {("i", "max")}}
    with reading_reach.recording(set()) as seen:
        assert w["cap"] == "top" and not seen
        assert w["combine"] == "sum" and seen == {("i", "max")}
        seen.clear()
        assert dict(w) == {"combine": "sum", "cap": "top"} and seen == {("i", "max")}
        seen.clear()
        assert "cap" in w and not seen
    assert w["combine"] == "sum"  # outside a ruling nothing is recorded
    back = pickle.loads(pickle.dumps(w))
    assert isinstance(back, reading_reach.Watched) and back.watch_keys == w.watch_keys and back == w


def test_a_step_remembered_on_the_watched_twin_records_its_reads_again(repo, monkeypatch):
    """The worker's remembered steps are remembered on the watched twin too (kinds/memo.keep while reads are being
    recorded), with what their reading recorded: a ruling that finds them remembered records the same readings as
    one that ruled every step afresh (inside memo.suspended(), where nothing is remembered)."""
    from evaluator.kinds import memo

    engine = engines.make("reference")
    twin = reading_reach.watched(repo)
    always = twin.__dict__["_reading_reach_always"]
    given = [{"post": p, "years_of_service": y, "education": e, "certificate": c, "party_org_stars": 3}
             for p in ("deputy", "grid_worker") for y in (0, 7, 30) for e in ("college_or_below", "master")
             for c in ("none", "senior_social_worker")]
    cases = [e.case for e in case_files.from_data(
        {"cases": [{"id": f"w{i}", "kind": "worker", "as_of": "2024-07-01", "facts": f} for i, f in enumerate(given)]},
        repo.schema_dir).entries]
    replayed = []
    replay = memo.replay
    monkeypatch.setattr(memo, "replay", lambda reads: replayed.append(reads) or replay(reads))

    def seen_by(case):
        with reading_reach.recording(set(always)) as seen:
            results = KINDS["worker"](case, twin, engine).results
        return seen, results

    memo.forget()
    for case in cases:
        first, results = seen_by(case)  # the steps made and remembered
        del replayed[:]
        again = seen_by(case)  # found remembered: what they read recorded again
        assert replayed, case.id
        with memo.suspended():
            afresh = seen_by(case)  # nothing remembered: every read made
        assert first == again[0] == afresh[0] and results == again[1] == afresh[1], case.id
        assert first - always, case.id  # the steps read something a reading patches
