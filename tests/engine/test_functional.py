"""Numerics: a sigmoid and a tanh that never overflow, and the two binary cross-entropy costs."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini.functional as F
from autograd_mini import Tensor
from tests.strategies import stable_sigmoid_reference

DTYPES = [np.float32, np.float64]


def _extremes(dtype):
    info = np.finfo(dtype)
    return np.array(
        [0.0, -0.0, 1e-30, -1e-30, 30.0, -30.0, 100.0, -100.0, 1e4, -1e4, 1e30, -1e30, 1e38, -1e38,
         float(info.max), -float(info.max), float(info.tiny), -float(info.tiny)],
        dtype=dtype,
    )


def _post_cost(P, Y):
    m = Y.shape[1]
    return -1 / m * np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))


@pytest.fixture
def strict_numerics():
    """Every numpy floating-point warning (overflow, divide, invalid) as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


# ----------------------------------------------------------------- sigmoid


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_extremes_no_overflow_no_warning(dtype, strict_numerics):
    x = Tensor(_extremes(dtype), requires_grad=True)
    y = x.sigmoid()
    assert y.dtype == dtype
    assert np.all(np.isfinite(y.data))
    assert np.all((y.data >= 0) & (y.data <= 1))
    big = np.abs(x.data) >= 1e4  # sigmoid(-1e4) is below the smallest subnormal: exactly 0
    np.testing.assert_array_equal(y.data[big], (x.data[big] > 0).astype(dtype))
    np.testing.assert_allclose(y.data, stable_sigmoid_reference(x.data), rtol=1e-6, atol=0)
    y.backward(np.ones_like(y.data))
    assert x.grad.dtype == dtype
    assert np.all(np.isfinite(x.grad))
    assert np.all(x.grad[big] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_under_errstate_all_raise(dtype):
    x = Tensor(_extremes(dtype), requires_grad=True)
    with np.errstate(all="raise"):
        y = x.sigmoid()
    assert np.all(np.isfinite(y.data))


@settings(max_examples=30)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), elements=st.floats(-30, 30)))
def test_sigmoid_matches_textbook_formula_in_safe_range(z):
    y = Tensor(z).sigmoid()
    np.testing.assert_allclose(y.data, 1 / (1 + np.exp(-z)), rtol=1e-14, atol=1e-300)


# ----------------------------------------------------------------- tanh


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_extremes_exact_limits_no_warning(dtype, strict_numerics):
    x = Tensor(_extremes(dtype), requires_grad=True)
    y = x.tanh()
    assert y.dtype == dtype
    big = np.abs(x.data) >= 30  # tanh(30) rounds to 1 in float64 and float32
    np.testing.assert_array_equal(y.data[big], np.sign(x.data[big]))
    # The reference: tanh(x) = expm1(2x) / (expm1(2x) + 2), in float64, accurate near 0 and safe below 30.
    small = ~big
    x64 = x.data[small].astype(np.float64)
    np.testing.assert_allclose(y.data[small], np.expm1(2 * x64) / (np.expm1(2 * x64) + 2), rtol=1e-6, atol=0)
    y.backward(np.ones_like(y.data))
    assert x.grad.dtype == dtype
    assert np.all(x.grad[big] == 0)  # 1 - (+-1)^2, exactly
    np.testing.assert_allclose(x.grad[small], 1 / np.cosh(x64) ** 2, rtol=1e-6)


# ----------------------------------------------------------------- composite cost (the post's)


@settings(max_examples=30)
@given(st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_binary_cross_entropy_equals_post_formula(m, seed):
    rs = np.random.RandomState(seed)
    P = rs.uniform(0.01, 0.99, size=(1, m))
    Y = (rs.uniform(size=(1, m)) > 0.5).astype(np.float64)
    cost = F.binary_cross_entropy(Tensor(P), Y)
    assert cost.shape == ()
    np.testing.assert_allclose(cost.item(), _post_cost(P, Y), rtol=1e-14)


def test_binary_cross_entropy_divides_by_number_of_columns():
    P = np.full((2, 4), 0.5)
    Y = np.ones((2, 4))
    # sum over all 8 entries of -log(0.5), divided by m = 4 columns (not by 8)
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(P), Y).item(), 8 * np.log(2) / 4)


def test_binary_cross_entropy_gradient_closed_form():
    rs = np.random.RandomState(0)
    P = rs.uniform(0.05, 0.95, size=(1, 6))
    Y = np.array([[1, 0, 0, 1, 1, 0]], dtype=np.float64)
    p = Tensor(P, requires_grad=True)
    F.binary_cross_entropy(p, Y).backward()
    # dJ/dP = -(Y/P - (1-Y)/(1-P)) / m, the post's dAL divided by m
    np.testing.assert_allclose(p.grad, -(Y / P - (1 - Y) / (1 - P)) / 6, rtol=1e-12)


def test_binary_cross_entropy_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r"\(1, 3\).*\(1, 4\)"):
        F.binary_cross_entropy(Tensor(np.full((1, 3), 0.5)), np.ones((1, 4)))


def test_log_of_zero_is_minus_inf_with_numpy_warning():
    """Documented behaviour: as numpy, log(0) = -inf with a RuntimeWarning; log(<0) = nan."""
    x = Tensor([0.0, 1.0, -1.0], requires_grad=True)
    with pytest.warns(RuntimeWarning):
        y = x.log()
    assert y.data[0] == -np.inf and y.data[1] == 0.0 and np.isnan(y.data[2])
    with pytest.warns(RuntimeWarning):
        y.backward(np.ones(3))
    assert x.grad[0] == np.inf and x.grad[1] == 1.0 and x.grad[2] == -1.0


def test_composite_cost_at_saturated_probabilities_matches_the_post():
    """P exactly 0 or 1: the composite cost is what the post's formula gives (numpy warns).

    On the wrong side (P=0 where Y=1) that is +inf. On the RIGHT side (P=1 where
    Y=1) it is nan, since (1-Y)*log(1-P) = 0 * -inf; the docstring of
    binary_cross_entropy only mentions the wrong side. This is why the fused
    logits version exists.
    """
    Y = np.array([[1.0, 0.0]])
    wrong = np.array([[0.0, 0.5]])
    right = np.array([[1.0, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected_wrong, expected_right = _post_cost(wrong, Y), _post_cost(right, Y)
    assert expected_wrong == np.inf and np.isnan(expected_right)
    with pytest.warns(RuntimeWarning):
        assert F.binary_cross_entropy(Tensor(wrong), Y).item() == np.inf
    with pytest.warns(RuntimeWarning):
        assert np.isnan(F.binary_cross_entropy(Tensor(right), Y).item())


def test_composite_cost_of_sigmoid_of_large_logit_is_not_finite():
    """log(sigmoid(z)) loses everything once sigmoid rounds to 0: the composite path gives inf."""
    z = Tensor(np.array([[-1e4, 1e4]]), requires_grad=True)
    Y = np.array([[1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cost = F.binary_cross_entropy(z.sigmoid(), Y)
    assert not np.isfinite(cost.item())
    fused = F.binary_cross_entropy_with_logits(z, Y)
    np.testing.assert_allclose(fused.item(), (1e4 + 1e4) / 2)


# ----------------------------------------------------------------- fused logits cost


def _logits_reference(Z, Y):
    """Independent stable form: -(Y log s + (1-Y) log(1-s)) with log s = -logaddexp(0, -z)."""
    m = Z.shape[-1]
    log_s = -np.logaddexp(0.0, -Z)
    log_one_minus_s = -np.logaddexp(0.0, Z)
    return -np.sum(Y * log_s + (1 - Y) * log_one_minus_s) / m


@pytest.mark.parametrize("dtype", DTYPES)
def test_logits_cost_finite_at_extremes(dtype, strict_numerics):
    Z = np.array([[1e4, -1e4, 1e4, -1e4, 0.0, 3.0]], dtype=dtype)
    Y = np.array([[1, 1, 0, 0, 1, 0]], dtype=dtype)
    z = Tensor(Z, requires_grad=True)
    cost = F.binary_cross_entropy_with_logits(z, Y)
    assert cost.shape == () and cost.dtype == dtype
    assert np.isfinite(cost.item())
    np.testing.assert_allclose(cost.item(), _logits_reference(Z.astype(np.float64), Y.astype(np.float64)), rtol=1e-6)
    cost.backward()
    assert z.grad.dtype == dtype and np.all(np.isfinite(z.grad))
    expected = (stable_sigmoid_reference(Z) - Y) / Z.shape[1]
    np.testing.assert_array_equal(z.grad, expected.astype(dtype))


@settings(max_examples=30)
@given(
    st.integers(1, 6),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
    st.sampled_from(DTYPES),
    st.sampled_from([1.0, 10.0, 1e3, 1e4]),
)
def test_logits_gradient_is_exactly_sigmoid_minus_y_over_m(m, rows, seed, dtype, scale):
    rs = np.random.RandomState(seed)
    Z = (rs.standard_normal((rows, m)) * scale).astype(dtype)
    Y = (rs.uniform(size=(rows, m)) > 0.5).astype(dtype)
    z = Tensor(Z, requires_grad=True)
    F.binary_cross_entropy_with_logits(z, Y).backward()
    expected = ((stable_sigmoid_reference(Z) - Y) / dtype(m)).astype(dtype)
    np.testing.assert_array_equal(z.grad, expected)


@settings(max_examples=30)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_logits_cost_equals_composite_where_finite(m, seed):
    rs = np.random.RandomState(seed)
    Z = rs.standard_normal((1, m)) * 5
    Y = (rs.uniform(size=(1, m)) > 0.5).astype(np.float64)
    composite = F.binary_cross_entropy(Tensor(Z).sigmoid(), Y).item()
    fused = F.binary_cross_entropy_with_logits(Tensor(Z), Y).item()
    assert np.isfinite(composite)
    np.testing.assert_allclose(fused, composite, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fused, _logits_reference(Z, Y), rtol=1e-12)


def test_logits_cost_gradient_wrt_targets_by_finite_differences():
    rs = np.random.RandomState(5)
    Z = rs.standard_normal((2, 3))
    Yv = rs.uniform(size=(2, 3))
    y = Tensor(Yv, requires_grad=True)
    F.binary_cross_entropy_with_logits(Tensor(Z), y).backward()
    h = 1e-6
    numeric = np.zeros_like(Yv)
    for idx in np.ndindex(Yv.shape):
        plus, minus = Yv.copy(), Yv.copy()
        plus[idx] += h
        minus[idx] -= h
        numeric[idx] = (_logits_reference(Z, plus) - _logits_reference(Z, minus)) / (2 * h)
    np.testing.assert_allclose(y.grad, numeric, rtol=1e-6, atol=1e-9)


def test_logits_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shape"):
        F.binary_cross_entropy_with_logits(Tensor(np.zeros((1, 3))), np.zeros((3, 1)))
