"""The op table's schema: what one row declares, the table itself, gradient-check
samples and the helpers sympy forms share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

_new_object = object.__new__

PROMOTE_NONE, PROMOTE_BINARY, PROMOTE_FLOAT, PROMOTE_UNARY_FLOAT = range(4)


@dataclass(frozen=True, eq=False)
class Op:
    """One row of the table."""

    name: str                      # the name programs call it by (torch.exp, x.exp())
    grad_fn_name: str              # what PyTorch calls its backward node
    forward: Callable              # numpy arrays in, numpy array out
    backward: tuple = ()           # one rule per tensor input, None where not differentiable
    backward_all: Callable | None = None  # or one rule returning all inputs' grads (cat, stack)
    saves: bool = True             # saves tensors for backward (a second backward then fails)
    saves_result: bool = False     # the rule reads the op's own result
    promote: int = PROMOTE_NONE    # how operand dtypes combine
    sympy: Callable | None = None  # (sympy module, *inputs as sympy, **params) -> expression
    formula: str = ""              # the local derivative, for `gradcli explain`
    differentiable: bool = True
    saved_inputs: tuple | None = None  # per rule, the inputs it reads (None: every input)
    view: bool = False             # the result shares the first input's memory (and version)
    arg_names: tuple = ("self", "other")  # PyTorch's argument names (the order saved ones are
                                          # unpacked in, and so which modified one is reported)
    gradcheck: tuple = field(default=())  # Samples for the gradient test (tests/test_ops.py)
    # PyTorch's generated backward of most binary ops computes the last input's gradient first;
    # with create_graph that fixes which recorded nodes come first (and so the order of sums)
    last_input_first: bool = False
    # the parameter numbering the output a node stands for, for the ops PyTorch gives several
    # outputs (one node here per output): its next_functions show that number
    output_nr: str | None = None
    # forward mode: the result's tangent, ``tangent(F, tangents, result, *inputs, **params)``
    # with one tangent per input (None: a zero tangent, as PyTorch's ZeroTensor, which drops
    # out of every term), written as derivatives.yaml's ``result:`` formula; or ELEMENTWISE /
    # LINEAR, derivatives.yaml's auto_element_wise / auto_linear.  None: forward mode refuses.
    tangent: Callable | str | None = None
    # the names PyTorch's node shows its saved variables by (grad_fn._saved_<name>: an argument's
    # name, "result", a parameter, "<argument>_sym_sizes"...; a pair (name, parameter it is
    # read from) or (name, constant)), where the row's own (core/saved.py: the inputs its rules
    # read, the result, the parameters) are not those
    saved: tuple | None = None
    # what a node keeps of each input, per needs_input_grad pattern (tensor.op_node fills it)
    save_plans: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"<op {self.name} ({self.grad_fn_name})>"


TABLE: dict[str, Op] = {}

# an op -> its Scalar overload (mul -> mul_scalar), which a derivative formula computing with a
# number calls (arithmetic.py fills it)
SCALAR_FORMS: dict[Op, Op] = {}


# ----- Gradient-check samples -----
# Every row lists where tests/test_ops.py checks its rules against finite differences: input
# shapes (broadcasting ones among them), where the values are drawn, and the op's parameters.
# Domains: "any" (uniform in [-1.5, 1.5]), "positive" ([0.5, 2]), "nonzero" (|x| in [0.3, 1.5]),
# "probability" ([0.1, 0.9]),
# "distinct" (all inputs' values jointly far from each other and from 0: ties and kinks of max,
# clamp, relu... stay farther away than the finite-difference step).  One domain for all
# inputs, or a tuple with one per input.  A parameter may be a function of the drawn input
# arrays (max(dim)'s indices).
@dataclass(frozen=True, eq=False)
class Sample:
    shapes: tuple
    domain: str | tuple = "any"
    params: dict = field(default_factory=dict)


def sample(*shapes, domain="any", **params) -> Sample:
    return Sample(shapes, domain, params)


def unary_samples(domain="any") -> tuple:
    return sample((2, 3), domain=domain), sample((4,), domain=domain), sample((), domain=domain)


def binary_samples(domain="any") -> tuple:
    return (sample((2, 3), (2, 3), domain=domain), sample((2, 3), (3,), domain=domain),
            sample((2, 1), (1, 3), domain=domain), sample((), (2,), domain=domain))


def dim_samples() -> tuple:
    return (sample((2, 3), dim=1), sample((2, 3), dim=0, keepdim=True),
            sample((2, 3, 2), dim=(0, -1)), sample((2, 3), dim=-1, keepdim=True))


MASK_2x3 = np.array([[True, False, True], [False, False, True]])


def on_arrays(sympy_form):
    """Mark a sympy form that takes whole object arrays (not one element at a time)."""
    sympy_form.on_arrays = True
    return sympy_form


def _sympy_map(sp_function, array):
    return np.frompyfunc(sp_function, 1, 1)(array)


def _sympy_softmax(sp, x, dim):
    exps = _sympy_map(sp.exp, x)
    return exps / exps.sum(axis=dim, keepdims=True)


def _sympy_log_softmax(sp, x, dim):
    total = _sympy_map(sp.exp, x).sum(axis=dim, keepdims=True)
    return x - _sympy_map(sp.log, total)


def _sympy_norm(sp, x, dim=None, keepdim=False):
    axes = None if dim is None else dim
    return _sympy_map(sp.sqrt, np.asarray((x * x).sum(axis=axes, keepdims=keepdim)))


def defop(name, grad_fn_name, forward, *backward, **options) -> Op:
    op = Op(name, grad_fn_name, forward, tuple(backward), **options)
    TABLE[name] = op
    return op


# ----- Tangents (forward mode) -----
# derivatives.yaml's two shorthands: the backward rule of a one-input op applied to the tangent
# (auto_element_wise), and the op itself applied to the tangent (auto_linear).
ELEMENTWISE, LINEAR = "auto_element_wise", "auto_linear"


def tangent_rule(op: Op):
    """The row's tangent rule as a function (ELEMENTWISE and LINEAR resolved), or None."""
    if op.tangent == ELEMENTWISE:
        rule = op.backward[0]
        return lambda F, ts, r, *inputs, **params: rule(F, ts[0], r, *inputs, **params)
    if op.tangent == LINEAR:
        return lambda F, ts, r, *inputs, **params: getattr(F, op.name)(ts[0], **params)
    return op.tangent


# A tangent of None is zero: these drop it from a formula's terms as PyTorch's ZeroTensor does
# (zero * x is zero, zero + x is x), so the terms that remain are computed as PyTorch computes them.
def plus(a, b):
    return b if a is None else a if b is None else a + b


def minus(a, b):
    return a if b is None else -b if a is None else a - b


def times(t, x):
    return None if t is None else t * x


def over(t, x):
    return None if t is None else t / x


def zero_filled(F, ts, inputs) -> list:
    """The tangents, a missing one made zeros of its input's shape (where a formula needs
    every tangent as a tensor); a number input's is 0."""
    return [t if t is not None else F.zeros_like(x) if hasattr(x, "shape") else 0.0
            for t, x in zip(ts, inputs)]
