"""`gradcli graph`: the backward graph as a tree, DOT, JSON or a Graphviz image."""

from __future__ import annotations

import os

import click

from gradcli.cli.app import EPILOG, main, reports_errors
from gradcli.cli.json_view import emit_json
from gradcli.cli.options import (inspect_options, inspect_program, json_option, program_input,
                                 run_options, setup_command)
from gradcli.errors import GradcliError, UsageError


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
    from gradcli.cli.views import graph_dot, graph_tree
    from gradcli.inspection import graph as graph_model
    setup_command(debug, as_json)
    inspection = inspect_program(file, expr, at, dtype, of, show_output, limits)
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
