"""``torch.linspace`` and ``torch.arange`` as PyTorch 2.13's CPU kernels compute them, bit for bit.

``aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp``, as built for x86-64 (its multiply-adds
contracted to fused ones):

* linspace works in the output type: ``start`` and ``end`` are rounded to it, the step is
  ``(end - start) / (steps - 1)`` in it, the first half is ``fma(step, i, start)`` and the second
  ``fma(-step, steps - 1 - i, end)`` (symmetric about the middle), and the two ends are ``start``
  and ``end`` exactly.  Integer outputs compute in double and truncate.
* arange works in the accumulate type (double for float32 and float64, float for float16):
  ``fma(step, i, start)`` per element on the scalar path.  ``cpu_serial_kernel_vec`` gives
  whole blocks of ``2 * Vec::size()`` elements (32 float16, 16 float32, 8 float64: the AVX2
  kernel's vectors) to the vector path, which rounds each vector's first value to the output
  type and adds ``k * step`` to it in the accumulate type (``Vectorized::arange``); the rest
  takes the scalar path.  PyTorch splits a range above 32,768 elements across threads, each starting its blocks
  afresh; the blocks here are those of one thread.
"""

from __future__ import annotations

import numpy as np

from gradcli.core.kernels.sleef import fma

_VECTOR_BLOCK = {np.dtype(np.float16): 32, np.dtype(np.float32): 16, np.dtype(np.float64): 8}


def linspace(start: float, end: float, steps: int, np_dtype) -> np.ndarray:
    """``steps`` values from ``start`` to ``end`` in ``np_dtype``, as PyTorch's linspace."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind != "f":
        return _linspace_integer(start, end, steps, np_dtype)
    kind = np_dtype.type
    first, last = kind(start), kind(end)
    if steps <= 1:
        return np.full(steps, first, dtype=np_dtype)
    with np.errstate(all="ignore"):
        if np_dtype == np.float16:
            return _linspace_half(first, last, steps)
        step = kind(kind(last - first) / kind(steps - 1))
        half = steps // 2
        ahead = fma(np.full(half, step), np.arange(half, dtype=np_dtype), np.full(half, first))
        behind = np.arange(steps - half - 1, -1, -1, dtype=np_dtype)
        behind = fma(np.full(behind.size, -step), behind, np.full(behind.size, last))
    out = np.concatenate([ahead, behind]).astype(np_dtype, copy=False)
    out[0], out[-1] = first, last  # exactly, even where the step is inf or nan
    return out


def _linspace_half(first, last, steps) -> np.ndarray:
    """float16: c10::Half rounds after every operation (its index too), nothing fused."""
    half_type = np.float16
    step = half_type(half_type(last - first) / half_type(steps - 1))
    index = np.arange(steps)
    ahead = first + step * index[:steps // 2].astype(half_type)
    behind = last - step * (steps - 1 - index[steps // 2:]).astype(half_type)
    out = np.concatenate([ahead, behind]).astype(half_type)
    out[0], out[-1] = first, last
    return out


def _linspace_integer(start, end, steps, np_dtype) -> np.ndarray:
    first, last = int(start), int(end)  # scalar_t: the ends truncated first
    if steps <= 1:
        return np.full(steps, first, dtype=np_dtype)
    step = (float(last) - float(first)) / (steps - 1)
    half = steps // 2
    index = np.arange(steps, dtype=np.float64)
    ahead = fma(np.full(half, step), index[:half], np.full(half, float(first)))
    behind = fma(np.full(steps - half, -step), steps - 1 - index[half:],
                 np.full(steps - half, float(last)))
    out = np.trunc(np.concatenate([ahead, behind])).astype(np_dtype)
    out[0], out[-1] = first, last
    return out


def arange(start: float, step: float, count: int, np_dtype) -> np.ndarray:
    """``count`` values ``start + i * step`` in ``np_dtype``, as PyTorch's arange."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind != "f":
        return (int(start) + np.arange(count, dtype=np.int64) * int(step)).astype(np_dtype)
    accumulate = np.float32 if np_dtype == np.float16 else np.float64  # at::acc_type
    first, stride = accumulate(start), accumulate(step)
    index = np.arange(count, dtype=accumulate)
    with np.errstate(all="ignore"):
        out = fma(np.full(count, stride), index, np.full(count, first)).astype(np_dtype)
        block = _VECTOR_BLOCK[np_dtype]
        whole = count - count % block
        if whole:
            # a vector's first value rounded to the output type, then k * step added in the
            # accumulate type
            width = block // 2
            bases = out[:whole:width].astype(accumulate)
            shape = (bases.size, width)
            vectors = fma(np.broadcast_to(np.arange(width, dtype=accumulate), shape),
                          np.full(shape, stride), np.broadcast_to(bases[:, None], shape))
            out[:whole] = vectors.reshape(-1).astype(np_dtype)
    return out
