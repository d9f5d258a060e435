"""Rows: indexing, index_put, CopySlices (in-place ops on views), fills, scatter.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gradcli.core.ops.dispatch import T, apply
from gradcli.core.ops.schema import (LINEAR, PROMOTE_NONE, TABLE, MASK_2x3, Op, _new_object, defop,
                                     sample, zero_filled)
from gradcli.core.tensor import GradMode, OpNode, Tensor, meta_of, next_sequence, wrap_dim
from gradcli.errors import TorchError


# ----- Indexing -----
def _select_forward(x, dim, index):
    d = wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if not -size <= index < size:
        raise TorchError(f"index {index} is out of bounds for dimension {d} with size {size}",
                         kind="IndexError")
    return x[(slice(None),) * d + (index, Ellipsis)]  # a view, even when 0-d


def _select_backward_forward(g, shape, dim, index):
    out = np.zeros(shape, dtype=g.dtype)
    out[(slice(None),) * dim + (index,)] = g
    return out


def _slice_forward(x, dim, start, stop, step):
    return x[(slice(None),) * dim + (slice(start, stop, step),)]


def _slice_backward_forward(g, shape, dim, start, stop, step):
    out = np.zeros(shape, dtype=g.dtype)
    out[(slice(None),) * dim + (slice(start, stop, step),)] = g
    return out


def indexable(x, index):
    """``x`` as ``index`` indexes it: numpy indexes no 0-d array with integer arrays, so the
    positions of a 0-d base's views (``(positions,)``) index it as a 1-element array.  (A
    program's index on a 0-d tensor is never a 1-tuple: one part is passed bare.)"""
    return x.reshape(1) if x.ndim == 0 and type(index) is tuple and len(index) == 1 else x


def _index_forward(x, index):
    out = indexable(x, index)[index]  # PyTorch's index result is contiguous (0-d for all ints)
    return np.ascontiguousarray(out) if np.ndim(out) else np.array(out)


def _index_put_impl_forward(x, values, index):
    out = np.array(x)  # (an array, where x may be a numpy scalar)
    np.add.at(indexable(out, index), index, values)
    return out


def _index_backward(F, g, x, index):
    """index_backward: zeros of x's shape, the gradient added at the indexed positions."""
    zeros = F.constant(np.zeros(x.shape, dtype=F.as_array(g).dtype))
    return F.index_put_impl(zeros, g, index=index)


defop("select", "SelectBackward0", _select_forward,
      lambda F, g, r, x, dim, index: F.select_backward(g, shape=tuple(x.shape), dim=dim % len(x.shape),
                                                       index=index),
      view=True, saves=False, formula="select: the gradient goes back to the selected row", gradcheck=(sample((2, 3), dim=0, index=1), sample((2, 3), dim=1, index=-1)), tangent=LINEAR,
      saved=("dim", "index", "self_sym_sizes"))
# iterating a tensor unbinds it: PyTorch's one node of several outputs is a node per output
defop("unbind", "UnbindBackward0", _select_forward, TABLE["select"].backward[0],
      view=True, saves=False, output_nr="index",
      formula="unbind: each part's gradient goes back to its row",
      gradcheck=(sample((2, 3), dim=0, index=1),), tangent=LINEAR)
defop("select_backward", "SelectBackwardBackward0", _select_backward_forward,
      lambda F, g, r, x, shape, dim, index: F.select(g, dim=dim, index=index),
      saves=False, formula="scatter into zeros", gradcheck=(sample((3,), shape=(2, 3), dim=0, index=1),), tangent=LINEAR)
defop("slice", "SliceBackward0", _slice_forward,
      lambda F, g, r, x, dim, start, stop, step:
          F.slice_backward(g, shape=tuple(x.shape), dim=dim, start=start, stop=stop, step=step),
      view=True, saves=False, formula="slice: the gradient goes back to the sliced positions",
      gradcheck=(sample((4, 3), dim=0, start=1, stop=3, step=1), sample((2, 5), dim=1, start=0, stop=5, step=2)), tangent=LINEAR)
defop("slice_backward", "SliceBackwardBackward0", _slice_backward_forward,
      lambda F, g, r, x, shape, dim, start, stop, step:
          F.slice(g, dim=dim, start=start, stop=stop, step=step),
      saves=False, formula="scatter into zeros", gradcheck=(sample((2, 3), shape=(4, 3), dim=0, start=1, stop=3, step=1),), tangent=LINEAR)
defop("index", "IndexBackward0", _index_forward,
      lambda F, g, r, x, index: _index_backward(F, g, x, index),
      saves=False, formula="index: gradients are added back at the indexed positions",
      gradcheck=(sample((2, 3), index=MASK_2x3), sample((4,), index=np.array([0, 2, 2])),
                 sample((3, 4), index=(np.array([0, 2]), np.array([1, 3])))), tangent=LINEAR)
defop("index_put_impl", "IndexPutImplBackward0", _index_put_impl_forward,  # accumulate=True
      lambda F, g, r, x, values, index: g,
      lambda F, g, r, x, values, index: F.index(g, index=index),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "values"),
      formula="scatter-add: the values' gradient is gathered back",
      gradcheck=(sample((4,), (3,), index=np.array([0, 2, 2])),),
      tangent=lambda F, ts, r, x, values, index: F.index_put_impl(*zero_filled(F, ts, (x, values)),
                                                                  index=index))


def _index_put_forward(x, values, index):
    out = np.array(x)
    indexable(out, index)[index] = values
    return out


def _index_put_rule(F, g, r, x, v, index):
    return F.index_put(g, F.zeros_like(v) if hasattr(v, "shape") else 0.0, index=index)


def _index_put_value_rule(F, g, r, x, v, index):
    return F.index(g, index=index)


defop("index_put", "IndexPutBackward0", _index_put_forward, _index_put_rule, _index_put_value_rule,
      saves=False, promote=PROMOTE_NONE, formula="assignment: overwritten positions get no gradient",
      gradcheck=(sample((2, 3), (3,), index=MASK_2x3), sample((2, 3), (), index=MASK_2x3)),
      tangent=lambda F, ts, r, x, values, index: F.index_put(*zero_filled(F, ts, (x, values)),
                                                             index=index))
def _as_strided_rule(F, g, r, x, index):
    if F is T:
        return _as_strided_recorded(g, tuple(x.shape), index)
    return _index_backward(F, g, x, index)


def _as_strided_recorded(g, shape, index):
    """as_strided_backward with create_graph, in PyTorch's steps: the view's size-1 dims
    squeezed and its expanded dims summed (last dim first), the gradient copied into a zero
    storage through a view (CopySlices), the storage viewed as the input (AsStridedBackward0)."""
    if 0 in g.array.shape:
        return Tensor(np.zeros(shape, dtype=g.array.dtype))
    flat = np.ravel_multi_index(index, shape) if shape else index[0]
    for dim in reversed(range(flat.ndim)):
        if flat.shape[dim] == 1:
            g = apply(TABLE["squeeze_dim"], g, dim=dim)
        elif not np.diff(flat, axis=dim).any():  # stride 0: an expanded dim
            g = apply(TABLE["sum_dim"], g, dim=dim, keepdim=False)
        else:
            continue
        flat = np.take(flat, 0, axis=dim)
    positions = np.unravel_index(flat, shape) if shape else (flat,)
    storage = np.zeros(shape, dtype=g.array.dtype)
    indexable(storage, positions)[positions] = g.array
    written = apply(TABLE["copy"], Tensor(np.zeros_like(g.array)), g)
    if written.grad_fn is None:
        return Tensor(storage)
    node = copy_slices(Tensor(storage), written.grad_fn, positions, False, storage)
    return apply(TABLE["as_strided"], Tensor(storage, True, node), index=tuple(np.indices(shape)))


defop("as_strided", "AsStridedBackward0", _index_forward,  # a view written through in place
      _as_strided_rule,
      saves=False, formula="as_strided: the gradient goes back to the viewed positions",
      gradcheck=(sample((2, 3), index=(np.array([[0, 1], [0, 1]]), np.array([[2, 2], [0, 1]]))),), tangent=LINEAR)


# ----- CopySlices: an in-place op on a view, seen from the view's base -----
# PyTorch records the in-place op's node (``fn``: MulBackward0 for v.mul_(2)...) as usual, then
# hides it in the base's new CopySlices node: that node's inputs are the base and fn's inputs
# after the first, and its backward runs fn on the gradient of the view's positions.
OVERLAP_ERROR = ("unsupported operation: more than one element of the written-to tensor refers "
                 "to a single memory location. Please clone() the tensor before performing the "
                 "operation.")


def _copy_slices_forward(base, *others, index, fn, overlap=False):
    out = np.array(base)
    indexable(out, index)[index] = fn.op.forward(indexable(base, index)[index], *others,
                                                 **fn.params)
    return out


def _copy_slices_rule(F, g, r, base, *others, index, fn, overlap=False):
    if F is T:
        return _copy_slices_recorded(g, index, fn, overlap)
    res = F.node_backward(fn, F.index(g, index=index))  # raises if fn's saved values are freed
    if res[0] is None:  # PyTorch then gives the base no gradient at all
        return [None, *res[1:]]
    if overlap:  # the gradient is copied into an expanded view of it
        raise TorchError(OVERLAP_ERROR)
    return [F.index_put(g, res[0], index=index), *res[1:]]


def _copy_slices_recorded(g, index, fn, overlap):
    """The rule with create_graph, in the steps of PyTorch's CopySlices::apply, which record
    their nodes: result = empty.copy_(g) (CopyBackwards), its view at ``index``
    (AsStridedBackward0) cloned into fn, then view.copy_(fn's gradient): a CopySlices."""
    result = apply(TABLE["copy"], Tensor(np.empty_like(g.array)), g)
    grad_slice = apply(TABLE["as_strided"], result, index=index)
    res = T.node_backward(fn, apply(TABLE["clone"], grad_slice, contiguous=True))
    if res[0] is None:
        return [None, *res[1:]]
    if overlap:
        raise TorchError(OVERLAP_ERROR)
    written = apply(TABLE["copy"], grad_slice, res[0])
    out = result.array.copy()
    indexable(out, index)[index] = written.array
    if written.grad_fn is None:
        return [Tensor(out), *res[1:]]
    return [Tensor(out, True, copy_slices(result, written.grad_fn, index, False, out)), *res[1:]]


def _sample_fn(op_name, index, **params):
    """A gradient-check sample's ``fn``: ``op_name`` recorded on the base's viewed positions and
    the other inputs (their values fixed at the sample point, like max's indices)."""
    def make(base, *others):
        inputs = [Tensor(base[index], requires_grad=True)]
        inputs += [Tensor(x, requires_grad=True) for x in others]
        return apply(TABLE[op_name], *inputs, **params).grad_fn
    return make


TABLE["copy_slices"] = Op(
    "copy_slices", "torch::autograd::CopySlices", _copy_slices_forward,
    backward_all=_copy_slices_rule, saves=False,
    formula="in place through a view: the op's gradient at the view, the rest passes through",
    gradcheck=(sample((2, 3), (3,), index=0, fn=_sample_fn("mul", 0)),
               sample((2, 3), index=(slice(None), 1), fn=_sample_fn("zero", (slice(None), 1))),
               sample((4,), (2,), index=np.array([1, 2]), fn=_sample_fn("copy", np.array([1, 2])))))


_COPY_SLICES_SAVING = replace(TABLE["copy_slices"], saves=True, save_plans={})


def copy_slices(base, fn, index, overlap, result) -> OpNode:
    """The base's CopySlices node after ``fn`` wrote the view at ``index`` of ``base`` (the
    base's value before the write): its edges are the base's and fn's after the first."""
    needs = (base.requires_grad, *fn.needs_input_grad[1:])
    inputs = [base, *fn.inputs[1:]]
    if not GradMode.keep_values:  # the rule reads no input value, only shapes
        inputs = [meta_of(x.array) if need and isinstance(x, Tensor) else x
                  for x, need in zip(inputs, needs)]
    # Made by hand, not by op_node: the inputs may already be shapes (Metas) of fn's, and none
    # of them is saved for a version check.
    node = _new_object(OpNode)
    # when fn saved tensors, the node is released as one that saved some (a second backward
    # through it then fails, as through fn in PyTorch)
    node.op = _COPY_SLICES_SAVING if fn.op.saves else TABLE["copy_slices"]
    node.params = {"index": index, "fn": fn, "overlap": overlap}
    node.inputs, node.versions, node.output = tuple(inputs), None, None
    node.result = result if GradMode.keep_values else None
    node.children = (base.gradient_edge(), *fn.children[1:])
    node.needs_input_grad = needs
    node.seq, node.pre_hooks, node.released, node.label = next_sequence(), None, False, None
    return node


def _fill_tensor_forward(x, value):
    return np.full_like(x, value)


# x.fill_(t) with a 0-d tensor t, and `x[...] = t`: fill_.Tensor in derivatives.yaml
defop("fill_tensor", "FillBackward3", _fill_tensor_forward,
      lambda F, g, r, x, value: F.zeros_like(g),
      lambda F, g, r, x, value: F.sum(g),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "value"),
      formula="x.fill_(v): the gradient of v is the sum of the gradient",
      gradcheck=(sample((2, 3), ()), sample((4,), ())),
      tangent=lambda F, ts, r, x, value: F.zeros_like(r) if ts[1] is None else
          F.fill_tensor(F.zeros_like(r), ts[1]))


def _masked_fill_forward(x, mask, value=0.0):
    return np.where(mask, np.asarray(value, dtype=x.dtype) if not hasattr(value, "shape")
                    else value, x)


defop("masked_fill", "MaskedFillBackward0", lambda x, mask, value=0.0: _masked_fill_forward(
          x, mask, value),
      lambda F, g, r, x, mask, value=0.0: F.masked_fill(g, mask=mask),
      saves=False, formula="masked_fill: filled positions get no gradient", gradcheck=(sample((2, 3), mask=MASK_2x3, value=0.5),),
      tangent=lambda F, ts, r, x, mask, value=0.0: F.masked_fill(ts[0], mask=mask, value=0.0),
      saved=("mask",))


defop("masked_fill_tensor", "MaskedFillBackward1",  # masked_fill with a 0-d tensor value
      lambda x, value, mask: np.where(mask, value, x),
      lambda F, g, r, x, value, mask: F.masked_fill(g, mask=mask),
      lambda F, g, r, x, value, mask: F.sum(F.masked_select(g, mask=mask)),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "value"),
      formula="masked_fill: the value gets the sum of the filled positions' gradient",
      gradcheck=(sample((2, 3), (), mask=MASK_2x3),),
      tangent=lambda F, ts, r, x, value, mask: F.masked_fill_tensor(*zero_filled(F, ts, (x, value)),
                                                                    mask=mask))
def _masked_select_forward(x, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)  # (the api has checked they broadcast)
    return np.ascontiguousarray(np.broadcast_to(x, shape)[np.broadcast_to(mask, shape)])


def _masked_select_rule(F, g, r, x, mask):
    """masked_select_backward: zeros of the broadcast shape, the gradient at the selected
    positions (the engine sums it back to x's shape)."""
    shape = np.broadcast_shapes(tuple(x.shape), mask.shape)
    zeros = F.constant(np.zeros(shape, dtype=F.as_array(g).dtype))
    return F.index_put_impl(zeros, g, index=np.broadcast_to(mask, shape))


defop("masked_select", "MaskedSelectBackward0", _masked_select_forward, _masked_select_rule,
      saves=False, formula="masked_select: the gradient goes back to the selected positions",
      gradcheck=(sample((2, 3), mask=MASK_2x3), sample((3,), mask=MASK_2x3)), tangent=LINEAR)


# ----- Scatter and gather -----
# An index may be smaller than the tensors it reads: scatter reads ``src`` where the index
# has elements (the rest of src takes no part).
def _covered(src, index):
    return src[tuple(slice(0, size) for size in index.shape)]


def _positions(index, dim):
    """The full numpy index of the elements ``index`` (along ``dim``) points at."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _scatter_forward(x, src, dim, index):
    out = x.copy()
    if index.size:
        out[_positions(index, dim)] = _covered(src, index)  # the last write wins, as PyTorch's
    return out


def _scatter_value_forward(x, dim, index, value):
    out = x.copy()
    if index.size:
        out[_positions(index, dim)] = value
    return out


def _scatter_add_forward(x, src, dim, index):
    out = x.copy()
    if index.size:  # added in index order, one at a time, as PyTorch's loop
        np.add.at(out, _positions(index, dim), _covered(src, index))
    return out


def _gather_forward(x, dim, index):
    return np.ascontiguousarray(x[_positions(index, dim)]) if index.size else np.zeros(
        index.shape, dtype=x.dtype)


defop("scatter", "ScatterBackward0", _scatter_forward,
      lambda F, g, r, x, src, dim, index: F.scatter_value(g, dim=dim, index=index, value=0),
      lambda F, g, r, x, src, dim, index: F.gather(g, dim=dim, index=index),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "src"),
      formula="scatter: the source gets the gradient at the scattered positions",
      gradcheck=(sample((2, 3), (2, 1), dim=1, index=np.array([[2], [0]])),
                 sample((3, 2), (2, 2), dim=0, index=np.array([[2, 0], [1, 2]]))),
      tangent=lambda F, ts, r, x, src, dim, index: F.scatter(*zero_filled(F, ts, (x, src)),
                                                             dim=dim, index=index))
defop("scatter_value", "ScatterBackward1", _scatter_value_forward,
      lambda F, g, r, x, dim, index, value: F.scatter_value(g, dim=dim, index=index, value=0),
      saves=False, promote=PROMOTE_NONE,
      formula="scatter of a value: the overwritten positions get no gradient",
      gradcheck=(sample((2, 3), dim=1, index=np.array([[2], [0]]), value=1.5),),
      tangent=lambda F, ts, r, x, dim, index, value: F.scatter_value(ts[0], dim=dim, index=index,
                                                                      value=0))
defop("scatter_add", "ScatterAddBackward0", _scatter_add_forward,
      lambda F, g, r, x, src, dim, index: g,
      lambda F, g, r, x, src, dim, index: F.gather(g, dim=dim, index=index),
      saves=False, promote=PROMOTE_NONE, arg_names=("self", "src"),
      formula="scatter_add: the source gets the gradient at the positions it was added to",
      gradcheck=(sample((2, 3), (2, 2), dim=1, index=np.array([[2, 2], [0, 1]])),),
      tangent=lambda F, ts, r, x, src, dim, index: F.scatter_add(*zero_filled(F, ts, (x, src)),
                                                                 dim=dim, index=index))
defop("gather", "GatherBackward0", _gather_forward,
      lambda F, g, r, x, dim, index: F.scatter_add(
          F.constant(np.zeros(x.shape, F.as_array(g).dtype)), g, dim=dim, index=index),
      saved_inputs=((0,),),  # (for its shape; PyTorch saves self, and checks its version)
      saved=("dim", "index", "self", ("sparse_grad", False)),
      formula="gather: the gradient is added back at the gathered positions",
      gradcheck=(sample((2, 3), dim=1, index=np.array([[2], [0]])),
                 sample((3, 2), dim=0, index=np.array([[0, 0], [2, 0]]))), tangent=LINEAR)


# ----- index_select and index_add: whole slices along a dim, at a vector of positions -----
def _along(dim, index):
    """The numpy index of the slices at ``index`` along ``dim``."""
    return (slice(None),) * dim + (index,)


def _index_select_forward(x, dim, index):
    return np.ascontiguousarray(x[_along(dim, index)]) if x.ndim else x.copy()


def _index_add_forward(x, source, dim, index, alpha=1):
    """The source's slices added in index order, as PyTorch's loop (a repeated position
    accumulates); alpha multiplies the source first (int(alpha) for integer tensors)."""
    if alpha != 1:
        source = source * (x.dtype.type(alpha) if x.dtype.kind == "f" else int(alpha))
    if not x.ndim:
        return np.asarray(x + source, dtype=x.dtype)
    out = x.copy()
    np.add.at(out, _along(dim, index), source)
    return out


def _index_select_rule(F, g, r, x, dim, index):
    """index_select_backward: zeros of x's shape, index_add of the gradient."""
    zeros = F.constant(np.zeros(tuple(x.shape), dtype=F.as_array(g).dtype))
    return F.index_add(zeros, g, dim=dim, index=index)


def _index_add_source_rule(F, g, r, x, source, dim, index, alpha=1):
    # maybe_multiply(grad.index_select(dim, index).expand_as(source), alpha)
    picked = F.index_select(g, dim=dim, index=index)
    if len(source.shape):
        picked = F.expand(picked, shape=tuple(source.shape))
    return picked if alpha == 1 else picked * alpha


def _index_add_tangent(F, ts, r, x, source, dim, index, alpha=1):
    # at::index_add(self_t, dim, index, maybe_multiply(source_t, alpha))
    x_t, source_t = zero_filled(F, ts, (x, source))
    return F.index_add(x_t, source_t if alpha == 1 else source_t * alpha, dim=dim, index=index)


defop("index_select", "IndexSelectBackward0", _index_select_forward, _index_select_rule,
      saves=False, formula="index_select: the gradient is added back at the selected slices",
      gradcheck=(sample((3, 4), dim=1, index=np.array([0, 2, 2])),
                 sample((3, 2), dim=0, index=np.array([2])), sample((), dim=0, index=np.array([0]))),
      tangent=LINEAR,
      saved=("dim", "index", "self_sym_sizes"))
defop("index_add", "IndexAddBackward0", _index_add_forward,
      lambda F, g, r, x, source, dim, index, alpha=1: g, _index_add_source_rule,
      saved_inputs=((), (1,)),  # the source, for its shape (PyTorch saves it)
      saved=("alpha", "dim", "index", "source", "source_dim"),
      promote=PROMOTE_NONE, arg_names=("self", "source"),
      formula="index_add: the source gets the gradient of the slices it was added to",
      gradcheck=(sample((5, 3), (3, 3), dim=0, index=np.array([0, 4, 0])),
                 sample((2, 4), (2, 2), dim=1, index=np.array([3, 1]), alpha=2.5),
                 sample((), (), dim=0, index=np.array([0]))),
      tangent=_index_add_tangent)


# ----- sort and topk: the values at indices the api layer computes (kernels/stl_sort.py) -----
def _taken(x, dim, indices):
    return np.take_along_axis(x, indices, axis=dim) if x.ndim else x.copy()


def _taken_tangent(F, ts, r, x, dim, indices):
    """gather_with_keepdimed_indices(self_t, dim, indices, true): the tangent at the indices."""
    return F.gather(ts[0], dim=dim, index=indices) if len(x.shape) else ts[0]


def _taken_rule(F, g, r, x, dim, indices):
    """value_selecting_reduction_backward with keepdim: the gradient scattered into zeros."""
    if not len(x.shape):
        return g
    zeros = F.constant(np.zeros(x.shape, dtype=F.as_array(g).dtype))
    return F.scatter(zeros, g, dim=dim, index=indices)


for _name, _grad_fn in (("sort", "SortBackward0"), ("sort_stable", "SortBackward1"),
                        ("topk", "TopkBackward0")):
    defop(_name, _grad_fn, _taken, _taken_rule, saved_inputs=((),),
          saved=("dim", "indices", "self_sym_sizes"),
          formula=f"{_name}: each value's gradient goes back to where it came from",
          gradcheck=(sample((2, 3), domain="distinct", dim=1,
                            indices=lambda x: np.argsort(x, axis=1)[:, ::-1][:, :2].copy()),
                     sample((4,), dim=0, indices=lambda x: np.argsort(x))),
          tangent=_taken_tangent)


# ----- unique: the values at the first position of each run of equal ones, which the api layer
# finds (functions.unique); PyTorch records a node whose derivative is not implemented -----
def _underivable(aten_name):
    """derivatives.yaml's not_implemented(name): backward through the node fails, and so does
    forward mode, in PyTorch's words."""
    def rule(F, g, r, *inputs, **params):
        raise TorchError(f"the derivative for '{aten_name}' is not implemented.",
                         kind="NotImplementedError")

    def tangent(F, ts, r, *inputs, **params):
        raise TorchError(f"Trying to use forward AD with {aten_name} that does not support it "
                         "because it has not been implemented yet.\nPlease file an issue to "
                         "PyTorch at https://github.com/pytorch/pytorch/issues/new?template="
                         "feature-request.yml so that we can prioritize its implementation or "
                         "submit a PR adding the implementation to derivatives.yaml",
                         kind="NotImplementedError")
    rule.not_implemented = True
    return rule, tangent


_UNIQUE_RULE, _UNIQUE_TANGENT = _underivable("_unique2")
_UNIQUE_DIM_RULE, _UNIQUE_DIM_TANGENT = _underivable("unique_dim")
defop("unique", "Unique2Backward0", lambda x, positions: x.reshape(-1)[positions], _UNIQUE_RULE,
      saves=False, formula="unique: no derivative (PyTorch does not implement one)",
      gradcheck=(sample((5,), positions=np.array([0, 2])),), tangent=_UNIQUE_TANGENT)
defop("unique_dim", "UniqueDimBackward0",
      lambda x, dim, positions: np.ascontiguousarray(np.take(x, positions, axis=dim)),
      _UNIQUE_DIM_RULE, saves=False,
      formula="unique: no derivative (PyTorch does not implement one)",
      gradcheck=(sample((3, 2), dim=0, positions=np.array([2, 0])),), tangent=_UNIQUE_DIM_TANGENT)
