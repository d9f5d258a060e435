"""``torch.autograd.function``: the same ``Function`` as ``torch.autograd``."""

from gradcli.api.autograd import Function, FunctionCtx

__all__ = ["Function", "FunctionCtx"]
