"""Replay (trace once, rerun many times) computes what eager mode computes, bit for bit."""
import numpy as np
import pytest

import autograd_mini.functional as F
from autograd_mini import Replay, ReplayError, Tensor
from nets import BinaryClassifier, make_synthetic_catvnoncat


def test_replay_equals_eager_on_a_graph_with_fan_out_and_broadcasting():
    rng = np.random.RandomState(0)
    a = Tensor(rng.randn(3, 4), requires_grad=True)
    b = Tensor(rng.randn(4), requires_grad=True)
    c = Tensor(rng.rand(3, 1) + 0.5)  # a constant

    def fn():
        h = (a * b + c).sigmoid()
        return ((h + h * a) / c).log().sum(axis=1).mean() + (a.T @ a).exp().sum() * 1e-3

    replay = Replay(fn)
    for step in range(3):
        a.data = a.data + 0.1  # leaves change between runs, as parameters do
        eager = fn()
        eager.backward()
        eager_grads = (a.grad, b.grad)
        a.grad = b.grad = None
        value = replay.forward()
        replay.backward()
        assert value == eager.data
        np.testing.assert_array_equal(a.grad, eager_grads[0])
        np.testing.assert_array_equal(b.grad, eager_grads[1])
        assert c.grad is None
        a.grad = b.grad = None


def test_replay_accumulates_and_keeps_retained_gradients():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    captured = {}

    def fn():
        captured["h"] = (x * 3.0).retain_grad()
        return (captured["h"] * captured["h"]).sum()

    replay = Replay(fn)
    replay.forward()
    replay.backward()
    replay.forward()
    replay.backward()
    np.testing.assert_array_equal(x.grad, 2 * 18 * x.data)  # accumulated over two passes
    np.testing.assert_array_equal(captured["h"].grad, 2 * 2 * 3 * x.data)


def test_replay_refuses_leaves_that_changed_shape_or_dtype():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    replay = Replay(lambda: (x * x).sum())
    x.data = np.ones((3, 3))
    with pytest.raises(ReplayError, match=r"\(2, 3\) float64"):
        replay.forward()
    x.data = np.ones((2, 3), dtype=np.float32)
    with pytest.raises(ReplayError):
        replay.forward()


def test_replay_backward_needs_a_forward_first():
    x = Tensor(np.ones(2), requires_grad=True)
    replay = Replay(lambda: (x * x).sum())
    with pytest.raises(RuntimeError, match="forward"):
        replay.backward()
    with pytest.raises(TypeError):
        Replay(lambda: 3.0)
    vector = Replay(lambda: x * x)
    vector.forward()
    with pytest.raises(RuntimeError, match="one-element"):
        vector.backward()


@pytest.mark.parametrize("cost", ["stable", "faithful"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_training_with_replay_equals_eager_training_step_for_step(cost, dtype):
    X, Y = make_synthetic_catvnoncat(seed=1, image_size=8)[:2]
    dims = [192, 9, 5, 1]
    replayed = BinaryClassifier(dims, seed=4, cost=cost, dtype=dtype)
    eager = BinaryClassifier(dims, seed=4, cost=cost, dtype=dtype)
    h_replay = replayed.fit(X, Y, 0.05, 60, print_every=1, solver="backprop", replay=True)
    h_eager = eager.fit(X, Y, 0.05, 60, print_every=1, solver="backprop", replay=False)
    assert h_replay == h_eager  # every cost, exactly
    for key, value in eager.parameters.items():
        np.testing.assert_array_equal(replayed.parameters[key], value)
    assert h_eager[-1][1] < h_eager[0][1]


def test_replay_frees_saved_arrays_after_backward():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    X = Tensor(np.ones((2, 3)))
    replay = Replay(lambda: F.affine(W, X, 0.0).relu().sum())
    replay.forward()
    ops = [op for op, _, _ in replay.program]
    assert any(getattr(op, "x", None) is not None or getattr(op, "mask", None) is not None for op in ops)
    replay.backward()
    assert all(getattr(op, name, None) is None for op in ops for name in op.saved)


def test_computations_on_constants_are_recomputed_from_the_current_leaves():
    """``1 - Y`` involves no gradient, but a replay must follow Y as it changes (new batch labels)."""
    rng = np.random.RandomState(2)
    w = Tensor(rng.randn(1, 3), requires_grad=True)
    x = Tensor(rng.randn(3, 5))
    y = Tensor((rng.rand(1, 5) > 0.5) * 1.0)

    def fn():
        p = (w @ x).sigmoid()
        return F.binary_cross_entropy(p, y) + ((1 - y) * x.sum(axis=0)).sum()

    replay = Replay(fn)
    for _ in range(4):
        x.data = rng.randn(3, 5)
        y.data = (rng.rand(1, 5) > 0.5) * 1.0
        eager = fn()
        eager.backward()
        expected, w.grad = w.grad, None
        assert replay.forward() == eager.data
        replay.backward()
        np.testing.assert_array_equal(w.grad, expected)
        w.grad = None
    assert y.grad is None and not y.requires_grad


@pytest.mark.parametrize("cost", ["stable", "faithful"])
def test_mini_batch_training_with_replay_equals_eager_training(cost):
    X, Y, _, _, _ = make_synthetic_catvnoncat(seed=2, n_train=40, n_test=4, image_size=8)
    runs = []
    for replay in (True, False):
        model = BinaryClassifier([X.shape[0], 5, 3, 1], seed=4, cost=cost)
        history = model.fit(X, Y, learning_rate=0.05, batch_size=16, epochs=6, print_every=1, replay=replay,
                            solver="backprop")
        runs.append((history, model.parameters))
    (h1, p1), (h2, p2) = runs
    assert [c for _, c in h1] == [c for _, c in h2]
    for key in p1:
        np.testing.assert_array_equal(p1[key], p2[key], err_msg=key)
