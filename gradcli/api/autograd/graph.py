"""``torch.autograd.graph``: the graph's nodes and the hooks around them.

``saved_tensors_hooks(pack, unpack)`` hands every tensor a node saves for backward to
``pack`` as the node is recorded, and what ``pack`` returned to ``unpack`` each time the
backward reads it (``core.tensor.pack_saved``, ``engine._unpacked``, and a custom Function's
``ctx.saved_tensors``).  ``register_multi_grad_hook`` waits for the gradients of several
tensors in one backward pass.
"""

from __future__ import annotations

import numpy as np

from gradcli.core.engine import current_graph_task_id, will_execute
from gradcli.core.tensor import GradMode, Node, Tensor
from gradcli.errors import TorchError


class saved_tensors_hooks:  # noqa: N801 (PyTorch's name)
    """Context manager: ``pack_hook(tensor)`` when an op saves a tensor for backward,
    ``unpack_hook(packed)`` when the backward reads it; the innermost pair applies."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        self._previous = GradMode.saved_hooks
        GradMode.saved_hooks = (self.pack_hook, self.unpack_hook)

    def __exit__(self, *exc):
        GradMode.saved_hooks = self._previous
        return False


class save_on_cpu(saved_tensors_hooks):  # noqa: N801
    """Saved tensors kept as copies (on the CPU, where everything is here)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(lambda tensor: Tensor(np.array(tensor.array, copy=True)),
                         lambda packed: packed)


class _MultiHandle:
    """The handle of several hooks, removed together."""

    def __init__(self, handles):
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """``fn(grads)`` once the gradients of every tensor of ``tensors`` this backward pass
    computes are there (None for those it does not); with ``mode="any"``, ``fn(grad)`` with
    the first one."""
    if mode not in ("all", "any"):
        raise TorchError(f"Expects mode to be one of ('all', 'any') but got {mode}",
                         kind="ValueError")
    tensors = tuple(tensors)
    if mode == "any":
        ran: dict = {}

        def first(grad):
            task = current_graph_task_id()
            if not ran.get(task):
                ran[task] = True
                fn(grad)
        return _MultiHandle(tuple(t.register_hook(first) for t in tensors if t.requires_grad))
    nodes = [t.gradient_edge() for t in tensors]
    count: dict = {}
    buffer: dict = {}

    def inner(index):
        def hook(grad):
            task = current_graph_task_id()
            seen = count.get(task, 0)
            count[task] = seen + 1
            grads = buffer.setdefault(task, [None] * len(tensors))
            grads[index] = grad
            if seen + 1 == sum(will_execute(node) for node in nodes):
                del count[task], buffer[task]
                fn(grads)
        return hook
    return _MultiHandle(tuple(t.register_hook(inner(i)) for i, t in enumerate(tensors)))


__all__ = ["saved_tensors_hooks", "save_on_cpu", "register_multi_grad_hook", "Node"]
_ = Node  # torch.autograd.graph.Node: every grad_fn is one
