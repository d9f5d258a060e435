"""`gradcli explain`: the backward pass as a learner would follow it.

The engine runs its real backward pass once, from the output towards the
chosen inputs, with a pre-hook on every node recording the gradient that
reaches it, in the order the engine visits nodes.  Each step then shows the op's
local rule (the op table's formula), what it sends to each input, and where
contributions add up (``+=``), ending in the leaves' ``.grad``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradcli.core.engine import run_node
from gradcli.core.tensor import AccumulateGrad, OutputEdge, OutputGrads
from gradcli.inspection.graph import build, record_backward


@dataclass
class Step:
    number: int
    node: object
    title: str
    where: str
    incoming: np.ndarray
    rule: str
    sends: list = field(default_factory=list)  # (target title, array, accumulates)


def trace(inspection, wrt_tensors) -> list:
    """Run backward once, recording each node's gradient; return the steps in engine order."""
    output = inspection.output.tensor
    graph = build(output, inspection.output.name, inspection.names)
    visited = record_backward(output, graph, wrt_tensors)
    return _steps(visited, graph, inspection)


def _title(described) -> str:
    if described.kind == "leaf":
        return f"{described.name or 'leaf'} (AccumulateGrad)"
    return f"{described.name} ({described.op})" if described.name else described.op


def _steps(visited, graph, inspection) -> list:
    described = {n.node: n for n in graph.nodes}
    titles = {node: _title(n) for node, n in described.items()}
    received: dict = {}
    steps = []
    lines = inspection.interp.source.splitlines()
    for number, (node, grad) in enumerate(visited, start=1):
        line = described[node].line
        where = f"line {line}: {lines[line - 1].strip()}" if line and line <= len(lines) else ""
        if isinstance(node, AccumulateGrad):
            steps.append(Step(number, node, titles[node], where, grad, "leaf: .grad += gradient"))
            continue
        rule = getattr(getattr(node, "op", None), "formula", "") or "custom Function backward"
        incoming = grad.as_tuple(node.num_outputs) if isinstance(grad, OutputGrads) else grad
        step = Step(number, node, titles[node], where, incoming, rule)
        # what the node sends: its own rules applied to the gradient it used
        for child, value in zip(node.children, run_node(node, grad, False)):
            if child is None or value is None:
                continue
            if isinstance(child, OutputEdge):  # one output of a Function of several
                child = child.node
            step.sends.append((titles.get(child, child.name()), np.asarray(value),
                               received.get(child, 0) > 0))
            received[child] = received.get(child, 0) + 1
        steps.append(step)
    return steps
