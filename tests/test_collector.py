"""ruling/collector.settle: what a server or worker process holds when it starts is frozen out of the cyclic
collector's walks, garbage of that moment is collected first (not frozen for ever), later cycles are still
collected, and the young generation is collected every YOUNG allocations. Run in a fresh interpreter: the test
process's own collector is left as it is."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from evaluator.ruling import collector

from .conftest import ROOT

PROBE = textwrap.dedent("""
    import gc, json, weakref
    from evaluator.ruling import collector

    class Node:
        pass

    kept = [Node() for _ in range(1000)]          # what the process keeps for its life
    a, b = Node(), Node()
    a.other, b.other = b, a                        # a cycle nobody refers to any more: garbage
    before = weakref.ref(a)
    del a, b
    frozen_before = gc.get_freeze_count()
    collector.settle()
    c, d = Node(), Node()
    c.other, d.other = d, c                        # a cycle made later, while serving
    after = weakref.ref(c)
    del c, d
    gc.collect()
    print(json.dumps({"frozen_before": frozen_before, "frozen": gc.get_freeze_count(),
                      "threshold": gc.get_threshold(), "old_garbage_freed": before() is None,
                      "new_garbage_freed": after() is None, "kept_alive": len(kept)}))
""")


def test_settle_freezes_what_is_kept_and_collects_garbage():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    got = json.loads(out.stdout)
    assert got["frozen_before"] == 0 and got["frozen"] >= 1000  # the kept objects left the collector's walks
    assert got["threshold"][0] == collector.YOUNG
    assert got["old_garbage_freed"]  # collected before freezing, not kept for ever
    assert got["new_garbage_freed"]  # the collector still collects what serving makes
    assert got["kept_alive"] == 1000
