"""Every op's forward value and VJP against numpy and central differences (float64 and float32).

All the work is in the factory of ``tests/strategies.py``: broadcastable shapes
(0-d and size-1 axes included), Python-number operands on either side, constants
that must get no gradient, a random upstream gradient, a float64 central
difference of a plain-numpy version of the op, and a check that nothing was mutated.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini.functional as F
from autograd_mini import Tensor
from tests.strategies import OP_SPECS, grad_cases, run_grad_case

ALL_OPS = sorted(OP_SPECS)


def test_every_required_op_has_a_spec():
    required = {"add", "sub", "mul", "div", "matmul", "affine", "neg", "relu", "sigmoid", "tanh", "log", "exp", "pow", "sum", "mean", "T", "reshape"}
    assert required <= set(OP_SPECS)


@pytest.mark.parametrize("op_name", ALL_OPS)
@settings(max_examples=30)
@given(data=st.data())
def test_gradient_float64(op_name, data):
    case = data.draw(grad_cases(OP_SPECS[op_name]), label="case")
    run_grad_case(case, dtype=np.float64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op_name", ALL_OPS)
@settings(max_examples=10)
@given(data=st.data())
def test_gradient_float32_keeps_dtype(op_name, data):
    """float32 in, float32 out and float32 gradients; values to float32 accuracy."""
    case = data.draw(grad_cases(OP_SPECS[op_name]), label="case")
    run_grad_case(case, dtype=np.float32, rtol=2e-3, atol=2e-3)


# ----------------------------------------------------------------- hand-picked cases


@pytest.mark.parametrize(
    "expr, expected_value, expected_grad",
    [
        (lambda x: 2 - x, [1.0, -2.0], [-1.0, -1.0]),
        (lambda x: 1 / x, [1.0, 0.25], [-1.0, -1 / 16]),
        (lambda x: 3 * x, [3.0, 12.0], [3.0, 3.0]),
        (lambda x: 5 + x, [6.0, 9.0], [1.0, 1.0]),
        (lambda x: x - 1, [0.0, 3.0], [1.0, 1.0]),
        (lambda x: x / 2, [0.5, 2.0], [0.5, 0.5]),
        (lambda x: x**2, [1.0, 16.0], [2.0, 8.0]),
        (lambda x: -x, [-1.0, -4.0], [-1.0, -1.0]),
        (lambda x: np.float64(2) - x, [1.0, -2.0], [-1.0, -1.0]),
        (lambda x: np.array([2.0, 2.0]) * x, [2.0, 8.0], [2.0, 2.0]),
    ],
)
def test_python_numbers_and_arrays_on_either_side(expr, expected_value, expected_grad):
    x = Tensor([1.0, 4.0], requires_grad=True)
    y = expr(x)
    assert isinstance(y, Tensor)
    np.testing.assert_allclose(y.data, expected_value)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, expected_grad)


@pytest.mark.parametrize("expr", [lambda x: 2 - x, lambda x: 1 / x, lambda x: x * 0.5, lambda x: 3.0 + x, lambda x: x**0.5])
def test_python_number_does_not_promote_float32(expr):
    x = Tensor(np.array([1.0, 4.0], dtype=np.float32), requires_grad=True)
    y = expr(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_matmul_closed_form_all_orientations():
    rs = np.random.RandomState(0)
    A, B = rs.randn(3, 4), rs.randn(4, 2)
    v, w = rs.randn(4), rs.randn(3)
    G = rs.randn(3, 2)

    a, b = Tensor(A, requires_grad=True), Tensor(B, requires_grad=True)
    (a @ b).backward(G)
    np.testing.assert_allclose(a.grad, G @ B.T)
    np.testing.assert_allclose(b.grad, A.T @ G)

    # 1-D on the left: (4,) @ (4, 2) -> (2,)
    tv, b = Tensor(v, requires_grad=True), Tensor(B, requires_grad=True)
    g = rs.randn(2)
    out = tv @ b
    assert out.shape == (2,)
    out.backward(g)
    np.testing.assert_allclose(tv.grad, B @ g)
    np.testing.assert_allclose(b.grad, np.outer(v, g))

    # 1-D on the right: (3, 4) @ (4,) -> (3,)
    a, tv = Tensor(A, requires_grad=True), Tensor(v, requires_grad=True)
    out = a @ tv
    out.backward(w)
    np.testing.assert_allclose(a.grad, np.outer(w, v))
    np.testing.assert_allclose(tv.grad, A.T @ w)

    # 1-D @ 1-D -> scalar
    t1, t2 = Tensor(v, requires_grad=True), Tensor(v[::-1].copy(), requires_grad=True)
    out = t1 @ t2
    assert out.shape == ()
    out.backward()
    np.testing.assert_allclose(t1.grad, v[::-1])
    np.testing.assert_allclose(t2.grad, v)


def test_ndarray_on_the_left_of_matmul_defers_to_tensor():
    W = np.arange(6.0).reshape(2, 3)
    x = Tensor(np.ones((3, 1)), requires_grad=True)
    out = W @ x
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, W.sum(axis=0).reshape(3, 1))


@pytest.mark.parametrize(
    "axis, keepdims, shape",
    [(None, False, ()), (0, False, (3, 4)), (-1, True, (2, 3, 1)), ((0, 2), False, (3,)), ((-1, -3), True, (1, 3, 1)), ((), False, (2, 3, 4))],
)
def test_mean_gradient_closed_form(axis, keepdims, shape):
    x = Tensor(np.random.RandomState(1).randn(2, 3, 4), requires_grad=True)
    out = x.mean(axis=axis, keepdims=keepdims)
    assert out.shape == shape
    out.backward(np.ones(shape))
    count = 24 // int(np.prod(shape)) if shape else 24
    np.testing.assert_allclose(x.grad, np.full((2, 3, 4), 1.0 / count))


def test_relu_gradient_is_zero_at_the_kink():
    """As the post's relu_backward: dZ[Z <= 0] = 0."""
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_transpose_and_reshape_of_3d():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x.T.shape == (4, 3, 2)
    assert x.reshape(4, -1).shape == (4, 6)
    assert x.reshape((6, 4)).shape == (6, 4)
    G = np.random.RandomState(2).randn(4, 3, 2)
    x.T.backward(G)
    np.testing.assert_array_equal(x.grad, G.transpose(2, 1, 0))


def test_pow_zero_exponent_gradient_at_zero():
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


# ----------------------------------------------------------------- the factory can fail


def _fixed_case(name, operands, requires, param=None, upstream=None):
    from tests.strategies import GradCase

    spec = OP_SPECS[name]
    arrays = [np.asarray(o, dtype=np.float64) for o in operands]
    out_shape = np.shape(spec.reference(arrays, param))
    if upstream is None:
        upstream = np.random.RandomState(3).randn(*out_shape)
    return GradCase(spec, list(operands), list(requires), param, np.asarray(upstream, dtype=np.float64))


def test_factory_catches_a_wrong_vjp(monkeypatch):
    from autograd_mini import ops

    case = _fixed_case("mul", [np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])], [True, True])
    run_grad_case(case)  # the real op passes
    monkeypatch.setattr(ops.Mul, "backward", lambda self, g: (g * self.b, g))
    with pytest.raises(AssertionError, match="gradient of input 1"):
        run_grad_case(case)


def test_factory_catches_a_mutated_input(monkeypatch):
    from autograd_mini import ops

    case = _fixed_case("exp", [np.array([0.5, 1.0])], [True])
    original = ops.Exp.forward

    def mutating_forward(self, x):
        out = original(self, x)
        x *= 1.0
        x[0] = 7.0
        return out

    monkeypatch.setattr(ops.Exp, "forward", mutating_forward)
    with pytest.raises(AssertionError, match="mutated"):
        run_grad_case(case)


# ----------------------------------------------------------------- the fused affine op


def test_affine_equals_matmul_plus_add_values_and_grads():
    rs = np.random.RandomState(4)
    W, X, b = rs.randn(3, 4), rs.randn(4, 5), rs.randn(3, 1)
    G = rs.randn(3, 5)
    fused = [Tensor(a.copy(), requires_grad=True) for a in (W, X, b)]
    split = [Tensor(a.copy(), requires_grad=True) for a in (W, X, b)]
    out_fused = F.affine(*fused)
    out_split = split[0] @ split[1] + split[2]
    np.testing.assert_allclose(out_fused.data, out_split.data, rtol=1e-14)
    out_fused.backward(G)
    out_split.backward(G)
    for a, b_ in zip(fused, split):
        np.testing.assert_allclose(a.grad, b_.grad, rtol=1e-14)
    np.testing.assert_allclose(fused[2].grad, G.sum(axis=1, keepdims=True))


def test_affine_does_not_modify_its_inputs_and_keeps_float32():
    W = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    X = Tensor(np.ones((3, 4), dtype=np.float32))
    b = Tensor(np.zeros((2, 1), dtype=np.float32), requires_grad=True)
    out = F.affine(W, X, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert W.grad.dtype == np.float32 and b.grad.dtype == np.float32
    np.testing.assert_array_equal(b.data, 0.0)
    np.testing.assert_array_equal(b.grad, [[4.0], [4.0]])


@pytest.mark.parametrize(
    "w_shape, x_shape, c_shape",
    [((2, 3), (4, 5), (2, 1)), ((3,), (3, 2), (1,)), ((2, 3), (3, 4), (5, 2, 4)), ((1, 3), (3, 2), (2, 1))],
)
def test_affine_shape_errors_name_affine_and_shapes(w_shape, x_shape, c_shape):
    with pytest.raises(ValueError) as info:
        F.affine(Tensor(np.ones(w_shape), requires_grad=True), np.ones(x_shape), np.ones(c_shape))
    message = str(info.value)
    assert "affine" in message
    assert str(w_shape) in message or str(c_shape) in message


def test_affine_incompatible_bias_error_names_affine():
    with pytest.raises(ValueError, match=r"affine.*\(3, 1\)|\(3, 1\).*affine"):
        F.affine(Tensor(np.ones((2, 3)), requires_grad=True), np.ones((3, 4)), np.ones((3, 1)))
