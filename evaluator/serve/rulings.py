"""The work of one POST /evaluate, run off the event loop: in a worker process (policy serve --workers N) or, for
tests and `--workers 0`, a thread of the server's own process. It returns (status, media type, body bytes); the
event loop only moves bytes.

The body is read as `policy eval` reads a case file: plain JSON of cases (`{"cases": [...]}`) by the fast bounded
reader (load/json_cases.py: the same data, the same problems at the same places, positions worked out only when a
problem needs one), anything else by the strict loader, which counts nesting on the parser's event stream before
any tree is built (libyaml's composer recurses and overflows the C stack near 25,000 levels: one such body must not
kill a worker); after reading the request's work is bounded by its cases and by the workers of its roster
cases, so one request of 1 MiB cannot hold a worker for long. The answer is the rulings document
(render/ruling_format.py) in the form asked for, written by orjson.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import stat
import threading
import time
from http import HTTPStatus

from .. import api
from ..audit import decision_log
from ..cases import files as cases
from ..engine import engines
from ..load import json_cases
from ..load.problems import PolicyInputError, Problem
from ..render import ruling_format
from ..render.text import to_json
from ..ruling import collector
from . import limits, problems

REQUEST = "request"  # the "file" name problems of a request body are reported at
JSON = "application/json"
PART = "part"  # the media type of a part's answer: (rulings as a JSON array, the clause table or None)


def work_of(data) -> int:
    """Cases in a request, each roster case counting one per worker."""
    items = data.get("cases") if isinstance(data, dict) and "cases" in data else [data]
    total = 0
    for case in items if isinstance(items, list) else []:
        facts = case.get("facts") if isinstance(case, dict) else None
        workers = facts.get("workers") if isinstance(facts, dict) else None
        total += max(len(workers), 1) if isinstance(workers, list) else 1
    return total


def _problem(status: int, code: str, detail: str, problem_list=None):
    errors = problem_list if problem_list is not None else [Problem(REQUEST, 0, 0, detail, code).as_json()]
    return status, problems.MEDIA, to_json(problems.body(status, code, detail, errors), indent=None).encode("utf-8")


class Ruler:
    """Everything a worker needs to rule a request: the repository, the engine, the log."""

    def __init__(self, repo, engine: str, log_path=None, log_key=None):
        self.repo, self.engine = repo, engines.make(engine)
        self.log_path, self.log_key = log_path, log_key
        self.repo_version = decision_log.repository_version(repo.root) if log_path else None

    def rule(self, raw: bytes, as_of: str | None, form: str | None = None, part=None) -> tuple[int, str, bytes]:
        try:
            return self.rule_unguarded(raw, as_of, form, part)
        except Exception:  # noqa: BLE001 - a bug: logged on the server (rate-limited), a problem for the client
            logging.getLogger("evaluator.serve").exception("internal error while ruling a request")
            return _problem(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error while ruling the "
                            "request (a bug in the evaluator; the server's log has the details)")

    def rule_unguarded(self, raw: bytes, as_of_text: str | None, form: str | None = None, part=None):
        """The answer to a request: (status, media type, body bytes). With `part` (start, stop, first), only the
        cases start:stop of the body are ruled (the whole body is read and checked as a list of cases, so that every
        problem is at its place in it, and the cases of the part: part_of) and the answer is (status, PART, (their
        rulings as a JSON array, the clause table))."""
        form = form or "auto"
        if form not in ruling_format.FORMS:
            return _problem(400, "bad_request", f"clauses '{form[:40]}': one of {', '.join(ruling_format.FORMS)}")
        as_of = None
        if as_of_text is not None:
            try:
                as_of = dt.date.fromisoformat(as_of_text)
            except ValueError:
                return _problem(400, "bad_request", f"as_of '{as_of_text[:40]}' is not a real date (YYYY-MM-DD)")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return _problem(400, "bad_request", "the body is not UTF-8 text")
        try:
            doc = json_cases.load_file_bytes(raw, REQUEST)
        except PolicyInputError as exc:
            if any(p.code == "too_deep" for p in exc.problems):
                return _problem(413, "too_deep", f"the body nests arrays and objects deeper than {limits.MAX_DEPTH} "
                                                 "levels", [p.as_json() for p in exc.problems])
            return _problem(400, "bad_request", "the body is not a JSON document", [p.as_json() for p in
                                                                                  exc.problems])
        items = doc.data.get("cases") if isinstance(doc.data, dict) else None
        if isinstance(items, list) and len(items) > limits.MAX_CASES:
            return _problem(413, "too_many_cases", f"{len(items)} cases in one request; at most {limits.MAX_CASES}")
        work = work_of(doc.data)
        if work > limits.MAX_WORK:
            return _problem(413, "too_much_work", f"{work} cases and roster workers in one request; at most "
                                                  f"{limits.MAX_WORK} (split the request, or use policy batch)")
        try:
            listed = cases.opened(doc, self.repo.schema_dir, as_of)
        except PolicyInputError as exc:
            return _problem(422, "unusable_cases", "the cases cannot be read", [p.as_json() for p in exc.problems])
        cf = listed.case_file() if part is None else part_of(listed, *part)
        out = api.evaluate_cases(self.repo, cf, self.engine, api.FileOutcome(REQUEST))
        if self.log_path is not None:
            logged = [r for r in out.rulings if "results" in r]
            entries = [decision_log.entry_for_ruling(r, out.inputs[r["id"]]) for r in logged]
            try:
                ids = decision_log.append(self.log_path, entries, self.repo_version, self.log_key)
            except decision_log.LogError as exc:
                logging.getLogger("evaluator.serve").error("%s", exc)
                return _problem(503, "log_unavailable", "the decision log cannot be written, so no ruling is "
                                "given (this server logs every ruling it gives); try again later")
            for r, did in zip(logged, ids):
                r["decision_id"] = did
        status = 422 if out.unusable else 200
        if part is not None:
            return status, PART, ruling_format.part_bytes(out.rulings, self.repo, form)
        return status, JSON, ruling_format.document_bytes(out.rulings, self.repo, form)


def part_of(listed, start: int, stop: int | None, first: bool):
    """The cases start:stop of a request's list of cases (cases.opened), with their problems and, if `first`, the
    list's own: only these cases read (Listed.read) when no two cases share an id, so that reading one does not
    depend on the cases before it; otherwise every case read and the part cut out (cases_between), an id used
    twice being refused where it is used again."""
    if not listed.names_unique():
        return cases_between(listed.case_file(), start, stop, first)
    return listed.case_file(range(len(listed.items))[start:stop], first)


def cases_between(cf, start: int, stop: int | None, first: bool):
    """The cases start:stop of a loaded case file, with their problems, and the file's own problems if `first`."""
    entries = cf.entries[start:stop]
    mine = {id(p) for e in entries for p in e.problems}
    of_entries = {id(p) for e in cf.entries for p in e.problems}
    problems = [p for p in cf.problems if id(p) in mine or (first and id(p) not in of_entries)]
    return dataclasses.replace(cf, entries=entries, problems=problems, order=cf.order[start:stop],
                               cases=[e.case for e in entries if e.case is not None])


_WORKER: Ruler | None = None
_SLOTS = None  # the worker's answers.Slots: where its answers go back to the server
MAX_FD_SCANNED = 1024  # descriptors looked at for inherited sockets where /proc/self/fd cannot list them


def start_worker(repo, engine: str, log_path, log_key, slots=None) -> None:
    """Process-pool initializer (fork): the repository is inherited, not pickled; `slots` (answers.Slots): the
    shared memory its answers go back through. The worker ends itself when the server that forked it is gone
    (killed without a chance to stop its pool)."""
    global _WORKER, _SLOTS
    close_inherited_sockets()
    _WORKER = Ruler(repo, engine, log_path, log_key)
    if slots is not None:
        slots.claim()
        _SLOTS = slots
    collector.settle()  # what the worker keeps for its life, out of the collector's walks
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def close_inherited_sockets() -> None:
    """Let go of the sockets a worker inherited from the server at fork. A worker that replaces one that died is
    forked from the running server, with its listening socket and every open connection: a connection the server
    then closes (idle, refused, timed out) would stay open to its client for as long as the worker lives, and the
    server's bounds on idle and open connections would not hold. Each such descriptor is pointed at /dev/null
    (dup2), not closed, so that its number is not reused while the server's socket objects, copied at fork, still
    name it. A worker talks to the server through pipes only."""
    fds = "/proc/self/fd"
    names = os.listdir(fds) if os.path.isdir(fds) else range(3, MAX_FD_SCANNED)
    null = None
    try:
        for name in names:
            fd = int(name)
            try:
                if fd <= 2 or fd == null or not stat.S_ISSOCK(os.fstat(fd).st_mode):
                    continue
                if null is None:
                    null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, fd)
            except OSError:  # closed meanwhile (e.g. the directory listing's own descriptor)
                continue
    finally:
        if null is not None:
            os.close(null)


def rule_in_worker(raw: bytes, as_of: str | None, form: str | None = None, part=None) -> tuple:
    """The answer as Ruler.rule gives it, its body left in the shared memory where it can be (answers.Sent: the
    server takes it out, answers.Slots.take)."""
    status, media, body = _WORKER.rule(raw, as_of, form, part)
    return status, media, body if _SLOTS is None else _SLOTS.put(body)


def ready() -> bool:
    return _WORKER is not None
