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

from .engine import run_backward
from .graph import build
from .printing import tensor_repr
from .tensor import AccumulateGrad


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
    """Run backward once with recording hooks; return the steps in engine order."""
    output = inspection.output.tensor
    graph = build(output, inspection.output.name, inspection.names)
    titles = {n.node: _title(n) for n in graph.nodes}
    visited = []
    hooks = []
    for described in graph.nodes:
        node = described.node
        if node.pre_hooks is None:
            node.pre_hooks = []
        hook = _recorder(visited, node)
        node.pre_hooks.insert(0, hook)
        hooks.append((node, hook))
    try:
        run_backward((output,), (None,), True, False, inputs=wrt_tensors, accumulate=False,
                     allow_unused=True)
    finally:
        for node, hook in hooks:
            node.pre_hooks.remove(hook)
    return _steps(visited, titles, inspection, graph)


def _recorder(visited, node):
    def hook(grad):
        visited.append((node, np.array(grad.array, copy=True)))
        return None
    return hook


def _title(described) -> str:
    if described.kind == "leaf":
        return f"{described.name or 'leaf'} (AccumulateGrad)"
    return f"{described.name} ({described.op})" if described.name else described.op


def _steps(visited, titles, inspection, graph) -> list:
    received: dict = {}
    steps = []
    lines = inspection.interp.source.splitlines()
    for number, (node, grad) in enumerate(visited, start=1):
        described = next(n for n in graph.nodes if n.node is node)
        where = ""
        if described.line:
            text = lines[described.line - 1].strip() if described.line <= len(lines) else ""
            where = f"line {described.line}: {text}"
        if isinstance(node, AccumulateGrad):
            steps.append(Step(number, node, titles[node], where, grad, "leaf: .grad += gradient"))
            continue
        rule = getattr(getattr(node, "op", None), "formula", "") or "custom Function backward"
        step = Step(number, node, titles[node], where, grad, rule)
        outgoing = node.apply(grad, False)
        for (child, _), value in zip(node.next_functions, outgoing):
            if child is None or value is None:
                continue
            count = received.get(child, 0)
            received[child] = count + 1
            step.sends.append((titles.get(child, child.name()), np.asarray(value), count > 0))
        steps.append(step)
    return steps


def render(steps, inspection, wrt_names) -> str:
    out_name = inspection.output.name
    lines = [f"Backward pass of {out_name} towards {', '.join(wrt_names)}, in the order the engine "
             "runs it", ""]
    for step in steps:
        lines.append(f"step {step.number}  {step.title}" + (f"    {step.where}" if step.where else ""))
        lines.append(_field("gradient in", step.incoming))
        lines.append(f"    local rule    {step.rule}")
        for target, value, accumulates in step.sends:
            verb = "adds (+=) to" if accumulates else "sends to"
            lines.append(f"    {verb} {target}:")
            lines.append(_field("", value))
        if isinstance(step.node, AccumulateGrad):
            lines.append(f"    {step.title.split(' ')[0]}.grad gets this gradient (added to any "
                         "earlier one)")
        lines.append("")
    return "\n".join(lines).rstrip()


def _field(label: str, array) -> str:
    prefix = f"    {label:<13} "
    text = tensor_repr(np.asarray(array), np.asarray(array).dtype.name)
    rows = text.split("\n")
    return "\n".join([prefix + rows[0]] + [" " * len(prefix) + row for row in rows[1:]])


def as_json(steps) -> list:
    """The steps for `explain --json`: values as nested lists."""
    def values(array):
        return np.asarray(array).tolist()
    return [{"step": step.number, "node": step.title, "where": step.where or None,
             "gradient_in": values(step.incoming), "rule": step.rule,
             "sends": [{"to": target, "value": values(value), "accumulates": accumulates}
                       for target, value, accumulates in step.sends]}
            for step in steps]
