"""Checks of the hand-derived oracle (nets.manual) before anything is compared with it."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nets import manual

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def random_problem(rng, layer_dims, m):
    """A network with O(1) weights, data X and 0/1 labels Y, all float64."""
    params = {}
    for l in range(1, len(layer_dims)):
        params["W" + str(l)] = rng.normal(size=(layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
        params["b" + str(l)] = rng.normal(scale=0.3, size=(layer_dims[l], 1))
    X = rng.normal(size=(layer_dims[0], m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    return params, X, Y


def min_abs_preactivation(params, X):
    _, caches = manual.L_model_forward(X, params)
    return min(np.abs(Z).min() for (_, Z) in caches)


def numeric_gradients(params, X, Y, eps=1e-6):
    """Central differences of compute_cost with respect to every parameter entry."""
    grads = {}
    for key, value in params.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + eps
            plus = manual.compute_cost(manual.L_model_forward(X, params)[0], Y)
            value[idx] = old - eps
            minus = manual.compute_cost(manual.L_model_forward(X, params)[0], Y)
            value[idx] = old
            g[idx] = (plus - minus) / (2 * eps)
        grads["d" + key] = g
    return grads


def assert_grads_close(analytic, numeric, rtol=1e-6, atol=1e-9):
    for key, expected in numeric.items():
        np.testing.assert_allclose(analytic[key], expected, rtol=rtol, atol=atol, err_msg=key)


def buggy_L_model_backward(AL, Y, caches):
    """The post's L_model_backward verbatim, including grads["dA" + str(L-1)] in the loop."""
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, dW, db = manual.linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = dA_prev, dW, db
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = manual.linear_activation_backward(grads["dA" + str(L - 1)], caches[l], "relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


# Widths of the input and hidden layers (1 to 5 of them, so L = 1..5), then the output unit.
layer_dims_strategy = st.lists(st.integers(1, 6), min_size=1, max_size=5).map(lambda widths: widths + [1])

# ---------------------------------------------------------------------------
# Gradients against finite differences
# ---------------------------------------------------------------------------


@settings(max_examples=30)
@given(layer_dims=layer_dims_strategy, m=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_gradients_match_central_differences(layer_dims, m, seed):
    rng = np.random.default_rng(seed)
    params, X, Y = random_problem(rng, layer_dims, m)
    # Finite differences are meaningless across ReLU's kink; keep well away from it.
    assume(min_abs_preactivation(params, X) > 1e-3)
    AL, caches = manual.L_model_forward(X, params)
    grads = manual.L_model_backward(AL, Y, caches)
    numeric = numeric_gradients(params, X, Y)
    assert set(numeric) <= set(grads)
    assert_grads_close(grads, numeric)


@pytest.mark.parametrize("layer_dims", [[3, 1], [4, 5, 1], [5, 4, 3, 1], [6, 5, 4, 3, 1], [3, 6, 2, 5, 4, 1]])
def test_gradients_match_central_differences_fixed_shapes(layer_dims):
    """L = 1..5 with unequal widths, independent of hypothesis' choices."""
    rng = np.random.default_rng(len(layer_dims))
    for _ in range(50):
        params, X, Y = random_problem(rng, layer_dims, m=7)
        if min_abs_preactivation(params, X) > 1e-3:
            break
    else:
        pytest.fail("could not draw a problem away from the ReLU kinks")
    AL, caches = manual.L_model_forward(X, params)
    grads = manual.L_model_backward(AL, Y, caches)
    numeric = numeric_gradients(params, X, Y)
    assert_grads_close(grads, numeric)
    # The returned dA's are the gradients of m * cost (the post's convention: the
    # 1/m is applied only in dW and db), with one entry per layer input.
    assert sorted(k for k in grads if k.startswith("dA")) == ["dA" + str(l) for l in range(len(layer_dims) - 1)]
    assert grads["dA0"].shape == X.shape


def test_finite_difference_check_can_fail():
    """The comparison above detects a gradient that is off, e.g. a dropped 1/m."""
    rng = np.random.default_rng(0)
    params, X, Y = random_problem(rng, [4, 3, 1], m=5)
    AL, caches = manual.L_model_forward(X, params)
    grads = manual.L_model_backward(AL, Y, caches)
    grads["dW1"] = grads["dW1"] * 5
    with pytest.raises(AssertionError):
        assert_grads_close(grads, numeric_gradients(params, X, Y))


# ---------------------------------------------------------------------------
# The post's bug
# ---------------------------------------------------------------------------


def test_post_bug_gives_wrong_gradients_with_three_equal_width_layers():
    rng = np.random.default_rng(1)
    params, X, Y = random_problem(rng, [4, 5, 5, 1], m=6)
    AL, caches = manual.L_model_forward(X, params)
    numeric = numeric_gradients(params, X, Y)
    buggy = buggy_L_model_backward(AL, Y, caches)
    fixed = manual.L_model_backward(AL, Y, caches)
    # The two top layers agree; the first layer is where the bug shows.
    np.testing.assert_allclose(buggy["dW3"], numeric["dW3"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(buggy["dW2"], numeric["dW2"], rtol=1e-6, atol=1e-9)
    assert not np.allclose(buggy["dW1"], numeric["dW1"], rtol=1e-3, atol=1e-6)
    assert_grads_close(fixed, numeric)


def test_post_bug_crashes_with_unequal_widths():
    rng = np.random.default_rng(2)
    params, X, Y = random_problem(rng, [4, 6, 3, 1], m=5)
    AL, caches = manual.L_model_forward(X, params)
    with pytest.raises(IndexError):
        buggy_L_model_backward(AL, Y, caches)
    manual.L_model_backward(AL, Y, caches)  # the fixed one does not


@pytest.mark.parametrize("layer_dims", [[4, 1], [4, 3, 1]])
def test_post_bug_is_harmless_for_one_and_two_layers(layer_dims):
    rng = np.random.default_rng(3)
    params, X, Y = random_problem(rng, layer_dims, m=5)
    AL, caches = manual.L_model_forward(X, params)
    buggy = buggy_L_model_backward(AL, Y, caches)
    fixed = manual.L_model_backward(AL, Y, caches)
    assert buggy.keys() == fixed.keys()
    for key in fixed:
        np.testing.assert_array_equal(buggy[key], fixed[key])


# ---------------------------------------------------------------------------
# pruned_L_model_backward
# ---------------------------------------------------------------------------


@settings(max_examples=25)
@given(layer_dims=layer_dims_strategy, m=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_pruned_backward_equals_full_backward(layer_dims, m, seed):
    rng = np.random.default_rng(seed)
    params, X, Y = random_problem(rng, layer_dims, m)
    AL, caches = manual.L_model_forward(X, params)
    full = manual.L_model_backward(AL, Y, caches)
    pruned = manual.pruned_L_model_backward(AL, Y, caches)
    assert "dA0" not in pruned
    assert set(pruned) == set(full) - {"dA0"}
    for key in pruned:
        np.testing.assert_allclose(pruned[key], full[key], rtol=1e-12, atol=0, err_msg=key)


# ---------------------------------------------------------------------------
# Initialisation: draws from the global state exactly as the post / course
# ---------------------------------------------------------------------------


def test_initialize_parameters_matches_seeded_draws():
    np.random.seed(1)
    params = manual.initialize_parameters(5, 4, 1)
    np.random.seed(1)
    W1 = np.random.randn(4, 5) * 0.01
    W2 = np.random.randn(1, 4) * 0.01
    assert list(params) == ["W1", "b1", "W2", "b2"]
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)
    np.testing.assert_array_equal(params["b1"], np.zeros((4, 1)))
    np.testing.assert_array_equal(params["b2"], np.zeros((1, 1)))


def test_initialize_parameters_deep_matches_seeded_draws():
    dims = [5, 4, 3, 1]
    np.random.seed(1)
    params = manual.initialize_parameters_deep(dims)
    np.random.seed(1)
    expected = [np.random.randn(dims[l], dims[l - 1]) * 0.01 for l in range(1, len(dims))]
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for l, W in enumerate(expected, start=1):
        np.testing.assert_array_equal(params["W" + str(l)], W)
        np.testing.assert_array_equal(params["b" + str(l)], np.zeros((dims[l], 1)))


def test_two_layer_and_deep_init_agree_for_same_shapes():
    np.random.seed(7)
    a = manual.initialize_parameters(5, 4, 1)
    np.random.seed(7)
    b = manual.initialize_parameters_deep([5, 4, 1])
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize(
    "init, scale",
    [
        (manual.initialize_parameters_xavier, lambda n_prev: 1 / np.sqrt(n_prev)),
        (manual.initialize_parameters_he, lambda n_prev: np.sqrt(2 / n_prev)),
    ],
)
def test_scaled_inits_match_seeded_draws(init, scale):
    dims = [6, 4, 3, 1]
    np.random.seed(1)
    params = init(dims)
    np.random.seed(1)
    for l in range(1, len(dims)):
        W = np.random.randn(dims[l], dims[l - 1]) * scale(dims[l - 1])
        np.testing.assert_allclose(params["W" + str(l)], W, rtol=1e-15)
        np.testing.assert_array_equal(params["b" + str(l)], np.zeros((dims[l], 1)))


# ---------------------------------------------------------------------------
# Shapes, caches, one-layer nets, the other fixes
# ---------------------------------------------------------------------------


def test_caches_have_the_posts_structure():
    rng = np.random.default_rng(4)
    params, X, Y = random_problem(rng, [3, 4, 1], m=5)
    AL, caches = manual.L_model_forward(X, params)
    assert AL.shape == (1, 5) and len(caches) == 2
    (A_prev, W, b), Z = caches[0]
    assert A_prev is X and W is params["W1"] and b is params["b1"]
    np.testing.assert_array_equal(Z, params["W1"] @ X + params["b1"])
    (A1, W2, b2), Z2 = caches[1]
    np.testing.assert_array_equal(A1, np.maximum(0, Z))
    np.testing.assert_allclose(AL, 1 / (1 + np.exp(-Z2)))


def test_one_layer_network_is_logistic_regression():
    rng = np.random.default_rng(5)
    params, X, Y = random_problem(rng, [4, 1], m=8)
    AL, caches = manual.L_model_forward(X, params)
    assert len(caches) == 1
    grads = manual.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA0", "dW1", "db1"}
    # Logistic regression's closed form: dW = (AL - Y) X^T / m, db = mean(AL - Y).
    np.testing.assert_allclose(grads["dW1"], (AL - Y) @ X.T / 8, rtol=1e-10)
    np.testing.assert_allclose(grads["db1"], np.mean(AL - Y, axis=1, keepdims=True), rtol=1e-10)
    new = manual.update_parameters(params, grads, 0.1)
    np.testing.assert_allclose(new["W1"], params["W1"] - 0.1 * grads["dW1"])


def test_update_parameters_leaves_its_input_alone():
    rng = np.random.default_rng(6)
    params, X, Y = random_problem(rng, [3, 2, 1], m=4)
    before = {k: v.copy() for k, v in params.items()}
    AL, caches = manual.L_model_forward(X, params)
    grads = manual.L_model_backward(AL, Y, caches)
    new = manual.update_parameters(params, grads, 0.5)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
        np.testing.assert_allclose(new[key], before[key] - 0.5 * grads["d" + key])


def test_relu_backward_does_not_modify_dA_and_zeroes_at_kink():
    dA = np.array([[1.0, 2.0, 3.0]])
    Z = np.array([[-1.0, 0.0, 1.0]])
    dZ = manual.relu_backward(dA, Z)
    np.testing.assert_array_equal(dZ, [[0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(dA, [[1.0, 2.0, 3.0]])


def test_compute_cost_value_and_shape():
    AL = np.array([[0.8, 0.1, 0.6]])
    Y = np.array([[1, 0, 0]])
    expected = -np.mean([np.log(0.8), np.log(0.9), np.log(0.4)])
    cost = manual.compute_cost(AL, Y)
    assert np.shape(cost) == ()
    assert cost == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("fn", ["forward", "backward"])
def test_unknown_activation_is_a_clear_error(fn):
    A = np.ones((2, 3))
    W = np.ones((1, 2))
    b = np.zeros((1, 1))
    with pytest.raises(ValueError, match="tanh"):
        if fn == "forward":
            manual.linear_activation_forward(A, W, b, "tanh")
        else:
            manual.linear_activation_backward(np.ones((1, 3)), ((A, W, b), np.ones((1, 3))), "tanh")


# ---------------------------------------------------------------------------
# L_layer_model and predict (not from the post)
# ---------------------------------------------------------------------------


def test_L_layer_model_records_costs_and_matches_a_hand_loop():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(4, 30))
    Y = (X[:1] + 0.5 * X[1:2] > 0).astype(np.int64)
    dims = [4, 3, 1]
    params, costs = manual.L_layer_model(X, Y, dims, learning_rate=0.1, num_iterations=250, init="xavier")
    assert [i for i, _ in costs] == [0, 100, 200, 249]

    np.random.seed(1)
    p = manual.initialize_parameters_xavier(dims)
    hand = []
    for i in range(250):
        AL, caches = manual.L_model_forward(X, p)
        if i in (0, 100, 200, 249):
            hand.append(float(manual.compute_cost(AL, Y)))
        p = manual.update_parameters(p, manual.L_model_backward(AL, Y, caches), 0.1)
    np.testing.assert_allclose([c for _, c in costs], hand, rtol=1e-12)
    for key in p:
        np.testing.assert_allclose(params[key], p[key], rtol=1e-12)
    assert costs[-1][1] < costs[0][1]
    assert manual.predict(X, params).shape == (1, 30)
    assert np.mean(manual.predict(X, params) == Y) > 0.8


def test_L_layer_model_rejects_unknown_init():
    with pytest.raises(ValueError, match="init"):
        manual.L_layer_model(np.ones((2, 3)), np.ones((1, 3)), [2, 1], num_iterations=1, init="zeros")
