"""``nets audit`` on notebooks as learners have them, and on scripts exported from them.

The notebooks are built here as the JSON the format is (nbformat 4: ``cells``, each with ``cell_type``
and ``source`` as a list of lines), with what real ones carry around the learner's functions: magics,
shell lines, imports of the course's helper files and data the grader lacks, test cells, plots."""
import json

import pytest

from nets.checker import AuditImportError, audit
from nets.checker.loading import drop_ipython, import_submission, script_cells
from nets.cli import main

from .learners import INIT, WEEK4_TODAY


def cell(source, kind="code"):
    lines = source.strip("\n").splitlines(keepends=True)
    made = {"cell_type": kind, "metadata": {}, "source": lines}
    if kind == "code":
        made.update(execution_count=None, outputs=[])
    return made


def notebook(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}}, "cells": list(cells)}


def functions_of(text):
    """Each top-level function of a learner file as a cell of its own."""
    blocks, current = [], []
    for line in text.strip("\n").splitlines():
        if line.startswith("def ") and current:
            blocks.append("\n".join(current))
            current = []
        if line.startswith(("import ", "from ")) and not current:
            continue
        current.append(line)
    blocks.append("\n".join(current))
    return [b for b in blocks if b.strip()]


def week4_notebook():
    return notebook(
        cell("# Building your Deep Neural Network: Step by Step", "markdown"),
        cell("import numpy as np\nimport copy\nimport h5py\nimport matplotlib.pyplot as plt\n"
             "from testCases import *\nfrom dnn_utils import sigmoid, sigmoid_backward, relu, relu_backward\n"
             "from public_tests import *\n\n%matplotlib inline\nplt.rcParams['figure.figsize'] = (5.0, 4.0)\n"
             "%load_ext autoreload\n%autoreload 2\n\nnp.random.seed(1)"),
        cell("!pip install h5py"),
        *[cell(block) for block in functions_of(WEEK4_TODAY)],
        cell("parameters = initialize_parameters_deep([5, 4, 3])\nprint(\"W1 = \" + str(parameters[\"W1\"]))\n"
             "initialize_parameters_deep_test(initialize_parameters_deep)"),
        cell("%%time\nfor i in range(10**9):\n    pass"),
        cell("train_x_orig, train_y, test_x_orig, test_y, classes = load_data('datasets/train_catvnoncat.h5')"),
        cell("plt.imshow(train_x_orig[7])"),
        cell("get_ipython().run_line_magic('matplotlib', 'inline')\nx = 1"),
    )


def write_notebook(tmp_path, nb, name="assignment.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps(nb, indent=1))
    return path


def test_a_notebook_is_audited_cell_by_cell_and_the_failing_cells_are_noted(tmp_path, capsys):
    path = write_notebook(tmp_path, week4_notebook())
    report = audit(path)
    assert report.ok, report.format()
    assert {"linear_forward", "L_model_backward", "initialize_parameters_deep"} <= set(report.found)
    notes = report.notes
    # The helper import fails at its own line: what came before it (numpy, copy, h5py...) still counts.
    assert "cell 1 raised ModuleNotFoundError: No module named 'testCases'; skipped" in notes
    assert any(n.startswith("cell ") and "NameError: name 'initialize_parameters_deep_test' is not defined" in n
               for n in notes)
    assert any("NameError: name 'load_data' is not defined; skipped" in n for n in notes)
    # Magics, shell lines and get_ipython() are dropped, a %% cell entirely: no note for them.
    assert not any("pip" in n or "get_ipython" in n or "%" in n for n in notes)
    assert main(["audit", str(path)]) == 0
    out = capsys.readouterr().out
    assert "cell 1 raised ModuleNotFoundError" in out and out.rstrip().endswith("OK: everything agrees with autodiff")


def test_tracebacks_point_at_the_notebook_cell_and_line(tmp_path):
    nb = week4_notebook()
    index = next(i for i, c in enumerate(nb["cells"]) if "".join(c["source"]).startswith("def linear_forward"))
    nb["cells"][index] = cell("def linear_forward(A, W, b):\n    Z = W.dot(A) + b\n    raise ValueError('not yet')\n")
    number = sum(1 for c in nb["cells"][:index + 1] if c["cell_type"] == "code")
    report = audit(write_notebook(tmp_path, nb))
    error = report.check("linear_forward").error
    assert f'File "{tmp_path / "assignment.ipynb"}, cell {number}", line 3, in linear_forward' in error
    assert "raise ValueError('not yet')" in error  # the cell's own line is shown
    assert report.check("linear_forward").verdict == "CRASHED"


def test_a_notebook_of_the_initialisation_assignment(tmp_path):
    nb = notebook(cell("import numpy as np\nfrom init_utils import load_dataset\n"),
                  *[cell(block) for block in functions_of(INIT)],
                  cell("parameters = model(train_X, train_Y, initialization = 'he')"))
    report = audit(write_notebook(tmp_path, nb))
    assert report.ok and report.assignments == ["Course 2, initialisation"], report.format()
    assert any("cell 1 raised ModuleNotFoundError: No module named 'init_utils'" in n for n in report.notes)


def exported(text_cells):
    parts = ["#!/usr/bin/env python\n# coding: utf-8\n"]
    for i, source in enumerate(text_cells, start=1):
        parts.append(f"\n# In[{i}]:\n\n\n{source}\n")
    return "".join(parts)


def test_an_exported_script_that_cannot_be_imported_runs_cell_by_cell(tmp_path):
    cells = ["import numpy as np\nimport copy\nget_ipython().run_line_magic('matplotlib', 'inline')",
             "from dnn_utils import sigmoid, relu",
             *functions_of(WEEK4_TODAY),
             "train_x = np.load('datasets/train.npy')"]
    path = tmp_path / "assignment.py"
    path.write_text(exported(cells))
    report = audit(path)
    assert report.ok, report.format()
    assert "cannot be imported" in report.notes[0] and "cell by cell" in report.notes[0]
    assert any("ModuleNotFoundError: No module named 'dnn_utils'" in n for n in report.notes)
    assert any("FileNotFoundError" in n for n in report.notes)
    # Line numbers stay the script's own.
    text = path.read_text().replace("Z = W.dot(A) + b\n", "Z = W.dot(A) + b\n    raise ValueError('x')\n")
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), start=1) if "raise ValueError('x')" in l)
    error = audit(path).check("linear_forward").error
    assert f'File "{path}", line {line}, in linear_forward' in error


def test_a_plain_script_that_cannot_be_imported_is_still_an_import_failure(tmp_path, capsys):
    path = tmp_path / "plain.py"
    path.write_text("import numpy as np\nfrom dnn_utils import relu\n\ndef linear_forward(A, W, b):\n    return W @ A + b, (A, W, b)\n")
    assert main(["audit", str(path)]) == 2
    assert "cannot be imported: ModuleNotFoundError" in capsys.readouterr().err


@pytest.mark.parametrize("text, words", [("{not json", "not valid JSON"), ('{"cells": 3}', "no list of cells"),
                                         (json.dumps(notebook(cell("# only words", "markdown"))), "no code cells")])
def test_what_is_not_a_notebook_is_one_line_and_status_2(tmp_path, capsys, text, words):
    path = tmp_path / "broken.ipynb"
    path.write_text(text)
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_the_loader_pieces(tmp_path):
    assert drop_ipython("%matplotlib inline\nimport numpy as np\n!ls\nx = get_ipython()\n") == "\nimport numpy as np\n\n\n"
    assert drop_ipython("%%time\nx = 1\n") == ""
    assert drop_ipython("np.random.rand?\nx = 1\n") == "\nx = 1\n"
    # A magic as a block's only statement leaves the block valid.
    compile(drop_ipython("if True:\n    %timeit f()\n"), "cell", "exec")
    assert script_cells("x = 1\n") is None
    cells = script_cells("# %%\na = 1\n# %% [markdown]\n# text\n# %%\nb = 2\n")
    assert [n for n, _ in cells] == [1, 2, 3] and cells[2][1].count("\n") == 6  # padded to the script's lines
    (tmp_path / "notes.txt").write_text("def f(): pass\n")
    with pytest.raises(AuditImportError, match="not a Python file or a notebook"):
        import_submission(str(tmp_path / "notes.txt"), 5)


def readme_notebook():
    """The notebook of the README's worked example: the initialisation assignment with one mistake."""
    he = INIT.split("def initialize_parameters_he")[1].replace("np.sqrt(2. / layers_dims[l - 1])",
                                                               "np.sqrt(2. / layers_dims[l])")
    zeros_and_random = [b for b in functions_of(INIT) if not b.startswith("def initialize_parameters_he")]
    return notebook(
        cell("# Initialization", "markdown"),
        cell("import numpy as np\nimport matplotlib.pyplot as plt\nimport sklearn\n"
             "from init_utils import sigmoid, relu, compute_loss, forward_propagation, backward_propagation\n"
             "from init_utils import update_parameters, predict, load_dataset, plot_decision_boundary\n\n"
             "%matplotlib inline"),
        cell("train_X, train_Y, test_X, test_Y = load_dataset()"),
        *[cell(block) for block in zeros_and_random],
        cell("def initialize_parameters_he" + he),
        cell("parameters = initialize_parameters_he([2, 4, 1])\nprint(\"W1 = \" + str(parameters[\"W1\"]))"),
    )


def test_the_readme_shows_what_the_audit_prints_for_its_notebook(tmp_path, monkeypatch, capsys):
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    import re
    shown = re.search(r"```text\n\$ python -m nets audit Initialization\.ipynb\n(.*?)\n\$ echo", readme,
                      flags=re.S).group(1)
    monkeypatch.chdir(tmp_path)
    write_notebook(tmp_path, readme_notebook(), "Initialization.ipynb")
    assert main(["audit", "Initialization.ipynb"]) == 1
    assert capsys.readouterr().out.rstrip("\n") == shown


def test_a_cell_that_never_ends_is_skipped_and_the_next_cells_still_run(tmp_path):
    nb = notebook(cell("import numpy as np"), cell("while True:\n    pass"),
                  *[cell(block) for block in functions_of(INIT)])
    module, files, notes = import_submission(str(write_notebook(tmp_path, nb)), 0.5)
    assert notes == ["cell 2 did not finish within 0.5 s; skipped"]
    assert callable(module.initialize_parameters_he) and len(files) == 2 + len(functions_of(INIT))


def test_a_notebook_of_the_regularisation_assignment_with_its_model_and_training_cells(tmp_path):
    from .learners import REGULARIZATION
    model = ("def model(X, Y, learning_rate=0.3, num_iterations=30000, print_cost=True, lambd=0, keep_prob=1):\n"
             "    grads = {}\n    costs = []\n    m = X.shape[1]\n    layers_dims = [X.shape[0], 20, 3, 1]\n"
             "    parameters = initialize_parameters(layers_dims)\n    return parameters\n")
    nb = notebook(cell("import numpy as np\nimport matplotlib.pyplot as plt\n"
                       "from reg_utils import sigmoid, relu, plot_decision_boundary, initialize_parameters, "
                       "load_2D_dataset, predict_dec\nfrom reg_utils import compute_cost, predict, "
                       "forward_propagation, backward_propagation, update_parameters\nimport sklearn\n"
                       "from testCases import *\n\n%matplotlib inline"),
                  cell("train_X, train_Y, test_X, test_Y = load_2D_dataset()"),
                  cell(model),
                  cell("parameters = model(train_X, train_Y)\nprint(predict(train_X, train_Y, parameters))"),
                  *[cell(block) for block in functions_of(REGULARIZATION)],
                  cell("A3, Y_assess, parameters = compute_cost_with_regularization_test_case()"))
    report = audit(write_notebook(tmp_path, nb))
    assert report.ok and report.assignments == ["Course 2, regularisation (3 layers)"], report.format()
    assert len(report.found) == 4 and report.missing == []
    assert len(report.notes) == 4  # the import, the data, the training and the test cell
