"""The language: every allowed construct behaves as in Python, and errors say what to do.

Pure-Python programs run twice, under Python's own ``exec`` and under gradcli's
interpreter, and must print the same thing; torch-flavoured ones are checked against
known output.  Then the errors: names, ``^``, bad files, internal bugs, pipes, Ctrl-C.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import textwrap

import pytest

from _process import child, wait_for_line
from gradcli.errors import GradcliError
from gradcli.lang.interpreter import run_source

SAME_AS_PYTHON = {
    "for_else_break": """
        for i in range(5):
            if i == 3:
                break
            print(i)
        else:
            print('no break')
        for i in range(2):
            pass
        else:
            print('else runs', i)
    """,
    "while_else_continue": """
        n = 0
        while n < 6:
            n += 1
            if n % 2:
                continue
            print(n)
        else:
            print('done', n)
    """,
    "nested_loops_break_inner_only": """
        for i in range(3):
            for j in range(3):
                if j == 1:
                    break
                print(i, j)
    """,
    "def_defaults_keywords_recursion": """
        def power(base, exponent=2):
            return base ** exponent
        def fact(n):
            return 1 if n <= 1 else n * fact(n - 1)
        print(power(3), power(2, 5), power(exponent=3, base=2), fact(10))
    """,
    "closures_capture_defining_scope": """
        def counter(start):
            def add(step=1):
                return start + step
            return add
        inc = counter(10)
        print(inc(), inc(5))
        fs = [lambda v, k=k: v * k for k in range(3)]
        print([f(10) for f in fs])
    """,
    "function_without_return_gives_none": """
        def f():
            x = 1
        print(f())
    """,
    "lambda_and_sort_keys": """
        pairs = [(3, 'c'), (1, 'a'), (2, 'b')]
        print(sorted(pairs, key=lambda p: -p[0]))
        print(max(pairs, key=lambda p: p[1]), min([4, 2, 8]))
    """,
    "comprehensions_nested_and_filtered": """
        print([i * j for i in range(3) for j in range(3) if i != j])
        print([[i + j for j in range(2)] for i in range(3)])
        print({k: v for k, v in zip('abc', range(3)) if v})
        print(sum(i * i for i in range(10)))
    """,
    "comprehension_variable_does_not_leak": """
        i = 'outer'
        squares = [i * i for i in range(3)]
        print(i, squares)
    """,
    "unpacking": """
        a, b = 1, 2
        a, b = b, a
        (c, d), e = (3, 4), 5
        first, *rest = [1, 2, 3, 4]
        *init, last = 'xyz'
        print(a, b, c, d, e, first, rest, init, last)
        for k, (x, y) in enumerate([(1, 2), (3, 4)]):
            print(k, x + y)
    """,
    "starred_calls_and_literals": """
        args = [1, 2, 3]
        print(*args, sep=', ', end='.\\n')
        print([*args, *'ab'], (*args,))
    """,
    "fstrings_with_specs": """
        x, name, big = 3.14159, 'grad', 1234567
        print(f'{x:.2f} {x:>10.3f} {x:e} {name!r} {name:>8} {big:,} {big:_} {0.25:%}')
        width = 6
        print(f'[{name:{width}}] [{x:{width}.{2}f}] {{literal}}')
    """,
    "print_sep_end": """
        print('a', 'b', sep='')
        print('c', end='')
        print('d', 1, 2.5, None, True, sep='|')
        print()
    """,
    "builtins": """
        print(len([1, 2]), abs(-3), round(2.567, 2), round(7.5), divmod(17, 5), pow(2, 10))
        print(int('42'), int('ff', 16), float('1.5'), str(12), bool([]), chr(65), ord('A'))
        print(list(range(2, 10, 3)), tuple('ab'), dict(a=1), sorted('bca'), list(reversed([1, 2])))
        print(any([0, 1]), all([1, 0]), list(map(abs, [-1, 2])), list(filter(None, [0, 1, 2])))
        print(isinstance(1, int), isinstance('a', (int, str)), repr('q'), sum([1, 2], 10))
        print(min(3, 1, 2), max('ab', 'b'), list(zip([1, 2], 'ab')), list(enumerate('ab', 1)))
    """,
    "strings_lists_dicts": """
        s = 'Hello, World'
        print(s.lower(), s.upper(), s.split(', '), s.startswith('He'), s.find('o'), s[::-1])
        print('-'.join(['a', 'b']), s.replace('l', 'L', 1), ' pad '.strip(), s.count('l'))
        xs = [3, 1, 2]
        xs.append(4); xs.insert(0, 0); xs.extend([9]); xs.sort(); xs.reverse()
        print(xs, xs.pop(), xs.index(3), xs.count(1), xs[1:3], xs[-1])
        d = {'a': 1}
        d['b'] = 2
        print(d.get('c', 0), d.setdefault('c', 3), list(d.keys()), list(d.items()), d.pop('a'))
    """,
    "operators_and_comparisons": """
        print(7 // 2, -7 // 2, 7 % 3, -7 % 3, 2 ** -1, 1 << 4, 255 >> 4, 6 & 3, 6 | 3, 6 ^ 3)
        print(1 < 2 < 3, 1 < 3 < 2, 'a' in 'abc', 3 not in [1, 2], None is None, [] is not [])
        print(not 0, 0 or 'x', 1 and 2, -(-3), ~5, +2.5)
        print(1 if [] else 2, 10 / 4, 3 * 'ab', [0] * 3, (1, 2) + (3,))
    """,
    "augmented_assignment_targets": """
        xs = [1, 2]
        xs[0] += 10
        d = {'k': 1}
        d['k'] *= 5
        n = 2
        n **= 3
        n -= 1
        print(xs, d, n)
    """,
    "if_elif_else_and_pass": """
        for v in (-1, 0, 1):
            if v < 0:
                print('neg')
            elif v == 0:
                pass
            else:
                print('pos')
    """,
    "assert_passes_and_del": """
        x = 1
        assert x == 1, 'never shown'
        del x
        x = 2
        print(x)
    """,
    "walked_builtins": """
        rows = [[3, 'c'], [1, 'a'], [2, 'b'], [1, 'z']]
        print(sorted(rows), sorted(rows, key=lambda r: r[0], reverse=True), sorted('bca'))
        print(min(rows), max(rows, key=len), max(3, 7, 5), min([], default='none'))
        print(max([1, -4], key=abs), min(-3, 2, key=abs))
        rows.sort(key=lambda r: r[1])
        print(rows, rows.index([2, 'b']), rows.count([1, 'a']), (1, (2, 3)).index((2, 3)))
        rows.remove([1, 'z'])
        d = dict([((1, 2), 'p'), ((3,), 'q')])
        print(d, d[(1, 2)], d.get((3,)), d.get((9,), 0), d.setdefault((4, 5), 'r'), d.pop((3,)))
        print({(i, i): i for i in range(3)}, [1, [2]] in rows + [[1, [2]]], (4, 5) in d)
        print(2.0 in range(3), 0.5 in range(3), (1,) in zip([1]), [] < rows < [[9]])
        print([[1], (2,)] == [[1], (2,)], [[1], [2]] < [[1], [3]], {1: [2]} != {1: [2]})
        print(str([1, 'a']), repr((1,)), f'{[1, 2]!r:>10}|{(3,)}', isinstance('s', str), str())
        print(d.keys() | {9: 0}.keys(), d.items() - {(1, 2): 'p'}.items(), rows)
    """,
    "math_module": """
        import math
        from math import sqrt, pi
        print(math.floor(2.7), math.ceil(2.1), sqrt(16.0), round(pi, 4), math.isclose(0.1 + 0.2, 0.3))
    """,
}


def _python_output(source: str) -> str:
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        exec(compile(source, "<test>", "exec"), {})  # the reference: real Python
    return stream.getvalue()


def _gradcli_output(source: str) -> str:
    stream = io.StringIO()
    run_source("<test>", source, output=stream)
    return stream.getvalue()


@pytest.mark.parametrize("name", sorted(SAME_AS_PYTHON))
def test_construct_behaves_as_in_python(name):
    source = textwrap.dedent(SAME_AS_PYTHON[name])
    assert _gradcli_output(source) == _python_output(source)


# ----- torch-flavoured constructs, with known output -----

TORCH_PROGRAMS = {
    "with_no_grad": ("""
        import torch
        x = torch.ones(2, requires_grad=True)
        with torch.no_grad():
            y = x * 2
        z = x * 2
        print(y.requires_grad, z.requires_grad, torch.is_grad_enabled())
    """, "False True True\n"),
    "class_function": ("""
        import torch
        from torch.autograd import Function
        class Cube(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3
            @staticmethod
            def backward(ctx, grad_output):
                x, = ctx.saved_tensors
                return 3 * x ** 2 * grad_output
        x = torch.tensor([2.0], requires_grad=True)
        Cube.apply(x).sum().backward()
        print(x.grad)
    """, "tensor([12.])\n"),
    "imports": ("""
        import torch
        import torch.nn.functional as F
        from torch import ones
        from torch.autograd import grad
        x = ones(3, requires_grad=True)
        (g,) = grad(F.relu(x).sum(), [x])
        print(g, tensor([1.]) + 1)
    """, "tensor([1., 1., 1.]) tensor([2.])\n"),
    "hooks_and_loops": ("""
        import torch
        w = torch.tensor([1.0], requires_grad=True)
        w.register_hook(lambda g: g * 10)
        for step in range(3):
            loss = (w * w).sum()
            loss.backward()
        print(w.grad)
    """, "tensor([60.])\n"),
    "fstring_tensor_spec": ("""
        import torch
        x = torch.tensor(2.5)
        print(f'{x:.3f} {x.item():>6}')
    """, "2.500    2.5\n"),
    "memory_layout": ("""
        import torch
        x = torch.ones(2, 3)
        t = x.t()
        print(x.stride(), t.stride(), t.stride(0), t.is_contiguous(), t.contiguous().stride())
        print(x[:, 1:].storage_offset(), x[1, ::2].stride(), x.expand(4, 2, 3).stride())
    """, "(3, 1) (1, 3) 1 False (2, 1)\n1 (2,) (0, 3, 1)\n"),
    "iteration_unbinds": ("""
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        a, b = x
        print(a, (a * b).grad_fn.next_functions[1][1])
    """, "tensor([1., 2.], grad_fn=<UnbindBackward0>) 1\n"),
    "floor_division_and_remainder_in_place": ("""
        import torch
        x = torch.tensor([5., -5.])
        alias = x
        x //= 2
        x %= torch.tensor([2., 3.])
        n = -7
        n //= 2
        n %= 3
        print(alias, -7 // 2, -7 % 3, n, 7 // torch.tensor([2, -2]))
    """, "tensor([0., -0.]) -4 2 2 tensor([ 3, -4])\n"),
}


@pytest.mark.parametrize("name", sorted(TORCH_PROGRAMS))
def test_torch_construct(name):
    source, expected = TORCH_PROGRAMS[name]
    assert _gradcli_output(textwrap.dedent(source)) == expected


# ----- Errors say what went wrong and what to try -----

def _error(source: str) -> GradcliError:
    with pytest.raises(GradcliError) as info:
        run_source("<test>", textwrap.dedent(source), output=io.StringIO())
    return info.value


def test_unknown_name_suggests_a_close_match():
    error = _error("x = onez(2)\n")
    assert (error.kind, error.line, error.column) == ("NameError", 1, 5)
    assert error.hint == "did you mean 'ones'?"


def test_unknown_local_name_suggests_a_variable():
    error = _error("def f(gradient):\n    return gradiant * 2\nf(1)\n")
    assert error.line == 2 and error.hint == "did you mean 'gradient'?"


def test_caret_as_power_hints_at_double_star():
    error = _error("x = 2.0 ^ 2\n")
    assert "xor" in error.message and "**" in error.hint


def test_tensor_caret_as_power_hints_at_double_star():
    error = _error("import torch\nx = torch.ones(2) ^ 2\n")
    assert "**" in error.hint and error.line == 2


def test_refused_construct_names_itself():
    error = _error("match 1:\n    case 1:\n        pass\n")
    assert error.kind == "SandboxError" and "'match'" in error.message and error.hint


def test_limit_error_names_the_flag():
    error = _error("x = 'ab' * 10 ** 7\n")
    assert error.kind == "LimitError" and "--max-sequence" in error.hint


def test_syntax_error_is_located_with_a_hint():
    error = _error("x = (1 +\n")
    assert error.kind == "SyntaxError" and error.line == 1 and error.hint


# ----- Bad files, through the command line -----

def test_missing_file(cli, tmp_path):
    result = cli("eval", tmp_path / "nope.py")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'nope.py'}: FileError: cannot read the program:"
                                    " no such file\nhint: check the path")


def test_directory(cli, tmp_path):
    result = cli("eval", tmp_path)
    assert result.exit_code == 1
    assert "FileError: cannot read the program: it is a directory" in result.stderr
    assert "hint: pass one .py file" in result.stderr


def test_empty_file_does_nothing(cli, tmp_path):
    path = tmp_path / "empty.py"
    path.write_bytes(b"")
    result = cli("eval", path)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("raw,expected", [
    (b"x = 1\ns = '\xe9'\n", "2:6: EncodingError: invalid UTF-8 byte 0xe9 at byte offset 11\n"
                              "hint: save the file as UTF-8"),
    (b"x = 1\x00\n", "1:6: EncodingError: NUL byte at byte offset 5\n"
                   "hint: the file looks binary"),
], ids=["not_utf8", "nul_byte"])
def test_bad_bytes_name_line_and_byte_offset(raw, expected, cli, tmp_path):
    path = tmp_path / "bad.py"
    path.write_bytes(raw)
    result = cli("eval", path)
    assert result.exit_code == 1
    assert f"{path}:{expected}" in result.stderr


def test_byte_order_mark_is_accepted(cli, tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfprint(1 + 1)\n")
    result = cli("eval", path)
    assert (result.exit_code, result.stdout) == (0, "2\n")


def test_syntax_error_never_reads_a_file_named_like_the_program(cli, tmp_path, monkeypatch):
    # CPython quotes a syntax error's line by opening the file named in ast.parse
    monkeypatch.chdir(tmp_path)
    (tmp_path / "<expr>").write_text("secret\n")
    result = cli("eval", "-e", "x = (")
    assert result.exit_code == 1 and "secret" not in result.stderr


# ----- Internal errors, pipes and Ctrl-C -----

def test_internal_error_is_short_and_exits_70(cli, monkeypatch, tmp_path):
    import gradcli.lang.runner
    monkeypatch.setattr(gradcli.lang.runner, "run_program", _broken)
    path = tmp_path / "ok.py"
    path.write_text("x = 1\n")
    result = cli("eval", path)
    assert result.exit_code == 70
    assert "internal error, please report it" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    debug = cli("eval", "--debug", path)
    assert isinstance(debug.exception, ZeroDivisionError)  # --debug lets the traceback through


def _broken(*args, **kwargs):
    return 1 / 0


def _command(*args, unbuffered=False):
    flags = ["-u"] if unbuffered else []  # -u: each print reaches the pipe at once
    return [sys.executable, *flags, "-c", "from gradcli.cli import entry_point; entry_point()",
            *args]


def test_closed_pipe_ends_quietly(tmp_path):
    path = tmp_path / "chatty.py"
    path.write_text("for i in range(200000):\n    print(i)\n")
    with child(_command("eval", str(path))) as process:
        wait_for_line(process, "0", timeout=30)
        process.stdout.close()
        _, stderr = process.communicate(timeout=30)
    assert stderr == b""
    assert process.returncode == 0  # the reader got what it wanted


def test_ctrl_c_ends_quietly(tmp_path):
    path = tmp_path / "spin.py"
    path.write_text("print('started')\nwhile True:\n    pass\n")
    command = _command("eval", "--timeout", "0", "--max-steps", "0", str(path), unbuffered=True)
    with child(command) as process:
        wait_for_line(process, "started", timeout=30)  # the program runs: Ctrl-C now hits it
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in stderr


def test_reading_grad_of_a_non_leaf_warns_once_per_place(cli):
    code = ("x = torch.ones(2, requires_grad=True)\ny = x * 2\ny.sum().backward()\n"
            "for i in range(3):\n    print(y.grad)\nprint(x.grad)\n")
    result = cli("eval", "-e", code)
    assert result.exit_code == 0
    assert result.stdout == "None\nNone\nNone\ntensor([2., 2.])\n"
    assert result.stderr.count("UserWarning") == 1
    assert result.stderr.startswith("<expr>:5: UserWarning: The .grad attribute of a Tensor that "
                                    "is not a leaf Tensor is being accessed.")
    assert result.stderr.endswith("\n  print(y.grad)\n")
