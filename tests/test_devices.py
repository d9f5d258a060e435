"""Devices: gradcli computes on the CPU and answers device questions as a CPU-only PyTorch 2.13
does (``torch.device``, ``tensor.device``, ``device=``, ``.to(...)``, ``.cuda()``,
``torch.cuda``, ``torch.backends.mps``), refusals in PyTorch's words.

The expected texts are written out, so these run without torch; ``test_same_as_pytorch``
checks every program against the installed torch as well.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from conftest import import_torch, printed_by_gradcli, printed_by_torch
import gradcli


def run(source: str) -> str:
    return printed_by_gradcli("import torch\n" + textwrap.dedent(source))


def run_torch(torch, source: str) -> str:
    return printed_by_torch(torch, textwrap.dedent(source))


CUDA = "!! AssertionError: Torch not compiled with CUDA enabled\n"
PARSER = ("!! RuntimeError: Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, "
          "hip, ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type "
          "at start of device string: {}\n")

PROGRAMS = {
    "device_values": ("print(torch.device('cpu'), repr(torch.device('cpu')), repr(torch.device('cpu', 0)))\n"
                      "print(repr(torch.device('cuda:1')), torch.device('cuda', 1), torch.device(type='cpu'))\n"
                      "d = torch.device('cpu', 0)\nprint(d.type, d.index, torch.device('cpu').index)",
                      "cpu device(type='cpu') device(type='cpu', index=0)\n"
                      "device(type='cuda', index=1) cuda:1 cpu\ncpu 0 None\n"),
    "device_equality": ("print(torch.device('cpu') == torch.device('cpu'), torch.device('cpu') == 'cpu',\n"
                        "      torch.device('cpu') == torch.device('cpu', 0), torch.device('cuda:0') == torch.device('cuda', 0),\n"
                        "      torch.device('cpu') != 'cuda', torch.ones(1).device == torch.device('cpu'))",
                        "True False False True True True\n"),
    "tensor_device": ("x = torch.ones(2)\nprint(x.device, repr(x.device), x.is_cuda, x.is_cpu, x.get_device())\n"
                      "print(f'{x.device}', x.device.type == 'cpu')",
                      "cpu device(type='cpu') False True -1\ncpu True\n"),
    "device_keyword_everywhere": (
        "d = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
        "x = torch.ones(2, device=d)\n"
        "print(torch.zeros(2, 3, device='cpu', dtype=torch.float64), torch.tensor([1., 2.], device=d),\n"
        "      torch.full((2,), 7, device='cpu'), torch.arange(3, device=d), torch.linspace(0, 1, 3, device=d),\n"
        "      torch.eye(2, device=d), torch.empty(1, device=d).shape, torch.zeros_like(x, device=d),\n"
        "      torch.ones_like(x, device='cpu'), torch.full_like(x, 2, device=d), x.new_tensor([3.], device=d))\n"
        "torch.manual_seed(0)\n"
        "print(torch.rand(2, device=d), torch.randn(2, device=d), torch.randint(0, 5, (3,), device=d),\n"
        "      torch.rand_like(x, device=d), torch.randn_like(x, device='cpu'), torch.empty_like(x, device=d).shape)",
        "tensor([[0., 0., 0.],\n        [0., 0., 0.]], dtype=torch.float64) tensor([1., 2.]) tensor([7, 7]) "
        "tensor([0, 1, 2]) tensor([0.0000, 0.5000, 1.0000]) tensor([[1., 0.],\n        [0., 1.]]) "
        "torch.Size([1]) tensor([0., 0.]) tensor([1., 1.]) tensor([2., 2.]) tensor([3.])\n"
        "tensor([0.4963, 0.7682]) tensor([-0.2905, -1.0704]) tensor([2, 3, 2]) tensor([0.6323, 0.3489]) "
        "tensor([0.2100, 0.9056]) torch.Size([2])\n"),
    "to_device_and_dtype": (
        "x = torch.ones(2, requires_grad=True)\n"
        "print(x.to('cpu') is x, x.cpu() is x, x.to(torch.device('cpu')) is x, x.to(None) is x, x.to() is x)\n"
        "print(x.to('cpu', torch.float64), x.to(torch.device('cpu'), dtype=torch.float64))\n"
        "print(x.to(device='cpu', dtype=torch.float16), x.to(torch.ones(1, dtype=torch.int32)))\n"
        "y = x.to('cpu', copy=True)\nprint(y is x, y, x.to('cpu', torch.float32, False, True).grad_fn)",
        "True True True True True\n"
        "tensor([1., 1.], dtype=torch.float64, grad_fn=<ToCopyBackward0>) "
        "tensor([1., 1.], dtype=torch.float64, grad_fn=<ToCopyBackward0>)\n"
        "tensor([1., 1.], dtype=torch.float16, grad_fn=<ToCopyBackward0>) tensor([1, 1], dtype=torch.int32)\n"
        "False tensor([1., 1.], grad_fn=<ToCopyBackward0>) <ToCopyBackward0 object at 0x...>\n"),
    "cuda_namespace": ("print(torch.cuda.is_available(), torch.cuda.device_count(), torch.cuda.is_initialized(),\n"
                       "      torch.backends.mps.is_available(), torch.backends.mps.is_built(),\n"
                       "      torch.backends.cuda.is_built(), torch.backends.cudnn.is_available(), torch.cuda.manual_seed(0))",
                       "False 0 False False False False False None\n"),
    "to_cuda_refused": ("torch.ones(2).to('cuda')", CUDA),
    "to_cuda_device_refused": ("torch.ones(2).to(torch.device('cuda', 0))", CUDA),
    "method_cuda_refused": ("torch.ones(2).cuda()", CUDA),
    "method_cuda_index": ("torch.ones(2).cuda(0)",
                          "!! RuntimeError: Cannot access accelerator device when none is available.\n"),
    "created_on_cuda_refused": ("torch.ones(2, device='cuda:0')", CUDA),
    "tensor_on_cuda_refused": ("torch.tensor([1.], device='cuda')", CUDA),
    "randn_on_cuda_refused": ("torch.randn(2, device=torch.device('cuda'))", CUDA),
    "current_device_refused": ("torch.cuda.current_device()", CUDA),
    "to_nonsense_refused": ("torch.ones(2).to('nonsense')", PARSER.format("nonsense")),
    "created_on_nonsense_refused": ("torch.zeros(2, device='gpu')", PARSER.format("gpu")),
    "device_string_malformed": ("torch.device('cuda:x')", "!! RuntimeError: Invalid device string: 'cuda:x'\n"),
    "device_index_negative": ("torch.device('cpu', -1)", "!! RuntimeError: Device index must not be negative\n"),
    "device_index_alone": ("torch.zeros(2, device=0)",
                           "!! RuntimeError: Cannot access accelerator device when none is available.\n"),
    "device_index_type": ("torch.device('cuda', 'a')",
                          "!! TypeError: device(): argument 'index' (position 2) must be int, not str\n"),
    "device_argument_type": ("torch.zeros(2, device=5.0)",
                             "!! TypeError: zeros(): argument 'device' must be torch.device, not float\n"),
    "to_mps_refused": ("torch.ones(2).to('mps')",
                       "!! RuntimeError: PyTorch is not linked with support for mps devices\n"),
    "to_two_devices_refused": ("torch.ones(2).to('cpu', 'cuda')",
                               "!! TypeError: to() received an invalid combination of arguments - got "
                               "(str, str), but expected one of:\n"),
    "to_unknown_keyword_refused": ("torch.ones(2).to('cpu', foo=1)",
                                   "!! TypeError: to() received an invalid combination of arguments - "
                                   "got (str, foo=int), but expected one of:\n"),
    "to_dtype_string_refused": ("torch.ones(2).to(dtype='float')",
                                "!! TypeError: to() received an invalid combination of arguments - got "
                                "(dtype=str, ), but expected one of:\n"),
    "default_device": ("print(torch.get_default_device(), torch.set_default_device('cpu'), torch.ones(1).device)\n"
                       "torch.set_default_device(torch.device('cpu', 0))\nprint(torch.get_default_device())\n"
                       "torch.set_default_device(None)\nprint(torch.get_default_device())\n"
                       "torch.set_default_device('cuda')\ntorch.zeros(2)",
                       "cpu None cpu\ncpu:0\ncpu\n" + CUDA),
    "default_device_parsed": ("torch.set_default_device('gpu')", PARSER.format("gpu")),
    "size_keyword": ("print(torch.zeros(size=(2, 3)).shape, torch.ones(size=[2]), torch.randn(size=(1, 2)).shape,\n"
                     "      torch.rand(size=(3,)).shape, torch.empty(size=(0,)).shape)",
                     "torch.Size([2, 3]) tensor([1., 1.]) torch.Size([1, 2]) torch.Size([3]) torch.Size([0])\n"),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_prints(name):
    source, expected = PROGRAMS[name]
    assert run(source) == expected


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_as_pytorch(name):
    source, expected = PROGRAMS[name]
    assert run_torch(import_torch(), source) == expected


@pytest.fixture(autouse=True)
def default_device_restored():
    """A program here may leave a default device behind (the runner restores it, run_source
    does not); so may torch in test_same_as_pytorch."""
    yield
    gradcli.set_default_device(None)
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "set_default_device"):
        torch.set_default_device(None)


def test_a_programs_default_device_ends_with_its_run(cli):
    assert cli("eval", "-e", "torch.set_default_device('cuda')").exit_code == 0
    assert cli("eval", "-e", "torch.ones(1).device").stdout == "device(type='cpu')\n"


def test_plain_python_devices():
    x = gradcli.ones(2, device="cpu")
    assert (repr(x.device), x.is_cuda, x.to("cpu") is x) == ("device(type='cpu')", False, True)
    assert gradcli.device("cuda", 0) == gradcli.device("cuda:0")
    assert {gradcli.device("cpu"): 1}[gradcli.device("cpu")] == 1
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        x.cuda()
    with pytest.raises(RuntimeError, match="device string: nonsense"):
        x.to("nonsense")
    from gradcli.backends import mps
    from gradcli.cuda import device_count
    assert device_count() == 0 and mps.is_available() is False
