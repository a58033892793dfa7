"""The nets API and command line, tried as a hostile user would.

Every malformed input must give a clean error of a documented type (TypeError or
ValueError, which nets.DataError and nets.ModelFileError are) whose message names
the argument, leave the model's parameters as they were, and never escape as an
IndexError, KeyError, AttributeError, ZeroDivisionError or a warning from deep
inside numpy. The command line turns each into exit status 2 and one line on
stderr.
"""
import contextlib
import itertools
import math
import os
import tempfile
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import nets
from nets import BinaryClassifier
from nets.cli import main
from nets.validation import MAX_PARAMETERS

N_X = 4
FORBIDDEN = (IndexError, KeyError, AttributeError, ZeroDivisionError, FloatingPointError, OverflowError)


@contextlib.contextmanager
def warnings_as_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def assert_clean_refusal(exc, name):
    """A documented exception type, one line, naming the argument."""
    assert isinstance(exc, (TypeError, ValueError)), f"{type(exc).__name__}: {exc}"
    assert not isinstance(exc, FORBIDDEN), f"{type(exc).__name__}: {exc}"
    message = str(exc)
    assert "\n" not in message, message
    if name is not None:
        assert name.lower() in message.lower(), f"{name!r} not named in: {message}"


# ---------------------------------------------------------------------------
# Values: good ones, and bad ones that must all be refused
# ---------------------------------------------------------------------------


def good_X(m):
    return st.lists(st.floats(-3, 3), min_size=N_X * m, max_size=N_X * m).map(
        lambda v: np.array(v).reshape(N_X, m))


def good_Y(m):
    return st.lists(st.integers(0, 1), min_size=m, max_size=m).map(lambda v: np.array([v]))


def bad_X(m):
    finite = np.linspace(-1, 1, N_X * m).reshape(N_X, m)

    def with_value(value):
        X = finite.copy()
        X[0, 0] = value
        return X

    return st.one_of(
        st.sampled_from([np.nan, np.inf, -np.inf]).map(with_value),
        st.sampled_from([
            finite[:-1], np.vstack([finite, finite]), finite.reshape(-1), finite[None],  # shapes
            finite.T if m != N_X else finite[:, :0],
            np.zeros((N_X, 0)),  # zero examples
            finite.astype(object), finite.astype(str), finite.astype(complex),  # dtypes
            None, "X", {"X": 1}, 3.0, [[1, 2], [3]], [[10**30] * m] * N_X,
            np.array([["a"] * m] * N_X), np.zeros((N_X, m), dtype="datetime64[s]"),
        ]),
    )


def bad_Y(m):
    return st.one_of(
        st.sampled_from([2, -1, 0.5, np.nan, np.inf, 1 + 1e-9]).map(lambda v: np.array([[v] + [0] * (m - 1)])),
        st.sampled_from([
            np.zeros((2, m)), np.zeros((1, m + 1)), np.zeros(m + 1), np.zeros((m, 1, 1)), np.zeros(()),
            np.zeros((1, m), dtype=object), np.array([["1"] * m]), np.zeros((1, m), complex),
            None, "Y", [[0, 1], [1]], np.zeros((1, m), dtype="datetime64[s]"),
        ]).filter(lambda Y: not (isinstance(Y, np.ndarray) and Y.shape in ((1, m), (m,)) and Y.dtype.kind in "biuf")),
    )


BAD_COUNTS = [0, -1, -(10**30), 2.5, 2.0, float("nan"), "3", None, True, np.float64(2), [2], 1 + 0j]
BAD_VALUES = {
    "learning_rate": [0, 0.0, -0.1, -1e-300, float("nan"), float("inf"), float("-inf"), 1e6, 101.0, 10**400,
                      Fraction(10**400, 3), "0.1", None, True, [0.1], 1j, np.array([0.1, 0.2])],
    "iterations": [c for c in BAD_COUNTS if c is not None],  # None: the default, 2500
    "print_every": BAD_COUNTS,
    "optimizer": ["sgd", "", "Adam", None, 1, ("gd",)],
    "l2": [-0.1, float("nan"), float("inf"), "0.1", None, True, [0.1], 1j],
    "keep_prob": [0, 0.0, -0.5, 1.5, float("nan"), "0.5", None, True],
    "decay": ["linear", "", "Inverse", 1, True],
    "beta": [1.0, -0.1, 1.5, float("nan"), "0.9", None, True],
    "batch_size": [c for c in BAD_COUNTS if c is not None],
    "solver": ["magic", "", "AUTO", None, 3, ("auto",), "gram "],
    "layer_dims": [[], [N_X], [N_X, 0, 1], [N_X, -1, 1], [N_X, 2], [N_X, 2, 2], [N_X, 2, 0], [float(N_X), 1],
                   [str(N_X), 1], None, "4,1", N_X, [True, 1], [N_X, 2.5, 1], [[N_X], [1]], {N_X: 1, 1: 1},
                   {N_X, 1}, np.array(N_X), np.array([[N_X, 1]]), [N_X, 10**9, 1], [N_X, 10**400, 1],
                   [N_X, MAX_PARAMETERS, 1], [N_X, None, 1], [N_X, np.nan, 1], b"\x04\x01"],
    "init": ["zero", "", "Xavier", None, 0, "he "],
    "seed": [-1, 1.5, 1.0, "1", True, 2**32, 2**70, -(10**30)],
    "dtype": ["float16", "int64", "", "float", np.float16, object, "garbage", "f8x"],
    "cost": ["cheap", "", None, 0, "Stable"],
}
GOOD_VALUES = {
    "learning_rate": st.one_of(st.floats(1e-4, 0.5), st.sampled_from([np.float32(0.01), Fraction(1, 10), 1])),
    "iterations": st.integers(1, 3) | st.just(np.int64(2)),
    "print_every": st.integers(1, 5),
    "batch_size": st.none() | st.integers(1, 8),
    "optimizer": st.sampled_from(["gd", "momentum", "adam"]),
    "l2": st.sampled_from([0.0, 0.1, 1]),
    "keep_prob": st.sampled_from([1.0, 0.8, 0.5]),
    "decay": st.sampled_from([None, "inverse", "scheduled"]),
    "beta": st.floats(0, 0.99),
    "solver": st.sampled_from(["auto", "backprop", "gram"]),
    "layer_dims": st.lists(st.integers(1, 4), max_size=3).map(lambda h: [N_X, *h, 1])
                  | st.just(np.array([N_X, 3, 1])) | st.just((N_X, 1)),
    "init": st.sampled_from(["small", "xavier", "he", "zeros", "large"]),
    "seed": st.none() | st.integers(0, 2**32 - 1),
    "dtype": st.sampled_from(["float64", "float32", np.float32, np.dtype("float64")]),
    "cost": st.sampled_from(["stable", "faithful"]),
}
FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def draw_arguments(data, names, bad):
    return {name: data.draw(st.sampled_from(BAD_VALUES[name]) if name == bad else GOOD_VALUES[name], label=name)
            for name in names}


# ---------------------------------------------------------------------------
# The Python API
# ---------------------------------------------------------------------------

CONSTRUCTOR = ("layer_dims", "init", "seed", "dtype", "cost")
FIT = ("learning_rate", "iterations", "print_every", "solver", "batch_size", "optimizer", "l2", "keep_prob",
       "decay", "beta")


@FUZZ
@given(data=st.data())
def test_constructor_refuses_each_bad_argument_by_name(data):
    bad = data.draw(st.sampled_from((None,) + CONSTRUCTOR), label="bad")
    kwargs = draw_arguments(data, CONSTRUCTOR, bad)
    with warnings_as_errors():
        try:
            model = BinaryClassifier(**kwargs)
        except Exception as exc:  # noqa: BLE001 - the point is which ones
            assert bad is not None, f"good arguments refused: {exc!r}"
            assert_clean_refusal(exc, bad)
            return
    assert bad is None, f"{bad}={kwargs[bad]!r} was accepted"
    assert model.layer_dims[0] == N_X and model.layer_dims[-1] == 1


@FUZZ
@given(data=st.data())
def test_fit_refuses_each_bad_argument_by_name_and_leaves_the_parameters(data):
    m = data.draw(st.integers(1, 6), label="m")
    model = BinaryClassifier([N_X, 3, 1], seed=data.draw(st.integers(0, 100), label="seed"))
    before = model.parameters
    bad = data.draw(st.sampled_from((None, "X", "Y") + FIT), label="bad")
    kwargs = draw_arguments(data, FIT, bad)
    if kwargs["batch_size"] is not None and bad != "iterations":
        kwargs["epochs"] = kwargs.pop("iterations")  # mini-batch training counts epochs
    X = data.draw(bad_X(m) if bad == "X" else good_X(m), label="X")
    Y = data.draw(bad_Y(m) if bad == "Y" else good_Y(m), label="Y")
    with warnings_as_errors():
        try:
            history = model.fit(X, Y, **kwargs)
        except Exception as exc:  # noqa: BLE001
            event("refused")
            mini_batches = bad is None and kwargs["batch_size"] is not None and kwargs["batch_size"] < m
            if bad is None and kwargs["solver"] == "gram" and (
                    mini_batches or kwargs["optimizer"] != "gd" or kwargs["l2"] or kwargs["keep_prob"] < 1):
                bad = "solver"  # gram's documented refusals
            assert bad is not None, f"good arguments refused: {exc!r}"
            assert_clean_refusal(exc, bad)
            after = model.parameters
            for key in before:
                np.testing.assert_array_equal(after[key], before[key], err_msg=key)
            return
    assert bad is None, f"{bad} was accepted: {kwargs.get(bad, X if bad == 'X' else Y)!r}"
    assert len(history) >= 1 and all(math.isfinite(c) for _, c in history)


@FUZZ
@given(data=st.data())
def test_use_methods_refuse_bad_X_and_Y_by_name(data):
    m = data.draw(st.integers(1, 6), label="m")
    model = BinaryClassifier([N_X, 2, 1], seed=0)
    before = model.parameters
    method = data.draw(st.sampled_from(["predict", "predict_proba", "accuracy", "gradients", "batch"]), label="method")
    takes_Y = method in ("accuracy", "gradients", "batch")
    bad = data.draw(st.sampled_from(["X", "Y"] if takes_Y else ["X"]), label="bad")
    X = data.draw(bad_X(m) if bad == "X" else good_X(m), label="X")
    args = (X, data.draw(bad_Y(m) if bad == "Y" else good_Y(m), label="Y")) if takes_Y else (X,)
    with warnings_as_errors(), pytest.raises(Exception) as info:
        getattr(model, method)(*args)
    assert_clean_refusal(info.value, bad)
    after = model.parameters
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


@FUZZ
@given(data=st.data())
def test_load_catvnoncat_refuses_bad_directories(data, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("bad-dirs"))
    empty = os.path.join(root, "empty")
    os.mkdir(empty)
    for name in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        os.mkdir(os.path.join(empty, name + ".d"))  # similar names, not the files
    a_file = os.path.join(root, "a_file")
    with open(a_file, "w") as f:
        f.write("x")
    half = os.path.join(root, "half")
    os.mkdir(half)
    with open(os.path.join(half, "train_catvnoncat.h5"), "w") as f:
        f.write("not hdf5")
    directory = data.draw(st.one_of(
        st.sampled_from([empty, a_file, half, os.path.join(root, "missing"), "", "\0", root + "\0x",
                         None, 3, 2.5, [root], b"\xff\xfe/no"]),
        st.text(min_size=1, max_size=20).map(lambda t: os.path.join(root, "nope", t)),
    ), label="directory")
    with warnings_as_errors(), pytest.raises(Exception) as info:
        nets.load_catvnoncat(directory)
    exc = info.value
    assert_clean_refusal(exc, None)
    if isinstance(exc, TypeError):
        assert "directory" in str(exc)
    else:
        assert isinstance(exc, nets.DataError)


def test_repeated_refusals_leave_a_trained_model_usable():
    X, Y = np.random.RandomState(0).randn(N_X, 6), np.array([[0, 1, 1, 0, 1, 0]])
    model = BinaryClassifier([N_X, 3, 1], seed=3)
    model.fit(X, Y, iterations=5, learning_rate=0.1)
    before = model.parameters
    for bad in ({"learning_rate": float("nan")}, {"iterations": 0}, {"solver": "magic"}, {"batch_size": -1}):
        with pytest.raises((TypeError, ValueError)):
            model.fit(X, Y, **bad)
    with pytest.raises(ValueError):
        model.fit(np.where(X > 1, np.nan, X), Y)
    for key, value in model.parameters.items():
        np.testing.assert_array_equal(value, before[key])
    model.fit(X, Y, iterations=5, learning_rate=0.1)


# Gaps that need changes outside the files this suite may touch (see the report of
# the robustness issue): each still fails with a TypeError/ValueError, but the
# message does not name the argument, or a wrong value is accepted.
MODEL_PY_GAPS = [
    pytest.param({"init": ["xavier"]}, "init", id="init-unhashable"),
    pytest.param({"cost": np.array(["stable", "faithful"])}, "cost", id="cost-array"),
    pytest.param({"dtype": 3}, "dtype", id="dtype-int"),
    pytest.param({"dtype": [1]}, "dtype", id="dtype-list"),
    pytest.param({"dtype": None}, "dtype", id="dtype-None-accepted-as-float64"),
]


@pytest.mark.parametrize("kwargs, name", MODEL_PY_GAPS)
def test_constructor_names_the_argument_for_odd_types(kwargs, name):
    with pytest.raises((TypeError, ValueError)) as info:
        BinaryClassifier([N_X, 1], **kwargs)
    assert_clean_refusal(info.value, name)


def test_set_parameters_missing_name_is_a_value_error():
    model = BinaryClassifier([N_X, 1])
    with pytest.raises(ValueError, match="W1"):
        model.set_parameters({})


def test_divergence_is_reported_without_numpy_warnings():
    X = np.full((N_X, 3), 1e200)
    with warnings_as_errors(), pytest.raises(nets.TrainingDiverged):
        BinaryClassifier([N_X, 3, 1]).fit(X, [[0, 1, 0]], iterations=5)


def test_divergence_is_training_diverged_when_warnings_are_not_errors():
    X = np.full((N_X, 3), 1e200)
    model = BinaryClassifier([N_X, 3, 1])
    before = model.parameters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(nets.TrainingDiverged, match="iteration 0"):
            model.fit(X, [[0, 1, 0]], iterations=5)
    for key, value in model.parameters.items():
        np.testing.assert_array_equal(value, before[key])


# ---------------------------------------------------------------------------
# What a lenient user passes is accepted
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("convert", [
    lambda X: X.tolist(),
    lambda X: X.astype(np.float32),
    lambda X: np.rint(X * 3).astype(np.int64),
    lambda X: np.rint(X * 3).astype(np.int8),
    lambda X: X > 0,
    lambda X: np.asfortranarray(X),
    lambda X: X[:, ::1].repeat(2, axis=1)[:, ::2],  # a non-contiguous view
], ids=["list-of-lists", "float32", "int64", "int8", "bool", "fortran", "strided"])
@pytest.mark.parametrize("labels", [
    lambda Y: Y.astype(bool), lambda Y: Y.reshape(-1), lambda Y: Y.astype(np.float32), lambda Y: Y.tolist(),
], ids=["bool", "flat", "float32", "list"])
def test_lenient_inputs_are_accepted(convert, labels):
    rng = np.random.RandomState(0)
    X, Y = rng.randn(N_X, 6), np.array([[0, 1, 1, 0, 1, 0]])
    model = BinaryClassifier([N_X, 3, 1], seed=1)
    with warnings_as_errors():
        history = model.fit(convert(X), labels(Y), iterations=3, learning_rate=0.1)
        assert len(history) == 1 + (3 - 1 > 0)
        assert model.predict(convert(X)).shape == (1, 6)
        assert 0.0 <= model.accuracy(convert(X), labels(Y)) <= 1.0
        assert set(model.gradients(convert(X), labels(Y))) == {"dW1", "db1", "dW2", "db2"}


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------

# Tiny synthetic runs: a draw that happens to be valid trains for a few iterations.
BASE = ["--image-size", "8", "--n-train", "8", "--n-test", "4", "--layers", "192,2,1",
        "--iterations", "2", "--print-every", "1", "--no-progress"]
TRAIN_OPTIONS = ["--data", "--layers", "--cost", "--init", "--seed", "--learning-rate", "--iterations",
                 "--print-every", "--dtype", "--solver", "--out", "--overwrite", "--no-progress",
                 "--image-size", "--n-train", "--n-test", "--help", "-h"]
BAD_NUMBERS = ["nan", "-nan", "inf", "-inf", "-1", "0", "1e999", "-1e999", "0x10", "", " ", "1,5", "1.5.2",
               "1e", "--", "-", "١٢", "²", "1" * 5000, "0.0", "-0", "3e-400", "true", "None", "\0", "1\n2"]


def _layers_token(draw_lists):
    return st.one_of(
        st.sampled_from(["192,3,1", "192,1", "192,2,2,1", "192," + "1," * 150 + "1", "192,3,1,",
                         "192,,1", ",192,1", "192;3;1", "192 3 1", "192,3.0,1", "192,-3,1", "192,0,1",
                         "12288,20,7,5,1", "192,100000000000,1", "192," + "100," * 5000 + "1",
                         "192,3,1" + ",1" * 20000, "1,1000000000,1"]),
        draw_lists,
    )


VALUES = {
    "--layers": _layers_token(st.lists(st.integers(-3, 300), min_size=0, max_size=6).map(
        lambda v: ",".join(map(str, v)))),
    "--learning-rate": st.sampled_from(BAD_NUMBERS + ["0.05", "1e-3", "100", "100.0001", "1e2", "5e1"]),
    "--iterations": st.sampled_from(BAD_NUMBERS + ["1", "2", "3", "+2", " 2", "02"]),
    "--print-every": st.sampled_from(BAD_NUMBERS + ["1", "5", "99999999999999999999999"]),
    "--seed": st.sampled_from(BAD_NUMBERS + ["0", "7", "4294967295", "4294967296", "99999999999999999999"]),
    "--n-train": st.sampled_from(BAD_NUMBERS + ["1", "5", "10", "100000000000000"]),
    "--n-test": st.sampled_from(BAD_NUMBERS + ["1", "3", "100000000000000"]),
    "--image-size": st.sampled_from(BAD_NUMBERS + ["8", "7", "9", "100000", "64"]),
    "--cost": st.sampled_from(["stable", "faithful", "", "cheap", "STABLE"]),
    "--init": st.sampled_from(["xavier", "he", "small", "zeros", ""]),
    "--dtype": st.sampled_from(["float64", "float32", "float16", "", "double"]),
    "--solver": st.sampled_from(["auto", "backprop", "gram", "magic", ""]),
    "--data": st.sampled_from(["{tmp}/missing", "{tmp}/a_file", "{tmp}", "", "\0", "{tmp}/empty"]),
    "--out": st.sampled_from(["{tmp}/{run}", "{tmp}/a_file", "{tmp}/a_file/below", "{tmp}/full", "",
                              "{tmp}/{run}/deeper/still", "\0", "/proc/no/such/place"]),
}
FLAGS = ["--overwrite", "--no-progress", "--help", "-h"]


def random_tokens():
    """Junk: any text, but never something argparse would take as one of the real options."""
    def harmless(token):
        return not (token.startswith("-") and len(token) > 1 and any(o.startswith(token.split("=")[0])
                                                                    for o in TRAIN_OPTIONS))
    return st.text(max_size=12).filter(harmless)


@st.composite
def train_argv(draw):
    argv = list(BASE)
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["option", "option", "option", "flag", "junk", "missing-value", "equals"]))
        if kind in ("option", "equals"):
            option = draw(st.sampled_from(sorted(VALUES)))
            value = draw(VALUES[option])
            argv += [f"{option}={value}"] if kind == "equals" else [option, value]
        elif kind == "flag":
            argv.append(draw(st.sampled_from(FLAGS)))
        elif kind == "junk":
            argv.append(draw(random_tokens()))
        else:
            argv.append(draw(st.sampled_from(sorted(VALUES))))
    # Whatever was drawn, a run stays tiny: these override valid values drawn
    # before them, while a bad value drawn before is still refused.
    return argv + ["--iterations", "2", "--n-train", "8", "--n-test", "4"]


_runs = itertools.count()


def _run_cli(capsys, argv):
    with warnings_as_errors():
        status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def _assert_cli_outcome(argv, status, out, err, asked_for_help):
    assert "Traceback" not in out + err
    if status == 0:
        if asked_for_help:
            assert "usage:" in out
        assert err == "", err
        return
    assert status in (1, 2), (status, argv)
    if status == 1 and argv[0] == "gradcheck" and "FAILED" in out:
        return
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nets: error: "), err


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                  HealthCheck.filter_too_much])
@given(argv=train_argv())
def test_cli_train_fuzz_exits_cleanly(capsys, argv):
    with tempfile.TemporaryDirectory(prefix="nets-cli-fuzz-") as tmp, contextlib.chdir(tmp):
        os.mkdir("empty")
        os.mkdir("full")
        with open("full/keep.txt", "w") as f:
            f.write("mine")
        with open("a_file", "w") as f:
            f.write("x")
        run = f"run{next(_runs)}"
        argv = ["train"] + [a.replace("{tmp}", tmp).replace("{run}", run) for a in argv]
        status, out, err = _run_cli(capsys, argv)
        event(f"exit status {status}")
        _assert_cli_outcome(argv, status, out, err, asked_for_help=any(a in ("--help", "-h") for a in argv))
        with open("full/keep.txt") as f:
            assert f.read() == "mine"
        if status == 0 and "--overwrite" not in argv and not any(a in ("--help", "-h") for a in argv):
            assert "Wrote" in out
        if status != 0:
            assert not os.path.exists(run)  # a refused or diverged run leaves no folder behind
            assert sorted(os.listdir("full")) == ["keep.txt"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=st.lists(st.one_of(
    st.sampled_from(["train", "gradcheck", "graph", "predict", "bogus", "", "--help", "-h", "--layers",
                     "--examples", "--eps", "--max-checks", "--model", "--out", "--seed", "--cost"]),
    st.sampled_from(BAD_NUMBERS),
    random_tokens(),
), max_size=6))
def test_cli_any_argument_list_exits_cleanly(capsys, argv):
    """Whatever the tokens (no valid train run can be drawn: 'train' needs --image-size 8 for speed)."""
    if argv[:1] == ["train"]:
        argv = argv + ["--image-size", "7"]  # always refused: a draw must not start a real run
    if argv[:1] == ["gradcheck"]:
        argv = argv + ["--layers", "3,2,1", "--examples", "2"]
    with tempfile.TemporaryDirectory(prefix="nets-cli-any-") as tmp, contextlib.chdir(tmp):
        status, out, err = _run_cli(capsys, argv)
        _assert_cli_outcome(argv, status, out, err, asked_for_help=any(a in ("--help", "-h") for a in argv))


@pytest.mark.parametrize("argv", [
    ["graph", "--examples", "1000000000000", "--out", "g.png"],
    ["gradcheck", "--examples", "99999999999999"],
    ["gradcheck", "--layers", "100000,100000,1"],
    ["train", *BASE, "--layers", "192,100000000000,1"],
    ["train", *BASE, "--image-size", "100000"],
    ["train", *BASE, "--n-train", "100000000000"],
    ["train", *BASE, "--layers", "12288,20,7,5,1"],  # does not match 8x8 pictures: refused before drawing
    ["train", *BASE, "--out", "a\0b"],
    ["train", *BASE, "--data", "a\0b"],
    ["predict", "--model", "a\0b", "x.png"],
], ids=lambda a: " ".join(a)[-40:])
def test_cli_huge_or_odd_requests_are_refused_quickly(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run_cli(capsys, argv)
    assert status == 2, err
    _assert_cli_outcome(argv, status, out, err, asked_for_help=False)
    assert os.listdir(tmp_path) == []


def test_cli_help_exits_0_for_every_command(capsys):
    for argv in (["--help"], ["-h"], ["train", "-h"], ["gradcheck", "--help"], ["graph", "-h"],
                 ["predict", "--help"], ["train", *BASE, "--help"]):
        status, out, err = _run_cli(capsys, argv)
        assert status == 0, argv
        assert "usage:" in out and err == ""
