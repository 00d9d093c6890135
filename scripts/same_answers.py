"""Whether this checkout's HTTP API answers exactly as another commit's does: `policy serve` of both, the same
requests posted to each, and every answer's status, media type, Retry-After and body compared byte for byte (the
server's port, which a 403 names, written PORT). The HTTP half of scripts/same_output.py (which compares `policy
eval`), for a change that must not change behaviour (issue 16's speed work).

    .venv/bin/python scripts/same_answers.py                       # against main, --workers 2
    .venv/bin/python scripts/same_answers.py --ref HEAD~3 --workers 0

The requests: every case file of tests/cases/ and examples/ as written (YAML is read as the loader reads it) and as
JSON (indented and compact), generated worker cases (one, 60 — shared among idle workers —, 100 and 1,000), each
in every form (`?clauses=auto|inline|table`) and on another date (`?as_of=`); then bodies that must be refused or
partly refused (not UTF-8, a BOM, empty, not a case file, a trailing comma, NaN, a duplicate key, a tab, escapes,
numbers out of range, deep nesting, too many cases, too much roster work, a case the schema refuses, a case
dated before any policy, a bad date or form, not JSON, too large, a foreign Host). Posted one at a time, so that a
large request finds both workers idle and is ruled in parts, as a lone client's would be.

The other commit's files are exported with `git archive` to a temporary directory (no checkout is touched) and its
server runs from there with the same interpreter, on this checkout's case files. Exit 0 when every answer is the
same, 1 with the first differing lines of each difference otherwise.
"""
from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
import same_output  # noqa: E402 - the export and the case files, written once there
import eval_speed  # noqa: E402 - the bench's generator of worker cases
import serve_speed  # noqa: E402 - starting a server and waiting for it, written once there

QUERIES = ["", "?clauses=inline", "?clauses=table", "?as_of=2019-06-30"]
HEADERS = ("content-type", "retry-after")
CASE = {"id": "c", "kind": "worker", "as_of": "2024-07-01", "facts": {"post": "deputy", "years_of_service": 3}}


def start(code: Path, workers: int) -> tuple[subprocess.Popen, int]:
    """A server of `code`'s evaluator on a free port, started and waited for as the HTTP bench does."""
    port = serve_speed.free_port()
    return serve_speed.start(workers, "durable", port, code), port


def ask(port: int, body: bytes, query: str, headers: dict) -> bytes:
    """The answer as one comparable byte string: status, the headers that matter, the body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/evaluate" + query, body=body, headers={"Content-Type": "application/json",
                                                                        **headers})
        r = conn.getresponse()
        out = r.read()
        head = "".join(f"{h}: {r.getheader(h)}\n" for h in HEADERS)
        return f"{r.status}\n{head}\n".encode() + out.replace(f":{port}".encode(), b":PORT")  # a 403 names it
    except OSError as exc:  # e.g. the server answered 413 and closed while the body was still being sent
        return f"connection: {type(exc).__name__}".encode()
    finally:
        conn.close()


def status_of(answer: bytes) -> str:
    return answer.split(b"\n", 1)[0].decode()


def as_json(path: Path, indent: int | None) -> bytes:
    """A case file as JSON text, numbers as the loader read them (Decimal digits kept)."""
    from evaluator.load.yaml_strict import load_file
    from evaluator.render.text import to_json
    return to_json(load_file(path).data, indent=indent).encode("utf-8")


def generated(n: int, seed: int = 16) -> bytes:
    return json.dumps(eval_speed.cases(n, seed)).encode()


def requests() -> list[tuple[str, bytes, list[str], dict]]:
    """(label, body, queries, extra headers) of every request compared."""
    out = []
    for p in same_output.case_files():
        name = str(p.relative_to(ROOT))
        out.append((name, p.read_bytes(), QUERIES, {}))
        out.append((f"{name} as JSON", as_json(p, 2), QUERIES, {}))
        out.append((f"{name} as compact JSON", as_json(p, None), QUERIES[:1], {}))
    for n in (1, 60, 100, 1000):
        out.append((f"{n} generated worker cases", generated(n), QUERIES, {}))
    one = json.dumps(CASE).encode()
    many = json.loads(generated(60))
    bad = json.loads(generated(60, 7))
    bad["cases"][5]["facts"]["post"] = "principl"
    bad["cases"][44]["facts"]["years_of_service"] = -1
    bad["cases"][50]["as_of"] = "2000-01-01"
    roster = {"id": "r", "kind": "roster", "as_of": "2024-07-01", "facts": {"workers": [
        {"id": f"w{i}", "facts": {"post": "grid_worker", "years_of_service": 2}} for i in range(2001)]}}
    hostile = [
        ("one case", one),
        ("60 cases after a BOM", b"\xef\xbb\xbf" + json.dumps(many).encode()),
        ("60 cases, CRLF line ends", json.dumps(many, indent=1).replace("\n", "\r\n").encode()),
        ("60 cases indented by tabs", json.dumps(many, indent="\t").encode()),
        ("bad cases among good", json.dumps(bad, indent=2).encode()),
        ("an unknown top-level field", json.dumps({**many, "extra": 1}).encode()),
        ("a case dated before any policy", json.dumps({**CASE, "as_of": "2000-01-01"}).encode()),
        ("not UTF-8", b'{"cases": [{"id": "\xff"}]}'),
        ("empty", b""),
        ("blank", b"   \n"),
        ("null", b"null"),
        ("a number", b"42"),
        ("a list", b"[]"),
        ("no cases", b'{"cases": []}'),
        ("cases not objects", b'{"cases": [1, "a", null]}'),
        ("trailing comma", json.dumps(many).encode()[:-2] + b",]}"),
        ("NaN", b'{"cases": [{"id": "n", "kind": "worker", "as_of": "2024-07-01", "facts": {"post": "deputy", '
                b'"years_of_service": NaN}}]}'),
        ("huge number", b'{"cases": [{"id": "n", "kind": "worker", "as_of": "2024-07-01", "facts": {"post": '
                        b'"deputy", "years_of_service": 1' + b"0" * 5000 + b"}}]}"),
        ("1e400", b'{"cases": [{"id": "n", "kind": "worker", "as_of": "2024-07-01", "facts": {"post": "deputy", '
                  b'"years_of_service": 1e400}}]}'),
        ("duplicate key", b'{"cases": [{"id": "d", "id": "e", "kind": "worker", "as_of": "2024-07-01", "facts": '
                          b'{"post": "deputy", "years_of_service": 1}}]}'),
        ("escapes", json.dumps({"cases": [{**CASE, "id": "\u00e9\\/\t\ud83d\ude00"}]}).encode()),
        ("a lone surrogate escape", b'{"cases": [{"id": "\\ud800", "kind": "worker"}]}'),
        ("a control character", b'{"cases": [{"id": "a\x01"}]}'),
        ("not JSON", b"{cases: [oops"),
        ("deep nesting", b'{"cases": [' + b"[" * 30_000 + b"]" * 30_000 + b"]}"),
        ("deep but allowed", b'{"cases": [{"id": "x", "facts": ' + b'{"a": ' * 40 + b"1" + b"}" * 41 + b"]}"),
        ("too many cases", json.dumps({"cases": [CASE] * 1001}).encode()),
        ("too much roster work", json.dumps(roster).encode()),
        ("a long key", json.dumps({"cases": [{**CASE, "k" * 2000: 1}]}).encode()),
    ]
    out += [(label, body, QUERIES[:3], {}) for label, body in hostile]
    out += [("a bad date", one, ["?as_of=2024-13-01", "?as_of=yesterday"], {}),
            ("a bad form", one, ["?clauses=both"], {}),
            ("not sent as JSON", one, [""], {"Content-Type": "text/plain"}),
            ("too large", b" " * (1024 * 1024 + 1), [""], {}),
            ("a foreign Host", one, [""], {"Host": "evil.example:80"})]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", default="main", help="the commit to compare with (default main)")
    ap.add_argument("--workers", type=int, default=2, help="policy serve --workers (default 2)")
    args = ap.parse_args(argv)
    differ = compared = 0
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        same_output.export(args.ref, other)
        servers = [start(other, args.workers), start(ROOT, args.workers)]
        try:
            for label, body, queries, headers in requests():
                for query in queries:
                    a, b = (ask(port, body, query, headers) for _, port in servers)
                    compared += 1
                    what = f"{label} {query}".strip()
                    if a == b:
                        print(f"same: {what} ({status_of(b)}, {len(b):,} bytes)")
                        continue
                    differ += 1
                    print(f"DIFFERENT: {what}")
                    print(same_output.show_diff(a, b, "answer"))
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(timeout=30)
    print(f"{differ} of {compared} answers differ from {args.ref}" if differ
          else f"all {compared} answers are byte-identical to {args.ref}'s")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
