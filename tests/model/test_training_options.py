"""fit's training options (L2, dropout, optimizers, mini-batches, decay, inits) against the hand-derived oracle.

The oracle is nets.manual part 3, itself checked in test_manual_course2.py. The
engine's gradients must agree with it to 1e-10 relative (to each gradient
element's scale of terms), its updates must be the oracle's to the last bit,
and whole training runs must follow the oracle's loop step for step.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nets import BinaryClassifier, TrainingDiverged, manual

NETWORKS = [[3, 1], [4, 5, 1], [4, 6, 3, 1], [3, 5, 2, 4, 1], [2, 4, 3, 5, 2, 1]]


def data(n_x, m, seed):
    rng = np.random.RandomState(seed)
    return rng.randn(n_x, m), (rng.rand(1, m) > 0.5).astype(float)


def masks_for(dims, m, keep_prob, seed):
    rng = np.random.RandomState(seed)
    return [(rng.rand(n, m) < keep_prob).astype(int) for n in dims[1:-1]]


def oracle_gradients(params, X, Y, l2, keep_prob, seed):
    """The course's backward pass with L2 and dropout combined (masks drawn as DropoutMasks draws them)."""
    AL, caches = manual.L_model_forward_with_dropout(X, params, keep_prob, np.random.RandomState(seed))
    grads = manual.L_model_backward_with_dropout(AL, Y, caches, keep_prob)
    m = X.shape[1]
    for l in range(1, len(params) // 2 + 1):
        grads[f"dW{l}"] = grads[f"dW{l}"] + l2 / m * params[f"W{l}"]
    cost = manual.compute_cost_with_regularization(AL, Y, params, l2)
    return cost, grads, [c[2] for c in caches[:-1]]


def term_scale(params, X, Y, masks, keep_prob, l2):
    """Per element, the sum of |terms| of the gradient (the scale its rounding error is relative to)."""
    L, m = len(params) // 2, X.shape[1]
    A, As, Zs = X, [X], []
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        Zs.append(Z)
        if l < L:
            A = np.maximum(Z, 0) * masks[l - 1] / keep_prob
            As.append(A)
    AL = 1 / (1 + np.exp(-Zs[-1]))
    scale = {}
    dZ = np.abs(AL - Y)
    for l in range(L, 0, -1):
        scale[f"dW{l}"] = dZ @ np.abs(As[l - 1]).T / m + l2 / m * np.abs(params[f"W{l}"])
        scale[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dZ = (np.abs(params[f"W{l}"]).T @ dZ) * masks[l - 2] / keep_prob * (Zs[l - 2] > 0)
    return scale


@pytest.mark.parametrize("dims", NETWORKS)
@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("keep_prob", [1.0, 0.75])
def test_gradients_with_l2_and_dropout_equal_the_oracle(dims, l2, keep_prob):
    X, Y = data(dims[0], 9, seed=len(dims))
    model = BinaryClassifier(dims, init="he", seed=len(dims) + 1)
    params = model.parameters
    _, expected, masks = oracle_gradients(params, X, Y, l2, keep_prob, seed=5)
    got = model.gradients(X, Y, l2=l2, dropout_masks=masks if keep_prob < 1 else None, keep_prob=keep_prob)
    scale = term_scale(params, X, Y, masks, keep_prob, l2)
    assert sorted(got) == sorted(k for k in expected if not k.startswith("dA"))
    for key, value in got.items():
        assert np.all(np.abs(value - expected[key]) <= 1e-10 * scale[key] + 1e-300), key
    if (keep_prob < 1 and len(dims) > 2) or l2:  # no hidden layer: nothing to drop out
        # The options change the gradients: a model that ignored them would fail the comparison above.
        plain = model.gradients(X, Y)
        assert any(np.abs(plain[k] - got[k]).max() > 1e-6 * (1 + np.abs(got[k]).max()) for k in got)


def test_dropout_masks_must_fit_the_network():
    model = BinaryClassifier([3, 4, 2, 1])
    X, Y = data(3, 5, 0)
    with pytest.raises(ValueError, match="one mask per hidden layer"):
        model.gradients(X, Y, dropout_masks=[np.ones((4, 5))], keep_prob=0.5)
    with pytest.raises(ValueError, match=r"shape \(2, 5\)"):
        model.gradients(X, Y, dropout_masks=[np.ones((4, 5)), np.ones((2, 4))], keep_prob=0.5)


def manual_training(dims, init_params, X, Y, lr, steps_or_epochs, optimizer="gd", l2=0.0, keep_prob=1.0,
                    batch_size=None, beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8, decay=None,
                    decay_rate=1.0, decay_interval=1000, decay_lag=0, mask_seed=lambda t: 1000 + t):
    """The course's training loop, generalised: returns ([(index, cost)], parameters)."""
    params = {k: v.copy() for k, v in init_params.items()}
    v = manual.initialize_velocity(params)
    va, sa = manual.initialize_adam(params)
    m, t, history = X.shape[1], 0, []
    for epoch in range(steps_or_epochs):
        lr_now = lr
        if decay:
            e = max(epoch - decay_lag, 0)
            lr_now = (manual.update_lr(lr, e, decay_rate) if decay == "inverse"
                      else manual.schedule_lr_decay(lr, e, decay_rate, decay_interval))
        if batch_size is None:
            batches = [(X, Y)]
        else:
            batches = manual.random_mini_batches(X, Y, batch_size, seed=10 + epoch + 1)
        total = 0.0
        for bx, by in batches:
            cost, grads, _ = oracle_gradients(params, bx, by, 0.0, keep_prob, mask_seed(t))
            if l2:  # the L2 term uses the training set's m, also for mini-batches
                for l in range(1, len(dims)):
                    grads[f"dW{l}"] = grads[f"dW{l}"] + l2 / m * params[f"W{l}"]
                squares = sum(np.sum(np.square(params[f"W{l}"])) for l in range(1, len(dims)))
                cost = cost + (1 / m) * (l2 / 2) * squares
            t += 1
            if optimizer == "gd":
                params = manual.update_parameters_with_gd(params, grads, lr_now)
            elif optimizer == "momentum":
                params, v = manual.update_parameters_with_momentum(params, grads, v, beta, lr_now)
            else:
                params, va, sa = manual.update_parameters_with_adam(params, grads, va, sa, t, lr_now,
                                                                     beta1, beta2, epsilon)
            total = cost if batch_size is None else total + cost * bx.shape[1]
        history.append((epoch, float(total if batch_size is None else total / m)))
    return history, params


def assert_same_run(history, params, expected_history, expected_params, rtol=1e-9):
    got = dict(history)
    for index, cost in expected_history:
        if index in got:
            assert got[index] == pytest.approx(cost, rel=rtol, abs=1e-14), index
    for key, value in expected_params.items():
        scale = np.abs(value).max() + 1e-12
        assert np.abs(params[key] - value).max() <= rtol * scale, key


COMBINATIONS = [(opt, l2, keep) for opt in ("gd", "momentum", "adam") for l2 in (0.0, 0.5) for keep in (1.0, 0.8)]


@pytest.mark.parametrize("optimizer,l2,keep_prob", COMBINATIONS)
@pytest.mark.parametrize("dims", [NETWORKS[0], NETWORKS[2], NETWORKS[4]])
def test_full_batch_training_follows_the_oracle_step_for_step(dims, optimizer, l2, keep_prob):
    X, Y = data(dims[0], 12, seed=7)
    model = BinaryClassifier(dims, init="he", seed=3)
    start = model.parameters
    lr = 0.01 if optimizer == "adam" else 0.1
    history = model.fit(X, Y, lr, 15, print_every=1, optimizer=optimizer, l2=l2, keep_prob=keep_prob,
                        beta=0.8, dropout_seed=lambda t: 1000 + t)
    expected_history, expected_params = manual_training(dims, start, X, Y, lr, 15, optimizer, l2, keep_prob,
                                                        beta=0.8)
    assert history.solver == "backprop" and history.optimizer == optimizer and history.steps == 15
    assert_same_run(history, model.parameters, expected_history, expected_params)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("dims", [NETWORKS[1], NETWORKS[3]])
def test_mini_batch_training_follows_the_oracle_epoch_for_epoch(dims, optimizer):
    X, Y = data(dims[0], 23, seed=2)
    model = BinaryClassifier(dims, init="he", seed=3)
    start = model.parameters
    lr = 0.01 if optimizer == "adam" else 0.1
    options = dict(optimizer=optimizer, l2=0.3, keep_prob=0.9, decay="scheduled", decay_rate=1.0, decay_interval=3)
    history = model.fit(X, Y, lr, batch_size=5, epochs=8, print_every=1, shuffle_seed=lambda k: 10 + k,
                        dropout_seed=lambda t: 1000 + t, decay_lag=1, **options)
    expected_history, expected_params = manual_training(dims, start, X, Y, lr, 8, batch_size=5, decay_lag=1,
                                                        **options)
    assert history.unit == "epoch" and history.batches_per_epoch == 5 and history.steps == 40
    assert_same_run(history, model.parameters, expected_history, expected_params)


@pytest.mark.parametrize("decay", ["inverse", "scheduled"])
@pytest.mark.parametrize("lag", [0, 1])
def test_decay_follows_the_oracle(decay, lag):
    dims = [3, 4, 1]
    X, Y = data(3, 10, seed=4)
    model = BinaryClassifier(dims, seed=1)
    start = model.parameters
    history = model.fit(X, Y, 0.5, 12, print_every=1, decay=decay, decay_rate=0.7, decay_interval=4, decay_lag=lag)
    expected = manual_training(dims, start, X, Y, 0.5, 12, decay=decay, decay_rate=0.7, decay_interval=4,
                               decay_lag=lag)
    assert_same_run(history, model.parameters, *expected)
    # And the decay made a difference.
    plain = BinaryClassifier(dims, seed=1)
    plain.fit(X, Y, 0.5, 12)
    assert not np.allclose(plain.parameters["W1"], model.parameters["W1"])


# --------------------------------------------------------------------- properties


@settings(max_examples=15)
@given(seed=st.integers(0, 1000), optimizer=st.sampled_from(["gd", "momentum", "adam"]))
def test_keep_prob_one_is_no_dropout_and_l2_zero_is_none(seed, optimizer):
    X, Y = data(3, 8, seed)
    runs = []
    for options in ({}, {"keep_prob": 1.0, "l2": 0.0, "dropout_seed": lambda t: 5}):
        model = BinaryClassifier([3, 4, 3, 1], seed=seed)
        history = model.fit(X, Y, 0.05, 6, print_every=1, optimizer=optimizer, **options)
        runs.append((list(history), model.parameters))
    assert runs[0][0] == runs[1][0]
    for key in runs[0][1]:
        np.testing.assert_array_equal(runs[0][1][key], runs[1][1][key])


@settings(max_examples=15)
@given(seed=st.integers(0, 1000), batch=st.sampled_from([None, 3]))
def test_momentum_with_beta_zero_is_gd(seed, batch):
    X, Y = data(3, 8, seed)
    runs = []
    for options in ({"optimizer": "gd"}, {"optimizer": "momentum", "beta": 0.0}):
        model = BinaryClassifier([3, 4, 1], seed=seed)
        steps = {"iterations": 6} if batch is None else {"batch_size": batch, "epochs": 3}
        model.fit(X, Y, 0.05, **steps, **options)
        runs.append(model.parameters)
    for key in runs[0]:
        np.testing.assert_array_equal(runs[0][key], runs[1][key])


# --------------------------------------------------------------------- behaviour


def test_dropout_never_touches_predictions_and_masks_are_reproducible():
    X, Y = data(3, 20, 1)
    a, b = BinaryClassifier([3, 8, 1], seed=4), BinaryClassifier([3, 8, 1], seed=4)
    ha = a.fit(X, Y, 0.1, 20, keep_prob=0.5)
    hb = b.fit(X, Y, 0.1, 20, keep_prob=0.5)
    assert list(ha) == list(hb)  # the same seed, the same masks
    # Predictions use no dropout: the probabilities are those of the plain forward pass.
    AL, _ = manual.L_model_forward(X, a.parameters)
    np.testing.assert_allclose(a.predict_proba(X), AL, rtol=1e-12)
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))
    # Fresh masks every step by default: a run with the course's fixed masks differs.
    c = BinaryClassifier([3, 8, 1], seed=4)
    c.fit(X, Y, 0.1, 20, keep_prob=0.5, dropout_seed=lambda t: 1)
    assert not np.array_equal(a.parameters["W1"], c.parameters["W1"])


def test_changing_keep_prob_does_not_change_the_batches():
    X = np.arange(10.0).reshape(1, 10)
    Y = (np.arange(10) % 2).reshape(1, 10).astype(float)
    seen = {}
    for keep in (1.0, 0.5):
        model = BinaryClassifier([1, 3, 1], seed=0)
        from nets.model import sampling

        calls = []
        original = sampling.MiniBatches.epoch

        def spy(self, number, calls=calls, original=original):
            out = original(self, number)
            calls.append(np.concatenate(out))
            return out

        sampling.MiniBatches.epoch = spy
        try:
            model.fit(X, Y, 0.1, batch_size=4, epochs=3, keep_prob=keep)
        finally:
            sampling.MiniBatches.epoch = original
        seen[keep] = calls
    for a, b in zip(seen[1.0], seen[0.5]):
        np.testing.assert_array_equal(a, b)


def test_epoch_cost_is_the_course_average_and_the_last_batch_is_smaller():
    X, Y = data(2, 10, 3)
    model = BinaryClassifier([2, 3, 1], seed=2)
    start = model.parameters
    history = model.fit(X, Y, 0.1, batch_size=4, epochs=1, shuffle_seed=lambda k: 10 + k)
    # By hand: three batches of 4, 4 and 2 examples, each example's loss summed, divided by 10.
    params, total = start, 0.0
    for bx, by in manual.random_mini_batches(X, Y, 4, seed=11):
        AL, caches = manual.L_model_forward(bx, params)
        total += float(np.sum(-(by * np.log(AL) + (1 - by) * np.log(1 - AL))))
        params = manual.update_parameters(params, manual.L_model_backward(AL, by, caches), 0.1)
    assert history[0][1] == pytest.approx(total / 10, rel=1e-12)
    assert history.batches_per_epoch == 3 and history.steps == 3


def test_zeros_and_large_inits():
    zeros = BinaryClassifier([2, 3, 1], init="zeros", seed=3)
    assert all(not v.any() for v in zeros.parameters.values())
    X, Y = data(2, 6, 0)
    history = zeros.fit(X, Y, 0.1, 5, print_every=1)
    assert history[0] == (0, pytest.approx(math.log(2), rel=1e-12))  # every output 1/2 at first
    # The symmetry is never broken: the hidden units stay identical.
    W1 = zeros.parameters["W1"]
    assert np.all(W1 == W1[0])
    large = BinaryClassifier([2, 3, 1], init="large", seed=3)
    rng = np.random.RandomState(3)
    np.testing.assert_array_equal(large.parameters["W1"], rng.randn(3, 2) * 10)
    np.testing.assert_array_equal(large.parameters["W2"], rng.randn(1, 3) * 10)


@pytest.mark.parametrize("X_scale,learning_rate", [(30, 90), (3, 10)])
def test_divergence_with_momentum_rolls_back_to_the_last_parameters_with_a_finite_cost(X_scale, learning_rate):
    rng = np.random.RandomState(0)
    X, Y = rng.randn(4, 8) * X_scale, (rng.rand(1, 8) > 0.5) * 1.0
    model = BinaryClassifier([4, 5, 1], seed=0, cost="faithful")
    optimizer = "momentum"
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged) as info:
        model.fit(X, Y, learning_rate=learning_rate, iterations=300, optimizer=optimizer)
    assert all(np.isfinite(v).all() for v in model.parameters.values())
    assert info.value.iteration is not None and info.value.iteration >= 1
    # The parameters kept are those the last finite cost was computed with: a
    # clean run of one iteration fewer ends on exactly them (the initial ones
    # when the second iteration diverged).
    clean = BinaryClassifier([4, 5, 1], seed=0, cost="faithful")
    if info.value.iteration > 1:
        with np.errstate(all="ignore"):
            clean.fit(X, Y, learning_rate=learning_rate, iterations=info.value.iteration - 1, optimizer=optimizer)
    for key, value in clean.parameters.items():
        np.testing.assert_array_equal(model.parameters[key], value, err_msg=key)


def test_divergence_in_mini_batches_names_the_epoch():
    rng = np.random.RandomState(0)
    X, Y = rng.randn(4, 8) * 30, (rng.rand(1, 8) > 0.5) * 1.0
    model = BinaryClassifier([4, 5, 1], seed=0, cost="faithful")
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="at epoch"):
        model.fit(X, Y, learning_rate=90, batch_size=3, epochs=300)
    assert all(np.isfinite(v).all() for v in model.parameters.values())


@pytest.mark.parametrize("options,message", [
    ({"keep_prob": 0}, "keep_prob"), ({"keep_prob": 1.5}, "keep_prob"), ({"keep_prob": -0.1}, "keep_prob"),
    ({"l2": -1}, "l2"), ({"l2": float("nan")}, "l2"),
    ({"epochs": 3}, "epochs"), ({"batch_size": 2}, "epochs"), ({"batch_size": 2, "iterations": 3}, "iterations"),
    ({"optimizer": "sgd"}, "optimizer"), ({"decay": "linear"}, "decay"), ({"decay_rate": -1}, "decay_rate"),
    ({"decay_interval": 0}, "decay_interval"), ({"decay_lag": -1}, "decay_lag"),
    ({"beta": 1.0}, "beta"), ({"beta1": -0.5}, "beta1"), ({"beta2": 1.0}, "beta2"), ({"epsilon": 0}, "epsilon"),
])
def test_bad_options_are_value_errors_naming_the_argument(options, message):
    X, Y = data(2, 6, 0)
    model = BinaryClassifier([2, 3, 1])
    before = model.parameters
    with pytest.raises(ValueError, match=message):
        model.fit(X, Y, 0.1, **options)
    for key, value in before.items():
        np.testing.assert_array_equal(model.parameters[key], value)


def test_bad_seed_functions():
    X, Y = data(2, 6, 0)
    model = BinaryClassifier([2, 3, 1])
    with pytest.raises(TypeError, match="shuffle_seed"):
        model.fit(X, Y, 0.1, batch_size=2, epochs=1, shuffle_seed=5)
    with pytest.raises(ValueError, match="dropout_seed"):
        model.fit(X, Y, 0.1, 2, keep_prob=0.5, dropout_seed=lambda t: -1)


def test_model_file_records_the_training(tmp_path):
    X, Y = data(2, 6, 0)
    model = BinaryClassifier([2, 3, 1])
    model.fit(X, Y, 0.05, batch_size=4, epochs=3, optimizer="adam", l2=0.1, keep_prob=0.9, decay="inverse")
    model.save(tmp_path / "m.h5")
    loaded = BinaryClassifier.load(tmp_path / "m.h5")
    assert loaded.training == model.training
    t = loaded.training
    assert (t["optimizer"], t["epochs"], t["batch_size"], t["l2"], t["keep_prob"], t["decay"]) == \
        ("adam", 3, 4, 0.1, 0.9, "inverse")
    assert t["beta1"] == 0.9 and t["steps"] == 6
    untrained = BinaryClassifier([2, 3, 1])
    untrained.save(tmp_path / "u.h5")
    assert BinaryClassifier.load(tmp_path / "u.h5").training is None
