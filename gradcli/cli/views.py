"""Terminal output: colour and layout on a terminal, plain text when piped or under
NO_COLOR (rich is imported only when a command needs it); the graph as a tree or DOT,
tables, and explain's steps as text and JSON.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from gradcli.core.printing import tensor_repr
from gradcli.core.tensor import AccumulateGrad
from gradcli.inspection.calculus import gradient
from gradcli.inspection.graph import Graph, GraphNode, node_values


def use_colour(stream=None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def console():
    from rich.console import Console
    colour = use_colour()
    # piped output is never cut to a terminal's width: lines are as long as they need
    return Console(no_color=not colour, force_terminal=colour, highlight=False, soft_wrap=True,
                   emoji=False, width=None if colour else 1000)


def labelled(label: str, tensor_text: str) -> str:
    """``label = tensor(...)`` with the tensor's continuation lines kept aligned under it."""
    prefix = f"{label} = "
    lines = tensor_text.split("\n")
    return "\n".join([prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]])


def dim(text: str) -> str:
    if not use_colour():
        return text
    return f"\x1b[2m{text}\x1b[0m"


# ----- graph tree -----

def graph_tree(graph: Graph, *, values=False, gradients=None, depth=None) -> str:
    """The backward graph as an indented tree; a node reached twice is shown once."""
    from rich.tree import Tree
    if not graph.nodes:
        return f"{graph.output_name}: no graph (a leaf or a constant)"
    shown: set = set()
    root = Tree(_node_label(graph.nodes[0], values, gradients))
    shown.add(0)
    _grow(root, graph, graph.nodes[0], shown, values, gradients, depth, 1)
    out = console()
    with out.capture() as captured:
        out.print(root)
    text = captured.get().rstrip("\n")
    return text + "\n" + dim(graph.leaf_note) if graph.leaf_note else text


def _grow(tree, graph, node: GraphNode, shown, values, gradients, depth, level):
    for child_id in node.children:
        child = graph.nodes[child_id]
        if child_id in shown:
            tree.add(f"[dim]↑ {_short(child)} (#{child_id}, shown above)[/dim]")
            continue
        shown.add(child_id)
        branch = tree.add(_node_label(child, values, gradients))
        if depth is not None and level >= depth:
            if child.children:
                branch.add(f"[dim]… {_count_below(graph, child)} more nodes (raise --depth)[/dim]")
            continue
        _grow(branch, graph, child, shown, values, gradients, depth, level + 1)


def _count_below(graph, node) -> int:
    seen, stack = set(), list(node.children)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(graph.nodes[current].children)
    return len(seen)


def _short(node: GraphNode) -> str:
    if node.kind == "leaf":
        return f"{node.name or '(leaf)'}"
    return node.op


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


def _node_label(node: GraphNode, values, gradients) -> str:
    parts = []
    if node.kind == "leaf":
        parts.append(f"[bold cyan]{_escape(node.name or '(unnamed leaf)')}[/bold cyan] "
                     f"[dim]AccumulateGrad[/dim]")
    else:
        style = "bold green" if node.kind == "output" else "bold"
        parts.append(f"[{style}]{node.op}[/{style}]")
        if node.name:
            parts.append(f"[cyan]{_escape(node.name)}[/cyan]")
    if node.line:
        parts.append(f"[dim]line {node.line}[/dim]")
    if node.shape is not None:
        parts.append(f"[dim]{shape_text(node.shape)} {node.dtype.replace('torch.', '')}[/dim]")
    parts.append(f"[dim]#{node.id}[/dim]")
    label = "  ".join(parts)
    if values:
        array = node_values(node.node)
        if array is not None:
            label += "\n" + _escape(_indent("value " + tensor_repr(array, array.dtype.name)))
        if gradients is not None and node.id in gradients and gradients[node.id] is not None:
            grad = gradients[node.id]
            label += "\n" + _escape(_indent("grad  " + tensor_repr(grad, grad.dtype.name)))
    return label


def _indent(text: str) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + ["      " + line for line in lines[1:]])


def shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


# ----- DOT -----

_COLOURS = {"op": "lightgrey", "leaf": "lightblue", "output": "darkolivegreen1"}


def graph_dot(graph: Graph, *, saved=False) -> str:
    """Graphviz DOT in torchviz's colours: ops light grey, leaves light blue, output green."""
    lines = ["digraph gradcli {", '  graph [rankdir=BT, fontname="Helvetica"];',
             '  node [shape=box, style="filled,rounded", fontname="Helvetica", fontsize=11];']
    for node in graph.nodes:
        label = [node.title]
        if node.kind != "leaf" and node.name:
            label.append(node.name + (f" (line {node.line})" if node.line else ""))
        elif node.kind == "leaf" and node.line:
            label.append(f"line {node.line}")
        if node.shape is not None:
            label.append(shape_text(node.shape))
        lines.append(f'  n{node.id} [label="{_dot_escape(chr(10).join(label))}", '
                     f'fillcolor="{_COLOURS[node.kind]}"];')
        if saved:
            for index, (name, shape) in enumerate(node.saved):
                lines.append(f'  s{node.id}_{index} [label="{_dot_escape(name + chr(10) + shape_text(shape))}",'
                             ' fillcolor="orange"];')
                lines.append(f"  s{node.id}_{index} -> n{node.id} [style=dashed];")
    for source, target in graph.edges:
        lines.append(f"  n{source} -> n{target};")
    if graph.leaf_note:
        lines.append(f'  label="{_dot_escape(graph.leaf_note)}"; labelloc=t;')
    lines.append("}")
    return "\n".join(lines)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# ----- tables -----

def table(title: str | None, headers: list, rows: list, *, styles=None) -> str:
    """Aligned columns, never cut to the terminal's width (numbers must stay whole); on a
    terminal the header is bold and a row with a style (a MISMATCH) is coloured."""
    cells = [headers] + [[str(c).split("\n")[0] for c in row] for row in rows]
    widths = [max(len(cell) for cell in column) for column in zip(*cells)]
    lines = [title] if title else []
    colour = use_colour()
    for number, row in enumerate(cells):
        text = "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
        style = "1" if number == 0 else "1;31" if styles and styles[number - 1] else None
        lines.append(f"\x1b[{style}m{text}\x1b[0m" if colour and style else text)
    return "\n".join(lines)


# ----- explain: the backward pass step by step -----

def explain_text(steps, inspection, wrt_names) -> str:
    out_name = inspection.output.name
    lines = [f"Backward pass of {out_name} towards {', '.join(wrt_names)}, in the order the engine "
             "runs it", ""]
    for step in steps:
        lines.append(f"step {step.number}  {step.title}" + (f"    {step.where}" if step.where else ""))
        lines.append(_step_field("gradient in", step.incoming))
        lines.append(f"    local rule    {step.rule}")
        for target, value, accumulates in step.sends:
            verb = "adds (+=) to" if accumulates else "sends to"
            lines.append(f"    {verb} {target}:")
            lines.append(_step_field("", value))
        if isinstance(step.node, AccumulateGrad):
            lines.append(f"    {step.title.split(' ')[0]}.grad gets this gradient (added to any "
                         "earlier one)")
        lines.append("")
    return "\n".join(lines).rstrip()


def explain_summary(inspection, variables) -> str:
    """What the walk adds up to: d(out)/d(name) for each input followed."""
    out = inspection.output
    return "\n".join(labelled(f"d({out.name})/d({v.name})", repr(gradient(out.tensor, v.tensor)))
                     for v in variables)


def _step_field(label: str, array) -> str:
    prefix = f"    {label:<13} "
    if isinstance(array, tuple):  # the gradients of a Function's several outputs
        text = "(" + ",\n ".join("None" if a is None else tensor_repr(a, a.dtype.name)
                                   for a in array) + ")"
    else:
        text = tensor_repr(np.asarray(array), np.asarray(array).dtype.name)
    rows = text.split("\n")
    return "\n".join([prefix + rows[0]] + [" " * len(prefix) + row for row in rows[1:]])


def explain_json(steps) -> list:
    """The steps for `explain --json`: values as nested lists."""
    def values(array):
        if isinstance(array, tuple):
            return [None if a is None else np.asarray(a).tolist() for a in array]
        return np.asarray(array).tolist()
    return [{"step": step.number, "node": step.title, "where": step.where or None,
             "gradient_in": values(step.incoming), "rule": step.rule,
             "sends": [{"to": target, "value": values(value), "accumulates": accumulates}
                       for target, value, accumulates in step.sends]}
            for step in steps]
