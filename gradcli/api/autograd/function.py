"""``torch.autograd.function``: custom Functions, their ``ctx``, and ``once_differentiable``.

A ``Function`` subclass supplies ``forward(ctx, ...)`` and ``backward(ctx, *grad_outputs)``
(and ``jvp(ctx, *tangents)`` for forward mode).  ``apply`` runs forward without recording
and hangs one ``BackwardCFunction`` node (``<Name>Backward``) on its outputs: each tensor
of a returned tuple is one output of the node (through an ``OutputEdge`` when there are
several), and the engine calls backward once, with one gradient per output.
"""

from __future__ import annotations

import functools

import numpy as np

from gradcli.core import dual
from gradcli.core.engine import SECOND_BACKWARD
from gradcli.core.ops import TABLE, apply as apply_op
from gradcli.core.tensor import (GradMode, Node, OutputEdge, OutputGrads, Tensor, next_sequence,
                                 view_base)
from gradcli.errors import TorchError


class FunctionCtx:
    """The ``ctx`` a custom Function's forward, backward and jvp share."""

    def __init__(self):
        self._saved = ()           # what save_for_backward was given (outputs: _SavedOutput)
        self._packed = None        # (unpack, packed objects) under saved_tensors_hooks
        self._saved_forward = ()
        self._in_jvp = False
        self._released = False
        self._materialize = True
        self._non_differentiable = ()
        self._dirty = ()
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        for index, item in enumerate(tensors):
            if item is not None and not isinstance(item, Tensor):
                raise TorchError("save_for_backward can only save variables, but argument "
                                 f"{index} is of type {type(item).__name__}", kind="TypeError")
        self._saved = tuple(tensors)

    def save_for_forward(self, *tensors) -> None:
        for item in tensors:
            if item is not None and not isinstance(item, Tensor):
                raise TorchError("save_for_forward expects all arguments to be tensors; you "
                                 "should save non-tensors as attributes on ctx.",
                                 kind="AssertionError")
        self._saved_forward = tuple(tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._in_jvp:
            return self._saved_forward
        if self._released:
            raise TorchError(SECOND_BACKWARD)
        if self._packed is not None:
            unpack, packed = self._packed
            return tuple(None if item is None else _unpacked(unpack, item) for item in packed)
        return tuple(item.tensor() if type(item) is _SavedOutput else item for item in self._saved)

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = tuple(tensors)

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tuple(tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)


class _SavedOutput:
    """A saved output of the Function: unpacked as a new tensor with the Function's node as
    its grad_fn, as PyTorch's SavedVariable does (the node keeps no reference to the tensor)."""

    __slots__ = ("array", "edge")

    def __init__(self, array, edge):
        self.array, self.edge = array, edge

    def tensor(self) -> Tensor:
        return Tensor(self.array, True, self.edge)


def _unpacked(unpack, item) -> Tensor:
    tensor = unpack(item)
    if not isinstance(tensor, Tensor):
        raise TorchError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                         f"result of type {type(tensor).__name__}", kind="TypeError")
    return tensor


class BackwardCFunction(Node):
    """The node of a custom Function application (one per ``apply``, whatever its outputs)."""

    __slots__ = ("function", "ctx", "input_meta", "released", "label", "result", "args",
                 "outputs")

    def __init__(self, function, ctx, children, input_meta):
        self.function = function
        self.ctx = ctx
        self.children = children
        self.input_meta = input_meta
        self.seq = next_sequence()
        self.pre_hooks = None
        self.released = False
        self.label = None
        self.result = None  # the forward's (first) output, kept for inspection commands
        self.outputs = ()   # per output of forward: (shape, dtype) of a tensor, else None

    def short_name(self) -> str:
        return f"{self.function.__name__}Backward"

    def name(self) -> str:
        return self.short_name()

    @property
    def num_outputs(self) -> int:
        return len(self.outputs)

    @property
    def _display_name(self) -> str:
        return f"torch.autograd.function.{self.short_name()}"

    @property
    def _tensor_repr_name(self) -> str:
        return self.short_name()

    def apply(self, grad, create_graph: bool):
        grads = self._grad_outputs(grad, create_graph)
        previous = GradMode.enabled
        GradMode.enabled = create_graph
        try:
            result = self.function.backward(self.ctx, *grads)
        finally:
            GradMode.enabled = previous
        grads = result if isinstance(result, tuple) else (result,)
        return self._validated(grads, create_graph)

    def _grad_outputs(self, grad, create_graph) -> list:
        """One gradient per output of forward: zeros (or None, with set_materialize_grads(False))
        for a tensor output that received none, None for an output that is no tensor."""
        received = grad.as_tuple(len(self.outputs)) if type(grad) is OutputGrads else (grad,)
        grads = []
        for output, given in zip(self.outputs, received):
            if given is None and output is not None and self.ctx._materialize:
                given = np.zeros(*output)
            if given is not None and not create_graph:
                given = Tensor(np.asarray(given))
            elif given is not None and type(given) is not Tensor:
                given = Tensor(given)
            grads.append(given)
        return grads

    def _validated(self, grads, create_graph):
        expected = len(self.input_meta)
        if len(grads) != expected:
            if len(grads) > expected and all(g is None for g in grads[expected:]):
                grads = grads[:expected]  # PyTorch lets extra gradients be None
            else:
                raise TorchError(f"function {self.short_name()} returned an incorrect number of "
                                 f"gradients (expected {expected}, got {len(grads)})")
        out = []
        for index, (grad, meta) in enumerate(zip(grads, self.input_meta)):
            edge = self.children[index]
            if grad is None or edge is None:
                out.append(None)
                continue
            if not isinstance(grad, Tensor):
                raise TorchError(f"function {self.short_name()} returned a gradient different than "
                                 f"None at position {index + 1}, but the corresponding forward input "
                                 "was not a Variable")
            out.append(self._fit(grad, meta, index, create_graph))
        return out

    def _fit(self, grad, shape, index, create_graph):
        if grad.array.shape != shape:
            try:
                # PyTorch sums a larger gradient down to the input; it never expands a smaller one
                expandable = np.broadcast_shapes(shape, grad.array.shape) == grad.array.shape
            except ValueError:
                expandable = False
            if not expandable:
                raise TorchError(f"Function {self.short_name()} returned an invalid gradient at index "
                                 f"{index} - got [{', '.join(map(str, grad.array.shape))}] but "
                                 f"expected shape compatible with [{', '.join(map(str, shape))}]")
            grad = apply_op(TABLE["sum_to"], grad, shape=shape)
        return grad if create_graph else grad.array

    def release(self) -> None:
        self.released = True
        self.ctx._released = True
        self.ctx._packed = None


class FunctionMeta(type):
    """Lets ``Function`` subclasses be written with static forward/backward, as in PyTorch."""


class Function(metaclass=FunctionMeta):
    """Base class of custom autograd functions (``class MulConstant(Function)``)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise TorchError("You must implement the jvp function for custom autograd.Function to "
                         "use it with forward mode AD.", kind="NotImplementedError")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward(ctx, *args, **kwargs) and record one node for it.  The positional
        arguments are the node's inputs: backward returns a gradient for each (and may return
        more, if they are None: a parameter forward left to its default)."""
        ctx = FunctionCtx()
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = needs
        tangents = dual.tangents_of(args)
        previous = GradMode.enabled
        GradMode.enabled = False
        try:
            with dual.suspended():
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            GradMode.enabled = previous
        if previous and True in needs:
            children = tuple(a.gradient_edge() if need else None for a, need in zip(args, needs))
            meta = tuple(a.array.shape if isinstance(a, Tensor) else () for a in args)
            node = BackwardCFunction(cls, ctx, children, meta)
            node.args = args  # kept so `gradcli check` can re-run the forward at other points
            output = _attach(output, node, ctx, args)
        elif ctx._dirty:
            _check_dirty_returned(ctx, output)
        if tangents is not None:
            _forward_tangents(cls, ctx, args, tangents, output)
        return output


def _attach(output, node, ctx, args):
    """Make forward's tensors the node's outputs: each differentiable one gets the node (or its
    OutputEdge) as grad_fn, in place as PyTorch does (``ctx.result = result`` in forward sees
    the output); an input returned unmarked becomes a new tensor; marked ones stay as they are."""
    items = output if isinstance(output, tuple) else (output,)
    _check_dirty_returned(ctx, items)
    floats = [i for i, item in enumerate(items) if isinstance(item, Tensor)
              and item.array.dtype.kind == "f" and not _marked(item, ctx._non_differentiable)]
    several = len(items) > 1  # each output its number: (node, nr) in next_functions
    node.outputs = tuple((item.array.shape, item.array.dtype) if isinstance(item, Tensor) else None
                         for item in items)
    attached, by_id = list(items), {}
    for index in floats:
        item = items[index]
        edge = OutputEdge(node, index) if several else node
        if _marked(item, ctx._dirty):
            _rebase(item, edge)
        elif any(item is a for a in args) or id(item) in by_id:
            item = Tensor(item.array, True, edge)  # an input (or an output twice): a new tensor
        else:
            item.requires_grad, item.grad_fn = True, edge
        by_id[id(items[index])] = (item, edge)
        attached[index] = item
    if floats:
        node.result = items[floats[0]].array
    _save_outputs(ctx, by_id)
    return tuple(attached) if isinstance(output, tuple) else attached[0]


def _marked(tensor, marked) -> bool:
    return any(tensor is m for m in marked)


def _check_dirty_returned(ctx, items) -> None:
    items = items if isinstance(items, tuple) else (items,)
    if any(not _marked(dirty, items) for dirty in ctx._dirty):
        raise TorchError("Some elements marked as dirty during the forward method were not "
                         "returned as output. The inputs that are modified inplace must all be "
                         "outputs of the Function.")


def _rebase(tensor: Tensor, edge) -> None:
    """An input forward modified in place (mark_dirty): its history now ends in the node."""
    if tensor.grad_fn is None and tensor.requires_grad and view_base(tensor) is None:
        raise TorchError("a leaf Variable that requires grad has been used in an in-place "
                         "operation.")
    tensor.requires_grad, tensor.grad_fn = True, edge


def _save_outputs(ctx, by_id) -> None:
    """Saved tensors that are outputs are kept as (array, edge), and packed if hooks are on."""
    saved = tuple(_SavedOutput(by_id[id(item)][0].array, by_id[id(item)][1])
                  if item is not None and id(item) in by_id else item for item in ctx._saved)
    ctx._saved = saved
    hooks = GradMode.saved_hooks
    if hooks is not None and saved:
        pack, unpack = hooks
        tensors = [item.tensor() if type(item) is _SavedOutput else item for item in saved]
        ctx._packed = (unpack, tuple(None if t is None else pack(t) for t in tensors))
        ctx._saved = ()


def _forward_tangents(cls, ctx, args, tangents, output) -> None:
    """Forward mode through a custom Function: its ``jvp`` gives the outputs' tangents."""
    given = [None if not isinstance(a, Tensor) else
             t if t is not None else Tensor(np.zeros_like(a.array))
             for a, t in zip(args, tangents)]
    ctx._in_jvp = True
    try:
        with dual.suspended():
            result = cls.jvp(ctx, *given)
    finally:
        ctx._in_jvp = False
    items = output if isinstance(output, tuple) else (output,)
    results = result if isinstance(result, tuple) else (result,)
    for item, tangent in zip(items, results):
        if isinstance(item, Tensor) and isinstance(tangent, Tensor):
            dual.set_tangent(item, tangent)


# ----- once_differentiable -----

class DelayedError(Node):
    """The node ``once_differentiable`` hangs on a backward's results when they are recorded:
    differentiating through it again raises its message."""

    __slots__ = ("message", "count", "label")

    def __init__(self, message, children):
        self.message = message
        self.count = len(children)
        self.children = children
        self.seq = next_sequence()
        self.pre_hooks = None
        self.label = None

    def name(self) -> str:
        return "torch::autograd::Error"

    @property
    def _display_name(self) -> str:
        return "Error"

    @property
    def num_outputs(self) -> int:
        return self.count

    def apply(self, grad, create_graph: bool):
        raise TorchError(self.message)

    def release(self) -> None:
        return None


def once_differentiable(backward):
    """Decorate a Function's backward that cannot itself be differentiated: it runs without
    recording, and a double backward through its results raises PyTorch's error."""
    @functools.wraps(backward)
    def wrapper(ctx, *args):
        previous = GradMode.enabled
        GradMode.enabled = False
        try:
            outputs = backward(ctx, *args)
        finally:
            GradMode.enabled = previous
        if not previous or not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        return _delayed_error(outputs)
    return wrapper


def _delayed_error(outputs):
    single = not isinstance(outputs, tuple)
    items = (outputs,) if single else outputs
    # each result detached to a new leaf that requires grad, all through one Error node
    leaves = [None if item is None else Tensor(item.array, True) for item in items]
    children = tuple(leaf.gradient_edge() if leaf is not None else None for leaf in leaves)
    node = DelayedError("trying to differentiate twice a function that was marked with "
                        "@once_differentiable", children)
    several = len(items) > 1
    wrapped = tuple(None if leaf is None else
                    Tensor(leaf.array, True, OutputEdge(node, i) if several else node)
                    for i, leaf in enumerate(leaves))
    return wrapped[0] if single else wrapped


__all__ = ["Function", "FunctionCtx", "once_differentiable"]
