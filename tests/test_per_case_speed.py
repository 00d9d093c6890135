"""What makes the per-case path cheap (issue 16) changes nothing: the memo of the worker's steps, the rule engine's
remembered answers, the clause quotes, the JSON written as bytes (and sent back as bytes from `--jobs` processes),
the faster checks of a JSON case file. Each is held to what it replaces, and bounded whatever the input."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from evaluator import api
from evaluator.cases import aliases
from evaluator.cases.catalogue import case_schema
from evaluator.engine import engines
from evaluator.kinds import memo, rulesets
from evaluator.load import json_cases, validation
from evaluator.load.yaml_strict import read_bounded
from evaluator.render import ruling_format
from evaluator.render.text import nested_json_bytes, to_json
from evaluator.ruling import reading_reach

from .conftest import ROOT


def worker(case_id="w", **facts):
    base = {"post": "deputy", "years_of_service": 7, "education": "bachelor", "certificate": "social_worker",
            "party_org_stars": 3}
    return {"id": case_id, "kind": "worker", "as_of": "2024-07-01", "facts": {**base, **facts}}


def rule(repo, engine, *cases):
    out = api.evaluate_data(repo, {"cases": list(cases)}, engine)
    assert not out.problems, out.problems
    return out.rulings


def test_a_figure_changed_in_place_inside_suspended_changes_the_ruling(repo):
    """The mutation sweep changes figures in place: inside memo.suspended() a remembered step cannot hide that."""
    engine = engines.make("reference")
    [before] = rule(repo, engine, worker())
    table = repo.version_in_force("workforce.salary_table", dt.date(2024, 7, 1)).data["data"]
    row = next(r for r in table["levels"] if r["level"] == before["results"]["salary.level"])
    kept = row["base_pay"]
    with memo.suspended():
        try:
            row["base_pay"] = kept + 1
            [after] = rule(repo, engine, worker())
        finally:
            row["base_pay"] = kept
    assert after["results"]["salary.base_pay"] == kept + 1
    [again] = rule(repo, engine, worker())
    assert again == before


def test_steps_looked_up_directly_are_remembered_per_version_object_and_typed_key_and_function():
    """memo.steps/keep, the memo as rule_worker looks its steps up itself: a hit is good only for the versions it
    holds, a key tells 5 from 5.0, a step changed at run time forgets what was remembered, and nothing is kept or
    answered inside suspended()."""
    class V:
        def __init__(self):
            self.data = {"data": {"x": 1}}

    def f():
        pass

    def g():
        pass

    a, b = V(), V()
    memo.forget()
    remembered = memo.steps((f, g))
    assert memo.keep(remembered, (f, *memo.typed(5), id(a)), (a,), str, "five") == (a, "five", frozenset())
    remembered = memo.steps((f, g))
    assert remembered.get((f, *memo.typed(5), id(a))) == (a, "five", frozenset())
    assert remembered.get((f, *memo.typed(5.0), id(a))) is None and memo.typed(5) != memo.typed(5.0)
    assert remembered.get((f, *memo.typed(5), id(b))) is None  # another version object
    assert memo.steps((f, lambda: None)).get((f, *memo.typed(5), id(a))) is None  # a function changed: forgotten
    with memo.suspended():
        inside = memo.steps((f, g))
        memo.keep(inside, (f, *memo.typed(6), id(a)), (a,), str, "six")
        assert memo.steps((f, g)).get((f, *memo.typed(6), id(a))) is None
    assert memo.steps((f, g)).get((f, *memo.typed(6), id(a))) is None


def test_every_remembered_step_names_every_function_of_the_module_it_reaches():
    """The memo tells a step changed at run time (a test patching kinds/worker.py) by its functions: rule_worker's
    memo.steps must name every function of the module each of its steps (the band, the raised level, the
    allowance, the honours: the first function of each key it looks up) reaches, or a patched one would go unseen."""
    import ast
    import inspect
    from evaluator.kinds import worker as W

    tree = ast.parse(inspect.getsource(W))
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    def reached(name, seen):
        for node in ast.walk(defs[name]):
            if isinstance(node, ast.Name) and node.id in defs and node.id not in seen:
                seen.add(node.id)
                reached(node.id, seen)
        return seen
    calls = [node for node in ast.walk(defs["rule_worker"]) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == "steps"]
    assert len(calls) == 1 and isinstance(calls[0].args[0], ast.Tuple)
    named = {e.id for e in calls[0].args[0].elts}
    keys = [node.value for node in ast.walk(defs["rule_worker"]) if isinstance(node, ast.Assign)
            and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["k"]]
    firsts = {k.elts[0].id for k in keys}
    assert firsts == {"_band", "_level", "_star", "_award", "_undated"}
    assert named == set().union(*(reached(first, {first}) for first in firsts))
    assert "_raised" in named


def test_recording_versions_are_not_plain(repo):
    """The watched twin's versions record what a ruling reads (ruling/reading_reach.py): the memo must not skip
    those reads, so their data is not plain, and their steps are remembered only while what they record is
    recorded, with it, to be recorded again (tests/test_reading_reach.py)."""
    twin = reading_reach.watched(repo)
    watched = [v for vs in twin.policies.values() for v in vs if any(
        isinstance(x, reading_reach.Watched) for x in _mappings(v.data))]
    assert watched and not any(memo.plain(v) for v in watched)
    assert all(memo.plain(v) for vs in repo.policies.values() for v in vs)


def _mappings(value):
    if isinstance(value, dict):
        yield value
        for v in dict.values(value):
            yield from _mappings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _mappings(v)


def test_the_memos_stay_bounded_over_many_distinct_workers(repo, monkeypatch):
    monkeypatch.setattr(memo, "MAX_ENTRIES", 50)
    monkeypatch.setattr(engines, "MAX_ANSWERS", 40)
    monkeypatch.setattr(rulesets, "MAX_ANSWERS", 30)
    engine = engines.make("durable")
    # Empty to begin with: answers remembered by earlier tests would be hits here, and a hit adds nothing to bound.
    monkeypatch.setattr(memo, "_MEMO", {})
    monkeypatch.setattr(engine, "_answers", {})
    monkeypatch.setattr(rulesets, "_ANSWERS", {})
    cases = [worker(f"w{i}", years_of_service=i % 41, party_org_stars=i % 6, hire_date=f"20{10 + i % 14}-0{1 + i % 9}-01",
                    post="grid_worker") for i in range(400)]
    rule(repo, engine, *cases)
    assert len(memo._MEMO) <= 50  # noqa: SLF001 - the bound itself is what is tested
    assert len(engine._answers) <= 40  # noqa: SLF001
    assert 0 < len(rulesets._ANSWERS) <= 30  # noqa: SLF001


class _Counting:
    """An engine that answers as the reference evaluator does and counts what it is asked."""

    def __init__(self, name):
        self.name, self.asked, self.engine = name, 0, engines.make("reference")

    def fire(self, rules, facts, case_kind, case_id=""):
        self.asked += 1
        return self.engine.fire(rules, facts, case_kind, case_id)


def test_a_rule_sets_answer_is_remembered_per_engine_and_typed_facts_never_for_a_refused_fact(repo, monkeypatch):
    """kinds/rulesets.answered remembers the engine's answer (and the facts as the trace shows them) per rule list,
    engine name and the facts the rules read as given: the same facts again do not ask the engine; a fact of
    another type, null rather than absent, a changed fact or another engine does; a refused fact is refused again."""
    monkeypatch.setattr(rulesets, "_ANSWERS", {})
    [v] = repo.rulesets["workforce.exit_grounds"]
    rules = repo.compiled_rules[(v.id, v.version)]
    facts = {"post": "deputy", "unqualified_streak": 0, "certificate_held": True, "serious_violation": True,
             "education": "bachelor"}
    one, two = _Counting("probe"), _Counting("other")
    fired, read = rulesets.answered(one, rules, facts, "worker", "w")
    assert fired == {"serious_violation"} and read == rulesets.shown(facts, rulesets.facts_read(rules))
    assert "education" not in read and read["grid_satisfaction"] is None  # the facts the rules read, absent ones null
    assert rulesets.answered(one, rules, {**facts, "education": "master"}, "worker", "w") == (fired, read)
    assert one.asked == 1  # a fact the rules do not read changes nothing: remembered
    assert rulesets.answered(one, rules, {**facts, "serious_violation": False}, "worker", "w")[0] == frozenset()
    assert rulesets.answered(two, rules, facts, "worker", "w")[0] == fired
    assert (one.asked, two.asked) == (2, 1)
    for bad in (1, None, [True], Decimal("NaN")):
        for _ in range(2):
            with pytest.raises(engines.FactError, match="serious_violation"):
                rulesets.answered(one, rules, {**facts, "serious_violation": bad}, "worker", "w")
    assert one.asked == 2 + 8
    assert rulesets.answered(one, rules, {k: f for k, f in facts.items() if k != "serious_violation"},
                             "worker", "w")[0] == frozenset()


def test_a_rule_changed_in_place_inside_suspended_changes_the_remembered_answer(repo, monkeypatch):
    """Compiled rules read their conditions from the rule set's data, which the mutation sweep changes in place
    (checks/mutations.py, inside memo.suspended()): no answer remembered before may hide the change, and none made
    inside is kept."""
    monkeypatch.setattr(rulesets, "_ANSWERS", {})
    [v] = repo.rulesets["workforce.exit_grounds"]
    rules = repo.compiled_rules[(v.id, v.version)]
    rule = next(r for r in v.data["rules"] if r["id"] == "no_certificate_within_5_years")
    bound = next(c for c in rule["when"]["all"] if c["fact"] == "certificate_days_overdue")
    facts = {"post": "grid_worker", "unqualified_streak": 0, "certificate_held": False, "certificate_days_overdue": 3}
    engine = _Counting("probe")
    assert "no_certificate_within_5_years" in rulesets.answered(engine, rules, facts, "worker", "w")[0]
    with memo.suspended():
        kept = bound["value"]
        try:
            bound["value"] = 5
            assert "no_certificate_within_5_years" not in rulesets.answered(engine, rules, facts, "worker", "w")[0]
        finally:
            bound["value"] = kept
    assert "no_certificate_within_5_years" in rulesets.answered(engine, rules, facts, "worker", "w")[0]
    assert engine.asked == 3


def test_facts_are_shown_as_given_and_dates_in_iso_form():
    day = dt.date(2024, 7, 1)
    shown = rulesets.shown({"a": day, "b": 3, "c": Decimal("1.5"), "d": True}, ("d", "a", "c", "b", "e"))
    assert shown == {"d": True, "a": "2024-07-01", "c": Decimal("1.5"), "b": 3, "e": None}
    assert list(shown) == ["d", "a", "c", "b", "e"]
    assert rulesets.shown({"b": 3}, ("b",)) == {"b": 3}


def test_remembered_engine_answers_are_the_engines_own(repo):
    """Every case file's rulings, ruled twice on durable-rules (the second time answered from memory), are the
    reference evaluator's."""
    durable, reference = engines.make("durable"), engines.make("reference")
    for path in api.case_files_of(repo):
        first = api.evaluate_file(repo, path, durable, compare_readings=False).rulings
        second = api.evaluate_file(repo, path, durable, compare_readings=False).rulings
        ref = api.evaluate_file(repo, path, reference, compare_readings=False).rulings
        strip = [{k: v for k, v in r.items() if k != "policy"} for r in ref]
        assert [{k: v for k, v in r.items() if k != "policy"} for r in first] == strip, path
        assert second == first, path


def test_each_ruling_gets_its_own_trace(repo):
    engine = engines.make("durable")
    one, two = rule(repo, engine, worker("a"), worker("b"))
    assert one["trace"] == two["trace"]
    for a, b in zip(one["trace"], two["trace"]):
        assert a is not b and a["inputs"] is not b["inputs"] and a["clauses"] is not b["clauses"]
        assert all(x is not y for x, y in zip(a["clauses"], b["clauses"]))


@pytest.mark.parametrize("value", [
    {"a": [1, {"b": Decimal("1.75"), "c": Decimal("0.00001"), "d": Decimal("400.50")}], "e": {}, "f": [], "g": "中"},
    {}, [], 5, "x\ny", {"big": 2 ** 70}, {"nan": Decimal("NaN")}, {"k": [[], [{}], {"z": None}]}])
def test_nested_json_bytes_is_the_indented_text_reindented(value):
    assert nested_json_bytes(value) == to_json(value).replace("\n", "\n    ").encode("utf-8")
    assert nested_json_bytes(value) == nested_json_bytes(copy.deepcopy(value))  # remembered decimals alike


def _document_written(rulings, repo, form, out):
    w = ruling_format.RulingsWriter(out, repo, form)
    for r in rulings:
        w.write(r)
    w.close()


def _encoded(rulings, repo, form, blocks):
    """The rulings as a writer of `form` takes them from processes that encoded them in `blocks` blocks (an error
    entry and a ruling quoting another text among them stay as they are)."""
    encode = ruling_format.RulingsWriter(io.StringIO(), repo, form).encoder()
    size = -(-len(rulings) // blocks)
    return [e for b in range(blocks) for e in encode(iter(rulings[b * size:(b + 1) * size])).entries()]


@pytest.mark.parametrize("form", ["auto", "inline", "table"])
@pytest.mark.parametrize("count", [0, 1, 3])
@pytest.mark.parametrize("encode", [0, 1, 2])
def test_the_writer_writes_the_document_as_bytes_as_text_and_from_encoded_rulings(repo, form, count, encode,
                                                                                   monkeypatch):
    """encode: the rulings given as they are (0), or encoded in 1 or 2 blocks (for a document of several only)."""
    if encode and count < 2:
        pytest.skip("rulings are encoded only for a document of several")
    engine = engines.make("durable")
    rulings = rule(repo, engine, *[worker(f"w{i}", years_of_service=i * 9) for i in range(count)]) if count else []
    if encode:  # an error entry between the encoded rulings, and a ruling quoting another text: as they are
        rulings.insert(1, {"id": "bad", "index": 1, "line": 3, "errors": []})
        rulings[-1]["trace"][0]["clauses"][0]["text"] += " (altered)"
    want = to_json(ruling_format.document(rulings, repo, form)) + "\n"
    given = _encoded(rulings, repo, form, encode) if encode else rulings
    if encode:  # in the inline form a ruling's bytes are its own, whatever it quotes
        assert sum(isinstance(g, ruling_format.EncodedRuling) for g in given) == count - (form != "inline")
    as_text = io.StringIO()  # no byte buffer: written as text
    _document_written(given, repo, form, as_text)
    assert as_text.getvalue() == want
    raw = io.BytesIO()
    as_bytes = io.TextIOWrapper(raw, encoding="utf-8")  # standard output: written through its buffer
    assert ruling_format.byte_buffer(as_bytes) is None  # any other stream: as text
    monkeypatch.setattr(sys, "stdout", as_bytes)
    assert ruling_format.byte_buffer(as_bytes) is raw
    _document_written(given, repo, form, as_bytes)
    assert raw.getvalue().decode("utf-8") == want


def test_standard_output_of_another_encoding_is_written_as_text(monkeypatch):
    out = io.TextIOWrapper(io.BytesIO(), encoding="gb18030")
    monkeypatch.setattr(sys, "stdout", out)
    assert ruling_format.byte_buffer(out) is None


@pytest.mark.parametrize("errors", ["strict", "surrogateescape", "replace"])
def test_standard_output_in_utf8_is_written_as_bytes_whatever_its_error_handler(repo, errors, monkeypatch):
    """What the writer writes is valid UTF-8, which no handler is asked about: the same bytes either way (Python's
    standard output under LANG=C.UTF-8 has `surrogateescape`)."""
    rulings = rule(repo, engines.make("durable"), worker("w1"), worker("w2", post="principal"))
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors=errors)
    monkeypatch.setattr(sys, "stdout", out)
    assert ruling_format.byte_buffer(out) is raw
    _document_written(rulings, repo, "auto", out)
    assert raw.getvalue() == (to_json(ruling_format.document(rulings, repo, "auto")) + "\n").encode("utf-8")


def test_a_ruling_quoting_another_text_is_not_encoded(repo):
    [r] = rule(repo, engines.make("durable"), worker())
    r["trace"][0]["clauses"][0]["text"] += " (altered)"
    assert list(ruling_format.encode_block(iter([r]), repo, "table").entries()) == [r]


OLD_UNLIKE = re.compile("[^\x0A\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]|\\\\[/u]"
                        '|"\\s*\\n\\s*:|"\\s{16,}:')


@pytest.mark.parametrize("text", [
    '{"cases": []}', '{"a": "b\\/c"}', '{"a": "\\u4e2d"}', '{"a"\n : 1}', '{"a"                 : 1}',
    '{"a": "\u3000' + "\u3000" * 16 + ':"}', '{"a": "x\ty"}', '{"a": 1}\r\n', '{"a": "\u2028"}', '{"a": "中文"}',
    '{"a":\n  "b"}', '{"a": "' + " " * 20 + 'b"}', '{"a": "\xa0' + " " * 15 + ':"}'])
def test_the_split_check_of_text_the_loaders_read_otherwise_is_the_single_expression(text):
    assert json_cases.unlike(text) == bool(OLD_UNLIKE.search(text))


def test_the_facts_plan_renames_words_as_the_schema_walk_does(repo):
    """Every case file of the repository, its words turned into codes by the one-level plan and by the general
    walk of the schema: the same data."""
    schema = case_schema(str(repo.schema_dir))
    for path in api.case_files_of(repo):
        doc = json_cases.load_file_bytes(read_bounded(path, str(path)), str(path))
        data = doc.data
        items = data["cases"] if isinstance(data, dict) and "cases" in data else [data]
        prefix = ("cases",) if isinstance(data, dict) and "cases" in data else ()
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("facts"), dict) \
                    or not isinstance(item.get("kind"), str):
                continue
            node = schema["$defs"].get(f"{item['kind']}_facts")
            if node is None:
                continue
            walked = copy.deepcopy(item["facts"])
            aliases._walk(doc, schema, node, walked, ())  # noqa: SLF001 - the walk the plan stands in for
            cpath = prefix + (i,) if prefix else ()
            aliases.normalise_case(doc, cpath, repo.schema_dir)
            assert item["facts"] == walked, (path, i)


@pytest.mark.parametrize("value, plain", [
    ({"a": 1, "b": "x", "c": True, "d": None, "e": [1, {"f": "g"}]}, True), ({"a": Decimal("1.5")}, False),
    ({"a": 1.5}, False), ({1: "a"}, False), ({"a": 2 ** 63}, False), ({"a": {"b": [Decimal(1)]}}, False),
    ({"a": -(2 ** 63) + 1}, True), ({"a": dt.date(2024, 1, 1)}, False)])
def test_plain_json_reads_mappings_as_before(value, plain):
    assert validation.plain_json(value) is plain


def test_bench_file_of_workers_rules_alike_in_one_and_two_processes(repo, tmp_path, monkeypatch):
    """The generated workers of bench/eval_speed.py, written as JSON by one process and by two: the same bytes
    (the rulings of two processes are sent back encoded)."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import eval_speed
    path = tmp_path / "w.json"
    path.write_text(json.dumps(eval_speed.cases(300)), encoding="utf-8")
    outs = []
    for jobs in ("1", "2"):
        proc = subprocess.run([sys.executable, "-m", "evaluator.cli.main", "eval", "--format", "json", "--jobs", jobs,
                               str(path)], cwd=ROOT, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 100_000
    doc = json.loads(outs[0])
    assert doc["form"] == "table" and len(doc["rulings"]) == 300
    in_process = api.evaluate_file(repo, path, engines.make("durable")).rulings
    assert ruling_format.inline(doc) == json.loads(to_json(in_process))


def test_the_versions_in_force_per_day_follow_a_replaced_list_and_forget(repo, monkeypatch):
    """kinds/common.on keeps each day's versions and what entries say of them beside the repository: a version list
    replaced is looked up again, and memo.forget() (after data changed in place) starts every day again."""
    import dataclasses

    from evaluator.cases import files as case_files
    from evaluator.kinds import common
    from evaluator.ruling.evaluate import evaluate

    engine = engines.make("reference")

    def rule(repo, engine, given):  # without the notes, which rule on the watched twin made once per repository
        [entry] = case_files.from_data({"cases": [given]}, repo.schema_dir).entries
        return [evaluate(entry.case, repo, engine, compare_readings=False)]
    [before] = rule(repo, engine, worker())
    honours = "workforce.long_service_honours"
    [v] = repo.policies[honours]
    data = copy.deepcopy(v.data)
    data["data"]["otherwise"] = data["data"]["otherwise"] + 1
    monkeypatch.setitem(repo.policies, honours, [dataclasses.replace(v, data=data)])
    [after] = rule(repo, engine, worker(years_of_service=0))
    assert after["results"]["honor.award"] == data["data"]["otherwise"]
    monkeypatch.undo()
    [table] = repo.policies["workforce.salary_table"]
    kept = table.data["interpretations"]
    try:
        table.data["interpretations"] = kept + ["changed_in_place"]
        memo.forget()
        [changed] = rule(repo, engine, worker())
    finally:
        table.data["interpretations"] = kept
        memo.forget()
    band = next(e for e in changed["trace"] if e["result"] == "salary.band_level")
    assert band["interpretations"] == list(dict.fromkeys(kept + ["changed_in_place"]))
    [again] = rule(repo, engine, worker())
    assert again == before
    assert common.on(repo, dt.date(2024, 7, 1)) is common.on(repo, dt.date(2024, 7, 1))
    with memo.suspended():  # figures may change in place: a fresh day for each ruling
        assert common.on(repo, dt.date(2024, 7, 1)) is not common.on(repo, dt.date(2024, 7, 1))


def test_engine_answers_are_remembered_for_the_facts_as_given_never_for_a_refused_fact(repo):
    """durable-rules' answers are remembered per facts as given (types included, absent apart from null), so an
    answer remembered for true is never given to 1, null or a list, which the fact guard refuses."""
    durable = engines.make("durable")
    [v] = repo.rulesets["workforce.exit_grounds"]
    rules = repo.compiled_rules[(v.id, v.version)]
    facts = {"post": "deputy", "unqualified_streak": 0, "certificate_held": True, "serious_violation": True}
    assert durable.fire(rules, facts, "worker") == ["serious_violation"]
    assert durable.fire(rules, dict(facts), "worker") == ["serious_violation"]  # remembered
    for bad in (1, None, [True], Decimal("NaN")):
        with pytest.raises(engines.FactError, match="serious_violation"):
            durable.fire(rules, {**facts, "serious_violation": bad}, "worker")
    assert durable.fire(rules, {k: f for k, f in facts.items() if k != "serious_violation"}, "worker") == []


def _alt_note(*values, error=None):
    from evaluator.ruling.readings import reading_note
    it = {"clauses": ["workforce.6.17.cap"]}
    diff = [{"result": f"r{i}", "value": v, "value_used": u} for i, (v, u) in enumerate(values)]
    return reading_note("raises_add_up_highest_only_capped", it, "max_of_raises", "sum", diff, error)


def test_worded_notes_are_remembered_per_typed_value(monkeypatch):
    """Values equal but written otherwise (1, True, 1.0, Decimal 1.5 and 1.50, [1] and [True]) are worded each in
    its own way, remembered or not; an unforeseen kind of value (a mapping) is worded, not remembered."""
    from evaluator.render import notes
    monkeypatch.setattr(notes, "_WORDS", {})
    variants = [(1, 2), (True, 2), (1.0, 2), (Decimal("1.5"), 2), (Decimal("1.50"), 2), ([1], [2]), ([True], [2]),
                (None, 2), ("one", 2), (dt.date(2024, 1, 1), 2), (2, Decimal("1.5")), (2, Decimal("1.50")),
                (2, True), (2, 1), (Decimal("1.5"), Decimal("2.0")), (Decimal("1.50"), Decimal("2.0")), ({"a": 1}, 2)]
    fresh = []
    for v in variants:
        notes._WORDS.clear()
        fresh.append(notes.alternative_reading(_alt_note(v)))
    assert len({f["en"] for f in fresh}) == len(variants)
    for _ in range(2):  # the second time from the memo
        assert [notes.alternative_reading(_alt_note(v)) for v in variants] == fresh
    assert len(notes._WORDS) == len(variants) - 1  # noqa: SLF001 - the mapping is not remembered
    error = notes.alternative_reading(_alt_note(error="no band"))
    assert "no ruling could be made (no band)" in error["en"] and notes.alternative_reading(
        _alt_note(error="no row"))["en"] != error["en"]


def test_worded_notes_stay_bounded(monkeypatch):
    from evaluator.render import notes
    monkeypatch.setattr(notes, "_WORDS", {})
    monkeypatch.setattr(notes, "MAX_WORDS", 5)
    for i in range(40):
        assert f"r0 = {i} (" in notes.alternative_reading(_alt_note((i, -1)))["en"]
        assert len(notes._WORDS) <= 5  # noqa: SLF001
