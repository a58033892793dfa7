"""``nets audit``: a learner's own functions against autodiff.

The learner files here are written for these tests: one correct implementation
of the post's functions (written independently of ``nets.manual``), variants of
it each with one deliberate mistake, and the post's code exactly as published
(extracted from the post at test time). Each must get the verdict its mistake
deserves, with the right function named.
"""
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nets.checker import AuditImportError, audit
from nets.checker.diagnose import TOLERANCE
from nets.cli import main

ROOT = Path(__file__).resolve().parents[2]
POST = ROOT.parent / "shared" / "seed" / "binary-classification-nn-from-scratch.md"

# A correct learner file, deliberately not the post's wording: loops written
# differently, caches laid out the post's way (the functions consume their own).
CORRECT = textwrap.dedent('''
    import numpy as np

    def sigmoid(Z):
        return 1.0 / (1.0 + np.exp(-Z)), Z

    def relu(Z):
        return Z * (Z > 0), Z

    def relu_backward(dA, cache):
        return dA * (cache > 0)

    def sigmoid_backward(dA, cache):
        s = 1.0 / (1.0 + np.exp(-cache))
        return dA * s * (1.0 - s)

    def initialize_parameters(n_x, n_h, n_y):
        return {"W1": np.random.randn(n_h, n_x) * 0.01, "b1": np.zeros((n_h, 1)),
                "W2": np.random.randn(n_y, n_h) * 0.01, "b2": np.zeros((n_y, 1))}

    def initialize_parameters_deep(layer_dims):
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(layer_dims[:-1], layer_dims[1:]), start=1):
            params["W%d" % i] = np.random.randn(fan_out, fan_in) * 0.01
            params["b%d" % i] = np.zeros((fan_out, 1))
        return params

    def linear_forward(A, W, b):
        return np.dot(W, A) + b, (A, W, b)

    def linear_activation_forward(A_prev, W, b, activation):
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = (sigmoid if activation == "sigmoid" else relu)(Z)
        return A, (linear_cache, activation_cache)

    def L_model_forward(X, parameters):
        depth = len(parameters) // 2
        caches, A = [], X
        for i in range(1, depth + 1):
            act = "sigmoid" if i == depth else "relu"
            A, cache = linear_activation_forward(A, parameters["W%d" % i], parameters["b%d" % i], act)
            caches.append(cache)
        return A, caches

    def compute_cost(AL, Y):
        m = Y.shape[1]
        return float(-(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)).item() / m)

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = np.dot(dZ, A_prev.T) / m
        db = dZ.sum(axis=1, keepdims=True) / m
        return np.dot(W.T, dZ), dW, db

    def linear_activation_backward(dA, cache, activation):
        linear_cache, activation_cache = cache
        back = sigmoid_backward if activation == "sigmoid" else relu_backward
        return linear_backward(back(dA, activation_cache), linear_cache)

    def L_model_backward(AL, Y, caches):
        depth = len(caches)
        Y = Y.reshape(AL.shape)
        dA = (1 - Y) / (1 - AL) - Y / AL
        grads = {}
        for i in range(depth, 0, -1):
            act = "sigmoid" if i == depth else "relu"
            dA, grads["dW%d" % i], grads["db%d" % i] = linear_activation_backward(dA, caches[i - 1], act)
            grads["dA%d" % (i - 1)] = dA
        return grads

    def update_parameters(params, grads, learning_rate):
        return {k: v - learning_rate * grads["d" + k] for k, v in params.items()}
''')

# One deliberate mistake each: (old text, new text), the function that must be
# named, and words its diagnosis must contain (None: only the verdict is checked).
BROKEN = {
    "missing_1_over_m": ("db = dZ.sum(axis=1, keepdims=True) / m", "db = dZ.sum(axis=1, keepdims=True)",
                         "linear_backward", "m = 4 times too large (a missing 1/m)"),
    "transposed_dW": ("dW = np.dot(dZ, A_prev.T) / m", "dW = np.dot(A_prev, dZ.T) / m",
                      "linear_backward", "dW is the transpose"),
    "cost_sign": ("return float(-(", "return float((", "compute_cost", "wrong sign"),
    "relu_mask": ("return dA * (cache > 0)", "return dA * (cache <= 0)",
                  "relu_backward", "passes the gradient where Z <= 0"),
    "last_layer_relu": ('act = "sigmoid" if i == depth else "relu"\n        A, cache',
                        'act = "relu"\n        A, cache', "L_model_forward", "last layer uses relu"),
    "update_adds": ("v - learning_rate *", "v + learning_rate *", "update_parameters", "adds the gradient"),
    "zero_init": ("np.random.randn(fan_out, fan_in) * 0.01", "np.zeros((fan_out, fan_in))",
                  "initialize_parameters_deep", "symmetry is never broken"),
    "raises": ("return np.dot(W, A) + b, (A, W, b)", "raise RuntimeError('not written yet')",
               "linear_forward", None),
}


# The course's next functions, on top of CORRECT (again not nets.manual's code).
COURSE2 = textwrap.dedent('''
    def compute_cost_with_regularization(AL, Y, parameters, lambd):
        m = Y.shape[1]
        weights = [v for k, v in parameters.items() if k.startswith("W")]
        return compute_cost(AL, Y) + lambd / (2 * m) * sum(np.sum(W * W) for W in weights)

    def L_model_backward_with_regularization(AL, Y, caches, lambd):
        grads = L_model_backward(AL, Y, caches)
        m = AL.shape[1]
        for i, ((_, W, _), _) in enumerate(caches, start=1):
            grads["dW%d" % i] = grads["dW%d" % i] + (lambd / m) * W
        return grads

    def L_model_forward_with_dropout(X, parameters, keep_prob, rng):
        depth = len(parameters) // 2
        caches, A = [], X
        for i in range(1, depth + 1):
            W, b = parameters["W%d" % i], parameters["b%d" % i]
            Z = W @ A + b
            if i == depth:
                caches.append(((A, W, b), Z, None))
                return 1 / (1 + np.exp(-Z)), caches
            D = rng.rand(*Z.shape) < keep_prob
            caches.append(((A, W, b), Z, D))
            A = np.maximum(Z, 0) * D / keep_prob

    def L_model_backward_with_dropout(AL, Y, caches, keep_prob):
        grads = {}
        dA = (AL - Y) / (AL * (1 - AL))
        for i in range(len(caches), 0, -1):
            (A_prev, W, b), Z, D = caches[i - 1]
            if D is None:
                dZ = dA * AL * (1 - AL)
            else:
                dZ = dA * D / keep_prob * (Z > 0)
            m = A_prev.shape[1]
            grads["dW%d" % i] = dZ @ A_prev.T / m
            grads["db%d" % i] = dZ.mean(axis=1, keepdims=True)
            dA = W.T @ dZ
            grads["dA%d" % (i - 1)] = dA
        return grads

    def update_parameters_with_gd(parameters, grads, learning_rate):
        return update_parameters(parameters, grads, learning_rate)

    def initialize_velocity(parameters):
        return {"d" + k: np.zeros_like(v) for k, v in parameters.items()}

    def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
        v = {k: beta * v[k] + (1 - beta) * grads[k] for k in v}
        return {k: p - learning_rate * v["d" + k] for k, p in parameters.items()}, v

    def initialize_adam(parameters):
        return initialize_velocity(parameters), initialize_velocity(parameters)

    def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                    beta1=0.9, beta2=0.999, epsilon=1e-8):
        v = {k: beta1 * v[k] + (1 - beta1) * grads[k] for k in v}
        s = {k: beta2 * s[k] + (1 - beta2) * grads[k] ** 2 for k in s}
        new = {}
        for k, p in parameters.items():
            v_hat = v["d" + k] / (1 - beta1 ** t)
            s_hat = s["d" + k] / (1 - beta2 ** t)
            new[k] = p - learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
        return new, v, s

    def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
        np.random.seed(seed)
        order = np.random.permutation(X.shape[1])
        X, Y = X[:, order], Y[:, order]
        starts = range(0, X.shape[1], mini_batch_size)
        return [(X[:, i:i + mini_batch_size], Y[:, i:i + mini_batch_size]) for i in starts]

    def update_lr(learning_rate0, epoch_num, decay_rate):
        return learning_rate0 / (1 + decay_rate * epoch_num)

    def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
        return learning_rate0 / (1 + decay_rate * (epoch_num // time_interval))
''')

BROKEN_COURSE2 = {
    "l2_cost_missing_half": ("lambd / (2 * m) * sum", "lambd / m * sum",
                             "compute_cost_with_regularization", "a missing 1/2"),
    "l2_grad_missing_1_over_m": ("(lambd / m) * W", "lambd * W",
                                 "L_model_backward_with_regularization", "L2 term is lambd * W1: a missing 1/m"),
    "dropout_forward_no_scale": ("A = np.maximum(Z, 0) * D / keep_prob", "A = np.maximum(Z, 0) * D",
                                 "L_model_forward_with_dropout", "does not divide"),
    "dropout_backward_no_scale": ("dZ = dA * D / keep_prob * (Z > 0)", "dZ = dA * D * (Z > 0)",
                                  "L_model_backward_with_dropout", "does not divide by keep_prob"),
    "momentum_no_one_minus_beta": ("beta * v[k] + (1 - beta) * grads[k]", "beta * v[k] + grads[k]",
                                   "update_parameters_with_momentum", "(1 - beta)"),
    "adam_epsilon_inside": ("(np.sqrt(s_hat) + epsilon)", "np.sqrt(s_hat + epsilon)",
                            "update_parameters_with_adam", "epsilon is inside the square root"),
    "batches_unpaired": ("X, Y = X[:, order], Y[:, order]", "X = X[:, order]",
                         "random_mini_batches", "wrong labels"),
    "schedule_no_floor": ("(epoch_num // time_interval)", "(epoch_num / time_interval)",
                          "schedule_lr_decay", "round"),
}


def write(tmp_path, text, name="learner.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def broken(kind):
    old, new, _, _ = BROKEN[kind]
    assert CORRECT.count(old) == 1, kind  # the mutation hits exactly one place
    return CORRECT.replace(old, new)


def failing(report):
    return {c.name for c in report.checks if not c.ok}


def test_correct_implementation_passes(tmp_path):
    report = audit(write(tmp_path, CORRECT))
    assert report.ok, report.format()
    assert set(report.found) >= {"sigmoid", "relu_backward", "L_model_backward", "update_parameters"}
    assert report.first_wrong_layer is None
    assert all(c.max_rel_error is None or c.max_rel_error < 1e-10 for c in report.checks)
    # Every post function was checked, plus one row per end-to-end gradient.
    names = {c.name for c in report.checks}
    assert {"linear_backward", "L_model_backward", "dW1", "db4", "dA0"} <= names


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_variant_fails_with_the_right_function_named(tmp_path, kind):
    _, _, culprit, words = BROKEN[kind]
    report = audit(write(tmp_path, broken(kind)))
    assert not report.ok
    check = report.check(culprit)
    assert not check.ok, report.format()
    if words is not None:
        assert words in (check.diagnosis or ""), check.diagnosis
    if culprit.endswith("_backward"):  # finite differences confirm the reference, not the learner
        assert "side with autodiff" in check.referee
    # Functions the mistake cannot reach still pass: the audit goes on after a failure.
    for independent in {"sigmoid", "relu", "initialize_parameters_deep", "L_model_backward"} - {culprit}:
        assert report.check(independent).ok or independent == "L_model_backward" and kind in (
            "missing_1_over_m", "transposed_dW", "relu_mask"), report.format()  # they call the wrong one


def test_a_function_that_raises_shows_the_learners_traceback_and_the_rest_is_checked(tmp_path):
    report = audit(write(tmp_path, broken("raises")))
    check = report.check("linear_forward")
    assert check.verdict == "CRASHED" and check.max_rel_error is None
    assert "RuntimeError: not written yet" in check.error
    assert "learner.py" in check.error and "in linear_forward" in check.error
    assert "autograd_mini" not in check.error and "nets/audit" not in check.error  # their frames only
    # The backward functions still ran, on the project's caches.
    assert report.check("linear_backward").ok and report.check("relu_backward").ok


def test_missing_one_over_m_is_located_end_to_end(tmp_path):
    report = audit(write(tmp_path, broken("missing_1_over_m")))
    # Every layer's db is wrong, so the first from the output down is the last layer.
    assert report.first_wrong_layer == 4
    assert "m = 6 times too large" in report.check("db4").diagnosis
    assert report.check("dW4").ok


def post_code():
    if not POST.is_file():
        pytest.skip(f"the post is not at {POST}")
    blocks = re.findall(r"```\s*python\n(.*?)```", POST.read_text(), flags=re.S)
    # The notebook magics (%matplotlib ...) are not Python, and the one-line
    # snippets (A, activation_cache = sigmoid(Z)) use names defined nowhere:
    # keep the imports and the function definitions, otherwise exactly as published.
    kept = []
    for block in blocks:
        code = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("%"))
        if "def " in code or code.lstrip().startswith("import"):
            kept.append(code)
    return "\n\n".join(kept)


def test_the_posts_code_fails_with_its_bug_named_and_located(tmp_path):
    report = audit(write(tmp_path, post_code(), "post.py"))
    assert not report.ok
    assert failing(report) & set(report.found) == {"L_model_backward"}
    check = report.check("L_model_backward")
    # With unequal widths the post's code crashes (the learner sees where) ...
    assert "IndexError" in check.error and 'grads["dA" + str(L-1)]' in check.error
    # ... and with equal widths its gradients are wrong: the smallest case is 3 layers.
    assert check.failing_case == "layers [3, 3, 3, 1], 4 examples"
    assert check.diagnosis == "layer 1 receives dA2, the gradient meant for layer 2, instead of dA1"
    assert "side with autodiff" in check.referee
    # End to end (4 layers): right down to layer 3, then layer 2 is fed layer 3's gradient.
    assert report.first_wrong_layer == 2
    assert {"dW4", "db4", "dA3", "dW3", "db3", "dA2"} <= {c.name for c in report.checks if c.ok}
    assert report.check("dW2").diagnosis == "layer 2 receives dA3, the gradient meant for layer 3, instead of dA2"
    assert report.check("dW1").diagnosis == "layer 1 receives dA3, the gradient meant for layer 3, instead of dA1"


def test_correct_course2_implementation_passes(tmp_path):
    report = audit(write(tmp_path, CORRECT + COURSE2))
    assert report.ok, report.format()
    assert not report.substituted  # every function was the learner's, and checked
    assert len([c for c in report.checks if c.group == "function"]) == 26


@pytest.mark.parametrize("kind", sorted(BROKEN_COURSE2))
def test_broken_course2_variant_fails_with_the_right_function_named(tmp_path, kind):
    old, new, culprit, words = BROKEN_COURSE2[kind]
    text = CORRECT + COURSE2
    assert text.count(old) == 1, kind
    report = audit(write(tmp_path, text.replace(old, new)))
    assert failing(report) == {culprit}, report.format()
    assert words in (report.check(culprit).diagnosis or ""), report.check(culprit).diagnosis


def test_cli_json_and_exit_status(tmp_path, capsys):
    path = write(tmp_path, broken("missing_1_over_m"))
    assert main(["audit", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False
    row = next(c for c in out["checks"] if c["name"] == "linear_backward")
    assert row["ok"] is False and row["max_rel_error"] > 0.5 and "missing 1/m" in row["diagnosis"]
    assert set(row) >= {"name", "ok", "shapes", "max_rel_error", "diagnosis", "error"}
    assert main(["audit", str(write(tmp_path, CORRECT, "good.py"))]) == 0
    text = capsys.readouterr().out
    assert "OK: everything agrees with autodiff" in text
    assert sorted(os.listdir(tmp_path)) == ["good.py", "learner.py"]  # nothing written (no __pycache__)


def test_cli_out_writes_the_json_report(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["audit", str(write(tmp_path, CORRECT)), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["ok"] is True


@pytest.mark.parametrize("text, words", [
    ("def sigmoid(Z)\n    return Z\n", "cannot be imported: SyntaxError"),
    ("import numpy as np\nraise ImportError('no module named dnn_utils')\n", "cannot be imported: ImportError"),
    ("x = 1\n", "defines none of the functions"),
])
def test_cli_unimportable_file_is_one_line_and_status_2(tmp_path, capsys, text, words):
    assert main(["audit", str(write(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_cli_missing_file_is_status_2(tmp_path, capsys):
    assert main(["audit", str(tmp_path / "nope.py")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_printing_warning_and_wrongly_typed_functions_get_verdicts(tmp_path, capsys):
    text = CORRECT.replace("return 1.0 / (1.0 + np.exp(-Z)), Z",
                           "print('computing sigmoid'); return 1.0 / (1.0 + np.exp(-Z))")
    text = text.replace("return Z * (Z > 0), Z", "import warnings; warnings.warn('careful'); return Z * (Z > 0), Z")
    text = text.replace("return dA * (cache > 0)", "return (dA * (cache > 0)).tolist()")
    report = audit(write(tmp_path, text))
    assert "computing sigmoid" not in capsys.readouterr().out  # their prints do not reach our output
    assert type(sys.stdout).__name__ != "_RoutedStream"  # and the streams are given back afterwards
    assert "sigmoid returned a ndarray" in report.check("sigmoid").diagnosis
    assert report.check("relu").ok and any("careful" in w for w in report.warnings)
    assert "dZ is a list, expected a numpy array" in report.check("relu_backward").diagnosis


def test_module_object_and_random_state_left_alone(tmp_path):
    import importlib.util

    path = write(tmp_path, CORRECT)
    spec = importlib.util.spec_from_file_location("learner_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = set(vars(module))
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    assert audit(module).ok
    assert np.random.rand() == expected
    assert set(vars(module)) == before  # the stand-ins it received are taken back


def test_bad_arguments():
    with pytest.raises(ValueError, match="timeout"):
        audit("x.py", timeout=0)
    with pytest.raises(TypeError, match="module or the path"):
        audit(42)
    with pytest.raises(AuditImportError, match="no such file"):
        audit("/nonexistent/x.py")


def test_cli_times_out_a_function_that_never_returns(tmp_path):
    # A subprocess: the runaway loop must not share the test process.
    text = CORRECT.replace("return dA * (cache > 0)", "while True:\n            pass")
    path = write(tmp_path, text)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "nets", "audit", str(path), "--json", "--timeout", "0.5"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert not checks["relu_backward"]["ok"]
    assert checks["relu_backward"]["error"].startswith("did not return within 0.5 s, stuck in relu_backward")
    # After the timeout the project's relu_backward stands in, so its callers are checked, not timed out.
    assert checks["linear_activation_backward"]["ok"] and checks["L_model_backward"]["ok"]


def test_readme_shows_what_the_audit_prints_for_the_posts_code(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"```text\n\$ python -m nets audit post\.py\n(.*?)\n\$ echo", readme, flags=re.S).group(1)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, post_code(), "post.py")
    assert main(["audit", "post.py"]) == 1
    printed_lines, printed_errors = report_outline(capsys.readouterr().out)
    shown_lines, shown_errors = report_outline(shown)
    # Every verdict, name, shape, case and diagnosis as shown.
    assert printed_lines == shown_lines
    # The error magnitudes: the rounding errors of agreeing functions change with
    # numpy's version and BLAS; both under the audit's tolerance is agreement.
    # Real errors (a bug's) are shown to two digits: within 10%.
    assert len(printed_errors) == len(shown_errors)
    for printed, expected in zip(printed_errors, shown_errors):
        if max(printed, expected) <= TOLERANCE:
            continue
        assert printed == pytest.approx(expected, rel=0.1), (printed, expected)


ERROR_NUMBER = re.compile(r"\d\.\de[-+]\d\d")


def report_outline(text):
    """An audit's printed report as (lines with each error magnitude replaced by ``<e>``, the magnitudes).

    A traceback is kept as its first line and its exception's type: its
    ``File`` lines, code and carets vary with Python's version, the message
    with numpy's (an IndexError's wording changed in numpy 2).
    """
    lines, errors = [], []
    traceback_indent = None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if traceback_indent is not None:
            if indent > traceback_indent:
                continue
            traceback_indent = None
            line = line.split(":", 1)[0]
        elif line.lstrip().startswith("Traceback ("):
            traceback_indent = indent
        errors += [float(number) for number in ERROR_NUMBER.findall(line)]
        lines.append(ERROR_NUMBER.sub("<e>", line))
    return lines, errors


def test_report_outline_keeps_verdicts_and_shapes_and_takes_out_the_noise():
    text = textwrap.dedent("""\
        sigmoid                     5: Z (1,1) to (4,7)            6.1e-17  ok
        L_model_backward            9: depths 1-5, m 1-6           1.7e+00  WRONG
          Traceback (your code only, most recent call last):
            File "post.py", line 51, in relu_backward
              dZ[Z <= 0] = 0
              ~~^^^^^^^^
          IndexError: boolean index did not match indexed array along axis 0
        FAILED: L_model_backward
        """)
    lines, errors = report_outline(text)
    assert lines == ["sigmoid                     5: Z (1,1) to (4,7)            <e>  ok",
                     "L_model_backward            9: depths 1-5, m 1-6           <e>  WRONG",
                     "  Traceback (your code only, most recent call last):",
                     "  IndexError",
                     "FAILED: L_model_backward"]
    assert errors == [6.1e-17, 1.7]


def test_cli_stops_a_call_stuck_in_one_c_call(tmp_path):
    # time.sleep is one C call: a thread could not be stopped in it; a worker process is killed.
    text = CORRECT.replace("return dA * (cache > 0)", "import time\n    time.sleep(600)")
    path = write(tmp_path, text)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "nets", "audit", str(path), "--timeout", "0.5"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "stuck in relu_backward (line 12); the call was stopped" in result.stdout
    assert "relu_backward" in result.stdout.split("FAILED:")[-1]


def test_other_seeds_other_inputs_same_verdicts(tmp_path):
    path = write(tmp_path, broken("transposed_dW"))
    first, second = audit(path, seed=0), audit(path, seed=7)
    assert failing(first) == failing(second) and "linear_backward" in failing(first)
    # Different inputs: the correct rows' rounding errors differ.
    assert [c.max_rel_error for c in first.checks] != [c.max_rel_error for c in second.checks]
    assert json.loads(json.dumps(first.to_dict(), allow_nan=False))["ok"] is False
