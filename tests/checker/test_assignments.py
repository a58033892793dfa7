"""The audit on learners' code as the course's notebooks have it: assignments recognised by the names a
file defines, each version's conventions, no false alarms on correct code, every known bug found.

The learner files are in :mod:`tests.checker.learners` (written from the course's signatures)."""
import json

import numpy as np
import pytest

from nets.checker import audit
from nets.checker.assignments import match
from nets.cli import main

from .learners import CORRECT_FILES, MUTATIONS, OPTIMIZATION, WEEK4, WEEK4_TODAY, mutated


def write(tmp_path, text, name="learner.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def wrong_functions(report):
    return [c.name for c in report.checks if not c.ok and c.group == "function"]


# -- matching ----------------------------------------------------------------------------------------

def test_match_by_identifying_names_and_signatures():
    week4 = match({"linear_forward": ["A", "W", "b"], "sigmoid": ["Z"]})
    assert week4.assignments == ("course1-week4",)
    assert week4.conventions["sigmoid"] == "course1-week4"
    assert week4.stand_ins["relu_backward"] == "nets.manual.week4:relu_backward"

    init = match({"initialize_parameters_he": ["layers_dims"]})
    assert init.assignments == ("course2-initialization",)
    assert set(init.names) == {"initialize_parameters_zeros", "initialize_parameters_random",
                               "initialize_parameters_he"}

    # compute_cost_with_regularization is the course's 3-layer one or the project's L-layer one:
    # the signature decides.
    assert match({"compute_cost_with_regularization": ["A3", "Y", "parameters", "lambd"]}).assignments == (
        "course2-regularization",)
    assert match({"compute_cost_with_regularization": ["AL", "Y", "parameters", "lambd"]}).assignments == (
        "project",)

    # Course 1 weeks 2 and 3 by their names; their shared names read under their conventions.
    week2 = match({"propagate": ["w", "b", "X", "Y"], "sigmoid": ["z"]})
    assert week2.assignments == ("course1-week2",) and week2.conventions["sigmoid"] == "course1-week2"
    week3 = match({"nn_model": ["X", "Y", "n_h"], "forward_propagation": ["X", "parameters"]})
    assert week3.assignments == ("course1-week3",)
    assert week3.conventions["forward_propagation"] == "course1-week3"

    # Both week 3 and the regularisation notebook have backward_propagation: the parameters decide.
    both = match({"nn_model": [], "backward_propagation_with_dropout": [],
                  "backward_propagation": ["X", "Y", "cache"]})
    assert set(both.assignments) == {"course1-week3", "course2-regularization"}
    assert both.conventions["backward_propagation"] == "course2-regularization"
    assert any("backward_propagation was read under" in note for note in both.notes)

    assert match({"helper": []}).assignments == ()


def test_a_file_of_only_the_initialisers_is_audited_not_refused(tmp_path, capsys):
    assert main(["audit", str(write(tmp_path, CORRECT_FILES["initialization"]))]) == 0
    out = capsys.readouterr().out
    assert "3 functions of yours found (Course 2, initialisation)" in out
    assert "not defined" not in out  # no list of Course 1 names


def test_missing_lists_only_the_matched_assignments_functions(tmp_path):
    text = CORRECT_FILES["regularization"].split("def forward_propagation_with_dropout")[0]
    report = audit(write(tmp_path, text))
    assert report.ok, report.format()
    assert report.missing == ["forward_propagation_with_dropout", "backward_propagation_with_dropout"]
    assert "linear_forward" not in report.format()


# -- no false alarms, every bug found ----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CORRECT_FILES))
def test_correct_learner_files_pass(tmp_path, name):
    report = audit(write(tmp_path, CORRECT_FILES[name]))
    assert report.ok, report.format()
    assert all(c.max_rel_error is None or c.max_rel_error < 1e-10 for c in report.checks)


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_each_known_bug_is_found_in_its_function_only(tmp_path, kind):
    _, _, _, culprit, words = MUTATIONS[kind]
    report = audit(write(tmp_path, mutated(kind)))
    assert wrong_functions(report) == [culprit], report.format()
    check = report.check(culprit)
    if words is not None:
        assert words in (check.diagnosis or "") + (check.error or ""), report.format()


def test_the_checks_of_the_regularisation_notebook_use_its_shapes_and_conventions(tmp_path):
    report = audit(write(tmp_path, CORRECT_FILES["regularization_with_reg_utils"]))
    assert report.ok, report.format()
    # Written for W1..W3: tried on three layers only.
    assert all("layers [" in s and s.count(",") >= 4 for s in report.check("compute_cost_with_regularization").shapes)
    assert all(s.startswith("layers [2, ") or s.startswith("layers [3, ")
               for s in report.check("compute_cost_with_regularization").shapes)
    # reg_utils' helpers return A only, and are checked as such.
    assert report.check("sigmoid").ok and report.check("relu").ok
    assert report.check("backward_propagation").ok and report.check("forward_propagation").ok


def test_a_crash_is_crashed_never_wrong_with_error_zero(tmp_path):
    # A 3-layer cost that only works for some shapes: it crashes, it computes nothing wrong.
    text = CORRECT_FILES["regularization"].replace(
        "W3 = parameters[\"W3\"]", "W3 = parameters[\"W3\"] if A3.shape[1] > 1 else parameters[\"W4\"]")
    report = audit(write(tmp_path, text))
    check = report.check("compute_cost_with_regularization")
    assert check.verdict == "CRASHED" and "KeyError: 'W4'" in check.error
    assert "differ in no pattern" not in report.format()
    row = next(line for line in report.format().splitlines() if line.startswith("compute_cost_with_regularization"))
    assert row.split()[-2:] == ["-", "CRASHED"]


def test_adam_with_three_or_five_return_values(tmp_path):
    five = audit(write(tmp_path, OPTIMIZATION, "five.py"))
    assert five.check("update_parameters_with_adam").ok
    three = OPTIMIZATION.replace("return parameters, v, s, v_corrected, s_corrected", "return parameters, v, s")
    assert audit(write(tmp_path, three, "three.py")).check("update_parameters_with_adam").ok
    # The corrected moments are checked too when returned.
    wrong = OPTIMIZATION.replace("return parameters, v, s, v_corrected, s_corrected", "return parameters, v, s, v, s")
    assert not audit(write(tmp_path, wrong, "wrong.py")).check("update_parameters_with_adam").ok


def test_the_earlier_gradient_keys_are_accepted_and_said(tmp_path):
    report = audit(write(tmp_path, WEEK4))
    assert report.ok and report.first_wrong_layer is None, report.format()
    assert any("earlier notebooks' gradient keys" in note for note in report.notes)
    # Today's keys: nothing to say.
    assert not any("earlier" in note for note in audit(write(tmp_path, WEEK4_TODAY, "today.py")).notes)
    # A real mistake under the earlier keys is still found and located.
    broken = WEEK4.replace("dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = np.dot(dZ, A_prev.T)")
    report = audit(write(tmp_path, broken, "broken.py"))
    assert wrong_functions(report) == ["linear_backward"] and report.first_wrong_layer == 4


@pytest.mark.parametrize("scale, ok", [("/ np.sqrt(layer_dims[l - 1])", True), ("* 0.01", True),
                                       ("* np.sqrt(2 / layer_dims[l - 1])", True), ("* 0.001", False),
                                       ("* 0.1", False)])
def test_initialisation_scale_judged_by_formula_or_on_large_matrices(tmp_path, scale, ok):
    # Their own generator: the draws cannot be reproduced, the scale is judged on the large case only.
    text = WEEK4_TODAY.replace("np.random.seed(3)\n", "rng = np.random.RandomState(7)\n").replace(
        "np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01", "rng.randn(layer_dims[l], layer_dims[l - 1]) " + scale)
    check = audit(write(tmp_path, text)).check("initialize_parameters_deep")
    assert check.ok is ok, check.diagnosis
    if not ok:
        assert "standard deviation" in check.diagnosis and "W1 (100x300)" in check.diagnosis


def test_a_function_wrong_only_through_a_wrong_helper_names_the_helper(tmp_path):
    text = WEEK4_TODAY.replace("db = 1 / m * np.sum(dZ, axis=1, keepdims=True)", "db = np.sum(dZ, axis=1, keepdims=True)")
    report = audit(write(tmp_path, text))
    assert wrong_functions(report) == ["linear_backward"], report.format()
    for caller in ("linear_activation_backward", "L_model_backward"):
        check = report.check(caller)
        assert check.through == ["linear_backward"] and check.verdict == "ok, but see linear_backward"
    text = report.format()
    assert "L_model_backward: right in itself; its results are wrong only because it calls your linear_backward" in text
    assert json.loads(json.dumps(report.to_dict()))["checks"][0]["verdict"]


def test_mini_batches_with_several_full_batches_and_a_remainder(tmp_path):
    shapes = audit(write(tmp_path, OPTIMIZATION)).check("random_mini_batches").shapes
    assert {"m=148, mini_batch_size=64", "m=148, mini_batch_size=32", "m=13, mini_batch_size=4",
            "m=5, mini_batch_size=64"} <= set(shapes)


def test_helpers_from_the_learners_own_module_are_said_to_be_theirs(tmp_path):
    (tmp_path / "dnn_utils.py").write_text(
        "import numpy as np\n"
        "def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z)), Z\n"
        "def relu(Z):\n    return np.maximum(0, Z), Z\n"
        "def relu_backward(dA, cache):\n    return dA * (cache > 0)\n"
        "def sigmoid_backward(dA, cache):\n    s = 1 / (1 + np.exp(-cache))\n    return dA * s * (1 - s)\n")
    text = "from dnn_utils import sigmoid, relu, relu_backward, sigmoid_backward\n" + WEEK4_TODAY
    report = audit(write(tmp_path, text))
    assert report.ok, report.format()
    assert set(report.borrowed) == {"sigmoid", "relu", "relu_backward", "sigmoid_backward"}
    assert "taken from dnn_utils.py" in report.format() and "the project's own stand in" not in report.format()


@pytest.mark.parametrize("module", ["nets.manual.regularization", "nets.manual.initialization"])
def test_the_stand_ins_agree_with_autodiff(module):
    import importlib
    report = audit(importlib.import_module(module))
    assert report.ok, report.format()
    assert len(report.found) >= 2


def test_other_seeds_same_verdicts_on_the_course2_files(tmp_path):
    for name in ("regularization", "initialization"):
        assert audit(write(tmp_path, CORRECT_FILES[name]), seed=11).ok
    assert not audit(write(tmp_path, mutated("dropout_randn"), "bad.py"), seed=11).ok
    assert np.random.get_state() is not None


# -- messages ---------------------------------------------------------------------------------------

def test_a_missing_import_is_named(tmp_path):
    report = audit(write(tmp_path, OPTIMIZATION.replace("import math\n", "")))
    check = report.check("random_mini_batches")
    assert check.verdict == "CRASHED" and "NameError: name 'math' is not defined" in check.error
    assert "add `import math` at the top of your file" in check.error
    assert wrong_functions(report) == ["random_mini_batches"]


def test_rows_read_as_sentences(tmp_path):
    one = "import numpy as np\nimport warnings\n\ndef relu(Z):\n    warnings.warn('careful')\n    return np.maximum(0, Z), Z\n"
    text = audit(write(tmp_path, one)).format()
    assert "1 function of yours found" in text and "your code warned 5 times, e.g. UserWarning: careful" in text
    # End to end, a wrong layer's rows say what is wrong in a sentence, and through which helper.
    broken = WEEK4_TODAY.replace("db = 1 / m * np.sum(dZ, axis=1, keepdims=True)", "db = np.sum(dZ, axis=1, keepdims=True)")
    text = audit(write(tmp_path, broken, "broken.py")).format()
    assert "  db4 is m = 6 times too large (a missing 1/m); wrong because your linear_backward is" in text
    assert ": wrong\n" not in text and "db4: db4" not in text


def test_course1_weeks_2_and_3_are_recognised_with_their_stand_ins(tmp_path):
    import importlib.util
    week3 = ("import numpy as np\n\ndef layer_sizes(X, Y):\n    return X.shape[0], 4, Y.shape[0]\n\n"
             "def forward_propagation(X, parameters):\n"
             "    Z1 = parameters['W1'] @ X + parameters['b1']\n    A1 = np.tanh(Z1)\n"
             "    Z2 = parameters['W2'] @ A1 + parameters['b2']\n    A2 = sigmoid(Z2)\n"
             "    return A2, {'Z1': Z1, 'A1': A1, 'Z2': Z2, 'A2': A2}\n")
    matched = match({"layer_sizes": ["X", "Y"], "forward_propagation": ["X", "parameters"]})
    assert matched.stand_ins["sigmoid"] == "nets.manual.week3:sigmoid"  # planar_utils' sigmoid(x) -> s
    report = audit(write(tmp_path, week3))
    assert report.assignments == ["Course 1 week 3, planar data"]
    assert "sigmoid" not in report.missing and "nn_model" in report.missing
    if importlib.util.find_spec("nets.checker.course1") is None:
        assert any("no checks for it" in n for n in report.notes) and "NOTHING CHECKED" in report.format()
    else:  # wired in: its checks ran, with the week 3 stand-ins
        assert report.checks
    week2 = match({"propagate": ["w", "b", "X", "Y"]})
    assert week2.stand_ins["sigmoid"] == "nets.manual.week2:sigmoid"


def test_a_regularisation_file_whose_helpers_return_the_posts_pair_is_read_that_way(tmp_path):
    from .learners import REG_UTILS, REGULARIZATION
    helpers = REG_UTILS.replace("return 1 / (1 + np.exp(-x))", "return 1 / (1 + np.exp(-x)), x")
    helpers = helpers.replace("a3 = sigmoid(z3)", "a3, _ = sigmoid(z3)")
    report = audit(write(tmp_path, REGULARIZATION.replace("A3 = sigmoid(Z3)", "A3, _ = sigmoid(Z3)") + helpers))
    assert report.ok, report.format()
    assert "sigmoid returns (A, cache), as in Course 1 week 4; read that way" in report.notes
