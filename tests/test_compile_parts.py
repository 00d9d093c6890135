"""The compiled program is put together from parts (evaluator/batch/tables.py), each built once for its inputs: a
date's programs under every reading (batch/reading_notes.py) share the parts a reading does not change. Whatever is
shared, every program is the one compile_worker gives for its repository alone (arrays, types, basis and error codes,
rule sets), the parts a reading changes are its own, and the steps the parts tabulate in one call on arrays give
what they give one number at a time."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from types import SimpleNamespace

import numpy as np
import pytest

from evaluator.batch import compile as bcompile
from evaluator.batch import reading_notes as RN
from evaluator.batch import tables as T
from evaluator.kinds import worker as W
from evaluator.repo import repository
from evaluator.ruling import readings

from .conftest import ROOT

DATES = ["2019-06-30", "2024-01-01", "2024-07-01", "2025-01-01", "2029-03-01"]
RAISES = "workforce.salary_raises"
EXIT_GROUNDS = "workforce.exit_grounds"


@pytest.fixture(scope="module")
def adopted():
    r = repository.load(ROOT, assume_adopted=["xixia_perf_example"])
    assert not r.problems, [str(p) for p in r.problems]
    return r


def plain(prog) -> dict:
    """Everything a program holds, as plain data (arrays with their types and shapes; Python values with theirs)."""
    def value(v):
        return (v.dtype.str, v.shape, v.tolist()) if isinstance(v, np.ndarray) else (type(v).__name__, v)
    return {"t": [(k, value(v)) for k, v in prog.t.items()], "basis": prog.basis.items, "errors": prog.errors,
            "coefficients": [(type(c).__name__, str(c)) for c in prog.coefficients], "kinds": prog.kinds,
            "rulesets": [(rs.result, rs.ref, [r.id for r in rs.rules], rs.labels, value(rs.bases), rs.none_basis,
                          len(rs.tests)) for rs in prog.rulesets],
            "versions": [(k, v.version) for k, v in prog.versions.items()], "as_of": prog.as_of,
            "digest": prog.digest, "specs": prog.specs}


def variants(repo, progs) -> dict:
    used = {vid: v.version for vid, v in progs.base.versions.items()}
    return {(iid, code): variant for iid, _it, _used, code, _choices, variant in readings.plan(repo, used, {})}


@pytest.mark.parametrize("day", DATES)
@pytest.mark.parametrize("which", ["repo", "adopted"])
def test_every_program_of_a_date_is_the_one_compiled_alone(repo, adopted, which, day):
    r = repo if which == "repo" else adopted
    day = dt.date.fromisoformat(day)
    progs = RN._compile(r, day)
    assert progs is not None and progs.other
    assert plain(progs.base) == plain(bcompile.compile_worker(r, day))
    by_reading = variants(r, progs)
    assert by_reading.keys() == progs.other.keys()
    for label, prog in progs.other.items():
        assert plain(prog) == plain(bcompile.compile_worker(by_reading[label], day)), label


def test_the_parts_a_reading_does_not_change_are_built_once(repo):
    day = dt.date(2024, 7, 1)
    progs = RN._compile(repo, day)
    base = progs.base
    changed_raises = 0
    for label, prog in progs.other.items():
        # the salary table and the honours are read by no reading: every program holds the base's very arrays
        assert prog.t["band"] is base.t["band"] and prog.t["award"] is base.t["award"], label
        assert prog.rulesets[0].tests is base.rulesets[0].tests or prog.versions[EXIT_GROUNDS] is not \
            base.versions[EXIT_GROUNDS]
        if prog.versions[RAISES] is base.versions[RAISES]:
            assert prog.t["level"] is base.t["level"], label
        else:  # a reading of the raises has its own levels, and they are not the base's
            changed_raises += 1
            assert prog.t["level"] is not base.t["level"]
            assert not np.array_equal(prog.t["level"], base.t["level"]), label
        if prog.versions[EXIT_GROUNDS] is not base.versions[EXIT_GROUNDS]:
            # a reading of a rule's condition: its own conditions, the masks' labels and bases (what the rules cite)
            # alike
            assert prog.rulesets[0].tests is not base.rulesets[0].tests
            assert prog.rulesets[0].labels is base.rulesets[0].labels
    assert changed_raises  # the readings of the raises are among them
    with pytest.raises(ValueError):  # shared arrays cannot be written through one program into the others
        base.t["band"][0, 0] = 1


def test_a_reading_that_changes_what_a_rule_cites_gets_its_own_masks(repo):
    """The rule set's masks are shared by what they read of the rules (ids, clauses, interpretations): a patch that
    changes a rule's clauses changes them, in that program alone."""
    day = dt.date(2024, 7, 1)
    patched, _ = readings.apply_patches(repo, [{"target": EXIT_GROUNDS, "path": "rules/serious_violation/cites",
                                                "value": ["workforce.5.14.g4", "workforce.5.14.g3"]}])
    shared = T.Shared()
    base = bcompile.compile_worker(repo, day, shared)
    prog = bcompile.compile_worker(patched, day, shared)
    assert plain(prog) == plain(bcompile.compile_worker(patched, day))
    assert plain(base) == plain(bcompile.compile_worker(repo, day))
    assert prog.rulesets[0].labels == base.rulesets[0].labels
    assert prog.basis.items != base.basis.items
    mask = 1 << [r.id for r in prog.rulesets[0].rules].index("serious_violation")
    assert prog.basis.items[prog.rulesets[0].bases[mask]][0] == ("workforce.5.14.g4", "workforce.5.14.g3")


def test_the_district_layer_is_not_shared_between_repositories_of_other_supplements(repo, adopted):
    day = dt.date(2025, 1, 1)
    shared = T.Shared()
    one, other = (bcompile.compile_worker(r, day, shared) for r in (repo, adopted))
    assert plain(one) == plain(bcompile.compile_worker(repo, day))
    assert plain(other) == plain(bcompile.compile_worker(adopted, day))
    assert not np.array_equal(one.t["spread_given"], other.t["spread_given"])


def test_the_level_steps_on_arrays_are_the_steps_on_numbers(repo):
    """kinds/worker's level steps, given numpy arrays (as batch/tables.raises gives them), give element by element
    what they give on numbers, and on numbers plain ints, as min and max do."""
    for a, b in itertools.product(range(-3, 4), repeat=2):
        assert W.least(a, b) == min(a, b) and type(W.least(a, b)) is int
        assert W.most(a, b) == max(a, b) and type(W.most(a, b)) is int
    day = dt.date(2024, 7, 1)
    table = repo.version_in_force(W.SALARY_TABLE, day).data["data"]
    rd = repo.version_in_force(RAISES, day).data["data"]
    bands, el, cl = np.arange(0, 20), np.arange(0, 5), np.arange(0, 5)
    for combine, cap, capped in itertools.product(["sum", "max"], ["post_column_top", "none"],
                                                  [[], ["education"], ["certificate"], ["education", "certificate"]]):
        data = {**rd, "combine": combine, "cap": cap, "capped_raises": capped}
        for post in ["principal", "deputy", "committee_member", "grid_worker"]:
            level, bound = W.raised_level(table, data, post, bands[:, None, None], el[None, :, None], cl[None, None, :])
            for b, e, c in itertools.product(bands.tolist(), el.tolist(), cl.tolist()):
                one = W.raised_level(table, data, post, b, e, c)
                assert (level[b, e, c], bound[b, e, c]) == one and type(one[0]) is int
            raise_ = W.combined_raise(data, el[:, None], cl[None, :])
            assert raise_.tolist() == [[W.combined_raise(data, e, c) for c in cl.tolist()] for e in el.tolist()]


def naive_masks(rules: list, none_basis: int, basis: T.Basis) -> tuple[list, list]:
    labels, bases = [], []
    for mask in range(1 << len(rules)):
        fired = [r for i, r in enumerate(rules) if mask >> i & 1]
        labels.append(" ".join(sorted(r.id for r in fired)))
        clauses = tuple(dict.fromkeys(c for r in fired for c in r.cites))
        interpretations = tuple(dict.fromkeys(i for r in fired for i in r.interpretations))
        bases.append(basis.of((clauses, interpretations)) if fired else none_basis)
    return labels, bases


@pytest.mark.parametrize("seed", range(6))
def test_masks_are_every_combination_of_the_rules(seed):
    """Labels: the fired rules' ids sorted; bases: their clauses and interpretations in rule order without repeats.
    Rules whose ids are not in rule order and share clauses."""
    rng = random.Random(seed)
    ids = rng.sample(["a", "b", "c", "d", "e", "f", "g", "h"], rng.randint(1, 8))
    rules = [SimpleNamespace(id=i, cites=rng.sample(["x", "y", "z", "w"], rng.randint(1, 3)),
                             interpretations=rng.sample(["p", "q"], rng.randint(0, 2))) for i in ids]
    basis, reference = T.Basis(), T.Basis()
    none_basis = basis.id(["none"])
    labels, bases = T.masks(rules, basis, none_basis)
    expected_labels, expected_bases = naive_masks(rules, reference.id(["none"]), reference)
    assert labels == expected_labels
    assert bases.tolist() == expected_bases
    assert basis.items == reference.items


def test_basis_of_all_registers_as_of_does_one_key_after_another():
    keys = [(("a",), ()), (("b",), ("p",)), (("a",), ()), (("c",), ())]
    for before in ([], [(("b",), ("p",))], [(("z",), ())]):
        one, many = T.Basis(first=1), T.Basis(first=1)
        for k in before:
            one.of(k), many.of(k)
        assert many.of_all(keys) == [one.of(k) for k in keys]
        assert many.items == one.items
        assert many.of_all(keys[1:2]) == [one.of(keys[1])]
