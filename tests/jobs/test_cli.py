"""The command line: ``nets.cli.main(argv)`` in-process, and ``python -m nets`` in a subprocess.

Training runs on tiny synthetic data (``--image-size 8``, a few dozen images).
"""
import json
import os
import re
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest

from nets import BinaryClassifier
from nets.cli import main
from nets.data import make_synthetic_catvnoncat, read_image_file, write_synthetic_catvnoncat
from nets.jobs.runs import SYNTHETIC_SEED
from nets.jobs.train import RUN_FILES

TINY = ["--image-size", "8", "--n-train", "24", "--n-test", "10", "--layers", "192,3,1",
        "--iterations", "30", "--print-every", "10", "--learning-rate", "0.05", "--no-progress"]
DIVERGES = ["--image-size", "8", "--n-train", "24", "--n-test", "10", "--layers", "192,1",
            "--learning-rate", "50", "--cost", "faithful", "--iterations", "20", "--no-progress"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(err):
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nets: error: ")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny run folder and a tiny data folder, shared by the predict tests."""
    folder = tmp_path_factory.mktemp("cli")
    assert main(["train", *TINY, "--out", str(folder / "run")]) == 0
    write_synthetic_catvnoncat(folder / "data", seed=7, image_size=8, n_train=4, n_test=5)
    write_synthetic_catvnoncat(folder / "data16", seed=7, image_size=16, n_train=2, n_test=2)
    (folder / "notes.txt").write_text("not a model")
    (folder / "broken.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 40)
    return folder


# ---------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------


def test_train_prints_costs_and_accuracy_and_writes_the_run(tmp_path, capsys):
    out_dir = tmp_path / "run"
    status, out, err = run(capsys, "train", *TINY, "--out", str(out_dir))
    assert status == 0, err
    assert err == ""  # no progress bar when stderr is not a terminal; no warnings
    assert sorted(os.listdir(out_dir)) == sorted(RUN_FILES)
    metrics = json.loads((out_dir / "metrics.json").read_text())
    for key in ("layers", "init", "seed", "learning_rate", "iterations", "costs", "train_accuracy",
                "test_accuracy", "seconds", "dtype", "cost", "solver", "data", "versions"):
        assert key in metrics
    assert metrics["versions"]["numpy"] == np.__version__ and "python" in metrics["versions"]
    assert (metrics["layers"], metrics["learning_rate"], metrics["iterations"]) == ([192, 3, 1], 0.05, 30)
    assert (metrics["dtype"], metrics["cost"], metrics["data"]) == ("float64", "stable", "synthetic")

    train_x, train_y, _, _, _ = make_synthetic_catvnoncat(seed=SYNTHETIC_SEED, image_size=8, n_train=24,
                                                          n_test=10)
    history = BinaryClassifier([192, 3, 1], seed=1).fit(train_x, train_y, learning_rate=0.05,
                                                         iterations=30, print_every=10)
    assert metrics["costs"] == [[i, c] for i, c in history]
    assert metrics["solver"] == history.solver

    printed = re.findall(r"^Cost after iteration (\d+): (\d\.\d{4})$", out, re.MULTILINE)
    assert [(int(i), float(c)) for i, c in printed] == [(i, round(c, 4)) for i, c in history]
    assert re.search(r"^Train accuracy: [01]\.\d{4} \(\d+/24\)$", out, re.MULTILINE)
    assert re.search(r"^Test accuracy: [01]\.\d{4} \(\d+/10\)$", out, re.MULTILINE)


def test_train_refuses_a_non_empty_out_unless_overwrite(tmp_path, capsys):
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    (out_dir / "old.txt").write_text("keep")
    status, out, err = run(capsys, "train", *TINY, "--out", str(out_dir))
    assert status == 2
    assert_one_error_line(err)
    assert "--overwrite" in err and os.listdir(out_dir) == ["old.txt"]
    status, out, err = run(capsys, "train", *TINY, "--out", str(out_dir), "--overwrite")
    assert status == 0, err
    assert sorted(os.listdir(out_dir)) == sorted(RUN_FILES + ("old.txt",))


def test_train_default_out_is_a_new_folder_under_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "train", *TINY)
    assert status == 0, err
    (run_dir,) = os.listdir(tmp_path / "runs")
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", run_dir)
    assert f"Wrote {os.path.join('runs', run_dir)}" in out


@pytest.mark.parametrize("explicit_out", [True, False])
def test_train_divergence_exits_1_and_leaves_nothing(tmp_path, capsys, monkeypatch, explicit_out):
    monkeypatch.chdir(tmp_path)
    extra = ["--out", str(tmp_path / "run")] if explicit_out else []
    status, out, err = run(capsys, "train", *DIVERGES, *extra)
    assert status == 1
    assert_one_error_line(err)
    assert "diverged at iteration 1" in err
    assert os.listdir(tmp_path) == []


def test_train_divergence_reported_by_fit_monkeypatched(tmp_path, capsys, monkeypatch):
    from nets import TrainingDiverged

    def diverging_fit(self, X, Y, learning_rate=0.0075, iterations=2500, print_every=100, callback=None, **options):
        for i in range(7):
            callback(i, 0.5)
        raise TrainingDiverged(7, "the gradient of W1 is not finite")

    monkeypatch.setattr(BinaryClassifier, "fit", diverging_fit)
    status, out, err = run(capsys, "train", *TINY, "--out", str(tmp_path / "run"))
    assert status == 1
    assert_one_error_line(err)
    assert "iteration 7" in err and "Cost after iteration 0: 0.5000" in out
    assert os.listdir(tmp_path) == []


BAD_TRAIN_ARGS = [
    ["--layers", "100,3,1"],  # first layer is not the number of features (192)
    ["--layers", "192,3,2"],
    ["--layers", "192,0,1"],
    ["--layers", "192,x,1"],
    ["--layers", ""],
    ["--learning-rate", "0"],
    ["--learning-rate", "-0.1"],
    ["--learning-rate", "abc"],
    ["--learning-rate", "nan"],
    ["--learning-rate", "1e6"],
    ["--iterations", "0"],
    ["--iterations", "ten"],
    ["--iterations", "2.5"],
    ["--print-every", "0"],
    ["--seed", "-3"],
    ["--init", "zero"],
    ["--dtype", "float16"],
    ["--cost", "cheap"],
    ["--solver", "magic"],
    ["--image-size", "3"],
    ["--no-such-option"],
]


@pytest.mark.parametrize("bad", BAD_TRAIN_ARGS, ids=lambda a: " ".join(a) or "empty")
def test_bad_train_arguments_exit_2_with_one_line(tmp_path, capsys, bad):
    # The bad value comes last so that it overrides TINY's.
    status, out, err = run(capsys, "train", *TINY, "--out", str(tmp_path / "run"), *bad)
    assert status == 2
    assert_one_error_line(err)
    assert not (tmp_path / "run").exists()


def test_bad_data_folders_exit_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    bad_files = tmp_path / "bad"
    bad_files.mkdir()
    for name in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        (bad_files / name).write_text("not hdf5")
    (tmp_path / "a_file").write_text("x")
    for data in ("missing", "empty", "bad", "a_file"):
        status, out, err = run(capsys, "train", *TINY, "--data", str(tmp_path / data),
                               "--out", str(tmp_path / "run"))
        assert status == 2, data
        assert_one_error_line(err)
        assert str(tmp_path / data) in err
    assert not (tmp_path / "run").exists()


def test_usage_errors_exit_2_with_one_line(capsys):
    for argv in ([], ["bogus"], ["predict"], ["graph"], ["gradcheck", "--examples", "0"]):
        status, out, err = run(capsys, *argv)
        assert status == 2, argv
        assert_one_error_line(err)


def test_help_exits_0(capsys):
    status, out, err = run(capsys, "train", "--help")
    assert status == 0 and "--learning-rate" in out and "--image-size" not in out


# ---------------------------------------------------------------------------
# gradcheck
# ---------------------------------------------------------------------------


def test_gradcheck_passes_and_prints_a_table(capsys):
    status, out, err = run(capsys, "gradcheck", "--layers", "6,4,3,1", "--examples", "5")
    assert status == 0, out + err
    assert "autodiff-vs-oracle" in out and "autodiff-vs-fd" in out and "oracle-vs-fd" in out
    rows = re.findall(r"^(W\d|b\d) ", out, re.MULTILINE)
    assert rows == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert "OK" in out


def test_gradcheck_fails_when_a_gradient_is_wrong(capsys, monkeypatch):
    original = BinaryClassifier.gradients

    def scaled(self, X, Y):
        grads = original(self, X, Y)
        grads["dW3"] = grads["dW3"] * 1.001
        return grads

    monkeypatch.setattr(BinaryClassifier, "gradients", scaled)
    status, out, err = run(capsys, "gradcheck", "--layers", "6,4,3,1", "--examples", "5", "--cost", "faithful")
    assert status == 1
    assert "FAILED" in out and "dW3 autodiff-vs-oracle" in out and "dW2" not in out


# ---------------------------------------------------------------------------
# graph
# ---------------------------------------------------------------------------


def test_graph_writes_png_and_dot(tmp_path, capsys):
    status, out, err = run(capsys, "graph", "--layers", "5,3,1", "--examples", "4", "--out",
                           str(tmp_path / "step.png"))
    assert status == 0, err
    assert mpimg.imread(tmp_path / "step.png").ndim == 3
    dot = (tmp_path / "step.dot").read_text()
    assert dot.startswith("digraph") and "W1" in dot and "(5, 4)" in dot
    status, out, err = run(capsys, "graph", "--out", str(tmp_path / "step.txt"))
    assert status == 2
    assert_one_error_line(err)


# ---------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------

LINE = re.compile(r"^image (\d+): (cat|non-cat) \(p=(\d\.\d\d)\)")


def test_predict_hdf5(trained, capsys):
    status, out, err = run(capsys, "predict", "--model", str(trained / "run" / "model.h5"),
                           str(trained / "data" / "test_catvnoncat.h5"))
    assert status == 0, err
    lines = [LINE.match(line) for line in out.splitlines()[:5]]
    assert all(lines) and [int(m.group(1)) for m in lines] == [0, 1, 2, 3, 4]
    assert all(0.5 <= float(m.group(3)) <= 1.0 for m in lines)
    assert re.search(r"^accuracy on the labelled images: [01]\.\d{4} \(\d/5\)$", out, re.MULTILINE)


def test_predict_png_matches_hdf5(trained, capsys, tmp_path):
    images, _, _ = read_image_file(trained / "data" / "test_catvnoncat.h5")
    mpimg.imsave(tmp_path / "cat.png", images[2])
    model = str(trained / "run" / "model.h5")
    status, out, err = run(capsys, "predict", "--model", model, str(tmp_path / "cat.png"))
    assert status == 0, err
    (png_line,) = out.splitlines()
    assert png_line.startswith(f"{tmp_path / 'cat.png'}: ")
    status, out, err = run(capsys, "predict", "--model", model, str(trained / "data" / "test_catvnoncat.h5"))
    assert out.splitlines()[2] == png_line.replace(f"{tmp_path / 'cat.png'}: ", "image 2: ")


def test_predict_a_folder_reports_each_file_and_goes_on_after_a_bad_one(trained, capsys, tmp_path):
    images, _, _ = read_image_file(trained / "data" / "test_catvnoncat.h5")
    for name, image in zip(("b.png", "a.jpg", "d.png"), images):
        mpimg.imsave(tmp_path / name, image)
    (tmp_path / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (tmp_path / "readme.txt").write_text("ignored")
    model = str(trained / "run" / "model.h5")
    status, out, err = run(capsys, "predict", "--model", model, str(tmp_path))
    assert status == 2
    assert_one_error_line(err)
    assert str(tmp_path / "c.png") in err
    sources = [line.split(": ")[0] for line in out.splitlines()]
    assert sources == [str(tmp_path / n) for n in ("a.jpg", "b.png", "d.png")]
    for line in out.splitlines():  # each line as the file alone prints it
        status, alone, _ = run(capsys, "predict", "--model", model, line.split(": ")[0])
        assert status == 0 and alone.strip() == line


def test_predict_fit_option(trained, capsys, tmp_path):
    images, _, _ = read_image_file(trained / "data" / "test_catvnoncat.h5")
    wide = np.concatenate([np.zeros((8, 8, 3), np.uint8), images[0], np.full((8, 8, 3), 255, np.uint8)], axis=1)
    mpimg.imsave(tmp_path / "wide.png", wide)
    mpimg.imsave(tmp_path / "centre.png", images[0])
    model = str(trained / "run" / "model.h5")
    results = {}
    for name, fit in (("wide", "crop"), ("wide", "squash"), ("centre", "crop")):
        status, out, err = run(capsys, "predict", "--model", model, "--fit", fit, str(tmp_path / f"{name}.png"))
        assert status == 0, err
        results[name, fit] = out.split(": ", 1)[1]
    assert results["wide", "crop"] == results["centre", "crop"]
    status, out, err = run(capsys, "predict", "--model", model, "--fit", "stretch", str(tmp_path / "wide.png"))
    assert status == 2
    assert_one_error_line(err)


@pytest.mark.parametrize("model, inputs", [
    ("missing.h5", ["data/test_catvnoncat.h5"]),
    ("notes.txt", ["data/test_catvnoncat.h5"]),
    ("broken.h5", ["data/test_catvnoncat.h5"]),
    ("data/test_catvnoncat.h5", ["data/test_catvnoncat.h5"]),  # data, not a model
    ("run/model.h5", ["missing.png"]),
    ("run/model.h5", ["notes.txt"]),
    ("run/model.h5", ["broken.h5"]),
    ("run/model.h5", ["run/metrics.json"]),
    ("run/model.h5", ["data16/test_catvnoncat.h5"]),  # 16x16 pictures for an 8x8 model
    ("run/model.h5", ["fake.png"]),
    ("run/model.h5", ["empty_folder"]),
])
def test_predict_bad_files_exit_2(trained, capsys, model, inputs):
    (trained / "fake.png").write_text("not a png")
    (trained / "empty_folder").mkdir(exist_ok=True)
    status, out, err = run(capsys, "predict", "--model", str(trained / model), *[str(trained / i) for i in inputs])
    assert status == 2
    assert_one_error_line(err)


# ---------------------------------------------------------------------------
# python -m nets, in a real process
# ---------------------------------------------------------------------------


def test_python_dash_m_nets(tmp_path):
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    done = subprocess.run([sys.executable, "-m", "nets", "train", *TINY, "--out", str(tmp_path / "run")],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Cost after iteration 0:" in done.stdout and "Test accuracy:" in done.stdout
    assert sorted(os.listdir(tmp_path / "run")) == sorted(RUN_FILES)

    done = subprocess.run([sys.executable, "-m", "nets", "train", "--layers", "12288,5,2"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 2
    assert_one_error_line(done.stderr)
    assert os.listdir(tmp_path) == ["run"]
