"""Problems found in user input: each names a file position and says what is wrong in plain words.

A Problem is data, not an exception, so that one bad case or file never hides the others.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    path: str
    line: int  # 1-based; 0 when the position is unknown (e.g. the file is missing)
    col: int  # 1-based
    message: str
    code: str = "invalid"
    case: str | None = None  # id of the case the problem belongs to, when there is one
    field: str = ""  # JSON path of the value, e.g. cases[2].facts.post (data given without a file has no lines)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line else self.path
        if not self.line and self.field:
            where += f" at {self.field}"
        case = f" [case {self.case}]" if self.case else ""
        return f"{where}: {self.code}:{case} {self.message}"

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "case": self.case,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class PolicyInputError(Exception):
    """Raised when input cannot be used at all; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
