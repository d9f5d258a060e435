"""Names gradcli does not have: PyTorch's are refused as such ("part of PyTorch but not supported
by gradcli", located), other unknown names get "did you mean" only for a real near miss."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import import_torch, printed_by_gradcli
import gradcli
from gradcli.api import names, refusals
from gradcli.api.methods import METHODS

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def error_of(source: str) -> str:
    return printed_by_gradcli("import torch\nx = torch.ones(3)\n" + source + "\n").splitlines()[-1]


@pytest.mark.parametrize("source, expected", [
    ("torch.fft.fft(x)", "!! AttributeError: torch.fft is part of PyTorch but not supported by gradcli"),
    ("x.stft(4)", "!! AttributeError: torch.Tensor.stft is part of PyTorch but not supported by gradcli"),
    ("torch.nn.functional.grid_sample(x, x)",
     "!! AttributeError: torch.nn.functional.grid_sample is part of PyTorch but not supported by "
     "gradcli"),
    ("torch.float32.is_signed",
     "!! AttributeError: torch.dtype.is_signed is part of PyTorch but not supported by gradcli"),
    ("torch.cuda.memory_allocated()",
     "!! AttributeError: torch.cuda.memory_allocated is part of PyTorch but not supported by gradcli"),
    ("torch.nonexistent_thing", "!! AttributeError: module 'torch' has no attribute 'nonexistent_thing'"),
    ("x.sume()", "!! AttributeError: 'Tensor' object has no attribute 'sume'"),
])
def test_messages(source, expected):
    assert error_of(source) == expected


def _hint(source: str):
    from gradcli.errors import GradcliError
    from gradcli.lang.interpreter import run_source
    with pytest.raises(GradcliError) as raised:
        run_source("<test>", "import torch\nx = torch.ones(3)\n" + source + "\n", output=None)
    return raised.value


@pytest.mark.parametrize("source, hint", [
    ("torch.sun(x)", "did you mean 'sum'?"),
    ("x.mena()", "did you mean 'mean'?"),
    ("x.retain_grads()", "did you mean 'retain_grad'?"),
    ("x.cumsumm(0)", "did you mean 'cumsum'?"),
    ("torch.logp1(x)", "did you mean 'log1p'?"),
    ("x.summation()", None),  # sum is no typo of it
    ("torch.fft", refusals.HINT),
    ("from torch import fft", "torch.fft is part of PyTorch but not supported by gradcli"),
])
def test_hints(source, hint):
    error = _hint(source)
    assert error.hint == hint and error.line == 3


def test_an_import_of_a_pytorch_module_gradcli_lacks_says_so():
    error = _hint("import torch.linalg")
    assert error.message == "torch.linalg is part of PyTorch but not supported by gradcli"
    assert error.line == 3 and "programs can import torch" in error.hint


def test_an_error_is_located():
    error = _hint("y = x * 2\nz = y.stft(4)")
    assert (error.line, error.column, error.kind) == (4, 5, "AttributeError")


def test_near_misses_are_one_or_two_edits():
    assert refusals.near_miss("sun", ["sum", "mean"]) == "sum"
    assert refusals.near_miss("cumsum", ["sum"]) is None  # not a typo: a different function
    assert refusals.near_miss("log1p", ["log"]) is None
    assert refusals.near_miss("unsqeeze", ["unsqueeze", "squeeze"]) == "unsqueeze"
    assert refusals.near_miss("transpsoe", ["transpose"]) == "transpose"  # a swap is one edit
    assert refusals.near_miss("_private", ["_privat"]) is None  # private names are never offered


def test_plain_python_refuses_the_same_way():
    with pytest.raises(AttributeError, match="torch.fft is part of PyTorch but not supported"):
        gradcli.fft
    with pytest.raises(AttributeError, match="module 'gradcli' has no attribute 'fftt'"):
        gradcli.fftt


def test_gradclis_names_are_pytorchs():
    known = refusals.pytorch_names()
    assert next(iter(sorted(known))).startswith("torch")
    assert [n for n in METHODS if not n.startswith("_") and f"torch.Tensor.{n}" not in known] == []
    # (torch.view and torch.expand are gradcli's only extras: PyTorch has them as methods only)
    assert sorted(n for n in names.public() if f"torch.{n}" not in known) == ["expand", "view"]


def test_the_list_is_pytorch_2_13s():
    header = (Path(refusals.__file__).parent / "pytorch_names.txt").read_text().splitlines()[0]
    assert header.startswith("# PyTorch 2.13.0")


def test_the_list_is_what_the_tool_makes_from_the_installed_torch():
    torch = import_torch()
    sys.path.insert(0, str(TOOLS))
    try:
        import pytorch_names as tool
    finally:
        sys.path.remove(str(TOOLS))
    assert set(tool.names(torch)) == refusals.pytorch_names()
