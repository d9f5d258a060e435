"""The op table: every differentiable operation, in one place.

Each row (an ``Op``) names the ``grad_fn`` PyTorch shows, the numpy forward, one
backward rule per tensor input (``None``: not differentiable there), what the
node must save, the sympy counterpart and a readable local derivative.  The
engine, the interpreter, the graph printer and the symbolic checker read this
table; none of them names an op.

Backward rules follow PyTorch's ``tools/autograd/derivatives.yaml`` formula for
formula, in the same order of operations, so float32 results match bit for bit.
A rule is ``rule(F, grad, result, *inputs, **params)``.  ``F`` is the op
namespace of the mode the engine runs in: ``NP`` (numpy arrays, no graph) or
``T`` (Tensors, the backward pass recorded for higher derivatives).  Writing
the rules against ``F`` and Python operators makes every rule differentiable.
"""

# The families add their rows to TABLE as they are imported, in this order (a row may build on
# an earlier one: div_mode on div, the scalar forms on add/sub/mul/div); then the two rule
# namespaces are filled from the finished table.
from gradcli.core.ops import (arithmetic, elementwise, indexing, linalg,  # noqa: F401
                              reductions, shape, softmax, nn, losses)
from gradcli.core.ops.composite import addmm, mm, reshape
from gradcli.core.ops.dispatch import NP, T, apply, broadcast_shape, index_result_bound
from gradcli.core.ops.indexing import OVERLAP_ERROR, copy_slices
from gradcli.core.ops.linalg import column_major, type_word
from gradcli.core.ops.namespaces import fill_namespaces
from gradcli.core.ops.reductions import extreme_indices
from gradcli.core.ops.schema import TABLE, Op, Sample, sample

fill_namespaces()

__all__ = ["TABLE", "Op", "Sample", "sample", "apply", "NP", "T", "broadcast_shape",
           "index_result_bound", "OVERLAP_ERROR", "copy_slices", "column_major", "type_word",
           "extreme_indices", "addmm", "mm", "reshape"]
