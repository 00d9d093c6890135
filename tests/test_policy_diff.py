"""The structural comparison behind `policy diff`: list items matched by identity, order, types."""
from __future__ import annotations

from decimal import Decimal

from evaluator.checks.policy_diff import changes, deep

from .conftest import edit


def test_items_are_matched_by_their_key_not_their_position():
    old = {"rows": [{"code": "a", "amount": 1}, {"code": "b", "amount": 2}]}
    new = {"rows": [{"code": "b", "amount": 3}, {"code": "c", "amount": 4}]}
    assert list(deep(old, new)) == [
        ("rows[code=a]", "removed", {"code": "a", "amount": 1}, None),
        ("rows[code=b].amount", "changed", 2, 3),
        ("rows[code=c]", "added", None, {"code": "c", "amount": 4}),
    ]


def test_scalar_lists_order_and_types():
    assert list(deep({"l": ["x", "y"]}, {"l": ["y", "z"]})) == [("l[]", "removed", "x", None),
                                                               ("l[]", "added", None, "z")]
    assert list(deep({"l": ["x", "y"]}, {"l": ["y", "x"]})) == [("l", "changed", ["x", "y"], ["y", "x"])]
    assert list(deep({"f": True}, {"f": 1})) == [("f", "changed", True, 1)]
    assert list(deep({"c": Decimal("1.50")}, {"c": Decimal("1.5")})) == []


def test_interpretation_added_and_clause_text_changed(repo, repo_copy):
    from evaluator import api
    p = repo_copy / "interpretations/workforce.yaml"
    text = p.read_text(encoding="utf-8")
    first = text.index("  - id: years_of_service_completed_years")
    second = text.index("  - id: post_columns_are_post_classes")
    p.write_text(text + "\n" + text[first:second].replace("years_of_service_completed_years", "copy_reading", 1),
                 encoding="utf-8")
    edit(repo_copy / "clauses/workforce.yaml", "title_en: \"Basic pay benchmarked on 2000 yuan\"",
         "title_en: \"Basic pay benchmarked on 2000 yuan (retitled)\"")
    found = changes(repo, api.load(repo_copy))
    added = [c for c in found if c.area == "interpretation" and c.what == "added"]
    assert [(c.subject, c.new[:24]) for c in added] == [("copy_reading", "How are years of service")]
    assert not [c for c in found if c.area == "clause"]  # a title is not the clause's words
