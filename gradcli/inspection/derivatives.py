"""Which derivatives a command asks for, and why one is missing: the inputs to
differentiate by (named, or every reachable leaf), gradients, Jacobians and Hessians of
the output, the inputs a check can take, and the likely cause of a mismatch.  The
commands call these; nothing here prints."""

from __future__ import annotations

from gradcli.api.autograd import BackwardCFunction
from gradcli.errors import GradcliError, UsageError
from gradcli.inspection import calculus
from gradcli.inspection.graph import build
from gradcli.inspection.replay import check_replay_matches
from gradcli.inspection.session import find_variable, why_no_gradient


def default_wrt(inspection):
    leaves = [v for v in inspection.variables.values()
              if v.tensor.is_leaf and v.tensor.requires_grad]
    bound = [v for v in leaves if v.line == 0]
    return [v.name for v in (bound or leaves)]


def reachable_leaves(inspection):
    """The named leaves the output actually depends on, in binding order."""
    graph = build(inspection.output.tensor, inspection.output.name, inspection.names)
    reachable = {id(n.node.variable) for n in graph.nodes if n.kind == "leaf"}
    return [name for name in default_wrt(inspection)
            if id(inspection.variables[name].tensor) in reachable]


def gradients(inspection, wrt, jacobian, use_sum, hessian):
    """``[(variables, value, reason)]``: one entry per --wrt NAME (variables is ``(x,)``), or
    with --hessian one per pair of them, row by row (``(x, y)`` is d2(out)/d(x)d(y))."""
    output = inspection.output
    target = output.tensor.sum() if use_sum else output.tensor
    if not jacobian:
        calculus.require_scalar(target, output.name, hint=None if not hessian else
                                "--hessian needs a scalar output: pick one with --of NAME, or "
                                f"reduce it in the program (e.g. {output.name}.sum())")
    variables = wrt_variables(inspection, wrt)
    if hessian:
        blocks = calculus.hessian(target, [variable.tensor for variable in variables])
        # a missing block's reason names the input out does not depend on: its diagonal is None
        entries = [((row, column), blocks[i][j], variables[i if blocks[i][i] is None else j])
                   for i, row in enumerate(variables) for j, column in enumerate(variables)]
    else:
        compute = calculus.jacobian if jacobian else calculus.gradient
        entries = [((variable,), compute(target, variable.tensor), variable)
                   for variable in variables]
    return [(pair, value, None if value is not None else why_no_gradient(output, unused))
            for pair, value, unused in entries]


def wrt_variables(inspection, wrt) -> list:
    names = list(dict.fromkeys(wrt)) or default_wrt(inspection)
    if not names:
        raise UsageError("no input to differentiate with respect to",
                         hint="name one with --wrt NAME")
    return [find_variable(inspection, name) for name in names]


def check_inputs(inspection, names) -> dict:
    """name -> leaf tensor for each input to check, refusing what cannot be checked."""
    if not names:
        raise UsageError("no input that requires grad to check", hint="name one with --wrt NAME")
    inputs = {}
    for name in names:
        variable = find_variable(inspection, name)
        if not variable.tensor.is_leaf:
            raise UsageError(f"--wrt {name}: check works on leaves (inputs), and '{name}' is "
                             "computed", hint="check with respect to the leaves it comes from")
        if name not in reachable_leaves(inspection):
            raise GradcliError(why_no_gradient(inspection.output, variable), kind="NothingToCheck")
        inputs[name] = variable.tensor
    return inputs


def mismatch_hint(inspection) -> str:
    """Name the likely cause from what the graph holds."""
    graph = build(inspection.output.tensor, inspection.output.name, inspection.names)
    custom = sorted({n.op for n in graph.nodes if isinstance(n.node, BackwardCFunction)})
    if custom:
        return (f"the custom Function backward ({', '.join(custom)}) is the usual suspect: compare "
                "it with the derivative of its forward")
    if any(n.node.pre_hooks for n in graph.nodes):
        return "a tensor hook (register_hook) changes the gradients autograd reports"
    return "autograd and both references disagree: this may be a gradcli bug, please report it"


def explain_inputs(inspection, wrt, use_sum) -> list:
    """The variables ``explain`` follows the gradient to; with ``use_sum`` the output becomes
    the sum of its elements.  Refuses an output that is not one number, or an input no
    gradient reaches (with the reason)."""
    output = inspection.output
    if use_sum:
        inspection.output = output = type(output)(f"sum({output.name})", output.line,
                                                  output.tensor.sum())
    elif output.tensor.array.size != 1:
        raise GradcliError(f"'{output.name}' has shape {tuple(output.tensor.array.shape)}, not a "
                           "single number", kind="NonScalarOutput",
                           hint="add --sum to follow the gradient of the sum of its elements")
    names = list(dict.fromkeys(wrt)) or reachable_leaves(inspection)
    if not names:
        raise UsageError("no input to follow the gradient to", hint="name one with --wrt NAME")
    variables = [find_variable(inspection, name) for name in names]
    for variable in variables:
        if calculus.gradient(output.tensor, variable.tensor) is None:
            raise GradcliError(why_no_gradient(output, variable), kind="NothingToExplain")
    return variables


def modified_after_output(inspection) -> bool:
    """The program changed an input in place after computing the output (a training step):
    the gradients are then PyTorch's for the graph as recorded, not for today's values."""
    try:
        check_replay_matches(inspection.output.tensor)
    except GradcliError:
        return True
    return False
