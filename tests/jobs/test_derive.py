"""`nets derive`: the derived training step reads like the post and agrees with nets.manual."""
import os
import subprocess
import sys

import numpy as np
import pytest

from nets import manual
from nets.cli import main
from nets.jobs.derive import derive_source, module_text, write_module

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _step(source):
    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102 - the derived code under test
    return namespace["step"]


def _random_problem(layers, m, seed=3):
    rng = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(layers)):
        params[f"W{l}"] = rng.randn(layers[l], layers[l - 1]) / np.sqrt(layers[l - 1])
        params[f"b{l}"] = rng.randn(layers[l], 1) * 0.1
    X = rng.randn(layers[0], m)
    Y = (rng.rand(1, m) > 0.5).astype(np.float64)
    return params, X, Y


def test_the_tutorial_step_reads_like_the_post():
    source = derive_source([12288, 20, 7, 5, 1], examples=209)
    assert source.startswith("def step(W1, b1, W2, b2, W3, b3, W4, b4, X, Y):")
    for line in ["Z1 = W1 @ X + b1", "A1 = np.maximum(Z1, 0)", "Z4 = W4 @ A3 + b4",
                 "dZ4 = (s - Y) / m",  # the fused cross-entropy gradient, AL - Y over m
                 "dW4 = dZ4 @ A3.T", "dA3 = W4.T @ dZ4", "db4 = dZ4.sum(axis=1, keepdims=True)",
                 "dZ1 = dA1 * (Z1 > 0)", "dW1 = dZ1 @ X.T", "db1 = dZ1.sum(axis=1, keepdims=True)"]:
        assert f"    {line}\n" in source, line
    assert "dA0" not in source and "dX" not in source  # X needs no gradient: nothing computed for it


@pytest.mark.parametrize("cost", ["stable", "faithful"])
def test_the_derived_step_agrees_with_the_hand_derived_backward_pass(cost):
    layers, m = [7, 5, 3, 1], 11
    step = _step(derive_source(layers, cost=cost, examples=m))
    params, X, Y = _random_problem(layers, m)
    AL, caches = manual.L_model_forward(X, params)
    expected = manual.L_model_backward(AL, Y, caches)
    value, grads = step(*[params[f"{k}{l}"] for l in (1, 2, 3) for k in "Wb"], X, Y)
    np.testing.assert_allclose(value, manual.compute_cost(AL, Y), rtol=1e-12)
    assert sorted(grads) == sorted(f"{k}{l}" for l in (1, 2, 3) for k in ("dW", "db"))
    for name, g in grads.items():
        np.testing.assert_allclose(g, expected[name], rtol=1e-10, atol=1e-14)


def _run(path):
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run([sys.executable, path], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("options", [dict(), dict(l2=0.7), dict(keep_prob=0.8), dict(l2=0.3, keep_prob=0.6, cost="faithful")])
def test_the_written_module_runs_and_checks_itself_against_nets_manual(tmp_path, options):
    path = write_module(str(tmp_path / "step.py"), layers=[6, 4, 3, 1], examples=17, **options)
    result = _run(path)
    assert result.returncode == 0, result.stderr
    assert "agrees with its reference" in result.stdout


def test_the_module_check_fails_on_a_wrong_step(tmp_path):
    text = module_text(layers=[6, 4, 1], examples=9)
    broken = text.replace("dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1")  # ReLU's derivative forgotten
    assert broken != text
    path = tmp_path / "broken.py"
    path.write_text(broken)
    result = _run(str(path))
    assert result.returncode != 0 and "differ" in result.stderr


def test_cli_prints_or_writes_and_refuses_bad_arguments(tmp_path, capsys):
    assert main(["derive", "--layers", "5,3,1"]) == 0
    assert capsys.readouterr().out.startswith("def step(W1, b1, W2, b2, X, Y):")
    out = tmp_path / "derived.py"
    assert main(["derive", "--layers", "5,3,1", "--l2", "0.1", "--out", str(out)]) == 0
    assert "Wrote" in capsys.readouterr().out and out.read_text().startswith('"""The training step')
    assert main(["derive", "--out", str(tmp_path / "x.txt")]) == 2
    assert ".py" in capsys.readouterr().err
    assert main(["derive", "--keep-prob", "0"]) == 2
    assert not (tmp_path / "x.txt").exists()


def test_a_tanh_network_derives_week_3s_backward_pass_and_checks_itself(tmp_path):
    source = derive_source([2, 4, 1], examples=7, hidden_activation="tanh")
    assert "A1 = np.tanh(Z1)" in source and "dZ1 = dA1 * (1 - A1 * A1)" in source
    # Week 3's own backward_propagation on the same arrays.
    from nets.manual import week3

    step = _step(source)
    rng = np.random.RandomState(4)
    params = {"W1": rng.randn(4, 2), "b1": rng.randn(4, 1), "W2": rng.randn(1, 4), "b2": rng.randn(1, 1)}
    X, Y = rng.randn(2, 7), (rng.rand(1, 7) > 0.5).astype(np.float64)
    cost, grads = step(params["W1"], params["b1"], params["W2"], params["b2"], X, Y)
    A2, cache = week3.forward_propagation(X, params)
    expected = week3.backward_propagation(params, cache, X, Y)
    np.testing.assert_allclose(float(cost), week3.compute_cost(A2, Y), rtol=1e-12)
    for name in ("dW1", "db1", "dW2", "db2"):
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-14)
    # The written modules check themselves: against week 3 for [2, 4, 1], by central
    # differences with dropout, L2 and two tanh layers; and a wrong derivative fails.
    for options in (dict(layers=[2, 4, 1]), dict(layers=[3, 4, 2, 1], l2=0.3, keep_prob=0.8)):
        path = write_module(str(tmp_path / "tanh_step.py"), examples=6, hidden_activation="tanh", **options)
        result = _run(path)
        assert result.returncode == 0, result.stderr
        text = module_text(examples=6, hidden_activation="tanh", **options)
        broken = tmp_path / "broken.py"
        broken.write_text(text.replace("* (1 - A1 * A1)", "* (1 - A1)"))
        assert broken.read_text() != text
        result = _run(str(broken))
        assert result.returncode != 0 and "differ" in result.stderr
    with pytest.raises(ValueError, match="hidden_activation"):
        derive_source([2, 4, 1], hidden_activation="sigmoid")
