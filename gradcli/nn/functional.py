"""``torch.nn.functional``: the activations and losses built from the op table."""

from __future__ import annotations

from ..errors import TorchError
from ..ops import TABLE, apply
from ..functions import log_softmax, mean, relu, sigmoid, softmax, sum, tanh

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss"]


def _reduce(loss, reduction):
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise TorchError(f"{reduction} is not a valid value for reduction", kind="ValueError")


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: one op in PyTorch (MseLossBackward0), whatever the reduction."""
    if reduction not in ("mean", "sum", "none"):
        raise TorchError(f"{reduction} is not a valid value for reduction", kind="ValueError")
    return apply(TABLE["mse_loss"], input, target, reduction=reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error."""
    return _reduce((input - target).abs(), reduction)
