"""``nn.Flatten`` and ``nn.Unflatten``: views that merge or split dims."""

from __future__ import annotations

from gradcli.api import functions as fn
from gradcli.api.nn.modules.module import Module
from gradcli.core.tensor import wrap_dim
from gradcli.errors import TorchError


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return fn.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def unflatten(input, dim, sizes):
    """``Tensor.unflatten``: dim ``dim`` viewed as ``sizes`` (one of them may be -1)."""
    if not sizes:
        raise TorchError("unflatten: sizes must be non-empty")
    dim = wrap_dim(dim, input.dim())
    shape = list(input.shape)
    return fn.view(input, *shape[:dim], *sizes, *shape[dim + 1:])


class Unflatten(Module):
    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
