"""`policy batch` and `policy roster` end to end: outputs, rejects, exit codes, --explain, YAML changes, and the
traced path on the process pool and on a two-worker Dask cluster giving the same table as the vectorised path."""
from __future__ import annotations

import csv
import json
import datetime as dt

import polars as pl
import pytest

from evaluator.batch import frame, sample as roster

from .conftest import edit, run_policy

HEADER = ["id", "area", "post", "years_of_service", "education", "certificate", "on_probation", "party_org_stars",
          "retired", "pension_monthly", "birth_date", "hire_date", "grid_satisfaction", "grade_2023", "grade_2024"]


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


GOOD = [
    ["a1", "xingqing", "principal", "12", "bachelor", "social_worker", "", "3", "", "", "", "", "", "", ""],
    ["a2", "xixia", "grid_worker", "8", "", "assistant_social_worker", "", "", "", "", "", "", "0.55",
     "unqualified", "unqualified"],
    ["a3", "helan", "deputy", "2", "", "", "", "5", "true", "2200.50", "", "", "", "", ""],
    ["a4", "lingwu", "committee_member", "22", "master", "", "", "", "", "", "1980-05-20", "2002-09-01", "", "", ""],
]


def test_batch_writes_every_result_with_its_clauses_and_the_digest(repo, tmp_path):
    src = write_csv(tmp_path / "roster.csv", GOOD)
    out = tmp_path / "rulings.parquet"
    code, stdout, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out,
                                      "--summary", tmp_path / "s.json")
    assert code == 0, stderr
    df = pl.read_parquet(out)
    assert df["id"].to_list() == ["a1", "a2", "a3", "a4"]
    a1, a2, a3, a4 = df.to_dicts()
    assert (a1["salary.band_level"], a1["salary.level"], a1["salary.base_pay"]) == (10, 13, 3500)
    assert str(a1["salary.coefficient"]) == "1.75" and a1["salary.performance_allowance"] == 900
    assert a1["salary.level.clauses"].split() == ["workforce.6.17.certificate", "workforce.6.17.education",
                                                  "workforce.6.17.cap", "workforce.annex.salary-table.l10"]
    assert a1["salary.level.interpretations"].split() == ["raises_add_up_highest_only_capped",
                                                          "certificate_raise_cap_reading", "raises_serve_every_worker"]
    assert a1["salary.retiree_top_up"] is None and a1["salary.retiree_top_up.clauses"] is None
    assert a2["exit.grounds"] == "grid_satisfaction_below_60 two_consecutive_unqualified"
    assert set(a2["exit.grounds.clauses"].split()) == {"workforce.5.14.g2", "workforce.5.14.g8"}
    assert str(a3["salary.retiree_top_up"]) == "399.50"  # 2600 - 2200.50
    assert a4["certificate.due_date"] == dt.date(2024, 1, 1) and a4["exit.grounds"] == "no_certificate_next_election_barred"
    assert set(df["policy.digest"].cast(pl.String)) == {repo.digest}
    assert "4 of 4 workers ruled, 0 rejected" in stdout
    s = json.loads((tmp_path / "s.json").read_text())
    assert s["base_pay_monthly"] == 12200
    # 西夏区 pays 3 parts of 10 and the city 7 (policy workforce.cost_sharing, through the funding kind)
    assert s["monthly_pay_shares_before_region_part"]["xixia"] == {"monthly_pay": "2600", "city_share": "1820",
                                                                   "area_share": "780"}
    assert s["targets_2025"]["certified_share"] == 0.5 and s["targets_2025"]["certified_met"] is False
    assert s["exit_grounds"] == {"grid_satisfaction_below_60": 1, "no_certificate_next_election_barred": 1,
                                 "two_consecutive_unqualified": 1}
    assert s["with_exit_ground"] == 2
    assert [(r["area"], r["level"], r["workers"], r["base_pay_monthly"]) for r in s["pay_by_area_and_level"]] == [
        ("helan", "probation" if a3["salary.level"] is None else str(a3["salary.level"]), 1, a3["salary.base_pay"]),
        ("lingwu", str(a4["salary.level"]), 1, a4["salary.base_pay"]),
        ("xingqing", "13", 1, 3500), ("xixia", str(a2["salary.level"]), 1, a2["salary.base_pay"])]


def test_bad_rows_are_rejected_with_row_id_and_field_and_the_rest_ruled(tmp_path):
    rows = GOOD + [
        ["b1", "", "mayor", "3", "", "", "", "", "", "", "", "", "", "", ""],
        ["b2", "", "principal", "61", "", "", "", "", "", "", "", "", "", "", ""],
        ["b3", "", "principal", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["b4", "", "deputy", "5", "", "", "", "", "true", "", "", "", "", "", ""],
        ["b5", "", "deputy", "5", "", "", "", "", "", "", "1990-02-30", "", "", "", ""],
        ["a1", "", "deputy", "5", "", "", "", "", "", "", "", "", "", "", "fine"],
        ["b7", "", "deputy", "5", "", "", "", "", "", "12.345", "", "", "1.5", "", ""],
    ]
    src = write_csv(tmp_path / "roster.csv", rows)
    out = tmp_path / "rulings.csv"
    code, stdout, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out)
    assert code == 2
    assert "4 of 11 workers ruled, 7 rejected" in stdout
    rejects = pl.read_csv(tmp_path / "rulings.rejects.csv", infer_schema=False)
    got = {(int(r["row"]), r["id"], r["field"]) for r in rejects.to_dicts()}
    assert {(5, "b1", "post"), (6, "b2", "years_of_service"), (7, "b3", "years_of_service"),
            (8, "b4", "pension_monthly"), (9, "b5", "birth_date"), (10, "a1", "id"), (10, "a1", "grade_2024"),
            (11, "b7", "pension_monthly"), (11, "b7", "grid_satisfaction")} <= got
    assert "row 5 [worker b1] post" in stderr
    # in row order, and within a row in column order (the columns are checked side by side, reported one by one)
    order = [(int(r["row"]), r["field"]) for r in rejects.to_dicts()]
    assert order.index((10, "id")) < order.index((10, "grade_2024"))
    assert order.index((11, "pension_monthly")) < order.index((11, "grid_satisfaction"))
    assert [r for r, _ in order] == sorted(r for r, _ in order)
    assert pl.read_csv(out)["id"].to_list() == ["a1", "a2", "a3", "a4"]


def test_unknown_column_is_named_with_the_nearest_fact(tmp_path):
    src = write_csv(tmp_path / "roster.csv", [["x", "principal", "3"]], ["id", "post", "yeras_of_service"])
    code, _, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", tmp_path / "o.parquet")
    assert code == 2
    assert "roster.csv:1:3: unknown_field: unknown column 'yeras_of_service'; did you mean 'years_of_service'" \
        in stderr
    assert "Traceback" not in stderr


def test_explain_prints_one_rows_full_ruling(tmp_path):
    src = write_csv(tmp_path / "roster.csv", GOOD)
    code, stdout, _ = run_policy("batch", src, "--as-of", "2025-01-01", "--explain", "a2")
    assert code == 0
    assert "Row 2 of" in stdout and "Case a2 (worker) as of 2025-01-01" in stdout
    assert "§ workforce.5.14.g8" in stdout
    code, _, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--explain", "nobody")
    assert code == 2 and "no worker with id 'nobody'" in stderr


def test_changing_the_yaml_changes_the_batch_rulings(repo_copy, tmp_path):
    src = write_csv(tmp_path / "roster.csv", GOOD)
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml", "base_pay: 3500", "base_pay: 3555")
    edit(repo_copy / "rules/workforce.exit_grounds/2019-01-01.yaml", "op: lt, value: 0.6", "op: lt, value: 0.5")
    out = tmp_path / "o.parquet"
    code, _, stderr = run_policy("--repo", repo_copy, "batch", src, "--as-of", "2025-01-01", "--out", out)
    assert code == 0, stderr
    a1, a2 = pl.read_parquet(out).to_dicts()[:2]
    assert a1["salary.base_pay"] == 3555
    assert a2["exit.grounds"] == "two_consecutive_unqualified"


def _same_tables(a, b):
    a, b = frame.comparable(pl.read_parquet(a)), frame.comparable(pl.read_parquet(b))
    assert a.columns == b.columns
    for col in a.columns:
        assert a[col].eq_missing(b[col]).all(), col


def test_traced_run_on_the_process_pool_equals_the_vectorised_run(tmp_path):
    src = tmp_path / "roster.csv"
    roster.write(roster.generate(600, seed=7), src)
    vec, traced = tmp_path / "v.parquet", tmp_path / "t.parquet"
    assert run_policy("batch", src, "--as-of", "2025-01-01", "--out", vec)[0] == 0
    code, _, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", traced, "--traced", "--jobs",
                                 "2", "--partition", "100", "--trace-out", tmp_path / "t.jsonl")
    assert code == 0, stderr
    _same_tables(vec, traced)
    assert len((tmp_path / "t.jsonl").read_text().splitlines()) == 600


def test_dask_two_worker_local_cluster_equals_the_single_process_run(tmp_path):
    pytest.importorskip("distributed")
    src = tmp_path / "roster.parquet"
    roster.write(roster.generate(300, seed=11), src)
    vec, dask = tmp_path / "v.parquet", tmp_path / "d.parquet"
    assert run_policy("batch", src, "--as-of", "2024-07-01", "--out", vec)[0] == 0
    code, _, stderr = run_policy("batch", src, "--as-of", "2024-07-01", "--out", dask, "--traced", "--cluster",
                                 "local", "--jobs", "2", "--partition", "50")
    assert code == 0, stderr
    _same_tables(vec, dask)


def test_roster_generator_is_deterministic(tmp_path):
    code, stdout, _ = run_policy("roster", tmp_path / "a.csv", "--workers", "500", "--seed", "3")
    assert code == 0 and "500 workers" in stdout
    run_policy("roster", tmp_path / "b.csv", "--workers", "500", "--seed", "3")
    run_policy("roster", tmp_path / "c.csv", "--workers", "500", "--seed", "4")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_a_row_the_policy_cannot_rule_on_is_rejected_with_the_per_case_reason(repo_copy, tmp_path):
    edit(repo_copy / "policies/workforce.performance_allowance/2019-01-01.yaml",
         "    - {stars: 5, label: 五星, amount: 1300, source: workforce.annex.salary-table.stars5, "
         "printed_with_source: workforce.annex.salary-table.l13}\n", "")
    src = write_csv(tmp_path / "roster.csv", GOOD)
    out = tmp_path / "o.parquet"
    code, stdout, stderr = run_policy("--repo", repo_copy, "batch", src, "--as-of", "2025-01-01", "--out", out)
    assert code == 2
    assert "row 3 [worker a3] party_org_stars: the performance allowance table has no row for 5 stars" in stderr
    assert pl.read_parquet(out)["id"].to_list() == ["a1", "a2", "a4"]
    code, _, stderr = run_policy("--repo", repo_copy, "batch", src, "--as-of", "2025-01-01", "--explain", "a3")
    assert code == 2 and "no row for 5 stars" in stderr
