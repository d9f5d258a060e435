"""``gradcli check``: autograd against two references, sympy's exact derivative of the
recorded graph and finite differences of its float64 replay; one verdict per input."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from gradcli.core.tensor import Tensor
from gradcli.errors import GradcliError
from gradcli.inspection.calculus import jacobian
from gradcli.inspection.replay import Unsupported, check_replay_matches, numeric_jacobian
from gradcli.inspection.symbolic import (MAX_SYMBOLIC_ELEMENTS, SYMBOLIC_SECONDS, Timeout,
                                         leaf_symbols, point_values, symbolic_jacobian, time_limit,
                                         translate)


@dataclass
class CheckRow:
    name: str
    method: str  # which checks ran
    index: tuple  # worst element
    autograd: float
    symbolic: float | None
    numeric: float | None
    abs_error: float
    rel_error: float
    ok: bool
    note: str = ""


def run_check(output: Tensor, inputs: dict, rtol: float, atol: float) -> list:
    """Check d(output)/d(each of ``inputs``, name -> leaf) three ways; one CheckRow each."""
    check_replay_matches(output)
    rows = []
    for name, leaf in inputs.items():
        auto = jacobian(output, leaf)
        rows.append(check_input(output, name, leaf, auto.array, rtol, atol))
    return rows


def check_input(output: Tensor, name: str, leaf: Tensor, autograd_jacobian: np.ndarray,
                rtol: float, atol: float) -> CheckRow:
    """Compare autograd with sympy and finite differences for one input."""
    notes = []
    numeric, kinks = _attempt(notes, "numeric", lambda: numeric_jacobian(output, leaf)) or \
        (None, None)
    symbolic = _attempt(notes, "symbolic", lambda: _symbolic_for(output, name, leaf))
    references = [r for r in (symbolic, numeric) if r is not None]
    if not references:
        raise GradcliError(f"nothing to compare d/d{name} with: " + "; ".join(notes),
                           kind="CheckUnavailable")
    auto = autograd_jacobian.astype(np.float64)
    skip = kinks if kinks is not None else np.zeros(auto.shape, dtype=bool)
    if skip.any():
        notes.append(f"{int(skip.sum())} element(s) at a kink (one-sided derivatives differ) "
                     "skipped; autograd follows PyTorch's convention there")
    worst = np.where(skip, 0.0, functools.reduce(np.maximum, [np.abs(auto - r) for r in references]))
    scale = functools.reduce(np.maximum, [np.abs(r) for r in references])
    allowed = atol + rtol * scale
    index = _worst_index(worst, allowed)
    agree = _agree(symbolic, numeric, rtol, atol, skip)
    return CheckRow(name, " + ".join(m for m, r in (("symbolic", symbolic), ("numeric", numeric))
                                     if r is not None),
                    index, _at(auto, index), _at(symbolic, index), _at(numeric, index),
                    _at(worst, index) or 0.0, _relative(worst, scale, index),
                    bool(np.all(worst <= allowed)) and agree, "; ".join(notes))


def _attempt(notes, what, compute):
    try:
        return compute()
    except Unsupported as error:
        notes.append(f"{what}: {error}")
        return None


def _symbolic_for(output, name, leaf):
    if output.array.size * leaf.array.size > MAX_SYMBOLIC_ELEMENTS:
        raise Unsupported(f"{output.array.size} x {leaf.array.size} derivatives is over the "
                          f"symbolic limit of {MAX_SYMBOLIC_ELEMENTS}")
    symbols = leaf_symbols(name, leaf)
    try:
        with time_limit(SYMBOLIC_SECONDS):
            expressions = translate(output, {id(leaf): symbols})
            return symbolic_jacobian(expressions, symbols, point_values(symbols, leaf))
    except Timeout:
        raise Unsupported(f"sympy took longer than {SYMBOLIC_SECONDS:g} s") from None


def _worst_index(worst, allowed) -> tuple:
    """The element furthest over (or least under) its tolerance."""
    if not worst.size:
        return ()
    ratio = worst / allowed if np.all(allowed > 0) else worst - allowed
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), worst.shape))


def _at(array, index):
    return None if array is None or not array.size else float(array[index])


def _relative(worst, scale, index) -> float:
    if not worst.size or not scale[index]:
        return 0.0
    return float(worst[index] / scale[index])


def _agree(symbolic, numeric, rtol, atol, skip) -> bool:
    if symbolic is None or numeric is None:
        return True
    close = np.abs(symbolic - numeric) <= atol + rtol * np.abs(symbolic)
    return bool(np.all(close | skip))
