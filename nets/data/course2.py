"""The course's 2-D data sets (initialisation, regularisation, optimisation): feature matrices in HDF5.

Unlike the cat pictures these are stored as the network's input already:
``train_X`` (n_x, m) and ``train_Y`` (1, m), optionally ``test_X``/``test_Y``.
"""
import h5py
import numpy as np

from ..errors import DataError
from .files import HDF5_ERRORS, existing_file, read_dataset, unreadable

__all__ = ["load_feature_file"]


def _check_features(name, key, raw, n=None):
    array = np.asarray(raw)
    if array.ndim != 2 or array.shape[1] == 0:
        raise DataError(f"{name}: '{key}' must be a (features, examples) matrix, got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise DataError(f"{name}: '{key}' holds {array.dtype} values, not numbers")
    if n is not None and array.shape[0] != n:
        raise DataError(f"{name}: '{key}' has {array.shape[0]} features, train_X has {n}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise DataError(f"{name}: '{key}' contains NaN or infinite values")
    return array


def _check_feature_labels(name, key, raw, m):
    array = np.asarray(raw)
    if array.shape not in ((1, m), (m,)):
        raise DataError(f"{name}: '{key}' must have shape (1, {m}) to match the features, got {array.shape}")
    if array.dtype.kind not in "biuf":
        raise DataError(f"{name}: '{key}' holds {array.dtype} values, not labels")
    bad = np.setdiff1d(np.unique(array), [0, 1])
    if bad.size:
        raise DataError(f"{name}: '{key}' must hold only the labels 0 and 1, found {bad[:5].tolist()}")
    return array.reshape(1, m).astype(np.int64)


def load_feature_file(path):
    """Read a data set stored as feature matrices (the course's 2-D data sets).

    The HDF5 file holds ``train_X`` (n_x, m) and ``train_Y`` (1, m), and
    optionally ``test_X`` and ``test_Y`` (both or neither). Returns
    ``(train_X, train_Y, test_X, test_Y)``: float64 features, int64 0/1
    labels (1, m); the test pair is ``(None, None)`` when absent. Raises
    DataError naming the file and the problem.
    """
    path, name = existing_file(path)
    try:
        with h5py.File(path, "r") as f:
            keys = set(f.keys())
            missing = [k for k in ("train_X", "train_Y") if k not in keys]
            if missing:
                raise DataError(f"{name}: missing key(s) {missing}; keys present: {sorted(keys)}")
            if ("test_X" in keys) != ("test_Y" in keys):
                raise DataError(f"{name}: has only one of test_X and test_Y; give both or neither")
            raw = {k: read_dataset(name, f, k) for k in ("train_X", "train_Y", "test_X", "test_Y") if k in keys}
    except DataError:
        raise
    except HDF5_ERRORS as err:
        raise unreadable(name, err) from None
    train_X = _check_features(name, "train_X", raw["train_X"])
    train_Y = _check_feature_labels(name, "train_Y", raw["train_Y"], train_X.shape[1])
    if "test_X" not in raw:
        return train_X, train_Y, None, None
    test_X = _check_features(name, "test_X", raw["test_X"], train_X.shape[0])
    test_Y = _check_feature_labels(name, "test_Y", raw["test_Y"], test_X.shape[1])
    return train_X, train_Y, test_X, test_Y
