"""The district layer in batch and in `policy diff --roster` (issue 18): a roster with `area` is ruled with each area's
supplement in force, vectorised and row-equal to the per-case ruling; where no supplement is in force the result is
null and the layer column names the body that must decide; with the made-up Xixia example taken as adopted (the
hypothetical state repository.load(..., assume_adopted=...) gives, and a draft overlay gives `policy diff`) the rows
carry its figures and its EXAMPLE — NOT ADOPTED marker, and the diff costs it per area."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal

import numpy as np
import polars as pl
import pytest

from evaluator.batch import compile as bcompile, frame, io, run, sample, summary
from evaluator.batch.facts import worker_specs
from evaluator.repo import repository

from .conftest import ROOT, run_policy
from .test_batch_differential import EXAMPLE, assert_same, both_ways
from .test_supplements import set_basically_qualified_share

SMALL = ROOT / "tests/rosters/district_small.csv"  # x6 has a post that does not exist: the one bad row
AS_OF = dt.date(2024, 6, 1)
PAY = "salary.performance_pay_by_grade"
MARK = "EXAMPLE — NOT ADOPTED"


@pytest.fixture(scope="module")
def adopted():
    r = repository.load(ROOT, assume_adopted=[EXAMPLE])
    assert not r.problems, [str(p) for p in r.problems]
    return r


@pytest.fixture
def good_rows(tmp_path):
    """The small roster without its bad row (the vectorised and traced tables compare rows that rule)."""
    path = tmp_path / "roster.csv"
    path.write_text("".join(ln for ln in SMALL.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not ln.startswith("x6,")), encoding="utf-8")
    return path


def by_id(df: pl.DataFrame) -> dict:
    return {r["id"]: r for r in frame.comparable(df).to_dicts()}


def test_the_example_rules_in_batch_row_equal_with_its_figures_and_marker(adopted, good_rows):
    vec, per, vec_errors, per_errors = both_ways(adopted, good_rows, AS_OF)
    assert not vec_errors and not per_errors
    assert_same(vec, per)
    rows = by_id(vec)
    # the city's allowance by stars (三星 900, 五星 1300, 四星 1100) at the example's share for the latest grade:
    # x1 基本合格 60%, x2 (area written 西夏区) 优秀 100%, x3 合格 90%
    assert {k: rows[k][PAY] for k in ("x1", "x2", "x3")} == {"x1": Decimal(540), "x2": Decimal(1300),
                                                               "x3": Decimal(990)}
    assert rows["x1"][f"{PAY}.clauses"] == "workforce.6.16 xixia_perf_example.1.basically_qualified"
    assert "performance_spread_latest_grade" in rows["x1"][f"{PAY}.interpretations"].split()
    for k in ("x1", "x2", "x3"):
        assert rows[k][f"{PAY}.layer"].startswith("decided: supplements/xixia/performance_spread@1") \
            and MARK in rows[k][f"{PAY}.layer"] and "西夏区民政局" in rows[k][f"{PAY}.layer"]
    # x4 has no annual grade: null, and the layer says so (still the example's layer)
    assert rows["x4"][PAY] is None and rows["x4"][f"{PAY}.layer"].startswith("no_annual_grade") \
        and MARK in rows["x4"][f"{PAY}.layer"]
    # x5 has no star rating, so no performance allowance to spread: no district entry at all
    assert rows["x5"][PAY] is None and rows["x5"][f"{PAY}.layer"] is None and rows["x5"][f"{PAY}.clauses"] is None
    # Helan has no supplement: null, citing the city clause, naming the body that must decide
    assert rows["h1"][PAY] is None and rows["h1"][f"{PAY}.clauses"] == "workforce.6.16"
    assert rows["h1"][f"{PAY}.layer"].startswith("not_checked: for the 贺兰县民政局 Helan County civil-affairs bureau")
    assert rows["h1"]["salary.performance_allowance"] == 900  # the city's layer is ruled as before


def test_without_the_example_no_area_is_decided_and_each_names_its_bureau(repo, good_rows):
    vec, per, _, _ = both_ways(repo, good_rows, AS_OF)
    assert_same(vec, per)
    rows = by_id(vec)
    for k in ("x1", "x2", "x3", "x4"):
        assert rows[k][PAY] is None and rows[k][f"{PAY}.clauses"] == "workforce.6.16"
        assert rows[k][f"{PAY}.layer"].startswith("not_checked: for the 西夏区民政局 Xixia District")
        assert MARK not in rows[k][f"{PAY}.layer"]
    assert vec[PAY].null_count() == vec.height


def test_a_generated_roster_with_areas_rules_row_equal_and_follows_the_supplement(adopted, tmp_path):
    path = tmp_path / "roster.parquet"
    sample.write(sample.generate(1200, seed=18), path)
    vec, per, vec_errors, per_errors = both_ways(adopted, path, dt.date(2025, 1, 1))
    assert vec_errors == per_errors
    assert_same(vec, per)
    shares = {r["grade"]: r["percent"] for r in
              adopted.supplements[("xixia", "performance_spread")][0].data["data"]["shares"]}
    ro = io.read_roster(path, worker_specs(adopted.schema_dir), adopted.schema_dir)
    grades = {y: g for y, g in ro.facts.grades.items()}
    enum = worker_specs(adopted.schema_dir)["assessments"].enum
    area = pl.Series(worker_specs(adopted.schema_dir)["area"].enum).gather(ro.facts.columns["area"].values)
    df = frame.comparable(vec).with_columns(area=area.filter(pl.Series(np.isin(ro.ids, vec["id"]))))
    decided = df.filter(pl.col(PAY).is_not_null())
    assert decided.height > 100 and set(decided["area"]) == {"xixia"}
    # each decided row is the allowance times the example's share of the latest grade the roster gives
    ids = ro.ids.to_list()
    for r in decided.head(200).to_dicts():
        i = ids.index(r["id"])
        latest = next(enum[g[i]] for y, g in sorted(grades.items(), reverse=True) if g[i] >= 0)
        assert r[PAY] == Decimal(r["salary.performance_allowance"]) * shares[latest] / 100
    others = df.filter((pl.col("area") != "xixia") & pl.col("salary.performance_allowance").is_not_null())
    assert others.height > 100 and others[PAY].null_count() == others.height
    assert (others[f"{PAY}.layer"].str.starts_with("not_checked")).all()


def test_a_changed_supplement_changes_both_paths(repo_copy, good_rows):
    repo = set_basically_qualified_share(repo_copy, 50)
    vec, per, _, _ = both_ways(repo, good_rows, AS_OF)
    assert_same(vec, per)
    assert by_id(vec)["x1"][PAY] == 450  # 900 × 50%


def test_the_batch_summary_sums_each_area_and_carries_the_marker(adopted, good_rows):
    specs = worker_specs(adopted.schema_dir)
    ro = io.read_roster(good_rows, specs, adopted.schema_dir)
    prog = bcompile.compile_worker(adopted, AS_OF)
    out = run.evaluate(prog, ro.facts)
    keep = out.error == 0
    df = frame.vector_frame(prog, out, keep, {"row": ro.row[keep].astype(np.int64), "id": ro.ids, "area": ro.area})
    s = summary.summarise(df, ro.rows, 0)
    summary.district_figures(s, summary.part(df), PAY)
    layer = s["district_layer"][PAY]
    assert Decimal(layer["xixia"]["yearly"]) == 540 + 1300 + 990
    assert (layer["xixia"]["decided"], layer["xixia"]["null"]) == (3, 1)  # x5 has no entry: not counted
    assert all(MARK in label for label in layer["xixia"]["layers"])
    assert (layer["helan"]["decided"], layer["helan"]["null"]) == (0, 1) and "贺兰县民政局" in layer["helan"]["layers"][0]
    assert any("xixia: 3, 1, 2830" in line for line in summary.policy_text(s))


def test_policy_batch_rules_the_layer_and_still_rejects_a_bad_row(tmp_path):
    out, summ = tmp_path / "rulings.parquet", tmp_path / "summary.json"
    code, text, err = run_policy("batch", SMALL, "--as-of", AS_OF, "--out", out, "--summary", summ)
    assert code == 2 and "x6" in err  # the bad post is rejected; the others are ruled
    df = pl.read_parquet(out)
    assert df.height == 6 and df[PAY].null_count() == 6  # the example is not adopted: nothing decided
    layer = json.loads(summ.read_text(encoding="utf-8"))["district_layer"][PAY]
    assert layer["xixia"]["null"] == 4 and "西夏区民政局" in layer["xixia"]["layers"][0]
    assert "salary.performance_pay_by_grade by area" in text


@pytest.fixture(scope="module")
def adoption(tmp_path_factory):
    """A draft overlay (examples/reforms format) that brings the example's register entry: `policy diff` takes
    the documents an overlay brings as adopted, so NEW is the state in which the example is in force."""
    d = tmp_path_factory.mktemp("overlay")
    (d / "sources/register").mkdir(parents=True)
    shutil.copy(ROOT / f"sources/register/{EXAMPLE}.yaml", d / "sources/register")
    (d / "overlay.yaml").write_text("status: not_adopted\ntitle:\n  zh: 西夏区示例补充规定视为通过\n"
                                    "  en: The Xixia example supplement taken as adopted\n", encoding="utf-8")
    return d


def test_diff_roster_costs_an_adopted_supplement_per_area(adoption):
    code, out, err = run_policy("diff", ROOT, adoption, "--roster", SMALL, "--as-of", AS_OF, "--format", "json",
                                "--engine", "reference")
    assert code == 2, err  # x6 is rejected: the others are costed, and the exit code says a row was lost
    r = json.loads(out)
    [change] = [c for c in r["changes"] if c["area"] == "supplement"]
    assert change["subject"].startswith("supplements/xixia/performance_spread v1 (西夏区 Xixia District)")
    assert "not in force" in change["old"] and change["new"].startswith("in force") and MARK in change["new"]
    ro = r["roster"]
    areas = {a["area"]: a for a in ro["areas"]}
    x = areas["xixia"]
    assert x["name"] == {"zh": "西夏区", "en": "Xixia District"}
    assert (x["yearly_spread_before"], x["yearly_spread_after"], x["yearly_spread_difference"]) == (0, 2830, 2830)
    assert (x["spread_not_checked_before"], x["spread_not_checked_after"]) == (4, 1)
    assert x["spread_before"] == {"supplement": None, "decided_by": {"zh": "西夏区民政局",
                                                                     "en": "Xixia District civil-affairs bureau"}}
    assert x["spread_after"] == {"supplement": "supplements/xixia/performance_spread@1", "enacted_by": EXAMPLE,
                                 "example": True}
    h = areas["helan"]
    assert h["name"]["zh"] == "贺兰县" and h["yearly_spread_difference"] == 0 and h["spread_not_checked_after"] == 1
    assert ro["total"]["yearly_spread_difference"] == 2830 and ro["total"]["difference"] == 0
    assert [w["id"] for w in ro["workers"]] == ["x1", "x2", "x3"]
    assert [(b["case"], b["line"]) for b in ro["rejected"]] == [("x6", 8)]


def test_diff_roster_text_names_the_area_and_the_marker(adoption):
    code, out, _ = run_policy("diff", ROOT, adoption, "--roster", SMALL, "--as-of", AS_OF, "--engine", "reference")
    assert code == 2
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("xixia 西夏区 Xixia District:"))
    assert "0 → 2830 yuan (+2830)" in line and "not checked 4 → 1" in line and MARK in line
    assert "for the 西夏区民政局 Xixia District civil-affairs bureau to decide →" in line


def test_the_district_step_is_defined_once(adopted, good_rows, monkeypatch):
    """kinds/district.performance_spread is the one definition: the compiled program tabulates it, so a change
    there (here: every decided share doubled) changes the vectorised rulings too, and the paths still agree."""
    import dataclasses

    from evaluator.kinds import district

    real = district.performance_spread

    def doubled(repo, area, day, grade, allowance):
        step = real(repo, area, day, grade, allowance)
        return step if step is None or step.value is None else dataclasses.replace(step, value=step.value * 2)

    monkeypatch.setattr(district, "performance_spread", doubled)
    vec, per, _, _ = both_ways(adopted, good_rows, AS_OF)
    assert_same(vec, per)
    assert by_id(vec)["x1"][PAY] == 1080  # 900 × 60% × 2


def test_diff_from_a_state_without_the_area_fact_still_rules_every_row(repo_copy):
    """An older state (before the district layer) has no worker fact `area`: its rows are ruled without the layer,
    not rejected, and the area's side shows no delegation."""
    path = repo_copy / "schemas/cases.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    del schema["$defs"]["worker_facts"]["properties"]["area"]
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=1), encoding="utf-8")
    for d in ("delegations", "supplements"):
        shutil.rmtree(repo_copy / d)
    code, out, err = run_policy("diff", repo_copy, ROOT, "--roster", SMALL, "--as-of", AS_OF, "--format", "json",
                                "--engine", "reference")
    assert code == 2, err
    ro = json.loads(out)["roster"]
    assert ro["ruled"] == 6 and [b["case"] for b in ro["rejected"]] == ["x6"]
    x = {a["area"]: a for a in ro["areas"]}["xixia"]
    assert "spread_before" not in x and x["spread_after"]["supplement"] is None
    assert (x["spread_not_checked_before"], x["spread_not_checked_after"]) == (0, 4)
