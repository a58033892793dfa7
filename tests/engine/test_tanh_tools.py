"""tanh through the engine's tools: anomaly mode names it, to_dot draws it, gradcheck and Replay handle it.

(Its gradients to first and second order are in the op factory, its extremes in
test_functional.py, torch's agreement in test_torch_compare.py.)
"""
import numpy as np
import pytest

from autograd_mini import AnomalyError, GradcheckError, Replay, Tensor, detect_anomaly, gradcheck
from autograd_mini.graph import to_dot


def test_anomaly_names_tanh_on_a_nan_input_and_in_backward():
    x = Tensor(np.array([0.5, np.nan]), requires_grad=True)
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="Tanh"):
            x.tanh()
    # forward finite, backward not: an infinite upstream gradient times 1 - y^2
    y = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    with detect_anomaly():
        out = y.tanh()
        with pytest.raises(AnomalyError, match="Tanh"):
            out.backward(np.array([1.0, np.inf]))


def test_to_dot_shows_the_tanh_node():
    x = Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    dot = to_dot((x.tanh() * 2).sum())
    assert "Tanh" in dot and dot.count("->") >= 3


def test_gradcheck_passes_for_tanh_and_fails_for_a_wrong_vjp():
    x = Tensor(np.random.RandomState(0).randn(3, 4), requires_grad=True)
    assert gradcheck(lambda t: (t.tanh() * t).sum(), (x,))

    from autograd_mini import apply, ops

    class BadTanh(ops.Tanh):
        def backward(self, grad):
            (dx,) = super().backward(grad)
            return (dx * 1.5,)

    with pytest.raises(GradcheckError):
        gradcheck(lambda t: apply(BadTanh(), t).sum(), (x,))


def test_replay_of_tanh_is_eager_bit_for_bit():
    rng = np.random.RandomState(1)
    W = Tensor(rng.randn(3, 2), requires_grad=True)
    X = Tensor(rng.randn(2, 5))
    replay = Replay(lambda: (W @ X).tanh().sum())
    for scale in (1.0, 3.0):
        X.data = X.data * scale
        value = replay.forward().item()
        replay.backward()
        got = W.grad.copy()
        W.grad = None
        eager = (W @ X).tanh().sum()
        eager.backward()
        assert value == eager.item()
        np.testing.assert_array_equal(got, W.grad)
        W.grad = None
