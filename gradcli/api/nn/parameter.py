"""``torch.nn.Parameter``: a leaf Tensor that a Module registers as one of its parameters."""

from __future__ import annotations

import numpy as np

from gradcli.core import dtypes
from gradcli.core.tensor import Tensor, share_version
from gradcli.errors import TorchError

__all__ = ["Parameter", "UninitializedParameter"]


class Parameter(Tensor):
    """A Tensor that requires grad by default and prints as ``Parameter containing:``.

    Like PyTorch's, it shares memory and version counter with the tensor it wraps (as
    ``data.detach()`` would), is always a leaf, and ops on it return plain Tensors.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor(np.empty((0,), dtype=dtypes.default_float.np))
        super().__init__(data.array)
        share_version(data, self, differentiable=False)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


_SHAPE_MESSAGE = ("Can't access the shape of an uninitialized parameter or buffer. This error "
                  "usually happens in `load_state_dict` when trying to load an uninitialized "
                  "parameter into an initialized one. Call `forward` to initialize the parameters "
                  "before accessing their attributes.")


def uninitialized_error(what: str) -> TorchError:
    """PyTorch's refusal of an uninitialized parameter handed to ``what``."""
    return TorchError(f"Attempted to use an uninitialized parameter in {what}. This error happens "
                      "when you are using a `LazyModule` or explicitly manipulating "
                      "`torch.nn.parameter.UninitializedParameter` objects. When using LazyModules "
                      "Call `forward` with a dummy batch to initialize the parameters before "
                      "calling torch functions", kind="ValueError")


def _method_name(name: str) -> str:
    return f"<method '{name}' of 'torch._C.TensorBase' objects>"


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first forward).

    As in PyTorch it prints ``<UninitializedParameter>``, its ``shape`` raises, ``size()`` is
    ``torch.Size([0])``, and the other tensor methods refuse it; ``materialize(shape)`` gives it
    memory and makes it a ``Parameter``.
    """

    __slots__ = ()
    cls_to_become = Parameter
    # what PyTorch's UninitializedTensorMixin lets through (besides dtype, device, grad flags)
    _ALLOWED = frozenset({"size", "copy_", "is_complex", "is_floating_point", "half", "float",
                          "double", "char", "short", "int", "long", "cuda", "cpu", "to",
                          "get_device", "materialize", "share_memory_", "requires_grad_"})

    def __init__(self, requires_grad=True, device=None, dtype=None):
        dtype = dtype or dtypes.default_float
        super().__init__(Tensor(np.empty((0,), dtype=dtype.np)), requires_grad)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the parameter an (uninitialized) tensor of ``shape`` and make it a Parameter."""
        if dtype is None:
            dtype = self.dtype
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.array = np.empty(shape, dtype=dtype.np)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise TorchError(_SHAPE_MESSAGE)

    def __getattribute__(self, name):
        if name[0] != "_" and name not in UninitializedParameter._ALLOWED:
            value = getattr(Tensor, name, None)
            if callable(value) and not isinstance(value, type):
                raise uninitialized_error(_method_name(name))
        return object.__getattribute__(self, name)

    def __repr__(self) -> str:
        return "<UninitializedParameter>"

    __str__ = __repr__
    __hash__ = Tensor.__hash__


def _refuse_operator(name, what):
    def operator(self, *args, **kwargs):
        raise uninitialized_error(what)
    operator.__name__ = name
    return operator


def _function_name(qualname: str) -> str:
    """How PyTorch names a Python-level function in the message (its address differs by run)."""
    return f"<function {qualname} at 0x{id(qualname):x}>"


# the operators, each refused under the name PyTorch's dispatch reports for it
_OPERATORS = {"__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub",
              "__isub__": "sub_", "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul_",
              "__truediv__": "div", "__itruediv__": "div_", "__floordiv__": "floor_divide",
              "__mod__": "remainder", "__matmul__": "matmul", "__neg__": "neg", "__abs__": "abs",
              "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge", "__and__": "__and__",
              "__or__": "__or__", "__xor__": "__xor__", "__invert__": "bitwise_not",
              "__bool__": "__bool__", "__float__": "__float__", "__int__": "__int__",
              "__index__": "__index__", "__iter__": "dim"}
for _name, _method in _OPERATORS.items():
    setattr(UninitializedParameter, _name, _refuse_operator(_name, _method_name(_method)))
for _name, _qualname in (("__rsub__", "Tensor.__rsub__"), ("__rtruediv__", "Tensor.__rdiv__"),
                         ("__pow__", "TensorBase.pow"), ("__rpow__", "Tensor.__rpow__"),
                         ("__rfloordiv__", "Tensor.__rfloordiv__"),
                         ("__rmod__", "Tensor.__rmod__"), ("__rmatmul__", "Tensor.__rmatmul__"),
                         ("__len__", "Tensor.__len__")):
    setattr(UninitializedParameter, _name, _refuse_operator(_name, _function_name(_qualname)))
for _name in ("__getitem__", "__setitem__"):
    setattr(UninitializedParameter, _name,
            _refuse_operator(_name, f"<slot wrapper '{_name}' of 'torch._C.TensorBase' objects>"))


def check_initialized(tensor, function_name: str) -> None:
    """nn.init's functions refuse an uninitialized parameter, named as PyTorch names them."""
    if isinstance(tensor, UninitializedParameter):
        raise uninitialized_error(_function_name(function_name))


def is_lazy(param) -> bool:
    return isinstance(param, UninitializedParameter)


def clear_grad(param, set_to_none: bool) -> None:
    """What zero_grad does to one parameter (Module's and Optimizer's alike): drop its
    gradient, or detach it from any graph and fill it with zeros."""
    if param.grad is None:
        return
    if set_to_none:
        param.grad = None
        return
    if param.grad.grad_fn is not None:
        param.grad.detach_()
    else:
        param.grad.requires_grad_(False)
    param.grad.zero_()
