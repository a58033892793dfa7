"""The model file: a BinaryClassifier written to HDF5 and read back, trusting nothing in the file.

:func:`write_model` writes the format (its mark and version, the model's
settings, how it was trained, one checksummed dataset per parameter) through
a temporary file and a rename; :func:`read_model` reads it back. On reading,
every problem (a missing, truncated, corrupt or foreign file, wrong keys,
dtypes, shapes or attributes) is a :class:`ModelFileError` whose one-line
message names the file.  Nothing in the file is ever unpickled or executed:
only float datasets are read, after their dtype and shape have been checked,
and only datasets stored in the file itself (no soft or external links to
other files).
"""
from __future__ import annotations

import json
import os

import numpy as np

from ..atomic import atomic_path
from ..errors import ModelFileError
from ..validation import check_layer_dims
from .init import INITS
from .options import DTYPES

__all__ = ["FILE_FORMAT", "FILE_VERSION", "read_model", "write_model"]

FILE_FORMAT = "autograd_mini.nets.BinaryClassifier"
FILE_VERSION = 1

#: What h5py and HDF5 raise for damaged files: OSError mostly, but also KeyError
#: ("Unable to open object"), RuntimeError ("Error iterating over attributes"),
#: MemoryError for absurd sizes in a damaged header, ValueError, TypeError...
_READ_ERRORS = (OSError, KeyError, ValueError, TypeError, RuntimeError, MemoryError,
                IndexError, OverflowError, AttributeError)


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _scalar_int(path, key, value) -> int:
    """An attribute that must be a single integer (not a float, string or array)."""
    array = np.asarray(value)
    if array.shape != () or array.dtype.kind not in "iu":
        raise ModelFileError(f"{path}: the attribute {key!r} must be one integer, got {_show(value)}")
    return int(array)


def _show(value, limit: int = 60) -> str:
    if isinstance(value, (np.ndarray, np.generic)):
        value = value.tolist()
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def write_model(model, path) -> None:
    """Write ``model`` (a BinaryClassifier) to ``path``: a reader sees the old file or the new one."""
    import h5py

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FILE_FORMAT
            f.attrs["version"] = FILE_VERSION
            f.attrs["layer_dims"] = np.asarray(model.layer_dims, dtype=np.int64)
            f.attrs["init"] = model.init
            f.attrs["seed"] = -1 if model.seed is None else int(model.seed)
            f.attrs["dtype"] = np.dtype(model.dtype).name
            f.attrs["cost"] = model.cost
            f.attrs["hidden_activation"] = model.hidden_activation
            if model.training is not None:
                # How the weights were trained (fit's options and what ran), as JSON text.
                f.attrs["training"] = json.dumps(model.training)
            for name, value in model.parameters.items():
                # A checksum, so that a damaged weight is an error on load, not a silent change.
                f.create_dataset(name, data=value, fletcher32=True)


def read_model(cls, path):
    """A ``cls`` instance with the weights stored at ``path``; ModelFileError for anything else."""
    import h5py

    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path must be a file name (str or os.PathLike), got {_show(path)}")
    path = os.fsdecode(os.fspath(path))
    # Messages are one line: a name with a newline or a NUL in it is quoted.
    shown = path if path.isprintable() else repr(path)
    if "\0" in path or not os.path.isfile(path):
        raise ModelFileError(f"{shown}: no such model file")
    try:
        f = h5py.File(path, "r")
    except _READ_ERRORS as exc:
        raise ModelFileError(f"{shown}: not a readable HDF5 file ({_reason(exc)})") from None
    try:
        with f:
            return _read_open_file(cls, shown, f, h5py)
    except ModelFileError:
        raise
    except _READ_ERRORS as exc:
        # h5py reports a truncated or damaged file lazily, on the first read.
        raise ModelFileError(f"{shown}: damaged model file ({_reason(exc)})") from None


def _reason(exc) -> str:
    return f"{exc.__class__.__name__}: {' '.join(str(exc).split())}"


def _read_open_file(cls, path, f, h5py):
    attrs = {key: f.attrs[key] for key in f.attrs}
    if _text(attrs.get("format", "")) != FILE_FORMAT:
        raise ModelFileError(f"{path}: not a BinaryClassifier model file (no '{FILE_FORMAT}' format mark)")
    if "version" not in attrs:
        raise ModelFileError(f"{path}: the attribute 'version' is missing")
    version = np.asarray(attrs["version"])
    if version.shape != () or version.dtype.kind not in "iu" or int(version) != FILE_VERSION:
        raise ModelFileError(
            f"{path}: unsupported model file version {_show(attrs['version'])} (expected {FILE_VERSION})"
        )
    for key in ("layer_dims", "init", "seed", "dtype", "cost"):
        if key not in attrs:
            raise ModelFileError(f"{path}: the attribute {key!r} is missing")
    layer_dims = np.asarray(attrs["layer_dims"])
    if layer_dims.ndim != 1 or layer_dims.dtype.kind not in "iu":
        raise ModelFileError(f"{path}: layer_dims must be a list of integers, got {_show(attrs['layer_dims'])}")
    for key in ("init", "dtype", "cost"):
        if not isinstance(attrs[key], (str, bytes)):
            raise ModelFileError(f"{path}: the attribute {key!r} must be a string, got {_show(attrs[key])}")
    init, dtype, cost = _text(attrs["init"]), _text(attrs["dtype"]), _text(attrs["cost"])
    seed = _scalar_int(path, "seed", attrs["seed"])
    # Optional: files written before tanh existed have ReLU hidden layers.
    hidden_activation = attrs.get("hidden_activation", "relu")
    if not isinstance(hidden_activation, (str, bytes)):
        raise ModelFileError(f"{path}: the attribute 'hidden_activation' must be a string, got {_show(hidden_activation)}")
    hidden_activation = _text(hidden_activation)
    if init not in INITS or dtype not in DTYPES:
        raise ModelFileError(f"{path}: unknown init {init!r} or dtype {dtype!r}")
    try:
        dims = check_layer_dims(layer_dims.tolist())
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    # Every dataset is checked before any weight is read or drawn.
    datasets = {}
    for l in range(1, len(dims)):
        for name, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
            link = f.get(name, getlink=True)
            if link is None:
                raise ModelFileError(f"{path}: the dataset {name!r} is missing")
            if not isinstance(link, h5py.HardLink):
                raise ModelFileError(f"{path}: {name} is a {type(link).__name__} to elsewhere, not a dataset in the file")
            data = f[name]
            if not isinstance(data, h5py.Dataset):
                raise ModelFileError(f"{path}: {name} is a {type(data).__name__}, not a dataset")
            if data.dtype.kind != "f":
                raise ModelFileError(f"{path}: {name} has dtype {data.dtype}, expected floats")
            if data.shape != shape:
                raise ModelFileError(f"{path}: {name} has shape {data.shape}, expected {shape}")
            datasets[name] = data
    try:
        model = cls(dims, init=init, seed=None if seed < 0 else seed, dtype=dtype, cost=cost,
                    hidden_activation=hidden_activation)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    parameters = {}
    for name, data in datasets.items():
        value = data[()]
        if not np.isfinite(value).all():
            raise ModelFileError(f"{path}: {name} contains NaN or infinite values")
        parameters[name] = value
    model.set_parameters(parameters)
    if "training" in attrs:
        # Optional (files from before it existed have none): how the weights were trained.
        try:
            training = json.loads(_text(attrs["training"]))
        except (TypeError, ValueError, UnicodeDecodeError):
            training = None
        if not isinstance(training, dict):
            raise ModelFileError(f"{path}: the attribute 'training' is not a JSON object")
        model.training = training
    return model
