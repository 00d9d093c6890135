"""HTTP benchmark client: `policy serve --workers N` started on a free port, then rulings per second with
100-case requests (several clients at once) and the latency of one-case requests (one client, keep-alive).

    .venv/bin/python bench/serve_speed.py                          # --workers 2, 10 s of 100-case requests
    .venv/bin/python bench/serve_speed.py --workers 1 --seconds 5 --clients 4

Targets (issue 16): >= 10,000 rulings/s with 100-case requests, one-case p99 < 5 ms on the 2-core machine. The
client runs on the same machine and takes CPU from the server: the figures are a floor. A benchmark, not a test.
Prints JSON: the figures beside their targets.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = {"kind": "worker", "as_of": "2024-01-01", "facts": {"post": "deputy", "years_of_service": 5}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workers: int, engine: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "evaluator.cli.main", "serve", "--port", str(port), "--workers",
                             str(workers), "--engine", engine], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def post(conn, body: bytes) -> int:
    conn.request("POST", "/evaluate", body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    return r.status


def throughput(port: int, cases: int, clients: int, seconds: float) -> dict:
    body = json.dumps({"cases": [{**CASE, "id": f"c{i}"} for i in range(cases)]}).encode()
    done, errors, stop = [0], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            ok = post(conn, body) == 200
            with lock:
                done[0] += cases if ok else 0
                errors[0] += 0 if ok else 1
    threads = [threading.Thread(target=client) for _ in range(clients)]
    start_t = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start_t
    return {"rulings_per_s": round(done[0] / took), "requests": done[0] // cases, "errors": errors[0],
            "seconds": round(took, 1)}


def latency(port: int, n: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({**CASE, "id": "one"}).encode()
    for _ in range(20):
        post(conn, body)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        assert post(conn, body) == 200
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
            "requests": n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engine", choices=["durable", "reference"], default="durable")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients sending 100-case requests")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--one-case", type=int, default=1000, help="one-case requests timed for the latency")
    args = ap.parse_args()
    port = free_port()
    proc = start(args.workers, args.engine, port)
    try:
        bulk = throughput(port, 100, args.clients, args.seconds)
        one = latency(port, args.one_case)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps({"workers": args.workers, "engine": args.engine, "cpus": os.cpu_count(),
                      "100_case_requests": {**bulk, "target_rulings_per_s": 10_000},
                      "one_case_requests": {**one, "target_p99_ms": 5}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
