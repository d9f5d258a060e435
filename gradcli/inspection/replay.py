"""The recorded forward graph replayed in float64, and central finite differences on it:
the numeric reference of ``gradcli check``.  Custom Functions re-run their own forward."""

from __future__ import annotations

import numpy as np

from gradcli.api.autograd import BackwardCFunction, FunctionCtx
from gradcli.core.tensor import AccumulateGrad, GradMode, Meta, OpNode, OutputEdge, Tensor
from gradcli.errors import GradcliError

MAX_NUMERIC_ELEMENTS = 20_000    # input elements perturbed for finite differences


class Unsupported(Exception):
    """The graph holds something this translation cannot express (reported, not fatal)."""


def replay(root, values: dict):
    """Recompute the graph's forward in float64, with leaves (by id) taken from ``values``."""
    cache: dict = {}
    return _replay(root, values, cache)


def value_of(node, cache: dict, leaf, op, custom):
    """A node's forward value, computed once per node (``cache``): ``leaf(variable)`` for a
    leaf, ``op(node)`` for an op-table node, ``custom(node)`` for a custom Function's."""
    if node in cache:
        return cache[node]
    if isinstance(node, AccumulateGrad):
        result = leaf(node.variable)
    elif isinstance(node, OpNode):
        result = op(node)
    elif isinstance(node, (BackwardCFunction, OutputEdge)):
        result = custom(node)  # (an OutputEdge: one output of a Function of several)
    else:
        raise Unsupported(f"cannot follow {node.name()}")
    cache[node] = result
    return result


def _replay(node, values, cache):
    return value_of(node, cache,
                    leaf=lambda leaf: values.get(id(leaf), leaf.array.astype(np.float64)),
                    op=lambda node: _replay_op(node, values, cache),
                    custom=lambda node: _replay_custom(node, values, cache))


def operands(node, translate):
    args = []
    for operand, edge in zip(node.inputs, node.children):
        # a Meta: an input the node did not need to keep; its edge still leads to its value
        if isinstance(operand, (Tensor, Meta)):
            args.append(translate(edge) if edge is not None else None)
            if edge is None:
                args[-1] = operand
        else:
            args.append(operand)
    return args


def _as_float64(value):
    if isinstance(value, Tensor):
        array = value.array
        return array.astype(np.float64) if array.dtype.kind == "f" else array
    return value


def _float64_params(params):
    # dtype conversions inside the graph would round the replay back to float32
    return {key: (np.dtype(np.float64) if isinstance(value, np.dtype) and value.kind == "f"
                  else value) for key, value in params.items()}


def _replay_op(node, values, cache):
    if node.inputs is None:
        raise Unsupported("the graph was freed")
    args = [_as_float64(a) for a in operands(node, lambda e: _replay(e, values, cache))]
    result = np.asarray(node.op.forward(*args, **_float64_params(node.params)))
    return result.astype(np.float64) if result.dtype.kind == "f" else result


def _replay_custom(node, values, cache):
    index = None
    if isinstance(node, OutputEdge):
        node, index = node.node, node.output_nr
    args = []
    for arg, edge in zip(node.args, node.children):
        if isinstance(arg, Tensor):
            array = _replay(edge, values, cache) if edge is not None else _as_float64(arg)
            args.append(Tensor(np.asarray(array, dtype=np.float64)))
        else:
            args.append(arg)
    previous = GradMode.enabled
    GradMode.enabled = False
    try:
        output = node.function.forward(FunctionCtx(), *args)
    finally:
        GradMode.enabled = previous
    if index is not None and isinstance(output, tuple):
        output = output[index]
    if not isinstance(output, Tensor):
        raise Unsupported(f"{node.name()} returned no single tensor")
    return output.array.astype(np.float64)


def check_replay_matches(output: Tensor) -> None:
    """Refuse when the inputs changed after the output was computed (e.g. `w -= lr * w.grad`)."""
    try:
        again = replay(output.gradient_edge(), {})
    except Unsupported:
        return
    recorded = output.array.astype(np.float64)
    if again.shape == recorded.shape and not np.allclose(again, recorded, rtol=1e-4, atol=1e-6,
                                                         equal_nan=True):
        raise GradcliError(
            "an input was modified in place after the output was computed, so the recorded graph "
            "no longer matches the inputs' values", kind="CheckUnavailable",
            hint="check an output computed after the last update (--of NAME), or move the "
                 "update before it")


def numeric_jacobian(output: Tensor, leaf: Tensor, eps: float = 1e-6):
    """Central differences in float64: shape output.shape + leaf.shape, and a mask of the
    elements where the two one-sided differences disagree (a kink: relu at 0, clamp at a
    bound), where no derivative exists to compare with."""
    root = output.gradient_edge()
    base = leaf.array.astype(np.float64)
    if base.size > MAX_NUMERIC_ELEMENTS:
        raise Unsupported(f"more than {MAX_NUMERIC_ELEMENTS:,} input elements")
    middle = replay(root, {})
    columns, kinks = [], []
    for index in range(base.size):
        plus, minus = base.copy(), base.copy()
        plus.flat[index] += eps
        minus.flat[index] -= eps
        high = replay(root, {id(leaf): plus})
        low = replay(root, {id(leaf): minus})
        forward, backward = (high - middle) / eps, (middle - low) / eps
        columns.append((high - low) / (2 * eps))
        kinks.append(np.abs(forward - backward) > 0.05 * (1 + np.maximum(np.abs(forward),
                                                                           np.abs(backward))))
    shape = output.array.shape + leaf.array.shape
    if not columns:
        return np.zeros(shape), np.zeros(shape, dtype=bool)
    return (np.stack(columns, axis=-1).reshape(shape), np.stack(kinks, axis=-1).reshape(shape))
