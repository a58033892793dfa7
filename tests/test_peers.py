"""The peer frameworks' training steps (benchmarks/peers.py) agree with plain numpy.

Each peer starts from the same numpy-drawn parameters and runs a few gradient-descent steps;
its costs and parameters must match a hand-derived numpy reference written here, independent
of ``nets`` and ``autograd_mini``. A peer that is not installed is skipped with its reason.
"""
import numpy as np
import pytest

from benchmarks import peers

LAYER_DIMS = [6, 5, 3, 1]
N_EXAMPLES = 7
LEARNING_RATE = 0.1
N_STEPS = 5


def _problem(seed=0):
    """Parameters big enough that the cost moves visibly; labels with both classes."""
    rs = np.random.RandomState(seed)
    params = {}
    for layer in range(1, len(LAYER_DIMS)):
        params[f"W{layer}"] = rs.randn(LAYER_DIMS[layer], LAYER_DIMS[layer - 1]) * 0.5
        params[f"b{layer}"] = rs.randn(LAYER_DIMS[layer], 1) * 0.1
    X = rs.randn(LAYER_DIMS[0], N_EXAMPLES)
    Y = np.array([[1, 0, 1, 1, 0, 0, 1]], dtype=np.float64)
    return params, X, Y


def _reference_step(params, X, Y, learning_rate):
    """One step by hand: forward, the post's cost, backprop, gradient descent (float64).

    Returns the cost before the update and a new parameter dict.
    """
    n_layers = len(params) // 2
    m = X.shape[1]
    activations = [X]
    pre_activations = []
    for layer in range(1, n_layers + 1):
        Z = params[f"W{layer}"] @ activations[-1] + params[f"b{layer}"]
        pre_activations.append(Z)
        if layer < n_layers:
            activations.append(np.maximum(Z, 0.0))
        else:
            activations.append(1.0 / (1.0 + np.exp(-Z)))
    AL = activations[-1]
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m

    # d cost / d ZL for the composite cost simplifies to (AL - Y) / m.
    dZ = (AL - Y) / m
    updated = {}
    for layer in range(n_layers, 0, -1):
        A_prev = activations[layer - 1]
        W = params[f"W{layer}"]
        updated[f"W{layer}"] = W - learning_rate * (dZ @ A_prev.T)
        updated[f"b{layer}"] = params[f"b{layer}"] - learning_rate * dZ.sum(axis=1, keepdims=True)
        if layer > 1:
            dZ = (W.T @ dZ) * (pre_activations[layer - 2] > 0)
    return float(cost), updated


def _require(name):
    reason = peers.peer_unavailable_reason(name)
    if reason is not None:
        pytest.skip(f"peer {name} unavailable: {reason}")


@pytest.fixture(scope="module")
def reference():
    params, X, Y = _problem()
    costs = []
    current = params
    for _ in range(N_STEPS):
        cost, current = _reference_step(current, X, Y, LEARNING_RATE)
        costs.append(cost)
    return costs, current


@pytest.mark.parametrize("name", list(peers.PEERS))
def test_peer_steps_match_numpy_reference_float64(name, reference):
    _require(name)
    expected_costs, expected_params = reference
    params, X, Y = _problem()
    originals = {key: value.copy() for key, value in params.items()}

    step = peers.PEERS[name](params, X, Y, LEARNING_RATE, np.float64)
    costs = [step() for _ in range(N_STEPS)]

    assert all(type(cost) is float for cost in costs)
    np.testing.assert_allclose(costs, expected_costs, rtol=1e-10, atol=0)
    got = step.get_params()
    assert sorted(got) == sorted(expected_params)
    for key, value in expected_params.items():
        assert isinstance(got[key], np.ndarray) and got[key].dtype == np.float64
        np.testing.assert_allclose(got[key], value, rtol=1e-10, atol=1e-14, err_msg=key)
    # The factory works on its own copy: the caller's arrays are untouched.
    for key, value in originals.items():
        np.testing.assert_array_equal(params[key], value)


@pytest.mark.parametrize("name", list(peers.PEERS))
def test_peer_float32_stays_float32_and_close(name, reference):
    _require(name)
    expected_costs, expected_params = reference
    params, X, Y = _problem()

    step = peers.PEERS[name](params, X, Y, LEARNING_RATE, np.float32)
    costs = [step() for _ in range(N_STEPS)]

    np.testing.assert_allclose(costs, expected_costs, rtol=1e-5)
    got = step.get_params()
    for key, value in expected_params.items():
        assert got[key].dtype == np.float32, key
        np.testing.assert_allclose(got[key], value, rtol=1e-4, atol=1e-5, err_msg=key)


@pytest.mark.parametrize("name", list(peers.PEERS))
def test_get_params_returns_copies(name):
    _require(name)
    params, X, Y = _problem()
    step = peers.PEERS[name](params, X, Y, LEARNING_RATE, np.float64)
    snapshot = step.get_params()
    frozen = {key: value.copy() for key, value in snapshot.items()}
    step()
    for key, value in frozen.items():
        np.testing.assert_array_equal(snapshot[key], value)
    assert not np.array_equal(step.get_params()["W1"], frozen["W1"])


def test_registry_and_versions():
    assert set(peers.PEERS) == {"autograd", "mygrad", "torch", "jax"}
    available = peers.available_peers()
    assert set(available) <= set(peers.PEERS)
    found = peers.versions()
    for name in peers.PEERS:
        reason = peers.peer_unavailable_reason(name)
        assert reason is None or (isinstance(reason, str) and reason)
        if name in available:
            assert name in found
    with pytest.raises(KeyError):
        peers.peer_unavailable_reason("no-such-peer")


def test_factories_reject_malformed_params():
    params, X, Y = _problem()
    bad = dict(params)
    del bad["b2"]
    with pytest.raises(ValueError):
        peers._prepare(bad, X, Y, np.float64)
    with pytest.raises(ValueError):
        peers._prepare(params, X.T, Y, np.float64)
    with pytest.raises(ValueError):
        peers._prepare(params, X, Y, np.int64)
