"""The command line's jobs as Python functions: train, check gradients, draw a step's graph, predict.

``nets.cli`` only parses arguments and prints; everything here can be called
from Python and returns plain data:

* :func:`run_training` trains on the catvnoncat data (or the built-in
  synthetic stand-in) and writes a run folder: ``metrics.json``,
  ``costs.png``, ``model.h5`` and ``mislabeled.png``;
* :func:`run_gradcheck` compares a random network's gradients three ways
  (autodiff, the post's hand-derived backward pass, finite differences);
* :func:`step_graph` builds the graph of one training step (forward + cost);
* :func:`predict_files` classifies images from PNG/JPG files or HDF5 files.

Errors in the arguments are raised as ``ValueError``/``TypeError`` (or
``nets.data.DataError``, ``nets.ModelFileError``, ``OSError`` for files) before
anything is written.
"""
from __future__ import annotations

import datetime
import math
import os
import platform
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import data as data_module
from .atomic import write_json
from .model import BinaryClassifier, check_fit_options
from .solvers import SOLVERS
from .validation import check_count, check_layer_dims, check_learning_rate

__all__ = [
    "RUN_FILES",
    "SYNTHETIC_SEED",
    "OutputExistsError",
    "run_training",
    "new_run_dir",
    "GradcheckRow",
    "GradcheckReport",
    "run_gradcheck",
    "step_graph",
    "predict_files",
    "read_picture",
    "resize_image",
]

#: The files of a run folder on image data, in the order they are written
#: (metrics.json last: a folder with a metrics.json is a complete run). On 2-D
#: feature data, decision_boundary.png takes mislabeled.png's place.
RUN_FILES = ("model.h5", "costs.png", "mislabeled.png", "metrics.json")
#: The seed of the built-in synthetic data set (fixed: every run sees the same data).
#: Chosen so that the default run shows a clean curve: on this seed, gradient descent
#: at the tutorial's rate lowers the cost at every one of the 2500 iterations (as on
#: the real data), ending at 97% train and 80% test accuracy. On most other seeds the
#: same run sits at the edge of stability, and its cost curve has visible spikes.
SYNTHETIC_SEED = 9
#: The largest synthetic data set (pixel values, train and test) ``run_training``
#: draws: about 25 times the real data set's size.
MAX_SYNTHETIC_VALUES = 2**26


class OutputExistsError(FileExistsError):
    """The output folder exists and holds files; pass ``overwrite=True`` to write into it anyway."""


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


def new_run_dir(parent="runs") -> Path:
    """A fresh folder ``parent/<YYYYmmdd-HHMMSS>-<6 hex digits>``, created now (so it is ours)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        candidate = parent / f"{stamp}-{secrets.token_hex(3)}"
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"could not create a new run folder in {parent}")  # pragma: no cover


def _prepare_out_dir(out, overwrite: bool):
    """Check (and create if needed) the output folder; returns (path, created_folders).

    ``created_folders`` lists the folders this call made, innermost first, so that
    a failed run can remove exactly those and nothing else.
    """
    if out is None:
        parent = Path("runs")
        parent_created = not parent.exists()
        run_dir = new_run_dir(parent)
        return run_dir, [run_dir] + ([parent] if parent_created else [])
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise OutputExistsError(f"{out}: exists and is not a folder")
        if any(out.iterdir()) and not overwrite:
            raise OutputExistsError(
                f"{out}: the output folder exists and is not empty; choose another or pass --overwrite"
            )
        return out, []
    created = []
    missing = out
    while not missing.exists():
        created.append(missing)
        if missing.parent == missing:
            break
        missing = missing.parent
    out.mkdir(parents=True)
    return out, created


def _remove_created(created, written) -> None:
    """Undo a failed run: remove the files written, then the folders made (if empty)."""
    for path in written:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    for folder in created:
        try:
            folder.rmdir()
        except OSError:  # not empty (someone else's files) or already gone: leave it
            pass


def _load_data(data, image_size, n_train, n_test):
    """(train_images, train_y, test_images, test_y, classes, description)."""
    if data is None:
        arrays = data_module.make_synthetic_catvnoncat_images(
            seed=SYNTHETIC_SEED, n_train=n_train, n_test=n_test, image_size=image_size
        )
        return (*arrays, "synthetic")
    return (*data_module.load_catvnoncat_images(data), os.path.abspath(os.fspath(data)))


def _versions() -> dict:
    import sys

    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("h5py", "matplotlib"):
        try:
            versions[name] = __import__(name).__version__
        except Exception:  # pragma: no cover - reporting only
            pass
    try:
        from importlib.metadata import version

        versions["autograd-mini"] = version("autograd-mini")
    except Exception:  # pragma: no cover - not installed as a distribution
        pass
    versions["platform"] = sys.platform
    return versions


def _check_first_layer(layers, h: int, w: int, c: int) -> None:
    n_x = h * w * c
    if layers[0] != n_x:
        raise ValueError(
            f"the first layer size is {layers[0]} but the data has {n_x} features per example "
            f"({h}x{w}x{c} images); the layers must start with {n_x}"
        )


def _check_out_name(out) -> None:
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a folder name (str or os.PathLike), got {type(out).__name__}")
    if "\0" in os.fspath(out):
        raise ValueError(f"out {os.fspath(out)!r}: not a valid folder name (it contains a NUL character)")


#: fit's training options that run_training passes through (and records in metrics.json).
FIT_OPTIONS = ("epochs", "batch_size", "optimizer", "beta", "beta1", "beta2", "epsilon", "l2", "keep_prob",
               "decay", "decay_rate", "decay_interval")


def run_training(
    data=None,
    layers=None,
    init: str = "xavier",
    seed: int = 1,
    learning_rate: float = 0.0075,
    iterations: int | None = None,
    print_every: int = 100,
    dtype: str = "float64",
    cost: str = "stable",
    solver: str = "auto",
    out=None,
    overwrite: bool = False,
    callback=None,
    log=None,
    image_size: int = 64,
    n_train: int = 209,
    n_test: int = 50,
    **fit_options,
) -> dict:
    """Train the tutorial's network and write a run folder; returns the metrics.

    ``data`` is a folder with ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``,
    an HDF5 file of feature matrices (``train_X`` (n_x, m), ``train_Y``, and
    optionally ``test_X``/``test_Y``: the course's 2-D data sets, see
    :func:`nets.data.load_feature_file`), or None for the built-in synthetic
    data (``make_synthetic_catvnoncat`` with seed :data:`SYNTHETIC_SEED`,
    ``image_size``/``n_train``/``n_test`` images). ``layers`` defaults to the
    tutorial's ``[n_x, 20, 7, 5, 1]``. ``fit_options`` are ``fit``'s training
    options (:data:`FIT_OPTIONS`: mini-batches, optimizer, L2, dropout, decay);
    ``iterations`` defaults to 2500 full-batch steps, and must be left out
    with ``batch_size`` (give ``epochs``).
    ``out`` is the run folder; None makes a new ``runs/<timestamp>-<id>``.  A
    non-empty ``out`` is refused (:class:`OutputExistsError`) unless
    ``overwrite``.  ``callback(iteration, cost)`` is called after every
    iteration and ``log(text)`` with a line about what is being trained.

    Writes ``model.h5``, ``costs.png``, ``mislabeled.png`` (image data) or
    ``decision_boundary.png`` (2-D feature data) and, last, ``metrics.json``,
    each atomically.  The returned dict is what
    ``metrics.json`` holds, plus ``"out"`` (the folder) and ``"mislabeled"``.

    Raises :class:`nets.TrainingDiverged` when the cost stops being finite; the run folder, if this call created it, is removed, and
    nothing is written into an existing one.
    """
    started = time.perf_counter()
    # Everything is checked before the output folder is touched.
    unknown = sorted(set(fit_options) - set(FIT_OPTIONS))
    if unknown:
        raise TypeError(f"run_training got unknown option(s) {unknown}")
    feature_file = data is not None and os.path.isfile(data)
    if layers is not None:
        layers = check_layer_dims(layers)
    learning_rate = check_learning_rate(learning_rate)
    if iterations is not None:
        iterations = check_count(iterations, "iterations", 1)
    print_every = check_count(print_every, "print_every", 1)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if out is not None:
        _check_out_name(out)
    if data is None:
        # The synthetic data's size is known before it is drawn: check the layers
        # and the size first, so that a typo costs nothing.
        image_size = check_count(image_size, "image_size", 8)
        n_train = check_count(n_train, "n_train", 1)
        n_test = check_count(n_test, "n_test", 1)
        if layers is None:
            layers = [image_size * image_size * 3, 20, 7, 5, 1]
        _check_first_layer(layers, image_size, image_size, 3)
        values = (n_train + n_test) * image_size * image_size * 3
        if values > MAX_SYNTHETIC_VALUES:
            raise ValueError(
                f"synthetic data of {n_train} + {n_test} images of {image_size}x{image_size}x3 would hold "
                f"{values:,} values; at most {MAX_SYNTHETIC_VALUES:,} are allowed"
            )
    # init, seed, dtype and cost are checked on a one-weight model, so that a typo
    # is reported before the data is read and the real weights are drawn.
    BinaryClassifier([1, 1], init=init, seed=seed, dtype=dtype, cost=cost)
    check_fit_options(iterations=iterations, **fit_options)
    if feature_file:
        train_x, train_y, test_x, test_y = data_module.load_feature_file(data)
        train_images = test_images = classes = None
        description = os.path.abspath(os.fspath(data))
        if layers is None:
            layers = [train_x.shape[0], 20, 7, 5, 1]
        if layers[0] != train_x.shape[0]:
            raise ValueError(f"the first layer size is {layers[0]} but the data has {train_x.shape[0]} features "
                             f"per example; the layers must start with {train_x.shape[0]}")
    else:
        train_images, train_y, test_images, test_y, classes, description = _load_data(
            data, image_size, n_train, n_test
        )
        if layers is None:
            layers = [int(np.prod(train_images.shape[1:])), 20, 7, 5, 1]
        _check_first_layer(layers, *train_images.shape[1:])
        train_x = data_module.flatten_images(train_images)
        test_x = data_module.flatten_images(test_images)
    model = BinaryClassifier(layers, init=init, seed=seed, dtype=dtype, cost=cost)

    out_dir, created = _prepare_out_dir(out, overwrite)
    written = []
    try:
        if log is not None:
            log(
                f"Training {layers} on {description} data ({train_x.shape[1]} train, "
                f"{test_x.shape[1]} test images), writing to {out_dir}"
            )
        history = model.fit(train_x, train_y, learning_rate=learning_rate, iterations=iterations,
                            print_every=print_every, callback=callback, solver=solver, **fit_options)
        train_accuracy = model.accuracy(train_x, train_y)
        test_accuracy = None if test_x is None else model.accuracy(test_x, test_y)

        from .plots import plot_costs, plot_decision_boundary, plot_mislabeled

        costs = [[int(i), float(c)] for i, c in history]
        files = ["model.h5", "costs.png"]
        if train_images is not None:
            files.append("mislabeled.png")
        elif train_x.shape[0] == 2:
            files.append("decision_boundary.png")
        files.append("metrics.json")
        paths = {name: out_dir / name for name in files}
        written.append(paths["model.h5"])
        model.save(paths["model.h5"])
        written.append(paths["costs.png"])
        plot_costs(costs, learning_rate, paths["costs.png"], unit=history.unit)
        mislabeled = None
        if "mislabeled.png" in paths:
            written.append(paths["mislabeled.png"])
            test_pred = model.predict(test_x)
            mislabeled = plot_mislabeled(classes, test_images, test_y, test_pred, paths["mislabeled.png"])
        if "decision_boundary.png" in paths:
            written.append(paths["decision_boundary.png"])
            plot_decision_boundary(model, train_x, train_y, paths["decision_boundary.png"],
                                   title=f"{layers}, train accuracy {train_accuracy:.4f}")
        training = model.training
        metrics = {
            "layers": layers,
            "init": init,
            "seed": seed,
            "learning_rate": learning_rate,
            "iterations": training.get("iterations"),
            "epochs": training.get("epochs"),
            "batch_size": training["batch_size"],
            "optimizer": training["optimizer"],
            **{k: training[k] for k in ("beta", "beta1", "beta2", "epsilon") if k in training},
            "l2": training["l2"],
            "keep_prob": training["keep_prob"],
            "decay": training["decay"],
            **{k: training[k] for k in ("decay_rate", "decay_interval") if k in training},
            "steps": history.steps,
            "cost_unit": history.unit,
            "print_every": print_every,
            "dtype": np.dtype(model.dtype).name,
            "cost": cost,
            "solver": history.solver,
            "solver_requested": solver,
            "data": description,
            "n_train": int(train_x.shape[1]),
            "n_test": 0 if test_x is None else int(test_x.shape[1]),
            "image_shape": None if train_images is None else [int(s) for s in train_images.shape[1:]],
            "n_features": int(train_x.shape[0]),
            "costs": costs,
            "final_cost": costs[-1][1],
            "train_accuracy": train_accuracy,
            "test_accuracy": test_accuracy,
            "test_mislabeled": mislabeled,
            "seconds": history.seconds,
            "total_seconds": time.perf_counter() - started,
            "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "versions": _versions(),
            "files": files,
        }
        written.append(paths["metrics.json"])
        write_json(paths["metrics.json"], metrics)
    except BaseException:
        # Diverged, interrupted or failed to write: a folder this call made goes
        # away entirely.  An existing folder is left alone: training fails before
        # anything is written, and a file already replaced cannot be restored.
        _remove_created(created, written if created else [])
        raise
    return {**metrics, "out": str(out_dir), "mislabeled": mislabeled}


# ---------------------------------------------------------------------------
# Gradient check
# ---------------------------------------------------------------------------

#: Tolerances of the three comparisons (relative, see :func:`relative_difference`).
TOLERANCES = {"autodiff-vs-oracle": 1e-10, "autodiff-vs-fd": 1e-5, "oracle-vs-fd": 1e-5}
#: Pre-activations closer to 0 than this count as "at the ReLU kink" for finite differences.
KINK_MARGIN = 1e-3


def relative_difference(a, b) -> float:
    """``max|a - b| / max(max|a|, max|b|, tiny)``: 0 for equal arrays, ~1 for unrelated ones."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


@dataclass
class GradcheckRow:
    parameter: str
    shape: tuple
    checked: int  # entries compared with finite differences
    differences: dict  # comparison name -> relative difference


@dataclass
class GradcheckReport:
    layers: list
    examples: int
    seed: int
    cost: str
    eps: float
    rows: list = field(default_factory=list)
    min_abs_z: float = math.inf  # smallest |Z| of a ReLU layer: the distance from the kink
    redraws: int = 0
    tolerances: dict = field(default_factory=lambda: dict(TOLERANCES))

    @property
    def failures(self) -> list:
        """``[(parameter, comparison, difference, tolerance), ...]`` above tolerance (NaN fails)."""
        bad = []
        for row in self.rows:
            for name, value in row.differences.items():
                tol = self.tolerances[name]
                if not value <= tol:
                    bad.append((row.parameter, name, value, tol))
        return bad

    @property
    def near_kink(self) -> bool:
        return self.min_abs_z < KINK_MARGIN

    @property
    def passed(self) -> bool:
        return not self.failures


def _hidden_pre_activations(X, parameters):
    """The Z of every ReLU layer, by the post's forward pass."""
    from . import manual

    _, caches = manual.L_model_forward(X, parameters)
    return [cache[1] for cache in caches[:-1]]


def run_gradcheck(layers=(10, 5, 3, 1), examples: int = 8, seed: int = 1, cost: str = "stable",
                  eps: float = 1e-6, max_checks: int = 2000) -> GradcheckReport:
    """Compare the gradients of a random network three ways.

    The network is ``BinaryClassifier(layers, init="xavier", seed=seed)`` with
    biases drawn too (``randn * 0.1``, so that they are checked at a generic
    point); X is ``randn`` (features, examples) and Y random 0/1, drawn from
    ``RandomState(seed)``.  X is redrawn (up to 200 times) until every ReLU
    pre-activation is at least :data:`KINK_MARGIN` away from 0, where a
    finite difference would straddle the kink; the report says if that failed.

    * autodiff: ``model.gradients(X, Y)``;
    * oracle: the post's ``L_model_forward`` / ``L_model_backward`` on
      ``model.parameters``;
    * fd: central differences of the post's ``compute_cost`` (float64, step
      ``eps``) on at most ``max_checks`` entries of each parameter (all of
      them for small networks; a random subset, the same for all columns,
      otherwise).
    """
    from . import manual

    layers = check_layer_dims(layers)
    examples = check_count(examples, "examples", 1)
    max_checks = check_count(max_checks, "max_checks", 1)
    if not (isinstance(eps, float) and 0 < eps < 1):
        raise ValueError(f"eps must be a float in (0, 1), got {eps!r}")
    model = BinaryClassifier(layers, init="xavier", seed=seed, dtype="float64", cost=cost)
    rng = np.random.RandomState(seed)
    params = model.parameters
    for l in range(1, len(layers)):
        params[f"b{l}"] = rng.randn(layers[l], 1) * 0.1
    model.set_parameters(params)
    params = model.parameters

    best = None
    redraws = 0
    for attempt in range(200):
        X = rng.randn(layers[0], examples)
        Y = (rng.rand(1, examples) < 0.5).astype(np.float64)
        zs = _hidden_pre_activations(X, params)
        margin = min((float(np.min(np.abs(z))) for z in zs), default=math.inf)
        if best is None or margin > best[2]:
            best = (X, Y, margin)
        if margin >= KINK_MARGIN:
            break
        redraws = attempt + 1
    X, Y, margin = best

    autodiff = model.gradients(X, Y)
    AL, caches = manual.L_model_forward(X, params)
    oracle = manual.L_model_backward(AL, Y, caches)

    def cost_at(p):
        AL, _ = manual.L_model_forward(X, p)
        return float(manual.compute_cost(AL, Y))

    report = GradcheckReport(layers=layers, examples=examples, seed=seed, cost=cost, eps=eps,
                             min_abs_z=margin, redraws=redraws)
    check_rng = np.random.RandomState(seed + 1)
    for l in range(1, len(layers)):
        for kind in ("W", "b"):
            name = f"{kind}{l}"
            value = params[name]
            size = value.size
            flat_indices = (np.arange(size) if size <= max_checks
                            else np.sort(check_rng.choice(size, max_checks, replace=False)))
            fd = np.empty(len(flat_indices))
            shifted = dict(params)
            for k, flat in enumerate(flat_indices):
                index = np.unravel_index(flat, value.shape)
                plus = value.copy()
                plus[index] += eps
                minus = value.copy()
                minus[index] -= eps
                shifted[name] = plus
                c_plus = cost_at(shifted)
                shifted[name] = minus
                c_minus = cost_at(shifted)
                fd[k] = (c_plus - c_minus) / (2 * eps)
            a = np.asarray(autodiff["d" + name], dtype=np.float64)
            o = np.asarray(oracle["d" + name], dtype=np.float64)
            if a.shape != value.shape:
                raise ValueError(f"autodiff gradient d{name} has shape {a.shape}, expected {value.shape}")
            a_sub, o_sub = a.reshape(-1)[flat_indices], o.reshape(-1)[flat_indices]
            report.rows.append(GradcheckRow(
                parameter=name,
                shape=value.shape,
                checked=len(flat_indices),
                differences={
                    "autodiff-vs-oracle": relative_difference(a, o),
                    "autodiff-vs-fd": relative_difference(a_sub, fd),
                    "oracle-vs-fd": relative_difference(o_sub, fd),
                },
            ))
    return report


# ---------------------------------------------------------------------------
# The graph of one training step
# ---------------------------------------------------------------------------


def step_graph(layers=(12288, 20, 7, 5, 1), examples: int = 209, cost: str = "stable",
               dtype: str = "float64", seed: int = 1):
    """The cost tensor of one training step (forward + cost), its graph still attached.

    X (zeros) and Y (zeros) are named "X" and "Y" so that the drawing shows
    them; only their shapes matter.
    """
    layers = check_layer_dims(layers)
    examples = check_count(examples, "examples", 1)
    model = BinaryClassifier(layers, init="xavier", seed=seed, dtype=dtype, cost=cost)
    batch = model.batch(np.zeros((layers[0], examples)), np.zeros((1, examples)))
    batch.X.name = "X"
    batch.Y.name = "Y"
    root = model.compute_cost(batch)
    root.name = "cost"
    return root


# ---------------------------------------------------------------------------
# Prediction
# ---------------------------------------------------------------------------

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")
HDF5_SUFFIXES = (".h5", ".hdf5")


def model_image_side(model) -> int:
    """The side of the square RGB pictures the model takes (64 for n_x = 64*64*3)."""
    n_x = model.layer_dims[0]
    side = math.isqrt(n_x // 3)
    if n_x % 3 or side * side * 3 != n_x:
        raise ValueError(
            f"the model's input size {n_x} is not that of a square RGB picture (side*side*3), "
            f"so it cannot classify pictures"
        )
    return side


def resize_image(image, side: int):
    """(H, W, 3) float image -> (side, side, 3): block averages when H and W are multiples of
    ``side`` (area resampling), nearest neighbour otherwise."""
    h, w = image.shape[:2]
    if (h, w) == (side, side):
        return image
    if h % side == 0 and w % side == 0:
        return image.reshape(side, h // side, side, w // side, image.shape[2]).mean(axis=(1, 3))
    rows = np.minimum(((np.arange(side) + 0.5) * h / side).astype(int), h - 1)
    cols = np.minimum(((np.arange(side) + 0.5) * w / side).astype(int), w - 1)
    return image[rows][:, cols]


def read_picture(path, side: int):
    """A PNG/JPG file as the network's x column: (side*side*3, 1) float64 in [0, 1].

    Alpha is dropped, grey is repeated to RGB, integer pictures are divided by
    their maximum value (255 for 8 bits), float ones (PNG) are taken as [0, 1].
    """
    import matplotlib.image as mpimg

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise data_module.DataError(f"{path}: file not found")
    try:
        image = np.asarray(mpimg.imread(path))
    except Exception as exc:  # PIL raises its own errors (OSError, ValueError, SyntaxError)
        raise data_module.DataError(f"{path}: cannot read as an image ({exc.__class__.__name__}: {exc})") from None
    if image.dtype.kind in "iu":
        image = image.astype(np.float64) / np.iinfo(image.dtype).max
    elif image.dtype.kind == "f":
        image = image.astype(np.float64)
    else:
        raise data_module.DataError(f"{path}: unsupported pixel type {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (1, 2, 3, 4):
        raise data_module.DataError(f"{path}: not a picture (array of shape {image.shape})")
    if image.shape[2] in (1, 2):  # grey, grey + alpha
        image = np.repeat(image[:, :, :1], 3, axis=2)
    image = image[:, :, :3]
    image = np.clip(resize_image(image, side), 0.0, 1.0)
    return image.reshape(1, -1).T


def predict_files(model_path, inputs) -> list:
    """Classify the pictures in ``inputs`` (PNG/JPG files, or HDF5 files in the catvnoncat format).

    Returns one dict per image: ``source`` (the file), ``index`` (within the
    file), ``label`` (0/1), ``class`` (its name), ``p_cat`` (the probability
    of class 1), ``p`` (the probability of the predicted class) and ``truth``
    (the file's label, when an HDF5 file has labels, else None).
    """
    model = BinaryClassifier.load(model_path)
    if not inputs:
        raise ValueError("no input files given")
    results = []
    for source in inputs:
        source = os.fspath(source)
        suffix = os.path.splitext(source)[1].lower()
        classes = data_module.CLASSES
        truth = None
        if suffix in HDF5_SUFFIXES:
            images, labels, file_classes = data_module.read_image_file(source)
            if file_classes is not None:
                classes = file_classes
            X = data_module.flatten_images(images)
            if X.shape[0] != model.layer_dims[0]:
                raise ValueError(
                    f"{source}: the images are {images.shape[1]}x{images.shape[2]}x{images.shape[3]} "
                    f"({X.shape[0]} values) but the model takes {model.layer_dims[0]} inputs"
                )
            truth = None if labels is None else labels.reshape(-1)
        elif suffix in PICTURE_SUFFIXES:
            X = read_picture(source, model_image_side(model))
        else:
            raise ValueError(
                f"{source}: unknown file type {suffix or '(none)'!r}; expected a picture "
                f"({', '.join(PICTURE_SUFFIXES)}) or an HDF5 file ({', '.join(HDF5_SUFFIXES)})"
            )
        p_cat = model.predict_proba(X).reshape(-1)
        labels_pred = (p_cat > 0.5).astype(int)
        for i, (p1, lab) in enumerate(zip(p_cat, labels_pred)):
            name = classes[lab] if lab < len(classes) else str(lab)
            results.append({
                "source": source,
                "index": i,
                "label": int(lab),
                "class": name.decode("utf-8") if isinstance(name, bytes) else str(name),
                "p_cat": float(p1),
                "p": float(p1 if lab == 1 else 1.0 - p1),
                "truth": None if truth is None else int(truth[i]),
            })
    return results
