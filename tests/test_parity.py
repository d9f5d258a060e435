"""Differential testing against PyTorch: hypothesis writes small random programs from the
supported ops; each runs through gradcli's interpreter and, as plain Python, through real
torch.  The printed text (values, dtypes, grad_fn names, gradients, error messages) must be
the same.  Skipped when torch is not importable (install the `parity` extra).

Programs are grown one statement at a time; each candidate statement is first run on
gradcli's Python API to learn the shapes and dtypes of what it made, so later statements
mostly fit.  A statement that raises ends the program (the error must match too).
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradcli
from gradcli.errors import GradcliError
from gradcli.language import run_source
from gradcli.tensor import modified_view

torch = pytest.importorskip("torch")

ADDRESS = re.compile(r"object at 0x[0-9a-fA-F]+")
VALUES = st.sampled_from([-2.0, -1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.25, 2.0,
                          3.0, 0.1, -0.3, 0.7, 1.1])
SHAPES = st.sampled_from([(3,), (2, 3), (3, 2), (2, 2), (1, 3), (2, 1, 3), (2, 3, 2), ()])
FLOAT_DTYPES = ("torch.float32", "torch.float64")


# ----- Running a program both ways -----

def run_gradcli(source: str) -> str:
    buffer = io.StringIO()
    try:
        run_source("<parity>", source, output=buffer)
    except GradcliError as error:
        buffer.write(f"!! {error.kind}: {error.message}\n")
    return ADDRESS.sub("object at 0x?", buffer.getvalue())


def run_torch(source: str) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with contextlib.redirect_stdout(buffer):
                exec(compile(source, "<parity>", "exec"), {"torch": torch, "__name__": "__main__"})
        except Exception as error:  # noqa: BLE001 - any PyTorch error is part of the output
            buffer.write(f"!! {type(error).__name__}: {_first_line(error)}\n")
    return ADDRESS.sub("object at 0x?", buffer.getvalue())


def _first_line(error) -> str:
    return str(error).split("\n")[0]


# ----- Statement templates: each returns an expression, or None when it does not fit -----

def _floats(env):
    return [n for n, t in env.items() if t.dtype.is_floating_point]


def _literal(draw, shape) -> str:
    if not shape:
        return repr(draw(VALUES))
    return "[" + ", ".join(_literal(draw, shape[1:]) for _ in range(shape[0])) + "]"


def _dim(draw, t):
    return draw(st.integers(-t.ndim, t.ndim - 1)) if t.ndim else None


def unary(draw, env, a):
    return draw(st.sampled_from([
        f"{a}.exp()", f"torch.sin({a})", f"{a}.cos()", f"{a}.tanh()", f"torch.sigmoid({a})",
        f"{a}.relu()", f"{a}.abs()", f"-{a}", f"{a}.square()", f"torch.log({a}.abs() + 1)",
        f"({a}.abs() + 0.5).sqrt()", f"{a}.tan()", f"({a} + 4).reciprocal()", f"{a}.sign()",
        f"{a}.clamp(min=-0.5)", f"{a}.clamp(max=0.5)", f"torch.clamp({a}, -1, 1)",
        f"{a}.clamp_min(0.2)", f"{a}.clone()", f"{a} ** 2", f"{a} ** 3", f"2 ** {a}",
        f"({a}.abs() + 1) ** 0.5", f"{a}.pow(-1)", f"torch.square({a})", f"torch.neg({a})"]))


def binary(draw, env, a):
    b = draw(st.sampled_from(list(env)))
    scalar = draw(st.sampled_from(["2", "0.5", "-1.5", "True", "3"]))
    return draw(st.sampled_from([
        f"{a} + {b}", f"{a} - {b}", f"{a} * {b}", f"{a} / ({b}.abs() + 1)", f"{b} - {a}",
        f"{a} + {scalar}", f"{scalar} - {a}", f"{scalar} * {a}", f"{scalar} / ({a}.abs() + 1)",
        f"{a} / {scalar}", f"torch.maximum({a}, {b})", f"torch.minimum({a}, {b})",
        f"torch.where({a} > 0, {a}, {b})", f"torch.where({b} > 0, {a}, 0.0)",
        f"({a}.abs() + 1) ** {b}", f"{a}.add({b}, alpha=2)", f"torch.mul({a}, {b})",
        f"{a}.sub({b})", f"torch.div({a}, 2)", f"torch.nn.functional.mse_loss({a}, {b})",
        f"torch.nn.functional.l1_loss({a}, {b}, reduction='sum')", f"{a}.pow({b})"]))


def reduction(draw, env, a):
    t = env[a]
    d = _dim(draw, t)
    keep = draw(st.booleans())
    forms = [f"{a}.sum()", f"{a}.mean()", f"{a}.prod()", f"{a}.max()", f"{a}.min()",
             f"{a}.norm()", f"torch.sum({a})"]
    if d is not None:
        forms += [f"{a}.sum(dim={d}, keepdim={keep})", f"{a}.mean({d})", f"{a}.prod({d})",
                  f"{a}.max(dim={d})", f"{a}.max({d}, keepdim={keep})[0]",
                  f"{a}.min(dim={d}).values", f"{a}.min({d})", f"{a}.norm(dim={d})",
                  f"torch.softmax({a}, {d})", f"{a}.log_softmax(dim={d})",
                  f"torch.log_softmax({a}, {d})", f"{a}.softmax({d})", f"{a}.argmax({d})"]
    if t.ndim >= 2:
        forms += [f"{a}.sum(dim=(0, -1))", f"{a}.mean(dim=[0, 1], keepdim={keep})"]
    return draw(st.sampled_from(forms))


def matmul(draw, env, a):
    t = env[a]
    if t.ndim == 1:
        n = t.shape[0]
        return draw(st.sampled_from([f"{a} @ {a}", f"torch.dot({a}, {a})",
                                     f"{a} @ torch.ones({n}, 2, dtype={a}.dtype)",
                                     f"torch.ones(2, {n}, dtype={a}.dtype) @ {a}",
                                     f"torch.outer({a}, {a})"]))
    if t.ndim == 2:
        n, m = t.shape
        return draw(st.sampled_from([
            f"{a} @ {a}.t()", f"{a}.T @ {a}", f"torch.mm({a}, {a}.t())", f"{a}.mv({a}[0])",
            f"{a} @ {a}[0]", f"{a}[:, 0] @ {a}", f"{a}.matmul({a}.T)",
            f"torch.ones(2, {n}, {m}, dtype={a}.dtype) @ {a}.t()",
            f"{a} @ torch.ones(2, {m}, {n}, dtype={a}.dtype)",
            f"{a} @ torch.ones({m}, 4, dtype={a}.dtype)", f"{a} @ torch.ones(4, 5)"]))
    if t.ndim == 3:
        return draw(st.sampled_from([
            f"{a} @ {a}.transpose(1, 2)", f"{a}.transpose(-1, -2) @ {a}", f"{a} @ {a}[0, 0]",
            f"{a} @ {a}[0].t()", f"{a}[0] @ {a}.transpose(1, 2)", f"torch.bmm({a}, {a}.mT)"
            if False else f"torch.bmm({a}, {a}.transpose(1, 2))", f"{a}[:1] @ {a}.transpose(1, 2)",
            f"{a}[0, 0] @ {a}.transpose(1, 2)"]))
    return None


def shape_op(draw, env, a):
    t = env[a]
    d = _dim(draw, t)
    forms = [f"{a}.reshape(-1)", f"{a}.view(-1)", f"{a}.flatten()", f"{a}.unsqueeze(0)",
             f"{a}.unsqueeze(-1)", f"{a}.squeeze()", f"torch.cat([{a}, {a}])" if t.ndim else
             f"{a}.unsqueeze(0)", f"torch.stack([{a}, {a}], 0)", f"{a}.expand(2, *{a}.shape)",
             f"{a}.contiguous()"]
    if d is not None:
        forms += [f"{a}.squeeze({d})", f"torch.cat([{a}, {a} * 2], dim={d})",
                  f"torch.stack([{a}, -{a}], dim={d})", f"{a}.transpose(0, {d})"]
    if t.ndim == 2:
        forms += [f"{a}.t()", f"{a}.T", f"{a}.t().reshape(-1)", f"{a}.t().view(-1)",
                  f"{a}.permute(1, 0)", f"{a}.t().contiguous()", f"{a}.t().flatten()",
                  f"{a}.view({t.shape[1]}, {t.shape[0]})", f"{a}.t().reshape({t.shape[0]}, -1)"]
    if t.ndim == 3:
        forms += [f"{a}.permute(2, 0, 1)", f"{a}.permute(1, 0, 2).reshape(-1, {t.shape[2]})",
                  f"{a}.transpose(0, 2).view(-1)", f"{a}.flatten(1)", f"{a}.T"]
    return draw(st.sampled_from(forms))


def indexing(draw, env, a):
    t = env[a]
    if t.ndim == 0:
        return f"{a}[None]"
    forms = [f"{a}[0]", f"{a}[-1]", f"{a}[0:2]", f"{a}[{a} > 0]", f"{a}[[0, 0]]", f"{a}[...]",
             f"{a}[1:]", f"{a}[::2]", f"{a}[None]"]
    if t.ndim >= 2:
        forms += [f"{a}[:, 1]", f"{a}[0, 1:]", f"{a}[-1, -1]", f"{a}[0:2, 1:3]",
                  f"{a}[:, [1, 0]]", f"{a}[..., 0]", f"{a}[[0, 1], [1, 0]]"]
    return draw(st.sampled_from(forms))


def conversion(draw, env, a):
    return draw(st.sampled_from([
        f"{a}.double()", f"{a}.float()", f"({a} > 0).float()", f"{a}.long()", f"{a}.int()",
        f"{a}.bool()", f"{a}.to(torch.float64)", f"{a}.long() * 2.5", f"{a}.long() + {a}",
        f"({a} > 0) + ({a} < 1)", f"{a}.int() * 3", f"{a}.long() / 2", f"({a} > 0) * {a}",
        f"{a}.to(torch.int32) + torch.tensor(1)", f"{a}.double() + torch.tensor(1.5)",
        f"{a}.float() + torch.ones(1, dtype=torch.float64)", f"{a}.long().sum()",
        f"torch.tensor(2) * {a}"]))


TEMPLATES = [unary, binary, reduction, matmul, shape_op, indexing, conversion]


# ----- Growing a program -----

class Program:
    def __init__(self):
        self.lines = ["import torch"]
        self.env = {}
        self.namespace = {"torch": gradcli}
        self.failed = False

    def run(self, line: str) -> bool:
        """Run ``line`` on gradcli's API; False (and the program ends) if it raised."""
        self.lines.append(line)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(line, self.namespace)
        except Exception:  # noqa: BLE001 - an error ends the program; torch must agree
            self.failed = True
            return False
        return True

    def bind(self, name: str, expr: str) -> None:
        if self.run(f"{name} = {expr}") and isinstance(self.namespace[name], gradcli.Tensor):
            self.env[name] = self.namespace[name]

    @property
    def source(self) -> str:
        return "\n".join(self.lines) + "\n"


@st.composite
def programs(draw):
    program = Program()
    for index in range(draw(st.integers(1, 2))):
        shape = draw(SHAPES)
        dtype = draw(st.sampled_from(FLOAT_DTYPES))
        program.bind(f"x{index}", f"torch.tensor({_literal(draw, shape)}, dtype={dtype}, "
                                  f"requires_grad=True)")
    leaves = list(program.env)
    for step in range(draw(st.integers(1, 5))):
        if program.failed:
            break
        if draw(st.integers(0, 9)) == 0:
            _in_place(draw, program)
            continue
        name = draw(st.sampled_from(_floats(program.env) or list(program.env)))
        expr = draw(st.sampled_from(TEMPLATES))(draw, program.env, name)
        if expr is None:
            continue
        program.bind(f"v{step}", expr)
        if not program.failed and f"v{step}" in program.env:
            program.run(draw(st.sampled_from([f"print(v{step})", f"print(v{step}.grad_fn)",
                                              f"print(v{step}.dtype, v{step}.shape)"])))
    if not program.failed:
        _finish(draw, program, leaves)
    return program.source


def _in_place(draw, program):
    # not on expanded tensors: PyTorch lets zero_/fill_ write them, gradcli refuses (known gap)
    targets = [n for n, t in program.env.items() if 0 not in t.array.strides or t.array.size < 2]
    if not targets:
        return
    name = draw(st.sampled_from(targets))
    op = draw(st.sampled_from(["add_(1)", "mul_(2)", "zero_()", "sub_(0.5)"]))
    if draw(st.booleans()):
        program.run(f"with torch.no_grad():\n    {name}.{op}")
    else:
        program.run(f"{name}.{op}")
    if not program.failed:
        program.run(f"print({name})")
    # A view written to shows AsStridedBackward0 as its grad_fn in PyTorch; gradcli shows that
    # name when printing the tensor but its .grad_fn keeps the view's node: use such views no more
    for other in [n for n, t in program.env.items() if modified_view(t)]:
        del program.env[other]


def _finish(draw, program, leaves):
    grads = [n for n in _floats(program.env) if program.env[n].requires_grad
             and program.env[n].grad_fn is not None]
    if not grads:
        return
    out = draw(st.sampled_from(grads))
    reduce = draw(st.sampled_from(["sum()", "mean()", "pow(2).sum()"]))
    program.run(f"out = {out}.{reduce}")
    ending = draw(st.sampled_from(["backward", "retain", "grad", "second", "hook"]))
    if ending == "backward":
        program.run("out.backward()")
    elif ending == "retain":
        program.run("out.backward(retain_graph=True)")
        program.run("out.backward()")
    elif ending == "hook":
        program.run(f"h = {leaves[0]}.register_hook(lambda g: g * 2)")
        program.run("out.backward()")
    else:
        listed = ", ".join(leaves)
        program.run(f"gs = torch.autograd.grad(out, [{listed}], create_graph="
                    f"{ending == 'second'}, allow_unused=True)")
        # The nodes recorded while differentiating are not all named as PyTorch names them
        # yet (ThresholdBackwardBackward0 is; SoftmaxBackwardDataBackward0 is not), so with
        # create_graph the values are compared, and whether they require grad.
        program.run("print([g if g is None or g.grad_fn is None else (g.detach(), g.requires_grad)"
                    " for g in gs])" if ending == "second" else "print(gs)")
        if ending == "second" and not program.failed:
            program.run(f"torch.autograd.grad(gs[0].sum(), {leaves[0]}, allow_unused=True)")
    for leaf in leaves:
        if not program.failed:
            program.run(f"print({leaf}.grad)")


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_gradcli_prints_what_pytorch_prints(source):
    assert run_gradcli(source) == run_torch(source), source


# ----- A few fixed programs, so the interesting cases do not depend on the draw -----

FIXED = [
    "x = torch.tensor([1., 2., 3.], requires_grad=True)\nW = torch.ones(3, 2, requires_grad=True)\n"
    "y = x @ W\nprint(y, y.grad_fn.next_functions)",
    "a = torch.ones(2, 3, requires_grad=True)\nc = torch.ones(4, 2, 3, requires_grad=True)\n"
    "print((a @ c.transpose(1, 2)).grad_fn.next_functions[0][0].next_functions)",
    "a = torch.ones(2, 3)\nb = torch.ones(4, 5)\na @ b",
    "a = torch.ones(2, 3).t()\na.view(6)",
    "x = torch.ones(3, requires_grad=True)\ny = x.exp()\ny.add_(1)\ny.sum().backward()",
    "x = torch.ones(3, requires_grad=True)\ny = x * 2\nz = y * y\ny.add_(1)\nz.sum().backward()",
    "x = torch.ones(3, requires_grad=True)\ny = x * 2\nz = y.exp()\ny.add_(1)\nz.sum().backward()\n"
    "print(x.grad)",
    "inp = torch.tensor([-1., 2., -3.], requires_grad=True)\ng = inp * 2\ng[inp < 0] = 0\n"
    "print(g, g.grad_fn.next_functions)\ng[0] = 5\nprint(g)\ng.sum().backward()\nprint(inp.grad)",
    "x = torch.tensor([[1., 5.], [3., 2.]], requires_grad=True)\nprint(x.max(dim=1))\n"
    "print(torch.min(x, 0, keepdim=True))",
    "x = torch.tensor([-1., 2.], requires_grad=True)\nprint(x.clamp(min=0), torch.clamp(x, max=0))",
    "x = torch.tensor([1, 2])\nx.requires_grad_()",
    "x = torch.tensor([1., 2.], requires_grad=True)\nh = x.register_hook(lambda g: g * 2)\n"
    "y = (x * x).sum()\ny.backward(retain_graph=True)\nh.remove()\ny.backward()\nprint(x.grad)",
]


@pytest.mark.parametrize("body", FIXED)
def test_fixed_programs(body):
    source = "import torch\n" + body + "\n"
    assert run_gradcli(source) == run_torch(source)
