"""The ``gradcli`` command.  Only this module (and render.py) knows about click and
rich; only this module turns errors into stderr text and exit codes.

Exit codes: 0 ok, 1 error in the program or its input, 2 usage error,
3 gradient check mismatch, 70 internal error (a gradcli bug; --debug shows it).
"""

from __future__ import annotations

import functools
import json
import os
import sys

import click

from . import __version__
from .errors import CheckMismatch, GradcliError, UsageError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_MISMATCH, EXIT_INTERNAL = 0, 1, 2, 3, 70

EPILOG = """\b
Exit status: 0 ok, 1 error in the program, 2 usage error, 3 gradient check
mismatch, 70 internal error (please report it; --debug shows the traceback).
"""


class Context:
    """What every command needs to report an error: the file name and source."""

    def __init__(self):
        self.name = None
        self.source = None
        self.json = False
        self.debug = False


def format_error(error: GradcliError, name: str | None, source: str | None) -> str:
    """``FILE:LINE:COL: Kind: message``, the source line with a caret, and a hint."""
    where = name or "gradcli"
    if error.line is not None:
        where += f":{error.line}:{error.column or 1}"
    lines = [f"{where}: {error.kind}: {error.message}"]
    if source is not None and error.line is not None:
        text = _source_line(source, error.line)
        if text is not None:
            shown = text.rstrip("\n")[:200]
            caret = max((error.column or 1) - 1, 0)
            lines.append(f"    {shown}")
            lines.append("    " + "".join(c if c == "\t" else " " for c in shown[:caret]) + "^")
    if error.hint:
        lines.append(f"hint: {error.hint}")
    return "\n".join(lines)


def _source_line(source: str, line: int) -> str | None:
    all_lines = source.splitlines()
    if 1 <= line <= len(all_lines):
        return all_lines[line - 1]
    return None


def error_json(error: GradcliError, name: str | None) -> str:
    return json.dumps({"error": {"kind": error.kind, "message": error.message, "hint": error.hint,
                                 "file": name, "line": error.line, "column": error.column}})


def reports_errors(command):
    """Map gradcli errors to stderr text and exit codes (httpie's main(): nothing else)."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context().ensure_object(Context)
        try:
            return command(*args, **kwargs)
        except GradcliError as error:
            _flush_stdout()
            if ctx.json:
                click.echo(error_json(error, ctx.name))
            click.echo(format_error(error, ctx.name, ctx.source), err=True)
            code = EXIT_MISMATCH if isinstance(error, CheckMismatch) else \
                EXIT_USAGE if isinstance(error, UsageError) else EXIT_ERROR
            sys.exit(code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit,
                KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception:  # noqa: BLE001 - a bug in gradcli itself
            if ctx.debug:
                raise
            _flush_stdout()
            click.echo("gradcli: internal error, please report it (run again with --debug to see "
                       "the traceback)", err=True)
            sys.exit(EXIT_INTERNAL)
    return wrapper


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass


# ----- Shared options -----

def run_options(command):
    """The limits every running command accepts."""
    options = [
        click.option("--max-elements", type=click.IntRange(0), default=10_000_000, show_default=True,
                     help="Most elements one tensor may have (0: no limit)."),
        click.option("--max-steps", type=click.IntRange(0), default=1_000_000, show_default=True,
                     help="Most loop iterations and calls in a run."),
        click.option("--max-nodes", type=click.IntRange(0), default=100_000, show_default=True,
                     help="Most graph nodes a run may record (0: no limit)."),
        click.option("--max-depth", type=click.IntRange(1), default=100, show_default=True,
                     help="Deepest nesting of calls to the program's own functions."),
        click.option("--timeout", type=click.FloatRange(0), default=4.0, show_default=True,
                     help="Wall-clock seconds a run may take (0: no limit)."),
        click.option("--debug", is_flag=True, help="Show Python tracebacks of internal errors."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def program_input(command):
    """FILE (or '-') and -e/--expr CODE."""
    command = click.option("-e", "--expr", "expr", metavar="CODE",
                           help="Program text instead of FILE (statements separated by ';' or "
                                "newlines).")(command)
    return click.argument("file", required=False, metavar="[FILE]")(command)


def load_program(file, expr):
    from .runner import read_source
    ctx = click.get_current_context().ensure_object(Context)
    if expr is not None and file is not None:
        raise UsageError("give either FILE or -e CODE, not both")
    if expr is not None:
        # `-e "a = 1; b = 2"` is already valid Python; keep it as written so columns stay right
        ctx.name, ctx.source = "<expr>", expr
    elif file is not None:
        ctx.name = "<stdin>" if file == "-" else file
        ctx.name, ctx.source = read_source(file)
    else:
        raise UsageError("no program given", hint="pass FILE, '-' for stdin, or -e CODE")
    return ctx.name, ctx.source


def make_options(max_elements, max_steps, max_nodes, max_depth, timeout, **extra):
    from .runner import RunOptions
    return RunOptions(max_elements=max_elements, max_steps=max_steps, max_nodes=max_nodes,
                      max_depth=max_depth, timeout=timeout, **extra)


# ----- Commands -----

@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradcli")
def main():
    """gradcli: a gradient calculator with its own autograd engine.

    Write PyTorch-style code in a file (x = torch.ones(2, 2, requires_grad=True),
    y = x + 2, out = (y * y * 3).mean(), out.backward(), print(x.grad)) and gradcli
    runs it on its own engine, with PyTorch's values, print format and grad_fn
    names. No PyTorch install is needed.

    \b
    Examples:
      gradcli eval samples/blitz.py
      gradcli eval -e "tensor([1., 2.]) * 3"
    """


@main.command("eval", epilog=EPILOG)
@program_input
@run_options
@reports_errors
def eval_command(file, expr, debug, **limits):
    """Run a program and print what it prints, exactly as PyTorch would.

    FILE is a PyTorch-style program ('-' reads stdin). Errors are reported as
    FILE:LINE:COL: Kind: message on stderr, with exit status 1.

    \b
    Examples:
      gradcli eval samples/blitz.py
      echo 'print(torch.ones(2) * 3)' | gradcli eval -
    """
    from .runner import run_program
    click.get_current_context().ensure_object(Context).debug = debug
    name, source = load_program(file, expr)
    run_program(name, source, make_options(**limits), output=sys.stdout)


def entry_point():
    """Console-script entry: a closed pipe or Ctrl-C ends quietly."""
    try:
        main(standalone_mode=True)
    except BrokenPipeError:
        # stdout's reader went away (`gradcli eval f.py | head -1`): exit quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    entry_point()
