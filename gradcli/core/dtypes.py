"""PyTorch's dtypes and its type-promotion rules, over numpy dtypes.

PyTorch promotes by category (bool < integer < floating) and gives dimensioned
tensors priority over zero-dim tensors, and both over Python numbers, which only
lift the category (``int_tensor * 2.5`` is float32, the default dtype, not
float64 as numpy would make it).
"""

from __future__ import annotations

import numpy as np

from gradcli.errors import TorchError

BOOL, INT, FLOAT = 0, 1, 2


class dtype:
    """A PyTorch dtype: prints as ``torch.float32`` and maps to a numpy dtype."""

    __slots__ = ("name", "np", "category", "itemsize")

    def __init__(self, name: str, np_dtype, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOAT

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    __str__ = __repr__

    def __reduce__(self):  # dtypes are singletons, even through copy/pickle
        return (by_name, (self.name,))


float16 = dtype("float16", np.float16, FLOAT)
float32 = dtype("float32", np.float32, FLOAT)
float64 = dtype("float64", np.float64, FLOAT)
uint8 = dtype("uint8", np.uint8, INT)
int8 = dtype("int8", np.int8, INT)
int16 = dtype("int16", np.int16, INT)
int32 = dtype("int32", np.int32, INT)
int64 = dtype("int64", np.int64, INT)
bool_ = dtype("bool", np.bool_, BOOL)

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
# PyTorch's aliases: torch.float is float32, torch.long is int64, and so on.
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64,
           "int": int32, "short": int16, "bool": bool_}
_BY_NAME = {d.name: d for d in ALL} | ALIASES
_BY_NUMPY = {d.np: d for d in ALL}
NUMPY_NAMES = frozenset(d.np.name for d in ALL)  # the array dtypes a tensor can hold

default_float = float32


def by_name(name: str) -> dtype:
    return _BY_NAME[name]


def of_array(array: np.ndarray) -> dtype:
    """The gradcli dtype of a numpy array (arrays of other dtypes never reach a Tensor)."""
    return _BY_NUMPY[array.dtype]


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TorchError(f"unsupported dtype {np_dtype}", kind="TypeError") from None


def _promote_same_tier(a: dtype | None, b: dtype) -> dtype:
    if a is None or a is b:
        return b
    if a.category != b.category:
        return a if a.category > b.category else b
    return _BY_NUMPY[np.promote_types(a.np, b.np)]


def _scalar_category(value) -> int:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    return FLOAT


def _category_default(category: int) -> dtype:
    return (bool_, int64, default_float)[category]


def result_type(*operands) -> dtype:
    """torch.result_type over tensors (anything with ``.data`` and ``.dtype``) and Python numbers."""
    dim = zero = None
    scalar_category = -1
    for op in operands:
        if isinstance(op, (bool, int, float)):
            scalar_category = max(scalar_category, _scalar_category(op))
        elif op.data.ndim:
            dim = _promote_same_tier(dim, op.dtype)
        else:
            zero = _promote_same_tier(zero, op.dtype)
    result = dim
    if zero is not None and (result is None or zero.category > result.category):
        result = zero
    if result is None:
        return _category_default(max(scalar_category, 0))
    if scalar_category > result.category:
        return _category_default(scalar_category)
    return result


def check_float_for_grad(d: dtype, *, factory: bool = True) -> None:
    """Creation functions and ``requires_grad_()`` word this error differently in PyTorch."""
    if d.category != FLOAT:
        raise TorchError("Only Tensors of floating point and complex dtype can require gradients"
                         if factory else "only Tensors of floating point dtype can require gradients")
