"""manifest.canonical_json (the C codecs) writes exactly what rfc8785 writes of the decoded value, or fails as it
does: every character (controls, DEL, U+2028, the BMP's edges, beyond the BMP, escaped surrogates), keys that
sort differently by code point and by UTF-16, integers at and beyond RFC 8785's range, floats of every magnitude,
NaN and Infinity, nesting."""
from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings, strategies as st

from evaluator.repo.manifest import canonical, canonical_json

TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\ufeff", "\uffff",
                                                                "\ue000", "\U0001f600", '"', "\\", "/"]), max_size=12)
LIMIT = 2**53 - 1
NUMBER = (st.integers(-LIMIT, LIMIT) | st.integers() | st.sampled_from([LIMIT, LIMIT + 1, -LIMIT, -LIMIT - 1])
          | st.floats(allow_nan=False, allow_infinity=False)
          | st.sampled_from([0.0, -0.0, 1e21, 1e-7, 1e-6, 123e20, 5e-324, 1.7976931348623157e308, 0.1, 100.0]))
VALUE = st.recursive(st.none() | st.booleans() | NUMBER | TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                     max_leaves=30)


def outcome(f, *args):
    try:
        return f(*args)
    except (rfc8785.CanonicalizationError, ValueError, RecursionError) as exc:
        return type(exc)


@settings(max_examples=600, deadline=None, derandomize=True, database=None)
@given(VALUE, st.booleans())
def test_the_same_bytes_as_rfc8785(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert outcome(canonical_json, text) == outcome(lambda t: rfc8785.dumps(json.loads(t)), text)


@pytest.mark.parametrize("text", [
    '{"\\ue000": 1, "\\ud83d\\ude00": 2}',  # U+E000 after U+1F600 in UTF-16, before it by code point
    '{"a": NaN}', '[Infinity]', '[-Infinity]', '[1e400]', '[9007199254740992]', '[-9007199254740992]',
    '["\\ud800"]', '{"\\udfff": 1}', '[1.0, 1e+16, 1e21, 1E-7, -0.0, 0.000001, 12345678901234567890.0]',
    '{"b": {"d": [], "c": {}}, "a": [true, false, null]}', "[" * 3000 + "]" * 3000, '{"a": 1, "a": 2}'])
def test_edges(text):
    assert outcome(canonical_json, text) == outcome(lambda t: canonical(json.loads(t)), text)
