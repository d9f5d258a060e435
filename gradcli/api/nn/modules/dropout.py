"""``nn.Dropout``: zeroes elements with probability p in training mode, the input itself in
evaluation mode."""

from __future__ import annotations

from gradcli.api.nn import functional as F
from gradcli.api.nn.modules.module import Module
from gradcli.errors import TorchError


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise TorchError(f"dropout probability has to be between 0 and 1, but got {p}",
                             kind="ValueError")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
