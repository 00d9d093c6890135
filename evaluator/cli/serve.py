"""`policy serve`: the HTTP API (see serve/app.py), on loopback and a fixed port unless told otherwise."""
from __future__ import annotations

import argparse

from . import bundle as cli_bundle, log_writing
from ..repo import signing
from ..ruling import pool
from .common import add_assume_adopted_arg
from ..load.problems import PolicyInputError, Problem


DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8350
AUTO = None  # --workers auto: one worker process per core this process may run on (at most pool.AUTO_MAX_JOBS)
MAX_WORKERS_PER_CORE = 4


def workers_arg(text: str) -> int | None:
    """--workers: `auto` or a whole number from 0 (a thread of the server's process) to 4 per core."""
    if text == "auto":
        return AUTO
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of worker processes or auto") from None
    most = pool.cores() * MAX_WORKERS_PER_CORE
    if not 0 <= n <= most:
        raise argparse.ArgumentTypeError(f"{n}: give 0 to {most} worker processes, or auto")
    return n


def workers_for(workers: int | None) -> int:
    """The worker processes to start: as given, or for auto one per core (at most pool.AUTO_MAX_JOBS). The ruling
    is CPU work and each worker rules one request at a time, so a core per worker is what the machine can use; the
    server's own process (HTTP, moving bytes) takes about a twentieth of a worker's CPU (bench/serve_speed.py)."""
    return min(pool.cores(), pool.AUTO_MAX_JOBS) if workers is AUTO else workers


def add_commands(sub) -> None:
    s = sub.add_parser("serve", help="serve the evaluator over HTTP (POST /evaluate, /policies, /docs, ...)")
    s.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    s.add_argument("--engine", choices=["durable", "reference"], default="durable")
    s.add_argument("--workers", type=workers_arg, default=AUTO, metavar="N",
                   help="worker processes that rule requests (default `auto`: one per core, at most "
                        f"{pool.AUTO_MAX_JOBS}; 0: a thread of the server process)")
    s.add_argument("--allow-host", action="append", default=[], metavar="NAME[:PORT]",
                   help="another Host (and http:// Origin) to accept besides the bound address, e.g. a name "
                        "in front of a reverse proxy; repeatable")
    cli_bundle.add_source_args(s)
    add_assume_adopted_arg(s)
    log_writing.add_log_args(s)


def cmd_serve(args) -> int:
    from ..audit import decision_log
    try:
        from ..serve import app as server
    except ImportError as exc:
        raise PolicyInputError([Problem("policy serve", 0, 0, f"the HTTP server needs the 'serve' extra "
                                        f"(pip install -e '.[serve]'): {exc}", "missing_dependency")]) from None
    repo = cli_bundle.repo_for(args)
    try:
        key = signing.load_private(args.log_key) if args.log_key else None
    except signing.SigningError as exc:
        raise PolicyInputError([Problem("policy serve", 0, 0, str(exc), "bad_key")]) from None
    try:
        server.serve(repo, args.host, args.port, args.engine, args.log, key, workers=workers_for(args.workers),
                     allow_hosts=args.allow_host)
    except decision_log.LogError as exc:
        raise PolicyInputError([Problem("policy serve", 0, 0, str(exc), "log")]) from None
    return 0


COMMANDS = {"serve": cmd_serve}
