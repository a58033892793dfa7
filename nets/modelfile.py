"""Reading a saved BinaryClassifier back, trusting nothing in the file."""
from __future__ import annotations

import os

import numpy as np

from .model import DTYPES, FILE_FORMAT, FILE_VERSION, ModelFileError
from .init import INITS


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def read_model(cls, path):
    """A ``cls`` instance with the weights stored at ``path``; ModelFileError for anything else."""
    import h5py

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"{path}: no such model file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ModelFileError(f"{path}: not a readable HDF5 file ({exc.__class__.__name__}: {exc})") from None
    try:
        with f:
            attrs = dict(f.attrs)
            if _text(attrs.get("format", "")) != FILE_FORMAT:
                raise ModelFileError(f"{path}: not a BinaryClassifier model file (no '{FILE_FORMAT}' format mark)")
            version = attrs.get("version")
            if version != FILE_VERSION:
                raise ModelFileError(f"{path}: unsupported model file version {version!r} (expected {FILE_VERSION})")
            for key in ("layer_dims", "init", "seed", "dtype", "cost"):
                if key not in attrs:
                    raise ModelFileError(f"{path}: the attribute {key!r} is missing")
            layer_dims = np.asarray(attrs["layer_dims"])
            if layer_dims.ndim != 1 or layer_dims.dtype.kind not in "iu":
                raise ModelFileError(f"{path}: layer_dims must be a list of integers, got {layer_dims!r}")
            init, dtype, cost = _text(attrs["init"]), _text(attrs["dtype"]), _text(attrs["cost"])
            seed = int(attrs["seed"])
            if init not in INITS or dtype not in DTYPES:
                raise ModelFileError(f"{path}: unknown init {init!r} or dtype {dtype!r}")
            try:
                model = cls(layer_dims.tolist(), init=init, seed=None if seed < 0 else seed, dtype=dtype, cost=cost)
            except (TypeError, ValueError) as exc:
                raise ModelFileError(f"{path}: {exc}") from None
            parameters = {}
            for l in range(1, len(model.layer_dims)):
                for name, shape in ((f"W{l}", (model.layer_dims[l], model.layer_dims[l - 1])),
                                    (f"b{l}", (model.layer_dims[l], 1))):
                    if name not in f or not isinstance(f[name], h5py.Dataset):
                        raise ModelFileError(f"{path}: the dataset {name!r} is missing")
                    data = f[name]
                    if data.shape != shape:
                        raise ModelFileError(f"{path}: {name} has shape {data.shape}, expected {shape}")
                    if data.dtype.kind != "f":
                        raise ModelFileError(f"{path}: {name} has dtype {data.dtype}, expected floats")
                    value = data[()]
                    if not np.isfinite(value).all():
                        raise ModelFileError(f"{path}: {name} contains NaN or infinite values")
                    parameters[name] = value
            model.set_parameters(parameters)
            return model
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        # h5py reports a truncated or damaged file lazily, on the first read.
        raise ModelFileError(f"{path}: damaged model file ({exc.__class__.__name__}: {exc})") from None
