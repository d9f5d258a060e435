"""The torch functions: creation, random numbers, and the functional forms of the ops,
all dispatching to the op table (``methods.py`` gives Tensor the same as methods).

PyTorch's choices of which op backs which call are kept, because they are
visible in ``grad_fn``: ``2 / x`` is ``reciprocal(x) * 2`` (``MulBackward0``),
``x.square()`` is ``pow(x, 2)``, ``x.flatten()`` is a view, full slices ``x[:]``
record nothing.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from gradcli.core import dtypes
from gradcli.core.kernels import random as rng
from gradcli.core.ops import TABLE, apply, extreme_indices
from gradcli.core.ops.composite import (_prod,  # noqa: F401  (clone, view: torch.clone, torch.view)
                                        _shape_list, _strides, clone, contiguous, mm, reshape, view)
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


def _shape_args(size) -> tuple:
    """``ones(2, 3)``, ``ones((2, 3))`` and ``ones([2, 3])`` all mean shape (2, 3)."""
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


# ----- Creation -----

def tensor(data, dtype=None, requires_grad=False):
    """``torch.tensor``: a new leaf from a number, a nested list, or another tensor's values."""
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


def _filled(size, value, dtype, requires_grad):
    shape = _shape_args(size)
    np_dtype = _dtype_np(dtype) or dtypes.default_float.np
    return _leaf(np.full(shape, value, dtype=np_dtype), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _filled(size, 1, dtype, requires_grad)


def zeros(*size, dtype=None, requires_grad=False):
    return _filled(size, 0, dtype, requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _filled(size, 0, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = {dtypes.BOOL: dtypes.bool_, dtypes.INT: dtypes.int64}.get(
            dtypes._scalar_category(fill_value), dtypes.default_float)
    return _filled((size,), fill_value, dtype, requires_grad)


def _like(value, x, dtype, requires_grad):
    np_dtype = _dtype_np(dtype) or x.array.dtype
    return _leaf(np.full(x.array.shape, value, dtype=np_dtype), requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    return _like(1, input, dtype, requires_grad)


def zeros_like(input, dtype=None, requires_grad=False):
    return _like(0, input, dtype, requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    return _like(fill_value, input, dtype, requires_grad)


def empty_like(input, dtype=None, requires_grad=False):
    return _like(0, input, dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise TorchError("step must be nonzero")
    if (end - start) / step < 0:
        raise TorchError("upper bound and larger bound inconsistent with step sign")
    count = int(np.ceil((end - start) / step))
    Limits.check_elements((count,))
    if dtype is None:
        is_int = builtins.all(isinstance(v, int) for v in values)
        dtype = dtypes.int64 if is_int else dtypes.default_float
    array = (start + np.arange(count, dtype=np.float64) * step) if dtype.is_floating_point \
        else start + np.arange(count, dtype=np.int64) * step
    return _leaf(array.astype(dtype.np), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    steps = int(steps)
    if steps < 0:
        raise TorchError("number of steps must be non-negative")
    Limits.check_elements((steps,))
    dtype = dtype or dtypes.default_float
    if steps <= 1:
        array = np.full(steps, start, dtype=np.float64)
    else:
        # PyTorch fills the first half forwards from start and the second half backwards from end
        step = (end - start) / (steps - 1)
        index = np.arange(steps, dtype=np.float64)
        half = steps // 2
        array = np.where(index < half, start + step * index, end - step * (steps - index - 1))
    return _leaf(array.astype(dtype.np), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
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


def rand(*size, generator=None, dtype=None, requires_grad=False):
    shape = _shape_args(size)
    return _leaf(rng.rand(shape, _dtype_np(dtype) or dtypes.default_float.np,
                          generator=_kernel(generator)), requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    shape = _shape_args(size)
    return _leaf(rng.randn(shape, _dtype_np(dtype) or dtypes.default_float.np,
                           generator=_kernel(generator)), requires_grad)


def randperm(n, *, generator=None, dtype=None, requires_grad=False):
    """A random permutation of ``range(n)`` (PyTorch's Fisher-Yates on its generator)."""
    n = _shape_args((n,))[0]  # (PyTorch's negative-dimension error)
    array = rng.randperm(n, generator=_kernel(generator))
    return _leaf(array.astype(_dtype_np(dtype) or np.int64), requires_grad)


def rand_like(input, dtype=None, requires_grad=False):
    return rand(*input.array.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, requires_grad=False):
    return randn(*input.array.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, requires_grad=False):
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


def masked_fill(input, mask, value):
    """``value`` where the bool ``mask`` (broadcast to input) is True (MaskedFillBackward0)."""
    mask = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TorchError("masked_fill_ only supports boolean masks, but got mask with dtype "
                         f"{dtypes.from_numpy_dtype(mask.dtype).name}")
    if isinstance(value, Tensor):
        if value.array.ndim:
            raise TorchError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value.array.ndim} dimension(s).")
        return apply(TABLE["masked_fill_tensor"], input, value, mask=mask)
    return apply(TABLE["masked_fill"], input, mask=mask, value=value)


def _bool_array(condition):
    array = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if array.dtype != np.bool_:
        raise TorchError(f"where expected condition to be a boolean tensor, but got a tensor with "
                         f"dtype {dtypes.from_numpy_dtype(array.dtype).name.capitalize()}")
    return array


def softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return apply(TABLE["softmax"], input, dim=wrap_dim(dim, input.array.ndim))


def log_softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return apply(TABLE["log_softmax"], input, dim=wrap_dim(dim, input.array.ndim))


# ----- Reductions -----

def sum(input, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(TABLE["sum"], input)
    return apply(TABLE["sum_dim"], input, dim=_dim_arg(dim), keepdim=keepdim)


def mean(input, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(TABLE["mean"], input)
    return apply(TABLE["mean_dim"], input, dim=_dim_arg(dim), keepdim=keepdim)


def prod(input, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(TABLE["prod"], input)
    return apply(TABLE["prod_dim"], input, dim=wrap_dim(dim, input.array.ndim), keepdim=keepdim)


def _dim_arg(dim):
    if isinstance(dim, list):
        return tuple(dim)
    return dim


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


def max(input, dim=None, keepdim=False, other=None):
    return _extreme("max", np.argmax, input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, other=None):
    return _extreme("min", np.argmin, input, dim, keepdim, other)


def _check_arg_reduction(name, input, dim):
    if dim is None and input.array.size == 0:
        raise TorchError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is not None and input.array.ndim and input.array.shape[wrap_dim(dim, input.array.ndim)] == 0:
        raise TorchError(f"{name}(): Expected reduction dim {wrap_dim(dim, input.array.ndim)} to "
                         "have non-zero size.", kind="IndexError")


def argmax(input, dim=None, keepdim=False):
    _check_arg_reduction("argmax", input, dim)
    if dim is None:
        return Tensor(np.asarray(np.argmax(input.array), dtype=np.int64))
    result = np.argmax(input.array, axis=wrap_dim(dim, input.array.ndim), keepdims=keepdim)
    return Tensor(np.asarray(result, dtype=np.int64))


def argmin(input, dim=None, keepdim=False):
    _check_arg_reduction("argmin", input, dim)
    if dim is None:
        return Tensor(np.asarray(np.argmin(input.array), dtype=np.int64))
    result = np.argmin(input.array, axis=wrap_dim(dim, input.array.ndim), keepdims=keepdim)
    return Tensor(np.asarray(result, dtype=np.int64))


def norm(input, p="fro", dim=None, keepdim=False):
    if p not in ("fro", 2, 2.0):
        raise TorchError(f"norm with p={p!r} is not supported by gradcli; only the 2-norm is",
                         kind="NotImplementedError")
    return apply(TABLE["norm"], input, dim=_dim_arg(dim), keepdim=keepdim)


def all(input, dim=None):
    return Tensor(np.asarray(np.all(input.array, axis=dim)))


def any(input, dim=None):
    return Tensor(np.asarray(np.any(input.array, axis=dim)))


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


def unsqueeze(input, dim):
    return apply(TABLE["unsqueeze"], input, dim=wrap_dim(dim, input.array.ndim + 1))


def squeeze(input, dim=None):
    if dim is None:
        return apply(TABLE["squeeze"], input)
    return apply(TABLE["squeeze_dim"], input, dim=wrap_dim(dim, input.array.ndim) if isinstance(dim, int)
                 else dim)


def expand(input, *sizes):
    return apply(TABLE["expand"], input, shape=_shape_list(sizes))


def cat(tensors, dim=0):
    tensors = _tensor_list(tensors, "cat")
    return apply(TABLE["cat"], *tensors, dim=dim)




def stack(tensors, dim=0):
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise TorchError("stack expects a non-empty TensorList")
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


def to(input, *args, dtype=None, **kwargs):
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
    if dtype is None or dtype.np == input.array.dtype:
        return input
    return apply(TABLE["to_dtype"], input, dtype=dtype.np)


def get_default_dtype():
    return dtypes.default_float


def equal(input, other) -> bool:
    """True when both have the same shape and the same values."""
    return input.array.shape == other.array.shape and bool(np.all(input.array == other.array))


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()


def is_grad_enabled() -> bool:
    return GradMode.enabled


# ----- Grad mode context managers -----

class no_grad:
    """``with torch.no_grad():`` — ops inside record no graph."""

    def __enter__(self):
        self._previous = GradMode.enabled
        GradMode.enabled = False

    def __exit__(self, *exc):
        GradMode.enabled = self._previous
        return False


class enable_grad:
    """``with torch.enable_grad():`` — record again inside a no_grad block."""

    def __enter__(self):
        self._previous = GradMode.enabled
        GradMode.enabled = True

    def __exit__(self, *exc):
        GradMode.enabled = self._previous
        return False


class set_grad_enabled:
    """Sets grad mode at once; as a context manager, restores the previous mode on exit."""

    def __init__(self, mode: bool):
        self._previous = GradMode.enabled
        GradMode.enabled = bool(mode)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        GradMode.enabled = self._previous
        return False


inference_mode = no_grad
