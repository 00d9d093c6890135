"""What uvicorn does not bound by itself: a connection that never finishes its request headers (uvicorn's
keep-alive timer restarts on every byte), the number of open connections, and the volume of the server's log.

GuardedH11 is uvicorn's h11 protocol with a deadline for each request's headers (HEADER_TIMEOUT_S from the
connection or the previous response) and a cap on open connections (beyond MAX_CONNECTIONS a new connection is
closed at once, so slow clients cannot exhaust the file descriptors). RateLimited is a logging filter: at most
LOG_LINES_PER_S lines per second per logger, then one line saying how many were dropped (for the access log, a line
of the error log: an access line is built from its request's fields, which are kept).
"""
from __future__ import annotations

import logging
import time

from uvicorn.protocols.http.h11_impl import H11Protocol

from . import limits

ACCESS_LOG = "uvicorn.access"

class GuardedH11(H11Protocol):
    header_timeout = limits.HEADER_TIMEOUT_S
    max_connections = limits.MAX_CONNECTIONS
    deadline = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            logging.getLogger("uvicorn.error").warning("connection refused: %d open connections (limit %d)",
                                                       len(self.connections) - 1, self.max_connections)
            transport.abort()
            return
        self.arm()

    def arm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = self.loop.call_later(self.header_timeout, self.headers_overdue)

    def headers_overdue(self) -> None:
        """Close the connection if it is still waiting for a request's headers (not while a request runs)."""
        self.deadline = None
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self.arm()

    def connection_lost(self, exc) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        super().connection_lost(exc)


class RateLimited(logging.Filter):
    def __init__(self, per_second: int = limits.LOG_LINES_PER_S):
        super().__init__()
        self.per_second, self.window, self.count, self.dropped = per_second, 0, 0, 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = int(time.monotonic())
        if now != self.window:
            dropped, self.window, self.count, self.dropped = self.dropped, now, 0, 0
            if dropped:
                self.say_dropped(record, dropped)
        self.count += 1
        if self.count > self.per_second:
            self.dropped += 1
            return False
        return True

    @staticmethod
    def say_dropped(record: logging.LogRecord, dropped: int) -> None:
        """Say how many lines were dropped: in front of this record's message, or, for uvicorn's access log (whose
        formatter builds the line from the record's five arguments, not its message), on the server's error log."""
        note = f"[{dropped} log line(s) dropped in the last second(s)]"
        if record.name == ACCESS_LOG:
            logging.getLogger("uvicorn.error").warning("%s on %s", note, ACCESS_LOG)
        else:
            record.msg = f"{note} {record.getMessage()}"
            record.args = ()


def limit_logs(names=("uvicorn.error", ACCESS_LOG, "evaluator.serve")) -> None:
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RateLimited) for f in logger.filters):
            logger.addFilter(RateLimited())
