"""JSON case files read fast (evaluator/load/json_cases.py): the very Document the strict loader gives — the same
data, of the same types, the same positions and the same cases — and, for anything the two might read otherwise,
the strict loader's own answer (data or positioned problems)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from evaluator import api
from evaluator.cases import files as case_files
from evaluator.load import json_cases, limits
from evaluator.load.problems import PolicyInputError
from evaluator.load.yaml_strict import load_bytes, load_file


def dumps(value, indent: int | None, colon: str = ": ") -> str:
    """JSON text of loaded data, numbers exactly as loaded (a Decimal as its own digits); colon=":" (and no indent)
    for the compact layout."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        items = [f"{json.dumps(k, ensure_ascii=False)}{colon}{dumps(v, indent, colon)}" for k, v in value.items()]
        return _join("{", items, "}", indent)
    if isinstance(value, list):
        return _join("[", [dumps(v, indent, colon) for v in value], "]", indent)
    return json.dumps(value, ensure_ascii=False)


def _join(open_, items, close, indent):
    if indent is None or not items:
        return open_ + ",".join(items) + close
    inner = ",\n".join(items).replace("\n", "\n" + " " * indent)
    return f"{open_}\n{' ' * indent}{inner}\n{close}"


def typed(value):
    """The value with every type spelled out, so that 1, 1.0, True and Decimal(1) never compare equal."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, str(value))


def outcome(read, raw: bytes):
    try:
        doc = read(raw, "f.json")
    except PolicyInputError as exc:
        return "refused", [str(p) for p in exc.problems]
    strict = load_bytes(raw, "f.json")  # where every position is
    return ("read", typed(doc.data), {p: doc.position(p) for p in strict.marks},
            {p: doc.key_position(p) for p in strict.key_marks})


def repository_files_as_json(repo):
    for path in api.case_files_of(repo):
        data = load_file(path).data
        if isinstance(data, dict) and list(data) == ["cases"]:
            for indent, colon in ((None, ": "), (2, ": "), (None, ":")):
                yield path, dumps(data, indent, colon)


def test_every_case_file_as_json_reads_as_the_strict_loader_reads_it(repo):
    seen = 0
    for path, text in repository_files_as_json(repo):
        raw = text.encode("utf-8")
        doc = json_cases.load_file_bytes(raw, "f.json")
        assert isinstance(doc, json_cases.LazyDocument), path  # the fast path was taken
        assert doc.full is None
        assert outcome(json_cases.load_file_bytes, raw) == outcome(load_bytes, raw), path
        seen += 1
    assert seen >= 20


def test_a_compact_file_of_whole_numbers_is_decoded_by_orjson_as_json_decodes_it(repo):
    """The compact layout (every key right before its ':') without a fraction is decoded by orjson
    (json_cases._whole), to the very data json's decoder gives; one with a fraction, or a key written twice, is left
    to json."""
    seen = 0
    for path, text in repository_files_as_json(repo):
        if '": ' in text or "\n" in text:
            continue
        start = text.index("[")
        by_json = json.JSONDecoder(parse_float=Decimal).scan_once(text, start)[0]
        fraction = any(isinstance(v, Decimal) for v in walk(by_json))
        numbers = text.encode().translate(json_cases._NUMBERS)
        by_orjson = json_cases._whole(text, numbers)
        assert by_orjson is None or not fraction, path  # (a digit before 'e' in a string sends it to json too)
        if by_orjson is not None:
            assert typed(by_orjson) == typed(by_json), path
            seen += 1
        twice = text.replace('"kind":', '"kind":"task","kind":', 1)
        assert json_cases._whole(twice, twice.encode().translate(json_cases._NUMBERS)) is None, path
    assert seen >= 5


def walk(value):
    yield value
    for v in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        yield from walk(v)


def test_every_case_file_as_json_gives_the_same_cases(repo, tmp_path):
    for path, text in repository_files_as_json(repo):
        target = tmp_path / "cases.json"
        target.write_text(text, encoding="utf-8")
        fast = case_files.load(target, repo.schema_dir)
        strict = case_files.from_document(load_bytes(text.encode(), str(target)), repo.schema_dir)
        assert [(e.id, e.index, e.line, [str(p) for p in e.problems]) for e in fast.entries] == \
               [(e.id, e.index, e.line, [str(p) for p in e.problems]) for e in strict.entries], path
        assert [(c.id, typed(c.facts), c.as_of, c.line) for c in fast.cases] == \
               [(c.id, typed(c.facts), c.as_of, c.line) for c in strict.cases], path


CASE = '{"id": "w", "kind": "worker", "as_of": "2024-07-01", "facts": {"post": "deputy", "years_of_service": 5}}'
DEEP = "[" * 70 + "]" * 70
HOSTILE = {
    "tab": '{"cases":\t[' + CASE + ']}',
    "crlf": '{"cases": [\r\n' + CASE + '\r\n]}',
    "escaped slash": '{"cases": [' + CASE.replace('"w"', '"a\\/b"') + ']}',
    "lone surrogate": '{"cases": [' + CASE.replace('"w"', '"\\ud800"') + ']}',
    "surrogate pair": '{"cases": [' + CASE.replace('"w"', '"\\ud83d\\ude00"') + ']}',
    "nan": '{"cases": [' + CASE.replace("5}", "NaN}") + ']}',
    "infinity": '{"cases": [' + CASE.replace("5}", "-Infinity}") + ']}',
    "duplicate key": '{"cases": [' + CASE.replace('"as_of"', '"kind": "task", "as_of"') + ']}',
    "huge exponent": '{"cases": [' + CASE.replace("5}", "1e999999}") + ']}',
    "big integer": '{"cases": [' + CASE.replace("5}", "123456789012345678901234567890}") + ']}',
    "many places": '{"cases": [' + CASE.replace("5}", "1.0000000000000000000000000001}") + ']}',
    "deep inside a case": '{"cases": [' + CASE.replace("5}", "5, \"x\": " + DEEP + "}") + ']}',
    "very deep": '{"cases": [' + "[" * 3000 + "]" * 3000 + ']}',
    "long key": '{"cases": [' + CASE.replace('"id"', '"' + "k" * 1100 + '": 1, "id"') + ']}',
    "key apart from its colon": '{"cases": [' + CASE.replace('"id":', '"id"\n:') + ']}',
    "key far from its colon": '{"cases": [' + CASE.replace('"id":', '"id"' + " " * 1100 + ":") + ']}',
    "trailing comma": '{"cases": [' + CASE + ',]}',
    "trailing text": '{"cases": [' + CASE + ']} x',
    "another field": '{"cases": [' + CASE + '], "more": 1}',
    "no cases": '{"cases": []}',
    "delete character": '{"cases": [' + CASE.replace('"w"', '"a\x7fb"') + ']}',
    "line separator": '{"cases": [' + CASE.replace('"w"', '"a\u2028b"') + ']}',
    "next line": '{"cases": [' + CASE.replace('"w"', '"a\x85b"') + ']}',
    "merge-like key": '{"cases": [' + CASE.replace('"id"', '"<<": 1, "id"') + ']}',
    "truncated": '{"cases": [' + CASE,
    "not json": '{"cases": [' + CASE + ' ' + CASE + ']}',
    "a list of many": '{"cases": [' + ",".join(["1"] * (limits.MAX_ITEMS + 1)) + ']}',
    "a list of many inside a case": '{"cases": [' + CASE.replace("5}", '5, "x": [' + ",".join(
        ["1"] * (limits.MAX_ITEMS + 1)) + "]}") + ']}',
    "a mapping of many inside a case": '{"cases": [' + CASE.replace("5}", '5, "x": {' + ",".join(
        f'"k{i}":1' for i in range(limits.MAX_ITEMS + 1)) + "}}") + ']}',
    "duplicate key, compact": '{"cases":[' + CASE.replace(": ", ":").replace(", ", ",").replace(
        '"as_of"', '"kind":"task","as_of"') + ']}',
    "duplicate key and a string holding a key's colon": '{"cases": [' + CASE.replace(
        '"as_of"', '"kind": "task\\":", "as_of"') + ']}',
    "big integer, compact": '{"cases":[' + CASE.replace(": ", ":").replace("5}", "1000000000000000}") + ']}',
    "big negative integer": '{"cases": [' + CASE.replace("5}", "-1000000000000000}") + ']}',
}


def compact(text: str) -> str:
    """The text with no space after a key's ':' or an item's ',' (outside strings too, which may change a value):
    the layout read by orjson first (json_cases._whole)."""
    return text.replace('": ', '":').replace(", ", ",")


@pytest.mark.parametrize("layout", [lambda t: t, compact])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_what_might_read_otherwise_gets_the_strict_loaders_answer(name, layout):
    raw = layout(HOSTILE[name]).encode("utf-8")
    assert outcome(json_cases.load_file_bytes, raw) == outcome(load_bytes, raw)


@pytest.mark.parametrize("text", [
    '{"cases": [' + CASE.replace('"w"', '"a\\":b"') + ']}',  # a string holding '":' (more of them than keys)
    '{"cases":[' + CASE.replace(": ", ":").replace(", ", ",") + "," + CASE.replace('"w"', '"v"') + ']}',
    '{"cases": [\n  ' + CASE + ',\n  ' + CASE.replace("5}", '5, "x": {"a": [1, {"b": 2.50}]}}') + '\n]}',
    '{"cases": [' + CASE.replace("5}", "999999999999999}") + "," + CASE.replace("5}", "-999999999999999}") + ']}',
    '{"cases": [' + CASE.replace('"w"', '"12345678901234567890"') + ']}',  # a long run of digits in a string
    '{"cases": [' + CASE.replace('"w"', '"a{[b"') + ',' + CASE.replace("5}", '5, "x": [1, {"y": [2]}]}') + ']}',
])
@pytest.mark.parametrize("layout", [lambda t: t, compact])
def test_plain_json_in_any_layout_is_read_fast_as_the_strict_loader_reads_it(text, layout):
    raw = layout(text).encode("utf-8")
    doc = json_cases.load_file_bytes(raw, "f.json")
    assert isinstance(doc, json_cases.LazyDocument) and doc.full is None
    assert outcome(json_cases.load_file_bytes, raw) == outcome(load_bytes, raw)


def test_the_lines_of_cases_are_worked_out_only_when_asked_for(repo, tmp_path):
    """Reading a file positions nothing; an entry's line is the strict loader's, and asking for it loads nothing
    more than the cases' own positions."""
    target = tmp_path / "cases.json"
    target.write_text('{"cases": [\n' + CASE + ',\n\n  ' + CASE.replace('"w"', '"v"') + "]}", encoding="utf-8")
    fast = case_files.load(target, repo.schema_dir)
    doc = fast.cases[0].doc
    assert doc.cases_at is None and doc.full is None
    assert [e.line for e in fast.entries] == [2, 4] == [c.line for c in fast.cases]
    assert doc.cases_at is not None and doc.full is None


def test_bytes_that_are_not_utf8_or_carry_a_bom_read_as_the_strict_loader_reads_them():
    for raw in (b'{"cases": [\xff]}', "\ufeff".encode() + ('{"cases": [' + CASE + ']}').encode()):
        assert outcome(json_cases.load_file_bytes, raw) == outcome(load_bytes, raw)


def test_a_position_beyond_the_cases_is_the_strict_loaders():
    text = '{"cases": [\n  ' + CASE + ',\n  ' + CASE.replace('"deputy"', '"mayor"') + '\n]}'
    doc = json_cases.load_file_bytes(text.encode(), "f.json")
    assert isinstance(doc, json_cases.LazyDocument) and doc.position(("cases", 1)) == (3, 3) and doc.full is None
    assert doc.position(("cases", 1, "facts", "post")) == load_bytes(text.encode(), "f.json").position(
        ("cases", 1, "facts", "post"))


@pytest.mark.parametrize("layout", [lambda t: t, lambda t: t.replace(", ", ",\n  ")])
def test_a_file_read_without_fractions_is_known_to_be_plain_json(layout):
    """Validation lets jsonschema-rs decide only on plain JSON (load/validation.plain_json): a file read fast says
    whether it is, so that no case is walked again to find out."""
    from evaluator.load import validation
    for number, plain in (("5", True), ("5.5", False), ("5e0", False), ("-0.0", False), ("999999999999999", True)):
        doc = json_cases.load_file_bytes(layout('{"cases": [' + CASE.replace("5}", number + "}") + ']}').encode(),
                                         "f.json")
        assert isinstance(doc, json_cases.LazyDocument)
        assert doc.plain is plain is validation.plain_json(doc.data), number


def test_an_ascii_text_is_looked_at_as_the_expression_looks_at_any_text():
    """unlike() looks at an ASCII text's characters as bytes, any other text with the expression: the same answer
    for every ASCII character (a non-ASCII character the strict loader takes sends a text the expression's way)."""
    for code in range(128):
        c = chr(code)
        for text in (f'{{"cases": [{{"id": "a{c}b"}}]}}', f'{{"cases": [{c}]}}'):
            assert text.isascii()
            assert json_cases.unlike(text) == json_cases.unlike(text + "é"), repr(c)
    assert json_cases.unlike('{"cases": ["\x7f"]}') and json_cases.unlike('{"cases": ["\t"]}')
    assert not json_cases.unlike('{"cases": [\n  {"id": "~ok"}\n]}')
