"""The HTTP server against hostile and careless clients (issue 13, failure 7): who may post, what may be posted,
bodies and connections that stall, requests that would hold a worker, errors as problem documents, OpenAPI complete.
The last tests run the real server (uvicorn, a worker process) in a subprocess with its timeouts shortened."""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import threading
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from evaluator.audit import decision_log
from evaluator.serve import app as server, limits

from .conftest import live_server, post_evaluate, rulings_of

BASE = "http://127.0.0.1:8350"
CASE = {"id": "c", "kind": "worker", "as_of": "2024-01-01", "facts": {"post": "deputy", "years_of_service": 1}}


@pytest.fixture(scope="module")
def client(repo):
    return TestClient(server.create_app(repo, "reference"), base_url=BASE)


def _is_problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    doc = r.json()
    assert doc["type"] == f"urn:yinchuan-policy:problem:{code}" and doc["status"] == status
    assert "Traceback" not in r.text and 'File "' not in r.text
    return doc


def test_cross_site_posts_are_refused_and_never_logged(repo, tmp_path):
    db = tmp_path / "d.db"
    c = TestClient(server.create_app(repo, "reference", log_path=db), base_url=BASE)
    evil = {"origin": "https://evil.example"}
    body = json.dumps(CASE)
    # the "simple" requests a foreign page can send without a preflight: text/plain and a form
    _is_problem(c.post("/evaluate", content=body, headers={**evil, "content-type": "text/plain"}), 403,
                "foreign_origin")
    _is_problem(c.post("/evaluate", content="a=1", headers={**evil, "content-type":
                                                            "application/x-www-form-urlencoded"}), 403,
                "foreign_origin")
    _is_problem(c.post("/evaluate", content=body, headers={**evil, "content-type": "application/json"}), 403,
                "foreign_origin")
    # DNS rebinding: a foreign name resolving to 127.0.0.1 carries its own Host
    _is_problem(c.post("/evaluate", content=body, headers={"host": "evil.example:8350",
                                                           "content-type": "application/json"}), 403,
                "foreign_host")
    assert not db.exists() or decision_log.verify(db).records == 0
    # the server's own page (same origin) and programs without Origin are served, and logged
    r = c.post("/evaluate", content=body, headers={"origin": BASE, "content-type": "application/json"})
    assert r.status_code == 200 and rulings_of(r.json())[0]["decision_id"] == decision_log.listing(db)[0]["decision_id"]
    assert c.get("/health", headers={"host": "localhost:8350"}).status_code == 200


def test_only_json_bodies(client):
    body = json.dumps(CASE)
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                  "application/json; charset=latin-1", None):
        headers = {"content-type": ctype} if ctype else {}
        doc = _is_problem(client.post("/evaluate", content=body, headers=headers), 415, "not_json")
        assert "application/json" in doc["detail"]
    for ctype in ("application/json", "application/json; charset=utf-8", "application/problem+json"):
        assert client.post("/evaluate", content=body, headers={"content-type": ctype}).status_code == 200


def test_errors_are_problem_documents(client):
    _is_problem(client.get("/no/such/route"), 404, "not_found")
    _is_problem(client.get("/evaluate"), 405, "method_not_allowed")
    doc = _is_problem(client.get("/clauses/nope"), 404, "not_found")
    assert "nope" in doc["detail"]
    _is_problem(client.post("/evaluate", content="{", headers={"content-type": "application/json"}), 400,
                "bad_request")


def test_deep_nesting_and_too_much_work_are_refused(client):
    deep = "[" * 30_000 + "]" * 30_000
    _is_problem(client.post("/evaluate", content=deep, headers={"content-type": "application/json"}), 413,
                "too_deep")
    workers = [{"id": f"w{i}", "post": "grid_worker", "years_of_service": 1} for i in range(limits.MAX_WORK + 1)]
    roster = {"id": "r", "kind": "roster", "as_of": "2024-01-01", "facts": {"workers": workers}}
    doc = _is_problem(client.post("/evaluate", json=roster), 413, "too_much_work")
    assert str(limits.MAX_WORK) in doc["detail"]
    assert client.get("/health").status_code == 200


def test_openapi_declares_every_answer(client):
    doc = client.get("/openapi.json").json()
    for path in ("/policies/{policy_id}", "/clauses/{clause_id}", "/schemas/{name}"):
        assert doc["paths"][path]["get"]["responses"]["404"]["content"]["application/problem+json"]
    declared = doc["paths"]["/evaluate"]["post"]["responses"]
    assert {"200", "400", "403", "408", "413", "415", "422", "500", "503"} <= set(declared)


def test_a_schema_valid_case_before_any_policy_is_answered_as_declared(client):
    """as_of 2000-01-01 passes the case schema; the answer is the declared 422: the ruling list with the case as an
    entry whose errors say no version was in force, valid against the schema the document gives for 422."""
    from jsonschema import Draft202012Validator
    doc = client.get("/openapi.json").json()
    r = client.post("/evaluate", json={**CASE, "as_of": "2000-01-01"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"
    schema = doc["paths"]["/evaluate"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": doc["components"]}).validate(r.json())
    assert "in force" in rulings_of(r.json())[0]["errors"][0]["message"]


# ---- the real server: uvicorn with the guarded protocol and a worker process --------------------------------------

SERVER = """
import sys
from evaluator import api
from evaluator.serve import app, limits, transport
limits.BODY_TIMEOUT_S = limits.HEADER_TIMEOUT_S = 1
transport.GuardedH11.header_timeout = 1
transport.GuardedH11.max_connections = 40
app.serve(api.load("."), "127.0.0.1", int(sys.argv[1]), "reference", workers=1)
"""


@pytest.fixture(scope="module")
def live():
    with live_server(SERVER) as running:
        yield running


def _health(url) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(f"{url}/health", timeout=5) as r:
        assert json.load(r)["status"] == "ok"
    return time.monotonic() - start


def _post(url, body: bytes):
    return post_evaluate(url, body)


def test_health_answers_while_a_long_request_is_ruled(live):
    _, url = live
    # Cases that differ (each on a date of its own, of its own years): rulings of one case again and again are
    # answered from memory and soon done, and the request must still be ruled when /health is asked.
    many = json.dumps({"cases": [{**CASE, "id": f"c{i}", "as_of": (dt.date(2020, 1, 1) + dt.timedelta(days=i)).isoformat(),
                                  "facts": {**CASE["facts"], "years_of_service": i % 41}}
                                 for i in range(limits.MAX_CASES)]}).encode()
    done = {}
    t = threading.Thread(target=lambda: done.update(r=_post(url, many)))
    t.start()
    time.sleep(0.3)
    took = _health(url)
    busy = t.is_alive()
    t.join()
    assert done["r"][0] == 200 and len(rulings_of(json.loads(done["r"][1]))) == limits.MAX_CASES
    assert busy, "the long request finished before /health was asked: make it longer"
    assert took < 1


def test_stalled_bodies_and_headers_are_closed_and_health_still_answers(live):
    port, url = live
    stalled = []
    for i in range(60):  # more than the connection cap of the test server
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i % 2:
            s.sendall(b"POST /evaluate HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{" % port)
        else:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127")  # headers never finished
        stalled.append(s)
    time.sleep(2.5)  # past the body and header timeouts
    answers = []
    for s in stalled:
        try:
            answers.append(s.recv(4096))
        except OSError:
            answers.append(b"")
        s.close()
    assert any(b"408" in a and b"body_timeout" in a for a in answers)
    assert all(a == b"" or b"408" in a for a in answers)  # closed, or told the body timed out
    assert _health(url) < 1


def test_the_server_log_is_rate_limited():
    import logging

    from evaluator.serve.transport import RateLimited
    f = RateLimited(per_second=limits.LOG_LINES_PER_S)

    def rec(msg):
        return logging.LogRecord("uvicorn.error", logging.WARNING, __file__, 1, msg, (), None)
    passed = sum(f.filter(rec(f"attack {i}")) for i in range(10_000))
    assert passed <= 2 * limits.LOG_LINES_PER_S  # at most one second's worth, or two if the second turned
    time.sleep(1.1)
    nxt = rec("after")
    assert f.filter(nxt) and "dropped" in nxt.getMessage()


def test_the_access_log_keeps_its_lines_whole_when_some_were_dropped(caplog):
    """uvicorn's access formatter builds a line from the record's five arguments: the first line after a dropped
    burst is still an access line, and the count is said on the error log."""
    import logging

    from uvicorn.logging import AccessFormatter

    from evaluator.serve.transport import RateLimited
    f, fmt = RateLimited(per_second=limits.LOG_LINES_PER_S), AccessFormatter()

    def rec():
        return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                                 ("127.0.0.1:1", "POST", "/evaluate", "1.1", 200), None)
    passed = sum(f.filter(rec()) for _ in range(3 * limits.LOG_LINES_PER_S))
    assert passed <= 2 * limits.LOG_LINES_PER_S
    time.sleep(1.1)
    nxt = rec()
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        assert f.filter(nxt)
    assert '"POST /evaluate HTTP/1.1" 200' in fmt.format(nxt)
    said = [r.getMessage() for r in caplog.records if r.name == "uvicorn.error"]
    assert any("log line(s) dropped" in m and "uvicorn.access" in m for m in said)


REPLACED = """
import sys
from evaluator import api
from evaluator.serve import app, limits
limits.IDLE_TIMEOUT_S = 1
app.serve(api.load("."), "127.0.0.1", int(sys.argv[1]), "reference", workers=1)
"""


def _server_and_workers(port: int) -> tuple[int, list[int]]:
    """The pid of the live server started with `port` as its last argument, and its children (the workers)."""
    stats = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                args = fh.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as fh:
                stats[int(entry)] = (args, int(fh.read().rsplit(")", 1)[1].split()[1]))
        except OSError:
            continue
    server = next(pid for pid, (args, _) in stats.items() if args[-2:] == [str(port).encode(), b""])
    return server, [pid for pid, (_, parent) in stats.items() if parent == server]


def _sockets(pid: int) -> int:
    fds = f"/proc/{pid}/fd"
    return sum(os.readlink(f"{fds}/{fd}").startswith("socket:") for fd in os.listdir(fds))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads /proc")
def test_a_replaced_worker_holds_none_of_the_servers_connections():
    """A worker forked to replace one that died must not keep the server's sockets: a connection the server closes
    (here the idle keep-alive one) would otherwise stay open to its client."""
    with live_server(REPLACED) as (port, url):
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        idle.request("GET", "/health")
        assert idle.getresponse().read()
        server, workers = _server_and_workers(port)
        assert len(workers) == 1
        os.kill(workers[0], signal.SIGKILL)
        time.sleep(0.5)
        statuses = [_post(url, json.dumps(CASE).encode())[0] for _ in range(2)]
        assert statuses[-1] == 200 and set(statuses) <= {200, 503}
        _, replaced = _server_and_workers(port)
        assert replaced and workers[0] not in replaced
        assert [_sockets(pid) for pid in replaced] == [0] * len(replaced)
        idle.sock.settimeout(5)
        assert idle.sock.recv(1) == b""  # closed by the server after its idle timeout, seen by the client
