"""The HTTP API, through FastAPI's test client: the CLI's contract, its messages, bounds, offline docs, the log."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from evaluator.audit import decision_log
from evaluator.serve import app as server

from .conftest import ROOT, run_policy, rulings_of

EXAMPLES = ROOT / "examples" / "workers.yaml"


BASE = "http://127.0.0.1:8350"  # the default bound address: Host and Origin are checked against it
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(repo):
    return TestClient(server.create_app(repo, "reference"), base_url=BASE, headers=JSON)


@pytest.fixture(scope="module")
def example_json():
    code, out, _ = run_policy("eval", EXAMPLES, "--format", "json", "--engine", "reference")
    assert code == 0
    return rulings_of(out)


def _as_request() -> dict:
    """The example cases as a JSON request (from the YAML file, via the strict loader's values)."""
    from evaluator.render.text import to_json
    from evaluator.load.yaml_strict import load_file
    return json.loads(to_json(load_file(EXAMPLES).data))


def test_evaluate_gives_what_the_cli_gives(client, example_json):
    r = client.post("/evaluate", content=json.dumps(_as_request()))
    assert r.status_code == 200
    assert rulings_of(r.json()) == example_json


def test_single_case_and_as_of(client):
    case = {"id": "one", "kind": "worker", "as_of": "2024-01-01", "facts": {"post": "grid_worker",
                                                                            "years_of_service": 2}}
    r = client.post("/evaluate", json=case)
    assert r.status_code == 200 and rulings_of(r.json())[0]["results"]["salary.base_pay"] == 2300
    r = client.post("/evaluate?as_of=2018-06-01", json=case)
    assert r.status_code == 422 and "no version of 'workforce.salary_table' is in force" in \
        rulings_of(r.json())[0]["errors"][0]["message"]
    r = client.post("/evaluate?as_of=2024-02-30", json=case)
    assert r.status_code == 400 and "not a real date" in r.json()["errors"][0]["message"]


def test_bad_case_gets_the_cli_message_and_the_others_are_ruled(client, tmp_path):
    body = ('{"cases": [\n'
            '  {"id": "good", "kind": "worker", "as_of": "2024-01-01", "facts": {"post": "deputy", '
            '"years_of_service": 5}},\n'
            '  {"id": "bad", "kind": "worker", "as_of": "2024-01-01", "facts": {"post": "principl", '
            '"years_of_service": 5}}\n]}')
    r = client.post("/evaluate", content=body)
    assert r.status_code == 422
    good, bad = rulings_of(r.json())
    assert good["results"]["salary.base_pay"] == 2700
    [err] = bad["errors"]
    (tmp_path / "request").write_text(body, encoding="utf-8")
    code, _, cli_err = run_policy("eval", tmp_path / "request")
    assert code == 2
    assert f"request:{err['line']}:{err['col']}: schema: [case bad] {err['message']}" in cli_err.replace(
        str(tmp_path / "request"), "request")
    assert "did you mean 'principal'" in err["message"]


def test_not_json_and_empty(client):
    r = client.post("/evaluate", content="{\"cases\": [")
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "yaml_syntax"
    r = client.post("/evaluate", content=b"\xff\xfe")
    assert r.status_code == 400
    r = client.post("/evaluate", content="")
    assert r.status_code == 400 and "empty" in r.json()["errors"][0]["message"]


def test_bounds(client):
    r = client.post("/evaluate", content=b" " * (server.MAX_BODY + 1))
    assert r.status_code == 413 and r.json()["type"] == "urn:yinchuan-policy:problem:too_large"

    def chunks():  # no Content-Length: the limit still holds
        for _ in range(server.MAX_BODY // 65536 + 2):
            yield b" " * 65536
    r = client.post("/evaluate", content=chunks())
    assert r.status_code == 413
    case = {"id": "c", "kind": "worker", "as_of": "2024-01-01", "facts": {"post": "deputy", "years_of_service": 1}}
    many = [{**case, "id": f"c{i}"} for i in range(server.MAX_CASES + 1)]
    r = client.post("/evaluate", json={"cases": many})
    assert r.status_code == 413 and r.json()["errors"][0]["code"] == "too_many_cases"


def test_read_endpoints(client, repo):
    assert client.get("/health").json() == {"status": "ok", "digest": repo.digest, "engine": "reference",
                                         "workers": 0, "waiting": 0}
    versions = client.get("/policies").json()["versions"]
    assert {v["id"] for v in versions} >= {"workforce.salary_table", "workforce.exit_grounds"}
    one = client.get("/policies/workforce.salary_table").json()
    assert one["versions"][0]["data"]["data"]["benchmark_pay"] == 2000
    assert client.get("/policies/workforce.nope").status_code == 404
    c = client.get("/clauses/workforce.6.16.benchmark").json()
    assert "2000元为基准" in c["text"]
    assert client.get("/clauses/nope").status_code == 404
    assert len(client.get("/interpretations").json()) == len(repo.interpretations)
    assert client.get("/schemas/ruling").json()["$id"] == "urn:yinchuan-policy:schema:ruling"
    assert client.get("/schemas/..%2Fpyproject").status_code == 404


def test_openapi_embeds_the_repository_schemas(client, repo):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    comps = doc["components"]["schemas"]
    cases = json.loads((repo.schema_dir / "cases.schema.json").read_text(encoding="utf-8"))
    assert comps["cases.worker_facts"]["properties"]["post"]["enum"] == \
        cases["$defs"]["worker_facts"]["properties"]["post"]["enum"]
    assert doc["paths"]["/evaluate"]["post"]["requestBody"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/cases"}
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(doc)
    for ref in refs:  # every reference resolves inside the document
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.split("/")[3] in comps, ref


def test_docs_work_offline(client):
    page = client.get("/docs").text
    assert "cdn" not in page.lower() and "https://" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        url = f"/static-offline-docs/{asset}"
        assert url in page
        r = client.get(url)
        assert r.status_code == 200 and len(r.content) > 10_000


def test_server_logs_its_rulings(repo, tmp_path):
    db = tmp_path / "d.db"
    c = TestClient(server.create_app(repo, "reference", log_path=db), base_url=BASE)
    case = {"id": "x", "kind": "worker", "as_of": "2024-01-01", "facts": {"post": "deputy", "years_of_service": 1}}
    for _ in range(3):
        assert c.post("/evaluate", json={"cases": [case, {**case, "id": "y"}]}).status_code == 200
    check = decision_log.verify(db)
    assert (check.records, check.broken) == (6, None)


def test_serve_refuses_a_repository_with_problems(repo_copy):
    from evaluator import api
    from evaluator.load.problems import PolicyInputError
    (repo_copy / "policies/workforce.salary_table/2019-01-01.yaml").write_text("id: [\n", encoding="utf-8")
    with pytest.raises(PolicyInputError):
        server.create_app(api.load(repo_copy))


def test_control_characters_are_a_bad_request_not_a_crash(client, tmp_path):
    # Found by schemathesis: a body of one NUL byte made the YAML reader raise before parsing.
    r = client.post("/evaluate", content=b'{"id":\n "a\x00"}')
    assert r.status_code == 400
    [err] = r.json()["errors"]
    assert (err["line"], err["col"]) == (2, 4) and "#x0000 is not allowed" in err["message"]
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"cases: []\x00\n")
    code, _, stderr = run_policy("eval", path)
    assert code == 2 and f"{path}:1:10: yaml_syntax:" in stderr


def test_surrogate_escapes(client):
    # Found by schemathesis: "\ud800\udc00" (a JSON surrogate pair) reached the answer as two lone halves -> 500.
    case = '{"id": "a\\ud83d\\ude00", "kind": "worker", "as_of": "2024-01-01", "facts": {"post": "deputy", ' \
           '"years_of_service": 1}}'
    r = client.post("/evaluate", content=case)
    assert r.status_code == 422 and "\U0001F600" in rulings_of(r.json())[0]["id"]  # one character, refused by the id pattern
    r = client.post("/evaluate", content=case.replace("\\ude00", ""))
    assert r.status_code == 400 and "unpaired" in r.json()["errors"][0]["message"]


def test_embedded_case_schema_accepts_exactly_what_the_repository_schema_accepts(client, repo):
    """The OpenAPI copy states the per-kind facts as oneOf instead of an if/then chain (for request generators);
    on every case of the repository, and on each with its kind swapped, both give the same verdict."""
    from jsonschema import Draft202012Validator

    from evaluator import api
    from evaluator.render.text import to_json
    from evaluator.load.validation import validator
    from evaluator.load.yaml_strict import load_file
    doc = client.get("/openapi.json").json()
    embedded = Draft202012Validator({"$ref": "#/components/schemas/cases.case", "components": doc["components"]})
    original = validator(str(repo.schema_dir), "cases", "/$defs/case")
    kinds = json.loads((repo.schema_dir / "cases.schema.json").read_text())[
        "$defs"]["case"]["properties"]["kind"]["enum"]
    checked = 0
    for path in api.case_files_of(repo):
        data = json.loads(to_json(load_file(path).data))
        for case in data["cases"] if isinstance(data, dict) and "cases" in data else [data]:
            for kind in [case.get("kind")] + [k for k in kinds if k != case.get("kind")][:2]:
                variant = {**case, "kind": kind}
                assert embedded.is_valid(variant) == original.is_valid(variant), (path, case.get("id"), kind)
                checked += 1
    assert checked > 300


def test_workers_default_to_one_per_core(monkeypatch):
    import argparse

    from evaluator.cli import serve as cli_serve
    from evaluator.cli.main import build_parser
    from evaluator.ruling import pool

    args = build_parser().parse_args(["serve"])
    assert args.workers is cli_serve.AUTO
    for cores, started in ((1, 1), (2, 2), (64, pool.AUTO_MAX_JOBS)):
        monkeypatch.setattr(pool, "cores", lambda cores=cores: cores)
        assert cli_serve.workers_for(args.workers) == started
    monkeypatch.setattr(pool, "cores", lambda: 2)
    assert [cli_serve.workers_for(cli_serve.workers_arg(t)) for t in ("0", "1", "8")] == [0, 1, 8]
    for bad in ("9", "-1", "two", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            cli_serve.workers_arg(bad)
