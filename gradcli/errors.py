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
    # whether a program's try/except may catch it: its own mistakes and PyTorch's errors, yes;
    # limits, sandbox refusals and parse errors always end the run
    catchable = False

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
    """An error PyTorch itself would raise; ``kind`` and message follow PyTorch's wording.

    The instance is also of the matching builtin class (``RuntimeError``, ``TypeError``...),
    so code using ``import gradcli as torch`` can catch it as it would catch PyTorch's.
    """

    kind = "RuntimeError"
    catchable = True

    def __new__(cls, *args, kind: str | None = None, **kwargs):
        if cls is TorchError:
            cls = _BUILTIN_FLAVOURS.get(kind or cls.kind, cls)
        return super().__new__(cls, *args)


class ProgramError(GradcliError):
    """The program did something Python would reject (bad call, wrong type, index error)."""

    kind = "TypeError"
    catchable = True


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


def _flavour(builtin: type) -> type:
    namespace = {"kind": builtin.__name__}
    if builtin is KeyError:  # str(KeyError) quotes its message, as Python's does
        namespace["__str__"] = lambda self: repr(self.message)
    return type(f"Torch{builtin.__name__}", (TorchError, builtin), namespace)


_BUILTIN_FLAVOURS = {b.__name__: _flavour(b) for b in (
    RuntimeError, TypeError, ValueError, IndexError, NotImplementedError, AssertionError,
    AttributeError, KeyError)}
