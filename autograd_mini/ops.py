"""The operations the engine records: one small class each.

Each docstring states the forward map and its vector-Jacobian product (VJP):
for an output ``y = f(x)`` and an upstream gradient ``g = dL/dy``, the VJP is
``dL/dx``. VJPs may keep the broadcast shape of the output; the engine sums
them back to each input's shape (:func:`autograd_mini.broadcast.sum_to_shape`).

Every op writes its VJP twice, from the same formula: ``backward(g)`` on plain
arrays (first derivatives, what training runs), and ``backward_graph(g, out)``
on Tensors, where ``g``, the inputs (``self.inputs``) and the result ``out``
are graph nodes and every operation is recorded, so that the VJP itself can be
differentiated (``create_graph=True``). The graph version reads the op's input
tensors rather than the arrays ``forward`` saved: those are only what the
first-order formula needs, and they are freed after a pass.
"""
from __future__ import annotations

import numpy as np

from . import tuning
from .broadcast import sum_to_shape
from .dtypes import scalar_like
from .op import Op


def _normalize_axes(axis, ndim: int):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for an array with {ndim} dimensions")
        normalized.append(int(a) % ndim if ndim else 0)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"repeated axis in {axis!r}")
    return tuple(sorted(normalized))


def _apply(op, *inputs):
    # Imported here: tensor.py imports this module. Only graph VJPs come here.
    from .tensor import apply

    return apply(op, *inputs)


def _constant(array):
    from .tensor import Tensor

    return Tensor(array)


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` kept as size 1 (what ``keepdims=True`` gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def broadcast_to(x, shape: tuple):
    """``x`` broadcast to ``shape`` as a recorded op (itself when the shapes agree)."""
    shape = tuple(shape)
    return x if x.shape == shape else _apply(BroadcastTo(shape), x)


def sum_to(x, shape: tuple):
    """``x`` summed back to ``shape`` as a recorded op: :func:`sum_to_shape` in the graph."""
    shape = tuple(shape)
    return x if x.shape == shape else _apply(SumToShape(shape), x)


def cast(x, dtype):
    """``x`` in ``dtype`` as a recorded op (itself when it already is)."""
    return x if x.dtype == dtype else _apply(Cast(dtype), x)


# --------------------------------------------------------------------------- binary


def _check_product(op_name: str, a: np.ndarray, b: np.ndarray, ndims: tuple) -> None:
    """Refuse operands of a matrix product with a message naming the op and both shapes."""
    if a.ndim not in ndims or b.ndim not in ndims:
        allowed = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{op_name}: operands must be {allowed}, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[0]:
        raise ValueError(
            f"{op_name}: shapes {a.shape} and {b.shape} do not align: "
            f"{a.shape[-1]} (last axis of the left) != {b.shape[0]} (first axis of the right)"
        )


class Add(Op):
    """``y = a + b`` (broadcasting). VJP: ``da = g``, ``db = g``."""

    __slots__ = ()
    name = "Add"
    broadcasts = True

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g

    def backward_graph(self, g, out):
        return g, g

    def code(self, e, out, a, b):
        return f"{a} + {b}"

    def vjp_code(self, e, g, out, a, b):
        return g, g


class Sub(Op):
    """``y = a - b`` (broadcasting). VJP: ``da = g``, ``db = -g``."""

    __slots__ = ()
    name = "Sub"
    broadcasts = True

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)

    def backward_graph(self, g, out):
        return g, (-g if self.needs_input_grad[1] else None)

    def code(self, e, out, a, b):
        return f"{a} - {b}"

    def vjp_code(self, e, g, out, a, b):
        return g, f"-{g}"


class Mul(Op):
    """``y = a * b`` (broadcasting). VJP: ``da = g * b``, ``db = g * a``."""

    __slots__ = ("a", "b")
    name = "Mul"
    broadcasts = True
    saved = ("a", "b")

    def forward(self, a, b):
        need_a, need_b = self.needs_input_grad
        self.a = a if need_b else None
        self.b = b if need_a else None
        return a * b

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        return (g * self.b if need_a else None, g * self.a if need_b else None)

    def backward_graph(self, g, out):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        return (g * b if need_a else None, g * a if need_b else None)

    def code(self, e, out, a, b):
        return f"{a} * {b}"

    def vjp_code(self, e, g, out, a, b):
        return f"{g} * {b}", f"{g} * {a}"


class Div(Op):
    """``y = a / b`` (broadcasting). VJP: ``da = g / b``, ``db = -g * a / b**2 = -g * y / b``."""

    __slots__ = ("b", "out")
    name = "Div"
    broadcasts = True
    saved = ("b", "out")

    def forward(self, a, b):
        out = a / b
        need_a, need_b = self.needs_input_grad
        self.b = b if (need_a or need_b) else None
        self.out = out if need_b else None
        return out

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        da = g / self.b if need_a else None
        db = -g * self.out / self.b if need_b else None
        return da, db

    def backward_graph(self, g, out):
        b = self.inputs[1]
        need_a, need_b = self.needs_input_grad
        return (g / b if need_a else None, -g * out / b if need_b else None)

    def code(self, e, out, a, b):
        return f"{a} / {b}"

    def vjp_code(self, e, g, out, a, b):
        return f"{g} / {b}", f"-{g} * {out} / {b}"


class MatMul(Op):
    """``y = a @ b`` for 2-D operands, a 1-D operand acting as numpy treats it.

    With 2-D operands the VJPs are ``da = g @ b.T`` and ``db = a.T @ g``. A 1-D
    ``a`` is a row ``(1, n)`` and a 1-D ``b`` a column ``(n, 1)`` whose added axis
    numpy drops from the result; the VJPs are computed on the 2-D views and
    reshaped back. Each VJP is computed only if its input needs a gradient, and
    only the operand that VJP needs is saved. 2-D products, the VJPs' included,
    run in the orientation measured fastest (:mod:`autograd_mini.tuning`).
    """

    __slots__ = ("a", "b", "a_shape", "b_shape")
    name = "MatMul"
    saved = ("a", "b")

    def forward(self, a, b):
        _check_product("matmul", a, b, (1, 2))
        need_a, need_b = self.needs_input_grad
        self.a = a if need_b else None
        self.b = b if need_a else None
        self.a_shape, self.b_shape = a.shape, b.shape
        if a.ndim == 2 and b.ndim == 2:
            return tuning.matmul(a, b)
        return a @ b

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        if len(self.a_shape) == 2 and len(self.b_shape) == 2:
            return (tuning.matmul(g, self.b.T) if need_a else None, tuning.matmul(self.a.T, g) if need_b else None)
        rows = 1 if len(self.a_shape) == 1 else self.a_shape[0]
        cols = 1 if len(self.b_shape) == 1 else self.b_shape[1]
        g2 = g.reshape(rows, cols)
        da = db = None
        if need_a:
            b2 = self.b.reshape(self.b_shape[0], cols)
            da = (g2 @ b2.T).reshape(self.a_shape)
        if need_b:
            a2 = self.a.reshape(rows, self.a_shape[-1])
            db = (a2.T @ g2).reshape(self.b_shape)
        return da, db

    def backward_graph(self, g, out):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        if len(self.a_shape) == 2 and len(self.b_shape) == 2:
            return (g @ b.T if need_a else None, a.T @ g if need_b else None)
        # The same 2-D views as backward(), each a recorded reshape.
        rows = 1 if len(self.a_shape) == 1 else self.a_shape[0]
        cols = 1 if len(self.b_shape) == 1 else self.b_shape[1]
        g2 = g.reshape(rows, cols)
        da = db = None
        if need_a:
            da = (g2 @ b.reshape(self.b_shape[0], cols).T).reshape(self.a_shape)
        if need_b:
            db = (a.reshape(rows, self.a_shape[-1]).T @ g2).reshape(self.b_shape)
        return da, db

    def code(self, e, out, a, b):
        if len(self.a_shape) == 2 and len(self.b_shape) == 2:
            return e.mm(a, b)
        return f"{a} @ {b}"

    def vjp_code(self, e, g, out, a, b):
        if len(self.a_shape) == 2 and len(self.b_shape) == 2:
            return e.mm(g, f"{b}.T"), e.mm(f"{a}.T", g)
        rows = 1 if len(self.a_shape) == 1 else self.a_shape[0]
        cols = 1 if len(self.b_shape) == 1 else self.b_shape[1]
        g2 = e.temp("g2")
        e.line(f"{g2} = {g}.reshape({rows}, {cols})")
        return (f"({g2} @ {b}.reshape({self.b_shape[0]}, {cols}).T).reshape({self.a_shape!r})",
                f"({a}.reshape({rows}, {self.a_shape[-1]}).T @ {g2}).reshape({self.b_shape!r})")


class Affine(Op):
    """``y = w @ x + c`` for 2-D ``w`` and ``x``, ``c`` broadcast to the product's shape.

    One op instead of a MatMul and an Add: one node less to record and visit,
    and the sum is done in place on the fresh product, so no temporary. VJPs:
    ``dw = g @ x.T``, ``dx = w.T @ g``, ``dc = g`` (the engine sums it to ``c``'s
    shape, as for any broadcast input). The products run in the orientation
    measured fastest (:mod:`autograd_mini.tuning`).
    """

    __slots__ = ("w", "x")
    name = "Affine"
    saved = ("w", "x")

    def forward(self, w, x, c):
        _check_product("affine", w, x, (2,))
        product = tuning.matmul(w, x)
        # No shape or dtype checks up front: this runs once per layer per step.
        # numpy refuses a c that does not broadcast, and a c larger than the
        # product would change the result's shape; both are reported below.
        try:
            if c.dtype == product.dtype:
                product += c  # in place: the product is fresh, no temporary needed
                out = product
            else:
                out = product + c  # promote as W @ X + b would
        except ValueError:
            out = None
        if out is None or out.shape != product.shape:
            raise ValueError(
                f"affine: c of shape {c.shape} does not broadcast to the product's shape {product.shape}"
            )
        need_w, need_x, _ = self.needs_input_grad
        self.w = w if need_x else None
        self.x = x if need_w else None
        return out

    def backward(self, g):
        need_w, need_x, need_c = self.needs_input_grad
        return (tuning.matmul(g, self.x.T) if need_w else None, tuning.matmul(self.w.T, g) if need_x else None,
                g if need_c else None)

    def backward_graph(self, g, out):
        w, x, _ = self.inputs
        need_w, need_x, need_c = self.needs_input_grad
        return (g @ x.T if need_w else None, w.T @ g if need_x else None, g if need_c else None)

    def code(self, e, out, w, x, c):
        if not e.tuned:
            return f"{e.mm(w, x)} + {c}"
        e.line(f"{out} = {e.mm(w, x)}")
        same = e.dtype_of(c) == np.result_type(e.dtype_of(w), e.dtype_of(x))
        e.line(f"{out} += {c}" if same else f"{out} = {out} + {c}")  # as forward(): in place when it can
        return None

    def vjp_code(self, e, g, out, w, x, c):
        return e.mm(g, f"{x}.T"), e.mm(f"{w}.T", g), g


# --------------------------------------------------------------------------- unary


class Neg(Op):
    """``y = -x``. VJP: ``dx = -g``."""

    __slots__ = ()
    name = "Neg"

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)

    def backward_graph(self, g, out):
        return (-g,)

    def code(self, e, out, x):
        return f"-{x}"

    def vjp_code(self, e, g, out, x):
        return (f"-{g}",)


class Pow(Op):
    """``y = x ** p`` for a constant real ``p``. VJP: ``dx = g * p * x ** (p - 1)``."""

    __slots__ = ("exponent", "x")
    name = "Pow"
    saved = ("x",)

    def __init__(self, exponent):
        super().__init__()
        self.exponent = exponent

    def describe(self):
        return f"Pow({self.exponent})"

    def forward(self, x):
        self.x = x if self.needs_input_grad[0] else None
        return x ** scalar_like(self.exponent, x)

    def backward(self, g):
        p = self.exponent
        if p == 0:  # x ** 0 is constant; p * x ** -1 would be 0 * inf = nan at x = 0
            return (np.zeros_like(g * self.x),)
        return (g * scalar_like(p, g) * self.x ** scalar_like(p - 1, self.x),)

    def backward_graph(self, g, out):
        p = self.exponent
        if p == 0:
            return (g * 0.0,)  # as backward(): zero, never 0 * inf, and still shaped like g
        return (g * (self.inputs[0] ** (p - 1) * p),)

    def code(self, e, out, x):
        return f"{x} ** {e.number(self.exponent, x)}"

    def vjp_code(self, e, g, out, x):
        p = self.exponent
        if p == 0:
            return (f"np.zeros_like({g} * {x})",)
        return (f"{g} * {e.number(p, g)} * {x} ** {e.number(p - 1, x)}",)


class ReLU(Op):
    """``y = max(x, 0)``. VJP: ``dx = g`` where ``x > 0``, else 0 (0 at the kink, as the post)."""

    __slots__ = ("mask",)
    name = "ReLU"
    saved = ("mask",)

    def forward(self, x):
        self.mask = (x > 0) if self.needs_input_grad[0] else None
        return np.maximum(x, scalar_like(0, x))

    def backward(self, g):
        return (g * self.mask,)

    def backward_graph(self, g, out):
        # The mask is piecewise constant in x: its own derivative is 0, so it
        # enters the graph as a constant.
        x = self.inputs[0].data
        return (g * _constant((x > 0).astype(g.dtype)),)

    def code(self, e, out, x):
        return f"np.maximum({x}, {e.number(0, x)})"

    def vjp_code(self, e, g, out, x):
        return (f"{g} * ({x} > 0)",)


def stable_sigmoid(x: np.ndarray, e: np.ndarray | None = None) -> np.ndarray:
    """``1 / (1 + exp(-x))`` without overflow for any float input, in ``x``'s dtype.

    ``exp`` only ever sees ``-|x| <= 0``, so it cannot overflow; for ``x >= 0`` the
    result is ``1 / (1 + e)`` and for ``x < 0`` it is ``e / (1 + e)`` with
    ``e = exp(-|x|)`` (pass ``e`` when it is already at hand), the same number
    written so that no term is huge.
    """
    if e is None:
        e = _exp_of_non_positive(-np.abs(x))
    one = scalar_like(1, x)
    return np.where(x >= 0, one, e) / (one + e)


def _exp_of_non_positive(x: np.ndarray) -> np.ndarray:
    # exp underflows to 0 for very negative x, which is the right answer; keep
    # it quiet even where the caller made numpy raise on underflow.
    with np.errstate(under="ignore"):
        return np.exp(x)


class Sigmoid(Op):
    """``y = 1 / (1 + exp(-x))``, computed stably. VJP: ``dx = g * y * (1 - y)`` (y saved)."""

    __slots__ = ("out",)
    name = "Sigmoid"
    saved = ("out",)

    def forward(self, x):
        out = stable_sigmoid(x)
        self.out = out if self.needs_input_grad[0] else None
        return out

    def backward(self, g):
        y = self.out
        return (g * y * (scalar_like(1, y) - y),)

    def backward_graph(self, g, out):
        return (g * (out * (1 - out)),)

    def code(self, e, out, x):
        return e.stable_sigmoid(x)

    def vjp_code(self, e, g, out, x):
        return (f"{g} * {out} * ({e.number(1, out)} - {out})",)


class Tanh(Op):
    """``y = tanh(x)``. VJP: ``dx = g * (1 - y^2)`` (y saved).

    numpy's tanh is exact at the limits: it returns +-1 for large |x| with no
    overflow and no warning, and ``1 - y^2`` is then exactly 0.
    """

    __slots__ = ("out",)
    name = "Tanh"
    saved = ("out",)

    def forward(self, x):
        out = np.tanh(x)
        self.out = out if self.needs_input_grad[0] else None
        return out

    def backward(self, g):
        y = self.out
        return (g * (scalar_like(1, y) - y * y),)

    def backward_graph(self, g, out):
        return (g * (1 - out * out),)

    def code(self, e, out, x):
        return f"np.tanh({x})"

    def vjp_code(self, e, g, out, x):
        return (f"{g} * ({e.number(1, out)} - {out} * {out})",)


class Log(Op):
    """``y = log(x)``. VJP: ``dx = g / x``.

    As numpy: ``log(0) = -inf`` and ``log(x < 0) = nan``, each with numpy's
    RuntimeWarning, and the VJP at 0 is ``±inf`` (or nan when ``g`` is 0).
    Under :func:`autograd_mini.detect_anomaly` either raises an error instead.
    """

    __slots__ = ("x",)
    name = "Log"
    saved = ("x",)

    def forward(self, x):
        self.x = x if self.needs_input_grad[0] else None
        return np.log(x)

    def backward(self, g):
        return (g / self.x,)

    def backward_graph(self, g, out):
        return (g / self.inputs[0],)

    def code(self, e, out, x):
        return f"np.log({x})"

    def vjp_code(self, e, g, out, x):
        return (f"{g} / {x}",)


class Exp(Op):
    """``y = exp(x)``. VJP: ``dx = g * y`` (y saved)."""

    __slots__ = ("out",)
    name = "Exp"
    saved = ("out",)

    def forward(self, x):
        out = np.exp(x)
        self.out = out if self.needs_input_grad[0] else None
        return out

    def backward(self, g):
        return (g * self.out,)

    def backward_graph(self, g, out):
        return (g * out,)

    def code(self, e, out, x):
        return f"np.exp({x})"

    def vjp_code(self, e, g, out, x):
        return (f"{g} * {out}",)


# --------------------------------------------------------------------------- reductions


class Sum(Op):
    """``y = x.sum(axis, keepdims)``. VJP: ``g`` with the summed axes restored, broadcast to ``x``'s shape."""

    __slots__ = ("axis", "keepdims", "in_shape", "axes")
    name = "Sum"

    def __init__(self, axis=None, keepdims=False):
        super().__init__()
        self.axis, self.keepdims = axis, keepdims

    def describe(self):
        if self.axis is None and not self.keepdims:
            return self.name
        return f"{self.name}(axis={self.axis}, keepdims={self.keepdims})"

    def forward(self, x):
        self.in_shape = x.shape
        self.axes = _normalize_axes(self.axis, x.ndim)
        return self._reduce(x)

    def _reduce(self, x):
        return np.sum(x, axis=self.axes, keepdims=self.keepdims)

    def _expand(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return np.broadcast_to(g, self.in_shape)

    def backward(self, g):
        return (self._expand(g),)

    def _expand_graph(self, g):
        if not self.keepdims:
            g = g.reshape(_kept_shape(self.in_shape, self.axes))
        return broadcast_to(g, self.in_shape)

    def backward_graph(self, g, out):
        return (self._expand_graph(g),)

    def code(self, e, out, x):
        return f"np.{self.name.lower()}({x}, axis={self.axes!r}, keepdims={self.keepdims})"

    def _expand_code(self, g):
        if not self.keepdims:
            g = f"np.expand_dims({g}, {self.axes!r})"
        return f"np.broadcast_to({g}, {self.in_shape!r})"

    def vjp_code(self, e, g, out, x):
        return (self._expand_code(g),)


class Mean(Sum):
    """``y = x.mean(axis, keepdims)``. VJP: ``g / n`` broadcast back, ``n`` the number of averaged elements."""

    __slots__ = ()
    name = "Mean"

    def _reduce(self, x):
        return np.mean(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        return (self._expand(g / scalar_like(self._count(), g)),)

    def _count(self) -> int:
        count = 1
        for a in self.axes:
            count *= self.in_shape[a]
        return count

    def backward_graph(self, g, out):
        return (self._expand_graph(g * (1.0 / self._count())),)

    def vjp_code(self, e, g, out, x):
        return (self._expand_code(f"{g} / {e.number(self._count(), g)}"),)


# --------------------------------------------------------------------------- shape


class Transpose(Op):
    """``y = x.T`` (all axes reversed). VJP: ``dx = g.T``."""

    __slots__ = ()
    name = "Transpose"

    def forward(self, x):
        return x.T

    def backward(self, g):
        return (g.T,)

    def backward_graph(self, g, out):
        return (g.T,)

    def code(self, e, out, x):
        return f"{x}.T"

    def vjp_code(self, e, g, out, x):
        return (f"{g}.T",)


class Reshape(Op):
    """``y = x.reshape(shape)``. VJP: ``dx = g.reshape(x.shape)``."""

    __slots__ = ("shape", "in_shape")
    name = "Reshape"

    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def describe(self):
        return f"Reshape{tuple(self.shape)}"

    def forward(self, x):
        self.in_shape = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape an array of shape {x.shape} "
                f"({x.size} elements) into shape {tuple(self.shape)}"
            ) from None

    def backward(self, g):
        return (g.reshape(self.in_shape),)

    def backward_graph(self, g, out):
        return (g.reshape(self.in_shape),)

    def code(self, e, out, x):
        return f"{x}.reshape({self.shape!r})"

    def vjp_code(self, e, g, out, x):
        return (f"{g}.reshape({self.in_shape!r})",)


class BroadcastTo(Op):
    """``y = broadcast_to(x, shape)``. VJP: ``dx = sum_to_shape(g, x.shape)``.

    Only graph VJPs create it (Sum's and Mean's). Its array VJP returns ``g``
    as it is: undoing the broadcast is the engine's central job, done by
    :func:`sum_to_shape` in ``conform`` (or by :class:`SumToShape` in a graph).
    """

    __slots__ = ("shape",)
    name = "BroadcastTo"

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def describe(self):
        return f"BroadcastTo{self.shape}"

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g):
        return (g,)

    def backward_graph(self, g, out):
        return (g,)

    def code(self, e, out, x):
        return f"np.broadcast_to({x}, {self.shape!r})"

    def vjp_code(self, e, g, out, x):
        return (g,)


class SumToShape(Op):
    """``y = sum_to_shape(x, shape)``: the engine's unbroadcasting, recorded.

    VJP: ``dx = broadcast_to(g, x.shape)`` (every summed element had weight 1).
    The engine creates it when a graph VJP has its output's broadcast shape
    and the graph is kept (``create_graph=True``).
    """

    __slots__ = ("shape", "in_shape")
    name = "SumToShape"

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def describe(self):
        return f"SumToShape{self.shape}"

    def forward(self, x):
        self.in_shape = x.shape
        return sum_to_shape(x, self.shape)

    def backward(self, g):
        return (np.broadcast_to(g, self.in_shape),)

    def backward_graph(self, g, out):
        return (broadcast_to(g, self.in_shape),)

    def code(self, e, out, x):
        return e.sum_to(x, self.in_shape, self.shape)

    def vjp_code(self, e, g, out, x):
        return (f"np.broadcast_to({g}, {self.in_shape!r})",)


class Cast(Op):
    """``y = x`` converted to ``dtype``. VJP: ``dx = g`` converted back to ``x``'s dtype.

    The engine creates it when a graph VJP came out in a wider dtype than its
    input (a float32 tensor times a float64 one).
    """

    __slots__ = ("dtype", "in_dtype")
    name = "Cast"

    def __init__(self, dtype):
        super().__init__()
        self.dtype = np.dtype(dtype)

    def describe(self):
        return f"Cast({self.dtype})"

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, g):
        return (g.astype(self.in_dtype),)

    def backward_graph(self, g, out):
        return (cast(g, self.in_dtype),)

    def code(self, e, out, x):
        return f"{x}.astype({e.dtype_text(self.dtype)})"

    def vjp_code(self, e, g, out, x):
        return (f"{g}.astype({e.dtype_text(self.in_dtype)})",)


# --------------------------------------------------------------------------- losses


class SumOfSquares(Op):
    """``y = start + sum(x1**2) + sum(x2**2) + ...`` (a scalar), summed left to right.

    VJPs: ``dstart = g``, ``dxi = (2 g) xi``. An L2 penalty over many weight
    matrices is one node instead of a Mul, a Sum and an Add per matrix: in a
    small network's step those nodes cost more than their arithmetic. The
    values and gradients are those of ``start + (x1 * x1).sum() + ...`` written
    with separate ops, to the last bit (the same products and sums in the same
    order; doubling is exact).
    """

    __slots__ = ("xs",)
    name = "SumOfSquares"
    saved = ("xs",)

    def forward(self, start, *xs):
        total = start
        for x in xs:
            total = total + np.sum(np.square(x))
        self.xs = xs
        return np.asarray(total)

    def backward(self, g):
        needs = self.needs_input_grad
        twice = scalar_like(2, g) * g
        return (g if needs[0] else None,) + tuple(
            twice * x if need else None for x, need in zip(self.xs, needs[1:])
        )

    def backward_graph(self, g, out):
        needs = self.needs_input_grad
        twice = g * 2.0
        return (g if needs[0] else None,) + tuple(
            x * twice if need else None for x, need in zip(self.inputs[1:], needs[1:])
        )

    def code(self, e, out, start, *xs):
        total = start
        for x in xs:
            total = f"{total} + np.sum(np.square({x}))"
        return total

    def vjp_code(self, e, g, out, start, *xs):
        twice = e.temp("twice")
        e.line(f"{twice} = {e.number(2, g)} * {g}")
        return (g,) + tuple(f"{twice} * {x}" for x in xs)


class BinaryCrossEntropyWithLogits(Op):
    """Fused, stable binary cross-entropy of logits ``z`` against targets ``y``.

    ``cost = (1/m) sum( max(z, 0) - z*y + log(1 + exp(-|z|)) )`` with ``m`` the
    number of columns (examples): the same value as
    ``-(1/m) sum(y log s + (1-y) log(1-s))`` for ``s = sigmoid(z)``, but finite for
    any finite ``z``. VJPs: ``dz = g * (s - y) / m`` (s saved from the forward
    pass) and ``dy = -g * z / m``.
    """

    __slots__ = ("m", "s", "y", "z")
    name = "BCEWithLogits"
    saved = ("s", "y", "z")

    def forward(self, z, y):
        self.m = z.shape[-1] if z.ndim else 1
        need_z, need_y = self.needs_input_grad
        e = _exp_of_non_positive(-np.abs(z))
        losses = np.maximum(z, scalar_like(0, z)) - z * y + np.log1p(e)
        self.s = stable_sigmoid(z, e) if need_z else None
        self.y = y if need_z else None
        self.z = z if need_y else None
        return np.asarray(losses.sum() / scalar_like(self.m, losses))

    def backward(self, g):
        need_z, need_y = self.needs_input_grad
        m = scalar_like(self.m, g)
        dz = (self.s - self.y) / m * g if need_z else None
        dy = -self.z / m * g if need_y else None
        return dz, dy

    def backward_graph(self, g, out):
        z, y = self.inputs
        need_z, need_y = self.needs_input_grad
        scale = g * (1.0 / self.m)
        # sigmoid(z) recomputed as a recorded op: the saved s is a plain array.
        dz = (z.sigmoid() - y) * scale if need_z else None
        dy = -z * scale if need_y else None
        return dz, dy

    def code(self, e, out, z, y):
        m = e.temp("m")
        e.line(f"{m} = {z}.shape[-1]" if e.shape_of(z) else f"{m} = 1")
        if e.number(1, z) != "1":  # a numpy promoting by value: m as forward() divides by it
            e.line(f"{m} = scalar_like({m}, {z})")
        exp = e.exp_of_non_positive(f"-np.abs({z})")
        losses = e.temp("losses")
        e.line(f"{losses} = np.maximum({z}, {e.number(0, z)}) - {z} * {y} + np.log1p({exp})")
        if self.needs_input_grad[0]:
            # sigmoid(z) from the same exp, saved for the backward pass as forward() does.
            one = e.number(1, z)
            e.line(f"{e.temp('s')} = np.where({z} >= 0, {one}, {exp}) / ({one} + {exp})")
        return f"{losses}.sum() / {m}"

    def vjp_code(self, e, g, out, z, y):
        m, s = e.temp_named("m"), e.temp_named("s")
        dz = e.scaled(f"({s} - {y}) / {m}", g, e.dtype_of(z)) if self.needs_input_grad[0] else None
        return dz, f"-{z} / {m} * {g}"
