"""``torch.autograd.function``: the same ``Function`` as ``torch.autograd``."""

from . import BackwardCFunction, Function, FunctionCtx

__all__ = ["Function", "FunctionCtx", "BackwardCFunction"]
