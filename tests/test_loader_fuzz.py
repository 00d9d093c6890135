"""Property-based fuzzing of the strict loader (load/yaml_strict.py, load/compose.py, load/limits.py): whatever the
bytes, the loader gives a document or positioned problems, never another exception; nesting, sizes and numbers
are refused exactly at their limits; what it accepts is what was written."""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.load import limits
from evaluator.load.problems import PolicyInputError
from evaluator.load.yaml_strict import load_bytes, load_text

FUZZ = settings(max_examples=300, suppress_health_check=list(HealthCheck))


def outcome(load, data):
    """The loaded data, or the problems' codes; any other exception fails the test."""
    try:
        return ("ok", load(data, "fuzz.yaml").data)
    except PolicyInputError as exc:
        assert exc.problems and all(p.path == "fuzz.yaml" and p.message for p in exc.problems)
        return ("problems", [p.code for p in exc.problems])


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes(raw):
    outcome(load_bytes, raw)


YAMLISH = st.text(alphabet=st.sampled_from(list("[]{}:,-&*!|>'\"#?%@` \n\tab01.e+~") + ["\u00e9", "\u540d", "\x00",
                                                                                       "\ufeff", "\ud800"]),
                  max_size=200)


@FUZZ
@given(YAMLISH)
def test_yaml_like_text(text):
    outcome(load_text, text)


@FUZZ
@given(st.sampled_from(["[", "{a: ", "- ", '{"k": ', "[{a: "]), st.integers(1, 3 * limits.MAX_DEPTH))
def test_nesting_is_refused_exactly_beyond_the_limit(opener, depth):
    closer = {"[": "]", "{a: ": "}", "- ": "", '{"k": ': "}", "[{a: ": "}]"}[opener]
    per = 2 if opener == "[{a: " else 1  # levels each opener adds
    text = opener * depth + "1" + closer * depth + "\n"
    kind, got = outcome(load_text, text)
    if depth * per <= limits.MAX_DEPTH:
        assert kind == "ok", got
    else:
        assert kind == "problems" and "too_deep" in got


# Text YAML can hold (its reader refuses control characters, surrogates and U+FFFE/U+FFFF even where JSON allows
# them raw: such a body is refused as a whole with its position, checked by test_yaml_like_text above).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn")), max_size=20)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: len(str(d)) < 60),
                    TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                       st.dictionaries(TEXT, inner, max_size=5)),
                      max_leaves=30)


def _json(value) -> str:
    """JSON text with every number written as a number (Decimals in full, never as strings or floats)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_json, value)) + "]"
    if isinstance(value, Decimal):
        return str(value)  # 1E+5, 0.001, -0: JSON numbers (Python writes exponents as E+n, which JSON allows)
    return json.dumps(value, ensure_ascii=False)


def _within(value) -> bool:
    if isinstance(value, dict):
        return all(_within(v) for v in value.values())
    if isinstance(value, list):
        return all(_within(v) for v in value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        return limits.number_text_problem(text) is None and limits.number_problem(value) is None
    return True


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, (int, Decimal)) and not isinstance(a, bool):
        return isinstance(b, (int, Decimal)) and not isinstance(b, bool) and Decimal(a) == Decimal(b)
    return a == b and type(a) is type(b)


@FUZZ
@given(VALUES)
def test_json_documents_load_as_written_or_name_their_number(value):
    """A JSON document (JSON is YAML) loads to the same values, exact (no float), unless a number is beyond the
    limits, which is then the one problem named."""
    kind, got = outcome(load_text, _json({"v": value}))
    if _within(value):
        assert kind == "ok" and _same({"v": value}, got), got
    else:
        assert kind == "problems" and got == ["number_range"]


@FUZZ
@given(st.sampled_from(["", "-"]), st.integers(0, 6000), st.sampled_from(["", "e", "e-", "e+"]),
       st.integers(0, 10**12))
def test_number_text_is_bounded_before_it_is_read(sign, digits, exp, power):
    text = sign + "9" * max(digits, 1) + (f"{exp}{power}" if exp else "")
    kind, got = outcome(load_text, f"n: {text}\n")
    if kind == "ok":
        n = got["n"]
        assert abs(n) < limits.MAX_MAGNITUDE and len(text) <= limits.MAX_NUMBER_CHARS
    else:
        assert got == ["number_range"]


@FUZZ
@given(st.text(max_size=60), st.sampled_from(["utf-8", "utf-16", "gbk", "latin-1"]))
def test_encodings(text, encoding):
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        return
    kind, got = outcome(load_bytes, b"k: " + raw)
    if kind == "problems" and encoding == "utf-8":
        assert "encoding" not in got  # valid UTF-8 is never refused as an encoding


def test_sizes_of_collections_are_bounded():
    text = "[" + "1," * (limits.MAX_ITEMS + 1) + "1]"
    kind, got = outcome(load_text, text)
    assert kind == "problems" and got == ["too_large"]
