"""``torch.nn``: Module and Parameter, the layers, ``nn.functional`` and ``nn.init``."""

from gradcli.api.nn import functional, init, parameter
from gradcli.api.nn.modules import *  # noqa: F403 (the layers: their list is modules.__all__)
from gradcli.api.nn.modules import __all__ as _layers
from gradcli.api.nn.parameter import Parameter

__all__ = ["functional", "init", "parameter", "Parameter", *_layers]
