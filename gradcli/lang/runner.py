"""Running a program from the command line: read the source safely, set the limits,
run it under the interpreter, and keep what the inspection commands need.

Nothing here prints; ``cli.py`` decides how results and errors are shown.
"""

from __future__ import annotations

import contextlib
import dataclasses
import faulthandler
import gc
import os
import signal
import sys

from gradcli.core.device import Default as DefaultDevice
from gradcli.core.dual import DualMode
from gradcli.core.tensor import GradMode, Limits
from gradcli.errors import GradcliError, LimitError, ParseError
from gradcli.lang.interpreter import MEMORY_HINT as _MEMORY_HINT
from gradcli.lang.interpreter import OUT_OF_MEMORY as _OUT_OF_MEMORY
from gradcli.lang.interpreter import Interpreter
from gradcli.lang.settings import MAX_SOURCE_BYTES, RunOptions

try:
    import resource
except ImportError:  # not on Windows: no memory cap there
    resource = None

HARD_DEADLINE_GRACE = 0.5  # seconds after --timeout before the process is ended outright


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
        raise ParseError("cannot read the program: no such file", kind="FileError",
                         hint="check the path and the current directory; use '-' to read the "
                              "program from stdin or -e CODE to pass it inline") from None
    except IsADirectoryError:
        raise ParseError("cannot read the program: it is a directory, not a file",
                         kind="FileError", hint="pass one .py file") from None
    except PermissionError:
        raise ParseError("cannot read the program: permission denied", kind="FileError",
                         hint="check the file's permissions (it needs to be readable)") from None
    except OSError as error:
        raise ParseError(f"cannot read the program: {error.strerror or error}",
                         kind="FileError", hint="check that FILE is a readable text file") \
            from None


def decode_source(name: str, raw: bytes) -> str:
    if len(raw) > MAX_SOURCE_BYTES:
        raise LimitError(f"the source is larger than {MAX_SOURCE_BYTES:,} bytes",
                         hint="programs are limited to 1 MiB; split the data out of the program")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _position(raw, nul)
        raise ParseError(f"NUL byte at byte offset {nul}", kind="EncodingError", line=line,
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


# the engine's process-wide state a run sets, restored when it ends
_RUN_STATE = ((Limits, "max_elements"), (Limits, "max_nodes"), (Limits, "nodes"),
              (GradMode, "keep_graphs"), (GradMode, "enabled"), (DefaultDevice, "device"),
              (GradMode, "saved_hooks"), (DualMode, "level"), (DualMode, "active"))


@contextlib.contextmanager
def limits(options: RunOptions):
    """Set the engine's caps and a wall-clock alarm for the duration of a run."""
    saved = [getattr(holder, name) for holder, name in _RUN_STATE]
    Limits.max_elements = options.max_elements or None
    Limits.max_nodes = options.max_nodes or None
    Limits.nodes = 0
    GradMode.keep_graphs = options.keep_graphs
    alarm = options.timeout and hasattr(signal, "setitimer") and _in_main_thread()
    if alarm:
        previous = signal.signal(signal.SIGALRM, _timeout_handler(options.timeout))
        signal.setitimer(signal.ITIMER_REAL, options.timeout)
    try:
        with _memory_cap(options.max_memory), _hard_deadline(options.timeout if alarm else 0):
            yield
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        # a program's torch.set_grad_enabled(False) must not outlive its run
        for (holder, name), value in zip(_RUN_STATE, saved):
            setattr(holder, name, value)


@contextlib.contextmanager
def _memory_cap(mebibytes: int):
    """Cap the address space at what the process uses now plus ``mebibytes``.

    The kernel enforces it, so memory built up anywhere (many tensors, lists of lists,
    a C loop) ends in MemoryError, which the run reports as a LimitError.
    """
    if not mebibytes or resource is None or not _in_main_thread():
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + mebibytes * 2**20 + _blas_reserve()
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _blas_reserve() -> int:
    """Address space OpenBLAS maps on its first product: a 32 MiB buffer per thread.

    Warming BLAS up instead would cost ~40 ms of start-up; the reserve is virtual memory,
    never touched by the program's own data.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (32 * (cpus or 1) + 32) * 2**20


@contextlib.contextmanager
def _hard_deadline(seconds: float):
    """End the process (exit 1) if the alarm could not: a program stuck in one long C call.

    The Python-level alarm only runs between bytecodes.  faulthandler's watchdog is a C
    thread that needs no GIL, so it ends even a loop inside a builtin.  Its traceback goes
    to /dev/null, so this exit has no located message: it is the last resort, and the
    builtins known to run long are bounded before they start instead.
    """
    if not seconds:
        yield
        return
    with open(os.devnull, "w") as sink:
        faulthandler.dump_traceback_later(seconds + HARD_DEADLINE_GRACE, exit=True, file=sink)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()


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
    settings = dataclasses.replace(options, max_steps=options.max_steps or sys.maxsize)
    interp = Interpreter(name, source, output=output, settings=settings, bindings=options.bindings)
    # Graphs are acyclic chains of small objects: full collections only slow them down.
    gc.freeze()
    gc.set_threshold(20_000, 50, 1000)
    with limits(options):
        try:
            interp.run()
            interp.check_last_value()  # under the limits: the CLI may print it
        except RecursionError:
            raise LimitError("the program nested calls too deeply",
                             hint="raise --max-depth or simplify the recursion") from None
        except MemoryError:
            raise LimitError(_OUT_OF_MEMORY, hint=_MEMORY_HINT) from None
    return interp


__all__ = ["RunOptions", "read_source", "decode_source", "run_program", "GradcliError"]
