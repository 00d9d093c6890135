"""HTTP benchmark client (issue 16): `policy serve --workers N` started on a free port, then

- rulings per second with 100-case requests sent by several clients at once, for 1x, 4x and 10x the number of
  requests (the slope rows say how the time grows with the work), after a warm-up that is not counted, long
  enough for every worker to have compiled the date's programs for the notes (reading_notes.MIN_CASES_COLD cases
  each: about 0.4 s of a worker's CPU once per date, then every request of 100 cases takes the compiled path);
- the CPU time the server spent (from /proc): rulings per CPU-second of the server and its workers, the figure that
  compares two versions fairly on a shared machine (wall time also counts waiting for a core), and at the largest
  size the CPU per ruling of the server's own process (HTTP, the event loop, moving bodies and answers), of the
  worker processes (reading the cases, ruling, writing the answer) and of this client, and the client's share of
  the CPU all three used (what the client takes from the server on the same machine);
- the size of the answer to a 100-case request in each form of the rulings document (inline and table);
- the latency of one-case requests (one client, keep-alive): p50 and p99.

The cases are bench/eval_speed.py's generated worker cases (every post, 0-40 years, every education and
certificate, birth and hire dates for 40% of them, probation, not re-elected), a different hundred in each of
BODIES request bodies sent in turn, so that no request repeats the one before it (a server that remembered
answers or rulings would otherwise be measured on its memory).

    .venv/bin/python bench/serve_speed.py                    # a worker per core, 4 clients, 20 / 80 / 200 requests
    .venv/bin/python bench/serve_speed.py --quick            # 8 / 32 / 80 requests, 300 one-case requests
    .venv/bin/python bench/serve_speed.py --json             # one JSON object on stdout (bench/report.py reads it)
    .venv/bin/python bench/serve_speed.py --code ../main     # the server of another checkout, for a comparison
    .venv/bin/python bench/serve_speed.py --quick --against ../main   # this one and another, side by side

Targets: >= 10,000 rulings/s with 100-case requests, one-case p99 < 5 ms on the 2-core machine. The client runs on
the same machine and takes CPU from the server: the figures are a floor. The client is kept cheap: the bodies are
encoded once before timing, each client thread keeps one connection open (keep-alive), and an answer is read whole
(its length and status checked, not parsed); on a shared machine compare old and new
side by side (--against DIR: both servers measured by this client, one after the other at each size; or --code),
not with figures taken at another time. A benchmark, not a test.
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
import eval_speed  # the generated worker cases, the same as policy eval's bench

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from evaluator.batch.reading_notes import MIN_CASES_COLD  # noqa: E402 - a date's programs compiled from here
from evaluator.ruling.pool import AUTO_MAX_JOBS, cores  # noqa: E402 - what `policy serve --workers auto` starts

TARGET_RATE = 10_000  # rulings/s with 100-case requests (issue 16)
TARGET_P99_MS = 5  # one-case requests
CASES_PER_REQUEST = 100
BODIES = 40  # distinct 100-case bodies, sent in turn


def bodies(n: int = BODIES) -> list[bytes]:
    """n request bodies of CASES_PER_REQUEST generated worker cases each, every body a different hundred."""
    return [json.dumps(eval_speed.cases(CASES_PER_REQUEST, seed=1000 + k)).encode() for k in range(n)]


def one_case_bodies(n: int = BODIES) -> list[bytes]:
    """n one-case bodies (a case as a document of its own), different cases."""
    return [json.dumps(c).encode() for c in eval_speed.cases(n, seed=999)["cases"]]


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


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) used so far by the server process and by its worker processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    server = workers = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if int(entry) == pid:
            server += used
        elif int(fields[1]) == pid:  # fields[1]: the parent's pid
            workers += used
    return server, workers


def post(conn, body: bytes, query: str = "") -> tuple[int, int]:
    """(status, bytes of the answer)"""
    conn.request("POST", "/evaluate" + query, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, len(r.read())


def throughput(port: int, clients: int, requests: int, query: str, server: int, sent: list[bytes]) -> dict:
    """`requests` 100-case requests (the bodies `sent`, in turn) shared among `clients` threads; wall time from the
    first to the last answer, CPU of the server's process, of its workers and of this client."""
    left, done, errors = [requests], [0], [0]
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
                body = sent[left[0] % len(sent)]
            ok = post(conn, body, query)[0] == 200
            with lock:
                done[0] += CASES_PER_REQUEST if ok else 0
                errors[0] += 0 if ok else 1
    threads = [threading.Thread(target=client) for _ in range(clients)]
    server0, workers0 = cpu_seconds(server)
    t0, client0 = time.monotonic(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took, client1 = time.monotonic() - t0, time.process_time()  # before reading /proc: not the client's work
    server1, workers1 = cpu_seconds(server)
    cpu, n = server1 - server0 + workers1 - workers0, done[0]

    def per_ruling(seconds: float) -> float | None:
        return round(seconds * 1e6 / n) if n else None
    return {"requests": requests, "rulings": n, "errors": errors[0], "seconds": round(took, 2),
            "rulings_per_s": round(n / took), "rulings_per_cpu_s": round(n / cpu) if cpu else None,
            "server_us": per_ruling(server1 - server0), "workers_us": per_ruling(workers1 - workers0),
            "client_us": per_ruling(client1 - client0),
            "client_share": round((client1 - client0) / (cpu + client1 - client0), 3) if cpu else None}


def answer_sizes(port: int, body: bytes) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    out = {}
    for form in ("inline", "table"):
        status, size = post(conn, body, f"?clauses={form}")
        out[form] = round(size / CASES_PER_REQUEST / 1024, 2) if status == 200 else None
    return out


def latency(port: int, n: int, sent: list[bytes]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for body in sent[:20]:
        post(conn, body)
    times = []
    for i in range(n):
        body = sent[i % len(sent)]
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
    last = runs[-1]
    for key, what in (("server_us", "the server's process (HTTP, event loop, bodies in and answers out)"),
                      ("workers_us", "the worker processes (reading, ruling, writing the answer)"),
                      ("client_us", "this benchmark's client (on the same machine)")):
        out.append(row(f"HTTP 100-case requests, CPU per ruling in {what}", f"{last['requests']} requests, {where}",
                       last[key], "µs per ruling"))
    out.append(row("HTTP 100-case requests, the client's share of the CPU (server, workers and client)",
                   f"{last['requests']} requests, {where}",
                   round(100 * last["client_share"], 1) if last["client_share"] is not None else None, "%"))
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


def side_by_side(say, names: list[str], rows: list[list[dict]]) -> None:
    """The rows of each server measured, one line per row: the values side by side, and the ratio to the first."""
    say("")
    say(" | ".join(["measure", "scale", *names, f"{names[1]} / {names[0]}"]))
    for same in zip(*rows):
        values = [r["value"] for r in same]
        ratio = (f"{values[1] / values[0]:.2f}" if all(isinstance(v, (int, float)) for v in values[:2]) and values[0]
                 else "—")
        say(" | ".join([same[0]["measure"], same[0]["scale"], *(f"{v} {same[0]['unit']}" for v in values), ratio]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=min(cores(), AUTO_MAX_JOBS),
                    help="policy serve --workers (default: what --workers auto starts, one per core)")
    ap.add_argument("--engine", choices=["durable", "reference"], default="durable")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients sending 100-case requests")
    ap.add_argument("--requests", type=int, default=None,
                    help="100-case requests at 1x (default 20; 8 with --quick: two per client); 4x and 10x follow")
    ap.add_argument("--one-case", type=int, default=None,
                    help="one-case requests timed for the latency (default 1000; 300 with --quick)")
    ap.add_argument("--clauses", choices=["auto", "inline", "table"], default="auto",
                    help="the form the 100-case answers are asked in (?clauses=)")
    ap.add_argument("--quick", action="store_true", help="fewer requests: under a minute")
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/report.py's rows) on stdout")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="the checkout whose server is measured (default this one), e.g. main's for a comparison")
    ap.add_argument("--against", type=Path, default=None,
                    help="another checkout (e.g. main's) whose server is measured by the same client right after "
                         "this one at each size; its rows are printed beside these (--json carries --code's only)")
    args = ap.parse_args()
    base = args.requests or (8 if args.quick else 20)
    one_n = args.one_case or (300 if args.quick else 1000)
    say = _rows.say_for(args.json)
    codes = [args.code.resolve()] + ([args.against.resolve()] if args.against else [])
    sent, one_sent = bodies(), one_case_bodies()
    servers = []
    try:
        for code in codes:
            port = free_port()
            servers.append((start(args.workers, args.engine, port, code), port))
        results = [{"runs": []} for _ in codes]
        warm = max(args.workers, 1) * (-(-MIN_CASES_COLD // CASES_PER_REQUEST) + 2)
        for (proc, port), res in zip(servers, results):  # warm-up, not counted: every worker has compiled
            throughput(port, args.clients, warm, "", proc.pid, sent)
        for k in (1, 4, 10):
            for code, (proc, port), res in zip(codes, servers, results):
                res["runs"].append(throughput(port, args.clients, base * k, f"?clauses={args.clauses}", proc.pid,
                                              sent))
                say(f"{code}: {json.dumps(res['runs'][-1])}")
        for code, (proc, port), res in zip(codes, servers, results):
            res["sizes"], res["one"] = answer_sizes(port, sent[0]), latency(port, one_n, one_sent)
            say(f"{code}: {json.dumps({'kb_per_ruling': res['sizes'], 'one_case': res['one']})}")
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=30)
    rows = [rows_of(args, res["runs"], res["sizes"], res["one"]) for res in results]
    if args.against:
        side_by_side(say, [str(c) for c in codes], rows)
    _rows.finish("serve_speed", rows[0], args.json, "the machine is shared; the client shares it too")
    return 0


if __name__ == "__main__":
    sys.exit(main())
