"""Rows: reductions (sum, mean, prod, max/min, norm...).
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.core.kernels import moments
from gradcli.core.kernels.reduce import torch_sum
from gradcli.core.ops.common import (_dims, _reduced_count, _restore_dims, _scalar_type_name,
                                     _sum_backward, _sum_forward)
from gradcli.core.ops.dispatch import NP
from gradcli.core.ops.schema import (LINEAR, PROMOTE_UNARY_FLOAT, TABLE, _sympy_norm, defop,
                                     dim_samples, on_arrays, sample,
                                     unary_samples)
from gradcli.core.ops.shape import _inverse_permutation
from gradcli.core.tensor import wrap_dim
from gradcli.errors import TorchError


# ----- Reductions -----
def _mean_forward(x, dim=None, keepdim=False):
    if x.dtype.kind not in "fO":  # object: sympy expressions in `gradcli check`
        raise TorchError("mean(): could not infer output dtype. Input dtype must be either a "
                         f"floating point or complex dtype. Got: {_scalar_type_name(x.dtype)}")
    total = torch_sum(x, axis=_dims(dim, x.ndim), keepdims=keepdim)
    return total / _reduced_count(x.shape, dim)


def _prod_forward(x, dim=None, keepdim=False):
    dtype = np.int64 if x.dtype.kind in "biu" else x.dtype
    return np.prod(x, axis=_dims(dim, x.ndim), keepdims=keepdim, dtype=dtype)


def _prod_rule(F, g, r, x, dim=None, keepdim=False):
    if len(x.shape) == 0:
        return g  # PyTorch returns the incoming gradient itself for a 0-d input
    g = _restore_dims(F, g, x.shape, dim, keepdim)
    r = _restore_dims(F, r, x.shape, dim, keepdim)
    zeros = int((F.as_array(x) == 0).sum())
    if not zeros:
        return g * (r / x)
    if dim is None and zeros > 1 and F is NP:
        return np.zeros(x.shape, dtype=x.dtype)  # PyTorch's shortcut outside grad mode
    if F is NP:
        return g * _prod_without_self(x, dim)
    grad = g * _prod_without_self_recorded(F, x, dim)
    # PyTorch works on the input viewed flat and views the gradient back (ViewBackward0)
    return F.view(grad, shape=tuple(x.shape)) if dim is None else grad


def _prod_tangent(F, t, r, x, dim=None, keepdim=False):
    # (prod_backward(ones.expand_as(result), self_p, result, dim, keepdim) * self_t).sum(dim, keepdim)
    ones = F.constant(np.ones(F.as_array(r).shape, F.as_array(r).dtype))
    terms = _prod_rule(F, ones, r, x, dim, keepdim) * t
    return F.sum(terms) if dim is None else F.sum(terms, dim=dim, keepdim=keepdim)


def _prod_without_self_recorded(F, x, dim):
    """``_prod_without_self`` as recorded ops, so create_graph can differentiate it again: each
    element's group copied with that element set to 1, then multiplied out.  Quadratic in the
    group's size, but it runs only for an input holding a zero under create_graph."""
    ndim = len(x.shape)
    axes = _dims(dim, ndim)
    order = tuple([d for d in range(ndim) if d not in axes] + list(axes))
    outer = tuple(x.shape[d] for d in order[:ndim - len(axes)])
    size = math.prod(x.shape[d] for d in axes)
    rows = F.reshape(F.permute(x, dims=order), shape=outer + (1, size))
    copies = F.expand(rows, shape=outer + (size, size))
    others = F.masked_fill(copies, mask=np.eye(size, dtype=bool), value=1.0)
    products = F.reshape(F.prod_dim(others, dim=-1), shape=tuple(x.shape[d] for d in order))
    return F.permute(products, dims=_inverse_permutation(order, ndim))


def _prod_without_self(x, dim):
    """Product of all the other elements of each reduced group (safe where x has zeros)."""
    axes = _dims(dim, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis((before * after).reshape(moved.shape),
                       tuple(range(x.ndim - len(axes), x.ndim)), axes)


defop("sum", "SumBackward0", lambda x: _sum_forward(x),
      lambda F, g, r, x: F.expand(g, shape=tuple(x.shape)),
      saves=False, formula="d sum(x)/dx_i = 1", gradcheck=unary_samples(), tangent=LINEAR,
      saved=("self_sym_sizes",))
defop("sum_dim", "SumBackward1", _sum_forward,
      lambda F, g, r, x, dim, keepdim=False: _sum_backward(F, g, x.shape, dim, keepdim),
      saves=False, formula="d sum(x, dim)/dx_i = 1", gradcheck=dim_samples(), tangent=LINEAR,
      saved=("dim", "keepdim", "self_sym_sizes"))
defop("mean", "MeanBackward0", lambda x: _mean_forward(x),
      lambda F, g, r, x: F.expand(g, shape=tuple(x.shape)) / _reduced_count(x.shape, None),
      saves=False, formula="d mean(x)/dx_i = 1/n", gradcheck=unary_samples(), tangent=LINEAR,
      saved=("self_sym_numel", "self_sym_sizes"))
defop("mean_dim", "MeanBackward1", _mean_forward,
      lambda F, g, r, x, dim, keepdim=False:
          _sum_backward(F, g, x.shape, dim, keepdim) / _reduced_count(x.shape, dim),
      saves=False, formula="d mean(x, dim)/dx_i = 1/n", gradcheck=dim_samples(), tangent=LINEAR,
      saved=("dim", "keepdim", "self_sym_numel", "self_sym_sizes"))
defop("prod", "ProdBackward0", lambda x: _prod_forward(x),
      lambda F, g, r, x: _prod_rule(F, g, r, x),
      saves_result=True, formula="d prod(x)/dx_i = prod(x)/x_i", gradcheck=unary_samples(domain="nonzero"),
      tangent=lambda F, ts, r, x: _prod_tangent(F, ts[0], r, x))
defop("prod_dim", "ProdBackward1", _prod_forward, _prod_rule,
      saves_result=True, formula="d prod(x, dim)/dx_i = prod/x_i", gradcheck=(sample((2, 3), domain="nonzero", dim=1), sample((2, 3), domain="nonzero", dim=0, keepdim=True)),
      tangent=lambda F, ts, r, x, dim=None, keepdim=False: _prod_tangent(F, ts[0], r, x, dim, keepdim))


def _extreme_forward(reduce):
    def forward(x):
        if x.size == 0:
            raise TorchError(f"{reduce.__name__}(): Expected reduction dim to be specified for "
                             "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        return reduce(x)
    return forward


def _evenly_distribute(F, g, r, x):
    mask = F.as_array(x) == F.as_array(r)
    count = np.asarray(mask.sum(), dtype=F.as_array(g).dtype)
    return F.masked_fill(F.zeros_like(x), mask=mask, value=g / F.constant(count, like=g))


def _evenly_read(F, ts, r, x):
    """evenly_read_jvp: the mean of the tangents where the input reaches the result."""
    mask = F.as_array(x) == F.as_array(r)
    count = np.asarray(mask.sum(), dtype=F.as_array(r).dtype)
    return F.sum(F.masked_fill(ts[0], mask=~mask)) / F.constant(count)


defop("max", "MaxBackward1", _extreme_forward(np.max), _evenly_distribute,
      saves_result=True, formula="d max(x)/dx_i = [x_i = max]/count", gradcheck=(sample((2, 3), domain="distinct"), sample((4,), domain="distinct")),
      tangent=_evenly_read)
defop("min", "MinBackward1", _extreme_forward(np.min), _evenly_distribute,
      saves_result=True, formula="d min(x)/dx_i = [x_i = min]/count", gradcheck=(sample((2, 3), domain="distinct"), sample((4,), domain="distinct")),
      tangent=_evenly_read)


def extreme_indices(arg, x, dim):
    """argmax/argmin along ``dim``, the dim kept (what max(dim)/min(dim) return, and save)."""
    if not x.ndim:
        return np.asarray(0, dtype=np.int64)
    d = wrap_dim(dim, x.ndim)
    if x.shape[d] == 0:
        raise TorchError(f"{'max' if arg is np.argmax else 'min'}(): Expected reduction dim {d} to "
                         "have non-zero size.", kind="IndexError")
    return np.expand_dims(arg(x, axis=d), d).astype(np.int64)


def _selected_values_forward(x, dim, indices, keepdim=False):
    if not x.ndim:
        return x.copy()
    d = wrap_dim(dim, x.ndim)
    values = np.take_along_axis(x, indices, axis=d)
    return values if keepdim else np.squeeze(values, axis=d)


def _value_selecting_rule(F, g, r, x, dim, indices, keepdim=False):
    # value_selecting_reduction_backward: the gradient scattered into zeros at the indices
    # (PyTorch saves the indices, not the input: x here is only its shape)
    if not len(x.shape):
        return g
    g = _restore_dims(F, g, x.shape, dim, keepdim)
    zeros = F.constant(np.zeros(x.shape, dtype=F.as_array(g).dtype))
    return F.scatter(zeros, g, dim=wrap_dim(dim, len(x.shape)), index=indices)


def _selected_tangent(F, ts, r, x, dim, indices, keepdim=False):
    # gather_with_keepdimed_indices(self_t, dim, indices, keepdim)
    if not len(x.shape):
        return ts[0]
    d = wrap_dim(dim, len(x.shape))
    picked = F.gather(ts[0], dim=d, index=indices)
    return picked if keepdim else F.squeeze_dim(picked, dim=d)


def _extreme_samples(arg):
    at = lambda d: lambda x: extreme_indices(arg, x, d)  # noqa: E731 - a parameter of the draw
    return (sample((2, 3), domain="distinct", dim=1, indices=at(1)),
            sample((2, 3), domain="distinct", dim=0, keepdim=True, indices=at(0)))


defop("max_dim", "MaxBackward0", _selected_values_forward, _value_selecting_rule, saved_inputs=((),),
      formula="d max(x, dim)/dx_i = [i = argmax]", gradcheck=_extreme_samples(np.argmax),
      tangent=_selected_tangent)
defop("min_dim", "MinBackward0", _selected_values_forward, _value_selecting_rule, saved_inputs=((),),
      formula="d min(x, dim)/dx_i = [i = argmin]", gradcheck=_extreme_samples(np.argmin),
      tangent=_selected_tangent)


def _norm_forward(x, dim=None, keepdim=False):
    if x.dtype.kind != "f":
        raise TorchError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                         f"Got {_scalar_type_name(x.dtype)}")
    return np.sqrt(torch_sum(x * x, axis=_dims(dim, x.ndim), keepdims=keepdim))


def _norm_rule(F, g, r, x, dim=None, keepdim=False):
    # norm_backward for p = 2: grad * (self / norm).masked_fill_(norm == 0, 0)
    g = _restore_dims(F, g, x.shape, dim, keepdim)
    r = _restore_dims(F, r, x.shape, dim, keepdim)
    return g * F.masked_fill(x / r, mask=r == 0)


def _norm_tangent(F, t, r, x, dim, keepdim):
    # norm_jvp for p = 2: (self_p * self_t).sum(dim, keepdim).div_(norm).masked_fill_(norm == 0, 0)
    products = x * t
    total = F.sum(products) if dim is None and not keepdim else F.sum(products, dim=dim,
                                                                       keepdim=keepdim)
    return F.masked_fill(total / r, mask=F.as_array(r) == 0)


defop("norm", "LinalgVectorNormBackward0", _norm_forward, _norm_rule, saves_result=True,
      sympy=on_arrays(_sympy_norm), formula="d |x|/dx = x/|x|", gradcheck=(sample((2, 3), domain="nonzero"), sample((2, 3), domain="nonzero", dim=1, keepdim=True),
                 sample((2, 3, 2), domain="nonzero", dim=(0, 2))),
      tangent=lambda F, ts, r, x, dim=None, keepdim=False: _norm_tangent(F, ts[0], r, x, dim, keepdim),
      saved=("dim", "keepdim", ("ord", 2), "result", "self"))


# ----- Cumulative sums and products: accumulated in double for float32, as PyTorch's kernel ----
def _cumulative(numpy_function, start):
    """The kernel starts from 0 (or 1) and accumulates in double for float32, rounding each
    output; numpy starts from the first element, so only a -0.0 sum differs (0 + -0.0 is 0)."""
    def forward(x, dim):
        if x.dtype.kind in "biu":  # integers and bools accumulate as int64
            return numpy_function(x, axis=dim, dtype=np.int64) if x.ndim else x.astype(np.int64)
        wide = np.float64 if x.dtype != np.float16 else np.float32  # at::acc_type
        out = numpy_function(x.astype(wide), axis=dim) if x.ndim else x.astype(wide)
        return (out + start if start == 0 else out).astype(x.dtype)
    return forward


def _reversed_cumsum(F, w, dim):
    return F.flip(F.cumsum(F.flip(w, dims=(dim,)), dim=dim), dims=(dim,))


def _cumsum_rule(F, g, r, x, dim):
    if math.prod(x.shape) <= 1 or x.shape[dim] == 1:
        return g
    return _reversed_cumsum(F, g, dim)


def _cumprod_rule(F, g, r, x, dim):
    if math.prod(x.shape) <= 1 or x.shape[dim] == 1:
        return g
    if not (F.as_array(x) == 0).any():
        return F.div(_reversed_cumsum(F, r * g, dim), x)
    if F is NP:
        return _cumprod_zeros_numpy(g, x, r, dim)
    return _cumprod_rule_with_zeros(F, g, x, dim)


def _cumprod_zeros_numpy(g, x, r, dim):
    """cumprod_backward outside grad mode, for an input holding zeros, in PyTorch's steps: the
    elements before the first zero as without zeros, the first zero from the products around
    it, the rest zero."""
    count = np.cumsum(x == 0, axis=dim)
    out = np.zeros(x.shape, dtype=g.dtype)
    mask = count == 0
    before = NP.div(_reversed_cumsum(NP, np.where(mask, r * g, 0), dim), x)
    out[mask] = before[mask]
    mask = count == 1
    first = np.argmax(mask, axis=dim, keepdims=True)  # 0 where the row has no zero
    first_mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(first_mask, first, True, axis=dim)
    first_mask &= mask
    mask &= ~first_mask
    part = NP.cumprod(np.where(mask, x, 1), dim=dim) * np.where(count != 1, 0, g)
    part = np.asarray(torch_sum(part, axis=(dim,), keepdims=True))
    previous = np.take_along_axis(r, np.maximum(first - 1, 0), axis=dim)
    part = part * np.where(first == 0, np.ones((), dtype=r.dtype), previous)
    out[first_mask] = np.broadcast_to(part, x.shape)[first_mask]
    return out


def _cumprod_rule_with_zeros(F, g, x, dim):
    """cumprod_backward's composite for an input holding zeros: for each k, the sum over
    j >= k of g_j times the product of x_0..x_j without x_k (quadratic in the dim's size)."""
    size = x.shape[dim]
    ones = F.constant(np.ones(tuple(1 if d == dim else s for d, s in enumerate(x.shape)),
                              dtype=F.as_array(g).dtype))
    grad_input = None
    for k in range(size):
        if k == 0:
            omitted = F.cat(ones, F.cumprod(F.slice(x, dim=dim, start=1, stop=size, step=1),
                                            dim=dim), dim=dim)
        else:
            until_k = F.prod_dim(F.slice(x, dim=dim, start=0, stop=k, step=1), dim=dim,
                                 keepdim=True)
            if k == size - 1:
                omitted = until_k
            else:
                after_k = F.cumprod(F.slice(x, dim=dim, start=k + 1, stop=size, step=1), dim=dim)
                omitted = F.cat(until_k, F.expand(until_k, shape=tuple(after_k.shape)) * after_k,
                                dim=dim)
        part = F.sum(F.slice(g, dim=dim, start=k, stop=size, step=1) * omitted, dim=dim)
        part = F.unsqueeze(part, dim=dim)
        grad_input = part if grad_input is None else F.cat(grad_input, part, dim=dim)
    return grad_input


def _cumprod_tangent(F, t, r, x, dim):
    """cumprod_jvp: (t / x).cumsum(dim) * result, and past an element's first zero along dim
    the cumulative product of the elements with that zero's tangent in its place."""
    gradient = F.cumsum(t / x, dim=dim) * r
    zeros = F.as_array(x) == 0
    if not len(x.shape):
        return F.where(zeros, t, gradient)  # (masked_fill_(self_p == 0, self_t))
    first_zero = zeros & (np.cumsum(zeros, axis=dim) == 1)
    after_zero = np.cumsum(first_zero, axis=dim).astype(bool)
    return F.where(after_zero, F.cumprod(F.where(first_zero, t, x), dim=dim), gradient)


defop("cumsum", "CumsumBackward0", _cumulative(np.cumsum, 0), _cumsum_rule, saves=False,
      sympy=on_arrays(lambda sp, x, dim: np.cumsum(x, axis=dim)),
      formula="d cumsum(x)_j/dx_i = [i <= j]: the gradient summed from the end",
      gradcheck=(sample((2, 3), dim=1), sample((4,), dim=0), sample((2, 3, 2), dim=0)),
      tangent=LINEAR)
defop("cumprod", "CumprodBackward0", _cumulative(np.cumprod, 1), _cumprod_rule, saves_result=True,
      sympy=on_arrays(lambda sp, x, dim: np.cumprod(x, axis=dim)),
      formula="d cumprod(x)_j/dx_i = cumprod(x)_j / x_i for i <= j",
      gradcheck=(sample((2, 3), dim=1, domain="nonzero"), sample((4,), dim=0, domain="nonzero"),
                 sample((2, 3), dim=0)),
      tangent=lambda F, ts, r, x, dim: _cumprod_tangent(F, ts[0], r, x, dim))


# ----- logsumexp: exp and log as the exp and log rows, the sum in PyTorch's order -----
def _logsumexp_forward(x, dim, keepdim=False):
    axes = _dims(dim, x.ndim)
    maxes = np.amax(x, axis=axes, keepdims=True) if x.size else np.zeros(
        tuple(1 if d in axes else s for d, s in enumerate(x.shape)), dtype=x.dtype)
    maxes = np.where(np.abs(maxes) == np.inf, np.zeros((), x.dtype), maxes)  # (masked_fill_)
    exp, log = TABLE["exp"].forward, TABLE["log"].forward
    total = torch_sum(exp(x - maxes), axis=axes, keepdims=keepdim)
    kept = maxes if keepdim else maxes.reshape(np.shape(total))
    return log(np.asarray(total)) + kept


def _logsumexp_rule(F, g, r, x, dim, keepdim=False):
    if not keepdim and len(x.shape):
        g = _restore_dims(F, g, x.shape, dim, keepdim)
        r = _restore_dims(F, r, x.shape, dim, keepdim)
    return g * F.exp(x - r)


def logsumexp_jvp(F, t, x, dim, keepdim=False):
    """logsumexp_jvp: the tangent's mean weighted by exp(x - max) (also softmax's and
    log_softmax's, with keepdim)."""
    if not len(x.shape):
        return t  # one element: its weight is exp(0) / exp(0)
    exps = F.exp(x - F.constant(np.max(F.as_array(x), axis=dim, keepdims=True)))
    return F.sum(exps * t, dim=dim, keepdim=keepdim) / F.sum(exps, dim=dim, keepdim=keepdim)


def _sympy_logsumexp(sp, x, dim, keepdim=False):
    total = np.frompyfunc(sp.exp, 1, 1)(x).sum(axis=_dims(dim, x.ndim), keepdims=keepdim)
    return np.frompyfunc(sp.log, 1, 1)(np.asarray(total, dtype=object))


defop("logsumexp", "LogsumexpBackward0", _logsumexp_forward, _logsumexp_rule, saves_result=True,
      promote=PROMOTE_UNARY_FLOAT, sympy=on_arrays(_sympy_logsumexp), formula="d logsumexp(x)/dx_i = softmax(x)_i",
      gradcheck=(sample((2, 3), dim=1), sample((2, 3), dim=(0, 1), keepdim=True),
                 sample((4,), dim=0)),
      tangent=lambda F, ts, r, x, dim, keepdim=False: logsumexp_jvp(F, ts[0], x, dim, keepdim))


# ----- Variance and standard deviation (kernels/moments.py) -----
def _var_forward(x, dim=None, correction=1.0, keepdim=False):
    return moments.var(x, _dims(dim, x.ndim), correction, keepdim)


def _std_forward(x, dim=None, correction=1.0, keepdim=False):
    return moments.var(x, _dims(dim, x.ndim), correction, keepdim, take_sqrt=True)


def _var_backward(F, g, x, dim, correction, keepdim):
    """var_backward: 2 / (n - correction) * grad * (x - mean)."""
    if not len(x.shape) or dim is None:
        dof = math.prod(x.shape) - correction
        if dof <= 0:  # inf, or nan where x is its mean (infinity times zero)
            mean = np.asarray(F.as_array(F.mean(x)))
            spike = np.where(F.as_array(x) == mean, np.nan, np.inf).astype(F.as_array(g).dtype)
            return g * F.constant(spike)
        return (2.0 / dof) * g * (x - F.mean(x))
    if not keepdim and len(x.shape) > 1:
        g = _restore_dims(F, g, x.shape, dim, keepdim)
    dof = _reduced_count(x.shape, dim) - correction
    scale = 2.0 / dof if dof else math.inf  # (C++ divides by zero to infinity)
    return scale * g * (x - F.mean_dim(x, dim=dim, keepdim=True))


def _var_tangent(F, t, x, dim, correction, keepdim):
    """var's: var_backward(self_t, self_p, dim, correction, keepdim=true), summed over dim."""
    terms = _var_backward(F, t, x, dim, correction, True)
    if not len(x.shape):
        return terms
    return F.sum(terms, dim=tuple(range(len(x.shape))) if dim is None else dim, keepdim=keepdim)


def _std_tangent(F, t, r, x, dim, correction, keepdim):
    # (var's tangent / (2. * result)).masked_fill_(result == 0, 0)
    return F.masked_fill(_var_tangent(F, t, x, dim, correction, keepdim) / (2.0 * r),
                         mask=F.as_array(r) == 0)


def _std_backward(F, g, r, x, dim=None, correction=1.0, keepdim=False):
    grad_var = F.masked_fill(g / (r * 2), mask=F.as_array(r) == 0)
    return _var_backward(F, grad_var, x, dim, correction, keepdim)


def _sympy_var(sp, x, dim=None, correction=1.0, keepdim=False, root=False):
    axes = _dims(dim, x.ndim)
    count = _reduced_count(x.shape, axes)
    deviations = x - x.sum(axis=axes, keepdims=True) / count
    variance = np.asarray((deviations * deviations).sum(axis=axes, keepdims=keepdim)
                          / (count - correction), dtype=object)
    return np.frompyfunc(sp.sqrt, 1, 1)(variance) if root else variance


defop("var", "VarBackward0", _var_forward,
      lambda F, g, r, x, dim=None, correction=1.0, keepdim=False:
          _var_backward(F, g, x, dim, correction, keepdim),
      sympy=on_arrays(_sympy_var), formula="d var(x)/dx_i = 2 (x_i - mean) / (n - correction)",
      gradcheck=(sample((2, 3)), sample((2, 3), dim=(1,), correction=0.0),
                 sample((2, 3, 2), dim=(0, 2), keepdim=True), sample((4,), dim=(0,))),
      tangent=lambda F, ts, r, x, dim=None, correction=1.0, keepdim=False:
          _var_tangent(F, ts[0], x, dim, correction, keepdim),
      saved=("correction", "dim", "keepdim", "self"))
defop("std", "StdBackward0", _std_forward, _std_backward, saves_result=True,
      sympy=on_arrays(lambda sp, x, **params: _sympy_var(sp, x, **params, root=True)),
      formula="d std(x)/dx_i = (x_i - mean) / ((n - correction) std)",
      gradcheck=(sample((2, 3)), sample((2, 3), dim=(1,)),
                 sample((2, 3, 2), dim=(0, 2), keepdim=True, correction=0.0)),
      tangent=lambda F, ts, r, x, dim=None, correction=1.0, keepdim=False:
          _std_tangent(F, ts[0], r, x, dim, correction, keepdim),
      saved=("correction", "dim", "keepdim", "result", "self"))
