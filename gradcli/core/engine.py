"""The backward pass: walk the graph from the outputs, call each node's rules.

Two modes share one walk.  Without ``create_graph`` the gradients flowing
through the graph are bare numpy arrays and every rule runs on numpy (fast, no
graph is built).  With ``create_graph`` they are Tensors and the rules run on
the differentiable ops, so the backward pass is itself recorded and can be
differentiated again.  Nodes run in PyTorch's order (latest created first), so
gradients reaching a node are summed in the same order, to the same bits.
"""

from __future__ import annotations

import heapq
import itertools
import re
import sys

import numpy as np

from gradcli.core.ops import NP, T
from gradcli.core.printing import size_repr
from gradcli.core.tensor import (AccumulateGrad, GradMode, NodeHook, OpNode, OutputGrads,
                                 PackedSaves, Tensor, wrapped_numbers)
from gradcli.errors import TorchError

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """``tensor.backward`` and ``autograd.grad``: returns the gradients of ``inputs`` for grad
    (``accumulate`` False); backward with ``inputs`` accumulates into theirs alone."""
    if retain_graph is None:
        retain_graph = create_graph
    retain_graph = retain_graph or GradMode.keep_graphs
    roots = _root_gradients(outputs, grad_outputs, create_graph)
    targets = None
    if inputs is not None:
        targets = {}
        for tensor in inputs:
            if not tensor.requires_grad:
                raise TorchError("One of the differentiated Tensors does not require grad")
            targets.setdefault(tensor.gradient_edge(), None)
    previous = GradMode.enabled
    GradMode.enabled = create_graph
    try:
        captured = _execute(roots, targets, retain_graph, create_graph, accumulate)
    finally:
        GradMode.enabled = previous
    if inputs is None or accumulate:  # backward(inputs=...): only they accumulate
        return None
    return _collect(inputs, captured, create_graph, allow_unused)


def _root_gradients(outputs, grad_outputs, create_graph):
    roots = []
    for index, (out, grad) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise TorchError(f"element {index} of tensors does not require grad and does not have "
                             "a grad_fn", hint="create the inputs with requires_grad=True, and "
                             "compute this tensor from them outside torch.no_grad()")
        if grad is None:
            if out.array.size != 1:
                raise TorchError("grad can be implicitly created only for scalar outputs",
                                 hint="reduce it first (y.sum().backward()) or pass the vector of "
                                      "a vector-Jacobian product: y.backward(torch.ones_like(y))")
            grad = Tensor(np.ones_like(out.array))
        elif grad.array.shape != out.array.shape:
            raise TorchError(f"Mismatch in shape: grad_output[{index}] has a shape of "
                             f"{size_repr(grad.array.shape)} and output[{index}] has a shape of "
                             f"{size_repr(out.array.shape)}.")
        roots.append((out.gradient_edge(), grad if create_graph else grad.array))
    return roots


class _GraphTask:
    """The backward pass running now (hooks ask which nodes it will run)."""

    current = None
    numbers = itertools.count()

    def __init__(self, dependencies, needed, targets):
        self.id = next(self.numbers)
        self.dependencies, self.needed, self.targets = dependencies, needed, targets


def current_graph_task_id() -> int:
    """The running backward pass's number (-1 outside one), as torch._C's."""
    task = _GraphTask.current
    return -1 if task is None else task.id


def will_execute(node) -> bool:
    """Whether the running backward pass runs ``node`` (torch._C._will_engine_execute_node)."""
    task = _GraphTask.current
    if task is None:
        raise TorchError("_will_engine_execute_node should only be called during the backward "
                         "pass")
    if task.needed is None:
        return node in task.dependencies
    return node in task.needed or node in task.targets


def _execute(roots, targets, retain_graph, create_graph, accumulate):
    dependencies = _count_dependencies([node for node, _ in roots])
    needed = _needed_nodes(dependencies, targets) if targets is not None else None
    previous, _GraphTask.current = _GraphTask.current, _GraphTask(dependencies, needed, targets)
    try:
        return _walk(roots, dependencies, needed, targets, retain_graph, create_graph, accumulate)
    finally:
        _GraphTask.current = previous


def _walk(roots, dependencies, needed, targets, retain_graph, create_graph, accumulate):
    buffers: dict = {}
    for node, grad in roots:
        buffers[node] = buffers[node] + grad if node in buffers else grad
    ready = [(-node.seq, node) for node in buffers if dependencies.get(node, 0) == 0]
    heapq.heapify(ready)
    captured = {}
    heappop, heappush = heapq.heappop, heapq.heappush
    node = None
    while True:
        if node is None:  # else the one node the last step made ready, while none else was
            if not ready:
                break
            node = heappop(ready)[1]
        grad = buffers.pop(node, None)
        hooks = node.pre_hooks
        if grad is not None and hooks:
            grad = _run_hooks(hooks, grad, create_graph)
        if targets is not None and node in targets:
            captured[node] = grad
        if type(node) is AccumulateGrad:
            if accumulate and grad is not None:
                if hooks:
                    _accumulate_hooked(node, hooks, grad, create_graph)
                else:
                    _accumulate(node, grad, create_graph)
            node = None
            continue
        if needed is not None and node not in needed:
            node = None
            continue
        if grad is None:
            grads = None
        elif hooks:
            grads = _run_hooked(node, hooks, grad, create_graph)
        else:
            grads = run_node(node, grad, create_graph)
        if not retain_graph:
            node.release()
        follow = None
        for i, child in enumerate(node.children):
            if child is None:
                continue
            if needed is None or child in needed:
                child_grad = grads[i] if grads is not None else None
                if child_grad is not None:
                    if type(grads) is list:
                        grads[i] = None  # the buffer alone holds it now: _add_into may reuse it
                    if child in buffers:
                        _add_into(buffers, child, child_grad)
                    else:
                        buffers[child] = child_grad
            remaining = dependencies[child] - 1
            dependencies[child] = remaining
            if remaining == 0:
                # The heap orders ready nodes as PyTorch does (latest created first; nodes of
                # equal number, the leaves' AccumulateGrad, compare equal as in its ready queue, a
                # binary heap like heapq); a node that is the only one ready is next whatever its
                # number, so it skips the heap.
                if follow is None and not ready:
                    follow = child
                else:
                    if follow is not None:
                        heappush(ready, (-follow.seq, follow))
                        follow = None
                    heappush(ready, (-child.seq, child))
        node = follow
    return captured


def _add_into(buffers, child, grad) -> None:
    """Sum a gradient into a node's input buffer: in place when no one else can see the
    buffered array (PyTorch's InputBuffer does the same), saving a temporary per sum."""
    held = buffers[child]
    if (type(held) is np.ndarray and held.base is None and held.shape == grad.shape
            and held.dtype == grad.dtype and held.flags.writeable
            and sys.getrefcount(held) <= _SOLE_OWNER):
        np.add(held, grad, out=held)  # the same ufunc loop as held + grad: the same bits
    else:
        buffers[child] = held + grad


def _sole_owner_count() -> int:
    # The reference count _add_into sees for an array held by the buffer dict alone (the
    # same pattern of dict, local and argument), measured rather than assumed.
    buffers = {None: np.empty(1)}
    held = buffers[None]
    return sys.getrefcount(held)


_SOLE_OWNER = _sole_owner_count()


def _count_dependencies(root_nodes):
    """How many edges lead into each node reachable from the roots."""
    dependencies = {node: 0 for node in root_nodes if node is not None}
    stack = list(dependencies)
    while stack:
        node = stack.pop()
        for child in node.children:
            if child is None:
                continue
            count = dependencies.get(child)
            if count is None:  # first time seen: walk on from it
                dependencies[child] = 1
                stack.append(child)
            else:
                dependencies[child] = count + 1
    return dependencies


def _needed_nodes(dependencies, targets):
    """The nodes from which some target can be reached (autograd.grad runs only those)."""
    needed = set(targets)
    order = _topological_order(dependencies)
    for node in reversed(order):
        if any(child in needed for child in node.children if child is not None):
            needed.add(node)
    return needed


def _topological_order(dependencies):
    counts = dict(dependencies)
    order = [node for node, count in counts.items() if count == 0]
    for node in order:
        for child in node.children:
            if child is None:
                continue
            counts[child] -= 1
            if counts[child] == 0:
                order.append(child)
    return order


def _run_hooks(hooks, grad, create_graph):
    """The tensors' hooks of a node (its own NodeHooks run in _run_hooked)."""
    if type(grad) is OutputGrads:
        return grad  # a node of several outputs: its tensors' hooks are on its OutputEdges
    for hook in list(hooks):
        if type(hook) is NodeHook:
            continue
        wrapped = grad if create_graph else Tensor(grad)
        result = hook(wrapped)
        if result is not None:
            _check_hook_result(hook, result, wrapped)
            grad = result if create_graph else result.array
    return grad


def _run_hooked(node, hooks, grad, create_graph):
    """A node with hooks of its own: pre hooks see (and may replace) the gradients flowing in,
    post hooks the gradients flowing out and in."""
    grad = _run_pre_hooks(node, hooks, grad, create_graph)
    grads = run_node(node, grad, create_graph)
    for hook in _node_hooks(hooks, NodeHook.POST):
        outputs = _wrapped_grads(node, grad, create_graph)
        inputs = tuple(None if g is None else g if create_graph else Tensor(g) for g in grads)
        result = hook.fn(inputs, outputs)
        if result is not None:
            checked = _checked_tuple(hook, result, inputs)
            grads = [None if g is None else g if create_graph else g.array for g in checked]
    return grads


def _accumulate_hooked(node, hooks, grad, create_graph) -> None:
    """A leaf's AccumulateGrad with hooks: pre hooks, .grad updated, then the hooks registered
    with register_post_accumulate_grad_hook (given the leaf), then post hooks."""
    grad = _run_pre_hooks(node, hooks, grad, create_graph)
    _accumulate(node, grad, create_graph)
    for hook in _node_hooks(hooks, NodeHook.POST_ACCUMULATE):
        result = hook.fn(node.variable) if node.variable is not None else None
        if result is not None:
            raise TorchError(f"expected Variable, but hook returned '{type(result).__name__}'",
                             kind="TypeError")
    for hook in _node_hooks(hooks, NodeHook.POST):
        result = hook.fn((), _wrapped_grads(node, grad, create_graph))
        if result is not None:
            _checked_tuple(hook, result, ())


def _node_hooks(hooks, kind) -> list:
    return [hook for hook in list(hooks) if type(hook) is NodeHook and hook.kind == kind]


def _run_pre_hooks(node, hooks, grad, create_graph):
    for hook in _node_hooks(hooks, NodeHook.PRE):
        outputs = _wrapped_grads(node, grad, create_graph)
        result = hook.fn(outputs)
        if result is not None:
            checked = _checked_tuple(hook, result, outputs)
            unwrapped = [None if g is None else g if create_graph else g.array for g in checked]
            grad = (OutputGrads({nr: g for nr, g in enumerate(unwrapped) if g is not None})
                    if type(grad) is OutputGrads else unwrapped[0])
    return grad


def _wrapped_grads(node, grad, create_graph) -> tuple:
    """The gradients flowing into a node, as the tuple its hooks see."""
    grads = grad.as_tuple(node.num_outputs) if type(grad) is OutputGrads else (grad,)
    return tuple(None if g is None else g if create_graph else Tensor(g) for g in grads)


def _checked_tuple(hook, result, previous) -> tuple:
    """What a node hook returned, held to PyTorch's checks: a tuple of the same length, each
    gradient of the same shape and dtype."""
    if not isinstance(result, tuple):
        raise TorchError(f"expected tuple, but hook returned '{type(result).__name__}'",
                         kind="TypeError")
    if len(result) != len(previous):
        raise TorchError(f"hook '{hook.name}' has returned an incorrect number of values (got "
                         f"{len(result)}, but expected {len(previous)})")
    for new, old in zip(result, previous):
        if new is not None and old is not None:
            _check_hook_result(hook, new, old)
    return result


def _check_hook_result(hook, result, grad) -> None:
    """A hook is program code: what it returns must be a gradient of the same type and shape."""
    name = getattr(hook, "name", getattr(hook, "__name__", "hook"))
    if not isinstance(result, Tensor):
        raise TorchError(f"expected Variable, but hook returned '{type(result).__name__}'",
                         kind="TypeError")
    if result.array.dtype != grad.array.dtype:
        raise TorchError(f"hook '{name}' has changed the type of value (was {type_name(grad)} "
                         f"got {type_name(result)})")
    if result.array.shape != grad.array.shape:
        raise TorchError(f"hook '{name}' has changed the size of value")


def _accumulate(node: AccumulateGrad, grad, create_graph: bool) -> None:
    leaf = node.variable
    if leaf is None:
        return
    if create_graph:
        # PyTorch's AccumulateGrad with grad mode on: the first gradient is copied into a new
        # tensor of the leaf's dtype (recorded: CopyBackwards, so .grad never aliases the
        # incoming gradient), later ones are summed out of place (AddBackward0)
        if leaf.grad is None:
            leaf.grad = T.copy(Tensor(np.empty(grad.array.shape, leaf.array.dtype)), grad)
        else:
            leaf.grad = leaf.grad + grad
        return
    if grad.dtype != leaf.array.dtype:
        grad = grad.astype(leaf.array.dtype)
    if leaf.grad is None:
        # a copy: the incoming array may be shared (a user's gradient, a passed-through grad)
        leaf.grad = Tensor(np.array(grad, copy=True))
    else:
        old = leaf.grad.array
        if old.shape == grad.shape and old.flags.writeable:
            np.add(old, grad, out=old)
            leaf.grad._version += 1
        else:
            leaf.grad = Tensor(old + grad)


def _collect(inputs, captured, create_graph, allow_unused):
    results = []
    for index, tensor in enumerate(inputs):
        grad = captured.get(tensor.gradient_edge())
        if grad is None:
            if not allow_unused:
                raise TorchError("One of the differentiated Tensors appears to not have been used in "
                                 "the graph. Set allow_unused=True if this is the desired behavior.")
            results.append(None)
        else:
            results.append(grad if create_graph else Tensor(np.array(grad, copy=True)))
    return tuple(results)


def run_node(node, grad, create_graph: bool):
    """One node's backward: the gradient of each of its inputs (None where none is needed).
    Op-table nodes run their rules here; other kinds (custom Functions) run their own."""
    if type(node) is OpNode:
        return apply_node(node, grad, create_graph)
    return node.apply(grad, create_graph)


def apply_node(node: OpNode, grad, create_graph: bool):
    """Run one op's backward rules: the gradient for each input that needs one."""
    op = node.op
    if node.released and op.saves:
        raise TorchError(SECOND_BACKWARD, hint="pass retain_graph=True to the earlier backward() "
                                               "call, or recompute the forward")
    inputs = node.inputs
    result = node.result
    if node.versions is not None:
        if type(node.versions) is PackedSaves:
            inputs, result = _unpacked(node)
        else:
            _check_versions(node)
    params = node.params
    if create_graph:
        F = T
        result = Tensor(result, requires_grad=True, grad_fn=node) if op.saves_result else None
        args = wrapped_numbers(inputs)
        formula, GradMode.formula = GradMode.formula, True  # numbers in rules are Scalars
    else:
        F = NP
        if len(inputs) == 2 and len(op.backward) == 2 and not params:
            return _apply_binary(node, op, F, grad, result, inputs)
        args = [x.array if isinstance(x, Tensor) else x for x in inputs]
    try:
        if op.backward_all is not None:
            grads = op.backward_all(F, grad, result, *args, **params)
            return [_fit(F, g, arg, create_graph, node, index) if needed and g is not None
                    else None for index, (g, needed, arg)
                    in enumerate(zip(grads, node.needs_input_grad, inputs))]
        rules = list(enumerate(zip(op.backward, node.needs_input_grad, args)))
        backwards = create_graph and op.last_input_first  # the order nodes are recorded in
        out = []
        for index, (rule, needed, arg) in reversed(rules) if backwards else rules:
            if not needed:
                out.append(None)
                continue
            g = rule(F, grad, result, *args, **params)
            if create_graph or g.shape != arg.shape or (g.dtype is not arg.dtype
                                                         and g.dtype != arg.dtype):
                g = _fit(F, g, arg, create_graph, node, index)
            out.append(g)
        return out[::-1] if backwards else out
    finally:
        if create_graph:
            GradMode.formula = formula


def _expandable(shape, target) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (PyTorch's is_expandable_to)."""
    if len(shape) > len(target):
        return False
    return all(size in (1, want) for size, want in zip(reversed(shape), reversed(target)))


def _unpacked(node: OpNode):
    """The inputs and result a node saved through saved_tensors_hooks, unpacked (each run)."""
    packed = node.versions
    inputs, result = list(node.inputs), node.result
    for position, item in packed.entries:
        tensor = packed.unpack(item)
        if not isinstance(tensor, Tensor):
            raise TorchError("Output of saved tensor unpack_hook expected to be a Tensor but "
                             f"got result of type {type(tensor).__name__}", kind="TypeError")
        if position == -1:
            result = tensor.array
        else:
            inputs[position] = tensor
    return tuple(inputs), result


def _apply_binary(node, op, F, grad, result, inputs):
    """``apply_node`` unrolled for the commonest nodes: two inputs, no parameters, numpy."""
    a, b = inputs
    if isinstance(a, Tensor):
        a = a.array
    if isinstance(b, Tensor):
        b = b.array
    rule_a, rule_b = op.backward
    need_a, need_b = node.needs_input_grad
    grad_a = grad_b = None
    if need_a:
        grad_a = rule_a(F, grad, result, a, b)
        if grad_a.shape != a.shape or (grad_a.dtype is not a.dtype and grad_a.dtype != a.dtype):
            grad_a = _fit(F, grad_a, a, False, node, 0)
    if need_b:
        grad_b = rule_b(F, grad, result, a, b)
        if grad_b.shape != b.shape or (grad_b.dtype is not b.dtype and grad_b.dtype != b.dtype):
            grad_b = _fit(F, grad_b, b, False, node, 1)
    return [grad_a, grad_b]


def _fit(F, g, arg, create_graph, node, index):
    """Undo broadcasting and cast to the input's dtype, as PyTorch's engine does for every edge
    (a gradient the input's shape does not broadcast to is its validate_outputs error)."""
    shape = arg.array.shape if isinstance(arg, Tensor) else arg.shape
    g_shape = g.shape
    if g_shape != shape:
        if not _expandable(tuple(shape), tuple(g_shape)):
            raise TorchError(f"Function {node.name()} returned an invalid gradient at index "
                             f"{index} - got [{', '.join(map(str, g_shape))}] but expected shape "
                             f"compatible with [{', '.join(map(str, shape))}]")
        g = F.sum_to(g, shape=tuple(shape))
    want = arg.array.dtype if isinstance(arg, Tensor) else arg.dtype
    if create_graph:
        if g.array.dtype != want:
            g = F.to_dtype(g, dtype=want)
    elif g.dtype != want:
        g = g.astype(want)
    return g


def _check_versions(node: OpNode) -> None:
    """PyTorch's SavedVariable check: a saved input or result modified in place since."""
    for tensor, version in zip(node.inputs, node.versions):
        if version is not None and isinstance(tensor, Tensor) and tensor._version != version:
            _raise_first_modified(node)  # the common case costs only this loop
    output = node.output() if node.output is not None else None
    if output is not None and output._version != getattr(node.output, "version", 0):
        _raise_first_modified(node)


def _raise_first_modified(node: OpNode) -> None:
    """Report the first modified one in the order PyTorch's generated code unpacks saved
    variables: inputs by argument name (mm's mat2 before self), then the saved result."""
    names = node.op.arg_names
    saved = [(names[i] if i < len(names) else f"input{i}", i)
             for i, version in enumerate(node.versions) if version is not None]
    output = node.output() if node.output is not None else None
    if output is not None:
        saved.append(("~result", -1))  # sorts last
    for _, position in sorted(saved):
        if position == -1:
            saved_at = getattr(node.output, "version", 0)
            if output._version != saved_at:
                raise modified_error(output, saved_at, node.name())
            continue
        tensor, version = node.inputs[position], node.versions[position]
        if isinstance(tensor, Tensor) and tensor._version != version:
            raise modified_error(tensor, version, current_grad_fn_name(tensor))


def current_grad_fn_name(tensor):
    return tensor.grad_fn.name() if tensor.grad_fn is not None else None


def modified_error(tensor, version, grad_fn_name) -> TorchError:
    """PyTorch's error for a saved tensor modified in place since (backward, or reading a
    node's _saved_ value)."""
    # PyTorch names the node here as "Exp" for ExpBackward0, "Pow1" for PowBackward1
    which = "" if grad_fn_name is None else ", which is output 0 of " + re.sub(
        r"Backward([0-9]+)$", lambda m: "" if m.group(1) == "0" else m.group(1), grad_fn_name) + ","
    return TorchError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{type_name(tensor)} {list(tensor.array.shape)}]{which} is at version "
        f"{tensor._version}; expected version {version} instead. Hint: enable anomaly detection to "
        "find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


# the legacy type of each dtype (x.type() names it; x.type('torch.LongTensor') converts to it)
LEGACY_TYPE_NAMES = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor",
                     "float16": "torch.HalfTensor", "int64": "torch.LongTensor",
                     "int32": "torch.IntTensor", "int16": "torch.ShortTensor",
                     "int8": "torch.CharTensor", "uint8": "torch.ByteTensor",
                     "bool": "torch.BoolTensor"}


def type_name(tensor: Tensor) -> str:
    """PyTorch's legacy type name of a tensor (torch.FloatTensor)."""
    return LEGACY_TYPE_NAMES.get(tensor.array.dtype.name, "torch.Tensor")


# CopySlices' rule runs the rules of the node it wraps: the op table is handed the engine's
# node runner through the namespace its rules receive (ops sit below the engine).
vars(NP).update(node_backward=lambda node, grad: apply_node(node, grad, False))
vars(T).update(node_backward=lambda node, grad: apply_node(node, grad, True))
