"""``torch.utils``: only ``torch.utils.data`` is provided."""

from gradcli.api.utils import data

__all__ = ["data"]
