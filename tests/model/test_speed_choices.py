"""Training with the engine's speed choices gives the same trajectories as without them.

``autograd_mini.tuning`` may compute a product turned, on another number of
BLAS threads, or from a copy of X in the other memory order. Those change the
rounding, never the mathematics: over 2500 steps the costs and the final
parameters must agree with numpy's way (tuning off, which is what the engine
computed before it had choices) to 1e-12 relative, and with the post's
hand-written code (the oracle) as closely. The choices are forced here, every
one of them, whatever this machine would measure.
"""
import numpy as np
import pytest

from autograd_mini import tuning
from nets import BinaryClassifier, manual
from nets.model.solvers import BackpropSolver

DIMS = [24, 10, 6, 1]
STEPS = 2500
TOLERANCE = 1e-12


def problem(order, seed=0, m=64):
    rng = np.random.RandomState(seed)
    X = np.asarray(rng.randn(DIMS[0], m), order=order)
    Y = (rng.rand(1, m) < 0.5).astype(np.int64)
    return X, Y


@pytest.fixture
def forced(monkeypatch):
    """The process's tuner measuring every product and choosing: turned, F copies, one thread."""
    tuner = tuning.TUNER
    monkeypatch.setattr(tuner, "enabled", True)
    monkeypatch.setattr(tuner, "min_work", 1)
    monkeypatch.setattr(tuner, "plans", {})
    monkeypatch.setattr(tuner, "layouts", {})

    def fastest(candidates):
        names = list(candidates)
        pick = next((n for n in ("turned", "F copy", tuning.ONE_THREAD) if n in names), names[0])
        seconds = {n: (1.0 if n == pick else 2.0) for n in names}
        return {"choice": pick, "seconds": seconds}

    def decide_layout(key, X, rows, batch, columns):
        choice = "given" if X.flags.f_contiguous else "F copy"
        tuner.layouts[key] = {"choice": choice, "seconds": {}}
        return choice

    monkeypatch.setattr(tuner, "_fastest", fastest)
    monkeypatch.setattr(tuner, "_decide_layout", decide_layout)
    return tuner


@pytest.fixture
def numpys_way(monkeypatch):
    tuner = tuning.TUNER
    monkeypatch.setattr(tuner, "enabled", False)
    monkeypatch.setattr(tuner, "plans", {})
    monkeypatch.setattr(tuner, "layouts", {})
    return tuner


def train(X, Y, **options):
    model = BinaryClassifier(DIMS, init="he", seed=3)
    history = model.fit(X, Y, learning_rate=0.05, print_every=1, solver="backprop", **options)
    return np.array([cost for _, cost in history]), model.parameters


def assert_same_run(a, b):
    costs_a, params_a = a
    costs_b, params_b = b
    assert costs_a.shape == costs_b.shape
    np.testing.assert_allclose(costs_a, costs_b, rtol=TOLERANCE, atol=0)
    for key in params_a:
        scale = np.abs(params_b[key]).max()
        np.testing.assert_allclose(params_a[key], params_b[key], rtol=0, atol=TOLERANCE * scale, err_msg=key)


OPTIONS = {
    "full batch, gd": dict(iterations=STEPS),
    "mini-batches of 16, momentum": dict(batch_size=16, epochs=STEPS // 4, optimizer="momentum"),
    "mini-batches of 16, adam, l2, dropout": dict(batch_size=16, epochs=STEPS // 4, optimizer="adam", l2=0.1,
                                                  keep_prob=0.8),
}


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name", list(OPTIONS))
def test_forced_choices_follow_numpys_way_for_2500_steps(order, name, request):
    X, Y = problem(order)
    request.getfixturevalue("numpys_way")
    plain = train(X, Y, **OPTIONS[name])
    tuner = request.getfixturevalue("forced")
    tuned = train(X, Y, **OPTIONS[name])
    assert any(plan.turned for plan in tuner.plans.values())  # the turned path did run
    assert_same_run(tuned, plain)


@pytest.mark.parametrize("order", ["C", "F"])
def test_forced_choices_follow_the_posts_code_for_2500_steps(order, forced):
    X, Y = problem(order, seed=1)
    tuned_costs, tuned_params = train(X, Y, iterations=STEPS)
    model = BinaryClassifier(DIMS, init="he", seed=3)
    params = {k: v.copy() for k, v in model.parameters.items()}
    costs = []
    for _ in range(STEPS):
        AL, caches = manual.L_model_forward(X, params)
        costs.append(manual.compute_cost(AL, Y))
        params = manual.update_parameters(params, manual.L_model_backward(AL, Y, caches), 0.05)
    np.testing.assert_allclose(tuned_costs, np.array(costs, dtype=float), rtol=TOLERANCE, atol=0)
    for key in params:
        scale = np.abs(params[key]).max()
        np.testing.assert_allclose(tuned_params[key], params[key], rtol=0, atol=TOLERANCE * scale, err_msg=key)


def test_the_solver_keeps_x_in_the_chosen_layout(forced):
    X, Y = problem("C")
    model = BinaryClassifier(DIMS, init="he", seed=3)
    batch = model.batch(X, Y)
    solver = BackpropSolver(model.objective(), batch.X.data, batch.Y.data, batch_size=16)
    assert solver.X.flags.f_contiguous and not solver.X.flags.c_contiguous
    np.testing.assert_array_equal(solver.X, X)
    assert forced.layouts and next(iter(forced.layouts.values()))["choice"] == "F copy"


def test_the_solver_uses_x_as_given_without_tuning(numpys_way):
    X, Y = problem("C")
    model = BinaryClassifier(DIMS, init="he", seed=3)
    batch = model.batch(X, Y)
    solver = BackpropSolver(model.objective(), batch.X.data, batch.Y.data, batch_size=16)
    assert solver.X is batch.X.data


def test_fit_puts_the_blas_threads_back(forced, monkeypatch):
    # Every product counts as small, so that its threads are measured (forced: one thread).
    monkeypatch.setattr(forced, "min_work", 10**12)
    threads = forced.threads
    before = threads.counts()
    seen = []
    X, Y = problem("F")
    model = BinaryClassifier(DIMS, init="he", seed=3)
    model.fit(X, Y, learning_rate=0.05, iterations=5, solver="backprop",
              callback=lambda i, cost: seen.append(threads.counts()))
    assert threads.counts() == before
    if threads.libraries and max(before) > 1:
        # Every small product was forced onto one thread: inside fit, BLAS ran on one.
        assert all(counts == [1] * len(before) for counts in seen)


def test_eager_and_replayed_fits_agree_bit_for_bit_with_choices_forced(forced):
    X, Y = problem("C")
    a = train(X, Y, iterations=50)
    b = train(X, Y, iterations=50, replay=False)
    np.testing.assert_array_equal(a[0], b[0])
    for key in a[1]:
        np.testing.assert_array_equal(a[1][key], b[1][key])
