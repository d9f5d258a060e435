"""``torch.var`` and ``torch.std`` as PyTorch 2.13's CPU kernels compute them, bit for bit.

``aten/src/ATen/native/ReduceOps.cpp`` (``std_var_out``) takes one of two paths:

* one output element (``result.numel() == 1``): ``std_var_all_cpu``.  The mean is the
  tensor's own ``mean()`` (float32 for a float32 tensor, in ``torch.sum``'s order), read as
  a double; the squared deviations ``(double(x) - mean)**2`` are summed in double, element by
  element in memory order; the sum is divided by ``max(0, n - correction)``.
* otherwise ``std_var_kernel_impl`` (``cpu/ReduceOpsKernel.cpp``): Welford's algorithm in
  double per output element, over its elements in memory order (``WelfordOps::reduce``:
  ``delta = x - mean; mean += delta / n; m2 += delta * (x - mean)``, nothing fused), then
  ``m2 / (n - correction)`` (divided by 0 where ``n <= correction``).

Either way the square root (std) is taken in double and the result rounded once to the
tensor's dtype.  Above 32,768 elements PyTorch splits the work across threads and combines
partial results; that split is not reproduced (the results then agree to about an ulp).
"""

from __future__ import annotations

import numpy as np

from gradcli.core.kernels.reduce import torch_sum


def var(x: np.ndarray, axes: tuple, correction: float, keepdims: bool,
        take_sqrt: bool = False) -> np.ndarray:
    """Variance (or standard deviation) of ``x`` over ``axes`` (a tuple of dims)."""
    out_shape = tuple(1 if d in axes else size for d, size in enumerate(x.shape))
    if int(np.prod(out_shape, dtype=np.int64)) == 1 and x.size:
        value = _all(x, correction, take_sqrt)
        result = np.full(out_shape, value, dtype=x.dtype)
    else:
        result = _welford(x, axes, correction, take_sqrt).astype(x.dtype).reshape(out_shape)
    if not keepdims:
        result = result.reshape(tuple(s for d, s in enumerate(x.shape) if d not in axes))
    return result


def _all(x, correction, take_sqrt) -> float:
    mean = float(torch_sum(x) / x.dtype.type(x.size))  # the tensor's mean(), as a double
    deviations = np.ravel(x, order="K").astype(np.float64) - mean
    with np.errstate(all="ignore"):
        squares = deviations * deviations
        total = float(np.cumsum(squares)[-1])  # in order, one addition at a time
        variance = np.float64(total) / max(0.0, x.size - correction)
    return float(np.sqrt(variance) if take_sqrt else variance)


def _welford(x, axes, correction, take_sqrt) -> np.ndarray:
    kept = [d for d in range(x.ndim) if d not in axes]
    # the reduced elements in memory order: outermost (largest stride) first
    reduced = sorted(axes, key=lambda d: -abs(x.strides[d]))
    values = np.transpose(x, kept + reduced).reshape(
        (int(np.prod([x.shape[d] for d in kept], dtype=np.int64)), -1)).astype(np.float64)
    outputs, count = values.shape
    mean = np.zeros(outputs)
    m2 = np.zeros(outputs)
    with np.errstate(all="ignore"):
        for n in range(1, count + 1):
            column = values[:, n - 1]
            delta = column - mean
            mean = mean + delta / float(n)
            m2 = m2 + delta * (column - mean)
        divisor = count - correction if count > correction else 0.0
        variance = m2 / divisor
        return np.sqrt(variance) if take_sqrt else variance
