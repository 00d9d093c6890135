"""Hostile and careless rosters (issue 13, failure 4): every structural fault a rejected row at file:line, the other
rows ruled, rows in = ruled + rejected; areas checked against the cost-sharing policy; control characters never
printed raw; outputs never overwrite an input; `policy diff --roster` tells the truth in its exit code."""
from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest

from .conftest import ROOT, run_policy

HEADER = "id,area,post,years_of_service,education,certificate,on_probation,party_org_stars,retired,pension_monthly"
GOOD = ["g1,xingqing,principal,12,bachelor,social_worker,,3,,", "g2,xixia,grid_worker,8,,,,,,",
        "g3,helan,deputy,2,,,,5,true,2200.50"]
# (the faulty line, what the reject must say): each was a whole-roster refusal or a silent mis-read on main
FAULTS = [
    (b"s1,jinfeng,principal,12,bachelor,social_worker,,3,", "9 fields, the header 10"),  # one field short
    (b"x1,jinfeng,principal,12,bachelor,social_worker,,3,,,extra", "11 fields, the header 10"),
    (b"u1,jin\xfffeng,principal,12,bachelor,,,,,", "not valid UTF-8"),
    (b'q1,"jinfeng,principal,12,bachelor,,,,,', "unbalanced quote"),
]


def roster_bytes(*faulty: bytes) -> bytes:
    """Good rows with the faulty lines between them, so that the rows after a fault must still be read."""
    lines = [HEADER.encode(), GOOD[0].encode()] + list(faulty) + [g.encode() for g in GOOD[1:]]
    return b"\n".join(lines) + b"\n"


def batch(tmp_path, raw: bytes, *extra):
    src = tmp_path / "roster.csv"
    src.write_bytes(raw)
    out = tmp_path / "rulings.csv"
    code, stdout, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out, *extra)
    assert "Traceback" not in stdout + stderr
    return code, stdout, stderr, src, out


@pytest.mark.parametrize("line,words", FAULTS, ids=["short_row", "extra_field", "invalid_utf8", "unbalanced_quote"])
def test_batch_rejects_a_faulty_line_and_rules_the_others(tmp_path, line, words):
    code, stdout, stderr, src, out = batch(tmp_path, roster_bytes(line))
    assert code == 2
    assert f"{src}:3: row 2 " in stderr and words in stderr, stderr
    assert "policy batch: 3 of 4 workers ruled, 1 rejected" in stdout
    ruled = pl.read_csv(out)
    assert ruled["id"].to_list() == ["g1", "g2", "g3"] and ruled["row"].to_list() == [1, 3, 4]
    rejects = list(csv.DictReader(io.StringIO(out.with_suffix(".rejects.csv").read_text(encoding="utf-8"))))
    assert [(r["row"], words in r["reason"]) for r in rejects] == [("2", True)]


def test_batch_counts_every_row_with_every_fault_at_once(tmp_path):
    code, stdout, stderr, src, out = batch(tmp_path, roster_bytes(*(f for f, _ in FAULTS)))
    assert code == 2 and "policy batch: 3 of 7 workers ruled, 4 rejected" in stdout
    for n, (_, words) in enumerate(FAULTS, start=3):
        assert f"{src}:{n}: row {n - 1} " in stderr


@pytest.mark.parametrize("area,shown", [("atlantis", "'atlantis'"), ("", None), ("\x1b[31mred", r"\x1b[31mred")])
def test_batch_checks_the_area_against_the_cost_sharing_policy(tmp_path, area, shown):
    code, stdout, stderr, src, out = batch(tmp_path, roster_bytes(f"a1,{area},principal,12,,,,,,".encode()))
    assert code == 2 and "3 of 4 workers ruled, 1 rejected" in stdout
    assert f"{src}:3: row 2 [worker a1] area: not an area of the cost-sharing policy" in stderr
    assert "\x1b" not in stdout + stderr  # a terminal never gets the escape code
    if shown:
        assert shown in stderr


@pytest.mark.parametrize("target", ["roster", "missing_dir", "directory", "rejects_is_out"])
def test_batch_refuses_an_output_it_cannot_or_must_not_write(tmp_path, target):
    src = tmp_path / "roster.csv"
    raw = roster_bytes()
    src.write_bytes(raw)
    out = {"roster": src, "missing_dir": tmp_path / "nowhere" / "r.csv", "directory": tmp_path,
           "rejects_is_out": tmp_path / "r.csv"}[target]
    extra = ["--rejects", out] if target == "rejects_is_out" else []
    code, stdout, stderr = run_policy("batch", src, "--as-of", "2025-01-01", "--out", out, *extra)
    assert code == 2 and "bad_output" in stderr and "Traceback" not in stderr
    assert src.read_bytes() == raw  # the roster is never overwritten with rulings


def test_a_plain_roster_still_takes_the_direct_path(tmp_path):
    """The usual roster (no quote, every line as wide as the header) is read by polars as it is."""
    from evaluator.batch import io as bio

    src = tmp_path / "roster.csv"
    src.write_bytes(roster_bytes())
    assert bio.plain_csv(src.read_bytes())
    assert not bio.plain_csv(roster_bytes(FAULTS[0][0]))  # one field short: the counts show it


def test_diff_roster_rejects_faulty_lines_and_exits_nonzero(tmp_path):
    src = tmp_path / "roster.csv"
    head = (ROOT / "tests/rosters/reform_small.csv").read_bytes().split(b"\n")[0]
    good = b"r1,xixia,principal,12,bachelor,social_worker,,,\nr2,jinfeng,grid_worker,3,,,,,\n"
    src.write_bytes(head + b"\n" + good + b"r3,jinfeng,principal,12\nr4,atlantis,deputy,5,,,,,\n"
                    b"r5,jin\xfffeng,deputy,5,,,,,\nr1,xixia,deputy,5,,,,,\n")
    code, out, err = run_policy("diff", ROOT, ROOT / "examples/reforms/benchmark-2200", "--roster", src,
                                "--format", "json", "--engine", "reference")
    assert code == 2, err
    ro = json.loads(out)["roster"]
    assert (ro["rows"], ro["ruled"], ro["rejected_rows"]) == (6, 2, 4)
    lines = sorted(r["line"] for r in ro["rejected"])
    assert lines == [4, 5, 6, 7]  # short row, unknown area, not UTF-8, the id r1 used twice
