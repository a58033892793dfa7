"""The base class of every recorded operation."""
from __future__ import annotations

import numpy as np


class GraphReleasedError(RuntimeError):
    """Raised on a second backward pass through a graph whose saved arrays were freed."""


class Op:
    """One call of an operation: a node of the graph.

    A subclass implements

    * ``forward(*arrays) -> ndarray``: the result, saving on ``self`` what the
      backward pass will need (only what ``self.needs_input_grad`` asks for);
    * ``backward(grad) -> tuple``: one vector-Jacobian product per input, ``None``
      where ``needs_input_grad`` is false. A VJP may keep the broadcast shape of
      the output: the engine sums it back to the input's shape.
    * ``backward_graph(grad, out) -> tuple`` (for ``create_graph=True``): the same
      VJPs computed with Tensor operations from the Tensor ``grad``, the input
      tensors ``self.inputs`` and the result tensor ``out``, so that they are
      recorded and can be differentiated again. An op without it supports
      first derivatives only.

    The engine sets ``needs_input_grad`` before calling ``forward`` so that an op
    can skip saving (and later computing) what nobody needs. ``inputs`` holds the
    input tensors in call order once the op is recorded in a graph.
    """

    __slots__ = ("inputs", "needs_input_grad", "released", "created_at")

    #: Short name used in reprs, error messages and graph drawings.
    name = "Op"
    #: Attributes freed by :meth:`release`; subclasses list what they save.
    saved = ()
    #: True for elementwise binary ops: when numpy refuses their operands, the
    #: engine's error names the op and both shapes.
    broadcasts = False

    def __init__(self):
        self.inputs = ()
        self.needs_input_grad = ()
        self.released = False
        self.created_at = None

    def forward(self, *arrays: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward_graph(self, grad, out) -> tuple:
        raise NotImplementedError(
            f"{self.describe()} has no backward_graph(): it supports first derivatives only, "
            f"not create_graph=True"
        )

    def code(self, e, out, *ins):
        raise NotImplementedError(f"{self.describe()} has no code(): it cannot be compiled")

    def vjp_code(self, e, g, out, *ins):
        raise NotImplementedError(f"{self.describe()} has no vjp_code(): it cannot be compiled")

    def release(self) -> None:
        """Free the arrays saved for the backward pass."""
        for attr in self.saved:
            setattr(self, attr, None)
        self.released = True

    def describe(self) -> str:
        """The op's name and, for ops with settings, those settings."""
        return self.name

    def __repr__(self) -> str:
        shapes = ", ".join(str(t.shape) for t in self.inputs)
        return f"<{self.describe()} of ({shapes})>"
