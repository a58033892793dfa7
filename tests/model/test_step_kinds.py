"""fit(step=...): eager, replayed and compiled training runs are the same runs, bit for bit.

Every option family (L2, dropout, gd / momentum / Adam, mini-batches, both
costs, float32, F- and C-ordered X), at least 500 steps each, on a small net.
"""
import numpy as np
import pytest

from autograd_mini import CompileError, tuning
from autograd_mini.tuning import Tuner
from nets import BinaryClassifier
from nets.model import solvers

DIMS = [12, 5, 3, 1]

FAMILIES = {
    "gd, full batch, stable, C-ordered X": dict(iterations=500),
    "gd, full batch, faithful, L2, F-ordered X, decay": dict(iterations=500, l2=0.4, cost="faithful", order="F",
                                                             decay="inverse", decay_rate=0.01),
    "momentum, mini-batches, dropout": dict(epochs=170, batch_size=16, optimizer="momentum", keep_prob=0.8),
    "adam, mini-batches, L2 and dropout, float32": dict(epochs=170, batch_size=16, optimizer="adam", l2=0.2, learning_rate=0.005,
                                                        keep_prob=0.7, dtype="float32"),
    "adam, full batch, faithful, L2, float32, F-ordered X": dict(iterations=500, optimizer="adam", l2=0.3, learning_rate=0.002,
                                                                 cost="faithful", dtype="float32", order="F"),
}


def _data(order="C"):
    rng = np.random.RandomState(5)
    X = rng.randn(DIMS[0], 40)
    Y = (X[:1] + 0.5 * X[1:2] * X[2:3] > 0).astype(np.float64)
    return (np.asfortranarray(X) if order == "F" else X), Y


def _fit(step, options, **extra):
    options = dict(options)
    X, Y = _data(options.pop("order", "C"))
    model = BinaryClassifier(DIMS, seed=3, cost=options.pop("cost", "stable"), dtype=options.pop("dtype", "float64"))
    learning_rate = options.pop("learning_rate", 0.05)
    history = model.fit(X, Y, learning_rate=learning_rate, print_every=1, solver="backprop", step=step, **options, **extra)
    return model, history


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_eager_replayed_and_compiled_runs_are_identical(family):
    options = FAMILIES[family]
    runs = {step: _fit(step, options) for step in ("eager", "replay", "compiled")}
    eager_model, eager_history = runs["eager"]
    assert eager_history.steps >= 500
    assert eager_history[-1][1] < eager_history[0][1]  # it trained
    for step in ("replay", "compiled"):
        model, history = runs[step]
        assert history.step == step
        assert list(history) == list(eager_history), f"{family}: {step} costs differ"
        for name, value in eager_model.parameters.items():
            np.testing.assert_array_equal(model.parameters[name], value, err_msg=f"{family}: {step} {name}")


def test_auto_runs_the_measured_choice_and_the_same_numbers():
    options = FAMILIES["momentum, mini-batches, dropout"]
    _, expected = _fit("eager", options)
    model, history = _fit("auto", options)
    assert history.step in ("replay", "compiled")
    assert list(history) == list(expected)
    made = [p for p in tuning.decisions()["programs"] if p["what"] == "training step"]
    assert made and all(p["choice"] in ("replay", "compiled") for p in made)


def test_replay_false_is_eager_and_contradictions_are_refused():
    X, Y = _data()
    model = BinaryClassifier(DIMS, seed=3)
    assert model.fit(X, Y, 0.05, 3, solver="backprop", replay=False).step == "eager"
    with pytest.raises(ValueError, match="contradicts step='compiled'"):
        model.fit(X, Y, 0.05, 3, solver="backprop", replay=False, step="compiled")
    with pytest.raises(ValueError, match="step must be one of"):
        model.fit(X, Y, 0.05, 3, step="fast")
    assert model.fit(X, Y, 0.05, 3, solver="gram").step is None  # gram replays its own graph


def test_a_step_that_cannot_be_compiled_is_replayed(monkeypatch):
    def refuse(fn):
        raise CompileError("compile: Cube has no code")

    monkeypatch.setattr(solvers, "compile", refuse)
    _, expected = _fit("eager", dict(iterations=20))
    for step in ("compiled", "auto"):
        model, history = _fit(step, dict(iterations=20))
        assert history.step == "replay"
        assert list(history) == list(expected)


def test_fastest_keeps_the_first_unless_another_is_clearly_faster():
    clock = [0.0]
    costs = {"replay": 1.0, "compiled": 0.5}

    def timer():
        return clock[0]

    def run(name):
        def go():
            clock[0] += costs[name]
        return go

    tuner = Tuner(timer=timer)
    assert tuner.fastest("a", {"replay": run("replay"), "compiled": run("compiled")}) == "compiled"
    costs["compiled"] = 0.98  # within the 5% margin: the first one stays
    assert tuner.fastest("b", {"replay": run("replay"), "compiled": run("compiled")}) == "replay"
    costs["compiled"] = 0.1  # decided once per key, never again
    assert tuner.fastest("b", {"replay": run("replay"), "compiled": run("compiled")}) == "replay"
    off = Tuner(timer=timer, enabled=False)
    assert off.fastest("a", {"replay": run("replay"), "compiled": run("compiled")}) == "replay"
