"""Rows: softmax, log_softmax and the losses built on the table.
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.core.kernels import sleef as _sleef
from gradcli.core.kernels.reduce import torch_sum
from gradcli.core.ops.common import _fma, _reduced_count
from gradcli.core.ops.elementwise import _exp, _log
from gradcli.core.ops.reductions import logsumexp_jvp
from gradcli.core.ops.schema import (PROMOTE_BINARY, PROMOTE_UNARY_FLOAT, _sympy_log_softmax,
                                     _sympy_softmax, defop, minus, on_arrays, plus, sample, times)

# ----- Softmax -----
# Along the last dim PyTorch's softmax kernels sum with vec::reduce_all: one vector of lanes
# accumulated a vector at a time, the lanes then combined (a shuffle tree for float32, in order
# for float64), and for fewer elements than lanes simply left to right from the first.
_SOFTMAX_LANES = {np.dtype(np.float32): 16, np.dtype(np.float64): 8}  # AVX512 Vectorized<T>


def _lastdim_sum(x, tail_factors=None):
    """vec::reduce_all(+) along the last axis, keeping it (size 1).  With ``tail_factors``
    (a, b), x is a * b and the last partial vector is added by fused multiply-adds."""
    n, lanes = x.shape[-1], _SOFTMAX_LANES.get(x.dtype, 1)
    if n < lanes or n == 0:
        return _left_to_right(x, n)
    full = n - n % lanes
    acc = x[..., :lanes].copy()
    for start in range(lanes, full, lanes):
        acc += x[..., start:start + lanes]
    if tail_factors is None:
        acc[..., :n - full] += x[..., full:]
    elif n > full:
        a, b = tail_factors
        acc[..., :n - full] = _fma(a[..., full:], b[..., full:], acc[..., :n - full])
    if lanes == 16:  # float32: each step adds the lane `shift` away (i ^ shift)
        for shift in (8, 4, 2, 1):
            acc = acc + acc[..., np.arange(lanes) ^ shift]
        return acc[..., :1]
    return _left_to_right(acc, lanes)


def _left_to_right(x, n):
    total = x[..., :1].copy()
    for i in range(1, n):
        total += x[..., i:i + 1]
    return total


def _is_last(x, dim) -> bool:
    return x.ndim == 0 or dim % x.ndim == x.ndim - 1


def _softmax_forward(x, dim):
    if x.ndim == 0:  # one element, seen as a 1-element row
        return _softmax_forward(x.reshape(1), 0).reshape(())
    if not _is_last(x, dim):
        return _sleef.softmax_inner(x, dim)  # PyTorch's kernel divides for an inner dim...
    shifted = _exp(x - np.max(x, axis=dim, keepdims=True))
    return shifted * (1 / _lastdim_sum(shifted))  # ...and multiplies by the reciprocal here


def _log_softmax_forward(x, dim):
    if x.ndim == 0:
        return _log_softmax_forward(x.reshape(1), 0).reshape(())
    if not _is_last(x, dim):
        return _sleef.log_softmax_inner(x, dim)
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - _log(_lastdim_sum(_exp(shifted)))


def _softmax_backward_forward(g, r, dim):
    g, r = np.broadcast_arrays(g, r)
    if r.ndim == 0:
        return (g - g * r) * r
    if _is_last(r, dim):
        # measured: torch's float32 build fuses map2_reduce_all's last partial step for a
        # single row only (float64, and two rows or more, add the rounded products)
        one_row = r.dtype == np.float32 and r.size == r.shape[-1]
        return (g - _lastdim_sum(g * r, (g, r) if one_row else None)) * r
    # an inner dim: one fused multiply-add per step along it, from zero
    total = np.zeros(np.sum(r, axis=dim, keepdims=True).shape, dtype=r.dtype)
    for i in range(r.shape[dim]):
        pick = (slice(None),) * (dim % r.ndim) + (slice(i, i + 1),)
        total = _fma(g[pick], r[pick], total)
    return r * (g - total)


def _log_softmax_backward_forward(g, r, dim):
    g, r = np.broadcast_arrays(g, r)
    if r.ndim == 0:
        total = g
    elif _is_last(r, dim):
        total = _lastdim_sum(g)
    else:
        return _sleef.log_softmax_backward_inner(g, r, dim)
    return _fma(-_exp(r), total, g)


# derivatives.yaml: _softmax_backward_data and _log_softmax_backward_data, so that their own
# derivatives (a second backward) record the nodes PyTorch records
defop("softmax_backward_data", "SoftmaxBackwardDataBackward0", _softmax_backward_forward,
      lambda F, g, r, grad_output, output, dim: F.softmax_backward_data(g, output, dim=dim),
      lambda F, g, r, grad_output, output, dim:  # softmax_double_backward
          grad_output * g - F.sum(output * grad_output, dim=dim, keepdim=True) * g
          - grad_output * F.sum(output * g, dim=dim, keepdim=True),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"), formula="d (s*(g - sum(g*s)))", gradcheck=(
          sample((2, 3), (2, 3), dim=1), sample((2, 3), (2, 3), dim=0), sample((4,), (4,), dim=0)),
      # linear in grad_output; in output: output_t * (g - sum(g * s)) - s * sum(g * output_t)
      tangent=lambda F, ts, r, g, s, dim: plus(
          None if ts[0] is None else F.softmax_backward_data(ts[0], s, dim=dim),
          None if ts[1] is None else ts[1] * (g - F.sum(g * s, dim=dim, keepdim=True))
          - s * F.sum(g * ts[1], dim=dim, keepdim=True)))
defop("log_softmax_backward_data", "LogSoftmaxBackwardDataBackward0",
      _log_softmax_backward_forward,
      lambda F, g, r, grad_output, output, dim:
          g - F.sum(g * F.exp(output), dim=dim, keepdim=True),
      lambda F, g, r, grad_output, output, dim:
          -F.sum(grad_output, dim=dim, keepdim=True) * F.exp(output) * g,
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"), formula="d (g - exp(o)*sum(g))", gradcheck=(
          sample((2, 3), (2, 3), dim=1), sample((2, 3), (2, 3), dim=0), sample((4,), (4,), dim=0)),
      # linear in grad_output; in output: -output_t * exp(o) * sum(g)
      tangent=lambda F, ts, r, g, o, dim: plus(
          None if ts[0] is None else F.log_softmax_backward_data(ts[0], o, dim=dim),
          None if ts[1] is None else -ts[1] * F.exp(o) * F.sum(g, dim=dim, keepdim=True)))
defop("softmax", "SoftmaxBackward0", _softmax_forward,
      lambda F, g, r, x, dim: F.softmax_backward_data(g, r, dim=dim),
      saves_result=True, promote=PROMOTE_UNARY_FLOAT, sympy=on_arrays(_sympy_softmax),
      formula="d softmax(x)_i/dx_j = s_i*([i=j] - s_j)", saved_inputs=((),), gradcheck=(sample((2, 3), dim=1), sample((2, 3), dim=0), sample((4,), dim=0)),
      tangent=lambda F, ts, r, x, dim: r * (ts[0] - logsumexp_jvp(F, ts[0], x, dim, True)))
defop("log_softmax", "LogSoftmaxBackward0", _log_softmax_forward,
      lambda F, g, r, x, dim: F.log_softmax_backward_data(g, r, dim=dim),
      saves_result=True, promote=PROMOTE_UNARY_FLOAT, sympy=on_arrays(_sympy_log_softmax),
      formula="d log_softmax(x)_i/dx_j = [i=j] - softmax(x)_j", saved_inputs=((),),
      gradcheck=(sample((2, 3), dim=1), sample((2, 3), dim=0), sample((4,), dim=0)),
      tangent=lambda F, ts, r, x, dim: ts[0] - logsumexp_jvp(F, ts[0], x, dim, True))


# ----- Losses -----
def _mse_loss_forward(a, b, reduction="mean"):
    difference = a - b
    loss = difference * difference
    if reduction == "none":
        return loss
    total = torch_sum(loss, axis=tuple(range(loss.ndim)), keepdims=False)
    return total / loss.size if reduction == "mean" else total


def _mse_loss_backward_forward(g, a, b, reduction="mean"):
    # PyTorch's mse_backward kernel: norm * (input - target) * grad
    count = _reduced_count(np.broadcast_shapes(a.shape, b.shape), None)
    norm = (2.0 / count if count else math.inf) if reduction == "mean" else 2.0
    return norm * (a - b) * g


def _mse_double_backward(F, g, x, reduction):
    grad = 2 * g
    return grad / _reduced_count(x.shape, None) if reduction == "mean" else grad


defop("mse_loss_backward", "MseLossBackwardBackward0", _mse_loss_backward_forward,
      lambda F, g, r, grad_output, a, b, reduction="mean":
          F.mse_loss_backward(g, a, b, reduction=reduction),
      lambda F, g, r, grad_output, a, b, reduction="mean":
          _mse_double_backward(F, g * grad_output, a, reduction),
      lambda F, g, r, grad_output, a, b, reduction="mean":
          -_mse_double_backward(F, g * grad_output, b, reduction),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "self", "target"),
      formula="d norm*(a-b)*g", gradcheck=(sample((), (2, 3), (2, 3)),
                                           sample((2, 3), (2, 3), (2, 3), reduction="none")),
      tangent=lambda F, ts, r, g, a, b, reduction="mean": plus(minus(
          None if ts[1] is None else _mse_double_backward(F, ts[1] * g, a, reduction),
          None if ts[2] is None else _mse_double_backward(F, ts[2] * g, b, reduction)),
          None if ts[0] is None else F.mse_loss_backward(ts[0], a, b, reduction=reduction)))
defop("mse_loss", "MseLossBackward0", _mse_loss_forward,
      lambda F, g, r, a, b, reduction="mean": F.mse_loss_backward(g, a, b, reduction=reduction),
      lambda F, g, r, a, b, reduction="mean": F.mse_loss_backward(g, b, a, reduction=reduction),
      promote=PROMOTE_BINARY, arg_names=("self", "target"),
      formula="d mean((a-b)**2)/da = 2*(a-b)/n", gradcheck=(
          sample((2, 3), (2, 3)), sample((2, 3), (3,), reduction="sum"),
          sample((3,), (3,), reduction="none")),
      tangent=lambda F, ts, r, a, b, reduction="mean": _loss_reduced(F, plus(
          None if ts[0] is None else F.mse_loss_backward(ts[0], a, b, reduction="none"),
          None if ts[1] is None else F.mse_loss_backward(ts[1], b, a, reduction="none")), reduction))


def _loss_reduced(F, loss, reduction):
    return F.mean(loss) if reduction == "mean" else F.sum(loss) if reduction == "sum" else loss
