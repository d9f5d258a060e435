"""Fuzzing the interpreter: random programs from the language's grammar, and random bytes.

Whatever the input, a run either succeeds or raises a GradcliError that knows its line;
nothing else escapes, and nothing reaches exec, compile, import, open or a new process
(an audit hook watches every run; it records only while a fuzzed program runs).

The examples are the same on every run (hypothesis derandomized: a seed from each test's
code, no example database), so CI is reproducible.  To hunt for new failures, run with
fresh random examples, as many times as you like:

    GRADCLI_FUZZ_RANDOM=1 python -m pytest tests/test_fuzz.py

A failure prints the falsifying program; add it to the tests that own what it breaks.
"""

from __future__ import annotations

import io
import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradcli.core.kernels.random  # noqa: F401 - imported lazily by rand*; load it before the hook watches
from gradcli.errors import GradcliError
from gradcli.lang.interpreter import PARSE_FILENAME
from gradcli.lang.runner import RunOptions, decode_source, run_program
from gradcli.lang.sandbox import walk_size

# the recursive grammar makes hypothesis warn that its own strategy repr is large
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

# Small caps keep each example fast; the defences are the same at any size.
OPTIONS = dict(max_steps=2_000, max_elements=10_000, max_nodes=2_000, max_sequence=10_000,
               timeout=2.0)
PRELUDE = ("import torch\nx = torch.ones(2, requires_grad=True)\nxs = [1, 2.5, 'a']\n"
           "d = {'k': 1}\ns = 'text'\n")
WATCHED = ("exec", "compile", "import", "open", "os.system", "subprocess.Popen", "os.exec",
           "os.posix_spawn", "os.fork", "socket.", "ctypes.")

_watch = {"source": None, "events": []}


def _audit(event, args):
    source = _watch["source"]
    if source is None or not event.startswith(WATCHED):
        return
    if event == "compile" and args[0] in (source, source.encode("utf-8", "surrogatepass")):
        return  # the program's own ast.parse
    if event == "open" and args[0] in ("/proc/self/statm", "/dev/null", PARSE_FILENAME):
        return  # the run's set-up (memory cap, deadline); CPython quoting a syntax error's line
    _watch["events"].append((event, repr(args)[:200]))


sys.addaudithook(_audit)  # inert outside run_checked(); audit hooks cannot be removed


def run_checked(source: str) -> None:
    """Run ``source``; only a located GradcliError may escape, and no audit event happens."""
    _watch["source"], _watch["events"] = source, []
    try:
        run_program("<fuzz>", source, RunOptions(**OPTIONS), output=io.StringIO())
    except GradcliError as error:
        assert error.line is not None, (error.kind, error.message, source)
    finally:
        _watch["source"] = None
    assert _watch["events"] == [], (_watch["events"], source)


# ----- The grammar -----

NAMES = st.sampled_from([
    "x", "xs", "d", "s", "f", "g", "i", "torch", "math", "print", "len", "range", "sum", "sorted",
    "min", "max", "list", "dict", "str", "int", "float", "abs", "round", "zip", "map", "enumerate",
    "isinstance", "ones", "zeros", "tensor", "arange", "cat", "stack", "eval", "open", "type",
    "getattr", "__import__", "_x", "__builtins__", "object", "Function", "exp", "sin", "super",
    "hasattr", "set", "iter", "next", "hash", "id", "np", "random", "A", "B", "ValueError",
    "Exception", "staticmethod", "property", "self", "os", "sys"])
ATTRS = st.sampled_from([
    "grad", "data", "shape", "dtype", "sum", "mean", "backward", "item", "tolist", "T", "grad_fn",
    "next_functions", "variable", "requires_grad", "append", "insert", "extend", "join", "replace",
    "split", "upper", "format", "keys", "items", "view", "reshape", "expand", "register_hook",
    "numpy", "array", "apply", "__class__", "__dict__", "__globals__", "__subclasses__", "mro",
    "__self__", "__code__", "gi_frame", "f_globals", "__reduce__", "nn", "functional", "autograd",
    "__init__", "__add__", "__len__", "_private", "value", "method", "environ", "zeros",
    "random", "tofile", "ctypes", "args", "__name__"])
BINOPS = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^",
                          "==", "<", "!=", "in", "is", "and", "or"])
LITERALS = st.one_of(
    st.integers(-3, 40).map(str), st.sampled_from(["10 ** 9", "2 ** 64", "1e308", "-0.5",
                                                   "None", "True", "...", "float('nan')"]),
    st.text(alphabet="ab{}%:!r'\\", max_size=6).map(repr))


def _expressions(children):
    call_args = st.lists(children, max_size=3).map(", ".join)
    return st.one_of(
        st.tuples(children, BINOPS, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "not ", "~"]), children).map("".join),
        st.tuples(children, call_args).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, ATTRS).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(children, children).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(children, children).map(lambda t: f"{t[0]}[{t[1]}:]"),
        call_args.map(lambda a: f"[{a}]"),
        call_args.map(lambda a: f"({a},)"),
        st.tuples(children, children).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
        children.map(lambda e: f"(lambda i: {e})"),
        st.tuples(children, children).map(lambda t: f"[{t[0]} for i in {t[1]}]"),
        st.tuples(children, children, children).map(
            lambda t: f"[{t[0]} for i in {t[1]} for j in {t[2]} if j]"),
        st.tuples(children, st.sampled_from(["", ":>4", ":.2f", "!r", ":{i}", ":e", ":{'>9'}"]))
          .map(lambda t: f"f'<{{{t[0]}{t[1]}}}>'"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(st.sampled_from(["torch.ones", "torch.tensor", "torch.arange", "torch.zeros",
                                   "torch.randn", "torch.full", "torch.cat", "torch.stack",
                                   "torch.matmul", "torch.where", "torch.autograd.grad"]),
                  call_args).map(lambda t: f"{t[0]}({t[1]})"),
    )


EXPRESSIONS = st.recursive(st.one_of(NAMES, LITERALS), _expressions, max_leaves=12)
TARGETS = st.sampled_from(["x", "xs", "d", "s", "f", "i", "_", "x.grad", "xs[0]", "d['k']",
                           "a, b", "[a, *b]", "x.requires_grad", "torch.ones", "_hidden"])


def _statements(blocks):
    """A statement (its lines); ``blocks`` draws nested bodies."""
    def indented(lines):
        return ["    " + line for line in lines] or ["    pass"]

    simple = st.one_of(
        st.tuples(TARGETS, EXPRESSIONS).map(lambda t: [f"{t[0]} = {t[1]}"]),
        st.tuples(TARGETS, st.sampled_from(["+=", "-=", "*=", "/=", "**=", "|="]), EXPRESSIONS)
          .map(lambda t: [" ".join(t)]),
        EXPRESSIONS.map(lambda e: [e]),
        EXPRESSIONS.map(lambda e: [f"print({e}, sep='-', end='!')"]),
        st.sampled_from([["break"], ["continue"], ["pass"], ["return x"], ["del xs"],
                         ["import torch.nn.functional as F"], ["from math import sqrt, pi"],
                         ["import os"], ["from torch.autograd import Function"],
                         ["assert xs, 'message'"], ["global x"], ["raise ValueError"],
                         ["try:", "    pass", "except Exception:", "    pass"],
                         ["x.sum().backward()"], ["(x * x).sum().backward(retain_graph=True)"],
                         ["x.register_hook(lambda g: g * 2)"], ["async def h():", "    pass"],
                         ["import numpy as np"], ["import random"], ["import os, sys"],
                         ["raise A()"], ["raise"], ["nonlocal x"],
                         ["from itertools import product"], ["import threading"]]),
    )
    compound = st.one_of(
        st.tuples(EXPRESSIONS, blocks, blocks).map(
            lambda t: [f"if {t[0]}:", *indented(t[1]), "else:", *indented(t[2])]),
        st.tuples(EXPRESSIONS, blocks).map(lambda t: [f"while {t[0]}:", *indented(t[1])]),
        st.tuples(EXPRESSIONS, blocks, blocks).map(
            lambda t: [f"for i in {t[0]}:", *indented(t[1]), "else:", *indented(t[2])]),
        st.tuples(EXPRESSIONS, blocks).map(
            lambda t: [f"def f(i, j=2):", *indented(t[1]), f"f({t[0]})"]),
        blocks.map(lambda b: ["with torch.no_grad():", *indented(b)]),
        st.tuples(st.sampled_from(["", "A", "ValueError", "object", "int", "Function", "A, B"]),
                  st.sampled_from(["__init__", "__add__", "__radd__", "__len__", "__iter__",
                                   "__next__", "__call__", "__repr__", "__eq__", "__hash__",
                                   "__getitem__", "__del__", "__getattribute__", "method",
                                   "_private", "__init_subclass__", "__bool__"]),
                  blocks, EXPRESSIONS).map(lambda t: [
            f"class A({t[0]}):", "    value = 1", f"    def {t[1]}(self, *args, **kwargs):",
            "        self._private = args", *indented(indented(t[2])),
            "        return super().__init__() if False else self.value", f"a = A()",
            f"b = a + {t[3]}", "c = [v for v in a]", "print(a, len(a), a(1), a == a)"]),
        st.tuples(blocks, blocks, blocks).map(lambda t: [
            "try:", *indented(t[0]), "except (ValueError, TypeError) as e:", *indented(t[1]),
            "except Exception:", "    raise", "finally:", *indented(t[2])]),
        st.tuples(EXPRESSIONS, blocks).map(lambda t: [
            f"@{t[0]}", "def g(*args, k=1, **kw):", *indented(t[1]), "g(1, k=2, z=3)"]),
        st.tuples(blocks, blocks).map(lambda t: [
            "class F(torch.autograd.Function):", "    @staticmethod", "    def forward(ctx, i):",
            *indented(indented(t[0])), "        return i * 2", "    @staticmethod",
            "    def backward(ctx, g):", *indented(indented(t[1])), "        return g",
            "F.apply(x)"]),
    )
    return st.one_of(simple, compound)


BLOCKS = st.recursive(st.just([]), lambda blocks: st.lists(_statements(blocks), min_size=1,
                                                            max_size=4).map(
    lambda statements: [line for statement in statements for line in statement]), max_leaves=8)
PROGRAMS = BLOCKS.map(lambda lines: PRELUDE + "\n".join(lines) + "\n")


RANDOM = os.environ.get("GRADCLI_FUZZ_RANDOM", "") not in ("", "0")


def fuzz(examples):
    """Settings for a fuzz test: fixed examples, unless GRADCLI_FUZZ_RANDOM=1 asks for new ones."""
    return settings(max_examples=examples, deadline=None, derandomize=not RANDOM,
                    print_blob=RANDOM,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@fuzz(1300)
@given(PROGRAMS)
def test_grammar_programs_fail_only_with_located_errors(source):
    run_checked(source)


@fuzz(300)
@given(st.lists(st.one_of(EXPRESSIONS, TARGETS, BINOPS, ATTRS, st.sampled_from(
    ["(", ")", "[", "]", ":", "\n", "    ", "=", ",", "lambda", "for", "if", "def", "class",
     "'", '"', "\\", "#", "f'{", "}", "@", "*", "**", "\t", "\r"])), max_size=25))
def test_token_soup_fails_only_with_located_errors(tokens):
    run_checked(PRELUDE + " ".join(tokens))


# ----- What C would walk, counted (sandbox.walk_size) -----

def _tree_size(value) -> int:
    """The count walk_size memoizes, the slow way: every path through the value."""
    if isinstance(value, dict):
        keys = [k for k in value if isinstance(k, (str, tuple))]
        return max(sum(_tree_size(v) for v in [*value.values(), *keys]), 1)
    if isinstance(value, (list, tuple)):
        return max(sum(_tree_size(v) for v in value), 1)
    return 1 + len(value) // 64 if isinstance(value, str) else 1


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _shared_values(leaves):
    """Values whose children are taken from the ones built before: shared, as `[a, a]` is."""
    def build(steps):
        pool = list(leaves)
        for kind, picks in steps:
            children = [pool[i % len(pool)] for i in picks]
            if kind == "dict":  # keys: numbers, and the strings and tuples of the pool
                keys = [v if isinstance(v, (str, tuple)) and _hashable(v) else i
                        for i, v in enumerate(children)]
                pool.append(dict(zip(keys, children)))
            else:
                pool.append(list(children) if kind == "list" else tuple(children))
        return pool[-1]
    # at most 3 children and 8 levels: 3**8 paths, few enough for _tree_size to follow
    return st.lists(st.tuples(st.sampled_from(["list", "tuple", "dict"]),
                              st.lists(st.integers(0, 50), max_size=3)), max_size=8).map(build)


@fuzz(300)
@given(_shared_values([0, 1.5, "s", "x" * 200, None, (), []]), st.integers(1, 10 ** 4))
def test_walk_size_is_the_count_of_every_path(value, cap):
    size = _tree_size(value)
    counted = walk_size(value, cap)
    assert counted == size if size <= cap else counted > cap


@fuzz(600)
@given(st.one_of(st.binary(max_size=300),
                 st.binary(max_size=60).map(lambda b: PRELUDE.encode() + b),
                 st.text(max_size=120).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_random_bytes_fail_only_with_located_errors(raw):
    try:
        source = decode_source("<fuzz>", raw)
    except GradcliError as error:
        assert error.line is not None, (error.message, raw)
        return
    run_checked(source)
