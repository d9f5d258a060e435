"""The one family of exceptions gradcli raises.

Every error a user can cause is a ``GradcliError``: it carries a kind (the name a
Python or PyTorch user would recognise, such as ``RuntimeError``), a message, an
optional hint saying what to try, and the source location once the interpreter
knows it.  Only ``cli.py`` turns these into stderr text and exit codes.
"""

from __future__ import annotations


class GradcliError(Exception):
    """Base class: an error the user can fix, with a location and a hint."""

    kind = "Error"

    def __init__(self, message: str, *, hint: str | None = None, kind: str | None = None,
                 line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if kind is not None:
            self.kind = kind
        self.line = line
        self.column = column

    def locate(self, line: int | None, column: int | None) -> "GradcliError":
        """Attach a position unless a more precise (inner) one is already known."""
        if self.line is None:
            self.line, self.column = line, column
        return self

    def __str__(self) -> str:
        return self.message


class TorchError(GradcliError):
    """An error PyTorch itself would raise; ``kind`` and message follow PyTorch's wording."""

    kind = "RuntimeError"


class ProgramError(GradcliError):
    """The program did something Python would reject (bad call, wrong type, index error)."""

    kind = "TypeError"


class SandboxError(GradcliError):
    """The program used a construct, name or attribute outside the language."""

    kind = "SandboxError"


class LimitError(GradcliError):
    """A resource limit (elements, steps, time, sizes) would be exceeded."""

    kind = "LimitError"


class ParseError(GradcliError):
    """The source could not be read or parsed."""

    kind = "SyntaxError"


class UsageError(GradcliError):
    """The command line itself is wrong (exit status 2)."""

    kind = "UsageError"


class CheckMismatch(GradcliError):
    """A gradient check found a disagreement (exit status 3)."""

    kind = "CheckMismatch"
