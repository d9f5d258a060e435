"""Every row of the op table against central finite differences, as PyTorch's gradcheck does.

The test is parametrized over ``ops.TABLE``: a row without gradient-check samples fails, so no
op joins the table unchecked.  Each sample runs the backward rules both ways the engine can:
on numpy arrays (plain ``backward``) and on Tensors (``create_graph=True``, the ``T`` face of
the table), and a few smooth ops are also checked to second order.
"""

from __future__ import annotations

import numpy as np
import pytest

import gradcli as torch
from gradcli.core.ops import TABLE, Sample, apply
from gradcli.core.tensor import Tensor

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3  # torch.autograd.gradcheck's defaults
SECOND_ORDER = ("mul", "div", "pow", "pow_tensor", "exp", "log", "sin", "cos", "tanh", "sigmoid",
                "sqrt", "reciprocal", "softmax", "log_softmax", "mm", "norm", "prod")


def draw(sample: Sample, seed: int = 0) -> list:
    """float64 inputs for a sample, drawn from its domain (deterministic)."""
    rng = np.random.default_rng(seed)
    domains = sample.domain if isinstance(sample.domain, tuple) else (sample.domain,) * len(
        sample.shapes)
    arrays = [np.array(_values(rng, shape, domain), dtype=np.float64)
              for shape, domain in zip(sample.shapes, domains)]
    if "distinct" in domains:
        arrays = _jointly_distinct(rng, sample.shapes)
    return arrays


def _values(rng, shape, domain):
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "probability":
        return rng.uniform(0.1, 0.9, shape)
    if domain == "nonzero":
        return rng.uniform(0.3, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "unit":  # inside (-1, 1) and away from its ends (asin, acos)
        return rng.uniform(-0.8, 0.8, shape)
    assert domain in ("any", "distinct"), f"unknown gradcheck domain {domain!r}"
    return rng.uniform(-1.5, 1.5, shape)


def _jointly_distinct(rng, shapes):
    # a grid spaced 0.3 apart, offset from 0 and from the bounds the samples clamp at
    sizes = [int(np.prod(shape)) for shape in shapes]
    grid = (rng.permutation(sum(sizes)) - sum(sizes) / 2) * 0.3 + 0.07
    out, start = [], 0
    for shape, size in zip(shapes, sizes):
        out.append(grid[start:start + size].reshape(shape))
        start += size
    return out


def differentiable_inputs(op, count):
    if op.backward_all is not None:
        return list(range(count))
    # a rule PyTorch records as NotImplemented (floor_divide) has no gradient: it only refuses;
    # one PyTorch declares zero (normal's mean and std) is no derivative of the values
    return [i for i, rule in enumerate(op.backward)
            if rule is not None and not getattr(rule, "not_implemented", False)
            and not getattr(rule, "declared_zero", False)]


def parameters(sample, arrays) -> dict:
    """The sample's parameters, those given as functions of the inputs evaluated on them."""
    return {name: value(*arrays) if callable(value) else value
            for name, value in sample.params.items()}


def forward(op, sample, arrays, params=None):
    with torch.no_grad():
        return apply(op, *[Tensor(a) for a in arrays],
                     **(params or parameters(sample, arrays))).array


def numeric_jacobian(op, sample, arrays, i):
    """d out / d arrays[i] by central differences: one column per input element."""
    params = parameters(sample, arrays)  # fixed at the sample point, as the indices of max(dim)
    out_size = forward(op, sample, arrays, params).size
    columns = []
    for j in range(arrays[i].size):
        plus, minus = [a.copy() for a in arrays], [a.copy() for a in arrays]
        plus[i].flat[j] += EPS
        minus[i].flat[j] -= EPS
        diff = forward(op, sample, plus, params) - forward(op, sample, minus, params)
        columns.append(diff.reshape(out_size) / (2 * EPS))
    return np.stack(columns, axis=1) if columns else np.zeros((out_size, 0))


def analytic_jacobian(op, sample, arrays, i, create_graph):
    """d out / d arrays[i] through the engine: one backward pass per output element."""
    inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = apply(op, *inputs, **parameters(sample, arrays))
    rows = []
    for k in range(out.array.size):
        onehot = np.zeros(out.array.size)
        onehot[k] = 1.0
        (grad,) = torch.autograd.grad(out, [inputs[i]], Tensor(onehot.reshape(out.array.shape)),
                                      retain_graph=True, create_graph=create_graph,
                                      allow_unused=True)
        rows.append(np.zeros(arrays[i].size) if grad is None else grad.array.reshape(-1))
        assert grad is None or grad.array.dtype == np.float64
        assert grad is None or grad.requires_grad == (create_graph and grad.grad_fn is not None)
    return np.stack(rows) if rows else np.zeros((0, arrays[i].size))


def samples_of(op):
    samples = op.gradcheck
    assert samples and all(isinstance(s, Sample) for s in samples), (
        f"op {op.name!r} has no gradcheck samples: add some to its row in ops.py")
    return samples


@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("create_graph", [False, True], ids=["numpy", "tensor"])
def test_rules_match_finite_differences(name, create_graph):
    op = TABLE[name]
    for sample in samples_of(op):
        arrays = draw(sample)
        for i in differentiable_inputs(op, len(arrays)):
            expected = numeric_jacobian(op, sample, arrays, i)
            got = analytic_jacobian(op, sample, arrays, i, create_graph)
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{name} {sample} input {i}")


def first_order_vjp(op, sample, arrays, weights):
    """The gradient of sum(out * weights) for every input, recorded for differentiation."""
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = apply(op, *inputs, **parameters(sample, arrays))
    grads = torch.autograd.grad(out, inputs, Tensor(weights), create_graph=True)
    return inputs, grads


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_finite_differences(name):
    op = TABLE[name]
    sample = samples_of(op)[0]
    arrays = draw(sample)
    rng = np.random.default_rng(1)
    weights = rng.uniform(-1, 1, forward(op, sample, arrays).shape)
    mixers = [rng.uniform(-1, 1, a.shape) for a in arrays]

    def scalar(arrays_):  # sum over inputs of <d out.weights / d input, mixer>
        _, grads = first_order_vjp(op, sample, arrays_, weights)
        return sum(float((g.array * m).sum()) for g, m in zip(grads, mixers))

    inputs, grads = first_order_vjp(op, sample, arrays, weights)
    total = sum((g * Tensor(m)).sum() for g, m in zip(grads, mixers))
    second = torch.autograd.grad(total, inputs, allow_unused=True)
    for i, a in enumerate(arrays):
        expected = np.zeros(a.size)
        for j in range(a.size):
            plus, minus = [x.copy() for x in arrays], [x.copy() for x in arrays]
            plus[i].flat[j] += EPS
            minus[i].flat[j] -= EPS
            expected[j] = (scalar(plus) - scalar(minus)) / (2 * EPS)
        got = np.zeros(a.size) if second[i] is None else second[i].array.reshape(-1)
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=f"{name} input {i}")


def test_an_op_without_samples_is_refused():
    from gradcli.core.ops import Op
    bare = Op("bare", "BareBackward0", np.negative, (lambda F, g, r, x: -g,))
    with pytest.raises(AssertionError, match="no gradcheck samples"):
        samples_of(bare)


def test_a_wrong_rule_is_caught():
    from gradcli.core.ops import Op, sample
    wrong = Op("wrong_sin", "SinBackward0", np.sin, (lambda F, g, r, x: g * F.sin(x),),
               gradcheck=(sample((3,)),))
    arrays = draw(wrong.gradcheck[0])
    expected = numeric_jacobian(wrong, wrong.gradcheck[0], arrays, 0)
    got = analytic_jacobian(wrong, wrong.gradcheck[0], arrays, 0, False)
    assert not np.allclose(got, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(np.diag(expected), np.cos(arrays[0]), rtol=1e-6)


# ----- Forward mode: the tangent column -----
# Every row with a tangent rule is checked the same way as its backward rules: the tangent of its
# output, for a random direction on one input (then on every input at once, which exercises the
# terms of a formula together), against the finite-difference Jacobian times that direction.
# A row without one refuses forward mode with PyTorch's message.

TANGENT_ROWS = sorted(name for name, op in TABLE.items() if op.tangent is not None)
NO_TANGENT_ROWS = sorted(name for name, op in TABLE.items() if op.tangent is None)


def forward_tangent(op, sample, arrays, directions):
    """The output's tangent by forward mode, ``directions[i]`` the tangent of input i (None:
    a plain input); zeros when forward mode leaves the output without one."""
    from gradcli.autograd import forward_ad
    params = parameters(sample, arrays)
    with forward_ad.dual_level():
        inputs = [Tensor(a.copy()) if d is None else forward_ad.make_dual(Tensor(a.copy()),
                                                                           Tensor(d))
                  for a, d in zip(arrays, directions)]
        out = apply(op, *inputs, **params)
        tangent = forward_ad.unpack_dual(out).tangent
    assert tangent is None or tangent.array.shape == out.array.shape
    return np.zeros(out.array.size) if tangent is None else tangent.array.reshape(-1)


@pytest.mark.parametrize("name", TANGENT_ROWS)
def test_tangents_match_finite_differences(name):
    op = TABLE[name]
    rng = np.random.default_rng(2)
    for sample in samples_of(op):
        arrays = draw(sample)
        inputs = differentiable_inputs(op, len(arrays))
        directions = {i: rng.uniform(-1, 1, arrays[i].shape) for i in inputs}
        jacobians = {i: numeric_jacobian(op, sample, arrays, i) for i in inputs}
        for chosen in [[i] for i in inputs] + ([inputs] if len(inputs) > 1 else []):
            given = [directions[i] if i in chosen else None for i in range(len(arrays))]
            expected = sum(jacobians[i] @ directions[i].reshape(-1) for i in chosen)
            got = forward_tangent(op, sample, arrays, given)
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{name} {sample} tangents on inputs {chosen}")


@pytest.mark.parametrize("name", NO_TANGENT_ROWS)
def test_a_row_without_a_tangent_refuses_forward_mode(name):
    op = TABLE[name]
    sample = samples_of(op)[0]
    arrays = draw(sample)
    inputs = differentiable_inputs(op, len(arrays)) or [0]
    given = [np.ones(a.shape) if i == inputs[-1] else None for i, a in enumerate(arrays)]
    with pytest.raises(NotImplementedError, match=r"^Trying to use forward AD with aten::\w+ that "
                                                  r"does not support it\.$"):
        forward_tangent(op, sample, arrays, given)


def test_a_wrong_tangent_is_caught():
    from gradcli.core.ops import Op, sample
    wrong = Op("wrong_sin", "SinBackward0", np.sin, (lambda F, g, r, x: g * F.cos(x),),
               gradcheck=(sample((3,)),), tangent=lambda F, ts, r, x: ts[0] * F.sin(x))
    arrays = draw(wrong.gradcheck[0])
    direction = np.ones(3)
    expected = numeric_jacobian(wrong, wrong.gradcheck[0], arrays, 0) @ direction
    got = forward_tangent(wrong, wrong.gradcheck[0], arrays, [direction])
    assert not np.allclose(got, expected, rtol=RTOL, atol=ATOL)
