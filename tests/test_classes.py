"""The language's doors to real programs: classes, decorators, exceptions, scopes, imports.

Each program here runs twice, in real Python and in gradcli's interpreter, and must print the
same text; the programs that need torch are checked against known output (and, where torch is
installed, against torch itself in tests/test_parity.py style below).
"""

from __future__ import annotations

import io
import textwrap

import pytest

import gradcli
from conftest import import_torch, run_gradcli, run_python
from gradcli.errors import GradcliError
from gradcli.lang.interpreter import run_source

SAME_AS_PYTHON = {
    "scalar_autograd_class": """
        class Scalar:
            made = 0

            def __init__(self, data, _parents=(), _op=''):
                self.data = data
                self.grad = 0.0
                self._parents = set(_parents)
                self._op = _op
                self._backward = lambda: None
                Scalar.made += 1

            def __add__(self, other):
                other = other if isinstance(other, Scalar) else Scalar(other)
                out = Scalar(self.data + other.data, (self, other), '+')
                def _backward():
                    self.grad += out.grad
                    other.grad += out.grad
                out._backward = _backward
                return out

            def __mul__(self, other):
                other = other if isinstance(other, Scalar) else Scalar(other)
                out = Scalar(self.data * other.data, (self, other), '*')
                def _backward():
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
                out._backward = _backward
                return out

            def __pow__(self, k):
                out = Scalar(self.data ** k, (self,), f'**{k}')
                def _backward():
                    self.grad += k * self.data ** (k - 1) * out.grad
                out._backward = _backward
                return out

            __radd__ = __add__

            def __rmul__(self, other):
                return self * other

            def __neg__(self):
                return self * -1

            def __sub__(self, other):
                return self + (-other)

            def __truediv__(self, other):
                return self * other ** -1

            def backward(self):
                order, seen = [], set()
                def visit(v):
                    if v not in seen:
                        seen.add(v)
                        for p in v._parents:
                            visit(p)
                        order.append(v)
                visit(self)
                self.grad = 1.0
                for v in reversed(order):
                    v._backward()

            def __repr__(self):
                return f"Scalar(data={self.data:.4f}, grad={self.grad:.4f})"

        a, b = Scalar(2.0), Scalar(-3.0)
        c = a * b + 10 + 2 * a - b / 4
        d = c ** 2
        d.backward()
        print(a, b, c, d, Scalar.made, sorted(x._op for x in [a, b, c, d]))
    """,
    "inheritance_super_properties": """
        class Shape:
            sides = 0
            def __init__(self, name):
                self.name = name
            def describe(self):
                return f"{self.name} with {self.sides} sides"
            def __eq__(self, other):
                return isinstance(other, Shape) and self.area() == other.area()
            def __hash__(self):
                return hash(self.name)

        class Square(Shape):
            sides = 4
            def __init__(self, side):
                super().__init__("square")
                self._side = side
            @property
            def side(self):
                return self._side
            @side.setter
            def side(self, value):
                self._side = value
            def area(self):
                return self.side ** 2
            def describe(self):
                return "a " + super().describe()
            @classmethod
            def unit(cls):
                return cls(1)
            @staticmethod
            def sides_of(n):
                return n * Square.sides

        class Rect(Shape):
            sides = 4
            def __init__(self, w, h):
                super(Rect, self).__init__("rect")
                self.w, self.h = w, h
            def area(self):
                return self.w * self.h

        s = Square(3)
        s.side = 2
        print(s.describe(), s.area(), Square.unit().area(), Square.sides_of(3), s.side)
        print(s == Rect(1, 4), s == Rect(2, 3), isinstance(s, Shape), issubclass(Square, Shape))
        print(type(s).__name__, type(s) is Square, hasattr(s, "w"), hasattr(s, "side"))
        print(len({s, Square(5)}), [type(x).__name__ for x in (s, Rect(1, 1))])
    """,
    "containers_and_protocols": """
        class Bag:
            def __init__(self, *items, **named):
                self.items = list(items)
                self.named = named
            def __len__(self):
                return len(self.items)
            def __getitem__(self, i):
                return self.items[i]
            def __setitem__(self, i, v):
                self.items[i] = v
            def __contains__(self, v):
                return v in self.items
            def __iter__(self):
                return iter(self.items)
            def __call__(self, k, default=None):
                return self.named.get(k, default)
            def __bool__(self):
                return bool(self.items)
            def __lt__(self, other):
                return len(self) < len(other)
            def __str__(self):
                return "Bag" + str(self.items)

        class Countdown:
            def __init__(self, n):
                self.n = n
            def __iter__(self):
                return self
            def __next__(self):
                if self.n <= 0:
                    raise StopIteration
                self.n -= 1
                return self.n

        b = Bag(3, 1, 2, colour="red")
        b[0] = 5
        print(b, len(b), b[1:], 2 in b, 7 in b, list(b), b("colour"), b("size", 0))
        print(bool(Bag()), sorted([Bag(1, 2), Bag(), Bag(1)], key=len)[0], Bag() < b)
        print(list(Countdown(3)), [x * 2 for x in Countdown(2)], sum(Countdown(4)))
    """,
    "decorators_and_signatures": """
        import functools

        calls = []
        def logged(prefix):
            def decorate(f):
                @functools.wraps(f)
                def wrapper(*args, **kwargs):
                    calls.append((prefix, args, sorted(kwargs.items())))
                    return f(*args, **kwargs)
                return wrapper
            return decorate

        @logged("a")
        @logged("b")
        def combine(x, y=2, *rest, scale=1, **extra):
            return (x + y + sum(rest)) * scale + len(extra)

        print(combine(1), combine(1, 2, 3, 4, scale=2, z=0), combine(*[5, 5], **{"scale": 3}))
        print(calls)
        double = functools.partial(combine, scale=2)
        print(double(1, 1), functools.reduce(lambda a, b: a * b, [1, 2, 3, 4]))
    """,
    "exceptions": """
        class BadInput(ValueError):
            pass

        def parse(text):
            if not text:
                raise BadInput("empty")
            return int(text)

        results = []
        for text in ["4", "", "x", "7"]:
            try:
                results.append(parse(text))
            except BadInput as error:
                results.append(f"bad: {error}")
            except ValueError as error:
                results.append(type(error).__name__)
            else:
                results.append("ok")
            finally:
                results.append(".")
        print(results)

        def first(items):
            try:
                return items[0]
            except IndexError:
                return None
            finally:
                print("looked")
        print(first([]), first([1]))
        try:
            try:
                {}["k"]
            except KeyError:
                raise
        except LookupError as error:
            print("outer", type(error).__name__, error.args)
        try:
            raise RuntimeError("boom") from None
        except Exception as error:
            print(error)
    """,
    "scopes": """
        total = 0
        def add(n):
            global total
            total += n
        def counter():
            count = 0
            def bump():
                nonlocal count
                count += 1
                return count
            return bump
        add(2); add(3)
        c = counter()
        c(); c()
        _hidden, __name_like = 1, 2
        print(total, c(), _hidden + __name_like, __name__)
        class Box:
            def __init__(self):
                self.a, self.b, self.items = 1, 2, {"k": 1, "j": 2}
            def __delitem__(self, key):
                del self.items[key]
        box = Box()
        del box.a
        del box["k"]
        values = [1, 2, 3, 4]
        del values[0], values[-1]
        print(hasattr(box, "a"), box.items, values)
        print("{} and {}".format(1, "a"), "{0:.3f}|{1!r}|{x:>5}".format(3.14159, "s", x=7),
              "{:,}".format(1234567), "{name}={value:.2e}".format(name="lr", value=0.001))
        print('Accuracy=%.2f' % 0.5, '%s-%d|%5.1f%%' % ('a', 3, 2.25), '%(n)s=%(v)03d' % {'n': 'x', 'v': 7})
        if __name__ == "__main__":
            print("run as a script")
    """,
}
# (not indented: a __future__ import must come first, as Python's compiler requires)
SAME_AS_PYTHON["sets_and_stdlib"] = """
from __future__ import annotations
import random, itertools, collections
from typing import List, Optional
random.seed(3)
print(random.random(), random.randint(1, 6), random.choice("abc"), random.sample(range(9), 3))
items = [1, 2, 3]
random.shuffle(items)
print(items, round(random.gauss(0, 1), 6))
print({1, 2} | {3}, {x % 3 for x in range(9)}, sorted(set("banana")), frozenset([1]) <= {1, 2})
print(list(itertools.product("ab", repeat=2)), list(itertools.chain([1], (2,))))
print(list(itertools.islice(itertools.count(5), 3)), list(itertools.combinations(range(4), 2)))
counts = collections.Counter("mississippi")
groups = collections.defaultdict(list)
for word in ["apple", "avocado", "banana"]:
    groups[word[0]].append(word)
print(counts.most_common(2), dict(groups), collections.OrderedDict(a=1))
def typed(x: List[int], y: Optional[int] = None) -> int:
    return sum(x)
print(typed([1, 2]))
"""


def _python_output(source: str) -> str:
    return run_python(source, gradcli)  # the reference: real Python


def _gradcli_output(source: str) -> str:
    return run_gradcli(source)


@pytest.mark.parametrize("name", sorted(SAME_AS_PYTHON))
def test_program_prints_what_python_prints(name):
    source = textwrap.dedent(SAME_AS_PYTHON[name])
    assert _gradcli_output(source) == _python_output(source)


def test_threads_run_to_completion_one_after_another():
    source = textwrap.dedent("""
        import threading
        seen = []
        def work(n):
            for i in range(3):
                seen.append((n, i))
        threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(seen == [(n, i) for n in range(3) for i in range(3)], threads[0].is_alive())
    """)
    assert _gradcli_output(source) == "True False\n"


TORCH_PROGRAMS = {
    "grad_mode_decorators": ("""
        import torch
        @torch.no_grad()
        def frozen(x):
            return x * 2
        @torch.no_grad
        def frozen_bare(x):
            return x * 3
        @torch.enable_grad()
        def recorded(x):
            return x * 4
        x = torch.ones(2, requires_grad=True)
        print(frozen(x), frozen_bare(x).requires_grad)
        with torch.no_grad():
            print(recorded(x).grad_fn is not None, (x * 1).requires_grad)
        print(torch.is_grad_enabled())
    """, "tensor([2., 2.]) False\nTrue False\nTrue\n"),
    "class_holding_tensors": ("""
        import torch
        class Affine:
            def __init__(self, w, b):
                self.w = torch.tensor(w, requires_grad=True)
                self.b = torch.tensor(b, requires_grad=True)
            def __call__(self, x):
                return self.w * x + self.b
            def parameters(self):
                return [self.w, self.b]
        model = Affine(2.0, 1.0)
        loss = (model(torch.tensor([1.0, 2.0])) ** 2).sum()
        loss.backward()
        print(loss, [p.grad for p in model.parameters()])
    """, "tensor(34., grad_fn=<SumBackward0>) [tensor(26.), tensor(16.)]\n"),
    "custom_function_with_decorators": ("""
        import torch
        class Cube(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3
            @staticmethod
            def backward(ctx, grad):
                x, = ctx.saved_tensors
                _three = 3
                return grad * _three * x ** 2
        x = torch.tensor([2.0], requires_grad=True)
        Cube.apply(x).sum().backward()
        print(x.grad)
    """, "tensor([12.])\n"),
    "type_of_values": ("""
        import torch
        print(type(torch.ones(1)), type(1), type([]), type(torch.ones(1)).__name__)
    """, "<class 'torch.Tensor'> <class 'int'> <class 'list'> Tensor\n"),
}


@pytest.mark.parametrize("name", sorted(TORCH_PROGRAMS))
def test_torch_program_prints_known_output(name):
    source, expected = TORCH_PROGRAMS[name]
    assert _gradcli_output(textwrap.dedent(source)) == expected


@pytest.mark.parametrize("name", sorted(TORCH_PROGRAMS))
def test_torch_program_prints_what_torch_prints(name):
    torch = import_torch()
    source = textwrap.dedent(TORCH_PROGRAMS[name][0])
    assert run_python(source, torch) == _gradcli_output(source)


def test_a_program_cannot_catch_its_limits():
    with pytest.raises(GradcliError) as info:
        run_source("<t>", "try:\n    while True:\n        pass\nexcept BaseException:\n    pass\n",
                   output=io.StringIO())
    assert info.value.kind == "LimitError"


def test_a_program_error_keeps_its_location_through_methods():
    source = "class A:\n    def f(self):\n        return 1 / 0\nA().f()\n"
    with pytest.raises(GradcliError) as info:
        run_source("<t>", source, output=io.StringIO())
    assert (info.value.kind, info.value.line) == ("ZeroDivisionError", 3)


def test_os_imports_but_refuses_every_use():
    interp = run_source("<t>", "import os, sys\nimport os.path\n", output=io.StringIO())
    assert repr(interp.globals["os"]) == "<module 'os'>"
    with pytest.raises(GradcliError, match="os.getcwd is not available"):
        run_source("<t>", "import os\nos.getcwd()\n", output=io.StringIO())
