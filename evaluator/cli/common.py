"""What every `policy` subcommand shares: printing problems, refusing a broken repository, loading a public key."""
from __future__ import annotations

import sys
from pathlib import Path

from ..load.problems import PolicyInputError, Problem


def err(line: str) -> None:
    print(line, file=sys.stderr)


def fail(message: str, code: str = "unusable", source: str = "policy") -> PolicyInputError:
    return PolicyInputError([Problem(source, 0, 0, message, code)])


def refuse_broken(repo, summary: str | None) -> bool:
    """Print a repository's problems (and `summary`, if given); True when there are any: nothing is made from it."""
    if not repo.problems:
        return False
    for prob in repo.problems:
        err(str(prob))
    if summary:
        err(summary.format(n=len(repo.problems)))
    return True


def public_key(path: Path | None):
    """The public key at `path` (None when no path is given); a bad key is the user's error, not a traceback."""
    if path is None:
        return None
    from ..repo import signing  # imported only when a command verifies: its crypto libraries cost start-up time

    try:
        return signing.load_public(path)
    except signing.SigningError as exc:
        raise fail(str(exc), "bad_key") from None


def output_problem(out: Path, inputs: list, what: str = "output") -> PolicyInputError | None:
    """Why `out` cannot be written as an output file: it is one of the inputs (a roster overwritten with its own
    rulings), a directory, or in a directory that does not exist. None when it can be written."""
    shown = str(out)
    if out.is_dir():
        return fail(f"{what} {shown} is a directory; give a file name", "bad_output", shown)
    if not out.parent.is_dir():
        return fail(f"{what} {shown}: the directory {out.parent} does not exist", "bad_output", shown)
    for src in inputs:
        if src is not None and (Path(src).resolve() == out.resolve()
                                or (out.exists() and Path(src).exists() and out.samefile(src))):
            return fail(f"{what} {shown} is also {src}, which this command reads or writes: choose another file",
                        "bad_output", shown)
    return None


def add_assume_adopted_arg(parser, help: str | None = None) -> None:
    parser.add_argument("--assume-adopted", action="append", default=[], metavar="AREA_OR_DOC",
                        help=help or "view a document NOT ADOPTED (a register id, e.g. xixia_street_example) or every "
                             "such document of an area (xixia, 西夏区) as if adopted on its proposed dates: a "
                             "hypothetical state, never the default; every ruling then says HYPOTHETICAL — EXAMPLE — "
                             "NOT ADOPTED (repeatable)")


def with_assumed(repo, args):
    """`repo`, or with --assume-adopted the hypothetical state that takes the named drafts as adopted (said on
    stderr). A name that is no draft and no area is the user's error, with the nearest names."""
    names = getattr(args, "assume_adopted", None) or []
    if not names or repo.problems:
        return repo
    from ..repo import repository, supplements

    try:
        docs = supplements.assumable(repo, names)
    except ValueError as exc:
        raise fail(str(exc), "bad_argument") from None
    err(f"HYPOTHETICAL — EXAMPLE — NOT ADOPTED: taking {', '.join(docs)} as adopted on their proposed dates "
        "(--assume-adopted); no body adopted them")
    return repository.load(repo.root, assume_adopted=docs)
