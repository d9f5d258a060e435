"""gradcli: a gradient calculator with its own autograd engine (numpy underneath,
PyTorch semantics on top).

``import gradcli as torch`` gives the PyTorch subset gradcli implements, so the
same programs run as plain Python; the ``gradcli`` command runs them in a
sandbox and shows values, graphs and gradients.
"""

from __future__ import annotations

__version__ = "0.1.0"

import sys as _sys
import warnings as _warnings

# numpy warns on 1/0 and log(0); PyTorch silently gives inf/nan, and so do we.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"gradcli(\.|$)")

from gradcli.api import methods as _methods  # noqa: F401  (attaches Tensor methods and operators)
from gradcli.api.names import public as _public
from gradcli.api.refusals import unsupported as _unsupported

globals().update(_public())
__all__ = sorted(_public())

# `import gradcli.nn.functional as F` and `from gradcli.autograd import Function` work as
# they do with torch: the subpackages live in gradcli.api, these are their public names.
for _module in (autograd, autograd.function, autograd.graph, autograd.functional,  # noqa: F821
                autograd.forward_ad, nn, nn.functional, nn.init, optim,  # noqa: F821
                optim.lr_scheduler, utils, utils.data, cuda, backends, backends.cuda,  # noqa: F821
                backends.cudnn, backends.mps):  # noqa: F821
    _sys.modules["gradcli." + _module.__name__.removeprefix("gradcli.api.")] = _module


def __getattr__(name):
    """``gradcli.fft`` and other names of PyTorch's that gradcli lacks say so, as in programs."""
    refusal = None if name.startswith("_") else _unsupported(f"torch.{name}")
    raise AttributeError(refusal or f"module 'gradcli' has no attribute '{name}'")
