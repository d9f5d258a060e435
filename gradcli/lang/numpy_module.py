"""``import numpy as np`` in a program: the part of numpy tutorials use, allow-listed.

Arrays are real numpy arrays (so they print as numpy prints them, and ``tensor.numpy()`` /
``torch.from_numpy`` share memory with tensors as in PyTorch).  What a program can do with
them is listed here: creation (sizes checked against --max-elements before anything is
allocated), math and reductions, a per-run ``np.random`` (numpy's legacy generator, so
``np.random.seed(0)`` gives numpy's numbers), and the array attributes in
``ARRAY_ATTRIBUTES``.  Nothing that reaches memory or files (``tofile``, ``ctypes``,
``frombuffer``, ``load``, ``save``, ``dump``...) is offered; results of arithmetic are
size-checked by their broadcast shape first.
"""

from __future__ import annotations

import numpy as np

from gradcli.core.tensor import Limits
from gradcli.errors import LimitError, ProgramError

ARRAY_ATTRIBUTES = frozenset({
    "shape", "dtype", "ndim", "size", "T", "reshape", "sum", "mean", "max", "min", "argmax",
    "argmin", "tolist", "item", "astype", "copy", "flatten", "ravel", "transpose", "dot", "std",
    "var", "round", "clip", "fill", "any", "all", "cumsum", "prod", "squeeze", "nonzero",
    "sort", "argsort",
})
SCALAR_ATTRIBUTES = frozenset({"item", "tolist", "dtype", "shape", "ndim", "real", "imag",
                               "is_integer"})
DTYPES = {name: getattr(np, name) for name in (
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_",
    "float_", "int_", "double", "single", "longlong", "complex64", "complex128")
    if hasattr(np, name)}
SCALAR_TYPES = tuple({value for value in DTYPES.values()})

_ELEMENTWISE = ("exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "square", "abs",
                "absolute", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
                "tanh", "floor", "ceil", "round", "sign", "negative", "isnan", "isinf",
                "isfinite", "add", "subtract", "multiply", "divide", "true_divide", "power",
                "maximum", "minimum", "mod", "floor_divide", "arctan2", "hypot", "greater",
                "less", "equal", "not_equal", "greater_equal", "less_equal", "logical_and",
                "logical_or", "logical_not", "where", "clip")
_REDUCTIONS = ("sum", "mean", "max", "min", "argmax", "argmin", "std", "var", "prod",
               "cumsum", "cumprod", "any", "all", "median", "amax", "amin")
_SHAPES = ("reshape", "transpose", "squeeze", "expand_dims", "ravel", "flip", "sort",
           "argsort", "unique", "nonzero", "diag", "trace", "allclose", "isclose",
           "array_equal", "count_nonzero")
_CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "nan": np.nan, "newaxis": None}


def check_count(count: int, what: str = "an array") -> None:
    cap = Limits.max_elements
    if cap is not None and count > cap:
        raise LimitError(f"{what} of {count:,} elements is over the limit of {cap:,}",
                         hint="raise it with --max-elements N")


def _size_of(shape) -> int:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    count = 1
    for size in shape:
        if not isinstance(size, (int, np.integer)) or size < 0:
            raise ProgramError(f"invalid array dimension {size!r}", kind="ValueError")
        count *= int(size)
    return count


def _sized(function):
    """``np.zeros(shape)`` and kin: the element count is checked before numpy allocates."""
    def make(shape, *args, **kwargs):
        check_count(_size_of(shape))
        return function(shape, *args, **kwargs)
    make.__name__ = function.__name__
    return make


def _checked_operands(function):
    """Elementwise functions: the broadcast result is checked before it is computed."""
    def run(*args, **kwargs):
        arrays = [np.shape(a) for a in args if isinstance(a, (np.ndarray, list, tuple))]
        if arrays:
            try:
                check_count(_size_of(np.broadcast_shapes(*arrays)), "a result")
            except ValueError:
                pass  # numpy raises its own broadcast error
        return function(*args, **kwargs)
    run.__name__ = function.__name__
    return run


def broadcast_check(left, right) -> None:
    """``a + b`` with an array: the broadcast result is checked before it is computed."""
    if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
        try:
            shape = np.broadcast_shapes(np.shape(left), np.shape(right))
        except ValueError:
            return
        check_count(_size_of(shape), "a result")


def _array(data, dtype=None, copy=True):
    result = np.array(data, dtype=dtype, copy=copy) if copy else np.asarray(data, dtype=dtype)
    check_count(result.size)
    if result.dtype == object:
        raise ProgramError("arrays of Python objects are not supported", kind="TypeError")
    return result


def _arange(*args, dtype=None):
    numbers = [float(a) for a in args]
    start, stop, step = (0.0, numbers[0], 1.0) if len(numbers) == 1 else \
        (numbers + [1.0])[:3] if len(numbers) == 2 else numbers
    if step == 0:
        raise ProgramError("Maximum allowed size exceeded", kind="ValueError")
    check_count(max(int(np.ceil((stop - start) / step)), 0))
    return np.arange(*args, dtype=dtype)


def _linspace(start, stop, num=50, endpoint=True, dtype=None):
    check_count(int(num))
    return np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype)


def _eye(n, m=None, k=0, dtype=float):
    check_count(int(n) * int(m if m is not None else n))
    return np.eye(n, m, k, dtype=dtype)


def _concatenate(arrays, axis=0, **options):
    check_count(sum(np.size(a) for a in arrays), "a result")
    return np.concatenate(arrays, axis=axis, **options)


def _stack(arrays, axis=0, **options):
    check_count(sum(np.size(a) for a in arrays), "a result")
    return np.stack(arrays, axis=axis, **options)


def _tile(array, reps):
    check_count(np.size(array) * _size_of(reps), "a result")
    return np.tile(array, reps)


def _dot(a, b):
    shape_a, shape_b = np.shape(a), np.shape(b)
    if len(shape_a) >= 1 and len(shape_b) >= 2:
        check_count(_size_of(shape_a[:-1] + shape_b[:-2] + shape_b[-1:]), "a product")
    return np.dot(a, b)


def random_members(seed_source=None) -> dict:
    """``np.random`` for one run: numpy's legacy RandomState, as ``np.random.seed`` drives."""
    state = np.random.RandomState()

    def sized(method):
        def draw(*args, size=None, **kwargs):
            shape = args if method in ("rand", "randn") else size
            if shape is not None and shape != ():
                check_count(_size_of(shape))
            return getattr(state, method)(*args, size=size, **kwargs) if method not in \
                ("rand", "randn") else getattr(state, method)(*args)
        draw.__name__ = method
        return draw
    members = {name: sized(name) for name in ("rand", "randn", "randint", "normal", "uniform",
                                               "random", "choice", "binomial", "poisson")}
    members.update(seed=state.seed, shuffle=state.shuffle, permutation=_sized_permutation(state))
    return members


def _sized_permutation(state):
    def permutation(x):
        if isinstance(x, (int, np.integer)):
            check_count(int(x))
        return state.permutation(x)
    return permutation


def members(random_namespace, check_data) -> dict:
    """The ``np`` namespace for a run; ``random_namespace`` is its own ``np.random``, and
    ``check_data`` walks nested lists before numpy reads them in C."""
    def array(data, dtype=None, copy=True):
        check_data(data)
        return _array(data, dtype, copy)

    table = {name: _checked_operands(getattr(np, name)) for name in _ELEMENTWISE}
    table.update({name: getattr(np, name) for name in _REDUCTIONS + _SHAPES})
    table.update({name: _sized(getattr(np, name)) for name in ("zeros", "ones", "empty")})
    table.update(full=_sized(np.full), array=array, asarray=lambda a, dtype=None:
                 array(a, dtype, copy=False), arange=_arange, linspace=_linspace, eye=_eye,
                 identity=lambda n, dtype=float: _eye(n, dtype=dtype),
                 zeros_like=np.zeros_like, ones_like=np.ones_like, full_like=np.full_like,
                 empty_like=np.empty_like, concatenate=_concatenate, stack=_stack,
                 vstack=lambda a: _concatenate([np.atleast_2d(x) for x in a]),
                 hstack=lambda a: _concatenate([np.atleast_1d(x) for x in a],
                                               axis=0 if np.ndim(a[0]) <= 1 else 1),
                 tile=_tile, dot=_dot, matmul=_dot, outer=_checked_outer,
                 random=random_namespace, **DTYPES, **_CONSTANTS)
    return table


def _checked_outer(a, b):
    check_count(np.size(a) * np.size(b), "a product")
    return np.outer(a, b)
