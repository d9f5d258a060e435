"""Tensor, graph nodes and grad mode: the data structures of the engine.

A ``Tensor`` wraps a numpy array (``.array``) with PyTorch's autograd state.  A
tensor produced by a recorded op points at its ``grad_fn``, an ``OpNode`` that
remembers the op (a row of the op table in ``ops.py``), the inputs it needs and
the edges (``next_functions``) to the nodes of those inputs.  Leaves that require
grad are reached through their ``AccumulateGrad`` node.  The backward pass itself
lives in ``engine.py``; the ops' methods and operators are attached to ``Tensor`` by
``gradcli.api.methods``.
"""

from __future__ import annotations

import itertools
import weakref

import numpy as np

from gradcli.core import dtypes, dual
from gradcli.core.printing import size_repr, tensor_repr
from gradcli.errors import LimitError, TorchError


class GradMode:
    """Whether ops record a graph (``torch.is_grad_enabled``); one flag per process."""

    enabled = True
    # Set by the inspection commands (graph, explain): every node keeps its output values.
    keep_values = False
    # Set by the inspection commands: every graph stays alive after backward() (retain_graph)
    keep_graphs = False
    # Set while the engine runs derivative formulas with create_graph: numbers in them are
    # Scalar arguments, which PyTorch records as MulBackward1, AddBackward1...
    formula = False
    # torch.autograd.graph.saved_tensors_hooks: the innermost (pack, unpack) pair, or None
    saved_hooks = None


class Limits:
    """Resource caps the CLI sets before running an untrusted program (None: unlimited)."""

    max_elements: int | None = None
    max_nodes: int | None = None
    nodes = 0

    @classmethod
    def check_elements(cls, shape) -> None:
        cap = cls.max_elements
        if cap is None:
            return
        count = 1
        for size in shape:
            count *= int(size)
        if count > cap:
            raise LimitError(
                f"a tensor of shape {tuple(int(s) for s in shape)} has {count:,} elements, "
                f"over the limit of {cap:,}",
                hint="raise it with --max-elements N")


# Sequence numbers order the backward pass as PyTorch's engine does: the node
# created last runs first, which fixes the order gradients are summed in.
_sequence = itertools.count()


class Node:
    """A node of the backward graph (what ``tensor.grad_fn`` returns)."""

    # children: the node each input's gradient flows to, None for an input that needs none
    __slots__ = ("children", "seq", "pre_hooks", "__weakref__")

    def name(self) -> str:
        raise NotImplementedError

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: (node, input number of that node) pairs (the output
        number, for the nodes of an op PyTorch gives several outputs: unbind's)."""
        return tuple([(child.node, child.output_nr) if type(child) is OutputEdge else
                      (child, child.params[child.op.output_nr] if type(child) is OpNode
                       and child.op.output_nr else 0) for child in self.children])

    @property
    def _display_name(self) -> str:
        return self.name()

    @property
    def _tensor_repr_name(self) -> str:
        """The name a tensor's repr shows in ``grad_fn=<...>`` (a custom Function's node
        shows its short name there and its qualified one in its own repr)."""
        return self._display_name

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` after this node runs; it may return new
        grad_inputs (a tuple with one entry per ``next_functions`` edge)."""
        return add_node_hook(self, NodeHook(hook, NodeHook.POST))

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` before this node runs (after the tensors' hooks); it may return
        new grad_outputs."""
        return add_node_hook(self, NodeHook(hook, NodeHook.PRE))

    @property
    def num_outputs(self) -> int:
        """How many gradients flow into the node (one per output of its forward)."""
        return 1

    def __repr__(self) -> str:
        return f"<{self._display_name} object at 0x{id(self):x}>"

    def __lt__(self, other) -> bool:
        return False  # the engine's ready heap: nodes of the same number are equal there


# ----- Hooks on nodes -----
# A node's ``pre_hooks`` list holds, in the order PyTorch's engine calls them: the tensors'
# hooks (plain callables, retain_grad's last among them), then the node's own hooks, each a
# NodeHook: pre hooks, post hooks and, on a leaf's AccumulateGrad, the hooks run after
# .grad is updated.  One list keeps the engine's test for "any hook here" a single read.

class NodeHook:
    """A hook registered on a node (``grad_fn.register_hook``...), not on a tensor."""

    __slots__ = ("fn", "kind")
    PRE, POST, POST_ACCUMULATE = "pre", "post", "post_accumulate"

    def __init__(self, fn, kind):
        self.fn = fn
        self.kind = kind

    @property
    def name(self) -> str:
        return getattr(self.fn, "name", getattr(self.fn, "__name__", "hook"))


def add_node_hook(node, hook: NodeHook):
    if node.pre_hooks is None:
        node.pre_hooks = []
    node.pre_hooks.append(hook)
    return _HookHandle(node, hook)


def _tensor_hooks_end(hooks) -> int:
    """Where the tensors' hooks end in a node's list (the node's own hooks come after)."""
    end = len(hooks)
    while end and type(hooks[end - 1]) is NodeHook:
        end -= 1
    return end


# ----- Nodes of several outputs -----
# PyTorch's edges name an output of a node: (node, output_nr).  Here an edge is a node alone,
# so each output of a node with several outputs (a custom Function returning a tuple) flows
# through its own OutputEdge, which tags the gradient with the output's number; the node's
# input buffer collects them as OutputGrads and the node runs once with all of them.  To a
# program an OutputEdge is its node: same name, repr, edges and hooks.

class OutputGrads:
    """The gradients a node of several outputs has received so far, by output number."""

    __slots__ = ("grads",)

    def __init__(self, grads: dict):
        self.grads = grads

    def __add__(self, other: "OutputGrads") -> "OutputGrads":
        merged = dict(self.grads)
        for nr, grad in other.grads.items():
            merged[nr] = merged[nr] + grad if nr in merged else grad
        return OutputGrads(merged)

    def as_tuple(self, count: int) -> tuple:
        return tuple(self.grads.get(nr) for nr in range(count))


class OutputEdge(Node):
    """The edge into output ``output_nr`` of ``node`` (see "Nodes of several outputs")."""

    __slots__ = ("node", "output_nr", "_label")

    def __init__(self, node: Node, output_nr: int):
        self.node = node
        self.output_nr = output_nr
        self.children = (node,)
        self.seq = next(_sequence)  # just after its node: it runs right before it
        self.pre_hooks = None
        self._label = None

    @property
    def label(self):
        """(variable name, line), for the inspection commands; naming an output names its
        node too, which shows all its outputs' names ("a, b")."""
        return self._label

    @label.setter
    def label(self, value) -> None:
        self._label = value
        if value is not None:
            names, _ = self.node.label or ("", value[1])
            self.node.label = (f"{names}, {value[0]}" if names else value[0], value[1])

    def name(self) -> str:
        return self.node.name()

    @property
    def _display_name(self) -> str:
        return self.node._display_name

    @property
    def _tensor_repr_name(self) -> str:
        return self.node._tensor_repr_name

    @property
    def next_functions(self) -> tuple:
        return self.node.next_functions

    def register_hook(self, hook):
        return self.node.register_hook(hook)

    def register_prehook(self, hook):
        return self.node.register_prehook(hook)

    def apply(self, grad, create_graph: bool):
        return [OutputGrads({self.output_nr: grad})]

    def release(self) -> None:
        return None

    def __repr__(self) -> str:
        return repr(self.node)


class Meta:
    """What a released node still knows of an input: its shape and dtype."""

    __slots__ = ("shape", "dtype")

    def __init__(self, array):
        self.shape = array.shape
        self.dtype = array.dtype

    # derived on demand: a Meta is made for every input a node drops, and these are rarely read
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        count = 1
        for size in self.shape:
            count *= size
        return count


class KeptSizes(Meta):
    """What a freed node keeps of a saved input PyTorch keeps the sizes of (mm's
    _saved_self_sym_sizes and _sym_strides): its shape, dtype and strides."""

    __slots__ = ("strides",)

    def __init__(self, tensor: "Tensor"):
        super().__init__(tensor.array)
        self.strides = tensor.stride()


class OpNode(Node):
    """The backward node of one op-table row applied to particular inputs (see ``op_node``)."""

    __slots__ = ("op", "inputs", "params", "result", "versions", "needs_input_grad", "released",
                 "label", "output")

    def name(self) -> str:
        return self.op.grad_fn_name

    @property
    def _display_name(self) -> str:
        return self.op.grad_fn_name.rpartition("::")[2]  # torch::autograd::CopySlices

    def release(self) -> None:
        """Free what the node saved for backward; a later backward through it fails as in
        PyTorch, before anything reads them (ops that save nothing keep their inputs' shapes,
        to run again).  The engine runs the node's rules (``engine.apply_node``)."""
        self.released = True
        if self.op.saves:
            # a row that names PyTorch's saved variables keeps its inputs' sizes, as PyTorch
            # keeps a freed node's _saved_self_sym_sizes (core/saved.py)
            inputs = self.inputs
            self.inputs = None if self.op.saved is None or inputs is None else tuple(
                [KeptSizes(x) if type(x) is Tensor else x for x in inputs])
            self.result = None
            if type(self.versions) is PackedSaves:
                self.versions = None  # the packed objects go with the rest


def op_node(op, inputs, params, result_array, children, needs_input_grad) -> OpNode:
    """A new ``OpNode`` (made here, not by ``OpNode(...)``: a class call with an ``__init__``
    costs more than the rest of this, and ops make one per recorded op)."""
    node = _new_object(OpNode)
    node.op = op
    node.params = params
    node.result = result_array if op.saves_result or GradMode.keep_values else None
    if len(inputs) == 2 and not GradMode.keep_values:  # most ops: unrolled, see _saved_inputs
        saved_a, saved_b, drop_a, drop_b, always_versions = (
            op.save_plans.get(needs_input_grad) or _save_plan(op, needs_input_grad))
        a, b = inputs
        if drop_a or drop_b:
            inputs = (meta_of(a.array) if drop_a else a, meta_of(b.array) if drop_b else b)
        version_a = a._version if saved_a and isinstance(a, Tensor) else None
        version_b = b._version if saved_b and isinstance(b, Tensor) else None
        node.inputs = inputs
        # None: nothing saved to check (x * 2.0 needs only the 2.0)
        node.versions = (None if version_a is None and version_b is None
                         and not always_versions else (version_a, version_b))
    elif len(inputs) == 1 and not GradMode.keep_values:
        saved, dropped, always_versions = (
            op.save_plans.get(needs_input_grad) or _save_plan(op, needs_input_grad))
        a = inputs[0]
        if dropped:
            node.inputs = (meta_of(a.array),)
            node.versions = (None,) if always_versions else None
        else:
            node.inputs = inputs
            node.versions = ((a._version,) if saved and isinstance(a, Tensor)
                             else (None,) if always_versions else None)
    else:
        node.inputs, node.versions = _saved_inputs(op, inputs, needs_input_grad)
    node.output = None  # a weakref to the result, when the rules read it (version check)
    node.children = children
    node.needs_input_grad = needs_input_grad
    node.seq = next(_sequence)
    node.pre_hooks = None
    node.released = False
    node.label = None
    return node


_new_object = object.__new__


class SavedOutput(weakref.ref):
    """A node's weak reference to its result when that result is an in-place op's tensor: it was
    saved at ``version`` (a new tensor's is 0), which the backward pass checks it still has."""

    __slots__ = ("version",)

    def __new__(cls, tensor, version):
        ref = super().__new__(cls, tensor)
        ref.version = version
        return ref

    def __init__(self, tensor, version):
        super().__init__(tensor)


def next_sequence() -> int:
    """A new node's sequence number (nodes made outside ``op_node`` take theirs here)."""
    return next(_sequence)


class PackedSaves(tuple):
    """The ``versions`` of a node whose saved tensors went through saved_tensors_hooks: no
    version to check for any input (PyTorch checks none once a hook packed them), and the
    packed objects, in the order the hook packed them: ``(input position or -1 for the
    result, packed object)``.  The engine unpacks them each time the node runs."""

    def __new__(cls, count, unpack, entries):
        packed = super().__new__(cls, (None,) * count)
        packed.unpack, packed.entries = unpack, entries
        return packed


def pack_saved(node: OpNode, result: "Tensor") -> None:
    """Give what ``node`` saves to the innermost saved_tensors_hooks' pack hook, in the order
    PyTorch's generated code saves them (the inputs last first where its backward computes
    the last input's gradient first, then the result); the node keeps the packed objects."""
    op = node.op
    if not op.saves:
        return
    pack, unpack = GradMode.saved_hooks
    inputs = list(node.inputs)
    flags = op.save_plans[node.needs_input_grad][:len(inputs)]
    positions = [i for i, saved in enumerate(flags) if saved and type(inputs[i]) is Tensor]
    entries = []
    previous, GradMode.enabled = GradMode.enabled, False  # PyTorch packs with grad mode off
    try:
        for i in reversed(positions) if op.last_input_first else positions:
            entries.append((i, pack(inputs[i])))
            if not GradMode.keep_values:
                inputs[i] = meta_of(inputs[i].array)  # the packed object holds it now
        if op.saves_result:
            entries.append((-1, pack(result)))
            if not GradMode.keep_values:
                node.result = None
    finally:
        GradMode.enabled = previous
    if entries:
        node.inputs = tuple(inputs)
        node.versions = PackedSaves(len(inputs), unpack, entries)
        node.output = None


def _saved_inputs(op, inputs, needs_input_grad):
    """The inputs a node keeps and the version of each it saves (None: not saved).  As in
    PyTorch, an input is saved only when the rule of an input that needs a gradient reads
    it; an unsaved one with a gradient edge is kept as its shape and dtype, so its memory
    can go early (unless the inspection commands keep the whole graph to replay it).
    Constants stay, for the symbolic replay."""
    plan = op.save_plans.get(needs_input_grad) or _save_plan(op, needs_input_grad)
    count = len(inputs)
    saved, dropped, always_versions = plan[:count], plan[count:2 * count], plan[-1]
    if GradMode.keep_values:
        dropped = (False,) * count
    kept, versions = [], []
    for t, save, drop in zip(inputs, saved, dropped):
        kept.append(meta_of(t.array) if drop else t)
        versions.append(t._version if save and isinstance(t, Tensor) else None)
    if always_versions or versions.count(None) != count:
        return tuple(kept), tuple(versions)
    return tuple(kept), None


def _save_plan(op, needs_input_grad) -> tuple:
    """Per input position, whether it is saved, then per position whether it is dropped to a
    ``Meta`` (it needs a gradient but no rule reads it); last, whether versions are kept even
    when no input is saved (a rule reads the result, checked with them)."""
    count = len(needs_input_grad)
    if not op.saves:
        read = set()
    elif op.saved_inputs is None:
        read = set(range(count))
    else:
        read = set()
        for positions, needed in zip(op.saved_inputs, needs_input_grad):
            if needed:
                read.update(positions)
    saved = tuple(i in read for i in range(count))
    dropped = tuple(need and not save for need, save in zip(needs_input_grad, saved))
    # flat, to unpack in one step: saved per input, dropped per input, always_versions
    plan = op.save_plans[needs_input_grad] = (*saved, *dropped, op.saves and op.saves_result)
    return plan


# Metas are immutable, so nodes share one per (dtype, shape): half the ops of a chain drop an
# input, and a shared Meta is two objects fewer per node to allocate and for the GC to scan.
_METAS: dict = {}


def meta_of(array) -> Meta:
    """The shared ``Meta`` of an array's shape and dtype."""
    by_shape = _METAS.get(array.dtype)
    if by_shape is None:
        by_shape = _METAS[array.dtype] = {}
    meta = by_shape.get(array.shape)
    if meta is None:
        if len(by_shape) > 256:  # a program sweeping many shapes: start again, stay small
            by_shape.clear()
        meta = by_shape[array.shape] = Meta(array)
    return meta


class AccumulateGrad(Node):
    """The sink of a leaf that requires grad: adds incoming gradients into ``.grad``."""

    __slots__ = ("_variable",)

    def __init__(self, variable: "Tensor"):
        # weak: the leaf owns its sink, not the other way round (no reference cycle)
        self._variable = weakref.ref(variable)
        self.children = ()
        self.seq = float("inf")  # PyTorch gives these UINT64_MAX: they run as soon as ready
        self.pre_hooks = None

    @property
    def variable(self) -> "Tensor | None":
        return self._variable()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def _display_name(self) -> str:
        return "AccumulateGrad"


class _NoGradView:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_GRAD_VIEW"


# The _accumulator of a view made under no_grad of a tensor that requires grad.  PyTorch says
# such a view requires grad (a leaf), yet it has no gradient edge: gradients reaching it go
# nowhere, and an in-place op on it in grad mode is refused.
NO_GRAD_VIEW = _NoGradView()


class InvalidView:
    """The _accumulator of a view PyTorch no longer lets grad mode use (it prints as
    grad_fn=<Invalid>): one made under no_grad or by a multi-output op (unbind) whose memory
    was then written, through any tensor and in any mode, which makes its history ambiguous."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


class WrappedFloat(float):
    """A number operand of a recorded op, as a derivative formula sees it: PyTorch wrapped it in
    a tensor, so arithmetic with it records the Tensor overloads (MulBackward0), where a number
    written in a formula records the Scalar ones (MulBackward1)."""


class WrappedInt(int):
    __doc__ = WrappedFloat.__doc__


def wrapped_numbers(inputs) -> list:
    """``inputs`` with their Python numbers wrapped (see WrappedFloat)."""
    return [WrappedFloat(x) if type(x) is float else WrappedInt(x) if type(x) in (int, bool)
            else x for x in inputs]


class Size(tuple):
    """``torch.Size``: a tuple of ints that prints as PyTorch does."""

    def __repr__(self) -> str:
        return size_repr(self)

    __str__ = __repr__

    def numel(self) -> int:
        count = 1
        for size in self:
            count *= size
        return count


# What ``torch.Tensor(data)`` and ``torch.Tensor(*sizes)`` build from Python values: registered by
# the api (functions.FloatTensor), as the engine never makes a tensor from them.
_PYTHON_DATA = frozenset((list, tuple, int))
LEGACY_CONSTRUCTOR: list = [None]


class Tensor:
    """A numpy array with PyTorch's autograd state (data, grad, requires_grad, grad_fn)."""

    __slots__ = ("array", "requires_grad", "grad_fn", "grad", "_version", "_accumulator",
                 "_retains_grad", "_family", "_base", "__weakref__")  # _family, _base: views

    def __init__(self, array: np.ndarray, requires_grad: bool = False, grad_fn: Node | None = None,
                 *sizes):
        if type(array) in _PYTHON_DATA:  # torch.Tensor([1, 2]) or torch.Tensor(2, 3), in Python
            array = LEGACY_CONSTRUCTOR[0](array, requires_grad, grad_fn, *sizes).array
            requires_grad, grad_fn = False, None
        self.array = array
        self.requires_grad = requires_grad
        self.grad_fn = grad_fn
        self.grad = None
        self._version = 0
        self._accumulator = None
        self._retains_grad = False

    # ----- autograd state -----
    @property
    def is_leaf(self) -> bool:
        if type(self._accumulator) is InvalidView:
            raise TorchError(self._accumulator.message)
        return self.grad_fn is None

    def gradient_edge(self) -> Node | None:
        """The node a gradient for this tensor flows into (grad_fn, or the leaf's sink)."""
        if self.grad_fn is not None:
            return self.grad_fn
        if not self.requires_grad:
            return None
        accumulator = self._accumulator
        if accumulator is None:
            accumulator = self._accumulator = AccumulateGrad(self)
        elif accumulator is NO_GRAD_VIEW:
            return None
        elif type(accumulator) is InvalidView:
            raise TorchError(accumulator.message)
        return accumulator

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not self.is_leaf:
            if not requires_grad:
                raise TorchError("you can only change requires_grad flags of leaf variables. If you "
                                 "want to use a computed variable in a subgraph that doesn't require "
                                 "differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad:
            dtypes.check_float_for_grad(self.dtype, factory=False)
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> "Tensor":
        detached = Tensor(self.array)
        share_version(self, detached, differentiable=False)  # same memory and version counter
        return detached

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise TorchError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf or self._retains_grad:
            return
        ref = weakref.ref(self)
        self._add_pre_hook(lambda grad: _store_retained(ref, grad))
        self._retains_grad = True  # (after: the hooks registered from now on go before it)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self.requires_grad:
            raise TorchError("cannot register a hook on a tensor that doesn't require gradient")
        self._add_pre_hook(hook)
        return _HookHandle(self.gradient_edge(), hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a backward pass has accumulated into this leaf's .grad."""
        if not self.requires_grad:
            raise TorchError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise TorchError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return add_node_hook(self.gradient_edge(), NodeHook(hook, NodeHook.POST_ACCUMULATE))

    def _add_pre_hook(self, hook) -> None:
        node = self.gradient_edge()
        if node is None:  # a view made under no_grad: no gradient will ever reach it
            return
        if node.pre_hooks is None:
            node.pre_hooks = []
        end = _tensor_hooks_end(node.pre_hooks)
        if self.grad_fn is not None and self._retains_grad and end:
            end -= 1  # retain_grad sees the gradient after the user's hooks, as in PyTorch
        node.pre_hooks.insert(end, hook)

    # ----- data access -----
    @property
    def data(self) -> "Tensor":
        return Tensor(self.array)

    @data.setter
    def data(self, value: "Tensor") -> None:
        self.array = value.array

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.of_array(self.array)

    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_dim_of_shape(dim, self.array.ndim)]

    def dim(self) -> int:
        return self.array.ndim

    # ----- memory layout: numpy's, in elements (the layouts the ops make are PyTorch's) -----
    def stride(self, dim: int | None = None):
        array = self.array
        family = getattr(self, "_family", None)  # (a view: a member, but not the first)
        if array.size and (not array.flags.c_contiguous
                           or family is not None and family.members[0][0]() is not self):
            strides = tuple([stride // array.itemsize for stride in array.strides])
        else:  # numpy's size-1 and empty dims of a new array may have any stride: PyTorch's
            strides, step = [], 1
            for size in reversed(array.shape):
                strides.insert(0, step)
                step *= max(size, 1)
            strides = tuple(strides)
        return strides if dim is None else strides[_dim_of_shape(dim, array.ndim)]

    def is_contiguous(self) -> bool:
        return self.array.flags.c_contiguous  # (like PyTorch, it ignores the dims of size 1)

    def storage_offset(self) -> int:
        """Where the tensor starts in the memory it shares (0 unless it is a view)."""
        array = self.array
        owner = array.base if type(array.base) is np.ndarray else array
        return (array.__array_interface__["data"][0]
                - owner.__array_interface__["data"][0]) // array.itemsize

    ndim = property(dim)

    def numel(self) -> int:
        return int(self.array.size)

    def item(self):
        if self.array.size != 1:
            raise TorchError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return self.array.reshape(()).item()

    def tolist(self):
        return self.array.tolist()

    def is_floating_point(self) -> bool:
        return self.dtype.category == dtypes.FLOAT

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TorchError("len() of a 0-d tensor", kind="TypeError")
        return self.array.shape[0]

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise TorchError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.array.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.category == dtypes.FLOAT or self.array.size != 1:
            raise TorchError("only integer tensors of a single element can be converted to an index",
                             kind="TypeError")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        if self.array.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        grad_fn = self.grad_fn._tensor_repr_name if self.grad_fn is not None else None
        if type(self._accumulator) is InvalidView:
            grad_fn = "Invalid"
        tangent = dual.tangent_of(self) if dual.DualMode.active else None
        return tensor_repr(self.array, self.array.dtype.name, grad_fn_name=grad_fn,
                           requires_grad=self.requires_grad and self.grad_fn is None,
                           tangent=None if tangent is None else format(tangent, ""))

    __str__ = __repr__

    __hash__ = object.__hash__


# ----- Version counters shared by views -----
# PyTorch's views share their base's version counter, so modifying either in place is seen by
# every saved view.  Here each tensor keeps its own counter; a view and its base (and all
# views of that base) are one "family", bumped together, and a view starts at the base's count.
# detach() joins the family too (same memory, same counter) but is no view for autograd.

def share_version(base: "Tensor", view: "Tensor", differentiable: bool = True) -> None:
    """Make ``view`` (an op result sharing ``base``'s memory) one of ``base``'s family."""
    family = getattr(base, "_family", None)
    if family is None:
        family = base._family = _Family(base)
    family.members.append((weakref.ref(view), differentiable))
    if len(family.members) > family.prune_at:
        family.prune()
    view._family = family
    view._base = family.members[0][0]()  # a view keeps its base alive, as in PyTorch
    view._version = base._version


def bump_version(tensor: "Tensor") -> None:
    """An in-place write: the tensor and every view of the same memory move to a new version."""
    family = getattr(tensor, "_family", None)
    if family is None:
        tensor._version += 1
        return
    for ref, _ in family.members:
        member = ref()
        if member is not None:
            member._version += 1


def view_base(tensor: "Tensor") -> "Tensor | None":
    """The tensor whose memory ``tensor`` views (None when it is not a view)."""
    family = getattr(tensor, "_family", None)
    if family is None:
        return None
    base = family.members[0][0]()
    if base is tensor:
        return None
    for ref, differentiable in family.members:
        if ref() is tensor:
            return base if differentiable else None
    return None


def family_views(tensor: "Tensor") -> list:
    """The live views (not detached aliases) of ``tensor``'s memory, its base first (or None)."""
    family = getattr(tensor, "_family", None)
    if family is None:
        return [None]
    views = [member for ref, differentiable in family.members[1:]
             if differentiable and (member := ref()) is not None]
    return [family.members[0][0](), *views]


class _Family:
    __slots__ = ("members", "prune_at")

    def __init__(self, base):
        self.members = [(weakref.ref(base), True)]
        self.prune_at = 64

    def prune(self) -> None:
        base, rest = self.members[0], self.members[1:]
        self.members = [base] + [entry for entry in rest if entry[0]() is not None]
        self.prune_at = 2 * len(self.members) + 64


def _store_retained(ref, grad):
    tensor = ref()
    if tensor is not None:
        if GradMode.enabled:
            # create_graph: PyTorch's retain_grad hook clones and sums with grad mode on, so
            # the retained gradient is recorded (CloneBackward0, AddBackward0)
            tensor.grad = grad.clone() if tensor.grad is None else tensor.grad + grad
        elif tensor.grad is None:
            tensor.grad = Tensor(np.array(grad.array, copy=True))
        else:
            tensor.grad = Tensor(tensor.grad.array + grad.array)
    return None


class _HookHandle:
    """What ``register_hook`` returns; ``remove()`` takes the hook off again."""

    __slots__ = ("_node", "_hook")

    def __init__(self, node, hook):
        self._node, self._hook = node, hook

    def remove(self) -> None:
        if self._node is not None and self._node.pre_hooks and self._hook in self._node.pre_hooks:
            self._node.pre_hooks.remove(self._hook)


def wrap_dim(dim: int, ndim: int) -> int:
    """PyTorch's dim wrapping, with its error message for an out-of-range dim."""
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise TorchError(f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}],"
                         f" but got {dim})", kind="IndexError")
    return dim % bound if ndim else 0



def _dim_of_shape(dim: int, ndim: int) -> int:
    """``dim`` wrapped for size(dim) and stride(dim), which a 0-d tensor has none of."""
    if not ndim:
        raise TorchError(f"Dimension specified as {dim} but tensor has no dimensions",
                         kind="IndexError")
    return wrap_dim(dim, ndim)
