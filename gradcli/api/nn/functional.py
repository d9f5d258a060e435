"""``torch.nn.functional``: the layers as functions, with the ops PyTorch's own
``torch/nn/functional.py`` and ATen call underneath, so grad_fn names and values agree."""

from __future__ import annotations

import warnings

from gradcli.api import functions as fn
from gradcli.api.functions import (addmm, expand, matmul, mean, reshape, sigmoid, sum, t, tanh,
                                   view)
from gradcli.core.ops import TABLE, apply, broadcast_shape
from gradcli.core.tensor import Tensor
from gradcli.errors import TorchError

__all__ = ["linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss"]


# ----- Linear -----

def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` as ATen's linear: addmm for a 2-D input (AddmmBackward0);
    other contiguous inputs flattened to 2-D and viewed back; else matmul and add_."""
    if input.dim() == 2 and bias is not None:
        return addmm(bias, input, t(weight))
    if bias is not None and input.is_contiguous() and bias.dim() == 1 and input.dim() >= 1:
        shape = input.shape
        rows = 1
        for size in shape[:-1]:
            rows *= size
        out = addmm(bias, reshape(input, rows, shape[-1]), t(weight))
        return view(out, *shape[:-1], out.shape[1])
    output = matmul(input, t(weight))
    if bias is not None:
        output.add_(bias)
    return output


# ----- Activations -----

def relu(input, inplace=False):
    return input.relu_() if inplace else fn.relu(input)


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return fn.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return fn.log_softmax(input, dim, dtype=dtype)


# ----- Losses -----

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
