"""``torch.autograd``: ``grad`` and ``backward``, custom Functions, ``Variable``, gradient
checks, and the submodules ``function``, ``graph`` (hooks), ``functional`` (jacobian,
hessian, vjp...) and ``forward_ad`` (dual tensors).
"""

from __future__ import annotations

import numpy as np

from gradcli.api.autograd import forward_ad, function, functional, graph
from gradcli.api.autograd.function import BackwardCFunction, Function, FunctionCtx
from gradcli.api.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from gradcli.api.methods import backward_into
from gradcli.core import dtypes
from gradcli.core.engine import run_backward
from gradcli.core.tensor import Tensor, share_version
from gradcli.errors import TorchError


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """``torch.autograd.grad``: gradients of ``outputs`` w.r.t. ``inputs``, without touching .grad."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    grads = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs,
                         accumulate=False, allow_unused=allow_unused)
    if materialize_grads:  # zeros where an input was not used
        grads = tuple(Tensor(np.zeros_like(x.array)) if g is None else g
                      for g, x in zip(grads, inputs))
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """``torch.autograd.backward``: accumulate gradients of ``tensors`` into the leaves (or
    into ``inputs`` alone)."""
    tensors = _as_tuple(tensors)
    grads = (None,) * len(tensors) if grad_tensors is None else _as_tuple(grad_tensors)
    backward_into(tensors, grads, retain_graph, create_graph, inputs)


def _as_tuple(value):
    if isinstance(value, Tensor) or value is None:
        return (value,)
    return tuple(value)


class _VariableMeta(type):
    """Every tensor is a Variable (``isinstance(t, Variable)``), and calling one makes a tensor."""

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, Tensor)

    def __call__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TorchError(f"Variable data has to be a tensor, but got {type(data).__name__}",
                             kind="TypeError")
        if requires_grad:
            dtypes.check_float_for_grad(data.dtype)
        variable = Tensor(data.array, bool(requires_grad))
        share_version(data, variable, differentiable=False)  # the same memory, no history
        return variable


class Variable(metaclass=_VariableMeta):
    """The deprecated ``torch.autograd.Variable(data, requires_grad=False)``: a tensor sharing
    ``data``'s memory, with no history, that requires grad if asked."""


__all__ = ["grad", "backward", "Function", "Variable", "gradcheck", "gradgradcheck", "function",
           "graph", "functional", "forward_ad"]
_ = (BackwardCFunction, FunctionCtx, GradcheckError)  # reachable as torch.autograd.X in Python
