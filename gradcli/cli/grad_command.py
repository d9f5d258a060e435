"""`gradcli grad`: gradients, Jacobians, Hessians and formulas of the output."""

from __future__ import annotations

import click

from gradcli.cli.app import EPILOG, main, reports_errors
from gradcli.cli.json_view import emit_json, tensor_json
from gradcli.cli.options import (inspect_options, inspect_program, json_option, output_line,
                                 program_input, run_options, setup_command, wrt_option)
from gradcli.errors import UsageError
from gradcli.inspection.derivatives import gradients, modified_after_output


@main.command("grad", epilog=EPILOG)
@program_input
@wrt_option("Differentiate with respect to NAME (a leaf or an intermediate variable). "
            "Repeatable; default: every leaf bound with --at, else every leaf that requires "
            "grad.")
@click.option("--jacobian", is_flag=True, help="Full Jacobian of a non-scalar output "
                                               "(shape output.shape + input.shape).")
@click.option("--sum", "use_sum", is_flag=True, help="Differentiate the sum of a non-scalar output.")
@click.option("--hessian", is_flag=True,
              help="Second derivatives of a scalar output: with --wrt x --wrt y, the full "
                   "Hessian in blocks d2(out)/d(x)2, d2(out)/d(x)d(y), d2(out)/d(y)d(x), "
                   "d2(out)/d(y)2, each of shape x.shape + y.shape (as "
                   "torch.autograd.functional.hessian).")
@click.option("--symbolic", is_flag=True, help="Also print the derivative as a formula "
                                               "(scalar inputs; uses sympy).")
@click.option("--latex", is_flag=True, help="Print the formula as LaTeX (implies --symbolic).")
@inspect_options
@json_option
@run_options
@reports_errors
def grad_command(file, expr, wrt, jacobian, use_sum, hessian, symbolic, latex, at, dtype, of,
                 show_output, as_json, debug, **limits):
    """Print the gradient of the program's output with respect to its inputs.

    The program runs (its own prints hidden unless --show-output), then gradcli
    differentiates the output (--of NAME, default the last tensor variable with a
    grad_fn) with respect to each --wrt NAME. An input the output does not depend
    on shows as "none" with the reason. The output may be a leaf (--of x --wrt
    x): d(x)/d(x) is 1 (ones with --sum, the identity with --jacobian), as
    torch.autograd.grad(x, x) gives.

    \b
    Examples:
      gradcli grad samples/blitz.py --wrt x
      gradcli grad -e "x ** 2 * sin(x)" --wrt x --at x=1.5
      gradcli grad -e "sin(x) * cos(y) + x ** 2 * y" --at x=1 --at y=2 --symbolic
      gradcli grad -e "(x ** 2).sum() * y" --at x=[1,2] --at y=3 --hessian
      gradcli grad samples/mlp.py --wrt w1 --json
    """
    setup_command(debug, as_json)
    inspection = inspect_program(file, expr, at, dtype, of, show_output, limits)
    if (jacobian, use_sum, hessian).count(True) > 1:
        raise UsageError("choose one of --jacobian, --sum and --hessian")
    if (symbolic or latex) and (jacobian or use_sum or hessian):
        raise UsageError("--symbolic gives the first derivative of a scalar output; it does not "
                         "combine with --jacobian, --sum or --hessian")
    results = gradients(inspection, wrt, jacobian, use_sum, hessian)
    formulas = _formulas(inspection, results, latex) if (symbolic or latex) else {}
    if as_json:
        kind = "jacobian" if jacobian else "hessian" if hessian else \
            "gradient of the sum" if use_sum else "gradient"
        emit_json(_grad_json(inspection, results, formulas, kind))
        return
    click.echo(output_line(inspection))
    _print_gradients(inspection, results, formulas, use_sum)
    _warn_if_stale(inspection)


def _warn_if_stale(inspection) -> None:
    """The program changed an input in place after computing the output (a training step):
    the gradient is PyTorch's for the graph as recorded, which a learner should know."""
    if modified_after_output(inspection):
        click.echo(f"note: an input of '{inspection.output.name}' was modified in place after "
                   "it was computed; these gradients are for the values it was computed from",
                   err=True)


def _label(inspection, variables, use_sum=False) -> str:
    """d(out)/d(x); with --hessian d2(out)/d(x)2 and the mixed d2(out)/d(x)d(y)."""
    out = f"sum({inspection.output.name})" if use_sum else inspection.output.name
    names = [variable.name for variable in variables]
    if len(names) == 1:
        return f"d({out})/d({names[0]})"
    if names[0] == names[1]:
        return f"d2({out})/d({names[0]})2"
    return f"d2({out})/d({names[0]})d({names[1]})"


def _print_gradients(inspection, results, formulas, use_sum):
    from gradcli.cli.views import dim, labelled
    for variables, value, reason in results:
        label = _label(inspection, variables, use_sum)
        if value is None:
            click.echo(f"{label}: none  " + dim(f"# {reason}"))
            continue
        click.echo(labelled(label, repr(value)))
        if variables[0].name in formulas:
            click.echo(" " * len(label) + " = " + formulas[variables[0].name])


def _grad_json(inspection, results, formulas, derivative="gradient"):
    """"gradients" holds d(out)/d(NAME) (with --hessian, the diagonal block d2(out)/d(NAME)2);
    --hessian adds every block as "hessian": {ROW: {COLUMN: ...}}, as torch's tuple of
    tuples."""
    output = inspection.output
    payload = {"output": {"name": output.name, **tensor_json(output.tensor)}, "gradients": {},
               "derivative": derivative}
    payload["output"]["line"] = output.line or None
    for variables, value, reason in results:
        entry = {"value": None, "reason": reason} if value is None else tensor_json(value)
        names = [variable.name for variable in variables]
        if names[0] in formulas:
            entry["symbolic"] = formulas[names[0]]
        if len(set(names)) == 1:
            payload["gradients"][names[0]] = entry
        if len(names) == 2:
            payload.setdefault("hessian", {}).setdefault(names[0], {})[names[1]] = entry
    return payload


def _formulas(inspection, results, latex):
    from gradcli.inspection.symbolic import derivative_formulas
    names = [variables[0].name for variables, value, _ in results if value is not None]
    return derivative_formulas(inspection, names, latex=latex)
