"""Tensor methods, operators, indexing and in-place ops, attached to ``Tensor``.

Every method is a thin call into ``functions.py`` (and so into the op table).
In-place ops are the out-of-place op applied to a snapshot of the old tensor,
with the result written back into the same memory and the tensor's history
moved onto the new node, as PyTorch rebases history on in-place ops.
"""

from __future__ import annotations

import re

import numpy as np

from . import dtypes
from . import functions as fn
from .errors import TorchError
from .engine import type_name
from .ops import OVERLAP_ERROR, TABLE, apply, copy_slices, index_result_bound
from .tensor import (GradMode, Limits, NO_GRAD_VIEW, Tensor, bump_version, family_views,
                     view_base, wrap_dim)

OP = TABLE


# ----- Operators -----

def _compare(ufunc):
    def compare(self, other):
        other_array = other.array if isinstance(other, Tensor) else fn._operand(other)
        try:
            return Tensor(np.asarray(ufunc(self.array, other_array)))
        except ValueError as error:
            raise TorchError(str(error)) from None
    return compare


def _logical(ufunc):
    def logical(self, other):
        other_array = other.array if isinstance(other, Tensor) else other
        return Tensor(np.asarray(ufunc(self.array, other_array)))
    return logical


def _pow(self, other):
    return fn.pow(self, other)


def _rpow(self, other):
    return fn.pow(fn._operand(other), self)


def _matmul(self, other):
    if not isinstance(other, Tensor):
        raise TorchError(f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}",
                         kind="TypeError")
    return fn.matmul(self, other)


def _invert(self):
    if self.array.dtype != np.bool_ and self.array.dtype.kind not in "iu":
        raise TorchError("bitwise_not is only implemented for integer and boolean tensors")
    return Tensor(np.invert(self.array))


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
    "__pow__": _pow,
    "__rpow__": _rpow,
    "__matmul__": _matmul,
    "__neg__": fn.neg,
    "__pos__": lambda self: self,
    "__abs__": fn.abs,
    "__invert__": _invert,
    "__lt__": _compare(np.less),
    "__le__": _compare(np.less_equal),
    "__gt__": _compare(np.greater),
    "__ge__": _compare(np.greater_equal),
    "__eq__": _compare(np.equal),
    "__ne__": _compare(np.not_equal),
    "__and__": _logical(np.logical_and),
    "__or__": _logical(np.logical_or),
    "__xor__": _logical(np.logical_xor),
}


# ----- In-place ops -----

def _inplace(self, compute, overlap_ok=False):
    """Run ``compute(snapshot)`` out of place, then write it back into ``self``'s memory.
    ``overlap_ok``: the op may write an expanded tensor (zero_, fill_ and index_put_ do)."""
    recording = GradMode.enabled
    if recording and self.requires_grad:
        _check_inplace(self)
    if not overlap_ok and _internal_overlap(self.array):
        raise TorchError(OVERLAP_ERROR)
    snapshot = Tensor(self.array.copy() if recording and self.requires_grad else self.array,
                      self.requires_grad, self.grad_fn)
    snapshot._accumulator = self._accumulator
    base = view_base(self) if recording else None
    base_before = _snapshot(base) if base is not None and base.array.ndim else None
    result = compute(snapshot)
    _write_back(self, result.array)
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
        self.requires_grad = True
        if base_before is not None:
            _rebase_view(self, base, base_before, result)
        if base is None or base_before is not None:
            _regenerate_views(self)
    bump_version(self)
    return self


def _check_inplace(self):
    """PyTorch's check_inplace, for a tensor that requires grad, in grad mode."""
    if self._accumulator is NO_GRAD_VIEW:
        raise TorchError(NO_GRAD_VIEW_ERROR)
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
    if 0 not in array.strides:
        return False
    return any(stride == 0 and size > 1 for stride, size in zip(array.strides, array.shape))


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
    view.grad_fn = apply(OP["as_strided"], base, index=index).grad_fn


def _regenerate_views(written):
    """The other views of the memory just written now read the base's new history: PyTorch
    regenerates their grad_fn (AsStridedBackward0 of the base) when next asked for it."""
    base, *views = family_views(written)
    if base is None or base.grad_fn is None or not base.array.ndim:
        return  # (a 0-d base: its views keep their grad_fn, as rebasing skips them too)
    for view in views:
        if view is not written and view.array.dtype.kind == "f" \
                and view._accumulator is not NO_GRAD_VIEW:
            index = _positions_in(base.array, view.array)
            view.grad_fn = apply(OP["as_strided"], base, index=index).grad_fn
            view.requires_grad = True


def _positions_in(base, view):
    """The index (one int array per base dim, shaped like ``view``) of each view element."""
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
        raise TorchError(f"result type {fn_type_word(array.dtype)} can't be cast to the desired "
                         f"output type {fn_type_word(self.array.dtype)}")
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


def fn_type_word(np_dtype) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}[np_dtype.name]


def _inplace_binary(function):
    def method(self, other, **kwargs):
        return _inplace(self, lambda old: function(old, other, **kwargs))
    return method


def _zero_(self):
    return _inplace(self, lambda old: apply(OP["zero"], old), overlap_ok=True)


def _fill_(self, value):
    if isinstance(value, Tensor):  # fill_.Tensor: a copy_ in PyTorch, which refuses overlap
        if value.array.ndim:
            raise TorchError("fill_ only supports 0-dimension value tensor but got tensor with "
                             f"{value.array.ndim} dimensions.")
        return _inplace(self, lambda old: apply(OP["fill_tensor"], old, value))
    return _inplace(self, lambda old: apply(OP["fill"], old, value=value), overlap_ok=True)


def _clamp_(self, min=None, max=None):
    return _inplace(self, lambda old: fn.clamp(old, min, max))


def _copy_(self, src):
    if not isinstance(src, Tensor):
        raise TorchError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                         f"{type(src).__name__}", kind="TypeError")
    return _inplace(self, lambda old: apply(OP["copy"], old, src))


def _requires_grad_method(self, requires_grad=True):
    return Tensor.requires_grad_(self, requires_grad)


# ----- Indexing -----

def _is_basic(key) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(p, (int, slice)) and not isinstance(p, bool) or p is None or p is Ellipsis
               for p in parts)


def _index_value(part):
    if isinstance(part, Tensor):
        if part.array.dtype.kind == "f":
            raise TorchError("tensors used as indices must be long, int, byte or bool tensors",
                             kind="IndexError")
        return part.array
    if isinstance(part, list):
        return np.asarray(part)
    if isinstance(part, Tensor):
        return part.array
    return part


def _getitem(self, key):
    if type(key) is slice:  # a lone slice always records SliceBackward0, even x[:]
        return _slice(self, 0, key, always=True)
    if _is_basic(key):
        return _basic_index(self, key if isinstance(key, tuple) else (key,))
    parts = key if isinstance(key, tuple) else (key,)
    index = tuple(_index_value(p) for p in parts)
    if Limits.max_elements is not None:  # the validation below already allocates the result
        Limits.check_elements(index_result_bound(self.array.shape, index))
    try:
        self.array[index]  # validate the index before recording anything
    except IndexError as error:
        raise TorchError(_index_message(error, parts), kind="IndexError") from None
    return apply(OP["index"], self, index=index if len(index) > 1 else index[0])


def _index_message(error, parts):
    text = str(error)
    if "boolean index did not match" in text:
        return f"The shape of the mask does not match the shape of the indexed tensor: {text}"
    found = re.search(r"for axis (\d+) with size", text)
    if found is None:
        return text
    return text.replace(found.group(0), f"for dimension {_advanced_position(parts, int(found.group(1)))} "
                                        "with size")


def _advanced_position(parts, axis):
    """PyTorch numbers the dims of a failing index among the indexed (list/tensor) dims only."""
    position = 0
    for part in parts:
        if part is None:
            continue
        if part is Ellipsis:
            return axis
        if axis == 0:
            return position
        axis -= 1
        if not isinstance(part, (int, slice)):
            position += 1
    return position


def _basic_index(tensor, parts, alias=True):
    """Apply ints, slices, None and ... one dim at a time, as PyTorch's indexing does; when
    that makes no view, an alias of ``tensor`` (or ``tensor`` itself, ``alias=False``)."""
    explicit = sum(1 for p in parts if p is not None and p is not Ellipsis)
    if explicit > tensor.array.ndim:
        raise TorchError(f"too many indices for tensor of dimension {tensor.array.ndim}",
                         kind="IndexError")
    out, dim, real_dim = tensor, 0, 0  # real_dim: the dim of `tensor` (error messages use it)
    for part in parts:
        if part is Ellipsis:
            dim += tensor.array.ndim - explicit
            real_dim += tensor.array.ndim - explicit
        elif part is None:
            out = fn.unsqueeze(out, dim)
            dim += 1
        elif isinstance(part, int):
            out, real_dim = _select(out, dim, part, real_dim), real_dim + 1
        else:
            out, dim, real_dim = _slice(out, dim, part), dim + 1, real_dim + 1
    return out if out is not tensor or not alias else _alias(tensor)


def _alias(tensor):
    # `x[...]` or `x[:, :]` is a new tensor sharing memory (AliasBackward0)
    return apply(OP["alias"], tensor)


def _select(tensor, dim, index, real_dim=None):
    size = tensor.array.shape[dim]
    if not -size <= index < size:
        raise TorchError(f"index {index} is out of bounds for dimension "
                         f"{dim if real_dim is None else real_dim} with size {size}",
                         kind="IndexError")
    return apply(OP["select"], tensor, dim=dim, index=index % size)


def _slice(tensor, dim, part, always=False):
    size = tensor.array.shape[dim]
    start, stop, step = part.indices(size)
    if step <= 0:
        raise TorchError("step must be greater than zero", kind="ValueError")
    if start == 0 and stop >= size and step == 1 and not always:
        return tensor
    stop = max(stop, start)
    return apply(OP["slice"], tensor, dim=dim, start=start, stop=stop, step=step)


def _setitem(self, key, value):
    value = _assigned_value(self, value)
    if _is_basic(key):
        # PyTorch writes into the view self[key] (full slices and ... make none): `self[:] = v`
        # is self.fill_(v) or self.copy_(v), `self[0] = v` a write through a view (CopySlices)
        _copy_to(_basic_index(self, key if isinstance(key, tuple) else (key,), alias=False), value)
        return
    parts = key if isinstance(key, tuple) else (key,)
    index = tuple(_index_value(p) for p in parts)
    try:
        self.array[index]  # validate the index before writing anything
    except IndexError as error:
        raise TorchError(_index_message(error, parts), kind="IndexError") from None
    index = index if len(index) > 1 else index[0]
    recording = GradMode.enabled and (self.requires_grad or value.requires_grad)
    if _internal_overlap(self.array) and not recording:
        # index_put_ writes only the indexed positions: through an expanded tensor that is
        # not the same as writing the whole result back
        _writable(self.array)[index] = value.array
        bump_version(self)
        return
    _inplace(self, lambda old: apply(OP["index_put"], old, value, index=index), overlap_ok=True)


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


def _method_max(self, dim=None, keepdim=False):
    return fn.max(self, dim, keepdim)


def _method_min(self, dim=None, keepdim=False):
    return fn.min(self, dim, keepdim)


def _view_as(self, other):
    return fn.view(self, *other.array.shape)


def _expand_as(self, other):
    return fn.expand(self, *other.array.shape)


def _new_tensor(self, data, dtype=None, requires_grad=False):
    return fn.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _T(self):
    if self.array.ndim < 2:
        return self
    return fn.permute(self, *reversed(range(self.array.ndim)))


METHODS = {
    # arithmetic
    "add": fn.add, "sub": fn.sub, "mul": fn.mul, "div": fn.div, "pow": fn.pow,
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
    "bmm": fn.bmm,
    # shapes
    "view": fn.view, "reshape": fn.reshape, "view_as": _view_as, "flatten": fn.flatten,
    "t": fn.t, "transpose": fn.transpose, "permute": fn.permute, "unsqueeze": fn.unsqueeze,
    "squeeze": fn.squeeze, "expand": fn.expand, "expand_as": _expand_as, "clone": fn.clone,
    "contiguous": fn.contiguous,
    # dtypes
    "to": fn.to, "float": _converter(dtypes.float32), "double": _converter(dtypes.float64),
    "half": _converter(dtypes.float16), "long": _converter(dtypes.int64),
    "int": _converter(dtypes.int32), "bool": _converter(dtypes.bool_), "type_as": _type_as,
    "new_tensor": _new_tensor,
    # in place
    "add_": _inplace_binary(fn.add), "sub_": _inplace_binary(fn.sub),
    "mul_": _inplace_binary(fn.mul), "div_": _inplace_binary(fn.div),
    "pow_": _inplace_binary(fn.pow), "zero_": _zero_, "fill_": _fill_, "clamp_": _clamp_,
    "copy_": _copy_,
    "__iadd__": _inplace_binary(fn.add), "__isub__": _inplace_binary(fn.sub),
    "__imul__": _inplace_binary(fn.mul), "__itruediv__": _inplace_binary(fn.div),
    "__getitem__": _getitem, "__setitem__": _setitem,
}


def install() -> None:
    for name, function in {**OPERATORS, **METHODS}.items():
        setattr(Tensor, name, function)
    Tensor.T = property(_T)


install()
