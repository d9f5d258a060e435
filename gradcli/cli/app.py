"""The click group and the one place errors become stderr text and exit codes (httpie's
main(): nothing else).

Exit codes: 0 ok, 1 error in the program or its input, 2 usage error,
3 gradient check mismatch, 70 internal error (a gradcli bug; --debug shows it).
"""

from __future__ import annotations

import functools
import json
import os
import sys

import click

from gradcli import __version__
from gradcli.errors import CheckMismatch, GradcliError, UsageError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_MISMATCH, EXIT_INTERNAL = 0, 1, 2, 3, 70


EPILOG = """\b
Exit status: 0 ok (also when a pipe reader such as `head` closes early), 1 error
in the program, 2 usage error, 3 gradient check mismatch (check), 70 internal
error (please report it; --debug shows the traceback).
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
            # a check mismatch has printed its JSON document already ("ok": false): one per run
            if ctx.json and not isinstance(error, CheckMismatch):
                click.echo(error_json(error, ctx.name))
            click.echo(format_error(error, ctx.name, ctx.source), err=True)
            code = EXIT_MISMATCH if isinstance(error, CheckMismatch) else \
                EXIT_USAGE if isinstance(error, UsageError) else EXIT_ERROR
            sys.exit(code)
        except KeyboardInterrupt:
            # Ctrl-C: end quietly with the shell's status for SIGINT (click would say "Aborted!")
            _flush_stdout()
            sys.exit(130)
        except BrokenPipeError:
            _quiet_exit_on_closed_pipe()
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
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


class JsonAwareGroup(click.Group):
    """With --json anywhere on the command line, click's own usage errors also come out as
    the JSON error document on stdout (exit status 2), like every other error."""

    def main(self, args=None, **kwargs):
        argv = list(sys.argv[1:] if args is None else args)
        if "--json" not in argv:
            return super().main(args=argv, **kwargs)
        kwargs.pop("standalone_mode", None)
        try:
            return super().main(args=argv, standalone_mode=False, **kwargs)
        except click.UsageError as error:
            click.echo(error_json(UsageError(error.format_message()), None))
            error.show()
            sys.exit(EXIT_USAGE)


@click.group(cls=JsonAwareGroup, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
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


def _quiet_exit_on_closed_pipe():
    """stdout's reader went away (`gradcli eval f.py | head -1`): it has what it wanted, so
    end quietly and successfully, whichever command was writing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_OK)


def entry_point():
    """Console-script entry: a closed pipe or Ctrl-C ends quietly."""
    try:
        main(standalone_mode=True)
    except BrokenPipeError:
        _quiet_exit_on_closed_pipe()
    except KeyboardInterrupt:
        sys.exit(130)
