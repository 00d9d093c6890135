"""No warning from the engine boundary, on every supported Python (3.11, 3.12, 3.13).

durable-rules 2.0.28 warns in one place, measured on 3.12 and 3.13: its Python action layer's clock calls
datetime.utcfromtimestamp (DeprecationWarning; pinned in test_engine_canaries.py). The boundary never runs that layer
(evaluator/engine/engines.py), so nothing is filtered there; this test fails on any warning the boundary gives, new
ones included. In a fresh interpreter, so that import-time warnings (the C extension's, durable's modules compiled
without their cached bytecode) count too. Within the suite, any warning from durable's modules is an error
(pyproject.toml, [tool.pytest.ini_options] filterwarnings)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from .conftest import ROOT

# Every path of the boundary: the C extension's import, the Host, a rule set compiled, facts of each type, a case
# that matches nothing as the first one of its rule set (the catch-all), thousands of states, and the same cases on
# the reference evaluator.
CODE = textwrap.dedent("""
    import json, sys
    from decimal import Decimal
    from evaluator.engine import engines
    from evaluator.engine.conditions import FactType, make_rules

    types = {"x": FactType("integer"), "r": FactType("number"), "s": FactType("string"), "f": FactType("boolean")}
    whens = [{"fact": "x", "op": "ge", "value": 2}, {"fact": "r", "op": "lt", "value": 0.5},
             {"any": [{"fact": "s", "op": "eq", "value": "社区"}, {"fact": "f", "op": "eq", "value": True}]},
             {"not": {"fact": "x", "op": "exists"}}]
    data = {"result": "t.fired", "rules": [{"id": f"r{i}", "title": {"zh": "规", "en": "r"}, "cites": ["c"],
                                            "modality": "must", "when": w} for i, w in enumerate(whens)]}
    rules = make_rules("t.rules", 1, data, types)
    cases = [{"x": 0}, {"x": 3, "r": Decimal("0.25"), "s": "社区", "f": True}, {}, {"x": 1, "s": "x", "f": False}]
    out = {}
    for name in ("durable", "reference"):
        engine = engines.make(name)
        out[name] = [engine.fire(rules, facts, "t", f"c{i}") for i, facts in enumerate(cases * 600)]
    assert out["durable"] == out["reference"]
    print(json.dumps(out["durable"][:len(cases)]))
""")


def test_the_engine_boundary_gives_no_warning_at_all():
    # -W error: any warning is an exception; -B and a fresh cache prefix: modules compiled now, so compile-time
    # warnings (SyntaxWarning on 3.12+) are raised too, not hidden by bytecode pip compiled at install.
    proc = subprocess.run([sys.executable, "-W", "error", "-B", "-X", f"pycache_prefix={ROOT}/build/no-such-cache",
                           "-c", CODE], capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout) == [[], ["r0", "r1", "r2"], ["r3"], []]

