"""Looking at the graph: tensor.op / op.inputs, and DOT output."""
import re

import numpy as np

from autograd_mini import Tensor, no_grad, ops
from autograd_mini.graph import collect, to_dot

QUOTED = r'"(?:[^"\\]|\\.)*"'
NODE_RE = re.compile(r"^\s*(\w+)\s*\[(.*)\];\s*$")
EDGE_RE = re.compile(r"^\s*(\w+)\s*->\s*(\w+)\s*;\s*$")


def parse_dot(text):
    """A small checker for the subset of DOT that to_dot writes; returns (nodes, edges).

    nodes maps id -> label. Fails (AssertionError) on anything unexpected:
    unbalanced braces outside strings, unterminated strings, undeclared edge endpoints.
    """
    assert text.startswith("digraph"), text[:40]
    stripped = re.sub(QUOTED, '""', text)
    assert stripped.count('"') % 2 == 0, "unterminated string"
    depth = 0
    for ch in stripped:
        depth += ch == "{"
        depth -= ch == "}"
        assert depth >= 0
    assert depth == 0, "unbalanced braces"
    body = text[text.index("{") + 1 : text.rindex("}")]
    nodes, edges = {}, []
    for line in body.splitlines():
        if not line.strip():
            continue
        if m := EDGE_RE.match(line):
            edges.append((m.group(1), m.group(2)))
            continue
        if m := NODE_RE.match(line):
            if m.group(1) in ("node", "edge", "graph"):
                continue
            attrs = m.group(2)
            # every attribute is key=value with a bare word or a properly quoted string
            rest = re.sub(r"\s*(\w+)\s*=\s*(" + QUOTED + r"|[\w.#]+)\s*,?", "", attrs)
            assert rest.strip() == "", f"bad attribute list: {attrs!r}"
            label = re.search(r"label\s*=\s*(" + QUOTED + ")", attrs)
            nodes[m.group(1)] = label.group(1)[1:-1] if label else ""
            continue
        if re.match(r"^\s*\w+\s*=\s*\w+\s*;\s*$", line):  # rankdir=BT;
            continue
        raise AssertionError(f"unexpected DOT line: {line!r}")
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} has an undeclared endpoint"
    return nodes, edges


def test_op_and_inputs_in_order():
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    X = Tensor(np.ones((3, 4)))
    b = Tensor(np.zeros((2, 1)), requires_grad=True)
    Z = W @ X + b
    assert isinstance(Z.op, ops.Add)
    product, bias = Z.op.inputs
    assert bias is b
    assert isinstance(product.op, ops.MatMul)
    assert product.op.inputs[0] is W and product.op.inputs[1] is X
    assert W.op is None and X.op is None
    # order, not identity sets: x - y and y - x differ
    y = Tensor(1.0, requires_grad=True)
    d = y - W
    assert d.op.inputs[0] is y and d.op.inputs[1] is W
    d2 = W - y
    assert d2.op.inputs[0] is W and d2.op.inputs[1] is y


def test_python_number_becomes_a_constant_input():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = 2 - x
    left, right = y.op.inputs
    assert right is x and left.requires_grad is False and float(left.data) == 2.0


def test_same_tensor_twice_is_listed_twice():
    x = Tensor([1.0], requires_grad=True)
    y = x * x
    assert y.op.inputs == (x, x) or list(y.op.inputs) == [x, x]


def test_to_dot_is_valid_and_names_ops_and_shapes():
    W = Tensor(np.ones((2, 3)), requires_grad=True, name="W")
    X = Tensor(np.ones((3, 4)), name="X")
    b = Tensor(np.zeros((2, 1)), requires_grad=True, name="b")
    A = (W @ X + b).relu()
    cost = A.mean(axis=1).sum()
    text = to_dot(cost)
    nodes, edges = parse_dot(text)
    labels = "\n".join(nodes.values())
    for op_name in ("MatMul", "Add", "ReLU", "Mean", "Sum"):
        assert op_name in labels, op_name
    for shape in ("(2, 3)", "(3, 4)", "(2, 1)", "(2, 4)", "(2,)", "()"):
        assert shape in labels, shape
    assert "W" in labels and "X" in labels
    # 5 ops, 6 result/leaf tensors... every op has its inputs and one output as edges
    op_nodes = [n for n, label in nodes.items() if label.split("(")[0] in {"MatMul", "Add", "ReLU", "Mean", "Sum"}]
    assert len(op_nodes) == 5
    incoming = {n: [a for a, b2 in edges if b2 == n] for n in op_nodes}
    outgoing = {n: [b2 for a, b2 in edges if a == n] for n in op_nodes}
    assert sorted(len(v) for v in incoming.values()) == [1, 1, 1, 2, 2]
    assert all(len(v) == 1 for v in outgoing.values())
    assert len(nodes) == 5 + 8  # 3 leaves + 5 results


def test_to_dot_of_a_leaf_and_of_a_diamond():
    x = Tensor(3.0, requires_grad=True)
    nodes, edges = parse_dot(to_dot(x))
    assert len(nodes) == 1 and edges == []
    y = (x + x) * x
    nodes, edges = parse_dot(to_dot(y))
    # x appears once although it is used three times
    assert sum(1 for label in nodes.values() if label.startswith("() float64") and "requires grad" in label) == 1
    assert len(edges) == 2 + 1 + 2 + 1


def test_to_dot_of_a_long_chain():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):
        y = y + 1.0
    nodes, edges = parse_dot(to_dot(y))
    assert len(nodes) == 1 + 3000 + 3000 + 3000  # x, constants, ops, results


def test_collect_lists_inputs_before_users():
    x = Tensor([1.0], requires_grad=True)
    y = (x.exp() * x).sigmoid()
    graph = collect(y)
    position = {id(t): i for i, t in enumerate(graph.tensors)}
    for op in graph.ops:
        for parent in op.inputs:
            assert id(parent) in position
    for t in graph.tensors:
        if t.op is not None:
            assert all(position[id(p)] < position[id(t)] for p in t.op.inputs)


def test_no_grad_result_is_a_leaf_in_the_drawing():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
    nodes, edges = parse_dot(to_dot(y))
    assert len(nodes) == 1 and not edges


def test_to_dot_escapes_quotes_in_names():
    x = Tensor([1.0], requires_grad=True, name='say "hi"')
    parse_dot(to_dot(x * 2))
