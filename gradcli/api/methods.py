"""Tensor methods, operators, indexing and in-place ops, attached to ``Tensor``.

Every method is a thin call into ``functions.py`` (and so into the op table).
In-place ops are the out-of-place op applied to a snapshot of the old tensor,
with the result written back into the same memory and the tensor's history
moved onto the new node, as PyTorch rebases history on in-place ops.
"""

from __future__ import annotations

import numpy as np

from gradcli.api import functions as fn
from gradcli.core import dtypes, dual, saved
from gradcli.core.device import CPU
from gradcli.core.device import device as Device
from gradcli.core.device import check_move
from gradcli.core.engine import LEGACY_TYPE_NAMES, run_backward, type_name
from gradcli.core.kernels import random as rng
from gradcli.core.ops import OVERLAP_ERROR, TABLE, apply, copy_slices, index_result_bound, type_word
from gradcli.core.tensor import (NO_GRAD_VIEW, GradMode, InvalidView, Limits, OpNode, SavedOutput,
                                 Tensor, bump_version, family_views, view_base)
from gradcli.errors import TorchError

# ----- Operators -----

def _compare(ufunc):
    def compare(self, other):
        other_array = other.array if isinstance(other, Tensor) else fn._operand(other)
        try:
            return Tensor(np.asarray(ufunc(self.array, other_array)))
        except ValueError as error:
            raise TorchError(str(error)) from None
    return compare


def _pow(self, other):
    return fn.pow(self, other)


def _rpow(self, other):
    return fn.pow(fn._operand(other), self)


def _matmul(self, other):
    if not isinstance(other, Tensor):
        raise TorchError(f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}",
                         kind="TypeError")
    return fn.matmul(self, other)


def _iter(self):
    # PyTorch iterates a tensor by unbinding it (UnbindBackward0)
    if self.array.ndim == 0:
        raise TorchError("iteration over a 0-d tensor", kind="TypeError")
    return (apply(TABLE["unbind"], self, dim=0, index=i) for i in range(self.array.shape[0]))


def _invert(self):
    if self.array.dtype.kind not in "biu":
        raise TorchError("~ (operator.invert) is only implemented on integer and Boolean-type "
                         "tensors", kind="TypeError")
    return fn.bitwise_not(self)


def _reflected(function):
    """``number OP tensor``: the function with the operands in PyTorch's order."""
    return lambda self, other: function(other, self)


OPERATORS = {
    # the functions themselves where the signatures agree: one call frame less per operator
    "__add__": fn.add,
    "__radd__": fn.add,
    "__sub__": fn.sub,
    "__rsub__": lambda self, other: fn.rsub(self, fn._operand(other)),
    "__mul__": fn.mul,
    "__rmul__": fn.mul,
    "__truediv__": fn.div,
    "__rtruediv__": lambda self, other: fn.true_divide_reflected(self, other),
    "__floordiv__": fn.floor_divide,
    "__rfloordiv__": lambda self, other: fn.floor_divide(fn._operand(other), self),
    "__mod__": fn.remainder,
    "__rmod__": lambda self, other: fn.remainder(fn._operand(other), self),
    "__pow__": _pow,
    "__rpow__": _rpow,
    "__matmul__": _matmul,
    "__neg__": fn.neg,
    "__pos__": lambda self: self,
    "__abs__": fn.abs,
    "__invert__": _invert,
    "__iter__": _iter,
    "__lt__": _compare(np.less),
    "__le__": _compare(np.less_equal),
    "__gt__": _compare(np.greater),
    "__ge__": _compare(np.greater_equal),
    "__eq__": _compare(np.equal),
    "__ne__": _compare(np.not_equal),
    "__and__": fn.bitwise_and,
    "__rand__": fn.bitwise_and,
    "__or__": fn.bitwise_or,
    "__ror__": fn.bitwise_or,
    "__xor__": fn.bitwise_xor,
    "__rxor__": fn.bitwise_xor,
    "__lshift__": fn.bitwise_left_shift,
    "__rlshift__": _reflected(fn.bitwise_left_shift),
    "__rshift__": fn.bitwise_right_shift,
    "__rrshift__": _reflected(fn.bitwise_right_shift),
}


# ----- In-place ops -----

def _inplace(self, compute, overlap_ok=False, reads=()):
    """Run ``compute(snapshot)`` out of place, then write it back into ``self``'s memory.
    ``overlap_ok``: the op may write an expanded tensor (zero_, fill_ and index_put_ do);
    ``reads``: the op's other tensor operands, which may not partly overlap ``self``."""
    recording = GradMode.enabled
    if recording and self.requires_grad:
        _check_inplace(self)
    if not overlap_ok and _internal_overlap(self.array):
        raise TorchError(OVERLAP_ERROR)
    for other in reads:
        if isinstance(other, Tensor) and _memory_overlap(self.array, other.array) == "partial":
            raise TorchError(PARTIAL_OVERLAP_ERROR)
    snapshot = Tensor(self.array, self.requires_grad, self.grad_fn)
    snapshot._accumulator = self._accumulator
    tangent = dual.tangent_of(self) if dual.DualMode.active else None
    if tangent is not None:  # forward mode: the op's tangent rule sees the old tangent
        dual.set_tangent(snapshot, tangent)
    base = view_base(self) if recording else None
    base_before = _snapshot(base) if base is not None else None
    result = compute(snapshot)
    if dual.DualMode.active and dual.tangent_of(result) is not None:
        dual.set_tangent(self, dual.tangent_of(result))
    if result.grad_fn is not None:
        # the recorded nodes keep the old value (the write below would change it under them)
        snapshot.array = self.array.copy()
        _save_original_self(result.grad_fn, snapshot)
    _write_back(self, result.array)
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
        self.requires_grad = True
        if base_before is not None:
            _rebase_view(self, base, base_before, result)
        _regenerate_views(self)
    else:  # an untracked write (no_grad, or nothing requires grad) changes the views too
        _regenerate_views(self, including_written=True)
    bump_version(self)
    node = result.grad_fn
    if type(node) is OpNode and node.output is not None:  # exp_, sigmoid_...: self is the
        node.output = SavedOutput(self, self._version)   # saved result, at this version
    return self


def _save_original_self(node, snapshot):
    """An in-place op saves ``self.clone()``, recorded (CloneBackward0), where its formulas read
    self's old value: with create_graph they then lead through that clone, as in PyTorch."""
    versions = node.versions if type(node) is OpNode else None
    if versions and versions[0] is not None and node.inputs[0] is snapshot \
            and snapshot.requires_grad:
        node.inputs = (apply(TABLE["clone"], snapshot), *node.inputs[1:])


def _check_inplace(self):
    """PyTorch's check_inplace, for a tensor that requires grad, in grad mode."""
    refused = _view_write_error(self, indirect=False)
    if refused is not None:
        raise TorchError(refused)
    base = view_base(self)
    if base is not None and base.grad_fn is None:
        raise TorchError("a view of a leaf Variable that requires grad is being used in an in-place "
                         "operation.")
    if self.grad_fn is None:
        raise TorchError("a leaf Variable that requires grad is being used in an in-place operation.")


NO_GRAD_VIEW_ERROR = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).")


def _internal_overlap(array) -> bool:
    """PyTorch's has_internal_overlap: a dim of stride 0 and size over 1 (an expanded tensor)."""
    if 0 not in array.strides or not array.size:  # (numpy gives empty arrays 0 strides)
        return False
    return any(stride == 0 and size > 1 for stride, size in zip(array.strides, array.shape))


def _memory_overlap(a, b) -> str:
    """PyTorch's get_overlap_status of two arrays: "full" (the same elements), "partial", or
    "" (none, or too hard to tell: one is empty, strided or expanded)."""
    if not a.size or not b.size or not _dense(a) or not _dense(b) or _owner(a) is not _owner(b):
        return ""
    a_begin, b_begin = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    a_end, b_end = a_begin + a.nbytes, b_begin + b.nbytes
    if a_begin == b_begin and a_end == b_end:
        return "full" if a.strides == b.strides else "partial"
    return "partial" if a_begin < b_end and b_begin < a_end else ""


def _dense(array) -> bool:
    """PyTorch's is_non_overlapping_and_dense: the elements fill a block, in some dim order."""
    expected = array.itemsize
    for size, stride in sorted(((size, stride) for size, stride in zip(array.shape, array.strides)
                                if size != 1), key=lambda pair: pair[1]):
        if stride != expected:
            return False
        expected *= size
    return True


def _owner(array):
    return array.base if type(array.base) is np.ndarray else array


PARTIAL_OVERLAP_ERROR = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to "
    "a single memory location. Please clone() the tensor before performing the operation.")


def _snapshot(tensor):
    old = Tensor(tensor.array.copy(), tensor.requires_grad, tensor.grad_fn)
    old._accumulator = tensor._accumulator
    return old


def _rebase_view(view, base, base_before, result):
    """PyTorch's in-place write through a view: the base's history continues with a
    CopySlices node running the in-place op's node on the view's positions, and the view
    becomes an AsStrided view of the new base."""
    index = _positions_in(base.array, view.array)
    node = copy_slices(base_before, result.grad_fn, index, _internal_overlap(view.array),
                       base.array)
    base.grad_fn, base.requires_grad = node, True
    view.grad_fn = apply(TABLE["as_strided"], base, index=index).grad_fn


def _regenerate_views(written, including_written=False):
    """The (other) views of the memory just written now read the base's new history: PyTorch
    regenerates their grad_fn (AsStridedBackward0 of the base) when next asked for it, in any
    grad mode.  (Views made under no_grad are then unusable: see tensor.gradient_edge.)"""
    base, *views = family_views(written)
    if base is None or not base.requires_grad:
        return
    views = [view for view in views if (view is not written or including_written)
             and view.array.dtype.kind == "f" and type(view._accumulator) is not InvalidView]
    previous, GradMode.enabled = GradMode.enabled, True
    try:
        for view in views:
            refused = _view_write_error(view, indirect=True)
            if refused is not None:  # the view is unusable in grad mode from now on
                view.grad_fn, view._accumulator = None, InvalidView(refused)
                continue
            index = _positions_in(base.array, view.array)
            view.grad_fn = apply(TABLE["as_strided"], base, index=index).grad_fn
            view.requires_grad = True
    finally:
        GradMode.enabled = previous


def _view_write_error(view, indirect):
    """PyTorch's handle_view_on_rebase: why a write to a view made under no_grad or by unbind
    is refused, written itself or (``indirect``) through its memory; None for other views."""
    if view._accumulator is NO_GRAD_VIEW:
        return MODIFIED_NO_GRAD_VIEW_ERROR if indirect else NO_GRAD_VIEW_ERROR
    output = _unbind_output(view)
    if output is None:
        return None
    how = ("its base or another view of its base has been modified inplace" if indirect
           else "is being modified inplace")
    return f"Output {output} of Unbind is a view and {how}. {MULTI_OUTPUT_VIEW_ADVICE}"


def _unbind_output(view):
    """Which output of an unbind ``view`` is (None when it is no unbind output)."""
    node = view.grad_fn
    return node.params["index"] if type(node) is OpNode and node.op is TABLE["unbind"] else None


MODIFIED_NO_GRAD_VIEW_ERROR = (
    "A view was created in no_grad mode and its base or another view of its base has been "
    "modified inplace with grad mode enabled. Given that this use case is ambiguous and "
    "error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) "
    "or both outside (if you want the inplace to be tracked).")
MULTI_OUTPUT_VIEW_ADVICE = (
    "This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation "
    "by an out-of-place one.")


def _positions_in(base, view):
    """The index (one int array per base dim, shaped like ``view``) of each view element."""
    if not base.ndim:
        return (np.zeros(view.shape, dtype=np.intp),)  # see ops.indexable
    itemsize = base.itemsize
    offsets = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // itemsize
    for size, stride in zip(view.shape, view.strides):
        offsets = np.add.outer(offsets, np.arange(size) * (stride // itemsize))
    base_offsets = np.zeros((), dtype=np.int64)
    for size, stride in zip(base.shape, base.strides):
        base_offsets = np.add.outer(base_offsets, np.arange(size) * (stride // itemsize))
    flat = np.empty(base.size, dtype=np.int64)
    flat[base_offsets.ravel() - base_offsets.min(initial=0)] = np.arange(base.size)
    start = base_offsets.min(initial=0)
    return np.unravel_index(flat[np.asarray(offsets) - start], base.shape)


def _write_back(self, array):
    if array.dtype != self.array.dtype and not np.can_cast(array.dtype, self.array.dtype,
                                                           casting="same_kind"):
        raise TorchError(f"result type {type_word(array.dtype)} can't be cast to the desired "
                         f"output type {type_word(self.array.dtype)}")
    try:
        np.copyto(_writable(self.array), array, casting="unsafe")
    except ValueError:
        raise TorchError(f"output with shape [{', '.join(map(str, self.array.shape))}] doesn't match "
                         f"the broadcast shape [{', '.join(map(str, array.shape))}]") from None


class _Memory:
    """An ``__array_interface__`` holder: numpy makes an array of it that keeps ``owner`` alive."""

    def __init__(self, interface, owner):
        self.__array_interface__ = interface
        self.owner = owner


def _writable(array):
    """``array``, or a writable array over the same memory: numpy makes expanded views
    (np.broadcast_to) read-only, where PyTorch's zero_, fill_ and index_put_ write through them."""
    if array.flags.writeable:
        return array
    owner = array.base
    if not isinstance(owner, np.ndarray) or not owner.flags.writeable:
        raise TorchError(OVERLAP_ERROR)
    interface = dict(array.__array_interface__)
    interface["data"] = (interface["data"][0], False)
    return np.asarray(_Memory(interface, owner))


def _inplace_binary(function):
    def method(self, other, **kwargs):
        return _inplace(self, lambda old: function(old, other, **kwargs), reads=(other,))
    return method


def _inplace_op(function):
    """x.exp_(), x.masked_fill_(mask, v)...: the function out of place, written back."""
    def method(self, *args, **kwargs):
        return _inplace(self, lambda old: function(old, *args, **kwargs),
                        reads=[a for a in args if isinstance(a, Tensor)])
    return method


def _write_out(out, result):
    """torch.add(x, y, out=out): the result written into `out` as an in-place op writes (an
    `out` of another shape is resized first, as PyTorch does)."""
    if out.array.shape != result.array.shape:
        out.array = np.empty(result.array.shape, dtype=out.array.dtype)
    _inplace(out, lambda old: result)


fn.OUT_WRITER[0] = _write_out


def _zero_(self):
    return _inplace(self, lambda old: apply(TABLE["zero"], old), overlap_ok=True)


def _fill_(self, value):
    if isinstance(value, Tensor):  # fill_.Tensor: a copy_ in PyTorch, which refuses overlap
        if value.array.ndim:
            raise TorchError("fill_ only supports 0-dimension value tensor but got tensor with "
                             f"{value.array.ndim} dimensions.")
        return _inplace(self, lambda old: apply(TABLE["fill_tensor"], old, value))
    return _inplace(self, lambda old: apply(TABLE["fill"], old, value=value), overlap_ok=True)


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    values = rng.uniform_(self.array.shape, a, b, _random_dtype(self, "uniform_"),
                          generator=fn._kernel(generator))
    return _inplace(self, lambda old: apply(TABLE["uniform"], old, values=values), overlap_ok=True)


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    values = rng.normal_(self.array.shape, mean, std, _random_dtype(self, "normal_"),
                         generator=fn._kernel(generator))
    return _inplace(self, lambda old: apply(TABLE["normal"], old, values=values), overlap_ok=True)


def _random_dtype(tensor, name):
    if tensor.array.dtype.kind != "f" or tensor.array.dtype == np.float16:
        raise TorchError(f'"{name}" is only implemented for float32 and float64 tensors in gradcli',
                         kind="NotImplementedError")
    return tensor.array.dtype


def _clamp_(self, min=None, max=None):
    return _inplace(self, lambda old: fn.clamp(old, min, max), reads=(min, max))


def _copy_(self, src):
    if not isinstance(src, Tensor):
        raise TorchError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                         f"{type(src).__name__}", kind="TypeError")
    return _inplace(self, lambda old: apply(TABLE["copy"], old, src), reads=(src,))


# ----- Indexing -----
# As PyTorch's python_variable_indexing.cpp: ints, slices, None, ... and bools are applied one
# dim at a time (selects, slices, unsqueezes: views); the tensor and list parts are then one
# advanced index (IndexBackward0) of that view, checked in PyTorch's order and words.

def _is_basic(parts) -> bool:
    return all(isinstance(p, (int, slice)) and not isinstance(p, bool) or p is None or p is Ellipsis
               for p in parts)


def _index_parts(key) -> tuple:
    """The key as a tuple of parts.  A list shorter than 32 holding a sequence, slice, tensor,
    None or ... is a tuple too (numpy's old rule, which PyTorch keeps): x[[[0, 1], [1, 0]]]."""
    if type(key) is tuple:
        return key
    if type(key) is list and len(key) < 32 and any(
            isinstance(p, (list, tuple, str, slice, Tensor)) or p is None or p is Ellipsis
            for p in key):
        return tuple(key)
    return (key,)


def _getitem(self, key):
    if type(key) is slice:  # a lone slice always records SliceBackward0, even x[:]
        return _slice(self, 0, key, always=True)
    parts = _index_parts(key)
    if _is_basic(parts):
        return _basic_index(self, parts)
    sliced, indices = _apply_slicing(self, parts)
    if not indices:
        return sliced if sliced is not self else _alias(self)
    index = _check_bounds(sliced.array.shape, _advanced_index(sliced.array.shape, indices))
    if Limits.max_elements is not None:
        Limits.check_elements(index_result_bound(sliced.array.shape, index))
    return apply(TABLE["index"], sliced, index=index if len(index) > 1 else index[0])


def _basic_index(tensor, parts, alias=True):
    """``tensor[parts]`` for ints, slices, None and ...; when that makes no view, an alias of
    ``tensor`` (or ``tensor`` itself, ``alias=False``)."""
    out = _apply_slicing(tensor, parts)[0]
    return out if out is not tensor or not alias else _alias(tensor)


def _apply_slicing(tensor, parts):
    """PyTorch's applySlicing: the view the basic parts make, and the advanced parts as
    (dim of that view, numpy array) pairs."""
    ndim = tensor.array.ndim
    specified = sum(_dims_specified(part) for part in parts)
    if specified > ndim:
        raise TorchError(f"too many indices for tensor of dimension {ndim}", kind="IndexError")
    out, dim, indices = tensor, 0, []
    for position, part in enumerate(parts):  # a select's error names the part's position
        if part is Ellipsis:
            dim += ndim - specified
        elif part is None:
            out, dim = fn.unsqueeze(out, dim), dim + 1
        elif type(part) is slice:
            out, dim = _slice(out, dim, part), dim + 1
        elif isinstance(part, int) and type(part) is not bool:
            out = _select(out, dim, part, position)
        else:
            array = np.asarray(part) if type(part) is bool else _index_array(part)
            if array.ndim == 0 and _is_mask(array):  # a new dim, whole or empty
                out = fn.unsqueeze(out, dim)
                indices.append((dim, np.zeros(1 if array else 0, dtype=np.int64)))
                dim += 1
            elif array.ndim == 0 and array.dtype.kind in "iu":  # a 0-d integer tensor selects
                out = _select(out, dim, int(array), position)
            else:
                indices.append((dim, array))
                dim += array.ndim if _is_mask(array) else 1
    return out, indices


def _is_mask(array) -> bool:
    return array.dtype == np.bool_ or array.dtype == np.uint8  # (byte: PyTorch's old masks)


def _dims_specified(part) -> int:
    """How many dims a part indexes, as PyTorch counts them for "too many indices"."""
    if isinstance(part, Tensor):
        return part.array.ndim if _is_mask(part.array) else 1
    return 0 if part is None or part is Ellipsis or type(part) is bool else 1


def _index_array(part):
    """A tensor or list part as a numpy array (a list as torch.tensor would make it, but bool
    or long: x[[0.7]] is x[[0]])."""
    if isinstance(part, Tensor):
        return part.array
    if type(part) in (list, tuple):
        array = np.asarray(_plain_values(part))
        if array.dtype.kind in "fiub":
            return array if array.dtype == np.bool_ else array.astype(np.int64)
        raise TorchError("new(): invalid data type 'str'" if array.dtype.kind == "U" else
                         f"Could not infer dtype of {type(part).__name__}", kind="TypeError")
    if type(part) is str:
        raise TorchError("new(): invalid data type 'str'", kind="TypeError")
    raise TorchError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {type(part).__name__})", kind="IndexError")


def _plain_values(sequence) -> list:
    """A (nested) list with its tensors as arrays, for numpy to read."""
    return [_plain_values(p) if type(p) in (list, tuple) else p.array if isinstance(p, Tensor)
            else p for p in sequence]


def _advanced_index(shape, indices) -> tuple:
    """The numpy index of PyTorch's index(x, indices) on ``shape``, after its first checks:
    index dtypes, mask shapes, broadcasting (the bounds are checked by _check_bounds)."""
    if indices[-1][0] >= len(shape):  # (two ... can push an index past the last dim)
        raise TorchError(f"too many indices for tensor of dimension {len(shape)} (got "
                         f"{indices[-1][0] + 1})", kind="IndexError")
    for _, array in indices:
        if array.dtype.kind not in "iub":
            raise TorchError("tensors used as indices must be long, int, byte or bool tensors",
                             kind="IndexError")
    expanded = []  # masks become their nonzero positions, one index per mask dim
    for dim, array in indices:
        if not _is_mask(array):
            expanded.append((dim, array))
            continue
        for j, size in enumerate(array.shape):
            if dim + j >= len(shape) or size != shape[dim + j]:
                raise TorchError(f"The shape of the mask {list(array.shape)} at index {j} does not "
                                 f"match the shape of the indexed tensor {list(shape)} at index "
                                 f"{dim + j}", kind="IndexError")
        expanded.extend((dim + j, positions) for j, positions in enumerate(np.nonzero(array)))
    try:
        broadcast = np.broadcast_shapes(*(array.shape for _, array in expanded))
    except ValueError:
        raise TorchError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(list(a.shape)) for _, a in expanded),
                         kind="IndexError") from None
    if 0 not in broadcast and any(shape[dim] == 0 for dim, _ in expanded):
        raise TorchError("index is out of bounds for dimension with size 0", kind="IndexError")
    index = [slice(None)] * (expanded[-1][0] + 1)
    for dim, array in expanded:
        index[dim] = array
    return tuple(index)


def _index_result_shape(shape, index) -> tuple:
    """The shape of ``x[index]`` (numpy's and PyTorch's rule: the indexed dims' broadcast shape
    where they are, if they are adjacent, else first)."""
    dims = [dim for dim, part in enumerate(index) if type(part) is not slice]
    broadcast = np.broadcast_shapes(*(index[dim].shape for dim in dims))
    kept = [size for dim, size in enumerate(shape) if dim not in dims]
    if dims == list(range(dims[0], dims[-1] + 1)):
        return (*kept[:dims[0]], *broadcast, *kept[dims[0]:])
    return (*broadcast, *kept)


def _check_bounds(shape, index) -> tuple:
    """``index`` once PyTorch's index kernel accepts it: it checks each element of the result
    in order, each of its indices in turn, and reports the first bad one, numbered among the
    indices.  An empty result checks nothing (its indices are made harmless for numpy)."""
    dims = [dim for dim, part in enumerate(index) if type(part) is not slice]
    bad = [(index[dim] < -shape[dim]) | (index[dim] >= shape[dim]) for dim in dims]
    if not any(b.any() for b in bad):
        return index
    if 0 in _index_result_shape(shape, index):
        return tuple(np.zeros_like(part) if type(part) is not slice else part for part in index)
    broadcast = np.broadcast_shapes(*(b.shape for b in bad))
    bad = np.stack([np.broadcast_to(b, broadcast) for b in bad]).reshape(len(bad), -1)
    element = int(np.argmax(bad.any(axis=0)))
    which = int(np.argmax(bad[:, element]))
    value = np.broadcast_to(index[dims[which]], broadcast).reshape(-1)[element]
    raise TorchError(f"index {value} is out of bounds for dimension {which} with size "
                     f"{shape[dims[which]]}", kind="IndexError")


def _alias(tensor):
    # `x[...]` or `x[:, :]` is a new tensor sharing memory (AliasBackward0)
    return apply(TABLE["alias"], tensor)


def _select(tensor, dim, index, real_dim=None):
    size = tensor.array.shape[dim]
    if not -size <= index < size:
        raise TorchError(f"index {index} is out of bounds for dimension "
                         f"{dim if real_dim is None else real_dim} with size {size}",
                         kind="IndexError")
    return apply(TABLE["select"], tensor, dim=dim, index=index % size)


def _slice(tensor, dim, part, always=False):
    size = tensor.array.shape[dim]
    start, stop, step = part.indices(size)
    if step <= 0:
        raise TorchError("step must be greater than zero", kind="ValueError")
    if not always and part.start in (None, 0) and step == 1 and (part.stop is None
                                                                 or part.stop >= size):
        return tensor  # PyTorch tests the slice as written: x[-2:] of 2 rows is still a view
    stop = max(stop, start)
    return apply(TABLE["slice"], tensor, dim=dim, start=start, stop=stop, step=step)


def _setitem(self, key, value):
    value = _assigned_value(self, value)
    if key is False:  # PyTorch writes nothing (it indexes no element)
        return
    if key is True:  # ... or copies into a view with a new first dim, as for None
        key = None
    parts = _index_parts(key)
    # PyTorch writes into the view the basic parts make (full slices and ... make none):
    # `self[:] = v` is self.fill_(v) or self.copy_(v), `self[0] = v` a write through a view
    # (CopySlices), `self[0, [1, 2]] = v` an index_put_ on the view self[0]
    sliced, indices = _apply_slicing(self, parts)
    if not indices:
        _copy_to(sliced, value)
        return
    shape = sliced.array.shape
    value = _without_leading_ones(value)
    masked_fill = value.array.size == 1 and len(indices) == 1 and _is_mask(indices[0][1])
    if not masked_fill and _memory_overlap(sliced.array, value.array):
        raise TorchError(PARTIAL_OVERLAP_ERROR)  # (index_put_ refuses a full overlap too)
    index = _advanced_index(shape, indices)
    if masked_fill:  # index_put_ of one value at a mask is a masked_fill_: bool masks only
        if indices[0][1].dtype == np.uint8:
            raise TorchError("masked_fill_ only supports boolean masks, but got mask with dtype "
                             "unsigned char")
    else:
        _check_put_value(sliced, value, _index_result_shape(shape, index))
    index = _check_bounds(shape, index)
    index = index if len(index) > 1 else index[0]
    recording = GradMode.enabled and (sliced.requires_grad or value.requires_grad)
    if _internal_overlap(sliced.array) and not recording:
        # index_put_ writes only the indexed positions: through an expanded tensor that is
        # not the same as writing the whole result back
        _writable(sliced.array)[index] = value.array
        _regenerate_views(sliced, including_written=True)
        bump_version(sliced)
        return
    _inplace(sliced, lambda old: apply(TABLE["index_put"], old, value, index=index), overlap_ok=True)


def _without_leading_ones(value):
    """PyTorch views an assigned value without its leading 1s (numpy's old rule)."""
    shape = value.array.shape
    kept = next((i for i, size in enumerate(shape) if size != 1), len(shape))
    return fn.view(value, *shape[kept:]) if kept else value


def _check_put_value(target, value, result_shape):
    """index_put_'s checks of the value: its shape against the indexing result's, its dtype."""
    shape = value.array.shape
    if len(shape) > len(result_shape) or any(
            size not in (1, want) for size, want in zip(shape[::-1], result_shape[::-1])):
        raise TorchError(f"shape mismatch: value tensor of shape {list(shape)} cannot be broadcast "
                         f"to indexing result of shape {list(result_shape)}")
    if value.array.dtype != target.array.dtype:
        raise TorchError(f"Index put requires the source and destination dtypes match, got "
                         f"{type_word(target.array.dtype)} for the destination and "
                         f"{type_word(value.array.dtype)} for the source.")


def _assigned_value(self, value):
    """The value of `x[key] = value` as a tensor (a number takes x's dtype, as in PyTorch)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        return Tensor(np.asarray(value, dtype=self.array.dtype))
    raise TorchError(f"can't assign a {type(value).__name__} to a {type_name(self)}",
                     kind="TypeError")


def _copy_to(target, value):
    """PyTorch's copy_to: copy_ when the shapes agree, fill_ with a 0-d value, else copy_ of the
    value (viewed without its leading 1s) expanded to the target's shape."""
    shape = value.array.shape
    if target.array.shape == shape:
        _copy_(target, value)
    elif not shape:
        _fill_(target, value)
    else:
        kept = next((i for i, size in enumerate(shape) if size != 1), len(shape))
        value = fn.view(value, *shape[kept:])
        if value.array.shape != target.array.shape:
            value = fn.expand(value, *target.array.shape)
        _copy_(target, value)


# ----- Conversions -----

def _converter(dtype):
    def convert(self):
        return fn.to(self, dtype)
    return convert


def _type_as(self, other):
    return fn.to(self, other.dtype)


@fn._numpy_names
def _method_max(input, dim=None, keepdim=False):
    return fn.max(input, dim, keepdim)


@fn._numpy_names
def _method_min(input, dim=None, keepdim=False):
    return fn.min(input, dim, keepdim)


def _view_as(self, other):
    return fn.view(self, *other.array.shape)


def _expand_as(self, other):
    return fn.expand(self, *other.array.shape)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return fn.tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _new_filled(creation):
    """x.new_ones(2, 3), x.new_zeros((2, 3)), x.new_empty(size=(2,)): x's dtype by default."""
    def new(self, *size, dtype=None, device=None, requires_grad=False, **keyword):
        return creation(*size, dtype=dtype or self.dtype, device=device,
                        requires_grad=requires_grad, **keyword)
    new.__name__ = new.__qualname__ = "new_" + creation.__name__
    return new


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    if not isinstance(size, (tuple, list)):
        raise TorchError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                         f"{type(size).__name__}", kind="TypeError")
    return fn.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                   requires_grad=requires_grad)


_TYPE_NAMED = {name: dtypes.from_numpy_dtype(np_name) for np_name, name in LEGACY_TYPE_NAMES.items()}


def _type(self, dtype=None, non_blocking=False):
    """``x.type()``: the legacy type name ('torch.FloatTensor'); ``x.type(t)``: x converted to a
    dtype, a legacy type (torch.LongTensor) or its name (x itself when it already is one)."""
    if dtype is None:
        return type_name(self)
    if isinstance(dtype, str):
        if dtype.startswith("torch.cuda."):
            check_move(Device("cuda"))
        if dtype not in _TYPE_NAMED:
            raise TorchError(f"invalid type: {dtype!r}", kind="ValueError")
        dtype = _TYPE_NAMED[dtype]
    elif not isinstance(dtype, dtypes.dtype):
        dtype = fn.LEGACY_DTYPES.get(dtype) if callable(dtype) else None
        if dtype is None:
            raise TorchError("dtype must be a type, str, or dtype object", kind="TypeError")
    return fn.to(self, dtype)


def _numpy(self, *, force=False):
    """The tensor's memory as a numpy array (shared: writes show in both), as PyTorch."""
    if self.requires_grad and not force:
        raise TorchError("Can't call numpy() on Tensor that requires grad. Use "
                         "tensor.detach().numpy() instead.")
    return self.array


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    backward_into((self,), (gradient,), retain_graph, create_graph, inputs)


def backward_into(tensors, grads, retain_graph, create_graph, inputs) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' .grad, or with ``inputs`` into
    theirs alone (a non-leaf among them retains its grad, as PyTorch makes it)."""
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if not inputs:
            raise TorchError("`inputs` argument to `backward()` cannot be empty.")
        for tensor in inputs:
            if tensor.grad_fn is not None or not tensor.requires_grad:
                tensor.retain_grad()
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs)


def _T(self):
    return fn.permute(self, *reversed(range(self.array.ndim)))  # a view even of 0-d and 1-d


METHODS = {
    "backward": _backward,
    "numpy": _numpy,
    # arithmetic
    "add": fn.add, "sub": fn.sub, "mul": fn.mul, "div": fn.div, "pow": fn.pow,
    "floor_divide": fn.floor_divide, "remainder": fn.remainder, "fmod": fn.fmod,
    "neg": fn.neg, "negative": fn.neg, "abs": fn.abs, "exp": fn.exp, "log": fn.log,
    "sin": fn.sin, "cos": fn.cos, "tan": fn.tan, "tanh": fn.tanh, "sigmoid": fn.sigmoid,
    "relu": fn.relu, "sqrt": fn.sqrt, "square": fn.square, "reciprocal": fn.reciprocal,
    "sign": fn.sign, "sgn": fn.sgn, "clamp": fn.clamp, "clip": fn.clamp,
    "clamp_min": fn.clamp_min, "clamp_max": fn.clamp_max, "maximum": fn.maximum,
    "minimum": fn.minimum, "softmax": fn.softmax, "log_softmax": fn.log_softmax,
    # reductions
    "sum": fn.sum, "mean": fn.mean, "prod": fn.prod, "max": _method_max, "min": _method_min,
    "norm": fn.norm, "argmax": fn.argmax, "argmin": fn.argmin, "all": fn.all, "any": fn.any,
    # linear algebra
    "matmul": fn.matmul, "mm": fn.mm, "mv": fn.mv, "dot": fn.dot, "outer": fn.outer,
    "bmm": fn.bmm, "addmm": fn.addmm,
    # shapes
    "view": fn.view, "reshape": fn.reshape, "view_as": _view_as, "flatten": fn.flatten,
    "t": fn.t, "transpose": fn.transpose, "permute": fn.permute, "unsqueeze": fn.unsqueeze,
    "squeeze": fn.squeeze, "expand": fn.expand, "expand_as": _expand_as, "clone": fn.clone,
    "contiguous": fn.contiguous,
    # dtypes
    "to": fn.to, "float": _converter(dtypes.float32), "double": _converter(dtypes.float64),
    "half": _converter(dtypes.float16), "long": _converter(dtypes.int64),
    "int": _converter(dtypes.int32), "bool": _converter(dtypes.bool_), "type_as": _type_as,
    "new_tensor": _new_tensor, "new_ones": _new_filled(fn.ones), "new_zeros": _new_filled(fn.zeros),
    "new_empty": _new_filled(fn.empty), "new_full": _new_full, "type": _type,
    # more elementwise functions
    "log1p": fn.log1p, "expm1": fn.expm1, "log2": fn.log2, "log10": fn.log10, "exp2": fn.exp2,
    "asin": fn.asin, "acos": fn.acos, "atan": fn.atan, "atan2": fn.atan2, "arcsin": fn.asin,
    "arccos": fn.acos, "arctan": fn.atan, "arctan2": fn.atan2, "sinh": fn.sinh, "cosh": fn.cosh,
    "rsqrt": fn.rsqrt, "floor": fn.floor, "ceil": fn.ceil, "round": fn.round, "trunc": fn.trunc,
    "fix": fn.trunc, "frac": fn.frac,
    # comparisons and logic
    "eq": fn.eq, "ne": fn.ne, "lt": fn.lt, "le": fn.le, "gt": fn.gt, "ge": fn.ge,
    "greater": fn.gt, "less": fn.lt, "greater_equal": fn.ge, "less_equal": fn.le,
    "not_equal": fn.ne, "equal": fn.equal, "isclose": fn.isclose, "allclose": fn.allclose,
    "logical_and": fn.logical_and, "logical_or": fn.logical_or, "logical_xor": fn.logical_xor,
    "logical_not": fn.logical_not,
    # more reductions, sorting, gathering
    "cumsum": fn.cumsum, "cumprod": fn.cumprod, "logsumexp": fn.logsumexp, "std": fn.std,
    "var": fn.var, "sort": fn.sort, "argsort": fn.argsort, "topk": fn.topk,
    "gather": fn.gather, "scatter": fn.scatter, "scatter_add": fn.scatter_add,
    "masked_fill": fn.masked_fill, "tril": fn.tril, "triu": fn.triu, "flip": fn.flip,
    "repeat": fn.repeat, "chunk": fn.chunk, "split": fn.split, "diagonal": fn.diagonal,
    "index_select": fn.index_select, "index_add": fn.index_add, "masked_select": fn.masked_select,
    "nonzero": fn.nonzero, "argwhere": fn.argwhere, "count_nonzero": fn.count_nonzero,
    "unique": fn.unique, "cross": fn.cross,
    # bitwise
    "bitwise_and": fn.bitwise_and, "bitwise_or": fn.bitwise_or, "bitwise_xor": fn.bitwise_xor,
    "bitwise_not": fn.bitwise_not, "bitwise_left_shift": fn.bitwise_left_shift,
    "bitwise_right_shift": fn.bitwise_right_shift,
    # devices: the CPU only
    "cpu": fn.cpu, "cuda": fn.cuda, "get_device": lambda self: -1,
    # in place
    "add_": _inplace_binary(fn.add), "sub_": _inplace_binary(fn.sub),
    "mul_": _inplace_binary(fn.mul), "div_": _inplace_binary(fn.div),
    "pow_": _inplace_binary(fn.pow), "zero_": _zero_, "fill_": _fill_, "clamp_": _clamp_,
    "uniform_": _uniform_, "normal_": _normal_,
    "relu_": lambda self: _inplace(self, fn.relu),
    "sqrt_": lambda self: _inplace(self, fn.sqrt),
    "lerp": fn.lerp, "addcmul": fn.addcmul, "addcdiv": fn.addcdiv,
    "lerp_": lambda self, end, weight: _inplace(self, lambda old: fn.lerp(old, end, weight),
                                               reads=(end,)),
    "addcmul_": lambda self, tensor1, tensor2, value=1: _inplace(
        self, lambda old: fn.addcmul(old, tensor1, tensor2, value=value), reads=(tensor1, tensor2)),
    "addcdiv_": lambda self, tensor1, tensor2, value=1: _inplace(
        self, lambda old: fn.addcdiv(old, tensor1, tensor2, value=value), reads=(tensor1, tensor2)),
    "masked_fill_": lambda self, mask, value: _inplace(
        self, lambda old: fn.masked_fill(old, mask, value), overlap_ok=True),
    "copy_": _copy_, "floor_divide_": _inplace_binary(fn.floor_divide),
    "remainder_": _inplace_binary(fn.remainder), "fmod_": _inplace_binary(fn.fmod),
    "clip_": _clamp_, "fix_": _inplace_op(fn.trunc), "negative_": _inplace_op(fn.neg),
    "arcsin_": _inplace_op(fn.asin), "arccos_": _inplace_op(fn.acos),
    "arctan_": _inplace_op(fn.atan), "arctan2_": _inplace_binary(fn.atan2),
    **{name + "_": _inplace_op(getattr(fn, name)) for name in (
        "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sqrt", "abs", "neg",
        "reciprocal", "floor", "ceil", "round", "trunc", "frac", "log1p", "expm1", "rsqrt",
        "square", "masked_fill", "scatter", "scatter_add", "index_add", "clamp_min", "clamp_max",
        "log2", "log10", "exp2", "asin", "acos", "atan", "sinh", "cosh", "sign", "sgn")},
    **{name + "_": _inplace_binary(getattr(fn, name)) for name in (
        "atan2", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
        "bitwise_right_shift")},
    "bitwise_not_": _inplace_op(fn.bitwise_not),
    "__ifloordiv__": _inplace_binary(fn.floor_divide), "__imod__": _inplace_binary(fn.remainder),
    "__iadd__": _inplace_binary(fn.add), "__isub__": _inplace_binary(fn.sub),
    "__imul__": _inplace_binary(fn.mul), "__itruediv__": _inplace_binary(fn.div),
    "__iand__": _inplace_binary(fn.bitwise_and), "__ior__": _inplace_binary(fn.bitwise_or),
    "__ixor__": _inplace_binary(fn.bitwise_xor),
    "__ilshift__": _inplace_binary(fn.bitwise_left_shift),
    "__irshift__": _inplace_binary(fn.bitwise_right_shift),
    "__getitem__": _getitem, "__setitem__": _setitem,
}


def install() -> None:
    for name, function in {**OPERATORS, **METHODS}.items():
        setattr(Tensor, name, function)
    saved.install(TABLE)  # grad_fn._saved_self and its kin
    Tensor.T = property(_T)
    Tensor.device = property(lambda self: CPU)
    Tensor.is_cuda = property(lambda self: False)
    Tensor.is_cpu = property(lambda self: True)


install()
