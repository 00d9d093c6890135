"""The HTTP server's limits, in one place (docs/security.md lists them with these values)."""
from __future__ import annotations

from ..load import limits as load_limits

MAX_BODY = 1024 * 1024          # bytes of a request body
MAX_HEADER_BYTES = 64 * 1024    # request line and headers
MAX_DEPTH = load_limits.MAX_DEPTH  # nesting of arrays and objects in a request body (the loader's, on its events)
MAX_CASES = 1000                # cases in one request
MAX_WORK = 2 * MAX_CASES        # cases plus the workers of roster cases in one request
BODY_TIMEOUT_S = 10             # the whole body must arrive within this time of the request's headers
HEADER_TIMEOUT_S = 10           # a connection must send a request's headers within this time
IDLE_TIMEOUT_S = 5              # an idle keep-alive connection is closed after this time
MAX_CONNECTIONS = 256           # open connections; more are closed at once
MAX_ACTIVE = 64                 # requests handled at once; more are answered 503
RULING_TIMEOUT_S = 3 * BODY_TIMEOUT_S  # a request's ruling; beyond, 503 (the worker finishes it and is reused)
MIN_PART_CASES = 32             # a request is shared among idle workers only in parts of at least this many cases
                                # (reading_notes.MIN_CASES: a smaller part would make its notes case by case)
QUEUE_PER_WORKER = 8            # requests waiting for a worker, per worker; more are answered 503
LOG_LINES_PER_S = 25            # server log lines per second per logger; the rest are counted, then summarised
