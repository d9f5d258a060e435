"""Hostile programs (copied from ../shared/hostile) and variations: each fails cleanly.

Cleanly means: exit status 1, one short located message on stderr and no traceback,
bounded time, and no side effect (no file created).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TESTS

HOSTILE = sorted((TESTS / "hostile").glob("h*.py"))
CANARY = "/tmp/gradcli-canary-*"


def _clean_failure(result, name):
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{name}:"), first
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_hostile_file_fails_cleanly(path, cli):
    for leftover in glob.glob(CANARY):
        os.remove(leftover)
    started = time.monotonic()
    result = cli("eval", path)
    elapsed = time.monotonic() - started
    _clean_failure(result, str(path))
    # a location (FILE:LINE:COL) on every message
    assert result.stderr.split(":")[1].isdigit(), result.stderr
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert not glob.glob(CANARY)


VARIATIONS = {
    "dunder_via_tensor": "import torch\nx = torch.ones(2)\nx.__dict__\n",
    "class_attr_of_function": "from torch.autograd import Function\nFunction.__subclasses__()\n",
    "type_builtin": "type(1)\n",
    "globals_builtin": "globals()\n",
    "vars_builtin": "vars()\n",
    "import_numpy": "import numpy as np\n",
    "from_os_import": "from os import system\n",
    "import_torch_internal": "import torch._C\n",
    "format_method": "'{}'.format(1)\n",
    "percent_format": "'%s' % (1,)\n",
    "nested_fstring_spec": "x = 1\nprint(f'{x:{\"!r\"}}')\n",
    "fstring_huge_width": "print(f'{1:99999999}')\n",
    "lambda_code": "f = lambda: 0\nf.__code__\n",
    "grad_fn_class": "import torch\nx = torch.ones(1, requires_grad=True)\n(x*2).grad_fn.__class__\n",
    "ctx_dunder": ("from torch.autograd import Function\nclass F(Function):\n"
                   "    @staticmethod\n    def forward(ctx, x):\n        return ctx.__class__\n"
                   "    @staticmethod\n    def backward(ctx, g):\n        return g\n"
                   "import torch\nF.apply(torch.ones(1, requires_grad=True))\n"),
    "raise_exception": "raise ValueError('x')\n",
    "try_except": "try:\n    pass\nexcept Exception:\n    pass\n",
    "list_doubling": "x = [0]\nwhile True:\n    x = x + x\n",
    "string_doubling": "s = 'ab'\nfor i in range(100):\n    s = s + s\n",
    "pow_loop": "n = 2\nwhile True:\n    n = n * n\n",
    "huge_range_list": "list(range(10 ** 12))\n",
    "huge_sum": "sum(range(10 ** 12))\n",
    "join_bomb": "s = 'x' * 1000\nprint(s.join([s] * 10000))\n",
    "expand_chain": "import torch\nx = torch.ones(1, 1).expand(5000, 5000).expand(2, 5000, 5000)\n",
    "matmul_bomb": "import torch\nx = torch.ones(100000, 1) @ torch.ones(1, 100000)\n",
    "arange_bomb": "import torch\nx = torch.arange(10 ** 10)\n",
    "tensor_list_bomb": "import torch\nx = torch.tensor([0.0] * 10 ** 8)\n",
    "deep_recursion_lambda": "f = lambda n: f(n + 1)\nf(0)\n",
    "with_non_context": "with print:\n    pass\n",
    "global_stmt": "def f():\n    global x\n",
    "walrus": "(y := 1)\n",
    "setattr_tensor": "import torch\nx = torch.ones(1)\nx.array = 5\n",
    "private_name": "_x = 1\n",
    "bytes_literal": "b'abc'\n",
    "async_def": "async def f():\n    pass\n",
    "yield_gen": "def f():\n    yield 1\n",
    "numpy_attr": "import torch\ntorch.ones(2).array\n",
}


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_variation_fails_cleanly(name, cli, tmp_path):
    path = tmp_path / f"{name}.py"
    path.write_text(VARIATIONS[name])
    result = cli("eval", path)
    _clean_failure(result, str(path))


def test_hostile_run_as_real_process_has_no_side_effect(tmp_path):
    """The real command, its own process: exit 1, no file written, nothing imported."""
    for leftover in glob.glob(CANARY):
        os.remove(leftover)
    for path in [p for p in HOSTILE if p.stem[:3] in ("h10", "h11", "h12", "h13", "h15", "h16",
                                                       "h36")]:
        result = subprocess.run([sys.executable, "-m", "gradcli.cli", "eval", str(path)],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert not glob.glob(CANARY)
