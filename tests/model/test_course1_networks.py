"""The classifier's Course 1 networks against the weeks' hand-derived code (nets.manual.week2/.week3).

``[n_x, 1]`` is week 2's logistic regression: its gradients are
``week2.propagate``'s and its runs ``week2.optimize``'s (every solver, replay
on and off, both costs), and with the other training options it follows a
hand loop built from ``propagate`` and the course's update rules.
``[n_x, n_h, 1]`` with ``hidden_activation="tanh"`` is week 3's planar network:
gradients ``week3.backward_propagation``'s to 1e-10, runs ``nn_model``'s step
for step. Both oracles are checked on their own in
tests/test_manual_week2_week3.py.
"""
import itertools
import json

import h5py
import numpy as np
import pytest

from nets import BinaryClassifier, manual
from nets.data import make_planar
from nets.manual import week2, week3
from nets.model.solvers import choose_solver


def data(n_x, m, seed, scale=1.0):
    rng = np.random.RandomState(seed)
    return rng.randn(n_x, m) * scale, (rng.rand(1, m) > 0.5).astype(float)


def relative(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(b)), 1e-300))


# ---------------------------------------------------------------- week 3: tanh
def planar_params(n_x, n_h, seed):
    rng = np.random.RandomState(seed)
    return {"W1": rng.randn(n_h, n_x), "b1": rng.randn(n_h, 1) * 0.5,
            "W2": rng.randn(1, n_h), "b2": rng.randn(1, 1) * 0.5}


@pytest.mark.parametrize("n_x,n_h,m,seed", [(2, 1, 7, 0), (2, 4, 40, 1), (5, 6, 13, 2), (2, 50, 30, 3)])
@pytest.mark.parametrize("cost", ["stable", "faithful"])
def test_tanh_gradients_equal_week3_backward_propagation(n_x, n_h, m, seed, cost):
    X, Y = data(n_x, m, seed + 10)
    params = planar_params(n_x, n_h, seed)
    model = BinaryClassifier([n_x, n_h, 1], hidden_activation="tanh", cost=cost)
    model.set_parameters(params)
    A2, cache = week3.forward_propagation(X, params)
    expected = week3.backward_propagation(params, cache, X, Y)
    got = model.gradients(X, Y)
    for key, value in expected.items():
        # relative to the gradient's own scale: the two sum the same terms in different orders
        assert relative(got[key], value) < 1e-10, key
    assert float(model.compute_cost(model.batch(X, Y)).data) == pytest.approx(week3.compute_cost(A2, Y), rel=1e-12)
    # the ReLU network of the same weights has other gradients: the activation is really tanh
    relu = BinaryClassifier([n_x, n_h, 1])
    relu.set_parameters(params)
    assert relative(relu.gradients(X, Y)["dW1"], expected["dW1"]) > 1e-3


def test_init_small_seed_2_is_week3_initialize_parameters():
    model = BinaryClassifier([2, 4, 1], init="small", seed=2, hidden_activation="tanh")
    expected = week3.initialize_parameters(2, 4, 1)
    for key, value in expected.items():
        np.testing.assert_array_equal(model.parameters[key], value)


@pytest.mark.parametrize("solver,replay", [("backprop", True), ("backprop", False), ("gram", True)])
@pytest.mark.parametrize("n_h", [1, 4])
def test_tanh_run_follows_nn_model_step_for_step(solver, replay, n_h):
    X, Y = make_planar()
    costs = []
    expected = week3.nn_model(X, Y, n_h, num_iterations=301, costs=costs)
    model = BinaryClassifier([2, n_h, 1], init="small", seed=2, hidden_activation="tanh", cost="faithful")
    history = model.fit(X, Y, learning_rate=1.2, iterations=301, print_every=1000, solver=solver, replay=replay)
    assert history.solver == solver
    assert history[0][1] == pytest.approx(costs[0][1], rel=1e-12)
    for key, value in expected.items():
        assert relative(model.parameters[key], value) < 1e-9, key
    np.testing.assert_array_equal(model.predict(X), week3.predict(expected, X).astype(np.int64))


def test_tanh_costs_every_step_equal_week3s():
    X, Y = make_planar()
    model = BinaryClassifier([2, 3, 1], init="small", seed=2, hidden_activation="tanh")
    history = model.fit(X, Y, learning_rate=1.2, iterations=40, print_every=1)
    p, seen = week3.initialize_parameters(2, 3, 1), []
    for _ in range(40):
        A2, cache = week3.forward_propagation(X, p)
        seen.append(week3.compute_cost(A2, Y))
        p = week3.update_parameters(p, week3.backward_propagation(p, cache, X, Y))
    np.testing.assert_allclose([c for _, c in history], seen, rtol=1e-10)


def test_hidden_activation_is_checked_saved_and_old_files_load_as_relu(tmp_path):
    with pytest.raises(ValueError, match="hidden_activation must be one of"):
        BinaryClassifier([2, 3, 1], hidden_activation="sigmoid")
    X, Y = data(2, 9, 4)
    model = BinaryClassifier([2, 3, 1], hidden_activation="tanh", seed=5)
    model.fit(X, Y, 0.5, 5)
    model.save(tmp_path / "tanh.h5")
    loaded = BinaryClassifier.load(tmp_path / "tanh.h5")
    assert loaded.hidden_activation == "tanh" and "tanh" in repr(loaded)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # a file written before the attribute existed: ReLU hidden layers
    with h5py.File(tmp_path / "tanh.h5", "r+") as f:
        del f.attrs["hidden_activation"]
    old = BinaryClassifier.load(tmp_path / "tanh.h5")
    assert old.hidden_activation == "relu"
    relu = BinaryClassifier([2, 3, 1])
    relu.set_parameters(model.parameters)
    np.testing.assert_array_equal(old.predict_proba(X), relu.predict_proba(X))
    with h5py.File(tmp_path / "tanh.h5", "r+") as f:
        f.attrs["hidden_activation"] = "swish"
    with pytest.raises(Exception, match="swish"):
        BinaryClassifier.load(tmp_path / "tanh.h5")


# ---------------------------------------------------------------- week 2: [n_x, 1]
@pytest.mark.parametrize("n_x,m,seed", [(1, 5, 0), (6, 11, 1), (300, 20, 2)])
@pytest.mark.parametrize("cost", ["stable", "faithful"])
def test_logistic_gradients_equal_week2_propagate(n_x, m, seed, cost):
    X, Y = data(n_x, m, seed)
    rng = np.random.RandomState(seed + 1)
    w, b = rng.randn(n_x, 1) * 0.3, float(rng.randn())
    model = BinaryClassifier([n_x, 1], cost=cost, hidden_activation="tanh")  # no hidden layer: tanh unused
    model.set_parameters({"W1": w.T, "b1": np.array([[b]])})
    grads, cost_value = week2.propagate(w, b, X, Y)
    got = model.gradients(X, Y)
    assert relative(got["dW1"], grads["dw"].T) < 1e-10
    assert relative(got["db1"], np.array([[grads["db"]]])) < 1e-10
    assert float(model.compute_cost(model.batch(X, Y)).data) == pytest.approx(float(cost_value), rel=1e-12)


def test_init_zeros_is_week2_initialize_with_zeros():
    model = BinaryClassifier([7, 1], init="zeros")
    w, b = week2.initialize_with_zeros(7)
    np.testing.assert_array_equal(model.parameters["W1"], w.T)
    np.testing.assert_array_equal(model.parameters["b1"], [[b]])


RUNS = list(itertools.product(["backprop", "gram", "auto"], [True, False], ["stable", "faithful"]))


@pytest.mark.parametrize("solver,replay,cost", RUNS)
def test_logistic_run_is_week2_optimize(solver, replay, cost):
    # more features than examples, as the cat data: auto picks gram
    X, Y = data(150, 30, 5, scale=0.3)
    model = BinaryClassifier([150, 1], init="zeros", cost=cost)
    history = model.fit(X, Y, learning_rate=0.05, iterations=301, print_every=100, solver=solver, replay=replay)
    w, b = week2.initialize_with_zeros(150)
    params, _, costs = week2.optimize(w, b, X, Y, num_iterations=301, learning_rate=0.05)
    assert history.solver == ("gram" if solver == "auto" else solver)
    assert [i for i, _ in history] == [0, 100, 200, 300]
    np.testing.assert_allclose([c for _, c in history], np.asarray(costs, dtype=float), rtol=1e-10)
    assert relative(model.parameters["W1"], params["w"].T) < 1e-10
    assert model.parameters["b1"][0, 0] == pytest.approx(params["b"], rel=1e-10)
    np.testing.assert_array_equal(model.predict(X), week2.predict(params["w"], params["b"], X))


@pytest.mark.parametrize("n_x,m,expected", [(12288, 209, "gram"), (150, 30, "gram"), (2, 400, "backprop"),
                                            (20, 100, "backprop"), (100, 190, "gram"), (100, 210, "backprop")])
def test_what_auto_picks_for_logistic_regression(n_x, m, expected):
    # gram whenever it spends fewer multiply-adds on W1 (README): 2 m^2 against 4 n_x m per step,
    # so below about 2 n_x examples in a long run
    assert choose_solver("auto", [n_x, 1], m, 2000) == expected


def week2_training(X, Y, lr, epochs, optimizer="gd", l2=0.0, batch_size=None, beta=0.9, decay=None,
                   decay_rate=1.0, decay_interval=1000, decay_lag=0):
    """propagate's gradients (plus the L2 term) through the course's update rules and mini-batches."""
    n_x, m = X.shape
    w, b = week2.initialize_with_zeros(n_x)
    params = {"W1": w.T, "b1": np.array([[b]])}
    v = manual.initialize_velocity(params)
    va, sa = manual.initialize_adam(params)
    t, history = 0, []
    for epoch in range(epochs):
        rate = lr
        if decay:
            e = max(epoch - decay_lag, 0)
            rate = (manual.update_lr(lr, e, decay_rate) if decay == "inverse"
                    else manual.schedule_lr_decay(lr, e, decay_rate, decay_interval))
        batches = [(X, Y)] if batch_size is None else manual.random_mini_batches(X, Y, batch_size, seed=10 + epoch + 1)
        total = 0.0
        for bx, by in batches:
            g, cost = week2.propagate(params["W1"].T, params["b1"][0, 0], bx, by)
            grads = {"dW1": g["dw"].T + l2 / m * params["W1"], "db1": np.array([[g["db"]]])}
            cost = float(cost) + (1 / m) * (l2 / 2) * np.sum(np.square(params["W1"]))
            t += 1
            if optimizer == "gd":
                params = manual.update_parameters_with_gd(params, grads, rate)
            elif optimizer == "momentum":
                params, v = manual.update_parameters_with_momentum(params, grads, v, beta, rate)
            else:
                params, va, sa = manual.update_parameters_with_adam(params, grads, va, sa, t, rate)
            total = cost if batch_size is None else total + cost * bx.shape[1]
        history.append((epoch, total if batch_size is None else total / m))
    return history, params


OPTIONS = [dict(optimizer=o, l2=l2, decay=d) for o in ("gd", "momentum", "adam") for l2 in (0.0, 0.8)
           for d in (None, "scheduled")]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(str(v) for v in o.values()))
@pytest.mark.parametrize("batch_size", [None, 7])
def test_logistic_with_every_option_follows_the_week2_loop(options, batch_size):
    X, Y = data(40, 24, 6, scale=0.5)
    lr = 0.01 if options["optimizer"] == "adam" else 0.2
    decay = dict(decay_rate=0.5, decay_interval=3) if options["decay"] else {}
    steps = dict(iterations=10) if batch_size is None else dict(batch_size=batch_size, epochs=10)
    expected_history, expected = week2_training(X, Y, lr, 10, batch_size=batch_size, beta=0.8, **options, **decay)
    solvers = ["backprop"] + ([] if options["optimizer"] == "adam" else ["gram"])
    for solver in solvers:
        model = BinaryClassifier([40, 1], init="zeros")
        history = model.fit(X, Y, lr, print_every=1, solver=solver, beta=0.8, shuffle_seed=lambda k: 10 + k,
                            **steps, **options, **decay)
        np.testing.assert_allclose([c for _, c in history], [c for _, c in expected_history], rtol=1e-9)
        for key, value in expected.items():
            assert relative(model.parameters[key], value) < 1e-9, (solver, key)


def test_dropout_does_not_apply_to_logistic_regression():
    # no hidden layer, nothing to drop: keep_prob < 1 trains exactly as without it
    X, Y = data(10, 16, 7)
    runs = []
    for keep_prob in (1.0, 0.5):
        model = BinaryClassifier([10, 1], init="zeros")
        runs.append((model.fit(X, Y, 0.1, 20, keep_prob=keep_prob), model.parameters))
    assert list(runs[0][0]) == list(runs[1][0])
    np.testing.assert_array_equal(runs[0][1]["W1"], runs[1][1]["W1"])


# ---------------------------------------------------------------- the train job and CLI
def test_train_job_records_hidden_activation(tmp_path):
    from nets.jobs.train import run_training

    X, Y = make_planar()
    path = tmp_path / "planar.h5"
    with h5py.File(path, "w") as f:
        f["train_X"], f["train_Y"] = X, Y.astype(float)
    metrics = run_training(data=str(path), layers=[2, 4, 1], init="small", seed=2, learning_rate=1.2,
                           iterations=30, hidden_activation="tanh", out=str(tmp_path / "run"))
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["hidden_activation"] == "tanh" == metrics["hidden_activation"]
    assert BinaryClassifier.load(tmp_path / "run" / "model.h5").hidden_activation == "tanh"
    with pytest.raises(ValueError, match="hidden_activation"):
        run_training(data=str(path), layers=[2, 4, 1], hidden_activation="elu", out=str(tmp_path / "bad"))
    assert not (tmp_path / "bad").exists()


def test_cli_hidden_activation(tmp_path, capsys):
    from nets.cli import main

    X, Y = make_planar()
    path = tmp_path / "planar.h5"
    with h5py.File(path, "w") as f:
        f["train_X"], f["train_Y"] = X, Y.astype(float)
    assert main(["train", "--data", str(path), "--layers", "2,4,1", "--hidden-activation", "tanh", "--init", "small",
                 "--seed", "2", "--learning-rate", "1.2", "--iterations", "3", "--no-progress",
                 "--out", str(tmp_path / "run")]) == 0
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["hidden_activation"] == "tanh"
    # the default stays ReLU
    assert main(["train", "--data", str(path), "--layers", "2,4,1", "--iterations", "3", "--no-progress",
                 "--out", str(tmp_path / "relu")]) == 0
    assert json.loads((tmp_path / "relu" / "metrics.json").read_text())["hidden_activation"] == "relu"
    capsys.readouterr()
