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
from .ops import TABLE, apply, index_result_bound
from .tensor import GradMode, Limits, Tensor, bump_version, view_base, wrap_dim

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

def _inplace(self, compute):
    """Run ``compute(snapshot)`` out of place, then write it back into ``self``'s memory."""
    recording = GradMode.enabled
    if recording and self.requires_grad and self.grad_fn is None:
        raise TorchError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = view_base(self)
    if recording and base is not None and base.requires_grad and base.grad_fn is None:
        raise TorchError("a view of a leaf Variable that requires grad is being used in an in-place "
                         "operation.")
    snapshot = Tensor(self.array.copy() if recording and self.requires_grad else self.array,
                      self.requires_grad, self.grad_fn)
    snapshot._accumulator = self._accumulator
    base_before = _snapshot(base) if base is not None and recording and base.array.ndim \
        else None
    result = compute(snapshot)
    _write_back(self, result.array)
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
        self.requires_grad = True
        if base_before is not None:
            _rebase_view(self, base, base_before, result)
    bump_version(self)
    return self


def _snapshot(tensor):
    old = Tensor(tensor.array.copy(), tensor.requires_grad, tensor.grad_fn)
    old._accumulator = tensor._accumulator
    return old


def _rebase_view(view, base, base_before, result):
    """PyTorch's in-place write through a view: the base's history continues with a
    CopySlices node (the old base with the view's region replaced by ``result``), and the
    view becomes an AsStrided view of the new base."""
    index = _positions_in(base.array, view.array)
    written = apply(OP["copy_slices"], base_before, result, index=index)
    base.grad_fn, base.requires_grad = written.grad_fn, True
    view.grad_fn = apply(OP["as_strided"], base, index=index).grad_fn


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
    if not self.array.flags.writeable:
        raise TorchError("unsupported operation: more than one element of the written-to tensor "
                         "refers to a single memory location. Please clone() the tensor before "
                         "performing the operation.")
    try:
        np.copyto(self.array, array, casting="unsafe")
    except ValueError:
        raise TorchError(f"output with shape [{', '.join(map(str, self.array.shape))}] doesn't match "
                         f"the broadcast shape [{', '.join(map(str, array.shape))}]") from None


def fn_type_word(np_dtype) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}[np_dtype.name]


def _inplace_binary(function):
    def method(self, other, **kwargs):
        return _inplace(self, lambda old: function(old, other, **kwargs))
    return method


def _zero_(self):
    return _inplace(self, lambda old: apply(OP["zero"], old))


def _fill_(self, value):
    return _inplace(self, lambda old: apply(OP["fill"], old, value=value))


def _clamp_(self, min=None, max=None):
    return _inplace(self, lambda old: fn.clamp(old, min, max))


def _copy_(self, src):
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


def _basic_index(tensor, parts):
    """Apply ints, slices, None and ... one dim at a time, as PyTorch's indexing does."""
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
    return out if out is not tensor else _alias(tensor)


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
    parts = key if isinstance(key, tuple) else (key,)
    index = tuple(_index_value(p) for p in parts)
    index = index if len(index) > 1 else index[0]
    value = value if isinstance(value, Tensor) else fn._operand(value)
    if not GradMode.enabled or not (self.requires_grad or getattr(value, "requires_grad", False)):
        try:
            self.array[index] = value.array if isinstance(value, Tensor) else value
        except (IndexError, ValueError) as error:
            raise TorchError(str(error), kind="IndexError") from None
        bump_version(self)
        return
    op = OP["copy_slices"] if _is_basic(key) else OP["index_put"]
    _inplace(self, lambda old: apply(op, old, value, index=index))


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
