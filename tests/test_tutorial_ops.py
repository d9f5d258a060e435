"""The torch surface tutorials reach for beyond arithmetic: more elementwise functions,
comparisons, cumulative sums, std/var, sort/topk, gather/scatter, masked_fill, triangles,
flips, repeats, splits, einsum, torch.normal, in-place functions and the legacy constructors;
new_ones and its kin, x.type(), index_add/index_select/masked_select/nonzero, unique, cross,
bitwise operators and out=.

Hypothesis draws small programs (a tensor of values with many ties, one op with its dims and
parameters, its gradient through a weighted sum) and compares what gradcli prints with what
PyTorch prints: values (``tolist()``, every bit, where PyTorch's kernel is reproduced), dtypes,
grad_fn names, indices, gradients and errors.  The fixed programs below pin the behaviours
that matter without torch.
"""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import fixed_examples, import_torch, printed_by_gradcli, printed_by_torch
import gradcli

VALUES = st.sampled_from([-2.0, -1.5, -1.0, -0.5, -0.0, 0.0, 0.25, 0.5, 1.0, 1.0, 2.0, 3.0, 0.1,
                          -0.3, 0.7, 1.1, 2.5, -2.5])
SHAPES = st.sampled_from([(3,), (2, 3), (3, 3), (2, 3, 2), (5,), (1, 4), (4, 1), (17,), (2, 20)])


def _literal(draw, shape, values=VALUES) -> str:
    if not shape:
        return repr(draw(values))
    return "[" + ", ".join(_literal(draw, shape[1:], values) for _ in range(shape[0])) + "]"


def _index(draw, shape, dim, size) -> str:
    """An int64 index tensor literal of ``shape`` whose entries address ``size`` positions."""
    return f"torch.tensor({_literal(draw, shape, st.integers(0, size - 1))})"


# ----- Templates: (expression, whether its values are PyTorch's to the bit) -----

def _approximate(draw, x, shape):
    """Forwards PyTorch runs on MKL or SLEEF: compared as printed (4 digits), not by bits."""
    d = draw(st.integers(-len(shape), len(shape) - 1))
    return draw(st.sampled_from([
        f"{x}.abs().log1p()", f"{x}.expm1()", f"({x}.abs() + 0.5).log2()",
        f"torch.log10({x}.abs() + 0.5)", f"{x}.exp2()", f"({x} / 4).asin()",
        f"torch.acos({x} / 4)", f"{x}.atan()", f"torch.sinh({x})", f"{x}.cosh()",
        f"({x}.abs() + 0.5).rsqrt()", f"torch.atan2({x}, {x}.flip(0) + 0.5)",
        f"torch.logsumexp({x}, {d})", f"{x}.logsumexp(dim={d}, keepdim=True)",
        f"torch.arctan({x})", f"torch.einsum('...i,...i->...', {x}, {x})",
        f"{x}.clone().exp_()", f"torch.sigmoid_({x} * 1)", f"({x} * 2).tanh_()",
        f"torch.einsum('i...,i...->...', {x}, {x}.flip(0))",
    ] + ([f"torch.einsum('ij,kj->ik', {x}, {x})", f"torch.einsum('ij,jk', {x}, {x}.t())",
          f"torch.einsum('ii', {x}[:2, :2])"] if len(shape) == 2 else [])))


def _exact(draw, x, shape):
    n = len(shape)
    d = draw(st.integers(-n, n - 1))
    size = shape[d]
    keep = draw(st.booleans())
    k = draw(st.integers(0, size))
    forms = [
        f"{x}.floor()", f"torch.ceil({x})", f"{x}.round()", f"{x}.round(decimals=1)",
        f"torch.trunc({x})", f"{x}.frac()", f"torch.fix({x})",
        f"torch.cumsum({x}, {d})", f"{x}.cumsum(dim={d})", f"{x}.cumprod({d})",
        f"{x}.var()", f"{x}.std()", f"torch.var({x}, {d})", f"{x}.std({d}, keepdim={keep})",
        f"{x}.var({d}, unbiased=False)", f"{x}.std(dim={d}, correction=0)", f"{x}.std(axis={d})",
        f"{x}.sum(axis={d}, keepdims={keep})", f"{x}.mean(axis={d})",
        f"{x}.sort({d})", f"torch.sort({x}, dim={d}, descending=True)", f"{x}.sort(stable=True)",
        f"{x}.argsort({d})", f"torch.argsort({x}, descending=True)",
        f"{x}.topk({k}, {d})", f"torch.topk({x}, {k}, dim={d}, largest=False)",
        f"{x}.topk({k}, {d}, sorted=False)",
        f"{x}.masked_fill({x} > 0, 2.5)", f"torch.masked_fill({x}, {x} < 0, torch.tensor(-1.0))",
        f"{x}.flip({d})", f"torch.flip({x}, [0])", f"{x}.repeat(2, *[1] * {n})",
        f"{x}.chunk(2, {d})", f"torch.split({x}, 2, dim={d})", f"{x}.split([1, {size - 1}], {d})",
        f"{x}.eq({x}.flip(0))", f"torch.ne({x}, 0.5)", f"{x} .lt(1)", f"torch.ge({x}, {x}.flip(0))",
        f"torch.greater({x}, 0)", f"torch.isclose({x}, {x} + 1e-6)",
        f"torch.allclose({x}, {x}.flip(0))", f"torch.equal({x}, {x}.clone())",
        f"torch.logical_and({x} > 0, {x} < 2)", f"{x}.logical_not()",
        f"torch.logical_or({x}, {x}.flip(0))", f"torch.logical_xor({x} > 0, {x} > 1)",
        f"torch.einsum('...->', {x})",
        f"{x}.clone().masked_fill_({x} > 0, 1.5)", f"torch.normal({x}, 0.5)",
        f"torch.normal(1.0, {x}.abs())", f"torch.normal({x}, {x}.abs() + 1)",
        f"{x}.clone().floor_()", f"torch.round_({x} * 1)", f"({x} * 3).frac_()",
        f"torch.std({x}, dim=[0, -1] if {n} > 1 else 0, keepdim={keep})",
        f"{x}.var(correction=2)",
    ]
    if n >= 2:
        forms += [f"{x}.tril()", f"torch.triu({x}, 1)", f"{x}.tril(-1)",
                  f"torch.diagonal({x}, 0, -2, -1)", f"{x}.repeat(1, 2, 1)",
                  f"torch.einsum('ij->ji', {x}[0:2, 0:2])" if n == 2 else f"{x}.tril()"]
    gather_shape = tuple(draw(st.integers(1, s)) for s in shape)
    picks = _index(draw, (draw(st.integers(0, 4)),), d, size)
    forms += [f"{x}.index_select({d}, {picks})", f"{x}.masked_select({x} > 0.5)",
              f"torch.index_add({x}, {d}, {picks}, {x}.index_select({d}, {picks}) * 3)",
              f"{x}.index_add({d}, {picks}, {x}.index_select({d}, {picks}), alpha=-2)",
              f"{x}.unique(return_inverse=True, return_counts=True)", f"torch.nonzero({x})",
              f"(({x} * 4).long() ^ 3) | ({x} > 0)", f"~({x} * 2).int() & 6"]
    forms += [f"{x}.gather({d}, {_index(draw, gather_shape, d, size)})",
              f"torch.scatter({x}, {d}, {_index(draw, gather_shape, d, size)}, "
              f"{x}.flip(0) * 10)",
              f"{x}.scatter({d}, {_index(draw, gather_shape, d, size)}, 7.5)",
              f"{x}.scatter_add({d}, {_index(draw, gather_shape, d, size)}, {x} * 3)"]
    return draw(st.sampled_from(forms))


RESULT = """\
y = {expr}
outs = y if isinstance(y, tuple) else (y,)
for o in outs:
    if torch.is_tensor(o):
        print(o, o.dtype, o.shape, o.grad_fn)
        {exact}
    else:
        print(o)
total = sum([(o * torch.arange(1, o.numel() + 1, dtype=o.dtype).reshape(o.shape)).sum()
             for o in outs if torch.is_tensor(o) and o.requires_grad])
if torch.is_tensor(total):
    total.backward()
    print(x.grad)
    {exact_grad}
"""


@st.composite
def programs(draw):
    """(source, exact): a program, and whether its numbers must be PyTorch's to the bit."""
    shape = draw(SHAPES)
    dtype = draw(st.sampled_from(["torch.float32", "torch.float64"]))
    exact = draw(st.booleans())
    expr = (_exact if exact else _approximate)(draw, "x", shape)
    source = (f"import torch\ntorch.manual_seed(0)\nx = torch.tensor({_literal(draw, shape)}, dtype={dtype}, "
              "requires_grad=True)\n" + RESULT.format(
                  expr=expr, exact="print(o.tolist())" if exact else "pass",
                  exact_grad="print(x.grad.tolist())" if exact else "pass"))
    return source, exact


NUMBER = re.compile(r"-?\d+\.\d*(?:e[-+]\d+)?")


def same_within_an_ulp(got: str, expected: str) -> bool:
    """The same text, numbers and the spaces that pad them aside; printed numbers within a
    float32 ulp or two (an MKL or SLEEF forward's last bit can move the fourth printed digit,
    and with it how the whole tensor is laid out)."""
    if [re.sub(r"\s+", "", part) for part in NUMBER.split(got)] != \
            [re.sub(r"\s+", "", part) for part in NUMBER.split(expected)]:
        return False
    numbers = [(float(a), float(b)) for a, b in zip(NUMBER.findall(got), NUMBER.findall(expected))]
    return all(abs(a - b) <= 2e-4 * max(1.0, abs(b)) for a, b in numbers)


@settings(fixed_examples(600), suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])
@given(programs())
def test_gradcli_prints_what_pytorch_prints(program):
    source, exact = program
    got, expected = printed_by_gradcli(source), printed_by_torch(import_torch(), source)
    if exact or not same_within_an_ulp(got, expected):
        assert got == expected, source


# ----- Fixed programs: what PyTorch 2.13 prints, written out (checked against torch below) -----

# a caught error's kind, the same in the interpreter, in plain Python and in PyTorch
KIND = ("def kind(e):\n    for k in (NotImplementedError, TypeError, ValueError, IndexError, "
        "RuntimeError):\n        if isinstance(e, k):\n            return k.__name__\n")

FIXED = {
    'numpy_names_for_lists_and_flags': (
        'x = torch.tensor([[1., 0.], [3., 4.]])\nprint(torch.cat([x, x], axis=1).shape, torch.stack([x, x], axis=1).shape, x.chunk(2, axis=1)[0], x.all(axis=0), x.any(axis=1, keepdims=True), torch.all(x > 0, dim=1, keepdim=True), x.prod(axis=0), x.argmax(axis=1))',
        'torch.Size([2, 4]) torch.Size([2, 2, 2]) tensor([[1.],\n        [3.]]) tensor([ True, False]) tensor([[True],\n        [True]]) tensor([[False],\n        [ True]]) tensor([3., 0.]) tensor([0, 1])\n'),
    'unary_grad_fns': (
        'x = torch.tensor([0.5, -0.25, 2.0], requires_grad=True)\nfor y in (x.log1p(), x.expm1(), x.abs().log2(), x.abs().log10(), x.exp2(), (x / 4).asin(), (x / 4).acos(), x.atan(), x.sinh(), x.cosh(), x.abs().rsqrt(), x.floor(), x.ceil(), x.round(), x.round(decimals=1), x.trunc(), x.frac(), torch.atan2(x, x + 1)):\n    print(y.grad_fn.name(), y.dtype)',
        'Log1PBackward0 torch.float32\nExpm1Backward0 torch.float32\nLog2Backward0 torch.float32\nLog10Backward0 torch.float32\nExp2Backward0 torch.float32\nAsinBackward0 torch.float32\nAcosBackward0 torch.float32\nAtanBackward0 torch.float32\nSinhBackward0 torch.float32\nCoshBackward0 torch.float32\nRsqrtBackward0 torch.float32\nFloorBackward0 torch.float32\nCeilBackward0 torch.float32\nRoundBackward0 torch.float32\nRoundBackward1 torch.float32\nTruncBackward0 torch.float32\nFracBackward0 torch.float32\nAtan2Backward0 torch.float32\n'),
    'rounding_half_to_even_and_ints': (
        'x = torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1.25, -2.75])\nprint(x.round(), x.round(decimals=1), torch.round(torch.tensor([1234.5678]), decimals=-2), x.floor(), x.ceil(), x.trunc(), x.frac(), torch.fix(x))\nprint(torch.floor(torch.tensor([1, -2])), torch.round(torch.tensor([3])))\ntorch.floor(torch.tensor([True]))',
        'tensor([ 0.,  2.,  2., -0., -2.,  1., -3.]) tensor([ 0.5000,  1.5000,  2.5000, -0.5000, -1.5000,  1.2000, -2.8000]) tensor([1200.]) tensor([ 0.,  1.,  2., -1., -2.,  1., -3.]) tensor([ 1.,  2.,  3., -0., -1.,  2., -2.]) tensor([ 0.,  1.,  2., -0., -1.,  1., -2.]) tensor([ 0.5000,  0.5000,  0.5000, -0.5000, -0.5000,  0.2500, -0.7500]) tensor([ 0.,  1.,  2., -0., -1.,  1., -2.])\ntensor([ 1, -2]) tensor([3])\n!! NotImplementedError: "floor_vml_cpu" not implemented for \'Bool\'\n'),
    'frac_of_integers_refused': (
        'torch.frac(torch.tensor([1, 2]))',
        '!! NotImplementedError: "frac_cpu" not implemented for \'Long\'\n'),
    'comparisons_as_functions': (
        "a = torch.tensor([1., 2., 3.])\nb = torch.tensor([3., 2., 1.])\nprint(torch.eq(a, b), a.ne(b), torch.lt(a, 2), a.le(b), torch.gt(a, b), a.ge(2.5), torch.greater(a, 1), torch.less_equal(a, b), torch.not_equal(a, 2))\nprint(torch.equal(a, a.clone()), torch.equal(a, b), torch.equal(a, torch.ones(2)), torch.isclose(a, a + 1e-6), torch.allclose(a, a + 1e-6), torch.allclose(a, b))\nprint(torch.isclose(torch.tensor([float('nan'), 1.]), torch.tensor([float('nan'), 1.]), equal_nan=True))\nprint(torch.logical_and(a > 1, a < 3), torch.logical_or(a > 2, a < 2), torch.logical_not(a > 1), torch.logical_xor(a > 1, b > 1), a.logical_and(b))",
        'tensor([False,  True, False]) tensor([ True, False,  True]) tensor([ True, False, False]) tensor([ True,  True, False]) tensor([False, False,  True]) tensor([False, False,  True]) tensor([False,  True,  True]) tensor([ True,  True, False]) tensor([ True, False,  True])\nTrue False False tensor([True, True, True]) True False\ntensor([True, True])\ntensor([False,  True, False]) tensor([ True, False,  True]) tensor([ True, False, False]) tensor([ True, False,  True]) tensor([True, True, True])\n'),
    'comparison_broadcast_error': (
        'torch.eq(torch.ones(2), torch.ones(3))',
        '!! RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0\n'),
    'isclose_dtype_error': (
        'torch.isclose(torch.tensor([1, 2]), torch.tensor([1., 2.]))',
        '!! RuntimeError: Long did not match Float\n'),
    'cumsum_cumprod': (
        'x = torch.tensor([[1., 2., 3.], [0.5, 0., -2.]], requires_grad=True)\ny = torch.cumsum(x, 1)\nz = x.cumprod(dim=1)\nprint(y, z, torch.cumsum(torch.tensor([1, 2, 3], dtype=torch.int32), 0), torch.tensor([True, True]).cumsum(0))\n(y * torch.tensor([1., 2., 3.])).sum().backward(retain_graph=True)\nprint(x.grad)\nx.grad = None\n(z * torch.tensor([1., 2., 3.])).sum().backward()\nprint(x.grad)',
        'tensor([[ 1.0000,  3.0000,  6.0000],\n        [ 0.5000,  0.5000, -1.5000]], grad_fn=<CumsumBackward0>) tensor([[1.0000, 2.0000, 6.0000],\n        [0.5000, 0.0000, -0.0000]], grad_fn=<CumprodBackward0>) tensor([1, 3, 6]) tensor([1, 2])\ntensor([[6., 5., 3.],\n        [6., 5., 3.]])\ntensor([[23., 11.,  6.],\n        [ 1., -2.,  0.]])\n'),
    'cumprod_with_zeros_twice': (
        'x = torch.tensor([2., 0., 3., 0., 5.], dtype=torch.float64, requires_grad=True)\ng, = torch.autograd.grad(x.cumprod(0).sum(), x, create_graph=True)\nprint(g.tolist(), g.requires_grad)\nprint(torch.autograd.grad(g.sum(), x))',
        '[1.0, 8.0, 0.0, 0.0, 0.0] True\n(tensor([ 4., 42.,  2., 36.,  0.], dtype=torch.float64),)\n'),
    'cumsum_needs_dim': (
        'torch.cumsum(torch.ones(2))',
        '!! TypeError: cumsum() missing 1 required positional arguments: "dim"\n'),
    'std_var': (
        'x = torch.tensor([[1., 2., 4.], [3., 5., 9.]], requires_grad=True)\nprint(x.std(), x.var(), x.std(1), x.var(0, keepdim=True), x.std(unbiased=False), x.var(dim=1, correction=0), torch.std(x, 0), torch.var(x, [0, 1]))\nx.std(1).sum().backward()\nprint(x.grad)\nprint(x.var().grad_fn, x.std().grad_fn)\nprint(torch.ones(1).std(), torch.tensor([[2.]]).var(0))',
        'tensor(2.8284, grad_fn=<StdBackward0>) tensor(8., grad_fn=<VarBackward0>) tensor([1.5275, 3.0551], grad_fn=<StdBackward0>) tensor([[ 2.0000,  4.5000, 12.5000]], grad_fn=<VarBackward0>) tensor(2.5820, grad_fn=<StdBackward0>) tensor([1.5556, 6.2222], grad_fn=<VarBackward0>) tensor([1.4142, 2.1213, 3.5355], grad_fn=<StdBackward0>) tensor(8., grad_fn=<VarBackward0>)\ntensor([[-0.4364, -0.1091,  0.5455],\n        [-0.4364, -0.1091,  0.5455]])\n<VarBackward0 object at 0x...> <StdBackward0 object at 0x...>\ntensor(nan) tensor([nan])\n'),
    'std_of_integers_refused': (
        'torch.tensor([1, 2]).std()',
        '!! RuntimeError: std and var only support floating point and complex dtypes\n'),
    'logsumexp': (
        "x = torch.tensor([[1., 2., 3.], [-1., 0., 1000.]], requires_grad=True)\ny = torch.logsumexp(x, 1)\nprint(y, x.logsumexp(dim=0, keepdim=True), torch.logsumexp(torch.tensor([float('-inf'), float('-inf')]), 0))\ny.sum().backward()\nprint(x.grad)",
        'tensor([   3.4076, 1000.0000], grad_fn=<LogsumexpBackward0>) tensor([[   1.1269,    2.1269, 1000.0000]], grad_fn=<LogsumexpBackward0>) tensor(-inf)\ntensor([[0.0900, 0.2447, 0.6652],\n        [0.0000, 0.0000, 1.0000]])\n'),
    'sort_argsort_topk_with_ties': (
        "x = torch.tensor([[3., 1., 3., 3., 2., 3.], [0., -0., 1., float('nan'), 1., 0.]], requires_grad=True)\nprint(x.sort(), torch.sort(x, 1, descending=True), x.argsort(), torch.argsort(x, descending=True))\nprint(x.topk(2), torch.topk(x, 3, largest=False), x.topk(4, sorted=False))\nv, i = x.topk(2)\n(v * torch.tensor([1., 10.])).sum().backward()\nprint(x.grad)",
        'torch.return_types.sort(\nvalues=tensor([[1., 2., 3., 3., 3., 3.],\n        [0., -0., 0., 1., 1., nan]], grad_fn=<SortBackward0>),\nindices=tensor([[1, 4, 0, 2, 3, 5],\n        [0, 1, 5, 2, 4, 3]])) torch.return_types.sort(\nvalues=tensor([[3., 3., 3., 3., 2., 1.],\n        [nan, 1., 1., 0., -0., 0.]], grad_fn=<SortBackward0>),\nindices=tensor([[0, 2, 3, 5, 4, 1],\n        [3, 2, 4, 0, 1, 5]])) tensor([[1, 4, 0, 2, 3, 5],\n        [0, 1, 5, 2, 4, 3]]) tensor([[0, 2, 3, 5, 4, 1],\n        [3, 2, 4, 0, 1, 5]])\ntorch.return_types.topk(\nvalues=tensor([[3., 3.],\n        [nan, 1.]], grad_fn=<TopkBackward0>),\nindices=tensor([[3, 5],\n        [3, 2]])) torch.return_types.topk(\nvalues=tensor([[1., 2., 3.],\n        [-0., 0., 0.]], grad_fn=<TopkBackward0>),\nindices=tensor([[1, 4, 0],\n        [1, 5, 0]])) torch.return_types.topk(\nvalues=tensor([[3., 3., 3., 3.],\n        [1., 1., nan, 0.]], grad_fn=<TopkBackward0>),\nindices=tensor([[3, 5, 0, 2],\n        [2, 4, 3, 5]]))\ntensor([[ 0.,  0.,  0.,  1.,  0., 10.],\n        [ 0.,  0., 10.,  1.,  0.,  0.]])\n'),
    'sort_long_rows_ties': (
        'x = (torch.arange(40.) % 5).reshape(2, 20)\nprint(x.sort(descending=True).indices, x.sort(stable=True).indices, x.topk(7).indices, x.argsort(dim=0))',
        'tensor([[19,  4,  9, 14,  3, 18,  8, 13,  2, 17,  7, 12,  1, 16, 11,  6, 15, 10,\n          5,  0],\n        [19,  4,  9, 14,  3, 18,  8, 13,  2, 17,  7, 12,  1, 16, 11,  6, 15, 10,\n          5,  0]]) tensor([[ 0,  5, 10, 15,  1,  6, 11, 16,  2,  7, 12, 17,  3,  8, 13, 18,  4,  9,\n         14, 19],\n        [ 0,  5, 10, 15,  1,  6, 11, 16,  2,  7, 12, 17,  3,  8, 13, 18,  4,  9,\n         14, 19]]) tensor([[19, 14,  9,  4, 13,  8, 18],\n        [19, 14,  9,  4, 13,  8, 18]]) tensor([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],\n        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]])\n'),
    'topk_k_too_large': (
        'torch.tensor([1., 2.]).topk(3)',
        '!! RuntimeError: selected index k out of range\n'),
    'gather_scatter': (
        'x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)\ni = torch.tensor([[2, 2], [0, 1]])\ng = x.gather(1, i)\ns = torch.scatter(x, 1, torch.tensor([[0], [2]]), torch.tensor([[10.], [20.]]))\nv = x.scatter(0, torch.tensor([[1, 0, 1]]), 7.5)\na = x.scatter_add(1, i, x[:, :2] * 3)\nprint(g, s, v, a)\n(g.sum() + s.sum() + v.sum() + (a * a).sum()).backward()\nprint(x.grad)',
        'tensor([[3., 3.],\n        [4., 5.]], grad_fn=<GatherBackward0>) tensor([[10.,  2.,  3.],\n        [ 4.,  5., 20.]], grad_fn=<ScatterBackward0>) tensor([[1.0000, 7.5000, 3.0000],\n        [7.5000, 5.0000, 7.5000]], grad_fn=<ScatterBackward1>) tensor([[ 1.,  2., 12.],\n        [16., 20.,  6.]], grad_fn=<ScatterAddBackward0>)\ntensor([[ 75.,  77.,  28.],\n        [130., 163.,  12.]])\n'),
    'gather_errors': (
        "x = torch.ones(2, 3)\nfor call in ('x.gather(1, torch.tensor([[3]]))', 'x.gather(1, torch.tensor([[0.]]))', 'x.gather(1, torch.tensor([0]))'):\n    print(call)\nx.gather(1, torch.tensor([[3]]))",
        'x.gather(1, torch.tensor([[3]]))\nx.gather(1, torch.tensor([[0.]]))\nx.gather(1, torch.tensor([0]))\n!! RuntimeError: index 3 is out of bounds for dimension 1 with size 3\n'),
    'gather_float_index': (
        'torch.ones(2, 3).gather(1, torch.tensor([[0.]]))',
        '!! RuntimeError: gather(): Expected dtype int32/int64 for index\n'),
    'gather_index_dims': (
        'torch.ones(2, 3).gather(1, torch.tensor([0]))',
        '!! RuntimeError: Index tensor must have the same number of dimensions as input tensor\n'),
    'masked_fill': (
        'x = torch.tensor([[1., -2.], [-3., 4.]], requires_grad=True)\nm = x < 0\ny = x.masked_fill(m, 0.5)\nz = torch.masked_fill(x, m, torch.tensor(9.))\nw = torch.tensor(2., requires_grad=True)\nu = x.masked_fill(m, w)\nprint(y, z, u)\n(y.sum() + u.sum()).backward()\nprint(x.grad, w.grad)\nc = x.detach().clone()\nc.masked_fill_(c > 0, 0)\nprint(c)',
        'tensor([[1.0000, 0.5000],\n        [0.5000, 4.0000]], grad_fn=<MaskedFillBackward0>) tensor([[1., 9.],\n        [9., 4.]], grad_fn=<MaskedFillBackward1>) tensor([[1., 2.],\n        [2., 4.]], grad_fn=<MaskedFillBackward1>)\ntensor([[2., 0.],\n        [0., 2.]]) tensor(2.)\ntensor([[ 0., -2.],\n        [-3.,  0.]])\n'),
    'masked_fill_mask_dtype': (
        'torch.ones(2).masked_fill(torch.tensor([1, 0]), 0.)',
        '!! RuntimeError: masked_fill_ only supports boolean masks, but got mask with dtype long int\n'),
    'masked_fill_value_dims': (
        'torch.ones(2).masked_fill(torch.tensor([True, False]), torch.ones(2))',
        '!! RuntimeError: masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).\n'),
    'tril_triu_flip_repeat': (
        'x = torch.arange(1., 10.).reshape(3, 3).requires_grad_()\nprint(x.tril(), torch.triu(x, 1), x.tril(-1), x.flip(0), torch.flip(x, [0, 1]), x.repeat(2, 1), x[0].repeat(2, 2))\n(x.tril() * 2 + x.flip(1) + x.repeat(1, 2)[:, :3]).sum().backward()\nprint(x.grad)',
        'tensor([[1., 0., 0.],\n        [4., 5., 0.],\n        [7., 8., 9.]], grad_fn=<TrilBackward0>) tensor([[0., 2., 3.],\n        [0., 0., 6.],\n        [0., 0., 0.]], grad_fn=<TriuBackward0>) tensor([[0., 0., 0.],\n        [4., 0., 0.],\n        [7., 8., 0.]], grad_fn=<TrilBackward0>) tensor([[7., 8., 9.],\n        [4., 5., 6.],\n        [1., 2., 3.]], grad_fn=<FlipBackward0>) tensor([[9., 8., 7.],\n        [6., 5., 4.],\n        [3., 2., 1.]], grad_fn=<FlipBackward0>) tensor([[1., 2., 3.],\n        [4., 5., 6.],\n        [7., 8., 9.],\n        [1., 2., 3.],\n        [4., 5., 6.],\n        [7., 8., 9.]], grad_fn=<RepeatBackward0>) tensor([[1., 2., 3., 1., 2., 3.],\n        [1., 2., 3., 1., 2., 3.]], grad_fn=<RepeatBackward0>)\ntensor([[4., 2., 2.],\n        [4., 4., 2.],\n        [4., 4., 4.]])\n'),
    'tril_of_a_vector': (
        'torch.tril(torch.ones(3))',
        '!! RuntimeError: tril: input tensor must have at least 2 dimensions\n'),
    'repeat_too_few': (
        'torch.ones(2, 3).repeat(2)',
        '!! RuntimeError: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor\n'),
    'flip_duplicates': (
        'torch.ones(2, 3).flip(0, 0)',
        '!! RuntimeError: dim 0 appears multiple times in the list of dims\n'),
    'chunk_split': (
        'x = torch.arange(10.).requires_grad_()\na = x.chunk(3)\nb = torch.split(x, 4)\nc = x.split([2, 3, 5])\nprint(a, b, c)\nprint(a[0].grad_fn, c[1].grad_fn, a[1].grad_fn.next_functions)\n(a[1] * 2).sum().backward()\nprint(x.grad)\nprint(torch.ones(2, 5).chunk(2, dim=1))',
        '(tensor([0., 1., 2., 3.], grad_fn=<SplitBackward0>), tensor([4., 5., 6., 7.], grad_fn=<SplitBackward0>), tensor([8., 9.], grad_fn=<SplitBackward0>)) (tensor([0., 1., 2., 3.], grad_fn=<SplitBackward0>), tensor([4., 5., 6., 7.], grad_fn=<SplitBackward0>), tensor([8., 9.], grad_fn=<SplitBackward0>)) (tensor([0., 1.], grad_fn=<SplitWithSizesBackward0>), tensor([2., 3., 4.], grad_fn=<SplitWithSizesBackward0>), tensor([5., 6., 7., 8., 9.], grad_fn=<SplitWithSizesBackward0>))\n<SplitBackward0 object at 0x...> <SplitWithSizesBackward0 object at 0x...> ((<AccumulateGrad object at 0x...>, 0),)\ntensor([0., 0., 0., 0., 2., 2., 2., 2., 0., 0.])\n(tensor([[1., 1., 1.],\n        [1., 1., 1.]]), tensor([[1., 1.],\n        [1., 1.]]))\n'),
    'split_sizes_mismatch': (
        'torch.ones(3).split([1, 1])',
        "!! RuntimeError: split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 0), but got split_sizes=[1, 1]\n"),
    'einsum': (
        "a = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)\nb = torch.tensor([[1., 0., -1.], [2., 1., 0.]], requires_grad=True)\nfor eq, ops in (('ij,kj->ik', (a, b)), ('ij->', (a,)), ('ij->j', (a,)), ('ij,ij->i', (a, b)), ('ij,ij->ij', (a, b)), ('i,j->ij', (a[0], b[0])), ('ij->ji', (a,)), ('ii->i', (a[:, :2],)), ('bij,bjk->bik', (a[None], b.t()[None])), ('ij,jk', (a, b.t())), ('...j,kj->...k', (a, b))):\n    y = torch.einsum(eq, *ops)\n    print(eq, y, y.grad_fn, y.grad_fn.next_functions)\nprint(torch.einsum('ij,kj->ik', [a, b]))\ntorch.einsum('ij,kj->ik', a, b).sum().backward()\nprint(a.grad, b.grad)",
        'ij,kj->ik tensor([[-2.,  4.],\n        [-2., 13.]], grad_fn=<ViewBackward0>) <ViewBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\nij-> tensor(21., grad_fn=<SumBackward1>) <SumBackward1 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\nij->j tensor([5., 7., 9.], grad_fn=<SumBackward1>) <SumBackward1 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\nij,ij->i tensor([-2., 13.], grad_fn=<ViewBackward0>) <ViewBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\nij,ij->ij tensor([[ 1.,  0., -3.],\n        [ 8.,  5.,  0.]], grad_fn=<MulBackward0>) <MulBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0), (<PermuteBackward0 object at 0x...>, 0))\ni,j->ij tensor([[ 1.,  0., -1.],\n        [ 2.,  0., -2.],\n        [ 3.,  0., -3.]], grad_fn=<MulBackward0>) <MulBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0), (<PermuteBackward0 object at 0x...>, 0))\nij->ji tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]], grad_fn=<PermuteBackward0>) <PermuteBackward0 object at 0x...> ((<AccumulateGrad object at 0x...>, 0),)\nii->i tensor([1., 5.], grad_fn=<PermuteBackward0>) <PermuteBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\nbij,bjk->bik tensor([[[-2.,  4.],\n         [-2., 13.]]], grad_fn=<ViewBackward0>) <ViewBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\nij,jk tensor([[-2.,  4.],\n        [-2., 13.]], grad_fn=<ViewBackward0>) <ViewBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\n...j,kj->...k tensor([[-2.,  4.],\n        [-2., 13.]], grad_fn=<ViewBackward0>) <ViewBackward0 object at 0x...> ((<PermuteBackward0 object at 0x...>, 0),)\ntensor([[-2.,  4.],\n        [-2., 13.]], grad_fn=<ViewBackward0>)\ntensor([[ 3.,  1., -1.],\n        [ 3.,  1., -1.]]) tensor([[5., 7., 9.],\n        [5., 7., 9.]])\n'),
    'einsum_errors': (
        "torch.einsum('ij,jk->ik', torch.ones(2, 3), torch.ones(2, 3))",
        '!! RuntimeError: einsum(): subscript j has size 2 for operand 1 which does not broadcast with previously seen size 3\n'),
    'einsum_subscripts_count': (
        "torch.einsum('ijk->i', torch.ones(2, 3))",
        '!! RuntimeError: einsum(): the number of subscripts in the equation (3) does not match the number of dimensions (2) for operand 0 and no ellipsis was given\n'),
    'einsum_output_twice': (
        "torch.einsum('ij->ii', torch.ones(2, 2))",
        '!! RuntimeError: einsum(): output subscript i appears more than once in the output\n'),
    'normal': (
        'torch.manual_seed(0)\nprint(torch.normal(0., 1., (2, 3)), torch.normal(2., 3., size=(4,)))\nm = torch.zeros(3, requires_grad=True)\ns = torch.ones(3, requires_grad=True)\ny = torch.normal(m, 0.5)\nz = torch.normal(1.0, s)\nw = torch.normal(m, s)\nprint(y, z, w, torch.normal(mean=torch.arange(20.), std=1.0))\n(y + z + w).sum().backward()\nprint(m.grad, s.grad)',
        'tensor([[ 1.5410, -0.2934, -2.1788],\n        [ 0.5684, -1.0845, -1.3986]]) tensor([ 3.2100,  4.5141, -0.1578,  0.7900])\ntensor([-0.2983,  0.0910, -0.4283], grad_fn=<NormalBackward1>) tensor([ 2.1006, -0.0712,  1.1227], grad_fn=<NormalBackward2>) tensor([-0.5663,  0.3731, -0.8920], grad_fn=<NormalBackward3>) tensor([-0.2159,  0.2575,  2.5627,  3.2596,  4.5943,  6.5419,  6.5073,  6.4090,\n         7.4308,  9.9200, 11.1108, 12.2899, 10.5041, 12.8062, 14.4455, 16.3253,\n        14.3707, 16.4503, 17.5202, 18.5003])\ntensor([0., 0., 0.]) tensor([0., 0., 0.])\n'),
    'normal_negative_std': (
        'torch.normal(torch.zeros(2), torch.tensor([1., -1.]))',
        '!! RuntimeError: normal expects all elements of std >= 0.0\n'),
    'normal_negative_std_number': (
        'torch.normal(torch.zeros(2), -1.0)',
        '!! RuntimeError: normal expects std >= 0.0, but found std -1\n'),
    'inplace_functions': (
        'x = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)\ny = x * 1\ny.exp_()\nprint(y)\nz = x * 2\ntorch.sin_(z)\nprint(z)\nw = x.clone()\nw.clamp_(min=0).sqrt_()\nw.masked_fill_(w > 1, 5.)\nprint(w, w.grad_fn, w.grad_fn.next_functions)\n(y.sum() + z.sum() + w.sum()).backward()\nprint(x.grad)\ni = torch.tensor([1, 2])\ni.exp_()',
        'tensor([1.6487, 0.2231, 7.3891], grad_fn=<ExpBackward0>)\ntensor([ 0.8415, -0.1411, -0.7568], grad_fn=<SinBackward0>)\ntensor([0.7071, 0.0000, 5.0000], grad_fn=<MaskedFillBackward0>) <MaskedFillBackward0 object at 0x...> ((<SqrtBackward0 object at 0x...>, 0),)\n!! RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Sqrt, is at version 3; expected version 2 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).\n'),
    'inplace_on_leaf_refused': (
        'torch.ones(2, requires_grad=True).sigmoid_()',
        '!! RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.\n'),
    'legacy_constructors': (
        'print(torch.Tensor([1, 2]), torch.Tensor(2, 3).shape, torch.FloatTensor([[1, 2]]), torch.LongTensor([1, 2]), torch.DoubleTensor([1.5]), torch.IntTensor([3]), torch.BoolTensor([1, 0]))\nprint(torch.Tensor([1, 2]).dtype, torch.LongTensor(2).shape)',
        'tensor([1., 2.]) torch.Size([2, 3]) tensor([[1., 2.]]) tensor([1, 2]) tensor([1.5000], dtype=torch.float64) tensor([3], dtype=torch.int32) tensor([ True, False])\ntorch.float32 torch.Size([2])\n'),
    'numpy_argument_names': (
        'x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)\nprint(x.sum(axis=0), torch.sum(x, axis=1, keepdims=True), x.mean(axis=1), x.max(axis=0), torch.max(x, axis=1).values, x.std(axis=0), torch.argmax(x, axis=1), x.softmax(axis=1), torch.cumsum(x, axis=0), x.logsumexp(axis=1, keepdims=True))',
        'tensor([4., 6.], grad_fn=<SumBackward1>) tensor([[3.],\n        [7.]], grad_fn=<SumBackward1>) tensor([1.5000, 3.5000], grad_fn=<MeanBackward1>) torch.return_types.max(\nvalues=tensor([3., 4.], grad_fn=<MaxBackward0>),\nindices=tensor([1, 1])) tensor([2., 4.], grad_fn=<MaxBackward0>) tensor([1.4142, 1.4142], grad_fn=<StdBackward0>) tensor([1, 1]) tensor([[0.2689, 0.7311],\n        [0.2689, 0.7311]], grad_fn=<SoftmaxBackward0>) tensor([[1., 2.],\n        [4., 6.]], grad_fn=<CumsumBackward0>) tensor([[2.3133],\n        [4.3133]], grad_fn=<LogsumexpBackward0>)\n'),
    'randn_size_keyword': (
        'torch.manual_seed(3)\nprint(torch.randn(size=(2, 2)), torch.rand(size=[3]), torch.zeros(size=(1, 2)))',
        'tensor([[ 0.8033,  0.1748],\n        [ 0.0890, -0.6137]]) tensor([0.5944, 0.8879, 0.4510]) tensor([[0., 0.]])\n'),
    'device_and_ops_in_a_model_loop': (
        "torch.manual_seed(1)\ndevice = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\nw = torch.randn(3, 2, device=device, requires_grad=True)\nx = torch.linspace(-1, 1, 5, device=device).reshape(5, 1).repeat(1, 3)\nfor step in range(3):\n    scores = x @ w\n    loss = torch.logsumexp(scores, dim=1).mean() - scores.gather(1, torch.zeros(5, 1, dtype=torch.long)).mean()\n    loss.backward()\n    with torch.no_grad():\n        w -= 0.1 * w.grad\n        w.grad.zero_()\n    print(step, round(loss.item(), 4), scores.argmax(dim=1), scores.topk(1, dim=1).indices.flatten())",
        '0 0.7058 tensor([0, 0, 0, 1, 1]) tensor([0, 0, 0, 1, 1])\n1 0.704 tensor([0, 0, 0, 1, 1]) tensor([0, 0, 0, 1, 1])\n2 0.7024 tensor([0, 0, 0, 1, 1]) tensor([0, 0, 0, 1, 1])\n'),
    'new_tensors_and_type': (
        KIND + "x = torch.tensor([5.5, 3.], requires_grad=True)\nprint(x.new_ones(2, 3), x.new_ones((1, 2), dtype=torch.double), x.new_zeros([2]), x.new_full((2,), 7), x.new_empty(2).shape, x.new_ones(2, requires_grad=True), x.new_zeros(size=(1,)))\ni = torch.tensor([1, 2])\nprint(i.new_ones(2), i.new_full((2,), 2.5), x.new_full((2,), 7, dtype=torch.long), x.new_tensor([1, 2]))\nprint(x.type(), i.type(), (x > 0).type(), x.double().type(), x.half().type(), i.int().type(), torch.tensor([1], dtype=torch.int8).type(), torch.tensor([1], dtype=torch.int16).type(), torch.tensor([1], dtype=torch.uint8).type())\nprint(x.type(torch.FloatTensor) is x, x.type(torch.float64), x.type(torch.LongTensor), x.type('torch.DoubleTensor'), x.type(dtype=torch.float16))\nfor call in (lambda: x.new_full(2, 7), lambda: x.type('float'), lambda: x.type(5)):\n    try:\n        call()\n    except Exception as e:\n        print(kind(e), e)",
        "tensor([[1., 1., 1.],\n        [1., 1., 1.]]) tensor([[1., 1.]], dtype=torch.float64) tensor([0., 0.]) tensor([7., 7.]) torch.Size([2]) tensor([1., 1.], requires_grad=True) tensor([0.])\ntensor([1, 1]) tensor([2, 2]) tensor([7, 7]) tensor([1., 2.])\ntorch.FloatTensor torch.LongTensor torch.BoolTensor torch.DoubleTensor torch.HalfTensor torch.IntTensor torch.CharTensor torch.ShortTensor torch.ByteTensor\nTrue tensor([5.5000, 3.0000], dtype=torch.float64, grad_fn=<ToCopyBackward0>) tensor([5, 3]) tensor([5.5000, 3.0000], dtype=torch.float64, grad_fn=<ToCopyBackward0>) tensor([5.5000, 3.0000], dtype=torch.float16, grad_fn=<ToCopyBackward0>)\nTypeError new_full(): argument 'size' (position 1) must be tuple of ints, not int\nValueError invalid type: 'float'\nTypeError dtype must be a type, str, or dtype object\n"),
    'index_add_and_index_select': (
        'x = torch.ones(5, 3, requires_grad=True)\nt = torch.tensor([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]], requires_grad=True)\ny = x.index_add(0, torch.tensor([0, 4, 0]), t, alpha=2)\nprint(y, torch.index_add(x, 1, torch.tensor([2, 2]), torch.ones(5, 2)))\n(y * torch.arange(15.).view(5, 3)).sum().backward()\nprint(x.grad, t.grad)\nz = torch.zeros(3).index_add_(0, torch.tensor([1, 1, 2]), torch.tensor([1., 2., 3.]))\nw = x * 2\nw.index_add_(0, torch.tensor([0]), torch.ones(1, 3, requires_grad=True))\nprint(z, w.grad_fn, w.grad_fn.next_functions, torch.zeros(3, 2, dtype=torch.long).index_add(0, torch.tensor([0]), torch.ones(1, 2, dtype=torch.long), alpha=3))\na = torch.arange(12.).reshape(3, 4).requires_grad_()\ns = a.index_select(1, torch.tensor([0, 2, 2]))\nprint(s, torch.index_select(a, 0, torch.tensor([2])), a.index_select(-1, torch.tensor(1)), torch.tensor(3.).index_select(0, torch.tensor([0])))\ng, = torch.autograd.grad((s * s).sum(), a, create_graph=True)\nprint(g, g.grad_fn, g.grad_fn.next_functions)\ns2 = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)\nu = torch.zeros(3, dtype=torch.float64).index_add(0, torch.tensor([2, 0]), s2, alpha=3)\ng, = torch.autograd.grad((u * u).sum(), s2, create_graph=True)\nprint(g, g.grad_fn, g.grad_fn.next_functions, g.grad_fn.next_functions[0][0].next_functions)',
        'tensor([[17., 21., 25.],\n        [ 1.,  1.,  1.],\n        [ 1.,  1.,  1.],\n        [ 1.,  1.,  1.],\n        [ 9., 11., 13.]], grad_fn=<IndexAddBackward0>) tensor([[1., 1., 3.],\n        [1., 1., 3.],\n        [1., 1., 3.],\n        [1., 1., 3.],\n        [1., 1., 3.]], grad_fn=<IndexAddBackward0>)\ntensor([[ 0.,  1.,  2.],\n        [ 3.,  4.,  5.],\n        [ 6.,  7.,  8.],\n        [ 9., 10., 11.],\n        [12., 13., 14.]]) tensor([[ 0.,  2.,  4.],\n        [24., 26., 28.],\n        [ 0.,  2.,  4.]])\ntensor([0., 3., 3.]) <IndexAddBackward0 object at 0x...> ((<MulBackward0 object at 0x...>, 0), (<AccumulateGrad object at 0x...>, 0)) tensor([[3, 3],\n        [0, 0],\n        [0, 0]])\ntensor([[ 0.,  2.,  2.],\n        [ 4.,  6.,  6.],\n        [ 8., 10., 10.]], grad_fn=<IndexSelectBackward0>) tensor([[ 8.,  9., 10., 11.]], grad_fn=<IndexSelectBackward0>) tensor([[1.],\n        [5.],\n        [9.]], grad_fn=<IndexSelectBackward0>) tensor(3.)\ntensor([[ 0.,  0.,  8.,  0.],\n        [ 8.,  0., 24.,  0.],\n        [16.,  0., 40.,  0.]], grad_fn=<IndexAddBackward0>) <IndexAddBackward0 object at 0x...> ((None, 0), (<AddBackward0 object at 0x...>, 0))\ntensor([18., 36.], dtype=torch.float64, grad_fn=<MulBackward1>) <MulBackward1 object at 0x...> ((<ExpandBackward0 object at 0x...>, 0),) ((<IndexSelectBackward0 object at 0x...>, 0),)\n'),
    'index_add_select_errors': (
        KIND + 'x = torch.ones(5, 3)\nt = torch.ones(3, 3)\na = torch.arange(12.).reshape(3, 4)\nfor call in (lambda: x.index_add(0, torch.tensor([0, 7, 0]), t), lambda: x.index_add(0, torch.tensor([0., 1, 0]), t), lambda: x.index_add(0, torch.tensor([[0, 1, 0]]), t), lambda: x.index_add(0, torch.tensor([0, 1]), t), lambda: x.index_add(0, torch.tensor([0, 1, 2]), torch.ones(3, 2)), lambda: x.index_add(0, torch.tensor([0, 1, 2]), t.double()), lambda: torch.zeros(3).index_add(0, torch.tensor([-1]), torch.ones(1)), lambda: torch.zeros(3).index_add(0, torch.tensor(1), torch.tensor(5.)), lambda: x.index_add(0, [1], t), lambda: torch.ones(2, requires_grad=True).index_add_(0, torch.tensor([1]), torch.ones(1)), lambda: a.index_select(0, torch.tensor([[0]])), lambda: a.index_select(0, torch.tensor([0.])), lambda: a.index_select(0, torch.tensor([3])), lambda: a.index_select(2, torch.tensor([0])), lambda: a.index_select(0, [0])):\n    try:\n        call()\n    except Exception as e:\n        print(kind(e), e)',
        "RuntimeError index 7 is out of bounds for dimension 0 with size 5\nRuntimeError index_add_(): Expected dtype int32/int64 for index but got: Float\nIndexError index_add_(): Index is supposed to be a vector, but got dim: 2 with type: Long and size: [1, 3]\nRuntimeError index_add_(): Number of indices (2) should be equal to source.size(dim): (3), for dim: 0\nRuntimeError source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = [5, 3] source.shape = [3, 2]\nRuntimeError index_add_(): self (Float) and source (Double) must have the same scalar type\nIndexError index out of range in self\nRuntimeError source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = [3] source.shape = []\nTypeError index_add(): argument 'index' (position 2) must be Tensor, not list\nRuntimeError a leaf Variable that requires grad is being used in an in-place operation.\nIndexError index_select(): Index is supposed to be a vector\nRuntimeError index_select(): Expected dtype int32 or int64 for index\nIndexError index out of range in self\nIndexError Dimension out of range (expected to be in range of [-2, 1], but got 2)\nTypeError index_select(): argument 'index' (position 2) must be Tensor, not list\n"),
    'masked_select_nonzero': (
        KIND + 'a = torch.arange(12.).reshape(3, 4).requires_grad_()\nm = torch.tensor([True, False, True, False])\ns = a.masked_select(m)\nprint(s, torch.masked_select(a, a > 8), s.grad_fn.next_functions, torch.tensor([1., 2.]).masked_select(torch.tensor([[True, False], [True, True]])))\ns.sum().backward()\nprint(a.grad)\nn = torch.tensor([[0.6, 0.0, 0.0], [0.0, 0.4, 0.0], [0.0, 0.0, -0.4]])\nprint(n.nonzero(), torch.nonzero(n, as_tuple=True), torch.nonzero(torch.tensor(5)), torch.nonzero(torch.tensor(5), as_tuple=True), torch.tensor([True, False, True]).nonzero(), torch.argwhere(torch.tensor([1, 0, 2])), torch.count_nonzero(n), n.count_nonzero(dim=0))\nfor call in (lambda: a.masked_select(torch.tensor([1, 0, 1, 0])), lambda: a.masked_select(torch.tensor([True, False]))):\n    try:\n        call()\n    except Exception as e:\n        print(kind(e), e)',
        'tensor([ 0.,  2.,  4.,  6.,  8., 10.], grad_fn=<MaskedSelectBackward0>) tensor([ 9., 10., 11.], grad_fn=<MaskedSelectBackward0>) ((<AccumulateGrad object at 0x...>, 0),) tensor([1., 1., 2.])\ntensor([[1., 0., 1., 0.],\n        [1., 0., 1., 0.],\n        [1., 0., 1., 0.]])\ntensor([[0, 0],\n        [1, 1],\n        [2, 2]]) (tensor([0, 1, 2]), tensor([0, 1, 2])) tensor([], size=(1, 0), dtype=torch.int64) (tensor([0]),) tensor([[0],\n        [2]]) tensor([[0],\n        [2]]) tensor(3) tensor([1, 1, 1])\nRuntimeError masked_select: expected BoolTensor for mask\nRuntimeError The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 1\n'),
    'bitwise': (
        KIND + 'b = torch.tensor([1, 5, 11])\nc = torch.tensor([2, 7, 10])\nm = torch.tensor([True, False, True])\nprint(torch.bitwise_xor(b, c), torch.bitwise_and(b, c), b.bitwise_or(c), torch.bitwise_not(b), b.bitwise_xor(3), b & c, b | 4, 4 | b, 6 ^ b, ~b, ~m, m & b, m ^ True, m | 1, torch.bitwise_xor(1, b))\nprint(torch.tensor([1, 2], dtype=torch.int32) & torch.tensor([3, 3]), torch.tensor([1, 2], dtype=torch.uint8) ^ 255, torch.tensor([1, 2], dtype=torch.int8) ^ 1000, torch.tensor([1, 2], dtype=torch.uint8) & -1, b & True, b << 2, torch.tensor([5, -5]) >> 1, 1 << torch.tensor([0, 3]), torch.bitwise_right_shift(b, torch.tensor([1, 0, 2])))\nd = b.clone()\nd.bitwise_and_(3)\ne = m.clone()\ne.bitwise_or_(torch.tensor([False, True, False]))\nprint(d, e, d.bitwise_not_(), torch.logical_xor(b, c), torch.logical_xor(torch.tensor([1., 0.], requires_grad=True), torch.tensor([0., 0.])))\nfor call in (lambda: torch.tensor([1., 2.]) & 1, lambda: torch.bitwise_not(torch.tensor([1., 2.])), lambda: ~torch.tensor([1., 2.]), lambda: b & 1.5, lambda: torch.tensor([1.5]) << 1, lambda: b & torch.tensor([1, 2]), lambda: m.bitwise_or_(torch.tensor([1, 2, 3]))):\n    try:\n        call()\n    except Exception as e:\n        print(kind(e), e)',
        'tensor([3, 2, 1]) tensor([ 0,  5, 10]) tensor([ 3,  7, 11]) tensor([ -2,  -6, -12]) tensor([2, 6, 8]) tensor([ 0,  5, 10]) tensor([ 5,  5, 15]) tensor([ 5,  5, 15]) tensor([ 7,  3, 13]) tensor([ -2,  -6, -12]) tensor([False,  True, False]) tensor([1, 0, 1]) tensor([False,  True, False]) tensor([1, 1, 1]) tensor([ 0,  4, 10])\ntensor([1, 2]) tensor([254, 253], dtype=torch.uint8) tensor([-23, -22], dtype=torch.int8) tensor([1, 2], dtype=torch.uint8) tensor([1, 1, 1]) tensor([ 4, 20, 44]) tensor([ 2, -3]) tensor([1, 8]) tensor([0, 5, 2])\ntensor([-2, -2, -4]) tensor([True, True, True]) tensor([-2, -2, -4]) tensor([False, False, False]) tensor([ True, False])\nNotImplementedError "bitwise_and_cpu" not implemented for \'Float\'\nNotImplementedError "bitwise_not_cpu" not implemented for \'Float\'\nTypeError ~ (operator.invert) is only implemented on integer and Boolean-type tensors\nNotImplementedError "bitwise_and_cpu" not implemented for \'Float\'\nNotImplementedError "lshift_cpu" not implemented for \'Float\'\nRuntimeError The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\nRuntimeError result type Long can\'t be cast to the desired output type Bool\n'),
    'unique': (
        "print(torch.unique(torch.tensor([1, 2, 1, 2, 1, 2])))\nx = torch.tensor([3., 1., 2., 1., float('nan'), -0., 0., float('nan')], requires_grad=True)\nu = x.unique()\nprint(u, x.unique(return_counts=True), x.unique(sorted=False, return_inverse=True))\nprint(torch.unique(torch.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True, return_counts=True), torch.unique(torch.tensor([[1, 2, 1], [1, 2, 1]]), dim=1), torch.unique(torch.tensor([True, False, True])), torch.unique(torch.tensor(5)), torch.tensor([[5, 1], [5, 9]]).unique(return_inverse=True))\ntry:\n    u.sum().backward()\nexcept NotImplementedError as e:\n    print(e)",
        "tensor([1, 2])\ntensor([-0., 1., 2., 3., nan, nan], grad_fn=<Unique2Backward0>) (tensor([-0., 1., 2., 3., nan, nan], grad_fn=<Unique2Backward0>), tensor([2, 2, 1, 1, 1, 1])) (tensor([-0., 1., 2., 3., nan, nan], grad_fn=<Unique2Backward0>), tensor([3, 1, 2, 1, 4, 0, 0, 5]))\n(tensor([[0, 5],\n        [1, 2]]), tensor([1, 1, 0]), tensor([1, 2])) tensor([[1, 2],\n        [1, 2]]) tensor([False,  True]) tensor([5]) (tensor([1, 5, 9]), tensor([[1, 0],\n        [1, 2]]))\nthe derivative for '_unique2' is not implemented.\n"),
    'cross': (
        KIND + 'v1 = torch.tensor([1., 0., 0.])\nv2 = torch.tensor([0., 1., 0.], requires_grad=True)\nprint(torch.cross(v2, v1), v2.cross(v1, dim=0))\na = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)\nb = torch.tensor([[-1., 0.5, 2.], [3., 1., -2.]], requires_grad=True)\nc = torch.cross(a, b, dim=1)\n(c * torch.tensor([[1., 2., 3.], [7., 5., 6.]])).sum().backward()\nprint(c, a.grad, b.grad, torch.cross(torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])), torch.cross(torch.eye(3), torch.ones(1, 3), dim=1))\nfor call in (lambda: torch.cross(a, b, dim=0), lambda: torch.cross(torch.ones(2, 3), torch.ones(3)), lambda: torch.cross(torch.ones(2, 3), torch.ones(2, 3, dtype=torch.float64), dim=1), lambda: torch.cross(torch.ones(2, 4), torch.ones(2, 4))):\n    try:\n        call()\n    except Exception as e:\n        print(kind(e), e)',
        'tensor([ 0.,  0., -1.], grad_fn=<LinalgCrossBackward0>) tensor([ 0.,  0., -1.], grad_fn=<LinalgCrossBackward0>)\ntensor([[  2.5000,  -5.0000,   2.5000],\n        [-16.0000,  26.0000, -11.0000]], grad_fn=<LinalgCrossBackward0>) tensor([[ -2.5000,   5.0000,  -2.5000],\n        [ 16.0000, -32.0000,   8.0000]]) tensor([[  0.,   0.,   0.],\n        [  0., -18.,  15.]]) tensor([-3,  6, -3]) tensor([[ 0., -1.,  1.],\n        [ 1.,  0., -1.],\n        [-1.,  1.,  0.]])\nRuntimeError linalg.cross: inputs dimension 0 must have length 3. Got 2 and 2\nRuntimeError linalg.cross: inputs must have the same number of dimensions.\nRuntimeError expected scalar type Float but found Double\nRuntimeError no dimension of size 3 in input\n'),
    'more_inplace_functions': (
        'x = torch.tensor([0.5, -0.25, 0.75], requires_grad=True)\ny = x * 1\ntorch.asin_(y)\nz = (x * 2).clamp_min_(0).clip_(max=1.2)\nw = x * 3\nw.fix_().sign_()\nc = x.detach()\nprint(y, z, w, torch.log2_(c + 1), (c * 2).exp2_(), torch.clamp_max_(c.clone(), 0), c.clone().atan_(), c.clone().cosh_(), torch.sinh_(c.clone()), c.clone().arccos_())\n(y.sum() + z.sum()).backward()\nprint(x.grad, z.grad_fn, z.grad_fn.next_functions)',
        'tensor([ 0.5236, -0.2527,  0.8481], grad_fn=<AsinBackward0>) tensor([1.0000, 0.0000, 1.2000], grad_fn=<ClampBackward1>) tensor([1., 0., 1.], grad_fn=<SignBackward0>) tensor([ 0.5850, -0.4150,  0.8074]) tensor([2.0000, 0.7071, 2.8284]) tensor([ 0.0000, -0.2500,  0.0000]) tensor([ 0.4636, -0.2450,  0.6435]) tensor([1.1276, 1.0314, 1.2947]) tensor([ 0.5211, -0.2526,  0.8223]) tensor([1.0472, 1.8235, 0.7227])\ntensor([3.1547, 1.0328, 1.5119]) <ClampBackward1 object at 0x...> ((<ClampMinBackward0 object at 0x...>, 0),)\n'),
    'out_keyword': (
        KIND + 'x = torch.ones(2, 3)\ny = torch.arange(6.).view(2, 3)\nr = torch.empty(2, 3)\nv = r[0]\nprint(torch.add(x, y, out=r) is r, r, v, torch.mul(x, 2, out=torch.empty(0)), torch.exp(x, out=torch.empty(2, 3, dtype=torch.float64)), torch.sum(y, 0, out=torch.empty(3)), torch.matmul(x, y.t(), out=torch.empty(2, 2)), torch.cat([x, y], out=torch.empty(4, 3)).shape)\nwith torch.no_grad():\n    print(torch.add(torch.ones(2, requires_grad=True), 1, out=torch.empty(2)))\nfor call in (lambda: torch.add(x, y, out=torch.empty(2, 3, dtype=torch.long)), lambda: torch.add(torch.ones(2, 3, requires_grad=True), y, out=torch.empty(2, 3)), lambda: torch.sub(x, y, out=torch.empty(2, 3, requires_grad=True))):\n    try:\n        call()\n    except Exception as e:\n        print(kind(e), e)',
        "True tensor([[1., 2., 3.],\n        [4., 5., 6.]]) tensor([1., 2., 3.]) tensor([[2., 2., 2.],\n        [2., 2., 2.]]) tensor([[2.7183, 2.7183, 2.7183],\n        [2.7183, 2.7183, 2.7183]], dtype=torch.float64) tensor([3., 5., 7.]) tensor([[ 3., 12.],\n        [ 3., 12.]]) torch.Size([4, 3])\ntensor([2., 2.])\nRuntimeError result type Float can't be cast to the desired output type Long\nRuntimeError add(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.\nRuntimeError sub(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.\n"),
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fixed_program_prints_what_pytorch_printed(name):
    body, expected = FIXED[name]
    assert printed_by_gradcli("import torch\n" + body + "\n") == expected


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fixed_program_expectations_are_pytorchs(name):
    body, expected = FIXED[name]
    assert printed_by_torch(import_torch(), "import torch\n" + body + "\n") == expected


@pytest.mark.parametrize("name", sorted(name for name in FIXED if "!!" not in FIXED[name][1]))
def test_fixed_program_runs_the_same_as_plain_python(name):
    """``import gradcli as torch``: the same programs, outside the interpreter."""
    body, expected = FIXED[name]
    assert printed_by_torch(gradcli, body + "\n") == expected  # (torch is gradcli here)
