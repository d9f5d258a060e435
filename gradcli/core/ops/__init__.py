"""The op table: every differentiable operation, in one place.

Each row (an ``Op``) names the ``grad_fn`` PyTorch shows, the numpy forward, one
backward rule per tensor input (``None``: not differentiable there), what the
node must save, the sympy counterpart and a readable local derivative.  The
engine, the interpreter, the graph printer and the symbolic checker read this
table; none of them names an op.

Backward rules follow PyTorch's ``tools/autograd/derivatives.yaml`` formula for
formula, in the same order of operations, so float32 results match bit for bit.
A rule is ``rule(F, grad, result, *inputs, **params)``.  ``F`` is the op
namespace of the mode the engine runs in: ``NP`` (numpy arrays, no graph) or
``T`` (Tensors, the backward pass recorded for higher derivatives).  Writing
the rules against ``F`` and Python operators makes every rule differentiable.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from gradcli.core.kernels import sleef as _sleef
from gradcli.core import dtypes
from gradcli.core.kernels.reduce import torch_sum
from gradcli.errors import TorchError
from gradcli.core.tensor import (NO_GRAD_VIEW, GradMode, Limits, OpNode, Tensor, WrappedFloat,
                                 WrappedInt, meta_of, next_sequence, op_node, share_version,
                                 wrap_dim)

_new_object = object.__new__

PROMOTE_NONE, PROMOTE_BINARY, PROMOTE_FLOAT, PROMOTE_UNARY_FLOAT = range(4)


@dataclass(frozen=True, eq=False)
class Op:
    """One row of the table."""

    name: str                      # the name programs call it by (torch.exp, x.exp())
    grad_fn_name: str              # what PyTorch calls its backward node
    forward: Callable              # numpy arrays in, numpy array out
    backward: tuple = ()           # one rule per tensor input, None where not differentiable
    backward_all: Callable | None = None  # or one rule returning all inputs' grads (cat, stack)
    saves: bool = True             # saves tensors for backward (a second backward then fails)
    saves_result: bool = False     # the rule reads the op's own result
    promote: int = PROMOTE_NONE    # how operand dtypes combine
    sympy: Callable | None = None  # (sympy module, *inputs as sympy, **params) -> expression
    formula: str = ""              # the local derivative, for `gradcli explain`
    differentiable: bool = True
    saved_inputs: tuple | None = None  # per rule, the inputs it reads (None: every input)
    view: bool = False             # the result shares the first input's memory (and version)
    arg_names: tuple = ("self", "other")  # PyTorch's argument names (the order saved ones are
                                          # unpacked in, and so which modified one is reported)
    gradcheck: tuple = field(default=())  # Samples for the gradient test (tests/test_ops.py)
    # PyTorch's generated backward of most binary ops computes the last input's gradient first;
    # with create_graph that fixes which recorded nodes come first (and so the order of sums)
    last_input_first: bool = False
    # the parameter numbering the output a node stands for, for the ops PyTorch gives several
    # outputs (one node here per output): its next_functions show that number
    output_nr: str | None = None
    # what a node keeps of each input, per needs_input_grad pattern (tensor.op_node fills it)
    save_plans: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"<op {self.name} ({self.grad_fn_name})>"


TABLE: dict[str, Op] = {}


# ----- Gradient-check samples -----
# Every row lists where tests/test_ops.py checks its rules against finite differences: input
# shapes (broadcasting ones among them), where the values are drawn, and the op's parameters.
# Domains: "any" (uniform in [-1.5, 1.5]), "positive" ([0.5, 2]), "nonzero" (|x| in [0.3, 1.5]),
# "distinct" (all inputs' values jointly far from each other and from 0: ties and kinks of max,
# clamp, relu... stay farther away than the finite-difference step).  One domain for all
# inputs, or a tuple with one per input.  A parameter may be a function of the drawn input
# arrays (max(dim)'s indices).
@dataclass(frozen=True, eq=False)
class Sample:
    shapes: tuple
    domain: str | tuple = "any"
    params: dict = field(default_factory=dict)


def sample(*shapes, domain="any", **params) -> Sample:
    return Sample(shapes, domain, params)


def unary_samples(domain="any") -> tuple:
    return sample((2, 3), domain=domain), sample((4,), domain=domain), sample((), domain=domain)


def binary_samples(domain="any") -> tuple:
    return (sample((2, 3), (2, 3), domain=domain), sample((2, 3), (3,), domain=domain),
            sample((2, 1), (1, 3), domain=domain), sample((), (2,), domain=domain))


def dim_samples() -> tuple:
    return (sample((2, 3), dim=1), sample((2, 3), dim=0, keepdim=True),
            sample((2, 3, 2), dim=(0, -1)), sample((2, 3), dim=-1, keepdim=True))


MASK_2x3 = np.array([[True, False, True], [False, False, True]])


def on_arrays(sympy_form):
    """Mark a sympy form that takes whole object arrays (not one element at a time)."""
    sympy_form.on_arrays = True
    return sympy_form


def _sympy_map(sp_function, array):
    return np.frompyfunc(sp_function, 1, 1)(array)


def _sympy_softmax(sp, x, dim):
    exps = _sympy_map(sp.exp, x)
    return exps / exps.sum(axis=dim, keepdims=True)


def _sympy_log_softmax(sp, x, dim):
    total = _sympy_map(sp.exp, x).sum(axis=dim, keepdims=True)
    return x - _sympy_map(sp.log, total)


def _sympy_norm(sp, x, dim=None, keepdim=False):
    axes = None if dim is None else dim
    return _sympy_map(sp.sqrt, np.asarray((x * x).sum(axis=axes, keepdims=keepdim)))


def defop(name, grad_fn_name, forward, *backward, **options) -> Op:
    op = Op(name, grad_fn_name, forward, tuple(backward), **options)
    TABLE[name] = op
    return op


# ----- Applying an op -----

def _arrays_for(op: Op, operands):
    """The numpy operands, cast as PyTorch's type promotion would."""
    if WrappedFloat in map(type, operands) or WrappedInt in map(type, operands):
        # numbers a formula read from its node: plain again (numpy takes a subclass as strong)
        operands = [float(x) if type(x) is WrappedFloat else int(x) if type(x) is WrappedInt
                    else x for x in operands]
    if op.promote == PROMOTE_NONE:
        return [x.array if type(x) is Tensor else x for x in operands]
    if op.promote == PROMOTE_UNARY_FLOAT:
        array = operands[0].array
        if array.dtype.kind not in "f":
            array = array.astype(dtypes.default_float.np)
        if len(operands) == 1:
            return (array,)
        return [array] + [x.array if type(x) is Tensor else x for x in operands[1:]]
    return _promoted(operands, op.promote == PROMOTE_FLOAT)


_PYTHON_NUMBERS = frozenset((float, int, bool))


def _promoted(operands, to_float: bool):
    first = operands[0]
    kinds = {x.array.dtype for x in operands if type(x) is Tensor}
    scalars = [x for x in operands if type(x) is not Tensor]
    if len(kinds) == 1 and not to_float:
        kind = next(iter(kinds))
        if kind.kind == "f" or not scalars or _scalars_fit(kind, scalars):
            return [x.array if type(x) is Tensor else x for x in operands]
    target = dtypes.result_type(*operands)
    if to_float and target.category != dtypes.FLOAT:
        target = dtypes.default_float
    want = target.np
    del first
    return [(x.array if x.array.dtype == want else x.array.astype(want)) if type(x) is Tensor
            else x for x in operands]


def _scalars_fit(kind, scalars) -> bool:
    # Python ints keep an integer tensor's dtype; a float (or an int meeting a bool) lifts it.
    if kind.kind == "b":
        return all(isinstance(s, bool) for s in scalars)
    return all(isinstance(s, (bool, int)) for s in scalars)


def apply(op: Op, *operands, **params):
    """Run ``op`` forward; record a node when grad mode is on and an input requires grad."""
    a = operands[0]
    arrays = None
    # The common case inline: a float tensor alone, or with a Python number or a tensor of its
    # own dtype; every promotion rule leaves those operands as they are.
    if type(a) is Tensor and a.array.dtype.kind == "f":
        if len(operands) == 1:
            arrays = (a.array,)
        elif len(operands) == 2:
            b = operands[1]
            if type(b) in _PYTHON_NUMBERS:
                arrays = (a.array, b)
                if GradMode.formula and op in SCALAR_FORMS:
                    return apply(SCALAR_FORMS[op], a, other=b)
            elif type(b) is Tensor and b.array.dtype is a.array.dtype:
                arrays = (a.array, b.array)
    if arrays is None:
        arrays = _arrays_for(op, operands)
    if Limits.max_elements is not None:
        check_result_size(op, arrays, params)
    try:
        # spelled out: a call with *args or an empty **params costs more than many ufuncs
        if params:
            out = op.forward(*arrays, **params)
        elif len(arrays) == 2:
            out = op.forward(arrays[0], arrays[1])
        elif len(arrays) == 1:
            out = op.forward(arrays[0])
        else:
            out = op.forward(*arrays)
    except ValueError as error:
        raise _shape_error(op, arrays, error, params) from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if not GradMode.enabled or not op.differentiable or out.dtype.kind != "f":
        return _untracked(op, operands, out)
    # Which operands need a gradient, and the node each one's gradient flows to.  Unrolled for
    # one and two operands (most ops); the `needs` tuples are shared, one per pattern: every
    # object a node keeps is one more for the GC to scan.
    if len(operands) == 2:
        b = operands[1]
        if type(a) is Tensor and a.requires_grad:
            if type(b) is Tensor and b.requires_grad:
                needs = _NEEDS_BOTH
                children = (a.grad_fn or a.gradient_edge(), b.grad_fn or b.gradient_edge())
            else:
                needs = _NEEDS_FIRST
                children = (a.grad_fn or a.gradient_edge(), None)
        elif type(b) is Tensor and b.requires_grad:
            needs = _NEEDS_SECOND
            children = (None, b.grad_fn or b.gradient_edge())
        else:
            return _untracked(op, operands, out)
    elif len(operands) == 1:
        if type(a) is not Tensor or not a.requires_grad:
            return _untracked(op, operands, out)
        needs = _NEEDS_ONE
        children = (a.grad_fn or a.gradient_edge(),)
    else:
        needs = tuple([type(x) is Tensor and x.requires_grad for x in operands])
        if True not in needs:
            return _untracked(op, operands, out)
        needs = _NEEDS_PATTERNS.setdefault(needs, needs) if len(needs) < 4 else needs
        children = tuple([x.gradient_edge() if need else None for x, need in zip(operands, needs)])
    if Limits.max_nodes is not None:
        _count_node()
    node = op_node(op, operands, params, out, children, needs)
    result = Tensor(out, True, node)
    if op.saves_result:
        node.output = weakref.ref(result)  # weak: the result owns its node, not the reverse
    if op.view:
        share_version(operands[0], result)
    return result


_NEEDS_ONE, _NEEDS_FIRST, _NEEDS_SECOND, _NEEDS_BOTH = (True,), (True, False), (False, True), (True, True)
_NEEDS_PATTERNS: dict = {}


def _untracked(op, operands, out):
    result = Tensor(out)
    if op.view and type(operands[0]) is Tensor:
        base = operands[0]
        share_version(base, result)
        if base.requires_grad and not GradMode.enabled and out.dtype.kind == "f":
            result.requires_grad, result._accumulator = True, NO_GRAD_VIEW  # see NO_GRAD_VIEW
    return result


# ----- Result sizes, checked before the forward allocates -----

def check_result_size(op: Op, arrays, params) -> None:
    """Refuse a result over ``Limits.max_elements`` (or a product too costly) before computing it.

    Elementwise ops are sized by broadcasting their array operands and array parameters
    (``where``'s condition, ``masked_fill``'s mask); ops whose result can outgrow that have a
    sizer in ``_RESULT_SIZERS``.  Shape errors are left to the forward, which words them.
    """
    sizer = _RESULT_SIZERS.get(op.name)
    if sizer is not None:
        sizer(*arrays, **params)
        return
    shape = None  # the common case, one shape throughout, costs one pass and no allocation
    for value in (*arrays, *params.values()) if params else arrays:
        if type(value) is np.ndarray:
            if shape is None:
                shape = value.shape
            elif value.shape != shape:
                _check_broadcast(arrays, params)
                return


def _check_broadcast(arrays, params) -> None:
    shapes = [a.shape for a in (*arrays, *params.values()) if type(a) is np.ndarray]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        return  # the forward raises PyTorch's shape error
    Limits.check_elements(shape)


def _size_matmul(a, b, **params):
    if a.ndim < 1 or b.ndim < 1:
        return
    batch = ()
    if a.ndim > 2 or b.ndim > 2:
        try:
            batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            return
    rows = a.shape[-2] if a.ndim > 1 else 1
    cols = b.shape[-1] if b.ndim > 1 else 1
    Limits.check_elements(batch + (rows, cols))
    work = math.prod(batch) * rows * a.shape[-1] * cols
    # numpy has BLAS only for float32/float64; other dtypes multiply ~100x slower
    per_element = 1000 if a.dtype.kind == "f" and a.dtype.itemsize >= 4 else 10
    if work > Limits.max_elements * per_element:
        from gradcli.errors import LimitError
        raise LimitError(f"a product of shapes {tuple(a.shape)} and {tuple(b.shape)} needs {work:,} "
                         f"multiply-adds, over the limit of {Limits.max_elements * per_element:,} "
                         f"({per_element:,} per allowed element for {a.dtype.name})",
                         hint="raise it with --max-elements N")


def _size_joined(*arrays, **params):
    Limits.check_elements((sum(a.size for a in arrays),))


def _size_index(x, index=None, **params):
    Limits.check_elements(index_result_bound(x.shape, index))


def index_result_bound(shape, index) -> tuple:
    """An upper bound on the shape of ``x[index]`` (advanced indexing can outgrow ``x``)."""
    parts = index if type(index) is tuple else (index,)
    consuming = sum(p.ndim if isinstance(p, np.ndarray) and p.dtype == np.bool_ else
                    0 if p is None or p is Ellipsis else 1 for p in parts)
    kept, advanced, dim = [], [], 0
    for part in parts:
        if part is Ellipsis:
            kept.extend(shape[dim:dim + len(shape) - consuming])
            dim += max(len(shape) - consuming, 0)
        elif isinstance(part, (np.ndarray, list)):
            array = np.asarray(part)
            if array.dtype == np.bool_:
                advanced.append((int(np.count_nonzero(array)),))
                dim += array.ndim
            else:
                advanced.append(array.shape)
                dim += 1
        elif part is not None:
            if isinstance(part, slice):
                kept.append(shape[dim] if dim < len(shape) else 1)
            dim += 1
    kept.extend(shape[dim:])
    try:
        gathered = np.broadcast_shapes(*advanced) if advanced else ()
    except ValueError:
        gathered = ()
    return tuple(gathered) + tuple(kept)


_RESULT_SIZERS = {"mm": _size_matmul, "bmm": _size_matmul, "mv": _size_matmul,
                  "cat": _size_joined, "stack": _size_joined,
                  "index": _size_index}


def _count_node() -> None:
    Limits.nodes += 1
    if Limits.nodes > Limits.max_nodes:
        from gradcli.errors import LimitError
        raise LimitError(f"the program recorded more than {Limits.max_nodes:,} graph nodes",
                         hint="raise it with --max-nodes N, or wrap updates in torch.no_grad()")


def _shape_error(op, arrays, error, params):
    """PyTorch's infer_size message, folding the operand shapes left to right (where's
    condition first)."""
    shapes = [a.shape for a in arrays if isinstance(a, np.ndarray)]
    if isinstance(params.get("condition"), np.ndarray):
        shapes.insert(0, params["condition"].shape)
    if len(shapes) < 2 or "broadcast" not in str(error):
        return TorchError(str(error))
    try:
        broadcast_shape(*shapes)
    except TorchError as mismatch:
        return mismatch
    return TorchError(str(error))


def broadcast_shape(*shapes) -> tuple:
    """The broadcast of ``shapes``, or PyTorch's infer_size error (folding left to right)."""
    a = shapes[0]
    for b in shapes[1:]:
        ndim = max(len(a), len(b))
        for back in range(1, ndim + 1):  # PyTorch's infer_size walks from the last dim
            sa = a[-back] if back <= len(a) else 1
            sb = b[-back] if back <= len(b) else 1
            if sa != sb and sa != 1 and sb != 1:
                raise TorchError(f"The size of tensor a ({sa}) must match the size of tensor b "
                                 f"({sb}) at non-singleton dimension {ndim - back}")
        a = np.broadcast_shapes(a, b)
    return tuple(a)


class Namespace:
    """An attribute bag; NP and T below are the two faces of the table for rules."""

    def __init__(self, entries: dict):
        self.__dict__.update(entries)


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


def _mask(x):
    return x


# ----- Binary arithmetic -----
defop("add", "AddBackward0", np.add,
      lambda F, g, r, a, b: g,
      lambda F, g, r, a, b: g,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b: a + b,
      formula="d(a+b)/da = 1, d(a+b)/db = 1", gradcheck=binary_samples())
defop("sub", "SubBackward0", np.subtract,
      lambda F, g, r, a, b: g,
      lambda F, g, r, a, b: -g,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b: a - b,
      formula="d(a-b)/da = 1, d(a-b)/db = -1", gradcheck=binary_samples(),
      last_input_first=True)
defop("mul", "MulBackward0", np.multiply,
      lambda F, g, r, a, b: g * b,
      lambda F, g, r, a, b: g * a,
      promote=PROMOTE_BINARY, sympy=lambda sp, a, b: a * b, saved_inputs=((1,), (0,)),
      formula="d(a*b)/da = b, d(a*b)/db = a", gradcheck=binary_samples(),
      last_input_first=True)
defop("div", "DivBackward0", np.true_divide,
      lambda F, g, r, a, b: g / b,
      lambda F, g, r, a, b: -g * ((a / b) / b),
      promote=PROMOTE_FLOAT, sympy=lambda sp, a, b: a / b, saved_inputs=((1,), (0, 1)),
      formula="d(a/b)/da = 1/b, d(a/b)/db = -a/b**2", gradcheck=binary_samples(domain=("any", "nonzero")),
      last_input_first=True)
def _add_alpha_forward(a, b, alpha):
    # PyTorch's add kernel with alpha is one fused multiply-add, b * alpha + a
    if np.result_type(a, b).kind == "f":
        return _fma(b, np.asarray(alpha, dtype=np.result_type(a, b)), a)
    return a + alpha * b


defop("add_alpha", "AddBackward0", _add_alpha_forward,
      lambda F, g, r, a, b, alpha: g,
      lambda F, g, r, a, b, alpha: g * alpha,  # maybe_multiply(grad, alpha)
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b, alpha: a + alpha * b,
      formula="d(a+alpha*b)/da = 1, /db = alpha", gradcheck=(sample((2, 3), (3,), alpha=2.5),))
defop("sub_alpha", "SubBackward0", lambda a, b, alpha: _add_alpha_forward(a, b, -alpha),
      lambda F, g, r, a, b, alpha: g,
      lambda F, g, r, a, b, alpha: -g * alpha,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, a, b, alpha: a - alpha * b,
      formula="d(a-alpha*b)/da = 1, /db = -alpha", gradcheck=(sample((2, 3), (3,), alpha=2.5),),
      last_input_first=True)
defop("rsub", "RsubBackward1", lambda x, other: np.subtract(other, x),
      lambda F, g, r, x, other: -g,
      saves=False, promote=PROMOTE_BINARY, sympy=lambda sp, x, other: other - x,
      formula="d(c-x)/dx = -1", gradcheck=(sample((2, 3), other=2.5), sample((), other=-1.0)))
# ----- Maximum and minimum: which of 0.0 and -0.0 wins a tie -----
# PyTorch's kernels (cpu_kernel_vec) run whole chunks of a contiguous run through vector
# instructions, which return the second operand on a tie, and the rest through a scalar loop
# (std::max, std::min), which returns the first; numpy returns the second, always.  So the
# first operand wins except in the vector chunks; only a tie of zeros of both signs shows it.
_VECTOR_CHUNK = {np.dtype(np.float32): 16, np.dtype(np.float64): 8}  # elements per vector step


def _extremum(ufunc):
    def forward(a, b):
        out = ufunc(b, a)  # the first operand on ties, as the scalar loop
        chunk = _VECTOR_CHUNK.get(out.dtype)
        if chunk is not None and out.size >= chunk:
            _vector_ties(a, b, out, chunk)
        return out
    forward.__name__ = ufunc.__name__
    return forward


def _vector_ties(a, b, out, chunk):
    """Give the vector chunks of each contiguous run the second operand on signed-zero ties."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=out.dtype), np.asarray(b, dtype=out.dtype))
    ties = (a == 0) & (b == 0) & (np.signbit(a) != np.signbit(b))
    if not ties.any():
        return
    run = _contiguous_run(out.shape, a, b)
    if run:
        position = np.arange(out.size).reshape(out.shape) % run
        ties &= position < run - run % chunk
        out[ties] = b[ties]


def _contiguous_run(shape, *operands) -> int:
    """How many elements TensorIterator's inner loop takes at once over the (C-order) operands,
    with its coalescing of dims; 0 when that loop is not vectorised (an operand with a stride
    other than one element, or every input broadcast along it)."""
    dims = [d for d in range(len(shape)) if shape[d] != 1]
    if not dims:
        return 0
    strides = [[x.strides[d] // x.itemsize for d in dims] for x in operands]
    inner = [s[-1] for s in strides]
    if any(step not in (0, 1) for step in inner) or all(step == 0 for step in inner):
        return 0
    run = shape[dims[-1]]
    for k in range(len(dims) - 2, -1, -1):
        if any(s[k] != s[k + 1] * shape[dims[k + 1]] for s in strides):
            break
        run *= shape[dims[k]]
    return run


_maximum, _minimum = _extremum(np.maximum), _extremum(np.minimum)


# A derivative formula computing with a number calls the Scalar overload (mul.Scalar...): those
# record MulBackward1, AddBackward1... (ops.apply picks these rows while a formula runs)
defop("add_scalar", "AddBackward1", lambda x, other: np.add(x, other),
      lambda F, g, r, x, other: g, saves=False, sympy=lambda sp, x, other: x + other,
      formula="d(x+c)/dx = 1", gradcheck=(sample((2, 3), other=2.5),))
defop("sub_scalar", "SubBackward1", lambda x, other: np.subtract(x, other),
      lambda F, g, r, x, other: g, saves=False, sympy=lambda sp, x, other: x - other,
      formula="d(x-c)/dx = 1", gradcheck=(sample((2, 3), other=2.5),))
defop("mul_scalar", "MulBackward1", lambda x, other: np.multiply(x, other),
      lambda F, g, r, x, other: g * other, saves=False, sympy=lambda sp, x, other: x * other,
      formula="d(x*c)/dx = c", gradcheck=(sample((2, 3), other=2.5),))
defop("div_scalar", "DivBackward1", lambda x, other: np.true_divide(x, other),
      lambda F, g, r, x, other: g / other, saves=False, sympy=lambda sp, x, other: x / other,
      formula="d(x/c)/dx = 1/c", gradcheck=(sample((2, 3), other=2.5),))
SCALAR_FORMS = {TABLE[name]: TABLE[name + "_scalar"] for name in ("add", "sub", "mul", "div")}


defop("maximum", "MaximumBackward0", _maximum,
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a < b),
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a > b),
      promote=PROMOTE_BINARY, sympy=lambda sp, a, b: sp.Max(a, b),
      formula="d max(a,b)/da = [a>b] (+1/2 on ties)", gradcheck=binary_samples(domain="distinct"),
      last_input_first=True)
defop("minimum", "MinimumBackward0", _minimum,
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a > b),
      lambda F, g, r, a, b: F.masked_fill(F.where(a == b, g / 2, g), mask=a < b),
      promote=PROMOTE_BINARY, sympy=lambda sp, a, b: sp.Min(a, b),
      formula="d min(a,b)/da = [a<b] (+1/2 on ties)", gradcheck=binary_samples(domain="distinct"),
      last_input_first=True)


# ----- Floor division and remainders -----
# PyTorch's kernels: Python's floor and sign-of-divisor remainder (c10::div_floor_floating,
# remainder's fmod-then-fix), C's truncation for fmod; integer division by zero is an error.
def _division(integer_form):
    """A division kernel: ``integer_form`` for integers (a zero divisor is an error there),
    the decorated floating form otherwise (inf and nan, without numpy's warnings)."""
    def decorate(float_form):
        def forward(a, b):
            if np.result_type(a, b).kind != "f":
                if not np.all(b):
                    raise TorchError("ZeroDivisionError")
                return integer_form(a, b)
            with np.errstate(all="ignore"):
                return float_form(a, b)
        forward.__name__ = float_form.__name__
        return forward
    return decorate


@_division(np.floor_divide)
def _floor_divide_forward(a, b):
    mod = np.fmod(a, b)
    div = (a - mod) / b
    div = np.where((mod != 0) & ((b < 0) != (mod < 0)), div - 1, div)
    floordiv = np.floor(div)
    floordiv = np.where(div - floordiv > 0.5, floordiv + 1, floordiv)
    quotient = a / b
    floordiv = np.where(div == 0, np.copysign(np.zeros_like(div), quotient), floordiv)
    return np.where(b == 0, quotient, floordiv)


@_division(lambda a, b: (a - np.fmod(a, b)) // b)  # exact: C's truncation
def _trunc_divide_forward(a, b):
    return np.trunc(a / b)


@_division(np.remainder)
def _remainder_forward(a, b):
    mod = np.fmod(a, b)
    return np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)


_fmod_forward = _division(np.fmod)(np.fmod)


def not_implemented(name):
    """The rule of a node PyTorch records as NotImplemented: backward through it fails."""
    def rule(F, g, r, *inputs, **params):
        raise TorchError(f"derivative for aten::{name} is not implemented")
    rule.not_implemented = True
    return rule


def _zero_grads(F, g, r, a, b):
    return F.zeros_like(g)


# div(rounding_mode=...), which the remainders' formulas call: PyTorch gives it zero gradients
for _name, _forward, _rounding in (("div_floor", _floor_divide_forward, "floor"),
                                   ("div_trunc", _trunc_divide_forward, "trunc")):
    defop(_name, "DivBackward3", _forward, _zero_grads, lambda F, g, r, a, b: F.zeros_like(b),
          promote=PROMOTE_BINARY, formula=f"d {_rounding}(a/b) = 0 (almost everywhere)",
          gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),))
# div(..., rounding_mode=...) as a program calls it: the Tensor_mode overload, DivBackward2
# (with a number divisor too, which PyTorch wraps); rounding_mode=None divides as `/` does
for _name, _forward, _rounding in (("div_mode_floor", _floor_divide_forward, "floor"),
                                   ("div_mode_trunc", _trunc_divide_forward, "trunc")):
    defop(_name, "DivBackward2", _forward, _zero_grads, lambda F, g, r, a, b: F.zeros_like(b),
          saves=False, promote=PROMOTE_BINARY, formula=f"d {_rounding}(a/b) = 0 (almost everywhere)",
          gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),))
TABLE["div_mode"] = replace(TABLE["div"], name="div_mode", grad_fn_name="DivBackward2",
                            save_plans={}, gradcheck=TABLE["div"].gradcheck)
# floor_divide and a number's remainder by a tensor have no formula in derivatives.yaml
defop("floor_divide", "NotImplemented", _floor_divide_forward,
      not_implemented("floor_divide"), not_implemented("floor_divide"),
      saves=False, promote=PROMOTE_BINARY, formula="not differentiable in PyTorch",
      gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),))
defop("remainder_reflected", "NotImplemented", _remainder_forward,
      None, not_implemented("remainder"),
      saves=False, promote=PROMOTE_BINARY, formula="not differentiable in PyTorch",
      gradcheck=(sample((2, 3), (2, 3), domain=("any", "nonzero")),))


def _remainder_rows(name, grad_fn, forward, quotient, rounding):
    """A remainder's two overloads: by a tensor (``...Backward1``; the divisor's gradient is
    -grad * the rounded quotient, as derivatives.yaml) and by a number (``...Backward0``;
    functions.py casts x to the promoted dtype first)."""
    defop(name, grad_fn + "1", forward,
          lambda F, g, r, a, b: g,
          lambda F, g, r, a, b: -g * getattr(F, quotient)(a, b),
          promote=PROMOTE_BINARY, saved_inputs=((), (0, 1)),
          formula=f"d {name}(a,b)/da = 1, /db = -{rounding}(a/b)",
          gradcheck=(sample((2, 3), (2, 3), domain="distinct"),
                     sample((2, 3), (3,), domain="distinct")))
    defop(name + "_scalar", grad_fn + "0", lambda x, other: forward(x, other),
          lambda F, g, r, x, other: g,
          saves=False, formula=f"d {name}(x,c)/dx = 1",
          gradcheck=(sample((2, 3), domain="distinct", other=1.25), sample((), other=-0.75)))


_remainder_rows("remainder", "RemainderBackward", _remainder_forward, "div_floor", "floor")
_remainder_rows("fmod", "FmodBackward", _fmod_forward, "div_trunc", "trunc")


# ----- Powers -----
def _pow_scalar_forward(x, exponent):
    # PyTorch's pow kernel special-cases these exponents; numpy's generic pow can differ in the
    # last bit, so take the same paths.
    if x.dtype.kind in "iub":
        if isinstance(exponent, int) and exponent < 0:
            raise TorchError("Integers to negative integer powers are not allowed.")
        return np.power(x, exponent)
    if exponent == 2:
        return x * x
    if exponent == 3:
        return x * x * x
    if exponent == 0.5:
        return np.sqrt(x)
    if exponent == -0.5:
        return 1 / np.sqrt(x)
    if exponent == -1:
        return 1 / x
    if exponent == -2:
        return 1 / (x * x)
    return _sleef.pow_scalar(x, exponent)


def _pow_scalar_rule(F, g, r, x, exponent):
    if exponent == 0:
        return F.zeros_like(x)
    return g * (exponent * F.pow(x, exponent=exponent - 1))


def _pow_tensor_forward(x, p):
    return _sleef.pow_tensor(x, p)


def _pow_base_forward(exponent, base):
    # functions.pow has cast the exponent to the promoted dtype: integer when both are
    if exponent.dtype.kind in "iub":
        return _integer_power(np.asarray(base, dtype=exponent.dtype), exponent)
    return _sleef.pow_tensor(np.asarray(base, dtype=exponent.dtype), exponent)


def _integer_power(base, exponent):
    """PyTorch's powi: wrapping products; a negative exponent gives 1 for a base of 1, +-1
    for -1 and 0 for any other base (numpy refuses those)."""
    out = np.power(base, np.maximum(exponent, 0).astype(exponent.dtype))
    negative = exponent < 0
    if negative.any():
        odd = np.where(exponent % 2 == 0, 1, -1)
        small = np.where(base == 1, 1, np.where(base == -1, odd, 0))
        out = np.where(negative, small, out).astype(out.dtype)
    return out


def _pow_tensor_self_rule(F, g, r, x, p):
    if F.as_array(p).dtype == np.bool_:  # PyTorch's formula computes exponent - 1
        raise TorchError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                         "you are trying to invert a mask, use the `~` or `logical_not()` operator "
                         "instead.")
    return F.where(p == 0.0, F.zeros_like(g), g * (p * F.pow_tensor(x, p - 1)))


def _pow_base_rule(F, g, r, exponent, base):
    if base == 0:
        return g * F.where(exponent >= 0, F.zeros_like(r), r * math.log(base) if base > 0 else r)
    return g * (r * math.log(base))


defop("pow", "PowBackward0", _pow_scalar_forward,
      _pow_scalar_rule,
      promote=PROMOTE_NONE, sympy=lambda sp, x, exponent: x ** exponent,
      formula="d(x**n)/dx = n*x**(n-1)", gradcheck=(sample((2, 3), exponent=3), sample((2, 3), exponent=2), sample((4,), domain="positive", exponent=0.5),
                 sample((2, 3), domain="positive", exponent=-1.5), sample((3,), exponent=0)))
defop("pow_tensor", "PowBackward1", _pow_tensor_forward,
      _pow_tensor_self_rule,
      lambda F, g, r, x, p: g * F.where((x == 0) & (p >= 0), F.zeros_like(r), r * F.log(x)),
      saves_result=True, promote=PROMOTE_BINARY, sympy=lambda sp, x, p: x ** p,
      saved_inputs=((0, 1), (0, 1)),  # the exponent's rule reads p too (p >= 0), as PyTorch's
      arg_names=("self", "exponent"), formula="d(x**p)/dx = p*x**(p-1), d(x**p)/dp = x**p * log(x)", gradcheck=binary_samples(domain=("positive", "any")),
      last_input_first=True)
defop("pow_base", "PowBackward2", _pow_base_forward,
      _pow_base_rule,
      saves_result=True, promote=PROMOTE_NONE, sympy=lambda sp, p, base: base ** p,
      saved_inputs=((0,),), arg_names=("exponent",),
      formula="d(c**p)/dp = c**p * log(c)", gradcheck=(sample((2, 3), base=2.0), sample((3,), base=0.5)))


# ----- Unary elementwise -----
def _unary(name, grad_fn, forward, rule, sympy, formula, *, saves_result=False, saves=True,
           promote=PROMOTE_UNARY_FLOAT, domain=None):
    return defop(name, grad_fn, forward, rule, saves=saves, saves_result=saves_result,
                 promote=promote, sympy=sympy, formula=formula,
                 saved_inputs=((),) if saves_result else None,  # the rule reads only the result
                 gradcheck=unary_samples(domain or "any"))


def _rounded_from_double(ufunc):
    """float32 through float64: PyTorch's exp, log, sin... run MKL's VML (closed source, so not
    reproduced), within an ulp of the exact value; this agrees ~99% of the time, numpy's own
    float32 kernels only ~60%.  (gradcli/_sleef.py: which op computes with what.)"""
    def forward(x):
        if x.dtype.char == "f":  # float32; half the cost of comparing with np.float32
            return ufunc(x.astype(np.float64)).astype(np.float32)
        return ufunc(x)
    forward.__name__ = ufunc.__name__
    return forward


_exp, _log = _sleef.exp, _sleef.log  # Vectorized<T>::exp/log: the softmax kernels' SLEEF


def _relu(x):
    # clamp_min(x, 0): x itself on a tie (relu(-0.) is -0.); numpy's maximum returns its second
    return np.maximum(np.zeros((), dtype=x.dtype), x)


def _sgn(x):
    return np.sign(x)


_unary("neg", "NegBackward0", np.negative, lambda F, g, r, x: -g,
       lambda sp, x: -x, "d(-x)/dx = -1", saves=False, promote=PROMOTE_NONE)
_unary("exp", "ExpBackward0", _rounded_from_double(np.exp), lambda F, g, r, x: g * r,
       lambda sp, x: sp.exp(x), "d exp(x)/dx = exp(x)", saves_result=True)
_unary("log", "LogBackward0", _rounded_from_double(np.log), lambda F, g, r, x: g / x,
       lambda sp, x: sp.log(x), "d log(x)/dx = 1/x", domain="positive")
_unary("sin", "SinBackward0", _rounded_from_double(np.sin), lambda F, g, r, x: g * F.cos(x),
       lambda sp, x: sp.sin(x), "d sin(x)/dx = cos(x)")
_unary("cos", "CosBackward0", _rounded_from_double(np.cos), lambda F, g, r, x: g * -F.sin(x),
       lambda sp, x: sp.cos(x), "d cos(x)/dx = -sin(x)")
_unary("tan", "TanBackward0", _rounded_from_double(np.tan), lambda F, g, r, x: g * (1 + F.pow(r, exponent=2)),
       lambda sp, x: sp.tan(x), "d tan(x)/dx = 1 + tan(x)**2", saves_result=True)
_unary("tanh", "TanhBackward0", _rounded_from_double(np.tanh),
       lambda F, g, r, x: F.tanh_backward(g, r),
       lambda sp, x: sp.tanh(x), "d tanh(x)/dx = 1 - tanh(x)**2", saves_result=True)
_unary("sigmoid", "SigmoidBackward0", _sleef.sigmoid,
       lambda F, g, r, x: F.sigmoid_backward(g, r),
       lambda sp, x: 1 / (1 + sp.exp(-x)), "d sigmoid(x)/dx = sigmoid(x)*(1 - sigmoid(x))",
       saves_result=True)
# derivatives.yaml: tanh_backward and sigmoid_backward, whose own derivatives a second backward
# records
defop("tanh_backward", "TanhBackwardBackward0",  # PyTorch's kernel fuses 1 - y * y
      lambda g, y: g * _fma(-y, y, np.ones((), dtype=np.result_type(y))),
      lambda F, g, r, grad_output, y: F.tanh_backward(g, y),
      lambda F, g, r, grad_output, y: g * (-2 * y * grad_output),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"),
      formula="d g*(1 - y**2)/dg = 1 - y**2, /dy = -2*y*g",
      gradcheck=(sample((2, 3), (2, 3)), sample((3,), (2, 3))))
defop("sigmoid_backward", "SigmoidBackwardBackward0", lambda g, y: g * (1 - y) * y,
      lambda F, g, r, grad_output, y: F.sigmoid_backward(g, y),
      lambda F, g, r, grad_output, y: g * grad_output * (-2 * y + 1),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"),
      formula="d g*(1 - y)*y/dg = (1 - y)*y, /dy = g*(1 - 2*y)",
      gradcheck=(sample((2, 3), (2, 3)), sample((3,), (2, 3))))
_unary("relu", "ReluBackward0", _relu,
       lambda F, g, r, x: F.threshold_backward(g, r, threshold=0),
       lambda sp, x: sp.Max(x, 0), "d relu(x)/dx = [x > 0]", saves_result=True,
       promote=PROMOTE_NONE, domain="nonzero")
defop("threshold_backward", "ThresholdBackwardBackward0",  # relu's rule, differentiable again
      lambda g, x, threshold: np.where(x <= threshold, np.zeros((), dtype=g.dtype), g),
      lambda F, g, r, grad_output, x, threshold: F.threshold_backward(g, x, threshold=threshold),
      lambda F, g, r, grad_output, x, threshold: F.zeros_like(g),
      saves=True, saved_inputs=((1,), ()), promote=PROMOTE_BINARY,
      arg_names=("grad_output", "self"), formula="d threshold_backward(g, x)/dg = [x > t]",
      gradcheck=(sample((2, 3), (2, 3), domain="nonzero", threshold=0),
                 sample((3,), (2, 3), domain="nonzero", threshold=0.1)))
_unary("sqrt", "SqrtBackward0", np.sqrt, lambda F, g, r, x: g / (2 * r),
       lambda sp, x: sp.sqrt(x), "d sqrt(x)/dx = 1/(2*sqrt(x))", saves_result=True,
       domain="positive")
def _abs(x):
    if x.dtype == np.bool_:
        raise TorchError('"abs_cpu" not implemented for \'Bool\'', kind="NotImplementedError")
    return np.abs(x)


_unary("abs", "AbsBackward0", _abs, lambda F, g, r, x: g * F.sgn(x),
       lambda sp, x: sp.Abs(x), "d|x|/dx = sign(x)", promote=PROMOTE_NONE, domain="nonzero")
_unary("reciprocal", "ReciprocalBackward0", lambda x: 1 / x,
       lambda F, g, r, x: -g * (r * r),
       lambda sp, x: 1 / x, "d(1/x)/dx = -1/x**2", saves_result=True, domain="nonzero")
defop("sgn", "SgnBackward0", _sgn, lambda F, g, r, x: F.zeros_like(g),
      promote=PROMOTE_NONE, sympy=lambda sp, x: sp.sign(x), formula="d sign(x)/dx = 0",
      gradcheck=(sample((2, 3), domain="nonzero"),))
defop("sign", "SignBackward0", _sgn, lambda F, g, r, x: F.zeros_like(g),
      saves=False, promote=PROMOTE_NONE, sympy=lambda sp, x: sp.sign(x),
      formula="d sign(x)/dx = 0", gradcheck=(sample((2, 3), domain="nonzero"),))


# ----- What in-place writes record (the op the in-place method rebases history onto) -----
defop("zero", "ZeroBackward0", np.zeros_like, lambda F, g, r, x: F.zeros_like(g),
      saves=False, formula="x.zero_(): no gradient flows back", gradcheck=unary_samples())
defop("fill", "FillBackward2", lambda x, value: np.full_like(x, value),
      lambda F, g, r, x, value: F.zeros_like(g),
      saves=False, formula="x.fill_(v): no gradient flows back to x",
      gradcheck=(sample((2, 3), value=0.5),))
defop("copy", "CopyBackwards", lambda x, src: np.broadcast_to(src, x.shape).astype(x.dtype),
      lambda F, g, r, x, src: F.zeros_like(g),
      lambda F, g, r, x, src: g,
      saves=False, formula="x.copy_(src): the gradient goes to src",
      gradcheck=(sample((2, 3), (2, 3)), sample((2, 3), (3,))))


def _clamp_forward(x, min=None, max=None):
    out = x  # bounds first: PyTorch's clamp keeps x on a tie (clamp(-0., min=0) is -0.)
    if min is not None:
        out = np.maximum(np.asarray(min, dtype=x.dtype), out)
    if max is not None:
        out = np.minimum(np.asarray(max, dtype=x.dtype), out)
    return out if out is not x else x.copy()


def _clamp_rule(F, g, r, x, min=None, max=None):
    if min is not None and max is not None:
        return F.where((x >= min) & (x <= max), g, F.zeros_like(g))
    if min is not None:
        return F.where(x >= min, g, F.zeros_like(g))
    return F.where(x <= max, g, F.zeros_like(g))


def _clamp_sympy(sp, x, min=None, max=None):
    if min is not None:
        x = sp.Max(x, min)
    if max is not None:
        x = sp.Min(x, max)
    return x


_CLAMP_SAMPLES = {
    "clamp": (sample((2, 3), domain="distinct", min=-0.5, max=0.5),
              sample((4,), domain="distinct", min=0.0), sample((4,), domain="distinct", max=0.2)),
    "clamp_min": (sample((2, 3), domain="distinct", min=-0.1), sample((), domain="distinct", min=0.0)),
    "clamp_max": (sample((2, 3), domain="distinct", max=0.2), sample((), domain="distinct", max=0.0)),
}
for _name, _grad_fn in (("clamp", "ClampBackward1"), ("clamp_min", "ClampMinBackward0"),
                        ("clamp_max", "ClampMaxBackward0")):
    defop(_name, _grad_fn, _clamp_forward, _clamp_rule, sympy=_clamp_sympy,
          formula="d clamp(x)/dx = [min <= x <= max]", gradcheck=_CLAMP_SAMPLES[_name])



# clamp.Tensor: tensor bounds (either may be None), one ClampBackward0 node with three inputs;
# the bounds' gradients are clamp_backward_min_max's (a tie goes to x, not shared as maximum's)
def _clamp_tensor_forward(x, min, max):
    out = x
    if min is not None:
        out = _maximum(out, min)
    if max is not None:
        out = _minimum(out, max)
    return out


def _clamp_min_rule(F, g, r, x, min, max):
    below = x < min if max is None else (x < min) & (min < max)
    return F.where(below, g, F.zeros_like(g))


def _clamp_max_rule(F, g, r, x, min, max):
    above = x > max if min is None else (x > max) | (max < min)
    return F.where(above, g, F.zeros_like(g))


defop("clamp_tensor", "ClampBackward0", _clamp_tensor_forward,
      lambda F, g, r, x, min, max: _clamp_rule(F, g, r, x, min, max),
      _clamp_min_rule, _clamp_max_rule,
      sympy=lambda sp, x, min, max: _clamp_sympy(sp, x, min, max), arg_names=("self", "min", "max"),
      formula="d clamp(x,lo,hi)/dx = [lo <= x <= hi], /dlo = [x < lo < hi], /dhi = [x > hi or hi < lo]",
      gradcheck=(sample((2, 3), (2, 3), (2, 3), domain="distinct"),
                 sample((2, 3), (3,), (2, 1), domain="distinct")))

def _where_forward(a, b, condition):
    return np.where(condition, a, b)


defop("where", "WhereBackward0", _where_forward,
      lambda F, g, r, a, b, condition: F.where(condition, g, F.zeros_like(g)),
      lambda F, g, r, a, b, condition: F.where(condition, F.zeros_like(g), g),
      saves=False, promote=PROMOTE_BINARY,
      sympy=on_arrays(lambda sp, a, b, condition: np.where(condition, a, b)),
      formula="d where(c,a,b)/da = [c], /db = [not c]", gradcheck=(sample((2, 3), (2, 3), condition=MASK_2x3), sample((2, 3), (3,), condition=MASK_2x3),
                 sample((3,), (2, 3), condition=MASK_2x3)),
      last_input_first=True)


# ----- Softmax -----
# Along the last dim PyTorch's softmax kernels sum with vec::reduce_all: one vector of lanes
# accumulated a vector at a time, the lanes then combined (a shuffle tree for float32, in order
# for float64), and for fewer elements than lanes simply left to right from the first.
_SOFTMAX_LANES = {np.dtype(np.float32): 16, np.dtype(np.float64): 8}  # AVX512 Vectorized<T>


def _lastdim_sum(x, tail_factors=None):
    """vec::reduce_all(+) along the last axis, keeping it (size 1).  With ``tail_factors``
    (a, b), x is a * b and the last partial vector is added by fused multiply-adds."""
    n, lanes = x.shape[-1], _SOFTMAX_LANES.get(x.dtype, 1)
    if n < lanes or n == 0:
        return _left_to_right(x, n)
    full = n - n % lanes
    acc = x[..., :lanes].copy()
    for start in range(lanes, full, lanes):
        acc += x[..., start:start + lanes]
    if tail_factors is None:
        acc[..., :n - full] += x[..., full:]
    elif n > full:
        a, b = tail_factors
        acc[..., :n - full] = _fma(a[..., full:], b[..., full:], acc[..., :n - full])
    if lanes == 16:  # float32: each step adds the lane `shift` away (i ^ shift)
        for shift in (8, 4, 2, 1):
            acc = acc + acc[..., np.arange(lanes) ^ shift]
        return acc[..., :1]
    return _left_to_right(acc, lanes)


def _left_to_right(x, n):
    total = x[..., :1].copy()
    for i in range(1, n):
        total += x[..., i:i + 1]
    return total


def _is_last(x, dim) -> bool:
    return x.ndim == 0 or dim % x.ndim == x.ndim - 1


def _softmax_forward(x, dim):
    if not _is_last(x, dim):
        return _sleef.softmax_inner(x, dim)  # PyTorch's kernel divides for an inner dim...
    shifted = _exp(x - np.max(x, axis=dim, keepdims=True))
    return shifted * (1 / _lastdim_sum(shifted))  # ...and multiplies by the reciprocal here


def _log_softmax_forward(x, dim):
    if not _is_last(x, dim):
        return _sleef.log_softmax_inner(x, dim)
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - _log(_lastdim_sum(_exp(shifted)))


def _fma(a, b, c):
    """a * b + c rounded once, as the fused multiply-adds of PyTorch's vectorized kernels."""
    dtype = np.result_type(a, b, c)
    if dtype in (np.float32, np.float64):
        return _sleef.fma(a, b, c)
    return (np.asarray(a, np.float64) * b + c).astype(dtype)  # float16: through float64


def _softmax_backward_forward(g, r, dim):
    g, r = np.broadcast_arrays(g, r)
    if r.ndim == 0:
        return (g - g * r) * r
    if _is_last(r, dim):
        # measured: torch's float32 build fuses map2_reduce_all's last partial step for a
        # single row only (float64, and two rows or more, add the rounded products)
        one_row = r.dtype == np.float32 and r.size == r.shape[-1]
        return (g - _lastdim_sum(g * r, (g, r) if one_row else None)) * r
    # an inner dim: one fused multiply-add per step along it, from zero
    total = np.zeros(np.sum(r, axis=dim, keepdims=True).shape, dtype=r.dtype)
    for i in range(r.shape[dim]):
        pick = (slice(None),) * (dim % r.ndim) + (slice(i, i + 1),)
        total = _fma(g[pick], r[pick], total)
    return r * (g - total)


def _log_softmax_backward_forward(g, r, dim):
    g, r = np.broadcast_arrays(g, r)
    if r.ndim == 0:
        total = g
    elif _is_last(r, dim):
        total = _lastdim_sum(g)
    else:
        return _sleef.log_softmax_backward_inner(g, r, dim)
    return _fma(-_exp(r), total, g)


# derivatives.yaml: _softmax_backward_data and _log_softmax_backward_data, so that their own
# derivatives (a second backward) record the nodes PyTorch records
defop("softmax_backward_data", "SoftmaxBackwardDataBackward0", _softmax_backward_forward,
      lambda F, g, r, grad_output, output, dim: F.softmax_backward_data(g, output, dim=dim),
      lambda F, g, r, grad_output, output, dim:  # softmax_double_backward
          grad_output * g - F.sum(output * grad_output, dim=dim, keepdim=True) * g
          - grad_output * F.sum(output * g, dim=dim, keepdim=True),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"), formula="d (s*(g - sum(g*s)))", gradcheck=(
          sample((2, 3), (2, 3), dim=1), sample((2, 3), (2, 3), dim=0), sample((4,), (4,), dim=0)))
defop("log_softmax_backward_data", "LogSoftmaxBackwardDataBackward0",
      _log_softmax_backward_forward,
      lambda F, g, r, grad_output, output, dim:
          g - F.sum(g * F.exp(output), dim=dim, keepdim=True),
      lambda F, g, r, grad_output, output, dim:
          -F.sum(grad_output, dim=dim, keepdim=True) * F.exp(output) * g,
      promote=PROMOTE_BINARY, arg_names=("grad_output", "output"), formula="d (g - exp(o)*sum(g))", gradcheck=(
          sample((2, 3), (2, 3), dim=1), sample((2, 3), (2, 3), dim=0), sample((4,), (4,), dim=0)))
defop("softmax", "SoftmaxBackward0", _softmax_forward,
      lambda F, g, r, x, dim: F.softmax_backward_data(g, r, dim=dim),
      saves_result=True, promote=PROMOTE_UNARY_FLOAT, sympy=on_arrays(_sympy_softmax),
      formula="d softmax(x)_i/dx_j = s_i*([i=j] - s_j)", saved_inputs=((),), gradcheck=(sample((2, 3), dim=1), sample((2, 3), dim=0), sample((4,), dim=0)))
defop("log_softmax", "LogSoftmaxBackward0", _log_softmax_forward,
      lambda F, g, r, x, dim: F.log_softmax_backward_data(g, r, dim=dim),
      saves_result=True, promote=PROMOTE_UNARY_FLOAT, sympy=on_arrays(_sympy_log_softmax),
      formula="d log_softmax(x)_i/dx_j = [i=j] - softmax(x)_j", saved_inputs=((),),
      gradcheck=(sample((2, 3), dim=1), sample((2, 3), dim=0), sample((4,), dim=0)))


# ----- Losses -----
def _mse_loss_forward(a, b, reduction="mean"):
    difference = a - b
    loss = difference * difference
    if reduction == "none":
        return loss
    total = torch_sum(loss, axis=tuple(range(loss.ndim)), keepdims=False)
    return total / loss.size if reduction == "mean" else total


def _mse_loss_backward_forward(g, a, b, reduction="mean"):
    # PyTorch's mse_backward kernel: norm * (input - target) * grad
    count = _reduced_count(np.broadcast_shapes(a.shape, b.shape), None)
    norm = (2.0 / count if count else math.inf) if reduction == "mean" else 2.0
    return norm * (a - b) * g


def _mse_double_backward(F, g, x, reduction):
    grad = 2 * g
    return grad / _reduced_count(x.shape, None) if reduction == "mean" else grad


defop("mse_loss_backward", "MseLossBackwardBackward0", _mse_loss_backward_forward,
      lambda F, g, r, grad_output, a, b, reduction="mean":
          F.mse_loss_backward(g, a, b, reduction=reduction),
      lambda F, g, r, grad_output, a, b, reduction="mean":
          _mse_double_backward(F, g * grad_output, a, reduction),
      lambda F, g, r, grad_output, a, b, reduction="mean":
          -_mse_double_backward(F, g * grad_output, b, reduction),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "self", "target"),
      formula="d norm*(a-b)*g", gradcheck=(sample((), (2, 3), (2, 3)),
                                           sample((2, 3), (2, 3), (2, 3), reduction="none")))
defop("mse_loss", "MseLossBackward0", _mse_loss_forward,
      lambda F, g, r, a, b, reduction="mean": F.mse_loss_backward(g, a, b, reduction=reduction),
      lambda F, g, r, a, b, reduction="mean": F.mse_loss_backward(g, b, a, reduction=reduction),
      promote=PROMOTE_BINARY, arg_names=("self", "target"),
      formula="d mean((a-b)**2)/da = 2*(a-b)/n", gradcheck=(
          sample((2, 3), (2, 3)), sample((2, 3), (3,), reduction="sum"),
          sample((3,), (3,), reduction="none")))


# ----- Reductions -----
def _mean_forward(x, dim=None, keepdim=False):
    if x.dtype.kind not in "fO":  # object: sympy expressions in `gradcli check`
        raise TorchError("mean(): could not infer output dtype. Input dtype must be either a "
                         f"floating point or complex dtype. Got: {_scalar_type_name(x.dtype)}")
    total = torch_sum(x, axis=_dims(dim, x.ndim), keepdims=keepdim)
    return total / _reduced_count(x.shape, dim)


def _scalar_type_name(np_dtype) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np_dtype.name, np_dtype.name)


def _prod_forward(x, dim=None, keepdim=False):
    dtype = np.int64 if x.dtype.kind in "biu" else x.dtype
    return np.prod(x, axis=_dims(dim, x.ndim), keepdims=keepdim, dtype=dtype)


def _prod_rule(F, g, r, x, dim=None, keepdim=False):
    if len(x.shape) == 0:
        return g  # PyTorch returns the incoming gradient itself for a 0-d input
    g = _restore_dims(F, g, x.shape, dim, keepdim)
    r = _restore_dims(F, r, x.shape, dim, keepdim)
    zeros = int((F.as_array(x) == 0).sum())
    if not zeros:
        return g * (r / x)
    if dim is None and zeros > 1 and F is NP:
        return np.zeros(x.shape, dtype=x.dtype)  # PyTorch's shortcut outside grad mode
    if F is NP:
        return g * _prod_without_self(x, dim)
    grad = g * _prod_without_self_recorded(F, x, dim)
    # PyTorch works on the input viewed flat and views the gradient back (ViewBackward0)
    return F.view(grad, shape=tuple(x.shape)) if dim is None else grad


def _prod_without_self_recorded(F, x, dim):
    """``_prod_without_self`` as recorded ops, so create_graph can differentiate it again: each
    element's group copied with that element set to 1, then multiplied out.  Quadratic in the
    group's size, but it runs only for an input holding a zero under create_graph."""
    ndim = len(x.shape)
    axes = _dims(dim, ndim)
    order = tuple([d for d in range(ndim) if d not in axes] + list(axes))
    outer = tuple(x.shape[d] for d in order[:ndim - len(axes)])
    size = math.prod(x.shape[d] for d in axes)
    rows = F.reshape(F.permute(x, dims=order), shape=outer + (1, size))
    copies = F.expand(rows, shape=outer + (size, size))
    others = F.masked_fill(copies, mask=np.eye(size, dtype=bool), value=1.0)
    products = F.reshape(F.prod_dim(others, dim=-1), shape=tuple(x.shape[d] for d in order))
    return F.permute(products, dims=_inverse_permutation(order, ndim))


def _prod_without_self(x, dim):
    """Product of all the other elements of each reduced group (safe where x has zeros)."""
    axes = _dims(dim, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis((before * after).reshape(moved.shape),
                       tuple(range(x.ndim - len(axes), x.ndim)), axes)


defop("sum", "SumBackward0", lambda x: _sum_forward(x),
      lambda F, g, r, x: F.expand(g, shape=tuple(x.shape)),
      saves=False, formula="d sum(x)/dx_i = 1", gradcheck=unary_samples())
defop("sum_dim", "SumBackward1", _sum_forward,
      lambda F, g, r, x, dim, keepdim=False: _sum_backward(F, g, x.shape, dim, keepdim),
      saves=False, formula="d sum(x, dim)/dx_i = 1", gradcheck=dim_samples())
defop("mean", "MeanBackward0", lambda x: _mean_forward(x),
      lambda F, g, r, x: F.expand(g, shape=tuple(x.shape)) / _reduced_count(x.shape, None),
      saves=False, formula="d mean(x)/dx_i = 1/n", gradcheck=unary_samples())
defop("mean_dim", "MeanBackward1", _mean_forward,
      lambda F, g, r, x, dim, keepdim=False:
          _sum_backward(F, g, x.shape, dim, keepdim) / _reduced_count(x.shape, dim),
      saves=False, formula="d mean(x, dim)/dx_i = 1/n", gradcheck=dim_samples())
defop("prod", "ProdBackward0", lambda x: _prod_forward(x),
      lambda F, g, r, x: _prod_rule(F, g, r, x),
      saves_result=True, formula="d prod(x)/dx_i = prod(x)/x_i", gradcheck=unary_samples(domain="nonzero"))
defop("prod_dim", "ProdBackward1", _prod_forward, _prod_rule,
      saves_result=True, formula="d prod(x, dim)/dx_i = prod/x_i", gradcheck=(sample((2, 3), domain="nonzero", dim=1), sample((2, 3), domain="nonzero", dim=0, keepdim=True)))


def _extreme_forward(reduce):
    def forward(x):
        if x.size == 0:
            raise TorchError(f"{reduce.__name__}(): Expected reduction dim to be specified for "
                             "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        return reduce(x)
    return forward


def _evenly_distribute(F, g, r, x):
    mask = F.as_array(x) == F.as_array(r)
    count = np.asarray(mask.sum(), dtype=F.as_array(g).dtype)
    return F.masked_fill(F.zeros_like(x), mask=mask, value=g / F.constant(count, like=g))


defop("max", "MaxBackward1", _extreme_forward(np.max), _evenly_distribute,
      saves_result=True, formula="d max(x)/dx_i = [x_i = max]/count", gradcheck=(sample((2, 3), domain="distinct"), sample((4,), domain="distinct")))
defop("min", "MinBackward1", _extreme_forward(np.min), _evenly_distribute,
      saves_result=True, formula="d min(x)/dx_i = [x_i = min]/count", gradcheck=(sample((2, 3), domain="distinct"), sample((4,), domain="distinct")))


def extreme_indices(arg, x, dim):
    """argmax/argmin along ``dim``, the dim kept (what max(dim)/min(dim) return, and save)."""
    if not x.ndim:
        return np.asarray(0, dtype=np.int64)
    d = wrap_dim(dim, x.ndim)
    if x.shape[d] == 0:
        raise TorchError(f"{'max' if arg is np.argmax else 'min'}(): Expected reduction dim {d} to "
                         "have non-zero size.", kind="IndexError")
    return np.expand_dims(arg(x, axis=d), d).astype(np.int64)


def _selected_values_forward(x, dim, indices, keepdim=False):
    if not x.ndim:
        return x.copy()
    d = wrap_dim(dim, x.ndim)
    values = np.take_along_axis(x, indices, axis=d)
    return values if keepdim else np.squeeze(values, axis=d)


def _value_selecting_rule(F, g, r, x, dim, indices, keepdim=False):
    # value_selecting_reduction_backward: the gradient scattered into zeros at the indices
    # (PyTorch saves the indices, not the input: x here is only its shape)
    if not len(x.shape):
        return g
    g = _restore_dims(F, g, x.shape, dim, keepdim)
    zeros = F.constant(np.zeros(x.shape, dtype=F.as_array(g).dtype))
    return F.scatter(zeros, g, dim=wrap_dim(dim, len(x.shape)), index=indices)


def _extreme_samples(arg):
    at = lambda d: lambda x: extreme_indices(arg, x, d)  # noqa: E731 - a parameter of the draw
    return (sample((2, 3), domain="distinct", dim=1, indices=at(1)),
            sample((2, 3), domain="distinct", dim=0, keepdim=True, indices=at(0)))


defop("max_dim", "MaxBackward0", _selected_values_forward, _value_selecting_rule, saved_inputs=((),),
      formula="d max(x, dim)/dx_i = [i = argmax]", gradcheck=_extreme_samples(np.argmax))
defop("min_dim", "MinBackward0", _selected_values_forward, _value_selecting_rule, saved_inputs=((),),
      formula="d min(x, dim)/dx_i = [i = argmin]", gradcheck=_extreme_samples(np.argmin))


def _norm_forward(x, dim=None, keepdim=False):
    if x.dtype.kind != "f":
        raise TorchError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                         f"Got {_scalar_type_name(x.dtype)}")
    return np.sqrt(torch_sum(x * x, axis=_dims(dim, x.ndim), keepdims=keepdim))


def _norm_rule(F, g, r, x, dim=None, keepdim=False):
    # norm_backward for p = 2: grad * (self / norm).masked_fill_(norm == 0, 0)
    g = _restore_dims(F, g, x.shape, dim, keepdim)
    r = _restore_dims(F, r, x.shape, dim, keepdim)
    return g * F.masked_fill(x / r, mask=r == 0)


defop("norm", "LinalgVectorNormBackward0", _norm_forward, _norm_rule, saves_result=True,
      sympy=on_arrays(_sympy_norm), formula="d |x|/dx = x/|x|", gradcheck=(sample((2, 3), domain="nonzero"), sample((2, 3), domain="nonzero", dim=1, keepdim=True),
                 sample((2, 3, 2), domain="nonzero", dim=(0, 2))))


# ----- Linear algebra -----
def _check_mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise TorchError("self must be a matrix" if a.ndim != 2 else "mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise TorchError(f"mat1 and mat2 shapes cannot be multiplied "
                         f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    _check_same_dtype(a, b)
    Limits.check_elements((a.shape[0], b.shape[1]))
    return _matmul(a, b)


def _matmul(a, b):
    # mm with an inner size of 1 is one product per element in PyTorch (-0.0 stays); BLAS adds
    # it to a zero, which makes it 0.0 (bmm does too)
    return a * b if a.shape[1] == 1 else np.matmul(a, b)


def _check_same_dtype(a, b):
    if a.dtype != b.dtype:
        raise TorchError(f"expected m1 and m2 to have the same dtype, but got: "
                         f"{_C_TYPE_NAMES[a.dtype.name]} != {_C_TYPE_NAMES[b.dtype.name]}")
    _check_not_bool("addmm_impl_cpu_", a)


# the C++ names mm's dtype message uses
_C_TYPE_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double",
                 "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                 "uint8": "unsigned char", "bool": "bool"}


def _check_not_bool(kernel, a):
    if a.dtype == np.bool_:
        raise TorchError(f'"{kernel}" not implemented for \'Bool\'', kind="NotImplementedError")


def _mv_forward(a, v):
    # at::mv is addmv_(empty(mat.size(0), vec's dtype), mat, vec): the messages name that result
    if a.ndim == 0:
        raise TorchError("Dimension specified as 0 but tensor has no dimensions", kind="IndexError")
    if a.ndim != 2 or v.ndim != 1:
        raise TorchError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise TorchError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}),"
                         f" vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        raise TorchError(f"addmv input tensors must have the same dtype, but got "
                         f"{type_word(v.dtype)}, {type_word(a.dtype)}, and {type_word(v.dtype)}")
    _check_not_bool("addmv_impl_cpu", a)
    return np.matmul(a, v)


def _dot_forward(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise TorchError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise TorchError(f"dot : expected both vectors to have same dtype, but found "
                         f"{type_word(a.dtype)} and {type_word(b.dtype)}")
    if a.shape[0] != b.shape[0]:
        raise TorchError("inconsistent tensor size, expected tensor [{}] and src [{}] to have the "
                         "same number of elements, but got {} and {} elements respectively".format(
                             a.shape[0], b.shape[0], a.shape[0], b.shape[0]))
    _check_not_bool("dot", a)
    return np.dot(a, b)


def type_word(np_dtype) -> str:
    """PyTorch's ScalarType name of a dtype (Float, Double, Long...), as its messages print it."""
    return {"float16": "Half", "float32": "Float", "float64": "Double"}.get(
        np_dtype.name) or _scalar_type_name(np_dtype)


def _bmm_forward(a, b):
    for name, x in (("batch1", a), ("batch2", b)):
        if x.ndim != 3:
            raise TorchError(f"{name} must be a 3D tensor")
    if b.shape[0] != a.shape[0] or a.shape[-1] != b.shape[-2]:
        raise TorchError(f"Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{a.shape[0]}, {a.shape[-1]}] but got: [{b.shape[0]}, {b.shape[-2]}].")
    _check_not_bool("bmm", a)
    if a.dtype != b.dtype:
        raise TorchError(f"expected scalar type {type_word(a.dtype)} but found {type_word(b.dtype)}")
    return np.matmul(a, b)


def _mm_mat1_rule(F, g, r, a, b, layout=(False, False)):
    # mm_mat1_backward: a column-major mat1 gets its gradient column-major too
    return F.t(F.mm(b, F.t(g))) if layout[0] else F.mm(g, F.t(b))


def _mm_mat2_rule(F, g, r, a, b, layout=(False, False)):
    return F.t(F.mm(F.t(g), a)) if layout[1] else F.mm(F.t(a), g)


def column_major(array) -> bool:
    """mm's test of an operand's layout (strides (1, rows)), which picks its gradient's formula."""
    return array.ndim == 2 and array.strides == (array.itemsize, array.shape[0] * array.itemsize)


# layout: (mat1, mat2) column-major; given only when one is
defop("mm", "MmBackward0", lambda a, b, layout=None: _check_mm(a, b),
      _mm_mat1_rule, _mm_mat2_rule,
      saved_inputs=((1,), (0,)), arg_names=("self", "mat2"), formula="d(A@B)/dA = G@B^T, d(A@B)/dB = A^T@G",
      gradcheck=(sample((2, 3), (3, 4)), sample((1, 3), (3, 1))),
      last_input_first=True)
defop("mv", "MvBackward0", _mv_forward,
      lambda F, g, r, a, v: F.reshape(g, shape=(g.shape[0], 1)) * v,  # grad.ger(vec)
      lambda F, g, r, a, v: F.mv(F.t(a), g),
      saved_inputs=((1,), (0,)), arg_names=("self", "vec"), formula="d(A@v)/dA = g v^T, d(A@v)/dv = A^T g", gradcheck=(sample((2, 3), (3,)),))
defop("dot", "DotBackward0", _dot_forward,
      lambda F, g, r, a, b: g * b,
      lambda F, g, r, a, b: g * a,
      saved_inputs=((1,), (0,)), arg_names=("self", "tensor"), formula="d(a.b)/da = b", gradcheck=(sample((3,), (3,)),))
defop("bmm", "BmmBackward0", _bmm_forward,
      lambda F, g, r, a, b: F.bmm(g, F.transpose(b, dim0=-1, dim1=-2)),
      lambda F, g, r, a, b: F.bmm(F.transpose(a, dim0=-1, dim1=-2), g),
      saved_inputs=((1,), (0,)), arg_names=("self", "mat2"), formula="batched matmul", gradcheck=(sample((2, 2, 3), (2, 3, 2)),),
      last_input_first=True)


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
      view=True, saves=False, formula="reshaping: the gradient is reshaped back", gradcheck=(sample((2, 3), shape=(3, 2)), sample((6,), shape=(2, 1, 3))))
defop("unsafe_view", "UnsafeViewBackward0", _view_forward,
      lambda F, g, r, x, shape: F.reshape(g, shape=tuple(x.shape)),
      saves=False, formula="reshaping: the gradient is reshaped back", gradcheck=(sample((2, 3), shape=(3, 2)), sample((6,), shape=(2, 1, 3))))
defop("reshape", "ReshapeAliasBackward0", _view_forward,
      lambda F, g, r, x, shape: F.reshape(g, shape=tuple(x.shape)),
      view=True, saves=False, formula="reshaping: the gradient is reshaped back", gradcheck=(sample((2, 3), shape=(3, 2)), sample((6,), shape=(2, 1, 3))))
defop("t", "TBackward0", _t_forward,
      lambda F, g, r, x: F.t(g),
      view=True, saves=False, formula="transpose: the gradient is transposed back", gradcheck=(sample((2, 3)), sample((3,))))
defop("transpose", "TransposeBackward0", _transpose_forward,
      lambda F, g, r, x, dim0, dim1: F.transpose(g, dim0=dim0, dim1=dim1),
      view=True, saves=False, formula="transpose: the gradient is transposed back", gradcheck=(sample((2, 3, 4), dim0=0, dim1=2), sample((2, 3), dim0=-1, dim1=0)))
defop("permute", "PermuteBackward0", _permute_forward,
      lambda F, g, r, x, dims: F.permute(g, dims=_inverse_permutation(dims, x.ndim)),
      view=True, saves=False, formula="permute: the gradient is permuted back", gradcheck=(sample((2, 3, 4), dims=(2, 0, 1)), sample((2, 3), dims=(1, 0))))
defop("unsqueeze", "UnsqueezeBackward0", _unsqueeze_forward,
      lambda F, g, r, x, dim: F.squeeze_dim(g, dim=dim),
      view=True, saves=False, formula="unsqueeze: the gradient is squeezed back", gradcheck=(sample((2, 3), dim=1), sample((3,), dim=0)))
defop("squeeze", "SqueezeBackward0", _squeeze_forward,
      lambda F, g, r, x: _unsqueeze_to(F, g, tuple(x.shape), range(len(x.shape))),
      view=True, saves=False, formula="squeeze: the gradient is unsqueezed back", gradcheck=(sample((2, 1, 3)), sample((1, 1))))
defop("squeeze_dim", "SqueezeBackward1", _squeeze_forward,
      lambda F, g, r, x, dim: _unsqueeze_to(F, g, tuple(x.shape), _dims(dim, len(x.shape))),
      view=True, saves=False, formula="squeeze: the gradient is unsqueezed back", gradcheck=(sample((2, 1, 3), dim=1), sample((2, 3), dim=0)))
defop("squeeze_dim_", "SqueezeBackward4", _squeeze_forward,  # squeeze_(dim), as matmul uses it
      lambda F, g, r, x, dim: _unsqueeze_to(F, g, tuple(x.shape), _dims(dim, len(x.shape))),
      saves=False, formula="squeeze: the gradient is unsqueezed back", gradcheck=(sample((2, 1, 3), dim=1), sample((1, 3), dim=0)))
defop("expand", "ExpandBackward0", _expand_forward,
      lambda F, g, r, x, shape: F.sum_to(g, shape=tuple(x.shape)),
      view=True, saves=False, formula="expand: the gradient is summed over the copies", gradcheck=(sample((3, 1), shape=(2, 3, 4)), sample((3,), shape=(2, 3)), sample((2, 3), shape=(-1, 3))))
defop("sum_to", "SumToSizeBackward0", _sum_to,
      lambda F, g, r, x, shape: F.expand(g, shape=tuple(x.shape)),
      saves=False, formula="sum to size: the gradient is expanded back", gradcheck=(sample((2, 3), shape=(1, 3)), sample((2, 3), shape=(3,)), sample((2, 3, 4), shape=(3, 1))))
defop("alias", "AliasBackward0", lambda x: x.view(),  # x[...], x[:, :]: the same memory
      lambda F, g, r, x: g,
      view=True, saves=False, sympy=lambda sp, x: x, formula="d alias(x)/dx = 1", gradcheck=unary_samples())
# contiguous: clone(memory_format=torch.contiguous_format) (x.contiguous()); else, as PyTorch's
# preserve_format, a dense tensor keeps its layout (an expanded one does not)
defop("clone", "CloneBackward0",
      lambda x, contiguous=False: x.copy(order="C" if contiguous or 0 in x.strides else "K"),
      lambda F, g, r, x, contiguous=False: g,
      saves=False, sympy=lambda sp, x, contiguous=False: x, formula="d clone(x)/dx = 1",
      gradcheck=unary_samples())
defop("to_dtype", "ToCopyBackward0", lambda x, dtype: x.astype(dtype),
      lambda F, g, r, x, dtype: F.to_dtype(g, dtype=x.array.dtype if type(x) is Tensor else x.dtype),
      saves=False, sympy=lambda sp, x, dtype: x, formula="d x.to(dtype)/dx = 1",
      gradcheck=(sample((2, 3), dtype=np.dtype(np.float64)),))


def _cat_forward(*arrays, dim=0):
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
                  gradcheck=(sample((2, 3), (1, 3), dim=0), sample((2, 1), (2, 2), dim=1), sample((3,), (0,), (2,), dim=0)))
TABLE["stack"] = Op("stack", "StackBackward0", _stack_forward, backward_all=_stack_rule,
                    saves=False, formula="stack: each input gets its slice of the gradient",
                    gradcheck=(sample((2, 3), (2, 3), dim=1), sample((3,), (3,), dim=0)))


# ----- Indexing -----
def _select_forward(x, dim, index):
    d = wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if not -size <= index < size:
        raise TorchError(f"index {index} is out of bounds for dimension {d} with size {size}",
                         kind="IndexError")
    return x[(slice(None),) * d + (index, Ellipsis)]  # a view, even when 0-d


def _select_backward_forward(g, shape, dim, index):
    out = np.zeros(shape, dtype=g.dtype)
    out[(slice(None),) * dim + (index,)] = g
    return out


def _slice_forward(x, dim, start, stop, step):
    return x[(slice(None),) * dim + (slice(start, stop, step),)]


def _slice_backward_forward(g, shape, dim, start, stop, step):
    out = np.zeros(shape, dtype=g.dtype)
    out[(slice(None),) * dim + (slice(start, stop, step),)] = g
    return out


def indexable(x, index):
    """``x`` as ``index`` indexes it: numpy indexes no 0-d array with integer arrays, so the
    positions of a 0-d base's views (``(positions,)``) index it as a 1-element array.  (A
    program's index on a 0-d tensor is never a 1-tuple: one part is passed bare.)"""
    return x.reshape(1) if x.ndim == 0 and type(index) is tuple and len(index) == 1 else x


def _index_forward(x, index):
    out = indexable(x, index)[index]  # PyTorch's index result is contiguous (0-d for all ints)
    return np.ascontiguousarray(out) if np.ndim(out) else np.array(out)


def _index_put_impl_forward(x, values, index):
    out = np.array(x)  # (an array, where x may be a numpy scalar)
    np.add.at(indexable(out, index), index, values)
    return out


def _index_backward(F, g, x, index):
    """index_backward: zeros of x's shape, the gradient added at the indexed positions."""
    zeros = F.constant(np.zeros(x.shape, dtype=F.as_array(g).dtype))
    return F.index_put_impl(zeros, g, index=index)


defop("select", "SelectBackward0", _select_forward,
      lambda F, g, r, x, dim, index: F.select_backward(g, shape=tuple(x.shape), dim=dim % len(x.shape),
                                                       index=index),
      view=True, saves=False, formula="select: the gradient goes back to the selected row", gradcheck=(sample((2, 3), dim=0, index=1), sample((2, 3), dim=1, index=-1)))
# iterating a tensor unbinds it: PyTorch's one node of several outputs is a node per output
defop("unbind", "UnbindBackward0", _select_forward, TABLE["select"].backward[0],
      view=True, saves=False, output_nr="index",
      formula="unbind: each part's gradient goes back to its row",
      gradcheck=(sample((2, 3), dim=0, index=1),))
defop("select_backward", "SelectBackwardBackward0", _select_backward_forward,
      lambda F, g, r, x, shape, dim, index: F.select(g, dim=dim, index=index),
      saves=False, formula="scatter into zeros", gradcheck=(sample((3,), shape=(2, 3), dim=0, index=1),))
defop("slice", "SliceBackward0", _slice_forward,
      lambda F, g, r, x, dim, start, stop, step:
          F.slice_backward(g, shape=tuple(x.shape), dim=dim, start=start, stop=stop, step=step),
      view=True, saves=False, formula="slice: the gradient goes back to the sliced positions",
      gradcheck=(sample((4, 3), dim=0, start=1, stop=3, step=1), sample((2, 5), dim=1, start=0, stop=5, step=2)))
defop("slice_backward", "SliceBackwardBackward0", _slice_backward_forward,
      lambda F, g, r, x, shape, dim, start, stop, step:
          F.slice(g, dim=dim, start=start, stop=stop, step=step),
      saves=False, formula="scatter into zeros", gradcheck=(sample((2, 3), shape=(4, 3), dim=0, start=1, stop=3, step=1),))
defop("index", "IndexBackward0", _index_forward,
      lambda F, g, r, x, index: _index_backward(F, g, x, index),
      saves=False, formula="index: gradients are added back at the indexed positions",
      gradcheck=(sample((2, 3), index=MASK_2x3), sample((4,), index=np.array([0, 2, 2])),
                 sample((3, 4), index=(np.array([0, 2]), np.array([1, 3])))))
defop("index_put_impl", "IndexPutImplBackward0", _index_put_impl_forward,  # accumulate=True
      lambda F, g, r, x, values, index: g,
      lambda F, g, r, x, values, index: F.index(g, index=index),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "values"),
      formula="scatter-add: the values' gradient is gathered back",
      gradcheck=(sample((4,), (3,), index=np.array([0, 2, 2])),))


def _index_put_forward(x, values, index):
    out = np.array(x)
    indexable(out, index)[index] = values
    return out


def _index_put_rule(F, g, r, x, v, index):
    return F.index_put(g, F.zeros_like(v) if hasattr(v, "shape") else 0.0, index=index)


def _index_put_value_rule(F, g, r, x, v, index):
    return F.index(g, index=index)


defop("index_put", "IndexPutBackward0", _index_put_forward, _index_put_rule, _index_put_value_rule,
      saves=False, promote=PROMOTE_NONE, formula="assignment: overwritten positions get no gradient",
      gradcheck=(sample((2, 3), (3,), index=MASK_2x3), sample((2, 3), (), index=MASK_2x3)))
def _as_strided_rule(F, g, r, x, index):
    if F is T:
        return _as_strided_recorded(g, tuple(x.shape), index)
    return _index_backward(F, g, x, index)


def _as_strided_recorded(g, shape, index):
    """as_strided_backward with create_graph, in PyTorch's steps: the view's size-1 dims
    squeezed and its expanded dims summed (last dim first), the gradient copied into a zero
    storage through a view (CopySlices), the storage viewed as the input (AsStridedBackward0)."""
    if 0 in g.array.shape:
        return Tensor(np.zeros(shape, dtype=g.array.dtype))
    flat = np.ravel_multi_index(index, shape) if shape else index[0]
    for dim in reversed(range(flat.ndim)):
        if flat.shape[dim] == 1:
            g = apply(TABLE["squeeze_dim"], g, dim=dim)
        elif not np.diff(flat, axis=dim).any():  # stride 0: an expanded dim
            g = apply(TABLE["sum_dim"], g, dim=dim, keepdim=False)
        else:
            continue
        flat = np.take(flat, 0, axis=dim)
    positions = np.unravel_index(flat, shape) if shape else (flat,)
    storage = np.zeros(shape, dtype=g.array.dtype)
    indexable(storage, positions)[positions] = g.array
    written = apply(TABLE["copy"], Tensor(np.zeros_like(g.array)), g)
    if written.grad_fn is None:
        return Tensor(storage)
    node = copy_slices(Tensor(storage), written.grad_fn, positions, False, storage)
    return apply(TABLE["as_strided"], Tensor(storage, True, node), index=tuple(np.indices(shape)))


defop("as_strided", "AsStridedBackward0", _index_forward,  # a view written through in place
      _as_strided_rule,
      saves=False, formula="as_strided: the gradient goes back to the viewed positions",
      gradcheck=(sample((2, 3), index=(np.array([[0, 1], [0, 1]]), np.array([[2, 2], [0, 1]]))),))


# ----- CopySlices: an in-place op on a view, seen from the view's base -----
# PyTorch records the in-place op's node (``fn``: MulBackward0 for v.mul_(2)...) as usual, then
# hides it in the base's new CopySlices node: that node's inputs are the base and fn's inputs
# after the first, and its backward runs fn on the gradient of the view's positions.
OVERLAP_ERROR = ("unsupported operation: more than one element of the written-to tensor refers "
                 "to a single memory location. Please clone() the tensor before performing the "
                 "operation.")


def _copy_slices_forward(base, *others, index, fn, overlap=False):
    out = np.array(base)
    indexable(out, index)[index] = fn.op.forward(indexable(base, index)[index], *others,
                                                 **fn.params)
    return out


def _copy_slices_rule(F, g, r, base, *others, index, fn, overlap=False):
    if F is T:
        return _copy_slices_recorded(g, index, fn, overlap)
    res = fn.apply(F.index(g, index=index), False)  # raises if fn's saved values are freed
    if res[0] is None:  # PyTorch then gives the base no gradient at all
        return [None, *res[1:]]
    if overlap:  # the gradient is copied into an expanded view of it
        raise TorchError(OVERLAP_ERROR)
    return [F.index_put(g, res[0], index=index), *res[1:]]


def _copy_slices_recorded(g, index, fn, overlap):
    """The rule with create_graph, in the steps of PyTorch's CopySlices::apply, which record
    their nodes: result = empty.copy_(g) (CopyBackwards), its view at ``index``
    (AsStridedBackward0) cloned into fn, then view.copy_(fn's gradient): a CopySlices."""
    result = apply(TABLE["copy"], Tensor(np.empty_like(g.array)), g)
    grad_slice = apply(TABLE["as_strided"], result, index=index)
    res = fn.apply(apply(TABLE["clone"], grad_slice, contiguous=True), True)
    if res[0] is None:
        return [None, *res[1:]]
    if overlap:
        raise TorchError(OVERLAP_ERROR)
    written = apply(TABLE["copy"], grad_slice, res[0])
    out = result.array.copy()
    indexable(out, index)[index] = written.array
    if written.grad_fn is None:
        return [Tensor(out), *res[1:]]
    return [Tensor(out, True, copy_slices(result, written.grad_fn, index, False, out)), *res[1:]]


def _sample_fn(op_name, index, **params):
    """A gradient-check sample's ``fn``: ``op_name`` recorded on the base's viewed positions and
    the other inputs (their values fixed at the sample point, like max's indices)."""
    def make(base, *others):
        inputs = [Tensor(base[index], requires_grad=True)]
        inputs += [Tensor(x, requires_grad=True) for x in others]
        return apply(TABLE[op_name], *inputs, **params).grad_fn
    return make


TABLE["copy_slices"] = Op(
    "copy_slices", "torch::autograd::CopySlices", _copy_slices_forward,
    backward_all=_copy_slices_rule, saves=False,
    formula="in place through a view: the op's gradient at the view, the rest passes through",
    gradcheck=(sample((2, 3), (3,), index=0, fn=_sample_fn("mul", 0)),
               sample((2, 3), index=(slice(None), 1), fn=_sample_fn("zero", (slice(None), 1))),
               sample((4,), (2,), index=np.array([1, 2]), fn=_sample_fn("copy", np.array([1, 2])))))


_COPY_SLICES_SAVING = replace(TABLE["copy_slices"], saves=True, save_plans={})


def copy_slices(base, fn, index, overlap, result) -> OpNode:
    """The base's CopySlices node after ``fn`` wrote the view at ``index`` of ``base`` (the
    base's value before the write): its edges are the base's and fn's after the first."""
    needs = (base.requires_grad, *fn.needs_input_grad[1:])
    inputs = [base, *fn.inputs[1:]]
    if not GradMode.keep_values:  # the rule reads no input value, only shapes
        inputs = [meta_of(x.array) if need and type(x) is Tensor else x
                  for x, need in zip(inputs, needs)]
    # Made by hand, not by op_node: the inputs may already be shapes (Metas) of fn's, and none
    # of them is saved for a version check.
    node = _new_object(OpNode)
    # when fn saved tensors, the node is released as one that saved some (a second backward
    # through it then fails, as through fn in PyTorch)
    node.op = _COPY_SLICES_SAVING if fn.op.saves else TABLE["copy_slices"]
    node.params = {"index": index, "fn": fn, "overlap": overlap}
    node.inputs, node.versions, node.output = tuple(inputs), None, None
    node.result = result if GradMode.keep_values else None
    node.children = (base.gradient_edge(), *fn.children[1:])
    node.needs_input_grad = needs
    node.seq, node.pre_hooks, node.released, node.label = next_sequence(), None, False, None
    return node


def _fill_tensor_forward(x, value):
    return np.full_like(x, value)


# x.fill_(t) with a 0-d tensor t, and `x[...] = t`: fill_.Tensor in derivatives.yaml
defop("fill_tensor", "FillBackward3", _fill_tensor_forward,
      lambda F, g, r, x, value: F.zeros_like(g),
      lambda F, g, r, x, value: F.sum(g),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "value"),
      formula="x.fill_(v): the gradient of v is the sum of the gradient",
      gradcheck=(sample((2, 3), ()), sample((4,), ())))


def _masked_fill_forward(x, mask, value=0.0):
    return np.where(mask, np.asarray(value, dtype=x.dtype) if not hasattr(value, "shape")
                    else value, x)


defop("masked_fill", "MaskedFillBackward0", lambda x, mask, value=0.0: _masked_fill_forward(
          x, mask, value),
      lambda F, g, r, x, mask, value=0.0: F.masked_fill(g, mask=mask),
      saves=False, formula="masked_fill: filled positions get no gradient", gradcheck=(sample((2, 3), mask=MASK_2x3, value=0.5),))


defop("masked_fill_tensor", "MaskedFillBackward1",  # masked_fill with a 0-d tensor value
      lambda x, value, mask: np.where(mask, value, x),
      lambda F, g, r, x, value, mask: F.masked_fill(g, mask=mask),
      lambda F, g, r, x, value, mask: F.sum(F.masked_select(g, mask=mask)),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "value"),
      formula="masked_fill: the value gets the sum of the filled positions' gradient",
      gradcheck=(sample((2, 3), (), mask=MASK_2x3),))
defop("masked_select", "MaskedSelectBackward0", lambda x, mask: np.ascontiguousarray(x[mask]),
      lambda F, g, r, x, mask: _index_backward(F, g, x, mask),
      saves=False, formula="masked_select: the gradient goes back to the selected positions",
      gradcheck=(sample((2, 3), mask=MASK_2x3),))


# ----- Scatter and gather (max(dim)'s gradient) -----
def _scatter_forward(x, src, dim, index):
    out = x.copy()
    np.put_along_axis(out, index, src, axis=dim)
    return out


defop("scatter", "ScatterBackward0", _scatter_forward,
      lambda F, g, r, x, src, dim, index: F.scatter(g, F.zeros_like(src), dim=dim, index=index),
      lambda F, g, r, x, src, dim, index: F.gather(g, dim=dim, index=index),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "src"),
      formula="scatter: the source gets the gradient at the scattered positions",
      gradcheck=(sample((2, 3), (2, 1), dim=1, index=np.array([[2], [0]])),))
defop("gather", "GatherBackward0", lambda x, dim, index: np.take_along_axis(x, index, axis=dim),
      lambda F, g, r, x, dim, index: F.scatter(F.constant(np.zeros(x.shape, F.as_array(g).dtype)),
                                               g, dim=dim, index=index),
      saves=False, formula="gather: the gradient goes back to the gathered positions",
      gradcheck=(sample((2, 3), dim=1, index=np.array([[2], [0]])),))


# ----- The two faces of the table -----
def _as_array(x):
    return x.array if type(x) is Tensor else np.asarray(x)


def _np_constant(value, like=None):
    return value


def _t_constant(value, like=None):
    return Tensor(np.asarray(value))


def _np_zeros_like(x):
    return np.zeros(x.shape, dtype=x.dtype)


def _t_zeros_like(x):
    return Tensor(np.zeros(x.array.shape if type(x) is Tensor else x.shape,
                           dtype=x.array.dtype if type(x) is Tensor else x.dtype))


def _np_masked_fill(x, mask, value=0.0):
    if type(value) is not np.ndarray and not np.isscalar(value):
        value = np.asarray(value)
    return _masked_fill_forward(x, mask, value)


def _t_masked_fill(x, mask, value=0.0):
    mask = _as_array(mask)
    if type(value) is Tensor:
        return apply(TABLE["masked_fill_tensor"], x, value, mask=mask)
    return apply(TABLE["masked_fill"], x, mask=mask, value=value)


def _np_where(condition, a, b):
    return np.where(condition, a, b)


def _t_where(condition, a, b):
    return apply(TABLE["where"], a, b, condition=_as_array(condition))


def _np_index_put(x, values, index):
    return _index_put_forward(x, values, index)


def _t_index_put(x, values, index):
    return apply(TABLE["index_put"], x, values, index=index)


def _t_sum(x, dim=None, keepdim=False):
    if dim is None and not keepdim:
        return apply(TABLE["sum"], x)
    return apply(TABLE["sum_dim"], x, dim=dim, keepdim=keepdim)


def _t_reshape(x, shape):
    from gradcli.api.functions import reshape  # PyTorch's reshape: a view when it can be one
    return reshape(x, *shape)


def _t_mm(a, b):
    from gradcli.api.functions import mm  # with the operands' layout, which its gradient formulas read
    return mm(a, b)


def _t_sum_to(x, shape):
    """at::sum_to: a sum over the broadcast dims (kept), then a view without the leading ones."""
    if not shape:
        return apply(TABLE["sum"], x)
    lead = x.array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, size in enumerate(shape)
                                      if size == 1 and x.array.shape[lead + i] != 1)
    if axes:
        x = apply(TABLE["sum_dim"], x, dim=axes, keepdim=True)
    return apply(TABLE["view"], x, shape=tuple(shape)) if lead else x


def _build_namespaces():
    numpy_side = {name: op.forward for name, op in TABLE.items()}
    tensor_side = {name: _bind(op) for name, op in TABLE.items()}
    numpy_side.update(pow=_pow_scalar_forward, as_array=np.asarray, constant=_np_constant,
                      zeros_like=_np_zeros_like, masked_fill=_np_masked_fill, where=_np_where,
                      index_put=_np_index_put, sgn=_sgn, to_dtype=lambda x, dtype: x.astype(dtype))
    tensor_side.update(as_array=_as_array, constant=_t_constant, zeros_like=_t_zeros_like,
                       masked_fill=_t_masked_fill, where=_t_where, index_put=_t_index_put,
                       pow=lambda x, exponent: apply(TABLE["pow"], x, exponent=exponent),
                       to_dtype=lambda x, dtype: apply(TABLE["to_dtype"], x, dtype=np.dtype(dtype)))
    numpy_side["sum"] = lambda x, dim=None, keepdim=False: _sum_forward(x, dim, keepdim)
    tensor_side["sum"] = _t_sum
    tensor_side["reshape"] = _t_reshape
    tensor_side["mm"] = _t_mm
    tensor_side["sum_to"] = _t_sum_to
    return Namespace(numpy_side), Namespace(tensor_side)


def _bind(op):
    def call(*operands, **params):
        return apply(op, *operands, **params)
    call.__name__ = op.name
    return call


NP, T = _build_namespaces()
