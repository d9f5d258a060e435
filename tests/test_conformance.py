"""PyTorch's own outputs for real programs (copied from ../shared/conformance), byte for byte.

Each case runs twice: through `gradcli eval` (the sandboxed interpreter) and as plain Python
with `import gradcli as torch` standing in for PyTorch.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from pathlib import Path

import pytest

from _process import run
from conftest import TESTS, scrub

CASES = sorted((TESTS / "conformance").glob("[0-9][0-9]_*.py"))


def expected(case: Path):
    out = case.with_suffix(".out").read_text()
    err_file = case.with_suffix(".err")
    err = err_file.read_text().strip() if err_file.exists() else None
    return out, err


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_eval_matches_pytorch(case, cli):
    out, err = expected(case)
    result = cli("eval", case)
    assert scrub(result.stdout) == out
    if err is None:
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
    else:
        kind, message = err.split(": ", 1)
        assert result.exit_code == 1
        assert f"{kind}: {message}" in result.stderr
        line = _raising_line(case)
        assert f"{case}:{line}:" in result.stderr


def _raising_line(case: Path) -> int:
    """The last line before `print("unreachable")`: where PyTorch raised."""
    lines = case.read_text().splitlines()
    index = next(i for i, text in enumerate(lines) if "unreachable" in text)
    return index  # 1-based number of the line before it


def _alias_torch():
    import gradcli
    import gradcli.api.autograd
    import gradcli.api.autograd.function
    import gradcli.api.nn
    import gradcli.api.nn.functional
    aliases = {"torch": gradcli, "torch.autograd": gradcli.autograd,
               "torch.autograd.function": gradcli.autograd.function, "torch.nn": gradcli.nn,
               "torch.nn.functional": gradcli.nn.functional}
    return aliases


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_plain_python_with_gradcli_as_torch(case, monkeypatch):
    out, err = expected(case)
    for name, module in _alias_torch().items():
        monkeypatch.setitem(sys.modules, name, module)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        if err is None:
            runpy.run_path(str(case), run_name="__main__")
        else:
            kind, message = err.split(": ", 1)
            with pytest.raises(Exception) as raised:
                runpy.run_path(str(case), run_name="__main__")
            assert type(raised.value).__mro__[2].__name__ == kind or kind in [
                k.__name__ for k in type(raised.value).__mro__]
            assert str(raised.value).startswith(message)
    assert scrub(buffer.getvalue()) == out


def test_installed_command_runs_a_case_as_a_subprocess():
    case = TESTS / "conformance" / "01_blitz_tensor.py"
    result = run([sys.executable, "-m", "gradcli.cli", "eval", str(case)], timeout=60)
    assert result.returncode == 0, result.stderr
    assert scrub(result.stdout) == case.with_suffix(".out").read_text()
