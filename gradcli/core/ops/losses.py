"""Rows: the losses PyTorch computes as one op (nll_loss, smooth_l1, huber, binary cross
entropy with and without logits); mse_loss is in softmax.py, cross entropy and KL divergence
are compositions in nn.functional as they are in ATen.

Reductions follow ATen: nll_loss adds its terms in a cascade of partial sums (reproduced
below), the pointwise losses reduce with at::mean / at::sum (gradcli's torch_sum order).
"""

from __future__ import annotations

import numpy as np

from gradcli.core.kernels.reduce import torch_sum
from gradcli.core.ops.schema import PROMOTE_BINARY, defop, sample
from gradcli.errors import TorchError

_MEAN, _SUM, _NONE = "mean", "sum", "none"


def _reduce(loss, reduction):
    if reduction == _NONE:
        return loss
    total = torch_sum(loss, axis=tuple(range(loss.ndim)), keepdims=False)
    return total / loss.dtype.type(loss.size) if reduction == _MEAN else total


def _norm(reduction, count, dtype):
    """ATen's norm factor of a pointwise loss's gradient: 1/numel (a double, then the dtype)."""
    return dtype.type(1.0 / count) if reduction == _MEAN else dtype.type(1.0)


# ----- nll_loss -----
_LEVELS = 8  # ATen's cascade_sum_num_levels


def _ceil_log2(n):
    return 1 if n <= 2 else int(n - 1).bit_length()


def _cascade(values, weights, dtype):
    """nll_loss's sums of -value*weight and of weight, in ATen's cascade of partial sums."""
    count = len(values)
    power = max(4, _ceil_log2(count) // 2)
    mask = (1 << power) - 1
    zero = dtype.type(0)
    losses, totals = [zero] * _LEVELS, [zero] * _LEVELS
    for b, (value, weight) in enumerate(zip(values, weights)):
        if value is None:  # ignore_index
            continue
        losses[0] = losses[0] - value * weight
        totals[0] = totals[0] + weight
        for j in range(_LEVELS - 1):
            if b & (mask << (j * power)):
                break
            losses[j + 1], totals[j + 1] = losses[j + 1] + losses[j], totals[j + 1] + totals[j]
            losses[j], totals[j] = zero, zero
    loss, total = zero, zero
    for level in range(_LEVELS):
        loss, total = loss + losses[level], total + totals[level]
    return loss, total


def _nll_rows(x, target):
    """(N*positions, C) rows of the input and the target per row (classes along dim 1)."""
    if x.ndim == 1:
        return x[None, :], target.reshape(1)
    classes = x.shape[1]
    return np.moveaxis(x, 1, -1).reshape(-1, classes), target.reshape(-1)


def _check_targets(target, classes, ignore_index):
    bad = (target != ignore_index) & ((target < 0) | (target >= classes))
    if bad.any():
        raise TorchError(f"Target {int(target[bad][0])} is out of bounds.", kind="IndexError")


def _nll_total_weight(dtype, target, weight, ignore_index):
    """The mean's divisor: the kept rows' count, or their weights summed as the forward sums."""
    targets = target.reshape(-1)
    if weight is None:  # ATen: batch size minus the ignored, not a sum
        return dtype.type(int((targets != ignore_index).sum()))
    values = [None if t == ignore_index else dtype.type(0) for t in targets]
    return _cascade(values, [dtype.type(1) if t == ignore_index else weight[t] for t in targets],
                    dtype)[1]


def _nll_forward(x, target, weight=None, reduction=_MEAN, ignore_index=-100):
    rows, targets = _nll_rows(x, target)
    _check_targets(targets, rows.shape[1], ignore_index)
    dtype = rows.dtype
    picked = [None if t == ignore_index else rows[b, t] for b, t in enumerate(targets)]
    weights = [dtype.type(1) if weight is None or t == ignore_index else weight[t]
               for t in targets]
    if reduction == _NONE:
        out = np.array([dtype.type(0) if v is None else -w * v if weight is not None else -v
                        for v, w in zip(picked, weights)], dtype=dtype)
        return out.reshape(target.shape)
    loss, total = _cascade(picked, weights, dtype)
    if weight is None:
        total = dtype.type(sum(v is not None for v in picked))
    return np.asarray(loss / total if reduction == _MEAN else loss, dtype=dtype)


def _nll_backward_forward(g, input_shape, target, weight=None, reduction=_MEAN,
                          ignore_index=-100, total_weight=1.0):
    """The gradient lands on each row's target class: -weight * grad (over the total weight
    for the mean)."""
    shape = tuple(input_shape)
    moved = (shape[0],) + shape[2:] + (shape[1],) if len(shape) > 1 else (1, shape[0])
    out = np.zeros((int(np.prod(moved[:-1])), moved[-1]), dtype=g.dtype)
    targets = target.reshape(-1)
    if reduction == _NONE:
        grads = g.reshape(-1)
        scale = None
    else:
        grad = g.reshape(()) / total_weight if reduction == _MEAN else g.reshape(())
        scale = -grad
    for b, t in enumerate(targets):
        if t == ignore_index:
            continue
        w = weight[t] if weight is not None else None
        if scale is None:
            out[b, t] = -(w if w is not None else g.dtype.type(1)) * grads[b]
        else:
            out[b, t] = w * scale if w is not None else scale
    out = out.reshape(moved)
    return np.ascontiguousarray(np.moveaxis(out, -1, 1)) if len(shape) > 1 else out[0]


def _nll_rule(F, g, r, x, target, weight=None, reduction=_MEAN, ignore_index=-100):
    dtype = F.as_array(g).dtype
    total = (_nll_total_weight(dtype, target, weight, ignore_index) if reduction == _MEAN
             else dtype.type(1))
    return F.nll_loss_backward(g, input_shape=tuple(x.shape), target=target, weight=weight,
                               reduction=reduction, ignore_index=ignore_index,
                               total_weight=total)


_TARGET = np.array([1, 0, 3])
for _name, _grad_fn, _samples in (
        ("nll_loss", "NllLossBackward0", (
            sample((3, 4), target=_TARGET), sample((3, 4), target=_TARGET, reduction=_SUM),
            sample((3, 4), target=np.array([1, -100, 2]), reduction=_NONE),
            sample((3, 4), target=_TARGET, weight=np.array([0.5, 1.0, 2.0, 0.25])),
            sample((4,), target=np.array(2)))),
        ("nll_loss2d", "NllLoss2DBackward0", (
            sample((2, 3, 2, 2), target=np.array([[[0, 1], [2, 0]], [[1, 1], [0, 2]]])),
            sample((1, 3, 1, 2), target=np.array([[[2, -100]]]), reduction=_NONE)))):
    defop(_name, _grad_fn, _nll_forward, _nll_rule, saved_inputs=((),),
          formula="d nll/dx[b, t_b] = -w[t_b] (/ total weight for the mean)",
          gradcheck=_samples)
defop("nll_loss_backward", "NllLossBackwardBackward0", _nll_backward_forward,
      lambda F, g, r, grad, input_shape, target, weight=None, reduction=_MEAN, ignore_index=-100,
      total_weight=1.0: F.nll_loss(g, target=target, weight=weight, reduction=reduction,
                                   ignore_index=ignore_index),
      saves=False, arg_names=("grad_output",), formula="nll_loss's gradient, linear in it",
      gradcheck=(sample((), input_shape=(3, 4), target=_TARGET, total_weight=3.0),
                 sample((3,), input_shape=(3, 4), target=_TARGET, reduction=_NONE)))


# ----- Smooth L1 and Huber -----
def _abs_difference(x, y):
    return np.abs(x - y)


def _smooth_l1_forward(x, y, reduction=_MEAN, beta=1.0):
    z, b, half = _abs_difference(x, y), x.dtype.type(beta), x.dtype.type(0.5)
    return _reduce(np.where(z < b, half * z * z / b, z - half * b), reduction)


def _smooth_l1_backward_forward(g, x, y, reduction=_MEAN, beta=1.0):
    d, b = x - y, x.dtype.type(beta)
    norm = _norm(reduction, x.size, x.dtype)
    return np.where(d <= -b, -norm * g, np.where(d >= b, norm * g, norm * d * g / b))


def _huber_forward(x, y, reduction=_MEAN, delta=1.0):
    z, d, half = _abs_difference(x, y), x.dtype.type(delta), x.dtype.type(0.5)
    return _reduce(np.where(z < d, half * z * z, d * (z - half * d)), reduction)


def _huber_backward_forward(g, x, y, reduction=_MEAN, delta=1.0):
    d, delta = x - y, x.dtype.type(delta)
    norm = _norm(reduction, x.size, x.dtype)
    return np.where(d <= -delta, -norm * g * delta,
                    np.where(d >= delta, norm * g * delta, norm * d * g))


def _pointwise_loss(name, grad_fn, forward, backward, parameter, formula):
    backward_name = name + "_backward"

    def second(F, g, r, grad, x, y, reduction=_MEAN, **p):  # the second derivative, in x
        inside = F.as_array(F.abs(x - y)) < p[parameter]
        scale = (1 / p[parameter] if name == "smooth_l1_loss" else 1) * (
            1 / np.prod(x.shape) if reduction == _MEAN else 1)
        return F.where(inside, g * grad * scale, F.zeros_like(g))

    defop(backward_name, grad_fn.replace("Backward0", "BackwardBackward0"), backward,
          lambda F, g, r, grad, x, y, **p: getattr(F, backward_name)(g, x, y, **p),
          second, lambda F, g, r, grad, x, y, **p: -second(F, g, r, grad, x, y, **p),
          promote=PROMOTE_BINARY, arg_names=("grad_output", "self", "target"),
          formula=f"{name}'s gradient",
          gradcheck=(sample((3,), (3,), (3,), domain="distinct", reduction=_NONE,
                            **{parameter: 0.5}),))
    defop(name, grad_fn, forward,
          lambda F, g, r, x, y, **p: getattr(F, backward_name)(g, x, y, **p),
          lambda F, g, r, x, y, **p: -getattr(F, backward_name)(g, x, y, **p),
          promote=PROMOTE_BINARY, arg_names=("self", "target"), formula=formula,
          gradcheck=(sample((2, 3), (2, 3), domain="distinct", **{parameter: 0.5}),
                     sample((4,), (4,), domain="distinct", reduction=_SUM, **{parameter: 2.0}),
                     sample((3,), (3,), domain="distinct", reduction=_NONE,
                            **{parameter: 1.0})))


_pointwise_loss("smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1_forward,
                _smooth_l1_backward_forward, "beta",
                "d/dx = (x-y)/beta inside beta, sign(x-y) outside")
_pointwise_loss("huber_loss", "HuberLossBackward0", _huber_forward, _huber_backward_forward,
                "delta", "d/dx = x-y inside delta, delta*sign(x-y) outside")


# ----- Binary cross entropy -----
def _log(x):
    return _through_double(np.log, x)


def _through_double(function, x):
    return function(x.astype(np.float64)).astype(x.dtype) if x.dtype == np.float32 else function(x)


def _bce_forward(x, y, weight=None, reduction=_MEAN):
    if ((x < 0) | (x > 1)).any():
        raise TorchError("all elements of input should be between 0 and 1")
    floor = x.dtype.type(-100)
    loss = (y - x.dtype.type(1)) * np.maximum(_through_double(np.log1p, -x), floor) \
        - y * np.maximum(_log(x), floor)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _bce_input_rule(F, g, r, x, y, weight=None, reduction=_MEAN):
    # (grad * (x - y) / max((1 - x) * x, 1e-12)) * weight / numel
    grad = F.expand(g, shape=tuple(x.shape)) if len(g.shape) != len(x.shape) else g
    out = grad * (x - y) / F.clamp_min((1 - x) * x, min=1e-12)
    if weight is not None:
        out = out * F.constant(weight)
    return out / int(np.prod(x.shape)) if reduction == _MEAN else out


def _bce_target_rule(F, g, r, x, y, weight=None, reduction=_MEAN):
    out = -F.log(x / (1 - x)) * g  # at::logit(self).neg_() * grad
    if weight is not None:
        out = out * F.constant(weight)
    return out / int(np.prod(x.shape)) if reduction == _MEAN else out


defop("binary_cross_entropy", "BinaryCrossEntropyBackward0", _bce_forward,
      _bce_input_rule, _bce_target_rule, promote=PROMOTE_BINARY, arg_names=("self", "target"),
      formula="d bce/dx = (x - y) / (x*(1-x))",
      gradcheck=(sample((2, 3), (2, 3), domain="probability"),
                 sample((3,), (3,), domain="probability", reduction=_SUM,
                        weight=np.array([0.5, 1.0, 2.0])),
                 sample((3,), (3,), domain="probability", reduction=_NONE)))


def _log_sigmoid(x):
    # min(x, 0) - log1p(exp(-|x|)), as ATen's log_sigmoid kernel
    return np.minimum(x, x.dtype.type(0)) - _through_double(
        lambda v: np.log1p(np.exp(-np.abs(v))), x)


def _bce_logits_forward(x, y, weight=None, pos_weight=None, reduction=_MEAN):
    log_sigmoid = _log_sigmoid(x)
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((pos_weight - x.dtype.type(1)) * y + x.dtype.type(1))
    loss = (x.dtype.type(1) - y) * x - log_sigmoid
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _bce_logits_input_rule(F, g, r, x, y, weight=None, pos_weight=None, reduction=_MEAN):
    if pos_weight is not None:
        t = F.constant(pos_weight) * y
        grad = (t + 1 - y) * F.sigmoid(x) - t
    else:
        grad = F.sigmoid(x) - y
    grad = grad * g
    if weight is not None:
        grad = grad * F.constant(weight)
    return grad / int(np.prod(x.shape)) if reduction == _MEAN else grad


def _bce_logits_target_rule(F, g, r, x, y, weight=None, pos_weight=None, reduction=_MEAN):
    if pos_weight is not None:
        grad = F.log(F.sigmoid(-x)) - F.log(F.sigmoid(x)) * F.constant(pos_weight)
    else:
        grad = -x
    grad = grad * g
    if weight is not None:
        grad = grad * F.constant(weight)
    return grad / int(np.prod(x.shape)) if reduction == _MEAN else grad


defop("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0",
      _bce_logits_forward, _bce_logits_input_rule, _bce_logits_target_rule,
      promote=PROMOTE_BINARY, arg_names=("self", "target"),
      formula="d bce(sigmoid(x), y)/dx = sigmoid(x) - y",
      gradcheck=(sample((2, 3), (2, 3)),
                 sample((3,), (3,), reduction=_SUM, weight=np.array([0.5, 1.0, 2.0]),
                        pos_weight=np.array([2.0, 1.0, 0.5])),
                 sample((3,), (3,), reduction=_NONE, pos_weight=np.array([3.0, 1.0, 0.5]))))


# ----- xlogy (KL divergence's target term) -----
def _xlogy_forward(x, y):
    """x * log(y), 0 where x is 0, NaN where y is NaN (ATen's xlogy kernel)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = _log(y.astype(np.result_type(x, y)))
    out = np.where(x == 0, np.zeros((), dtype=logs.dtype), x * logs)
    return np.where(np.isnan(y), np.asarray(np.nan, dtype=out.dtype), out)


defop("xlogy", "XlogyBackward0", _xlogy_forward,
      lambda F, g, r, x, y: g * F.xlogy(  # grad * xlogy(self != 0, other)
          F.to_dtype(F.constant(F.as_array(x) != 0), dtype=F.as_array(g).dtype), y),
      lambda F, g, r, x, y: g * x / y,
      promote=PROMOTE_BINARY, arg_names=("self", "other"),
      sympy=lambda sp, x, y: x * sp.log(y), formula="d x*log(y)/dx = log(y), /dy = x/y",
      gradcheck=(sample((2, 3), (2, 3), domain=("nonzero", "positive")),
                 sample((3,), (2, 3), domain=("any", "positive"))))
