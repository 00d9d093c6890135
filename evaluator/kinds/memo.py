"""What a ruling step gave before, for the same policy versions and the same inputs: a bounded memo.

A worker's band, raised level, star row and honours award are functions of the policy version in force (its data)
and of a few facts (post, years, education, certificate, stars); a file of thousands of workers asks for the same
few hundred of them over and over. A ruling looks its steps up itself (a call per step would cost more than the
lookup: this runs for every case): `steps(fns)` once per case, naming every function of its steps as they are now
(a step changed at run time, e.g. patched by a test, is not answered by the old one), then per step
`remembered.get(k)` with k = (the step's function, its inputs and their types, the versions' ids), a hit being
good only for the very version objects it holds before its value (`hit[0] is version`), and
`keep(remembered, k, versions, value)` on a miss. The inputs' types are part of the key (see typed(): 1, 1.0, True
and Decimal(1) are different keys: a trace shows the value as given). What is remembered is a step's results and
its trace entries made once (kinds/trace.template): every ruling copies them into entries of its own.

It is exact only while version data is not changed in place and reading it has no side effects, so the memo is
not used
- for a version whose data holds anything but plain dicts, lists and scalars (e.g. the recording mappings of
  ruling/reading_reach.py, whose reads must count for every ruling), unless what it records is being recorded
  (READS): then the step is remembered with what its reading recorded, and each ruling that finds it remembered
  records the same again (`replay`), as its own reading would have (the same step on the same data reads the
  same keys);
- inside `suspended()`, which whoever changes loaded policy data in place must hold (the mutation sweep,
  checks/mutations.py).
Bounded whatever the input: at most MAX_ENTRIES results (then it starts again), each key a few scalars.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import threading
from decimal import Decimal

MAX_ENTRIES = 16_384  # distinct (step, versions, inputs): a few hundred for the workers a schema allows per version

_MEMO: dict = {}
_PLAIN: dict = {}  # id(version) -> (version, whether its data is plain): asked once per version object
_LOCK = threading.Lock()
_suspended = 0
_generation = 0


def steps(fns: tuple) -> dict:
    """The memo, for a caller that looks its steps up itself (see the module's docstring): `fns` is every function
    of those steps as it is now, and when one has changed since the last call with the same first function (a step
    patched at run time, e.g. by a test) everything remembered is forgotten. Inside `suspended()` a new empty
    mapping each time, so that nothing is answered from memory nor kept."""
    if _suspended:
        return {}
    if _FNS.get(fns[0]) != fns:
        with _LOCK:
            _MEMO.clear()
            if len(_FNS) >= 64:
                _FNS.clear()
            _FNS[fns[0]] = fns
    return _MEMO


def keep(remembered: dict, key: tuple, versions: tuple, step, *args) -> tuple:
    """(*versions, step(*args), what reading policy data recorded while it ran), as a hit gives it, remembered in
    `remembered` (what steps() gave) under `key` when every version's data is plain or what it records is being
    recorded (see the module's docstring), within MAX_ENTRIES. A caller that finds a hit replays its last item."""
    reads = READS.get()
    if reads is None:
        value, got = step(*args), NOTHING_READ
    else:
        mine: set = set()
        token = READS.set(mine)
        try:
            value = step(*args)
        finally:
            READS.reset(token)
            reads |= mine
        got = frozenset(mine)
    hit = (*versions, value, got)
    if reads is not None or all(map(plain, versions)):
        if len(remembered) >= MAX_ENTRIES:
            remembered.clear()
        remembered[key] = hit
    return hit


def replay(reads: frozenset) -> None:
    """Record again what a remembered step's reading recorded (keep), into what is being recorded now, if any."""
    seen = READS.get()
    if seen is not None:
        seen |= reads


READS: contextvars.ContextVar = contextvars.ContextVar("policy_data_reads", default=None)
"""The set into which recording mappings of policy data (ruling/reading_reach.Watched) add what a ruling reads of
them, while one is being recorded (reading_reach.recording); None otherwise."""
NOTHING_READ = frozenset()


_FNS: dict = {}  # the first function of a caller's steps -> all of them, as steps() was last given them


def typed(*values) -> tuple:
    """A key of values that tells equal values of different types apart (5, 5.0, Decimal('5.0') and True): the
    values, then their types."""
    return values + tuple(map(type, values))


def plain(version) -> bool:
    """Whether a version's data is made of plain dicts, lists and scalars only (remembered per version object)."""
    hit = _PLAIN.get(id(version))
    if hit is not None and hit[0] is version:
        return hit[1]
    ok = _plain(version.data)
    with _LOCK:
        if len(_PLAIN) >= MAX_ENTRIES:
            _PLAIN.clear()
        _PLAIN[id(version)] = (version, ok)
    return ok


def _plain(value, depth: int = 0) -> bool:
    t = type(value)
    if t is dict:
        return depth < 64 and all(_plain(v, depth + 1) for v in value.values())
    if t is list:
        return depth < 64 and all(_plain(v, depth + 1) for v in value)
    return t in _SCALARS


_SCALARS = (str, int, float, bool, type(None), Decimal, dt.date, dt.datetime)


@contextlib.contextmanager
def suspended():
    """No step is remembered or answered from memory inside the block (for code that changes policy data in
    place); what was remembered before is forgotten, on entry and on exit."""
    global _suspended, _generation
    with _LOCK:
        _suspended += 1
        _generation += 1
        _MEMO.clear()
    try:
        yield
    finally:
        with _LOCK:
            _suspended -= 1
            _generation += 1
            _MEMO.clear()


def generation():
    """What is remembered now belongs to this generation (an int), which each forget() and suspended() ends; None
    inside `suspended()`, where nothing may be remembered or answered from memory."""
    return None if _suspended else _generation


def forget() -> None:
    """Forget every remembered step (e.g. after policy data was changed in place)."""
    global _generation
    with _LOCK:
        _generation += 1
        _MEMO.clear()
