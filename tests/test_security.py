"""Hostile programs (copied from ../shared/hostile) and variations: each is stopped by the
defence it declares, and fails cleanly.

Cleanly means: exit status 1 (never 70, an internal error), one short message on stderr
located as FILE:LINE:COL and no traceback, bounded time, and no side effect (no file
created).  Each file and variation names what must stop it, "Kind: part of the message", so
one that starts failing for another reason (a defence moved, or an incidental error in front
of the door it aims at) fails its test.  Last, each defence layer on its own: the
interpreter's name check with the attribute guard switched off, and the attribute guard
called directly, on every type of object a program can reach.
"""

from __future__ import annotations

import functools
import glob
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _process import child, run, wait_for_line
from conftest import TESTS
from gradcli.errors import GradcliError, SandboxError
from gradcli.lang import classes, sandbox
from gradcli.lang.interpreter import run_source
from gradcli.lang.sandbox import RAW_MEMORY, walk_size

HOSTILE = sorted((TESTS / "hostile").glob("h*.py"))
CANARY = "/tmp/gradcli-canary-*"
# tests/hostile/README.md: `gradcli eval NAME.py` must "finish within 5 seconds"
PROMISED_SECONDS = 5
# A real process also starts Python and imports gradcli: measured 0.25 s on an idle 2-CPU
# machine, 0.75 s with a load average of 3.5 (then h27, which runs until the 4 s --timeout,
# took 4.7-5.2 s in all).
STARTUP_MARGIN = 1.0
# every command that runs a program: all stop a hostile one in the same place, the same way
COMMANDS = {"eval": ["eval"], "grad_symbolic": ["grad", "--symbolic"], "check": ["check"],
            "explain": ["explain"]}


def name_check(name: str) -> str:
    """The interpreter's refusal of a name starting with '_' (language.py)."""
    return f"SandboxError: names of Python's machinery are not available ('{name}')"


def _clean_failure(result, name):
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{name}:"), first
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def _stopped_by(result, name, defence):
    """A clean failure, located as FILE:LINE:COL, by ``defence`` ("Kind: part of the message")."""
    _clean_failure(result, name)
    first = result.stderr.splitlines()[0]
    located = re.match(rf"{re.escape(name)}:\d+:\d+: (.*)", first)
    assert located, f"not located as FILE:LINE:COL: {first}"
    kind, fragment = defence.split(": ", 1)
    message = located.group(1)
    assert message.startswith(f"{kind}: ") and fragment in message, \
        f"stopped by {message!r}, not by the declared {defence!r}"


# What stops each file of the corpus.  Several stop short of the door their name aims at (a
# tensor has no `mro`, a generator expression is a list, `x * str` is refused before sympy):
# the variations marked with the file's number below reach that door.
HOSTILE_DEFENCES = {
    "h01_subclasses": name_check("__class__"),
    "h02_mro": name_check("__class__"),
    "h03_mro_method": "AttributeError: 'Tensor' object has no attribute 'mro'",
    "h04_method_globals": name_check("__globals__"),
    "h05_reduce": name_check("__reduce__"),
    "h06_str_format": "SandboxError: format field '0.__class__' is not supported",
    "h07_fstring_spec": "SandboxError: format spec '{0.__class__}' is not supported",
    "h08_gen_frame": "AttributeError: 'list_iterator' object has no attribute 'gi_frame'",
    "h09_getattr": "SandboxError: 'getattr' is not available in gradcli programs",
    "h10_import_os": "SandboxError: os.system is not available in gradcli programs",
    "h11_dunder_import": name_check("__import__"),
    "h12_eval": "SandboxError: 'eval' is not available in gradcli programs",
    "h13_open": "SandboxError: 'open' is not available in gradcli programs",
    "h14_match": "SandboxError: 'match' is not part of the gradcli language",
    "h15_with_open": "SandboxError: 'open' is not available in gradcli programs",
    "h16_numpy_tofile": "SandboxError: 'ndarray.tofile' is not available in gradcli programs",
    "h17_system_exit": "NameError: name 'SystemExit' is not defined",
    "h18_huge_pow": "LimitError: an integer power of about 1,162,261,467 bits is over the limit",
    "h19_huge_shift": "LimitError: a shift to 1,000,000,001 bits is over the limit",
    "h20_huge_string": "LimitError: a sequence of 10,000,000,000 items is over the limit",
    "h21_huge_list": "LimitError: a sequence of 10,000,000,000 items is over the limit",
    "h22_huge_tensor": "LimitError: a tensor of shape (1000000, 1000000) has 1,000,000,000,000",
    "h23_lazy_zeros": "LimitError: a tensor of shape (40000, 40000) has 1,600,000,000 elements",
    "h24_negative_shape": "RuntimeError: Trying to create tensor with negative dimension -1",
    "h25_expand_bomb": "LimitError: a tensor of shape (100000, 100000) has 10,000,000,000",
    "h26_infinite_loop": "LimitError: the program ran more than 1,000,000 steps",
    "h27_matmul_loop": "LimitError: the program ran longer than",
    "h28_graph_growth": "LimitError: the program recorded more than 100,000 graph nodes",
    "h29_deep_binop": "LimitError: the program is nested too deeply to parse",
    "h30_deep_parens": "SyntaxError: too many nested parentheses",
    "h31_deep_unary": "LimitError: the program is nested too deeply to parse",
    "h32_recursion": "LimitError: calls nested deeper than 100 (runaway recursion in 'f'?)",
    "h33_nul_byte": "EncodingError: NUL byte at byte offset 5",
    "h34_bad_utf8": "EncodingError: invalid UTF-8 byte 0xff at byte offset 6",
    "h35_coding_cookie": "EncodingError: invalid UTF-8 byte 0xe9 at byte offset 64",
    "h36_sympy_inject": "TypeError: unsupported operand type for tensor operation: 'str'",
    "h37_class_escape": name_check("__subclasses__"),
    "h38_lambda_globals": name_check("__globals__"),
    "h39_grad_fn_internals": name_check("__init__"),
    "h40_int_str_digits": "LimitError: an integer power of about 15,000 bits is over the limit",
}
# the alarm is tested at its default under eval; the other commands meet it sooner
SOONER = {"h27_matmul_loop": ["--timeout", "1"]}


def test_every_hostile_file_declares_its_defence():
    assert sorted(HOSTILE_DEFENCES) == [path.stem for path in HOSTILE]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_hostile_file_is_stopped_by_its_defence(path, command, cli):
    for leftover in glob.glob(CANARY):
        os.remove(leftover)
    flags = SOONER.get(path.stem, []) if command != "eval" else []
    started = time.monotonic()
    result = cli(*COMMANDS[command], path, *flags)
    elapsed = time.monotonic() - started
    _stopped_by(result, str(path), HOSTILE_DEFENCES[path.stem])
    assert elapsed < PROMISED_SECONDS, f"took {elapsed:.1f} s"  # in-process: no start-up
    assert not glob.glob(CANARY)


VARIATIONS = {
    "dunder_via_tensor": ("import torch\nx = torch.ones(2)\nx.__dict__\n", name_check("__dict__")),
    "class_attr_of_function": ("from torch.autograd import Function\nFunction.__subclasses__()\n",
                               name_check("__subclasses__")),
    "type_builtin_three_arguments": ("type('X', (), {})\n",
                                     "TypeError: type() takes one argument in gradcli programs"),
    "globals_builtin": ("globals()\n",
                        "SandboxError: 'globals' is not available in gradcli programs"),
    "vars_builtin": ("vars()\n", "SandboxError: 'vars' is not available in gradcli programs"),
    "from_os_import": ("from os import system\n",
                       "SandboxError: os.system is not available in gradcli programs"),
    "os_environ": ("import os\nprint(os.environ)\n",
                   "SandboxError: os.environ is not available in gradcli programs"),
    "sys_modules": ("import sys\nsys.modules\n",
                    "SandboxError: sys.modules is not available in gradcli programs"),
    "import_subprocess": ("import subprocess\n", "SandboxError: import of 'subprocess' is refused"),
    "import_builtins": ("import builtins\n", "SandboxError: import of 'builtins' is refused"),
    "import_importlib": ("from importlib import import_module\n",
                         "SandboxError: import of 'importlib' is refused"),
    "import_torch_internal": ("import torch._C\n",
                              "SandboxError: import of 'torch._C' is not supported"),
    "format_method_attribute": ("'{0.real}'.format(1)\n",
                                "SandboxError: format field '0.real' is not supported"),
    "format_method_item": ("'{0[0]}'.format([1])\n",
                           "SandboxError: format field '0[0]' is not supported"),
    "format_method_nested_spec": ("'{:{}}'.format(1, '>99999999')\n",
                                  "SandboxError: format spec '{}' is not supported"),
    "format_method_private_keyword": ("'{_x}'.format(_x=1)\n",
                                      "SandboxError: format field '_x' is not supported"),
    "format_method_huge": ("('{:>999}' * 2000).format(*range(2000))\n",
                           "LimitError: string longer than the limit"),
    "percent_format_star_width": ("'%*d' % (10 ** 9, 1)\n",
                                  "SandboxError: format spec '%*d' is not supported"),
    "percent_format_huge_width": ("'%99999999d' % 1\n",
                                  "SandboxError: format spec '%99999999d' is not supported"),
    "nested_fstring_spec": ("x = 1\nprint(f'{x:{\"!r\"}}')\n",
                            "SandboxError: format spec '!r' is not supported"),
    "fstring_huge_width": ("print(f'{1:99999999}')\n",
                           "SandboxError: format spec '99999999' is not supported"),
    "lambda_code": ("f = lambda: 0\nf.__code__\n", name_check("__code__")),
    "grad_fn_class": (
        "import torch\nx = torch.ones(1, requires_grad=True)\n(x*2).grad_fn.__class__\n",
        name_check("__class__")),
    "ctx_dunder": (
        "from torch.autograd import Function\nclass F(Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return ctx.__class__\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return g\n"
        "import torch\nF.apply(torch.ones(1, requires_grad=True))\n",
        name_check("__class__")),
    "raise_exception": ("raise ValueError('x')\n", "ValueError: x"),
    "raise_keyboard_interrupt": ("raise KeyboardInterrupt\n",
                                 "NameError: name 'KeyboardInterrupt' is not defined"),
    "raise_non_exception": ("raise 5\n", "TypeError: exceptions must derive from BaseException"),
    "except_cannot_swallow_steps": (
        "try:\n    while True:\n        pass\nexcept BaseException:\n    pass\n",
        "LimitError: the program ran more than 1,000,000 steps"),
    "except_cannot_swallow_sandbox": (
        "try:\n    open('x')\nexcept Exception:\n    pass\n",
        "SandboxError: 'open' is not available in gradcli programs"),
    "bare_except_cannot_swallow_limit": (
        "try:\n    x = 2 ** (10 ** 6)\nexcept:\n    pass\n",
        "LimitError: an integer power of about 1,000,000 bits is over the limit"),
    "except_non_class": ("try:\n    1 / 0\nexcept 5:\n    pass\n",
                         "TypeError: catching classes that do not inherit from BaseException"),
    "list_doubling": ("x = [0]\nwhile True:\n    x = x + x\n",
                      "LimitError: a sequence of 1,048,576 items is over the limit"),
    "string_doubling": ("s = 'ab'\nfor i in range(100):\n    s = s + s\n",
                        "LimitError: a sequence of 1,048,576 items is over the limit"),
    "pow_loop": ("n = 2\nwhile True:\n    n = n * n\n",
                 "LimitError: the product is over the limit"),
    "huge_range_list": ("list(range(10 ** 12))\n",
                        "LimitError: a sequence of 1,000,000,000,000 items is over the limit"),
    "huge_sum": ("sum(range(10 ** 12))\n",
                 "LimitError: a sequence of 1,000,000,000,000 items is over the limit"),
    "join_bomb": ("s = 'x' * 1000\nprint(s.join([s] * 10000))\n",
                  "LimitError: string longer than 1,000,000 characters"),
    "expand_chain": (
        "import torch\nx = torch.ones(1, 1).expand(5000, 5000).expand(2, 5000, 5000)\n",
        "LimitError: a tensor of shape (5000, 5000) has 25,000,000 elements"),
    "matmul_bomb": ("import torch\nx = torch.ones(100000, 1) @ torch.ones(1, 100000)\n",
                    "LimitError: a tensor of shape (100000, 100000) has 10,000,000,000 elements"),
    "arange_bomb": ("import torch\nx = torch.arange(10 ** 10)\n",
                    "LimitError: a tensor of shape (10000000000,) has 10,000,000,000 elements"),
    "tensor_list_bomb": ("import torch\nx = torch.tensor([0.0] * 10 ** 8)\n",
                         "LimitError: a sequence of 100,000,000 items is over the limit"),
    "deep_recursion_lambda": (
        "f = lambda n: f(n + 1)\nf(0)\n",
        "LimitError: calls nested deeper than 100 (runaway recursion in '<lambda>'?)"),
    "with_non_context": (
        "with print:\n    pass\n",
        "SandboxError: 'with' works only with torch.no_grad(), torch.enable_grad()"),
    "nonlocal_at_module_level": ("nonlocal x\n",
                                 "SyntaxError: nonlocal declaration not allowed at module level"),
    "walrus": ("(y := 1)\n", "SandboxError: ':=' is not part of the gradcli language"),
    "setattr_tensor": ("import torch\nx = torch.ones(1)\nx.array = 5\n",
                       "SandboxError: cannot set attribute 'array' of 'Tensor'"),
    "dunder_name": ("__x__ = 1\n", name_check("__x__")),
    "class_defines_del": ("class A:\n    def __del__(self):\n        pass\n",
                          name_check("__del__")),
    "class_defines_getattribute": (
        "class A:\n    def __getattribute__(self, name):\n        return 1\n",
        name_check("__getattribute__")),
    "class_from_library_type": ("class A(int):\n    pass\n",
                                "SandboxError: class A cannot derive from int"),
    "class_keyword_metaclass": ("class A(metaclass=type):\n    pass\n",
                                "SandboxError: class keywords (metaclass=...) are not supported"),
    "own_instance_dunder_attribute": ("class A:\n    pass\nA().__dict__\n",
                                      name_check("__dict__")),
    "own_class_dunder_attribute": ("class A:\n    pass\nA.__subclasses__()\n",
                                   name_check("__subclasses__")),
    "super_dunder_outside_list": (
        "class A:\n    def f(self):\n        return super().__reduce_ex__(2)\nA().f()\n",
        name_check("__reduce_ex__")),
    "super_outside_method": ("super()\n", "RuntimeError: super(): no arguments"),
    "type_of_grad_fn_is_not_callable": (
        "import torch\nx = torch.ones(1, requires_grad=True)\nt = type((x * 2).grad_fn)\nt()\n",
        "TypeError: 'TypeView' object is not callable"),
    "keyword_splat_dunder": ("def f(**k):\n    pass\nf(**{'__class__': 1})\n",
                             name_check("__class__")),
    "bytes_literal": ("b'abc'\n", "SandboxError: bytes literals are not supported"),
    "async_def": ("async def f():\n    pass\n",
                  "SandboxError: 'async def' is not part of the gradcli language"),
    "yield_gen": ("def f():\n    yield 1\n",
                  "SandboxError: 'yield' is not part of the gradcli language"),
    "numpy_attr": ("import torch\ntorch.ones(2).array\n",
                   "SandboxError: 'Tensor.array' is not available in gradcli programs"),
    # builtin methods called from C loops: no bytecode runs, so neither steps nor the alarm apply
    "map_append_grows_forever": ("a = [0]\nany(map(a.append, a))\n",
                                 "LimitError: list longer than 1,000,000 elements"),
    "map_insert_grows_forever": ("a = [0]\nany(map(a.insert, a, a))\n",
                                 "LimitError: the program ran longer than 1 s"),
    "min_key_append": ("a = [0]\nmax(a, key=a.append)\n",
                       "LimitError: list longer than 1,000,000 elements"),
    "extend_with_growing_map": ("a = [0]\na.extend(map(a.append, a))\n",
                                "LimitError: list longer than 1,000,000 elements"),
    "starred_growing_map": ("a = [0]\nb = [*map(a.append, a)]\n",
                            "LimitError: list longer than 1,000,000 elements"),
    "sum_of_lists_quadratic": ("x = sum([[0]] * 1000000, [])\n",
                               "TypeError: sum() adds numbers and tensors, not sequences"),
    "sum_of_strings": ("x = sum(['ab'] * 1000, '')\n",
                       "TypeError: sum() adds numbers and tensors, not sequences"),
    # total memory: every piece under its cap, the whole over --max-memory
    "many_big_tensors": ("import torch\nxs = [torch.ones(10000000) for i in range(1000)]\n",
                         "LimitError: the program ran out of memory"),
    "many_big_lists": ("x = [[0] * 1000000 for i in range(1000)]\n",
                       "LimitError: the program ran out of memory"),
    # results larger than their inputs, refused before numpy allocates them
    "broadcast_bomb": (
        "import torch\ny = torch.ones(1000000, 1) + torch.ones(1, 1000000)\n",
        "LimitError: a tensor of shape (1000000, 1000000) has 1,000,000,000,000 elements"),
    "where_broadcast_bomb": (
        "import torch\ny = torch.where(torch.ones(1000, 1, 1) > 0, "
        "torch.ones(1, 1000, 1), torch.ones(1, 1, 1000))\n",
        "LimitError: a tensor of shape (1000, 1000, 1000) has 1,000,000,000 elements"),
    "outer_bomb": (
        "import torch\nx = torch.ones(1000000)\ny = torch.outer(x, x)\n",
        "LimitError: a tensor of shape (1000000, 1000000) has 1,000,000,000,000 elements"),
    "bmm_batch_broadcast": (
        "import torch\ny = torch.bmm(torch.ones(1000, 1000, 1), "
        "torch.ones(1000, 1, 1000))\n",
        "LimitError: a tensor of shape (1000, 1000, 1000) has 1,000,000,000 elements"),
    "matmul_batch_broadcast": (
        "import torch\ny = torch.matmul(torch.ones(1000, 1, 1000, 1), "
        "torch.ones(1000, 1, 1000))\n",
        "LimitError: a tensor of shape (1000, 1000, 1000, 1) has 1,000,000,000"),
    "cat_bomb": ("import torch\nx = torch.ones(5000000)\ny = torch.cat([x] * 100)\n",
                 "LimitError: a tensor of shape (500000000,) has 500,000,000 elements"),
    "stack_bomb": ("import torch\nx = torch.ones(5000000)\ny = torch.stack([x] * 100)\n",
                   "LimitError: a tensor of shape (500000000,) has 500,000,000 elements"),
    "index_gather_bomb": (
        "import torch\nx = torch.ones(10, 1000000)\n"
        "y = x[torch.zeros(1000, dtype=torch.int64)]\n",
        "LimitError: a tensor of shape (1000, 1000000) has 1,000,000,000 elements"),
    "nested_list_shared_rows": (
        "import torch\nx = torch.tensor([[0.0] * 1000000] * 100)\n",
        "LimitError: reading this list would walk more than 10,000,000 items"),
    "new_tensor_shared_rows": (
        "import torch\nx = torch.ones(1).new_tensor([[1.0] * 100000] * 1000)\n",
        "LimitError: reading this list would walk more than 10,000,000 items"),
    "full_bomb": ("import torch\nx = torch.full((100000, 100000), 1.0)\n",
                  "LimitError: a tensor of shape (100000, 100000) has 10,000,000,000 elements"),
    "linspace_bomb": ("import torch\nx = torch.linspace(0, 1, 10 ** 9)\n",
                      "LimitError: a tensor of shape (1000000000,) has 1,000,000,000 elements"),
    # products whose cost (not size) is the attack: numpy has no BLAS for ints and halves
    "int_matmul_cost": (
        "import torch\na = torch.ones(3000, 3000, dtype=torch.int64)\n"
        "b = a @ a\n",
        "LimitError: a product of shapes (3000, 3000) and (3000, 3000) needs 27,000,000,000"),
    "half_matmul_cost": (
        "import torch\na = torch.ones(3000, 3000).half()\nb = a @ a\n",
        "LimitError: a product of shapes (3000, 3000) and (3000, 3000) needs 27,000,000,000"),
    # program code called back by the engine
    "hook_returns_int": (
        "import torch\nx = torch.ones(2, requires_grad=True)\n"
        "x.register_hook(lambda g: 5)\n(x * 2).sum().backward()\n",
        "TypeError: expected Variable, but hook returned 'int'"),
    "hook_returns_list": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n"
        "y.register_hook(lambda g: [1, 2])\ny.sum().backward()\n",
        "TypeError: expected Variable, but hook returned 'list'"),
    "hook_changes_shape": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n"
        "y.register_hook(lambda g: torch.ones(5))\ny.sum().backward()\n",
        "RuntimeError: hook '<lambda>' has changed the size of value"),
    "hook_recursion": (
        "import torch\nx = torch.ones(1, requires_grad=True)\n"
        "def h(g):\n    (x * 2).sum().backward()\n"
        "x.register_hook(h)\n(x * 2).sum().backward()\n",
        "RuntimeError: element 0 of tensors does not require grad"),
    "function_backward_returns_str": (
        "import torch\nfrom torch.autograd import Function\nclass F(Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return 'zz'\n"
        "x = torch.ones(2, requires_grad=True)\nF.apply(x).sum().backward()\n",
        "RuntimeError: function FBackward returned a gradient different than None"),
    "function_class_dunder_method": (
        "from torch.autograd import Function\nclass F(Function):\n"
        "    def __init_subclass__(cls):\n        pass\n",
        name_check("__init_subclass__")),
    "function_class_attribute": (
        "from torch.autograd import Function\nclass F(Function):\n    x = 1\n",
        "SandboxError: class F needs a static method 'forward'"),
    "function_class_other_base": ("class F(list):\n    pass\n",
                                  "SandboxError: class F cannot derive from list"),
    "function_mro_via_apply": (
        "from torch.autograd import Function\n"
        "Function.apply.__self__\n",
        name_check("__self__")),
    "bound_method_self": ("a = []\na.append.__self__\n", name_check("__self__")),
    "sort_key_dunder": ("sorted([1], key=lambda v: v.__class__)\n", name_check("__class__")),
    "fstring_conversion_then_spec": ("x = 1\nprint(f'{x!r:{99999}}')\n",
                                     "SandboxError: format spec '99999' is not supported"),
    "fstring_spec_from_variable": ("w = '>9999999'\nprint(f'{1:{w}}')\n",
                                   "SandboxError: format spec '>9999999' is not supported"),
    "deep_nested_list_repr": ("a = []\nfor i in range(100000):\n    a = [a]\nprint(a)\n",
                              "LimitError: Python's recursion limit was reached"),
    "deep_nested_list_compare": (
        "a = []\nb = []\nfor i in range(100000):\n    a = [a]\n"
        "    b = [b]\nprint(a == b)\n",
        "LimitError: Python's recursion limit was reached"),
    "int_from_long_string": ("x = int('9' * 4000)\ny = x * x * x\n",
                             "LimitError: the product is over the limit"),
    "pow_builtin_bomb": ("pow(10, 10 ** 6)\n",
                         "LimitError: an integer power of about 3,000,000 bits is over the limit"),
    "shift_in_loop": ("n = 1\nwhile True:\n    n = n << 1000\n",
                      "LimitError: a shift to 5,001 bits is over the limit"),
    "str_replace_bomb": ("s = 'a' * 1000000\ns = s.replace('a', 'aa')\n",
                         "LimitError: string longer than 1,000,000 characters"),
    "str_replace_empty": ("s = 'a' * 600000\nfor i in range(5):\n    s = s.replace('', 'b')\n",
                          "LimitError: string longer than 1,000,000 characters"),
    "range_len_overflow": ("len(range(2 ** 100))\n",
                           "OverflowError: Python int too large to convert to C ssize_t"),
    "generator_expression_steps": ("sum(x for x in range(10 ** 7))\n",
                                   "LimitError: the program ran more than 1,000,000 steps"),
    "print_file_kwarg": ("print('x', file=None)\n",
                         "TypeError: print() got an unexpected keyword argument 'file'"),
    "dict_splat_not_mapping": ("print(**[1])\n",
                               "TypeError: argument after ** must be a mapping, not list"),
    "star_args_huge": ("def f(*args):\n    pass\nf(*range(10 ** 9))\n",
                       "LimitError: a sequence of 1,000,000,000 items is over the limit"),
    "decorator_not_callable": ("@5\ndef g():\n    pass\n",
                               "TypeError: 'int' object is not callable"),
    "import_torch_private": ("from torch import _C\n",
                             "SandboxError: cannot import name '_C' from 'torch'"),
    "import_relative": ("from . import x\n", "SandboxError: relative imports are not supported"),
    "numpy_huge_zeros": ("import numpy as np\nnp.zeros((100000, 100000))\n",
                         "LimitError: an array of 10,000,000,000 elements is over the limit"),
    "numpy_broadcast_bomb": (
        "import numpy as np\na = np.ones(100000)\nb = a.reshape(100000, 1) + a\n",
        "LimitError: a result of 10,000,000,000 elements is over the limit"),
    "numpy_function_broadcast_bomb": (
        "import numpy as np\na = np.ones(100000)\nnp.multiply(a.reshape(100000, 1), a)\n",
        "LimitError: a result of 10,000,000,000 elements is over the limit"),
    "numpy_nested_list_bomb": ("import numpy as np\nnp.array([[0] * 10 ** 5] * 10 ** 5)\n",
                               "LimitError: reading this list"),
    "numpy_load": ("import numpy as np\nnp.load('x.npy')\n",
                   "AttributeError: module 'numpy' has no attribute 'load'"),
    "numpy_ctypes": ("import torch\ntorch.ones(2).numpy().ctypes\n",
                     "SandboxError: 'ndarray.ctypes' is not available in gradcli programs"),
    "numpy_object_array": ("import numpy as np\nnp.array([print], dtype=object)\n",
                           "TypeError: arrays of Python objects are not supported"),
    "numpy_of_grad_tensor": ("import torch\ntorch.ones(2, requires_grad=True).numpy()\n",
                             "RuntimeError: Can't call numpy() on Tensor that requires grad"),
    "import_math_os": ("import math.os\n",
                       "SandboxError: import of 'math.os' is not supported by gradcli"),
    "set_of_unhashable": ("{[1]}\n", "TypeError: unhashable type: 'list'"),
    "set_of_huge_nesting": ("a = []\nfor i in range(100):\n    a = [a, a]\nset([tuple(a)])\n",
                            "LimitError: hashing these items"),
    "random_sample_huge": ("import random\nrandom.choices([1], k=10 ** 9)\n",
                           "LimitError: asking for 1,000,000,000 items is over the limit"),
    "itertools_product_huge": (
        "import itertools\nitertools.product(range(10 ** 9))\n",
        "LimitError: a sequence of 1,000,000,000 items is over the limit"),
    "del_attribute": ("import torch\nx = torch.ones(1)\ndel x.data\n",
                      "SandboxError: cannot delete attribute 'data' of 'Tensor'"),
    "del_module_attribute": ("import torch\ndel torch.ones\n",
                             "SandboxError: cannot delete attribute 'ones' of 'module'"),
    "del_own_dunder": ("class A:\n    pass\ndel A().__dict__\n", name_check("__dict__")),
    "ctx_private_attribute": (
        "import torch\nfrom torch.autograd import Function\nclass F(Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return ctx._saved\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return g\n"
        "F.apply(torch.ones(1, requires_grad=True))\n",
        "SandboxError: 'FunctionCtx._saved' is not available in gradcli programs"),
    "set_attribute_on_module": ("import torch\ntorch.ones = 1\n",
                                "SandboxError: cannot set attribute 'ones' of 'module'"),
    "set_attribute_on_function": ("def f():\n    pass\nf.x = 1\n",
                                  "SandboxError: cannot set attribute 'x' of 'function'"),
    "recursion_big_depth_flag": ("def f(n):\n    return f(n + 1)\nf(0)\n",
                                 "LimitError: Python's recursion limit was reached"),
    # shared nesting: 101 lists in memory, 2**100 items for C to compare, hash or print
    "shared_nesting_compare": (
        "a = [0]\nb = [0]\nfor i in range(100):\n    a = [a, a]\n"
        "    b = [b, b]\nprint(a == b)\n",
        "LimitError: comparing these values would walk more than 1,000,000 items"),
    "shared_nesting_print": (
        "a = []\nfor i in range(100):\n    a = [a, a]\nprint(len(str(a)))\n",
        "LimitError: converting this value to text would walk more than 1,000,000"),
    "shared_nesting_dict_key": (
        "t = ()\nfor i in range(100):\n    t = (t, t)\nd = {t: 1}\n",
        "LimitError: hashing this key would walk more than 1,000,000 items at once"),
    "shared_nesting_last_value": (
        "a = [0]\nfor i in range(100):\n    a = [a, a]\nlist(a)\n",
        "LimitError: showing the last value would walk more than 1,000,000 items"),
    "repeated_long_strings_sorted": (
        "s = 'x' * 10 ** 6\nx = sorted([s] * 10 ** 6)\n",
        "LimitError: sorting these values would walk more than 1,000,000 items"),
    # the doors files of the corpus stop short of (hNN: the file)
    "h03_type_mro": (
        "float.mro()\n",
        "SandboxError: 'type' objects have no attributes in gradcli programs ('mro' is refused)"),
    "h03_function_class_mro": (
        "from torch.autograd import Function\nclass Double(Function):\n"
        "    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return g * 2\n"
        "Double.mro()\n",
        "SandboxError: 'Double.mro' is not available in gradcli programs"),
    "h08_generator_function_frame": (
        "def g():\n    yield 1\nprint(g().gi_frame.f_globals)\n",
        "SandboxError: 'yield' is not part of the gradcli language"),
    "h08_lazy_iterator_frame": (
        "g = map(abs, [1])\nprint(g.gi_frame.f_globals)\n",
        "AttributeError: 'map' object has no attribute 'gi_frame'"),
    "h16_leaf_memory_via_graph": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n"
        "leaf = y.grad_fn.next_functions[0][0].variable\n"
        "leaf.array.tofile('/tmp/gradcli-canary-h16')\n",
        "SandboxError: 'Tensor.array' is not available in gradcli programs"),
    "h17_exit_builtin": ("exit(0)\n", "SandboxError: 'exit' is not available in gradcli programs"),
    "h38_lambda_interpreter": (
        "f = lambda: 0\nprint(f.interp.settings)\n",
        "SandboxError: 'function' objects have no attributes in gradcli programs ('interp' is "
        "refused)"),
    # _saved_<name> is the one underscore door on a node: an op's node, what it saved only
    "saved_prefix_dunder": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * x\ny.grad_fn._saved___class__\n",
        "AttributeError: 'MulBackward0' object has no attribute '_saved___class__'"),
    "saved_prefix_on_a_tensor": (
        "import torch\nx = torch.ones(2, requires_grad=True)\nx._saved_self\n",
        "AttributeError: 'Tensor' object has no attribute '_saved_self'"),
    "saved_prefix_on_accumulate_grad": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * x\n"
        "y.grad_fn.next_functions[0][0]._saved_self\n",
        "AttributeError: object has no attribute '_saved_self'"),
    "h39_grad_fn_inputs": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nprint(y.grad_fn.inputs)\n",
        "SandboxError: 'MulBackward0.inputs' is not available in gradcli programs"),
    # with --max-int-bits raised, an int past Python's 4,300 digits has no text
    "h40_int_text_printed": ("x = 10 ** 5000\nprint(x)\n",
                             "ValueError: Exceeds the limit (4300 digits) for integer string"),
    "h40_int_text_shown": ("x = 10 ** 5000\nx\n",
                           "ValueError: Exceeds the limit (4300 digits) for integer string"),
    # hook_recursion stops because backward runs without grad; with it, the depth limit holds
    "hook_recursion_grad_enabled": (
        "import torch\nx = torch.ones(1, requires_grad=True)\n"
        "def h(g):\n    with torch.enable_grad():\n        (x * 2).sum().backward()\n"
        "x.register_hook(h)\n(x * 2).sum().backward()\n",
        "LimitError: calls nested deeper than 100 (runaway recursion in 'h'?)"),
}


# variations that need a flag to reach the limit they test (the memory cap: before the alarm,
# however busy the machine)
VARIATION_FLAGS = {"recursion_big_depth_flag": ["--max-depth", "1000000"],
                   "map_insert_grows_forever": ["--timeout", "1"],
                   "many_big_lists": ["--timeout", "30"], "many_big_tensors": ["--timeout", "30"],
                   # 100,000 nested lists take a second or more to build on a busy machine:
                   # the time limit must not come first, the recursion guard is what is tested
                   "deep_nested_list_repr": ["--timeout", "30"],
                   "deep_nested_list_compare": ["--timeout", "30"],
                   "h40_int_text_printed": ["--max-int-bits", "20000"],
                   "h40_int_text_shown": ["--max-int-bits", "20000"]}


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_variation_is_stopped_by_its_defence(name, cli, tmp_path):
    program, defence = VARIATIONS[name]
    path = tmp_path / f"{name}.py"
    path.write_text(program)
    started = time.monotonic()
    flags = VARIATION_FLAGS.get(name, [])
    result = cli("eval", path, *flags)
    _stopped_by(result, str(path), defence)
    # as for the files they vary; a variation given its own --timeout is held to that one
    promised = max(PROMISED_SECONDS, float(flags[flags.index("--timeout") + 1]) + 1) \
        if "--timeout" in flags else PROMISED_SECONDS
    assert time.monotonic() - started < promised
    assert not glob.glob(CANARY)


# ----- Strings aimed at sympy (h36) -----
#
# sympy's sympify evaluates a string as Python.  The translation to sympy reads only the
# recorded graph, and a graph holds tensors and numbers: every slot of an op a string could
# take refuses it while the program runs, and the one node that holds any value, a custom
# Function's, has no symbolic form, so the translation never looks inside it.

INJECTED = repr("__import__('os').system('touch /tmp/gradcli-canary-sympy')")
STRING_SLOTS = {
    "operand": ("y = x * {s}", "TypeError: unsupported operand type for tensor operation: 'str'"),
    "exponent": ("y = x ** {s}", "TypeError: unsupported operand type for tensor operation"),
    "where_branch": ("y = torch.where(x > 0, x, {s})",
                     "TypeError: unsupported operand type for tensor operation: 'str'"),
    "clamp_bound": ("y = torch.clamp(x, min={s})",
                    "RuntimeError: could not convert string to float"),
    "alpha": ("y = torch.add(x, x, alpha={s})", "RuntimeError: could not convert string to float"),
    "rounding_mode": ("y = torch.div(x, 2.0, rounding_mode={s})",
                      "RuntimeError: div expected rounding_mode to be one of None, 'trunc'"),
    "reduction": ("y = torch.nn.functional.mse_loss(x, x, reduction={s})",
                  "ValueError: __import__('os').system('touch /tmp/gradcli-canary-sympy') is not "
                  "a valid value for reduction"),
    "dtype": ("y = torch.ones(1, dtype={s})", "TypeError: dtype must be a torch.dtype, not str"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("slot", sorted(STRING_SLOTS))
def test_a_string_is_refused_in_every_slot_of_an_op(slot, command, cli, tmp_path):
    line, defence = STRING_SLOTS[slot]
    path = tmp_path / f"{slot}.py"
    path.write_text("import torch\nx = torch.tensor(1.0, requires_grad=True)\n" +
                    line.format(s=INJECTED) + "\n")
    _stopped_by(cli(*COMMANDS[command], path), str(path), defence)
    assert not glob.glob(CANARY)


FUNCTION_ARGUMENT = """import torch
from torch.autograd import Function
class Tagged(Function):
    @staticmethod
    def forward(ctx, x, tag):
        ctx.tag = tag
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2, None
x = torch.tensor(1.0, requires_grad=True)
y = Tagged.apply(x, {s})
"""


def test_a_string_held_by_the_graph_never_reaches_sympy(cli, tmp_path, monkeypatch):
    """A custom Function may carry a string: the commands that translate the graph refuse
    its node (no symbolic form), and sympy's parser never sees the string."""
    import sympy
    from sympy.parsing import sympy_parser
    parsed = []
    parse = sympy_parser.parse_expr

    def spy(text, *args, **kwargs):
        parsed.append(text)
        return parse(text, *args, **kwargs)
    monkeypatch.setattr(sympy_parser, "parse_expr", spy)
    sympy.sympify("1 + 1")
    assert parsed == ["1 + 1"]  # the spy sees every string sympify evaluates
    path = tmp_path / "tagged.py"
    path.write_text(FUNCTION_ARGUMENT.format(s=INJECTED))
    symbolic = cli("grad", "--symbolic", path)
    assert symbolic.exit_code == 1 and "Traceback" not in symbolic.stderr
    assert f"{path}: SymbolicUnavailable: no symbolic form: TaggedBackward (a custom Function) " \
           "has no symbolic form" in symbolic.stderr
    checked = cli("check", path)  # by finite differences only
    assert checked.exit_code == 0, checked.stderr
    assert "symbolic: TaggedBackward (a custom Function) has no symbolic form" in checked.stdout
    assert cli("explain", path).exit_code == 0
    assert [text for text in parsed if "canary" in text] == []
    assert not glob.glob(CANARY)


# The inspection commands call program code after the run: a custom Function's backward, a
# hook, and (check) the forward again, replayed.  That code must keep the run's limits.
AFTER_THE_RUN = """import torch
from torch.autograd import Function
class Big(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2
    @staticmethod
    def backward(ctx, g):
        big = torch.ones(4000, 4000)
        return g * 2
x = torch.tensor(1.0, requires_grad=True)
y = Big.apply(x)
"""


@pytest.mark.xfail(strict=True, reason="grad, check and explain call the program's backward "
                   "after the run, outside its limits (elements, memory, alarm)")
@pytest.mark.parametrize("command", ["grad", "check", "explain"])
def test_program_code_called_after_the_run_keeps_the_limits(command, cli, tmp_path):
    path = tmp_path / "after_the_run.py"
    path.write_text(AFTER_THE_RUN)
    _stopped_by(cli(command, path), str(path),
                "LimitError: a tensor of shape (4000, 4000) has 16,000,000 elements")


# ----- Each defence layer on its own -----
#
# A name starting with '_' is refused twice: by the interpreter's name check (language.py),
# wherever a program writes a name, and by the attribute guard (sandbox.py), which reads
# only what a type's allow-list names and refuses everything of a type without one.  Each is
# tested with the other out of the way, so that removing either fails a test.

UNDERSCORE_NAMES = {  # every place a program writes a name (a program's own _x is allowed)
    "attribute": "x = torch.ones(1)\nx.__class__\n",
    "attribute_store": "x = torch.ones(1)\nx.__version__ = 5\n",
    "name": "__builtins__\n",
    "assignment": "__x__ = 1\n",
    "augmented_assignment": "__x__ += 1\n",
    "delete": "del __x__\n",
    "for_target": "for __i__ in range(2):\n    pass\n",
    "comprehension_target": "[__i__ for __i__ in range(2)]\n",
    "with_target": "with torch.no_grad() as __g__:\n    pass\n",
    "def": "def __f__():\n    pass\n",
    "parameter": "def f(__a__):\n    pass\n",
    "lambda_parameter": "f = lambda __a__: 0\n",
    "keyword_argument": "print(1, __end__='')\n",
    "import_alias": "import torch as __t__\n",
    "from_import": "from torch import __C__\n",
    "from_import_alias": "from torch import ones as __ones__\n",
    "class": "class __F__(Function):\n    pass\n",
    "method": ("class F(Function):\n    @staticmethod\n    def __init_subclass__(cls):\n"
               "        pass\n"),
    "class_method": "class A:\n    def __del__(self):\n        pass\n",
    "super_attribute": "class A:\n    def f(self):\n        super().__class__\n",
}


def _run(source: str):
    """Run a program in-process; returns its interpreter."""
    return run_source("<layer>", "import torch\nfrom torch.autograd import Function\n" + source,
                      output=io.StringIO())


@pytest.fixture
def attribute_guard_off(monkeypatch):
    """The second layer switched off: what it refuses is read or written all the same."""
    get, put = sandbox.get_attribute, sandbox.set_attribute

    def get_anything(obj, name, interp=None):
        try:
            return get(obj, name, interp)
        except GradcliError:
            return getattr(obj, name)

    def put_anything(obj, name, value):
        try:
            put(obj, name, value)
        except GradcliError:
            setattr(obj, name, value)
    monkeypatch.setattr(sandbox, "get_attribute", get_anything)
    monkeypatch.setattr(sandbox, "set_attribute", put_anything)


def test_with_the_attribute_guard_off_anything_is_readable(attribute_guard_off):
    """The control: the fixture really takes the second layer away."""
    assert type(_run("raw = torch.ones(2).array\n").globals["raw"]).__name__ == "ndarray"


@pytest.mark.parametrize("place", sorted(UNDERSCORE_NAMES))
def test_name_check_alone_refuses_underscore_names(place, attribute_guard_off):
    with pytest.raises(SandboxError, match="names of Python's machinery are not available"):
        _run(UNDERSCORE_NAMES[place])


# What a program can hold, made by a program: each entry, its expression and attributes the
# object really has that no allow-list names (besides the dunders every object has).
REACHABLE_PROGRAM = """
import math
import torch.nn.functional as F
contexts = []
class Double(Function):
    @staticmethod
    def forward(ctx, x):
        contexts.append(ctx)
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2
def function(a):
    return a
x = torch.ones(2, requires_grad=True)
y = x * 3
z = Double.apply(x)
handle = x.register_hook(lambda g: g)
"""
REACHABLE = {
    # no allow-list: no attribute at all
    "user function": ("function", ["interp", "frame", "body", "signature"]),
    "lambda": ("lambda: 0", ["interp", "frame", "body"]),
    "tensor method": ("x.mean", []),
    "list method": ("[].append", []),
    "str method": ("'a'.upper", []),
    "builtin": ("len", []),
    "print": ("print", []),
    "torch function": ("torch.ones", []),
    "Function.apply": ("Double.apply", []),
    "map": ("map(abs, [1])", []),
    "zip": ("zip([1])", []),
    "filter": ("filter(None, [1])", []),
    "enumerate": ("enumerate([1])", []),
    "reversed": ("reversed([1])", []),
    "range": ("range(3)", ["start", "stop", "step", "count", "index"]),
    "dict keys": ("{1: 2}.keys()", ["mapping", "isdisjoint"]),
    "dict items": ("{1: 2}.items()", ["mapping"]),
    "no_grad": ("torch.no_grad()", []),
    "torch.Tensor": ("torch.Tensor", []),
    "float type": ("float", ["mro", "fromhex", "is_integer"]),
    "bool type": ("bool", ["mro", "bit_length"]),
    "bool": ("True", ["bit_length", "real"]),
    "None": ("None", []),
    # an allow-list: what it does not name is refused
    "tensor": ("x", ["array", "_version", "_accumulator"]),
    "grad_fn node": ("y.grad_fn", ["op", "inputs", "params", "result", "children", "pre_hooks"]),
    "AccumulateGrad": ("y.grad_fn.next_functions[0][0]", ["children", "pre_hooks", "_variable"]),
    "custom Function node": ("z.grad_fn", ["function", "ctx", "args", "input_meta"]),
    "ctx": ("contexts[0]", ["_saved", "_released"]),
    "Function class": ("Double", ["forward", "backward", "mro"]),
    "dtype": ("torch.float32", ["np", "name", "category"]),
    "torch.Size": ("x.shape", []),
    "hook handle": ("handle", ["_node", "_hook"]),
    "max result": ("torch.max(x, 0)", ["count", "index", "_name"]),
    # modules: their members are the list; anything else is Python's "has no attribute"
    "torch": ("torch", ["members", "name"]),
    "torch.nn.functional": ("F", ["members", "name"]),
    "torch.autograd": ("torch.autograd", ["members", "name"]),
    "math": ("math", ["members", "name"]),
    "dict": ("{}", ["fromkeys", "update", "popitem"]),
    "list": ("[]", []),
    "tuple": ("()", []),
    "str": ("'a'", ["format_map", "encode", "maketrans", "translate"]),
    "int": ("1", ["to_bytes", "from_bytes", "real", "numerator"]),
    "float": ("1.5", ["hex", "fromhex", "real", "as_integer_ratio"]),
}
NO_LIST = list(REACHABLE)[:list(REACHABLE).index("tensor")]
MODULES = ["torch", "torch.nn.functional", "torch.autograd", "math"]
# no program makes these, and no list names them
UNREACHABLE = {
    "generator": (lambda: (i for i in ()), ["gi_frame", "gi_code", "send", "throw", "close"]),
    "exception": (lambda: ValueError("x"), ["with_traceback", "add_note"]),
    "frame": (sys._getframe, ["f_globals", "f_builtins", "f_back"]),
}
DUNDERS = ["__class__", "__dict__", "__reduce_ex__", "__init__", "__getattribute__",
           "__subclasses__", "__globals__", "__self__", "__func__", "__code__", "__closure__",
           "__builtins__", "__module__", "__mro__"]


@functools.cache
def _reached() -> dict:
    names = list(REACHABLE)
    source = REACHABLE_PROGRAM + "reached = [" + ", ".join(
        f"({REACHABLE[name][0]})" for name in names) + "]\n"
    return dict(zip(names, _run(source).globals["reached"]))


def _object(kind):
    if kind in UNREACHABLE:
        make, public = UNREACHABLE[kind]
        return make(), public
    return _reached()[kind], REACHABLE[kind][1]


@pytest.mark.parametrize("kind", list(REACHABLE) + list(UNREACHABLE))
def test_attribute_guard_alone_refuses_what_no_list_allows(kind):
    """Called directly, with names that pass the name check and with dunders alike."""
    obj, public = _object(kind)
    assert all(hasattr(obj, name) for name in public)  # real: refusing them means something
    for name in public + DUNDERS + ["anything"]:
        with pytest.raises(GradcliError) as refused:
            sandbox.get_attribute(obj, name)
        error = refused.value
        assert error.kind in ("SandboxError", "AttributeError") and name in error.message
        exists = name in dir(obj) or name in dir(type(obj))
        if (kind in NO_LIST or kind in UNREACHABLE) and exists:  # denied by default, as such
            assert isinstance(error, SandboxError)
            assert "objects have no attributes in gradcli programs" in error.message
        elif kind in NO_LIST or kind in UNREACHABLE:  # not there at all: Python's own words
            assert error.kind == "AttributeError" and "has no attribute" in error.message
        elif name in dir(type(obj)) and kind not in MODULES:  # one the type has: the sandbox's
            assert isinstance(error, SandboxError), error.message


ALLOWED = {"tensor": "shape", "grad_fn node": "next_functions", "AccumulateGrad": "variable",
           "ctx": "needs_input_grad", "Function class": "apply", "dtype": "itemsize",
           "torch.Size": "numel", "hook handle": "remove", "max result": "values",
           "torch": "ones", "torch.nn.functional": "relu", "math": "pi", "dict": "keys",
           "list": "copy", "tuple": "count", "str": "upper", "int": "bit_length",
           "float": "is_integer"}


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_attribute_guard_reads_what_its_lists_name(kind):
    """The control: the guard is an allow-list, not a wall."""
    obj, _ = _object(kind)
    assert sandbox.get_attribute(obj, ALLOWED[kind]) is not None


def test_the_other_guards_refuse_underscore_names_alone():
    """Writes, imports and Function classes: refused by the sandbox without the name check."""
    reached = _reached()
    ctx, tensor, function = reached["ctx"], reached["tensor"], reached["user function"]
    for obj, name in ((ctx, "_saved"), (ctx, "__class__"), (tensor, "_version"),
                      (tensor, "array"), (function, "interp")):
        with pytest.raises(SandboxError, match=f"cannot set attribute '{name}'"):
            sandbox.set_attribute(obj, name, None)
    with pytest.raises(SandboxError, match="cannot import name '_C' from 'torch'"):
        sandbox.import_name(reached["torch"], "torch", "_C")
    methods = {"forward": function, "backward": function, "__init_subclass__": function}
    with pytest.raises(SandboxError, match="public names only, not '__init_subclass__'"):
        sandbox.define_function_class("F", (reached["Function class"].__base__,), methods)
    # the program's own classes: no dunder outside the list, whatever the interpreter let by
    with pytest.raises(SandboxError, match="may not define '__getattribute__'"):
        classes.define_class("A", (), {"__getattribute__": function})
    instance = classes.define_class("A", (), {})()
    with pytest.raises(SandboxError, match="cannot set attribute '__class__'"):
        sandbox.set_attribute(instance, "__class__", int)


def test_saved_values_are_the_one_underscore_door_on_an_op_node():
    """``grad_fn._saved_<name>`` reads what an op's node saved (tensors, numbers, sizes), and
    nothing else: not another underscore name, not on another kind of node or a tensor."""
    reached = _reached()
    node, tensor = reached["grad_fn node"], reached["tensor"]
    assert sandbox.get_attribute(node, "_saved_other") == 3  # y = x * 3: the number it saved
    assert sandbox.get_attribute(node, "_saved_self") is None  # (not needed: x * 3 reads 3)
    for obj, name in ((node, "_saved___class__"), (node, "_saved_op"), (node, "_saved_"),
                      (node, "_display_name"), (reached["AccumulateGrad"], "_saved_self"),
                      (reached["custom Function node"], "_saved_self"), (tensor, "_saved_self")):
        with pytest.raises(GradcliError) as refused:
            sandbox.get_attribute(obj, name)
        assert refused.value.kind in ("SandboxError", "AttributeError") and name in \
            refused.value.message


@pytest.mark.parametrize("name", sorted(RAW_MEMORY - {"__array__", "__array_interface__"}))
def test_tensor_never_hands_out_raw_memory(name, cli):
    result = cli("eval", "-e", f"torch.ones(2).{name}")
    assert result.exit_code == 1 and name in result.stderr


def test_program_state_does_not_outlive_its_run(cli, tmp_path):
    from gradcli.core.tensor import GradMode
    path = tmp_path / "grad_off.py"
    path.write_text("import torch\ntorch.set_grad_enabled(False)\n")
    assert cli("eval", path).exit_code == 0
    assert GradMode.enabled


# A program reaches a long C call only by a route nobody has bounded yet; stand one in by a
# binding (gradcli's Python API), as the last resort must still end such a run.
STUCK_TIMEOUT = 0.5
STUCK_IN_C = f"""
from gradcli.lang.runner import RunOptions, run_program
stuck = sum  # sum(range(10 ** 15)) runs in C, where the alarm cannot fire
options = RunOptions(timeout={STUCK_TIMEOUT}, bindings={{"stuck": stuck}})
print("started", flush=True)
run_program("stuck.py", "stuck(range(10 ** 15))", options)
"""
# README, security model: the watchdog "ends the process with exit status 1 half a second
# after the timeout"
WATCHDOG_GRACE = 0.5


def test_a_stuck_builtin_is_ended_by_the_hard_deadline():
    with child([sys.executable, "-c", STUCK_IN_C], text=True) as process:
        wait_for_line(process, "started", timeout=30)  # the promise counts from the run's start
        started = time.monotonic()
        stdout, stderr = process.communicate(timeout=30)
        elapsed = time.monotonic() - started
    # the watchdog's exit: status 1 and no message at all (the alarm's LimitError would have
    # ended this script with a traceback)
    assert (process.returncode, stdout, stderr) == (1, "", "")
    # Margin 0.3 s over the promise: the parent learns of the exit through the scheduler of a
    # shared 2-CPU machine (measured there, load average 2 to 4: 1.00-1.03 s in 40 runs).
    assert STUCK_TIMEOUT < elapsed < STUCK_TIMEOUT + WATCHDOG_GRACE + 0.3, f"{elapsed:.2f} s"


# ----- Walks C makes in one call: bounded before they start -----

# `a` and `b` (lists) and `t` (tuples): 101 objects in memory each, 2**100 items to walk.
SHARED = ("a = [0]\nb = [0]\nt = (0,)\nfor i in range(100):\n    a = [a, a]\n    b = [b, b]\n"
          "    t = (t, t)\n")
WALKED_ROUTES = {
    "equal": "a == b", "not_equal": "c = a != b", "less": "c = a < b", "greater_equal": "a >= b",
    "chained": "c = [] < a < b", "in_list": "c = a in [b]", "not_in_tuple": "c = a not in (b,)",
    "in_lazy_zip": "c = (a,) in zip([b])", "list_index": "[b].index(a)",
    "empty_index": "[].index(a)",
    "list_count": "[b].count(a)", "list_remove": "[b].remove(a)", "tuple_index": "(b,).index(a)",
    "sorted": "c = sorted([a, b])", "sorted_key": "c = sorted([0, 1], key=lambda i: [a, b][i])",
    "list_sort": "c = [a, b]\nc.sort()", "min": "c = min([a, b])", "max_args": "c = max(a, b)",
    "max_key": "c = max([0, 1], key=lambda i: [a, b][i])", "str": "c = str(a)",
    "repr": "c = repr(a)", "len_str": "n = len(str(a))", "print": "print(a)",
    "print_sep": "print(1, a, sep='')", "fstring": "c = f'{a}'", "fstring_repr": "c = f'{a!r:>4}'",
    "map_str": "c = list(map(str, [a]))", "sorted_key_str": "c = sorted([a], key=repr)",
    "assert_message": "assert False, a", "dict_literal_key": "d = {t: 1}",
    "dict_comprehension_key": "d = {k: 1 for k in [t]}", "dict_store": "d = {}\nd[t] = 1",
    "dict_load": "c = {}[t]", "dict_get": "c = {}.get(t)", "dict_pop": "c = {}.pop(t, 0)",
    "dict_setdefault": "c = {}.setdefault(t)", "dict_builtin": "d = dict([(t, 1)])",
    "dict_builtin_zip": "d = dict(zip([t], [1]))", "in_dict": "c = t in {}",
    "in_keys": "c = t in {0: 1}.keys()", "dict_equal": "c = {0: a} == {0: b}",
    "items_equal": "c = {0: t}.items() == {0: (t,)}.items()",
    "keys_union": "c = {0: t}.items() | {1: t}.items()", "last_value": "list(a)",
    "tensor_index": "y = torch.ones(2)[a]", "tensor_where": "y = torch.where(a, 1.0, 2.0)",
    "tensor_store": "x = torch.ones(2)\nx[0] = a",
    "tensor_keyword": "y = torch.norm(torch.ones(2), p=a)",
    "tensor_data": "y = torch.tensor([[0.0], a])",
}


@pytest.mark.parametrize("route", sorted(WALKED_ROUTES))
def test_shared_nesting_is_refused_before_c_walks_it(route, cli, tmp_path):
    """Each way a program makes C compare, hash, sort or print a value: one located message."""
    path = tmp_path / f"{route}.py"
    program = "import torch\n" + SHARED + WALKED_ROUTES[route] + "\n"
    path.write_text(program)
    result = cli("eval", path)
    _clean_failure(result, str(path))
    line = program.count("\n")  # the route's last line
    assert result.stderr.startswith(f"{path}:{line}:"), result.stderr
    assert "LimitError" in result.stderr and "would walk more than" in result.stderr, result.stderr
    assert "--max-sequence" in result.stderr or "--max-elements" in result.stderr


FLAT_ROUTES = {
    # flat, but each of the 10**6 strings costs C a million-character compare
    "long_strings_equal": ("s = 'x' * 10 ** 6\nt = 'x' * 10 ** 6\n"
                           "c = [s] * 10 ** 6 == [t] * 10 ** 6"),
    "long_strings_sorted": "s = 'x' * 10 ** 6\nc = sorted([s] * 10 ** 6)",
    "long_string_search": "s = 'x' * 10 ** 6\nc = ('x' * 10 ** 6) in [s] * 10 ** 6",
    # `in range` steps through every number unless the value is an int
    "range_search": "c = [] in range(10 ** 12)", "range_search_float": "c = 0.5 in range(10 ** 12)",
    "shared_rows_sorted": "x = [[0] * 10 ** 6] * 10 ** 6\ny = sorted(x)",
}


@pytest.mark.parametrize("route", sorted(FLAT_ROUTES))
def test_long_c_walk_of_a_flat_value_is_refused(route, cli, tmp_path):
    path = tmp_path / f"{route}.py"
    path.write_text(FLAT_ROUTES[route] + "\n")
    result = cli("eval", path)
    _clean_failure(result, str(path))
    line = FLAT_ROUTES[route].count("\n") + 1
    assert result.stderr.startswith(f"{path}:{line}:"), result.stderr
    assert "would walk more than" in result.stderr, result.stderr


def test_walk_limit_follows_max_sequence(cli):
    """2,000 distinct rows of 1,000: over the default limit, within a raised one."""
    program = ("a = [[float(i)] * 1000 for i in range(2000)]\nb = [list(r) for r in a]\n"
               "print(a == b, len(str(a)), sorted(b)[-1][0])")
    refused = cli("eval", "-e", program)
    assert refused.exit_code == 1 and "would walk more than 1,000,000" in refused.stderr
    assert "--max-sequence" in refused.stderr
    allowed = cli("eval", "-e", program, "--max-sequence", "3000000")
    assert allowed.exit_code == 0, allowed.stderr
    assert allowed.stdout == f"True {len(str([[float(i)] * 1000 for i in range(2000)]))} 1999.0\n"


def test_values_within_the_limit_are_walked_as_in_python(cli):
    program = ("row = [1.5] * 1000\ngrid = [row] * 1000\nt = ((1, 2), (1, 2))\n"
               "print(grid == [list(row)] * 1000, len(str(grid)), {t: 3}[((1, 2), (1, 2))], "
               "sorted([[2, [1]], [2, [0]]]), max([[1], [0, 5]], key=len), [0] in [[1], [0]])")
    result = cli("eval", "-e", program)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (f"True {len(str([[1.5] * 1000] * 1000))} 3 [[2, [0]], [2, [1]]] "
                             "[0, 5] True\n")


def test_last_value_holding_itself_is_shown_and_deep_nesting_refused(cli):
    shown = cli("eval", "-e", "a = []\na.append(a)\na")
    assert shown.exit_code == 0 and shown.stdout == "[[...]]\n"
    deep = cli("eval", "-e", "a = []\nfor i in range(2000):\n    a = [a]\na")
    assert deep.exit_code == 1 and "Traceback" not in deep.stderr
    assert deep.stderr.startswith("<expr>:4:1: LimitError: the last value is nested 2,001 "
                                  "levels deep"), deep.stderr
    printed = cli("eval", "-e", "a = []\nfor i in range(2000):\n    a = [a]\nprint(len(a))\na")
    assert printed.exit_code == 0 and printed.stdout == "1\n"  # not shown: nothing to refuse


@pytest.mark.parametrize("value,expected", [
    (5, 1), ("x" * 640, 11), ([], 1), ([1, 2, 3], 3), ([[1, 2]] * 3, 6), ({1: [2, 3], 2: 4}, 3),
    ({1: [2, 3], "k": 4}, 4), ({(1, 2): 0}, 3),
    ((("ab",) * 4,) * 5, 20), ({1: 2}.items(), 2),
])
def test_walk_size_counts_what_c_visits(value, expected):
    assert walk_size(value, 10 ** 9) == expected


def test_walk_size_counts_shared_children_each_time_and_stops_past_the_cap():
    a = [0]
    for _ in range(40):
        a = [a, a]
    assert walk_size(a, 2 ** 50) == 2 ** 40
    assert 1000 < walk_size(a, 1000) < 2 ** 40  # stopped early
    cycle = [1]
    cycle.append(cycle)
    assert walk_size(cycle, 100) == 2


def test_hostile_run_as_real_process_has_no_side_effect(tmp_path):
    """The real command, its own process: exit 1, no file written, nothing imported, and
    within the promised time plus start-up (h27 runs until the 4 s --timeout)."""
    for leftover in glob.glob(CANARY):
        os.remove(leftover)
    for path in [p for p in HOSTILE if p.stem[:3] in ("h10", "h11", "h12", "h13", "h15", "h16",
                                                       "h27", "h36")]:
        # past the promise, TimeoutExpired fails the test (and the process is killed)
        result = run([sys.executable, "-m", "gradcli.cli", "eval", str(path)],
                     timeout=PROMISED_SECONDS + STARTUP_MARGIN)
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
import gradcli.core.kernels.random  # imported lazily, on the first random call, to keep start-up fast
from gradcli.errors import GradcliError
from gradcli.lang.runner import RunOptions, decode_source, run_program

FORBIDDEN = ("exec", "compile", "import", "open", "os.system", "subprocess.Popen", "os.exec",
             "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "ctypes.", "socket.",
             "os.remove", "os.unlink", "os.rename", "os.mkdir", "shutil.", "os.chmod")
# the run's own set-up (memory cap, hard deadline) opens these two, before the program starts
# and CPython, quoting a syntax error, opens the (impossible) path gradcli names in ast.parse
from gradcli.lang.interpreter import PARSE_FILENAME
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
    result = run([sys.executable, "-c", AUDIT_SCRIPT, *corpus], timeout=300, cwd=TESTS.parent)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["ran"] >= len(corpus) - 3  # the bad-bytes files are refused before running
    assert report["control"] == 1
    assert report["events"] == {}
