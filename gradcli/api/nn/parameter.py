"""``torch.nn.Parameter``: a leaf Tensor that a Module registers as one of its parameters."""

from __future__ import annotations

import numpy as np

from gradcli.core import dtypes
from gradcli.core.tensor import Tensor, share_version


class Parameter(Tensor):
    """A Tensor that requires grad by default and prints as ``Parameter containing:``.

    Like PyTorch's, it shares memory and version counter with the tensor it wraps (as
    ``data.detach()`` would), is always a leaf, and ops on it return plain Tensors.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor(np.empty((0,), dtype=dtypes.default_float.np))
        super().__init__(data.array)
        share_version(data, self, differentiable=False)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


def clear_grad(param, set_to_none: bool) -> None:
    """What zero_grad does to one parameter (Module's and Optimizer's alike): drop its
    gradient, or detach it from any graph and fill it with zeros."""
    if param.grad is None:
        return
    if set_to_none:
        param.grad = None
        return
    if param.grad.grad_fn is not None:
        param.grad.detach_()
    else:
        param.grad.requires_grad_(False)
    param.grad.zero_()
