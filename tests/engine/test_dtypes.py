"""float32 stays float32, forward and backward, gradients included, on numpy 1.x as on numpy 2.

numpy 1.x promotes a Python number next to a 0-d array by value (``1 - y``
with a float32 0-d ``y`` is float64); numpy 2 by dtype (NEP 50). The engine
casts every VJP back to its input's dtype in one place (``engine.conform``),
so a promotion inside an op hides behind a float32 ``.grad``: these tests look
at what each op computes, its forward value and its VJPs before that cast and,
for ``create_graph=True``, every node of the gradient's graph. On numpy 1.x
they fail for an op that mixes a Python number into 0-d arithmetic (ReLU's
``maximum(x, 0)``, the sigmoid's ``1 + e``, ``x ** p``, the mean's ``g / n``,
the fused cost's ``sum / m``); on numpy 2 they hold either way.
"""
import numpy as np
import pytest

import autograd_mini.functional as F
from autograd_mini import Tensor, grad
from autograd_mini.dtypes import PROMOTES_BY_DTYPE, scalar_like
from autograd_mini.engine import topological_order

f32 = np.float32


def _leaf(shape, low=0.5, high=1.5, seed=0):
    data = np.random.RandomState(seed).uniform(low, high, size=shape).astype(f32)
    return Tensor(data, requires_grad=True)


def _labels(shape):
    return (np.arange(int(np.prod(shape))).reshape(shape) % 2).astype(f32)


# One entry per way the engine computes: each op, the Python numbers on
# either side, the two costs and the sum of squares. Inputs are positive
# (log, fractional powers) and away from ReLU's kink.
CASES = {
    "add number": lambda a, b: a + 2,
    "number sub": lambda a, b: 1 - a,
    "mul number": lambda a, b: a * 0.5,
    "number div": lambda a, b: 1 / a,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a, b: -a,
    "relu": lambda a, b: a.relu(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "tanh": lambda a, b: a.tanh(),
    "log": lambda a, b: a.log(),
    "exp": lambda a, b: a.exp(),
    "pow 3": lambda a, b: a ** 3,
    "pow 1.5": lambda a, b: a ** 1.5,
    "pow -2": lambda a, b: a ** -2,
    "pow 0": lambda a, b: a ** 0,
    "sum": lambda a, b: a.sum(),
    "mean": lambda a, b: a.mean(),
    "logits cost": lambda a, b: F.binary_cross_entropy_with_logits(a, _labels(a.shape)),
    "post's cost": lambda a, b: F.binary_cross_entropy(a.sigmoid(), _labels(a.shape)),
    "sum of squares": lambda a, b: F.sum_of_squares(a, b),
}
SHAPES = [(), (1, 3)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_each_vjp_are_computed_in_float32(name, shape):
    a, b = _leaf(shape), _leaf(shape, seed=1)
    out = CASES[name](a, b)
    assert out.dtype == f32, f"{name}: forward value in {out.dtype}"
    upstream = np.full(out.shape, 0.75, dtype=f32)
    # The op's own VJPs, before the engine casts them to the inputs' dtype.
    vjps = out.op.backward(upstream)
    for i, vjp in enumerate(vjps):
        if vjp is not None:
            assert np.asarray(vjp).dtype == f32, f"{name}: VJP of input {i} computed in {np.asarray(vjp).dtype}"
    out.backward(upstream)
    for t in (a, b):
        assert t.grad is None or t.grad.dtype == f32


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_graphs_hold_float32_only(name, shape):
    a, b = _leaf(shape), _leaf(shape, seed=1)
    out = CASES[name](a, b)
    total = out if out.shape == () else out.sum()
    grads = grad(total, [a, b], create_graph=True, allow_unused=True)
    for g in (g for g in grads if g is not None):
        # A float64 node anywhere would mean a cast back at the end (ops.Cast).
        wider = sorted({str(n.dtype) for n in topological_order(g)} - {"float32"})
        assert wider == [], f"{name}: the gradient's graph computes in {wider}"


def test_a_float32_one_element_cost_keeps_its_precision_and_its_value():
    # The case the issue names: a float32 training cost is a 0-d result; its
    # value must be the float32 computation, close to the float64 one.
    Z = np.array([[2.0, -1.0, 0.5, -3.0]], dtype=f32)
    Y = _labels(Z.shape)
    z32 = Tensor(Z, requires_grad=True)
    z64 = Tensor(Z.astype(np.float64), requires_grad=True)
    c32 = F.binary_cross_entropy_with_logits(z32, Y)
    c64 = F.binary_cross_entropy_with_logits(z64, Y.astype(np.float64))
    assert c32.dtype == f32 and c64.dtype == np.float64
    np.testing.assert_allclose(c32.item(), c64.item(), rtol=1e-6)
    (c32 * 3.0).backward()
    (c64 * 3.0).backward()
    assert z32.grad.dtype == f32
    np.testing.assert_allclose(z32.grad, z64.grad, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("value", [0, 1, 2, -1, 0.5, 1.5, 1e-3, 3])
def test_scalar_like_promotes_nothing_and_keeps_the_number(dtype, value):
    for like in (np.ones((), dtype=dtype), np.ones((2, 3), dtype=dtype)):
        c = scalar_like(value, like)
        assert (like * c).dtype == dtype and (c - like).dtype == dtype
        assert np.maximum(like, c).dtype == dtype
        # The number numpy 2 would combine with the array: value rounded once to the dtype.
        np.testing.assert_array_equal(like * c, like * np.asarray(value, dtype=dtype))


def test_the_promotion_rule_is_read_from_numpys_behaviour():
    zero_d = np.ones((), dtype=np.float32)
    by_dtype = (zero_d + 1).dtype == np.float32 and np.where(True, 1, zero_d).dtype == np.float32
    assert PROMOTES_BY_DTYPE == by_dtype
    if int(np.__version__.split(".")[0]) >= 2:
        assert PROMOTES_BY_DTYPE  # NEP 50 is numpy 2's only rule
