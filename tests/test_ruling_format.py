"""The rulings document (schema version 2): the inline and the table form say the same thing, both are valid
against schemas/ruling.schema.json, the table quotes each clause once, the streamed text is the document's, and
the CLI and the HTTP API choose the form the same way."""
from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from evaluator import api
from evaluator.load.validation import validator
from evaluator.render import ruling_format
from evaluator.render.text import to_json

from .conftest import ROOT, run_policy, rulings_of

EXAMPLES = ROOT / "examples" / "workers.yaml"
UNUSABLE = {"id": "x", "index": 9, "line": 3, "errors": [{"path": "f", "line": 3, "col": 1, "code": "schema",
                                                          "message": "m"}]}


@pytest.fixture(scope="module")
def rulings(repo):
    """Every worker example, with why_not entries (they quote clauses too), and a case that could not be used."""
    return api.evaluate_file(repo, EXAMPLES, "reference", why_not=("all",)).rulings + [UNUSABLE]


@pytest.fixture(scope="module")
def schema(repo):
    return validator(str(repo.schema_dir), "ruling")


def _doc(rulings, repo, form):
    return json.loads(to_json(ruling_format.document(rulings, repo, form)))


@pytest.mark.parametrize("form", ["inline", "table", "auto"])
@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_the_streamed_document_is_the_document_written_at_once(repo, rulings, form, n):
    buf = io.StringIO()
    w = ruling_format.RulingsWriter(buf, repo, form)
    for r in rulings[:n]:
        w.write(r)
    w.close()
    assert buf.getvalue() == to_json(ruling_format.document(rulings[:n], repo, form)) + "\n"


@pytest.mark.parametrize("form", ["inline", "table"])
@pytest.mark.parametrize("n", [1, 7])
def test_both_forms_are_valid_and_say_the_same(repo, rulings, schema, form, n):
    doc = _doc(rulings[:n], repo, form)
    assert doc["format"] == ruling_format.FORMAT and doc["schema_version"] == 2 and doc["form"] == form
    assert list(schema.iter_errors(doc)) == []
    assert ruling_format.inline(doc) == json.loads(to_json(rulings[:n]))


def test_auto_is_inline_for_one_ruling_and_a_table_for_several(repo, rulings):
    assert _doc(rulings[:1], repo, "auto")["form"] == "inline"
    assert _doc(rulings[:2], repo, "auto")["form"] == "table"
    assert _doc([], repo, "auto")["form"] == "inline"
    with pytest.raises(ValueError):
        ruling_format.document(rulings, repo, "compact")


def test_the_table_quotes_each_clause_once_and_says_where_it_stands(repo, rulings):
    doc = _doc(rulings, repo, "table")
    quoted = [q for r in doc["rulings"] for part in ("trace", "why_not") for e in r.get(part, [])
              for q in e["clauses"]]
    assert quoted and all(set(q) == {"id"} for q in quoted)
    assert set(doc["clauses"]) == {q["id"] for q in quoted}
    for cid, entry in doc["clauses"].items():
        cite = repo.cite(cid)
        assert entry["text"] == cite.text and entry["clause"] == cite.clause_id
        assert cid.startswith(entry["document"] + ".")
    cap = doc["clauses"]["workforce.6.17.cap"]
    assert cap["clause"] == "workforce.6.17" and cap["document"] == "workforce" and cap["heading"]
    plain = _doc([{k: v for k, v in r.items() if k != "why_not"} for r in rulings], repo, "table")
    text = to_json(plain)  # (a why_not entry's title may be a unit's words: it is the rule's title, not a quote)
    for entry in plain["clauses"].values():
        assert text.count(json.dumps(entry["text"], ensure_ascii=False)) == 1


def test_a_quote_whose_text_differs_from_the_table_keeps_its_own(repo, rulings):
    """Never the case today (a clause id has one text), but the table form must not lose a text if it happens."""
    first = json.loads(to_json(rulings[0]))
    second = {**json.loads(to_json(rulings[0])), "id": "second"}
    q = second["trace"][0]["clauses"][0]
    q["text"] = q["text"] + "(另一文本 another text)"
    doc = _doc([first, second], repo, "table")
    assert ruling_format.inline(doc) == [first, second]
    assert doc["rulings"][1]["trace"][0]["clauses"][0]["text"].endswith("another text)")
    assert "text" not in doc["rulings"][0]["trace"][0]["clauses"][0]


def test_the_schema_refuses_a_form_that_does_not_hold(repo, rulings, schema):
    table = _doc(rulings, repo, "table")
    assert list(schema.iter_errors({**table, "form": "inline"}))  # quotes without text in the inline form
    assert list(schema.iter_errors({k: v for k, v in table.items() if k != "clauses"}))
    inline = _doc(rulings, repo, "inline")
    assert list(schema.iter_errors({**inline, "clauses": {}}))
    assert list(schema.iter_errors({**inline, "schema_version": 1}))
    assert list(schema.iter_errors(inline["rulings"]))  # the version 1 array is not a version 2 document
    assert not list(validator(str(repo.schema_dir), "ruling", "/$defs/inline_rulings").iter_errors(inline["rulings"]))


def test_the_table_is_smaller_where_rulings_share_their_clauses(repo):
    cases = {"cases": [{"id": f"w{i}", "kind": "worker", "as_of": "2024-07-01",
                        "facts": {"post": "deputy", "years_of_service": i % 30, "education": "bachelor"}}
                       for i in range(40)]}
    rs = api.evaluate_data(repo, cases, "reference").rulings
    inline, table = (len(to_json(ruling_format.document(rs, repo, f)).encode()) for f in ("inline", "table"))
    assert table < inline * 0.8


def test_policy_eval_chooses_the_form(repo, schema):
    code, out, _ = run_policy("eval", EXAMPLES, "--format", "json")
    assert code == 0 and json.loads(out)["form"] == "table"
    code, inline, _ = run_policy("eval", EXAMPLES, "--format", "json", "--clauses", "inline")
    assert code == 0 and json.loads(inline)["form"] == "inline"
    assert rulings_of(out) == rulings_of(inline) and not list(schema.iter_errors(json.loads(out)))
    with pytest.raises(SystemExit) as exc:
        run_policy("eval", EXAMPLES, "--format", "json", "--clauses", "compact")
    assert exc.value.code == 2


def test_the_http_answer_chooses_the_form_the_same_way(repo, schema):
    from evaluator.serve import app as server
    client = TestClient(server.create_app(repo, "reference"), base_url="http://127.0.0.1:8350")
    case = {"kind": "worker", "as_of": "2024-07-01", "facts": {"post": "deputy", "years_of_service": 5}}
    one = client.post("/evaluate", json={**case, "id": "one"}).json()
    several = {"cases": [{**case, "id": f"c{i}"} for i in range(3)]}
    table = client.post("/evaluate", json=several).json()
    inline = client.post("/evaluate?clauses=inline", json=several).json()
    assert (one["form"], table["form"], inline["form"]) == ("inline", "table", "inline")
    assert client.post("/evaluate?clauses=table", json={**case, "id": "one"}).json()["form"] == "table"
    for doc in (one, table, inline):
        assert list(schema.iter_errors(doc)) == []
    assert rulings_of(table) == inline["rulings"]
    cli = api.evaluate_data(repo, several, "reference").rulings
    assert inline["rulings"] == json.loads(to_json(cli))
    r = client.post("/evaluate?clauses=compact", json=several)
    assert r.status_code == 400 and "clauses 'compact'" in r.json()["detail"]
