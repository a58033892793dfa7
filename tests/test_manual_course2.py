"""The course's hand-derived code (nets.manual part 3) checked on its own, before it serves as an oracle.

Gradients against central differences of the cost they claim to differentiate;
update rules against small cases worked out by hand; the mini-batch partition
and the decay rules against their definitions.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nets import manual

LAYER_DIMS = [[3, 1], [3, 4, 1], [4, 5, 3, 1], [3, 4, 2, 5, 1], [2, 3, 3, 2, 4, 1]]


def problem(layer_dims, m, seed):
    rng = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.randn(layer_dims[l], layer_dims[l - 1]) * 0.8
        params[f"b{l}"] = rng.randn(layer_dims[l], 1) * 0.3
    X = rng.randn(layer_dims[0], m)
    Y = (rng.rand(1, m) > 0.5).astype(float)
    return params, X, Y


def central_differences(cost_of, params, eps=1e-6):
    grads = {}
    for name, value in params.items():
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += eps
            minus[name][index] -= eps
            g[index] = (cost_of(plus) - cost_of(minus)) / (2 * eps)
        grads["d" + name] = g
    return grads


def assert_close_to_differences(analytic, numeric):
    for key, value in numeric.items():
        np.testing.assert_allclose(analytic[key], value, rtol=1e-5, atol=1e-8, err_msg=key)


def far_from_kinks(params, X, caches_fn):
    """True when no ReLU pre-activation sits so close to 0 that a difference step crosses it."""
    _, caches = caches_fn(X, params)
    return all(np.min(np.abs(c[1])) > 1e-4 for c in caches[:-1])


@pytest.mark.parametrize("layer_dims", LAYER_DIMS)
@pytest.mark.parametrize("lambd", [0.0, 0.7, 3.0])
def test_regularized_gradients_match_central_differences(layer_dims, lambd):
    params, X, Y = problem(layer_dims, 6, seed=len(layer_dims) + int(lambd * 10))
    assert far_from_kinks(params, X, manual.L_model_forward)

    def cost_of(p):
        AL, _ = manual.L_model_forward(X, p)
        return manual.compute_cost_with_regularization(AL, Y, p, lambd)

    AL, caches = manual.L_model_forward(X, params)
    analytic = manual.L_model_backward_with_regularization(AL, Y, caches, lambd)
    assert_close_to_differences(analytic, central_differences(cost_of, params))


def test_regularized_cost_adds_the_penalty_by_hand():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[5.0]])}
    AL, Y = np.array([[0.25, 0.5]]), np.array([[1.0, 0.0]])
    base = manual.compute_cost(AL, Y)
    # lambd / (2 m) * (1 + 4) with m = 2, lambd = 0.8: 0.2 * 5 = 1.0; b is not penalised.
    assert manual.compute_cost_with_regularization(AL, Y, params, 0.8) == pytest.approx(base + 1.0, rel=1e-15)


@pytest.mark.parametrize("layer_dims", LAYER_DIMS)
@pytest.mark.parametrize("keep_prob", [1.0, 0.8, 0.5])
def test_dropout_gradients_match_central_differences_with_fixed_masks(layer_dims, keep_prob):
    params, X, Y = problem(layer_dims, 7, seed=3 * len(layer_dims))
    seed = 11

    def forward(p):
        return manual.L_model_forward_with_dropout(X, p, keep_prob, np.random.RandomState(seed))

    def cost_of(p):
        return manual.compute_cost(forward(p)[0], Y)

    AL, caches = forward(params)
    assert all(np.min(np.abs(c[1])) > 1e-4 for c in caches[:-1])
    analytic = manual.L_model_backward_with_dropout(AL, Y, caches, keep_prob)
    assert_close_to_differences(analytic, central_differences(cost_of, params))


def test_dropout_masks_are_inverted_and_only_on_hidden_layers():
    params, X, _ = problem([3, 50, 40, 1], 200, seed=2)
    keep = 0.7
    AL, caches = manual.L_model_forward_with_dropout(X, params, keep, np.random.RandomState(0))
    assert caches[-1][2] is None and len(caches) == 3
    for (linear_cache, Z, D) in caches[:-1]:
        assert set(np.unique(D)) <= {0, 1}
        assert abs(D.mean() - keep) < 0.02  # 8000 and 10000 draws: the fraction kept is about keep_prob
    # The next layer's input is relu(Z) * D / keep_prob.
    (A1, _, _), _, _ = caches[1]
    _, Z1, D1 = caches[0]
    np.testing.assert_array_equal(A1, np.maximum(Z1, 0) * D1 / keep)
    # keep_prob 1 is plain forward propagation.
    AL1, _ = manual.L_model_forward_with_dropout(X, params, 1.0, np.random.RandomState(0))
    np.testing.assert_array_equal(AL1, manual.L_model_forward(X, params)[0])


def test_dropout_with_global_state_follows_np_random_seed():
    params, X, _ = problem([3, 4, 1], 5, seed=1)
    np.random.seed(1)
    _, global_caches = manual.L_model_forward_with_dropout(X, params, 0.5)
    _, seeded_caches = manual.L_model_forward_with_dropout(X, params, 0.5, np.random.RandomState(1))
    np.testing.assert_array_equal(global_caches[0][2], seeded_caches[0][2])


def small_state():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]])}
    grads = {"dW1": np.array([[0.5, -1.0]]), "db1": np.array([[2.0]])}
    return params, grads


def test_gd_update_by_hand():
    params, grads = small_state()
    new = manual.update_parameters_with_gd(params, grads, 0.1)
    np.testing.assert_allclose(new["W1"], [[0.95, 2.1]], rtol=1e-15)
    np.testing.assert_allclose(new["b1"], [[0.3]], rtol=1e-15)
    assert params["W1"][0, 0] == 1.0  # the caller's dictionary is not changed


def test_momentum_update_by_hand():
    params, grads = small_state()
    v = manual.initialize_velocity(params)
    assert v["dW1"].shape == (1, 2) and not v["dW1"].any()
    p1, v1 = manual.update_parameters_with_momentum(params, grads, v, 0.9, 0.1)
    # v = 0.1 g, W = W - 0.1 v
    np.testing.assert_allclose(v1["dW1"], [[0.05, -0.1]], rtol=1e-14)
    np.testing.assert_allclose(p1["W1"], [[0.995, 2.01]], rtol=1e-14)
    p2, v2 = manual.update_parameters_with_momentum(p1, grads, v1, 0.9, 0.1)
    # v = 0.9 * 0.05 + 0.1 * 0.5 = 0.095 for the first weight
    np.testing.assert_allclose(v2["dW1"][0, 0], 0.095, rtol=1e-14)
    np.testing.assert_allclose(p2["W1"][0, 0], 0.995 - 0.0095, rtol=1e-14)
    assert not v["dW1"].any()  # the velocity passed in is not changed


def test_momentum_with_beta_zero_is_gd():
    params, grads = small_state()
    p, _ = manual.update_parameters_with_momentum(params, grads, manual.initialize_velocity(params), 0.0, 0.1)
    gd = manual.update_parameters_with_gd(params, grads, 0.1)
    for k in params:
        np.testing.assert_array_equal(p[k], gd[k])


def test_adam_update_by_hand():
    params, grads = small_state()
    v, s = manual.initialize_adam(params)
    p1, v1, s1 = manual.update_parameters_with_adam(params, grads, v, s, 1, learning_rate=0.01)
    # Step 1: the bias corrections make v_hat = g and s_hat = g^2, so the step is
    # lr * g / (|g| + eps): lr times the sign of g, shrunk by eps.
    g = grads["dW1"]
    np.testing.assert_allclose(v1["dW1"], 0.1 * g, rtol=1e-14)
    np.testing.assert_allclose(s1["dW1"], 0.001 * g * g, rtol=1e-12)
    np.testing.assert_allclose(p1["W1"], params["W1"] - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    # Step 2 with the same gradient: still v_hat = g and s_hat = g^2.
    p2, _, _ = manual.update_parameters_with_adam(p1, grads, v1, s1, 2, learning_rate=0.01)
    np.testing.assert_allclose(p2["W1"], p1["W1"] - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_adam_epsilon_is_outside_the_square_root():
    params = {"W1": np.array([[0.0]]), "b1": np.array([[0.0]])}
    grads = {"dW1": np.array([[1e-6]]), "db1": np.array([[0.0]])}
    v, s = manual.initialize_adam(params)
    p, _, _ = manual.update_parameters_with_adam(params, grads, v, s, 1, learning_rate=1.0, epsilon=1e-6)
    # 1e-6 / (1e-6 + 1e-6) = 0.5; inside the root it would be 1e-6 / sqrt(1e-12 + 1e-6), about 1e-3.
    np.testing.assert_allclose(p["W1"], [[-0.5]], rtol=1e-9)
    assert p["b1"][0, 0] == 0.0


@given(m=st.integers(1, 200), size=st.integers(1, 70), seed=st.integers(0, 1000))
def test_random_mini_batches_partition_the_examples(m, size, seed):
    X = np.arange(2 * m, dtype=float).reshape(2, m)
    Y = (np.arange(m) % 2).reshape(1, m).astype(float)
    batches = manual.random_mini_batches(X, Y, size, seed)
    sizes = [b[0].shape[1] for b in batches]
    assert sizes == [size] * (m // size) + ([m % size] if m % size else [])
    columns = np.concatenate([b[0][0] for b in batches]).astype(int) // 1
    np.testing.assert_array_equal(columns, np.random.RandomState(seed).permutation(m))
    for bx, by in batches:  # X and Y stay paired
        np.testing.assert_array_equal(by[0], bx[0] % 2)
        np.testing.assert_array_equal(bx[1], bx[0] + m)


def test_decay_rules_by_hand():
    assert manual.update_lr(0.1, 0, 1.0) == 0.1
    assert manual.update_lr(0.1, 4, 1.0) == pytest.approx(0.02, rel=1e-15)
    assert manual.update_lr(0.5, 3, 0.5) == pytest.approx(0.2, rel=1e-15)
    assert manual.schedule_lr_decay(0.1, 999, 1.0, 1000) == 0.1
    assert manual.schedule_lr_decay(0.1, 1000, 1.0, 1000) == pytest.approx(0.05, rel=1e-15)
    assert manual.schedule_lr_decay(0.1, 2999, 1.0, 1000) == pytest.approx(0.1 / 3, rel=1e-15)
