"""``torch.autograd.forward_ad``: forward-mode AD with dual tensors.

Inside ``with dual_level():``, ``make_dual(x, t)`` is ``x`` carrying the tangent ``t``; every op
on dual tensors computes its result's tangent (the op table's ``tangent`` column), and
``unpack_dual(y)`` gives ``(primal, tangent)``, the tangent being the Jacobian of ``y``
w.r.t. ``x`` times ``t``.  Leaving the level forgets every tangent.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from gradcli.core import dual
from gradcli.core.ops import TABLE, apply
from gradcli.core.printing import size_repr
from gradcli.core.tensor import GradMode, Tensor
from gradcli.errors import TorchError

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def enter_dual_level() -> int:
    return dual.enter_level()


def exit_dual_level(*, level=None) -> None:
    dual.exit_level(level)


class dual_level:  # noqa: N801 (PyTorch's name)
    """``with dual_level():`` — forward-mode AD happens inside; tangents are gone after."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` whose tangent is ``tangent`` (as it is when it has the same
    layout, else copied into the tensor's)."""
    if dual.DualMode.level is None:
        raise TorchError("Trying to create a dual Tensor for forward AD but no level exists, make "
                         "sure to enter_dual_level() first.")
    for name, value in (("primal", tensor), ("tangent", tangent)):
        if value.array.dtype.kind != "f":
            raise TorchError(f"Expected {name} to be floating point or complex, but got: "
                             f"{value.dtype}", kind="ValueError")
    if tangent.array.shape != tensor.array.shape:
        raise TorchError("Trying to set a forward gradient that has a different size than that of "
                         "the original Tensor, this is not supported. Tensor is of size "
                         f"{_sizes(tensor)} while the given forward gradient is of size "
                         f"{_sizes(tangent)}.")
    if dual.tangent_of(tensor) is not None:
        raise TorchError("Making a dual Tensor based on a Tensor that already has a forward "
                         "gradient at the same level 0 is not supported.")
    with dual.suspended():
        if tensor.requires_grad and GradMode.enabled:
            result = apply(TABLE["view"], tensor, shape=tensor.array.shape)
        else:
            result = _untracked_alias(tensor)
    if tangent.stride() != tensor.stride():
        tangent = Tensor(np.array(tangent.array, order="C" if tensor.is_contiguous() else "K"))
    dual.set_tangent(result, tangent)
    return result


def _sizes(tensor) -> str:
    return size_repr(tensor.array.shape).removeprefix("torch.Size(").removesuffix(")")


def _untracked_alias(tensor):
    previous, GradMode.enabled = GradMode.enabled, False
    try:
        return apply(TABLE["alias"], tensor)
    finally:
        GradMode.enabled = previous


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor: the primal a view without the tangent, the
    tangent as it is (None for a tensor that is not dual, or outside a level)."""
    if dual.DualMode.level is None:
        return UnpackedDualTensor(tensor, None)
    with dual.suspended():
        if tensor.requires_grad and GradMode.enabled:
            primal = apply(TABLE["identity"], tensor)
        else:
            primal = _untracked_alias(tensor)
    return UnpackedDualTensor(primal, dual.tangent_of(tensor))


__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]
