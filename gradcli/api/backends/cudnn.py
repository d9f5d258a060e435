"""``torch.backends.cudnn``: not available (its flags read as a CPU build's defaults)."""

from __future__ import annotations

__all__ = ["is_available", "enabled", "deterministic", "benchmark"]

enabled = True
deterministic = False
benchmark = False


def is_available() -> bool:
    return False
