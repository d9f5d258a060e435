"""Rows: the layers of torch.nn (addmm for Linear, convolution, pooling, normalization, the
activations and losses that are one op in PyTorch).
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.core.ops.common import _fma
from gradcli.core.ops.linalg import (_C_TYPE_NAMES, _check_mm, _mm_mat1_rule, _mm_mat2_rule,
                                     type_word)
from gradcli.core.ops.schema import PROMOTE_BINARY, PROMOTE_UNARY_FLOAT, defop, sample
from gradcli.errors import TorchError


# ----- Linear -----
def _addmm_forward(bias, a, b, layout=None):
    # PyTorch copies the bias into the result and lets gemm add the product to it (beta=1):
    # the product's sum rounded first, then one addition per element
    for name, x in (("self", bias), ("mat1", a)):
        if x.dtype != b.dtype:
            raise TorchError(f"{name} and mat2 must have the same dtype, but got "
                             f"{type_word(x.dtype)} and {type_word(b.dtype)}")
    product = _check_mm(a, b)
    try:
        shape = np.broadcast_shapes(bias.shape, product.shape)
    except ValueError:
        raise TorchError(f"The expanded size of the tensor ({product.shape[-1]}) must match the "
                         f"existing size ({bias.shape[-1]}) at non-singleton dimension 1.  Target "
                         f"sizes: [{product.shape[0]}, {product.shape[1]}].  Tensor sizes: "
                         f"[{', '.join(map(str, bias.shape))}]") from None
    if shape != product.shape:
        raise TorchError(f"The expanded size of the tensor ({product.shape[-1]}) must match the "
                         f"existing size ({shape[-1]}) at non-singleton dimension 1.")
    return product + bias


# layout as mm's: (mat1, mat2) column-major, given only when one is
defop("addmm", "AddmmBackward0", _addmm_forward,
      lambda F, g, r, bias, a, b, layout=(False, False): g,  # (summed to the bias's shape)
      # (mm's rules; each reads only the other matrix)
      lambda F, g, r, bias, a, b, layout=(False, False): _mm_mat1_rule(F, g, r, None, b, layout),
      lambda F, g, r, bias, a, b, layout=(False, False): _mm_mat2_rule(F, g, r, a, None, layout),
      saved_inputs=((), (2,), (1,)), arg_names=("self", "mat1", "mat2"),
      formula="d(c + A@B)/dc = 1, /dA = G@B^T, /dB = A^T@G", last_input_first=True,
      gradcheck=(sample((4,), (2, 3), (3, 4)), sample((2, 4), (2, 3), (3, 4)),
                 sample((1, 1), (1, 3), (3, 1)),
                 sample((4,), (2, 3), (3, 4), layout=(False, True))))


# ----- Activations (ATen's CPU kernels, in float32 where they compute in it) -----
def _scalar(value, x):
    return np.asarray(value, dtype=x.dtype)  # a Scalar argument cast to the tensor's dtype


def _leaky_relu_forward(x, negative_slope):
    return np.where(x > 0, x, x * _scalar(negative_slope, x))


def _leaky_relu_backward_forward(g, x, negative_slope):
    return np.where(x > 0, g, g * _scalar(negative_slope, g))


defop("leaky_relu_backward", "LeakyReluBackwardBackward0", _leaky_relu_backward_forward,
      lambda F, g, r, grad_output, x, negative_slope:
          F.leaky_relu_backward(g, x, negative_slope=negative_slope),
      lambda F, g, r, grad_output, x, negative_slope: F.zeros_like(g),
      saved_inputs=((1,), ()), promote=PROMOTE_BINARY, arg_names=("grad_output", "self"),
      formula="d [x > 0 ? g : g*slope]/dg = [x > 0 ? 1 : slope]",
      gradcheck=(sample((2, 3), (2, 3), domain="nonzero", negative_slope=0.1),))
defop("leaky_relu", "LeakyReluBackward0", _leaky_relu_forward,
      lambda F, g, r, x, negative_slope: F.leaky_relu_backward(g, x, negative_slope=negative_slope),
      promote=PROMOTE_UNARY_FLOAT, formula="d leaky_relu(x)/dx = [x > 0 ? 1 : slope]",
      sympy=lambda sp, x, negative_slope: sp.Piecewise((x, x > 0), (x * negative_slope, True)),
      gradcheck=(sample((2, 3), domain="nonzero", negative_slope=0.01),
                 sample((4,), domain="nonzero", negative_slope=0.2)))


def _expm1(x):
    # SLEEF's expm1 in PyTorch's vector kernel; here through float64, within an ulp
    return np.expm1(x.astype(np.float64)).astype(x.dtype) if x.dtype == np.float32 else np.expm1(x)


def _elu_forward(x, alpha=1.0, scale=1.0, input_scale=1.0):
    negcoef = _scalar(alpha, x) * _scalar(scale, x)
    return np.where(x > 0, x * _scalar(scale, x),
                    _expm1(x * _scalar(input_scale, x)) * negcoef)


def _elu_backward_forward(g, x, alpha=1.0, scale=1.0, input_scale=1.0):
    negcoef = _scalar(alpha, x) * _scalar(scale, x)
    negiptcoef = _scalar(input_scale, x)
    exp = _exp_for(x * negiptcoef)
    return np.where(x <= 0, g * negiptcoef * negcoef * exp, g * _scalar(scale, x))


def _exp_for(x):
    return np.exp(x.astype(np.float64)).astype(x.dtype) if x.dtype == np.float32 else np.exp(x)


def _elu_double_backward(F, g, grad_output, x, alpha, scale, input_scale):
    # elu_double_backward (is_result false): g * grad_output * ic * nc * exp(x*ic), zero for x > 0
    coefficient = input_scale * alpha * scale
    out = g * grad_output * coefficient * F.exp(x * input_scale)
    return F.masked_fill(out, mask=F.as_array(x) > 0)


defop("elu_backward", "EluBackwardBackward0", _elu_backward_forward,
      lambda F, g, r, grad_output, x, alpha=1.0, scale=1.0, input_scale=1.0:
          F.elu_backward(g, x, alpha=alpha, scale=scale, input_scale=input_scale),
      lambda F, g, r, grad_output, x, alpha=1.0, scale=1.0, input_scale=1.0:
          _elu_double_backward(F, g, grad_output, x, alpha, scale, input_scale),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "self_or_result"),
      formula="d elu_backward(g, x)/dg = [x > 0 ? scale : ic*nc*exp(x*ic)]",
      gradcheck=(sample((2, 3), (2, 3), domain="nonzero", alpha=1.5),))
defop("elu", "EluBackward0", _elu_forward,
      lambda F, g, r, x, alpha=1.0, scale=1.0, input_scale=1.0:
          F.elu_backward(g, x, alpha=alpha, scale=scale, input_scale=input_scale),
      promote=PROMOTE_UNARY_FLOAT, formula="d elu(x)/dx = [x > 0 ? 1 : alpha*exp(x)]",
      sympy=lambda sp, x, alpha=1.0, scale=1.0, input_scale=1.0: sp.Piecewise(
          (x * scale, x > 0), ((sp.exp(x * input_scale) - 1) * alpha * scale, True)),
      gradcheck=(sample((2, 3), domain="nonzero"), sample((4,), domain="nonzero", alpha=0.5)))

# GELU: the exact form with erf, or the tanh approximation, as ATen's GeluKernel
_SQRT1_2 = 0.70710678118654752440
_GELU_PDF = 1.12837916709551257390 * _SQRT1_2 * 0.5  # M_2_SQRTPI * M_SQRT1_2 * 0.5
_GELU_TANH_BETA = 1.41421356237309504880 * 1.12837916709551257390 * 0.5
_GELU_TANH_KAPPA = 0.044715
_erf = np.frompyfunc(math.erf, 1, 1)


def _through_double(function, x):
    return np.asarray(function(x.astype(np.float64)), dtype=np.float64).astype(x.dtype)


def _gelu_forward(x, approximate="none"):
    c = lambda v: _scalar(v, x)  # noqa: E731
    if approximate == "tanh":
        inner = c(_GELU_TANH_BETA) * (x + c(_GELU_TANH_KAPPA) * (x * x * x))
        return c(0.5) * x * (c(1) + _through_double(np.tanh, inner))
    return x * c(0.5) * (c(1) + _through_double(_erf, x * c(_SQRT1_2)))


def _gelu_backward_forward(g, x, approximate="none"):
    c = lambda v: _scalar(v, x)  # noqa: E731
    if approximate == "tanh":
        x_sq = x * x
        inner = c(_GELU_TANH_BETA) * (x + c(_GELU_TANH_KAPPA) * (x_sq * x))
        tanh_inner = _through_double(np.tanh, inner)
        left, right = c(0.5) * x, c(1) + tanh_inner
        inner_derivative = c(_GELU_TANH_BETA) * (c(1) + c(3) * c(_GELU_TANH_KAPPA) * x_sq)
        right_derivative = left * (c(1) - tanh_inner * tanh_inner) * inner_derivative
        return g * (c(0.5) * right + right_derivative)
    cdf = c(0.5) * (c(1) + _through_double(_erf, x * c(_SQRT1_2)))
    pdf = c(_GELU_PDF) * _exp_for(x * x * c(-0.5))
    return g * (cdf + x * pdf)


def _gelu_second(F, g, grad_output, x, approximate):
    """d gelu_backward(grad_output, x)/dx, times g: grad_output * gelu''(x) * g."""
    if approximate == "tanh":
        inner = _GELU_TANH_BETA * (x + _GELU_TANH_KAPPA * x * x * x)
        t = F.tanh(inner)
        d_inner = _GELU_TANH_BETA * (1 + 3 * _GELU_TANH_KAPPA * x * x)
        sech2 = 1 - t * t
        d2_inner = _GELU_TANH_BETA * 6 * _GELU_TANH_KAPPA * x
        second = sech2 * d_inner + 0.5 * x * (-2 * t * sech2 * d_inner * d_inner
                                                + sech2 * d2_inner)
        return g * grad_output * second
    pdf = _GELU_PDF * F.exp(x * x * -0.5)
    return g * grad_output * pdf * (2 - x * x)


defop("gelu_backward", "GeluBackwardBackward0", _gelu_backward_forward,
      lambda F, g, r, grad_output, x, approximate="none":
          F.gelu_backward(g, x, approximate=approximate),
      lambda F, g, r, grad_output, x, approximate="none":
          _gelu_second(F, g, grad_output, x, approximate),
      promote=PROMOTE_BINARY, arg_names=("grad_output", "self"),
      formula="d gelu'(x)*g/dg = gelu'(x)",
      gradcheck=(sample((2, 3), (2, 3)), sample((4,), (4,), approximate="tanh")))
defop("gelu", "GeluBackward0", _gelu_forward,
      lambda F, g, r, x, approximate="none": F.gelu_backward(g, x, approximate=approximate),
      promote=PROMOTE_UNARY_FLOAT, formula="d gelu(x)/dx = Phi(x) + x*phi(x)",
      sympy=lambda sp, x, approximate="none": (x / 2 * (1 + sp.erf(x / sp.sqrt(2)))
                                               if approximate == "none" else
                                               x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (
                                                   x + sp.Rational(44715, 1000000) * x ** 3)))),
      gradcheck=(sample((2, 3)), sample((4,), approximate="tanh")))


# ----- Convolution (1-d and 2-d, as 2-d with a height of 1) -----
# ConvolutionBackward0's three gradients are rows of their own, so that a second backward
# records differentiable nodes: the input's gradient is a transposed convolution of the
# output's, the weight's a correlation of the input with it.  PyTorch runs these on oneDNN
# or MKL; the sums here are numpy's (tensordot), within a few ulps.
def _as_2d(x, spatial):
    return x[:, :, None, :] if spatial == 1 else x


def _windows(x, kernel, stride, padding, dilation):
    """x (N, C, H, W) -> (N, C, oH, oW, kH, kW): every kernel position of every output."""
    ph, pw = padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if x.shape[2] < span[0] or x.shape[3] < span[1]:
        return None
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def _conv_forward(x, w, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1,
                  spatial=2):
    if bias is not None and bias.dtype != x.dtype:
        raise TorchError(f"Input type ({_C_TYPE_NAMES[x.dtype.name]}) and bias type "
                         f"({_C_TYPE_NAMES[bias.dtype.name]}) should be the same")
    if w.dtype != x.dtype:
        raise TorchError(f"expected scalar type {type_word(x.dtype)} but found "
                         f"{type_word(w.dtype)}")
    x2, w2 = _as_2d(x, spatial), _as_2d(w, spatial)
    windows = _windows(x2, w2.shape[2:], stride, padding, dilation)
    if windows is None:
        padded = " x ".join(str(s + 2 * p) for s, p in zip(x2.shape[2:], padding))
        span = " x ".join(str(d * (k - 1) + 1) for k, d in zip(w2.shape[2:], dilation))
        raise TorchError(f"Calculated padded input size per channel: ({padded}). Kernel size: "
                         f"({span}). Kernel size can't be greater than actual input size")
    out_per_group, in_per_group = w2.shape[0] // groups, w2.shape[1]
    outs = []
    for group in range(groups):
        patch = windows[:, group * in_per_group:(group + 1) * in_per_group]
        kernel = w2[group * out_per_group:(group + 1) * out_per_group]
        outs.append(np.tensordot(patch, kernel, axes=([1, 4, 5], [1, 2, 3])))  # N oH oW O
    out = np.concatenate(outs, axis=3).transpose(0, 3, 1, 2)
    if bias is not None:
        out = out + bias[:, None, None]
    out = np.ascontiguousarray(out, dtype=x.dtype)
    return out[:, :, 0, :] if spatial == 1 else out


def _conv_input_grad_forward(g, w, input_shape, stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                             groups=1, spatial=2):
    """The input's gradient: each output's gradient spread back over its window."""
    g2, w2 = _as_2d(g, spatial), _as_2d(w, spatial)
    shape = tuple(input_shape) if spatial == 2 else (input_shape[0], input_shape[1], 1,
                                                      input_shape[2])
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    kh, kw = w2.shape[2:]
    padded = np.zeros((shape[0], shape[1], shape[2] + 2 * ph, shape[3] + 2 * pw), dtype=g.dtype)
    out_per_group, in_per_group = w2.shape[0] // groups, w2.shape[1]
    oh, ow = g2.shape[2:]
    for group in range(groups):
        grads = g2[:, group * out_per_group:(group + 1) * out_per_group]
        kernel = w2[group * out_per_group:(group + 1) * out_per_group]
        cols = np.tensordot(grads, kernel, axes=([1], [0]))  # N oH oW C kH kW
        target = padded[:, group * in_per_group:(group + 1) * in_per_group]
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
                columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                target[:, :, rows, columns] += cols[..., i, j].transpose(0, 3, 1, 2)
    out = padded[:, :, ph:ph + shape[2], pw:pw + shape[3]]
    out = np.ascontiguousarray(out)
    return out[:, :, 0, :] if spatial == 1 else out


def _conv_weight_grad_forward(x, g, weight_shape, stride=(1, 1), padding=(0, 0),
                              dilation=(1, 1), groups=1, spatial=2):
    """The weight's gradient: the input's windows correlated with the output's gradient."""
    x2, g2 = _as_2d(x, spatial), _as_2d(g, spatial)
    shape = tuple(weight_shape) if spatial == 2 else (weight_shape[0], weight_shape[1], 1,
                                                       weight_shape[2])
    windows = _windows(x2, shape[2:], stride, padding, dilation)
    out_per_group, in_per_group = shape[0] // groups, shape[1]
    parts = []
    for group in range(groups):
        grads = g2[:, group * out_per_group:(group + 1) * out_per_group]
        patch = windows[:, group * in_per_group:(group + 1) * in_per_group]
        parts.append(np.tensordot(grads, patch, axes=([0, 2, 3], [0, 2, 3])))  # O C kH kW
    out = np.ascontiguousarray(np.concatenate(parts, axis=0), dtype=x.dtype)
    return out[:, :, 0, :] if spatial == 1 else out


def _conv_params(params):
    return {k: params[k] for k in ("stride", "padding", "dilation", "groups", "spatial")}


def _conv_input_rule(F, g, r, x, w, *bias, **params):
    return F.convolution_backward_input(g, w, input_shape=tuple(x.shape), **_conv_params(params))


def _conv_weight_rule(F, g, r, x, w, *bias, **params):
    return F.convolution_backward_weight(x, g, weight_shape=tuple(w.shape),
                                         **_conv_params(params))


def _conv_bias_rule(F, g, r, x, w, bias, **params):
    return F.sum(g, dim=(0,) + tuple(range(2, len(g.shape))))


_CONV = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, spatial=2)
_CONV1 = dict(stride=(1, 2), padding=(0, 1), dilation=(1, 1), groups=1, spatial=1)
_CONV_GROUPS = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2, spatial=2)
defop("convolution_backward_input", "ConvolutionBackwardBackward0", _conv_input_grad_forward,
      lambda F, g, r, grad, w, input_shape, **p: F.convolution_nobias(g, w, **p),
      lambda F, g, r, grad, w, input_shape, **p:
          F.convolution_backward_weight(g, grad, weight_shape=tuple(w.shape), **p),
      arg_names=("grad_output", "weight"), formula="the input's gradient: a transposed conv",
      gradcheck=(sample((1, 2, 3, 3), (2, 1, 2, 2), input_shape=(1, 1, 4, 4), **_CONV),
                 sample((2, 2, 3), (2, 3, 2), input_shape=(2, 3, 4), **_CONV1),
                 sample((1, 2, 2, 2), (2, 1, 2, 2), input_shape=(1, 2, 3, 4), **_CONV_GROUPS)))
defop("convolution_backward_weight", "ConvolutionBackwardBackward0", _conv_weight_grad_forward,
      lambda F, g, r, x, grad, weight_shape, **p:
          F.convolution_backward_input(grad, g, input_shape=tuple(x.shape), **p),
      lambda F, g, r, x, grad, weight_shape, **p: F.convolution_nobias(x, g, **p),
      arg_names=("self", "grad_output"), formula="the weight's gradient: a correlation",
      gradcheck=(sample((1, 1, 4, 4), (1, 2, 3, 3), weight_shape=(2, 1, 2, 2), **_CONV),
                 sample((2, 3, 4), (2, 2, 3), weight_shape=(2, 3, 2), **_CONV1),
                 sample((1, 2, 3, 4), (1, 2, 2, 2), weight_shape=(2, 1, 2, 2), **_CONV_GROUPS)))
defop("convolution", "ConvolutionBackward0", _conv_forward,
      _conv_input_rule, _conv_weight_rule, _conv_bias_rule,
      arg_names=("input", "weight", "bias"), formula="d conv(x, w)/dx: a transposed conv",
      gradcheck=(sample((1, 1, 4, 4), (2, 1, 2, 2), (2,), **_CONV),
                 sample((2, 3, 4), (2, 3, 2), (2,), **_CONV1),
                 sample((1, 2, 3, 4), (2, 1, 2, 2), (2,), **_CONV_GROUPS)))
defop("convolution_nobias", "ConvolutionBackward0", _conv_forward,
      _conv_input_rule, _conv_weight_rule,
      arg_names=("input", "weight"), formula="d conv(x, w)/dx: a transposed conv",
      gradcheck=(sample((1, 1, 4, 4), (2, 1, 2, 2), **_CONV),
                 sample((1, 2, 3, 4), (2, 1, 2, 2), **_CONV_GROUPS)))


# ----- Pooling (2-d; the indices of max_pool2d are found first, then gathered) -----
def _unbatched_too(forward):
    """A pooling forward of (N, C, H, W) arrays that also takes (C, H, W) ones, as ATen's
    kernels do: the array, its indices and input shape given a batch of one, which the result
    then loses."""
    def run(first, **params):
        if first.ndim != 3:
            return forward(first, **params)
        if "indices" in params:
            params["indices"] = params["indices"][None]
        if "input_shape" in params:
            params["input_shape"] = (1, *params["input_shape"])
        return forward(first[None], **params)[0]
    run.__name__ = forward.__name__
    return run


def pool_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """ATen's pooling_output_shape."""
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * padding - span + (stride - 1 if ceil_mode else 0)
    out = numerator // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def max_pool2d_indices(x, kernel, stride, padding, dilation, ceil_mode):
    """(N, C, H, W) -> int64 (N, C, oH, oW): the flat index (h * W + w) of each window's
    first maximum (or NaN), as ATen's kernel scans a window row by row."""
    n, c, h, w = x.shape
    oh, ow = (pool_output_size(s, k, st, p, d, ceil_mode)
              for s, k, st, p, d in zip((h, w), kernel, stride, padding, dilation))
    best = np.full((n, c, oh, ow), -np.inf, dtype=np.float64)
    index = np.full((n, c, oh, ow), -1, dtype=np.int64)
    rows = np.arange(oh) * stride[0] - padding[0]
    cols = np.arange(ow) * stride[1] - padding[1]
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            r, q = rows + i * dilation[0], cols + j * dilation[1]
            inside = ((r >= 0) & (r < h))[:, None] & ((q >= 0) & (q < w))[None, :]
            values = x[:, :, np.clip(r, 0, h - 1)][:, :, :, np.clip(q, 0, w - 1)].astype(np.float64)
            better = inside & ((values > best) | np.isnan(values)) & ~np.isnan(best)
            best = np.where(better, values, best)
            index = np.where(better, (np.clip(r, 0, h - 1)[:, None] * w
                                      + np.clip(q, 0, w - 1)[None, :]), index)
    return np.where(index < 0, 0, index)


def _planes(x):
    return x.reshape(x.shape[0], x.shape[1], -1)


@_unbatched_too
def _max_pool2d_forward(x, indices, **window):
    flat = _planes(x)
    picked = np.take_along_axis(flat, indices.reshape(indices.shape[0], indices.shape[1], -1),
                                axis=2)
    return picked.reshape(indices.shape)


@_unbatched_too
def _max_pool2d_backward_forward(g, input_shape, indices, **window):
    """Each output's gradient added at its maximum, in the order of the outputs (as ATen)."""
    n, c = input_shape[:2]
    out = np.zeros((n, c, int(np.prod(input_shape[2:]))), dtype=g.dtype)
    flat_index = indices.reshape(n * c, -1)
    target = out.reshape(n * c, -1)
    grads = g.reshape(n * c, -1)
    for plane in range(n * c):
        np.add.at(target[plane], flat_index[plane], grads[plane])
    return out.reshape(input_shape)


def _pool_sample_indices(kernel, stride, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    window = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                  ceil_mode=ceil_mode)
    return dict(window, indices=lambda x, *rest: max_pool2d_indices(x, **window))


_POOL_A = _pool_sample_indices((2, 2), (2, 2))
_POOL_B = _pool_sample_indices((3, 2), (1, 2), padding=(1, 1), ceil_mode=True)
# the backward rows take the input's shape, not the input: their gradient reaches only the
# output's gradient (PyTorch's own second derivative for self is zero)
defop("max_pool2d_backward", "MaxPool2DWithIndicesBackwardBackward0",
      _max_pool2d_backward_forward,
      lambda F, g, r, grad, input_shape, indices, **window:
          F.max_pool2d(g, indices=indices, **window),
      saves=False, arg_names=("grad_output",),
      formula="the output's gradient put back at each window's maximum",
      gradcheck=(sample((1, 2, 2, 2), input_shape=(1, 2, 4, 4),
                        **dict(_POOL_A, indices=lambda g: np.array(
                            [[[[0, 3], [9, 14]], [[5, 2], [12, 11]]]]))),))
defop("max_pool2d", "MaxPool2DWithIndicesBackward0", _max_pool2d_forward,
      lambda F, g, r, x, indices, **window:
          F.max_pool2d_backward(g, input_shape=tuple(x.shape), indices=indices, **window),
      saved_inputs=((),), formula="d max_pool(x)/dx_i = [x_i is its window's maximum]",
      gradcheck=(sample((1, 2, 4, 4), domain="distinct", **_POOL_A),
                 sample((2, 1, 3, 5), domain="distinct", **_POOL_B)))


def _avg_windows(size, kernel, stride, padding, ceil_mode, out):
    """Per output position: the window's start and end in the input, and the end clipped to
    the padded input (what count_include_pad counts)."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    pool = end - start
    return np.maximum(start, 0), np.minimum(end, size), pool


def _avg_divisors(shape, kernel, stride, padding, ceil_mode, count_include_pad,
                  divisor_override):
    h, w = shape
    oh, ow = (pool_output_size(s, k, st, p, 1, ceil_mode)
              for s, k, st, p in zip((h, w), kernel, stride, padding))
    hs, he, hpool = _avg_windows(h, kernel[0], stride[0], padding[0], ceil_mode, oh)
    ws, we, wpool = _avg_windows(w, kernel[1], stride[1], padding[1], ceil_mode, ow)
    if divisor_override:
        divisor = np.full((oh, ow), divisor_override, dtype=np.int64)
    elif count_include_pad:
        divisor = hpool[:, None] * wpool[None, :]
    else:
        divisor = (he - hs)[:, None] * (we - ws)[None, :]
    return (oh, ow), (hs, he, ws, we), divisor


@_unbatched_too
def _avg_pool2d_forward(x, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                        divisor_override=None):
    (oh, ow), (hs, he, ws, we), divisor = _avg_divisors(
        x.shape[2:], kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    total = np.zeros(x.shape[:2] + (oh, ow), dtype=x.dtype)
    for i in range(kernel[0]):  # row by row of each window, as ATen adds them
        for j in range(kernel[1]):
            r_ok = _inside(i, stride[0], padding[0], oh, he, hs)
            q_ok = _inside(j, stride[1], padding[1], ow, we, ws)
            values = x[:, :, np.clip(_offsets(i, stride[0], padding[0], oh), 0, x.shape[2] - 1)]
            values = values[:, :, :, np.clip(_offsets(j, stride[1], padding[1], ow), 0,
                                             x.shape[3] - 1)]
            total = total + np.where(r_ok[:, None] & q_ok[None, :], values, 0)
    return (total / divisor.astype(x.dtype)).astype(x.dtype)


def _offsets(i, stride, padding, out):
    return np.arange(out) * stride - padding + i


def _inside(i, stride, padding, out, end, start):
    position = _offsets(i, stride, padding, out)
    return (position >= start) & (position < end)


@_unbatched_too
def _avg_pool2d_backward_forward(g, input_shape, kernel, stride, padding, ceil_mode=False,
                                 count_include_pad=True, divisor_override=None):
    (oh, ow), (hs, he, ws, we), divisor = _avg_divisors(
        input_shape[2:], kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    delta = g / divisor.astype(g.dtype)
    out = np.zeros(input_shape, dtype=g.dtype)
    # ATen adds each output's share in output order: the kernel offsets backwards
    for i in reversed(range(kernel[0])):
        for j in reversed(range(kernel[1])):
            r_ok = _inside(i, stride[0], padding[0], oh, he, hs)
            q_ok = _inside(j, stride[1], padding[1], ow, we, ws)
            rows = _offsets(i, stride[0], padding[0], oh)[r_ok]
            cols = _offsets(j, stride[1], padding[1], ow)[q_ok]
            if rows.size and cols.size:
                out[:, :, rows[:, None], cols[None, :]] += delta[:, :, r_ok][:, :, :, q_ok]
    return out


_AVG_A = dict(kernel=(2, 2), stride=(2, 2), padding=(0, 0))
_AVG_B = dict(kernel=(3, 2), stride=(1, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False)
defop("avg_pool2d_backward", "AvgPool2DBackwardBackward0", _avg_pool2d_backward_forward,
      lambda F, g, r, grad, input_shape, **window: F.avg_pool2d(g, **window),
      saves=False, arg_names=("grad_output",),
      formula="the output's gradient shared over its window",
      gradcheck=(sample((1, 2, 2, 2), input_shape=(1, 2, 4, 4), **_AVG_A),))
defop("avg_pool2d", "AvgPool2DBackward0", _avg_pool2d_forward,
      lambda F, g, r, x, **window: F.avg_pool2d_backward(g, input_shape=tuple(x.shape),
                                                         **window),
      saved_inputs=((),), formula="d avg_pool(x)/dx_i = 1/n for each window holding x_i",
      gradcheck=(sample((1, 2, 4, 4), **_AVG_A), sample((2, 1, 3, 5), **_AVG_B)))


def adaptive_windows(size, out):
    starts = np.array([(i * size) // out for i in range(out)])
    ends = np.array([-(-((i + 1) * size) // out) for i in range(out)])
    return starts, ends


@_unbatched_too
def _adaptive_avg_pool2d_forward(x, output_size):
    (oh, ow), (h, w) = output_size, x.shape[2:]
    out = np.empty(x.shape[:2] + (oh, ow), dtype=x.dtype)
    hs, he = adaptive_windows(h, oh)
    ws, we = adaptive_windows(w, ow)
    for a in range(oh):
        for b in range(ow):
            total = np.zeros(x.shape[:2], dtype=x.dtype)
            for i in range(hs[a], he[a]):
                for j in range(ws[b], we[b]):
                    total = total + x[:, :, i, j]
            kh, kw = x.dtype.type(he[a] - hs[a]), x.dtype.type(we[b] - ws[b])
            out[:, :, a, b] = total / kh / kw
    return out


@_unbatched_too
def _adaptive_avg_pool2d_backward_forward(g, input_shape, output_size):
    (oh, ow), (h, w) = output_size, input_shape[2:]
    out = np.zeros(input_shape, dtype=g.dtype)
    hs, he = adaptive_windows(h, oh)
    ws, we = adaptive_windows(w, ow)
    for a in range(oh):
        for b in range(ow):
            kh, kw = g.dtype.type(he[a] - hs[a]), g.dtype.type(we[b] - ws[b])
            out[:, :, hs[a]:he[a], ws[b]:we[b]] += (g[:, :, a, b] / kh / kw)[:, :, None, None]
    return out


defop("adaptive_avg_pool2d_backward", "AdaptiveAvgPool2DBackwardBackward0",
      _adaptive_avg_pool2d_backward_forward,
      lambda F, g, r, grad, input_shape, output_size:
          F.adaptive_avg_pool2d(g, output_size=output_size),
      saves=False, arg_names=("grad_output",),
      formula="the output's gradient shared over its window",
      gradcheck=(sample((1, 2, 2, 3), input_shape=(1, 2, 5, 4), output_size=(2, 3)),))
defop("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", _adaptive_avg_pool2d_forward,
      lambda F, g, r, x, output_size: F.adaptive_avg_pool2d_backward(
          g, input_shape=tuple(x.shape), output_size=output_size),
      saved_inputs=((),), formula="d pool(x)/dx_i = 1/n for each window holding x_i",
      gradcheck=(sample((1, 2, 5, 4), output_size=(2, 3)),
                 sample((2, 1, 3, 3), output_size=(2, 2))))


# ----- Normalization -----
# Batch norm's statistics are computed by the functional form (ATen's order: each channel summed
# in float64, sample after sample), which also updates the running buffers; the row normalizes
# with them.  ATen's kernel for 2-d inputs (channels last) sums in per-thread float buffers, so
# its last bits depend on the thread count; those are not reproduced.
def batch_norm_stats(x):
    """(mean, biased variance sum) per channel of (N, C, ...), as ATen's contiguous kernel."""
    planes = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)
    count = planes.shape[1]
    mean = (planes.astype(np.float64).sum(axis=1) / count).astype(x.dtype)
    centered = (planes - mean[:, None])
    return mean, (centered * centered).astype(np.float64).sum(axis=1), count


def _channel(v, x):
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


def batch_norm_invstd(var_sum, count, eps, dtype):
    return (1 / np.sqrt(var_sum / count + eps)).astype(dtype)


def _batch_norm_statistics(x, training, eps, running_mean, running_var):
    """The mean and inverse deviation a batch norm normalizes with: the batch's in training,
    the running ones (1 / sqrt(var + eps) in the input's dtype, as ATen) otherwise."""
    if training:
        mean, var_sum, count = batch_norm_stats(x)
        return mean, batch_norm_invstd(var_sum, count, eps, x.dtype)
    eps = np.asarray(eps, dtype=x.dtype)
    return running_mean, (1 / np.sqrt(running_var + eps)).astype(x.dtype)


def _batch_norm_forward(x, weight, bias, training=True, eps=1e-5, running_mean=None,
                        running_var=None):
    mean, invstd = _batch_norm_statistics(x, training, eps, running_mean, running_var)
    alpha = invstd * (weight if weight is not None else np.ones((), x.dtype))
    beta = (bias if bias is not None else np.zeros((), x.dtype)) - mean * alpha
    return _fma(x, _channel(alpha, x), _channel(beta, x))


def _bn_sum(F, v, x):
    return F.sum(v, dim=(0,) + tuple(range(2, len(x.shape))), keepdim=True)


def _bn_xhat(F, x, training, eps, running_mean, running_var):
    mean, invstd = _batch_norm_statistics(F.as_array(x), training, eps, running_mean,
                                          running_var)
    return (x - F.constant(_channel(mean, x))) * F.constant(_channel(invstd, x)), invstd


def _batch_norm_input_rule(F, g, r, x, weight, bias, training=True, eps=1e-5, **running):
    xhat, invstd = _bn_xhat(F, x, training, eps, running.get("running_mean"),
                            running.get("running_var"))
    scale = F.constant(_channel(invstd, x))
    if weight is not None:
        scale = scale * F.reshape(weight, shape=(1, -1) + (1,) * (len(x.shape) - 2))
    if not training:
        return g * scale
    count = np.prod(x.shape) // x.shape[1]
    grad_mean = _bn_sum(F, g, x) / count
    projection = _bn_sum(F, g * xhat, x) / count
    return (g - grad_mean - xhat * projection) * scale


def _batch_norm_weight_rule(F, g, r, x, weight, bias, training=True, eps=1e-5, **running):
    xhat, _ = _bn_xhat(F, x, training, eps, running.get("running_mean"),
                       running.get("running_var"))
    return F.reshape(_bn_sum(F, g * xhat, x), shape=(-1,))


def _batch_norm_bias_rule(F, g, r, x, weight, bias, training=True, eps=1e-5, **running):
    return F.reshape(F.sum(g, dim=(0,) + tuple(range(2, len(x.shape)))), shape=(-1,))


defop("native_batch_norm", "NativeBatchNormBackward0", _batch_norm_forward,
      _batch_norm_input_rule, _batch_norm_weight_rule, _batch_norm_bias_rule,
      saved_inputs=((0, 1), (0,), ()), arg_names=("input", "weight", "bias"),
      formula="d bn(x)/dx = w*invstd*(g - mean(g) - xhat*mean(g*xhat)) (training)",
      gradcheck=(sample((4, 3), (3,), (3,)), sample((2, 2, 3, 2), (2,), (2,), eps=1e-3),
                 sample((4, 3), (3,), (3,), training=False, running_mean=np.array([0.1, 0, -1]),
                        running_var=np.array([0.5, 1, 2]))))


def layer_norm_stats(x, normalized_ndim, eps):
    """(mean, rstd) over the last ``normalized_ndim`` dims, computed in float64."""
    axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
    wide = x.astype(np.float64)
    mean = wide.mean(axis=axes, keepdims=True)
    var = ((wide - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean.astype(x.dtype), (1 / np.sqrt(np.maximum(var, 0) + eps)).astype(x.dtype)


def _layer_norm_forward(x, weight, bias, normalized_ndim, eps=1e-5):
    # ATen: (x * rstd + (-mean * rstd)) * gamma + beta
    mean, rstd = layer_norm_stats(x, normalized_ndim, eps)
    out = x * rstd + (-mean * rstd)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _ln_xhat(F, x, normalized_ndim, eps):
    mean, rstd = layer_norm_stats(F.as_array(x), normalized_ndim, eps)
    return (x - F.constant(mean)) * F.constant(rstd), rstd


def _layer_norm_input_rule(F, g, r, x, weight, bias, normalized_ndim, eps=1e-5):
    axes = tuple(range(len(x.shape) - normalized_ndim, len(x.shape)))
    count = int(np.prod([x.shape[a] for a in axes]))
    xhat, rstd = _ln_xhat(F, x, normalized_ndim, eps)
    gw = g * weight if weight is not None else g
    mean_g = F.sum(gw, dim=axes, keepdim=True) / count
    mean_gx = F.sum(gw * xhat, dim=axes, keepdim=True) / count
    return (gw - mean_g - xhat * mean_gx) * F.constant(rstd)


def _layer_norm_weight_rule(F, g, r, x, weight, bias, normalized_ndim, eps=1e-5):
    xhat, _ = _ln_xhat(F, x, normalized_ndim, eps)
    lead = tuple(range(len(x.shape) - normalized_ndim))
    return F.sum(g * xhat, dim=lead) if lead else g * xhat


def _layer_norm_bias_rule(F, g, r, x, weight, bias, normalized_ndim, eps=1e-5):
    lead = tuple(range(len(x.shape) - normalized_ndim))
    return F.sum(g, dim=lead) if lead else g


defop("native_layer_norm", "NativeLayerNormBackward0", _layer_norm_forward,
      _layer_norm_input_rule, _layer_norm_weight_rule, _layer_norm_bias_rule,
      saved_inputs=((0, 1), (0,), ()), arg_names=("input", "weight", "bias"),
      formula="d ln(x)/dx = rstd*(gw - mean(gw) - xhat*mean(gw*xhat))",
      gradcheck=(sample((2, 4), (4,), (4,), normalized_ndim=1),
                 sample((2, 2, 3), (2, 3), (2, 3), normalized_ndim=2, eps=1e-3)))


# ----- Embedding -----
def _embedding_backward_forward(g, num_weights, indices, padding_idx=None):
    """Each looked-up row's gradient added into its weight row, in the order of the lookups."""
    dim = g.shape[-1]
    out = np.zeros((num_weights, dim), dtype=g.dtype)
    flat = indices.reshape(-1)
    rows = g.reshape(-1, dim)
    if padding_idx is not None:
        keep = flat != padding_idx
        flat, rows = flat[keep], rows[keep]
    np.add.at(out, flat, rows)
    return out


defop("embedding_dense_backward", "EmbeddingDenseBackwardBackward0", _embedding_backward_forward,
      lambda F, g, r, grad, num_weights, indices, padding_idx=None:
          F.embedding(g, indices=indices, padding_idx=padding_idx),
      saves=False, arg_names=("grad_output",), formula="the rows' gradients summed per index",
      gradcheck=(sample((3, 2), num_weights=4, indices=np.array([1, 3, 1])),))
defop("embedding", "EmbeddingBackward0", lambda w, indices, padding_idx=None: w[indices],
      lambda F, g, r, w, indices, padding_idx=None: F.embedding_dense_backward(
          g, num_weights=w.shape[0], indices=indices, padding_idx=padding_idx),
      # (padding_idx's row gets no gradient, by definition, so finite differences cannot check it)
      saved_inputs=((),), formula="d weight[i]/d weight = one row per index",
      gradcheck=(sample((4, 2), indices=np.array([[1, 3], [1, 0]])),
                 sample((3, 2), indices=np.array([2, 1, 2]), padding_idx=0)))


# ----- Bilinear -----
def _trilinear_forward(x1, w, x2):
    return np.einsum("ni,oij,nj->no", x1, w, x2).astype(x1.dtype)


def _spread(F, x, shape):
    """``x`` viewed with size-1 dims where ``shape`` (a (n, o, i, j) layout) has a 1."""
    return F.reshape(x, shape=shape)


# each gradient is a broadcast product over (n, o, i, j), summed over the other axes
defop("trilinear", "TrilinearBackward0", _trilinear_forward,
      lambda F, g, r, x1, w, x2: F.sum(
          _spread(F, g, (g.shape[0], g.shape[1], 1, 1)) * _spread(F, w, (1,) + tuple(w.shape))
          * _spread(F, x2, (x2.shape[0], 1, 1, x2.shape[1])), dim=(1, 3)),
      lambda F, g, r, x1, w, x2: F.sum(
          _spread(F, g, (g.shape[0], g.shape[1], 1, 1))
          * _spread(F, x1, (x1.shape[0], 1, x1.shape[1], 1))
          * _spread(F, x2, (x2.shape[0], 1, 1, x2.shape[1])), dim=0),
      lambda F, g, r, x1, w, x2: F.sum(
          _spread(F, g, (g.shape[0], g.shape[1], 1, 1)) * _spread(F, w, (1,) + tuple(w.shape))
          * _spread(F, x1, (x1.shape[0], 1, x1.shape[1], 1)), dim=(1, 2)),
      arg_names=("i1", "i2", "i3"), formula="d x1^T W x2/dx1 = W x2",
      gradcheck=(sample((2, 3), (4, 3, 2), (2, 2)),))
