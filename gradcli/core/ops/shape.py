"""Rows: views and shape ops (view, transpose, permute, expand, cat, stack...).
"""

from __future__ import annotations

import numpy as np

from gradcli.core.ops.common import _dims, _sum_to, _unsqueeze_to
from dataclasses import replace

from gradcli.core.ops.schema import (LINEAR, PROMOTE_NONE, TABLE, Op, defop, sample, unary_samples,
                                     zero_filled)
from gradcli.core.tensor import Limits, Tensor, wrap_dim
from gradcli.errors import TorchError


# ----- Shape and view ops -----
def _view_forward(x, shape):
    return x.reshape(shape)


def _transpose_forward(x, dim0, dim1):
    if x.ndim == 0:
        return x
    return np.swapaxes(x, wrap_dim(dim0, x.ndim), wrap_dim(dim1, x.ndim))


def _t_forward(x):
    if x.ndim > 2:
        raise TorchError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return x.T


def _permute_forward(x, dims):
    dims = tuple(wrap_dim(d, x.ndim) for d in dims)
    if len(dims) != x.ndim:
        raise TorchError("permute(sparse_coo): number of dimensions in the tensor input does not "
                         f"match the length of the desired ordering of dimensions i.e. input.dim() "
                         f"= {x.ndim} is not equal to len(dims) = {len(dims)}")
    if len(set(dims)) != len(dims):
        raise TorchError("permute(): duplicate dims are not allowed.")
    return np.transpose(x, dims)


def _inverse_permutation(dims, ndim):
    dims = [wrap_dim(d, ndim) for d in dims]
    inverse = [0] * ndim
    for position, d in enumerate(dims):
        inverse[d] = position
    return tuple(inverse)


def _unsqueeze_forward(x, dim):
    dim = wrap_dim(dim, x.ndim + 1)
    # strides as PyTorch's (stride() shows them; numpy's expand_dims may change those of other
    # size-1 dims): the new dim's is the next dim's extent, or 1 at the end
    strides = list(x.strides)
    strides.insert(dim, x.shape[dim] * x.strides[dim] if dim < x.ndim else x.itemsize)
    shape = list(x.shape)
    shape.insert(dim, 1)
    return strided_view(x, shape, strides)


def strided_view(x, shape, strides):
    """A view of ``x``'s memory with this shape and these (byte) strides, whose base is the
    memory's owner like numpy's own views (storage_offset and writes through expanded tensors
    read it; as_strided's base would be a wrapper)."""
    owner = x.base if type(x.base) is np.ndarray else x
    if not owner.flags.c_contiguous:  # (no buffer to view): a view through a wrapper
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)
    offset = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    out = np.ndarray(shape, x.dtype, buffer=owner, offset=offset, strides=strides)
    if not x.flags.writeable:
        out.flags.writeable = False
    return out


def _squeeze_forward(x, dim=None):
    if dim is None:
        return x.reshape(tuple(s for s in x.shape if s != 1))
    dims = _dims(dim, x.ndim)
    return x.reshape(tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1)))


def _expand_forward(x, shape):
    shape = tuple(shape)
    if len(shape) < x.ndim:
        raise TorchError(f"expand(torch.FloatTensor{{[{', '.join(map(str, x.shape))}]}}, "
                         f"size=[{', '.join(map(str, shape))}]): the number of sizes provided "
                         f"({len(shape)}) must be greater or equal to the number of dimensions in "
                         f"the tensor ({x.ndim})")
    lead = len(shape) - x.ndim
    final = tuple(x.shape[i - lead] if size == -1 else size for i, size in enumerate(shape))
    for i, size in enumerate(x.shape):
        if size != 1 and size != final[lead + i]:
            raise TorchError(f"The expanded size of the tensor ({final[lead + i]}) must match the "
                             f"existing size ({size}) at non-singleton dimension {lead + i}.  "
                             f"Target sizes: [{', '.join(map(str, shape))}].  Tensor sizes: "
                             f"[{', '.join(map(str, x.shape))}]")
    Limits.check_elements(final)
    out = np.broadcast_to(x, final)
    if 1 in final:  # numpy's strides of size-1 dims are not PyTorch's (stride() shows them)
        strides = list(out.strides)
        for dim in range(len(final) - 1, -1, -1):
            if final[dim] == 1:  # a dim kept keeps its stride, a new one is as unsqueeze's
                strides[dim] = x.strides[dim - lead] if dim >= lead else (
                    final[dim + 1] * strides[dim + 1] if dim + 1 < len(final) else x.itemsize)
        out = strided_view(out, final, strides)
    return out


defop("view", "ViewBackward0", _view_forward,
      lambda F, g, r, x, shape: F.reshape(g, shape=tuple(x.shape)),
      view=True, saves=False, formula="reshaping: the gradient is reshaped back", gradcheck=(sample((2, 3), shape=(3, 2)), sample((6,), shape=(2, 1, 3))), tangent=LINEAR,
      saved=("self_sym_sizes",))
defop("unsafe_view", "UnsafeViewBackward0", _view_forward,
      lambda F, g, r, x, shape: F.reshape(g, shape=tuple(x.shape)),
      saves=False, formula="reshaping: the gradient is reshaped back", gradcheck=(sample((2, 3), shape=(3, 2)), sample((6,), shape=(2, 1, 3))), tangent=LINEAR,
      saved=("self_sym_sizes",))
defop("reshape", "ReshapeAliasBackward0", _view_forward,
      lambda F, g, r, x, shape: F.reshape(g, shape=tuple(x.shape)),
      view=True, saves=False, formula="reshaping: the gradient is reshaped back", gradcheck=(sample((2, 3), shape=(3, 2)), sample((6,), shape=(2, 1, 3))), tangent=LINEAR,
      saved=("self_sym_sizes",))
defop("t", "TBackward0", _t_forward,
      lambda F, g, r, x: F.t(g),
      view=True, saves=False, formula="transpose: the gradient is transposed back", gradcheck=(sample((2, 3)), sample((3,))), tangent=LINEAR)
defop("transpose", "TransposeBackward0", _transpose_forward,
      lambda F, g, r, x, dim0, dim1: F.transpose(g, dim0=dim0, dim1=dim1),
      view=True, saves=False, formula="transpose: the gradient is transposed back", gradcheck=(sample((2, 3, 4), dim0=0, dim1=2), sample((2, 3), dim0=-1, dim1=0)), tangent=LINEAR)
defop("permute", "PermuteBackward0", _permute_forward,
      lambda F, g, r, x, dims: F.permute(g, dims=_inverse_permutation(dims, x.ndim)),
      view=True, saves=False, formula="permute: the gradient is permuted back", gradcheck=(sample((2, 3, 4), dims=(2, 0, 1)), sample((2, 3), dims=(1, 0))), tangent=LINEAR)
defop("unsqueeze", "UnsqueezeBackward0", _unsqueeze_forward,
      lambda F, g, r, x, dim: F.squeeze_dim(g, dim=dim),
      view=True, saves=False, formula="unsqueeze: the gradient is squeezed back", gradcheck=(sample((2, 3), dim=1), sample((3,), dim=0)), tangent=LINEAR)
defop("squeeze", "SqueezeBackward0", _squeeze_forward,
      lambda F, g, r, x: _unsqueeze_to(F, g, tuple(x.shape), range(len(x.shape))),
      view=True, saves=False, formula="squeeze: the gradient is unsqueezed back", gradcheck=(sample((2, 1, 3)), sample((1, 1))), tangent=LINEAR)
defop("squeeze_dim", "SqueezeBackward1", _squeeze_forward,
      lambda F, g, r, x, dim: _unsqueeze_to(F, g, tuple(x.shape), _dims(dim, len(x.shape))),
      view=True, saves=False, formula="squeeze: the gradient is unsqueezed back", gradcheck=(sample((2, 1, 3), dim=1), sample((2, 3), dim=0)), tangent=LINEAR,
      saved=("dim", "self_sym_sizes"))
defop("squeeze_dim_", "SqueezeBackward4", _squeeze_forward,  # squeeze_(dim), as matmul uses it
      lambda F, g, r, x, dim: _unsqueeze_to(F, g, tuple(x.shape), _dims(dim, len(x.shape))),
      saves=False, formula="squeeze: the gradient is unsqueezed back", gradcheck=(sample((2, 1, 3), dim=1), sample((1, 3), dim=0)), tangent=LINEAR)
defop("expand", "ExpandBackward0", _expand_forward,
      lambda F, g, r, x, shape: F.sum_to(g, shape=tuple(x.shape)),
      view=True, saves=False, formula="expand: the gradient is summed over the copies", gradcheck=(sample((3, 1), shape=(2, 3, 4)), sample((3,), shape=(2, 3)), sample((2, 3), shape=(-1, 3))), tangent=LINEAR,
      saved=("self_sym_sizes",))
defop("sum_to", "SumToSizeBackward0", _sum_to,
      lambda F, g, r, x, shape: F.expand(g, shape=tuple(x.shape)),
      saves=False, formula="sum to size: the gradient is expanded back", gradcheck=(sample((2, 3), shape=(1, 3)), sample((2, 3), shape=(3,)), sample((2, 3, 4), shape=(3, 1))), tangent=LINEAR)
defop("alias", "AliasBackward0", lambda x: x.view(),  # x[...], x[:, :]: the same memory
      lambda F, g, r, x: g,
      view=True, saves=False, sympy=lambda sp, x: x, formula="d alias(x)/dx = 1", gradcheck=unary_samples(),
      tangent=lambda F, ts, r, x: ts[0])
# contiguous: clone(memory_format=torch.contiguous_format) (x.contiguous()); else, as PyTorch's
# preserve_format, a dense tensor keeps its layout (an expanded one does not)
defop("clone", "CloneBackward0",
      lambda x, contiguous=False: x.copy(order="C" if contiguous or 0 in x.strides else "K"),
      lambda F, g, r, x, contiguous=False: g,
      saves=False, sympy=lambda sp, x, contiguous=False: x, formula="d clone(x)/dx = 1",
      gradcheck=unary_samples(), tangent=LINEAR)
defop("to_dtype", "ToCopyBackward0", lambda x, dtype: x.astype(dtype),
      lambda F, g, r, x, dtype: F.to_dtype(
          g, dtype=x.array.dtype if isinstance(x, Tensor) else x.dtype),
      saves=False, sympy=lambda sp, x, dtype: x, formula="d x.to(dtype)/dx = 1",
      gradcheck=(sample((2, 3), dtype=np.dtype(np.float64)),), tangent=LINEAR,
      saved=())


def _cat_forward(*arrays, dim=0):
    for position, a in enumerate(arrays):
        if a.ndim == 0:
            raise TorchError(f"zero-dimensional tensor (at position {position}) cannot be "
                             "concatenated")
    arrays = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)] or list(arrays[:1])
    if not arrays:
        raise TorchError("torch.cat(): expected a non-empty list of Tensors")
    d = wrap_dim(dim, arrays[0].ndim)
    _check_cat_shapes(arrays, d)
    common = np.result_type(*arrays)
    # contiguous, as PyTorch's cat (numpy's follows transposed inputs' layout)
    return np.ascontiguousarray(np.concatenate([a.astype(common, copy=False) for a in arrays],
                                               axis=d))


def _check_cat_shapes(arrays, d):
    first = arrays[0]
    for index, a in enumerate(arrays[1:], start=1):
        if a.ndim != first.ndim:
            raise TorchError(f"Tensors must have same number of dimensions: got {first.ndim} and "
                             f"{a.ndim}")
        for axis in range(a.ndim):
            if axis != d and a.shape[axis] != first.shape[axis]:
                raise TorchError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                 f"size {first.shape[axis]} but got size {a.shape[axis]} for "
                                 f"tensor number {index} in the list.")


def _cat_rule(F, g, r, *xs, dim=0):
    d = wrap_dim(dim, len(g.shape))
    out, start = [], 0
    for x in xs:
        if len(x.shape) == 1 and x.shape[0] == 0 and len(g.shape) != 1:
            out.append(F.zeros_like(x))
            continue
        size = x.shape[d]
        out.append(F.slice(g, dim=d, start=start, stop=start + size, step=1))  # grad.narrow
        start += size
    return out


def _stack_forward(*arrays, dim=0):
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        first, *rest = arrays
        other = next(i for i, a in enumerate(arrays) if a.shape != first.shape)
        raise TorchError(f"stack expects each tensor to be equal size, but got "
                         f"[{', '.join(map(str, first.shape))}] at entry 0 and "
                         f"[{', '.join(map(str, arrays[other].shape))}] at entry {other}")
    d = wrap_dim(dim, arrays[0].ndim + 1)
    common = np.result_type(*arrays)
    return np.stack([a.astype(common, copy=False) for a in arrays], axis=d)


def _stack_rule(F, g, r, *xs, dim=0):
    d = wrap_dim(dim, len(g.shape))
    return [F.select(g, dim=d, index=i) for i in range(len(xs))]


TABLE["cat"] = Op("cat", "CatBackward0", _cat_forward, backward_all=_cat_rule, saves=False,
                  promote=PROMOTE_NONE, formula="cat: each input gets its slice of the gradient",
                  gradcheck=(sample((2, 3), (1, 3), dim=0), sample((2, 1), (2, 2), dim=1), sample((3,), (0,), (2,), dim=0)),
                  tangent=lambda F, ts, r, *xs, dim=0: F.cat(*zero_filled(F, ts, xs), dim=dim))
TABLE["stack"] = Op("stack", "StackBackward0", _stack_forward, backward_all=_stack_rule,
                    saves=False, formula="stack: each input gets its slice of the gradient",
                    gradcheck=(sample((2, 3), (2, 3), dim=1), sample((3,), (3,), dim=0)),
                    tangent=lambda F, ts, r, *xs, dim=0: F.stack(*zero_filled(F, ts, xs), dim=dim))
# unpack_dual's primal when the dual requires grad: an alias PyTorch records as Identity
TABLE["identity"] = replace(TABLE["alias"], name="identity",
                            grad_fn_name="torch::autograd::Identity", save_plans={})


# ----- Flips, triangles, repeats -----
defop("flip", "FlipBackward0", lambda x, dims: np.ascontiguousarray(np.flip(x, axis=dims)),
      lambda F, g, r, x, dims: F.flip(g, dims=dims),
      saves=False, formula="flip: the gradient is flipped back",
      gradcheck=(sample((2, 3), dims=(0,)), sample((2, 3, 2), dims=(0, 2))), tangent=LINEAR)
defop("tril", "TrilBackward0", lambda x, diagonal=0: np.tril(x, k=diagonal),
      lambda F, g, r, x, diagonal=0: F.tril(g, diagonal=diagonal),
      saves=False, formula="tril: the gradient of the kept triangle",
      gradcheck=(sample((3, 3)), sample((2, 3, 4), diagonal=1)), tangent=LINEAR)
defop("triu", "TriuBackward0", lambda x, diagonal=0: np.triu(x, k=diagonal),
      lambda F, g, r, x, diagonal=0: F.triu(g, diagonal=diagonal),
      saves=False, formula="triu: the gradient of the kept triangle",
      gradcheck=(sample((3, 3)), sample((3, 4), diagonal=-1)), tangent=LINEAR)


def _repeat_forward(x, repeats):
    lead = len(repeats) - x.ndim
    Limits.check_elements(tuple(r * s for r, s in zip(repeats, (1,) * lead + x.shape)))
    return np.tile(x.reshape((1,) * lead + x.shape), repeats)


def _repeat_rule(F, g, r, x, repeats):
    """repeat_backward: the copies laid out as (repeat, size) pairs and summed at once."""
    if 0 in repeats:
        return F.constant(np.zeros(tuple(x.shape), dtype=F.as_array(g).dtype))
    lead = len(g.shape) - len(x.shape)
    for _ in range(lead):
        g = F.sum(g, dim=0)
    sizes, summed = [], []
    for d, size in enumerate(x.shape):
        if repeats[d + lead] != 1:
            sizes.append(repeats[d + lead])
            summed.append(len(sizes) - 1)
        sizes.append(size)
    if summed:
        g = F.sum(F.reshape(g, shape=tuple(sizes)), dim=tuple(summed))
    return g


defop("repeat", "RepeatBackward0", _repeat_forward, _repeat_rule,
      saves=False, formula="repeat: each copy's gradient is summed back",
      gradcheck=(sample((2, 3), repeats=(2, 1)), sample((3,), repeats=(2, 2)),
                 sample((2, 1), repeats=(1, 3))), tangent=LINEAR,
      saved=("repeats", "self_sym_sizes"))


# ----- split and chunk: a view per part, one node per part (as unbind's) -----
def _part_forward(x, dim, start, stop, output):
    return x[(slice(None),) * dim + (slice(start, stop),)]


def _part_rule(F, g, r, x, dim, start, stop, output):
    return F.slice_backward(g, shape=tuple(x.shape), dim=dim, start=start, stop=stop, step=1)


for _name, _grad_fn in (("split", "SplitBackward0"), ("split_with_sizes", "SplitWithSizesBackward0")):
    defop(_name, _grad_fn, _part_forward, _part_rule, view=True, saves=False, output_nr="output",
          formula="split: each part's gradient goes back to its positions",
          gradcheck=(sample((4, 3), dim=0, start=1, stop=3, output=1),
                     sample((2, 5), dim=1, start=0, stop=2, output=0)), tangent=LINEAR)


# ----- diagonal (einsum's repeated subscripts) -----
def _diagonal_forward(x, offset=0, dim1=0, dim2=1):
    return np.diagonal(x, offset, dim1, dim2)


def _diagonal_backward_forward(g, shape, offset, dim1, dim2):
    """Zeros of ``shape`` with ``g`` on the diagonal (diagonal_backward)."""
    out = np.zeros(shape, dtype=g.dtype)
    step = np.arange(g.shape[-1])
    target = np.moveaxis(out, (dim1, dim2), (-2, -1))  # a writable view of out
    target[..., step + max(-offset, 0), step + max(offset, 0)] = g
    return out


defop("diagonal", "DiagonalBackward0", _diagonal_forward,
      lambda F, g, r, x, offset=0, dim1=0, dim2=1:
          F.diagonal_backward(g, shape=tuple(x.shape), offset=offset, dim1=dim1, dim2=dim2),
      view=True, saves=False, formula="diagonal: the gradient goes back to the diagonal",
      gradcheck=(sample((3, 3)), sample((2, 3, 3), dim1=1, dim2=2), sample((3, 4), offset=1)),
      tangent=LINEAR,
      saved=("dim1", "dim2", "offset", "self_sym_sizes"))
defop("diagonal_backward", "DiagonalBackwardBackward0", _diagonal_backward_forward,
      lambda F, g, r, x, shape, offset, dim1, dim2:
          F.diagonal(g, offset=offset, dim1=dim1, dim2=dim2),
      saves=False, formula="scatter into zeros",
      gradcheck=(sample((3,), shape=(3, 3), offset=0, dim1=0, dim2=1),), tangent=LINEAR)
