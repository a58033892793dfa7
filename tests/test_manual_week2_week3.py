"""The course's week-2 and week-3 hand-derived code (nets.manual.week2/.week3) checked on its own.

Before the two modules serve as the oracle of the classifier's logistic
regression and tanh network, their gradients are compared with central
differences of the cost they claim to differentiate, their initialisation with
the seeded draws the course describes, and their loops with a plain loop
written here.
"""
import numpy as np
import pytest

from nets import manual
from nets.manual import week2, week3


def central_differences(cost_of, params, eps=1e-6):
    grads = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=float)
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {k: np.array(v, dtype=float, copy=True) for k, v in params.items()}
            minus = {k: np.array(v, dtype=float, copy=True) for k, v in params.items()}
            plus[name][index] += eps
            minus[name][index] -= eps
            g[index] = (cost_of(plus) - cost_of(minus)) / (2 * eps)
        grads["d" + name] = g
    return grads


def logistic_problem(n, m, seed):
    rng = np.random.RandomState(seed)
    return rng.randn(n, 1) * 0.5, float(rng.randn()), rng.randn(n, m), (rng.rand(1, m) > 0.5).astype(float)


def planar_problem(n_x, n_h, m, seed):
    rng = np.random.RandomState(seed)
    params = {"W1": rng.randn(n_h, n_x), "b1": rng.randn(n_h, 1) * 0.3,
              "W2": rng.randn(1, n_h), "b2": rng.randn(1, 1) * 0.3}
    return params, rng.randn(n_x, m), (rng.rand(1, m) > 0.5).astype(float)


def independent_cross_entropy(P, Y):
    # written apart from both weeks: mean of -log of the probability given to the true label
    return float(np.mean(-np.log(np.where(Y == 1, P, 1 - P))))


@pytest.mark.parametrize("n,m,seed", [(1, 1, 0), (3, 7, 1), (5, 20, 2)])
def test_week2_propagate_matches_central_differences(n, m, seed):
    w, b, X, Y = logistic_problem(n, m, seed)
    grads, cost = week2.propagate(w, b, X, Y)

    def cost_of(p):
        return independent_cross_entropy(1 / (1 + np.exp(-(p["w"].T @ X + p["b"]))), Y)

    numeric = central_differences(cost_of, {"w": w, "b": np.array(b)})
    assert np.ndim(cost) == 0 and np.isclose(float(cost), cost_of({"w": w, "b": b}), rtol=1e-12)
    assert grads["dw"].shape == w.shape and np.ndim(grads["db"]) == 0
    np.testing.assert_allclose(grads["dw"], numeric["dw"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grads["db"], numeric["db"], rtol=1e-6, atol=1e-9)


def test_week2_sigmoid_returns_only_s_and_zero_init():
    s = week2.sigmoid(np.array([0.0, 2.0]))
    assert isinstance(s, np.ndarray) and s.shape == (2,)
    np.testing.assert_allclose(s, [0.5, 1 / (1 + np.exp(-2.0))])
    w, b = week2.initialize_with_zeros(4)
    assert w.shape == (4, 1) and not w.any() and isinstance(b, float) and b == 0.0


def test_week2_optimize_is_gradient_descent_recording_every_100():
    w, b, X, Y = logistic_problem(3, 9, 4)
    params, grads, costs = week2.optimize(w, b, X, Y, num_iterations=250, learning_rate=0.3)
    # the same steps, by hand, from the finite-difference-checked propagate's formula
    ww, bb, seen = w.copy(), b, []
    for i in range(250):
        A = 1 / (1 + np.exp(-(ww.T @ X + bb)))
        if i % 100 == 0:
            seen.append(independent_cross_entropy(A, Y))
        ww, bb = ww - 0.3 * (X @ (A - Y).T) / 9, bb - 0.3 * float(np.mean(A - Y))
    np.testing.assert_allclose(params["w"], ww, rtol=1e-12)
    assert np.isclose(params["b"], bb, rtol=1e-12)
    np.testing.assert_allclose(costs, seen, rtol=1e-12)
    assert len(costs) == 3 and set(grads) == {"dw", "db"}
    assert not np.shares_memory(params["w"], w) and w.shape == (3, 1)


def test_week2_predict_and_model():
    w = np.array([[1.0], [-1.0]])
    X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]])
    pred = week2.predict(w, 0.25, X)
    np.testing.assert_array_equal(pred, [[1.0, 0.0, 1.0]])
    assert pred.dtype == float
    _, _, Xtr, Ytr = logistic_problem(3, 12, 5)
    d = week2.model(Xtr, Ytr, Xtr[:, :4], Ytr[:, :4], num_iterations=150, learning_rate=0.1)
    params, _, costs = week2.optimize(np.zeros((3, 1)), 0.0, Xtr, Ytr, 150, 0.1)
    np.testing.assert_array_equal(d["w"], params["w"])
    assert d["costs"] == costs and d["learning_rate"] == 0.1 and d["num_iterations"] == 150
    np.testing.assert_array_equal(d["Y_prediction_train"], week2.predict(params["w"], params["b"], Xtr))


@pytest.mark.parametrize("n_x,n_h,m,seed", [(2, 1, 5, 0), (2, 4, 9, 1), (3, 5, 12, 2)])
def test_week3_backward_propagation_matches_central_differences(n_x, n_h, m, seed):
    params, X, Y = planar_problem(n_x, n_h, m, seed)
    A2, cache = week3.forward_propagation(X, params)
    grads = week3.backward_propagation(params, cache, X, Y)

    def cost_of(p):
        hidden = np.tanh(p["W1"] @ X + p["b1"])
        return independent_cross_entropy(1 / (1 + np.exp(-(p["W2"] @ hidden + p["b2"]))), Y)

    assert isinstance(week3.compute_cost(A2, Y), float)
    assert np.isclose(week3.compute_cost(A2, Y), cost_of(params), rtol=1e-12)
    numeric = central_differences(cost_of, params)
    assert set(grads) == set(numeric)
    for key in numeric:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-6, atol=1e-9, err_msg=key)


def test_week3_cache_and_layer_sizes():
    params, X, Y = planar_problem(2, 3, 6, 7)
    A2, cache = week3.forward_propagation(X, params)
    assert set(cache) == {"Z1", "A1", "Z2", "A2"} and A2 is cache["A2"]
    np.testing.assert_array_equal(cache["A1"], np.tanh(cache["Z1"]))
    assert week3.layer_sizes(X, Y) == (2, 4, 1)
    pred = week3.predict(params, X)
    assert pred.dtype == bool and pred.shape == (1, 6)
    np.testing.assert_array_equal(pred, A2 > 0.5)


def test_week3_initialize_parameters_is_the_courses_seed_2_draws():
    rng = np.random.RandomState(2)
    W1, W2 = rng.randn(4, 2) * 0.01, rng.randn(1, 4) * 0.01
    np.random.seed(123)  # whatever the global state was before
    p = week3.initialize_parameters(2, 4, 1)
    np.testing.assert_array_equal(p["W1"], W1)
    np.testing.assert_array_equal(p["W2"], W2)
    assert p["b1"].shape == (4, 1) and not p["b1"].any() and p["b2"].shape == (1, 1) and not p["b2"].any()


def test_week3_update_leaves_input_alone_and_default_rate_is_1_2():
    params, X, Y = planar_problem(2, 3, 6, 8)
    before = {k: v.copy() for k, v in params.items()}
    grads = {"d" + k: np.ones_like(v) for k, v in params.items()}
    new = week3.update_parameters(params, grads)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_allclose(new[k], before[k] - 1.2)


def test_week3_nn_model_is_the_plain_loop():
    _, X, Y = planar_problem(2, 3, 10, 9)
    costs = []
    got = week3.nn_model(X, Y, 3, num_iterations=1001, costs=costs)
    p = week3.initialize_parameters(2, 3, 1)
    seen = []
    for i in range(1001):
        A2, cache = week3.forward_propagation(X, p)
        if i % 1000 == 0:
            seen.append((i, independent_cross_entropy(A2, Y)))
        g = week3.backward_propagation(p, cache, X, Y)
        p = {k: p[k] - 1.2 * g["d" + k] for k in p}
    for k in p:
        np.testing.assert_allclose(got[k], p[k], rtol=1e-12, atol=1e-15)
    assert [i for i, _ in costs] == [0, 1000]
    np.testing.assert_allclose([c for _, c in costs], [c for _, c in seen], rtol=1e-12)


def test_nets_manual_keeps_its_names_and_meanings():
    # the week-4 / application versions, untouched by the week-2/3 modules
    assert manual.predict.__module__ == "nets.manual.application"
    assert manual.update_parameters.__module__ == "nets.manual.week4"
    assert manual.sigmoid.__module__ == "nets.manual.week4"
    assert manual.compute_cost.__module__ == "nets.manual.week4"
    assert manual.initialize_parameters.__module__ == "nets.manual.week4"
    A, cache = manual.sigmoid(np.zeros(2))
    assert list(A) == [0.5, 0.5]
    for name in manual.__all__:
        assert getattr(manual, name).__module__ in {"nets.manual.week4", "nets.manual.application", "nets.manual.course2"}
