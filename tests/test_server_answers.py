"""A worker's answer handed back through shared memory (serve/answers.py): the bytes the server takes out are the
bytes the worker wrote, a buffer is freed once taken (also when nothing waits for the answer any more), and
whatever cannot go that way (too large, not bytes, no free buffer, no region) goes through the pipe unchanged."""
from __future__ import annotations

import concurrent.futures as cf
import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from evaluator.serve import answers
from evaluator.serve.app import taken


@pytest.fixture
def slots():
    s = answers.Slots(2, size=1024)
    s.claim()
    return s


def test_an_answer_comes_back_byte_for_byte_and_frees_its_buffer(slots):
    body = bytes(range(256)) * 4  # a full buffer
    sent = slots.put(body)
    assert isinstance(sent, answers.Sent) and sent.length == len(body)
    assert slots.take(sent) == body
    for _ in range(5):  # freed: the same two buffers serve one answer after another
        assert slots.take(slots.put(b"x" * 10)) == b"x" * 10


def test_what_cannot_be_left_in_a_buffer_goes_as_it_is(slots):
    assert slots.put(b"y" * 1025) == b"y" * 1025  # larger than a buffer
    part = ([b"[]"], None)  # a part of a request: not bytes
    assert slots.put(part) is part
    first, second = slots.put(b"a"), slots.put(b"b")  # both buffers full: the third answer goes through the pipe
    assert isinstance(first, answers.Sent) and isinstance(second, answers.Sent) and slots.put(b"c") == b"c"
    assert slots.take(second) == b"b" and slots.take(first) == b"a"
    assert slots.take(b"plain") == b"plain"


def test_each_worker_has_a_region_of_its_own(slots):
    """A worker claims a region no other worker has (its pid written as the owner); with every region taken, its
    answers go through the pipe."""
    assert slots.mine == 0 and int.from_bytes(slots.head[:answers.OWNER], "little") == os.getpid()
    full = answers.Slots(1, size=16)
    full.head[:answers.OWNER] = (os.getpid() + 1).to_bytes(answers.OWNER, "little")  # another worker's
    full.claim()
    assert full.mine is None and full.put(b"z") == b"z"


def test_an_answer_nobody_waits_for_still_frees_its_buffer(slots):
    """A request that timed out stopped waiting (its future cancelled): when the worker's answer arrives, its
    buffer is taken and freed all the same, and a cancelled request not yet started is not ruled."""
    worker = cf.Future()
    out = taken(worker, slots)
    assert out.cancel()
    assert worker.cancelled()  # not started: cancelled with it
    running = cf.Future()
    assert running.set_running_or_notify_cancel()
    out = taken(running, slots)
    out.cancel()
    first, second = slots.put(b"1"), slots.put(b"2")
    running.set_result((200, "application/json", first))
    assert isinstance(slots.put(b"3"), answers.Sent)  # the first buffer was freed
    done = cf.Future()
    waited = taken(done, slots)
    done.set_result((200, "application/json", second))
    assert waited.result() == (200, "application/json", b"2")
    failed = cf.Future()
    waited = taken(failed, slots)
    failed.set_exception(BrokenProcessPool("gone"))
    with pytest.raises(BrokenProcessPool):
        waited.result()
