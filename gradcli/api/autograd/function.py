"""``torch.autograd.function``: the same ``Function`` as ``torch.autograd``."""

from gradcli.api.autograd import BackwardCFunction, Function, FunctionCtx

__all__ = ["Function", "FunctionCtx"]
