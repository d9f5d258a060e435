"""``torch.nn``: only ``torch.nn.functional`` is provided."""

from . import functional

__all__ = ["functional"]
