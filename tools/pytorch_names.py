"""Write gradcli/api/pytorch_names.txt: PyTorch's public names, for gradcli's refusals.

A program that reaches for ``torch.fft`` or ``x.stft`` is told "part of PyTorch but not
supported by gradcli" instead of "no attribute" with a far-fetched suggestion.  The list is
data, made once from an installed PyTorch (the version is recorded in the file's first line)::

    python tools/pytorch_names.py        # with torch importable; rewrites the file

Each line is a qualified name: a module (``torch.fft``), a module's public member
(``torch.nn.functional.conv2d``) or a public attribute of one of the classes below
(``torch.Tensor.stft``).  Names starting with ``_`` are left out.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "gradcli" / "api" / "pytorch_names.txt"

MODULES = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils",
           "torch.autograd", "torch.autograd.functional", "torch.autograd.forward_ad",
           "torch.optim", "torch.optim.lr_scheduler", "torch.utils", "torch.utils.data",
           "torch.linalg", "torch.fft", "torch.special", "torch.distributions", "torch.cuda",
           "torch.backends", "torch.backends.cuda", "torch.backends.cudnn", "torch.backends.mps",
           "torch.random", "torch.testing", "torch.jit", "torch.func", "torch.sparse",
           "torch.amp", "torch.masked", "torch.nested", "torch.profiler", "torch.hub")
CLASSES = ("torch.Tensor", "torch.Size", "torch.dtype", "torch.device", "torch.Generator",
           "torch.nn.Module", "torch.nn.Parameter", "torch.nn.Linear", "torch.nn.Sequential",
           "torch.autograd.Function", "torch.optim.Optimizer", "torch.optim.SGD",
           "torch.utils.data.Dataset", "torch.utils.data.DataLoader")


def public(obj) -> list:
    """Public attributes; a package's submodules come from its folder, not from dir(), which
    holds only those something has imported so far (the list must not depend on that)."""
    names = [name for name in dir(obj) if not name.startswith("_")
             and not isinstance(getattr(obj, name, None), types.ModuleType)]
    if hasattr(obj, "__path__"):
        names += [info.name for info in pkgutil.iter_modules(obj.__path__)
                  if not info.name.startswith("_")]
    return names


def names(torch) -> list:
    found = set()
    for module_name in MODULES:  # first all: importing one adds names to its parent's dir()
        importlib.import_module(module_name)
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        found.add(module_name)
        found.update(f"{module_name}.{name}" for name in public(module))
    for class_name in CLASSES:
        module_name, _, attribute = class_name.rpartition(".")
        cls = getattr(importlib.import_module(module_name), attribute)
        found.add(class_name)
        found.update(f"{class_name}.{name}" for name in public(cls))
    return sorted(found)


def main() -> None:
    import torch
    lines = [f"# PyTorch {torch.__version__} public names (tools/pytorch_names.py)"] + names(torch)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{OUT}: {len(lines) - 1} names")


if __name__ == "__main__":
    main()
