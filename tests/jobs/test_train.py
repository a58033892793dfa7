"""nets.jobs.train (the train job behind the command line), nets.plots and nets.atomic, through the Python API.

Everything runs on tiny synthetic data (8x8 images, a few dozen examples) so
that the whole file takes a few seconds.
"""
import json
import os
import stat
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from nets import BinaryClassifier, TrainingDiverged
from nets.atomic import atomic_path, atomic_write, save_figure, write_json, write_text
from nets.data import DataError, make_synthetic_catvnoncat, write_synthetic_catvnoncat
from nets.plots import MAX_MISLABELED_SHOWN, plot_mislabeled
from nets.errors import OutputExistsError
from nets.jobs.runs import SYNTHETIC_SEED
from nets.jobs.train import RUN_FILES, run_training

TINY = dict(image_size=8, n_train=24, n_test=10, layers=[192, 3, 1], iterations=30, print_every=10,
            learning_rate=0.05)

METRIC_KEYS = {
    "layers", "init", "seed", "learning_rate", "iterations", "costs", "train_accuracy", "test_accuracy",
    "seconds", "dtype", "cost", "solver", "data", "versions",
}


def tiny_data():
    return make_synthetic_catvnoncat(seed=SYNTHETIC_SEED, image_size=8, n_train=24, n_test=10)


def leftovers(folder):
    """Files in ``folder`` (recursively) whose names mark them as temporary."""
    return [name for _, _, files in os.walk(folder) for name in files if ".tmp" in name]


# ---------------------------------------------------------------------------
# run_training
# ---------------------------------------------------------------------------


def test_run_training_writes_a_complete_run_folder(tmp_path):
    out = tmp_path / "run"
    seen = []
    metrics = run_training(out=out, callback=lambda i, c: seen.append((i, c)), **TINY)

    assert sorted(os.listdir(out)) == sorted(RUN_FILES)
    on_disk = json.loads((out / "metrics.json").read_text())
    assert METRIC_KEYS <= set(on_disk)
    assert on_disk["versions"]["python"] and on_disk["versions"]["numpy"] == np.__version__
    assert on_disk["data"] == "synthetic" and on_disk["layers"] == [192, 3, 1]
    assert on_disk == {k: v for k, v in metrics.items() if k not in ("out", "mislabeled")}
    assert metrics["out"] == str(out)

    # The costs are exactly the points fit returns for the same model and data.
    train_x, train_y, test_x, test_y, _ = tiny_data()
    model = BinaryClassifier([192, 3, 1], init="xavier", seed=1)
    history = model.fit(train_x, train_y, learning_rate=0.05, iterations=30, print_every=10)
    assert on_disk["costs"] == [[i, c] for i, c in history]
    assert [i for i, _ in history] == [0, 10, 20, 29]
    assert seen == [(i, c) for i, c in seen] and len(seen) == 30
    assert dict(seen)[20] == dict(history)[20]
    assert on_disk["train_accuracy"] == model.accuracy(train_x, train_y)
    assert on_disk["test_accuracy"] == model.accuracy(test_x, test_y)

    saved = BinaryClassifier.load(out / "model.h5")
    np.testing.assert_array_equal(saved.predict_proba(test_x), model.predict_proba(test_x))
    for picture in ("costs.png", "mislabeled.png"):
        assert mpimg.imread(out / picture).ndim == 3
    assert not leftovers(tmp_path)


def test_default_run_folder_is_new_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = run_training(**TINY)["out"]
    second = run_training(**TINY)["out"]
    assert first != second
    for out in (first, second):
        assert os.path.dirname(out) == "runs"
        assert sorted(os.listdir(out)) == sorted(RUN_FILES)


def test_non_empty_out_is_refused_unless_overwrite(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="not empty"):
        run_training(out=out, **TINY)
    assert os.listdir(out) == ["notes.txt"]
    run_training(out=out, overwrite=True, **TINY)
    assert sorted(os.listdir(out)) == sorted(RUN_FILES + ("notes.txt",))
    # An existing empty folder needs no --overwrite.
    empty = tmp_path / "empty"
    empty.mkdir()
    run_training(out=empty, **TINY)
    # A file where the folder should be is refused even with overwrite.
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputExistsError):
        run_training(out=tmp_path / "file", overwrite=True, **TINY)


def test_bad_arguments_are_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    bad = [
        dict(layers=[100, 3, 1]),  # not the number of features (192)
        dict(layers=[192, 3, 2]),
        dict(learning_rate=0),
        dict(learning_rate=-1.0),
        dict(iterations=0),
        dict(print_every=0),
        dict(init="nope"),
        dict(dtype="float16"),
        dict(cost="nope"),
        dict(solver="nope"),
    ]
    for change in bad:
        with pytest.raises((ValueError, TypeError)):
            run_training(out=out, **{**TINY, **change})
        assert not out.exists(), change
    with pytest.raises(ValueError, match="first layer size is 100 but the data has 192 features"):
        run_training(out=out, **{**TINY, "layers": [100, 1]})
    with pytest.raises(DataError):
        run_training(data=tmp_path / "missing", out=out, **TINY)
    assert not out.exists()


@pytest.mark.parametrize("where", ["fresh", "default", "existing"])
def test_divergence_leaves_nothing_behind(tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    out = {"fresh": tmp_path / "a" / "b", "default": None, "existing": tmp_path / "existing"}[where]
    if where == "existing":
        out.mkdir()
    # One output unit, the post's cost and a huge step: the cost is NaN at iteration 1.
    kwargs = {**TINY, "layers": [192, 1], "learning_rate": 50.0, "cost": "faithful"}
    with pytest.raises(TrainingDiverged) as info:
        run_training(out=out, **kwargs)
    assert info.value.iteration == 1
    assert sorted(os.listdir(tmp_path)) == (["existing"] if where == "existing" else [])
    if where == "existing":
        assert os.listdir(out) == []


def test_failure_while_writing_removes_the_fresh_folder(tmp_path, monkeypatch):
    import nets.plots

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(nets.plots, "plot_mislabeled", broken)
    with pytest.raises(OSError, match="disk full"):
        run_training(out=tmp_path / "run", **TINY)
    assert os.listdir(tmp_path) == []


def test_interrupt_during_fit_removes_the_fresh_folder(tmp_path, monkeypatch):
    def interrupted(self, X, Y, learning_rate, iterations, print_every=100, callback=None, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(BinaryClassifier, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_training(out=tmp_path / "run", **TINY)
    assert os.listdir(tmp_path) == []


def test_the_solver_reaches_fit_and_the_metrics(tmp_path):
    from nets.model.solvers import choose_solver

    for name in ("gram", "backprop"):
        metrics = run_training(out=tmp_path / name, solver=name, **TINY)
        assert metrics["solver"] == name
    metrics = run_training(out=tmp_path / "auto", solver="auto", **TINY)
    expected = choose_solver("auto", metrics["layers"], metrics["n_train"], metrics["iterations"], True)
    assert metrics["solver"] == expected
    assert metrics["solver_requested"] == "auto"

def test_training_from_a_data_folder(tmp_path):
    write_synthetic_catvnoncat(tmp_path / "data", seed=3, image_size=8, n_train=20, n_test=8)
    metrics = run_training(data=tmp_path / "data", out=tmp_path / "run", **TINY)
    assert metrics["data"] == str((tmp_path / "data").resolve())
    assert metrics["n_train"] == 20 and metrics["n_test"] == 8


def test_training_on_the_real_data(real_data_dir, tmp_path):
    metrics = run_training(data=real_data_dir, out=tmp_path / "run", layers=[12288, 3, 1], iterations=3,
                           print_every=1)
    assert metrics["n_train"] == 209 and metrics["n_test"] == 50
    assert [i for i, _ in metrics["costs"]] == [0, 1, 2]


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


def test_mislabeled_plot_handles_none_and_many(tmp_path):
    classes = np.array([b"non-cat", b"cat"])
    images = np.zeros((80, 8, 8, 3), dtype=np.uint8)
    y = np.zeros((1, 80), dtype=np.int64)
    assert plot_mislabeled(classes, images[:5], y[:, :5], y[:, :5], tmp_path / "none.png") == 0
    assert plot_mislabeled(classes, images, y, 1 - y, tmp_path / "many.png") == 80 > MAX_MISLABELED_SHOWN
    for name in ("none.png", "many.png"):
        assert mpimg.imread(tmp_path / name).shape[2] == 4
    assert not leftovers(tmp_path)


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def test_atomic_write_replaces_whole_files_or_nothing(tmp_path):
    target = tmp_path / "a.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as f:
            f.write("half of the new")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    with pytest.raises(ValueError):  # NaN is not JSON: nothing is written
        write_json(tmp_path / "m.json", {"cost": float("nan")})
    assert not (tmp_path / "m.json").exists()
    write_json(tmp_path / "m.json", {"cost": 0.5})
    assert json.loads((tmp_path / "m.json").read_text()) == {"cost": 0.5}
    with atomic_write(tmp_path / "b.bin", "wb") as f:
        f.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    with pytest.raises(ValueError):
        with atomic_write(target, "a"):
            pass
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.bin", "m.json"]


def test_atomic_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o644


def test_atomic_path_keeps_the_extension_for_savefig(tmp_path):
    from matplotlib.figure import Figure

    with atomic_path(tmp_path / "x.png") as tmp:
        assert tmp.endswith(".png") and os.path.dirname(tmp) == str(tmp_path)
    fig = Figure(figsize=(1, 1))
    save_figure(fig, tmp_path / "f.svg")
    assert (tmp_path / "f.svg").read_text().lstrip().startswith("<?xml")
    assert not leftovers(tmp_path)


def _library_modules():
    """Every module of the packages that return data (jobs, model, data, checker): only nets.cli prints."""
    import pkgutil

    import nets

    for package in ("jobs", "model", "data", "checker"):
        path = [str(Path(nets.__file__).parent / package)]
        yield from (f"nets.{package}.{info.name}" for info in pkgutil.iter_modules(path))


@pytest.mark.parametrize("module", sorted(_library_modules()))
def test_job_modules_have_no_printing(module):
    import importlib
    import inspect

    assert "print(" not in inspect.getsource(importlib.import_module(module))
