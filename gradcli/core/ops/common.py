"""Helpers that several families' forwards and rules share (dims, sums, broadcasting).
"""

from __future__ import annotations

import numpy as np

from gradcli.core.kernels import sleef as _sleef
from gradcli.core.kernels.reduce import torch_sum
from gradcli.core.ops.dispatch import NP
from gradcli.core.tensor import wrap_dim

# ----- Helpers shared by forwards and rules -----

def _dims(dim, ndim):
    """Normalise a PyTorch ``dim`` argument (None, int, tuple or list) to a sorted tuple."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        return tuple(sorted({wrap_dim(d, ndim) for d in dim})) if dim else tuple(range(ndim))
    return (wrap_dim(dim, ndim),)


def _sum_forward(x, dim=None, keepdim=False):
    if x.dtype.kind in "biu":
        return np.sum(x, axis=_dims(dim, x.ndim), keepdims=keepdim, dtype=np.int64)
    return torch_sum(x, axis=_dims(dim, x.ndim), keepdims=keepdim)


def _restore_dims(F, g, shape, dim, keepdim):
    """Put back the reduced dims as size 1 so ``g`` broadcasts against the input, one
    unsqueeze per dim as PyTorch's unsqueeze_multiple (a full reduction's 0-d gradient
    broadcasts as it is)."""
    if keepdim or dim is None or not shape or isinstance(dim, (list, tuple)) and not dim:
        return g
    dims = _dims(dim, len(shape))
    if F is NP:  # the same values in one reshape
        kept = list(g.shape)
        for d in dims:
            kept.insert(d, 1)
        return g.reshape(kept)
    for d in dims:
        g = F.unsqueeze(g, dim=d)
    return g


def _unsqueeze_to(F, g, shape, dims):
    """PyTorch's unsqueeze_to: ``g`` unsqueezed back at those of ``dims`` of size 1 in ``shape``."""
    if F is NP:
        return g.reshape(shape)
    for d in dims:
        if shape[d] == 1:
            g = F.unsqueeze(g, dim=d)
    return g


def _sum_backward(F, g, shape, dim, keepdim):
    return F.expand(_restore_dims(F, g, shape, dim, keepdim), shape=tuple(shape))


def _reduced_count(shape, dim) -> int:
    count = 1
    for d in _dims(dim, len(shape)):
        count *= shape[d]
    return count


def _sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (undo broadcasting), PyTorch's at::sum_to."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and x.shape[lead + i] != 1)
    if not axes:
        return x.reshape(shape)
    return torch_sum(x, axis=axes, keepdims=True).reshape(shape)


def _scalar_type_name(np_dtype) -> str:
    """PyTorch's name of a dtype in its kernels' messages ("Long", "Bool"...)."""
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float32": "Float", "float64": "Double",
            "float16": "Half"}.get(np_dtype.name, np_dtype.name)


def _fma(a, b, c):
    """a * b + c rounded once, as the fused multiply-adds of PyTorch's vectorized kernels."""
    dtype = np.result_type(a, b, c)
    if dtype in (np.float32, np.float64):
        return _sleef.fma(a, b, c)
    return (np.asarray(a, np.float64) * b + c).astype(dtype)  # float16: through float64
