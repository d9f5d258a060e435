"""Hostile programs (copied from ../shared/hostile) and variations: each fails cleanly.

Cleanly means: exit status 1, one short located message on stderr and no traceback,
bounded time, and no side effect (no file created).
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TESTS
from gradcli.sandbox import RAW_MEMORY

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
    # builtin methods called from C loops: no bytecode runs, so neither steps nor the alarm apply
    "map_append_grows_forever": "a = [0]\nany(map(a.append, a))\n",
    "map_insert_grows_forever": "a = [0]\nany(map(a.insert, a, a))\n",
    "min_key_append": "a = [0]\nmax(a, key=a.append)\n",
    "extend_with_growing_map": "a = [0]\na.extend(map(a.append, a))\n",
    "starred_growing_map": "a = [0]\nb = [*map(a.append, a)]\n",
    "sum_of_lists_quadratic": "x = sum([[0]] * 1000000, [])\n",
    "sum_of_strings": "x = sum(['ab'] * 1000, '')\n",
    # total memory: every piece under its cap, the whole over --max-memory
    "many_big_tensors": "import torch\nxs = [torch.ones(10000000) for i in range(1000)]\n",
    "many_big_lists": "x = [[0] * 1000000 for i in range(1000)]\n",
    # results larger than their inputs, refused before numpy allocates them
    "broadcast_bomb": "import torch\ny = torch.ones(1000000, 1) + torch.ones(1, 1000000)\n",
    "where_broadcast_bomb": ("import torch\ny = torch.where(torch.ones(1000, 1, 1) > 0, "
                             "torch.ones(1, 1000, 1), torch.ones(1, 1, 1000))\n"),
    "outer_bomb": "import torch\nx = torch.ones(1000000)\ny = torch.outer(x, x)\n",
    "bmm_batch_broadcast": ("import torch\ny = torch.bmm(torch.ones(1000, 1000, 1), "
                            "torch.ones(1000, 1, 1000))\n"),
    "matmul_batch_broadcast": ("import torch\ny = torch.matmul(torch.ones(1000, 1, 1000, 1), "
                               "torch.ones(1000, 1, 1000))\n"),
    "cat_bomb": "import torch\nx = torch.ones(5000000)\ny = torch.cat([x] * 100)\n",
    "stack_bomb": "import torch\nx = torch.ones(5000000)\ny = torch.stack([x] * 100)\n",
    "index_gather_bomb": ("import torch\nx = torch.ones(10, 1000000)\n"
                          "y = x[torch.zeros(1000, dtype=torch.int64)]\n"),
    "nested_list_shared_rows": "import torch\nx = torch.tensor([[0.0] * 1000000] * 100)\n",
    "new_tensor_shared_rows": "import torch\nx = torch.ones(1).new_tensor([[1.0] * 100000] * 1000)\n",
    "full_bomb": "import torch\nx = torch.full((100000, 100000), 1.0)\n",
    "linspace_bomb": "import torch\nx = torch.linspace(0, 1, 10 ** 9)\n",
    # products whose cost (not size) is the attack: numpy has no BLAS for ints and halves
    "int_matmul_cost": ("import torch\na = torch.ones(3000, 3000, dtype=torch.int64)\n"
                        "b = a @ a\n"),
    "half_matmul_cost": "import torch\na = torch.ones(3000, 3000).half()\nb = a @ a\n",
    # program code called back by the engine
    "hook_returns_int": ("import torch\nx = torch.ones(2, requires_grad=True)\n"
                         "x.register_hook(lambda g: 5)\n(x * 2).sum().backward()\n"),
    "hook_returns_list": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n"
                          "y.register_hook(lambda g: [1, 2])\ny.sum().backward()\n"),
    "hook_changes_shape": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n"
                           "y.register_hook(lambda g: torch.ones(5))\ny.sum().backward()\n"),
    "hook_recursion": ("import torch\nx = torch.ones(1, requires_grad=True)\n"
                       "def h(g):\n    (x * 2).sum().backward()\n"
                       "x.register_hook(h)\n(x * 2).sum().backward()\n"),
    "function_backward_returns_str": (
        "import torch\nfrom torch.autograd import Function\nclass F(Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return 'zz'\n"
        "x = torch.ones(2, requires_grad=True)\nF.apply(x).sum().backward()\n"),
    "function_class_dunder_method": (
        "from torch.autograd import Function\nclass F(Function):\n"
        "    def __init_subclass__(cls):\n        pass\n"),
    "function_class_attribute": (
        "from torch.autograd import Function\nclass F(Function):\n    x = 1\n"),
    "function_class_other_base": "class F(list):\n    pass\n",
    "function_mro_via_apply": ("from torch.autograd import Function\n"
                               "Function.apply.__self__\n"),
    "bound_method_self": "a = []\na.append.__self__\n",
    "sort_key_dunder": "sorted([1], key=lambda v: v.__class__)\n",
    "fstring_conversion_then_spec": "x = 1\nprint(f'{x!r:{99999}}')\n",
    "fstring_spec_from_variable": "w = '>9999999'\nprint(f'{1:{w}}')\n",
    "deep_nested_list_repr": "a = []\nfor i in range(100000):\n    a = [a]\nprint(a)\n",
    "deep_nested_list_compare": ("a = []\nb = []\nfor i in range(100000):\n    a = [a]\n"
                                 "    b = [b]\nprint(a == b)\n"),
    "int_from_long_string": "x = int('9' * 4000)\ny = x * x * x\n",
    "pow_builtin_bomb": "pow(10, 10 ** 6)\n",
    "shift_in_loop": "n = 1\nwhile True:\n    n = n << 1000\n",
    "str_replace_bomb": "s = 'a' * 1000000\ns = s.replace('a', 'aa')\n",
    "str_replace_empty": "s = 'a' * 600000\nfor i in range(5):\n    s = s.replace('', 'b')\n",
    "range_len_overflow": "len(range(2 ** 100))\n",
    "generator_expression_steps": "sum(x for x in range(10 ** 7))\n",
    "print_file_kwarg": "print('x', file=None)\n",
    "dict_splat": "d = {}\nprint(**d)\n",
    "star_params": "def f(*args):\n    pass\n",
    "decorator": "def d(f):\n    return f\n@d\ndef g():\n    pass\n",
    "import_torch_private": "from torch import _C\n",
    "import_relative": "from . import x\n",
    "import_math_os": "import math.os\n",
    "set_literal": "{1, 2}\n",
    "del_attribute": "import torch\nx = torch.ones(1)\ndel x.grad\n",
    "ctx_private_attribute": (
        "import torch\nfrom torch.autograd import Function\nclass F(Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return ctx._saved\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return g\n"
        "F.apply(torch.ones(1, requires_grad=True))\n"),
    "set_attribute_on_module": "import torch\ntorch.ones = 1\n",
    "set_attribute_on_function": "def f():\n    pass\nf.x = 1\n",
    "recursion_big_depth_flag": "def f(n):\n    return f(n + 1)\nf(0)\n",
}


# variations that need a flag to reach the limit they test
VARIATION_FLAGS = {"recursion_big_depth_flag": ["--max-depth", "1000000"],
                   "map_insert_grows_forever": ["--timeout", "1"]}


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_variation_fails_cleanly(name, cli, tmp_path):
    path = tmp_path / f"{name}.py"
    path.write_text(VARIATIONS[name])
    started = time.monotonic()
    result = cli("eval", path, *VARIATION_FLAGS.get(name, []))
    _clean_failure(result, str(path))
    assert result.stderr.split(":")[1].isdigit(), result.stderr  # located: FILE:LINE:COL
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("name", sorted(RAW_MEMORY - {"__array__", "__array_interface__"}))
def test_tensor_never_hands_out_raw_memory(name, cli):
    result = cli("eval", "-e", f"torch.ones(2).{name}")
    assert result.exit_code == 1 and name in result.stderr


def test_program_state_does_not_outlive_its_run(cli, tmp_path):
    from gradcli.tensor import GradMode
    path = tmp_path / "grad_off.py"
    path.write_text("import torch\ntorch.set_grad_enabled(False)\n")
    assert cli("eval", path).exit_code == 0
    assert GradMode.enabled


def test_a_stuck_builtin_is_ended_by_the_hard_deadline(tmp_path):
    """Comparing 10**6 shared rows of 10**6 items runs in C, where the alarm cannot fire."""
    path = tmp_path / "stuck.py"
    path.write_text("x = [[0] * 10 ** 6] * 10 ** 6\ny = sorted(x)\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "gradcli.cli", "eval", "--timeout", "0.5",
                             str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert time.monotonic() - started < 5


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


# ----- The audit-hook proof -----

# Run in a fresh interpreter: audit hooks cannot be removed once added.  gradcli is imported
# first; then every program of the corpus runs with the hook recording what Python's runtime
# reports.  ast.parse of the program is the one `compile` allowed (its source is the program's).
AUDIT_SCRIPT = r'''
import io, json, os, sys
from pathlib import Path
import gradcli.cli
import gradcli.random  # imported lazily, on the first random call, to keep start-up fast
from gradcli.errors import GradcliError
from gradcli.runner import RunOptions, decode_source, run_program

FORBIDDEN = ("exec", "compile", "import", "open", "os.system", "subprocess.Popen", "os.exec",
             "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "ctypes.", "socket.",
             "os.remove", "os.unlink", "os.rename", "os.mkdir", "shutil.", "os.chmod")
# the run's own set-up (memory cap, hard deadline) opens these two, before the program starts
# and CPython, quoting a syntax error, opens the (impossible) path gradcli names in ast.parse
from gradcli.language import PARSE_FILENAME
SETUP_OPENS = {"/proc/self/statm", os.devnull, PARSE_FILENAME}
programs = []
for path in sys.argv[1:]:
    try:
        programs.append((path, decode_source(path, Path(path).read_bytes())))
    except GradcliError:
        pass  # refused while reading: the program never runs
current = {"source": None, "events": []}

def hook(event, args):
    if not event.startswith(FORBIDDEN) or current["source"] is None:
        return
    if event == "compile" and args[0] in (current["source"], current["source"].encode()):
        return
    if event == "open" and args[0] in SETUP_OPENS:
        return
    current["events"].append((event, repr(args)[:120]))

sys.addaudithook(hook)
report = {}
for path, source in programs:
    current["source"], current["events"] = source, []
    try:
        run_program(path, source, RunOptions(timeout=1.0), output=io.StringIO())
    except GradcliError:
        pass
    current["source"] = None
    report[path] = current["events"]
# control: the hook does see what it is meant to catch
current["source"], current["events"] = "", []
compile("1 + 1", "<control>", "eval")
control = len(current["events"])
current["source"] = None
print(json.dumps({"ran": len(programs), "control": control,
                  "events": {k: v for k, v in report.items() if v}}))
'''


def test_audit_hook_sees_no_exec_import_open_or_process():
    corpus = sorted(str(p) for p in list((TESTS / "conformance").glob("*.py")) +
                    list(HOSTILE) + list((TESTS.parent / "samples").glob("*.py")))
    result = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, *corpus], capture_output=True,
                            text=True, timeout=300, cwd=TESTS.parent)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["ran"] >= len(corpus) - 3  # the bad-bytes files are refused before running
    assert report["control"] == 1
    assert report["events"] == {}
