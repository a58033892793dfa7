"""nets.jobs.predict (the predict job), through the Python API: data files, pictures, folders, errors.

A tiny model (8x8 pictures) trained on synthetic data keeps the file fast.
"""
import matplotlib.image as mpimg
import numpy as np
import pytest
from PIL import Image

from nets import BinaryClassifier, ModelFileError
from nets.data import DataError, load_catvnoncat, read_image_file, write_synthetic_catvnoncat
from nets.data.pictures import read_picture
from nets.jobs.predict import expand_inputs, predict_files
from nets.jobs.train import run_training

TINY = dict(image_size=8, n_train=24, n_test=10, layers=[192, 3, 1], iterations=30, print_every=10,
            learning_rate=0.05)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    run_training(out=folder / "run", **TINY)
    write_synthetic_catvnoncat(folder / "data", seed=5, image_size=8, n_train=6, n_test=4)
    return folder


def test_predict_files_on_hdf5_and_pictures(tiny_model, tmp_path):
    model_path = tiny_model / "run" / "model.h5"
    model = BinaryClassifier.load(model_path)
    test_file = tiny_model / "data" / "test_catvnoncat.h5"
    results = predict_files(model_path, [test_file])
    assert [r["index"] for r in results] == [0, 1, 2, 3]

    _, _, test_x, test_y, _ = load_catvnoncat(tiny_model / "data")
    p_cat = model.predict_proba(test_x).reshape(-1)
    for r, p, y in zip(results, p_cat, test_y.reshape(-1)):
        assert r["p_cat"] == pytest.approx(p)
        assert r["class"] == ("cat" if p > 0.5 else "non-cat")
        assert r["p"] == pytest.approx(max(p, 1 - p))
        assert r["truth"] == y and r["error"] is None

    # The same image as a PNG written by matplotlib (RGBA, alpha 1 everywhere): the same column exactly.
    images, _, _ = read_image_file(test_file)
    mpimg.imsave(tmp_path / "one.png", images[0])
    np.testing.assert_array_equal(read_picture(tmp_path / "one.png", 8), test_x[:, :1])
    (r,) = predict_files(model_path, [tmp_path / "one.png"])
    assert r["p_cat"] == pytest.approx(p_cat[0], rel=1e-12) and r["truth"] is None and r["index"] == 0


def test_a_folder_is_every_picture_in_it_sorted(tiny_model, tmp_path):
    model_path = tiny_model / "run" / "model.h5"
    images, _, _ = read_image_file(tiny_model / "data" / "test_catvnoncat.h5")
    folder = tmp_path / "photos"
    folder.mkdir()
    names = ["c.webp", "a.png", "B.jpg"]
    for name, image in zip(names, images):
        options = {"lossless": True} if name.endswith(".webp") else {}
        Image.fromarray(np.kron(image, np.ones((3, 3, 1), np.uint8))).save(folder / name, **options)
    (folder / "notes.txt").write_text("not a picture")
    (folder / ".hidden.png").write_bytes(b"not even a png")
    (folder / "sub").mkdir()
    results = predict_files(model_path, [folder])
    assert [r["source"] for r in results] == [str(folder / n) for n in sorted(names)]
    for r in results:
        (alone,) = predict_files(model_path, [r["source"]])
        assert r == alone


def test_errors_can_be_reported_per_file(tiny_model, tmp_path):
    model_path = tiny_model / "run" / "model.h5"
    images, _, _ = read_image_file(tiny_model / "data" / "test_catvnoncat.h5")
    Image.fromarray(images[0]).save(tmp_path / "a.png")
    (tmp_path / "b.png").write_bytes(b"broken")
    Image.fromarray(images[1]).save(tmp_path / "c.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="b.png"):
        predict_files(model_path, [tmp_path])
    results = predict_files(model_path, [tmp_path, tmp_path / "empty"], errors="report")
    assert [(r["source"], r["error"] is None) for r in results] == [
        (str(tmp_path / "a.png"), True), (str(tmp_path / "b.png"), False), (str(tmp_path / "c.png"), True),
        (str(tmp_path / "empty"), False),
    ]
    assert "b.png" in results[1]["error"] and results[1]["p_cat"] is None
    assert "holds no pictures" in results[3]["error"]
    assert [s for s, problem in expand_inputs([tmp_path]) if problem is None] == [
        str(tmp_path / n) for n in ("a.png", "b.png", "c.png")]


def test_predict_files_errors(tiny_model, tmp_path):
    model_path = tiny_model / "run" / "model.h5"
    with pytest.raises(ModelFileError):
        predict_files(tmp_path / "missing.h5", [tmp_path / "x.png"])
    with pytest.raises(ModelFileError):
        predict_files(tiny_model / "run" / "metrics.json", [tmp_path / "x.png"])
    with pytest.raises(ValueError, match="unknown file type"):
        predict_files(model_path, [tiny_model / "run" / "metrics.json"])
    write_synthetic_catvnoncat(tmp_path / "d16", image_size=16, n_train=2, n_test=2)
    with pytest.raises(ValueError, match="the model takes 192 inputs"):
        predict_files(model_path, [tmp_path / "d16" / "test_catvnoncat.h5"])
    (tmp_path / "broken.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(DataError):
        predict_files(model_path, [tmp_path / "broken.h5"])
    with pytest.raises(ValueError, match="fit"):
        predict_files(model_path, [tmp_path / "x.png"], fit="stretch")
    with pytest.raises(ValueError, match="errors"):
        predict_files(model_path, [tmp_path / "x.png"], errors="ignore")
    with pytest.raises(ValueError, match="no input"):
        predict_files(model_path, [])


def test_model_that_is_not_a_square_picture_cannot_read_pictures(tmp_path):
    BinaryClassifier([10, 1]).save(tmp_path / "m.h5")
    Image.new("RGB", (4, 4)).save(tmp_path / "p.png")
    for errors in ("raise", "report"):  # the model's problem, not the picture's: always raised
        with pytest.raises(ValueError, match="not that of a square RGB picture"):
            predict_files(tmp_path / "m.h5", [tmp_path / "p.png"], errors=errors)
