"""The tests' own helpers keep their promises.

tests/_process.py, which every test that starts a process uses: Ctrl-C works in the child
whatever the parent ignores, and nothing a test started outlives it, even when it fails.
conftest.import_torch: a missing torch is a skip, or a failure under GRADCLI_REQUIRE_TORCH=1.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _process import child, run, wait_for_line
from conftest import import_torch

# a shell that starts two long sleeps in the background and says which
SHELL_WITH_CHILDREN = "sleep 60 & echo $!; sleep 60 & echo $!; echo started; wait"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # killed but not yet reaped by its new parent: ended


def _ended(pids, within=2.0) -> bool:
    deadline = time.monotonic() + within  # SIGKILL is delivered asynchronously
    while any(_running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_child_has_default_sigint_when_the_parent_ignores_it():
    check = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as under `pytest &` in a script
    try:
        result = run([sys.executable, "-c", check], timeout=30)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (result.returncode, result.stdout) == (0, "True\n"), result.stderr


def test_a_failing_test_leaves_no_process_behind():
    with pytest.raises(AssertionError, match="the test failed"):
        with child(SHELL_WITH_CHILDREN, shell=True) as process:
            printed = wait_for_line(process, "started", timeout=30)
            pids = [process.pid] + [int(pid) for pid in printed.split()[:2]]
            assert all(_running(pid) for pid in pids)
            raise AssertionError("the test failed")
    assert _ended(pids)


def test_a_timed_out_run_leaves_no_process_behind(tmp_path):
    script = tmp_path / "pids.sh"  # the shell writes its children's pids where we can read them
    script.write_text(f"sleep 60 & echo $! > {tmp_path}/a; sleep 60 & echo $! > {tmp_path}/b; "
                      "wait\n")
    with pytest.raises(subprocess.TimeoutExpired):
        run(["sh", str(script)], timeout=1.0)
    pids = [int((tmp_path / name).read_text()) for name in "ab"]
    assert _ended(pids)


@pytest.mark.parametrize("value,outcome", [(None, pytest.skip.Exception),
                                           ("0", pytest.skip.Exception),
                                           ("1", pytest.fail.Exception)])
def test_missing_torch_skips_unless_required(value, outcome, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    if value is None:
        monkeypatch.delenv("GRADCLI_REQUIRE_TORCH", raising=False)
    else:
        monkeypatch.setenv("GRADCLI_REQUIRE_TORCH", value)
    with pytest.raises(outcome):
        import_torch()
