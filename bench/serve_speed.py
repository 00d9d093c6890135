"""HTTP benchmark client (issue 16): `policy serve --workers N` started on a free port, then

- rulings per second with 100-case requests sent by several clients at once, for 1x, 4x and 10x the number of
  requests (the slope rows say how the time grows with the work);
- the size of the answer to a 100-case request in each form of the rulings document (inline and table);
- the latency of one-case requests (one client, keep-alive): p50 and p99;
- the CPU time the server and its workers spent (from /proc), as rulings per CPU-second: on a shared machine the
  figure that compares two versions fairly, since wall time also counts waiting for a core.

    .venv/bin/python bench/serve_speed.py                    # --workers 2, 4 clients, 20 / 80 / 200 requests
    .venv/bin/python bench/serve_speed.py --quick            # 4 / 16 / 40 requests, 300 one-case requests
    .venv/bin/python bench/serve_speed.py --json             # one JSON object on stdout (bench/report.py reads it)
    .venv/bin/python bench/serve_speed.py --code ../main     # the server of another checkout, for a comparison

Targets: >= 10,000 rulings/s with 100-case requests, one-case p99 < 5 ms on the 2-core machine. The client runs on
the same machine and takes CPU from the server: the figures are a floor; on a shared machine compare old and new
side by side (--code), not with figures taken at another time. A benchmark, not a test.
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

import _rows  # bench/_rows.py, the common output (run as bench/NAME.py, so bench/ is on the path)

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATE = 10_000  # rulings/s with 100-case requests (issue 16)
TARGET_P99_MS = 5  # one-case requests
CASES_PER_REQUEST = 100
POSTS = ["principal", "deputy", "committee_member", "grid_worker"]
EDUCATION = ["college_or_below", "bachelor", "master", "doctor"]
CERTIFICATES = ["none", "assistant_social_worker", "social_worker", "senior_social_worker"]


def case(i: int) -> dict:
    """A worker case, different for each i (every post, 0-40 years, every education and certificate)."""
    return {"id": f"c{i}", "kind": "worker", "as_of": "2024-07-01",
            "facts": {"post": POSTS[i % 4], "years_of_service": (i * 7) % 41, "education": EDUCATION[(i // 4) % 4],
                      "certificate": CERTIFICATES[(i // 16) % 4], "party_org_stars": i % 6}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workers: int, engine: str, port: int, code: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "evaluator.cli.main", "serve", "--port", str(port), "--workers",
                             str(workers), "--engine", engine], cwd=code, env={**os.environ, "PYTHONPATH": str(code)},
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by the server process and its worker processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def post(conn, body: bytes, query: str = "") -> tuple[int, int]:
    """(status, bytes of the answer)"""
    conn.request("POST", "/evaluate" + query, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, len(r.read())


def bulk_body() -> bytes:
    return json.dumps({"cases": [case(i) for i in range(CASES_PER_REQUEST)]}).encode()


def throughput(port: int, clients: int, requests: int, query: str, server: int) -> dict:
    """`requests` 100-case requests shared among `clients` threads; wall time from the first to the last answer."""
    body = bulk_body()
    left, done, errors = [requests], [0], [0]
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            ok = post(conn, body, query)[0] == 200
            with lock:
                done[0] += CASES_PER_REQUEST if ok else 0
                errors[0] += 0 if ok else 1
    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0, cpu0 = time.monotonic(), cpu_seconds(server)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took, cpu = time.monotonic() - t0, cpu_seconds(server) - cpu0
    return {"requests": requests, "rulings": done[0], "errors": errors[0], "seconds": round(took, 2),
            "rulings_per_s": round(done[0] / took), "rulings_per_cpu_s": round(done[0] / cpu) if cpu else None}


def answer_sizes(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = bulk_body()
    out = {}
    for form in ("inline", "table"):
        status, size = post(conn, body, f"?clauses={form}")
        out[form] = round(size / CASES_PER_REQUEST / 1024, 2) if status == 200 else None
    return out


def latency(port: int, n: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps(case(5)).encode()
    for _ in range(20):
        post(conn, body)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        status = post(conn, body)[0]
        times.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise SystemExit(f"a one-case request was answered {status}")
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[max(int(len(times) * 0.99) - 1, 0)], 2),
            "requests": n}


def row(measure: str, scale: str, value, unit: str, target: str | None = None, met: bool | None = None) -> dict:
    return {"measure": measure, "scale": scale, "value": value, "unit": unit, "target": target, "met": met}


def rows_of(args, runs: list[dict], sizes: dict, one: dict) -> list[dict]:
    where = f"--workers {args.workers}, {args.clients} clients"
    out = []
    for r in runs:
        last = r is runs[-1]
        out.append(row("HTTP 100-case requests", f"{r['requests']} requests ({r['requests'] * CASES_PER_REQUEST:,} "
                       f"rulings), {where}", r["rulings_per_s"], "rulings/s",
                       f">= {TARGET_RATE:,}" if last else None, r["rulings_per_s"] >= TARGET_RATE if last else None))
        out.append(row("HTTP 100-case requests, server CPU", f"{r['requests']} requests, {where}",
                       r["rulings_per_cpu_s"], "rulings per CPU-second (server and workers)"))
    first = runs[0]
    for r in runs[1:]:
        k = r["requests"] / first["requests"]
        out.append(row(f"HTTP 100-case requests slope 1x->{k:g}x", f"{first['requests']} -> {r['requests']} requests",
                       round(r["seconds"] / first["seconds"], 2), f"x time for {k:g}x work"))
    for form, kb in sizes.items():
        if kb is not None:
            out.append(row(f"HTTP answer, {form} form", "100-case request", kb, "KB per ruling"))
    out.append(row("HTTP one-case requests p50", f"{one['requests']} requests, 1 client", one["p50_ms"], "ms"))
    out.append(row("HTTP one-case requests p99", f"{one['requests']} requests, 1 client", one["p99_ms"], "ms",
                   f"< {TARGET_P99_MS} ms", one["p99_ms"] < TARGET_P99_MS))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engine", choices=["durable", "reference"], default="durable")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients sending 100-case requests")
    ap.add_argument("--requests", type=int, default=None,
                    help="100-case requests at 1x (default 20; 4 with --quick); 4x and 10x follow")
    ap.add_argument("--one-case", type=int, default=None,
                    help="one-case requests timed for the latency (default 1000; 300 with --quick)")
    ap.add_argument("--clauses", choices=["auto", "inline", "table"], default="auto",
                    help="the form the 100-case answers are asked in (?clauses=)")
    ap.add_argument("--quick", action="store_true", help="fewer requests: under a minute")
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/report.py's rows) on stdout")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="the checkout whose server is measured (default this one), e.g. main's for a comparison")
    args = ap.parse_args()
    base = args.requests or (4 if args.quick else 20)
    one_n = args.one_case or (300 if args.quick else 1000)
    say = _rows.say_for(args.json)
    port = free_port()
    proc = start(args.workers, args.engine, port, args.code.resolve())
    try:
        runs = []
        for k in (1, 4, 10):
            runs.append(throughput(port, args.clients, base * k, f"?clauses={args.clauses}", proc.pid))
            say(json.dumps(runs[-1]))
        sizes = answer_sizes(port)
        one = latency(port, one_n)
        say(json.dumps({"kb_per_ruling": sizes, "one_case": one}))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    _rows.finish("serve_speed", rows_of(args, runs, sizes, one), args.json,
                 "the machine is shared; the client shares it too")
    return 0


if __name__ == "__main__":
    sys.exit(main())
