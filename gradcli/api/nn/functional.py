"""``torch.nn.functional``: the activations and losses built from the op table."""

from __future__ import annotations

from gradcli.api.functions import expand, log_softmax, mean, relu, sigmoid, softmax, sum, tanh
from gradcli.core.ops import TABLE, apply, broadcast_shape
from gradcli.core.tensor import Tensor
from gradcli.errors import TorchError

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss"]


def _reduce(loss, reduction):
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise TorchError(f"{reduction} is not a valid value for reduction", kind="ValueError")


def _broadcast_tensors(input, target):
    """torch.broadcast_tensors, as PyTorch's losses call it first: an operand of another shape
    is expanded (ExpandBackward0), so a 0-d target of a wider dtype promotes the loss."""
    for x in (input, target):
        if not isinstance(x, Tensor):
            raise TorchError(f"'{type(x).__name__}' object has no attribute 'size'",
                             kind="AttributeError")
    shapes = (input.array.shape, target.array.shape)
    if shapes[0] == shapes[1]:
        return input, target
    shape = broadcast_shape(*shapes)
    return [x if x.array.shape == shape else expand(x, *shape) for x in (input, target)]


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: one op in PyTorch (MseLossBackward0), whatever the reduction."""
    input, target = _broadcast_tensors(input, target)
    if reduction not in ("mean", "sum", "none"):
        raise TorchError(f"{reduction} is not a valid value for reduction", kind="ValueError")
    return apply(TABLE["mse_loss"], input, target, reduction=reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error."""
    input, target = _broadcast_tensors(input, target)
    return _reduce((input - target).abs(), reduction)
