"""Hypothesis strategies and the gradient-test factory shared by the engine's tests.

The factory is deliberately independent of ``autograd_mini``'s own checking code:
every op is described by an :class:`OpSpec` holding the engine call *and* a plain
numpy version of the same map (written here, in float64). The reference gradient
is a central finite difference of that numpy map, contracted with a random
upstream gradient, computed in this file, never by ``autograd_mini.gradcheck``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini.functional as F
from autograd_mini import Tensor

MAX_SIDE = 3
MAX_DIMS = 3

# --------------------------------------------------------------------------- elements


def floats_between(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def away_from_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """Values with ``low <= |x| <= high`` of either sign (ReLU's kink, division's pole)."""
    return st.builds(lambda mag, neg: -mag if neg else mag, floats_between(low, high), st.booleans())


ANY = floats_between(-3.0, 3.0)
NONZERO = away_from_zero(1e-2, 3.0)  # |x| > 1e-3 with a margin: FD steps never cross ReLU's kink
DENOMINATOR = away_from_zero(0.5, 3.0)
POSITIVE = floats_between(0.1, 5.0)  # log's pole and fractional powers stay far away
EXP_RANGE = floats_between(-3.0, 2.0)


def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS) -> st.SearchStrategy[tuple]:
    """Array shapes including 0-d and size-1 axes (size-1 axes are common at side <= 3)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE)


def arrays(shape, elements, dtype=np.float64) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(dtype, shape, elements=elements)


def sum_axes(ndim: int) -> st.SearchStrategy:
    """``axis`` arguments of sum/mean: None, an int or a tuple, negative axes included."""
    options = [st.none()]
    if ndim:
        one = st.integers(-ndim, ndim - 1)
        options.append(one)
        options.append(
            st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).flatmap(
                lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes])
            )
        )
    return st.one_of(*options)


@st.composite
def reshape_targets(draw, shape: tuple) -> tuple:
    """A shape with the same number of elements, sometimes spelt with a -1."""
    size = int(np.prod(shape, dtype=np.int64))
    factors = [f for f in range(1, size + 1) if size % f == 0]
    first = draw(st.sampled_from(factors))
    candidates = [(size,), (first, size // first), (size // first, 1, first), tuple(reversed(shape)), shape + (1,)]
    if size == 1:
        candidates.append(())
    target = draw(st.sampled_from(candidates))
    if target and draw(st.booleans()):
        i = draw(st.integers(0, len(target) - 1))
        target = target[:i] + (-1,) + target[i + 1 :]
    return target


# --------------------------------------------------------------------------- op specs


@dataclass(frozen=True)
class OpSpec:
    """One op under test.

    ``call(operands, param)`` applies the engine's op to operands that are Tensors
    or Python numbers; ``reference(arrays, param)`` is the same map in plain numpy.
    ``kind`` picks how operand shapes are drawn: ``"broadcast"`` (two operands,
    mutually broadcastable, either may be a Python number), ``"unary"``,
    ``"reduce"`` (a shape and an axis), ``"reshape"``, ``"matmul"``, ``"affine"``
    (2-D w and x, a bias broadcastable to the product, possibly a Python number).
    ``domains`` gives the element strategy per operand; ``param`` draws the op's
    constant (exponent, axis, target shape) from the first operand's shape.
    """

    name: str
    kind: str
    call: Callable
    reference: Callable
    domains: tuple
    param: Callable[[tuple], st.SearchStrategy] | None = None
    domain_for_param: Callable[[Any], tuple] | None = None


def _binary(name, call, reference, domains=(ANY, ANY)):
    return OpSpec(name, "broadcast", lambda ops, p: call(*ops), lambda xs, p: reference(*xs), domains)


def _unary(name, call, reference, domain=ANY):
    return OpSpec(name, "unary", lambda ops, p: call(ops[0]), lambda xs, p: reference(xs[0]), (domain,))


def _pow_domain(exponent):
    # Integer powers are smooth everywhere; fractional and negative ones need x > 0.
    # x ** 0 at x == 0 is covered by its own (failing, engine-bug) test in test_ops_grad.py.
    if exponent == 0:
        return (NONZERO,)
    if float(exponent).is_integer() and exponent >= 0:
        return (ANY,)
    return (POSITIVE,)


def _reduce_param(shape):
    return st.tuples(sum_axes(len(shape)), st.booleans())


def _np_axis(axis):
    return axis  # numpy accepts None, int and tuples with negative entries


OP_SPECS: dict[str, OpSpec] = {
    spec.name: spec
    for spec in [
        _binary("add", lambda a, b: a + b, np.add),
        _binary("sub", lambda a, b: a - b, np.subtract),
        _binary("mul", lambda a, b: a * b, np.multiply),
        _binary("div", lambda a, b: a / b, np.divide, (ANY, DENOMINATOR)),
        OpSpec("matmul", "matmul", lambda ops, p: ops[0] @ ops[1], lambda xs, p: xs[0] @ xs[1], (ANY, ANY)),
        OpSpec(
            "affine",
            "affine",
            lambda ops, p: F.affine(*ops),
            lambda xs, p: xs[0] @ xs[1] + xs[2],
            (ANY, ANY, ANY),
        ),
        _unary("neg", lambda x: -x, np.negative),
        _unary("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0.0), NONZERO),
        _unary("sigmoid", lambda x: x.sigmoid(), lambda x: 1.0 / (1.0 + np.exp(-x))),
        _unary("tanh", lambda x: x.tanh(), np.tanh),
        _unary("log", lambda x: x.log(), np.log, POSITIVE),
        _unary("exp", lambda x: x.exp(), np.exp, EXP_RANGE),
        OpSpec(
            "pow",
            "unary",
            lambda ops, p: ops[0] ** p,
            lambda xs, p: xs[0] ** p,
            (ANY,),
            param=lambda shape: st.sampled_from([0, 1, 2, 3, 0.5, -1, -2, 1.5, 2.5]),
            domain_for_param=_pow_domain,
        ),
        OpSpec(
            "sum",
            "reduce",
            lambda ops, p: ops[0].sum(axis=p[0], keepdims=p[1]),
            lambda xs, p: np.sum(xs[0], axis=_np_axis(p[0]), keepdims=p[1]),
            (ANY,),
            param=_reduce_param,
        ),
        OpSpec(
            "mean",
            "reduce",
            lambda ops, p: ops[0].mean(axis=p[0], keepdims=p[1]),
            lambda xs, p: np.mean(xs[0], axis=_np_axis(p[0]), keepdims=p[1]),
            (ANY,),
            param=_reduce_param,
        ),
        _unary("T", lambda x: x.T, lambda x: x.T),
        OpSpec(
            "reshape",
            "reshape",
            lambda ops, p: ops[0].reshape(p),
            lambda xs, p: xs[0].reshape(p),
            (ANY,),
            param=reshape_targets,
        ),
    ]
}


@st.composite
def matmul_shapes(draw) -> tuple[tuple, tuple]:
    """2-D @ 2-D, and a 1-D operand on either or both sides, as numpy allows."""
    n, k, m = (draw(st.integers(1, MAX_SIDE + 1)) for _ in range(3))
    left = draw(st.sampled_from([(n, k), (k,)]))
    right = draw(st.sampled_from([(k, m), (k,)]))
    return left, right


@dataclass
class GradCase:
    """One drawn example: operands (arrays or Python floats), which get a gradient, a param."""

    spec: OpSpec
    operands: list  # np.ndarray (float64) or float
    requires_grad: list  # per operand; False for Python numbers
    param: Any = None
    upstream: np.ndarray | None = field(default=None)


@st.composite
def grad_cases(draw, spec: OpSpec) -> GradCase:
    """The factory's strategy: shapes, operands, a param and a random upstream gradient."""
    if spec.kind == "broadcast":
        shape_pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=MAX_DIMS, max_side=MAX_SIDE))
        operand_shapes = list(shape_pair.input_shapes)
    elif spec.kind == "matmul":
        operand_shapes = list(draw(matmul_shapes()))
    elif spec.kind == "affine":
        n, k, m = (draw(st.integers(1, MAX_SIDE + 1)) for _ in range(3))
        bias = draw(
            hnp.broadcastable_shapes((n, m), min_dims=0, max_dims=2, min_side=1).filter(
                lambda c: np.broadcast_shapes(c, (n, m)) == (n, m)  # c may only be stretched to the product
            )
        )
        operand_shapes = [(n, k), (k, m), bias]
    else:
        operand_shapes = [draw(shapes())]

    param = draw(spec.param(operand_shapes[0])) if spec.param is not None else None
    domains = spec.domain_for_param(param) if spec.domain_for_param is not None else spec.domains

    operands, requires = [], []
    # Which operand may be a Python number: for binary ops either one, never both.
    if spec.kind == "broadcast":
        number_at = draw(st.sampled_from([None, None, 0, 1]))
    elif spec.kind == "affine":
        number_at = draw(st.sampled_from([None, None, 2]))  # the bias may be a Python number
    else:
        number_at = None
    for i, (shape, domain) in enumerate(zip(operand_shapes, domains)):
        if i == number_at:
            operands.append(draw(domain))
            requires.append(False)
            continue
        operands.append(draw(arrays(shape, domain)))
        requires.append(True)
    # Sometimes one array operand is constant data (requires_grad=False), but at least one needs grad.
    array_positions = [i for i, r in enumerate(requires) if r]
    if len(array_positions) > 1 and draw(st.booleans()):
        requires[draw(st.sampled_from(array_positions))] = False

    out_shape = np.shape(spec.reference([np.asarray(o, dtype=np.float64) for o in operands], param))
    upstream = draw(arrays(out_shape, floats_between(-2.0, 2.0)))
    assume(np.all(np.isfinite(upstream)))
    return GradCase(spec, operands, requires, param, upstream)


# --------------------------------------------------------------------------- references


def central_difference(f: Callable[[list], np.ndarray], arrays_: list, index: int, upstream: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d/dx_index of ``sum(f(arrays) * upstream)`` by central differences, all in float64."""
    work = [np.array(a, dtype=np.float64, copy=True) for a in arrays_]
    target = work[index]
    grad = np.zeros_like(target)
    flat_x = target.reshape(-1)
    flat_g = grad.reshape(-1)
    for j in range(flat_x.size):
        original = flat_x[j]
        flat_x[j] = original + h
        plus = np.sum(np.asarray(f(work)) * upstream)
        flat_x[j] = original - h
        minus = np.sum(np.asarray(f(work)) * upstream)
        flat_x[j] = original
        flat_g[j] = (plus - minus) / (2 * h)
    return grad


def stable_sigmoid_reference(z: np.ndarray) -> np.ndarray:
    """The textbook two-branch stable sigmoid, written here, in z's dtype.

    ``1 / (1 + exp(-z))`` for z >= 0 and ``exp(z) / (1 + exp(z))`` for z < 0, so
    that exp only sees non-positive numbers (it may underflow to 0, never overflow).
    """
    z = np.asarray(z)
    out = np.empty_like(z)
    positive = z >= 0
    with np.errstate(under="ignore"):
        out[positive] = 1 / (1 + np.exp(-z[positive]))
        ez = np.exp(z[~positive])
        out[~positive] = ez / (1 + ez)
    return out


def run_grad_case(case: GradCase, dtype=np.float64, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Apply the op, backpropagate ``case.upstream``, compare with the central difference.

    Also checks: forward value against the numpy reference, output/grad dtypes and
    shapes, no gradient for constants, and that no input (nor the upstream
    gradient) was mutated by forward + backward.
    """
    spec = case.spec
    operands = []
    for value, requires in zip(case.operands, case.requires_grad):
        if isinstance(value, np.ndarray):
            operands.append(Tensor(value.astype(dtype), requires_grad=requires))
        else:
            operands.append(float(value))
    before = [o.data.copy() if isinstance(o, Tensor) else o for o in operands]
    upstream = case.upstream.astype(dtype)
    upstream_before = upstream.copy()

    reference_arrays = [np.asarray(o, dtype=np.float64) for o in before]
    out = spec.call(operands, case.param)
    for i, (operand, old) in enumerate(zip(operands, before)):
        if isinstance(operand, Tensor):
            np.testing.assert_array_equal(operand.data, old, err_msg=f"{spec.name}: input {i} mutated by forward")
    expected = spec.reference(reference_arrays, case.param)
    assert isinstance(out, Tensor)
    assert out.shape == np.shape(expected), (out.shape, np.shape(expected))
    assert out.dtype == dtype, f"{spec.name}: output dtype {out.dtype}, inputs were {np.dtype(dtype)}"
    np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=atol)

    out.backward(upstream)

    for i, (operand, old) in enumerate(zip(operands, before)):
        if not isinstance(operand, Tensor):
            continue
        np.testing.assert_array_equal(operand.data, old, err_msg=f"{spec.name}: input {i} was mutated")
        if not operand.requires_grad:
            assert operand.grad is None, f"{spec.name}: constant input {i} got a gradient"
            continue
        assert operand.grad is not None, f"{spec.name}: input {i} got no gradient"
        assert operand.grad.shape == operand.shape
        assert operand.grad.dtype == dtype, f"{spec.name}: grad dtype {operand.grad.dtype}"
        numeric = central_difference(lambda xs: spec.reference(xs, case.param), reference_arrays, i, case.upstream)
        np.testing.assert_allclose(
            operand.grad, numeric, rtol=rtol, atol=atol, err_msg=f"{spec.name}: gradient of input {i}"
        )
    np.testing.assert_array_equal(upstream, upstream_before, err_msg=f"{spec.name}: upstream gradient mutated")


# --------------------------------------------------------------------------- second order


def _first_order_vjps(spec: OpSpec, case: GradCase, arrays_: list, upstream: np.ndarray) -> list:
    """Each grad-requiring operand's VJP of ``upstream`` through the op, by the plain-array path.

    The first-order path is itself checked against finite differences of the
    numpy reference (``run_grad_case``), so it is the reference the second
    order is differentiated from.
    """
    from autograd_mini import grad

    operands = [
        Tensor(np.array(a, dtype=np.float64), requires_grad=r) if isinstance(o, np.ndarray) else float(o)
        for o, a, r in zip(case.operands, arrays_, case.requires_grad)
    ]
    out = spec.call(operands, case.param)
    wanted = [o for o, r in zip(operands, case.requires_grad) if r]
    return [g.data for g in grad(out, wanted, grad_outputs=upstream)]


def run_second_order_case(case: GradCase, directions: list, h: float = 1e-6, rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Differentiate the op's VJP again and compare with finite differences, all float64.

    With ``u`` the upstream gradient (a Tensor that requires grad), ``v`` one
    direction per grad-requiring operand, the first pass (``create_graph=True``)
    gives the VJPs ``J^T u``; the second differentiates ``s = sum_i <(J^T u)_i, v_i>``:

    * ``ds/du = J v``, a Jacobian-vector product: the central difference of the
      op's numpy reference along ``v``;
    * ``ds/dx = H v`` (``H`` the Hessian of ``<u, f(x)>``): the central
      difference of the first-order gradient along ``v``.

    Also: the recorded first pass gives the same numbers as the plain-array one.
    """
    from autograd_mini import grad

    spec = case.spec
    positions = [i for i, r in enumerate(case.requires_grad) if r]
    arrays_ = [np.asarray(o, dtype=np.float64) for o in case.operands]
    operands = [
        Tensor(a.copy(), requires_grad=r) if isinstance(o, np.ndarray) else float(o)
        for o, a, r in zip(case.operands, arrays_, case.requires_grad)
    ]
    wanted = [operands[i] for i in positions]
    u = Tensor(case.upstream.copy(), requires_grad=True)
    out = spec.call(operands, case.param)
    vjps = grad(out, wanted, grad_outputs=u, create_graph=True)
    plain = _first_order_vjps(spec, case, arrays_, case.upstream)
    for i, (g, p) in enumerate(zip(vjps, plain)):
        assert g.shape == p.shape, f"{spec.name}: recorded VJP {i} has shape {g.shape}, expected {p.shape}"
        np.testing.assert_allclose(g.data, p, rtol=1e-12, atol=1e-12, err_msg=f"{spec.name}: recorded VJP {i}")

    s = None
    for g, v in zip(vjps, directions):
        term = (g * Tensor(v)).sum()
        s = term if s is None else s + term
    second = grad(s, wanted + [u], allow_unused=True)
    second = [np.zeros_like(t.data) if d is None else d.data for d, t in zip(second, wanted + [u])]

    def shifted(sign: float) -> list:
        moved = [a.copy() for a in arrays_]
        for i, v in zip(positions, directions):
            moved[i] = moved[i] + sign * h * v
        return moved

    # ds/du = J v
    jvp = (np.asarray(spec.reference(shifted(+1), case.param)) - np.asarray(spec.reference(shifted(-1), case.param))) / (2 * h)
    np.testing.assert_allclose(second[-1], jvp, rtol=rtol, atol=atol, err_msg=f"{spec.name}: d/du (J v)")
    # ds/dx = H v
    plus = _first_order_vjps(spec, case, shifted(+1), case.upstream)
    minus = _first_order_vjps(spec, case, shifted(-1), case.upstream)
    for k, (got, p, m) in enumerate(zip(second, plus, minus)):
        np.testing.assert_allclose(got, (p - m) / (2 * h), rtol=rtol, atol=atol, err_msg=f"{spec.name}: H v for operand {positions[k]}")
