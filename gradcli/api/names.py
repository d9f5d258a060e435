"""The one list of gradcli's public names.

Everything that enumerates the API reads this module: the ``gradcli`` package
(``import gradcli as torch``) takes its names from ``public()``, the sandbox builds
the program's ``torch`` namespace from the same, and the tests check the README's
language reference against it.  Add a function to ``functions.py`` and its name
here; an alias PyTorch has for it goes in ``ALIASES``, never as a second definition.
"""

from __future__ import annotations

from gradcli.api import autograd, functions, nn, optim, utils
from gradcli.core import dtypes
from gradcli.core.tensor import Size, Tensor

# torch.NAME, each defined under that name in functions.py
FUNCTIONS = (
    # creation
    "tensor", "ones", "zeros", "empty", "full", "ones_like", "zeros_like", "full_like",
    "empty_like", "arange", "linspace", "eye",
    # random numbers (PyTorch's CPU generator, bit for bit)
    "manual_seed", "rand", "randn", "rand_like", "randn_like", "randint", "randperm",
    # arithmetic
    "add", "sub", "mul", "div", "rsub", "floor_divide", "remainder", "fmod", "pow", "square",
    "neg", "lerp", "addcmul", "addcdiv",
    # elementwise
    "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sqrt", "abs", "reciprocal",
    "sign", "sgn", "clamp", "clamp_min", "clamp_max", "maximum", "minimum", "where",
    "masked_fill", "softmax", "log_softmax",
    # reductions
    "sum", "mean", "prod", "max", "min", "argmax", "argmin", "norm", "all", "any",
    # linear algebra
    "mm", "mv", "dot", "outer", "bmm", "matmul", "addmm",
    # shapes and views
    "view", "reshape", "flatten", "t", "transpose", "permute", "unsqueeze", "squeeze",
    "expand", "clone", "cat", "stack",
    # autograd state and queries
    "is_tensor", "equal", "numel", "is_grad_enabled", "no_grad", "enable_grad", "set_grad_enabled",
    "inference_mode", "get_default_dtype",
)

# other names PyTorch gives the same function
ALIASES = {
    "negative": "neg", "true_divide": "div", "divide": "div", "multiply": "mul",
    "subtract": "sub", "clip": "clamp", "concat": "cat", "concatenate": "cat",
}

# torch.float32... and PyTorch's other names for them (torch.float, torch.long...)
DTYPES = {
    **{d.name: d for d in dtypes.ALL},
    **dtypes.ALIASES,
}

CLASSES = {"Tensor": Tensor, "Size": Size, "dtype": dtypes.dtype, "Generator": functions.Generator}

# torch.autograd, torch.nn, torch.optim and torch.utils: their own public names are their
# modules' __all__
MODULES = {"autograd": autograd, "nn": nn, "optim": optim, "utils": utils}


def public() -> dict:
    """Every public name of ``torch`` that gradcli provides, with its object."""
    names = {name: getattr(functions, name) for name in FUNCTIONS}
    names.update({alias: getattr(functions, target) for alias, target in ALIASES.items()})
    names.update(DTYPES)
    names.update(CLASSES)
    names.update(MODULES)
    return names
