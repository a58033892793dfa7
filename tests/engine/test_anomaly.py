"""detect_anomaly(): the first NaN/inf in forward or backward names the op, shapes and user line."""
import inspect
import os
import warnings

import numpy as np
import pytest

import autograd_mini.functional as F
from autograd_mini import AnomalyError, Tensor, detect_anomaly
from autograd_mini.anomaly import _AnomalyMode

THIS_FILE = os.path.basename(__file__)


def _next_line():
    """The line number just after the caller's line."""
    return inspect.currentframe().f_back.f_lineno + 1


def _assert_site(message, line):
    assert f"{THIS_FILE}:{line}" in message, message


@pytest.fixture(autouse=True)
def quiet_numpy():
    # numpy's own RuntimeWarning for log(0) / 0 ** -0.5 is not what these tests are about.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
    assert _AnomalyMode.enabled is False


@pytest.mark.parametrize("value, what", [(-1.0, "NaN"), (0.0, "infinity")])
def test_forward_log_of_nonpositive_raises(value, what):
    x = Tensor(np.array([[1.0, value, 2.0]]), requires_grad=True)
    y = x * 1.0
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            line = _next_line()
            y.log()
    message = str(info.value)
    assert "Log" in message and "(1, 3)" in message and "forward" in message
    assert what in message
    _assert_site(message, line)


def test_forward_first_op_is_named_not_a_later_one():
    x = Tensor(np.array([1.0, 0.0]), requires_grad=True)
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            line = _next_line()
            ((x * 2) / x).exp()  # 0/0 = nan in Div; Exp never runs
    assert "Div" in str(info.value) and "Exp" not in str(info.value)
    assert "(2,), (2,)" in str(info.value)
    _assert_site(str(info.value), line)


def test_forward_inside_library_function_reports_users_line():
    """The NaN is produced in functional.py, but the site must be this file's line."""
    P = Tensor(np.array([[0.5, 1.0]]), requires_grad=True)
    Y = np.array([[1.0, 0.0]])
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            line = _next_line()
            F.binary_cross_entropy(P, Y)
    message = str(info.value)
    assert "Log" in message and "(1, 2)" in message
    assert "functional.py" not in message
    _assert_site(message, line)


def test_backward_infinity_raises_naming_op_and_creation_line():
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    with detect_anomaly():
        line = _next_line()
        y = x**0.5  # forward is finite (0 and 2); d/dx at 0 is inf
        loss = y.sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "backward" in message and "Pow" in message and "(2,)" in message
    _assert_site(message, line)
    assert x.grad is None


def test_backward_nan_names_the_op_whose_vjp_made_it():
    """Upstream 0 times d sqrt(x)/dx = inf at 0 gives NaN in Pow's VJP; the forward pass is finite."""
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    weights = Tensor(np.array([0.0, 1.0]))
    with detect_anomaly():
        y = x * 1.0
        line = _next_line()
        root = y**0.5
        loss = (root * weights).sum()
        assert np.isfinite(loss.item())
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "NaN" in message and "Pow" in message and "(2,)" in message
    _assert_site(message, line)


def test_forward_overflow_in_mul():
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            line = _next_line()
            x * 1e308
    assert "Mul" in str(info.value) and "(1, 2), ()" in str(info.value)
    _assert_site(str(info.value), line)


def test_nothing_raises_outside_the_context():
    x = Tensor(np.array([-1.0, 0.0, 4.0]), requires_grad=True)
    y = x.log()
    assert np.isnan(y.data[0]) and y.data[1] == -np.inf
    z = x**0.5
    z.sum().backward()
    assert np.isinf(x.grad[1])


def test_graph_built_inside_backward_outside_does_not_raise():
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    with detect_anomaly():
        y = (x**0.5).sum()
    y.backward()  # outside: no check
    assert np.isinf(x.grad[0])


def test_context_restores_state_after_error_and_nests():
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            Tensor([0.0]).log()
    assert _AnomalyMode.enabled is False
    with detect_anomaly():
        with detect_anomaly():
            pass
        assert _AnomalyMode.enabled is True
        with pytest.raises(AnomalyError):
            Tensor([-1.0]).log()
    assert _AnomalyMode.enabled is False


def test_finite_computation_inside_context_is_unaffected():
    x = Tensor(np.array([[0.5, 2.0]]), requires_grad=True)
    with detect_anomaly():
        cost = F.binary_cross_entropy_with_logits(x * 3 - 1, np.array([[1.0, 0.0]]))
        cost.backward()
    assert np.all(np.isfinite(x.grad))


def test_anomaly_error_is_a_floating_point_error():
    assert issubclass(AnomalyError, FloatingPointError)


def test_backward_anomaly_without_forward_site_has_useful_message():
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    y = (x**0.5).sum()
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            y.backward()
    assert "None" not in str(info.value)
    assert "outside detect_anomaly()" in str(info.value)
