"""Running a program for the inspection commands (grad, graph, check, explain).

The program runs with its graphs kept alive (its own ``backward()`` calls free
nothing) and every node keeps its output values.  Afterwards we know each tensor
variable's name and line, which lets a command pick the output (``--of``, or the
last tensor with a ``grad_fn``) and the inputs (``--wrt``).
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass

import numpy as np

from gradcli.api.nn import Module
from gradcli.core import dtypes
from gradcli.core.tensor import GradMode, Tensor
from gradcli.errors import GradcliError, UsageError
from gradcli.lang.runner import RunOptions, run_program
from gradcli.lang.sandbox import TORCH

OUTPUT_NAME = "out"
_LANGUAGE_NAMES = frozenset(TORCH.members) | {
    "torch", "math", "print", "range", "len", "sum", "min", "max", "abs", "round", "float", "int",
    "str", "bool", "list", "tuple", "dict", "enumerate", "zip", "sorted", "reversed", "any",
    "all", "map", "filter", "isinstance", "pow", "repr"}


@dataclass
class Variable:
    """A tensor the program bound to a name (or, name None, left as an expression's value)."""

    name: str
    line: int
    tensor: Tensor


@dataclass
class Inspection:
    """A finished run: its variables and the chosen output."""

    variables: dict
    output: Variable
    output_chosen: str  # how the output was chosen, for the user
    names: dict  # id(tensor) -> (name, line), the first name each tensor was bound to
    interp: object


def parse_binding(text: str, dtype_name: str):
    """``NAME=VALUE`` from --at: VALUE is a number or nested list, read without eval."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier() or name.startswith("_"):
        raise UsageError(f"--at expects NAME=VALUE, got {text!r}", hint="e.g. --at x=1.5 or "
                         "--at 'w=[[1, 2], [3, 4]]'")
    try:
        data = _literal(ast.parse(value.strip(), mode="eval").body)
    except (SyntaxError, ValueError, RecursionError) as error:
        raise UsageError(f"--at {name}: cannot read {value!r} as a number or nested list",
                         hint="use numbers and [ ] only, e.g. --at x=[1.0, 2.0]") from error
    try:
        array = np.asarray(data, dtype=np.float64)
    except ValueError:
        raise UsageError(f"--at {name}: nested lists must be rectangular",
                         hint="every row needs the same length, e.g. [[1, 2], [3, 4]]") from None
    tensor = Tensor(array.astype(dtypes.by_name(dtype_name).np))
    tensor.requires_grad_(True)
    return name, tensor


def _literal(node):
    """Numbers, unary minus and lists/tuples: the only syntax --at values may use."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
            not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(element) for element in node.elts]
    raise ValueError("not a number or list")


def assigned_names(source: str) -> set:
    """Every name the program assigns (so --at can refuse to shadow one)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def run_for_inspection(name: str, source: str, options: RunOptions, *, at=(), dtype="float32",
                       of=None, show_output=False, output_stream=None) -> Inspection:
    bindings = {}
    assigned = assigned_names(source)
    for text in at:
        key, tensor = parse_binding(text, dtype)
        if key in bindings:
            raise UsageError(f"--at {key} is given twice")
        if key in _LANGUAGE_NAMES:
            raise UsageError(f"--at {key}: '{key}' is a name of the language (a torch function or "
                             "builtin)", hint="bind an input under another name")
        if key in assigned:
            raise UsageError(f"--at {key}: the program assigns '{key}' itself",
                             hint="--at binds only names the program reads but never assigns")
        bindings[key] = tensor
    options.bindings = bindings
    options.keep_graphs = True
    hidden = io.StringIO()  # the program's own prints, unless --show-output
    previous = GradMode.keep_values
    GradMode.keep_values = True
    try:
        interp = run_program(name, source, options,
                             output=output_stream if show_output else hidden)
    except GradcliError as error:
        if error.kind == "NameError" and not error.hint:
            error.hint = "an input the program reads but never assigns can be bound with --at " \
                         "NAME=VALUE"
        raise
    finally:
        GradMode.keep_values = previous
    variables, names = _collect(interp, bindings)
    output, chosen = _choose_output(variables, of)
    return Inspection(variables, output, chosen, names, interp)


def _collect(interp, bindings):
    variables = {}
    names = {}
    for key, tensor in bindings.items():
        variables[key] = Variable(key, 0, tensor)
        names[id(tensor)] = (key, 0)
    entries = interp.assignments
    # an unnamed value (calculator mode, `-e "x ** 2 * sin(x)"`) counts only as the last thing
    # the program computed, under a name the program does not use
    if entries and entries[-1][0] is None and entries[-1][1] == _last_statement_line(interp.source):
        entries = [e for e in entries[:-1] if e[0] is not None] + [
            (_free_name(interp.globals), entries[-1][1], entries[-1][2])]
    else:
        entries = [e for e in entries if e[0] is not None]
    ordered = []
    for name, line, tensor in entries:
        ordered.append(Variable(name, line, tensor))
        names.setdefault(id(tensor), (name, line))
    # the final binding of each name is "the" variable; keep the order of last assignment
    for variable in ordered:
        current = interp.globals.get(variable.name, variable.tensor)
        if current is variable.tensor:
            variables[variable.name] = variable
    _add_module_parameters(interp, variables, names)
    variables["__order__"] = ordered
    return variables, names


def _add_module_parameters(interp, variables, names) -> None:
    """A module the program holds names its parameters as PyTorch's state_dict does, under the
    program's variable: ``net.fc1.weight`` for --wrt, and on the graph's leaves."""
    for name, value in list(interp.globals.items()):
        if isinstance(value, Module) and not name.startswith("_"):
            for path, parameter in value.named_parameters():
                qualified = f"{name}.{path}"
                variables.setdefault(qualified, Variable(qualified, 0, parameter))
                names.setdefault(id(parameter), (qualified, 0))


def _last_statement_line(source: str):
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return body[-1].lineno if body else None


def _free_name(program_names) -> str:
    for name in (OUTPUT_NAME, "value", "result"):
        if name not in program_names:
            return name
    return "last_value"


def _choose_output(variables, of):
    ordered = variables.pop("__order__")
    if of is not None:
        if of not in variables:
            tensors = ", ".join(sorted(variables)) or "none"
            raise UsageError(f"--of {of}: no tensor variable named '{of}'",
                             hint=f"tensor variables: {tensors}")
        if not variables[of].tensor.requires_grad:
            raise UsageError(f"--of {of}: '{of}' is a constant (it has no grad_fn and does not "
                             "require grad), so there is nothing to differentiate",
                             hint="pick a tensor computed from inputs with requires_grad=True")
        return variables[of], f"--of {of}"
    for variable in reversed(ordered):
        if variable.tensor.grad_fn is not None and variables.get(variable.name) is not None:
            return variable, "the last tensor with a grad_fn (--of NAME picks another)"
    raise GradcliError("the program computes no tensor with a grad_fn, so there is nothing to "
                       "differentiate", kind="NothingToDifferentiate",
                       hint="create inputs with requires_grad=True (or bind them with --at "
                            "NAME=VALUE) and assign the result to a variable")


def find_variable(inspection: Inspection, name: str) -> Variable:
    variable = inspection.variables.get(name)
    if variable is None:
        tensors = ", ".join(sorted(inspection.variables)) or "none"
        raise UsageError(f"--wrt {name}: no tensor variable named '{name}'",
                         hint=f"tensor variables: {tensors}")
    return variable


def why_no_gradient(output: Variable, variable: Variable) -> str:
    """Why d(output)/d(variable) is not defined, in words a learner can act on."""
    tensor = variable.tensor
    if not tensor.dtype.is_floating_point:
        return f"'{variable.name}' has integer dtype {tensor.dtype}; only floating tensors have " \
               "gradients"
    if not tensor.requires_grad:
        return f"'{variable.name}' does not require grad: it is a constant, was created under " \
               "torch.no_grad(), or was detached; create it with requires_grad=True"
    if output.tensor.grad_fn is None:
        return f"'{output.name}' is a leaf (an input, not computed from other tensors), so it " \
               f"depends on nothing but itself, not on '{variable.name}'"
    return f"'{output.name}' does not depend on '{variable.name}' (no path in the graph from " \
           f"'{variable.name}' to '{output.name}')"
