"""A worker's answer handed to the server through memory they share, not through the process pool's pipe.

The process pool sends a result back pickled through a pipe: a 100-case answer (about 0.5 MB) was copied six times
on its way (pickled, written into the pipe 64 KB at a time, read back, gathered, unpickled) at about 4 µs of CPU
per ruling across the worker and the server (2026-12-06, bench/serve_speed.py). Here the server maps, before it
forks the workers, one region per worker of two buffers of BUFFER_BYTES each (anonymous shared memory: inherited at
fork, never a file). A worker claims a region when it starts and writes an answer into a free buffer of its own
(Slots.put); what goes through the pipe is where it is (Sent). The server copies it out and frees the buffer as soon
as the result arrives, on the pool's thread, whether or not the request still waits for it (Slots.take), so a
request that timed out does not keep a buffer. An answer larger than a buffer, an answer that is not bytes (a part
of a request), or a worker with no free buffer or no region sends its answer through the pipe as before: the bytes
the client gets are the same either way.

Each pool of workers has its own Slots: a pool whose worker died is replaced with new regions, so no worker of the
old pool can write into a buffer the new one uses.
"""
from __future__ import annotations

import mmap
import multiprocessing
import os
from dataclasses import dataclass

BUFFER_BYTES = 4 * 1024 * 1024  # an answer of up to about 500 cases; memory is taken only as far as it is written
BUFFERS = 2  # per worker: one being read by the server while the next answer is written
FREE, FULL = 0, 1
OWNER = 8  # bytes of a region's owner (a pid) in the header, then a state byte per buffer
LOCK_TIMEOUT_S = 1.0  # a claim or a release waits no longer (a worker killed holding the lock must not stop others)


@dataclass(frozen=True)
class Sent:
    """An answer left in a buffer of the shared memory: region, buffer and its length in bytes."""

    region: int
    buffer: int
    length: int


class Slots:
    def __init__(self, regions: int, size: int = BUFFER_BYTES):
        self.regions, self.size = regions, size
        self.head = mmap.mmap(-1, max(regions, 1) * (OWNER + BUFFERS))  # MAP_SHARED | MAP_ANONYMOUS
        self.data = mmap.mmap(-1, max(regions, 1) * BUFFERS * size)
        self.lock = multiprocessing.get_context("fork").Lock()
        self.mine: int | None = None  # in a worker: the region it claimed

    def claim(self) -> None:
        """In a worker, once: a region no other worker of this pool has (none if every one is taken)."""
        if not self.lock.acquire(timeout=LOCK_TIMEOUT_S):
            return
        try:
            for r in range(self.regions):
                at = r * (OWNER + BUFFERS)
                if int.from_bytes(self.head[at:at + OWNER], "little") == 0:
                    self.head[at:at + OWNER] = os.getpid().to_bytes(OWNER, "little")
                    self.mine = r
                    return
        finally:
            self.lock.release()

    def put(self, body):
        """In a worker: the answer's body as Sent, written into a free buffer of its region, or the body itself
        (sent through the pipe) where it cannot be."""
        if self.mine is None or type(body) is not bytes or len(body) > self.size:
            return body
        for b in range(BUFFERS):
            state = self.mine * (OWNER + BUFFERS) + OWNER + b
            if self.head[state] == FREE:
                at = (self.mine * BUFFERS + b) * self.size
                self.data[at:at + len(body)] = body
                self.head[state] = FULL
                return Sent(self.mine, b, len(body))
        return body

    def take(self, body):
        """In the server: the answer's body as bytes, its buffer freed (a body sent through the pipe as it is)."""
        if type(body) is not Sent:
            return body
        at = (body.region * BUFFERS + body.buffer) * self.size
        out = self.data[at:at + body.length]
        # freed under the lock: its release orders the copy above before the worker can see the buffer free
        locked = self.lock.acquire(timeout=LOCK_TIMEOUT_S)
        try:
            self.head[body.region * (OWNER + BUFFERS) + OWNER + body.buffer] = FREE
        finally:
            if locked:
                self.lock.release()
        return out
