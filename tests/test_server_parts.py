"""A request shared among idle workers (serve/app.Pool.parts): each part reads the whole body and rules its slice,
and the joined answer is the answer the request gets in one piece, byte for byte once parsed, problems at their
places included."""
from __future__ import annotations

import json

import pytest

from evaluator.render import ruling_format
from evaluator.serve import app as server
from evaluator.serve import limits, rulings

from .conftest import ROOT, live_server, post_evaluate

CASE = {"kind": "worker", "as_of": "2024-07-01", "facts": {"post": "deputy", "years_of_service": 5}}


def _body(n: int, bad_at=(), extra=None) -> bytes:
    cases = [{**CASE, "id": f"c{i}", "facts": {**CASE["facts"], "years_of_service": i % 40}} for i in range(n)]
    for i in bad_at:
        cases[i] = {**cases[i], "facts": {"post": "principl", "years_of_service": 5}}
    return json.dumps({"cases": cases, **(extra or {})}, indent=1).encode()


@pytest.fixture(scope="module")
def ruler(repo):
    return rulings.Ruler(repo, "reference")


def _in_parts(ruler, raw: bytes, form: str, bounds) -> tuple[int, bytes]:
    answers = [ruler.rule(raw, None, form, b) for b in bounds]
    assert all(media == rulings.PART for _, media, _ in answers)
    return max(s for s, _, _ in answers), ruling_format.joined(form, [body for _, _, body in answers])


@pytest.mark.parametrize("form", ["inline", "table"])
@pytest.mark.parametrize("bad_at,extra", [((), None), ((3, 45, 59), None), ((45,), {"unknown_field": 1})])
def test_parts_joined_are_the_answer_in_one_piece(ruler, form, bad_at, extra):
    raw = _body(60, bad_at, extra)
    status, media, whole = ruler.rule(raw, None, form)
    assert media == rulings.JSON and status == (422 if bad_at or extra else 200)
    for bounds in ([(0, 30, True), (30, None, False)], [(0, 20, True), (20, 40, False), (40, None, False)]):
        got_status, joined = _in_parts(ruler, raw, form, bounds)
        assert got_status == status and json.loads(joined) == json.loads(whole)
    if bad_at:  # each bad case is reported once, at its line in the body as sent
        errors = [r for r in json.loads(whole)["rulings"] if "errors" in r and "id" in r]
        assert [r["index"] for r in errors] == list(bad_at) and all(r["line"] > 1 for r in errors)


def test_a_part_reads_its_own_cases_unless_an_id_repeats(ruler, monkeypatch):
    """Each part checks only the cases of its slice; where two cases share an id (refused at its second use, which
    depends on the cases before it) every part reads them all, and the joined answer is still the whole one."""
    from evaluator.cases import files

    read = []
    real = files.Listed.read
    monkeypatch.setattr(files.Listed, "read", lambda self, indices: read.append(len(indices)) or real(self, indices))
    bounds = [(0, 30, True), (30, None, False)]
    raw = _body(60, (45,))
    _in_parts(ruler, raw, "table", bounds)
    assert read == [30, 30]
    cases = json.loads(raw)["cases"]
    cases[50]["id"] = cases[10]["id"]  # the second part's case 50 repeats the first part's id
    raw = json.dumps({"cases": cases}, indent=1).encode()
    read.clear()
    status, joined = _in_parts(ruler, raw, "table", bounds)
    assert read == [60, 60]
    whole_status, _, whole = ruler.rule(raw, None, "table")
    assert status == whole_status == 422 and json.loads(joined) == json.loads(whole)
    assert any(e["code"] == "duplicate_id" for r in json.loads(joined)["rulings"] for e in r.get("errors", ()))


def test_a_problem_of_the_whole_body_is_answered_as_in_one_piece(ruler):
    raw = b'{"cases": [' + b"[" * 100 + b"]" * 100 + b"]}"
    assert ruler.rule(raw, None, "table", (0, 1, True)) == ruler.rule(raw, None, "table")


def test_only_idle_workers_share_a_request_and_only_in_parts_worth_it(repo):
    pool = server.Pool(repo, "reference", None, None, workers=2)
    try:
        big, small = _body(2 * limits.MIN_PART_CASES), _body(2 * limits.MIN_PART_CASES - 1)
        assert pool.parts(big, None) == ([(0, limits.MIN_PART_CASES, True), (limits.MIN_PART_CASES, None, False)],
                                         "table")
        assert pool.parts(big, "inline")[1] == "inline"
        assert pool.parts(small, None) is None
        assert pool.parts(b"cases: []", None) is None  # not JSON (YAML): the worker says what it is, in one piece
        pool.running = 1
        assert pool.parts(big, None) is None
    finally:
        pool.shutdown()
    logged = server.Pool(repo, "reference", ROOT / "never-written.db", None, workers=2)
    try:
        assert logged.parts(big, None) is None  # a request's decisions are logged in one piece
    finally:
        logged.shutdown()


SERVER = """
import sys
from evaluator import api
from evaluator.serve import app
app.serve(api.load("."), "127.0.0.1", int(sys.argv[1]), "reference", workers=2)
"""


def test_a_live_server_with_two_workers_answers_as_one(ruler):
    with live_server(SERVER) as (_, url):
        for raw, form in ((_body(80), "table"), (_body(80, (70,)), "inline")):
            status, got = post_evaluate(url, raw, f"?clauses={form}")
            want_status, _, want = ruler.rule(raw, None, form)
            assert status == want_status and json.loads(got) == json.loads(want)
