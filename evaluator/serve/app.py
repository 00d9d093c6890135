"""`policy serve`: the evaluator over HTTP (FastAPI), with the same contract as the CLI.

POST /evaluate takes a case file as JSON (one case, or {"cases": [...]}) and answers with the list the CLI prints
with --format json: a ruling per case, or {"id", "errors"} for a case that cannot be used, whose messages are the
CLI's, at request:line:col. 200 when every case was ruled on; 422 when some case could not be (the others are
still ruled on and returned); 400 when the body is not a JSON document; 413 beyond 1 MiB or MAX_CASES cases.

Requests are validated by the repository's JSON Schemas (the CLI's own validation code); the same schemas are
embedded in the OpenAPI 3.1 document at /openapi.json. The interactive docs (/docs) load their assets from this
server (fastapi-offline ships them), never from a CDN.
"""
from __future__ import annotations

import datetime as dt
import json
import threading

from fastapi import Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline

from .. import api
from ..cases import files as cases
from ..audit import decision_log
from ..engine import engines
from . import openapi_doc
from ..load.problems import PolicyInputError, Problem
from ..render.text import to_json
from ..load.yaml_strict import load_text

MAX_BODY = 1024 * 1024
MAX_CASES = 1000
REQUEST = "request"  # the "file" name problems of a request body are reported at


class _JSON(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return to_json(content, indent=None).encode("utf-8")


def _problem(message: str, code: str, line: int = 0, col: int = 0) -> dict:
    return Problem(REQUEST, line, col, message, code).as_json()


def _unusable(status: int, problems: list) -> _JSON:
    return _JSON([{"file": REQUEST, "errors": problems}], status_code=status)


class BodyLimit:
    """ASGI middleware: refuse a request body over max_bytes with 413, whether or not Content-Length is sent."""

    def __init__(self, app, max_bytes: int = MAX_BODY):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_big = _unusable(413, [_problem(f"the request body is larger than {self.max_bytes} bytes",
                                           "too_large")])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.max_bytes:
                        return await too_big(scope, receive, send)
                except ValueError:
                    return await _unusable(400, [_problem("bad Content-Length", "bad_request")])(scope, receive,
                                                                                                 send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await too_big(scope, receive, send)


class _TooLarge(Exception):
    pass


def _openapi(app, repo) -> dict:
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    doc["openapi"] = "3.1.0"
    comps = doc.setdefault("components", {}).setdefault("schemas", {})
    comps.update(openapi_doc.components(repo.schema_dir))
    answer = {"$ref": "#/components/schemas/ruling"}  # the CLI's --format json output
    unusable = {"type": "array", "items": {"$ref": "#/components/schemas/ruling.unusable"}}
    ev = doc["paths"]["/evaluate"]["post"]
    ev["parameters"] = [{"name": "as_of", "in": "query", "required": False,
                         "description": "rule every case on this date instead of its own as_of",
                         "schema": {"$ref": "#/components/schemas/common.date"}}]
    ev["requestBody"] = {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/cases"}}}}
    ev["responses"] = {
        "200": {"description": "every case ruled on", "content": {"application/json": {"schema": answer}}},
        "400": {"description": "the body is not a JSON document", "content": {"application/json": {
            "schema": unusable}}},
        "413": {"description": f"body over {MAX_BODY} bytes or more than {MAX_CASES} cases",
                "content": {"application/json": {"schema": unusable}}},
        "422": {"description": "some case could not be used (the others are ruled on)",
                "content": {"application/json": {"schema": answer}}},
    }
    return doc


def create_app(repo, engine: str = "durable", log_path=None, log_key=None):
    """The application for a loaded repository (refused if it has problems: no ruling from a broken repository)."""
    if repo.problems:
        raise PolicyInputError(repo.problems)
    app = FastAPIOffline(title="Yinchuan community policies — evaluator API", version="1",
                         description=__doc__.split("\n\n", 1)[1])
    eng = engines.make(engine)
    lock = threading.Lock()  # the rule engine is not thread-safe (and gains nothing from threads)
    repo_version = decision_log.repository_version(repo.root) if log_path else None

    @app.post("/evaluate", summary="Rule on cases (the CLI's `policy eval --format json`)")
    async def evaluate(request: Request):
        as_of = None
        if "as_of" in request.query_params:
            try:
                as_of = dt.date.fromisoformat(request.query_params["as_of"])
            except ValueError:
                return _unusable(400, [_problem(f"as_of '{request.query_params['as_of']}' is not a real date "
                                                "(YYYY-MM-DD)", "bad_request")])
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _unusable(400, [_problem("the body is not UTF-8 text", "bad_request")])
        try:
            doc = load_text(text, REQUEST)
        except PolicyInputError as exc:
            return _unusable(400, [p.as_json() for p in exc.problems])
        items = doc.data.get("cases") if isinstance(doc.data, dict) else None
        if isinstance(items, list) and len(items) > MAX_CASES:
            return _unusable(413, [_problem(f"{len(items)} cases in one request; at most {MAX_CASES}",
                                            "too_many_cases")])
        try:
            cf = cases.from_document(doc, repo.schema_dir, as_of)
        except PolicyInputError as exc:
            return _unusable(422, [p.as_json() for p in exc.problems])
        with lock:
            out = api.evaluate_cases(repo, cf, eng, api.FileOutcome(REQUEST))
            if log_path is not None:
                entries = [decision_log.entry_for_ruling(r, out.inputs[r["id"]])
                           for r in out.rulings if "results" in r]
                decision_log.append(log_path, entries, repo_version, log_key)
        return _JSON(out.rulings, status_code=422 if out.unusable else 200)

    def _versions(pid=None):
        table = {**repo.policies, **repo.rulesets}
        return [{"id": v.id, "kind": v.kind, "version": v.version, "status": v.status,
                 "effective_from": v.effective_from.isoformat(),
                 "effective_to": v.effective_to.isoformat() if v.effective_to else None,
                 "title": v.data["title"], "file": v.doc.path}
                for i in sorted(table) if pid in (None, i) for v in table[i]]

    def _not_found(what: str, name: str, known) -> _JSON:
        return _JSON({"error": f"no {what} '{name}'", "known": sorted(known)}, status_code=404)

    @app.get("/policies", summary="Every version of every policy and rule set")
    def policies():
        return _JSON({"digest": repo.digest, "versions": _versions()})

    @app.get("/policies/{policy_id}", summary="The versions of one policy or rule set, with their data")
    def policy(policy_id: str):
        table = {**repo.policies, **repo.rulesets}
        if policy_id not in table:
            return _not_found("policy or rule set", policy_id, table)
        return _JSON({"digest": repo.digest, "id": policy_id,
                      "versions": [{**row, "data": v.data} for row, v in zip(_versions(policy_id),
                                                                             table[policy_id])]})

    @app.get("/clauses/{clause_id}", summary="A clause or unit: its verbatim text")
    def clause(clause_id: str):
        c = repo.clauses.get(clause_id)
        if c is None:
            return _not_found("clause", clause_id, [])
        return _JSON({"id": c.id, "text": c.text, "clause": c.clause_id, "title_en": c.title_en})

    @app.get("/interpretations", summary="Every interpretation: question, reading, alternatives, reason")
    def interpretations():
        return _JSON([it for it, _, _ in repo.interpretations.values()])

    @app.get("/schemas/{name}", summary="A JSON Schema of the repository (e.g. cases, ruling)")
    def schema(name: str):
        path = repo.schema_dir / f"{name}.schema.json"
        names = [p.name.removesuffix(".schema.json") for p in repo.schema_dir.glob("*.schema.json")]
        if name not in names:
            return _not_found("schema", name, names)
        return _JSON(json.loads(path.read_text(encoding="utf-8")))

    @app.get("/health", summary="Liveness, and the policy digest served")
    def health():
        return _JSON({"status": "ok", "digest": repo.digest, "engine": eng.name})

    def openapi():
        if app.openapi_schema is None:
            app.openapi_schema = _openapi(app, repo)
        return app.openapi_schema

    app.openapi = openapi
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY)
    return app


def serve(repo, host: str, port: int, engine: str, log_path=None, log_key=None) -> None:
    import uvicorn  # only the server needs it

    uvicorn.run(create_app(repo, engine, log_path, log_key), host=host, port=port, log_level="info")
