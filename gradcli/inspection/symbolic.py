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

import signal
from contextlib import contextmanager

import numpy as np

from gradcli.core.tensor import Tensor
from gradcli.errors import GradcliError
from gradcli.inspection.replay import Unsupported, operands, value_of

MAX_SYMBOLIC_ELEMENTS = 400      # output elements x input elements differentiated symbolically
SYMBOLIC_SECONDS = 5.0           # budget for translating and differentiating one input
SIMPLIFY_SECONDS = 3.0


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
    return value_of(node, cache, leaf=lambda leaf: _leaf_symbols(leaf, symbols),
                    op=lambda node: _translate_op(node, symbols, cache),
                    custom=_no_symbolic_form)


def _leaf_symbols(leaf, symbols):
    known = symbols.get(id(leaf))
    return _constants(leaf.array) if known is None else known


def _no_symbolic_form(node):
    raise Unsupported(f"{node.name()} (a custom Function) has no symbolic form")


def _translate_op(node, symbols, cache):
    sp = _sympy()
    op = node.op
    if node.inputs is None:
        raise Unsupported("the graph was freed")
    args = []
    for arg in operands(node, lambda e: _translate(e, symbols, cache)):
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


@contextmanager
def time_limit(seconds):
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


class Timeout(Exception):
    pass


def _raise_timeout(signum, frame):
    raise Timeout()


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
            with time_limit(SIMPLIFY_SECONDS):
                derivative = sp.simplify(derivative)
        except Timeout:
            pass  # keep the unsimplified form: still correct
        formulas[name] = sp.latex(derivative) if latex else sp.sstr(derivative)
    return formulas
