"""``torch.linspace`` and ``torch.arange`` to the last bit (``gradcli/core/kernels/ranges.py``).

Hashes of PyTorch 2.13's outputs pin the kernels without torch; with torch installed, thousands
of random (start, end, steps) cases in every floating dtype must agree bit for bit.
"""

from __future__ import annotations

import hashlib
import math
import random

import numpy as np
import pytest

from conftest import import_torch
import gradcli
from gradcli.core.kernels import ranges


def digest(tensor) -> str:
    return hashlib.sha256(tensor.array.tobytes()).hexdigest()[:16]


# sha256 of PyTorch's bytes for each call
PINNED = {
    "linspace(0, 2 * math.pi, 25)": "03b56c39d63e98a0",
    "arange(-8, 8, 0.1)": "76a66724c081c4f1",
    "linspace(-3, 7.5, 101, dtype=gradcli.float64)": "f9a0942272cfe651",
    "arange(0, 1, 0.01, dtype=gradcli.float64)": "2b783422da57522f",
    "arange(1.5, -2.3, -0.07, dtype=gradcli.float16)": "7514180a8c2cbdc4",
    "linspace(-1, 1, 7, dtype=gradcli.float16)": "588231e2b42a826f",
}


@pytest.mark.parametrize("call", sorted(PINNED))
def test_pinned_outputs(call):
    assert digest(eval("gradcli." + call)) == PINNED[call]


def test_the_values_numpy_rounding_got_wrong():
    # the symmetric halves and fused multiply-adds of PyTorch's kernels, in float32
    assert gradcli.linspace(0, 2 * math.pi, 25)[[3, 5, 7]].tolist() == [
        0.7853981852531433, 1.3089969158172607, 1.8325958251953125]
    assert gradcli.arange(-8, 8, 0.1)[[2, 17, 130]].tolist() == [
        -7.800000190734863, -6.300000190734863, 5.0]


def test_ends_and_sizes():
    assert gradcli.linspace(-1.3, 2.7, 5).tolist()[::4] == [np.float32(-1.3).item(),
                                                             np.float32(2.7).item()]
    assert gradcli.linspace(2, 3, 1).tolist() == [2.0] and gradcli.linspace(0, 1, 0).shape == (0,)
    assert gradcli.arange(1, 2.5, 0.5).tolist() == [1.0, 1.5, 2.0]
    assert gradcli.arange(5).dtype == gradcli.int64 and gradcli.arange(1.0, 4).dtype == gradcli.float32
    assert gradcli.arange(-3.7, 5, 1.5, dtype=gradcli.int32).tolist() == [-3, -2, -1, 0, 1, 2]
    assert gradcli.linspace(0, 10, 4, dtype=gradcli.int64).tolist() == [0, 3, 6, 10]


@pytest.mark.parametrize("call, kind, message", [
    ("arange(0, 5, 0)", RuntimeError, "step must be nonzero"),
    ("arange(0, 1, 0.5, dtype=gradcli.int64)", ValueError, "step must be nonzero"),
    ("arange(5, 0, 1)", RuntimeError, "upper bound and lower bound inconsistent with step sign"),
    ("arange(float('inf'))", RuntimeError, "unsupported range: 0 -> inf"),
    ("arange(3, dtype=gradcli.bool)", NotImplementedError, "\"arange_cpu\" not implemented for 'Bool'"),
    ("linspace(0, 1, -1)", RuntimeError, "number of steps must be non-negative"),
    ("linspace(0, 1, 2.5)", TypeError, "linspace() received an invalid combination of arguments - "
                                       "got (int, int, float), but expected one of:"),
])
def test_errors_are_pytorchs(call, kind, message):
    with pytest.raises(kind) as raised:
        eval("gradcli." + call)
    assert str(raised.value) == message


def _cases(seed: int, count: int):
    """Random linspace and arange arguments: fractional and whole ends, short and long ranges."""
    draw = random.Random(seed)
    for trial in range(count):
        start = draw.uniform(-100, 100) if trial % 4 else float(draw.randint(-20, 20))
        end = draw.uniform(-100, 100) if trial % 3 else float(draw.randint(-20, 20))
        steps = draw.choice([draw.randint(0, 40), draw.randint(0, 300), draw.randint(0, 2000)])
        step = draw.choice([0.1, 0.01, 0.3, 0.7, 1 / 3, 2.5, draw.uniform(0.001, 3)])
        if trial % 2:
            step = -step
        yield start, end, steps, step, draw.randint(1, 1000)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_same_bits_as_pytorch_on_random_ranges(dtype):
    torch = import_torch()
    np_dtype, torch_dtype = np.dtype(dtype), getattr(torch, dtype)
    linspace_differ = arange_differ = 0
    for start, end, steps, step, count in _cases(seed=len(dtype), count=1000):
        if np_dtype == np.float16 and max(abs(start), abs(start + step * count)) > 6e4:
            continue
        expected = torch.linspace(start, end, steps, dtype=torch_dtype).numpy()
        linspace_differ += not np.array_equal(ranges.linspace(start, end, steps, np_dtype), expected)
        end = start + step * count
        expected = torch.arange(start, end, step, dtype=torch_dtype).numpy()
        got = ranges.arange(start, step, math.ceil((end - start) / step), np_dtype)
        arange_differ += got.shape != expected.shape or not np.array_equal(got, expected)
    assert (linspace_differ, arange_differ) == (0, 0)


def test_integer_linspace_as_pytorch():
    torch = import_torch()
    for start, end, steps, _, _ in _cases(seed=7, count=300):
        for dtype in ("int64", "int32"):
            expected = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
            assert np.array_equal(ranges.linspace(start, end, steps, np.dtype(dtype)), expected)
