"""Shared test helpers: run programs through the CLI in-process, golden files, and torch."""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import re
import warnings
from pathlib import Path

import hypothesis
import pytest
from click.testing import CliRunner

from gradcli.cli import main
from gradcli.errors import GradcliError
from gradcli.lang.interpreter import run_source

TESTS = Path(__file__).parent
ADDRESS = re.compile(r"object at 0x[0-9a-fA-F]+")
# as in test_fuzz.py: GRADCLI_FUZZ_RANDOM=1 draws fresh hypothesis examples
FRESH_EXAMPLES = os.environ.get("GRADCLI_FUZZ_RANDOM", "") not in ("", "0")


def scrub(text: str) -> str:
    """Rewrite object addresses the way the conformance outputs were recorded."""
    return ADDRESS.sub("object at 0x...", text)


class Result:
    def __init__(self, click_result):
        self.exit_code = click_result.exit_code
        self.stdout = click_result.stdout
        self.stderr = click_result.stderr
        self.exception = click_result.exception


@pytest.fixture
def cli():
    """Run `gradcli ARGS...` in-process; returns exit code, stdout and stderr separately."""
    def run(*args, input=None):
        runner = CliRunner()
        return Result(runner.invoke(main, [str(a) for a in args], input=input))
    return run


def import_torch():
    """The installed PyTorch, or a skip when there is none.

    With GRADCLI_REQUIRE_TORCH=1 (set by .ci/run, which installs torch) a missing torch
    fails the test instead: there a skip would hide the differential tests not running.
    Called at module level, the failure is a collection error, which fails the run too.
    """
    if os.environ.get("GRADCLI_REQUIRE_TORCH", "") in ("", "0"):
        return pytest.importorskip("torch")
    try:
        import torch
    except ImportError as error:
        pytest.fail(f"GRADCLI_REQUIRE_TORCH is set, but torch does not import: {error}",
                    pytrace=False)
    return torch


def printed_by_gradcli(source: str) -> str:
    """What gradcli's interpreter prints for ``source``; an error ends it as ``!! Kind: message``
    (addresses as the conformance outputs write them)."""
    return run_gradcli(source, address="object at 0x...")


def printed_by_torch(torch, source: str) -> str:
    """What ``source`` prints as plain Python with PyTorch, in the same form."""
    return run_python(source, torch, address="object at 0x...")


def fixed_examples(max_examples: int) -> hypothesis.settings:
    """Settings for a hypothesis test: the same examples on every run, so a red run
    reproduces, unless GRADCLI_FUZZ_RANDOM=1 asks for fresh ones (printing the blob that
    replays a failure)."""
    return hypothesis.settings(max_examples=max_examples, deadline=None,
                               derandomize=not FRESH_EXAMPLES, print_blob=FRESH_EXAMPLES)


# ----- Running a program through gradcli and through PyTorch, for differential tests -----
# Both print what the program printed, then "!! Kind: first line of the message" if it raised;
# object addresses read "object at 0x?".

def run_gradcli(source: str, address: str = "object at 0x?") -> str:
    """The program through gradcli's interpreter (``gradcli eval``)."""
    buffer = io.StringIO()
    try:
        run_source("<parity>", source, output=buffer)
    except GradcliError as error:
        buffer.write(f"!! {error.kind}: {error.message}\n")
    return ADDRESS.sub(address, buffer.getvalue())


def run_python(source: str, torch_module, address: str = "object at 0x?") -> str:
    """The program as plain Python, its ``import torch`` (and ``torch.x`` submodules) giving
    ``torch_module``: real PyTorch, or gradcli as ``import gradcli as torch`` would."""
    buffer = io.StringIO()
    namespace = {"__name__": "__main__", "__builtins__": _builtins_importing(torch_module),
                 "torch": torch_module}  # (some fixed programs use torch without importing it)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with contextlib.redirect_stdout(buffer):
                exec(compile(source, "<parity>", "exec"), namespace)
        except Exception as error:  # noqa: BLE001 - any error is part of the output
            kind = error.kind if isinstance(error, GradcliError) else type(error).__name__
            buffer.write(f"!! {kind}: {str(error).split(chr(10))[0]}\n")
    return ADDRESS.sub(address, buffer.getvalue())


def _builtins_importing(torch_module) -> dict:
    real_import = builtins.__import__
    prefix = torch_module.__name__

    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "torch" or name.startswith("torch."):
            name = prefix + name[len("torch"):]
        return real_import(name, globals, locals, fromlist, level)
    return {**vars(builtins), "__import__": import_}
