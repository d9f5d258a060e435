"""``torch.device``: gradcli computes on the CPU, and says so as a CPU-only PyTorch does.

A program may name any device PyTorch knows (``torch.device('cuda')`` is a value like any
other); tensors live on the CPU only.  Creating or moving a tensor elsewhere fails with the
error PyTorch 2.13's CPU build raises (``Torch not compiled with CUDA enabled``), and a
device string PyTorch would not parse fails with its parser's words.
"""

from __future__ import annotations

import re

from gradcli.errors import TorchError

# PyTorch's device types, in the order its parser lists them
TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
         "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")
# the backends a CPU-only build is "not compiled with", by name
_NOT_COMPILED = {"cuda": "CUDA", "xpu": "XPU"}


class device:
    """A device: its ``type`` ('cpu', 'cuda'...) and ``index`` (None unless given)."""

    __slots__ = ("type", "index")

    def __init__(self, type=None, index=None):
        if isinstance(type, device) and index is None:
            type, index = type.type, type.index
        elif isinstance(type, str):
            type, parsed = _parse(type)
            if parsed is not None:
                if index is not None:
                    raise TorchError(f"type (string) must not include an index because index was "
                                     f"passed explicitly: {type}:{parsed}")
                index = parsed
        elif isinstance(type, int) and not isinstance(type, bool) and index is None:
            _check_index(type)
            raise TorchError("Cannot access accelerator device when none is available.")
        else:
            raise TorchError(f"device() received an invalid combination of arguments - got "
                             f"({_type_word(type)}), but expected one of:", kind="TypeError")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TorchError(f"device(): argument 'index' (position 2) must be int, not "
                                 f"{_type_word(index)}", kind="TypeError")
            _check_index(index)
        self.type, self.index = type, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        # as PyTorch's: only another device compares equal (x.device == 'cpu' is False)
        return type(other) is device and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def _parse(text: str) -> tuple:
    """PyTorch's device-string parser: ``type`` or ``type:index``."""
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise TorchError(f"Invalid device string: '{text}'")
    if match.group(1) not in TYPES:
        raise TorchError(f"Expected one of {', '.join(TYPES)} device type at start of device "
                         f"string: {match.group(1)}")
    index = match.group(2)
    return match.group(1), None if index is None else int(index)


def _check_index(index: int) -> None:
    if index < 0:
        raise TorchError("Device index must not be negative")


def _type_word(value) -> str:
    return "NoneType" if value is None else type(value).__name__


CPU = device("cpu")


class Default:
    """torch.set_default_device's choice (None: the CPU); the runner restores it after a run."""

    device: device | None = None


def as_device(value, caller: str) -> device | None:
    """A ``device=`` argument (a device, a string, an index or None) as a device."""
    if value is None or type(value) is device:
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return device(value)
    raise TorchError(f"{caller}(): argument 'device' must be torch.device, not "
                     f"{_type_word(value)}", kind="TypeError")


def check_creation(value, caller: str) -> None:
    """Creating a tensor on ``value`` (or the default device): the CPU, or PyTorch's refusal."""
    place = as_device(value, caller) if value is not None else Default.device
    if place is None or place.type == "cpu":
        return
    if place.type in _NOT_COMPILED:
        raise TorchError(f"Torch not compiled with {_NOT_COMPILED[place.type]} enabled",
                         kind="AssertionError")
    raise TorchError(f"gradcli computes on the CPU only: it cannot make tensors on '{place.type}'",
                     kind="NotImplementedError")


def check_move(place: device) -> None:
    """``tensor.to(place)``: to the CPU, or PyTorch's refusal."""
    if place.type == "cpu":
        return
    if place.type in _NOT_COMPILED:
        raise TorchError(f"Torch not compiled with {_NOT_COMPILED[place.type]} enabled",
                         kind="AssertionError")
    if place.type in ("meta", "lazy"):  # PyTorch moves there; gradcli has no such tensors
        raise TorchError(f"gradcli computes on the CPU only: it cannot move tensors to "
                         f"'{place.type}'", kind="NotImplementedError")
    raise TorchError(f"PyTorch is not linked with support for {place.type} devices")
