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
    # expanded tensors too: zero_ and fill_ write through them, the others refuse as PyTorch does
    name = draw(st.sampled_from(list(program.env)))
    op = draw(st.sampled_from(["add_(1)", "mul_(2)", "zero_()", "sub_(0.5)", "fill_(1.5)"]))
    if draw(st.booleans()):
        program.run(f"with torch.no_grad():\n    {name}.{op}")
    else:
        program.run(f"{name}.{op}")
    if not program.failed:
        program.run(f"print({name})")
    # views written through are used no more: those of a 0-d base keep their node in gradcli,
    # where PyTorch gives them an AsStridedBackward0
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
        # with create_graph the gradients print their grad_fn: the nodes recorded while
        # differentiating are named (and linked) as PyTorch's
        program.run("print(gs)")
        if ending == "second" and not program.failed:
            program.run("print([None if g is None or g.grad_fn is None else "
                        "g.grad_fn.next_functions for g in gs])")
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


# ----- Regressions: each a difference the widened generator or a hand-written program found -----

FIXES = {
    'max_min_clamp_relu_signed_zero_ties': 'a = torch.tensor([0.0, -0.0, 1.0, -0.0])\nb = torch.tensor([-0.0, 0.0, 1.0, 0.0])\nprint(torch.maximum(a, b), torch.minimum(a, b), torch.maximum(b, a), torch.minimum(b, a))\nc = torch.zeros(20)\nd = -torch.zeros(20)\nprint(torch.maximum(c, d), torch.minimum(d, c))\nprint(a.relu(), a.clamp(min=0), a.clamp(max=0), torch.clamp(a, -0.0, 0.0), a.clamp_min(0.0))',
    'minimum_of_broadcast_zeros': 'x = torch.tensor([0.0, -2.0, -0.3], requires_grad=True)\nv = torch.outer(x, x)\nprint(torch.minimum(x.long() * 2.5, v))',
    'loss_broadcasts_before_promoting': "x0 = torch.tensor([[2.0, 0.1], [1.25, 1.25]], requires_grad=True)\nx1 = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)\nl = torch.nn.functional.mse_loss(x0, x1)\nprint(l, l.grad_fn.next_functions)\nm = torch.nn.functional.l1_loss(x1, x0, reduction='sum')\nprint(m)\n(l + m).backward()\nprint(x0.grad, x1.grad)",
    'softmax_backward_signed_zero': 'x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)\ng = -torch.zeros(2, 3)\nx.softmax(1).backward(g)\nprint(x.grad)\nx.grad = None\nx.log_softmax(-1).backward(g)\nprint(x.grad)\nx.grad = None\nx.softmax(0).backward(g)\nprint(x.grad)',
    'tanh_backward_fused': 'x = torch.tensor([0.3, -1.7, 0.9, 2.2, -0.45], requires_grad=True)\n(x.tanh() * torch.tensor([1.1, -0.7, 0.3, 2.9, -1.3])).sum().backward()\nprint(x.grad.tolist())',
    'add_sub_alpha_one_fused_op': 'a = torch.tensor([0.3, -1.7, 0.9], requires_grad=True)\nb = torch.tensor([1.1, 0.7, -2.3], requires_grad=True)\ny = a.add(b, alpha=3)\nz = torch.sub(a, b, alpha=0.3)\nprint(y.tolist(), z.tolist(), y.grad_fn.next_functions, z.grad_fn.next_functions)\n(y * z).sum().backward()\nprint(a.grad, b.grad)',
    'expanded_zero_fill_setitem': 'x = torch.ones(3)\ne = x.expand(2, 3)\ne.zero_()\nprint(e, x)\ne.fill_(2.5)\ne[0] = 1.5\nprint(x)\ne[0, 1] = 7\ne[[1]] = 4\nprint(x)\ne.add_(1)',
    'expanded_fill_with_tensor_refused': 'x = torch.ones(3)\ne = x.expand(2, 3)\ne.fill_(torch.tensor(2.0))',
    'expanded_setitem_view_refused': 'x = torch.ones(3)\ne = x.expand(2, 3)\ne[:, 0] = 5',
    'expanded_zero_under_no_grad': 'x = torch.ones(3, requires_grad=True)\ne = x.expand(2, 3)\nwith torch.no_grad():\n    e.zero_()\nprint(e, x)',
    'expanded_write_then_backward_refused': 'x = torch.ones(3, requires_grad=True)\ny = x * 2\ne = y.expand(2, 3)\ne.fill_(1.0)\nprint(e, y, e.grad_fn.next_functions)\ny.sum().backward()',
    'other_views_follow_the_base': 'x = torch.ones(3, requires_grad=True)\ny = x * 2\ne = y.expand(2, 3)\ne[0, 1] = 4\nprint(e, y)\ne.sum().backward()\nprint(x.grad)',
    'detach_then_zero': 'x = torch.ones(3, requires_grad=True)\nd = x.detach()\nd.zero_()\nprint(x)',
    'setitem_view_of_leaf': 'x = torch.ones(2, 3, requires_grad=True)\nx[0, :] = 0',
    'setitem_advanced_on_leaf': 'x = torch.ones(3, requires_grad=True)\nx[[0]] = 0',
    'inplace_on_view_made_leaf': 'x = torch.ones(3)\nv = x[0]\nv.requires_grad_()\nv.add_(1)',
    'views_made_under_no_grad': 'x = torch.ones(3, requires_grad=True)\nwith torch.no_grad():\n    v = x[0]\n    print(v, x.t(), x.view(3, 1), x.detach())\ny = v * 2\nprint(y, y.grad_fn.next_functions, v.is_leaf, v.requires_grad)\ny.backward()\nprint(x.grad, v.grad)\nv.add_(1)',
    'setitem_whole_tensor_fill_and_copy': 'x = torch.ones(2, 3, requires_grad=True)\ny = x * 2\ny[:] = 0\nprint(y)\ny[0] = 7\nprint(y, y.grad_fn.next_functions)\nw = torch.ones(3, requires_grad=True)\ny[...] = w\nprint(y, y.grad_fn.next_functions, y.grad_fn.next_functions[1][0].next_functions)\ny.sum().backward()\nprint(x.grad, w.grad)',
    'fill_with_tensor': 'x = torch.ones(3, requires_grad=True)\ny = x * 1\nw = torch.tensor(2., requires_grad=True)\ny.fill_(w)\nprint(y, y.grad_fn.next_functions)\ny.sum().backward()\nprint(w.grad)\ny.fill_(torch.ones(2))',
    'write_through_view_of_view': 'x = torch.ones(2, 3, requires_grad=True)\ny = x * 2\nv = y[0]\nv[1] = 5\nprint(v, y, y.grad_fn.next_functions)\ny.sum().backward()\nprint(x.grad)',
    'copy_slices_next_functions_and_release': 'x = torch.ones(2, 3, requires_grad=True)\ny = x * 1\ny[0].zero_()\nprint(y.grad_fn.next_functions)\ny[1].mul_(3)\nprint(y.grad_fn.next_functions)\ny.sum().backward(retain_graph=True)\ny.sum().backward()',
    'mm_inner_size_one_keeps_negative_zero': 'x0 = torch.tensor([[0.0, 0.0, -0.3], [2.0, 0.5, 0.25]], dtype=torch.float64, requires_grad=True)\nv0 = x0.unsqueeze(-1)\nv2 = v0 @ v0[0].t()\nprint(v2)\nprint(torch.bmm(v0, v0.transpose(1, 2)))\nprint(x0[:, :1] @ x0[:1])',
    'max_dim_of_empty_refused': 'x0 = torch.tensor([[-2.0, -2.0, -2.0]], requires_grad=True)\nv0 = x0[x0 > 0]\nv2 = torch.outer(v0, v0) @ torch.outer(v0, v0)\nv3 = v2.max(dim=-2)',
    'min_dim_of_empty_refused': 'x = torch.zeros(0, 3)\nx.min(dim=0)',
    'setitem_list_refused': 'x = torch.ones(2, 3)\nx[0] = [1, 2, 3]',
}


@pytest.mark.parametrize("name", sorted(FIXES))
def test_fixed_differences(name):
    source = "import torch\n" + FIXES[name] + "\n"
    assert run_gradcli(source) == run_torch(source)


# ----- create_graph: the nodes recorded while differentiating, as PyTorch names and links them ----

CREATE_GRAPH = {
    "mul": "x * y", "div": "x / y", "pow": "x ** 3", "pow_tensor": "(x.abs() + 1) ** y",
    "rpow": "2 ** x", "sin": "x.sin()", "exp": "x.exp()", "sum": "(x * y).sum()",
    "mean": "(x * x).mean()", "mean_dim": "W.mean(0) ** 2", "matmul_1d": "x @ W",
    "mm_transposed": "W.t() @ W", "mv": "W.t().mv(x) ** 2", "bmm": "torch.bmm(W.unsqueeze(0), W.t().unsqueeze(0))",
    "expand": "x.expand(2, 3) ** 2", "broadcast": "(W + torch.ones(2, 3, 2)) ** 2",
    "tanh": "x.tanh()", "sigmoid": "x.sigmoid()", "sqrt": "(x.abs() + 0.5).sqrt()",
    "tan": "x.tan()", "prod": "x.prod()", "norm": "x.norm()", "max": "x.max() * x.sum()",
    "max_dim": "W.max(dim=1)[0] ** 2", "mse_loss": "torch.nn.functional.mse_loss(x, y)",
    "softmax": "W.softmax(0) ** 2", "log_softmax": "W.log_softmax(1) ** 2", "index": "x[[0, 0, 2]] ** 2",
    "mask": "x[x > 1] ** 2", "cat": "torch.cat([x, y]) ** 2", "squeeze": "W.unsqueeze(1).squeeze() ** 2",
    "unsqueeze": "x.unsqueeze(1) ** 2", "view": "W.view(-1) ** 2", "outer": "torch.outer(x, y) ** 2",
    "scalar_operands": "(x * 0.5 + 2) / 3 ** 2", "add_alpha": "x.add(y, alpha=2) ** 2",
}


@pytest.mark.parametrize("name", sorted(CREATE_GRAPH))
def test_create_graph_records_pytorchs_nodes(name):
    source = (
        "import torch\n"
        "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
        "y = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)\n"
        "W = torch.tensor([[1.0, 2.0], [3.0, -4.0], [0.5, 6.0]], requires_grad=True)\n"
        f"out = ({CREATE_GRAPH[name]}).sum()\n"
        "gs = torch.autograd.grad(out, [x, y, W], create_graph=True, allow_unused=True)\n"
        "print(gs)\n"
        "for g in gs:\n"
        "    node = None if g is None else g.grad_fn\n"
        "    while node is not None:\n"
        "        print(node, node.next_functions)\n"
        "        node = node.next_functions[-1][0]\n"
        "total = sum([(g * g).sum() for g in gs if g is not None and g.grad_fn is not None])\n"
        "if torch.is_tensor(total):\n"
        "    print(torch.autograd.grad(total, [x, y, W], allow_unused=True))\n")
    assert run_gradcli(source) == run_torch(source)
