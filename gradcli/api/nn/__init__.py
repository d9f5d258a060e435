"""``torch.nn``: only ``torch.nn.functional`` is provided."""

from gradcli.api.nn import functional

__all__ = ["functional"]
