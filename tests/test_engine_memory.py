"""What the engine keeps alive and what it reuses: the rules read only what the table
says they save, nodes drop what they do not save, and in-place buffer sums never touch
an array someone else can see."""

from __future__ import annotations

import dis
import weakref

import numpy as np
import pytest

import gradcli as torch
from gradcli.core.ops import TABLE

DECLARED = [(name, index) for name, op in TABLE.items() if op.saved_inputs is not None
            for index, rule in enumerate(op.backward) if rule is not None]


def _inputs_read(rule, count):
    """The input positions whose values a rule's code reads (its first three arguments are
    F, g, r); ``x.shape``, ``x.dtype`` and ``x.ndim`` alone do not count: a Meta has them."""
    code = rule.__code__
    names = code.co_varnames[3:3 + count]
    read = set(code.co_cellvars)
    instructions = list(dis.get_instructions(rule))
    for this, after in zip(instructions, instructions[1:] + [None]):
        if not this.opname.startswith(("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE")):
            continue
        metadata = after is not None and after.opname == "LOAD_ATTR" and \
            after.argval in ("shape", "dtype", "ndim")
        if not metadata:
            read.update(this.argval if isinstance(this.argval, tuple) else (this.argval,))
    return {position for position, name in enumerate(names) if name in read}


@pytest.mark.parametrize("name, index", DECLARED, ids=lambda v: str(v))
def test_rules_read_only_the_inputs_their_row_saves(name, index):
    # a node keeps only the declared inputs; an undeclared read would meet a shape-only Meta
    op = TABLE[name]
    read = _inputs_read(op.backward[index], len(op.saved_inputs))
    assert read <= set(op.saved_inputs[index]), (name, index, read)


def test_an_input_no_rule_needs_is_freed_during_the_forward():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    a = x * 2.0
    alive = weakref.ref(a)
    b = (a + 0.5) * 3.0  # add saves nothing, and x*3.0 needs only the 3.0
    del a
    assert alive() is None
    b.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_a_users_gradient_is_never_summed_into_in_place():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = x * 1.0
    gradient = torch.tensor([1.0, 1.0], dtype=torch.float64)
    (y + y).backward(gradient)
    assert gradient.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [2.0, 2.0]


def test_in_place_sums_give_the_same_bits_as_out_of_place_ones(monkeypatch):
    from gradcli.core import engine

    def gradient():
        x = torch.tensor([[0.3, -1.2, 2.5], [0.7, 0.1, -0.4]], requires_grad=True)
        y = x.sin()
        (y * y + y * 3.0 + y.exp()).sum().backward()
        return x.grad.array

    in_place = gradient()
    monkeypatch.setattr(engine, "_SOLE_OWNER", 0)  # never in place
    assert in_place.dtype == np.float32
    assert in_place.tobytes() == gradient().tobytes()
