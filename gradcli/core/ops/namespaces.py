"""The two namespaces rules run against: ``NP`` (numpy arrays) and ``T`` (Tensors,
recorded for higher derivatives).
"""

from __future__ import annotations

import numpy as np

from gradcli.core.ops.arithmetic import _pow_scalar_forward
from gradcli.core.ops.common import _sum_forward
from gradcli.core.ops.composite import mm, reshape
from gradcli.core.ops.dispatch import NP, T, apply
from gradcli.core.ops.elementwise import _sgn
from gradcli.core.ops.indexing import _index_put_forward, _masked_fill_forward
from gradcli.core.ops.schema import TABLE
from gradcli.core.tensor import Tensor


# ----- The two faces of the table -----
def _as_array(x):
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _np_constant(value, like=None):
    return value


def _t_constant(value, like=None):
    return Tensor(np.asarray(value))


def _np_zeros_like(x):
    return np.zeros(x.shape, dtype=x.dtype)


def _t_zeros_like(x):
    return Tensor(np.zeros(x.array.shape if isinstance(x, Tensor) else x.shape,
                           dtype=x.array.dtype if isinstance(x, Tensor) else x.dtype))


def _np_masked_fill(x, mask, value=0.0):
    if type(value) is not np.ndarray and not np.isscalar(value):
        value = np.asarray(value)
    return _masked_fill_forward(x, mask, value)


def _t_masked_fill(x, mask, value=0.0):
    mask = _as_array(mask)
    if isinstance(value, Tensor):
        return apply(TABLE["masked_fill_tensor"], x, value, mask=mask)
    return apply(TABLE["masked_fill"], x, mask=mask, value=value)


def _np_where(condition, a, b):
    return np.where(condition, a, b)


def _t_where(condition, a, b):
    return apply(TABLE["where"], a, b, condition=_as_array(condition))


def _np_index_put(x, values, index):
    return _index_put_forward(x, values, index)


def _t_index_put(x, values, index):
    return apply(TABLE["index_put"], x, values, index=index)


def _t_sum(x, dim=None, keepdim=False):
    if dim is None and not keepdim:
        return apply(TABLE["sum"], x)
    return apply(TABLE["sum_dim"], x, dim=dim, keepdim=keepdim)


def _t_reshape(x, shape):
    return reshape(x, *shape)


def _t_sum_to(x, shape):
    """at::sum_to: a sum over the broadcast dims (kept), then a view without the leading ones."""
    if not shape:
        return apply(TABLE["sum"], x)
    lead = x.array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, size in enumerate(shape)
                                      if size == 1 and x.array.shape[lead + i] != 1)
    if axes:
        x = apply(TABLE["sum_dim"], x, dim=axes, keepdim=True)
    return apply(TABLE["view"], x, shape=tuple(shape)) if lead else x


def _build_namespaces():
    numpy_side = {name: op.forward for name, op in TABLE.items()}
    tensor_side = {name: _bind(op) for name, op in TABLE.items()}
    numpy_side.update(pow=_pow_scalar_forward, as_array=np.asarray, constant=_np_constant,
                      zeros_like=_np_zeros_like, masked_fill=_np_masked_fill, where=_np_where,
                      index_put=_np_index_put, sgn=_sgn, to_dtype=lambda x, dtype: x.astype(dtype))
    tensor_side.update(as_array=_as_array, constant=_t_constant, zeros_like=_t_zeros_like,
                       masked_fill=_t_masked_fill, where=_t_where, index_put=_t_index_put,
                       pow=lambda x, exponent: apply(TABLE["pow"], x, exponent=exponent),
                       to_dtype=lambda x, dtype: apply(TABLE["to_dtype"], x, dtype=np.dtype(dtype)))
    numpy_side["sum"] = lambda x, dim=None, keepdim=False: _sum_forward(x, dim, keepdim)
    tensor_side["sum"] = _t_sum
    tensor_side["reshape"] = _t_reshape
    tensor_side["mm"] = mm
    tensor_side["sum_to"] = _t_sum_to
    return numpy_side, tensor_side


def _bind(op):
    def call(*operands, **params):
        return apply(op, *operands, **params)
    call.__name__ = op.name
    return call


def fill_namespaces() -> None:
    """Give NP and T their entries: called once, after every family has added its rows."""
    numpy_side, tensor_side = _build_namespaces()
    vars(NP).update(numpy_side)  # (a method would clash with a row's name: fill, ...)
    vars(T).update(tensor_side)
