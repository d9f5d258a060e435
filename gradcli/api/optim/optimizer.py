"""``torch.optim.Optimizer``: parameter groups, per-parameter state, zero_grad, state_dict.

A port of ``torch/optim/optimizer.py`` for one CPU device.  The subclasses run PyTorch's
single-tensor update (the path its CPU default, ``foreach=None``, takes) with the same in-place
ops in the same order, so every parameter moves by the same bits.
"""

from __future__ import annotations

import copy
from collections import defaultdict

from gradcli.api import functions as fn
from gradcli.api.nn.modules.module import typename
from gradcli.api.nn.parameter import clear_grad
from gradcli.core.tensor import Tensor
from gradcli.errors import TorchError


class _RequiredParameter:
    """The default of a hyper-parameter a group must give (``torch.optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of the optimizers: ``step()`` is theirs, the bookkeeping is here."""

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TorchError("params argument given to the optimizer should be an iterable of "
                             "Tensors or dicts, but got " + typename(params), kind="TypeError")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if not param_groups:
            raise TorchError("optimizer got an empty parameter list", kind="ValueError")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict):
            raise TorchError(f"param_group must be a dict, but got {type(param_group)}",
                             kind="TypeError")
        params = param_group["params"]
        param_group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TorchError("optimizer can only optimize Tensors, but one of the params is "
                                 + typename(param), kind="TypeError")
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param._retains_grad):
                raise TorchError("can't optimize a non-leaf Tensor", kind="ValueError")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise TorchError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}", kind="ValueError")
            param_group.setdefault(name, default)
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if existing & {id(p) for p in param_group["params"]}:
            raise TorchError("some parameters appear in more than one parameter group",
                             kind="ValueError")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                clear_grad(param, set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient, under no_grad as PyTorch runs
        it; returns the loss the closure (run first, with grad mode on) returns."""
        loss = None
        if closure is not None:
            with fn.enable_grad():
                loss = closure()
        with fn.no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        self._update(param, group)
        return loss

    def _update(self, param, group) -> None:
        raise TorchError(f"{type(self).__name__} does not implement step",
                         kind="NotImplementedError")

    # ----- State dict: parameters become their indices -----

    def state_dict(self) -> dict:
        mapping, start = {}, 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, param in enumerate(group["params"], start):
                mapping.setdefault(id(param), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = {"state": dict(state_dict["state"]),
                      "param_groups": copy.deepcopy(state_dict["param_groups"])}
        groups, saved_groups = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise TorchError("loaded state dict has a different number of parameter groups",
                             kind="ValueError")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise TorchError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group", kind="ValueError")
        by_index = {old: param for group, saved in zip(groups, saved_groups)
                    for old, param in zip(saved["params"], group["params"])}
        self.state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            param = by_index.get(key)
            if param is None:
                self.state[key] = value
                continue
            self.state[param] = {name: _cast_state(name, item, param)
                                 for name, item in value.items()}
        self.param_groups = [dict(saved, params=group["params"])
                             for group, saved in zip(groups, saved_groups)]

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(name, value, param):
    """A loaded state tensor in the parameter's dtype (a step counter keeps its own)."""
    if not isinstance(value, Tensor):
        return value
    copied = value.clone() if name == "step" else fn.to(value, param.dtype).clone()
    return copied.detach()


def check(valid: bool, message: str) -> None:
    """One of PyTorch's hyper-parameter checks ("Invalid learning rate: -1")."""
    if not valid:
        raise TorchError(message, kind="ValueError")
