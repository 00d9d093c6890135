"""The table form's encoders (render/clause_table.py): each list of quotes worked out once per table and written as
JSON where it stands; the bytes are those of the document built as data and written by to_json / to_json_bytes,
whatever the lists, the texts, the tables before, or what orjson refuses."""
from __future__ import annotations

import copy
import json

import pytest

from evaluator import api
from evaluator.render import clause_table, ruling_format
from evaluator.render.text import nested_json_bytes, to_json, to_json_bytes

from .conftest import ROOT

EXAMPLES = ROOT / "examples" / "workers.yaml"
UNUSABLE = {"id": "x", "index": 9, "line": 3, "errors": []}


@pytest.fixture(scope="module")
def rulings(repo):
    """Every worker example with why_not entries, a case that could not be used, and a copy of the first ruling
    whose level entry (four quotes) has its second quote's text changed: same first and last clause, other text."""
    made = api.evaluate_file(repo, EXAMPLES, "reference", why_not=("all",)).rulings
    other = copy.deepcopy(made[0])
    other["id"] = "other_text"
    [level] = [t for t in other["trace"] if len(t["clauses"]) > 2]
    level["clauses"][1]["text"] += "(另一文本 another text)"
    return made + [UNUSABLE, other]


def _plain(rulings, repo):
    """The document's rulings and table as data, as ruling_format.document makes them."""
    doc = ruling_format.document(rulings, repo, "table")
    return doc["rulings"], doc["clauses"]


@pytest.mark.parametrize("form", ["auto", "inline", "table"])
@pytest.mark.parametrize("n", [1, 2, 9])
def test_the_http_encoders_write_the_document_as_data_written(repo, rulings, form, n):
    some = rulings[:n] + rulings[-2:] if n > 1 else rulings[:n]
    want = to_json_bytes(ruling_format.document(some, repo, form))
    for _ in range(2):  # the second time from the records that tables share
        assert ruling_format.document_bytes(some, repo, form) == want
    chosen = ruling_format.chosen(form, len(some))
    part, clauses = ruling_format.part_bytes(some, repo, chosen)
    if chosen == "inline":
        assert (part, clauses) == (to_json_bytes(some), None)
    else:
        referred, table = _plain(some, repo)
        assert part == to_json_bytes(referred) and clauses == table


def test_the_nested_encoder_writes_each_ruling_as_its_data(repo, rulings):
    table, plain = ruling_format.ClauseTable(repo), ruling_format.ClauseTable(repo)
    for r in rulings + rulings:
        assert ruling_format.nested_bytes(table, r) == nested_json_bytes(plain.refer(r))
    assert json.dumps(table.clauses) == json.dumps(plain.clauses)  # the same entries in the same order


def test_a_list_known_by_its_first_and_last_clause_is_still_compared_whole(repo, rulings):
    """The changed middle quote is kept with its own text, in either order; the table's text is the first one's."""
    other = rulings[-1]
    [level] = [t for t in other["trace"] if len(t["clauses"]) > 2]
    changed = level["clauses"][1]
    for order in ([rulings[0], other], [other, rulings[0]]):
        doc = ruling_format.document(order, repo, "table")
        assert ruling_format.inline(doc) == order
        quotes = [q for r in doc["rulings"] for t in r["trace"] if t["result"] == level["result"]
                  for q in t["clauses"]]
        kept = [q for q in quotes if "text" in q]
        first_is_changed = order[0] is other
        assert len(kept) == 1 and (kept[0]["text"] == changed["text"]) is not first_is_changed
        assert (doc["clauses"][changed["id"]]["text"] == changed["text"]) is first_is_changed


def test_a_block_table_takes_only_rulings_of_own_texts(repo, rulings):
    table = ruling_format.ClauseTable(repo)
    assert table.refer(rulings[0], clause_table.NESTED, own=True) is not None
    entered = dict(table.clauses)
    assert table.refer(rulings[-1], clause_table.NESTED, own=True) is None
    assert table.clauses == entered and table.all_own
    assert table.refer(rulings[0], clause_table.NESTED, own=True) is not None


def test_tables_share_what_they_write_but_hand_out_their_own_data(repo, rulings, monkeypatch):
    monkeypatch.setattr(clause_table, "_SHARED", {})  # the first table makes the records the others take
    first = ruling_format.document(rulings[:2], repo, "table")
    second = ruling_format.document(rulings[:2], repo, "table")
    assert first == second
    q = first["rulings"][0]["trace"][0]["clauses"][0]
    q["id"] = "changed"
    first["clauses"][next(iter(first["clauses"]))]["text"] = "changed"
    third = ruling_format.document(rulings[:2], repo, "table")
    assert third == second and "changed" not in to_json(third)


def test_what_orjson_refuses_is_written_as_json_dumps_writes_it(repo, rulings):
    """A whole number over 64 bits: orjson refuses the ruling, and the encoders write it as before (json.dumps)."""
    big = copy.deepcopy(rulings[0])
    big["trace"][0]["inputs"]["big"] = 2 ** 70
    some = [big, rulings[1]]
    assert ruling_format.document_bytes(some, repo) == to_json_bytes(ruling_format.document(some, repo))
    assert b"1180591620717411303424" in ruling_format.document_bytes(some, repo)
    part, clauses = ruling_format.part_bytes(some, repo, "table")
    referred, table = _plain(some, repo)
    assert part == to_json_bytes(referred) and clauses == table
    table, plain = ruling_format.ClauseTable(repo), ruling_format.ClauseTable(repo)
    assert ruling_format.nested_bytes(table, big) == nested_json_bytes(plain.refer(big))


def test_written_quotes_stand_where_the_document_writes_them():
    quotes = [{"id": "a"}, {"id": "b", "text": "中\n"}]
    nested, compact = clause_table.written(quotes)
    assert nested_json_bytes({"t": [{"clauses": nested}]}) == nested_json_bytes({"t": [{"clauses": quotes}]})
    assert to_json_bytes({"clauses": compact}) == to_json_bytes({"clauses": quotes})
    assert clause_table.written([{"id": "x", "text": 2 ** 70}]) == ([{"id": "x", "text": 2 ** 70}],) * 2
