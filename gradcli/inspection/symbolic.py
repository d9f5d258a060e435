"""Proving gradients: the recorded forward graph, translated to sympy or replayed
numerically in float64, against the engine's autograd.

The translation walks the graph that was recorded (never the program's text),
node by node, using the op table's sympy column: elementwise forms are mapped
over object arrays of sympy expressions (one symbol per input element), forms
marked ``on_arrays`` take whole arrays, and structural ops (sums, views,
matmul, indexing) run their own numpy forward on the object arrays.  No string
ever reaches ``sympify``, ``parse_expr`` or ``lambdify``.  sympy is imported
only when a command needs it.
"""

from __future__ import annotations

import functools
import signal
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from gradcli.api.autograd import BackwardCFunction, FunctionCtx
from gradcli.errors import GradcliError
from gradcli.core.tensor import AccumulateGrad, GradMode, Meta, OpNode, Tensor
from gradcli.inspection.calculus import jacobian

MAX_SYMBOLIC_ELEMENTS = 400      # output elements x input elements differentiated symbolically
SYMBOLIC_SECONDS = 5.0           # budget for translating and differentiating one input
MAX_NUMERIC_ELEMENTS = 20_000    # input elements perturbed for finite differences
SIMPLIFY_SECONDS = 3.0


class Unsupported(Exception):
    """The graph holds something this translation cannot express (reported, not fatal)."""


# ----- numeric replay (float64) -----

def replay(root, values: dict):
    """Recompute the graph's forward in float64, with leaves (by id) taken from ``values``."""
    cache: dict = {}
    return _replay(root, values, cache)


def _replay(node, values, cache):
    if node in cache:
        return cache[node]
    if isinstance(node, AccumulateGrad):
        leaf = node.variable
        result = values.get(id(leaf), leaf.array.astype(np.float64))
    elif isinstance(node, OpNode):
        result = _replay_op(node, values, cache)
    elif isinstance(node, BackwardCFunction):
        result = _replay_custom(node, values, cache)
    else:
        raise Unsupported(f"cannot replay {node.name()}")
    cache[node] = result
    return result


def _operands(node, translate):
    args = []
    for operand, edge in zip(node.inputs, node.children):
        # a Meta: an input the node did not need to keep; its edge still leads to its value
        if isinstance(operand, (Tensor, Meta)):
            args.append(translate(edge) if edge is not None else None)
            if edge is None:
                args[-1] = operand
        else:
            args.append(operand)
    return args


def _as_float64(value):
    if isinstance(value, Tensor):
        array = value.array
        return array.astype(np.float64) if array.dtype.kind == "f" else array
    return value


def _float64_params(params):
    # dtype conversions inside the graph would round the replay back to float32
    return {key: (np.dtype(np.float64) if isinstance(value, np.dtype) and value.kind == "f"
                  else value) for key, value in params.items()}


def _replay_op(node, values, cache):
    if node.inputs is None:
        raise Unsupported("the graph was freed")
    args = [_as_float64(a) for a in _operands(node, lambda e: _replay(e, values, cache))]
    result = np.asarray(node.op.forward(*args, **_float64_params(node.params)))
    return result.astype(np.float64) if result.dtype.kind == "f" else result


def _replay_custom(node, values, cache):
    args = []
    for arg, edge in zip(node.args, node.children):
        if isinstance(arg, Tensor):
            array = _replay(edge, values, cache) if edge is not None else _as_float64(arg)
            args.append(Tensor(np.asarray(array, dtype=np.float64)))
        else:
            args.append(arg)
    previous = GradMode.enabled
    GradMode.enabled = False
    try:
        output = node.function.forward(FunctionCtx(), *args)
    finally:
        GradMode.enabled = previous
    if not isinstance(output, Tensor):
        raise Unsupported(f"{node.name()} returned no single tensor")
    return output.array.astype(np.float64)


def _check_replay_matches(output: Tensor) -> None:
    """Refuse when the inputs changed after the output was computed (e.g. `w -= lr * w.grad`)."""
    try:
        again = replay(output.gradient_edge(), {})
    except Unsupported:
        return
    recorded = output.array.astype(np.float64)
    if again.shape == recorded.shape and not np.allclose(again, recorded, rtol=1e-4, atol=1e-6,
                                                         equal_nan=True):
        raise GradcliError(
            "an input was modified in place after the output was computed, so the recorded graph "
            "no longer matches the inputs' values", kind="CheckUnavailable",
            hint="check an output computed after the last update (--of NAME), or move the "
                 "update before it")


def numeric_jacobian(output: Tensor, leaf: Tensor, eps: float = 1e-6):
    """Central differences in float64: shape output.shape + leaf.shape, and a mask of the
    elements where the two one-sided differences disagree (a kink: relu at 0, clamp at a
    bound), where no derivative exists to compare with."""
    root = output.gradient_edge()
    base = leaf.array.astype(np.float64)
    if base.size > MAX_NUMERIC_ELEMENTS:
        raise Unsupported(f"more than {MAX_NUMERIC_ELEMENTS:,} input elements")
    middle = replay(root, {})
    columns, kinks = [], []
    for index in range(base.size):
        plus, minus = base.copy(), base.copy()
        plus.flat[index] += eps
        minus.flat[index] -= eps
        high = replay(root, {id(leaf): plus})
        low = replay(root, {id(leaf): minus})
        forward, backward = (high - middle) / eps, (middle - low) / eps
        columns.append((high - low) / (2 * eps))
        kinks.append(np.abs(forward - backward) > 0.05 * (1 + np.maximum(np.abs(forward),
                                                                           np.abs(backward))))
    shape = output.array.shape + leaf.array.shape
    if not columns:
        return np.zeros(shape), np.zeros(shape, dtype=bool)
    return (np.stack(columns, axis=-1).reshape(shape), np.stack(kinks, axis=-1).reshape(shape))


# ----- sympy translation -----

def _sympy():
    import sympy
    return sympy


def leaf_symbols(name: str, leaf: Tensor):
    """One sympy symbol per element: ``x`` for a scalar, ``x[0, 1]`` for a tensor."""
    sp = _sympy()
    array = np.empty(leaf.array.shape, dtype=object)
    if leaf.array.ndim == 0:
        array[()] = sp.Symbol(name, real=True)
        return array
    for index in np.ndindex(*leaf.array.shape):
        array[index] = sp.Symbol(f"{name}[{', '.join(map(str, index))}]", real=True)
    return array


def constant(value):
    """A number as sympy: integers exactly, floats by their shortest decimal."""
    sp = _sympy()
    if isinstance(value, (bool, np.bool_)):
        return sp.Integer(int(value))
    number = float(value)
    if number.is_integer() and abs(number) < 2 ** 53:
        return sp.Integer(int(number))
    text = np.format_float_positional(value if isinstance(value, np.floating) else np.float64(value),
                                      unique=True, trim="-")
    return sp.Float(text, 17)


def _constants(array) -> np.ndarray:
    out = np.empty(np.shape(array), dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = constant(np.asarray(array)[index])
    return out


def translate(output: Tensor, symbols: dict) -> np.ndarray:
    """The output as an object array of sympy expressions in the leaves' symbols."""
    cache: dict = {}
    root = output.gradient_edge()
    if root is None:
        return _constants(output.array)
    return np.asarray(_translate(root, symbols, cache), dtype=object)


def _translate(node, symbols, cache):
    if node in cache:
        return cache[node]
    if isinstance(node, AccumulateGrad):
        leaf = node.variable
        result = symbols.get(id(leaf))
        if result is None:
            result = _constants(leaf.array)
    elif isinstance(node, OpNode):
        result = _translate_op(node, symbols, cache)
    else:
        raise Unsupported(f"{node.name()} (a custom Function) has no symbolic form")
    cache[node] = result
    return result


def _translate_op(node, symbols, cache):
    sp = _sympy()
    op = node.op
    if node.inputs is None:
        raise Unsupported("the graph was freed")
    args = []
    for arg in _operands(node, lambda e: _translate(e, symbols, cache)):
        if isinstance(arg, Tensor):
            arg = _constants(arg.array)
        elif isinstance(arg, (int, float)) and not isinstance(arg, bool):
            arg = constant(arg)
        args.append(arg)
    params = node.params
    try:
        if op.sympy is not None and getattr(op.sympy, "on_arrays", False):
            return np.asarray(op.sympy(sp, *args, **params), dtype=object)
        if op.sympy is not None:
            mapped = np.frompyfunc(lambda *xs: op.sympy(sp, *xs, **params), len(args), 1)
            return np.asarray(mapped(*args), dtype=object)
    except (TypeError, ValueError) as error:
        raise Unsupported(f"{op.grad_fn_name}: {error}") from error
    try:
        return np.asarray(op.forward(*[np.asarray(a, dtype=object) if isinstance(a, np.ndarray)
                                       else a for a in args], **_object_params(params)),
                          dtype=object)
    except (TypeError, ValueError, AttributeError, GradcliError) as error:
        raise Unsupported(f"{op.grad_fn_name} has no symbolic form") from error


def _object_params(params):
    return {key: (np.dtype(object) if isinstance(value, np.dtype) else value)
            for key, value in params.items()}


def symbolic_jacobian(expressions: np.ndarray, symbols: np.ndarray, point: dict) -> np.ndarray:
    """d(expression_i)/d(symbol_j) evaluated at ``point``: shape out.shape + in.shape."""
    sp = _sympy()
    if expressions.size * symbols.size > MAX_SYMBOLIC_ELEMENTS:
        raise Unsupported(f"{expressions.size} x {symbols.size} derivatives is over the symbolic "
                          f"limit of {MAX_SYMBOLIC_ELEMENTS}")
    out = np.zeros(expressions.shape + symbols.shape, dtype=np.float64)
    for i in np.ndindex(*expressions.shape):
        expression = expressions[i] if isinstance(expressions[i], sp.Basic) \
            else constant(expressions[i])  # a plain number: never through sympify
        for j in np.ndindex(*symbols.shape):
            derivative = sp.diff(expression, symbols[j])
            out[i + j] = _evaluate(derivative, point)
    return out


def _evaluate(expression, point) -> float:
    value = expression.xreplace(point).evalf(30)
    try:
        return float(value)
    except TypeError:
        # e.g. the derivative of relu/abs at a kink: sympy leaves Heaviside(0)/sign(0) undecided
        raise Unsupported(f"the derivative is undefined at this point ({value})") from None


def point_values(symbols: np.ndarray, leaf: Tensor) -> dict:
    return {symbols[i]: constant(leaf.array[i]) if leaf.array.ndim else constant(leaf.array[()])
            for i in np.ndindex(*symbols.shape)}


# ----- formulas for `grad --symbolic` -----

@contextmanager
def _time_limit(seconds):
    """Bound sympy's simplification; without SIGALRM (threads, Windows), run unbounded."""
    usable = hasattr(signal, "setitimer")
    if usable:
        try:
            previous = signal.signal(signal.SIGALRM, _raise_timeout)
        except ValueError:  # not the main thread
            usable = False
    if usable:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class _Timeout(Exception):
    pass


def _raise_timeout(signum, frame):
    raise _Timeout()


def derivative_formulas(inspection, names, latex=False) -> dict:
    """``{name: formula}`` of d(output)/d(name) for scalar leaves, in the program's names."""
    sp = _sympy()
    output = inspection.output
    chosen = {}
    for name in names:
        variable = inspection.variables[name]
        if variable.tensor.array.ndim == 0 and variable.tensor.is_leaf:
            chosen[name] = variable.tensor
    if not chosen:
        raise GradcliError("--symbolic needs scalar inputs (0-d leaf tensors)",
                           kind="SymbolicUnavailable",
                           hint="bind scalars with --at NAME=VALUE, or use `gradcli check` for "
                                "tensors")
    symbols = {id(t): leaf_symbols(name, t) for name, t in chosen.items()}
    try:
        expression = translate(output.tensor, symbols)
    except Unsupported as error:
        raise GradcliError(f"no symbolic form: {error}", kind="SymbolicUnavailable") from None
    if expression.size != 1:
        raise GradcliError("--symbolic needs a scalar output", kind="SymbolicUnavailable")
    formulas = {}
    for name, tensor in chosen.items():
        derivative = sp.diff(expression.reshape(-1)[0], symbols[id(tensor)][()])
        try:
            with _time_limit(SIMPLIFY_SECONDS):
                derivative = sp.simplify(derivative)
        except _Timeout:
            pass  # keep the unsimplified form: still correct
        formulas[name] = sp.latex(derivative) if latex else sp.sstr(derivative)
    return formulas


# ----- the three-way check -----

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
    _check_replay_matches(output)
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
        with _time_limit(SYMBOLIC_SECONDS):
            expressions = translate(output, {id(leaf): symbols})
            return symbolic_jacobian(expressions, symbols, point_values(symbols, leaf))
    except _Timeout:
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
