"""`gradcli explain`: the backward pass step by step."""

from __future__ import annotations

import click

from gradcli.cli.app import EPILOG, main, reports_errors
from gradcli.cli.json_view import emit_json, tensor_json
from gradcli.cli.options import (inspect_options, inspect_program, json_option, output_line,
                                 program_input, run_options, setup_command, wrt_option)
from gradcli.inspection.derivatives import explain_inputs


@main.command("explain", epilog=EPILOG)
@program_input
@wrt_option("Follow the gradient to NAME (repeatable; default: every leaf that requires "
            "grad).")
@click.option("--sum", "use_sum", is_flag=True,
              help="Follow the gradient of the sum of a non-scalar output.")
@inspect_options
@json_option
@run_options
@reports_errors
def explain_command(file, expr, wrt, use_sum, at, dtype, of, show_output, as_json, debug,
                    **limits):
    """Walk through the backward pass step by step.

    Nodes appear in the order the engine visits them. At each: the gradient that
    arrives, the op's local derivative rule, and what flows to each input, with
    '+=' where a value used twice (like y * y) collects two contributions, down
    to the .grad of the leaves.

    \b
    Examples:
      gradcli explain samples/blitz.py --wrt x
      gradcli explain -e "x * x + x.sin()" --at x=0.5
    """
    from gradcli.cli.views import explain_json, explain_summary, explain_text
    from gradcli.inspection.trace import trace
    setup_command(debug, as_json)
    inspection = inspect_program(file, expr, at, dtype, of, show_output, limits)
    variables = explain_inputs(inspection, wrt, use_sum)
    names = [variable.name for variable in variables]
    steps = trace(inspection, [variable.tensor for variable in variables])
    if as_json:
        emit_json({"output": {"name": inspection.output.name,
                              **tensor_json(inspection.output.tensor)},
                   "wrt": names, "steps": explain_json(steps)})
        return
    click.echo(output_line(inspection))
    click.echo(explain_text(steps, inspection, names))
    click.echo("\n" + explain_summary(inspection, variables))
