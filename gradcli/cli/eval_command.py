"""`gradcli eval`: run a program and print what PyTorch prints."""

from __future__ import annotations

import sys

import click

from gradcli.cli.app import EPILOG, main, reports_errors
from gradcli.cli.json_view import emit_json, json_value, tensor_json
from gradcli.cli.options import (json_option, load_program, make_options, program_input,
                                 run_options, setup_command)


class _CountingWriter:
    """Passes writes through and remembers whether the program printed anything."""

    def __init__(self, stream):
        self.stream = stream
        self.written = False

    def write(self, text):
        self.written = self.written or bool(text)
        self.stream.write(text)


@main.command("eval", epilog=EPILOG)
@program_input
@click.option("--vars", "show_vars", is_flag=True,
              help="After the run, a table of every tensor variable: shape, dtype, value, "
                   "grad_fn and .grad.")
@json_option
@run_options
@reports_errors
def eval_command(file, expr, show_vars, as_json, debug, **limits):
    """Run a program and print what it prints, exactly as PyTorch would.

    FILE is a PyTorch-style program ('-' reads stdin). A program that prints
    nothing shows the value of its last expression or assignment, as a
    calculator would. Errors are reported as FILE:LINE:COL: Kind: message on
    stderr, with exit status 1.

    \b
    Examples:
      gradcli eval samples/blitz.py
      gradcli eval -e "tensor([1., 2.]) * 3"
      echo 'print(torch.ones(2) * 3)' | gradcli eval -
    """
    import io

    from gradcli.lang.runner import run_program
    setup_command(debug, as_json)
    name, source = load_program(file, expr)
    stream = _CountingWriter(io.StringIO() if as_json else sys.stdout)
    interp = run_program(name, source, make_options(**limits), output=stream)
    calculator = not stream.written and interp.last_value is not None
    if as_json:
        payload = {"printed": stream.stream.getvalue(),
                   "value": json_value(interp.last_value) if calculator else None}
        if show_vars:
            payload["variables"] = [tensor_json(t, n) for n, t in _tensor_variables(interp)]
        emit_json(payload)
        return
    if calculator:
        click.echo(repr(interp.last_value))
    if show_vars:
        click.echo(_vars_table(interp))


def _tensor_variables(interp):
    from gradcli.core.tensor import Tensor
    seen = []
    for name, _line, _tensor in interp.assignments:
        value = interp.globals.get(name) if name else None
        if isinstance(value, Tensor) and name not in [n for n, _ in seen]:
            seen.append((name, value))
    return seen


def _vars_table(interp) -> str:
    from gradcli.cli.views import shape_text, table
    from gradcli.core.printing import tensor_repr
    rows = []
    for name, tensor in _tensor_variables(interp):
        grad = tensor.grad
        rows.append([name, shape_text(tensor.array.shape), str(tensor.dtype).replace("torch.", ""),
                     _one_line(tensor_repr(tensor.array, tensor.array.dtype.name)),
                     tensor.grad_fn.name() if tensor.grad_fn is not None else "",
                     _one_line(repr(grad)) if grad is not None else ""])
    return table("tensor variables", ["name", "shape", "dtype", "value", "grad_fn", ".grad"], rows)


def _one_line(text: str, width: int = 48) -> str:
    text = " ".join(part.strip() for part in text.split("\n"))
    return text if len(text) <= width else text[:width - 1] + "…"
