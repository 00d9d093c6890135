"""The Python API: what the CLI itself uses, and what integrators call.

    from evaluator import api
    repo = api.load()                      # or api.load("path/to/repository")
    out = api.evaluate_file(repo, "examples/workers.yaml")
    for ruling in out.rulings: ...
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .cases import files as case_files
from .engine import engines
from .repo import manifest, repository
from .kinds.errors import RulingError
from .load import limits
from .load.problems import PolicyInputError
from .render.notes import worded
from .render.text import show
from .ruling import pool
from .batch import reading_notes
from .ruling.evaluate import evaluate


def default_repo() -> Path:
    """The repository this package was installed from (an editable install of this checkout)."""
    return Path(__file__).resolve().parent.parent


def load(root: Path | str | None = None) -> repository.Repository:
    return repository.load(root or default_repo())


@dataclass
class FileOutcome:
    path: str
    rulings: list = field(default_factory=list)  # one object per case in file order: a ruling or {"id","errors"}
    problems: list = field(default_factory=list)  # every Problem of the file and its cases
    unusable: bool = False  # the file or some case could not be used
    failed: int = 0  # cases whose expectations were not met
    mismatches: list = field(default_factory=list)  # a Problem per unmet expectation, at the case's line
    evaluated: int = 0
    with_expectations: int = 0
    cases: list = field(default_factory=list)  # (Case, ruling or None if none could be made), for the checks
    inputs: dict = field(default_factory=dict)  # case id -> the case as given (for the decision log)
    # Where each ruling goes as it is made, instead of `rulings` (then `cases` and `inputs` are not kept either):
    # a command that writes rulings as they come holds none of them (policy eval --format json).
    sink: object = None

    def emit(self, ruling: dict) -> None:
        if self.sink is None:
            self.rulings.append(ruling)
        else:
            self.sink(ruling)


def evaluate_file(repo, path: Path | str, engine="durable", as_of: dt.date | None = None,
                  display_path: str | None = None, only_expected: bool = False, readings: dict | None = None,
                  compare_readings: bool = True, why_not=(), sink=None, jobs: int = 1, encode=None) -> FileOutcome:
    """Evaluate every case of a file; bad cases are reported by id and line and the others still evaluated.

    why_not: rule ids (or "all") whose non-firing each ruling explains (see evaluator/ruling/explain.py).
    sink: called with each ruling (or a case's errors) as it is made, which the outcome then does not keep.
    jobs: processes ruling the cases (ruling/pool.py; pool.AUTO: the cores where that pays); the outcome is the
    same, in the same order, for any number.
    encode: with a sink and more than one job, what each process makes of a block of rulings (and cases' errors)
    before it is given to the sink (RulingsWriter.encoder(): their bytes, which cost far less to send back than the
    rulings); the sink then takes each case's entry of it (EncodedBlock.entries())."""
    out = FileOutcome(display_path or str(path), sink=sink)
    try:
        listed = case_files.opened(case_files.read(path, out.path), repo.schema_dir, as_of,
                                   limits.MAX_CASES_STREAMED if sink is not None else limits.MAX_CASES)
    except PolicyInputError as exc:
        out.problems.extend(exc.problems)
        _file_level(out, out.path, exc.problems)
        out.unusable = True
        return out
    if sink is not None and encode is not None and jobs != 1:
        jobs = pool.chosen(jobs, len(listed.items), True)
        if jobs > 1 and len(listed.items) > 1 and listed.names_unique():
            return _evaluate_blocks(repo, listed, out, engine, only_expected, readings, compare_readings, why_not,
                                    jobs, encode)
    return _evaluate_cases(repo, listed.case_file(), out, engine, only_expected, readings, compare_readings,
                           why_not, jobs, encode if sink is not None and jobs != 1 else None)


def evaluate_data(repo, data, engine="durable", as_of: dt.date | None = None, name: str = "<data>",
                  readings: dict | None = None, why_not=()) -> FileOutcome:
    """Evaluate cases given as Python data: `{"cases": [...]}` or one case (the case-file format)."""
    out = FileOutcome(name)
    try:
        cf = case_files.from_data(data, repo.schema_dir, name, as_of_override=as_of)
    except PolicyInputError as exc:
        out.problems.extend(exc.problems)
        out.emit({"file": name, "errors": [p.as_json() for p in exc.problems]})
        out.unusable = True
        return out
    return _evaluate_cases(repo, cf, out, engine, False, readings, why_not=why_not)


def evaluate_cases(repo, cf, engine="durable", out: FileOutcome | None = None) -> FileOutcome:
    """Evaluate the cases of an already loaded CaseFile (e.g. a roster, or a request body read with positions)."""
    return _evaluate_cases(repo, cf, out or FileOutcome(cf.path), engine, False)


def _evaluate_cases(repo, cf, out: FileOutcome, engine, only_expected: bool, readings: dict | None = None,
                    compare_readings: bool = True, why_not=(), jobs: int = 1, encode=None) -> FileOutcome:
    if isinstance(engine, str):
        engine = engines.make(engine)
    out.problems.extend(cf.problems)
    out.unusable = bool(cf.problems)
    of_entries = {id(p) for e in cf.entries for p in e.problems}
    _file_level(out, cf.path, [p for p in cf.problems if id(p) not in of_entries])
    todo = [e.case for e in cf.entries if e.case is not None and not (only_expected and e.case.expect is None)]
    # the notes on alternative readings of many worker cases sharing a date: from the compiled program
    notes = reading_notes.ReadingNotes(repo, todo) if compare_readings and not readings else None
    rule = _ruler(repo, engine, todo, notes, readings, compare_readings, why_not)

    def work(span):
        """The rulings of a block of cases (ruling/pool.py), its notes worked out together; encoded if asked."""
        if notes is not None:
            notes.set_window(span.start, span.stop)
        made = (rule(i) for i in span)
        return encode(made) if encode is not None else list(made)

    def in_blocks():
        for block in pool.in_blocks(work, len(todo), jobs):
            yield from (block.entries() if encode is not None else block)

    jobs = pool.chosen(jobs, len(todo), encode is not None)
    # in the cases' order, whatever the number of processes; one process rules and writes one case at a time
    made = in_blocks() if jobs > 1 and len(todo) > 1 else map(rule, range(len(todo)))
    try:
        _take(cf.entries, out, made, only_expected)
    finally:
        if hasattr(made, "close"):
            made.close()  # the processes stopped now, even when the loop stopped early (Ctrl-C, a failed write)
    return out


def _evaluate_blocks(repo, listed, out: FileOutcome, engine, only_expected: bool, readings, compare_readings: bool,
                     why_not, jobs: int, encode) -> FileOutcome:
    """The cases of a file ruled by `jobs` processes (ruling/pool.py), each of which reads the cases of the blocks
    it rules (normalised, checked: case_files.Listed.read), rules them, and gives back their output entries
    already encoded with what this process adds up (a block's outcome: its problems, expectations, counts). This
    process only decoded the file, checked it as a whole and chose the dates of the compiled programs; it writes
    every entry in the file's order, and the problems as one process would list them (the cases' problems in
    order, then the rulings')."""
    if isinstance(engine, str):
        engine = engines.make(engine)
    out.problems.extend(listed.problems)
    out.unusable = bool(listed.problems)
    _file_level(out, out.path, listed.problems)
    days = None
    if compare_readings and not readings:
        days = reading_notes.chosen_days(repo, listed.worker_dates())
        reading_notes.compile_days(repo, days)  # once, inherited by the processes forked to rule the blocks

    def work(span):
        entries = listed.read(span)
        todo = [e.case for e in entries if e.case is not None and not (only_expected and e.case.expect is None)]
        notes = reading_notes.ReadingNotes(repo, todo, days) if days is not None else None
        rule = _ruler(repo, engine, todo, notes, readings, compare_readings, why_not)
        block = FileOutcome(out.path)
        encoded = encode(_taken(entries, block, span.polled(map(rule, range(len(todo)))), only_expected, False))
        return encoded, block, [p for e in entries for p in e.problems]

    read, ruled = [], []
    blocks = pool.in_blocks(work, len(listed.items), jobs)
    try:
        for encoded, block, problems in blocks:
            for entry in encoded.entries():
                out.emit(entry)
            read += problems
            ruled += block.problems
            out.unusable |= bool(problems) or block.unusable
            out.mismatches += block.mismatches
            out.evaluated += block.evaluated
            out.with_expectations += block.with_expectations
            out.failed += block.failed
    finally:
        blocks.close()  # the processes stopped now, even when the loop stopped early (Ctrl-C, a failed write)
    out.problems += read + ruled
    return out


def _file_level(out: FileOutcome, path: str, problems: list) -> None:
    """The file's own problems (e.g. an unknown field at the top of it, or why it cannot be read) in the output
    too, not only on stderr."""
    if problems:
        out.emit({"file": path, "errors": [p.as_json() for p in problems]})


def _ruler(repo, engine, todo: list, notes, readings, compare_readings: bool, why_not):
    """rule(i): the ruling of the i-th case of `todo`, or (fact, message, code) of the RulingError that stopped it."""
    def rule(i: int):
        ruled = notes.ruled(i) if notes is not None else None
        try:
            return worded(evaluate(todo[i], repo, engine, readings, compare_readings, why_not=why_not, ruled=ruled))
        except RulingError as exc:
            return getattr(exc, "fact", None), str(exc), getattr(exc, "code", "no_ruling")
    return rule


def _take(entries: list, out: FileOutcome, made, only_expected: bool) -> None:
    """Every entry of the file in order given to out.emit (see _taken)."""
    for e in _taken(entries, out, made, only_expected, out.sink is None):
        out.emit(e)


def _taken(entries: list, out: FileOutcome, made, only_expected: bool, keep: bool):
    """Every entry of the file in order: a case's ruling (or the error that stopped it) from `made`, the cases
    that could not be read, the expectations compared (in `out`, which keeps the cases ruled if `keep`)."""
    for entry in entries:
        case = entry.case
        if case is None:
            yield error_entry(entry.id, entry.index, entry.line, entry.problems)
            continue
        if only_expected and case.expect is None:
            continue
        r = next(made)
        if isinstance(r, tuple):
            # A fact the ruling cannot use is pointed at; anything else is about the date (no policy in force).
            fact, message, code = r
            where = ("facts", fact) if fact and fact in case.given else ("as_of",)
            prob = case.doc.problem(case.json_path + where, message, code, case=case.id)
            out.problems.append(prob)
            if keep:
                out.cases.append((case, None))
            out.unusable = True
            yield error_entry(case.id, entry.index, entry.line, [prob])
            continue
        out.evaluated += 1
        if keep:
            out.cases.append((case, r))
            out.inputs[case.id] = case_input(case)
        expect = r.get("expect") if isinstance(r, dict) else r.expect  # a ruling, or ruling_format.EncodedRuling
        if expect is not None:
            out.with_expectations += 1
            if not expect["passed"]:
                out.failed += 1
                for m in expect["mismatches"]:
                    out.mismatches.append(case.doc.problem(
                        case.json_path + ("expect", m["result"]),
                        f"expected {m['result']} = {show(m['expected'])}, the ruling gives {show(m['actual'])}",
                        "expectation_failed", case=case.id))
        yield r


def error_entry(case_id: str, index: int, line: int, problems: list) -> dict:
    """The output entry of a case that cannot be ruled: its id, its position (0-based index among the file's cases,
    and line) and why, so that every case of an input is accounted for even when two share an id."""
    return {"id": case_id, "index": index, "line": line, "errors": [p.as_json() for p in problems]}


def case_input(case) -> dict:
    """A case as given (facts as written, the date it was ruled on): enough to evaluate it again."""
    out = {"id": case.id, "kind": case.kind, "as_of": case.as_of.isoformat(), "facts": case.given}
    if case.expect is not None:
        out["expect"] = case.expect
    return out


# Hypothetical reforms (examples/reforms/) hold draft policy files for `policy diff`, not cases.


def case_files_of(repo, dirs=manifest.CASE_DIRS, skip=manifest.NOT_CASES) -> list[Path]:
    """Every case file the repository keeps (tests and examples), or those under `dirs`."""
    out = []
    skip = [repo.root / d for d in skip]
    for sub in dirs:
        base = repo.root / sub
        if base.is_dir():
            out += sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
                          and not any(p.is_relative_to(s) for s in skip))
    return out
