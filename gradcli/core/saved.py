"""What a node saved, as PyTorch shows it: ``y.grad_fn._saved_self``, ``_saved_result``...

PyTorch's generated nodes expose each variable derivatives.yaml saves as ``_saved_<name>``:
a saved tensor input under its argument name (None where the node did not need it), the
saved result, the Python values of scalar arguments (``_saved_exponent``, ``_saved_dim``) and
sizes (``_saved_self_sym_sizes``).  A row of the op table says which it has in its ``saved``
column; without one, the names follow from the row (the inputs its rules read, the result
when they read it, its parameters).  Reading a saved tensor checks it as the backward pass
would: freed by an earlier backward, modified in place since, or packed by
saved_tensors_hooks (the unpack hook runs).  ``install`` gives OpNode one property per name
the table can offer (a property, not ``__getattr__``, which would slow every attribute read
of the engine's nodes).
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.core import dtypes
from gradcli.core.engine import SECOND_BACKWARD, current_grad_fn_name, modified_error
from gradcli.core.tensor import AccumulateGrad, KeptSizes, OpNode, PackedSaves, Tensor
from gradcli.errors import TorchError

# sizes an input's name can be followed by: what PyTorch saves of a tensor it needs the shape of
_SHAPES = {
    "_sym_sizes": lambda x: tuple(x.shape),
    "_sym_strides": lambda x: _strides(x),
    "_sym_numel": lambda x: math.prod(x.shape),
    "_dim": lambda x: len(x.shape),
}


def saved_names(node: OpNode) -> tuple:
    """The names ``node._saved_<name>`` answers to, in the row's order."""
    op = node.op
    if op.saved is not None:
        return tuple(entry if type(entry) is str else entry[0] for entry in op.saved)
    count = len(node.needs_input_grad)
    names = [op.arg_names[i] for i in _read_positions(op, count) if i < len(op.arg_names)]
    if op.saves_result:
        names.append("result")
    names.extend(name for name, value in node.params.items() if _plain(value) is not _NO_VALUE)
    return tuple(names)


def _read_positions(op, count) -> list:
    """The inputs a row's rules may read (saved for backward when their gradient is needed)."""
    if not op.saves:
        return []
    if op.saved_inputs is None:
        return list(range(count))
    return sorted({i for positions in op.saved_inputs for i in positions if i < count})


def saved_value(node: OpNode, name: str):
    """``node._saved_<name>``: PyTorch's value, or its error."""
    if name not in saved_names(node):
        raise AttributeError(f"'{node.name()}' object has no attribute '_saved_{name}'")
    for entry in node.op.saved or ():
        if type(entry) is tuple and entry[0] == name:  # (name, where it is read) or a constant
            if type(entry[1]) is not str:
                return entry[1]
            name = entry[1]
    if name == "result":
        return _saved_result(node)
    positions = _input_positions(node)
    if name in positions:
        return _saved_input(node, positions[name])
    for suffix, read in _SHAPES.items():
        if name.endswith(suffix) and name[:-len(suffix)] in positions:
            return read(_shape_source(node, positions[name[:-len(suffix)]]))
    value = node.params.get(name)  # (a parameter left to its default: None, as PyTorch's)
    if type(value) is np.ndarray and node.released:  # a saved index or mask: a saved tensor
        raise TorchError(SECOND_BACKWARD)
    return _plain(value)


def _input_positions(node) -> dict:
    return {name: i for i, name in enumerate(node.op.arg_names[:len(node.needs_input_grad)])}


def _freed(node) -> bool:
    return node.released and node.op.saves


def _saved_input(node, position):
    """A saved input: the very tensor (a number as PyTorch's wrapped 0-d tensor); None where
    the node did not save it."""
    op = node.op
    plan = op.save_plans.get(node.needs_input_grad)
    if plan is None or not plan[position]:
        return None
    if _freed(node):
        raise TorchError(SECOND_BACKWARD)
    versions = node.versions
    if type(versions) is PackedSaves:
        return _unpacked(node, position)
    value = node.inputs[position]
    if type(value) is not Tensor:
        return Tensor(np.asarray(value))
    if versions is not None and versions[position] is not None and \
            value._version != versions[position]:
        raise modified_error(value, versions[position], current_grad_fn_name(value))
    return value


def _saved_result(node):
    """The saved result: a new tensor over the result's values whose grad_fn is the node (as
    PyTorch unpacks a saved output)."""
    if _freed(node):
        raise TorchError(SECOND_BACKWARD)
    if type(node.versions) is PackedSaves:
        return _unpacked(node, -1)
    output = node.output() if node.output is not None else None
    saved_at = getattr(node.output, "version", 0)
    if output is not None and output._version != saved_at:
        raise modified_error(output, saved_at, node.name())
    return Tensor(node.result, True, node)


def _unpacked(node, position):
    """What saved_tensors_hooks' unpack hook gives back for a packed input (-1: the result),
    attached to the graph where the saved tensor was, as PyTorch attaches it."""
    versions = node.versions
    packed = next(item for where, item in versions.entries if where == position)
    tensor = versions.unpack(packed)
    if not isinstance(tensor, Tensor):
        raise TorchError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                         f"result of type {type(tensor).__name__}", kind="TypeError")
    edge = node if position == -1 else node.children[position]
    if tensor.requires_grad or edge is None:
        return tensor
    if type(edge) is AccumulateGrad:  # a leaf's: gradients reach that leaf's .grad
        attached = Tensor(tensor.array, True)
        attached._accumulator = edge
        return attached
    return Tensor(tensor.array, True, edge)


def _shape_source(node, position):
    """The input whose sizes are asked for (its Meta, once the node dropped its values)."""
    if node.inputs is None:  # freed with the tensors it saved
        raise TorchError(SECOND_BACKWARD)
    return node.inputs[position]


def _strides(x) -> tuple:
    if type(x) is Tensor:
        return x.stride()
    if type(x) is KeptSizes:
        return x.strides
    strides, step = [], 1  # a dropped input's layout is gone: its contiguous strides
    for size in reversed(x.shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


_NO_VALUE = object()


def _plain(value):
    """A parameter as PyTorch shows a saved scalar argument: Python values, tensors for
    arrays (index, mask), dtypes; _NO_VALUE for gradcli's own bookkeeping (nodes, slices)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is np.ndarray:
        return Tensor(value)
    if isinstance(value, np.dtype):
        return dtypes.from_numpy_dtype(value)
    if type(value) in (tuple, list) and all(type(v) in (bool, int, float) for v in value):
        return tuple(value)
    return _NO_VALUE


def _property(name):
    def read(node):
        return saved_value(node, name)
    read.__name__ = "_saved_" + name
    return property(read)


def _node_dir(node) -> list:
    """dir(node): the ``_saved_`` names this node has, not every one OpNode could."""
    names = set(saved_names(node))
    return [attribute for attribute in object.__dir__(node)
            if not attribute.startswith("_saved_") or attribute[7:] in names]


def install(table) -> None:
    """One ``_saved_<name>`` property on OpNode per name a row of ``table`` can offer."""
    names = {"result"}
    for op in table.values():
        inputs = op.arg_names
        names.update(inputs)
        names.update(entry if type(entry) is str else entry[0] for entry in op.saved or ())
        names.update(name for sample in op.gradcheck for name in sample.params)
        names.update(name + suffix for name in inputs for suffix in _SHAPES)
    for name in names:
        setattr(OpNode, "_saved_" + name, _property(name))
    OpNode.__dir__ = _node_dir
