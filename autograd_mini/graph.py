"""Looking at a graph: its nodes in order, and Graphviz DOT text (no graphviz needed)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Graph:
    """The tensors and ops that lead to a root, inputs before the ops that use them."""

    tensors: list = field(default_factory=list)
    ops: list = field(default_factory=list)
    #: ``(tensor, op)`` for each input of each op, and ``(op, tensor)`` for each op's result.
    edges: list = field(default_factory=list)


def collect(root) -> Graph:
    """Every tensor and op the root was computed from, constants (no grad) included.

    Ops are recorded only when some input requires grad (and, while a Replay
    traces, on constants too), so a tensor computed under ``no_grad()`` or from
    constants alone appears as a leaf.
    """
    graph = Graph()
    seen = set()
    stack = [(root, False)]
    while stack:  # iterative post-order: inputs are listed before their users
        tensor, inputs_done = stack.pop()
        if inputs_done:
            graph.tensors.append(tensor)
            if tensor.op is not None:
                graph.ops.append(tensor.op)
                graph.edges.extend((parent, tensor.op) for parent in tensor.op.inputs)
                graph.edges.append((tensor.op, tensor))
            continue
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        if tensor.op is not None:
            stack.extend((parent, False) for parent in reversed(tensor.op.inputs) if id(parent) not in seen)
    return graph


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def tensor_label(tensor) -> str:
    """``name`` (if any), shape, dtype and whether it gets a gradient."""
    lines = [_escape(tensor.name)] if tensor.name else []
    lines.append(f"{tensor.shape} {tensor.dtype}")
    if tensor.op is None:
        lines.append("requires grad" if tensor.requires_grad else "constant")
    return "\\n".join(lines)


def to_dot(root, name: str = "autograd_mini") -> str:
    """Graphviz DOT text of the graph that made ``root``.

    Tensors are boxes (leaves that require grad filled blue, constants grey),
    ops are ellipses; edges run from inputs to ops to results. Render it with
    ``dot -Tpng`` if graphviz is installed; producing the text needs nothing.
    """
    graph = collect(root)
    ids = {}

    def node_id(obj) -> str:
        return ids.setdefault(id(obj), f"n{len(ids)}")

    lines = [f"digraph {name} {{", "  rankdir=BT;", '  node [fontname="Helvetica", fontsize=10];']
    for tensor in graph.tensors:
        if tensor.op is None:
            fill = "lightblue" if tensor.requires_grad else "lightgrey"
        else:
            fill = "white"
        lines.append(f'  {node_id(tensor)} [shape=box, style=filled, fillcolor={fill}, label="{tensor_label(tensor)}"];')
    for op in graph.ops:
        lines.append(f'  {node_id(op)} [shape=ellipse, label="{_escape(op.describe())}"];')
    for source, target in graph.edges:
        lines.append(f"  {node_id(source)} -> {node_id(target)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
