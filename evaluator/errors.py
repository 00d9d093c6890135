"""Errors of evaluation (as opposed to Problems of input, see problems.py)."""


class RulingError(Exception):
    """The case cannot be ruled on (e.g. no policy in force on its date); the message says why."""
