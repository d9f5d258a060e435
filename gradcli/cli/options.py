"""Options the commands share: the program to run (FILE, -, -e), the limits (built from
lang.settings.LIMITS), --json, and those of the inspection commands (--at, --of...)."""

from __future__ import annotations

import sys

import click

from gradcli.cli.app import Context
from gradcli.errors import UsageError
from gradcli.lang.settings import LIMITS, RunOptions


def run_options(command):
    """The limits every running command accepts (lang.settings.LIMITS, one option each)."""
    options = [click.option(limit.flag, type=_range(limit), default=limit.default,
                            show_default=True, help=limit.help) for limit in LIMITS]
    options.append(click.option("--debug", is_flag=True,
                                help="Show Python tracebacks of internal errors."))
    for option in reversed(options):
        command = option(command)
    return command


def _range(limit):
    kind = click.FloatRange if isinstance(limit.default, float) else click.IntRange
    return kind(limit.minimum)


def wrt_option(help_text: str):
    """--wrt NAME, repeatable: the inputs a command differentiates by."""
    return click.option("--wrt", "wrt", multiple=True, metavar="NAME", help=help_text)


def program_input(command):
    """FILE (or '-') and -e/--expr CODE."""
    command = click.option("-e", "--expr", "expr", metavar="CODE",
                           help="Program text instead of FILE (statements separated by ';' or "
                                "newlines).")(command)
    return click.argument("file", required=False, metavar="[FILE]")(command)


def load_program(file, expr):
    from gradcli.lang.runner import read_source
    ctx = click.get_current_context().ensure_object(Context)
    if expr is not None and file is not None:
        raise UsageError("give either FILE or -e CODE, not both")
    if expr is not None:
        # `-e "a = 1; b = 2"` is already valid Python; keep it as written so columns stay right
        ctx.name, ctx.source = "<expr>", expr
    elif file is not None:
        ctx.name = "<stdin>" if file == "-" else file  # names errors raised while reading
        ctx.name, ctx.source = read_source(file)
    else:
        raise UsageError("no program given", hint="pass FILE, '-' for stdin, or -e CODE")
    return ctx.name, ctx.source


def make_options(**options) -> RunOptions:
    return RunOptions(**options)


def json_option(command):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON document (schema in README.md).")(command)


def setup_command(debug, as_json=False):
    ctx = click.get_current_context().ensure_object(Context)
    ctx.debug, ctx.json = debug, as_json
    return ctx


def inspect_options(command):
    """Options shared by grad, graph, check and explain."""
    options = [
        click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
                     help="Bind a name the program reads but never assigns, as a leaf with "
                          "requires_grad=True (VALUE: a number or nested list). Repeatable."),
        click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32",
                     show_default=True, help="dtype of --at values."),
        click.option("--of", "of", metavar="NAME",
                     help="The output to differentiate (default: the last tensor variable with a "
                          "grad_fn)."),
        click.option("--show-output", is_flag=True,
                     help="Also show what the program itself prints (hidden by default)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def inspect_program(file, expr, at, dtype, of, show_output, limits):
    from gradcli.inspection.session import run_for_inspection
    name, source = load_program(file, expr)
    return run_for_inspection(name, source, make_options(**limits), at=at, dtype=dtype, of=of,
                              show_output=show_output, output_stream=sys.stdout)


def output_line(inspection) -> str:
    from gradcli.cli.views import dim, labelled
    output = inspection.output
    where = f"line {output.line}, " if output.line else ""
    return labelled(output.name, repr(output.tensor)) + "  " + dim(
        f"# {where}{inspection.output_chosen}")
