"""The Tensor: a numpy array that remembers the op that made it."""
from __future__ import annotations

import itertools
import numbers

import numpy as np

from . import ops
from .anomaly import _AnomalyMode, check_forward, creation_site
from .grad_mode import _GradMode


def _to_float_array(data, requires_grad: bool) -> np.ndarray:
    """``data`` as an ndarray: float arrays keep their dtype, numbers and integers become float64."""
    array = data if isinstance(data, np.ndarray) else np.asarray(data)
    kind = array.dtype.kind
    if kind == "f":
        return array
    if kind in "biu":
        return array.astype(np.float64)
    what = f"an array of dtype {array.dtype}" if isinstance(data, np.ndarray) else type(data).__name__
    if requires_grad:
        raise TypeError(f"Tensor(requires_grad=True) needs real numbers, got {what}")
    raise TypeError(f"Tensor needs real numbers (bool, integer or float), got {what}")


# Every tensor gets the next number at creation. A tensor is always created
# after its inputs, so sorting by this number is a topological order of any graph.
_creation_counter = itertools.count()


class Tensor:
    """A numpy array in a computation graph.

    ``Tensor(data, requires_grad=False, name=None)`` wraps ``data`` without
    copying a float array (float32 stays float32); Python numbers, booleans and
    integer arrays become float64. A tensor made by an op keeps a reference to
    that op (``tensor.op``), whose ``inputs`` are the tensors it was applied to.

    ``backward()`` fills ``.grad`` of every leaf that requires grad (and of
    non-leaf tensors that called :meth:`retain_grad`). Gradients accumulate
    across calls, as in PyTorch: reset them with ``t.grad = None``.
    """

    __slots__ = ("data", "grad", "requires_grad", "op", "name", "_retains_grad", "_seq", "__weakref__")

    # Make ``ndarray <op> Tensor`` defer to Tensor's reflected operators.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False, name: str | None = None):
        if isinstance(data, Tensor):
            data = data.data
        self.data = _to_float_array(data, requires_grad)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.op = None
        self.name = name
        self._retains_grad = False
        self._seq = next(_creation_counter)

    @classmethod
    def _from_op(cls, data: np.ndarray, op, requires_grad: bool | None = None) -> "Tensor":
        # The fast constructor for op results: no conversion, no checks.
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = op is not None if requires_grad is None else requires_grad
        t.op = op
        t.name = None
        t._retains_grad = False
        t._seq = next(_creation_counter)
        return t

    # ------------------------------------------------------------------ array-like
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op."""
        return self.op is None

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (not a copy)."""
        return self.data

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's data, outside any graph."""
        return Tensor(self.data)

    def retain_grad(self) -> "Tensor":
        """Ask backward() to store this non-leaf tensor's gradient in ``.grad`` too."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True
        return self

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, threshold=20, edgeitems=2, prefix="Tensor(")
        parts = [body, f"shape={self.shape}", f"dtype={self.dtype}"]
        if self.name:
            parts.append(f"name={self.name!r}")
        if self.op is not None:
            parts.append(f"op={self.op.describe()}")
        elif self.requires_grad:
            parts.append("requires_grad=True")
        return f"Tensor({', '.join(parts)})"

    # ------------------------------------------------------------------ autodiff
    def backward(self, grad=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Backpropagate from this tensor; see :func:`autograd_mini.engine.backward`.

        ``create_graph=True`` makes every ``.grad`` it fills a Tensor that can be
        differentiated again (and keeps the graph unless ``retain_graph=False``).
        """
        from .engine import backward

        backward(self, grad, retain_graph, create_graph)

    # ------------------------------------------------------------------ ops
    def __add__(self, other):
        return _binary(ops.Add, self, other)

    def __radd__(self, other):
        return _binary(ops.Add, other, self)

    def __sub__(self, other):
        return _binary(ops.Sub, self, other)

    def __rsub__(self, other):
        return _binary(ops.Sub, other, self)

    def __mul__(self, other):
        return _binary(ops.Mul, self, other)

    def __rmul__(self, other):
        return _binary(ops.Mul, other, self)

    def __truediv__(self, other):
        return _binary(ops.Div, self, other)

    def __rtruediv__(self, other):
        return _binary(ops.Div, other, self)

    def __matmul__(self, other):
        return _binary(ops.MatMul, self, other)

    def __rmatmul__(self, other):
        return _binary(ops.MatMul, other, self)

    def __neg__(self):
        return apply(ops.Neg(), self)

    def __pow__(self, exponent):
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"Tensor ** needs a constant real exponent, got {type(exponent).__name__}")
        return apply(ops.Pow(exponent), self)

    def relu(self):
        """``max(x, 0)``; its gradient is 0 at the kink (see ``ops.ReLU``)."""
        return apply(ops.ReLU(), self)

    def sigmoid(self):
        """``1 / (1 + exp(-x))``, without overflow for any input (see ``ops.Sigmoid``)."""
        return apply(ops.Sigmoid(), self)

    def tanh(self):
        """The hyperbolic tangent, exactly +-1 far from 0 (see ``ops.Tanh``)."""
        return apply(ops.Tanh(), self)

    def log(self):
        """Natural log as numpy computes it: ``log(0) = -inf``, ``log(x < 0) = nan`` (see ``ops.Log``)."""
        return apply(ops.Log(), self)

    def exp(self):
        """``e ** x`` (see ``ops.Exp``)."""
        return apply(ops.Exp(), self)

    def sum(self, axis=None, keepdims: bool = False):
        """Sum over ``axis`` (None: all; an int or a tuple of ints), as ``ndarray.sum``."""
        return apply(ops.Sum(axis, keepdims), self)

    def mean(self, axis=None, keepdims: bool = False):
        """Mean over ``axis`` (None: all; an int or a tuple of ints), as ``ndarray.mean``."""
        return apply(ops.Mean(axis, keepdims), self)

    @property
    def T(self):
        return apply(ops.Transpose(), self)

    def transpose(self):
        return self.T

    def reshape(self, *shape):
        """The same elements in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply(ops.Reshape(shape), self)


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor; a Python number takes the float dtype of ``like``."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, np.ndarray):
        if isinstance(value, complex):
            raise TypeError("Tensor ops need real numbers, got a complex number")
        # A bare number must not promote a float32 tensor to float64.
        dtype = like.dtype if like is not None and like.dtype.kind == "f" else np.float64
        return Tensor(np.asarray(value, dtype=dtype))
    return Tensor(value)


def _binary(op_class, left, right) -> Tensor:
    if isinstance(left, Tensor):
        right = as_tensor(right, like=left)
    else:
        left = as_tensor(left, like=right)
    return apply(op_class(), left, right)


def apply(op, *inputs: Tensor) -> Tensor:
    """Run ``op`` forward on the inputs' arrays and, if needed, record it in the graph.

    The op is recorded when grad mode is on and at least one input requires
    grad; ``op.needs_input_grad`` tells it which VJPs (and saved arrays) will
    be wanted. While :class:`autograd_mini.Replay` traces, ops on constants
    alone are recorded too (their results still do not require grad): a
    replay must recompute ``1 - Y`` from the Y of each step, not keep the
    traced value. This runs once per op call, so it is kept lean: no checks on
    the happy path, a readable error when numpy refuses the operands.
    """
    needs = tuple([t.requires_grad for t in inputs])
    record = _GradMode.enabled and True in needs
    op.needs_input_grad = needs if record else (False,) * len(inputs)
    if _AnomalyMode.enabled:
        op.created_at = creation_site()
    try:
        out = op.forward(*[t.data for t in inputs])
    except ValueError:
        if op.broadcasts:
            _check_broadcast(op, inputs[0].shape, inputs[1].shape)
        raise
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if _AnomalyMode.enabled:
        check_forward(op, inputs, out)
    if record:
        op.inputs = inputs
        return Tensor._from_op(out, op)
    if _GradMode.tracing and _GradMode.enabled:
        op.inputs = inputs
        return Tensor._from_op(out, op, requires_grad=False)
    return Tensor._from_op(out, None)


def _check_broadcast(op, left: tuple, right: tuple) -> None:
    try:
        np.broadcast_shapes(left, right)
    except ValueError:
        raise ValueError(f"{op.name.lower()}: cannot broadcast shapes {left} and {right}") from None
