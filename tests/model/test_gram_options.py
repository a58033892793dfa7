"""The gram solver with momentum, L2, dropout, decay and mini-batches: backprop's iterates, and fit's behaviour.

The reference is the backprop solver (itself checked step for step against the
course's hand-derived loop in test_training_options.py) given the same batches
and dropout masks: both solvers draw them from the same samplers, seeded alike.
One combination is also checked against that hand-derived loop directly.
"""
import itertools

import numpy as np
import pytest

from nets import BinaryClassifier, TrainingDiverged

from tests.model.test_training_options import manual_training


def data(n_x, m, seed):
    rng = np.random.RandomState(seed)
    return rng.randn(n_x, m), (rng.rand(1, m) > 0.5).astype(float)


def max_relative(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def train(solver, dims, X, Y, lr, dtype="float64", seed=4, **options):
    model = BinaryClassifier(dims, init="he", seed=seed, dtype=dtype)
    history = model.fit(X, Y, lr, print_every=1, solver=solver, **options)
    assert history.solver == solver
    return model, history


COMBINATIONS = list(itertools.product(["gd", "momentum"], [0.0, 0.6], [1.0, 0.7], [None, 7]))


@pytest.mark.parametrize("optimizer,l2,keep_prob,batch_size", COMBINATIONS)
def test_gram_trains_the_backprop_iterates(optimizer, l2, keep_prob, batch_size):
    dims = [40, 6, 4, 1]
    X, Y = data(40, 30, seed=1)
    options = dict(optimizer=optimizer, beta=0.8, l2=l2, keep_prob=keep_prob,
                   decay="scheduled", decay_rate=0.5, decay_interval=4)
    options.update(dict(iterations=12) if batch_size is None else dict(batch_size=batch_size, epochs=12))
    gram_model, gram = train("gram", dims, X, Y, 0.05, **options)
    back_model, back = train("backprop", dims, X, Y, 0.05, **options)
    np.testing.assert_allclose([c for _, c in gram], [c for _, c in back], rtol=1e-9)
    for key, value in back_model.parameters.items():
        assert max_relative(gram_model.parameters[key], value) < 1e-9, key
    assert gram.steps == back.steps == (12 if batch_size is None else 12 * 5)
    # The run moved W1 well away from its start, so agreement is not between untrained weights.
    start = BinaryClassifier(dims, init="he", seed=4).parameters["W1"]
    assert max_relative(back_model.parameters["W1"], start) > 1e-2


@pytest.mark.parametrize("batch_size", [None, 4])
def test_one_layer_network_with_momentum_and_l2(batch_size):
    # W1 is the only weight: Z1 is the logits and ||W1||^2 the whole penalty.
    X, Y = data(25, 10, seed=2)
    steps = dict(iterations=30) if batch_size is None else dict(batch_size=batch_size, epochs=10)
    options = dict(optimizer="momentum", l2=2.0, decay="inverse", decay_rate=0.1, **steps)
    gram_model, gram = train("gram", [25, 1], X, Y, 0.1, **options)
    back_model, back = train("backprop", [25, 1], X, Y, 0.1, **options)
    np.testing.assert_allclose([c for _, c in gram], [c for _, c in back], rtol=1e-10)
    for key, value in back_model.parameters.items():
        assert max_relative(gram_model.parameters[key], value) < 1e-10, key


def test_gram_follows_the_hand_derived_loop():
    dims = [30, 5, 3, 1]
    X, Y = data(30, 23, seed=2)
    model = BinaryClassifier(dims, init="he", seed=3)
    start = model.parameters
    options = dict(optimizer="momentum", beta=0.85, l2=0.3, keep_prob=0.9, decay="scheduled", decay_rate=1.0,
                   decay_interval=3)
    history = model.fit(X, Y, 0.1, batch_size=5, epochs=8, print_every=1, shuffle_seed=lambda k: 10 + k,
                        dropout_seed=lambda t: 1000 + t, decay_lag=1, solver="gram", **options)
    expected_history, expected_params = manual_training(dims, start, X, Y, 0.1, 8, batch_size=5, decay_lag=1,
                                                        **options)
    assert history.solver == "gram"
    np.testing.assert_allclose([c for _, c in history], [c for _, c in expected_history], rtol=1e-9)
    for key, value in expected_params.items():
        assert max_relative(model.parameters[key], value) < 1e-9, key


def test_float32_stays_within_float32_rounding():
    dims = [60, 8, 4, 1]
    X, Y = data(60, 40, seed=5)
    options = dict(optimizer="momentum", l2=0.5, keep_prob=0.8, batch_size=16, epochs=15)
    gram_model, gram = train("gram", dims, X, Y, 0.05, dtype="float32", **options)
    back_model, back = train("backprop", dims, X, Y, 0.05, dtype="float32", **options)
    assert all(v.dtype == np.float32 for v in gram_model.parameters.values())
    np.testing.assert_allclose([c for _, c in gram], [c for _, c in back], rtol=1e-4)
    for key, value in back_model.parameters.items():
        assert max_relative(gram_model.parameters[key], value) < 1e-3, key


def test_parameters_and_save_during_training_and_an_interrupt(tmp_path):
    dims = [40, 6, 1]
    X, Y = data(40, 30, seed=3)
    options = dict(optimizer="momentum", l2=0.4, keep_prob=0.8, batch_size=8)
    seen = {}

    def look(model, solver):
        def callback(epoch, cost):
            if epoch in (0, 3):
                path = tmp_path / f"{solver}-{epoch}.h5"
                model.save(path)
                seen[solver, epoch] = model.parameters, model.predict_proba(X), BinaryClassifier.load(path).parameters
            if epoch == 5:
                raise KeyboardInterrupt
        return callback

    final = {}
    for solver in ("gram", "backprop"):
        model = BinaryClassifier(dims, seed=2)
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, Y, 0.1, epochs=20, solver=solver, callback=look(model, solver), **options)
        final[solver] = model.parameters
    for epoch in (0, 3):
        (g_params, g_proba, g_saved), (b_params, b_proba, b_saved) = seen["gram", epoch], seen["backprop", epoch]
        assert max_relative(g_proba, b_proba) < 1e-10
        for key in b_params:
            assert max_relative(g_params[key], b_params[key]) < 1e-10, (epoch, key)
            np.testing.assert_array_equal(g_saved[key], g_params[key])
            np.testing.assert_array_equal(b_saved[key], b_params[key])
    # Interrupted after epoch 5: W1 was formed from its coordinates all the same.
    for key, value in final["backprop"].items():
        assert max_relative(final["gram"][key], value) < 1e-10, key
    # ... and it is the state after six epochs, not the one before.
    assert max_relative(final["gram"]["W1"], seen["gram", 3][0]["W1"]) > 1e-3


@pytest.mark.parametrize("lr,options", [
    (30, dict(optimizer="momentum", l2=0.5, iterations=300)),
    (3, dict(optimizer="momentum", l2=0.5, keep_prob=0.8, batch_size=3, epochs=300)),
])
def test_divergence_rolls_back_the_coordinates_and_the_velocity(lr, options):
    rng = np.random.RandomState(0)
    X, Y = rng.randn(40, 8), (rng.rand(1, 8) > 0.5) * 1.0
    kept, errors = {}, {}
    for solver in ("gram", "backprop"):
        model = BinaryClassifier([40, 4, 1], seed=0, cost="faithful")
        with np.errstate(all="ignore"), pytest.raises(TrainingDiverged) as info:
            model.fit(X, Y, learning_rate=lr, solver=solver, **options)
        kept[solver], errors[solver] = model.parameters, info.value.iteration
    # Late enough that the kept state is not the initial one: C and the velocity are not zero.
    assert errors["gram"] == errors["backprop"] and errors["gram"] >= 2
    start = BinaryClassifier([40, 4, 1], seed=0).parameters
    assert max_relative(kept["gram"]["W1"], start["W1"]) > 1e-3
    for key, value in kept["backprop"].items():
        assert max_relative(kept["gram"][key], value) < 1e-9, key
    if "iterations" in options:
        # The contract: the parameters that gave the last finite cost, i.e. after one update fewer.
        clean = BinaryClassifier([40, 4, 1], seed=0, cost="faithful")
        clean.fit(X, Y, learning_rate=lr, solver="gram", **{**options, "iterations": errors["gram"] - 1})
        for key, value in clean.parameters.items():
            assert max_relative(kept["gram"][key], value) < 1e-12, key
