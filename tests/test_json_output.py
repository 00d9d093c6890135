"""`render.text.to_json` writes indented JSON with orjson: the very text json.dumps(indent=2, ensure_ascii=False)
wrote, for every ruling of the repository's case files and for the values orjson alone would write otherwise."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from evaluator import api
from evaluator.render import text


def old(obj) -> str:
    """What to_json wrote before: json.dumps with the same Decimal rule (a float's shortest repr, or an int)."""
    def decimal(o):
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        raise TypeError(type(o).__name__)
    return json.dumps(obj, ensure_ascii=False, indent=2, default=decimal)


def test_every_ruling_is_written_as_json_dumps_wrote_it(repo):
    rulings = [r for path in api.case_files_of(repo) for r in api.evaluate_file(repo, path, "reference").rulings]
    assert len(rulings) > 100
    assert text.to_json(rulings) == old(rulings)


@pytest.mark.parametrize("value", [
    Decimal("0.00001"), Decimal("2.5E-7"), Decimal("1.75"), Decimal("3.0"), Decimal("1E+16"), 2 ** 70, -(2 ** 64),
    {1: "a", True: "b"}, "中文\u2028\x7f\x1f", "a\ud800b", [], {}, [{}], {"a": [1, {"b": []}]}, None, True,
])
def test_odd_values_are_written_as_json_dumps_wrote_them(value):
    assert text.to_json({"v": value}) == old({"v": value})


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [dt.date(2024, 1, 1), Point(1), object()])
def test_what_json_dumps_refused_is_still_refused(value):
    with pytest.raises(TypeError):
        text.to_json({"v": value})


def test_policy_eval_streams_the_same_json_and_keeps_no_ruling(repo, tmp_path, monkeypatch):
    """policy eval --format json writes the rulings as they come (the outcome keeps none), the same text as the
    document of every ruling written at once, a broken file's errors in their place."""
    from evaluator.render import ruling_format
    from .conftest import run_policy
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases: [{id: x, kind: worker, as_of: 2024-01-01, facts: {post: nobody}}]\n", encoding="utf-8")
    kept = []
    real = api.evaluate_file
    monkeypatch.setattr(api, "evaluate_file", lambda *a, **k: kept.append(real(*a, **k)) or kept[-1])
    code, out, _ = run_policy("eval", "--format", "json", api.default_repo() / "examples/workers.yaml", bad)
    assert code == 2
    assert all(not o.rulings and not o.cases for o in kept)
    whole = [r for p in (api.default_repo() / "examples/workers.yaml", bad)
             for r in api.evaluate_file(repo, p).rulings]
    assert out == text.to_json(ruling_format.document(whole, repo)) + "\n"
