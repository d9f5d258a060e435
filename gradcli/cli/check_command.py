"""`gradcli check`: autograd against sympy and finite differences."""

from __future__ import annotations

import sys

import click

from gradcli.cli.app import EPILOG, main, reports_errors
from gradcli.cli.json_view import emit_json, tensor_json
from gradcli.cli.options import (inspect_options, inspect_program, json_option, output_line,
                                 program_input, run_options, setup_command, wrt_option)
from gradcli.errors import CheckMismatch
from gradcli.inspection.derivatives import check_inputs, mismatch_hint, reachable_leaves


@main.command("check", epilog=EPILOG)
@program_input
@wrt_option("Check d(output)/d(NAME) only (repeatable; default: every leaf that requires "
            "grad).")
@click.option("--rtol", type=click.FloatRange(0), help="Relative tolerance (default 1e-3 for "
                                                      "float32, 1e-6 for float64).")
@click.option("--atol", type=click.FloatRange(0), help="Absolute tolerance (default 1e-4 for "
                                                      "float32, 1e-8 for float64).")
@inspect_options
@json_option
@run_options
@reports_errors
def check_command(file, expr, wrt, rtol, atol, at, dtype, of, show_output, as_json, debug,
                  **limits):
    """Prove the gradients three ways: autograd, sympy, and finite differences.

    For each input, the recorded forward graph is translated node by node into
    sympy and differentiated exactly, and replayed in float64 with central
    differences; both are compared with what autograd computed. Non-scalar
    outputs are checked as full Jacobians. Exit status 0 when all agree, 3 on any
    mismatch (a custom Function with a wrong backward, for instance).

    \b
    Examples:
      gradcli check samples/blitz.py
      gradcli check samples/custom_function.py      # exit 3: backward is wrong
      gradcli check -e "x.sin() * x" --at x=[0.5, 1.0] --json
    """
    from gradcli.inspection.check import run_check
    setup_command(debug, as_json)
    inspection = inspect_program(file, expr, at, dtype, of, show_output, limits)
    output = inspection.output
    inputs = check_inputs(inspection, list(dict.fromkeys(wrt)) or reachable_leaves(inspection))
    float64 = output.tensor.array.dtype == "float64"
    rtol = rtol if rtol is not None else (1e-6 if float64 else 1e-3)
    atol = atol if atol is not None else (1e-8 if float64 else 1e-4)
    with _progress(f"checking d({output.name}): sympy and finite differences"):
        rows = run_check(output.tensor, inputs, rtol, atol)
    if as_json:
        emit_json(_check_json(inspection, rows, rtol, atol))
    else:
        click.echo(output_line(inspection))
        click.echo(_check_table(inspection, rows, rtol, atol))
    failed = [row.name for row in rows if not row.ok]
    if failed:
        raise CheckMismatch(f"autograd disagrees with the reference for d({output.name})/"
                            f"d({', '.join(failed)})", hint=mismatch_hint(inspection))


def _progress(message):
    """A spinner on a terminal (checks of big inputs take a while); nothing when piped."""
    import contextlib

    from gradcli.cli.views import console, use_colour
    if not use_colour(sys.stderr):
        return contextlib.nullcontext()
    return console().status(message)


def _check_table(inspection, rows, rtol, atol) -> str:
    from gradcli.cli.views import table
    out = inspection.output.name

    def number(value):
        return "n/a" if value is None else f"{value:.6g}"
    body, styles = [], []
    for row in rows:
        index = _element_text(row, inspection.output)
        body.append([f"d({out})/d({row.name})", index, number(row.autograd), number(row.symbolic),
                     number(row.numeric), f"{row.abs_error:.2e}", f"{row.rel_error:.2e}",
                     "ok" if row.ok else "MISMATCH"])
        styles.append(None if row.ok else "bold red")
    text = table(f"gradient check (rtol {rtol:g}, atol {atol:g}); worst element shown",
                 ["gradient", "element", "autograd", "symbolic", "numeric", "abs err", "rel err",
                  "result"], body, styles=styles)
    notes = [f"{row.name}: checked by {row.method}" + (f" ({row.note})" if row.note else "")
             for row in rows]
    return text + "\n" + "\n".join(notes)


def _element_text(row, output) -> str:
    """The worst element of a Jacobian as `out[i], x[j]` (just `x[j]` for a scalar output)."""
    split = output.tensor.array.ndim
    out_index, in_index = row.index[:split], row.index[split:]
    parts = []
    if out_index:
        parts.append(f"{output.name}[{', '.join(map(str, out_index))}]")
    if in_index:
        parts.append(f"{row.name}[{', '.join(map(str, in_index))}]")
    return ", ".join(parts) or "-"


def _check_json(inspection, rows, rtol, atol):
    return {"output": {"name": inspection.output.name, **tensor_json(inspection.output.tensor)},
            "rtol": rtol, "atol": atol, "ok": all(r.ok for r in rows),
            "checks": {row.name: {"element": list(row.index), "autograd": row.autograd,
                                  "symbolic": row.symbolic, "numeric": row.numeric,
                                  "abs_error": row.abs_error, "rel_error": row.rel_error,
                                  "ok": row.ok, "method": row.method, "note": row.note or None}
                       for row in rows}}
