"""A class in one call: folders of submissions, the gradebook, one report each, Gradescope's results.json.

The class here is small (each submission the four activation functions, one
of them wrong or missing in some), so the verdicts each row must get are
known from how each file was written.
"""
import csv
import io
import json
import os

import pytest

from nets.checker.grading import find_submissions, graded_functions
from nets.cli import main

from .test_isolation import SMALL, variant

ARGS = ["--timeout", "2", "--memory-limit", "512M", "--jobs", "1"]
ACTIVATIONS = ["sigmoid", "relu", "relu_backward", "sigmoid_backward"]


def make_class(root):
    """alice right; bob's relu_backward wrong; carol (a folder) right with a helper file; dave
    cannot be imported; erin crashes in relu and lacks sigmoid_backward; frank imports alice."""
    root.mkdir()
    (root / "alice.py").write_text(SMALL)
    (root / "bob.py").write_text(variant("return dA * (cache > 0)", "return dA * (cache < 0)"))
    (root / "carol").mkdir()
    (root / "carol" / "helpers.py").write_text("import numpy as np\n\ndef positive(Z):\n    return Z > 0\n")
    (root / "carol" / "work.py").write_text("from helpers import positive\n" + variant(
        "return dA * (cache > 0)", "return dA * positive(cache)"))
    (root / "dave.py").write_text("def sigmoid(Z)\n    return Z\n")
    erin = variant("return np.maximum(Z, 0), Z", "import os; os._exit(3)")
    (root / "erin.py").write_text(erin[:erin.index("def sigmoid_backward")])
    (root / "frank.py").write_text("from alice import sigmoid, relu, relu_backward, sigmoid_backward\n")
    return root


EXPECTED = {
    "alice.py": ("true", "4", ["ok", "ok", "ok", "ok"]),
    "bob.py": ("false", "3", ["ok", "ok", "wrong", "ok"]),
    "carol": ("true", "4", ["ok", "ok", "ok", "ok"]),
    "dave.py": ("false", "0", ["missing"] * 4),
    "erin.py": ("false", "2", ["ok", "crashed", "ok", "missing"]),
    "frank.py": ("false", "0", ["missing"] * 4),
}


def test_a_class_folder_is_one_line_per_submission_a_gradebook_and_a_report_each(tmp_path, capsys):
    root = make_class(tmp_path / "class")
    gradebook, reports = tmp_path / "grades.csv", tmp_path / "reports"
    assert main(["audit", str(root), "--csv", str(gradebook), "--out", str(reports)] + ARGS) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [str(root / name) for name in sorted(EXPECTED)]
    assert lines[0].endswith("ok (4/14; 10 not defined)") and "FAILED relu_backward" in lines[1]
    assert "SyntaxError" in lines[3] and "FAILED relu" in lines[4]
    rows = list(csv.DictReader(io.StringIO(gradebook.read_text())))
    assert list(rows[0])[:4] == ["submission", "ok", "score", "max_score"]
    for row in rows:
        ok, score, statuses = EXPECTED[os.path.basename(row["submission"])]
        assert (row["ok"], row["score"], [row[n] for n in ACTIVATIONS]) == (ok, score, statuses), row
        assert row["max_score"] == "14" and row["linear_backward"] == "missing"
    # frank imported alice's functions: in his copy alice.py is not there, so he has none.
    assert sorted(os.listdir(reports)) == [os.path.splitext(n)[0] + ".json" for n in sorted(EXPECTED)]
    assert json.loads((reports / "dave.json").read_text())["ok"] is False
    assert "SyntaxError" in json.loads((reports / "dave.json").read_text())["error"]
    assert json.loads((reports / "carol.json").read_text())["ok"] is True
    # Outputs are not replaced unless asked (nothing runs then); --overwrite replaces them.
    before = gradebook.read_text()
    assert main(["audit", str(root), "--csv", str(gradebook)] + ARGS) == 2
    assert "--overwrite" in capsys.readouterr().err and gradebook.read_text() == before
    assert main(["audit", str(root / "alice.py"), str(root / "carol"), "--whole", "--csv", str(gradebook),
                 "--overwrite"] + ARGS) == 0
    assert [r["submission"] for r in csv.DictReader(io.StringIO(gradebook.read_text()))] == [
        str(root / "alice.py"), str(root / "carol")]


def test_json_list_jobs_and_whole(tmp_path, capsys):
    root = make_class(tmp_path / "class")
    assert main(["audit", str(root), "--json", "--timeout", "2", "--memory-limit", "512M", "--jobs", "2"]) == 1
    reports = json.loads(capsys.readouterr().out)
    assert [os.path.basename(r["source"]) for r in reports] == sorted(EXPECTED)
    assert [r["ok"] for r in reports] == [EXPECTED[os.path.basename(r["source"])][0] == "true" for r in reports]
    assert "error" in reports[3] and reports[3]["ok"] is False
    # --whole: the folder is one submission, its files imported together (work.py finds helpers.py).
    assert main(["audit", str(root / "carol"), "--whole"] + ARGS) == 0
    assert "ok (4/14" in capsys.readouterr().out


def test_bad_arguments_are_status_2(tmp_path, capsys):
    root = make_class(tmp_path / "class")
    assert main(["audit", str(root / "alice.py"), str(tmp_path / "nobody.py")] + ARGS) == 2
    assert "nobody.py: no such file or folder" in capsys.readouterr().err
    assert main(["audit", str(root / "alice.py"), str(root / "bob.py"), "--gradescope",
                 str(tmp_path / "r.json")] + ARGS) == 2
    assert "one PATH" in capsys.readouterr().err
    (tmp_path / "points.json").write_text('{"sigmoid": 2, "sigmod": 1}')
    assert main(["audit", str(root), "--points", str(tmp_path / "points.json"), "--csv",
                 str(tmp_path / "g.csv")] + ARGS) == 2
    assert "'sigmod' is not a function the audit checks" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_gradescope_results_for_one_submission(tmp_path, capsys):
    root = make_class(tmp_path / "class")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "erin.py").write_text((root / "erin.py").read_text().replace(
        "def relu_backward", "print('hello from erin')\n\ndef relu_backward"))
    points = tmp_path / "points.json"
    points.write_text(json.dumps({"relu": 3, "sigmoid": 2}))
    results = tmp_path / "results" / "results.json"
    assert main(["audit", str(submission), "--gradescope", str(results), "--points", str(points)] + ARGS) == 1
    assert "relu: CRASHED" in capsys.readouterr().out  # the report, as for one file
    data = json.loads(results.read_text())
    assert set(data) >= {"score", "execution_time", "output", "tests"}
    tests = {t["name"]: t for t in data["tests"]}
    assert list(tests) == list(graded_functions(["sigmoid"]))
    assert tests["sigmoid"] == {"name": "sigmoid", "score": 2.0, "max_score": 2.0, "status": "passed",
                                "output": "ok", "visibility": "visible"}
    assert tests["relu"]["score"] == 0 and tests["relu"]["max_score"] == 3.0 and tests["relu"]["status"] == "failed"
    assert "crashed: the process exited with status 3 while running relu" in tests["relu"]["output"]
    assert tests["sigmoid_backward"]["output"] == "not defined" and tests["sigmoid_backward"]["score"] == 0
    assert tests["linear_backward"]["max_score"] == 1.0  # the others: 1 point each
    assert data["score"] == 2.0 + 1.0  # sigmoid and relu_backward
    # A submission that cannot be imported still gets a results.json (Gradescope needs one).
    (submission / "erin.py").write_text("raise ImportError('no module named dnn_utils')\n")
    assert main(["audit", str(submission), "--gradescope", str(results), "--overwrite"] + ARGS) == 2
    data = json.loads(results.read_text())
    assert data["score"] == 0 and "ImportError" in data["output"]
    assert all(t["status"] == "failed" and "not checked" in t["output"] for t in data["tests"])


def test_what_counts_as_a_submission(tmp_path):
    root = make_class(tmp_path / "class")
    (root / ".hidden.py").write_text("")
    (root / "__pycache__").mkdir()
    (root / "notes.txt").write_text("")
    found = find_submissions([root])
    assert [os.path.basename(s.shown) for s in found] == sorted(EXPECTED)
    assert all(s.alone for s in found if s.shown.endswith(".py"))
    carol = next(s for s in found if s.shown.endswith("carol"))
    assert carol.files == ["helpers.py", "work.py"] and not carol.alone
    alone, = find_submissions([root / "alice.py"])
    assert not alone.alone and alone.folder == str(root)  # alone on the command line: its folder comes along
    assert [s.alone for s in find_submissions([root / "alice.py", root / "bob.py"])] == [True, True]
    with pytest.raises(FileNotFoundError):
        find_submissions([tmp_path / "nope"])


def test_an_interrupted_class_leaves_no_process(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from .test_isolation import ROOT, alive

    root = tmp_path / "class"
    root.mkdir()
    pids = tmp_path / "pids"
    for name in ("a", "b"):
        (root / f"{name}.py").write_text(variant(
            "return dA * (cache > 0)",
            f"import os\n    open({str(pids)!r}, 'a').write(f'{{os.getpid()}} ')\n    while True:\n        pass"))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "nets", "audit", str(root), "--jobs", "2", "--timeout", "60"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(pids.read_text().split() if pids.exists() else []) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(p) for p in pids.read_text().split()]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130
    deadline = time.monotonic() + 5
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in workers)


def test_a_file_alone_brings_its_folder_within_limits(tmp_path, monkeypatch):
    from nets.checker import isolation

    folder = tmp_path / "home"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "train.txt").write_text("x")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("x")
    (folder / "helpers.py").write_text("")
    (folder / "mine.py").write_text("")
    submission = isolation.Submission.of_file(folder / "mine.py")
    submission.copy_into(str(tmp_path / "copy"))
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert copied == ["data/train.txt", "helpers.py", "mine.py"] and submission.notes == []
    # A folder with more than the limit (a home folder...): only the files directly in it.
    monkeypatch.setattr(isolation, "COPY_FILES", 2)
    submission = isolation.Submission.of_file(folder / "mine.py")
    submission.copy_into(str(tmp_path / "copy2"))
    assert sorted(p.name for p in (tmp_path / "copy2").iterdir()) == ["helpers.py", "mine.py"]
    assert "only the files directly in it" in submission.notes[0]


def test_gradebook_words_only_for_a_function_wrong_through_a_helper(tmp_path):
    # Week 3: nn_model right in itself, wrong only through the learner's backward_propagation.
    import textwrap

    from .test_course1 import WEEK3

    root = tmp_path / "class"
    root.mkdir()
    (root / "bob.py").write_text(textwrap.dedent(WEEK3).replace("(1 - np.power(A1, 2))", "(1 - A1)"))
    gradebook = tmp_path / "grades.csv"
    assert main(["audit", str(root), "--csv", str(gradebook)] + ARGS) == 1
    row, = csv.DictReader(io.StringIO(gradebook.read_text()))
    assert row["backward_propagation"] == "wrong" and row["nn_model"] == "ok"
    assert row["forward_propagation"] == "ok" and row["layer_sizes"] == "ok"
    assert {row[n] for n in graded_functions(["layer_sizes"])} <= {"ok", "wrong", "crashed", "timeout", "missing"}
