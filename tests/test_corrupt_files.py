"""Damaged, foreign and hostile files, and writes interrupted halfway.

``BinaryClassifier.load`` must raise ``nets.ModelFileError`` (one line, naming the
file) for anything but a model it wrote, never OSError, KeyError, RuntimeError...;
``nets.data`` the same with ``DataError`` (tests/test_data.py covers the data
files' formats; here are the damage and hostile cases it does not). Every writer
leaves the old file intact, and no temporary file, when it fails or is
interrupted. Nothing is ever unpickled.
"""
import json
import os
import re
from pathlib import Path

import h5py
import matplotlib.image as mpimg
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nets
from nets import BinaryClassifier, DataError, ModelFileError
from nets.atomic import save_figure, write_json, write_text
from nets.data import TEST_FILE, TRAIN_FILE, load_catvnoncat, read_image_file, write_synthetic_catvnoncat

LAYERS = [12, 5, 3, 1]
FILES = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow,
                                                         HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.h5"
    BinaryClassifier(LAYERS, seed=3).save(path)
    return path.read_bytes()


@pytest.fixture
def saved(tmp_path):
    """A freshly saved model and its path, to damage."""
    model = BinaryClassifier(LAYERS, seed=3)
    path = tmp_path / "model.h5"
    model.save(path)
    return model, path


def assert_model_file_error(path, match=None):
    with pytest.raises(Exception) as info:
        BinaryClassifier.load(path)
    exc = info.value
    assert type(exc) is ModelFileError, f"{type(exc).__name__}: {exc}"
    message = str(exc)
    assert str(path) in message and "\n" not in message, message
    if match is not None:
        assert re.search(match, message), message
    return message


def assert_same_model(a, b):
    assert a.layer_dims == b.layer_dims
    for key, value in a.parameters.items():
        np.testing.assert_array_equal(b.parameters[key], value, err_msg=key)


# ---------------------------------------------------------------------------
# Damaged model files
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999])
def test_truncated_model_file(tmp_path, model_bytes, fraction):
    path = tmp_path / "model.h5"
    path.write_bytes(model_bytes[:int(len(model_bytes) * fraction)])
    assert_model_file_error(path)


@FILES
@given(data=st.data())
def test_truncated_model_file_at_any_offset(tmp_path_factory, model_bytes, data):
    cut = data.draw(st.integers(0, len(model_bytes) - 1), label="cut")
    path = tmp_path_factory.mktemp("cut") / "model.h5"
    path.write_bytes(model_bytes[:cut])
    assert_model_file_error(path)


@FILES
@given(data=st.data())
def test_flipped_bytes_load_or_raise_model_file_error(tmp_path_factory, model_bytes, data):
    """Random damage anywhere: either harmless (padding, the seed...) or a ModelFileError, nothing else."""
    damaged = bytearray(model_bytes)
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        where = data.draw(st.integers(0, len(damaged) - 1))
        damaged[where] = data.draw(st.integers(0, 255).filter(lambda b, old=damaged[where]: b != old))
    path = tmp_path_factory.mktemp("flip") / "model.h5"
    path.write_bytes(bytes(damaged))
    try:
        model = BinaryClassifier.load(path)
    except ModelFileError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
    else:
        assert model.layer_dims == LAYERS or all(np.isfinite(v).all() for v in model.parameters.values())


def _data_offset(path, name):
    with h5py.File(path, "r") as f:
        dataset = f[name]
        if dataset.id.get_offset() is not None:
            return dataset.id.get_offset(), dataset.id.get_storage_size()
        # Chunked storage (the checksummed layout that save() writes): one chunk.
        info = dataset.id.get_chunk_info(0)
        return info.byte_offset, info.size


def test_bytes_flipped_in_the_header_middle(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[:64] = b"\xff" * 64  # the superblock
    path.write_bytes(bytes(data))
    assert_model_file_error(path, "not a readable HDF5 file")


def test_bytes_flipped_into_nan_weights(saved):
    _, path = saved
    offset, size = _data_offset(path, "W2")
    data = bytearray(path.read_bytes())
    data[offset + 8: offset + 16] = np.array([np.nan]).tobytes()
    path.write_bytes(bytes(data))
    # The checksum catches the change before the NaN check would.
    assert_model_file_error(path)


def test_bytes_flipped_in_the_weights_are_detected(saved):
    _, path = saved
    offset, size = _data_offset(path, "W1")
    data = bytearray(path.read_bytes())
    data[offset + size // 2] ^= 0x01  # a finite weight, one bit off
    path.write_bytes(bytes(data))
    assert_model_file_error(path)


# ---------------------------------------------------------------------------
# Well-formed HDF5 with the wrong content
# ---------------------------------------------------------------------------


def _edit(path, change):
    with h5py.File(path, "a") as f:
        change(f)


def _replace(name, value, **kwargs):
    def change(f):
        del f[name]
        f.create_dataset(name, data=value, **kwargs)
    return change


def _swap(a, b):
    def change(f):
        f.move(a, "tmp")
        f.move(b, a)
        f.move("tmp", b)
    return change


def _set_attr(key, value):
    def change(f):
        f.attrs[key] = value
    return change


def _del_attr(key):
    def change(f):
        del f.attrs[key]
    return change


def _ragged(shape, dtype):
    """An object array of variable-length arrays (h5py's vlen data)."""
    out = np.empty(shape, dtype=object)
    for i, index in enumerate(np.ndindex(shape)):
        out[index] = np.arange(i % 3 + 1, dtype=dtype)
    return out


W1 = np.zeros((5, 12))
CONTENT_CASES = {
    "W1<->W2": (_swap("W1", "W2"), r"W1 has shape \(3, 5\), expected \(5, 12\)"),
    "b1<->W1": (_swap("b1", "W1"), r"W1 has shape"),
    "W3<->b3": (_swap("W3", "b3"), r"shape"),
    "int weights": (_replace("W1", W1.astype(np.int64)), r"W1 has dtype int64, expected floats"),
    "bool weights": (_replace("W1", W1.astype(bool)), r"W1 has dtype bool"),
    "string weights": (_replace("W1", np.full((5, 12), b"0.5")), r"W1 has dtype \|S3"),
    "vlen string weights": (_replace("W1", np.full((5, 12), "0.5", dtype=object),
                                     dtype=h5py.string_dtype()), r"W1 has dtype object"),
    "vlen float weights": (_replace("b1", _ragged((5, 1), np.float64), dtype=h5py.vlen_dtype(np.float64)),
                           r"b1 has dtype object"),
    "compound weights": (_replace("W1", np.zeros((5, 12), dtype=[("a", "f8"), ("b", "f8")])), r"W1 has dtype"),
    "complex weights": (_replace("W1", W1.astype(complex)), r"W1 has dtype"),
    "transposed W1": (_replace("W1", W1.T), r"W1 has shape \(12, 5\), expected \(5, 12\)"),
    "flat b1": (_replace("b1", np.zeros(5)), r"b1 has shape \(5,\), expected \(5, 1\)"),
    "scalar b1": (_replace("b1", 0.0), r"b1 has shape \(\)"),
    "nan weight": (_replace("W1", np.where(np.eye(5, 12) > 0, np.nan, W1)), r"W1 contains NaN"),
    "inf bias": (_replace("b2", np.full((3, 1), -np.inf)), r"b2 contains NaN or infinite"),
    "group for W1": (lambda f: (f.__delitem__("W1"), f.create_group("W1")), r"W1 is a Group, not a dataset"),
    "missing b3": (lambda f: f.__delitem__("b3"), r"the dataset 'b3' is missing"),
    "soft link W1": (lambda f: (f.__delitem__("W1"), f.__setitem__("W1", h5py.SoftLink("/W2"))),
                     r"W1 is a SoftLink"),
    "dangling link": (lambda f: (f.__delitem__("W1"), f.__setitem__("W1", h5py.SoftLink("/nowhere"))),
                      r"W1 is a SoftLink"),
    "external link": (lambda f: (f.__delitem__("W1"), f.__setitem__("W1", h5py.ExternalLink("/etc/passwd", "/x"))),
                      r"W1 is a ExternalLink"),
    "format": (_set_attr("format", "something.else"), r"not a BinaryClassifier model file"),
    "format bytes": (_set_attr("format", np.bytes_(b"\xff\xfe")), r"not a BinaryClassifier model file"),
    "format array": (_set_attr("format", np.array([b"a", b"b"])), r"not a BinaryClassifier model file"),
    "no format": (_del_attr("format"), r"not a BinaryClassifier model file"),
    "version 2": (_set_attr("version", 2), r"unsupported model file version 2"),
    "version array": (_set_attr("version", np.array([1, 1])), r"unsupported model file version"),
    "version string": (_set_attr("version", "1"), r"unsupported model file version"),
    "version float": (_set_attr("version", 1.5), r"unsupported model file version"),
    "no version": (_del_attr("version"), r"'version' is missing"),
    "no layer_dims": (_del_attr("layer_dims"), r"'layer_dims' is missing"),
    "no init": (_del_attr("init"), r"'init' is missing"),
    "no seed": (_del_attr("seed"), r"'seed' is missing"),
    "no dtype": (_del_attr("dtype"), r"'dtype' is missing"),
    "no cost": (_del_attr("cost"), r"'cost' is missing"),
    "layer_dims floats": (_set_attr("layer_dims", np.array([12.0, 5.0, 3.0, 1.0])), r"list of integers"),
    "layer_dims 2-D": (_set_attr("layer_dims", np.array([[12, 5, 3, 1]])), r"list of integers"),
    "layer_dims strings": (_set_attr("layer_dims", "12,5,3,1"), r"list of integers"),
    "layer_dims zero": (_set_attr("layer_dims", np.array([12, 0, 3, 1])), r"layer_dims must be positive"),
    "layer_dims huge": (_set_attr("layer_dims", np.array([12, 2**40, 3, 1])), r"parameters; at most"),
    "layer_dims last 2": (_set_attr("layer_dims", np.array([12, 5, 3, 2])), r"must end in 1"),
    "layer_dims short": (_set_attr("layer_dims", np.array([12, 5, 1])), r"W2 has shape"),
    "init unknown": (_set_attr("init", "zero"), r"unknown init 'zero'"),
    "init number": (_set_attr("init", 3), r"'init' must be a string"),
    "dtype float16": (_set_attr("dtype", "float16"), r"dtype 'float16'"),
    "cost unknown": (_set_attr("cost", "cheap"), r"cost must be one of"),
    "seed string": (_set_attr("seed", "one"), r"'seed' must be one integer"),
    "seed float": (_set_attr("seed", 1.5), r"'seed' must be one integer"),
    "seed array": (_set_attr("seed", np.array([1, 2])), r"'seed' must be one integer"),
    "seed huge": (_set_attr("seed", 2**40), r"[Ss]eed must be"),
}


@pytest.mark.parametrize("case", sorted(CONTENT_CASES))
def test_wrong_content_is_a_model_file_error_naming_the_problem(saved, case):
    change, match = CONTENT_CASES[case]
    _, path = saved
    _edit(path, change)
    assert_model_file_error(path, match)


def test_object_datasets_are_never_read(saved, monkeypatch):
    """An object (vlen) dataset is refused from its dtype, before any of it is read."""
    _, path = saved
    _edit(path, _replace("W1", np.full((5, 12), "0.5", dtype=object), dtype=h5py.string_dtype()))
    read = []
    original = h5py.Dataset.__getitem__
    monkeypatch.setattr(h5py.Dataset, "__getitem__", lambda self, key: read.append(self.name) or original(self, key))
    assert_model_file_error(path, "dtype object")
    assert read == []


def test_extra_content_is_ignored(saved):
    model, path = saved
    _edit(path, lambda f: (f.create_dataset("W9", data=np.zeros(3)), f.create_group("notes"),
                           f.attrs.__setitem__("comment", "hello")))
    assert_same_model(model, BinaryClassifier.load(path))


# ---------------------------------------------------------------------------
# Not model files at all
# ---------------------------------------------------------------------------


def test_a_data_file_is_not_a_model(tmp_path):
    train, test = write_synthetic_catvnoncat(tmp_path, seed=0, n_train=4, n_test=2, image_size=8)
    for path in (train, test):
        assert_model_file_error(path, "not a BinaryClassifier model file")


def test_an_empty_hdf5_file_is_not_a_model(tmp_path):
    path = tmp_path / "empty.h5"
    h5py.File(path, "w").close()
    assert_model_file_error(path, "not a BinaryClassifier model file")


@pytest.mark.parametrize("content", ["text", "png", "empty", "hdf5 signature only", "json", "zeros"])
def test_non_hdf5_files(tmp_path, content):
    path = tmp_path / "model.h5"
    if content == "text":
        path.write_text("W1 = [[1, 2], [3, 4]]\n")
    elif content == "png":
        mpimg.imsave(tmp_path / "x.png", np.zeros((4, 4, 3)))
        path.write_bytes((tmp_path / "x.png").read_bytes())
    elif content == "empty":
        path.write_bytes(b"")
    elif content == "hdf5 signature only":
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 40)
    elif content == "json":
        path.write_text(json.dumps({"format": "autograd_mini.nets.BinaryClassifier"}))
    else:
        path.write_bytes(b"\x00" * 4096)
    assert_model_file_error(path, "not a readable HDF5 file")


def test_paths_that_are_not_files(tmp_path):
    assert_model_file_error(tmp_path / "absent.h5", "no such model file")
    assert_model_file_error(tmp_path, "no such model file")
    odd = tmp_path / "new\nline.h5"
    BinaryClassifier([2, 1]).save(odd)
    assert BinaryClassifier.load(odd).layer_dims == [2, 1]
    odd.write_text("junk")
    with pytest.raises(ModelFileError) as info:
        BinaryClassifier.load(odd)
    assert "\n" not in str(info.value) and "new\\nline.h5" in str(info.value)
    with pytest.raises(ModelFileError, match="no such model file"):
        BinaryClassifier.load(str(tmp_path / "a\0b"))
    with pytest.raises(TypeError, match="path must be a file name"):
        BinaryClassifier.load(None)
    with pytest.raises(TypeError, match="path must be a file name"):
        BinaryClassifier.load(3)


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError) and issubclass(DataError, ValueError)


# ---------------------------------------------------------------------------
# Data files: damage beyond tests/test_data.py
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_bytes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    write_synthetic_catvnoncat(folder, seed=0, n_train=6, n_test=4, image_size=8)
    return (folder / TRAIN_FILE).read_bytes(), (folder / TEST_FILE).read_bytes()


def _assert_data_error(directory, name):
    with pytest.raises(Exception) as info:
        load_catvnoncat(directory)
    exc = info.value
    assert type(exc) is DataError, f"{type(exc).__name__}: {exc}"
    assert name in str(exc) and "\n" not in str(exc), str(exc)


@FILES
@given(data=st.data())
def test_damaged_data_files_load_or_raise_data_error(tmp_path_factory, data_bytes, data):
    which = data.draw(st.sampled_from([0, 1]), label="file")
    damaged = bytearray(data_bytes[which])
    if data.draw(st.booleans(), label="truncate"):
        del damaged[data.draw(st.integers(0, len(damaged) - 1), label="cut"):]
        truncated = True
    else:
        truncated = False
        for _ in range(data.draw(st.integers(1, 8), label="flips")):
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    folder = tmp_path_factory.mktemp("damaged")
    names = (TRAIN_FILE, TEST_FILE)
    for i, name in enumerate(names):
        (folder / name).write_bytes(bytes(damaged) if i == which else data_bytes[i])
    if truncated:
        _assert_data_error(folder, names[which])
        return
    try:
        load_catvnoncat(folder)
    except DataError as exc:
        assert str(folder) in str(exc) and "\n" not in str(exc)


def _good_split(prefix, m=4):
    return {prefix + "_x": np.zeros((m, 8, 8, 3), np.uint8), prefix + "_y": np.arange(m) % 2,
            "list_classes": np.array([b"non-cat", b"cat"])}


@pytest.mark.parametrize("key, dataset, match", [
    ("train_set_x", dict(data=_ragged((4,), np.uint8), dtype=h5py.vlen_dtype(np.uint8)), r"holds object values"),
    ("train_set_y", dict(data=_ragged((4,), np.int64), dtype=h5py.vlen_dtype(np.int64)), r"holds object values"),
    ("train_set_x", dict(data=np.zeros((4, 8, 8, 3), dtype=[("r", "u1")])), r"holds \[\('r', 'u1'\)\] values"),
    ("train_set_x", dict(shape=(2**20, 64, 64, 3), dtype=np.uint8, chunks=(1, 64, 64, 3)), r"more than the"),
    ("train_set_y", dict(data=h5py.Empty("i8")), r"empty"),
    ("train_set_x", dict(data=np.full((4, 8, 8, 3), "1", dtype=object), dtype=h5py.string_dtype()),
     r"integers 0\.\.255"),
])
def test_hostile_data_sets_are_refused_before_reading(tmp_path, key, dataset, match):
    for prefix, name in (("train_set", TRAIN_FILE), ("test_set", TEST_FILE)):
        with h5py.File(tmp_path / name, "w") as f:
            for k, v in _good_split(prefix).items():
                if k == key:
                    f.create_dataset(k, **dataset)
                else:
                    f.create_dataset(k, data=v)
    with pytest.raises(DataError, match=rf"train_catvnoncat\.h5: .*{match}"):
        load_catvnoncat(tmp_path)


def test_linked_data_sets_are_refused(tmp_path):
    write_synthetic_catvnoncat(tmp_path, seed=0, n_train=4, n_test=2, image_size=8)
    with h5py.File(tmp_path / TEST_FILE, "a") as f:
        del f["test_set_x"]
        f["test_set_x"] = h5py.ExternalLink(str(tmp_path / TRAIN_FILE), "/train_set_x")
    with pytest.raises(DataError, match=r"test_catvnoncat\.h5: 'test_set_x' is a ExternalLink"):
        load_catvnoncat(tmp_path)


def test_a_model_file_is_not_data(tmp_path):
    BinaryClassifier([192, 1]).save(tmp_path / "model.h5")
    with pytest.raises(DataError, match=r"model\.h5: no images key"):
        read_image_file(tmp_path / "model.h5")
    for name in (TRAIN_FILE, TEST_FILE):
        BinaryClassifier([192, 1]).save(tmp_path / name)
    _assert_data_error(tmp_path, TRAIN_FILE)


def test_data_paths_of_the_wrong_type_name_the_argument(tmp_path):
    with pytest.raises(TypeError, match="directory must be a path"):
        load_catvnoncat(None)
    with pytest.raises(TypeError, match="directory must be a path"):
        nets.load_catvnoncat_images(3)
    with pytest.raises(TypeError, match="path must be a path"):
        read_image_file(None)
    with pytest.raises(DataError, match="NUL"):
        load_catvnoncat(str(tmp_path) + "\0")
    with pytest.raises(DataError) as info:
        load_catvnoncat(tmp_path / "line\nbreak")
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------
# Interrupted writes leave the old file and no temporary file
# ---------------------------------------------------------------------------


def _fail_after_first_dataset(monkeypatch, exception):
    original = h5py.Group.create_dataset
    calls = []

    def create_dataset(self, *args, **kwargs):
        if calls:
            raise exception
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)
    return calls


@pytest.mark.parametrize("exception", [KeyboardInterrupt(), OSError(28, "No space left on device"),
                                       RuntimeError("boom")], ids=lambda e: type(e).__name__)
def test_interrupted_model_save_keeps_the_old_file(tmp_path, monkeypatch, exception):
    path = tmp_path / "model.h5"
    a = BinaryClassifier(LAYERS, seed=1)
    a.save(path)
    b = BinaryClassifier(LAYERS, seed=2)
    calls = _fail_after_first_dataset(monkeypatch, exception)
    with pytest.raises(type(exception)):
        b.save(path)
    assert len(calls) == 1  # it did fail midway
    monkeypatch.undo()
    assert_same_model(a, BinaryClassifier.load(path))
    assert os.listdir(tmp_path) == ["model.h5"]


def test_interrupted_first_save_leaves_no_file(tmp_path, monkeypatch):
    _fail_after_first_dataset(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        BinaryClassifier(LAYERS).save(tmp_path / "model.h5")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_is_an_os_error_and_leaves_nothing(tmp_path):
    with pytest.raises(OSError):
        BinaryClassifier(LAYERS).save(tmp_path / "missing" / "model.h5")
    assert os.listdir(tmp_path) == []


def test_interrupted_data_write_keeps_the_old_files(tmp_path, monkeypatch):
    write_synthetic_catvnoncat(tmp_path, seed=0, n_train=4, n_test=2, image_size=8)
    before = load_catvnoncat(tmp_path)
    _fail_after_first_dataset(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_synthetic_catvnoncat(tmp_path, seed=5, n_train=6, n_test=3, image_size=8, overwrite=True)
    monkeypatch.undo()
    after = load_catvnoncat(tmp_path)
    for x, y in zip(before, after):
        np.testing.assert_array_equal(x, y)
    assert sorted(os.listdir(tmp_path)) == sorted([TRAIN_FILE, TEST_FILE])


def test_refused_or_interrupted_json_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "metrics.json"
    write_json(path, {"cost": 0.5})
    with pytest.raises(ValueError):
        write_json(path, {"cost": float("nan")})
    with pytest.raises(TypeError):
        write_json(path, {"cost": object()})
    original = os.replace

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_json(path, {"cost": 0.25})
    monkeypatch.setattr(os, "replace", original)
    assert json.loads(path.read_text()) == {"cost": 0.5}
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_interrupted_text_write_keeps_the_old_file(tmp_path):
    from nets.atomic import atomic_write

    path = tmp_path / "notes.txt"
    write_text(path, "old\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path) as f:
            f.write("half of the new")
            raise KeyboardInterrupt
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["notes.txt"]


def test_figure_that_fails_midway_keeps_the_old_picture(tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "costs.png"
    good = Figure(figsize=(1, 1))
    good.add_subplot().plot([0, 1])
    save_figure(good, path)
    old = path.read_bytes()

    class Broken(Figure):
        def savefig(self, fname, **kwargs):
            Path(fname).write_bytes(b"\x89PNG half")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        save_figure(Broken(), path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["costs.png"]
    assert mpimg.imread(path).shape[:2] == (100, 100)


# ---------------------------------------------------------------------------
# No pickle anywhere
# ---------------------------------------------------------------------------


def test_no_pickle_in_the_code():
    root = Path(nets.__file__).resolve().parents[1]
    pattern = re.compile(r"\bpickle\b|\bdill\b|\bjoblib\b|allow_pickle\s*=\s*True|\bnp\.load\(|\bmarshal\b"
                         r"|\bshelve\b|\beval\(|\bexec\(")
    # autograd_mini.compile runs the source it generates, and nothing else: tensor names
    # become plain identifiers and numbers are written by repr (tests/engine/test_compile.py).
    allowed = {("autograd_mini/compiler.py",
                'exec(builtins.compile(source, "<autograd_mini.compile>", "exec"), namespace)')}
    offenders = []
    for package in ("nets", "autograd_mini"):
        for path in sorted((root / package).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line) and (path.relative_to(root).as_posix(), line.strip()) not in allowed:
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []
