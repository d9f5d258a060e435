"""Rows: reductions (sum, mean, prod, max/min, norm...).
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.core.kernels.reduce import torch_sum
from gradcli.core.ops.common import (_dims, _reduced_count, _restore_dims, _sum_backward,
                                     _sum_forward)
from gradcli.core.ops.dispatch import NP
from gradcli.core.ops.schema import (_sympy_norm, defop, dim_samples, on_arrays, sample,
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


def _scalar_type_name(np_dtype) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np_dtype.name, np_dtype.name)


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
      saves=False, formula="d sum(x)/dx_i = 1", gradcheck=unary_samples())
defop("sum_dim", "SumBackward1", _sum_forward,
      lambda F, g, r, x, dim, keepdim=False: _sum_backward(F, g, x.shape, dim, keepdim),
      saves=False, formula="d sum(x, dim)/dx_i = 1", gradcheck=dim_samples())
defop("mean", "MeanBackward0", lambda x: _mean_forward(x),
      lambda F, g, r, x: F.expand(g, shape=tuple(x.shape)) / _reduced_count(x.shape, None),
      saves=False, formula="d mean(x)/dx_i = 1/n", gradcheck=unary_samples())
defop("mean_dim", "MeanBackward1", _mean_forward,
      lambda F, g, r, x, dim, keepdim=False:
          _sum_backward(F, g, x.shape, dim, keepdim) / _reduced_count(x.shape, dim),
      saves=False, formula="d mean(x, dim)/dx_i = 1/n", gradcheck=dim_samples())
defop("prod", "ProdBackward0", lambda x: _prod_forward(x),
      lambda F, g, r, x: _prod_rule(F, g, r, x),
      saves_result=True, formula="d prod(x)/dx_i = prod(x)/x_i", gradcheck=unary_samples(domain="nonzero"))
defop("prod_dim", "ProdBackward1", _prod_forward, _prod_rule,
      saves_result=True, formula="d prod(x, dim)/dx_i = prod/x_i", gradcheck=(sample((2, 3), domain="nonzero", dim=1), sample((2, 3), domain="nonzero", dim=0, keepdim=True)))


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


defop("max", "MaxBackward1", _extreme_forward(np.max), _evenly_distribute,
      saves_result=True, formula="d max(x)/dx_i = [x_i = max]/count", gradcheck=(sample((2, 3), domain="distinct"), sample((4,), domain="distinct")))
defop("min", "MinBackward1", _extreme_forward(np.min), _evenly_distribute,
      saves_result=True, formula="d min(x)/dx_i = [x_i = min]/count", gradcheck=(sample((2, 3), domain="distinct"), sample((4,), domain="distinct")))


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


def _extreme_samples(arg):
    at = lambda d: lambda x: extreme_indices(arg, x, d)  # noqa: E731 - a parameter of the draw
    return (sample((2, 3), domain="distinct", dim=1, indices=at(1)),
            sample((2, 3), domain="distinct", dim=0, keepdim=True, indices=at(0)))


defop("max_dim", "MaxBackward0", _selected_values_forward, _value_selecting_rule, saved_inputs=((),),
      formula="d max(x, dim)/dx_i = [i = argmax]", gradcheck=_extreme_samples(np.argmax))
defop("min_dim", "MinBackward0", _selected_values_forward, _value_selecting_rule, saved_inputs=((),),
      formula="d min(x, dim)/dx_i = [i = argmin]", gradcheck=_extreme_samples(np.argmin))


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


defop("norm", "LinalgVectorNormBackward0", _norm_forward, _norm_rule, saves_result=True,
      sympy=on_arrays(_sympy_norm), formula="d |x|/dx = x/|x|", gradcheck=(sample((2, 3), domain="nonzero"), sample((2, 3), domain="nonzero", dim=1, keepdim=True),
                 sample((2, 3, 2), domain="nonzero", dim=(0, 2))))
