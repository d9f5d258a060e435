"""Running a program from the command line: read the source safely, set the limits,
run it under the interpreter, and keep what the inspection commands need.

Nothing here prints; ``cli.py`` decides how results and errors are shown.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
from dataclasses import dataclass, field

from . import engine
from .errors import GradcliError, LimitError, ParseError
from .language import Interpreter, Settings
from .tensor import Limits

MAX_SOURCE_BYTES = 1 << 20


@dataclass
class RunOptions:
    """Every knob of a run; the CLI's flags map one to one onto these."""

    max_elements: int = 10_000_000
    max_steps: int = 1_000_000
    max_nodes: int = 100_000
    max_depth: int = 100
    timeout: float = 4.0
    keep_graphs: bool = False
    bindings: dict = field(default_factory=dict)


def read_source(path: str, stdin=None) -> tuple[str, str]:
    """Return (display name, text) for FILE or '-', refusing what is not UTF-8 Python text."""
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(MAX_SOURCE_BYTES + 1)
        name = "<stdin>"
    else:
        name = path
        raw = _read_file(path)
    return name, decode_source(name, raw)


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_SOURCE_BYTES + 1)
    except FileNotFoundError:
        raise ParseError("no such file", kind="FileError",
                         hint="check the path; use '-' to read the program from stdin") from None
    except IsADirectoryError:
        raise ParseError("is a directory, not a program file", kind="FileError") from None
    except PermissionError:
        raise ParseError("permission denied", kind="FileError") from None
    except OSError as error:
        raise ParseError(error.strerror or str(error), kind="FileError") from None


def decode_source(name: str, raw: bytes) -> str:
    if len(raw) > MAX_SOURCE_BYTES:
        raise LimitError(f"the source is larger than {MAX_SOURCE_BYTES:,} bytes")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _position(raw, nul)
        raise ParseError("source contains a NUL byte", kind="EncodingError", line=line,
                         column=column, hint="the file looks binary; programs are UTF-8 text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise ParseError(f"invalid UTF-8 byte 0x{raw[error.start]:02x} at byte offset {error.start}",
                         kind="EncodingError", line=line, column=column,
                         hint="save the file as UTF-8 (coding declarations are not honoured)") \
            from None


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


@contextlib.contextmanager
def limits(options: RunOptions):
    """Set the engine's caps and a wall-clock alarm for the duration of a run."""
    saved = (Limits.max_elements, Limits.max_nodes, Limits.nodes, engine.Options.keep_graphs)
    Limits.max_elements = options.max_elements or None
    Limits.max_nodes = options.max_nodes or None
    Limits.nodes = 0
    engine.Options.keep_graphs = options.keep_graphs
    alarm = options.timeout and hasattr(signal, "setitimer") and _in_main_thread()
    if alarm:
        previous = signal.signal(signal.SIGALRM, _timeout_handler(options.timeout))
        signal.setitimer(signal.ITIMER_REAL, options.timeout)
    try:
        yield
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        Limits.max_elements, Limits.max_nodes, Limits.nodes, engine.Options.keep_graphs = saved


def _in_main_thread() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


def _timeout_handler(seconds):
    def handler(signum, frame):
        raise LimitError(f"the program ran longer than {seconds:g} s",
                         hint="raise it with --timeout SECONDS (0 for no limit)")
    return handler


def run_program(name: str, source: str, options: RunOptions, output=None) -> Interpreter:
    """Run a program under the limits; GradcliError escapes with its location set."""
    settings = Settings(max_steps=options.max_steps, max_depth=options.max_depth)
    interp = Interpreter(name, source, output=output, settings=settings, bindings=options.bindings)
    # Graphs are acyclic chains of small objects: full collections only slow them down.
    gc.freeze()
    gc.set_threshold(20_000, 50, 1000)
    with limits(options):
        try:
            interp.run()
        except RecursionError:
            raise LimitError("the program nested calls too deeply",
                             hint="raise --max-depth or simplify the recursion") from None
        except MemoryError:
            raise LimitError("the program ran out of memory",
                             hint="use smaller tensors or lower --max-elements") from None
    return interp


__all__ = ["RunOptions", "read_source", "decode_source", "run_program", "GradcliError"]
