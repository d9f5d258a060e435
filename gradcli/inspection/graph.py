"""The backward graph as data: nodes with their op, variable name, line, shape
and dtype, and edges in the forward direction.  The tree, DOT and JSON views
(render.py, cli.py) and `explain` all read this one model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradcli.core.engine import run_backward
from gradcli.core.tensor import AccumulateGrad, Node, NodeHook, OutputEdge, OutputGrads, Tensor


@dataclass
class GraphNode:
    id: int
    node: Node
    op: str
    kind: str  # "op", "leaf" or "output"
    name: str | None
    line: int | None
    shape: tuple | None
    dtype: str | None
    children: list = field(default_factory=list)  # ids of the nodes this one sends gradient to
    saved: list = field(default_factory=list)  # (label, shape) of saved tensors

    @property
    def title(self) -> str:
        if self.kind == "leaf":
            return self.name or "(leaf)"
        return self.op


@dataclass
class Graph:
    output_name: str
    nodes: list
    edges: list  # (from id, to id): from an input's node to the node it feeds, forward direction

    @property
    def leaf_note(self) -> str | None:
        """What the tree and DOT say when the output is a leaf: its graph is one node."""
        if not self.nodes or self.nodes[0].kind != "leaf":
            return None
        return (f"{self.output_name} is a leaf (an input, not computed from other tensors): its "
                f"backward graph is this one node, where {self.output_name}.grad collects")

    def as_json(self) -> dict:
        return {
            "output": self.output_name,
            "nodes": [{"id": n.id, "op": n.op, "name": n.name, "line": n.line,
                       "shape": list(n.shape) if n.shape is not None else None,
                       "dtype": n.dtype, "kind": n.kind} for n in self.nodes],
            "edges": [{"from": a, "to": b} for a, b in self.edges],
        }


def build(output: Tensor, output_name: str, names: dict) -> Graph:
    """Walk the graph from ``output`` depth first; every node gets one id (0 is the output).
    A Function of several outputs is one node: the edges into its outputs lead to it."""
    root = _through_edges(output.gradient_edge())
    ids: dict = {}
    nodes: list = []
    edges: list = []
    if root is None:
        return Graph(output_name, nodes, edges)
    stack = [root]
    ids[root] = 0
    nodes.append(_describe(root, 0, names, output_name))
    while stack:
        current = stack.pop()
        described = nodes[ids[current]]
        for child in current.children:
            if child is None:
                continue
            child = _through_edges(child)
            if child not in ids:
                ids[child] = len(nodes)
                nodes.append(_describe(child, ids[child], names, None))
                stack.append(child)
            described.children.append(ids[child])
            edges.append((ids[child], ids[current]))
    if nodes[0].kind != "leaf":  # a leaf output (--of x) stays a leaf: it computes nothing
        nodes[0].kind = "output"
    return _renumbered(Graph(output_name, nodes, edges))


def _through_edges(node):
    """The node itself, for the OutputEdge into one of its outputs."""
    return node.node if isinstance(node, OutputEdge) else node


def _renumbered(graph: Graph) -> Graph:
    """Number nodes in the order a reader meets them: depth first, inputs in order."""
    order, seen, stack = [], set(), [0]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        order.append(current)
        stack.extend(reversed(graph.nodes[current].children))
    new_id = {old: new for new, old in enumerate(order)}
    nodes = [graph.nodes[old] for old in order]
    for node in nodes:
        node.id = new_id[node.id]
        node.children = [new_id[child] for child in node.children]
    edges = [(new_id[a], new_id[b]) for a, b in graph.edges]
    return Graph(graph.output_name, nodes, edges)


def _describe(node: Node, index: int, names: dict, output_name: str | None) -> GraphNode:
    if isinstance(node, AccumulateGrad):
        leaf = node.variable
        name, line = names.get(id(leaf), (None, None)) if leaf is not None else (None, None)
        array = leaf.array if leaf is not None else None
        return GraphNode(index, node, "AccumulateGrad", "leaf", name, line,
                         tuple(array.shape) if array is not None else None,
                         str(leaf.dtype) if leaf is not None else None)
    name, line = getattr(node, "label", None) or (None, None)
    if output_name is not None:
        name = output_name
    result = getattr(node, "result", None)
    shape = tuple(result.shape) if result is not None else None
    dtype = f"torch.{result.dtype.name}" if result is not None else None
    return GraphNode(index, node, node.name(), "op", name, line, shape, dtype,
                     saved=_saved(node, names))


def _saved(node, names) -> list:
    op = getattr(node, "op", None)
    if op is None or not op.saves or node.inputs is None:
        return []
    saved = []
    versions = node.versions or (None,) * len(node.inputs)
    for position, (item, version) in enumerate(zip(node.inputs, versions)):
        if isinstance(item, Tensor) and version is not None:
            name = names.get(id(item), (None, None))[0]
            saved.append((name or f"input {position}", tuple(item.array.shape)))
    if op.saves_result and node.result is not None:
        saved.append(("result", tuple(node.result.shape)))
    return saved


def node_values(node: Node):
    """The forward value a node produced, when the run kept it."""
    if isinstance(node, AccumulateGrad):
        leaf = node.variable
        return leaf.array if leaf is not None else None
    return getattr(node, "result", None)


def _recorder(node, visited):
    """A hook appending (node, the gradient it receives) to ``visited``; for a node of several
    outputs a pre hook, which sees all their gradients."""
    if node.num_outputs > 1:
        def record_outputs(grads):
            visited.append((node, OutputGrads({nr: np.array(g.array, copy=True)
                                               for nr, g in enumerate(grads) if g is not None})))
        return NodeHook(record_outputs, NodeHook.PRE)

    def record(grad):
        visited.append((node, np.array(grad.array, copy=True)))
    return record


def record_backward(output: Tensor, graph: Graph, inputs=None) -> list:
    """Run the real backward pass once and return ``[(node, gradient)]`` in the order the
    engine visits nodes, each gradient as the node uses it (after the program's own hooks).
    The graph and every ``.grad`` are left as they were."""
    visited: list = []
    added = []
    for described in graph.nodes:
        node = described.node
        if node.pre_hooks is None:
            node.pre_hooks = []

        record = _recorder(node, visited)
        node.pre_hooks.append(record)  # last: it sees what the user's hooks made of it
        added.append((node, record))
    try:
        targets = inputs if inputs is not None else [
            n.node.variable for n in graph.nodes if n.kind == "leaf" and n.node.variable is not None]
        run_backward((output,), (None,), True, False, inputs=targets or None, accumulate=False,
                     allow_unused=True)
    finally:
        for node, record in added:
            node.pre_hooks.remove(record)
    return visited
