"""Ops PyTorch composes from table rows, which derivative formulas call too (``T.reshape``,
``T.mm``): reshape (a view when it can be one), view, contiguous, clone, and mm with the
operands' layout, which its gradient formulas read."""

from __future__ import annotations

from gradcli.core.ops.dispatch import apply
from gradcli.core.ops.linalg import column_major
from gradcli.core.ops.schema import TABLE
from gradcli.core.tensor import Tensor
from gradcli.errors import TorchError


def _strides(array) -> tuple:
    return tuple(s // array.itemsize for s in array.strides)


def _prod(values) -> int:
    count = 1
    for v in values:
        count *= v
    return count


def _infer_shape(shape, numel):
    shape = list(_shape_list(shape))
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise TorchError("only one dimension can be inferred")
    known = _prod(s for s in shape if s != -1)
    if unknown:
        if known == 0 or numel % known:
            raise TorchError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size "
                             f"{numel}")
        shape[unknown[0]] = numel // known
    elif known != numel:
        raise TorchError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size "
                         f"{numel}")
    return tuple(shape)


def _shape_list(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, int):
            raise TorchError(f"shape must be a sequence of ints, not {type(s).__name__}",
                             kind="TypeError")
    return tuple(shape)


def view(input, *shape):
    shape = _infer_shape(shape, input.array.size)
    if not input.array.flags.c_contiguous and _view_strides(input.array, shape) is None:
        raise TorchError("view size is not compatible with input tensor's size and stride (at least "
                         "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                         "instead.")
    return apply(TABLE["view"], input, shape=shape)


def _view_strides(array, shape):
    """PyTorch's computeStride: the strides viewing ``array`` as ``shape`` needs, or None if
    no view can (the dims merged must be contiguous with each other)."""
    old_shape, old_strides = array.shape, _strides(array)
    if array.size == 0 or not old_shape:
        return ()
    new_strides = [0] * len(shape)
    view_d = len(shape) - 1
    chunk_base = old_strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1
                      and old_strides[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base, tensor_numel, view_numel = old_strides[d - 1], 1, 1
    return tuple(new_strides) if view_d == -1 else None


def reshape(input, *shape):
    """A view when the memory allows one (ViewBackward0, or ReshapeAliasBackward0 for a
    non-contiguous input); otherwise PyTorch clones and views the copy."""
    shape = _infer_shape(shape, input.array.size)
    if input.array.flags.c_contiguous:
        return apply(TABLE["view"], input, shape=shape)
    if _view_strides(input.array, shape) is not None:
        return apply(TABLE["reshape"], input, shape=shape)
    return apply(TABLE["unsafe_view"], clone(input), shape=shape)


def contiguous(input):
    return input if input.array.flags.c_contiguous else apply(TABLE["clone"], input, contiguous=True)


def clone(input):
    return apply(TABLE["clone"], input)


def mm(input, mat2):
    if isinstance(input, Tensor) and isinstance(mat2, Tensor):
        layout = (column_major(input.array), column_major(mat2.array))
        if True in layout:  # the gradient formulas depend on it
            return apply(TABLE["mm"], input, mat2, layout=layout)
    return apply(TABLE["mm"], input, mat2)


def addmm(input, mat1, mat2):
    """``input + mat1 @ mat2`` as one op (AddmmBackward0, Linear's), with mm's layouts."""
    layout = (column_major(mat1.array), column_major(mat2.array))
    if True in layout:
        return apply(TABLE["addmm"], input, mat1, mat2, layout=layout)
    return apply(TABLE["addmm"], input, mat1, mat2)
