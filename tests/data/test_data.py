"""Loading, validating and synthesising the cat/non-cat data (nets.data)."""
import os

import h5py
import numpy as np
import pytest

from nets import manual
from nets.data import (
    CLASSES,
    TEST_FILE,
    TRAIN_FILE,
    DataError,
    flatten_images,
    load_catvnoncat,
    load_catvnoncat_images,
    make_synthetic_catvnoncat,
    make_synthetic_catvnoncat_images,
    read_image_file,
    write_synthetic_catvnoncat,
)

SMALL = dict(n_train=30, n_test=12, image_size=8)


def write_h5(path, **datasets):
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value)
    return path


def good_split(prefix, m=6, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return {
        prefix + "_x": rng.integers(0, 256, size=(m, size, size, 3), dtype=np.uint8),
        prefix + "_y": (np.arange(m) % 2).astype(np.int64),
        "list_classes": np.array([b"non-cat", b"cat"], dtype="S7"),
    }


@pytest.fixture
def good_dir(tmp_path):
    write_h5(tmp_path / TRAIN_FILE, **good_split("train_set", m=6))
    write_h5(tmp_path / TEST_FILE, **good_split("test_set", m=4, seed=1))
    return tmp_path


# ---------------------------------------------------------------------------
# Synthetic data
# ---------------------------------------------------------------------------


def test_synthetic_shapes_dtypes_and_scaling():
    train_x, train_y, test_x, test_y, classes = make_synthetic_catvnoncat(seed=3, **SMALL)
    assert train_x.shape == (8 * 8 * 3, 30) and test_x.shape == (8 * 8 * 3, 12)
    assert train_x.dtype == np.float64 and test_x.dtype == np.float64
    assert 0.0 <= train_x.min() and train_x.max() <= 1.0
    assert train_y.shape == (1, 30) and test_y.shape == (1, 12)
    assert train_y.dtype == np.int64 and set(np.unique(train_y)) <= {0, 1}
    assert classes.tolist() == [b"non-cat", b"cat"]
    # About a third are cats, like the real training set.
    assert train_y.sum() == round(30 * 0.34)


def test_synthetic_flattening_is_the_posts():
    images, y, test_images, test_y, _ = make_synthetic_catvnoncat_images(seed=4, **SMALL)
    assert images.dtype == np.uint8 and images.shape == (30, 8, 8, 3)
    train_x, train_y, test_x, _, _ = make_synthetic_catvnoncat(seed=4, **SMALL)
    np.testing.assert_array_equal(train_x, images.reshape(images.shape[0], -1).T / 255.0)
    np.testing.assert_array_equal(test_x, flatten_images(test_images))
    np.testing.assert_array_equal(train_y, y)
    # Column i is image i.
    np.testing.assert_array_equal(train_x[:, 5], images[5].ravel() / 255.0)


def test_synthetic_is_deterministic_by_seed():
    a = make_synthetic_catvnoncat_images(seed=11, **SMALL)
    b = make_synthetic_catvnoncat_images(seed=11, **SMALL)
    c = make_synthetic_catvnoncat_images(seed=12, **SMALL)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_synthetic_default_size_matches_the_real_format():
    train_images, train_y, test_images, test_y, _ = make_synthetic_catvnoncat_images(seed=0)
    assert train_images.shape == (209, 64, 64, 3) and test_images.shape == (50, 64, 64, 3)
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50)


def test_synthetic_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_train"):
        make_synthetic_catvnoncat(n_train=0)
    with pytest.raises(ValueError, match="image_size"):
        make_synthetic_catvnoncat(image_size=2)
    with pytest.raises(ValueError, match="cat_fraction"):
        make_synthetic_catvnoncat(cat_fraction=1.5)


def test_write_then_load_round_trip(tmp_path):
    target = tmp_path / "syn"  # created on demand
    paths = write_synthetic_catvnoncat(target, seed=5, **SMALL)
    assert [p.name for p in paths] == [TRAIN_FILE, TEST_FILE]
    loaded = load_catvnoncat(str(target))  # str accepted as well as Path
    made = make_synthetic_catvnoncat(seed=5, **SMALL)
    for got, want in zip(loaded, made):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    raw = load_catvnoncat_images(target)
    for got, want in zip(raw, make_synthetic_catvnoncat_images(seed=5, **SMALL)):
        np.testing.assert_array_equal(got, want)
    # No temporary files left behind.
    assert sorted(os.listdir(target)) == sorted([TRAIN_FILE, TEST_FILE])


def test_written_files_have_the_real_keys_and_dtypes(tmp_path):
    write_synthetic_catvnoncat(tmp_path, seed=0, **SMALL)
    with h5py.File(tmp_path / TRAIN_FILE, "r") as f:
        assert sorted(f.keys()) == ["list_classes", "train_set_x", "train_set_y"]
        assert f["train_set_x"].dtype == np.uint8 and f["train_set_x"].shape == (30, 8, 8, 3)
        assert f["train_set_y"].dtype == np.int64 and f["train_set_y"].shape == (30,)
        assert f["list_classes"].dtype == np.dtype("S7")
        assert f["list_classes"][()].tolist() == [b"non-cat", b"cat"]
    with h5py.File(tmp_path / TEST_FILE, "r") as f:
        assert sorted(f.keys()) == ["list_classes", "test_set_x", "test_set_y"]
        assert f["test_set_y"].shape == (12,)


def test_write_refuses_to_overwrite(tmp_path):
    write_synthetic_catvnoncat(tmp_path, seed=0, **SMALL)
    before = (tmp_path / TRAIN_FILE).read_bytes()
    with pytest.raises(DataError, match="overwrite"):
        write_synthetic_catvnoncat(tmp_path, seed=1, **SMALL)
    assert (tmp_path / TRAIN_FILE).read_bytes() == before
    write_synthetic_catvnoncat(tmp_path, seed=1, overwrite=True, **SMALL)
    np.testing.assert_array_equal(
        load_catvnoncat(tmp_path)[0], make_synthetic_catvnoncat(seed=1, **SMALL)[0]
    )


def test_write_refuses_when_only_one_file_exists(tmp_path):
    (tmp_path / TEST_FILE).write_bytes(b"keep me")
    with pytest.raises(DataError, match=TEST_FILE):
        write_synthetic_catvnoncat(tmp_path, **SMALL)
    assert (tmp_path / TEST_FILE).read_bytes() == b"keep me"
    assert not (tmp_path / TRAIN_FILE).exists()


def test_synthetic_data_is_learnable_and_generalises():
    train_x, train_y, test_x, test_y, _ = make_synthetic_catvnoncat(seed=0, n_test=100, image_size=16)
    params, costs = manual.L_layer_model(
        train_x, train_y, [train_x.shape[0], 10, 5, 1], learning_rate=0.05, num_iterations=300, init="xavier"
    )
    assert costs[-1][1] < 0.5 * costs[0][1]
    majority = max(test_y.mean(), 1 - test_y.mean())
    test_accuracy = np.mean(manual.predict(test_x, params) == test_y)
    assert test_accuracy >= majority + 0.15
    # ... but the classes overlap, so the training set is not learned perfectly either.
    assert np.mean(manual.predict(train_x, params) == train_y) < 1.0


# ---------------------------------------------------------------------------
# Reading the real format, and read_image_file
# ---------------------------------------------------------------------------


def test_load_good_files(good_dir):
    train_x, train_y, test_x, test_y, classes = load_catvnoncat(good_dir)
    assert train_x.shape == (192, 6) and test_x.shape == (192, 4)
    assert train_y.tolist() == [[0, 1, 0, 1, 0, 1]]
    assert classes.dtype.kind == "S" and classes.tolist() == [b"non-cat", b"cat"]


def test_read_image_file_train_and_test_keys(good_dir):
    images, labels, classes = read_image_file(good_dir / TRAIN_FILE)
    assert images.shape == (6, 8, 8, 3) and images.dtype == np.uint8
    assert labels.shape == (1, 6) and classes.tolist() == [b"non-cat", b"cat"]
    images, labels, _ = read_image_file(str(good_dir / TEST_FILE))
    assert images.shape[0] == 4 and labels.shape == (1, 4)


def test_read_image_file_any_x_key_without_labels(tmp_path):
    imgs = np.full((3, 8, 8, 3), 7, dtype=np.uint8)
    path = write_h5(tmp_path / "mine.h5", my_pictures_x=imgs)
    images, labels, classes = read_image_file(path)
    np.testing.assert_array_equal(images, imgs)
    assert labels is None and classes is None


def test_read_image_file_accepts_wider_integer_images_and_1xm_labels(tmp_path):
    imgs = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3).astype(np.int64)
    path = write_h5(tmp_path / "a.h5", set_x=imgs, set_y=np.array([[1.0, 0.0]]))
    images, labels, _ = read_image_file(path)
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images, imgs)
    assert labels.dtype == np.int64 and labels.tolist() == [[1, 0]]


def test_read_image_file_errors(tmp_path):
    path = write_h5(tmp_path / "none.h5", pictures=np.zeros((2, 4, 4, 3), np.uint8))
    with pytest.raises(DataError, match=r"no images key.*pictures"):
        read_image_file(path)
    path = write_h5(tmp_path / "two.h5", a_x=np.zeros((2, 4, 4, 3), np.uint8), b_x=np.zeros((2, 4, 4, 3), np.uint8))
    with pytest.raises(DataError, match="several keys"):
        read_image_file(path)
    with pytest.raises(DataError, match="file not found"):
        read_image_file(tmp_path / "absent.h5")
    with pytest.raises(DataError, match="not a file"):
        read_image_file(tmp_path)


# ---------------------------------------------------------------------------
# Errors: every message names the file and the problem
# ---------------------------------------------------------------------------


def test_missing_directory(tmp_path):
    with pytest.raises(DataError, match=r"nowhere.*directory not found"):
        load_catvnoncat(tmp_path / "nowhere")


def test_directory_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(DataError, match="not a directory"):
        load_catvnoncat(tmp_path / "f")


def test_missing_files(tmp_path):
    write_h5(tmp_path / TRAIN_FILE, **good_split("train_set"))
    with pytest.raises(DataError, match=r"missing data file.*test_catvnoncat\.h5") as info:
        load_catvnoncat(tmp_path)
    assert TRAIN_FILE not in str(info.value)


def test_missing_keys_lists_those_present(good_dir):
    d = good_split("train_set")
    del d["train_set_y"]
    write_h5(good_dir / TRAIN_FILE, **d)
    with pytest.raises(DataError) as info:
        load_catvnoncat(good_dir)
    message = str(info.value)
    assert TRAIN_FILE in message and "train_set_y" in message
    assert "keys present: ['list_classes', 'train_set_x']" in message


def test_missing_list_classes(good_dir):
    d = good_split("test_set", m=4)
    del d["list_classes"]
    write_h5(good_dir / TEST_FILE, **d)
    with pytest.raises(DataError, match=r"test_catvnoncat\.h5.*list_classes"):
        load_catvnoncat(good_dir)


def test_test_file_with_train_keys_is_rejected(good_dir):
    write_h5(good_dir / TEST_FILE, **good_split("train_set", m=4))
    with pytest.raises(DataError, match=r"test_catvnoncat\.h5.*missing key.*test_set_x"):
        load_catvnoncat(good_dir)


@pytest.mark.parametrize(
    "images, pattern",
    [
        (np.zeros((6, 8, 8), np.uint8), r"4-d.*\(6, 8, 8\)"),
        (np.zeros((6, 192), np.uint8), r"4-d"),
        (np.zeros((6, 8, 8, 4), np.uint8), r"3 colour channels.*\(6, 8, 8, 4\)"),
        (np.zeros((0, 8, 8, 3), np.uint8), r"no images"),
        (np.zeros((6, 8, 8, 3), np.float64), r"integers 0\.\.255.*float64"),
        (np.full((6, 8, 8, 3), 256, np.int32), r"0\.\.255.*256"),
        (np.full((6, 8, 8, 3), -1, np.int16), r"0\.\.255.*-1"),
    ],
)
def test_bad_images(good_dir, images, pattern):
    d = good_split("train_set")
    d["train_set_x"] = images
    if images.shape[0] == 0:
        d["train_set_y"] = np.zeros(0, np.int64)
    write_h5(good_dir / TRAIN_FILE, **d)
    with pytest.raises(DataError, match=r"train_catvnoncat\.h5: .*" + pattern):
        load_catvnoncat(good_dir)


@pytest.mark.parametrize(
    "labels, pattern",
    [
        (np.zeros((6, 1), np.int64), r"\(m,\) or \(1, m\).*\(6, 1\)"),
        (np.zeros((2, 3), np.int64), r"\(m,\) or \(1, m\)"),
        (np.array([0, 1, 2, 0, 1, 0]), r"0 \(non-cat\) or 1 \(cat\).*\[2\]"),
        (np.array([0, 1, -1, 0, 1, 0]), r"0 \(non-cat\) or 1 \(cat\).*\[-1\]"),
        (np.array([0, 1, 0.5, 0, 1, 0]), r"exactly 0\.0 or 1\.0"),
        (np.array([b"a"] * 6), r"integers 0/1.*\|S1"),
        (np.zeros(5, np.int64), r"6 images but 5 labels"),
    ],
)
def test_bad_labels(good_dir, labels, pattern):
    d = good_split("train_set")
    d["train_set_y"] = labels
    write_h5(good_dir / TRAIN_FILE, **d)
    with pytest.raises(DataError, match=r"train_catvnoncat\.h5: .*" + pattern):
        load_catvnoncat(good_dir)


@pytest.mark.parametrize(
    "labels", [np.array([True, False, True, True, False, False]), np.array([1.0, 0, 1, 1, 0, 0])]
)
def test_bool_and_exact_float_labels_are_accepted(good_dir, labels):
    d = good_split("train_set")
    d["train_set_y"] = labels
    write_h5(good_dir / TRAIN_FILE, **d)
    assert load_catvnoncat(good_dir)[1].tolist() == [[1, 0, 1, 1, 0, 0]]


def test_train_and_test_sizes_differ(good_dir):
    write_h5(good_dir / TEST_FILE, **good_split("test_set", m=4, size=16))
    with pytest.raises(DataError, match=r"\(8, 8, 3\).*\(16, 16, 3\).*same size"):
        load_catvnoncat(good_dir)


def test_classes_differ(good_dir):
    d = good_split("test_set", m=4)
    d["list_classes"] = np.array([b"dog", b"cat"], dtype="S7")
    write_h5(good_dir / TEST_FILE, **d)
    with pytest.raises(DataError, match="list_classes differs"):
        load_catvnoncat(good_dir)


def test_bad_list_classes(good_dir):
    d = good_split("train_set")
    d["list_classes"] = np.array([1, 2])
    write_h5(good_dir / TRAIN_FILE, **d)
    with pytest.raises(DataError, match=r"train_catvnoncat\.h5: list_classes must hold strings"):
        load_catvnoncat(good_dir)


def test_key_that_is_a_group(good_dir):
    with h5py.File(good_dir / TRAIN_FILE, "a") as f:
        del f["train_set_y"]
        f.create_group("train_set_y")
    with pytest.raises(DataError, match="train_set_y' is a group"):
        load_catvnoncat(good_dir)


def test_not_an_hdf5_file(good_dir):
    (good_dir / TRAIN_FILE).write_bytes(b"this is not HDF5 at all" * 10)
    with pytest.raises(DataError, match=r"train_catvnoncat\.h5: cannot read as HDF5") as info:
        load_catvnoncat(good_dir)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_empty_file(good_dir):
    (good_dir / TEST_FILE).write_bytes(b"")
    with pytest.raises(DataError, match=r"test_catvnoncat\.h5: cannot read as HDF5"):
        load_catvnoncat(good_dir)


def test_truncated_file(tmp_path):
    write_synthetic_catvnoncat(tmp_path, seed=0, n_train=20, n_test=5, image_size=16)
    path = tmp_path / TRAIN_FILE
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 100):
        path.write_bytes(data[:cut])
        with pytest.raises(DataError, match=r"train_catvnoncat\.h5"):
            load_catvnoncat(tmp_path)


def test_corrupted_bytes(tmp_path):
    """Garbage over the start of the file (the superblock) is reported, not a traceback."""
    write_synthetic_catvnoncat(tmp_path, seed=0, n_train=20, n_test=5, image_size=16)
    path = tmp_path / TEST_FILE
    data = bytearray(path.read_bytes())
    data[:64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"test_catvnoncat\.h5: cannot read as HDF5"):
        load_catvnoncat(tmp_path)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
    assert CLASSES.dtype == np.dtype("S7")


# ---------------------------------------------------------------------------
# The real data set, when present
# ---------------------------------------------------------------------------


def test_real_data_loads(real_data_dir):
    train_x, train_y, test_x, test_y, classes = load_catvnoncat(real_data_dir)
    assert train_x.shape == (12288, 209) and train_y.shape == (1, 209)
    assert test_x.shape == (12288, 50) and test_y.shape == (1, 50)
    assert train_x.dtype == np.float64 and 0 <= train_x.min() and train_x.max() <= 1
    assert classes.tolist() == [b"non-cat", b"cat"]
    assert int(train_y.sum()) == 72 and int(test_y.sum()) == 33
    train_images, *_ = load_catvnoncat_images(real_data_dir)
    assert train_images.shape == (209, 64, 64, 3) and train_images.dtype == np.uint8
    np.testing.assert_array_equal(train_x, train_images.reshape(209, -1).T / 255.0)


def test_real_data_matches_the_course_first_cost(real_data_dir):
    """Seed 1, xavier init and the forward pass on the real data give the course's first cost.

    (Run for 101 iterations the loop also gives the course's 0.672053 at iteration 100;
    that takes too long for the test suite.)
    """
    train_x, train_y, *_ = load_catvnoncat(real_data_dir)
    _, costs = manual.L_layer_model(train_x, train_y, [12288, 20, 7, 5, 1], num_iterations=1, init="xavier")
    # The course prints six decimals: within half a unit of the last one, not rounded
    # to it (a cost a hair from a rounding boundary would flip with numpy's version).
    assert [i for i, _ in costs] == [0]
    assert costs[0][1] == pytest.approx(0.771749, abs=5e-7)
