"""Errors of evaluation (as opposed to Problems of input, see problems.py)."""


class RulingError(Exception):
    """The case cannot be ruled on (e.g. no policy in force on its date); the message says why."""


class UnusableFact(RulingError):
    """A fact of the case cannot be used (e.g. a name the list does not have); `fact` names the field. (The rule
    engine's own refusal of a fact is engine.engines.FactError; evaluate turns it into this.)"""

    def __init__(self, fact: str, message: str, code: str = "bad_fact"):
        super().__init__(message)
        self.fact = fact
        self.code = code
