"""``torch.backends.cuda``: not built in."""

from __future__ import annotations

__all__ = ["is_built"]


def is_built() -> bool:
    return False
