"""The gram solver against plain backprop, and the tutorial reproduced with both."""
import numpy as np
import pytest

from nets import BinaryClassifier, TrainingDiverged, load_catvnoncat, make_synthetic_catvnoncat
from nets.model.solvers import choose_solver, flop_estimates


@pytest.fixture(scope="module")
def small_images():
    """Synthetic cat/non-cat pictures at 16x16: 768 features, 209 + 50 examples."""
    return make_synthetic_catvnoncat(seed=3, image_size=16)


def run(solver, X, Y, dims, iterations, dtype="float64", lr=0.0075, init="xavier", **kwargs):
    model = BinaryClassifier(dims, init=init, seed=1, dtype=dtype)
    history = model.fit(X, Y, learning_rate=lr, iterations=iterations, print_every=1, solver=solver, **kwargs)
    assert history.solver == solver
    return model, history


def max_relative(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def test_gram_follows_backprop_for_2500_iterations_in_float64(small_images):
    X, Y = small_images[0], small_images[1]
    dims = [768, 20, 7, 5, 1]
    # The tutorial's rate: the cost falls steadily. (In an oscillating regime,
    # lr=0.02 here, any two roundings of the same iteration drift apart.)
    gram_model, gram = run("gram", X, Y, dims, 2500)
    back_model, back = run("backprop", X, Y, dims, 2500)
    costs_gram, costs_back = np.array(gram)[:, 1], np.array(back)[:, 1]
    assert np.all(np.abs(costs_gram - costs_back) <= 1e-9 * np.abs(costs_back))
    # The run really trained (the cost fell a lot), so agreement is not between constants.
    assert costs_back[-1] < 0.5 * costs_back[0]
    assert np.all(np.diff(costs_back) < 0)
    for key, value in back_model.parameters.items():
        assert max_relative(gram_model.parameters[key], value) < 1e-9, key


def test_gram_follows_backprop_in_float32(small_images):
    X, Y = small_images[0], small_images[1]
    dims = [768, 20, 7, 5, 1]
    gram_model, gram = run("gram", X, Y, dims, 200, dtype="float32", lr=0.02)
    back_model, back = run("backprop", X, Y, dims, 200, dtype="float32", lr=0.02)
    assert all(v.dtype == np.float32 for v in gram_model.parameters.values())
    np.testing.assert_allclose(np.array(gram)[:, 1], np.array(back)[:, 1], rtol=2e-4)
    for key, value in back_model.parameters.items():
        assert max_relative(gram_model.parameters[key], value) < 2e-3, key


def test_one_layer_network_works_with_gram():
    rng = np.random.RandomState(0)
    X, Y = rng.randn(50, 10), (rng.rand(1, 10) > 0.5) * 1.0
    _, gram = run("gram", X, Y, [50, 1], 300, lr=0.1)
    _, back = run("backprop", X, Y, [50, 1], 300, lr=0.1)
    np.testing.assert_allclose(np.array(gram)[:, 1], np.array(back)[:, 1], rtol=1e-10)


def test_parameters_read_during_a_gram_fit_are_the_current_ones(small_images):
    X, Y = small_images[0], small_images[1]
    dims = [768, 6, 1]
    seen = {}

    def remember(i, cost):
        if i in (0, 7, 30):
            seen[i] = model.parameters["W1"], model.predict_proba(X)

    model = BinaryClassifier(dims, seed=1)
    model.fit(X, Y, 0.05, 31, solver="gram", callback=remember)
    reference = BinaryClassifier(dims, seed=1)
    batch = reference.batch(X, Y)
    for i in range(31):
        reference.step(batch, 0.05)
        if i in seen:
            assert max_relative(seen[i][0], reference.parameters["W1"]) < 1e-10, i
            assert max_relative(seen[i][1], reference.predict_proba(X)) < 1e-10, i


def test_an_interrupted_gram_fit_still_materialises_w1(small_images):
    X, Y = small_images[0], small_images[1]
    dims = [768, 6, 1]

    def stop(i, cost):
        if i == 9:
            raise KeyboardInterrupt

    model = BinaryClassifier(dims, seed=1)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, 0.05, 100, solver="gram", callback=stop)
    reference = BinaryClassifier(dims, seed=1)
    reference.fit(X, Y, 0.05, 10, solver="backprop")
    for key, value in reference.parameters.items():
        assert max_relative(model.parameters[key], value) < 1e-10, key


def test_auto_picks_gram_only_when_it_is_cheaper():
    assert choose_solver("auto", [12288, 20, 7, 5, 1], 209, 2500, full_batch=True) == "gram"
    # Many more examples than features: C G costs more than the first layer's products.
    assert choose_solver("auto", [4, 3, 1], 5000, 100, full_batch=True) == "backprop"
    # A single iteration cannot pay for G.
    assert choose_solver("auto", [300, 3, 1], 200, 1, full_batch=True) == "backprop"
    flops = flop_estimates([12288, 20, 7, 5, 1], 209, 2500)
    assert flops["backprop"] == 2500 * 4 * 20 * 12288 * 209
    assert flops["gram"] < flops["backprop"] / 25
    # Mini-batches: backprop's first layer costs the same per epoch at any batch size;
    # gram's C G[:, B] too, but L2 needs the whole C G at every step.
    cat = [12288, 20, 7, 5, 1]
    plain, l2 = flop_estimates(cat, 209, 100, batch_size=64), flop_estimates(cat, 209, 100, batch_size=64, l2=0.1)
    assert plain["backprop"] == l2["backprop"] == flop_estimates(cat, 209, 100)["backprop"]
    setup = 12288 * 209 * 209 + 4 * 20 * 12288 * 209
    assert plain["gram"] - setup == 100 * 2 * 20 * 209 * 209
    assert l2["gram"] - setup == 100 * 4 * 2 * 20 * 209 * 209
    assert choose_solver("auto", cat, 209, 100, False, "momentum", 0.1, 0.8, batch_size=64) == "gram"
    # Few features per example: the batches' products are cheaper than C G.
    assert choose_solver("auto", [50, 20, 1], 400, 100, False, "momentum", batch_size=64) == "backprop"
    with pytest.raises(ValueError, match="batch_size"):
        choose_solver("auto", cat, 209, 100, full_batch=False)


def test_fit_reports_the_solver_auto_chose(small_images):
    X, Y = small_images[0], small_images[1]
    assert BinaryClassifier([768, 5, 1]).fit(X, Y, 0.01, 50).solver == "gram"
    rng = np.random.RandomState(0)
    assert BinaryClassifier([3, 2, 1]).fit(rng.randn(3, 400), np.ones(400), 0.01, 5).solver == "backprop"


def test_gram_refuses_adam_only_and_auto_falls_back(small_images):
    X, Y = small_images[0], small_images[1]
    model = BinaryClassifier([768, 5, 1])
    for options in (dict(iterations=5), dict(batch_size=32, epochs=2, l2=0.1, keep_prob=0.9)):
        with pytest.raises(ValueError, match="optimizer='adam'.*not keep W1 in the form"):
            model.fit(X, Y, 0.01, solver="gram", optimizer="adam", **options)
        assert model.fit(X, Y, 0.01, solver="auto", optimizer="adam", **options).solver == "backprop"
    # Every linear rule with every option is gram's, and auto picks it where it is cheaper.
    for options in (dict(iterations=50, decay="inverse"), dict(iterations=50, optimizer="momentum", l2=0.3),
                    dict(batch_size=64, epochs=20, optimizer="momentum", keep_prob=0.8)):
        assert model.fit(X, Y, 0.01, solver="gram", **options).solver == "gram"
        assert model.fit(X, Y, 0.01, solver="auto", **options).solver == "gram"
    with pytest.raises(ValueError, match="solver"):
        model.fit(X, Y, 0.01, 5, solver="newton")


def test_mini_batches_see_every_example_once_per_pass():
    from nets.model.sampling import MiniBatches

    sampler = MiniBatches(14, 4, np.random.RandomState(0))
    assert sampler.batches_per_epoch == 4
    passes = [sampler.epoch(e) for e in range(3)]
    for batches in passes:
        assert [len(b) for b in batches] == [4, 4, 4, 2]
        assert sorted(np.concatenate(batches)) == list(range(14))
    assert not np.array_equal(np.concatenate(passes[0]), np.concatenate(passes[1]))  # reshuffled


def test_gram_with_decay_gives_the_backprop_iterates(small_images):
    X, Y = small_images[0], small_images[1]
    results = {}
    for solver in ("gram", "backprop"):
        model = BinaryClassifier([768, 6, 3, 1], seed=2)
        history = model.fit(X, Y, 0.05, 40, solver=solver, decay="scheduled", decay_rate=0.5, decay_interval=7)
        results[solver] = model.parameters, [c for _, c in history]
    for key, value in results["backprop"][0].items():
        assert max_relative(results["gram"][0][key], value) < 1e-10, key
    np.testing.assert_allclose(results["gram"][1], results["backprop"][1], rtol=1e-11)


def test_gram_divergence_rolls_back_to_finite_parameters():
    rng = np.random.RandomState(0)
    X, Y = rng.randn(40, 8) * 30, (rng.rand(1, 8) > 0.5) * 1.0
    model = BinaryClassifier([40, 4, 1], seed=0, cost="faithful")
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged) as info:
        model.fit(X, Y, learning_rate=90, iterations=300, solver="gram")
    assert info.value.iteration >= 1
    assert all(np.isfinite(v).all() for v in model.parameters.values())


# ---------------------------------------------------------------- the tutorial, on the real data

# The course's published costs (its notebook output) for the two runs.
COURSE_TWO_LAYER = {0: 0.693049735659989, 100: 0.6464320953428849, 200: 0.6325140647912677,
                    2400: 0.048554785628770206}
COURSE_FOUR_LAYER = {0: 0.771749, 100: 0.672053, 200: 0.648263, 300: 0.611507}


@pytest.fixture(scope="module")
def real_data(real_data_dir):
    return load_catvnoncat(real_data_dir)


@pytest.mark.parametrize("solver", ["gram", "backprop"])
def test_two_layer_tutorial_run(real_data, solver):
    train_x, train_y, test_x, test_y, _ = real_data
    model = BinaryClassifier([12288, 7, 1], init="small", seed=1)
    history = dict(model.fit(train_x, train_y, 0.0075, 2500, solver=solver))
    for iteration, cost in COURSE_TWO_LAYER.items():
        assert history[iteration] == pytest.approx(cost, rel=1e-9), iteration
    assert model.accuracy(train_x, train_y) == 1.0
    assert model.accuracy(test_x, test_y) == pytest.approx(0.72)


@pytest.mark.parametrize("solver", ["gram", "backprop"])
def test_four_layer_tutorial_run(real_data, solver):
    train_x, train_y, test_x, test_y, _ = real_data
    model = BinaryClassifier([12288, 20, 7, 5, 1], init="xavier", seed=1)
    history = dict(model.fit(train_x, train_y, 0.0075, 2500, solver=solver))
    for iteration, cost in COURSE_FOUR_LAYER.items():
        assert history[iteration] == pytest.approx(cost, abs=5e-7), iteration
    assert model.accuracy(train_x, train_y) == pytest.approx(206 / 209)  # 0.9856...
    assert model.accuracy(test_x, test_y) == pytest.approx(0.80)
