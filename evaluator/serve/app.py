"""`policy serve`: the evaluator over HTTP (FastAPI), with the same contract as the CLI.

POST /evaluate takes a case file as JSON (one case, or {"cases": [...]}) and answers with the rulings document the
CLI prints with --format json (?clauses=inline|table chooses its form, as --clauses does): a ruling per case, or {"id", "errors"} for a case that cannot be used, whose messages are the
CLI's, at request:line:col. 200 when every case was ruled on; 422 when some case could not be (the others are
still ruled on and returned), e.g. a case dated before any version of a policy it needs was in force. Every other
error is an RFC 9457 problem document (application/problem+json): 400 not a JSON document, 403 a foreign Host or
Origin, 404, 408 a body that did not arrive in time, 413 too large, too deep or too much work, 415 not
application/json, 503 busy or the decision log unavailable.

Requests are validated by the repository's JSON Schemas (the CLI's own validation code); the same schemas are
embedded in the OpenAPI 3.1 document at /openapi.json. The interactive docs (/docs) load their assets from this
server (fastapi-offline ships them), never from a CDN. The limits are in limits.py and docs/security.md.
"""
from __future__ import annotations

import asyncio
import concurrent.futures as cf
import json
import multiprocessing
import threading
from http import HTTPStatus

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from ..audit import decision_log
from ..load.problems import PolicyInputError
from ..render import ruling_format
from ..render.text import to_json
from . import answers, guard, limits, openapi_doc, problems, rulings

MAX_BODY, MAX_CASES = limits.MAX_BODY, limits.MAX_CASES


class _JSON(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return to_json(content, indent=None).encode("utf-8")


class Pool:
    """Where rulings run: worker processes (forked: the repository is inherited) or, with workers=0, one thread of
    this process (the rule engine is not thread-safe). A pool whose process died is replaced."""

    def __init__(self, repo, engine: str, log_path, log_key, workers: int):
        self.workers, self.args = workers, (repo, engine, log_path, log_key)
        self.capacity = max(workers, 1) * limits.QUEUE_PER_WORKER
        self.pending, self.running, self.lock = 0, 0, threading.Lock()
        self.ruler = rulings.Ruler(*self.args) if workers == 0 else None
        self.slots = None  # the shared memory the workers' answers come back through (answers.py), per pool
        self.executor = self.make()

    def make(self):
        if self.workers == 0:
            return cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ruling")
        self.slots = answers.Slots(self.workers)
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"),
                                      initializer=rulings.start_worker, initargs=(*self.args, self.slots))

    def warm(self) -> None:
        """Start every worker now (before the server's threads exist), each with its repository loaded."""
        if self.workers:
            list(self.executor.map(_pause, [0.1] * self.workers))

    def submit(self, raw: bytes, as_of, form=None, part=None):
        if self.ruler is not None:
            return self.executor.submit(self.ruler.rule, raw, as_of, form, part)
        try:
            future = self.executor.submit(rulings.rule_in_worker, raw, as_of, form, part)
        except cf.process.BrokenProcessPool:
            self.executor = self.make()
            future = self.executor.submit(rulings.rule_in_worker, raw, as_of, form, part)
        with self.lock:
            self.running += 1
        future.add_done_callback(self.done)
        return taken(future, self.slots)

    def done(self, _future) -> None:
        with self.lock:
            self.running -= 1

    def parts(self, raw: bytes, form) -> tuple[list, str] | None:
        """How to share a request among the idle workers: [(start, stop, first)] and the form of the answer, or
        None to rule it in one piece (one worker or none idle, a decision log to write in one piece, or fewer
        than limits.MIN_PART_CASES cases a part). The cases are counted by orjson on the event loop; each part
        reads the whole body (its problems are where the client wrote them) and checks the cases of its slice
        (rulings.part_of)."""
        with self.lock:
            idle = self.workers - self.running
        if idle < 2 or self.args[2] is not None or form not in (None, "auto", "inline", "table"):
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        items = data.get("cases") if isinstance(data, dict) else None
        n = min(idle, len(items) // limits.MIN_PART_CASES) if isinstance(items, list) else 0
        if n < 2:
            return None
        size = -(-len(items) // n)
        bounds = [(k * size, (k + 1) * size if k < n - 1 else None, k == 0) for k in range(n)]
        return bounds, ruling_format.chosen(form or "auto", len(items))

    async def rule(self, raw: bytes, as_of, form) -> tuple[int, str, bytes]:
        """The answer to a request, ruled in one piece or in parts on the idle workers (then joined here)."""
        split = self.parts(raw, form) if self.workers else None
        if split is None:
            return await asyncio.wrap_future(self.submit(raw, as_of, form))
        bounds, form = split
        answers = await asyncio.gather(*(asyncio.wrap_future(self.submit(raw, as_of, form, b)) for b in bounds))
        for status, media, body in answers:
            if media != rulings.PART:
                return status, media, body  # a problem of the whole body: every part says the same
        body = ruling_format.joined(form, [body for _, _, body in answers])
        if body is None:
            return await asyncio.wrap_future(self.submit(raw, as_of, form))
        return max(status for status, _, _ in answers), rulings.JSON, body

    def shutdown(self) -> None:
        """Stop the workers (each finishes the request it is ruling) and wait for them."""
        self.executor.shutdown(wait=True, cancel_futures=True)


def taken(future: cf.Future, slots: answers.Slots) -> cf.Future:
    """The worker's answer with its body as bytes: taken out of the shared memory as soon as the worker's future is
    done, on the pool's thread, even when nothing waits for it any more (its buffer is freed all the same).
    Cancelling it cancels the worker's future (a request not yet started is not ruled)."""
    out: cf.Future = cf.Future()

    def done(f: cf.Future) -> None:
        if f.cancelled():
            out.cancel()
            return
        try:
            if f.exception() is not None:
                out.set_exception(f.exception())
            else:
                status, media, body = f.result()
                out.set_result((status, media, slots.take(body)))
        except cf.InvalidStateError:  # the request stopped waiting (timed out): the answer is let go
            pass
    future.add_done_callback(done)
    out.add_done_callback(lambda o: future.cancel() if o.cancelled() else None)
    return out


def _pause(seconds: float) -> bool:
    import time
    time.sleep(seconds)
    return rulings.ready()


def _openapi(app, repo) -> dict:
    from fastapi.openapi.utils import get_openapi
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    doc["openapi"] = "3.1.0"
    comps = doc.setdefault("components", {}).setdefault("schemas", {})
    comps.update(openapi_doc.components(repo.schema_dir))
    comps["problem"] = problems.schema()
    answer = {"$ref": "#/components/schemas/ruling"}  # the CLI's --format json output

    def problem(description: str) -> dict:
        return {"description": description, "content": {problems.MEDIA: {"schema": {
            "$ref": "#/components/schemas/problem"}}}}
    ev = doc["paths"]["/evaluate"]["post"]
    ev["parameters"] = [{"name": "as_of", "in": "query", "required": False,
                         "description": "rule every case on this date instead of its own as_of",
                         "schema": {"$ref": "#/components/schemas/common.date"}},
                        {"name": "clauses", "in": "query", "required": False,
                         "description": "where the clause texts the rulings quote are written: `inline` in every "
                                        "trace entry, or `table` (each once, in the answer's `clauses`); `auto` "
                                        "(default): inline for one ruling, a table for several",
                         "schema": {"enum": ["auto", "inline", "table"], "default": "auto"}}]
    ev["requestBody"] = {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/cases"}}}}
    ev["responses"] = {
        "200": {"description": "every case ruled on", "content": {"application/json": {"schema": answer}}},
        "400": problem("the body is not a JSON document, as_of is not a date or clauses not a form"),
        "408": problem(f"the body did not arrive within {limits.BODY_TIMEOUT_S} s"),
        "413": problem(f"body over {limits.MAX_BODY} bytes, nested deeper than {limits.MAX_DEPTH}, more than "
                       f"{limits.MAX_CASES} cases or more than {limits.MAX_WORK} cases and roster workers"),
        "415": problem("the body is not sent as application/json"),
        "422": {"description": "some case could not be used, the others are ruled on: a case the schema refuses, "
                               "or a valid case the evaluator cannot rule on, such as one dated when no version of "
                               "a policy it needs was in force (e.g. as_of 2000-01-01); its entry has the errors. "
                               "A body whose cases cannot be read at all is a problem document.",
                "content": {"application/json": {"schema": answer},
                            problems.MEDIA: {"schema": {"$ref": "#/components/schemas/problem"}}}},
        "503": problem("busy (try again after Retry-After), the ruling took too long, or the decision log "
                       "cannot be written"),
    }
    for path, what in (("/policies/{policy_id}", "no such policy or rule set"), ("/clauses/{clause_id}",
                       "no such clause or unit"), ("/schemas/{name}", "no such schema")):
        doc["paths"][path]["get"]["responses"]["404"] = problem(what)
    for ops in doc["paths"].values():
        for op in ops.values():
            if op is not ev:
                op["responses"].pop("422", None)  # FastAPI's own validation answer: the routes take strings
            op["responses"]["403"] = problem("the Host or Origin is not this server's")
            op["responses"][str(HTTPStatus.INTERNAL_SERVER_ERROR.value)] = problem(
                "a bug in the evaluator (no stack trace is sent)")
    return doc


def create_app(repo, engine: str = "durable", log_path=None, log_key=None, *, workers: int = 0,
               host: str = "127.0.0.1", port: int = 8350, allow_hosts=()):
    """The application for a loaded repository (refused if it has problems: no ruling from a broken repository).
    Host and Origin must name host:port (or a loopback name when host is loopback, or one of allow_hosts)."""
    if repo.problems:
        raise PolicyInputError(repo.problems)
    app = FastAPIOffline(title="Yinchuan community policies — evaluator API", version="1",
                         description=__doc__.split("\n\n", 1)[1])
    pool = Pool(repo, engine, log_path, log_key, workers)
    app.state.pool = pool

    @app.post("/evaluate", summary="Rule on cases (the CLI's `policy eval --format json`)")
    async def evaluate(request: Request):
        raw = await request.body()
        with pool.lock:
            if pool.pending >= pool.capacity:
                return problems.response(503, "busy", f"{pool.pending} requests are waiting for a worker",
                                         headers={"Retry-After": "1"})
            pool.pending += 1
        try:
            answer = pool.rule(raw, request.query_params.get("as_of"), request.query_params.get("clauses"))
            status, media, body = await asyncio.wait_for(answer, limits.RULING_TIMEOUT_S)
        except TimeoutError:
            return problems.response(503, "ruling_timeout", f"the ruling took longer than "
                                     f"{limits.RULING_TIMEOUT_S} s", headers={"Retry-After": "1"})
        except cf.process.BrokenProcessPool:
            return problems.response(503, "worker_lost", "the worker ruling the request stopped; try again",
                                     headers={"Retry-After": "1"})
        finally:
            with pool.lock:
                pool.pending -= 1
        return Response(body, status_code=status, media_type=media)

    def _versions(pid=None):
        table = {**repo.policies, **repo.rulesets}
        return [{"id": v.id, "kind": v.kind, "version": v.version, "status": v.status,
                 "effective_from": v.effective_from.isoformat(),
                 "effective_to": v.effective_to.isoformat() if v.effective_to else None,
                 "title": v.data["title"], "file": v.doc.path}
                for i in sorted(table) if pid in (None, i) for v in table[i]]

    def _not_found(what: str, name: str, known) -> Response:
        return problems.response(404, "not_found", f"no {what} '{name[:200]}'", known=sorted(known))

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
    async def health():  # on the event loop: it answers while every worker is busy
        return _JSON({"status": "ok", "digest": repo.digest, "engine": engine, "workers": workers,
                      "waiting": pool.pending})

    @app.exception_handler(HTTPException)
    async def http_problem(request, exc):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problems.response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc):
        return problems.response(400, "bad_request", "the request's parameters are not valid")

    @app.exception_handler(Exception)
    async def internal(request, exc):
        return problems.response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error",
                                 "internal error (a bug in the evaluator; the server's log has the details)")

    def openapi():
        if app.openapi_schema is None:
            app.openapi_schema = _openapi(app, repo)
        return app.openapi_schema

    app.openapi = openapi
    app.add_middleware(guard.Guard, hosts=guard.allowed_hosts(host, port, allow_hosts), max_bytes=limits.MAX_BODY,
                       body_timeout=limits.BODY_TIMEOUT_S)
    return app


def serve(repo, host: str, port: int, engine: str, log_path=None, log_key=None, workers: int = 1,
          allow_hosts=()) -> None:
    import uvicorn  # only the server needs it

    from ..ruling import collector
    from . import transport
    if log_path is not None:
        decision_log.check_writable(log_path)  # a log that cannot be written is refused before serving
    app = create_app(repo, engine, log_path, log_key, workers=workers, host=host, port=port,
                     allow_hosts=allow_hosts)
    app.state.pool.warm()
    collector.settle()  # the repository and the application, kept for the server's life
    config = uvicorn.Config(app, host=host, port=port, log_level="info", http=transport.GuardedH11,
                            timeout_keep_alive=limits.IDLE_TIMEOUT_S, limit_concurrency=limits.MAX_ACTIVE,
                            h11_max_incomplete_event_size=limits.MAX_HEADER_BYTES)
    transport.limit_logs()  # after the Config: it configures uvicorn's loggers
    try:
        uvicorn.Server(config).run()
    finally:
        app.state.pool.shutdown()
