"""Ruling many cases in several processes (`policy eval --jobs N`, or `auto`: see AUTO), the results given back in
the cases' order.

`in_blocks(work, n, jobs)` cuts the cases 0..n-1 into contiguous blocks (`blocks`) and yields work(span) of each
block in order, where `span` iterates over the block's indices (and tells its `start` and `stop`). With one job this
process rules every block; with N it forks N-1 processes that inherit the loaded repository, the cases and the
engine (nothing of them is pickled) and rules a share itself: a block's start and stop go out, its result comes back
(pickled once per block: the block's rulings as one bytes string, see render/ruling_format.EncodedBlock). Blocks are
handed out as processes become free, each forked process holding the one it rules and AHEAD more, and no more cases
than (AHEAD + 1) of the largest blocks per process are handed out or wait to be written (so memory is bounded
whatever the number of cases);
they are given back in order, so every byte written from the results is that of one process. Where the platform
cannot fork, every block is ruled in this process.

A block is the unit of the notes on alternative readings (batch/reading_notes.ReadingNotes.set_window): the process
that rules a block works out its notes once, for that block alone.

Ctrl-C: the forked processes ignore SIGINT (the terminal sends it to all of them); the KeyboardInterrupt raised
here stops them and goes up to the command, which says so in one line. A forked process that dies (a signal) or
raises is reported as a WorkerError, never waited for.
"""
from __future__ import annotations

import collections
import gc
import os
import pickle
import signal
import sys
import traceback
from multiprocessing import connection

MAX_JOBS = 64  # more processes than this helps no machine this tool runs on; a larger --jobs is refused
# `--jobs auto` (policy eval's default): the machine's cores, for a file of at least AUTO_MIN_CASES cases whose
# rulings come back as bytes (JSON written as it goes). Forking the processes costs some 20-50 ms of CPU here (the
# repository loaded). Measured on bench/eval_speed.py's generated worker cases, `--jobs 1` against `--jobs 2`,
# fastest of three runs, 2 cores shared with other work (load about 3), 2026-12-06: 200 cases 0.75 s against
# 0.72 s, 300 cases 0.81 against 0.76, 500 cases 0.93 against 0.86, 1,000 cases 1.25 against 1.10 (the median of
# five runs still favoured one process at 200). Two processes pay from about 200 cases; AUTO_MIN_CASES leaves a
# margin, as the crossover moves up when a ruling gets cheaper. Rulings that come back as objects (the other
# formats, a decision log) cost more to send back than to make, so auto rules them in one process. At most
# AUTO_MAX_JOBS processes: each holds its own copy of what it touches of the repository (about 100 MB).
# Measured again once each process read the cases of its own blocks (2026-12-06, load 4-5, so from CPU times: the
# time to the fork plus the busier process's time after it, against one process's time; best of three): 200 cases
# 0.43 s against 0.43, 300 0.49 against 0.47, 500 0.61 against 0.62, 1,000 0.71 against 0.81: by this measure
# (which leaves out waiting for a core) two processes pay from about 500, as each pays for the fork and for what it
# remembers on its own (the kinds' memos, the rule engine's answers; the reader's set-up is a few ms): it stays.
AUTO = 0
AUTO_MIN_CASES = 512
AUTO_MAX_JOBS = 8
# Cases in a block at most: a block's rulings' JSON (about 8 KB each) is held while it waits to be written, at most
# `limit` blocks (see Pool); 1,024 keeps a 40,000-case file's peak under 300 MB. Each block's notes are worked out
# apart, at a fixed cost per block (nine programs' runs: about 45 ms before the certificate clock's day tables were
# kept between runs, a few ms since), so blocks are not made smaller than they need to be.
MAX_BLOCK = 1024
BLOCKS_PER_JOB = 4  # blocks per process at least: the last ones even out a process that fell behind
# Cases in a block at least, where there are enough: a block's notes are worked out together, and below a few hundred
# cases their fixed cost per block weighs (batch/reading_notes.py: under MIN_CASES of a date, the per-case path).
MIN_BLOCK = 256
# The last `jobs` blocks are cut into up to TAIL_PARTS parts of TAIL_BLOCK cases or more: the processes then finish
# within a small block of each other. With even blocks of 1,000 worker cases (about 0.2 s each here) the process
# that ruled the last block had finished that long after the other (measured on the 20,000-case bench, 2026-12-06);
# a part of 250 cases still works its notes out on the compiled programs (from MIN_CASES: 32).
TAIL_PARTS = 4
TAIL_BLOCK = 128
AHEAD = 1  # blocks handed to a forked process beyond the one it rules, so that it never waits for the next
POLL = 32  # cases this process rules between looks at what the forked processes sent (they wait until it reads)


class WorkerError(RuntimeError):
    """A forked process raised (its traceback is the message) or died: a bug or a crash, not the user's input."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def chosen(jobs: int, n: int, sent_as_bytes: bool) -> int:
    """The processes to rule `n` cases with: `jobs` itself, or for AUTO the cores (at most AUTO_MAX_JOBS) where
    that pays (see AUTO_MIN_CASES), else one."""
    if jobs != AUTO:
        return jobs
    return min(cores(), AUTO_MAX_JOBS) if sent_as_bytes and n >= AUTO_MIN_CASES else 1


def blocks(n: int, jobs: int, most: int = MAX_BLOCK) -> list[range]:
    """The blocks 0..n-1 is cut into: contiguous, of near equal sizes, none over `most`, BLOCKS_PER_JOB per process
    or more where they hold MIN_BLOCK cases each (else one per process), their number a multiple of `jobs` (fewer
    only for fewer cases than processes: one case a block); with several processes the last `jobs` of them cut
    again into up to TAIL_PARTS near equal parts of TAIL_BLOCK cases or more (see TAIL_PARTS)."""
    if n <= 0:
        return []
    count = max(-(-n // most), min(BLOCKS_PER_JOB * jobs, n // min(MIN_BLOCK, most)), 1)
    count = min(n, -(-count // jobs) * jobs)
    out = even(range(n), count)
    if jobs > 1 and len(out) > jobs:
        parts = max(1, min(TAIL_PARTS, len(out[-1]) // TAIL_BLOCK))
        out[-jobs:] = [r for b in out[-jobs:] for r in even(b, parts)]
    return out


def even(cases: range, count: int) -> list[range]:
    """`cases` cut into `count` contiguous blocks whose sizes differ by one at most."""
    size, extra = divmod(len(cases), count)
    out, start = [], cases.start
    for b in range(count):
        stop = start + size + (b < extra)
        out.append(range(start, stop))
        start = stop
    return out


class Span:
    """A block's indices, in order; iterated in this process it also takes in what the forked processes sent
    every POLL cases (a process that sent a block waits until it is read)."""

    __slots__ = ("start", "stop", "poll")

    def __init__(self, start: int, stop: int, poll=None):
        self.start, self.stop, self.poll = start, stop, poll

    def __iter__(self):
        return self.polled(range(self.start, self.stop))

    def polled(self, items):
        """`items` (any iterable: e.g. the block's cases once read), what the forked processes sent taken in every
        POLL of them where this process rules the block."""
        if self.poll is None:
            yield from items
            return
        for k, item in enumerate(items):
            if k % POLL == POLL - 1:
                self.poll()
            yield item


def in_blocks(work, n: int, jobs: int = 1, most: int = MAX_BLOCK):
    """work(span) for each block of 0..n-1 (see blocks), in order, ruled by `jobs` processes (this one included)."""
    cut = blocks(n, jobs, most)
    if jobs <= 1 or len(cut) < 2 or not can_fork():
        for r in cut:
            yield work(Span(r.start, r.stop))
        return
    yield from Pool(work, cut, min(jobs, len(cut))).results()


class Pool:
    """N-1 forked processes and this one, ruling the blocks `cut` (see in_blocks)."""

    def __init__(self, work, cut: list, jobs: int):
        self.work, self.cut = work, cut
        self.todo = collections.deque(range(len(cut)))  # blocks not handed out, in order
        self.done: dict = {}  # block -> its result, until it is given back
        self.given = 0  # blocks given back
        self.busy: dict = {}  # connection -> blocks handed to its process, not yet sent back
        self.pids: dict = {}  # connection -> process id
        # Cases in the blocks handed out or done and not yet given back, at most: as many as (AHEAD + 1) of the
        # largest blocks per process. Counted in cases, not blocks, so that the small blocks of the tail (see
        # blocks) do not leave this process waiting, idle, for a larger block a forked process still rules before
        # it may write (measured on 20,000 worker cases, 2026-12-06: idle some 0.1 s near the end, the forked
        # process finishing its last block 0.06 s after this one); the memory they hold is bounded as before.
        self.limit = jobs * (AHEAD + 1) * max(map(len, cut))
        self.jobs = jobs

    def results(self):
        try:
            self.start()
            while self.given < len(self.cut):
                if self.given in self.done:
                    self.given += 1
                    yield self.done.pop(self.given - 1)
                    continue
                self.hand_out()
                if self.receive(0):
                    continue
                if self.todo and self.room(self.todo[0]):  # nothing to write yet: rule the next block here
                    b = self.todo.popleft()
                    r = self.cut[b]
                    self.done[b] = self.work(Span(r.start, r.stop, self.poll))
                    continue
                self.receive(None)
        finally:
            self.stop()

    def start(self) -> None:
        sys.stdout.flush()  # nothing buffered here may be written again by a forked process (they never flush)
        sys.stderr.flush()
        # Everything this process holds now (the repository, the file's cases, the compiled programs) is left out
        # of the garbage collector's walks, here and in the forked processes, until stop(): a forked process's
        # collections would otherwise walk all of it again and again, writing into every object's header (so
        # copying the pages it shares with this process). Measured on 40,000 worker cases, --jobs 2: 8.0 CPU-s
        # against 8.7-9.0 (2026-12-06, 2 cores shared).
        gc.freeze()
        for _ in range(self.jobs - 1):
            mine, theirs = connection.Pipe()
            pid = os.fork()
            if pid == 0:  # the forked process: rule what it is handed until told to stop, then leave at once
                code = 0
                try:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops this process
                    mine.close()
                    for other in self.busy:
                        other.close()
                    serve(self.work, theirs)
                except BaseException:  # noqa: BLE001 - nothing of this process may run the parent's code after
                    code = 1
                finally:
                    os._exit(code)
            theirs.close()
            self.busy[mine], self.pids[mine] = collections.deque(), pid

    def ahead(self) -> int:
        """Cases in the blocks handed out or done and not yet given back."""
        cut = self.cut
        return sum(len(cut[b]) for b in self.done) + sum(len(cut[b]) for q in self.busy.values() for b in q)

    def room(self, b: int) -> bool:
        """Whether block `b` may be handed out (or ruled here) within the limit."""
        return self.ahead() + len(self.cut[b]) <= self.limit

    def hand_out(self) -> None:
        # The last blocks are not handed out ahead: the process that is free first rules the next one, so that no
        # process ends holding a block another, idle, could have ruled.
        ahead = AHEAD if len(self.todo) > self.jobs else 0
        for conn, queue in self.busy.items():
            while self.todo and len(queue) <= ahead and self.room(self.todo[0]):
                b = self.todo.popleft()
                queue.append(b)
                conn.send((self.cut[b].start, self.cut[b].stop))

    def receive(self, timeout) -> bool:
        """Take in the blocks the forked processes sent (waiting up to `timeout`, None: until one comes)."""
        waiting = [c for c, q in self.busy.items() if q]
        if not waiting:
            return False
        ready = connection.wait(waiting, timeout)
        for conn in ready:
            try:
                status, got = receive(conn)
            except (EOFError, OSError):
                raise WorkerError(f"a process ruling the cases (pid {self.pids[conn]}) stopped: "
                                  f"{self.reap(conn)}") from None
            if status != "ok":
                raise WorkerError(f"a process ruling the cases failed:\n{got}")
            self.done[self.busy[conn].popleft()] = got
        return bool(ready)

    def poll(self) -> None:
        self.receive(0)
        self.hand_out()

    def reap(self, conn) -> str:
        pid = self.pids.pop(conn)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return "gone"
        if os.WIFSIGNALED(status):
            return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
        return f"exit code {os.waitstatus_to_exitcode(status)}"

    def stop(self) -> None:
        """Every forked process told to stop (or killed if it has work still), then waited for."""
        for conn in list(self.busy):
            pid = self.pids.get(conn)
            if pid is not None and self.busy[conn]:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            else:
                try:
                    conn.send(None)
                except OSError:
                    pass
            conn.close()
            if pid is not None:
                self.reap(conn)
        self.busy.clear()
        gc.unfreeze()


def serve(work, conn) -> None:
    """In a forked process: rule each block handed over and send its result back, until told to stop."""
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            got = ("ok", work(Span(*job)))
        except Exception:  # noqa: BLE001 - a bug: its traceback goes to the parent, which reports it
            got = ("failed", traceback.format_exc())
        send(conn, got)


def send(conn, obj) -> None:
    """obj pickled, its large buffers (pickle protocol 5: an EncodedBlock's text) sent as they are, not copied into
    the pickle and out of it again."""
    buffers: list = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    conn.send(len(buffers))
    conn.send_bytes(data)
    for b in buffers:
        conn.send_bytes(b.raw())


def receive(conn):
    count = conn.recv()
    data = conn.recv_bytes()
    return pickle.loads(data, buffers=[conn.recv_bytes() for _ in range(count)])
