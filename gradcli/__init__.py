"""gradcli: a gradient calculator with its own autograd engine (numpy underneath,
PyTorch semantics on top).

``import gradcli as torch`` gives the PyTorch subset gradcli implements, so the
same programs run as plain Python; the ``gradcli`` command runs them in a
sandbox and shows values, graphs and gradients.
"""

from __future__ import annotations

__version__ = "0.1.0"

import warnings as _warnings

# numpy warns on 1/0 and log(0); PyTorch silently gives inf/nan, and so do we.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"gradcli(\.|$)")

from gradcli.api import methods as _methods  # noqa: F401  (attaches Tensor methods and operators)
from gradcli.api import autograd, nn
from gradcli.core.dtypes import (bool_ as bool, dtype, float16, float32, float64, int8, int16,
                                 int32, int64, uint8)
from gradcli.api.functions import (abs, add, all, any, arange, argmax, argmin, bmm, cat, clamp,
                                   clamp_max, clamp_min, clip, clone, concat, concatenate, cos, div,
                                   dot, empty, empty_like, enable_grad, exp, expand, eye, flatten,
                                   floor_divide, fmod, full, full_like, remainder, inference_mode,
                                   is_grad_enabled, is_tensor, linspace, log, log_softmax,
                                   manual_seed, matmul, max, maximum, mean, min, minimum, mm, mul,
                                   mv, neg, negative, no_grad, norm, numel, ones, ones_like, outer,
                                   permute, pow, prod, rand, rand_like, randint, randn, randn_like,
                                   reciprocal, relu, reshape, rsub, set_grad_enabled, sgn, sigmoid,
                                   sign, sin, softmax, sqrt, square, squeeze, stack, sub, sum, t,
                                   tan, tanh, tensor, transpose, unsqueeze, where, zeros,
                                   zeros_like)
from gradcli.core.tensor import Size, Tensor

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
true_divide = div
divide = div
multiply = mul
subtract = sub


def get_default_dtype():
    return float32


__all__ = [name for name in dir() if not name.startswith("_")]
