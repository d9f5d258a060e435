"""``torch.nn.functional``: the layers as functions, with the ops PyTorch's own
``torch/nn/functional.py`` and ATen call underneath, so grad_fn names and values agree."""

from __future__ import annotations

import warnings

import numpy as np

from gradcli.api import functions as fn
from gradcli.api.methods import _inplace
from gradcli.api.functions import (addmm, expand, matmul, mean, reshape, sigmoid, sum, t, tanh,
                                   view)
from gradcli.core.kernels import random as rng
from gradcli.core.ops import TABLE, apply, broadcast_shape, type_word
from gradcli.core.ops.nn import batch_norm_stats, max_pool2d_indices, pool_output_size
from gradcli.core.tensor import Tensor
from gradcli.errors import TorchError

__all__ = ["linear", "bilinear", "conv1d", "conv2d", "max_pool2d", "avg_pool2d",
           "adaptive_avg_pool2d", "batch_norm", "layer_norm", "embedding", "relu", "leaky_relu",
           "elu", "gelu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "mse_loss",
           "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


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


# ----- Convolution and pooling -----

def _tuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _batched(input, spatial, name):
    """A batched view of ``input`` (PyTorch unsqueezes an unbatched one and squeezes after)."""
    if input.dim() == spatial + 1:
        return fn.unsqueeze(input, 0), True
    if input.dim() != spatial + 2:
        raise TorchError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input "
                         f"to {name}, but got input of size: {list(input.shape)}")
    return input, False


def _conv(input, weight, bias, stride, padding, dilation, groups, spatial):
    name = f"conv{spatial}d"
    x, unbatched = _batched(input, spatial, name)
    if x.shape[1] != weight.shape[1] * groups:
        raise TorchError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                         f"input{list(x.shape)} to have {weight.shape[1] * groups} channels, but "
                         f"got {x.shape[1]} channels instead")
    kernel = weight.shape[2:]
    stride, dilation = _tuple(stride, spatial), _tuple(dilation, spatial)
    if padding == "valid":
        padding = 0
    elif padding == "same":
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        if any(t % 2 for t in total):
            raise TorchError("padding='same' with an even kernel is not supported by gradcli",
                             kind="NotImplementedError")
        padding = tuple(t // 2 for t in total)
    padding = _tuple(padding, spatial)
    if spatial == 1:  # the 2-d kernels with a height of 1
        stride, padding, dilation = (1, *stride), (0, *padding), (1, *dilation)
    params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                  spatial=spatial)
    if bias is None:
        out = apply(TABLE["convolution_nobias"], x, weight, **params)
    else:
        out = apply(TABLE["convolution"], x, weight, bias, **params)
    return fn.squeeze(out, 0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def _check_pool_output(input, window, ceil_mode):
    """ATen's pool2d_shape_check: an empty output is refused."""
    sizes = [pool_output_size(size, k, s, p, d, ceil_mode) for size, k, s, p, d in zip(
        input.shape[-2:], window["kernel"], window["stride"], window["padding"],
        window.get("dilation", (1, 1)))]
    if min(sizes) < 1:
        planes = input.shape[-3] if input.dim() > 2 else 1
        raise TorchError(f"Given input size: ({planes}x{input.shape[-2]}x{input.shape[-1]}). "
                         f"Calculated output size: ({planes}x{sizes[0]}x{sizes[1]}). Output size "
                         "is too small")


def _window(kernel_size, stride, padding, dilation=1):
    kernel = _tuple(kernel_size, 2)
    stride = kernel if stride is None or stride == () or stride == [] else _tuple(stride, 2)
    return dict(kernel=kernel, stride=stride, padding=_tuple(padding, 2),
                dilation=_tuple(dilation, 2))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each window (MaxPool2DWithIndicesBackward0); with return_indices, also
    where it is in its plane."""
    x, unbatched = _batched(input, 2, "max_pool2d")
    window = dict(_window(kernel_size, stride, padding, dilation), ceil_mode=ceil_mode)
    if any(2 * p > k for p, k in zip(window["padding"], window["kernel"])):
        raise TorchError("pad should be at most half of effective kernel size, but got "
                         f"pad={window['padding'][0]}, kernel_size={window['kernel'][0]} and "
                         f"dilation={window['dilation'][0]}")
    _check_pool_output(input, window, ceil_mode)
    indices = max_pool2d_indices(x.array, **window)
    if unbatched:  # ATen's pooling kernels take (C, H, W) as they are
        indices = indices[0]
    out = apply(TABLE["max_pool2d"], input, indices=indices, **window)
    return (out, Tensor(indices)) if return_indices else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    _batched(input, 2, "avg_pool2d")
    window = _window(kernel_size, stride, padding)
    _check_pool_output(input, window, ceil_mode)
    del window["dilation"]
    return apply(TABLE["avg_pool2d"], input, ceil_mode=ceil_mode,
                 count_include_pad=count_include_pad, divisor_override=divisor_override, **window)


def adaptive_avg_pool2d(input, output_size):
    """A mean over each of output_size windows; PyTorch computes an output of 1 x 1 as a mean
    over the last two dims (MeanBackward1)."""
    _batched(input, 2, "adaptive_avg_pool2d")
    size = _tuple(output_size, 2)
    size = tuple(input.shape[-2 + i] if s is None else s for i, s in enumerate(size))
    if size == (1, 1):
        return fn.mean(input, dim=(-1, -2), keepdim=True)
    return apply(TABLE["adaptive_avg_pool2d"], input, output_size=size)


# ----- Normalization, embedding, bilinear -----

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """NativeBatchNormBackward0; in training, the batch's statistics normalize and (ATen's
    float64 arithmetic) move the running buffers, in place."""
    if training:
        size = input.shape
        count = size[0]
        for extent in size[2:]:
            count *= extent
        if count == 1:
            raise TorchError("Expected more than 1 value per channel when training, got input "
                             f"size {size}", kind="ValueError")
        if eps <= 0.0:
            raise TorchError(f"batch_norm eps must be positive during training, but got {eps}",
                             kind="ValueError")
        _update_running_stats(input.array, running_mean, running_var, momentum)
        return apply(TABLE["native_batch_norm"], input, weight, bias, training=True, eps=eps)
    return apply(TABLE["native_batch_norm"], input, weight, bias, training=False, eps=eps,
                 running_mean=running_mean.array, running_var=running_var.array)


def _update_running_stats(x, running_mean, running_var, momentum):
    mean, var_sum, count = batch_norm_stats(x)
    updates = []
    if running_mean is not None:
        updates.append((running_mean, momentum * mean.astype(np.float64)
                        + (1 - momentum) * running_mean.array.astype(np.float64)))
    if running_var is not None:
        unbiased = var_sum / (count - 1)
        updates.append((running_var, momentum * unbiased
                        + (1 - momentum) * running_var.array.astype(np.float64)))
    for buffer, value in updates:
        with fn.no_grad():
            buffer.copy_(Tensor(value.astype(buffer.array.dtype)))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = _tuple(normalized_shape, 1)
    if tuple(input.shape[input.dim() - len(shape):]) != shape:
        raise TorchError(f"Given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of size"
                         f"{input.shape}")
    return apply(TABLE["native_layer_norm"], input, weight, bias, normalized_ndim=len(shape),
                 eps=eps)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` looked up by the integer tensor ``input`` (EmbeddingBackward0)."""
    if input.array.dtype.kind not in "iu":
        raise TorchError("Expected tensor for argument #1 'indices' to have one of the following "
                         "scalar types: Long, Int; but got torch.FloatTensor instead (while "
                         "checking arguments for embedding)")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    indices = input.array.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise TorchError("index out of range in self", kind="IndexError")
    return apply(TABLE["embedding"], weight, indices=indices, padding_idx=padding_idx)


def bilinear(input1, input2, weight, bias=None):
    """``x1^T W x2 + b`` for each row: ATen flattens the batch, calls _trilinear
    (TrilinearBackward0), views the result back and adds the bias."""
    lead = input1.shape[:-1]
    flat1 = reshape(input1, -1, input1.shape[-1])
    flat2 = reshape(input2, -1, input2.shape[-1])
    out = reshape(apply(TABLE["trilinear"], flat1, weight, flat2), *lead, weight.shape[0])
    return out + bias if bias is not None else out


# ----- Activations -----

def relu(input, inplace=False):
    return input.relu_() if inplace else fn.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return _inplace(input, lambda old: apply(TABLE["leaky_relu"], old,
                                                   negative_slope=negative_slope))
    return apply(TABLE["leaky_relu"], input, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _inplace(input, lambda old: apply(TABLE["elu"], old, alpha=alpha))
    return apply(TABLE["elu"], input, alpha=alpha)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise TorchError("approximate argument must be either none or tanh.")
    return apply(TABLE["gelu"], input, approximate=approximate)


def dropout(input, p=0.5, training=True, inplace=False):
    """ATen's CPU dropout: a mask drawn by bernoulli_(1 - p) (PyTorch's generator), scaled by
    1 / (1 - p) in the input's dtype, multiplied in (MulBackward0); the input itself when p
    is 0 or not training."""
    if p < 0.0 or p > 1.0:
        raise TorchError(f"dropout probability has to be between 0 and 1, but got {p}",
                         kind="ValueError")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        noise = fn.zeros((), dtype=input.dtype)
    else:
        keep = rng.bernoulli(input.shape, 1 - p)
        dtype = input.array.dtype
        scaled = np.ones((), dtype=dtype) / np.asarray(1 - p, dtype=dtype)
        noise = Tensor(np.where(keep, scaled, np.zeros((), dtype=dtype)))
    return input.mul_(noise) if inplace else input * noise


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


def _check_reduction(reduction):
    if reduction not in ("mean", "sum", "none"):
        raise TorchError(f"{reduction} is not a valid value for reduction", kind="ValueError")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of the target classes (NllLossBackward0; NllLoss2DBackward0 for
    images, and for other ranks viewed as images as ATen's nll_loss_nd does)."""
    _check_reduction(reduction)
    dim = input.dim()
    if dim < 1:
        raise TorchError("input tensor should be 1D or 2D")
    if dim > 1 and input.shape[0] != target.shape[0]:
        raise TorchError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).", kind="ValueError")
    if target.array.dtype not in (np.int64, np.uint8):
        raise TorchError("expected target dtype to be Long or Byte, but got "
                         f"{type_word(target.array.dtype)}")
    params = dict(target=target.array.astype(np.int64),
                  weight=None if weight is None else weight.array.astype(input.array.dtype),
                  reduction=reduction, ignore_index=ignore_index)
    if dim <= 2:
        return apply(TABLE["nll_loss"], input, **params)
    if dim == 4:
        return apply(TABLE["nll_loss2d"], input, **params)
    n, c = input.shape[0], input.shape[1]
    flat = view(fn.contiguous(input), n, c, 1, -1)
    params["target"] = params["target"].reshape(n, 1, -1)
    out = apply(TABLE["nll_loss2d"], flat, **params)
    return view(out, n, *input.shape[2:]) if reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """ATen's cross_entropy_loss: log_softmax then nll_loss for class indices; for class
    probabilities (a target of the input's shape) -(log_softmax * target) summed; label
    smoothing mixes in the mean of -log_softmax, with ATen's ops and so its grad_fn names."""
    _check_reduction(reduction)
    class_dim = 0 if input.dim() == 1 else 1
    if tuple(input.shape) == tuple(target.shape):
        if not target.is_floating_point():
            raise TorchError("Expected floating point type for target with class "
                             f"probabilities, got {type_word(target.array.dtype)}")
        if ignore_index >= 0:
            raise TorchError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing,
                                            class_dim)
    if not 0.0 <= label_smoothing <= 1.0:
        raise TorchError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    log_probabilities = fn.log_softmax(input, class_dim)
    loss = nll_loss(log_probabilities, target, weight, ignore_index=ignore_index,
                    reduction=reduction)
    if label_smoothing > 0.0:
        smooth = _smoothing_term(log_probabilities, target, weight, reduction, ignore_index,
                                 class_dim)
        classes = input.shape[class_dim]
        loss = _times(loss, 1 - label_smoothing) + _times(smooth, label_smoothing / classes)
    return loss


def _times(tensor, number):
    """``number * tensor`` as ATen's C++ writes it: the Scalar overload (MulBackward1)."""
    return apply(TABLE["mul_scalar"], tensor, other=number)


def _smoothing_term(log_probabilities, target, weight, reduction, ignore_index, class_dim):
    if weight is not None:
        shape = [1] * log_probabilities.dim()
        shape[class_dim] = weight.shape[0]
        smooth = -fn.sum(log_probabilities * view(weight, *shape), class_dim)
    else:
        smooth = -fn.sum(log_probabilities, class_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill_(ignored, 0.0)
    if reduction == "sum":
        return fn.sum(smooth)
    if reduction == "none":
        return smooth
    if weight is not None:
        kept = target.array[~ignored.array]
        return fn.sum(smooth) / fn.sum(Tensor(weight.array[kept]))
    return fn.sum(smooth) / fn.sum(~ignored)


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing, class_dim):
    classes = input.shape[class_dim]
    log_probabilities = fn.log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise TorchError("label_smoothing must be between 0.0 and 1.0. Got: "
                             f"{label_smoothing}")
        target = target * (1 - label_smoothing) + label_smoothing / classes
    product = log_probabilities * target
    if weight is not None:
        shape = [1] * input.dim()
        shape[class_dim] = weight.shape[0]
        product = product * (view(weight, *shape) if input.dim() > 1 else weight)
    if reduction == "none":
        return -fn.sum(product, class_dim)
    total = -fn.sum(product)
    if reduction == "sum":
        return total
    return apply(TABLE["div_scalar"], total, other=input.numel() // classes)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    input, target = _broadcast_tensors(input, target)
    _check_reduction(reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    return apply(TABLE["smooth_l1_loss"], input, target, reduction=reduction, beta=beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    input, target = _broadcast_tensors(input, target)
    _check_reduction(reduction)
    return apply(TABLE["huber_loss"], input, target, reduction=reduction, delta=delta)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise TorchError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.", kind="ValueError")
    if weight is not None:
        weight = np.broadcast_to(weight.array, input.array.shape).astype(input.array.dtype)
    return apply(TABLE["binary_cross_entropy"], input, target, weight=weight, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise TorchError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})", kind="ValueError")
    arrays = [None if w is None else w.array.astype(input.array.dtype)
              for w in (weight, pos_weight)]
    return apply(TABLE["binary_cross_entropy_with_logits"], input, target, weight=arrays[0],
                 pos_weight=arrays[1], reduction=reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """ATen's kl_div: xlogy(t, t) - t * input (or exp(t) * (t - input) for a log target), then
    the reduction; 'batchmean' sums and divides by the batch size."""
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise TorchError(f"{reduction} is not a valid value for reduction", kind="ValueError")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = fn.exp(target) * (target - input)
    else:
        loss = apply(TABLE["xlogy"], target, target) - target * input
    if reduction == "batchmean":
        total = fn.sum(loss)
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


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
