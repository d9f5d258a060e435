"""Child processes for tests: each starts with Ctrl-C working and none outlives its test.

Every test that starts a process goes through here, because of what went wrong without it:
- A parent started in the background by a non-interactive shell has SIGINT ignored; an
  ignored signal survives exec, and Python then installs no KeyboardInterrupt handler.  A
  Ctrl-C test's child could not be interrupted, the test timed out, and the child was left
  spinning at 100% CPU (once for 37 minutes).  So SIGINT goes back to its default in the child.
- The child leads its own session, hence its own process group: a Ctrl-C typed at pytest does
  not reach it, and killing the group also ends what it started (a shell and its pipeline).
- The group is killed in a ``finally``, whatever the test did: a timeout or a failed assert
  leaves nothing running.
- A test that must act while the child runs waits for a line the child prints when it is
  ready (``wait_for_line``), never for a fixed time.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time


def _default_sigint() -> None:
    """Runs in the child between fork and exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def child(args, **popen_kwargs):
    """``subprocess.Popen(args)`` (stdout and stderr piped, stdin empty) for a ``with`` block;
    the child's whole process group is killed and reaped when the block ends."""
    popen_kwargs.setdefault("stdin", subprocess.DEVNULL)
    popen_kwargs.setdefault("stdout", subprocess.PIPE)
    popen_kwargs.setdefault("stderr", subprocess.PIPE)
    with subprocess.Popen(args, start_new_session=True, preexec_fn=_default_sigint,
                          **popen_kwargs) as process:
        try:
            yield process
        finally:
            # the group's id is the child's pid, which is not reused while the group exists
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()  # Popen.__exit__ then closes the pipes


def run(args, timeout: float, **popen_kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run(args, capture_output=True, text=True, timeout=timeout)`` through
    ``child``: on a timeout, TimeoutExpired is raised and the whole group is killed."""
    with child(args, text=True, **popen_kwargs) as process:
        stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def wait_for_line(process, line: str, timeout: float) -> bytes:
    """Read the child's stdout until it has printed ``line`` as a whole line; return all it
    printed so far.  Fails if the child ends first or ``timeout`` seconds pass.

    Reads the pipe's file descriptor directly, so nothing is left in ``process.stdout``'s
    buffer: ``communicate()`` afterwards gets the rest.  (The child must flush: run Python
    with ``-u``.)
    """
    fd = process.stdout.fileno()
    wanted = b"\n" + line.encode() + b"\n"
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in b"\n" + seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"the child did not print {line!r} within {timeout:g} s; "
                                 f"it printed {seen!r}")
        if select.select([fd], [], [], remaining)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"the child closed stdout (status {process.poll()}) "
                                     f"before printing {line!r}; it printed {seen!r}")
            seen += chunk
    return seen
