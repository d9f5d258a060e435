"""Tests for gradcli.core.printing: golden strings (no torch needed) and a
hypothesis differential test against the real torch repr (skipped without torch)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import fixed_examples, import_torch
from gradcli.core.printing import size_repr, tensor_repr

f32 = np.float32
f64 = np.float64


def arr(values, dtype=f32):
    return np.array(values, dtype=dtype)


# (data, dtype_name, kwargs, expected) -- expected strings are real PyTorch output.
GOLDEN = [
    (arr(3.0), "float32", {}, "tensor(3.)"),
    (arr(27.0), "float32", {"requires_grad": True}, "tensor(27., requires_grad=True)"),
    (arr([1.0, 2.0, 3.0]), "float32", {}, "tensor([1., 2., 3.])"),
    (arr([1.5, 2.25, -3.125]), "float32", {}, "tensor([ 1.5000,  2.2500, -3.1250])"),
    (arr([51.2, 512.0, 0.0512]), "float32", {}, "tensor([5.1200e+01, 5.1200e+02, 5.1200e-02])"),
    (arr([1e-5, 1.0, 1e5]), "float32", {}, "tensor([1.0000e-05, 1.0000e+00, 1.0000e+05])"),
    (arr([123456.0, 0.5]), "float32", {}, "tensor([1.2346e+05, 5.0000e-01])"),
    (arr([0.0001, 0.0002]), "float32", {}, "tensor([1.0000e-04, 2.0000e-04])"),
    (arr([-790.8533, 793.1236, 307.1018]), "float32", {},
     "tensor([-790.8533,  793.1236,  307.1018])"),
    (arr([1, 2, 3], np.int64), "int64", {}, "tensor([1, 2, 3])"),
    (arr([-10, 200, 3], np.int64), "int64", {}, "tensor([-10, 200,   3])"),
    (arr([True, False], np.bool_), "bool", {}, "tensor([ True, False])"),
    (arr([]), "float32", {}, "tensor([])"),
    (arr([math.nan, math.inf, -math.inf, 1.0]), "float32", {}, "tensor([nan, inf, -inf, 1.])"),
    (arr([1.0, 2.0], f64), "float64", {}, "tensor([1., 2.], dtype=torch.float64)"),
    (arr([1.5, 2.5], f64), "float64", {"requires_grad": True},
     "tensor([1.5000, 2.5000], dtype=torch.float64, requires_grad=True)"),
    (arr([1, 2], np.int32), "int32", {}, "tensor([1, 2], dtype=torch.int32)"),
    (np.zeros((2, 3), f32), "float32", {},
     "tensor([[0., 0., 0.],\n        [0., 0., 0.]])"),
    (np.ones((2, 2, 2), f32), "float32", {},
     "tensor([[[1., 1.],\n         [1., 1.]],\n\n        [[1., 1.],\n         [1., 1.]]])"),
    (np.arange(12, dtype=f32).reshape(3, 4), "float32", {},
     "tensor([[ 0.,  1.,  2.,  3.],\n"
     "        [ 4.,  5.,  6.,  7.],\n"
     "        [ 8.,  9., 10., 11.]])"),
    (np.arange(30, dtype=f32) / f32(7), "float32", {},
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
     "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
     "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
     "        3.8571, 4.0000, 4.1429])"),
    (np.arange(2000, dtype=f32), "float32", {},
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
     "        1.9990e+03])"),
    (np.arange(1200, dtype=f32).reshape(40, 30), "float32", {},
     "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 2.7000e+01, 2.8000e+01,\n"
     "         2.9000e+01],\n"
     "        [3.0000e+01, 3.1000e+01, 3.2000e+01,  ..., 5.7000e+01, 5.8000e+01,\n"
     "         5.9000e+01],\n"
     "        [6.0000e+01, 6.1000e+01, 6.2000e+01,  ..., 8.7000e+01, 8.8000e+01,\n"
     "         8.9000e+01],\n"
     "        ...,\n"
     "        [1.1100e+03, 1.1110e+03, 1.1120e+03,  ..., 1.1370e+03, 1.1380e+03,\n"
     "         1.1390e+03],\n"
     "        [1.1400e+03, 1.1410e+03, 1.1420e+03,  ..., 1.1670e+03, 1.1680e+03,\n"
     "         1.1690e+03],\n"
     "        [1.1700e+03, 1.1710e+03, 1.1720e+03,  ..., 1.1970e+03, 1.1980e+03,\n"
     "         1.1990e+03]])"),
    (arr([[1e-8, 1.0], [2.0, 3.0]]), "float32", {},
     "tensor([[1.0000e-08, 1.0000e+00],\n        [2.0000e+00, 3.0000e+00]])"),
    (arr(-0.0), "float32", {}, "tensor(-0.)"),
    (arr(1e20), "float32", {}, "tensor(1.0000e+20)"),
    # The suffix does not fit after the last line, so it moves to its own line.
    (arr([-4.3777, -2.8777, -2.3777, -1.8777, -0.3777]), "float32",
     {"grad_fn_name": "LogSoftmaxBackward0"},
     "tensor([-4.3777, -2.8777, -2.3777, -1.8777, -0.3777],\n"
     "       grad_fn=<LogSoftmaxBackward0>)"),
    (np.ones((2, 2), f32), "float32", {"requires_grad": True},
     "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"),
    (np.ones((2, 2), f32), "float32", {"grad_fn_name": "MulBackward0"},
     "tensor([[1., 1.],\n        [1., 1.]], grad_fn=<MulBackward0>)"),
    # grad_fn wins over requires_grad, as in torch.
    (arr(2.0), "float32", {"grad_fn_name": "AddBackward0", "requires_grad": True},
     "tensor(2., grad_fn=<AddBackward0>)"),
    # Empty tensors: size for non-1-D, dtype for anything but the default float.
    (np.zeros((0, 3), f32), "float32", {}, "tensor([], size=(0, 3))"),
    (np.zeros((0,), np.int64), "int64", {}, "tensor([], dtype=torch.int64)"),
    (np.zeros((2, 0), np.bool_), "bool", {}, "tensor([], size=(2, 0), dtype=torch.bool)"),
    (np.zeros((0,), f64), "float64", {"requires_grad": True},
     "tensor([], dtype=torch.float64, requires_grad=True)"),
    (arr([0.5, 1.5], np.float16), "float16", {}, "tensor([0.5000, 1.5000], dtype=torch.float16)"),
    (arr([1, 255], np.uint8), "uint8", {}, "tensor([  1, 255], dtype=torch.uint8)"),
    (arr(True, np.bool_), "bool", {}, "tensor(True)"),
    (arr([math.nan, 0.0]), "float32", {}, "tensor([nan, 0.])"),
    # Line breaks: (80 - indent) // (width + 2) elements a line, the width 1 when all are zero
    (np.full((1, 1, 9), 0.5, f32), "float32", {},
     "tensor([[[0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000,\n"
     "          0.5000]]])"),
    (np.full((1, 1, 10), -0.5, f32), "float32", {},
     "tensor([[[-0.5000, -0.5000, -0.5000, -0.5000, -0.5000, -0.5000, -0.5000,\n"
     "          -0.5000, -0.5000, -0.5000]]])"),
    (np.zeros(30, f32), "float32", {},
     "tensor([0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., "
     "0., 0., 0., 0.,\n"
     "        0., 0., 0., 0., 0., 0.])"),
    # ... and at least one a line, however deep the indent
    (np.array([-2**63, 0]).reshape([1] * 55 + [2]), "int64", {},
     "tensor(" + "[" * 56 + "-9223372036854775808,\n" + " " * 82 + "0" + "]" * 56 + ")"),
    # Summarized over 1000 elements: 3 edge items a dim, "..." rows only for more than 6; the
    # formatter sees only the values printed (the 1e9 hidden in row 3 does not make it
    # scientific)
    (np.arange(1001, dtype=f32), "float32", {},
     "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    (np.ones((6, 170), f32), "float32", {},
     "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.]])"),
    (np.ones((2, 600), f32), "float32", {},
     "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.]])"),
    (np.where(np.arange(1050).reshape(7, 150) == 455, f32(1e9), f32(1)), "float32", {},
     "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        ...,\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
     "        [1., 1., 1.,  ..., 1., 1., 1.]])"),
    # A suffix moves to its own line when the last line, counted PyTorch's way (2 more than
    # its length), plus ", " and the suffix would pass 80; after a moved suffix the line is
    # the indent and that suffix
    (np.ones(13, f32), "float32", {"requires_grad": True},
     "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n"
     "       requires_grad=True)"),
    (np.ones(12, f32), "float32", {"requires_grad": True},
     "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.], requires_grad=True)"),
    (np.ones((2, 13), f32), "float32", {"requires_grad": True},
     "tensor([[1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n"
     "        [1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.]],\n"
     "       requires_grad=True)"),
    (np.ones((2, 12), f32), "float32", {"requires_grad": True},
     "tensor([[1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n"
     "        [1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.]], requires_grad=True)"),
    (np.arange(8.) / 7, "float64", {"grad_fn_name": "D" * 34 + "Backward"},
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000],\n"
     "       dtype=torch.float64, grad_fn=<" + "D" * 34 + "Backward>)"),
    (np.arange(8.) / 7, "float64", {"grad_fn_name": "D" * 35 + "Backward"},
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000],\n"
     "       dtype=torch.float64,\n"
     "       grad_fn=<" + "D" * 35 + "Backward>)"),
    (np.arange(8.) / 7, "float64", {"grad_fn_name": "C" * 50 + "Backward"},
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000],\n"
     "       dtype=torch.float64,\n"
     "       grad_fn=<" + "C" * 50 + "Backward>)"),
]


@pytest.mark.parametrize("data, dtype_name, kwargs, expected", GOLDEN)
def test_golden(data, dtype_name, kwargs, expected):
    assert tensor_repr(data, dtype_name, **kwargs) == expected


def _as_torch_tensor(torch, data, kwargs):
    """The PyTorch tensor a GOLDEN row describes, or None for a grad_fn it cannot make."""
    tensor = torch.from_numpy(np.array(data))
    name = kwargs.get("grad_fn_name")
    if kwargs.get("requires_grad") or name:
        tensor.requires_grad_()
    if name == "MulBackward0":
        return tensor * 1
    if name is not None and name.endswith("Backward"):  # a custom Function's node
        function = type(name[:-len("Backward")], (torch.autograd.Function,), {
            "forward": staticmethod(lambda ctx, x: x * 1),
            "backward": staticmethod(lambda ctx, g: g)})
        return function.apply(tensor)
    return None if name is not None else tensor


def test_golden_matches_live_pytorch():
    torch = import_torch()
    for data, _dtype_name, kwargs, expected in GOLDEN:
        tensor = _as_torch_tensor(torch, data, kwargs)
        if tensor is not None:
            assert repr(tensor) == expected


def test_size_repr():
    assert size_repr((2, 2)) == "torch.Size([2, 2])"
    assert size_repr(()) == "torch.Size([])"
    assert size_repr((np.int64(0), 3)) == "torch.Size([0, 3])"


# ---------------------------------------------------------------- differential

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
FLOATS = {"float32", "float64", "float16"}


def _draw_array(draw, st):
    dtype_name = draw(st.sampled_from(DTYPES))
    ndim = draw(st.integers(0, 4))
    # Mostly small shapes; sometimes large enough to trigger summarization.
    big = draw(st.booleans()) and ndim > 0
    max_side = {0: 1, 1: 1500, 2: 60, 3: 14, 4: 8}[ndim] if big else 5
    shape = tuple(draw(st.integers(0, max_side)) for _ in range(ndim))
    n = int(np.prod(shape, dtype=np.int64))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype_name == "bool":
        data = rng.random(n) < 0.5
    elif dtype_name in FLOATS:
        data = _random_floats(draw, st, rng, n)
    else:
        info = np.iinfo(dtype_name)
        hi = draw(st.sampled_from([10, 1000, int(info.max)]))
        lo = max(int(info.min), -hi)
        data = rng.integers(lo, hi, size=n, endpoint=True, dtype=np.int64)
    # Overflow to inf when narrowing to float16 is intended test data.
    with np.errstate(over="ignore", invalid="ignore"):
        data = np.asarray(data).astype(dtype_name)
    return data.reshape(shape), dtype_name


def _random_floats(draw, st, rng, n):
    # Log-uniform magnitudes across a chosen range exercise every sci/int rule.
    lo_exp = draw(st.integers(-12, 10))
    hi_exp = draw(st.integers(lo_exp, 12))
    mags = 10.0 ** rng.uniform(lo_exp, hi_exp, size=n)
    data = mags * rng.choice([-1.0, 1.0], size=n)
    if draw(st.booleans()):
        data = np.round(data)  # int_mode
    special = np.array([0.0, -0.0, np.nan, np.inf, -np.inf])
    mask = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.5]))
    data[mask] = rng.choice(special, size=int(mask.sum()))
    return data


def test_differential_against_torch():
    torch = import_torch()

    @fixed_examples(300)
    @given(st.data())
    def check(data):
        arr_, dtype_name = _draw_array(data.draw, st)
        suffix = data.draw(st.sampled_from(["none", "requires_grad", "grad_fn"]))
        t = torch.from_numpy(arr_.copy())
        kwargs = {}
        if dtype_name in FLOATS and suffix != "none":
            t = t.requires_grad_()
            if suffix == "grad_fn":
                t = t * 1  # values unchanged, grad_fn=<MulBackward0>
                kwargs["grad_fn_name"] = "MulBackward0"
            else:
                kwargs["requires_grad"] = True
        assert tensor_repr(arr_, dtype_name, **kwargs) == repr(t)

    check()
