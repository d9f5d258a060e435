"""``torch.cuda`` of a CPU-only PyTorch: no device, and its calls that need one refuse."""

from __future__ import annotations

from gradcli.errors import TorchError

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all",
           "empty_cache", "current_device", "get_device_name", "synchronize"]

NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed) -> None:
    int(seed)  # (PyTorch's check: the seed must read as an integer; with no GPU it seeds nothing)


manual_seed_all = manual_seed


def empty_cache() -> None:
    return None


def current_device():
    raise TorchError(NOT_COMPILED, kind="AssertionError")


def get_device_name(device=None):
    raise TorchError(NOT_COMPILED, kind="AssertionError")


def synchronize(device=None):
    raise TorchError(NOT_COMPILED, kind="AssertionError")
