"""The notes on alternative readings from the compiled program (evaluator/batch/reading_notes.py) are exactly the
per-case ones (ruling/readings.differences ruling the case again under each reading that can reach it): on every
case file of the repository, on generated worker files (hypothesis: dates, posts, probation, retirees with pensions,
assessments, stars, the example district layer with and without it taken as adopted), after a reading's patch is
changed in the YAML, through the file API with one process and with two; and whatever the compiled program cannot
take, or cannot be trusted with, goes the per-case way."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from evaluator import api
from evaluator.batch import reading_notes as RN
from evaluator.cases import files as case_files
from evaluator.engine import engines
from evaluator.kinds.errors import RulingError
from evaluator.repo import repository, supplements
from evaluator.ruling import readings
from evaluator.ruling.evaluate import evaluate

from .conftest import ROOT, edit

EXAMPLE = "xixia_perf_example"  # the made-up Xixia supplement (EXAMPLE — NOT ADOPTED), in force only if assumed
POSTS = ["principal", "deputy", "committee_member", "grid_worker"]
EDUCATION = ["college_or_below", "bachelor", "master", "doctor"]
CERTIFICATES = ["none", "assistant_social_worker", "social_worker", "senior_social_worker"]
GRADES = ["excellent", "qualified", "basically_qualified", "unqualified"]
AS_OF = ["2019-06-30", "2024-01-01", "2024-07-01", "2025-01-01", "2028-02-29", "2029-03-01"]


@pytest.fixture
def compiled_always(monkeypatch):
    """Every group of worker cases goes to the compiled program, however small (the thresholds are for speed)."""
    monkeypatch.setattr(RN, "MIN_CASES", 1)
    monkeypatch.setattr(RN, "MIN_CASES_COLD", 1)


@pytest.fixture(scope="module")
def adopted():
    r = repository.load(ROOT, assume_adopted=[EXAMPLE])
    assert not r.problems, [str(p) for p in r.problems]
    return r


def same_rulings(repo, cases, engine) -> tuple[int, int]:
    """Rule every case both ways and require the same ruling (notes and all, types and written form): the per-case
    path (today's definition) and the notes from the compiled program, with the case never ruled again under a
    reading the program covered. (cases given the compiled notes, cases with an alternative-reading note)."""
    notes = RN.ReadingNotes(repo, cases)
    used = noted = 0
    for i, case in enumerate(cases):
        try:
            want = evaluate(case, repo, engine)
        except RulingError as exc:
            with pytest.raises(RulingError) as got:
                evaluate(case, repo, engine, ruled=notes.ruled(i))
            assert str(got.value) == str(exc), case.id
            continue
        ruled = notes.ruled(i)
        got = evaluate(case, repo, engine, ruled=ruled)
        assert readings.identical(got, want), f"{case.id}: {got['notes']} != {want['notes']}"
        assert json.dumps(got, default=repr) == json.dumps(want, default=repr), case.id
        if ruled is not None:
            assert readings.identical(ruled.results, want["results"]), case.id  # the check passed: notes were used
            used += 1
        noted += any(n["code"] == readings.ALTERNATIVE_READING for n in want["notes"])
    return used, noted


def test_every_case_file_gets_the_same_notes(repo, compiled_always):
    engine = engines.make("durable")
    used = noted = 0
    for path in api.case_files_of(repo):
        cf = case_files.load(path, repo.schema_dir)
        u, n = same_rulings(repo, cf.cases, engine)
        used, noted = used + u, noted + n
    assert used > 100 and noted > 30  # the worker cases went the compiled way, many of them with notes


def test_notes_use_no_second_ruling(repo, compiled_always, monkeypatch):
    """The worker cases of the examples get their notes without being ruled again under any reading."""
    engine = engines.make("reference")
    cases = [c for c in case_files.load(ROOT / "examples/workers.yaml", repo.schema_dir).cases]
    notes = RN.ReadingNotes(repo, cases)
    ruled = [notes.ruled(i) for i in range(len(cases))]
    assert all(r is not None for r in ruled)
    calls = []
    real = readings.KINDS["worker"]  # the table both the ruling and the notes' second rulings call
    monkeypatch.setitem(readings.KINDS, "worker", lambda *a: calls.append(a) or real(*a))
    rulings = [evaluate(c, repo, engine, ruled=r) for c, r in zip(cases, ruled)]
    assert len(calls) == len(cases)  # each case ruled once, under the repository's own readings
    assert any(n["code"] == readings.ALTERNATIVE_READING for r in rulings for n in r["notes"])


def _day(lo: dt.date, hi: dt.date):
    return st.dates(lo, hi).map(dt.date.isoformat)


@st.composite
def worker(draw, i: int, as_of: str):
    day = dt.date.fromisoformat(as_of)
    facts = {"post": draw(st.sampled_from(POSTS)),
             "years_of_service": draw(st.one_of(st.sampled_from([0, 3, 4, 9, 10, 18, 19, 30, 34, 35, 60]),
                                                st.integers(0, 60)))}
    for name, values in (("education", EDUCATION), ("certificate", CERTIFICATES)):
        if draw(st.booleans()):
            facts[name] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        facts["party_org_stars"] = draw(st.integers(0, 5))
    if draw(st.booleans()):
        facts["area"] = draw(st.sampled_from(list(supplements.AREAS)))
    if draw(st.integers(0, 3)) == 0:
        facts["retired"] = True
        cents = draw(st.one_of(st.sampled_from([0, 150000, 250000, 399999, 400000, 400050, 400001]),
                               st.integers(0, 1_000_000)))
        facts["pension_monthly"] = Decimal(cents) / 100 if cents % 100 else cents // 100
    if draw(st.integers(0, 2)):
        birth = draw(st.dates(dt.date(1950, 1, 1), dt.date(2004, 12, 31)))
        facts["birth_date"] = birth.isoformat()
        # hire dates around the probation's three months before the ruling's date, and any other
        near = st.integers(-150, 30).map(lambda d: max(birth, day + dt.timedelta(days=d)).isoformat())
        facts["hire_date"] = draw(st.one_of(near, _day(max(birth, dt.date(1990, 1, 1)), dt.date(2028, 12, 31))))
        if draw(st.integers(0, 3)) == 0:  # stated too: refused where it contradicts the hire date
            facts["on_probation"] = draw(st.booleans())
    elif facts["post"] == "grid_worker" and draw(st.booleans()):
        facts["on_probation"] = draw(st.booleans())
    if draw(st.booleans()):
        years = draw(st.lists(st.integers(2016, day.year), max_size=4, unique=True))
        facts["assessments"] = [{"year": y, "grade": draw(st.sampled_from(GRADES + ["unqualified"]))}
                                for y in years]
    if draw(st.booleans()):
        facts["grid_satisfaction"] = draw(st.sampled_from([Decimal("0.59"), Decimal("0.6"), Decimal("0.61"), 0, 1]))
    for flag in ("term_ended_not_reelected", "doubles_as_grid_worker", "serious_violation"):
        if draw(st.integers(0, 4)) == 0:
            facts[flag] = True
    return {"id": f"w{i}", "kind": "worker", "as_of": as_of, "facts": facts}


@st.composite
def worker_files(draw):
    dates = draw(st.lists(st.sampled_from(AS_OF), min_size=1, max_size=2, unique=True))
    n = draw(st.integers(10, 40))
    return {"cases": [draw(worker(i, draw(st.sampled_from(dates)))) for i in range(n)]}, draw(st.booleans())


# No shrinking: a failure names the case and both sets of notes.
@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(worker_files())
def test_generated_worker_files_get_the_same_notes(repo, adopted, compiled_always, data):
    cases_data, with_example = data
    the_repo = adopted if with_example else repo
    cf = case_files.from_data(cases_data, the_repo.schema_dir)
    assert cf.cases
    used, _ = same_rulings(the_repo, cf.cases, engines.make("reference"))
    assert used  # the compiled path was taken for some of them


def varied_workers(n: int, seed: int, as_of: str = "2024-07-01") -> dict:
    """n worker cases drawn at random (seeded) over what the strategy above draws from."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        facts = {"post": rng.choice(POSTS), "years_of_service": rng.randint(0, 60),
                 "education": rng.choice(EDUCATION), "certificate": rng.choice(CERTIFICATES)}
        if rng.random() < 0.7:
            facts["party_org_stars"] = rng.randint(0, 5)
        if rng.random() < 0.5:
            facts["area"] = rng.choice(list(supplements.AREAS))
        if rng.random() < 0.3:
            facts.update(retired=True, pension_monthly=Decimal(rng.randint(0, 600000)) / 100)
        if rng.random() < 0.6:
            facts["birth_date"] = f"{rng.randint(1955, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            facts["hire_date"] = f"{rng.randint(2010, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if rng.random() < 0.3:  # hired a month ago, said not on probation: refused if the post has one
                facts.update(hire_date=f"2024-06-0{rng.randint(1, 9)}", on_probation=False)
        elif facts["post"] == "grid_worker" and rng.random() < 0.5:
            facts["on_probation"] = True
        if rng.random() < 0.5:
            facts["assessments"] = [{"year": y, "grade": rng.choice(GRADES)} for y in (2022, 2023)]
        if rng.random() < 0.2:
            facts["term_ended_not_reelected"] = True
        out.append({"id": f"w{i}", "kind": "worker", "as_of": as_of, "facts": facts})
    return {"cases": out}


def test_varied_workers_reach_notes_errors_and_the_district_layer(repo, adopted, compiled_always):
    """Notes with differences and with errors occur on such files, and the district layer is among the results
    compared when the example supplement is taken as adopted; the notes are the same both ways."""
    for r in (repo, adopted):
        cf = case_files.from_data(varied_workers(400, seed=16), r.schema_dir)
        engine = engines.make("reference")
        used, noted = same_rulings(r, cf.cases, engine)
        assert used > 300 and noted > 100
        notes = RN.ReadingNotes(r, cf.cases)
        kinds_of_note = {"error" if isinstance(v, str) else "differences"
                         for i in range(len(cf.cases)) if notes.ruled(i) for v in notes.ruled(i).other.values()}
        assert kinds_of_note == {"error", "differences"}
    assert any("layer" in e for c in cf.cases[:50] for e in evaluate(c, adopted, engine)["trace"])


SALARY_STEPS = {"probation", "level", "allowance", "spread", "retiree"}
STEPS_AGAIN = {"any_post": {"rule_sets"}, "ground_listed_for_all": {"rule_sets"},  # the repository's readings today
               "from_actual_hire_date": {"certificate", "rule_sets"}, "every_new_hire": {"certificate", "rule_sets"},
               "max_of_raises": {"level", "retiree"}, "no_cap": {"level", "retiree"},
               "education_capped_certificate_not": {"level", "retiree"}, "any_contract_post": SALARY_STEPS}


def test_a_reading_is_the_base_run_with_the_steps_whose_tables_differ_run_again(repo, adopted):
    """A reading whose program differs from the repository's only in what some steps of the run read is not run
    whole: its output, the base's with those steps (and the steps that need them) run again, is array for array
    what running its program gives, on every row the base program rules (the only rows the notes read); the rows
    the base refuses stay refused."""
    from evaluator.batch import run
    from evaluator.batch.facts import from_case_facts

    for r in (repo, adopted):
        for as_of in ("2019-06-30", "2024-07-01", "2029-03-01"):
            progs = RN.programs(r, dt.date.fromisoformat(as_of))
            steps = {code: set(step) for (_, code), step in RN.steps_again(progs).items()}
            assert steps == STEPS_AGAIN
            cf = case_files.from_data(varied_workers(600, seed=7, as_of=as_of), r.schema_dir)
            facts = from_case_facts([c.facts for c in cf.cases], progs.base.specs)
            base, kept = run.evaluate(progs.base, facts, keep=True), {}
            ok = base.error == 0
            moved, refused = set(), 0
            for label, prog in progs.other.items():
                got, want = RN.reading_output(progs, label, facts, base, kept), run.evaluate(prog, facts)
                for part in ("values", "present", "basis", "entry", "layer"):
                    a, b = getattr(got, part), getattr(want, part)
                    assert list(a) == list(b), (label, part)
                    assert all(a[k].dtype == b[k].dtype and np.array_equal(a[k][ok], b[k][ok]) for k in a), \
                        (label, part)
                assert np.array_equal(got.error[ok], want.error[ok]) and got.error[~ok].all(), label
                moved |= {k for k in got.values if not np.array_equal(got.values[k][ok], base.values[k][ok])}
                refused += int(want.error[ok].astype(bool).sum())
            # the steps were run again, not left as the base's, and a reading's own refusals are found
            assert {"exit.grounds", "certificate.due_date", "salary.level", "salary.base_pay"} <= moved
            assert refused or as_of != "2024-07-01"


def test_each_step_of_the_run_reads_only_its_own_tables(repo, adopted):
    """rerun.steps_again may leave a step as the base's only if that step reads no table outside
    rerun.TABLES[step]: each step, run over the program's tables watched, reads only its own, and the run reads no
    table of rerun.NOT_READ; and the rule columns made from the output are run.FROM_OUTPUT alone (the others are
    the same whatever the due dates)."""
    from evaluator.batch import rerun, run
    from evaluator.batch.facts import from_case_facts

    class Watched(dict):
        def __getitem__(self, key):
            read.add(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            read.add(key)
            return super().__contains__(key)

        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

        def __iter__(self):  # a look at the whole mapping reads every table
            read.update(super().keys())
            return super().__iter__()

        def items(self):
            read.update(super().keys())
            return super().items()

        def values(self):
            read.update(super().keys())
            return super().values()

    for r in (repo, adopted):
        prog = RN.programs(r, dt.date(2024, 7, 1)).base
        watched = dataclasses.replace(prog, t=Watched(prog.t))
        cf = case_files.from_data(varied_workers(300, seed=5), r.schema_dir)
        facts = from_case_facts([c.facts for c in cf.cases], prog.specs)
        out, err, state = run.Output(facts.n), np.zeros(facts.n, np.int16), {"everyone": np.ones(facts.n, bool)}
        for name, step in run.STEPS:
            read = set()
            step(watched, facts, out, err, state)
            assert read <= rerun.TABLES[name], (name, read - rerun.TABLES[name])
            assert not read & rerun.NOT_READ
        assert set(prog.t) <= rerun.NOT_READ.union(*rerun.TABLES.values())
        cols = run.rule_columns(prog, facts, out)
        due = "certificate.due_date"
        later = dataclasses.replace(out, values={**out.values, due: out.values[due] + np.timedelta64(400, "D")},
                                    present={**out.present, due: ~out.present[due]})
        moved = {k for k, c in run.rule_columns(prog, facts, later).items()
                 if not (np.array_equal(c.values, cols[k].values) and np.array_equal(c.present, cols[k].present))}
        assert moved == run.FROM_OUTPUT


def test_the_certificate_tables_are_read_by_the_certificate_step_alone(repo, monkeypatch):
    """run.differs_from may say CERTIFICATE only if nothing evaluate does before the certificate's due date (or
    besides it) reads those tables: a program without them runs, with that step giving the base's due dates."""
    from evaluator.batch import run
    from evaluator.batch.facts import from_case_facts

    progs = RN.programs(repo, dt.date(2024, 7, 1))
    cf = case_files.from_data(varied_workers(200, seed=3), repo.schema_dir)
    facts = from_case_facts([c.facts for c in cf.cases], progs.base.specs)
    base = run.evaluate(progs.base, facts)
    blind = dataclasses.replace(progs.base, t={k: v for k, v in progs.base.t.items()
                                               if k not in run.CERTIFICATE_TABLES})
    step = run.certificate

    def given(t, facts, out):
        for part in ("values", "present", "basis"):
            getattr(out, part)["certificate.due_date"] = getattr(base, part)["certificate.due_date"]
    monkeypatch.setattr(run, "certificate", given)
    out = run.evaluate(blind, facts)
    assert all(np.array_equal(out.values[k], base.values[k]) for k in base.values)
    monkeypatch.setattr(run, "certificate", step)
    with pytest.raises(KeyError):  # and the step itself does read them
        run.evaluate(blind, facts)


def test_a_reading_patch_changed_in_yaml_moves_both(repo_copy, compiled_always):
    """any_contract_post gives every contract post a probation; narrowed in the YAML to principals, the notes of
    deputies and committee members on it go, on both paths alike."""
    cases = {"cases": [{"id": f"{post}_{d}", "kind": "worker", "as_of": "2024-07-01",
                        "facts": {"post": post, "years_of_service": 5, "hire_date": f"2024-0{d}-15",
                                  "party_org_stars": 3}}
                       for post in POSTS for d in (3, 5)]}

    def noted(r) -> set:
        cf = case_files.from_data(cases, r.schema_dir)
        used, _ = same_rulings(r, cf.cases, engines.make("reference"))
        assert used == len(cf.cases)
        return {c.id for c in cf.cases for n in evaluate(c, r, engines.make("reference"))["notes"]
                if n.get("alternative") == "any_contract_post"}

    before = noted(api.load(repo_copy))
    assert {"principal_5", "deputy_5", "committee_member_5"} <= before
    edit(repo_copy / "interpretations/workforce.yaml",
         "value: [principal, deputy, committee_member, grid_worker]", "value: [principal, grid_worker]")
    after = noted(api.load(repo_copy))
    assert "principal_5" in after and not {"deputy_5", "committee_member_5"} & after


def test_what_the_program_cannot_take_goes_the_per_case_way(repo, compiled_always):
    base = {"kind": "worker", "as_of": "2024-07-01", "facts": {"post": "grid_worker", "years_of_service": 3}}
    odd = [dict(base, id="digits", facts={**base["facts"], "grid_satisfaction": Decimal("0.5999999999999999999")}),
           dict(base, id="far", facts={**base["facts"], "birth_date": "1850-01-01", "hire_date": "1870-01-01"}),
           dict(base, id="plain")]
    cf = case_files.from_data({"cases": odd}, repo.schema_dir)
    notes = RN.ReadingNotes(repo, cf.cases)
    assert [notes.ruled(i) is None for i in range(3)] == [True, True, False]
    same_rulings(repo, cf.cases, engines.make("reference"))


def test_results_that_are_not_identical_make_the_notes_the_per_case_way(repo, compiled_always):
    """A Ruled whose results are not identical to the ruling's (here: the base pay as a Decimal) is not used:
    its planted errors do not reach the notes."""
    cf = case_files.load(ROOT / "examples/workers.yaml", repo.schema_dir)
    engine = engines.make("reference")
    notes = RN.ReadingNotes(repo, cf.cases)
    for i, case in enumerate(cf.cases):
        ruled = notes.ruled(i)
        if ruled is None:
            continue
        want = evaluate(case, repo, engine)
        wrong = dict(ruled.results, **{"salary.base_pay": Decimal(ruled.results["salary.base_pay"])})
        lying = dataclasses.replace(ruled, results=wrong, other={k: "planted" for k in ruled.readings})
        assert not readings.identical(wrong, want["results"])
        assert evaluate(case, repo, engine, ruled=lying) == want


def test_small_files_compile_nothing(tmp_path):
    """Below the measured crossover the per-case path rules the notes and no program is compiled."""
    repo = api.load(ROOT)
    out = api.evaluate_file(repo, ROOT / "examples/workers.yaml", engine="reference")
    assert out.evaluated and "_compiled_readings" not in repo.__dict__


def test_a_big_file_through_the_api_one_process_and_two(tmp_path, monkeypatch):
    """Through api.evaluate_file (what `policy eval` and the HTTP API use) with the real thresholds: the same
    rulings as the per-case path, with one process and with two, and the compiled programs were used."""
    n = RN.MIN_CASES_COLD + 200
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(varied_workers(n, seed=7), default=float), encoding="utf-8")  # 1234.5 as written
    fresh = api.load(ROOT)
    one = api.evaluate_file(fresh, path, engine="reference")
    assert "_compiled_readings" in fresh.__dict__
    two = api.evaluate_file(fresh, path, engine="reference", jobs=2)
    monkeypatch.setattr(RN, "MIN_CASES_COLD", n + 1)
    monkeypatch.setattr(RN, "MIN_CASES", n + 1)
    per_case = api.evaluate_file(api.load(ROOT), path, engine="reference")
    assert one.evaluated > n * 9 // 10  # (a few are refused: on probation by the hire date, said not)
    plain = [json.dumps(r, default=repr) for r in per_case.rulings]
    assert [json.dumps(r, default=repr) for r in one.rulings] == plain
    assert [json.dumps(r, default=repr) for r in two.rulings] == plain
