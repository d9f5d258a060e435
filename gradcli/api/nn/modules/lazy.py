"""``torch.nn.modules.lazy.LazyModuleMixin``: parameters whose shapes the first call decides.

As in PyTorch, a forward pre-hook initializes the parameters from the first input, then
removes itself and turns the module into its ``cls_to_become`` (LazyLinear becomes Linear).
"""

from __future__ import annotations

from gradcli.api import functions as fn
from gradcli.api.nn.parameter import is_lazy
from gradcli.errors import TorchError


class LazyModuleMixin:
    """Mixed in before the layer it makes lazy (``class LazyLinear(LazyModuleMixin, Linear)``)."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters,
                                                               with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        return any(is_lazy(value) for value in (*self._parameters.values(),
                                                *self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise TorchError(f"initialize_parameters is not implemented for {type(self).__name__}",
                         kind="NotImplementedError")

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        """An uninitialized parameter is saved as it is (PyTorch does not detach it)."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = (param if is_lazy(param) or keep_vars
                                              else param.detach())
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = (buffer if is_lazy(buffer) or keep_vars
                                              else buffer.detach())

    def _load_from_state_dict(self, state_dict, prefix, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Loading a state dict gives the uninitialized parameters the shapes it holds."""
        for name, param in (*self._parameters.items(), *self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param) \
                    and not is_lazy(state_dict[key]):
                with fn.no_grad():
                    param.materialize(state_dict[key].shape)
        super()._load_from_state_dict(state_dict, prefix, missing_keys, unexpected_keys,
                                      error_msgs)


def _infer_parameters(module, args, kwargs):
    """The pre-hook of the first call: initialize, then become ``cls_to_become``."""
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise TorchError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become
