"""Derivatives of derivatives: create_graph, autograd_mini.grad, hvp, hessian.

References are independent of the recorded VJPs: finite differences of the
numpy reference and of the (separately tested) first-order path, closed-form
derivatives, and torch's double backward when torch is installed.
"""
import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am
import autograd_mini.functional as F
from autograd_mini import GraphReleasedError, Tensor, grad, hessian, hvp, no_grad
from autograd_mini.op import Op
from tests.strategies import OP_SPECS, arrays, floats_between, grad_cases, run_second_order_case

ALL_OPS = sorted(OP_SPECS)


# ----------------------------------------------------------------- the second-order factory


@pytest.mark.parametrize("op_name", ALL_OPS)
@settings(max_examples=12)
@given(data=st.data())
def test_second_order_float64(op_name, data):
    case = data.draw(grad_cases(OP_SPECS[op_name]), label="case")
    directions = [
        data.draw(arrays(np.shape(case.operands[i]), floats_between(-1.0, 1.0)), label=f"v{i}")
        for i, r in enumerate(case.requires_grad)
        if r
    ]
    run_second_order_case(case, directions)


@settings(max_examples=15)
@given(data=st.data())
def test_second_order_bce_with_logits_both_inputs(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), label="shape")
    z = data.draw(arrays(shape, floats_between(-4.0, 4.0)), label="z")
    y = data.draw(arrays(shape, floats_between(0.0, 1.0)), label="y")
    m = shape[-1] if shape else 1

    def reference(z_, y_):
        return np.sum(np.logaddexp(0.0, z_) - z_ * y_) / m

    Z, Yt = Tensor(z.copy(), requires_grad=True), Tensor(y.copy(), requires_grad=True)
    u = Tensor(np.asarray(data.draw(floats_between(-2.0, 2.0), label="u")), requires_grad=True)
    dz, dy = grad(F.binary_cross_entropy_with_logits(Z, Yt), (Z, Yt), grad_outputs=u, create_graph=True)
    vz = data.draw(arrays(shape, floats_between(-1.0, 1.0)), label="vz")
    vy = data.draw(arrays(shape, floats_between(-1.0, 1.0)), label="vy")
    s = (dz * Tensor(vz)).sum() + (dy * Tensor(vy)).sum()
    hz, hy, hu = grad(s, (Z, Yt, u))
    h = 1e-5
    # d/du: the directional derivative of the cost itself.
    jvp = (reference(z + h * vz, y + h * vy) - reference(z - h * vz, y - h * vy)) / (2 * h)
    np.testing.assert_allclose(hu.data, jvp, rtol=1e-6, atol=1e-8)

    # d/dz, d/dy: central differences of the closed-form first derivatives u(s - y)/m and -u z/m.
    def first(z_, y_):
        s_ = 1 / (1 + np.exp(-z_))
        return u.data * (s_ - y_) / m, -u.data * z_ / m

    plus, minus = first(z + h * vz, y + h * vy), first(z - h * vz, y - h * vy)
    np.testing.assert_allclose(hz.data, (plus[0] - minus[0]) / (2 * h), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(hy.data, (plus[1] - minus[1]) / (2 * h), rtol=1e-5, atol=1e-8)


def test_second_order_factory_catches_a_wrong_graph_vjp(monkeypatch):
    from autograd_mini import ops
    from tests.strategies import GradCase

    spec = OP_SPECS["sigmoid"]
    case = GradCase(spec, [np.array([0.3, -1.1])], [True], None, np.array([0.7, -0.4]))
    run_second_order_case(case, [np.array([1.0, 0.5])])
    # Right first derivative, but y * (1 - y) taken as a constant: the second derivative is lost.
    monkeypatch.setattr(
        ops.Sigmoid, "backward_graph", lambda self, g, out: (g * Tensor(out.data * (1 - out.data)),)
    )
    with pytest.raises(AssertionError, match="H v"):
        run_second_order_case(case, [np.array([1.0, 0.5])])


# ----------------------------------------------------------------- closed forms, third order


@pytest.mark.parametrize(
    "f, d1, d2, d3",
    [
        (lambda x: x**4, lambda x: 4 * x**3, lambda x: 12 * x**2, lambda x: 24 * x),
        (lambda x: x.exp(), np.exp, np.exp, np.exp),
        (lambda x: x.log(), lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
        (lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3, lambda x: -6 / x**4),
        (
            lambda x: x.sigmoid(),
            lambda x: _s(x) * (1 - _s(x)),
            lambda x: _s(x) * (1 - _s(x)) * (1 - 2 * _s(x)),
            lambda x: _s(x) * (1 - _s(x)) * (1 - 6 * _s(x) + 6 * _s(x) ** 2),
        ),
        (lambda x: (x * x.exp()), lambda x: (1 + x) * np.exp(x), lambda x: (2 + x) * np.exp(x), lambda x: (3 + x) * np.exp(x)),
    ],
)
def test_first_second_third_derivatives_closed_form(f, d1, d2, d3):
    values = np.array([0.4, 1.3, 2.2])
    x = Tensor(values, requires_grad=True)
    (g1,) = grad(f(x).sum(), x, create_graph=True)
    (g2,) = grad(g1.sum(), x, create_graph=True)
    (g3,) = grad(g2.sum(), x)
    np.testing.assert_allclose(g1.data, d1(values), rtol=1e-12)
    np.testing.assert_allclose(g2.data, d2(values), rtol=1e-12)
    np.testing.assert_allclose(g3.data, d3(values), rtol=1e-11)


def _s(x):
    return 1 / (1 + np.exp(-x))


def test_fourth_derivative_through_matmul_and_broadcasting():
    """f(a) = sum((A a + b)^4) / 4 with a 1-D a: the k-th derivative tensor contracted with ones."""
    rs = np.random.RandomState(0)
    A, b, a0 = rs.randn(3, 2), rs.randn(3, 1), rs.randn(2)
    a = Tensor(a0, requires_grad=True)
    y = (Tensor(A) @ a).reshape(3, 1) + Tensor(b)
    out = (y**4).sum() * 0.25
    g = out
    for order in range(4):
        (g,) = grad(g.sum(), a, create_graph=order < 3)
    # d^4/da^4 of sum((A a + b)^4)/4 contracted with ones(2) three times: 6 * sum_i A_i (A_i . 1)^3
    row = A.sum(axis=1)
    np.testing.assert_allclose(g.data, 6 * (A * row[:, None] ** 3).sum(axis=0), rtol=1e-12)


def test_hessian_of_quadratic_form_is_symmetric_part():
    rs = np.random.RandomState(1)
    M, x0 = rs.randn(4, 4), rs.randn(4)
    H = hessian(lambda x: x @ (Tensor(M) @ x), x0)
    np.testing.assert_allclose(H, M + M.T, rtol=1e-13)


def test_hessian_blocks_for_several_inputs_match_finite_differences():
    rs = np.random.RandomState(2)
    W0, x0 = rs.randn(2, 3), rs.randn(3, 2)

    def f(W, X):
        return ((W @ X).sigmoid() * (W @ X)).mean() + (W**2).sum() * X.sum()

    blocks = hessian(f, (W0, x0))
    assert blocks[0][1].shape == (2, 3, 3, 2) and blocks[1][0].shape == (3, 2, 2, 3)
    np.testing.assert_allclose(blocks[0][1], blocks[1][0].transpose(2, 3, 0, 1), rtol=1e-12)

    h = 1e-6
    for (i, j) in [(0, 0), (1, 2)]:
        dW = np.zeros_like(W0)
        dW[i, j] = h
        plus, minus = _grads(f, W0 + dW, x0), _grads(f, W0 - dW, x0)
        np.testing.assert_allclose(blocks[0][0][i, j], (plus[0] - minus[0]) / (2 * h), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(blocks[1][0][:, :, i, j], (plus[1] - minus[1]) / (2 * h), rtol=1e-5, atol=1e-7)


def _grads(f, Wv, Xv):
    W, X = Tensor(Wv, requires_grad=True), Tensor(Xv, requires_grad=True)
    return [g.data for g in grad(f(W, X), (W, X))]


def test_hvp_equals_hessian_times_vector():
    rs = np.random.RandomState(3)
    x0, v = rs.randn(5), rs.randn(5)

    def f(x):
        return (x.exp() * (x @ x)).sum() + (x.relu() ** 3).sum()

    value, Hv = hvp(f, x0, v)
    np.testing.assert_allclose(value.item(), f(Tensor(x0)).item())
    np.testing.assert_allclose(Hv.data, hessian(f, x0) @ v, rtol=1e-12)


def test_hvp_of_linear_and_of_constant_functions_is_zero():
    x0 = np.array([1.0, 2.0])
    _, Hv = hvp(lambda x: (x * 3.0).sum(), x0, np.ones(2))
    np.testing.assert_array_equal(Hv.data, 0.0)
    _, Hv = hvp(lambda x: Tensor(5.0), x0, np.ones(2))
    np.testing.assert_array_equal(Hv.data, 0.0)


def test_hvp_and_hessian_leave_the_callers_tensors_alone():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    hvp(lambda a: (a**3).sum(), x, np.ones(2))
    hessian(lambda a: (a**3).sum(), x)
    assert x.grad is None and x.op is None


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: hvp(lambda a: a * 2, np.ones(2), np.ones(2)), ValueError, "one element"),
        (lambda: hvp(lambda a: a.sum(), np.ones(2), np.ones(3)), ValueError, r"vector 0 has shape \(3,\)"),
        (lambda: hvp(lambda a, b: a.sum(), (np.ones(2), np.ones(2)), (np.ones(2),)), ValueError, "1 vectors given for 2 inputs"),
        (lambda: hvp(lambda a: 3.0, np.ones(2), np.ones(2)), TypeError, "must return a Tensor"),
        (lambda: hessian(lambda a: a.sum(), np.array(["a"])), TypeError, "real numbers"),
    ],
)
def test_helpers_refuse_bad_input_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------- grad() semantics


def test_grad_does_not_touch_dot_grad_and_returns_constants_by_default():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (g,) = grad((x * x).sum(), x)
    assert x.grad is None
    assert isinstance(g, Tensor) and not g.requires_grad
    np.testing.assert_array_equal(g.data, [2.0, 4.0])


def test_grad_to_an_intermediate_tensor_and_several_outputs():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = x * 3.0
    z1, z2 = (y * y).sum(), y.sum()
    gy, gx = grad((z1, z2), (y, x), grad_outputs=(np.array(1.0), np.array(2.0)))
    np.testing.assert_allclose(gy.data, 2 * y.data + 2)
    np.testing.assert_allclose(gx.data, 3 * (2 * y.data + 2))


def test_grad_allow_unused():
    x, unused = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 .* not used.*allow_unused=True"):
        grad((x * 2).sum(), (x, unused))
    gx, gu = grad((x * 2).sum(), (x, unused), allow_unused=True)
    assert gu is None and gx.data.tolist() == [2.0]


def test_grad_releases_the_graph_unless_retained():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x.exp() * x).sum()
    grad(y, x)
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        grad(y, x)
    y = (x.exp() * x).sum()
    grad(y, x, retain_graph=True)
    grad(y, x)
    y = (x.exp() * x).sum()
    (g,) = grad(y, x, create_graph=True)  # retain_graph defaults to create_graph
    grad(y, x, retain_graph=True)
    grad(g.sum(), x)  # goes through y's ops again (g was made from their results), then frees them
    with pytest.raises(GraphReleasedError):
        grad(y, x)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: grad(x * 2, x), RuntimeError, "only a one-element tensor defaults to 1"),
        (lambda x: grad(Tensor(1.0), x), RuntimeError, "does not require grad"),
        (lambda x: grad((x * 2).sum(), Tensor([1.0, 2.0])), RuntimeError, "does not require grad"),
        (lambda x: grad((x * 2).sum(), x, grad_outputs=np.ones(2)), ValueError, r"gradient of shape \(2,\)"),
        (lambda x: grad([(x * 2).sum()], x, grad_outputs=[None, None]), ValueError, "2 grad_outputs given for 1 outputs"),
        (lambda x: grad((x * 2).sum(), 3.0), TypeError, "inputs must be a Tensor"),
        (lambda x: grad((), x), ValueError, "must not be empty"),
    ],
)
def test_grad_refuses_bad_input_clearly(call, error, match):
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(error, match=match):
        call(x)


def test_backward_create_graph_gives_differentiable_grads_and_accumulates():
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad.requires_grad
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2)
    first = x.grad
    (gg,) = grad(first.sum(), x)
    np.testing.assert_allclose(gg.data, 6 * x.data)
    (x * x).sum().backward(create_graph=True)  # accumulates into the Tensor grad
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2 + 2 * x.data)


def test_create_graph_records_even_under_no_grad_and_keeps_float32():
    x = Tensor(np.array([0.5, 2.0], dtype=np.float32), requires_grad=True)
    y = (x * np.float64(2.0) * x).sum()  # a float64 number: x's VJP is cast back to float32 in the graph
    with no_grad():
        (g,) = grad(y, x, create_graph=True)
    assert g.requires_grad and g.dtype == np.float32
    (h,) = grad(g.sum(), x)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h.data, [4.0, 4.0])


def test_an_op_without_backward_graph_says_so():
    class Square(Op):
        name = "Square"

        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, g):
            return (2 * g * self.x,)

    x = Tensor([3.0], requires_grad=True)
    am.apply(Square(), x).sum().backward()  # first order works
    with pytest.raises(NotImplementedError, match="Square.*first derivatives only"):
        grad(am.apply(Square(), x).sum(), x, create_graph=True)


def test_sum_to_shape_broadcast_to_and_cast_ops_are_differentiable_twice():
    from autograd_mini.ops import broadcast_to, cast, sum_to

    rs = np.random.RandomState(4)
    x0 = rs.randn(2, 1)
    x = Tensor(x0, requires_grad=True)
    y = sum_to(broadcast_to(x, (3, 2, 4)) ** 2, (2, 1))  # 12 * x^2
    z = cast(y, np.float32)
    assert z.dtype == np.float32
    (g,) = grad(z.sum(), x, create_graph=True)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.data, 24 * x0, rtol=1e-6)
    (h,) = grad((g**2).sum(), x)
    np.testing.assert_allclose(h.data, 2 * 24 * 24 * x0, rtol=1e-5)


# ----------------------------------------------------------------- memory


def _live(kind) -> int:
    gc.collect()
    # type() rather than isinstance(): isinstance on every live object wakes lazy modules (torch's).
    return sum(1 for o in gc.get_objects() if issubclass(type(o), kind))


def test_graphs_kept_by_create_graph_are_freed_when_dropped():
    """10,000 double-backward rounds: no tensors or ops pile up.

    grad() makes no reference cycle, so it is checked with the cycle collector
    off (plain reference counting frees each round). backward(create_graph=True)
    makes the cycle leaf -> .grad -> graph -> leaf (as in PyTorch), freed by the
    collector once the leaf is dropped.
    """
    rs = np.random.RandomState(5)
    W0, X = rs.randn(3, 4), Tensor(rs.randn(4, 6))

    def round_with_grad():
        W = Tensor(W0, requires_grad=True)
        cost = F.affine(W, X, 0.0).sigmoid().mean()
        (g,) = grad(cost, W, create_graph=True)
        grad((g * g).sum(), W)

    def round_with_backward():  # a smaller graph: this round is about the cycle, not the ops
        W = Tensor(W0, requires_grad=True)
        (W.exp().sum()).backward(create_graph=True)
        grad((W.grad * W.grad).sum(), W)

    for one_round, collector in ((round_with_grad, False), (round_with_backward, True)):
        for _ in range(100):
            one_round()
        before = (_live(Tensor), _live(Op))
        if not collector:
            gc.disable()
        try:
            for _ in range(10_000):
                one_round()
        finally:
            gc.enable()
        after = (_live(Tensor), _live(Op))
        assert after[0] <= before[0] and after[1] <= before[1], (one_round.__name__, before, after)
