"""``nn.Sequential``, ``nn.ModuleList`` and ``nn.ModuleDict``: modules that hold modules."""

from __future__ import annotations

import operator
from collections import OrderedDict

from gradcli.api.nn.modules.module import Module, _addindent
from gradcli.errors import TorchError


def _index(idx, size: int) -> int:
    """``idx`` (an int, or anything with ``__index__``) as a position in ``range(size)``."""
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise TorchError(f"index {idx} is out of range", kind="IndexError")
    return idx % size


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: modules under the keys "0", "1", ... in order."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def _delete(self, keys) -> None:
        for key in keys:
            delattr(self, key)
        # renumbered, as PyTorch does
        self._modules = OrderedDict(
            (str(i), module) for i, module in enumerate(self._modules.values()))


class Sequential(_ModuleSequence):
    """Modules called one after the other, each on the output of the one before."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self))]

    def __setitem__(self, idx, module) -> None:
        key = list(self._modules)[_index(idx, len(self))]
        setattr(self, key, module)

    def __delitem__(self, idx) -> None:
        keys = list(self._modules)
        self._delete(keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(keys))]])

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise TorchError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.", kind="ValueError")
        combined = Sequential()
        for layer in (*self, *other):
            combined.append(layer)
        return combined

    def extend(self, sequential):
        for layer in sequential:
            self.append(layer)
        return self

    def insert(self, index, module):
        if not isinstance(module, Module):
            raise TorchError(f"module should be of type: {Module}", kind="AssertionError")
        n = len(self._modules)
        if not -n <= index <= n:
            raise TorchError(f"Index out of range: {index}", kind="IndexError")
        index = index + n if index < 0 else index
        for i in range(n, index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module
        return self

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules, registered so that ``parameters()`` and the rest see them."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self)))]

    def __setitem__(self, idx, module) -> None:
        setattr(self, str(_index(idx, len(self))), module)

    def __delitem__(self, idx) -> None:
        positions = range(len(self))[idx] if isinstance(idx, slice) else [_index(idx, len(self))]
        self._delete([str(position) for position in positions])

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        combined = ModuleList()
        for i, module in enumerate((*self, *other)):
            combined.add_module(str(i), module)
        return combined

    def extend(self, modules):
        if not hasattr(modules, "__iter__"):
            raise TorchError("ModuleList.extend should be called with an iterable, but got "
                             + type(modules).__name__, kind="TypeError")
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self

    def insert(self, index, module) -> None:
        for i in range(len(self._modules), index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module

    def __repr__(self) -> str:
        """PyTorch's: a run of equal modules prints once, as ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [_addindent(f"({start}): {text}" if start == end else
                            f"({start}-{end}): {end - start + 1} x {text}", 2)
                 for start, end, text in runs]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules, in insertion order, registered like attributes."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules) -> None:
        pairs = modules.items() if isinstance(modules, (dict, ModuleDict)) else modules
        for j, pair in enumerate(pairs):
            if len(pair) != 2:
                raise TorchError(f"ModuleDict update sequence element #{j} has length "
                                 f"{len(pair)}; 2 is required", kind="ValueError")
            self[pair[0]] = pair[1]
