"""The audit of Course 1's weeks 2 and 3 on learner-style files written for these tests.

One correct file per week (written independently of nets.manual, in the way a
learner would: loops, np.dot, the course's names), then variants with one
usual mistake each; every check must pass on the correct file and the mistake
must be caught in the right function, named where the numbers show it.
"""
import os
import textwrap

import numpy as np
import pytest

from nets.checker.core import Auditor
from nets.checker.course1 import WEEK2_FUNCTIONS, WEEK3_FUNCTIONS, check_week2, check_week3
from nets.checker.sandbox import Learner, load_learner_file, release_streams
from nets.manual import week2, week3

WEEK2 = textwrap.dedent('''
    import copy
    import numpy as np

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def initialize_with_zeros(dim):
        return np.zeros((dim, 1)), 0.0

    def propagate(w, b, X, Y):
        m = X.shape[1]
        A = sigmoid(np.dot(w.T, X) + b)
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        dw = np.dot(X, (A - Y).T) / m
        db = np.sum(A - Y) / m
        return {"dw": dw, "db": db}, np.squeeze(np.array(cost))

    def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
        w, b, costs = copy.deepcopy(w), copy.deepcopy(b), []
        for i in range(num_iterations):
            grads, cost = propagate(w, b, X, Y)
            w = w - learning_rate * grads['dw']
            b = b - learning_rate * grads['db']
            if i % 100 == 0:
                costs.append(cost)
        return {"w": w, "b": b}, grads, costs

    def predict(w, b, X):
        A = sigmoid(np.dot(w.reshape(X.shape[0], 1).T, X) + b)
        Y_prediction = np.zeros((1, X.shape[1]))
        for i in range(A.shape[1]):
            Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0
        return Y_prediction

    def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
        w, b = initialize_with_zeros(X_train.shape[0])
        params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
        w, b = params["w"], params["b"]
        return {"costs": costs, "Y_prediction_test": predict(w, b, X_test),
                "Y_prediction_train": predict(w, b, X_train), "w": w, "b": b,
                "learning_rate": learning_rate, "num_iterations": num_iterations}
''')

WEEK3 = textwrap.dedent('''
    import copy
    import numpy as np

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def layer_sizes(X, Y):
        return (X.shape[0], 4, Y.shape[0])

    def initialize_parameters(n_x, n_h, n_y):
        np.random.seed(2)
        W1 = np.random.randn(n_h, n_x) * 0.01
        W2 = np.random.randn(n_y, n_h) * 0.01
        return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}

    def forward_propagation(X, parameters):
        Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
        A1 = np.tanh(Z1)
        Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
        A2 = sigmoid(Z2)
        return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

    def compute_cost(A2, Y):
        m = Y.shape[1]
        logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
        return float(np.squeeze(-np.sum(logprobs) / m))

    def backward_propagation(parameters, cache, X, Y):
        m = X.shape[1]
        A1, A2 = cache["A1"], cache["A2"]
        dZ2 = A2 - Y
        dW2 = np.dot(dZ2, A1.T) / m
        db2 = np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = np.dot(parameters["W2"].T, dZ2) * (1 - np.power(A1, 2))
        dW1 = np.dot(dZ1, X.T) / m
        db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}

    def update_parameters(parameters, grads, learning_rate=1.2):
        return {k: copy.deepcopy(v) - learning_rate * grads["d" + k] for k, v in parameters.items()}

    def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
        np.random.seed(3)
        n_x, _, n_y = layer_sizes(X, Y)
        parameters = initialize_parameters(n_x, n_h, n_y)
        for i in range(num_iterations):
            A2, cache = forward_propagation(X, parameters)
            cost = compute_cost(A2, Y)
            grads = backward_propagation(parameters, cache, X, Y)
            parameters = update_parameters(parameters, grads)
        return parameters

    def predict(parameters, X):
        A2, cache = forward_propagation(X, parameters)
        return A2 > 0.5
''')


def audit_week(tmp_path, source, names, stand_ins, check, filename="learner.py"):
    path = tmp_path / filename
    path.write_text(source)
    state = np.random.get_state()
    module = load_learner_file(str(path), 30)
    learner = Learner(module, {os.path.abspath(path)}, names, stand_ins=stand_ins, timeout=10)
    auditor = Auditor(learner, seed=0)
    try:
        check(auditor)
    finally:
        learner.restore()
        np.random.set_state(state)
        release_streams()
    return {c.name: c for c in auditor.checks}, learner


def week2_audit(tmp_path, source):
    return audit_week(tmp_path, source, WEEK2_FUNCTIONS, week2, check_week2)[0]


def week3_audit(tmp_path, source):
    return audit_week(tmp_path, source, WEEK3_FUNCTIONS, week3, check_week3)[0]


def replace(source, old, new):
    assert source.count(old) == 1, old
    return source.replace(old, new)


def test_correct_week2_file_passes_every_check(tmp_path):
    checks = week2_audit(tmp_path, WEEK2)
    assert sorted(checks) == sorted(WEEK2_FUNCTIONS)
    for check in checks.values():
        assert check.ok, (check.name, check.failing_case, check.diagnosis, check.error)


def test_the_oracle_itself_passes_week2_and_week3(tmp_path):
    # nets.manual.week2/.week3 as learner files: the checks and the oracle agree
    for module, names, check in ((week2, WEEK2_FUNCTIONS, check_week2), (week3, WEEK3_FUNCTIONS, check_week3)):
        source = open(module.__file__).read()
        checks, _ = audit_week(tmp_path, source, names, module, check, filename=f"{module.__name__[-5:]}.py")
        assert checks and all(c.ok for c in checks.values()), [(c.name, c.diagnosis) for c in checks.values() if not c.ok]


@pytest.mark.parametrize("old,new,wrong,diagnosis", [
    ("dw = np.dot(X, (A - Y).T) / m", "dw = np.dot(X, (A - Y).T)", "propagate", "missing 1/m"),
    ("db = np.sum(A - Y) / m", "db = np.sum(A - Y, axis=0, keepdims=True) / m", "propagate", "wrong axis"),
    ("return 1 / (1 + np.exp(-z))", "return 1 / (1 + np.exp(-z)), z", "sigmoid", "returns only s"),
    ("return np.zeros((dim, 1)), 0.0", "return np.zeros(dim), 0.0", "initialize_with_zeros", "column"),
    ("w = w - learning_rate * grads['dw']", "w = w + learning_rate * grads['dw']", "optimize", None),
    ("Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0", "Y_prediction[0, i] = 1 if A[0, i] < 0.5 else 0",
     "predict", None),
])
def test_week2_mistakes_are_caught(tmp_path, old, new, wrong, diagnosis):
    checks = week2_audit(tmp_path, replace(WEEK2, old, new))
    assert not checks[wrong].ok
    if diagnosis:
        assert diagnosis in (checks[wrong].diagnosis or ""), checks[wrong].diagnosis
    # functions that do not use the broken one stay right
    assert checks["initialize_with_zeros"].ok or wrong == "initialize_with_zeros"


def test_correct_week3_file_passes_every_check(tmp_path):
    checks = week3_audit(tmp_path, WEEK3)
    assert sorted(checks) == sorted(WEEK3_FUNCTIONS)
    for check in checks.values():
        assert check.ok, (check.name, check.failing_case, check.diagnosis, check.error)


def test_week3_older_compute_cost_with_parameters_is_checked_in_its_form(tmp_path):
    source = replace(WEEK3, "def compute_cost(A2, Y):", "def compute_cost(A2, Y, parameters):")
    source = replace(source, "cost = compute_cost(A2, Y)", "cost = compute_cost(A2, Y, parameters)")
    checks = week3_audit(tmp_path, source)
    assert checks["compute_cost"].ok and "parameters" in checks["compute_cost"].shapes[0]
    wrong = week3_audit(tmp_path, replace(source, "return float(np.squeeze(-np.sum(logprobs) / m))",
                                          "return float(np.squeeze(-np.sum(logprobs)))"))
    assert not wrong["compute_cost"].ok and "missing 1/m" in wrong["compute_cost"].diagnosis


@pytest.mark.parametrize("old,new,diagnosis", [
    ("dW2 = np.dot(dZ2, A1.T) / m", "dW2 = np.dot(dZ2, A1.T)", "missing 1/m"),
    ("dZ1 = np.dot(parameters[\"W2\"].T, dZ2) * (1 - np.power(A1, 2))", "dZ1 = np.dot(parameters[\"W2\"].T, dZ2)",
     "lacks the 1 - A1^2 factor"),
    ("dZ1 = np.dot(parameters[\"W2\"].T, dZ2) * (1 - np.power(A1, 2))",
     "dZ1 = np.dot(parameters[\"W2\"].T, dZ2) * (1 - A1)", "taken as 1 - A1"),
    ("db1 = np.sum(dZ1, axis=1, keepdims=True) / m", "db1 = np.sum(dZ1, axis=0, keepdims=True) / m",
     "db1 sums over the units (axis 0)"),
    ("db2 = np.sum(dZ2, axis=1, keepdims=True) / m", "db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
     "db2 sums over the units (axis 0)"),
    ("db1 = np.sum(dZ1, axis=1, keepdims=True) / m", "db1 = np.sum(dZ1) / m", "db1 sums over every axis"),
])
def test_week3_backward_mistakes_are_caught_and_named(tmp_path, old, new, diagnosis):
    checks = week3_audit(tmp_path, replace(WEEK3, old, new))
    check = checks["backward_propagation"]
    assert not check.ok
    assert diagnosis in (check.diagnosis or ""), (check.diagnosis, check.failing_case)
    # the forward pass is the learner's own and right; the loop inherits the mistake, and the
    # audit says it is right in itself but wrong through their backward_propagation
    assert checks["forward_propagation"].ok
    assert checks["nn_model"].through == ["backward_propagation"]


@pytest.mark.parametrize("old,new,wrong,diagnosis", [
    ("A1 = np.tanh(Z1)", "A1 = np.maximum(Z1, 0)", "forward_propagation", "relu(Z1)"),
    ("W1 = np.random.randn(n_h, n_x) * 0.01", "W1 = np.random.randn(n_h, n_x)", "initialize_parameters",
     "not scaled by 0.01"),
    ("return (X.shape[0], 4, Y.shape[0])", "return (X.shape[0], 4, Y.shape[1])", "layer_sizes", None),
    ("def update_parameters(parameters, grads, learning_rate=1.2):",
     "def update_parameters(parameters, grads, learning_rate=0.12):", "update_parameters", None),
    ("return A2 > 0.5", "return A2 > 0.9", "predict", None),
])
def test_week3_other_mistakes_are_caught(tmp_path, old, new, wrong, diagnosis):
    checks = week3_audit(tmp_path, replace(WEEK3, old, new))
    assert not checks[wrong].ok
    if diagnosis:
        assert diagnosis in (checks[wrong].diagnosis or ""), checks[wrong].diagnosis


def test_nn_model_of_the_newer_template_seeding_3_is_accepted(tmp_path):
    # the newer template: no seed inside initialize_parameters, nn_model's np.random.seed(3) decides
    source = replace(WEEK3, "    np.random.seed(2)\n", "")
    checks = week3_audit(tmp_path, source)
    assert checks["nn_model"].ok
    # the audit seeds the generator with 2 right before calling initialize_parameters, as the course's tests do
    assert checks["initialize_parameters"].ok
    # and a file drawing W2 before W1 is told so
    swapped = replace(WEEK3, """    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01""", """    W2 = np.random.randn(n_y, n_h) * 0.01
    W1 = np.random.randn(n_h, n_x) * 0.01""")
    assert "W2 is drawn as if first" in (week3_audit(tmp_path, swapped)["initialize_parameters"].diagnosis or "")


def test_shared_names_under_another_weeks_signature_are_left_to_that_week(tmp_path):
    # a week-4 style file: predict(X, parameters) and sigmoid returning (A, cache) are not week 2/3's
    source = textwrap.dedent('''
        import numpy as np
        def sigmoid(Z, extra=None):
            return 1 / (1 + np.exp(-Z)), Z
        def predict(X, parameters):
            return X
    ''')
    assert week2_audit(tmp_path, source) == {}
    assert week3_audit(tmp_path, source) == {}
