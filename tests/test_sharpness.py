"""nets.sharpness and ``nets sharpness``: the top Hessian eigenvalue of the cost, alone and along a run.

References: a dense Hessian from central differences of the first-order
gradients (``model.gradients``, itself checked against the post's oracle),
and matrices whose eigenvalues are known.
"""
import json

import numpy as np
import pytest

import nets
from nets import BinaryClassifier
from nets.cli import main
from nets.jobs.sharpness import run_sharpness
from nets.sharpness import top_eigenvalue

TINY = ["--image-size", "8", "--n-train", "24", "--n-test", "10", "--layers", "192,3,1", "--iterations", "12",
        "--learning-rate", "0.05", "--no-progress"]


def _small_problem(seed=0):
    rs = np.random.RandomState(seed)
    X = rs.randn(5, 12)
    Y = (rs.uniform(size=(1, 12)) > 0.5).astype(np.int64)
    return X, Y


def _flat_gradient(model, X, Y):
    grads = model.gradients(X, Y)
    return np.concatenate([grads["d" + name].ravel() for name in model.parameters])


def _dense_hessian_by_differences(model, X, Y, h=1e-5):
    params = model.parameters
    names = list(params)
    flat = np.concatenate([params[k].ravel() for k in names])
    sizes = np.cumsum([params[k].size for k in names])[:-1]

    def gradient_at(vector):
        model.set_parameters({k: v.reshape(params[k].shape) for k, v in zip(names, np.split(vector, sizes))})
        return _flat_gradient(model, X, Y)

    columns = []
    for j in range(flat.size):
        step = np.zeros_like(flat)
        step[j] = h
        columns.append((gradient_at(flat + step) - gradient_at(flat - step)) / (2 * h))
    model.set_parameters(params)
    H = np.array(columns).T
    return (H + H.T) / 2


@pytest.mark.parametrize("cost", ["stable", "faithful"])
def test_sharpness_is_the_top_eigenvalue_of_the_finite_difference_hessian(cost):
    X, Y = _small_problem()
    model = BinaryClassifier([5, 4, 3, 1], seed=3, cost=cost)
    expected = np.linalg.eigvalsh(_dense_hessian_by_differences(model, X, Y))[-1]
    np.testing.assert_allclose(nets.sharpness(model, X, Y, tol=1e-8), expected, rtol=1e-5)


def test_sharpness_leaves_parameters_and_grads_alone():
    X, Y = _small_problem(1)
    model = BinaryClassifier([5, 3, 1], seed=2)
    before = model.parameters
    nets.sharpness(model, X, Y)
    for name, value in model.parameters.items():
        np.testing.assert_array_equal(value, before[name])
    assert all(p.grad is None for p in model._params)


def test_sharpness_during_a_gram_fit_sees_the_materialised_w1():
    """Called from fit's callback while W1 is implicit: the value at the actual parameters."""
    rs = np.random.RandomState(4)
    X, Y = rs.randn(40, 10), (rs.uniform(size=(1, 10)) > 0.5).astype(np.int64)
    model = BinaryClassifier([40, 3, 1], seed=5)
    seen = []

    def callback(i, cost):
        if i == 4:
            seen.append(nets.sharpness(model, X, Y, tol=1e-8))
            seen.append(model.parameters)

    history = model.fit(X, Y, learning_rate=0.1, iterations=8, callback=callback, solver="gram")
    assert history.solver == "gram"
    copy = BinaryClassifier([40, 3, 1], seed=5)
    copy.set_parameters(seen[1])
    np.testing.assert_allclose(seen[0], nets.sharpness(copy, X, Y, tol=1e-8), rtol=1e-8)
    np.testing.assert_allclose(seen[0], np.linalg.eigvalsh(_dense_hessian_by_differences(copy, X, Y))[-1], rtol=1e-5)


@pytest.mark.parametrize(
    "eigenvalues",
    [
        [-50.0, -3.0, 0.5, 2.0, 7.0],  # the most negative is the largest in magnitude: power iteration would find it
        [1.0] * 6 + [9.0],  # a repeated eigenvalue: an invariant subspace ends Lanczos early
        [4.0],
    ],
)
def test_top_eigenvalue_finds_the_most_positive_one(eigenvalues):
    rs = np.random.RandomState(6)
    Q, _ = np.linalg.qr(rs.randn(len(eigenvalues), len(eigenvalues)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    found = top_eigenvalue(lambda v: A @ v, len(eigenvalues), tol=1e-10)
    assert found["converged"]
    np.testing.assert_allclose(found["eigenvalue"], max(eigenvalues), rtol=1e-9)


def test_top_eigenvalue_refuses_an_empty_operator():
    with pytest.raises(ValueError, match="at least one number"):
        top_eigenvalue(lambda v: v, 0)


def test_run_sharpness_records_and_files(tmp_path):
    result = run_sharpness(layers=[192, 3, 1], image_size=8, n_train=24, iterations=12, every=5,
                           learning_rate=0.05, out=tmp_path / "s")
    assert [r["iteration"] for r in result["records"]] == [0, 5, 10, 12]
    assert [c[0] for c in result["costs"]] == list(range(12))
    costs = dict((i, c) for i, c in result["costs"])
    for record in result["records"][:-1]:
        # The cost recorded with a measurement is the one the next iteration computes at those parameters.
        np.testing.assert_allclose(record["cost"], costs[record["iteration"]], rtol=1e-10)
        assert record["two_over_lr"] == pytest.approx(40.0)
    written = json.loads((tmp_path / "s" / "sharpness.json").read_text())
    assert written["records"] == result["records"] and written["max_sharpness"] == result["max_sharpness"]
    assert (tmp_path / "s" / "sharpness.png").read_bytes()[:4] == b"\x89PNG"


def test_run_sharpness_last_record_matches_a_fresh_measurement(tmp_path):
    from nets import data as data_module
    from nets.jobs.runs import load_data

    result = run_sharpness(layers=[192, 3, 1], image_size=8, n_train=24, iterations=6, every=3,
                           learning_rate=0.05, out=tmp_path / "s", solver="backprop")
    images, y, *_ = load_data(None, 8, 24, 50)
    X = data_module.flatten_images(images)
    model = BinaryClassifier([192, 3, 1], seed=1)
    model.fit(X, y, learning_rate=0.05, iterations=6, solver="backprop")
    np.testing.assert_allclose(result["records"][-1]["sharpness"], nets.sharpness(model, X, y), rtol=1e-3)


def test_cli_sharpness(tmp_path, capsys):
    status = main(["sharpness", *TINY, "--every", "4", "--print-every", "5", "--out", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "iteration 0: cost" in out and "2 / lr = 40.00" in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("Cost after")] == [
        "Cost after iteration 0", "Cost after iteration 5", "Cost after iteration 10", "Cost after iteration 11"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["sharpness.json", "sharpness.png"]
    data = json.loads((tmp_path / "run" / "sharpness.json").read_text())
    assert [r["iteration"] for r in data["records"]] == [0, 4, 8, 12]
    # An existing folder is refused without --overwrite, in one line.
    status = main(["sharpness", *TINY, "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("nets: error: ") and "--overwrite" in err


@pytest.mark.parametrize("bad, match", [(["--every", "0"], "--every: must be at least 1"),
                                        (["--layers", "100,3,1"], "first layer size is 100")])
def test_cli_sharpness_bad_arguments(tmp_path, capsys, bad, match):
    status = main(["sharpness", *TINY, *bad, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert status == 2 and match in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_run_sharpness_from_a_start_iteration(tmp_path):
    result = run_sharpness(layers=[192, 3, 1], image_size=8, n_train=24, iterations=10, every=1, start=7,
                           learning_rate=0.05, out=tmp_path / "s")
    assert [r["iteration"] for r in result["records"]] == [7, 8, 9, 10]
    with pytest.raises(ValueError, match="start \\(11\\) is after the last iteration \\(10\\)"):
        run_sharpness(layers=[192, 3, 1], image_size=8, n_train=24, iterations=10, start=11, out=tmp_path / "t")
    assert not (tmp_path / "t").exists()
