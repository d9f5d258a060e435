"""The one list of gradcli's public names.

Everything that enumerates the API reads this module: the ``gradcli`` package
(``import gradcli as torch``) takes its names from ``public()``, the sandbox builds
the program's ``torch`` namespace from the same, and the tests check the README's
language reference against it.  Add a function to ``functions.py`` and its name
here; an alias PyTorch has for it goes in ``ALIASES``, never as a second definition.
"""

from __future__ import annotations

from gradcli.api import autograd, backends, cuda, functions, nn, optim, utils
from gradcli.core import dtypes
from gradcli.core.device import device
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
    # more elementwise functions, comparisons and logic
    "log1p", "expm1", "log2", "log10", "exp2", "asin", "acos", "atan", "atan2", "sinh", "cosh",
    "rsqrt", "floor", "ceil", "round", "trunc", "frac", "eq", "ne", "lt", "le", "gt", "ge",
    "equal", "isclose", "allclose", "logical_and", "logical_or", "logical_xor", "logical_not",
    # more reductions, sorting, gathering, shapes
    "cumsum", "cumprod", "logsumexp", "std", "var", "sort", "argsort", "topk", "gather",
    "scatter", "scatter_add", "masked_fill", "tril", "triu", "flip", "chunk", "split",
    "diagonal", "einsum", "index_select", "index_add", "masked_select", "nonzero", "argwhere",
    "count_nonzero", "unique", "cross",
    # bitwise, on integer and bool tensors
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift",
    # random numbers from tensors, legacy constructors
    "normal", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
    "BoolTensor", "ByteTensor",
    # in place, as functions (torch.sin_(x) is x.sin_())
    "exp_", "log_", "sin_", "cos_", "tan_", "tanh_", "sigmoid_", "relu_", "sqrt_", "abs_",
    "neg_", "reciprocal_", "floor_", "ceil_", "round_", "trunc_", "frac_", "log1p_", "expm1_",
    "rsqrt_", "square_", "clamp_", "clamp_min_", "clamp_max_", "clip_", "fix_", "asin_", "acos_",
    "atan_", "sinh_", "cosh_", "log2_", "log10_", "exp2_",
    # autograd state and queries
    "is_tensor", "numel", "is_grad_enabled", "no_grad", "enable_grad",
    "set_grad_enabled", "inference_mode", "get_default_dtype", "from_numpy", "set_default_device",
    "get_default_device",
)

# other names PyTorch gives the same function
ALIASES = {
    "negative": "neg", "true_divide": "div", "divide": "div", "multiply": "mul",
    "subtract": "sub", "clip": "clamp", "concat": "cat", "concatenate": "cat",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2", "fix": "trunc",
    "greater": "gt", "less": "lt", "greater_equal": "ge", "less_equal": "le", "not_equal": "ne",
}

# torch.float32... and PyTorch's other names for them (torch.float, torch.long...)
DTYPES = {
    **{d.name: d for d in dtypes.ALL},
    **dtypes.ALIASES,
}

CLASSES = {"Tensor": Tensor, "Size": Size, "dtype": dtypes.dtype, "device": device,
           "Generator": functions.Generator}

# torch.autograd, torch.nn, torch.optim, torch.utils, torch.cuda and torch.backends: their own
# public names are their modules' __all__
MODULES = {"autograd": autograd, "nn": nn, "optim": optim, "utils": utils, "cuda": cuda,
           "backends": backends}


def public() -> dict:
    """Every public name of ``torch`` that gradcli provides, with its object."""
    names = {name: _function(name) for name in FUNCTIONS}
    names.update({alias: _function(target) for alias, target in ALIASES.items()})
    names.update(DTYPES)
    names.update(CLASSES)
    names.update(MODULES)
    return names


def _function(name):
    """torch.NAME: the function, in its form that takes out= where PyTorch's does."""
    return functions.OUT_FORMS.get(name) or getattr(functions, name)
