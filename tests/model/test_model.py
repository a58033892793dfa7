"""BinaryClassifier against the post's hand-derived code (the oracle) and against itself."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nets import BinaryClassifier, TrainingDiverged, manual


def relative_difference(a, b):
    """max |a - b| scaled by the larger of the two arrays' largest magnitudes."""
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)


@st.composite
def networks(draw, max_layers=5):
    """A layer list of 1..max_layers layers, widths 1..8, data with m 1..16 and 0/1 labels."""
    n_layers = draw(st.integers(1, max_layers))
    dims = [draw(st.integers(1, 8)) for _ in range(n_layers)] + [1]
    m = draw(st.integers(1, 16))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    X = rng.randn(dims[0], m)
    # All zeros, all ones or mixed: either class may be missing.
    labels = draw(st.sampled_from(["zeros", "ones", "mixed"]))
    Y = {"zeros": np.zeros((1, m)), "ones": np.ones((1, m)), "mixed": (rng.rand(1, m) > 0.5) * 1.0}[labels]
    init = draw(st.sampled_from(["small", "xavier", "he"]))
    return dims, X, Y, init, seed % 1000


def oracle_gradients(parameters, X, Y):
    AL, caches = manual.L_model_forward(X, parameters)
    return manual.L_model_backward(AL, Y, caches)


def gradient_term_scale(parameters, X, Y):
    """The backward pass run on absolute values: for each gradient element, the sum of |terms|.

    Every gradient element is a sum of products (over examples and units); its
    rounding error is bounded relative to this sum of absolute terms, not to the
    element itself, which cancellation can make arbitrarily small. Comparing
    against this scale is a 1e-10 relative test that stays meaningful when
    positive and negative contributions nearly cancel.
    """
    AL, caches = manual.L_model_forward(X, parameters)
    L, m = len(caches), X.shape[1]
    scale = {}
    dZ = np.abs(AL - Y)
    for l in reversed(range(L)):
        (A_prev, W, _), Z = caches[l]
        if l < L - 1:
            dZ = dZ * (Z > 0)
        scale[f"dW{l + 1}"] = dZ @ np.abs(A_prev).T / m
        scale[f"db{l + 1}"] = dZ.sum(axis=1, keepdims=True) / m
        dZ = np.abs(W).T @ dZ
    return scale


@pytest.mark.parametrize("cost", ["stable", "faithful"])
@given(net=networks())
def test_autodiff_gradients_equal_the_oracle(cost, net):
    dims, X, Y, init, seed = net
    model = BinaryClassifier(dims, init=init, seed=seed, cost=cost)
    # The oracle divides by AL and 1 - AL: an output rounded to exactly 0 or 1
    # gives it inf/nan, a case for the stable cost's own tests, not for this comparison.
    AL, _ = manual.L_model_forward(X, model.parameters)
    assume(np.all((AL > 0) & (AL < 1)))
    expected = oracle_gradients(model.parameters, X, Y)
    scale = gradient_term_scale(model.parameters, X, Y)
    got = model.gradients(X, Y)
    assert sorted(got) == sorted(k for k in expected if not k.startswith("dA"))
    for key, value in got.items():
        assert value.shape == expected[key].shape, key
        assert np.all(np.abs(value - expected[key]) <= 1e-10 * scale[key]), key


def test_gradients_would_catch_the_posts_bug():
    """The post's original L_model_backward (dA from the output layer fed to every layer) disagrees with autodiff."""
    dims = [4, 3, 3, 3, 1]
    rng = np.random.RandomState(3)
    X, Y = rng.randn(4, 10), (rng.rand(1, 10) > 0.5) * 1.0
    model = BinaryClassifier(dims, init="xavier", seed=2)
    params = model.parameters
    AL, caches = manual.L_model_forward(X, params)
    L = len(caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads = {}
    dA, grads[f"dW{L}"], grads[f"db{L}"] = manual.linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    grads[f"dA{L - 1}"] = dA
    for l in reversed(range(L - 1)):
        buggy_input = grads[f"dA{L - 1}"]  # the post's line
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = manual.linear_activation_backward(
            buggy_input, caches[l], "relu"
        )
    autodiff = model.gradients(X, Y)
    assert relative_difference(autodiff["dW1"], grads["dW1"]) > 1e-3
    assert relative_difference(autodiff[f"dW{L}"], grads[f"dW{L}"]) < 1e-12


@pytest.mark.parametrize(
    "init, oracle_init",
    [("small", manual.initialize_parameters_deep), ("xavier", manual.initialize_parameters_xavier),
     ("he", manual.initialize_parameters_he)],
)
def test_seeded_init_draws_the_tutorials_numbers(init, oracle_init):
    dims = [7, 5, 3, 1]
    np.random.seed(1)
    expected = oracle_init(dims)
    got = BinaryClassifier(dims, init=init, seed=1).parameters
    assert sorted(got) == sorted(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])


def test_fifty_training_steps_equal_the_oracles_loop():
    dims = [6, 5, 4, 3, 1]
    rng = np.random.RandomState(0)
    X, Y = rng.randn(6, 12), (rng.rand(1, 12) > 0.5) * 1.0
    lr = 0.3
    model = BinaryClassifier(dims, init="xavier", seed=1, cost="faithful")
    params = model.parameters
    batch = model.batch(X, Y)
    for step in range(50):
        AL, caches = manual.L_model_forward(X, params)
        expected_cost = float(manual.compute_cost(AL, Y))
        params = manual.update_parameters(params, manual.L_model_backward(AL, Y, caches), lr)
        cost = model.step(batch, lr)
        assert cost == pytest.approx(expected_cost, rel=1e-12), step
        for key, value in model.parameters.items():
            assert relative_difference(value, params[key]) < 1e-10, (step, key)
    # Training moved the parameters: the comparison above was not between constants.
    assert relative_difference(model.parameters["W1"], BinaryClassifier(dims, init="xavier", seed=1).parameters["W1"]) > 1e-3


def test_fit_history_points_and_costs_match_the_oracle():
    dims = [5, 4, 1]
    rng = np.random.RandomState(1)
    X, Y = rng.randn(5, 9), (rng.rand(1, 9) > 0.5) * 1.0
    model = BinaryClassifier(dims, init="small", seed=1)
    history = model.fit(X, Y, learning_rate=0.5, iterations=250, print_every=100)
    _, oracle_costs = manual.L_layer_model(X, Y, dims, learning_rate=0.5, num_iterations=250, init="small")
    assert [i for i, _ in history] == [0, 100, 200, 249] == [i for i, _ in oracle_costs]
    for (_, got), (_, expected) in zip(history, oracle_costs):
        assert got == pytest.approx(expected, rel=1e-10)
    assert history.solver in ("backprop", "gram")
    assert history.seconds > 0


def test_predict_and_accuracy_agree_with_the_oracle():
    rng = np.random.RandomState(5)
    X, Y = rng.randn(4, 30), (rng.rand(1, 30) > 0.5).astype(np.int64)
    model = BinaryClassifier([4, 6, 1], seed=3)
    model.fit(X, Y, learning_rate=0.2, iterations=100)
    expected = manual.predict(X, model.parameters)
    np.testing.assert_array_equal(model.predict(X), expected)
    assert model.predict(X).dtype == np.int64 and model.predict(X).shape == (1, 30)
    assert model.accuracy(X, Y) == pytest.approx(np.mean(expected == Y))
    AL, _ = manual.L_model_forward(X, model.parameters)
    np.testing.assert_allclose(model.predict_proba(X), AL, rtol=1e-12)


def test_float32_model_stays_float32_and_tracks_float64():
    rng = np.random.RandomState(2)
    X, Y = rng.randn(6, 20), (rng.rand(1, 20) > 0.5) * 1.0
    m64 = BinaryClassifier([6, 5, 1], seed=1, dtype="float64")
    m32 = BinaryClassifier([6, 5, 1], seed=1, dtype="float32")
    assert all(v.dtype == np.float32 for v in m32.parameters.values())
    assert all(v.dtype == np.float32 for v in m32.gradients(X, Y).values())
    h64 = m64.fit(X, Y, 0.1, 200, 50)
    h32 = m32.fit(X, Y, 0.1, 200, 50)
    assert all(v.dtype == np.float32 for v in m32.parameters.values())
    for (_, c64), (_, c32) in zip(h64, h32):
        assert c32 == pytest.approx(c64, rel=1e-4)


def test_divergence_stops_with_the_iteration_and_finite_parameters():
    rng = np.random.RandomState(0)
    X, Y = rng.randn(3, 8) * 100, (rng.rand(1, 8) > 0.5) * 1.0
    model = BinaryClassifier([3, 4, 1], seed=0, cost="faithful")
    with pytest.raises(TrainingDiverged) as info:
        model.fit(X, Y, learning_rate=90, iterations=500)
    assert info.value.iteration is not None and info.value.iteration >= 0
    assert f"iteration {info.value.iteration}" in str(info.value)
    assert all(np.isfinite(v).all() for v in model.parameters.values())


def test_gradients_do_not_change_the_parameters_or_leave_grads_behind():
    rng = np.random.RandomState(0)
    X, Y = rng.randn(3, 5), np.ones((1, 5))
    model = BinaryClassifier([3, 2, 1])
    before = model.parameters
    first = model.gradients(X, Y)
    second = model.gradients(X, Y)  # no accumulation across calls
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    for key, value in model.parameters.items():
        np.testing.assert_array_equal(value, before[key])


def test_save_and_load_round_trip(tmp_path):
    model = BinaryClassifier([5, 3, 1], init="he", seed=7, dtype="float32", cost="faithful")
    rng = np.random.RandomState(0)
    model.fit(rng.randn(5, 6), np.array([[0, 1, 1, 0, 1, 0]]), 0.1, 20)
    path = tmp_path / "model.h5"
    model.save(path)
    loaded = BinaryClassifier.load(path)
    assert (loaded.layer_dims, loaded.init, loaded.seed, loaded.dtype, loaded.cost) == (
        [5, 3, 1], "he", 7, np.float32, "faithful")
    for key, value in model.parameters.items():
        np.testing.assert_array_equal(loaded.parameters[key], value)
        assert loaded.parameters[key].dtype == value.dtype
    assert [p.name for p in tmp_path.iterdir()] == ["model.h5"]  # no temporary left behind


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(layer_dims=[5]), "at least one layer"),
        (dict(layer_dims=[5, 0, 1]), "positive"),
        (dict(layer_dims=[5, -2, 1]), "positive"),
        (dict(layer_dims=[5, 3, 2]), "end in 1"),
        (dict(layer_dims=[5, 2.5, 1]), "integers"),
        (dict(layer_dims="5,3,1"), "list of positive integers"),
        (dict(layer_dims=[5, 1], init="glorot"), "init"),
        (dict(layer_dims=[5, 1], dtype="int32"), "dtype"),
        (dict(layer_dims=[5, 1], seed=-1), "seed"),
        (dict(layer_dims=[5, 1], cost="mse"), "cost"),
    ],
)
def test_constructor_errors_name_the_argument(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        BinaryClassifier(**kwargs)


@pytest.mark.parametrize(
    "X, Y, kwargs, error, message",
    [
        (np.ones((4, 3)), np.ones((1, 3)), {}, ValueError, "4 features"),
        (np.ones((3, 0)), np.ones((1, 0)), {}, ValueError, "zero examples"),
        (np.full((3, 2), np.nan), np.ones((1, 2)), {}, ValueError, "NaN"),
        (np.array([["a", "b"]] * 3), np.ones((1, 2)), {}, TypeError, "dtype"),
        (np.ones((3, 2)), np.array([[0, 2]]), {}, ValueError, "labels 0 and 1"),
        (np.ones((3, 2)), np.ones((2, 2)), {}, ValueError, r"\(1, 2\)"),
        (np.ones((3, 2)), np.ones((1, 2)), dict(learning_rate=-0.1), ValueError, "learning_rate"),
        (np.ones((3, 2)), np.ones((1, 2)), dict(learning_rate=1e9), ValueError, "learning_rate"),
        (np.ones((3, 2)), np.ones((1, 2)), dict(learning_rate=float("nan")), ValueError, "learning_rate"),
        (np.ones((3, 2)), np.ones((1, 2)), dict(iterations=2.5), TypeError, "iterations"),
        (np.ones((3, 2)), np.ones((1, 2)), dict(iterations=0), ValueError, "iterations"),
        (np.ones((3, 2)), np.ones((1, 2)), dict(print_every=0), ValueError, "print_every"),
    ],
)
def test_fit_errors_name_the_problem(X, Y, kwargs, error, message):
    model = BinaryClassifier([3, 2, 1])
    before = model.parameters
    with pytest.raises(error, match=message):
        model.fit(X, Y, **{"iterations": 3, **kwargs})
    for key, value in model.parameters.items():
        np.testing.assert_array_equal(value, before[key])


def test_labels_as_a_flat_vector_are_accepted():
    rng = np.random.RandomState(0)
    X, y = rng.randn(3, 6), np.array([0, 1, 1, 0, 1, 0])
    a, b = BinaryClassifier([3, 2, 1]), BinaryClassifier([3, 2, 1])
    assert a.fit(X, y, 0.1, 5) == b.fit(X, y.reshape(1, -1), 0.1, 5)
