"""Tests for gradcli.core.kernels.reduce.torch_sum.

There are golden results (real PyTorch 2.13 CPU output, no torch needed) and
hypothesis differential tests against ``torch.sum``, skipped without torch.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import fixed_examples, import_torch
from gradcli.core.kernels import reduce as _reduce
from gradcli.core.kernels.reduce import torch_sum

f32 = np.float32
f64 = np.float64

_SCALES = (1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1000.0)


def det(n, dtype, salt=0):
    """Deterministic, platform-independent test data spanning six decades."""
    i = np.arange(n, dtype=np.int64)
    base = (((i * 7919 + salt) % 1000) - 500).astype(f64) / 37.0
    return (base * np.array(_SCALES)[i % 7]).astype(dtype)


def same_bits(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    return (got.shape == expected.shape and got.dtype == expected.dtype
            and np.array_equal(got, expected, equal_nan=True)
            and np.array_equal(np.signbit(got), np.signbit(expected)))


# --------------------------------------------------------------------------
# Golden results.  Each expected value is torch.from_numpy(a).sum(...) from
# PyTorch 2.13.0 CPU, and each case is one where numpy's pairwise np.sum
# gives a different answer (shown in the comments).
# --------------------------------------------------------------------------

# (array, expected torch result); full reductions, single-threaded sizes.
GOLDEN_FULL = [
    # 12 elements: one 8-lane vector plus a 4-element scalar tail; the tail is
    # summed first, then lanes 0..7.  np.sum: 156.68746948242188
    (np.array([1e4, 3.14159, -1e4, 2.71828, 1e-3, 7.0, -0.5, 123.456, 1e-4,
               33.3, -12.5, 0.07], f32), 156.68699645996094),
    # 9 elements: 8 AVX2 lanes plus a scalar tail.  np.sum: 690.6201171875
    (det(9, f32, 0), 690.6200561523438),
    # np.sum: 4801.7587890625
    (det(50, f32, 1), 4801.7568359375),
    # float64 uses 4 lanes.  np.sum: -633.6625135135137
    (det(13, f64, 2), -633.6625135135138),
    # np.sum: 2762.037109375
    (det(1000, f32, 3), 2762.033203125),
    # np.sum: 10898.169972972963
    (det(777, f64, 4), 10898.169972972959),
]


@pytest.mark.parametrize("a, expected", GOLDEN_FULL,
                         ids=[f"{a.dtype}-{a.size}" for a, _ in GOLDEN_FULL])
def test_golden_full_sum(a, expected):
    got = torch_sum(a)
    assert got.dtype == a.dtype and got.shape == ()
    assert float(got) == expected
    assert float(np.sum(a)) != expected  # numpy really does differ here


# Above GRAIN_SIZE (32768 elements) torch splits the work across its
# intra-op threads, so the result depends on the thread count.
@pytest.mark.parametrize("a, threads, expected", [
    (det(40000, f32, 5), 1, -51361.47265625),     # np.sum: -51361.4453125
    (det(40000, f32, 5), 2, -51361.46875),
    (det(70001, f64, 6), 1, -150150.14848648632),  # np.sum: -150150.14848648658
    (det(70001, f64, 6), 2, -150150.14848648626),
])
def test_golden_threaded_full_sum(monkeypatch, a, threads, expected):
    monkeypatch.setattr(_reduce, "NUM_THREADS", threads)
    assert float(torch_sum(a)) == expected


def test_golden_outer_axis():
    # Vectorized outer sum: the first 32 columns use the cascade order, the
    # rest row_sum.  14 of the 30 columns differ from np.sum(a, 0).
    a = det(600, f32, 7).reshape(20, 30)
    got = torch_sum(a, (0,))
    assert got.shape == (30,) and got.dtype == f32
    assert float(got[0]) == 16096.349609375    # np.sum: 16096.3486328125
    assert float(got[29]) == -20766.8515625    # np.sum: -20766.857421875


def test_golden_two_reduced_dims():
    # Dims 2 and 0 are reduced: per row a row_sum over dim 2, accumulated
    # over dim 0.
    a = det(240, f32, 8).reshape(4, 6, 10)
    expected = np.array([26430.271484375, 15557.1396484375, -15419.619140625,
                         -8065.607421875, -4645.1962890625, 5172.388671875], f32)
    assert same_bits(torch_sum(a, (0, 2)), expected)


def test_golden_inner_axis_keepdims_f64():
    a = det(200, f64, 9).reshape(5, 40)
    expected = np.array([11786.45618918919, 16919.544513513512, -22075.46689189189,
                         7471.1739189189175, -3949.2818108108113], f64).reshape(5, 1)
    assert same_bits(torch_sum(a, (1,), keepdims=True), expected)


def test_golden_transposed_view():
    # The order follows the memory layout: summing a transposed view along
    # axis 1 walks strided memory (same as torch.from_numpy(a.T)).
    a = det(108, f32, 10).reshape(12, 9).T
    expected = np.array([15038.4228515625, 973.9791870117188, -9743.98828125,
                         -10115.5361328125, 23169.16796875, 7640.14404296875,
                         -2738.597900390625, -16894.599609375, 15156.955078125], f32)
    assert same_bits(torch_sum(a, (1,)), expected)


def test_signed_zero_and_specials():
    # torch accumulates into a +0-filled output, so a sum is never -0.0.
    assert same_bits(torch_sum(np.array([-0.0, -0.0, -0.0], f32)), f32(0.0))
    assert same_bits(torch_sum(np.array([-0.0], f64)), f64(0.0))
    x = det(20, f32)
    x[3] = np.inf
    assert float(torch_sum(x)) == np.inf
    x[5] = -np.inf
    assert np.isnan(torch_sum(x))


def test_api_edges():
    a = det(24, f32).reshape(2, 3, 4)
    assert torch_sum(a, -1).shape == (2, 3)
    assert torch_sum(a, (0, 2), keepdims=True).shape == (1, 3, 1)
    assert torch_sum(a, None, keepdims=True).shape == (1, 1, 1)
    # axis=() reduces nothing (numpy semantics); -0.0 becomes +0.0 as in torch.
    z = np.array([[-0.0, 1.5]], f32)
    assert same_bits(torch_sum(z, ()), np.array([[0.0, 1.5]], f32))
    assert same_bits(torch_sum(np.zeros((0, 3), f32), (0,)), np.zeros(3, f32))
    assert same_bits(torch_sum(np.array(2.5, f64)), f64(2.5))
    # Other dtypes have no bit-level contract and fall back to numpy's order.
    ints = np.arange(10).reshape(2, 5)
    assert np.array_equal(torch_sum(ints, (1,)), np.sum(ints, axis=(1,)))


# --------------------------------------------------------------------------
# Differential tests against torch
# --------------------------------------------------------------------------

def _torch_reference(torch, a, axes, keepdims):
    t = torch.from_numpy(a)
    if axes is None:
        out = t.sum(dim=tuple(range(a.ndim)), keepdim=True) if keepdims else t.sum()
    else:
        out = t.sum(dim=axes, keepdim=keepdims)
    return out.numpy()


def _draw_case(st, draw, max_numel, min_numel=1):
    nd = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, max_numel)) for _ in range(nd)]
    # math.prod: Python ints (np.prod wraps around in int64 for four dims of 150,000)
    while math.prod(shape) > max_numel:          # shrink to the size budget
        k = int(np.argmax(shape))
        shape[k] = max(1, shape[k] // 2)
    while math.prod(shape) < min_numel:
        shape[int(np.argmin(shape))] *= 2
    dtype = draw(st.sampled_from([f32, f64]))
    seed = draw(st.integers(0, 2**32 - 1))
    spread = draw(st.integers(0, 8 if dtype is f32 else 15))   # decades of magnitude
    layout = draw(st.sampled_from(["contiguous", "contiguous", "permuted", "strided"]))
    rng = np.random.default_rng(seed)

    def values(shp):
        v = rng.standard_normal(shp) * 10.0 ** rng.uniform(-spread, spread, shp)
        special = rng.random(shp)
        v[special < 0.03] = 0.0
        v[(special >= 0.03) & (special < 0.05)] = -0.0
        v[(special >= 0.05) & (special < 0.10)] = np.round(v[(special >= 0.05) & (special < 0.10)])
        return v.astype(dtype)

    if layout == "permuted" and nd > 1:
        perm = rng.permutation(nd)
        a = values([shape[p] for p in np.argsort(perm)]).transpose(perm)
    elif layout == "strided":
        k = int(rng.integers(nd))
        big = list(shape)
        big[k] *= 2
        a = values(big)[tuple(slice(None, None, 2) if d == k else slice(None) for d in range(nd))]
    else:
        a = values(shape)
    assert a.shape == tuple(shape)

    if draw(st.booleans()):
        axes = None
    else:
        axes = tuple(sorted(draw(st.sets(st.integers(0, nd - 1), min_size=1, max_size=nd))))
    keepdims = draw(st.booleans())
    return a, axes, keepdims


def test_differential_against_torch(monkeypatch):
    torch = import_torch()
    monkeypatch.setattr(_reduce, "NUM_THREADS", torch.get_num_threads())

    @fixed_examples(600)
    @given(st.data())
    def check(data):
        a, axes, keepdims = data.draw(st.composite(lambda draw: _draw_case(st, draw, 5000))())
        expected = _torch_reference(torch, a, axes, keepdims)
        got = torch_sum(a, axes, keepdims)
        assert same_bits(got, expected), (a.shape, a.strides, a.dtype, axes, keepdims)

    check()


def test_differential_large_threaded(monkeypatch):
    """Inputs above GRAIN_SIZE go through torch's multi-threaded paths."""
    torch = import_torch()
    saved = torch.get_num_threads()

    @fixed_examples(40)
    @given(st.data())
    def check(data):
        threads = data.draw(st.integers(1, 4))
        a, axes, keepdims = data.draw(st.composite(
            lambda draw: _draw_case(st, draw, 150_000, min_numel=_reduce.GRAIN_SIZE))())
        torch.set_num_threads(threads)
        monkeypatch.setattr(_reduce, "NUM_THREADS", threads)
        expected = _torch_reference(torch, a, axes, keepdims)
        got = torch_sum(a, axes, keepdims)
        assert same_bits(got, expected), (threads, a.shape, a.strides, a.dtype, axes, keepdims)

    try:
        check()
    finally:
        torch.set_num_threads(saved)


def test_mean_is_sum_over_count(monkeypatch):
    """torch.mean on CPU is sum(...) / numel over the reduced dims, so
    torch_sum(a, axes) / n reproduces it bit for bit."""
    torch = import_torch()
    monkeypatch.setattr(_reduce, "NUM_THREADS", torch.get_num_threads())
    rng = np.random.default_rng(0)
    for shape, axes in [((37,), (0,)), ((9, 33), (0,)), ((9, 33), (1,)),
                        ((5, 6, 7), (0, 2)), ((300, 200), (0, 1))]:
        for dtype in (f32, f64):
            a = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)).astype(dtype)
            n = int(np.prod([shape[d] for d in axes]))
            expected = torch.from_numpy(a).mean(dim=axes).numpy()
            assert same_bits(torch_sum(a, axes) / dtype(n), expected)
