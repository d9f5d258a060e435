"""``torch.nn.Module``: parameters, buffers and submodules registered by attribute assignment.

A port of ``torch/nn/modules/module.py`` for what gradcli has (one CPU device, no
scripting, no global hooks): the same registration rules and error messages, the same
traversal orders (which fix the order of ``parameters()``, and so of an optimizer's
updates), hooks around ``forward``, ``state_dict``, and the same ``repr``.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

from gradcli.api import functions as fn
from gradcli.api.nn.parameter import Parameter, clear_grad
from gradcli.core import dtypes
from gradcli.core.engine import type_name
from gradcli.core.tensor import Tensor
from gradcli.errors import TorchError


def typename(obj) -> str:
    """``torch.typename``: torch.FloatTensor for a tensor, module.Class for other objects
    (gradcli's own classes under the torch names they stand for)."""
    if isinstance(obj, Tensor):
        return type_name(obj)
    kind = obj if isinstance(obj, type) else type(obj)
    module = kind.__module__ or ""
    if module.startswith("gradcli.api."):
        module = "torch." + module.removeprefix("gradcli.api.")
    return kind.__qualname__ if module in ("", "builtins") else f"{module}.{kind.__qualname__}"


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first, rest = lines[0], lines[1:]
    return "\n".join([first] + [" " * spaces + line if line.strip() else "" for line in rest])


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """What registering a hook returns: ``remove()`` takes the hook off again."""

    _next_id = 0

    def __init__(self, hooks: dict, *extra: dict):
        self.hooks, self.extra = hooks, extra
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        for table in (self.hooks, *self.extra):
            table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _forward_unimplemented(self, *input):
    raise TorchError(f'Module [{type(self).__name__}] is missing the required "forward" function',
                     kind="NotImplementedError")


class Module:
    """Base class for all neural network modules; subclass it and define ``forward``."""

    _version = 1
    call_super_init = False

    def __init__(self, *args, **kwargs):
        if kwargs and not self.call_super_init:
            raise TorchError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                             f"argument '{next(iter(kwargs))}'", kind="TypeError")
        if args and not self.call_super_init:
            raise TorchError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                             f"{len(args) + 1} were given", kind="TypeError")
        # object.__setattr__: these go straight into __dict__, past the registration rules
        for name, value in (("training", True), ("_parameters", {}), ("_buffers", {}),
                            ("_non_persistent_buffers_set", set()),
                            ("_forward_pre_hooks", OrderedDict()),
                            ("_forward_pre_hooks_with_kwargs", OrderedDict()),
                            ("_forward_hooks", OrderedDict()),
                            ("_forward_hooks_with_kwargs", OrderedDict()),
                            ("_modules", {})):
            object.__setattr__(self, name, value)

    forward = _forward_unimplemented

    # ----- Registration -----

    def register_buffer(self, name, tensor, persistent=True) -> None:
        if "_buffers" not in self.__dict__:
            raise TorchError("cannot assign buffer before Module.__init__() call",
                             kind="AttributeError")
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TorchError(f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                             "(torch Tensor or None required)", kind="TypeError")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param) -> None:
        if "_parameters" not in self.__dict__:
            raise TorchError("cannot assign parameter before Module.__init__() call",
                             kind="AttributeError")
        self._check_name(name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TorchError(f"cannot assign '{typename(param)}' object to parameter '{name}' "
                             "(torch.nn.Parameter or None required)", kind="TypeError")
        if param is not None and param.grad_fn is not None:
            raise TorchError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                             f"parameters must be created explicitly. To express '{name}' as a "
                             "function of another Tensor, compute the value in the forward() "
                             "method.", kind="ValueError")
        self._parameters[name] = param

    def _check_name(self, name, what, table) -> None:
        if not isinstance(name, str):
            raise TorchError(f"{what} name should be a string. Got {typename(name)}",
                             kind="TypeError")
        if "." in name:
            raise TorchError(f'{what} name can\'t contain "."', kind="KeyError")
        if name == "":
            raise TorchError(f'{what} name can\'t be empty string ""', kind="KeyError")
        if hasattr(self, name) and name not in table:
            raise TorchError(f"attribute '{name}' already exists", kind="KeyError")

    def add_module(self, name, module) -> None:
        if not isinstance(module, Module) and module is not None:
            raise TorchError(f"{typename(module)} is not a Module subclass", kind="TypeError")
        if not isinstance(name, str):
            raise TorchError(f"module name should be a string. Got {typename(name)}",
                             kind="TypeError")
        if hasattr(self, name) and name not in self._modules:
            raise TorchError(f"attribute '{name}' already exists", kind="KeyError")
        if "." in name:
            raise TorchError(f'module name can\'t contain ".", got: {name}', kind="KeyError")
        if name == "":
            raise TorchError('module name can\'t be empty string ""', kind="KeyError")
        self._modules[name] = module

    def register_module(self, name, module) -> None:
        self.add_module(name, module)

    def get_submodule(self, target: str) -> "Module":
        if target == "":
            return self
        module = self
        for item in target.split("."):
            if not hasattr(module, item):
                raise TorchError(f"{module._get_name()} has no attribute `{item}`",
                                 kind="AttributeError")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise TorchError(f"`{item}` is not an nn.Module", kind="AttributeError")
        return module

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise TorchError(f"{module._get_name()} has no attribute `{name}`",
                             kind="AttributeError")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise TorchError(f"`{name}` is not an nn.Parameter", kind="AttributeError")
        return param

    # ----- Attributes: parameters, buffers and submodules live in their own tables -----

    def __getattr__(self, name):
        for table in ("_parameters", "_buffers", "_modules"):
            members = self.__dict__.get(table)
            if members is not None and name in members:
                return members[name]
        raise TorchError(f"'{type(self).__name__}' object has no attribute '{name}'",
                         kind="AttributeError")

    def __setattr__(self, name, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise TorchError("cannot assign parameters before Module.__init__() call",
                                 kind="AttributeError")
            self._remove_from(name, self.__dict__, self._buffers, self._modules,
                              self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TorchError(f"cannot assign '{typename(value)}' as parameter '{name}' "
                                 "(torch.nn.Parameter or None expected)", kind="TypeError")
            self.register_parameter(name, value)
        else:
            self._set_module_or_buffer(name, value)

    def _set_module_or_buffer(self, name, value) -> None:
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Module):
            if modules is None:
                raise TorchError("cannot assign module before Module.__init__() call",
                                 kind="AttributeError")
            self._remove_from(name, self.__dict__, self._parameters, self._buffers,
                              self._non_persistent_buffers_set)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TorchError(f"cannot assign '{typename(value)}' as child module '{name}' "
                                 "(torch.nn.Module or None expected)", kind="TypeError")
            modules[name] = value
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TorchError(f"cannot assign '{typename(value)}' as buffer '{name}' "
                                 "(torch.nn.Buffer, torch.Tensor or None expected)",
                                 kind="TypeError")
            self.register_buffer(name, value, name not in self._non_persistent_buffers_set)
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *tables) -> None:
        for table in tables:
            if name in table:
                if isinstance(table, dict):
                    del table[name]
                else:
                    table.discard(name)

    def __delattr__(self, name) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    # ----- Calling: forward between its hooks -----

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (or ``(module, args, kwargs)``) before each forward; a value
        it returns replaces the arguments."""
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` after each forward; a value it returns replaces the
        output."""
        handle = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                returned = hook(self, args, kwargs)
                if returned is not None:
                    if not (isinstance(returned, tuple) and len(returned) == 2):
                        raise TorchError("forward pre-hook must return None or a tuple of "
                                         f"(new_args, new_kwargs), but got {returned}.")
                    args, kwargs = returned
            else:
                returned = hook(self, args)
                if returned is not None:
                    args = returned if isinstance(returned, tuple) else (returned,)
        result = self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                returned = hook(self, args, kwargs, result)
            else:
                returned = hook(self, args, result)
            if returned is not None:
                result = returned
        return result

    # ----- Traversal (the orders PyTorch walks, deduplicated as it does) -----

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name,
                                            remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        memo = set()
        for name, module in self._modules.items():
            if module is not None and module not in memo:
                memo.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, members_of, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in members_of(module):
                if value is None or value in memo:
                    continue
                if remove_duplicate:
                    memo.add(value)
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda module: module._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda module: module._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ----- Modes and bulk changes -----

    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise TorchError("training mode is expected to be boolean", kind="ValueError")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True) -> None:
        for param in self.parameters():
            clear_grad(param, set_to_none)

    def apply(self, fn):
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, convert):
        """``convert`` every parameter (in place, through ``.data``, as PyTorch does while the
        types stay compatible), its gradient, and every buffer."""
        for module in self.children():
            module._apply(convert)
        for param in self._parameters.values():
            if param is None:
                continue
            with fn.no_grad():
                param.data = convert(param)
                if param.grad is not None:
                    param.grad.data = convert(param.grad)
        for name, buffer in self._buffers.items():
            if buffer is not None:
                self._buffers[name] = convert(buffer)
        return self

    def to(self, *args, **kwargs):
        """Cast the floating-point parameters and buffers (``to(dtype)``, ``to(tensor)``);
        the device, always the CPU here, is accepted and ignored."""
        dtype = kwargs.get("dtype")
        for arg in args:
            if isinstance(arg, dtypes.dtype):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype = arg.dtype
            elif arg not in ("cpu", None):
                raise TorchError(f"gradcli runs on the CPU only, not on {arg!r}",
                                 kind="NotImplementedError")
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TorchError("nn.Module.to only accepts floating point or complex dtypes, but got "
                             f"desired dtype={dtype}", kind="TypeError")
        return self._apply(lambda t: fn.to(t, dtype) if t.is_floating_point() else t)

    def cpu(self):
        return self

    def type(self, dst_type):
        return self._apply(lambda t: fn.to(t, dst_type))

    def float(self):
        return self._apply(lambda t: fn.to(t, dtypes.float32) if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: fn.to(t, dtypes.float64) if t.is_floating_point() else t)

    def half(self):
        return self._apply(lambda t: fn.to(t, dtypes.float16) if t.is_floating_point() else t)

    # ----- State dict -----

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = {"version": self._version}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict, prefix, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in (*self._parameters.items(), *persistent.items())
                       if v is not None}
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            _load_one(key, param, state_dict[key], error_msgs)
        for key in state_dict:
            if key.startswith(prefix):
                first, *rest = key[len(prefix):].split(".", 1)
                if (first not in self._modules) if rest else (first not in local_state):
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        if not isinstance(state_dict, dict):
            raise TorchError(f"Expected state_dict to be dict-like, got {type(state_dict)}.",
                             kind="TypeError")
        missing_keys, unexpected_keys, error_msgs = [], [], []

        def load(module, local_state, prefix=""):
            module._load_from_state_dict(local_state, prefix, missing_keys, unexpected_keys,
                                         error_msgs)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_state.items()
                                 if k.startswith(child_prefix)}, child_prefix)

        load(self, OrderedDict(state_dict))
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise TorchError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # ----- Printing -----

    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """What a layer shows between its parentheses (Linear: in_features=...)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = ["(" + key + "): " + _addindent(repr(module), 2)
                       for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


def _load_one(key, param, value, error_msgs) -> None:
    """Copy ``value`` into ``param`` (under no_grad), or note why not."""
    if not isinstance(value, Tensor):
        error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                          f"Tensor-like object from checkpoint but received {type(value)}")
        return
    if not param.shape and value.shape == (1,):
        value = value[0]
    if value.shape != param.shape:
        error_msgs.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                          f"from checkpoint, the shape in current model is {param.shape}.")
        return
    with fn.no_grad():
        param.copy_(value)
