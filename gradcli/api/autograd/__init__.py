"""``torch.autograd``: custom Functions, ``grad`` and ``backward``.

A custom ``Function`` subclass supplies ``forward(ctx, ...)`` and
``backward(ctx, grad_output)``; ``apply`` runs forward without recording and
hangs one ``BackwardCFunction`` node (``<Name>Backward``) on the result, which
calls the user's backward when the engine reaches it.
"""

from __future__ import annotations

import numpy as np

from gradcli.core.engine import SECOND_BACKWARD, run_backward
from gradcli.core.ops import TABLE, apply
from gradcli.errors import TorchError
from gradcli.core.tensor import GradMode, Node, Tensor, _sequence


class FunctionCtx:
    """The ``ctx`` a custom Function's forward and backward share."""

    def __init__(self):
        self._saved = ()
        self._released = False
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        for item in tensors:
            if item is not None and not isinstance(item, Tensor):
                raise TorchError("save_for_backward can only save variables, but argument 0 is of "
                                 f"type {type(item).__name__}", kind="TypeError")
        self._saved = tuple(tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise TorchError(SECOND_BACKWARD)
        return self._saved

    def mark_non_differentiable(self, *tensors) -> None:
        return None

    def mark_dirty(self, *tensors) -> None:
        return None

    def set_materialize_grads(self, value: bool) -> None:
        return None


class BackwardCFunction(Node):
    """The node of a custom Function application."""

    __slots__ = ("function", "ctx", "input_meta", "released", "label", "result", "args")

    def __init__(self, function, ctx, children, input_meta):
        self.function = function
        self.ctx = ctx
        self.children = children
        self.input_meta = input_meta
        self.seq = next(_sequence)
        self.pre_hooks = None
        self.released = False
        self.label = None
        self.result = None  # the forward's output, kept for inspection commands

    def short_name(self) -> str:
        return f"{self.function.__name__}Backward"

    def name(self) -> str:
        return self.short_name()

    @property
    def _display_name(self) -> str:
        return f"torch.autograd.function.{self.short_name()}"

    @property
    def _tensor_repr_name(self) -> str:
        return self.short_name()

    def apply(self, grad, create_graph: bool):
        grad_tensor = grad if create_graph else Tensor(np.asarray(grad))
        previous = GradMode.enabled
        GradMode.enabled = create_graph
        try:
            result = self.function.backward(self.ctx, grad_tensor)
        finally:
            GradMode.enabled = previous
        grads = result if isinstance(result, tuple) else (result,)
        return self._validated(grads, create_graph)

    def _validated(self, grads, create_graph):
        expected = len(self.input_meta)
        if len(grads) != expected:
            raise TorchError(f"function {self.short_name()} returned an incorrect number of gradients "
                             f"(expected {expected}, got {len(grads)})")
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
            grad = apply(TABLE["sum_to"], grad, shape=shape)
        return grad if create_graph else grad.array

    def release(self) -> None:
        self.released = True
        self.ctx._released = True


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

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = needs
        previous = GradMode.enabled
        GradMode.enabled = False
        try:
            output = cls.forward(ctx, *args)
        finally:
            GradMode.enabled = previous
        if not (previous and True in needs):
            return output
        children = tuple(a.gradient_edge() if need else None for a, need in zip(args, needs))
        meta = tuple(a.array.shape if isinstance(a, Tensor) else () for a in args)
        node = BackwardCFunction(cls, ctx, children, meta)
        node.args = args  # kept so `gradcli check` can re-run the forward at other points
        return _attach(output, node)


def _attach(output, node):
    if isinstance(output, tuple):
        return tuple(_attach(item, node) for item in output)
    if not isinstance(output, Tensor):
        return output
    if output.array.dtype.kind != "f":
        return output
    node.result = output.array
    return Tensor(output.array, True, node)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """``torch.autograd.grad``: gradients of ``outputs`` w.r.t. ``inputs``, without touching .grad."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    return run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs,
                        accumulate=False, allow_unused=allow_unused)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``torch.autograd.backward``: accumulate gradients of ``tensors`` into the leaves."""
    tensors = _as_tuple(tensors)
    grads = (None,) * len(tensors) if grad_tensors is None else _as_tuple(grad_tensors)
    run_backward(tensors, grads, retain_graph, create_graph)


def _as_tuple(value):
    if isinstance(value, Tensor) or value is None:
        return (value,)
    return tuple(value)


from gradcli.api.autograd import function  # noqa: E402  (torch.autograd.function, for `from ... import Function`)

__all__ = ["grad", "backward", "Function", "function"]
