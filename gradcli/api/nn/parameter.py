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
