"""The repository's documents read back from the cache (evaluator/load/doc_cache.py): the same data and positions as a
fresh load, never trusted past an edit, and never a reason to fail."""
from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal

import pytest

from evaluator import api
from evaluator.load import doc_cache, validation
from evaluator.load.json_cases import LazyDocument

from .conftest import ROOT, edit

TABLE = "policies/workforce.salary_table/2019-01-01.yaml"
GRID = {"post": "grid_worker", "years_of_service": 0}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv(doc_cache.ENV, str(d))
    return d


def base_pay(root) -> int:
    repo = api.load(root)
    assert not repo.problems, "\n".join(map(str, repo.problems))
    out = api.evaluate_data(repo, {"id": "c", "kind": "worker", "as_of": "2024-07-01", "facts": GRID}, "reference")
    assert not out.problems, "\n".join(map(str, out.problems))
    return out.rulings[0]["results"]["salary.base_pay"]


def documents(repo) -> dict:
    """Every document the repository was built from, by path."""
    out = {d.path: d for d in repo.documents.values()}
    out.update((d.path, d) for _, d in repo.register.values())
    out.update((v.doc.path, v.doc) for table in (repo.policies, repo.rulesets) for vs in table.values() for v in vs)
    out.update((d.path, d) for _, d, _ in repo.interpretations.values())
    return out


def cache_files(d) -> list:
    return sorted(d.glob("repo-*.json"))


def test_a_cached_load_is_the_fresh_load(cache):
    fresh = api.load(ROOT)
    assert len(cache_files(cache)) == 1
    again = api.load(ROOT)
    old, new = documents(fresh), documents(again)
    assert old.keys() == new.keys() and len(new) > 30
    assert all(isinstance(d, LazyDocument) for d in new.values())  # read back, not parsed again
    for path, doc in old.items():
        # the same values of the same types in the same order (Decimal stays Decimal: Decimal('10.') too)
        assert repr(new[path].data) == repr(doc.data), path
    assert again.digest == fresh.digest and again.files == fresh.files and not again.problems
    # positions, worked out from the same bytes when first asked for, are those of the fresh load
    for path in list(old)[:5]:
        assert new[path].marks == old[path].marks and new[path].key_marks == old[path].key_marks
    cit = again.clauses["workforce.6.16.benchmark"]
    assert cit.doc.position(cit.json_path) == fresh.clauses["workforce.6.16.benchmark"].doc.position(cit.json_path)


def test_decimals_read_back_exactly():
    for value in (Decimal("10."), Decimal("0.10"), Decimal("1E+5"), Decimal("-0"), Decimal("2.50"), Decimal("0E-7")):
        back = doc_cache._decode(doc_cache._encode({"v": [value, 3, True, None, "三"]}))["v"]
        assert repr(back[0]) == repr(value) and back[1:] == [3, True, None, "三"] and type(back[1]) is int


def test_an_edited_file_is_read_again_and_the_ruling_moves(repo_copy, cache):
    assert base_pay(repo_copy) == 2300
    assert base_pay(repo_copy) == 2300  # from the cache
    edit(repo_copy / TABLE, "base_pay: 2300", "base_pay: 2350")
    assert base_pay(repo_copy) == 2350
    assert base_pay(repo_copy) == 2350  # the new text, cached in its turn
    edit(repo_copy / TABLE, "base_pay: 2350", "base_pay: 2300")
    assert base_pay(repo_copy) == 2300


def test_an_edited_schema_is_checked_again(repo_copy, cache):
    assert not api.load(repo_copy).problems
    # a schema that now refuses what the cached documents hold: the cache must not vouch for them
    path = repo_copy / "schemas" / "policy.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["required"] = list(schema.get("required", [])) + ["no_such_field"]
    path.write_text(json.dumps(schema), encoding="utf-8")
    for remembered in (validation._schemas, validation.validator, validation.fast_validator):
        remembered.cache_clear()  # this process remembers a schema directory's validators (as a new one would not)
    problems = api.load(repo_copy).problems
    assert problems and all("no_such_field" in p.message for p in problems)


def test_a_broken_file_is_never_cached(repo_copy, cache):
    edit(repo_copy / TABLE, "base_pay: 2300", "base_pay: [2300")
    first, again = (list(map(str, api.load(repo_copy).problems)) for _ in range(2))
    assert first == again and first[0].startswith(TABLE + ":") and "YAML syntax error" in first[0]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "other_format", "not_text",
                                    "huge_int", "deep"])
def test_a_damaged_cache_is_ignored_and_rebuilt(repo_copy, cache, damage, capsys):
    assert base_pay(repo_copy) == 2300
    (f,) = cache_files(cache)
    raw = f.read_bytes()
    head, _, body = raw.partition(b"\n")
    entries = json.loads(body)
    key = next(k for k in entries if TABLE in k)
    bad = {
        "garbage": b"\x00\xff not json at all",
        "truncated": raw[: len(raw) // 2],
        "flipped": head + b"\n" + body.replace(b"2300", b"2999"),  # the body no longer hashes as its header says
        "empty": b"",
        "other_format": head.replace(doc_cache.FORMAT.encode(), b"someone-else/9") + b"\n" + body,
        # well-formed files (the body hashes as the header says) of hostile entries
        "not_text": _signed(head, {**entries, key: {"base_pay": 2999}}),
        "huge_int": _signed(head, {**entries, key: "[" + "9" * 5000 + "]"}),
        "deep": _signed(head, {**entries, key: "[" * 100_000 + "]" * 100_000}),
    }[damage]
    f.write_bytes(bad)
    assert base_pay(repo_copy) == 2300
    assert "Traceback" not in capsys.readouterr().err
    head2, _, body2 = f.read_bytes().partition(b"\n")
    assert json.loads(head2)["body"] == hashlib.sha256(body2).hexdigest()  # written again, whole
    assert json.loads(body2)[key] == entries[key]
    assert base_pay(repo_copy) == 2300


def _signed(head: bytes, entries: dict) -> bytes:
    """A cache file whose body hashes as its header says."""
    body = json.dumps(entries).encode()
    h = json.loads(head)
    h["body"] = hashlib.sha256(body).hexdigest()
    return json.dumps(h).encode() + b"\n" + body


def table_entry(cache):
    """The one cache file, its head line, its entries and the key of TABLE's entry."""
    (f,) = cache_files(cache)
    head, _, body = f.read_bytes().partition(b"\n")
    entries = json.loads(body)
    return f, head, entries, next(k for k in entries if TABLE in k)


def test_a_cache_file_that_is_not_a_regular_file_is_not_opened(repo_copy, cache):
    assert base_pay(repo_copy) == 2300
    (f,) = cache_files(cache)
    f.unlink()
    os.mkfifo(f)  # opening it would wait for a writer
    assert base_pay(repo_copy) == 2300


def test_an_entry_for_bytes_that_are_not_text_is_a_miss(repo_copy, cache):
    assert base_pay(repo_copy) == 2300
    f, head, entries, key = table_entry(cache)
    bad = b"base_pay: \xff\n"
    (repo_copy / TABLE).write_bytes(bad)
    schema, shown, _ = key.split("\0")
    entries[f"{schema}\0{shown}\0{hashlib.sha256(bad).hexdigest()}"] = entries[key]
    f.write_bytes(_signed(head, entries))
    problems = api.load(repo_copy).problems
    assert problems and problems[0].code == "encoding"


def test_a_forged_entry_in_a_shared_directory_is_not_read(repo_copy, cache):
    """Whoever can write the cache could change a figure: a directory others may write is not trusted."""
    assert base_pay(repo_copy) == 2300
    f, head, entries, key = table_entry(cache)
    entries[key] = entries[key].replace("2300", "9999")
    f.write_bytes(_signed(head, entries))
    assert base_pay(repo_copy) == 9999  # what the guard is for: in a private cache, the entry is believed
    os.chmod(cache, 0o777)
    assert base_pay(repo_copy) == 2300
    os.chmod(cache, 0o700)
    os.chmod(f, 0o666)
    assert base_pay(repo_copy) == 2300


def test_a_cache_directory_that_cannot_be_written_costs_only_speed(repo_copy, tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(doc_cache.ENV, str(blocker / "cache"))  # cannot be made: a file is in the way
    assert base_pay(repo_copy) == 2300
    edit(repo_copy / TABLE, "base_pay: 2300", "base_pay: 2350")
    assert base_pay(repo_copy) == 2350


def test_the_cache_can_be_turned_off(repo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(doc_cache.ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert base_pay(repo_copy) == 2300
    assert not (tmp_path / "xdg").exists()


def test_the_cache_is_bounded(cache, tmp_path):
    for i in range(doc_cache.MAX_FILES + 3):
        root = tmp_path / f"r{i}"
        root.mkdir()
        for sub in ("schemas", "sources", "clauses"):
            (root / sub).symlink_to(ROOT / sub)
        api.load(root)
    assert len(cache_files(cache)) == doc_cache.MAX_FILES


def test_a_tree_made_for_one_run_is_not_cached(repo_copy, cache):
    """A bundle unpacked, a git revision or a draft's copy: its cache would never be read again."""
    from evaluator.repo import repository

    assert not repository.load(repo_copy, cache=False).problems
    assert not cache.exists()
