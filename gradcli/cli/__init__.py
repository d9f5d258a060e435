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


# ----- Shared options -----

def run_options(command):
    """The limits every running command accepts."""
    options = [
        click.option("--max-elements", type=click.IntRange(0), default=10_000_000, show_default=True,
                     help="Most elements one tensor may have (0: no limit)."),
        click.option("--max-steps", type=click.IntRange(0), default=1_000_000, show_default=True,
                     help="Most loop iterations and calls in a run (0: no limit)."),
        click.option("--max-nodes", type=click.IntRange(0), default=100_000, show_default=True,
                     help="Most graph nodes a run may record (0: no limit)."),
        click.option("--max-depth", type=click.IntRange(1), default=100, show_default=True,
                     help="Deepest nesting of calls to the program's own functions."),
        click.option("--timeout", type=click.FloatRange(0), default=4.0, show_default=True,
                     help="Wall-clock seconds a run may take (0: no limit)."),
        click.option("--max-sequence", type=click.IntRange(1), default=1_000_000,
                     show_default=True, help="Most items in one list, tuple or string."),
        click.option("--max-int-bits", type=click.IntRange(64), default=4096, show_default=True,
                     help="Most bits in one integer (no 9**9**9)."),
        click.option("--max-memory", type=click.IntRange(0), default=1024, show_default=True,
                     help="MiB of memory a run may add (0: no limit)."),
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


def make_options(max_elements, max_steps, max_nodes, max_depth, timeout, **extra):
    from gradcli.lang.runner import RunOptions
    return RunOptions(max_elements=max_elements, max_steps=max_steps, max_nodes=max_nodes,
                      max_depth=max_depth, timeout=timeout, **extra)


# ----- Commands -----

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


class _CountingWriter:
    """Passes writes through and remembers whether the program printed anything."""

    def __init__(self, stream):
        self.stream = stream
        self.written = False

    def write(self, text):
        self.written = self.written or bool(text)
        self.stream.write(text)


def _json_value(value):
    """A tensor or Python value as JSON-ready data (nan/inf are handled once, in emit_json)."""
    from gradcli.core.tensor import Tensor
    if isinstance(value, Tensor):
        return value.array.tolist()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return repr(value)


def _finite(value):
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return value


def _tensor_json(tensor, name=None):
    info = {"value": _json_value(tensor), "shape": list(tensor.array.shape),
            "dtype": str(tensor.dtype)}
    if name is not None:
        info = {"name": name, **info}
    if tensor.grad_fn is not None:
        info["grad_fn"] = tensor.grad_fn.name()
    return info


def emit_json(payload) -> None:
    click.echo(json.dumps(_json_safe(payload), allow_nan=False))


def _json_safe(value):
    """nan and inf have no JSON spelling: they become the strings "nan", "inf", "-inf"."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return _finite(value)


def json_option(command):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON document (schema in README.md).")(command)


def _setup(debug, as_json=False):
    ctx = click.get_current_context().ensure_object(Context)
    ctx.debug, ctx.json = debug, as_json
    return ctx


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
    _setup(debug, as_json)
    name, source = load_program(file, expr)
    stream = _CountingWriter(io.StringIO() if as_json else sys.stdout)
    interp = run_program(name, source, make_options(**limits), output=stream)
    calculator = not stream.written and interp.last_value is not None
    if as_json:
        payload = {"printed": stream.stream.getvalue(),
                   "value": _json_value(interp.last_value) if calculator else None}
        if show_vars:
            payload["variables"] = [_tensor_json(t, n) for n, t in _tensor_variables(interp)]
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
    from gradcli.core.printing import tensor_repr
    from gradcli.cli.views import shape_text, table
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


def _inspect(file, expr, at, dtype, of, show_output, limits):
    from gradcli.inspection.session import run_for_inspection
    name, source = load_program(file, expr)
    return run_for_inspection(name, source, make_options(**limits), at=at, dtype=dtype, of=of,
                              show_output=show_output, output_stream=sys.stdout)


def _output_line(inspection) -> str:
    from gradcli.cli.views import dim, labelled
    output = inspection.output
    where = f"line {output.line}, " if output.line else ""
    return labelled(output.name, repr(output.tensor)) + "  " + dim(
        f"# {where}{inspection.output_chosen}")


@main.command("grad", epilog=EPILOG)
@program_input
@click.option("--wrt", "wrt", multiple=True, metavar="NAME",
              help="Differentiate with respect to NAME (a leaf or an intermediate variable). "
                   "Repeatable; default: every leaf bound with --at, else every leaf that "
                   "requires grad.")
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
    _setup(debug, as_json)
    inspection = _inspect(file, expr, at, dtype, of, show_output, limits)
    if (jacobian, use_sum, hessian).count(True) > 1:
        raise UsageError("choose one of --jacobian, --sum and --hessian")
    if (symbolic or latex) and (jacobian or use_sum or hessian):
        raise UsageError("--symbolic gives the first derivative of a scalar output; it does not "
                         "combine with --jacobian, --sum or --hessian")
    results = _gradients(inspection, wrt, jacobian, use_sum, hessian)
    formulas = _formulas(inspection, results, latex) if (symbolic or latex) else {}
    if as_json:
        kind = "jacobian" if jacobian else "hessian" if hessian else \
            "gradient of the sum" if use_sum else "gradient"
        emit_json(_grad_json(inspection, results, formulas, kind))
        return
    click.echo(_output_line(inspection))
    _print_gradients(inspection, results, formulas, use_sum)
    _warn_if_stale(inspection)


def _warn_if_stale(inspection) -> None:
    """The program changed an input in place after computing the output (a training step):
    the gradient is PyTorch's for the graph as recorded, which a learner should know."""
    from gradcli.inspection.symbolic import _check_replay_matches
    try:
        _check_replay_matches(inspection.output.tensor)
    except GradcliError:
        click.echo(f"note: an input of '{inspection.output.name}' was modified in place after "
                   "it was computed; these gradients are for the values it was computed from",
                   err=True)


def _default_wrt(inspection):
    leaves = [v for v in inspection.variables.values()
              if v.tensor.is_leaf and v.tensor.requires_grad]
    bound = [v for v in leaves if v.line == 0]
    return [v.name for v in (bound or leaves)]


def _reachable_leaves(inspection):
    """The named leaves the output actually depends on, in binding order."""
    from gradcli.inspection.graph import build
    graph = build(inspection.output.tensor, inspection.output.name, inspection.names)
    reachable = {id(n.node.variable) for n in graph.nodes if n.kind == "leaf"}
    return [name for name in _default_wrt(inspection)
            if id(inspection.variables[name].tensor) in reachable]


def _gradients(inspection, wrt, jacobian, use_sum, hessian):
    """``[(variables, value, reason)]``: one entry per --wrt NAME (variables is ``(x,)``), or
    with --hessian one per pair of them, row by row (``(x, y)`` is d2(out)/d(x)d(y))."""
    from gradcli.inspection import calculus
    from gradcli.inspection.session import why_no_gradient
    output = inspection.output
    target = output.tensor.sum() if use_sum else output.tensor
    if not jacobian:
        calculus.require_scalar(target, output.name, hint=None if not hessian else
                                "--hessian needs a scalar output: pick one with --of NAME, or "
                                f"reduce it in the program (e.g. {output.name}.sum())")
    variables = _wrt_variables(inspection, wrt)
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


def _wrt_variables(inspection, wrt) -> list:
    from gradcli.inspection.session import find_variable
    names = list(dict.fromkeys(wrt)) or _default_wrt(inspection)
    if not names:
        raise UsageError("no input to differentiate with respect to",
                         hint="name one with --wrt NAME")
    return [find_variable(inspection, name) for name in names]


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
    payload = {"output": {"name": output.name, **_tensor_json(output.tensor)}, "gradients": {},
               "derivative": derivative}
    payload["output"]["line"] = output.line or None
    for variables, value, reason in results:
        entry = {"value": None, "reason": reason} if value is None else _tensor_json(value)
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


@main.command("graph", epilog=EPILOG)
@program_input
@click.option("--dot", is_flag=True, help="Print Graphviz DOT instead of a tree.")
@click.option("-o", "--output", "output_file", type=click.Path(dir_okay=False),
              help="Render to FILE.svg, .png or .pdf through Graphviz's `dot` program.")
@click.option("--saved", is_flag=True, help="In DOT, also show the tensors each node saved "
                                            "for backward (orange).")
@click.option("--values", is_flag=True, help="Show each node's value and gradient.")
@click.option("--depth", type=click.IntRange(1), help="Collapse the tree below this depth.")
@inspect_options
@json_option
@run_options
@reports_errors
def graph_command(file, expr, dot, output_file, saved, values, depth, at, dtype, of, show_output,
                  as_json, debug, **limits):
    """Draw the backward graph of the program's output.

    Each node shows its grad_fn name, the variable it was assigned to and the
    source line, its shape and dtype; leaves are AccumulateGrad nodes with their
    names. A node reached twice is shown once and referenced after. With --of a
    leaf, the graph is that leaf's one AccumulateGrad node (kind "leaf" in --json).

    \b
    Examples:
      gradcli graph samples/blitz.py
      gradcli graph samples/blitz.py --values
      gradcli graph samples/mlp.py --dot | dot -Tsvg > mlp.svg
      gradcli graph samples/mlp.py -o mlp.svg
    """
    from gradcli.inspection import graph as graph_model
    from gradcli.cli.views import graph_dot, graph_tree
    _setup(debug, as_json)
    inspection = _inspect(file, expr, at, dtype, of, show_output, limits)
    graph = graph_model.build(inspection.output.tensor, inspection.output.name, inspection.names)
    if as_json:
        emit_json(graph.as_json())
    elif output_file:
        _render_with_dot(graph_dot(graph, saved=saved), output_file)
    elif dot:
        click.echo(graph_dot(graph, saved=saved))
    else:
        gradients = _node_gradients(inspection, graph) if values else None
        click.echo(graph_tree(graph, values=values, gradients=gradients, depth=depth))


def _node_gradients(inspection, graph):
    """The gradient each node uses in a backward pass from the output (after hooks)."""
    from gradcli.inspection.graph import record_backward
    output = inspection.output.tensor
    if output.array.size != 1:
        return None
    return {id_of: grad for id_of, grad in _by_id(graph, record_backward(output, graph))}


def _by_id(graph, visited):
    ids = {n.node: n.id for n in graph.nodes}
    return [(ids[node], grad) for node, grad in visited]


def _render_with_dot(dot_text: str, path: str) -> None:
    import shutil
    import subprocess
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    if fmt not in ("svg", "png", "pdf"):
        raise UsageError(f"-o {path}: the file must end in .svg, .png or .pdf")
    program = shutil.which("dot")
    if program is None:
        raise GradcliError("Graphviz's `dot` program is not installed", kind="MissingTool",
                           hint="install Graphviz (apt-get install graphviz, brew install "
                                "graphviz), or print DOT text with --dot")
    result = subprocess.run([program, f"-T{fmt}", "-o", path], input=dot_text, text=True,
                            capture_output=True, timeout=60)
    if result.returncode != 0:
        raise GradcliError(f"dot failed: {result.stderr.strip()}", kind="MissingTool")
    click.echo(f"wrote {path}", err=True)


@main.command("check", epilog=EPILOG)
@program_input
@click.option("--wrt", "wrt", multiple=True, metavar="NAME",
              help="Check d(output)/d(NAME) only (repeatable; default: every leaf that requires "
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
    from gradcli.inspection.symbolic import run_check
    _setup(debug, as_json)
    inspection = _inspect(file, expr, at, dtype, of, show_output, limits)
    output = inspection.output
    inputs = _check_inputs(inspection, list(dict.fromkeys(wrt)) or _reachable_leaves(inspection))
    float64 = output.tensor.array.dtype == "float64"
    rtol = rtol if rtol is not None else (1e-6 if float64 else 1e-3)
    atol = atol if atol is not None else (1e-8 if float64 else 1e-4)
    with _progress(f"checking d({output.name}): sympy and finite differences"):
        rows = run_check(output.tensor, inputs, rtol, atol)
    if as_json:
        emit_json(_check_json(inspection, rows, rtol, atol))
    else:
        click.echo(_output_line(inspection))
        click.echo(_check_table(inspection, rows, rtol, atol))
    failed = [row.name for row in rows if not row.ok]
    if failed:
        raise CheckMismatch(f"autograd disagrees with the reference for d({output.name})/"
                            f"d({', '.join(failed)})", hint=_mismatch_hint(inspection))


def _check_inputs(inspection, names) -> dict:
    """name -> leaf tensor for each input to check, refusing what cannot be checked."""
    from gradcli.inspection.session import find_variable, why_no_gradient
    if not names:
        raise UsageError("no input that requires grad to check", hint="name one with --wrt NAME")
    inputs = {}
    for name in names:
        variable = find_variable(inspection, name)
        if not variable.tensor.is_leaf:
            raise UsageError(f"--wrt {name}: check works on leaves (inputs), and '{name}' is "
                             "computed", hint="check with respect to the leaves it comes from")
        if name not in _reachable_leaves(inspection):
            raise GradcliError(why_no_gradient(inspection.output, variable), kind="NothingToCheck")
        inputs[name] = variable.tensor
    return inputs


def _mismatch_hint(inspection) -> str:
    """Name the likely cause from what the graph holds."""
    from gradcli.api.autograd import BackwardCFunction
    from gradcli.inspection.graph import build
    graph = build(inspection.output.tensor, inspection.output.name, inspection.names)
    custom = sorted({n.op for n in graph.nodes if isinstance(n.node, BackwardCFunction)})
    if custom:
        return (f"the custom Function backward ({', '.join(custom)}) is the usual suspect: compare "
                "it with the derivative of its forward")
    if any(n.node.pre_hooks for n in graph.nodes):
        return "a tensor hook (register_hook) changes the gradients autograd reports"
    return "autograd and both references disagree: this may be a gradcli bug, please report it"


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
    return {"output": {"name": inspection.output.name, **_tensor_json(inspection.output.tensor)},
            "rtol": rtol, "atol": atol, "ok": all(r.ok for r in rows),
            "checks": {row.name: {"element": list(row.index), "autograd": row.autograd,
                                  "symbolic": row.symbolic, "numeric": row.numeric,
                                  "abs_error": row.abs_error, "rel_error": row.rel_error,
                                  "ok": row.ok, "method": row.method, "note": row.note or None}
                       for row in rows}}


@main.command("explain", epilog=EPILOG)
@program_input
@click.option("--wrt", "wrt", multiple=True, metavar="NAME",
              help="Follow the gradient to NAME (repeatable; default: every leaf that requires "
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
    from gradcli.inspection.session import find_variable
    _setup(debug, as_json)
    inspection = _inspect(file, expr, at, dtype, of, show_output, limits)
    from gradcli.inspection import calculus
    from gradcli.inspection.session import why_no_gradient
    if use_sum:
        output = inspection.output
        inspection.output = type(output)(f"sum({output.name})", output.line, output.tensor.sum())
    elif inspection.output.tensor.array.size != 1:
        raise GradcliError(f"'{inspection.output.name}' has shape "
                           f"{tuple(inspection.output.tensor.array.shape)}, not a single number",
                           kind="NonScalarOutput",
                           hint="add --sum to follow the gradient of the sum of its elements")
    names = list(dict.fromkeys(wrt)) or _reachable_leaves(inspection)
    if not names:
        raise UsageError("no input to follow the gradient to", hint="name one with --wrt NAME")
    variables = [find_variable(inspection, name) for name in names]
    for variable in variables:
        if calculus.gradient(inspection.output.tensor, variable.tensor) is None:
            raise GradcliError(why_no_gradient(inspection.output, variable),
                               kind="NothingToExplain")
    tensors = [variable.tensor for variable in variables]
    steps = trace(inspection, tensors)
    if as_json:
        emit_json({"output": {"name": inspection.output.name,
                              **_tensor_json(inspection.output.tensor)},
                   "wrt": names, "steps": explain_json(steps)})
        return
    click.echo(_output_line(inspection))
    click.echo(explain_text(steps, inspection, names))
    click.echo("\n" + explain_summary(inspection, variables))


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

