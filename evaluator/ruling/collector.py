"""Python's cyclic garbage collector in the processes that rule many cases: the server's (`policy serve`, its
workers) and `policy eval`'s.

A worker holds the repository, its caches and the notes' compiled programs (about 90,000 objects the collector
tracks), made before it rules anything and kept for its life. Each collection of the oldest generation walks them
all, and a request of 100 cases allocates enough containers for about ten collections of the young generation and,
every few requests, one of the older ones: measured at about 60 µs of a worker's CPU per ruling, a quarter of it
(2026-12-06, bench bodies of bench/serve_speed.py ruled in a loop, gc.callbacks timing every collection).

`settle()` collects once (so that no garbage is kept for ever), then moves every object that exists into the
permanent generation, which the collector never walks (gc.freeze: the objects a process keeps for its life), and
lets the young generation grow to YOUNG container objects before it is collected. The count is of objects made and
not yet freed: ruling makes no cyclic garbage (none found after 20 requests of 100 cases and 200 of one), so what
a young collection walks is what the request being ruled holds, about 9,000 containers for 100 cases: with YOUNG
above that (up to some 500 cases a request) no collection happens at all (measured: 8,192 gave about one a
request, 9 µs a ruling; 20,000 or more none). With both, the collector costs under 1 µs per ruling, and the
collections of the oldest generation that walked the whole repository (60 to 120 ms each, about one in 600
one-case requests: the tail of their latency) are gone. A cycle, should one be made, waits at most YOUNG
allocations. Frozen objects are not touched by a forked worker's collections either (copy-on-write pages stay
shared).
"""
from __future__ import annotations

import gc

YOUNG = 50_000  # net allocations of container objects between two collections of the young generation (700)


def settle(young: int | None = YOUNG) -> None:
    """Collect, then freeze what this process holds now; with `young`, collect the young generation that rarely."""
    gc.collect()
    gc.freeze()
    if young is not None:
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(young, older, oldest)
