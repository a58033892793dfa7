"""Trace once, replay many times: the same forward and backward without rebuilding the graph.

A training loop builds the same graph every step: same ops, same shapes, only
the numbers in the leaves change. Eager mode pays for that in Python at every
op (a Tensor, an Op, a topological sort, dictionaries keyed by tensor). A
:class:`Replay` records the graph of one call of ``fn`` and then reruns its ops
over plain arrays held in numbered slots::

    replay = Replay(lambda: model.compute_cost(batch))    # runs fn once, eagerly
    for _ in range(iterations):
        cost = replay.forward()       # reads every leaf's current .data
        replay.backward()             # fills .grad of the leaves that require it
        ...update the leaves' .data...

Replay computes exactly what eager mode computes: the same op objects run
their same ``forward`` and ``backward`` in the same order, and the VJPs are
unbroadcast, cast and accumulated by the same rules (``tests/test_replay.py``
checks equality step for step). Like any tracer it records one path: Python
control flow that depends on values is frozen as it went during the trace, and
the leaves must keep the shapes and dtypes they had (checked, :class:`ReplayError`
otherwise). Leaves are read from the Tensor objects at every replay, so assign
new arrays to ``leaf.data`` rather than creating new leaf tensors. Everything
computed from leaves is recomputed, also what needs no gradient (``1 - Y``
from a new batch's labels): while tracing, ops on constants are recorded too.
"""
from __future__ import annotations

import numpy as np

from .anomaly import _AnomalyMode, check_forward
from .engine import conform, store_grad
from .graph import collect
from .grad_mode import _GradMode


class ReplayError(RuntimeError):
    """A leaf no longer matches the traced graph (shape or dtype changed)."""


def check_leaves(leaves, who: str = "Replay") -> list:
    """The current arrays of ``leaves`` ((tensor, traced shape, traced dtype) each), checked against the trace."""
    arrays = []
    for tensor, shape, dtype in leaves:
        data = tensor.data
        if data.shape != shape or data.dtype != dtype:
            raise _changed(who, shape, dtype, data)
        arrays.append(data)
    return arrays


def _changed(who, shape, dtype, data) -> ReplayError:
    return ReplayError(
        f"{who}: a leaf traced as {shape} {dtype} now holds {data.shape} {data.dtype}; "
        f"trace again for new shapes or dtypes"
    )


def trace(fn):
    """``fn()`` run with tracing on: ops on constants are recorded too (apply() says why), so
    that everything computed from a leaf can be recomputed from its current data. What
    :class:`Replay` and :func:`autograd_mini.compile` both start from."""
    previous, _GradMode.tracing = _GradMode.tracing, True
    try:
        return fn()
    finally:
        _GradMode.tracing = previous


class Replay:
    """The recorded graph of ``fn()``; see the module docstring."""

    def __init__(self, fn):
        root = trace(fn)
        if not hasattr(root, "op"):
            raise TypeError(f"Replay: fn must return a Tensor, got {type(root).__name__}")
        graph = collect(root)
        # Creation order, as eager backward() uses: the same order of every
        # VJP and every accumulation, so the same numbers to the last bit.
        graph.tensors.sort(key=lambda t: t._seq)
        slot = {id(t): i for i, t in enumerate(graph.tensors)}
        self.size = len(graph.tensors)
        self.root = slot[id(root)]
        self.root_shape, self.root_dtype, self.root_size = root.shape, root.dtype, root.data.size
        #: (slot, tensor, shape, dtype) of every leaf, read afresh at each forward.
        self.leaves = [(slot[id(t)], t, t.shape, t.dtype) for t in graph.tensors if t.op is None]
        #: (op, input slots, output slot), in an order where inputs come first.
        self.program = [
            (t.op, tuple(slot[id(p)] for p in t.op.inputs), slot[id(t)])
            for t in graph.tensors
            if t.op is not None
        ]
        #: The backward pass's schedule, computed once: output-last order, and
        #: for each op only the (position, slot) of the inputs that need a VJP.
        self.reverse_program = [
            (op, out, tuple((position, index) for position, (index, needed)
                            in enumerate(zip(inputs, op.needs_input_grad)) if needed))
            for op, inputs, out in reversed(self.program)
        ]
        #: Tensors whose gradient backward() stores: leaves that require grad and retain_grad() tensors.
        self.grad_owners = [
            (slot[id(t)], t) for t in graph.tensors if t.requires_grad and (t.op is None or t._retains_grad)
        ]
        self.requires_grad = root.requires_grad
        self.values = None

    def forward(self) -> np.ndarray:
        """Run the recorded ops on the leaves' current data; returns the root's value."""
        values = [None] * self.size
        for index, tensor, shape, dtype in self.leaves:
            data = tensor.data
            if data.shape != shape or data.dtype != dtype:
                raise _changed("Replay", shape, dtype, data)
            values[index] = data
        check = _AnomalyMode.enabled
        for op, inputs, out in self.program:
            result = op.forward(*[values[i] for i in inputs])
            if type(result) is not np.ndarray:
                result = np.asarray(result)
            if check:
                check_forward(op, op.inputs, result)
            values[out] = result
        self.values = values
        return values[self.root]

    def backward(self) -> None:
        """Backpropagate the last forward() from its one-element result (gradient 1).

        Gradients accumulate into ``.grad`` as in eager mode.
        """
        if self.values is None:
            raise RuntimeError("Replay.backward: call forward() first")
        if not self.requires_grad:
            raise RuntimeError("Replay.backward: the traced result does not require grad")
        if self.root_size != 1:
            raise RuntimeError(
                f"Replay.backward: the traced result has shape {self.root_shape}; "
                f"only a one-element result (a cost) can be backpropagated from"
            )
        grads = [None] * self.size
        grads[self.root] = np.ones(self.root_shape, dtype=self.root_dtype)
        check = _AnomalyMode.enabled
        values = self.values
        for op, out, wanted in self.reverse_program:
            g = grads[out]
            if g is None:
                continue
            vjps = op.backward(g)
            for position, index in wanted:
                vjp = vjps[position]
                like = values[index]
                # conform() is the one place that unbroadcasts and casts; most
                # VJPs already have their input's shape and dtype.
                if check or type(vjp) is not np.ndarray or vjp.shape != like.shape or vjp.dtype != like.dtype:
                    vjp = conform(op, position, vjp, like, check)
                previous = grads[index]
                grads[index] = vjp if previous is None else previous + vjp
            op.release()  # as eager mode does: free what the op saved for this pass
        self.values = None
        stored = set()
        for index, tensor in self.grad_owners:
            if grads[index] is not None:
                store_grad(tensor, grads[index], stored)
