"""autograd_mini.optim: the update rules against the course's hand-written ones, and their contract."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Tensor
from autograd_mini.optim import (Adam, GradientDescent, Momentum, OPTIMIZERS, inverse_decay, make_optimizer,
                                 scheduled_decay)
from nets import manual


def parameters_and_gradients(seed, shapes=((3, 2), (3, 1), (1, 3), (1, 1)), steps=6):
    rng = np.random.RandomState(seed)
    params = {}
    for l, (w, b) in enumerate(zip(shapes[0::2], shapes[1::2]), start=1):
        params[f"W{l}"], params[f"b{l}"] = rng.randn(*w), rng.randn(*b)
    grads = [{"d" + k: rng.randn(*v.shape) * 10.0 ** rng.randint(-6, 2) for k, v in params.items()}
             for _ in range(steps)]
    return params, grads


def run_engine(optimizer, params, grads, **hyper):
    tensors = [Tensor(v.copy(), requires_grad=True, name=k) for k, v in params.items()]
    opt = make_optimizer(optimizer, tensors, hyper.pop("learning_rate"), **hyper)
    trajectory = []
    for g in grads:
        for t in tensors:
            t.grad = g["d" + t.name]
        opt.step()
        trajectory.append({t.name: t.data for t in tensors})
    return trajectory


def run_manual(optimizer, params, grads, learning_rate, beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8):
    trajectory = []
    v = manual.initialize_velocity(params)
    v_adam, s_adam = manual.initialize_adam(params)
    for t, g in enumerate(grads, start=1):
        if optimizer == "gd":
            params = manual.update_parameters_with_gd(params, g, learning_rate)
        elif optimizer == "momentum":
            params, v = manual.update_parameters_with_momentum(params, g, v, beta, learning_rate)
        else:
            params, v_adam, s_adam = manual.update_parameters_with_adam(
                params, g, v_adam, s_adam, t, learning_rate, beta1, beta2, epsilon)
        trajectory.append(params)
    return trajectory


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@given(seed=st.integers(0, 10**6), lr=st.sampled_from([0.0007, 0.01, 0.3]), beta=st.sampled_from([0.0, 0.5, 0.9]),
       beta2=st.sampled_from([0.99, 0.999]), epsilon=st.sampled_from([1e-8, 1e-3]))
def test_updates_are_identical_to_the_course_functions(optimizer, seed, lr, beta, beta2, epsilon):
    params, grads = parameters_and_gradients(seed)
    hyper = dict(learning_rate=lr, beta=beta, beta1=beta, beta2=beta2, epsilon=epsilon)
    engine = run_engine(optimizer, params, grads, **hyper)
    expected = run_manual(optimizer, params, grads, **hyper)
    for step, (got, want) in enumerate(zip(engine, expected)):
        for key in want:
            np.testing.assert_array_equal(got[key], want[key], err_msg=f"{key} after step {step + 1}")


def test_momentum_with_beta_zero_is_gradient_descent():
    params, grads = parameters_and_gradients(4)
    gd = run_engine("gd", params, grads, learning_rate=0.1)
    momentum = run_engine("momentum", params, grads, learning_rate=0.1, beta=0.0)
    for a, b in zip(gd, momentum):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_step_clears_gradients_and_makes_new_arrays():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    old = W.data
    W.grad = np.full((2, 2), 0.5)
    GradientDescent([W], 0.1).step()
    assert W.grad is None
    np.testing.assert_array_equal(old, np.ones((2, 2)))  # the old array is left as it was
    np.testing.assert_allclose(W.data, 0.95)


def test_state_and_restore_undo_steps():
    W = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = Adam([W], 0.1)
    W.grad = np.array([0.3, 0.1])
    opt.step()
    snapshot = opt.state()
    saved = W.data.copy()
    for _ in range(3):
        W.grad = np.array([5.0, -1.0])
        opt.step()
    opt.restore(snapshot)
    np.testing.assert_array_equal(W.data, saved)
    assert opt.steps == 1
    # The next step from the restored state is the step that would have followed.
    W.grad = np.array([5.0, -1.0])
    opt.step()
    replay = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    again = Adam([replay], 0.1)
    for g in ([0.3, 0.1], [5.0, -1.0]):
        replay.grad = np.array(g)
        again.step()
    np.testing.assert_array_equal(W.data, replay.data)


def test_a_learning_rate_set_between_steps_is_used():
    W = Tensor(np.array([1.0]), requires_grad=True)
    opt = Momentum([W], 0.1, beta=0.5)
    W.grad = np.array([1.0])
    opt.step()  # v = 0.5, W = 1 - 0.05
    opt.learning_rate = 1.0
    W.grad = np.array([1.0])
    opt.step()  # v = 0.75, W = 0.95 - 0.75
    np.testing.assert_allclose(W.data, [0.2], rtol=1e-15)


def test_clear_errors():
    W = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty"):
        GradientDescent([], 0.1)
    with pytest.raises(TypeError, match="not a Tensor"):
        GradientDescent([np.ones(2)], 0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        GradientDescent([Tensor(np.ones(2))], 0.1)
    with pytest.raises(ValueError, match="twice"):
        GradientDescent([W, W], 0.1)
    with pytest.raises(RuntimeError, match="no gradient"):
        GradientDescent([W], 0.1).step()
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning_rate"):
            GradientDescent([W], bad)
    for name, bad in (("beta", 1.0), ("beta", -0.1), ("beta1", 1.5), ("beta2", float("nan"))):
        with pytest.raises(ValueError, match=name):
            make_optimizer("adam", [W], 0.1, **{name: bad})
    with pytest.raises(ValueError, match="epsilon"):
        make_optimizer("adam", [W], 0.1, epsilon=0)
    with pytest.raises(TypeError, match="beta"):
        make_optimizer("momentum", [W], 0.1, beta="0.9")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        make_optimizer("sgd", [W], 0.1)
    assert set(OPTIMIZERS) == {"gd", "momentum", "adam"}


@given(lr0=st.floats(1e-4, 1.0), epoch=st.integers(0, 20000), rate=st.floats(0, 5), interval=st.integers(1, 3000))
def test_decay_rules_equal_the_course_functions(lr0, epoch, rate, interval):
    assert inverse_decay(lr0, epoch, rate) == manual.update_lr(lr0, epoch, rate)
    assert scheduled_decay(lr0, epoch, rate, interval) == manual.schedule_lr_decay(lr0, epoch, rate, interval)


# ----------------------------------------------------------------------------- the flat layout


def test_parameters_of_one_dtype_live_in_one_flat_array():
    tensors = [Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True), Tensor(np.ones((2, 1)), requires_grad=True),
               Tensor(np.zeros((1, 2), dtype=np.float32), requires_grad=True)]
    opt = Momentum(tensors, 0.1, beta=0.5)
    first, second, third = (t.data for t in tensors)
    assert first.base is not None and first.base is second.base  # views of one float64 array
    assert third.base is not first.base and third.dtype == np.float32  # another dtype, another array
    np.testing.assert_array_equal(first, np.arange(6.0).reshape(2, 3))
    # Gradients in any memory order, updated elementwise exactly as one parameter at a time.
    grads = [np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.full((2, 1), 2.0), np.ones((1, 2), np.float32)]
    for t, g in zip(tensors, grads):
        t.grad = g
    opt.step()
    for t, start, g in zip(tensors, (first, second, third), grads):
        v = 0.5 * np.zeros_like(g) + (1 - 0.5) * g
        np.testing.assert_array_equal(t.data, start - 0.1 * v)
        assert t.data.dtype == start.dtype and t.data.shape == start.shape


def test_a_data_assigned_between_steps_is_taken_in():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.zeros((2, 1)), requires_grad=True)
    opt = GradientDescent([W, b], 0.5)
    snapshot = opt.state()
    W.data = np.full((2, 2), 4.0)  # from outside, as gram's materialise or a user would
    W.grad, b.grad = np.ones((2, 2)), np.ones((2, 1))
    opt.step()
    np.testing.assert_array_equal(W.data, np.full((2, 2), 3.5))
    np.testing.assert_array_equal(b.data, np.full((2, 1), -0.5))
    opt.restore(snapshot)
    np.testing.assert_array_equal(W.data, np.ones((2, 2)))
    np.testing.assert_array_equal(b.data, np.zeros((2, 1)))
    # A snapshot taken after an outside assignment holds the assigned values.
    W.data = np.full((2, 2), 7.0)
    later = opt.state()
    W.grad, b.grad = np.ones((2, 2)), np.ones((2, 1))
    opt.step()
    opt.restore(later)
    np.testing.assert_array_equal(W.data, np.full((2, 2), 7.0))


def test_a_large_parameter_keeps_an_array_of_its_own():
    from autograd_mini.optim import SHARED_ARRAY_LIMIT

    big = Tensor(np.ones((2, SHARED_ARRAY_LIMIT // 2)), requires_grad=True)
    small = [Tensor(np.ones((3, 1)), requires_grad=True), Tensor(np.ones((1, 3)), requires_grad=True)]
    opt = GradientDescent([small[0], big, small[1]], 0.5)
    assert small[0].data.base is small[1].data.base
    assert big.data.base is not small[0].data.base
    big.grad = np.full(big.shape, 2.0)
    small[0].grad, small[1].grad = np.ones((3, 1)), np.ones((1, 3))
    opt.step()
    np.testing.assert_array_equal(big.data, np.zeros(big.shape))
    np.testing.assert_array_equal(small[1].data, np.full((1, 3), 0.5))
