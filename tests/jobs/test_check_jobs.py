"""The gradcheck and graph jobs of the command line (nets.jobs.gradcheck, nets.jobs.graph), through the Python API."""
import pytest

from nets import BinaryClassifier
from nets.jobs.gradcheck import KINK_MARGIN, relative_difference, run_gradcheck
from nets.jobs.graph import step_graph


# ---------------------------------------------------------------------------
# Gradient check
# ---------------------------------------------------------------------------


def test_relative_difference():
    assert relative_difference([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_difference([0.0], [0.0]) == 0.0
    assert relative_difference([1.0, 0.0], [1.0, 0.5]) == pytest.approx(0.5)


@pytest.mark.parametrize("cost", ["stable", "faithful"])
def test_gradcheck_passes_on_the_model(cost):
    report = run_gradcheck(layers=[6, 4, 3, 1], examples=5, seed=2, cost=cost)
    assert report.passed, report.failures
    assert [r.parameter for r in report.rows] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert report.min_abs_z >= KINK_MARGIN and not report.near_kink
    for row in report.rows:
        assert row.differences["autodiff-vs-oracle"] < 1e-12
        assert row.differences["autodiff-vs-fd"] < 1e-6


def test_gradcheck_catches_a_wrong_gradient(monkeypatch):
    original = BinaryClassifier.gradients

    def off_by_one_percent(self, X, Y):
        grads = original(self, X, Y)
        grads["db2"] = grads["db2"] * 1.01
        return grads

    monkeypatch.setattr(BinaryClassifier, "gradients", off_by_one_percent)
    report = run_gradcheck(layers=[6, 4, 3, 1], examples=5, seed=2)
    failed = {(p, c) for p, c, _, _ in report.failures}
    assert failed == {("b2", "autodiff-vs-oracle"), ("b2", "autodiff-vs-fd")}


def test_gradcheck_samples_entries_of_large_parameters():
    report = run_gradcheck(layers=[30, 2, 1], examples=3, max_checks=7)
    assert [r.checked for r in report.rows] == [7, 2, 2, 1]
    assert report.passed


# ---------------------------------------------------------------------------
# Graph
# ---------------------------------------------------------------------------


def test_step_graph_names_the_data_and_the_parameters():
    from autograd_mini.graph import collect

    graph = collect(step_graph(layers=[5, 3, 1], examples=4))
    leaves = {t.name: t for t in graph.tensors if t.op is None}
    assert set(leaves) == {"X", "Y", "W1", "b1", "W2", "b2"}
    assert not leaves["X"].requires_grad and leaves["W1"].requires_grad
    assert leaves["X"].shape == (5, 4)
