"""The torch functions: creation, random numbers, and the functional forms of the ops,
all dispatching to the op table (``methods.py`` gives Tensor the same as methods).

PyTorch's choices of which op backs which call are kept, because they are
visible in ``grad_fn``: ``2 / x`` is ``reciprocal(x) * 2`` (``MulBackward0``),
``x.square()`` is ``pow(x, 2)``, ``x.flatten()`` is a view, full slices ``x[:]``
record nothing.
"""

from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from gradcli.core import dtypes
from gradcli.core.device import Default as DefaultDevice
from gradcli.core.device import as_device, check_creation, check_move
from gradcli.core.device import device as Device
from gradcli.core.kernels import random as rng
from gradcli.core.kernels import ranges, stl_sort
from gradcli.core.ops import TABLE, apply, extreme_indices, type_word
from gradcli.core.ops.composite import (_prod,  # noqa: F401  (clone, view: torch.clone, torch.view)
                                        _shape_list, _strides, clone, contiguous, mm, reshape, view)
from gradcli.core import tensor as tensor_module
from gradcli.core.ops.composite import addmm as _addmm
from gradcli.core.tensor import GradMode, Limits, Tensor, WrappedFloat, WrappedInt, wrap_dim
from gradcli.errors import TorchError

_NUMBER = (bool, int, float)
_WRAPPED = (WrappedFloat, WrappedInt)  # numbers a derivative formula reads from its node
_PLAIN_OPERANDS = frozenset((Tensor, *_NUMBER))  # what _operand passes through as it is
_UNSET = object()  # an argument not given (where an explicit None means something else)


# ----- Argument handling -----

def _operand(value, what="other"):
    """A Tensor or Python number as an op operand; anything else is a TypeError like PyTorch's."""
    if type(value) is Tensor or type(value) in _NUMBER or type(value) in _WRAPPED:
        return value
    if isinstance(value, Tensor) or isinstance(value, numbers.Real):
        return value if isinstance(value, Tensor) else float(value)
    raise TorchError(f"unsupported operand type for tensor operation: '{type(value).__name__}'",
                     kind="TypeError")


def _dtype_np(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, dtypes.dtype):
        return dtype.np
    raise TorchError(f"dtype must be a torch.dtype, not {type(dtype).__name__}", kind="TypeError")


def _shape_args(size, keyword=None) -> tuple:
    """``ones(2, 3)``, ``ones((2, 3))``, ``ones([2, 3])`` and ``ones(size=(2, 3))`` all mean
    shape (2, 3)."""
    if keyword is not None:
        if size:
            raise TorchError("size was given both as positional and as keyword arguments",
                             kind="TypeError")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.__index__()
        if isinstance(s, bool) or not isinstance(s, int):
            raise TorchError(f"size must be a sequence of ints, not {type(s).__name__}",
                             kind="TypeError")
        shape.append(s)
    for s in shape:
        if s < 0:
            raise TorchError(f"Trying to create tensor with negative dimension {s}: "
                             f"[{', '.join(map(str, shape))}]")
    Limits.check_elements(shape)
    return tuple(shape)


def _leaf(array, requires_grad=False):
    tensor = Tensor(array)
    if requires_grad:
        dtypes.check_float_for_grad(tensor.dtype)
        tensor.requires_grad = True
    return tensor


def _numpy_names(function):
    """PyTorch's argument parser also takes numpy's names, ``axis`` for ``dim`` and ``keepdims``
    for ``keepdim`` (``x.sum(axis=0)``); for functions whose first parameter is ``input``."""
    def call(input, *args, **kwargs):
        if kwargs:
            for numpy_name, name in (("axis", "dim"), ("keepdims", "keepdim")):
                if numpy_name in kwargs:
                    kwargs[name] = kwargs.pop(numpy_name)
        return function(input, *args, **kwargs)
    call.__name__ = call.__qualname__ = function.__name__
    call.__doc__, call.__wrapped__ = function.__doc__, function
    return call


# ----- Creation -----

def tensor(data, dtype=None, device=None, requires_grad=False):
    """``torch.tensor``: a new leaf from a number, a nested list, or another tensor's values."""
    check_creation(device, "tensor")
    if isinstance(data, Tensor):
        array = data.array.copy()
    else:
        array = _array_from_data(data, _dtype_np(dtype))
    if dtype is not None:
        array = array.astype(_dtype_np(dtype))
    return _leaf(array, requires_grad)


def _array_from_data(data, want=None):
    if Limits.max_elements is not None:
        Limits.check_elements(_nested_shape(data))  # before walking shared rows: [[0.] * n] * n
    _check_nested(data)
    kind = _infer_kind(data)
    np_dtype = {dtypes.BOOL: np.bool_, dtypes.INT: np.int64, dtypes.FLOAT: dtypes.default_float.np}[kind]
    if kind == dtypes.FLOAT and want is not None and want.kind == "f":
        np_dtype = want  # float64 straight from the Python floats, not rounded via float32
    try:
        if kind == dtypes.FLOAT:
            return np.array(np.array(data, dtype=np.float64), dtype=np_dtype)
        return np.array(data, dtype=np_dtype)
    except OverflowError:
        raise TorchError("Overflow when unpacking long") from None


def _nested_shape(data) -> tuple:
    """The shape ``data`` claims along its first elements (ragged data is refused later)."""
    shape = []
    while isinstance(data, (list, tuple)) and len(shape) <= 32:
        shape.append(len(data))
        if not data:
            break
        data = data[0]
    return tuple(shape)


def _check_nested(data, depth=0):
    if depth > 32:
        raise TorchError("tensor(): nesting too deep", kind="ValueError")
    if isinstance(data, (list, tuple)):
        Limits.check_elements((len(data),))
        lengths = set()
        for item in data:
            _check_nested(item, depth + 1)
            lengths.add(len(item) if isinstance(item, (list, tuple)) else -1)
        if len(lengths) > 1:
            raise TorchError(f"expected sequence of length {len(data[0]) if isinstance(data[0], (list, tuple)) else 1} "
                             f"at dim {depth + 1} (got {next(len(i) for i in data if isinstance(i, (list, tuple)))})",
                             kind="ValueError")
    elif isinstance(data, Tensor):
        if data.array.size != 1:
            raise TorchError("only one element tensors can be converted to Python scalars",
                             kind="ValueError")
    elif not isinstance(data, _NUMBER) and not isinstance(data, numbers.Real):
        raise TorchError(f"Could not infer dtype of {type(data).__name__}", kind="RuntimeError")


def _infer_kind(data) -> int:
    if isinstance(data, (list, tuple)):
        return builtins.max((_infer_kind(item) for item in data), default=dtypes.FLOAT)
    if isinstance(data, Tensor):
        return data.dtype.category
    if isinstance(data, bool):
        return dtypes.BOOL
    if isinstance(data, int):
        return dtypes.INT
    return dtypes.FLOAT


def _filled(size, value, dtype, requires_grad, keyword=None):
    shape = _shape_args(size, keyword)
    np_dtype = _dtype_np(dtype) or dtypes.default_float.np
    return _leaf(np.full(shape, value, dtype=np_dtype), requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    check_creation(device, "ones")
    return _filled(sizes, 1, dtype, requires_grad, size)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    check_creation(device, "zeros")
    return _filled(sizes, 0, dtype, requires_grad, size)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    check_creation(device, "empty")
    return _filled(sizes, 0, dtype, requires_grad, size)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    check_creation(device, "full")
    if dtype is None:
        dtype = {dtypes.BOOL: dtypes.bool_, dtypes.INT: dtypes.int64}.get(
            dtypes._scalar_category(fill_value), dtypes.default_float)
    return _filled((size,), fill_value, dtype, requires_grad)


def _like(value, x, dtype, requires_grad):
    np_dtype = _dtype_np(dtype) or x.array.dtype
    return _leaf(np.full(x.array.shape, value, dtype=np_dtype), requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    check_creation(device, "ones_like")
    return _like(1, input, dtype, requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    check_creation(device, "zeros_like")
    return _like(0, input, dtype, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    check_creation(device, "full_like")
    return _like(fill_value, input, dtype, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    check_creation(device, "empty_like")
    return _like(0, input, dtype, requires_grad)


def arange(start=0, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """PyTorch's arange, to the last bit (``ranges.arange``): its size is
    ``ceil((end - start) / step)`` in double."""
    check_creation(device, "arange")
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        is_int = builtins.all(isinstance(v, int) for v in values)
        dtype = dtypes.int64 if is_int else dtypes.default_float
    _check_range_dtype(dtype, "arange")
    start, end, step = values
    if step == 0:
        raise TorchError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise TorchError(f"unsupported range: {start} -> {end}")
    if (end - start) / step < 0:
        raise TorchError("upper bound and lower bound inconsistent with step sign")
    count = math.ceil((end - start) / step)  # from the step as given, whatever the dtype
    if not dtype.is_floating_point and int(step) == 0:  # arange(0, 1, 0.5, dtype=torch.long)
        raise TorchError("step must be nonzero", kind="ValueError")
    Limits.check_elements((count,))
    return _leaf(ranges.arange(start, step, count, dtype.np), requires_grad)


def _check_range_dtype(dtype, name):
    if dtype is dtypes.bool_:
        raise TorchError(f'"{name}_cpu" not implemented for \'Bool\'', kind="NotImplementedError")


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """PyTorch's linspace, to the last bit (``ranges.linspace``)."""
    check_creation(device, "linspace")
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TorchError(f"linspace() received an invalid combination of arguments - got "
                         f"({', '.join(type(v).__name__ for v in (start, end, steps))}), but "
                         "expected one of:", kind="TypeError")
    if steps < 0:
        raise TorchError("number of steps must be non-negative")
    Limits.check_elements((steps,))
    dtype = dtype or dtypes.default_float
    _check_range_dtype(dtype, "linspace")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    return _leaf(ranges.linspace(start, end, steps, dtype.np), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    check_creation(device, "eye")
    m = n if m is None else m
    Limits.check_elements((n, m))
    return _leaf(np.eye(n, m, dtype=_dtype_np(dtype) or dtypes.default_float.np), requires_grad)


# ----- Random numbers (PyTorch's generator, reproduced in random.py) -----

class Generator:
    """``torch.Generator``: a CPU generator of its own (PyTorch's MT19937, bit for bit), for
    the ``generator=`` arguments of the random functions, DataLoader and random_split."""

    def __init__(self, device="cpu"):
        self.kernel = rng.Generator()

    def manual_seed(self, seed):
        self.kernel.manual_seed(int(seed))
        return self

    def seed(self) -> int:
        return self.kernel.seed()

    def initial_seed(self) -> int:
        return self.kernel.initial_seed()

    def get_state(self):
        return Tensor(self.kernel.get_state())

    def set_state(self, new_state):
        self.kernel.set_state(new_state.array)
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at 0x{id(self):x}>"


def _kernel(generator):
    """The kernel generator a ``generator=`` argument names (None: the default one)."""
    if generator is None:
        return rng.default_generator
    if not isinstance(generator, Generator):
        raise TorchError(f"generator must be a torch.Generator, not {type(generator).__name__}",
                         kind="TypeError")
    return generator.kernel


def manual_seed(seed):
    rng.manual_seed(int(seed))
    return None


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    check_creation(device, "rand")
    shape = _shape_args(sizes, size)
    return _leaf(rng.rand(shape, _dtype_np(dtype) or dtypes.default_float.np,
                          generator=_kernel(generator)), requires_grad)


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    check_creation(device, "randn")
    shape = _shape_args(sizes, size)
    return _leaf(rng.randn(shape, _dtype_np(dtype) or dtypes.default_float.np,
                           generator=_kernel(generator)), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``range(n)`` (PyTorch's Fisher-Yates on its generator)."""
    check_creation(device, "randperm")
    n = _shape_args((n,))[0]  # (PyTorch's negative-dimension error)
    array = rng.randperm(n, generator=_kernel(generator))
    return _leaf(array.astype(_dtype_np(dtype) or np.int64), requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    return rand(*input.array.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    return randn(*input.array.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    check_creation(device, "randint")
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    shape = _shape_args((size,))
    array = rng.randint(low, high, shape, generator=_kernel(generator))
    return _leaf(array.astype(_dtype_np(dtype) or np.int64), requires_grad)


# ----- Functional forms of the ops -----

def add(input, other, alpha=1):
    if alpha != 1:
        if isinstance(other, Tensor):  # one op in PyTorch: a fused input + alpha * other
            return apply(TABLE["add_alpha"], input, other, alpha=alpha)
        other = _operand(other) * alpha
    # the type test inline: one call frame less on the operators' hot path
    return apply(TABLE["add"], input, other if type(other) in _PLAIN_OPERANDS else _operand(other))


def _check_bool_subtraction(input, other):
    bools = [isinstance(x, Tensor) and x.array.dtype == np.bool_ or type(x) is bool
             for x in (input, other)]
    if builtins.all(bools):
        raise TorchError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                         "Use the `^` or `logical_xor()` operator instead.")
    if builtins.any(bools):
        raise TorchError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                         "you are trying to invert a mask, use the `~` or `logical_not()` operator "
                         "instead.")


def sub(input, other, alpha=1):
    _check_bool_subtraction(input, other)
    if alpha != 1:
        if isinstance(other, Tensor):
            return apply(TABLE["sub_alpha"], input, other, alpha=alpha)
        other = _operand(other) * alpha
    return apply(TABLE["sub"], input, other if type(other) in _PLAIN_OPERANDS else _operand(other))


def mul(input, other):
    return apply(TABLE["mul"], input, other if type(other) in _PLAIN_OPERANDS else _operand(other))


def div(input, other, *, rounding_mode=_UNSET):
    other = other if type(other) in _PLAIN_OPERANDS else _operand(other)
    if rounding_mode is _UNSET:
        return apply(TABLE["div"], input, other)
    if rounding_mode not in (None, "floor", "trunc"):
        raise TorchError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found {rounding_mode!r}")
    return apply(TABLE["div_mode" if rounding_mode is None else "div_mode_" + rounding_mode],
                 input, other)


def rsub(input, other):
    _check_bool_subtraction(input, other)
    if isinstance(other, Tensor):
        return apply(TABLE["sub"], other, input)
    return apply(TABLE["rsub"], input, other=other)


def pow(input, exponent):
    if isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            return apply(TABLE["pow_tensor"], input, exponent)
        return apply(TABLE["pow"], input, exponent=_operand(exponent))
    return _pow_number(_operand(input), exponent)


def _pow_number(base, exponent):
    """``base ** exponent`` for a number base: the dtype PyTorch's promotion gives (an integer
    base keeps an integer exponent's dtype), the exponent cast to it before the op."""
    target = dtypes.result_type(base, exponent)
    if target.np == np.bool_:
        raise TorchError('"pow" not implemented for \'Bool\'', kind="NotImplementedError")
    if exponent.array.dtype != target.np:  # only an integer or bool one: no grad to keep
        exponent = Tensor(exponent.array.astype(target.np))
    return apply(TABLE["pow_base"], exponent, base=base)


def lerp(input, end, weight):
    """``input + weight * (end - input)`` (a number weight), ATen's two fused forms."""
    if isinstance(weight, Tensor):
        raise TorchError("lerp with a tensor weight is not supported by gradcli",
                         kind="NotImplementedError")
    return apply(TABLE["lerp"], input, end, weight=float(weight))


def addcmul(input, tensor1, tensor2, *, value=1):
    return apply(TABLE["addcmul"], input, tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    return apply(TABLE["addcdiv"], input, tensor1, tensor2, value=value)


def square(input):
    return pow(input, 2)


def true_divide_reflected(input, other):
    # PyTorch computes `2 / x` as `reciprocal(x) * 2`, so its grad_fn is MulBackward0
    return apply(TABLE["mul"], apply(TABLE["reciprocal"], input), _operand(other))



def floor_divide(input, other):
    return apply(TABLE["floor_divide"], _operand(input, "input"), _operand(other))


def remainder(input, other):
    if not isinstance(input, Tensor):  # remainder.Scalar_Tensor: no derivative formula
        return apply(TABLE["remainder_reflected"], _operand(input, "input"), other)
    if isinstance(other, Tensor):
        return apply(TABLE["remainder"], input, other)
    return _with_number(TABLE["remainder_scalar"], input, _operand(other))


def fmod(input, other):
    if isinstance(other, Tensor):
        return apply(TABLE["fmod"], input, other)
    return _with_number(TABLE["fmod_scalar"], input, _operand(other))


def _with_number(op, input, other):
    """The Scalar overload of a binary op: ``input`` promoted with ``other`` (only a tensor
    that cannot require grad changes dtype), then ``other`` as a parameter."""
    target = dtypes.result_type(input, other).np
    if input.array.dtype != target:
        input = Tensor(input.array.astype(target))
    return apply(op, input, other=other)

def _unary_function(name):
    op = TABLE[name]

    def function(input):
        return apply(op, input)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}: elementwise, grad_fn {op.grad_fn_name}."
    return function


def neg(input):
    if input.array.dtype == np.bool_:
        raise TorchError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                         "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return apply(TABLE["neg"], input)


exp = _unary_function("exp")
log = _unary_function("log")
sin = _unary_function("sin")
cos = _unary_function("cos")
tan = _unary_function("tan")
tanh = _unary_function("tanh")
sigmoid = _unary_function("sigmoid")
relu = _unary_function("relu")
sqrt = _unary_function("sqrt")
abs = _unary_function("abs")
reciprocal = _unary_function("reciprocal")
sign = _unary_function("sign")
sgn = _unary_function("sgn")


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise TorchError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    # torch.clamp is one op whichever bounds are given (ClampBackward1); only the
    # clamp_min/clamp_max calls record ClampMinBackward0/ClampMaxBackward0
    return apply(TABLE["clamp"], input, min=min, max=max)


def _clamp_tensor(input, min, max):
    """clamp.Tensor: the operands in their promoted dtype (numbers as 0-d tensors), then one op."""
    bounds = [None if b is None else b if isinstance(b, Tensor) else tensor(b) for b in (min, max)]
    target = dtypes.result_type(input, *[b for b in bounds if b is not None])
    operands = [b if b is None or b.dtype == target else b.to(target) for b in [input] + bounds]
    return apply(TABLE["clamp_tensor"], *operands)


def clamp_min(input, min):
    return apply(TABLE["clamp_min"], input, min=min)


def clamp_max(input, max):
    return apply(TABLE["clamp_max"], input, max=max)




def maximum(input, other):
    return apply(TABLE["maximum"], input, other)


def minimum(input, other):
    return apply(TABLE["minimum"], input, other)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(Tensor(i) for i in np.nonzero(_bool_array(condition)))
    return apply(TABLE["where"], _operand(input), _operand(other), condition=_bool_array(condition))


def _bool_array(condition):
    array = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if array.dtype != np.bool_:
        raise TorchError(f"where expected condition to be a boolean tensor, but got a tensor with "
                         f"dtype {dtypes.from_numpy_dtype(array.dtype).name.capitalize()}")
    return array


@_numpy_names
def softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return apply(TABLE["softmax"], input, dim=wrap_dim(dim, input.array.ndim))


@_numpy_names
def log_softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return apply(TABLE["log_softmax"], input, dim=wrap_dim(dim, input.array.ndim))


# ----- Reductions -----

def _reduced(name, input, dim, keepdim, dtype, dims):
    """torch.sum/mean/prod: over everything (the ``name`` row) or over ``dims(dim)``."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(TABLE[name], input)
    return apply(TABLE[f"{name}_dim"], input, dim=dims(dim), keepdim=keepdim)


@_numpy_names
def sum(input, dim=None, keepdim=False, dtype=None):
    return _reduced("sum", input, dim, keepdim, dtype, _dim_arg)


@_numpy_names
def mean(input, dim=None, keepdim=False, dtype=None):
    return _reduced("mean", input, dim, keepdim, dtype, _dim_arg)


@_numpy_names
def prod(input, dim=None, keepdim=False, dtype=None):
    return _reduced("prod", input, dim, keepdim, dtype, lambda d: wrap_dim(d, input.array.ndim))


def _dim_arg(dim):
    """A dim argument as PyTorch's int[1]? keeps it: None, or a tuple (grad_fn._saved_dim)."""
    if isinstance(dim, list):
        return tuple(dim)
    return (dim,) if isinstance(dim, int) and not isinstance(dim, bool) else dim


class _NamedResult(tuple):
    """A (values, indices) pair that prints as ``torch.return_types.max(...)``."""

    def __new__(cls, name, pair):
        self = super().__new__(cls, pair)
        self._name = name
        return self

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    __str__ = __repr__


def _extreme(name, arg, input, dim, keepdim, other):
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        return maximum(input, other) if name == "max" else minimum(input, other)
    if dim is None:
        return apply(TABLE[name], input)
    kept = extreme_indices(arg, input.array, dim)
    values = apply(TABLE[f"{name}_dim"], input, dim=dim, keepdim=keepdim, indices=kept)
    indices = kept if keepdim or not input.array.ndim else np.squeeze(
        kept, axis=wrap_dim(dim, input.array.ndim))
    return _NamedResult(name, (values, Tensor(indices)))


@_numpy_names
def max(input, dim=None, keepdim=False, other=None):
    return _extreme("max", np.argmax, input, dim, keepdim, other)


@_numpy_names
def min(input, dim=None, keepdim=False, other=None):
    return _extreme("min", np.argmin, input, dim, keepdim, other)


def _check_arg_reduction(name, input, dim):
    if dim is None and input.array.size == 0:
        raise TorchError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is not None and input.array.ndim and input.array.shape[wrap_dim(dim, input.array.ndim)] == 0:
        raise TorchError(f"{name}(): Expected reduction dim {wrap_dim(dim, input.array.ndim)} to "
                         "have non-zero size.", kind="IndexError")


@_numpy_names
def argmax(input, dim=None, keepdim=False):
    _check_arg_reduction("argmax", input, dim)
    if dim is None:
        return Tensor(np.asarray(np.argmax(input.array), dtype=np.int64))
    result = np.argmax(input.array, axis=wrap_dim(dim, input.array.ndim), keepdims=keepdim)
    return Tensor(np.asarray(result, dtype=np.int64))


@_numpy_names
def argmin(input, dim=None, keepdim=False):
    _check_arg_reduction("argmin", input, dim)
    if dim is None:
        return Tensor(np.asarray(np.argmin(input.array), dtype=np.int64))
    result = np.argmin(input.array, axis=wrap_dim(dim, input.array.ndim), keepdims=keepdim)
    return Tensor(np.asarray(result, dtype=np.int64))


@_numpy_names
def norm(input, p="fro", dim=None, keepdim=False):
    if p not in ("fro", 2, 2.0):
        raise TorchError(f"norm with p={p!r} is not supported by gradcli; only the 2-norm is",
                         kind="NotImplementedError")
    return apply(TABLE["norm"], input, dim=_dim_arg(dim), keepdim=keepdim)


@_numpy_names
def all(input, dim=None, keepdim=False):
    return Tensor(np.asarray(np.all(input.array, axis=_dim_arg(dim), keepdims=keepdim)))


@_numpy_names
def any(input, dim=None, keepdim=False):
    return Tensor(np.asarray(np.any(input.array, axis=_dim_arg(dim), keepdims=keepdim)))


# ----- Linear algebra -----

def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if beta != 1 or alpha != 1:
        raise TorchError("addmm with beta or alpha other than 1 is not supported by gradcli",
                         kind="NotImplementedError")
    return _addmm(input, mat1, mat2)


def mv(input, vec):
    return apply(TABLE["mv"], input, vec)


def dot(input, other):
    return apply(TABLE["dot"], input, other)


def outer(input, vec2):
    # PyTorch computes outer as self.reshape({n, 1}) * vec2 (MulBackward0)
    for name, x in (("self", input), ("vec2", vec2)):
        if x.array.ndim != 1:
            raise TorchError(f"outer: Expected 1-D argument {name}, but got {x.array.ndim}-D")
    return mul(reshape(input, input.array.shape[0], 1), vec2)


def cross(input, other, dim=None):
    """The cross product along ``dim`` (without one, the first dim of size 3, as PyTorch's
    deprecated default), the operands broadcast (LinalgCrossBackward0)."""
    shape, other_shape = input.array.shape, other.array.shape
    if dim is None:
        dim = next((d for d, size in enumerate(shape) if size == 3), None)
        if dim is None:
            raise TorchError("no dimension of size 3 in input")
    if len(shape) != len(other_shape):
        raise TorchError("linalg.cross: inputs must have the same number of dimensions.")
    dim = wrap_dim(dim, len(shape))
    if shape[dim] != 3 or other_shape[dim] != 3:
        raise TorchError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                         f"{shape[dim]} and {other_shape[dim]}")
    _broadcast_shapes(shape, other_shape)
    if input.array.dtype != other.array.dtype:
        raise TorchError(f"expected scalar type {type_word(input.array.dtype)} but found "
                         f"{type_word(other.array.dtype)}")
    return apply(TABLE["cross"], input, other, dim=dim)


def bmm(input, mat2):
    return apply(TABLE["bmm"], input, mat2)


def matmul(input, other):
    """PyTorch's ``_matmul_impl``: dot, mv, mm, a folded mm/mv, or bmm (grad_fn names follow it)."""
    a, b = input.array.ndim, other.array.ndim
    if a == 0 or b == 0:
        raise TorchError(f"both arguments to matmul need to be at least 1D, but they are {a}D and "
                         f"{b}D")
    if a == 1 and b == 1:
        return dot(input, other)
    if a == 2 and b == 1:
        return mv(input, other)
    if a == 1 and b == 2:
        # PyTorch squeezes in place here, hence SqueezeBackward4
        return apply(TABLE["squeeze_dim_"], mm(unsqueeze(input, 0), other), dim=0)
    if a == 2 and b == 2:
        return mm(input, other)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _mT(x):
    return transpose(x, -2, -1)


def _should_fold(input, other) -> bool:
    """Fold the larger operand into a matrix (mm/mv) instead of bmm, as PyTorch decides."""
    larger = input.array.ndim >= other.array.ndim
    big = input.array if larger else np.swapaxes(other.array, -1, -2)
    small_ndim = other.array.ndim if larger else input.array.ndim
    if not (big.ndim >= 3 and small_ndim <= 2):
        return False
    if (other if larger else input).requires_grad:
        return True  # folding avoids a batch of gradients for the smaller operand
    if input.array.ndim == 2:
        return False
    if big.size == 0:
        return True
    shape, strides = big.shape, _strides(big)
    return builtins.all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))


def _folded_matmul(input, other):
    swap = other.array.ndim > input.array.ndim
    t1 = _mT(other) if swap else input
    t2 = (t(input) if input.array.ndim == 2 else input) if swap else other
    out_shape = t1.array.shape[:-1]
    folded = reshape(t1, _prod(out_shape), t1.array.shape[-1])
    if t2.array.ndim == 1:
        return apply(TABLE["unsafe_view"], mv(folded, t2), shape=out_shape)
    out = apply(TABLE["unsafe_view"], mm(folded, t2), shape=out_shape + (t2.array.shape[1],))
    return contiguous(_mT(out)) if swap else out


def _batched_matmul(input, other):
    a, b = input.array.ndim, other.array.ndim
    n, m1 = (input.array.shape[-2] if a > 1 else 1), input.array.shape[-1]
    m2 = other.array.shape[-2] if b > 1 else other.array.shape[0]
    p = other.array.shape[-1] if b > 1 else 1
    batch1, batch2 = input.array.shape[:builtins.max(a - 2, 0)], other.array.shape[:builtins.max(b - 2, 0)]
    if a == 3 and b == 3 and batch1[0] != batch2[0]:
        if batch1[0] == 1 and input.requires_grad:
            return matmul(squeeze(input, 0), other)
        if batch2[0] == 1 and other.requires_grad:
            return matmul(input, squeeze(other, 0))
    batch = _broadcast_shapes(batch1, batch2)
    count = _prod(batch)
    left = reshape(expand(input, *batch, n, m1), count, n, m1)
    if b == 1:
        right = unsqueeze(reshape(expand(other, *batch, m2), count, m2), 2)
    else:
        right = reshape(expand(other, *batch, m2, p), count, m2, p)
    out_shape = batch + ((n,) if a > 1 else ()) + ((p,) if b > 1 else ())
    Limits.check_elements(out_shape)
    out = bmm(left, right)
    return apply(TABLE["unsafe_view"], squeeze(out, -1) if b == 1 else out, shape=out_shape)


def _broadcast_shapes(a, b) -> tuple:
    """PyTorch's infer_size, with its error message."""
    ndim = builtins.max(len(a), len(b))
    out = []
    for back in range(ndim, 0, -1):
        sa = a[-back] if back <= len(a) else 1
        sb = b[-back] if back <= len(b) else 1
        if sa != sb and sa != 1 and sb != 1:
            raise TorchError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                             f"at non-singleton dimension {ndim - back}")
        out.append(sa if sb == 1 else sb)
    return tuple(out)


# ----- Shape ops -----

def flatten(input, start_dim=0, end_dim=-1):
    ndim = input.array.ndim
    if ndim == 0:
        return reshape(input, 1)
    start, end = wrap_dim(start_dim, ndim), wrap_dim(end_dim, ndim)
    if start > end:
        raise TorchError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = input.array.shape
    return reshape(input, *shape[:start], _prod(shape[start:end + 1]), *shape[end + 1:])


def t(input):
    return apply(TABLE["t"], input)


def transpose(input, dim0, dim1):
    return apply(TABLE["transpose"], input, dim0=dim0, dim1=dim1)


def permute(input, *dims):
    return apply(TABLE["permute"], input, dims=_shape_list(dims))


@_numpy_names
def unsqueeze(input, dim):
    return apply(TABLE["unsqueeze"], input, dim=wrap_dim(dim, input.array.ndim + 1))


@_numpy_names
def squeeze(input, dim=None):
    if dim is None:
        return apply(TABLE["squeeze"], input)
    return apply(TABLE["squeeze_dim"], input, dim=wrap_dim(dim, input.array.ndim) if isinstance(dim, int)
                 else dim)


def expand(input, *sizes):
    return apply(TABLE["expand"], input, shape=_shape_list(sizes))


def cat(tensors, dim=0, *, axis=None, out=None):
    dim = dim if axis is None else axis  # (numpy's name, which PyTorch's parser takes)
    tensors = _tensor_list(tensors, "cat")
    if out is not None:
        return _into(out, "cat", lambda: apply(TABLE["cat"], *tensors, dim=dim), tensors)
    return apply(TABLE["cat"], *tensors, dim=dim)




def stack(tensors, dim=0, *, axis=None, out=None):
    dim = dim if axis is None else axis
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise TorchError("stack expects a non-empty TensorList")
    if out is not None:
        return _into(out, "stack", lambda: apply(TABLE["stack"], *tensors, dim=dim), tensors)
    return apply(TABLE["stack"], *tensors, dim=dim)


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TorchError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                         f"{type(tensors).__name__}", kind="TypeError")
    for item in tensors:
        if not isinstance(item, Tensor):
            raise TorchError(f"expected Tensor as element {tensors.index(item)} in argument 0, but "
                             f"got {type(item).__name__}", kind="TypeError")
    return list(tensors)


def to(input, *args, dtype=None, device=None, non_blocking=False, copy=False,
       memory_format=None, **unknown):
    """``x.to(dtype)``, ``x.to(device, dtype)`` or ``x.to(other)``, as PyTorch's three overloads
    read their arguments; a move to another device is refused as a CPU-only PyTorch does."""
    target, place, flags = _to_arguments(args, dtype, device, unknown)
    copy = flags[1] if len(flags) > 1 else copy  # (non_blocking means nothing on the CPU)
    if place is not None:
        check_move(place)
    if target is None or target.np == input.array.dtype:
        if not copy:
            return input
        target = input.dtype
    return apply(TABLE["to_dtype"], input, dtype=target.np)


def _to_arguments(args, dtype, device, unknown):
    """(dtype, device, the positional flags) from ``to``'s arguments, or PyTorch's TypeError."""
    given = {"dtype": dtype, "device": device, **unknown}  # the keywords, for the error
    first = args[0] if args else None
    rest = list(args[1:])
    ok = not unknown
    if args and isinstance(first, Tensor):
        ok = ok and dtype is None and device is None
        dtype = first.dtype
    elif args and isinstance(first, dtypes.dtype):
        ok = ok and dtype is None and device is None
        dtype = first
    elif args:
        ok = ok and device is None and (first is None or isinstance(first, (str, Device, int)))
        device = first
        if rest and (rest[0] is None or isinstance(rest[0], dtypes.dtype)):
            ok = ok and dtype is None
            dtype = rest.pop(0)
    ok = ok and len(rest) <= 2 and builtins.all(type(flag) is bool for flag in rest)
    ok = ok and (dtype is None or isinstance(dtype, dtypes.dtype))
    if not ok:
        raise TorchError(f"to() received an invalid combination of arguments - got "
                         f"{_argument_types(args, given)}"
                         ", but expected one of:", kind="TypeError")
    return dtype, None if device is None else as_device(device, "to"), rest


def _argument_types(args, kwargs) -> str:
    """How PyTorch's argument parser lists what it was given: ``(str, foo=int)``, or
    ``(dtype=str, )`` with keywords alone."""
    words = [_type_word(a) for a in args]
    keywords = [f"{k}={_type_word(v)}" for k, v in kwargs.items() if v is not None]
    if words:
        return "(" + ", ".join(words + keywords) + ")"
    return "(" + "".join(f"{k}, " for k in keywords) + ")"


def _type_word(value) -> str:
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, (dtypes.dtype, Device)):
        return f"torch.{type(value).__name__}"
    return "NoneType" if value is None else type(value).__name__


def cpu(input, memory_format=None):
    return input


def cuda(input, device=None, non_blocking=False, memory_format=None):
    if device is not None:
        place = as_device(device, "cuda")
        if place.type != "cuda":
            raise TorchError("Invalid device, must be cuda device")
    check_move(Device("cuda"))


def from_numpy(ndarray):
    """A tensor sharing the array's memory (writes show in both), as PyTorch's."""
    if not isinstance(ndarray, np.ndarray):
        raise TorchError(f"expected np.ndarray (got {type(ndarray).__name__})", kind="TypeError")
    if ndarray.dtype.name not in dtypes.NUMPY_NAMES:
        raise TorchError(f"can't convert np.ndarray of type numpy.{ndarray.dtype.name}. The only "
                         "supported types are: float64, float32, float16, complex64, complex128, "
                         "int64, int32, int16, int8, uint64, uint32, uint16, uint8, and bool.",
                         kind="TypeError")
    return Tensor(ndarray)


def set_default_device(device):
    """Where tensors are made when no device= is given: the CPU, or a device a CPU-only PyTorch
    then refuses to make them on."""
    DefaultDevice.device = None if device is None else as_device(device, "set_default_device")


def get_default_device():
    check_creation(None, "get_default_device")  # (a CUDA default is refused here too)
    return DefaultDevice.device or Device("cpu")


def get_default_dtype():
    return dtypes.default_float


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()


def is_grad_enabled() -> bool:
    return GradMode.enabled


# ----- More elementwise functions -----

log1p = _unary_function("log1p")
expm1 = _unary_function("expm1")
log2 = _unary_function("log2")
log10 = _unary_function("log10")
exp2 = _unary_function("exp2")
asin = _unary_function("asin")
acos = _unary_function("acos")
atan = _unary_function("atan")
sinh = _unary_function("sinh")
cosh = _unary_function("cosh")
rsqrt = _unary_function("rsqrt")
floor = _unary_function("floor")
ceil = _unary_function("ceil")
trunc = _unary_function("trunc")
frac = _unary_function("frac")


def round(input, *, decimals=0):
    if decimals:
        return apply(TABLE["round_decimals"], input, decimals=decimals)
    return apply(TABLE["round"], input)


def atan2(input, other):
    for position, (name, value) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(value, Tensor):
            raise TorchError(f"atan2(): argument '{name}' (position {position}) must be Tensor, "
                             f"not {_type_word(value)}", kind="TypeError")
    return apply(TABLE["atan2"], input, other)


# ----- Comparisons and logic: bool tensors, no graph -----

def _comparison(ufunc, name):
    def compare(input, other):
        """torch.{name}: elementwise, a bool tensor (PyTorch's promotion and broadcasting)."""
        if isinstance(other, Tensor):
            _check_broadcast(input, other)
            other_array = other.array
        else:
            other_array = _operand(other)
        return Tensor(np.asarray(ufunc(input.array, other_array)))
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = compare.__doc__.format(name=name)
    return compare


def _check_broadcast(a, b):
    if a.array.shape != b.array.shape:
        _broadcast_shapes(a.array.shape, b.array.shape)


eq = _comparison(np.equal, "eq")
ne = _comparison(np.not_equal, "ne")
lt = _comparison(np.less, "lt")
le = _comparison(np.less_equal, "le")
gt = _comparison(np.greater, "gt")
ge = _comparison(np.greater_equal, "ge")


def equal(input, other) -> bool:
    """Same shape and the same values (compared in the promoted dtype)."""
    if input.array.shape != other.array.shape:
        return False
    return bool(np.array_equal(input.array, other.array))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, in the tensors' dtype, as PyTorch computes it."""
    if input.array.dtype != other.array.dtype:
        raise TorchError(f"{type_word(input.array.dtype)} did not match "
                         f"{type_word(other.array.dtype)}")
    a, b = input.array, other.array
    _check_broadcast(input, other)
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol == 0 and atol == 0:
        return Tensor(np.asarray(close))
    if a.dtype == np.bool_:
        a, b = a.astype(dtypes.default_float.np), b.astype(dtypes.default_float.np)
    with np.errstate(all="ignore"):
        allowed = atol + np.abs(rtol * b)
        actual = np.abs(a - b)
        close = close | (np.isfinite(actual) & (actual <= allowed))
    return Tensor(np.asarray(close))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


def _logical(ufunc, name):
    def logical(input, other):
        other_array = other.array if isinstance(other, Tensor) else _operand(other)
        if isinstance(other, Tensor):
            _check_broadcast(input, other)
        return Tensor(np.asarray(ufunc(input.array, other_array)))
    logical.__name__ = logical.__qualname__ = name
    return logical


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input):
    return Tensor(np.logical_not(input.array))


# ----- Bitwise: integer and bool tensors, in PyTorch's promoted dtype (numbers wrap into it) -----

def _bitwise(ufunc, name, kernel):
    def bitwise(input, other):
        """torch.{name}: elementwise on integer and bool tensors (or a number and a tensor)."""
        if isinstance(input, Tensor) and isinstance(other, Tensor):
            _check_broadcast(input, other)
        a, b = _operand(input, "input"), _operand(other)
        target = dtypes.result_type(a, b).np
        if target.kind == "f":
            raise TorchError(f'"{kernel}_cpu" not implemented for \'{type_word(target)}\'',
                             kind="NotImplementedError")
        arrays = [np.asarray(x.array if isinstance(x, Tensor) else x).astype(target, copy=False)
                  for x in (a, b)]
        with np.errstate(all="ignore"):
            return Tensor(np.asarray(ufunc(*arrays)))
    bitwise.__name__ = bitwise.__qualname__ = name
    bitwise.__doc__ = bitwise.__doc__.format(name=name)
    return bitwise


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and", "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or", "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor", "bitwise_xor")
bitwise_left_shift = _bitwise(np.left_shift, "bitwise_left_shift", "lshift")
bitwise_right_shift = _bitwise(np.right_shift, "bitwise_right_shift", "rshift")


def bitwise_not(input):
    if input.array.dtype.kind not in "biu":
        raise TorchError(f'"bitwise_not_cpu" not implemented for \'{type_word(input.array.dtype)}\'',
                         kind="NotImplementedError")
    return Tensor(np.invert(input.array))


# ----- More reductions -----

def _required_dim(name):
    return TorchError(f'{name}() missing 1 required positional arguments: "dim"', kind="TypeError")


def _cumulative(name):
    def cumulative(input, dim=_UNSET, *, dtype=None):
        if dim is _UNSET:
            raise _required_dim(name)
        if dtype is not None:
            input = to(input, dtype)
        return apply(TABLE[name], input, dim=wrap_dim(dim, input.array.ndim) if input.array.ndim
                     else 0)
    cumulative.__name__ = cumulative.__qualname__ = name
    return _numpy_names(cumulative)


cumsum = _cumulative("cumsum")
cumprod = _cumulative("cumprod")


@_numpy_names
def logsumexp(input, dim=_UNSET, keepdim=False):
    if dim is _UNSET:
        raise _required_dim("logsumexp")
    return apply(TABLE["logsumexp"], input, dim=_dims_tuple(dim, input.array.ndim),
                 keepdim=keepdim)


def _dims_tuple(dim, ndim):
    """A dim argument as a tuple of dims (an empty one for a 0-d tensor)."""
    if not ndim:
        return ()
    dims = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
    return tuple(wrap_dim(d, ndim) for d in dims)


def _moments(name):
    def moment(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """torch.{name}: ``correction`` (default 1, ``unbiased=False`` is 0) over ``dim``."""
        if isinstance(dim, bool):  # x.var(False): the unbiased flag, as PyTorch reads it
            dim, unbiased = None, dim
        if input.array.dtype.kind != "f":
            raise TorchError("std and var only support floating point and complex dtypes")
        if correction is None and (dim is not None or unbiased is not None):
            correction = 1 if unbiased is None or unbiased else 0
        # (none given at all: PyTorch's default, which its node shows as a correction of None)
        given = {} if correction is None else {"correction": correction}
        dims = None if dim is None else _dims_tuple(dim, input.array.ndim)
        return apply(TABLE[name], input, dim=dims, keepdim=keepdim, **given)
    moment.__name__ = moment.__qualname__ = name
    moment.__doc__ = moment.__doc__.format(name=name)
    return _numpy_names(moment)


var = _moments("var")
std = _moments("std")


# ----- Sorting: PyTorch's order among equal values (kernels/stl_sort.py) -----

def _stable_order(row, descending):
    """numpy's stable sort with PyTorch's comparators (NaN last; first when descending)."""
    if not descending:
        return np.argsort(row, kind="stable")
    return (row.size - 1 - np.argsort(row[::-1], kind="stable"))[::-1]


def _rows(array, dim):
    """Each row of ``array`` along ``dim``, with where its result goes."""
    moved = np.moveaxis(array, dim, -1)
    for position in np.ndindex(moved.shape[:-1]):
        yield position, moved[position]


def _sorted_indices(array, dim, descending, stable):
    indices = np.empty(np.moveaxis(array, dim, -1).shape, dtype=np.int64)
    for position, row in _rows(array, dim):
        if stable or not stl_sort.has_ties(row):  # any correct sort then gives this order
            indices[position] = _stable_order(row, descending)
        else:  # std::sort's choice among equal values
            pairs = [[value, i] for i, value in enumerate(row.tolist())]
            stl_sort.sort(pairs, stl_sort.descending if descending else stl_sort.ascending)
            indices[position] = [i for _, i in pairs]
    return np.moveaxis(indices, -1, dim)


def _topk_indices(array, k, dim, largest, ordered):
    """TopKImpl.h: partial_sort when 64 * k <= n, else nth_element and a sort of the first k-1."""
    indices = np.empty(np.moveaxis(array, dim, -1).shape[:-1] + (k,), dtype=np.int64)
    less = stl_sort.descending if largest else stl_sort.ascending
    for position, row in _rows(array, dim):
        partial = 64 * k <= row.size
        if (partial or ordered) and not stl_sort.has_ties(row):
            indices[position] = _stable_order(row, largest)[:k]
            continue
        pairs = [[value, i] for i, value in enumerate(row.tolist())]
        if partial:
            stl_sort.partial_sort(pairs, k, less)
        elif k:
            stl_sort.nth_element(pairs, k - 1, less)
            if ordered:
                stl_sort.sort_range(pairs, 0, k - 1, less)
        indices[position] = [i for _, i in pairs[:k]]
    return np.moveaxis(indices, -1, dim)


@_numpy_names
def sort(input, dim=-1, descending=False, *, stable=_UNSET):
    # the stable= keyword, whatever its value, selects sort.stable (SortBackward1)
    op = TABLE["sort" if stable is _UNSET else "sort_stable"]
    stable = stable is not _UNSET and bool(stable)
    if not input.array.ndim:
        return _NamedResult("sort", (apply(op, input, dim=0, indices=None),
                                     Tensor(np.zeros((), dtype=np.int64))))
    dim = wrap_dim(dim, input.array.ndim)
    indices = _sorted_indices(input.array, dim, descending, stable)
    values = apply(op, input, dim=dim, indices=indices)
    return _NamedResult("sort", (values, Tensor(indices)))


@_numpy_names
def argsort(input, dim=-1, descending=False, *, stable=False):
    if not input.array.ndim:
        return Tensor(np.zeros((), dtype=np.int64))
    dim = wrap_dim(dim, input.array.ndim)
    return Tensor(_sorted_indices(input.array, dim, descending, bool(stable)))


@_numpy_names
def topk(input, k, dim=-1, largest=True, sorted=True):
    ndim = input.array.ndim
    dim = wrap_dim(dim, ndim) if ndim else 0
    size = input.array.shape[dim] if ndim else 1
    if not 0 <= k <= size:
        raise TorchError("selected index k out of range")
    if not ndim:
        return _NamedResult("topk", (apply(TABLE["topk"], input, dim=0, indices=None),
                                     Tensor(np.zeros((), dtype=np.int64))))
    indices = _topk_indices(input.array, k, dim, largest, sorted)
    values = apply(TABLE["topk"], input, dim=dim, indices=indices)
    return _NamedResult("topk", (values, Tensor(indices)))


# ----- unique: sorted, equal values merged (a NaN equals nothing), the first of each run kept ----

def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or slices along ``dim``) in ascending order, PyTorch's CPU order
    whatever ``sorted`` says; with their inverse indices and counts when asked."""
    array = input.array
    if dim is None:
        rows = array.reshape(-1, 1)
    else:
        dim = wrap_dim(dim, array.ndim)
        rows = np.moveaxis(array, dim, 0).reshape(array.shape[dim] if array.ndim else 1, -1)
    order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(rows.shape[0])
    ordered = rows[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    run = np.cumsum(starts) - 1
    if dim is None:
        values = apply(TABLE["unique"], input, positions=order[starts])
    else:
        values = apply(TABLE["unique_dim"], input, dim=dim, positions=order[starts])
    extras = []
    if return_inverse:
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = run
        extras.append(Tensor(inverse.reshape(array.shape) if dim is None else inverse))
    if return_counts:
        extras.append(Tensor(np.diff(np.append(np.flatnonzero(starts), len(order))).astype(np.int64)))
    return (values, *extras) if extras else values


# ----- Gather, scatter, masked_fill -----

def _check_index(name, input, dim, index, src=None):
    """PyTorch's checks of gather and scatter arguments, in its words; the dim wrapped and
    the index as int64 positions."""
    if not isinstance(index, Tensor):
        raise TorchError(f"{name}(): argument 'index' (position 3) must be Tensor, not "
                         f"{_type_word(index)}", kind="TypeError")
    kind = "gather" if name == "gather" else "scatter"
    if index.array.dtype not in (np.int64, np.int32):
        raise TorchError(f"{kind}(): Expected dtype int32/int64 for index")
    shape, index_shape = input.array.shape or (1,), index.array.shape or (1,)
    dim = wrap_dim(dim, len(shape))
    if len(index_shape) != len(shape):
        raise TorchError("Index tensor must have the same number of dimensions as "
                         f"{'input' if kind == 'gather' else 'self'} tensor")
    larger = builtins.any(size > shape[d] for d, size in enumerate(index_shape) if d != dim)
    if kind == "gather" and larger:
        d = next(d for d, size in enumerate(index_shape) if d != dim and size > shape[d])
        raise TorchError(f"Size does not match at dimension {d} expected index "
                         f"{list(index_shape)} to be no larger than self {list(shape)} apart from "
                         f"dimension {dim}")
    source = src.array.shape if isinstance(src, Tensor) else None
    if kind == "scatter" and (larger or source is not None and builtins.any(
            size > source[d] for d, size in enumerate(index_shape))):
        raise TorchError(f"Expected index {list(index_shape)} to be no larger than self "
                         f"{list(shape)} apart from dimension {dim}" + (
                             "" if source is None else
                             f" and to be no larger size than src {list(source)}"))
    positions = index.array.astype(np.int64)
    if positions.size:
        bad = (positions < -shape[dim]) | (positions >= shape[dim])
        if bad.any():
            raise TorchError(f"index {int(positions[bad].flat[0])} is out of bounds for dimension "
                             f"{dim} with size {shape[dim]}")
    return dim, positions % builtins.max(shape[dim], 1)


@_numpy_names
def gather(input, dim, index, *, sparse_grad=False):
    dim, positions = _check_index("gather", input, dim, index)
    return apply(TABLE["gather"], input, dim=dim, index=positions)


@_numpy_names
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    if reduce is not None:
        raise TorchError("scatter(reduce=...) is not supported by gradcli", kind="NotImplementedError")
    source = value if src is None else src
    dim, positions = _check_index("scatter", input, dim, index, source)
    if isinstance(source, Tensor):
        if source.array.dtype != input.array.dtype:
            raise TorchError("scatter(): Expected self.dtype to be equal to src.dtype")
        return apply(TABLE["scatter"], input, source, dim=dim, index=positions)
    return apply(TABLE["scatter_value"], input, dim=dim, index=positions, value=_operand(source))


@_numpy_names
def scatter_add(input, dim, index, src):
    dim, positions = _check_index("scatter_add", input, dim, index, src)
    if src.array.dtype != input.array.dtype:
        raise TorchError("scatter(): Expected self.dtype to be equal to src.dtype")
    return apply(TABLE["scatter_add"], input, src, dim=dim, index=positions)


def masked_fill(input, mask, value):
    """A number where ``mask`` is True (MaskedFillBackward0), or a 0-d tensor's value
    (MaskedFillBackward1, whose gradient is the sum over the filled positions)."""
    mask_array = _mask_array(mask)
    _broadcast_shapes(input.array.shape, mask_array.shape)
    if isinstance(value, Tensor):
        if value.array.ndim:
            raise TorchError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value.array.ndim} dimension(s).")
        if value.array.dtype != input.array.dtype:
            value = to(value, input.dtype)
        return apply(TABLE["masked_fill_tensor"], input, value, mask=mask_array)
    return apply(TABLE["masked_fill"], input, mask=mask_array, value=_operand(value))


def _mask_array(mask):
    if not isinstance(mask, Tensor):
        raise TorchError(f"masked_fill(): argument 'mask' (position 2) must be Tensor, not "
                         f"{_type_word(mask)}", kind="TypeError")
    if mask.array.dtype != np.bool_:
        raise TorchError("masked_fill_ only supports boolean masks, but got mask with dtype "
                         f"{_scalar_word(mask.array.dtype)}")
    return mask.array


def _scalar_word(np_dtype) -> str:
    return {"int64": "long int", "int32": "int", "uint8": "unsigned char", "float32": "float",
            "float64": "double", "int16": "short int", "int8": "signed char",
            "float16": "c10::Half"}.get(np_dtype.name, np_dtype.name)


# ----- index_select, index_add, masked_select, nonzero -----

def _vector_index(index, name, vector_error, dtype_error):
    """index_select's and index_add's index: a tensor of at most one dim, int32 or int64, as
    int64 positions (a 0-d one is one position)."""
    if not isinstance(index, Tensor):
        raise TorchError(f"{name}(): argument 'index' (position 2) must be Tensor, not "
                         f"{_type_word(index)}", kind="TypeError")
    array = index.array
    if array.ndim > 1:
        raise TorchError(vector_error(array), kind="IndexError")
    if array.dtype not in (np.int64, np.int32):
        raise TorchError(dtype_error(array))
    return array.reshape(-1).astype(np.int64)


def index_select(input, dim, index):
    """The slices of ``input`` at ``index`` along ``dim`` (IndexSelectBackward0)."""
    positions = _vector_index(
        index, "index_select", lambda a: "index_select(): Index is supposed to be a vector",
        lambda a: "index_select(): Expected dtype int32 or int64 for index")
    ndim = input.array.ndim
    dim = wrap_dim(dim, ndim)
    size = input.array.shape[dim] if ndim else 1
    if positions.size and ((positions < 0) | (positions >= size)).any():
        raise TorchError("index out of range in self", kind="IndexError")
    return apply(TABLE["index_select"], input, dim=dim, index=positions)


def index_add(input, dim, index, source, *, alpha=1):
    """``source``'s slices added into a copy of ``input`` at ``index`` along ``dim``, in index
    order (IndexAddBackward0); PyTorch's checks, in its order and words."""
    positions = _vector_index(
        index, "index_add", lambda a: "index_add_(): Index is supposed to be a vector, but got "
        f"dim: {a.ndim} with type: {type_word(a.dtype)} and size: {list(a.shape)}",
        lambda a: f"index_add_(): Expected dtype int32/int64 for index but got: {type_word(a.dtype)}")
    if not isinstance(source, Tensor):
        raise TorchError(f"index_add(): argument 'source' (position 3) must be Tensor, not "
                         f"{_type_word(source)}", kind="TypeError")
    shape = input.array.shape
    dim = wrap_dim(dim, len(shape))
    _check_index_add(input, source, dim, positions)
    size = shape[dim] if shape else 1
    bad = (positions < 0) | (positions >= size)
    if bad.any():
        if len(shape) <= 1:
            raise TorchError("index out of range in self", kind="IndexError")
        raise TorchError(f"index {int(positions[bad][0])} is out of bounds for dimension {dim} "
                         f"with size {size}")
    return apply(TABLE["index_add"], input, source, dim=dim, index=positions, alpha=alpha)


def _check_index_add(input, source, dim, positions):
    shape, source_shape = input.array.shape, source.array.shape
    if input.array.dtype != source.array.dtype:
        raise TorchError(f"index_add_(): self ({type_word(input.array.dtype)}) and source "
                         f"({type_word(source.array.dtype)}) must have the same scalar type")
    if not (dim == 0 or dim < len(source_shape)):
        raise TorchError(f"index_add_(): Indexing dim {dim} is out of bounds of the source tensor "
                         f"with dim {len(source_shape)}")
    if not source_shape and positions.size != 1:
        raise TorchError("Dimension specified as 0 but tensor has no dimensions", kind="IndexError")
    if source_shape and positions.size != source_shape[dim]:
        raise TorchError(f"index_add_(): Number of indices ({positions.size}) should be equal to "
                         f"source.size(dim): ({source_shape[dim]}), for dim: {dim}")
    kept, source_kept = list(shape), list(source_shape)
    if kept and source_kept:
        del kept[dim], source_kept[dim]
    if kept != source_kept:
        raise TorchError("source tensor shape must match self tensor shape, excluding the "
                         f"specified dimension. Got self.shape = {list(shape)} source.shape = "
                         f"{list(source_shape)}")


def masked_select(input, mask):
    """The elements where ``mask`` (broadcast with ``input``) is True, as a 1-d tensor."""
    if not isinstance(mask, Tensor):
        raise TorchError(f"masked_select(): argument 'mask' (position 2) must be Tensor, not "
                         f"{_type_word(mask)}", kind="TypeError")
    if mask.array.dtype != np.bool_:
        raise TorchError("masked_select: expected BoolTensor for mask")
    _broadcast_shapes(mask.array.shape, input.array.shape)  # (PyTorch's order)
    return apply(TABLE["masked_select"], input, mask=mask.array)


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements: one row per element (int64), or with
    ``as_tuple=True`` one 1-d tensor per dim (a 0-d input counts as 1-d)."""
    array = input.array
    if as_tuple:
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(array)))
    return Tensor(np.argwhere(array).astype(np.int64))


def argwhere(input):
    return nonzero(input)


def count_nonzero(input, dim=None):
    return Tensor(np.asarray(np.count_nonzero(input.array, axis=_dim_arg(dim)), dtype=np.int64))


# ----- Triangles, flips, repeats, splits -----

def _triangle(name):
    def triangle(input, diagonal=0):
        if input.array.ndim < 2:
            raise TorchError(f"{name}: input tensor must have at least 2 dimensions")
        return apply(TABLE[name], input, diagonal=diagonal)
    triangle.__name__ = triangle.__qualname__ = name
    return triangle


tril = _triangle("tril")
triu = _triangle("triu")


def flip(input, *dims):
    dims = _shape_list(dims)
    ndim = builtins.max(input.array.ndim, 1)
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    for position, d in enumerate(wrapped):
        if d in wrapped[:position]:
            raise TorchError(f"dim {d} appears multiple times in the list of dims")
    if not input.array.ndim:
        return clone(input)
    return apply(TABLE["flip"], input, dims=wrapped)


def repeat(input, *sizes):
    sizes = _shape_list(sizes)
    if len(sizes) < input.array.ndim:
        raise TorchError("Number of dimensions of repeat dims can not be smaller than number of "
                         "dimensions of tensor")
    return apply(TABLE["repeat"], input, repeats=tuple(sizes))


def split(tensor, split_size_or_sections, dim=0):
    """Views of ``tensor`` along ``dim``: parts of one size (SplitBackward0) or of the sizes
    listed (SplitWithSizesBackward0)."""
    input = tensor
    ndim = input.array.ndim
    if not ndim:
        raise TorchError("split expects at least a 1-dimensional tensor")
    dim = wrap_dim(dim, ndim)
    size = input.array.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != size:
            raise TorchError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                             f"(input tensor's size at dimension {dim}), but got split_sizes="
                             f"[{', '.join(map(str, sizes))}]")
        op = TABLE["split_with_sizes"]
    else:
        step = int(split_size_or_sections)
        if step <= 0 and size:
            raise TorchError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                             f"size of {size}")
        sizes = [builtins.min(step, size - start) for start in range(0, size, step)] or [0]
        op = TABLE["split"]
    parts, start = [], 0
    for output, length in enumerate(sizes):
        parts.append(apply(op, input, dim=dim, start=start, stop=start + length, output=output))
        start += length
    return tuple(parts)


@_numpy_names
def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise TorchError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    if not input.array.ndim:
        raise TorchError("chunk expects at least a 1-dimensional tensor")
    size = input.array.shape[wrap_dim(dim, input.array.ndim)]
    return split(input, builtins.max(-(-size // chunks), 1), dim)


def diagonal(input, offset=0, dim1=0, dim2=1):
    ndim = input.array.ndim
    dim1, dim2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if dim1 == dim2:
        raise TorchError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(TABLE["diagonal"], input, offset=offset, dim1=dim1, dim2=dim2)


# ----- einsum: PyTorch's own reduction to permutes, sums and bmm (aten/native/Linear.cpp) -----

_ELLIPSIS = 52  # a subscript code past the 52 letters


def _subscript(label: str) -> int:
    return ord(label) - ord("A") if label.isupper() else ord(label) - ord("a") + 26


def _label(subscript: int) -> str:
    return chr(subscript + ord("A")) if subscript < 26 else chr(subscript - 26 + ord("a"))


def einsum(equation, *operands):
    """torch.einsum: the operands aligned by permute/unsqueeze/diagonal, then contracted
    left to right with sumproduct_pair (bmm), so the grad_fn chain is PyTorch's."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise TorchError("einsum(): must provide at least one operand")
    lhs, arrow, rhs = equation.partition("->")
    labels = _einsum_inputs(lhs, operands)
    counts, ellipsis_dims = _einsum_counts(labels, operands)
    places, out_dims, total, ellipsis_at = _einsum_places(lhs, rhs if arrow else None, counts,
                                                          ellipsis_dims)
    ops, dim_counts = _einsum_align(labels, operands, places, total, ellipsis_at, ellipsis_dims)
    while len(ops) > 1:
        a, b = ops.pop(0), ops.pop(0)
        summed, a_alone, b_alone = [], [], []
        for dim in range(out_dims, total):
            if a.array.shape[dim] != 1 and b.array.shape[dim] != 1:
                dim_counts[dim] -= 1
                if dim_counts[dim] == 1:
                    summed.append(dim)
                    dim_counts[dim] = 0
            elif dim_counts[dim] == 1:
                if a.array.shape[dim] != 1:
                    a_alone.append(dim)
                    dim_counts[dim] = 0
                elif b.array.shape[dim] != 1:
                    b_alone.append(dim)
                    dim_counts[dim] = 0
        if a_alone:
            a = sum(a, a_alone, keepdim=True)
        if b_alone:
            b = sum(b, b_alone, keepdim=True)
        ops.insert(0, _sumproduct_pair(a, b, summed))
    if total > out_dims:
        if len(operands) > 1:
            return view(ops[0], *ops[0].array.shape[:out_dims])
        return sum(ops[0], list(range(out_dims, total)))
    return ops[0]


def _einsum_inputs(lhs, operands) -> list:
    """Each operand's subscripts (``_ELLIPSIS`` for ...), with PyTorch's parse errors."""
    labels, current, ellipsis, i = [[] for _ in operands], 0, False, 0
    while i < len(lhs):
        char = lhs[i]
        if char == ".":
            if ellipsis:
                raise TorchError(f"einsum(): found '.' for operand {current} for which an "
                                 "ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise TorchError(f"einsum(): found '.' for operand {current} that is not part "
                                 "of any ellipsis")
            labels[current].append(_ELLIPSIS)
            ellipsis, i = True, i + 2
        elif char == ",":
            current += 1
            if current >= len(operands):
                raise TorchError("einsum(): fewer operands were provided than specified in the "
                                 "equation")
            ellipsis = False
        elif char != " ":
            if not (char.isascii() and char.isalpha()):
                raise TorchError(f"einsum(): invalid subscript given at index {i} in the equation "
                                 "string, subscripts must be in [a-zA-Z]")
            labels[current].append(_subscript(char))
        i += 1
    if current != len(operands) - 1:
        raise TorchError("einsum(): more operands were provided than specified in the equation")
    return labels


def _einsum_counts(labels, operands):
    counts, ellipsis_dims = [0] * _ELLIPSIS, 0
    for i, (subscripts, operand) in enumerate(zip(labels, operands)):
        ndim, named = operand.array.ndim, len(subscripts)
        if _ELLIPSIS in subscripts:
            named -= 1
            ellipsis_dims = builtins.max(ellipsis_dims, ndim - named)
        for s in subscripts:
            if s != _ELLIPSIS:
                counts[s] += 1
        has_ellipsis = _ELLIPSIS in subscripts
        if (named > ndim) if has_ellipsis else (named != ndim):
            raise TorchError(f"einsum(): the number of subscripts in the equation ({named}) "
                             + ("is more than" if has_ellipsis else "does not match")
                             + f" the number of dimensions ({ndim}) for operand {i}"
                             + ("" if has_ellipsis else " and no ellipsis was given"))
    return counts, ellipsis_dims


def _einsum_places(lhs, rhs, counts, ellipsis_dims):
    """Where each subscript goes in the aligned operands: the output's first, then the summed."""
    places, index, ellipsis_at, ellipsis_out = [-1] * _ELLIPSIS, 0, 0, False
    if rhs is None:  # implicit output: ... then the subscripts seen once, alphabetically
        index, ellipsis_out = ellipsis_dims, True
        for label in range(_ELLIPSIS):
            if counts[label] == 1:
                places[label], index = index, index + 1
    else:
        i = 0
        while i < len(rhs):
            char = rhs[i]
            if char == ".":
                if ellipsis_out:
                    raise TorchError("einsum(): found '.' for output but an ellipsis (...) was "
                                     "already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise TorchError("einsum(): found '.' for output that is not part of any "
                                     "ellipsis (...)")
                ellipsis_at, index, ellipsis_out, i = index, index + ellipsis_dims, True, i + 2
            elif char != " ":
                if not (char.isascii() and char.isalpha()):
                    raise TorchError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + i}"
                                     " in the equation string, subscripts must be in [a-zA-Z]")
                label = _subscript(char)
                if not (counts[label] > 0 and places[label] == -1):
                    raise TorchError(f"einsum(): output subscript {char}" + (
                        " appears more than once in the output" if places[label] > -1 else
                        " does not appear in the equation for any input operand"))
                places[label], index = index, index + 1
            i += 1
    out_dims = index
    if not ellipsis_out:
        ellipsis_at, index = index, index + ellipsis_dims
    for label in range(_ELLIPSIS):
        if counts[label] > 0 and places[label] == -1:
            places[label], index = index, index + 1
    return places, out_dims, index, ellipsis_at


def _einsum_align(labels, operands, places, total, ellipsis_at, ellipsis_dims):
    """Each operand permuted to the aligned order (diagonals taken, missing dims unsqueezed),
    and how many operands have each aligned dim larger than 1."""
    sizes, ellipsis_sizes, dim_counts, ops = [1] * _ELLIPSIS, [1] * ellipsis_dims, [0] * total, []
    for i, (subscripts, op) in enumerate(zip(labels, operands)):
        permutation, dim = [-1] * total, 0
        for s in subscripts:
            if s == _ELLIPSIS:
                covered = operands[i].array.ndim - (len(subscripts) - 1)
                for j in range(ellipsis_dims - covered, ellipsis_dims):
                    size = op.array.shape[dim]
                    if size != 1:
                        if ellipsis_sizes[j] not in (1, size):
                            raise TorchError(f"einsum(): dimension {dim} covered by ellipsis in "
                                             f"operand {i}has size {size} which does not broadcast "
                                             f"with previously seen ellipsis with size "
                                             f"{ellipsis_sizes[j]} for the respective dimension")
                        ellipsis_sizes[j] = size
                        dim_counts[ellipsis_at + j] += 1
                    permutation[ellipsis_at + j], dim = dim, dim + 1
            elif permutation[places[s]] == -1:
                size = op.array.shape[dim]
                if size != 1:
                    if sizes[s] not in (1, size):
                        raise TorchError(f"einsum(): subscript {_label(s)} has size {size} for "
                                         f"operand {i} which does not broadcast with previously "
                                         f"seen size {sizes[s]}")
                    sizes[s] = size
                    dim_counts[places[s]] += 1
                permutation[places[s]], dim = dim, dim + 1
            else:  # a repeated subscript: its diagonal, moved where the first one was
                previous = permutation[places[s]]
                if op.array.shape[dim] != op.array.shape[previous]:
                    raise TorchError(f"einsum(): subscript {_label(s)} is repeated for operand {i} "
                                     f"but the sizes don't match, {op.array.shape[dim]} != "
                                     f"{op.array.shape[previous]}")
                op = _movedim_last_to(diagonal(op, 0, previous, dim), previous)
        for position, value in enumerate(permutation):
            if value == -1:
                op = unsqueeze(op, dim)
                permutation[position], dim = dim, dim + 1
        ops.append(permute(op, *permutation))
    return ops, dim_counts


def _movedim_last_to(input, dim):
    order = list(range(input.array.ndim - 1))
    order.insert(dim, input.array.ndim - 1)
    return permute(input, *order)


def _sumproduct_pair(left, right, summed):
    """(left * right).sum(summed, keepdim=True) through one bmm, as PyTorch's sumproduct_pair."""
    if not summed:
        return mul(left, right)
    both, left_only, right_only = [], [], []
    both_size = left_size = right_size = sum_size = 1
    for i in range(left.array.ndim):
        in_left, in_right = left.array.shape[i] != 1, right.array.shape[i] != 1
        if i in summed:
            if in_left and in_right:
                _check_pair_size(left, right, i)
                sum_size *= left.array.shape[i]
            elif in_left:
                left = sum(left, i, keepdim=True)
            elif in_right:
                right = sum(right, i, keepdim=True)
        elif in_left and in_right:
            _check_pair_size(left, right, i)
            both.append(i)
            both_size *= left.array.shape[i]
        elif in_left:
            left_only.append(i)
            left_size *= left.array.shape[i]
        else:
            right_only.append(i)
            right_size *= right.array.shape[i]
    out_size = ([left.array.shape[d] for d in both + left_only] + [1] * len(summed)
                + [right.array.shape[d] for d in right_only])
    order = both + left_only + summed + right_only
    inverse = [0] * len(order)
    for position, d in enumerate(order):
        inverse[d] = position
    left = reshape(permute(left, *order), both_size, left_size, sum_size)
    right = reshape(permute(right, *(both + summed + right_only + left_only)),
                    both_size, sum_size, right_size)
    return permute(view(bmm(left, right), *out_size), *inverse)


def _check_pair_size(left, right, dim):
    if left.array.shape[dim] != right.array.shape[dim]:
        raise TorchError("non-broadcast dimensions must match")


# ----- torch.normal: PyTorch's generator (kernels/random.py), then its arithmetic -----

def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """normal(mean, std, size) from numbers; or with a tensor mean and/or std, one sample per
    element of their broadcast shape (NormalBackward1/2/3, zero gradients)."""
    if generator is not None:
        raise TorchError("torch.normal(generator=...) is not supported by gradcli",
                         kind="NotImplementedError")
    check_creation(device, "normal")
    mean_tensor, std_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_tensor and not std_tensor:
        if size is None:
            raise TorchError("normal() received an invalid combination of arguments - got "
                             f"({_type_word(mean)}, {_type_word(std)}), but expected one of:",
                             kind="TypeError")
        _check_std(std)
        shape = _shape_args((size,))
        np_dtype = _dtype_np(dtype) or dtypes.default_float.np
        return _leaf(rng.normal_(shape, float(mean), float(std), np_dtype), requires_grad)
    if std_tensor and bool((std.array < 0).any()):
        raise TorchError("normal expects all elements of std >= 0.0")
    if mean_tensor and not std_tensor:
        _check_std(std)
        sample = rng.normal_(mean.array.shape, 0.0, float(std), mean.array.dtype)
        return apply(TABLE["normal_tensor_float"], mean, sample=sample)
    if not mean_tensor:
        sample = rng.normal_(std.array.shape, 0.0, 1.0, std.array.dtype)
        return apply(TABLE["normal_float_tensor"], std, sample=sample, mean=float(mean))
    shape = _broadcast_shapes(mean.array.shape, std.array.shape)
    sample = rng.normal_(shape, 0.0, 1.0, mean.array.dtype)
    return apply(TABLE["normal_tensor_tensor"], mean, std, sample=sample)


def _check_std(std):
    if std < 0:
        raise TorchError(f"normal expects std >= 0.0, but found std {std:g}")


# ----- Legacy constructors: torch.FloatTensor([1, 2]), torch.LongTensor(2, 3) -----

def _legacy_constructor(dtype, name):
    def construct(*data):
        """torch.{name}: a tensor of {dtype} from a list, or of a shape (filled with zeros)."""
        if len(data) == 1 and isinstance(data[0], (list, tuple)):
            return tensor(list(data[0]), dtype=dtype)
        if len(data) == 1 and isinstance(data[0], Tensor):
            return to(data[0], dtype)
        return zeros(*data, dtype=dtype)
    construct.__name__ = construct.__qualname__ = name
    construct.__doc__ = construct.__doc__.format(name=name, dtype=dtype)
    return construct


FloatTensor = _legacy_constructor(dtypes.float32, "FloatTensor")
DoubleTensor = _legacy_constructor(dtypes.float64, "DoubleTensor")
HalfTensor = _legacy_constructor(dtypes.float16, "HalfTensor")
LongTensor = _legacy_constructor(dtypes.int64, "LongTensor")
IntTensor = _legacy_constructor(dtypes.int32, "IntTensor")
BoolTensor = _legacy_constructor(dtypes.bool_, "BoolTensor")
ByteTensor = _legacy_constructor(dtypes.uint8, "ByteTensor")
# x.type(torch.LongTensor): the dtype each legacy constructor stands for
LEGACY_DTYPES = {FloatTensor: dtypes.float32, DoubleTensor: dtypes.float64,
                 HalfTensor: dtypes.float16, LongTensor: dtypes.int64, IntTensor: dtypes.int32,
                 BoolTensor: dtypes.bool_, ByteTensor: dtypes.uint8}


def _python_tensor(data, *more):
    """``torch.Tensor(...)`` in plain Python: the arguments Tensor() was given, defaults left out."""
    given = (data, *[a for a in more[:2] if a is not False and a is not None], *more[2:])
    return FloatTensor(*given)


tensor_module.LEGACY_CONSTRUCTOR[0] = _python_tensor


# ----- In place, as torch functions: torch.sin_(x) is x.sin_() -----

def _inplace_function(name):
    def function(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(x, ...) is x.{name}(...)."
    return function


exp_ = _inplace_function("exp_")
log_ = _inplace_function("log_")
sin_ = _inplace_function("sin_")
cos_ = _inplace_function("cos_")
tan_ = _inplace_function("tan_")
tanh_ = _inplace_function("tanh_")
sigmoid_ = _inplace_function("sigmoid_")
relu_ = _inplace_function("relu_")
sqrt_ = _inplace_function("sqrt_")
abs_ = _inplace_function("abs_")
neg_ = _inplace_function("neg_")
reciprocal_ = _inplace_function("reciprocal_")
floor_ = _inplace_function("floor_")
ceil_ = _inplace_function("ceil_")
round_ = _inplace_function("round_")
trunc_ = _inplace_function("trunc_")
frac_ = _inplace_function("frac_")
log1p_ = _inplace_function("log1p_")
expm1_ = _inplace_function("expm1_")
rsqrt_ = _inplace_function("rsqrt_")
square_ = _inplace_function("square_")
clamp_ = _inplace_function("clamp_")
clamp_min_ = _inplace_function("clamp_min_")
clamp_max_ = _inplace_function("clamp_max_")
clip_ = _inplace_function("clip_")
fix_ = _inplace_function("fix_")
asin_ = _inplace_function("asin_")
acos_ = _inplace_function("acos_")
atan_ = _inplace_function("atan_")
sinh_ = _inplace_function("sinh_")
cosh_ = _inplace_function("cosh_")
log2_ = _inplace_function("log2_")
log10_ = _inplace_function("log10_")
exp2_ = _inplace_function("exp2_")


# ----- out=: torch.add(x, y, out=result) writes the result into `result` and returns it -----

OUT_WRITER = [None]  # the in-place write of a result into `out` (methods.py registers it)


def _into(out, name, compute, operands):
    """``compute()`` written into ``out``: PyTorch's refusal when autograd would have to
    record it, its resize of an `out` of another shape, its cast check."""
    if not isinstance(out, Tensor):
        raise TorchError(f"{name}(): argument 'out' must be Tensor, not {_type_word(out)}",
                         kind="TypeError")
    tensors = [x for operand in operands
               for x in (operand if isinstance(operand, (list, tuple)) else (operand,))]
    if GradMode.enabled and (out.requires_grad or builtins.any(
            isinstance(x, Tensor) and x.requires_grad for x in tensors)):
        raise TorchError(f"{name}(): functions with out=... arguments don't support automatic "
                         "differentiation, but one of the arguments requires grad.")
    OUT_WRITER[0](out, compute())
    return out


def _accepting_out(function):
    """The public torch.NAME of a function: ``function`` with PyTorch's ``out=`` keyword.  (The
    methods and operators call ``function`` itself: they take no out=.)"""
    def call(input, *args, out=None, **kwargs):
        if out is None:
            return function(input, *args, **kwargs)
        return _into(out, function.__name__, lambda: function(input, *args, **kwargs),
                     (input, *args, *kwargs.values()))
    call.__name__ = call.__qualname__ = function.__name__
    call.__doc__, call.__wrapped__ = function.__doc__, function
    return call


# the torch functions of one tensor result that take out= (those whose first parameter is
# `input`; cat and stack take it themselves)
OUT_FORMS = {name: _accepting_out(globals()[name]) for name in (
    "add", "sub", "mul", "div", "pow", "floor_divide", "remainder", "fmod", "neg", "exp", "log",
    "sin", "cos", "tan", "tanh", "sigmoid", "sqrt", "abs", "reciprocal", "sign", "sgn", "clamp",
    "maximum", "minimum", "sum", "mean", "prod", "argmax", "argmin", "all", "any", "mm", "mv",
    "dot", "bmm", "matmul", "log1p", "expm1", "log2", "log10", "exp2", "asin", "acos", "atan",
    "atan2", "sinh", "cosh", "rsqrt", "floor", "ceil", "round", "trunc", "frac", "eq", "ne",
    "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not", "cumsum",
    "cumprod", "logsumexp", "std", "var", "gather", "index_select", "index_add", "masked_select",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift", "cross", "square", "clamp_min", "clamp_max", "outer")}


# ----- Grad mode context managers -----

class _GradModeSwitch:
    """A grad-mode context manager that is also a decorator, as PyTorch's are:
    ``@torch.no_grad()`` (or ``@torch.no_grad``) runs the function inside a fresh copy of the
    context on every call, so recursion and nesting restore the right mode."""

    enabled = True

    def __new__(cls, orig_func=None):
        if orig_func is not None and callable(orig_func):  # @torch.no_grad without parentheses
            return cls()(orig_func)
        return super().__new__(cls)

    def __enter__(self):
        self._previous = GradMode.enabled
        GradMode.enabled = self.enabled

    def __exit__(self, *exc):
        GradMode.enabled = self._previous
        return False

    def clone(self):
        return type(self)()

    def __call__(self, function):
        def decorated(*args, **kwargs):
            with self.clone():
                return function(*args, **kwargs)
        decorated.__name__ = getattr(function, "__name__", "decorated")
        return decorated


class no_grad(_GradModeSwitch):
    """``with torch.no_grad():`` — ops inside record no graph."""

    enabled = False

    def __init__(self, orig_func=None):
        pass


class enable_grad(_GradModeSwitch):
    """``with torch.enable_grad():`` — record again inside a no_grad block."""

    enabled = True

    def __init__(self, orig_func=None):
        pass


class set_grad_enabled(_GradModeSwitch):
    """Sets grad mode at once; as a context manager, restores the previous mode on exit."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode: bool):
        self.enabled = bool(mode)
        self._previous = GradMode.enabled
        GradMode.enabled = self.enabled

    def __enter__(self):
        return None

    def clone(self):
        return set_grad_enabled(self.enabled)


inference_mode = no_grad
