"""Applying a row: dtype promotion, the forward, recording the node, and the size
checks that run before a forward allocates.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from gradcli.core import dtypes
from gradcli.core.dual import DualMode, set_tangent, suspended, tangent_of
from gradcli.core.ops.schema import (PROMOTE_FLOAT, PROMOTE_NONE, PROMOTE_UNARY_FLOAT, SCALAR_FORMS,
                                     Op, tangent_rule)
from gradcli.core.tensor import (NO_GRAD_VIEW, GradMode, Limits, Tensor, WrappedFloat, WrappedInt,
                                 op_node, pack_saved, share_version, wrapped_numbers)
from gradcli.errors import LimitError, TorchError

# ----- Applying an op -----

def _arrays_for(op: Op, operands):
    """The numpy operands, cast as PyTorch's type promotion would."""
    if WrappedFloat in map(type, operands) or WrappedInt in map(type, operands):
        # numbers a formula read from its node: plain again (numpy takes a subclass as strong)
        operands = [float(x) if type(x) is WrappedFloat else int(x) if type(x) is WrappedInt
                    else x for x in operands]
    if op.promote == PROMOTE_NONE:
        return [x.array if isinstance(x, Tensor) else x for x in operands]
    if op.promote == PROMOTE_UNARY_FLOAT:
        array = operands[0].array
        if array.dtype.kind not in "f":
            array = array.astype(dtypes.default_float.np)
        if len(operands) == 1:
            return (array,)
        return [array] + [x.array if isinstance(x, Tensor) else x for x in operands[1:]]
    return _promoted(operands, op.promote == PROMOTE_FLOAT)


_PYTHON_NUMBERS = frozenset((float, int, bool))


def _promoted(operands, to_float: bool):
    kinds = {x.array.dtype for x in operands if isinstance(x, Tensor)}
    scalars = [x for x in operands if not isinstance(x, Tensor)]
    if len(kinds) == 1 and not to_float:
        kind = next(iter(kinds))
        if kind.kind == "f" or not scalars or _scalars_fit(kind, scalars):
            return [x.array if isinstance(x, Tensor) else x for x in operands]
    target = dtypes.result_type(*operands)
    if to_float and target.category != dtypes.FLOAT:
        target = dtypes.default_float
    want = target.np
    return [(x.array if x.array.dtype == want else x.array.astype(want)) if isinstance(x, Tensor)
            else x for x in operands]


def _scalars_fit(kind, scalars) -> bool:
    # Python ints keep an integer tensor's dtype; a float (or an int meeting a bool) lifts it.
    if kind.kind == "b":
        return all(isinstance(s, bool) for s in scalars)
    return all(isinstance(s, (bool, int)) for s in scalars)


def apply(op: Op, *operands, **params):
    """Run ``op`` forward; record a node when grad mode is on and an input requires grad."""
    if DualMode.active:
        return _apply_dual(op, operands, params)
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
    # (a Tensor subclass, nn.Parameter, is a tensor too: `or isinstance` only when not a Tensor)
    if len(operands) == 2:
        b = operands[1]
        if (type(a) is Tensor or isinstance(a, Tensor)) and a.requires_grad:
            if (type(b) is Tensor or isinstance(b, Tensor)) and b.requires_grad:
                needs = _NEEDS_BOTH
                children = (a.grad_fn or a.gradient_edge(), b.grad_fn or b.gradient_edge())
            else:
                needs = _NEEDS_FIRST
                children = (a.grad_fn or a.gradient_edge(), None)
        elif (type(b) is Tensor or isinstance(b, Tensor)) and b.requires_grad:
            needs = _NEEDS_SECOND
            children = (None, b.grad_fn or b.gradient_edge())
        else:
            return _untracked(op, operands, out)
    elif len(operands) == 1:
        if not (type(a) is Tensor or isinstance(a, Tensor)) or not a.requires_grad:
            return _untracked(op, operands, out)
        needs = _NEEDS_ONE
        children = (a.grad_fn or a.gradient_edge(),)
    else:
        needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in operands])
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
    if GradMode.saved_hooks is not None:
        pack_saved(node, result)
    return result


def _apply_dual(op, operands, params):
    """``apply`` inside a dual level: the result of an op on dual tensors gets its tangent, from
    the row's tangent rule (run on the Tensor face of the table, so it records like a
    derivative formula when what it reads requires grad)."""
    with suspended():
        result = apply(op, *operands, **params)
        tangents = [tangent_of(x) if type(x) is Tensor else None for x in operands]
        if (type(result) is Tensor and result.array.dtype.kind == "f"
                and any(t is not None for t in tangents)):
            set_tangent(result, _tangent(op, tangents, result, operands, params))
    return result


# the aten names forward mode's refusal gives rows named otherwise here
_ATEN_NAMES = {"remainder_reflected": "remainder", "softmax_backward_data": "_softmax_backward_data",
               "log_softmax_backward_data": "_log_softmax_backward_data",
               "copy_slices": "copy_"}


def _tangent(op, tangents, result, operands, params):
    rule = tangent_rule(op)
    if rule is None:
        raise TorchError(f"Trying to use forward AD with aten::{_ATEN_NAMES.get(op.name, op.name)} "
                         "that does not support it.", kind="NotImplementedError")
    formula, GradMode.formula = GradMode.formula, True  # numbers in formulas are Scalars
    try:
        tangent = rule(T, tuple(tangents), result, *wrapped_numbers(operands), **params)
    finally:
        GradMode.formula = formula
    if tangent is None:
        return None
    if type(tangent) is not Tensor:
        tangent = Tensor(np.asarray(tangent, dtype=result.array.dtype))
    if tangent.array.shape != result.array.shape:  # a term dropped with a broadcast input
        tangent = Tensor(np.broadcast_to(tangent.array, result.array.shape).copy())
    return tangent


_NEEDS_ONE, _NEEDS_FIRST, _NEEDS_SECOND, _NEEDS_BOTH = (True,), (True, False), (False, True), (True, True)
_NEEDS_PATTERNS: dict = {}


def _untracked(op, operands, out):
    result = Tensor(out)
    if op.view and isinstance(operands[0], Tensor):
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


def _size_index_select(x, dim, index):
    if x.ndim:
        Limits.check_elements(x.shape[:dim] + (index.size,) + x.shape[dim + 1:])


_RESULT_SIZERS = {"mm": _size_matmul, "bmm": _size_matmul, "mv": _size_matmul,
                  "cat": _size_joined, "stack": _size_joined,
                  "index": _size_index, "index_select": _size_index_select}


def _count_node() -> None:
    Limits.nodes += 1
    if Limits.nodes > Limits.max_nodes:
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

# The namespaces rules run against: NP (numpy arrays, no graph) and T (Tensors, the backward
# pass recorded).  Made empty here, so that rows can name them; namespaces.py fills them once
# every row is in the table.
NP = Namespace({})
T = Namespace({})
